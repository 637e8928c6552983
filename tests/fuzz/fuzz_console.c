// SPDX-License-Identifier: GPL-2.0
/*
 * The serial console: whatever the board writes to its UART through
 * libvterm's parser and state into the screen grid and the scrollback of
 * core/console/, with a window resize in the middle; then every cell, row
 * and scrollback line is read back as the pane does.
 *
 * console.h promises that any split of the bytes gives the same screen
 * ("UTF-8 and escapes may straddle"): the stream goes to two consoles,
 * one in pieces of random sizes, the other in one piece but for where the
 * first was cut just before a character's UTF-8 lead byte or inside the
 * character, and their screens, scrollbacks, cursors and answers must be
 * the same. (Those cuts are kept because libvterm 0.1.4 joins combining
 * marks that come in a later write to their character everywhere but in
 * the last column, where they go to the next line: a limit of libvterm
 * that kmdash does not hide, see core/console/console_guard.c. A cut
 * inside a character is kept where it is, not moved to its lead byte:
 * after a sequence that the lead byte breaks off, the guard writes the
 * U+FFFD of the broken one when the lead byte comes, so the cut decides
 * whether the next character shares its write.)
 *
 * Input: rows, cols, flags, the rows and cols of the resize, a split
 * byte, then the stream. Sizes stay below 256: the board cannot choose
 * the window's size (the resize comes from the developer's terminal).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/console/console.h"
#include "tests/fuzz/fuzz.h"

enum {
	NEWLINE_MODE = 1 << 0,
	SMALL_SCROLLBACK = 1 << 1,
	NO_RESIZE = 1 << 2,
};

struct side {
	struct console *c;
	size_t replied; /* terminal answers (ESC[6n ...) for the board */
	uint64_t sb_read; /* scrollback lines read back (they never change) */
};

/* The first console's pieces, and where it was cut before a lead byte. */
struct cuts {
	struct console *c;
	const uint8_t *p;
	size_t len, pos;
	size_t *at, n, cap;
};

/*
 * pos if a cut there can end one of libvterm's writes before a character:
 * before a lead byte or inside a character (console_guard.c holds its
 * first bytes back until the rest comes); else 0, no cut.
 */
static size_t write_cut(const uint8_t *p, size_t len, size_t pos)
{
	size_t q = pos;

	if (pos >= len)
		return 0;
	if (p[pos] >= 0xc0 && p[pos] <= 0xfd)
		return pos;
	while (q > 0 && pos - q < 5 && p[q - 1] >= 0x80 && p[q - 1] <= 0xbf)
		q--;
	if (q > 0 && p[q - 1] >= 0xc0 && p[q - 1] <= 0xfd) {
		uint8_t lead = p[q - 1];
		size_t n = lead < 0xe0 ? 2 :
			   lead < 0xf0 ? 3 :
			   lead < 0xf8 ? 4 :
			   lead < 0xfc ? 5 :
					 6;

		if (pos - (q - 1) < n)
			return pos;
	}
	return 0;
}

static void feed(const void *piece, size_t len, void *arg)
{
	struct cuts *k = arg;
	size_t at;

	console_feed(k->c, piece, len);
	k->pos += len;
	at = write_cut(k->p, k->len, k->pos);
	if (at && (!k->n || k->at[k->n - 1] != at)) {
		if (k->n == k->cap) {
			k->cap = k->cap ? 2 * k->cap : 64;
			k->at = realloc(k->at, k->cap * sizeof(*k->at));
			fuzz_assert(k->at != NULL, "realloc");
		}
		k->at[k->n++] = at;
	}
}

/* p to both consoles: a in pieces (split, seed), b cut as said above. */
static void feed_both(struct side *a, struct side *b, const uint8_t *p,
		      size_t len, uint8_t split, uint32_t seed)
{
	struct cuts k = { .c = a->c, .p = p, .len = len };
	size_t from = 0;

	fuzz_split(p, len, split, seed, feed, &k);
	for (size_t i = 0; i < k.n; i++) {
		console_feed(b->c, (const char *)p + from, k.at[i] - from);
		from = k.at[i];
	}
	console_feed(b->c, (const char *)p + from, len - from);
	free(k.at);
}

static void reply(const char *buf, size_t n, void *arg)
{
	struct side *s = arg;

	s->replied += n;
}

static void check_cell(const struct console_cell *cell)
{
	fuzz_assert(cell->width >= 1 && cell->width <= 2, "cell width");
	for (int i = 0; i < CONSOLE_MAX_CHARS && cell->chars[i]; i++)
		fuzz_assert(cell->chars[i] <= 0x10ffff ||
				    (!i &&
				     cell->chars[i] == CONSOLE_WIDE_RIGHT),
			    "a cell holds code points");
}

/* Cell (row, col) of the screen, the same on both. */
static void same_cell(struct console *a, struct console *b, int row, int col)
{
	struct console_cell ca, cb;

	fuzz_assert(!console_cell(a, row, col, &ca) &&
			    !console_cell(b, row, col, &cb),
		    "every cell of the screen is there");
	check_cell(&ca);
	fuzz_assert(!memcmp(&ca, &cb, sizeof(cb)),
		    "any split of the stream gives the same cells");
}

/* Everything the pane reads, the same on both consoles. */
static void read_back(struct side *sa, struct side *sb)
{
	struct console *a = sa->c, *b = sb->c;
	int rows = console_rows(a), cols = console_cols(a), r, col, r2, col2;
	char ta[4096], tb[4096];
	struct console_cell ca, cb;
	bool visible, visible2;
	uint64_t first = console_sb_first(a);

	for (r = 0; r < rows; r++) {
		for (col = 0; col < cols; col++)
			same_cell(a, b, r, col);
		fuzz_assert(console_row_text(a, r, ta, sizeof(ta)) < sizeof(ta),
			    "row text fits its buffer");
		console_row_text(b, r, tb, sizeof(tb));
		fuzz_assert(!strcmp(ta, tb), "the same row text");
	}
	fuzz_assert(console_cell(a, rows, 0, &ca) == -ERANGE,
		    "below the screen: -ERANGE");
	console_cursor(a, &r, &col, &visible);
	console_cursor(b, &r2, &col2, &visible2);
	fuzz_assert(r >= 0 && r < rows && col >= 0 && col < cols,
		    "the cursor is on the screen");
	fuzz_assert(r == r2 && col == col2 && visible == visible2,
		    "the same cursor");
	fuzz_assert(first == console_sb_first(b) &&
			    console_sb_end(a) == console_sb_end(b),
		    "the same scrollback lines");
	for (uint64_t s = first > sa->sb_read ? first : sa->sb_read;
	     s < console_sb_end(a); s++) {
		int w = console_sb_width(a, s);

		fuzz_assert(w >= 0 && w == console_sb_width(b, s),
			    "scrollback line widths");
		for (col = 0; col <= w; col++) {
			fuzz_assert(!console_sb_cell(a, s, col, &ca) &&
					    !console_sb_cell(b, s, col, &cb),
				    "held scrollback cells are there");
			check_cell(&ca);
			fuzz_assert(!memcmp(&ca, &cb, sizeof(cb)),
				    "the same scrollback cells");
		}
		console_sb_text(a, s, ta, sizeof(ta));
		console_sb_text(b, s, tb, sizeof(tb));
		fuzz_assert(!strcmp(ta, tb), "the same scrollback text");
	}
	sa->sb_read = console_sb_end(a);
	fuzz_assert(sa->replied == sb->replied, "the same answers");
	console_clear_dirty(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t rows = fuzz_take(&in), cols = fuzz_take(&in);
	uint8_t flags = fuzz_take(&in);
	uint8_t rows2 = fuzz_take(&in), cols2 = fuzz_take(&in);
	uint8_t split = fuzz_take(&in);
	struct console_config cfg = {
		.rows = 1 + rows % 64,
		.cols = 1 + cols,
		.sb_lines = flags & SMALL_SCROLLBACK ? 8 : 0,
		.sb_bytes = flags & SMALL_SCROLLBACK ? 1024 : 0,
		.newline_mode = flags & NEWLINE_MODE,
	};
	struct side a = { console_new(&cfg), 0, 0 };
	struct side b = { console_new(&cfg), 0, 0 };
	size_t half = in.n / 2;

	fuzz_assert(a.c && b.c, "console_new");
	console_set_reply(a.c, reply, &a);
	console_set_reply(b.c, reply, &b);
	feed_both(&a, &b, in.p, half, split, split);
	if (!(flags & NO_RESIZE)) {
		fuzz_assert(!console_resize(a.c, 1 + rows2 % 64, 1 + cols2) &&
				    !console_resize(b.c, 1 + rows2 % 64,
						    1 + cols2),
			    "console_resize");
		read_back(&a, &b);
	}
	feed_both(&a, &b, in.p + half, in.n - half, split, split + 1);
	read_back(&a, &b);
	console_free(a.c);
	console_free(b.c);
	return 0;
}
