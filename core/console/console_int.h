/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by console.c (the API), console_state.c (libvterm's state
 * callbacks) and console_grid.c (the cells). Not for other modules.
 */
#ifndef KMDASH_CONSOLE_INT_H
#define KMDASH_CONSOLE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <vterm.h>

#include "core/console/console.h"

/*
 * A cell, 16 bytes, in the grid and in the scrollback alike. All zero is a
 * blank in the default colours: clearing is a memset, and a row's cells
 * from `used` on are known blank without being looked at.
 */
struct gcell {
	/*
	 * A code point; 0 for blank; CONSOLE_WIDE_RIGHT; or CH_COMB | i:
	 * a character with combining marks, kept in the pool at i.
	 */
	uint32_t ch;
	uint32_t fg, bg; /* kind << 24 | index, or kind << 24 | r g b */
	uint8_t attrs; /* CONSOLE_ATTR_* */
	uint8_t flags; /* GC_* */
	uint16_t pad;
};

#define CH_COMB 0x80000000u
#define GC_WIDE 0x01 /* the left half of a wide character */
#define GC_PROTECTED 0x02 /* DECSCA: selective erase leaves it */

struct grow {
	int used; /* cells from here on are all zero */
	bool comb; /* some cell may refer to the combining pool */
	struct gcell c[];
};

/* libvterm 0.1.4's parser states (its parser.c) as the guard follows them. */
enum guard_vt {
	GVT_NORMAL,
	GVT_ESC,
	GVT_CSI_LEADER,
	GVT_CSI_ARGS,
	GVT_CSI_INTERMED,
	/* what libvterm is not given: a cancelled CSI sequence's rest */
	GVT_DROP_ARGS,
	GVT_DROP_INTERMED,
	/* an OSC or DCS string, and an ESC in one */
	GVT_DROP_STRING,
	GVT_DROP_ESC,
};

/* What console_guard.c keeps between feeds. */
struct console_guard {
	unsigned char utf8[6]; /* a UTF-8 sequence cut by the end of a feed */
	int utf8_len, utf8_need;
	enum guard_vt vt; /* the state libvterm's parser will be in */
	int argi; /* separators of the CSI sequence so far */
	long arg; /* the value of its argument being read */
	bool rep_ok; /* the last character is one REP can repeat */
};

struct comb {
	uint32_t ch[CONSOLE_MAX_CHARS];
};

struct console {
	VTerm *vt;
	VTermState *state;
	int rows, cols;
	struct grow **grid[2]; /* primary, alternate (made on first use) */
	struct grow **g; /* the one shown */
	struct grow **spare; /* rows * pointers: room for a rotation */
	struct gcell pen; /* fg, bg, attrs of what is written next */
	bool reverse; /* DECSCNM: the whole screen in reverse video */
	uint64_t *dirty; /* one bit per row */
	bool cursor_dirty, sb_dirty;
	bool cursor_visible;
	int resize_rows; /* lines a shrink scrolled off: the state's delta */
	struct ring *sb;
	struct gcell *packbuf;
	int packcap;
	/*
	 * Characters with combining marks, rare on a console: cells refer
	 * to them by index, so cells stay plain values that scrolls copy
	 * freely. When full, the pool keeps only what cells still show.
	 */
	struct comb *pool;
	uint32_t npool, poolcap;
	struct console_guard guard; /* between the line and libvterm */
	console_bytes_fn reply, sink;
	void *reply_arg, *sink_arg;
	/*
	 * While a key is encoded, libvterm's output goes here instead of
	 * to the reply callback (console_encode_key()).
	 */
	char *keybuf;
	size_t keylen, keycap;
	bool keyover; /* it did not fit */
};

static inline bool is_comb(uint32_t ch)
{
	return (ch & CH_COMB) && ch != CONSOLE_WIDE_RIGHT;
}

/* A word at a time: every scroll marks its whole region. */
static inline void mark_rows(struct console *c, int from, int to)
{
	if (from < 0)
		from = 0;
	if (to > c->rows)
		to = c->rows;
	while (from < to) {
		int bit = from % 64;
		int n = to - from < 64 - bit ? to - from : 64 - bit;

		c->dirty[from / 64] |= (n == 64 ? ~0ULL : (1ULL << n) - 1)
				       << bit;
		from += n;
	}
}

/* console_grid.c: the cells */
struct grow **cgrid_new(int rows, int cols);
void cgrid_free(struct grow **g, int rows);
void cgrid_fill(struct console *c, struct grow *r, int from, int to,
		bool selective);
void cgrid_put_glyph(struct console *c, struct grow *r, int x,
		     VTermGlyphInfo *info);
void cgrid_rotate(struct console *c, int top, int bottom, int down);
void cgrid_move_cells(struct console *c, VTermRect rect, int down, int right);
void cgrid_sb_push(struct console *c, const struct grow *r);
struct grow **cgrid_reshape(struct console *c, struct grow **old, int skip,
			    int rows, int cols);
void cgrid_commit(struct console *c, struct grow **old, struct grow **g,
		  int skip, int rows, int cols);

/*
 * console_guard.c: the next write for libvterm from in (room in out for
 * 3 * n + 3 bytes). Returns its length; *used is the bytes of in it took
 * (0 when the write is only the end of a sequence held before).
 */
size_t console_guard(struct console_guard *g, const unsigned char *in, size_t n,
		     char *out, size_t *used);

/* console_state.c: wires c->vt's output and state layer to c */
void console_state_attach(struct console *c);

#endif
