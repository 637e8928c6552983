// SPDX-License-Identifier: GPL-2.0
/*
 * The console model: libvterm's state layer (parser, modes, cursor, pen)
 * drives a screen grid of our own, in the spirit of tmux's grid and
 * neovim's terminal. libvterm's screen layer memmoves its whole cell buffer
 * on every scroll and hands each line pushed off the top over cell by cell;
 * a serial console that streams a build log or a boot scrolls all the time,
 * so here a full-width scroll rotates row pointers and a pushed line is one
 * trimmed copy of compact cells into a core/base/ring. (0.1.4 API: the
 * VTermColor union, VTermGlyphInfo, no sb_clear.)
 *
 * Here the API; the cells are in console_grid.c, libvterm's state
 * callbacks in console_state.c, what they share in console_int.h.
 */
#include "core/console/console_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/ring.h"

/* Bigger than any terminal; keeps rows * cols and the bitmaps sane. */
#define CONSOLE_MAX_DIM 10000
/* Bytes fed per vterm_input_write() (up to 3 times as many out of the guard). */
#define FEED_MAX (4 * 1024)

static size_t dirty_words(int rows)
{
	return ((size_t)rows + 63) / 64;
}

/* --- the API ---------------------------------------------------------- */

struct console *console_new(const struct console_config *cfg)
{
	struct console *c = calloc(1, sizeof(*c));
	int rows = cfg && cfg->rows > 0 ? cfg->rows : 24;
	int cols = cfg && cfg->cols > 0 ? cfg->cols : 80;
	size_t lines = cfg && cfg->sb_lines ? cfg->sb_lines : 10000;
	/*
	 * 10,000 full 80-column lines are 12.5 MiB of cells: the line bound
	 * is the one that counts, the byte bound only for wide consoles.
	 */
	size_t bytes = cfg && cfg->sb_bytes ? cfg->sb_bytes : 16u << 20;

	if (!c)
		return NULL;
	if (rows > CONSOLE_MAX_DIM || cols > CONSOLE_MAX_DIM) {
		free(c);
		return NULL;
	}
	c->rows = rows;
	c->cols = cols;
	c->vt = vterm_new(rows, cols);
	c->sb = ring_new(lines, bytes);
	c->dirty = calloc(dirty_words(rows), sizeof(uint64_t));
	c->grid[0] = cgrid_new(rows, cols);
	c->spare = calloc((size_t)rows, sizeof(*c->spare));
	if (!c->vt || !c->sb || !c->dirty || !c->grid[0] || !c->spare) {
		console_free(c);
		return NULL;
	}
	c->g = c->grid[0];
	c->cursor_visible = true;
	vterm_set_utf8(c->vt, 1);
	console_state_attach(c);
	vterm_state_reset(c->state, 1);
	if (cfg && cfg->newline_mode) {
		static const char lnm[] = "\033[20h";

		vterm_input_write(c->vt, lnm, sizeof(lnm) - 1);
	}
	mark_rows(c, 0, rows);
	return c;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->vt)
		vterm_free(c->vt);
	ring_free(c->sb);
	cgrid_free(c->grid[0], c->rows);
	cgrid_free(c->grid[1], c->rows);
	free(c->spare);
	free(c->dirty);
	free(c->packbuf);
	free(c->pool);
	free(c);
}

void console_set_reply(struct console *c, console_bytes_fn fn, void *arg)
{
	c->reply = fn;
	c->reply_arg = arg;
}

void console_set_sink(struct console *c, console_bytes_fn fn, void *arg)
{
	c->sink = fn;
	c->sink_arg = arg;
}

/* libvterm writes a key's bytes through the output callback: catch them. */
static void capture_begin(struct console *c, char *buf, size_t cap)
{
	c->keybuf = buf;
	c->keylen = 0;
	c->keycap = cap;
	c->keyover = false;
}

static int capture_end(struct console *c)
{
	c->keybuf = NULL;
	return c->keyover ? -ENOSPC : (int)c->keylen;
}

int console_encode_key(struct console *c, VTermKey key, VTermModifier mod,
		       char *buf, size_t cap)
{
	capture_begin(c, buf, cap);
	vterm_keyboard_key(c->vt, key, mod);
	return capture_end(c);
}

int console_encode_char(struct console *c, uint32_t ch, VTermModifier mod,
			char *buf, size_t cap)
{
	capture_begin(c, buf, cap);
	vterm_keyboard_unichar(c->vt, ch, mod);
	return capture_end(c);
}

void console_feed(struct console *c, const char *buf, size_t n)
{
	/*
	 * Bounded pieces: libvterm 0.1.4 decodes a run of text into an
	 * array on the stack as long as the run (4 bytes a byte), so a
	 * 256 KiB prefill without a newline would take a megabyte.
	 */
	char out[3 * FEED_MAX + 3];

	if (!n)
		return;
	if (c->sink)
		c->sink(buf, n, c->sink_arg);
	while (n) {
		size_t used, len;

		len = console_guard(&c->guard, (const unsigned char *)buf,
				    n < FEED_MAX ? n : FEED_MAX, out, &used);
		vterm_input_write(c->vt, out, len);
		buf += used;
		n -= used;
	}
}

static bool row_empty(const struct grow *r)
{
	for (int x = 0; x < r->used; x++)
		if (r->c[x].ch)
			return false;
	return true;
}

/*
 * Lines a shrink to `rows` scrolls off the top, as libvterm's screen did:
 * empty rows below the cursor go first, then lines off the top, never the
 * cursor line itself (libvterm's screen could push it off, leaving the
 * state's cursor on a negative row).
 */
static int shrink_scroll(const struct console *c, int rows)
{
	int r = c->rows - 1;
	VTermPos cur;

	vterm_state_get_cursorpos(c->state, &cur);
	for (; r >= rows; r--)
		if (r == cur.row || !row_empty(c->g[r]))
			break;
	r = r + 1 - rows;
	if (r > cur.row)
		r = cur.row;
	return r > 0 ? r : 0;
}

/*
 * libvterm 0.1.4 clamps neither a scroll region's top nor the saved cursor
 * to a screen that shrank: the next scroll there corrupts its heap, and so
 * does an erase after restoring the cursor past the bottom. So a shrink
 * resets the margins (xterm and tmux do on any resize), puts back the
 * cursor that DECSTBM homes, and saves it there, giving up the saved
 * position (DECSC's, or 1049's to come back to from the alternate screen).
 * The sequences go through the parser: should the line have left one half
 * fed, that one is lost, which beats a crash.
 */
static void shrink_fixup(struct console *c)
{
	char seq[48];
	VTermPos p;
	int n;

	vterm_state_get_cursorpos(c->state, &p);
	n = snprintf(seq, sizeof(seq), "\033[r\033[s\033[%d;%dH\0337",
		     p.row + 1, p.col + 1);
	vterm_input_write(c->vt, seq, (size_t)n);
}

int console_resize(struct console *c, int rows, int cols)
{
	bool shrink = rows < c->rows || cols < c->cols;
	struct grow **g[2] = { NULL, NULL }, **spare;
	int skip[2] = { 0, 0 }, active = c->g == c->grid[1];
	uint64_t *d;

	if (rows <= 0 || cols <= 0 || rows > CONSOLE_MAX_DIM ||
	    cols > CONSOLE_MAX_DIM)
		return -EINVAL;
	if (rows < c->rows)
		skip[active] = shrink_scroll(c, rows);
	d = calloc(dirty_words(rows), sizeof(uint64_t));
	spare = calloc((size_t)rows, sizeof(*spare));
	for (int i = 0; i < 2; i++)
		if (c->grid[i])
			g[i] = cgrid_reshape(c, c->grid[i], skip[i], rows,
					     cols);
	if (!d || !spare || !g[0] || (c->grid[1] && !g[1])) {
		free(d);
		free(spare);
		for (int i = 0; i < 2; i++)
			if (g[i])
				cgrid_free(g[i], rows);
		return -ENOMEM;
	}
	/* What scrolls off the primary screen is kept, as a scroll would. */
	for (int r = 0; r < skip[0]; r++)
		cgrid_sb_push(c, c->grid[0][r]);
	for (int i = 0; i < 2; i++)
		if (c->grid[i])
			cgrid_commit(c, c->grid[i], g[i], skip[i], rows, cols);
	c->grid[0] = g[0];
	c->grid[1] = g[1];
	c->g = g[active];
	free(c->dirty);
	c->dirty = d;
	free(c->spare);
	c->spare = spare;
	c->rows = rows;
	c->cols = cols;
	c->resize_rows = skip[active];
	vterm_set_size(c->vt, rows, cols);
	c->resize_rows = 0;
	if (shrink)
		shrink_fixup(c);
	mark_rows(c, 0, rows);
	c->cursor_dirty = true;
	return 0;
}

int console_rows(const struct console *c)
{
	return c->rows;
}

int console_cols(const struct console *c)
{
	return c->cols;
}

static struct console_color unpack_color(uint32_t v)
{
	struct console_color col = { .kind = (uint8_t)(v >> 24) };

	if (col.kind == CONSOLE_COLOR_INDEX) {
		col.index = (uint8_t)v;
	} else if (col.kind == CONSOLE_COLOR_RGB) {
		col.r = (uint8_t)(v >> 16);
		col.g = (uint8_t)(v >> 8);
		col.b = (uint8_t)v;
	}
	return col;
}

static void out_cell(const struct console *c, const struct gcell *g,
		     bool reverse, struct console_cell *out)
{
	if (is_comb(g->ch))
		memcpy(out->chars, c->pool[g->ch & ~CH_COMB].ch,
		       sizeof(out->chars));
	else
		out->chars[0] = g->ch;
	out->width = g->flags & GC_WIDE ? 2 : 1;
	out->attrs = g->attrs ^ (reverse ? CONSOLE_ATTR_REVERSE : 0);
	out->fg = unpack_color(g->fg);
	out->bg = unpack_color(g->bg);
}

int console_cell(const struct console *c, int row, int col,
		 struct console_cell *out)
{
	memset(out, 0, sizeof(*out));
	if (row < 0 || row >= c->rows || col < 0 || col >= c->cols)
		return -ERANGE;
	out_cell(c, &c->g[row]->c[col], c->reverse, out);
	return 0;
}

/* UTF-8 of one code point; returns bytes written (0 if no room). */
static size_t utf8_put(char *buf, size_t cap, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | ((cp >> 18) & 0x07));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (n > cap)
		return 0;
	memcpy(buf, tmp, n);
	return n;
}

/* Appends a cell's text; tracks the length up to the last non-blank. */
static void text_cell(const struct console *c, char *buf, size_t cap,
		      size_t *len, size_t *keep, uint32_t ch)
{
	const uint32_t *chars = &ch;
	int n = 1;

	if (ch == CONSOLE_WIDE_RIGHT)
		return;
	if (ch == 0) {
		*len += utf8_put(buf + *len, cap - *len, ' ');
		return;
	}
	if (is_comb(ch)) {
		chars = c->pool[ch & ~CH_COMB].ch;
		n = CONSOLE_MAX_CHARS;
	}
	for (int i = 0; i < n && chars[i]; i++)
		*len += utf8_put(buf + *len, cap - *len, chars[i]);
	if (chars[0] != ' ')
		*keep = *len;
}

size_t console_row_text(const struct console *c, int row, char *buf, size_t cap)
{
	size_t len = 0, keep = 0;

	if (!cap)
		return 0;
	if (row >= 0 && row < c->rows) {
		const struct grow *r = c->g[row];

		for (int x = 0; x < r->used; x++)
			text_cell(c, buf, cap - 1, &len, &keep, r->c[x].ch);
	}
	buf[keep] = '\0';
	return keep;
}

/*
 * The state's own position: its movecursor callback can miss a move (in
 * origin mode a DECRC reports one place and a clamp then returns to the
 * first without a report).
 */
void console_cursor(const struct console *c, int *row, int *col, bool *visible)
{
	VTermPos pos;

	vterm_state_get_cursorpos(c->state, &pos);
	if (row)
		*row = pos.row;
	if (col)
		*col = pos.col;
	if (visible)
		*visible = c->cursor_visible;
}

bool console_dirty(const struct console *c)
{
	if (c->cursor_dirty || c->sb_dirty)
		return true;
	for (size_t i = 0; i < dirty_words(c->rows); i++)
		if (c->dirty[i])
			return true;
	return false;
}

bool console_row_dirty(const struct console *c, int row)
{
	if (row < 0 || row >= c->rows)
		return false;
	return c->dirty[row / 64] & (1ULL << (row % 64));
}

void console_clear_dirty(struct console *c)
{
	memset(c->dirty, 0, dirty_words(c->rows) * sizeof(uint64_t));
	c->cursor_dirty = c->sb_dirty = false;
}

uint64_t console_sb_first(const struct console *c)
{
	return ring_first_seq(c->sb);
}

uint64_t console_sb_end(const struct console *c)
{
	return ring_end_seq(c->sb);
}

int console_sb_width(const struct console *c, uint64_t seq)
{
	const struct ring_line *l = ring_get(c->sb, seq);

	return l ? (int)(l->len / sizeof(struct gcell)) : -ENOENT;
}

int console_sb_cell(const struct console *c, uint64_t seq, int col,
		    struct console_cell *out)
{
	const struct ring_line *l = ring_get(c->sb, seq);

	memset(out, 0, sizeof(*out));
	out->width = 1;
	if (!l)
		return -ENOENT;
	if (col < 0 || (size_t)col >= l->len / sizeof(struct gcell))
		return 0;
	out_cell(c, (const struct gcell *)l->text + col, false, out);
	return 0;
}

size_t console_sb_text(const struct console *c, uint64_t seq, char *buf,
		       size_t cap)
{
	const struct ring_line *l = ring_get(c->sb, seq);
	size_t len = 0, keep = 0;

	if (!cap)
		return 0;
	if (l) {
		const struct gcell *s = (const struct gcell *)l->text;

		for (size_t i = 0; i < l->len / sizeof(*s); i++)
			text_cell(c, buf, cap - 1, &len, &keep, s[i].ch);
	}
	buf[keep] = '\0';
	return keep;
}
