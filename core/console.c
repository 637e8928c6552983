// SPDX-License-Identifier: GPL-2.0
/*
 * The console model: libvterm's state layer (parser, modes, cursor, pen)
 * drives a screen grid of our own, in the spirit of tmux's grid and
 * neovim's terminal. libvterm's screen layer memmoves its whole cell buffer
 * on every scroll and hands each line pushed off the top over cell by cell;
 * a serial console that streams a build log or a boot scrolls all the time,
 * so here a full-width scroll rotates row pointers and a pushed line is one
 * trimmed copy of compact cells into a core/ring. (0.1.4 API: the
 * VTermColor union, VTermGlyphInfo, no sb_clear.)
 *
 * Callbacks only record: rows they change are marked dirty, terminal
 * answers go to the line.
 */
#include "console.h"
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vterm.h>

/* Bigger than any terminal; keeps rows * cols and the bitmaps sane. */
#define CONSOLE_MAX_DIM 10000
/* Bytes per vterm_input_write(), see console_feed(). */
#define FEED_MAX (16 * 1024)

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
	console_bytes_fn reply, sink;
	void *reply_arg, *sink_arg;
};

static size_t dirty_words(int rows)
{
	return ((size_t)rows + 63) / 64;
}

/* A word at a time: every scroll marks its whole region. */
static void mark_rows(struct console *c, int from, int to)
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

static bool is_comb(uint32_t ch)
{
	return (ch & CH_COMB) && ch != CONSOLE_WIDE_RIGHT;
}

static struct grow *row_new(int cols)
{
	return calloc(1, sizeof(struct grow) +
				 (size_t)cols * sizeof(struct gcell));
}

static void grid_free(struct grow **g, int rows)
{
	if (!g)
		return;
	for (int r = 0; r < rows; r++)
		free(g[r]);
	free(g);
}

static struct grow **grid_new(int rows, int cols)
{
	struct grow **g = calloc((size_t)rows, sizeof(*g));

	if (!g)
		return NULL;
	for (int r = 0; r < rows; r++) {
		g[r] = row_new(cols);
		if (!g[r]) {
			grid_free(g, rows);
			return NULL;
		}
	}
	return g;
}

/* --- combining characters ------------------------------------------------ */

static void pool_scan(struct console *c, struct comb *to, uint32_t *map,
		      uint32_t *live)
{
	for (int i = 0; i < 2; i++) {
		for (int r = 0; c->grid[i] && r < c->rows; r++) {
			struct grow *row = c->grid[i][r];
			bool any = false;

			for (int x = 0; row->comb && x < row->used; x++) {
				uint32_t ch = row->c[x].ch, old;

				if (!is_comb(ch))
					continue;
				old = ch & ~CH_COMB;
				if (map[old] == UINT32_MAX) {
					to[*live] = c->pool[old];
					map[old] = (*live)++;
				}
				row->c[x].ch = CH_COMB | map[old];
				any = true;
			}
			row->comb = any;
		}
	}
}

/*
 * Room for one more: the entries cells still refer to move to a fresh pool,
 * renumbered. Live entries are bounded by the cells of both screens, so
 * the pool only grows while mostly live.
 */
static int pool_make_room(struct console *c)
{
	uint32_t cap = c->poolcap ? c->poolcap : 64, live = 0;
	struct comb *to = malloc((size_t)cap * sizeof(*to));
	uint32_t *map = malloc(((size_t)c->npool + 1) * sizeof(*map));

	if (!to || !map) {
		free(to);
		free(map);
		return -ENOMEM;
	}
	memset(map, 0xff, ((size_t)c->npool + 1) * sizeof(*map));
	pool_scan(c, to, map, &live);
	free(map);
	free(c->pool);
	c->pool = to;
	c->npool = live;
	c->poolcap = cap;
	if (live > cap / 2 && cap < CH_COMB / 4) {
		struct comb *p = realloc(to, (size_t)cap * 2 * sizeof(*p));

		if (p) {
			c->pool = p;
			c->poolcap = cap * 2;
		}
	}
	return c->npool < c->poolcap ? 0 : -ENOMEM;
}

/* The cell value for a glyph: a code point, or a pool index for marks. */
static uint32_t glyph_ch(struct console *c, const uint32_t *chars, bool *comb)
{
	struct comb *e;
	int n = 1;

	if (chars[0] & CH_COMB)
		return 0xfffd;
	while (n < CONSOLE_MAX_CHARS && chars[n])
		n++;
	if (n == 1)
		return chars[0];
	if (c->npool == c->poolcap && pool_make_room(c) < 0)
		return chars[0]; /* the marks are lost, the base stays */
	e = &c->pool[c->npool];
	memset(e, 0, sizeof(*e));
	memcpy(e->ch, chars, (size_t)n * sizeof(uint32_t));
	*comb = true;
	return CH_COMB | c->npool++;
}

static uint32_t base_ch(const struct console *c, uint32_t ch)
{
	return is_comb(ch) ? c->pool[ch & ~CH_COMB].ch[0] : ch;
}

/* --- cells ----------------------------------------------------------------- */

static uint32_t pack_color(const VTermColor *col, bool fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(col) :
		 VTERM_COLOR_IS_DEFAULT_BG(col))
		return (uint32_t)CONSOLE_COLOR_DEFAULT << 24;
	if (VTERM_COLOR_IS_INDEXED(col))
		return (uint32_t)CONSOLE_COLOR_INDEX << 24 | col->indexed.idx;
	return (uint32_t)CONSOLE_COLOR_RGB << 24 |
	       (uint32_t)col->rgb.red << 16 | (uint32_t)col->rgb.green << 8 |
	       col->rgb.blue;
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

static bool gcell_blank(const struct gcell *g)
{
	return (g->ch == 0 || g->ch == ' ') && !g->attrs && !g->fg && !g->bg;
}

/*
 * A wide character is both halves or nothing: whatever wrote at x may have
 * taken one half of a pair across the boundary between x - 1 and x, and
 * the other half becomes a blank.
 */
static void fix_wide(struct console *c, struct grow *r, int x)
{
	struct gcell *left = x > 0 && x <= c->cols ? &r->c[x - 1] : NULL;
	struct gcell *right = x >= 0 && x < c->cols ? &r->c[x] : NULL;
	bool has_left = left && (left->flags & GC_WIDE);
	bool has_right = right && right->ch == CONSOLE_WIDE_RIGHT;

	if (has_left && !has_right) {
		left->ch = 0;
		left->flags &= ~GC_WIDE;
	}
	if (has_right && !has_left)
		right->ch = 0;
}

/*
 * Erased cells take the pen's colours and nothing else (libvterm's screen
 * did the same); protected cells survive a selective erase.
 */
static void fill(struct console *c, struct grow *r, int from, int to,
		 bool selective)
{
	struct gcell b = { .fg = c->pen.fg, .bg = c->pen.bg };
	bool zero = !b.fg && !b.bg;

	if (from < 0)
		from = 0;
	if (to > c->cols)
		to = c->cols;
	if (from >= to)
		return;
	if (selective) {
		int end = zero && to > r->used ? r->used : to;

		for (int x = from; x < end; x++)
			if (!(r->c[x].flags & GC_PROTECTED))
				r->c[x] = b;
	} else if (zero) {
		if (from < r->used) {
			int end = to < r->used ? to : r->used;

			memset(&r->c[from], 0,
			       (size_t)(end - from) * sizeof(struct gcell));
			if (to >= r->used)
				r->used = from;
		}
	} else {
		for (int x = from; x < to; x++)
			r->c[x] = b;
	}
	if (!zero && r->used < to)
		r->used = to;
	if (!r->used)
		r->comb = false;
	fix_wide(c, r, from);
	fix_wide(c, r, to);
}

/* --- scrollback -------------------------------------------------------- */

/* Most console lines are short: the blank tail is not stored. */
static void sb_push(struct console *c, const struct grow *r)
{
	const struct gcell *cells = r->c;
	int n = r->used < c->cols ? r->used : c->cols;

	while (n > 0 && gcell_blank(&cells[n - 1]))
		n--;
	if (r->comb && n) {
		/* The pool is the screen's: the scrollback keeps the base. */
		if (n > c->packcap) {
			struct gcell *p =
				realloc(c->packbuf, (size_t)n * sizeof(*p));

			if (!p)
				return;
			c->packbuf = p;
			c->packcap = n;
		}
		memcpy(c->packbuf, cells, (size_t)n * sizeof(*cells));
		for (int x = 0; x < n; x++)
			c->packbuf[x].ch = base_ch(c, c->packbuf[x].ch);
		cells = c->packbuf;
	}
	ring_push(c->sb, (const char *)cells, (size_t)n * sizeof(*cells),
		  (uint32_t)c->cols);
	c->sb_dirty = true;
}

/* --- state callbacks ------------------------------------------------------ */

static void put_glyph(struct console *c, struct grow *r, int x,
		      VTermGlyphInfo *info)
{
	struct gcell cell = c->pen;
	int w = info->width > 1 ? 2 : 1;
	bool comb = false;

	/* The state wraps first; should one not fit anyway, a blank. */
	if (x + w > c->cols) {
		w = 1;
	} else {
		cell.ch = glyph_ch(c, info->chars, &comb);
		if (w == 2)
			cell.flags |= GC_WIDE;
	}
	if (info->protected_cell)
		cell.flags |= GC_PROTECTED;
	r->c[x] = cell;
	if (w == 2) {
		cell.ch = CONSOLE_WIDE_RIGHT;
		cell.flags &= ~GC_WIDE;
		r->c[x + 1] = cell;
	}
	r->comb |= comb;
	if (r->used < x + w)
		r->used = x + w;
	fix_wide(c, r, x);
	fix_wide(c, r, x + w);
}

static int on_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct console *c = user;
	int x = pos.col;
	struct gcell *cell;
	struct grow *r;

	if (pos.row < 0 || pos.row >= c->rows || x < 0 || x >= c->cols)
		return 1;
	r = c->g[pos.row];
	cell = &r->c[x];
	/*
	 * Nearly every glyph: one narrow character over a cell that is no
	 * half of a wide one, so no neighbour is touched.
	 */
	if (info->width == 1 && !info->chars[1] && !(cell->flags & GC_WIDE) &&
	    cell->ch != CONSOLE_WIDE_RIGHT && !(info->chars[0] & CH_COMB)) {
		*cell = c->pen;
		cell->ch = info->chars[0];
		if (info->protected_cell)
			cell->flags |= GC_PROTECTED;
		if (r->used <= x)
			r->used = x + 1;
	} else {
		put_glyph(c, r, x, info);
	}
	c->dirty[pos.row / 64] |= 1ULL << (pos.row % 64);
	return 1;
}

static bool clip(const struct console *c, VTermRect *rect)
{
	if (rect->start_row < 0)
		rect->start_row = 0;
	if (rect->start_col < 0)
		rect->start_col = 0;
	if (rect->end_row > c->rows)
		rect->end_row = c->rows;
	if (rect->end_col > c->cols)
		rect->end_col = c->cols;
	return rect->start_row < rect->end_row &&
	       rect->start_col < rect->end_col;
}

static int on_erase(VTermRect rect, int selective, void *user)
{
	struct console *c = user;

	if (!clip(c, &rect))
		return 1;
	for (int r = rect.start_row; r < rect.end_row; r++)
		fill(c, c->g[r], rect.start_col, rect.end_col, selective);
	mark_rows(c, rect.start_row, rect.end_row);
	return 1;
}

/* Full-width rows: the pointers turn, the rows that come in are cleared. */
static void rotate(struct console *c, int top, int bottom, int down)
{
	int n = down > 0 ? down : -down, h = bottom - top;
	struct grow **g = c->g;

	if (down > 0) {
		memcpy(c->spare, &g[top], (size_t)n * sizeof(*g));
		memmove(&g[top], &g[top + n], (size_t)(h - n) * sizeof(*g));
		memcpy(&g[bottom - n], c->spare, (size_t)n * sizeof(*g));
		top = bottom - n;
	} else {
		memcpy(c->spare, &g[bottom - n], (size_t)n * sizeof(*g));
		memmove(&g[top + n], &g[top], (size_t)(h - n) * sizeof(*g));
		memcpy(&g[top], c->spare, (size_t)n * sizeof(*g));
		bottom = top + n;
	}
	for (int r = top; r < bottom; r++)
		fill(c, g[r], 0, c->cols, false);
}

/* Part of each row moves (a margin, ICH/DCH): the cells themselves. */
static void move_cells(struct console *c, VTermRect rect, int down, int right)
{
	int h = rect.end_row - rect.start_row - (down > 0 ? down : -down);
	int w = rect.end_col - rect.start_col - (right > 0 ? right : -right);
	int dcol = right >= 0 ? rect.start_col : rect.start_col - right;
	int scol = dcol + right;

	for (int i = 0; i < h; i++) {
		/* Scrolling up copies top down, scrolling down bottom up. */
		int dr = down >= 0 ? rect.start_row + i : rect.end_row - 1 - i;
		struct grow *d = c->g[dr], *s = c->g[dr + down];
		bool any = s->used > scol;

		memmove(&d->c[dcol], &s->c[scol], (size_t)w * sizeof(d->c[0]));
		d->comb |= s->comb;
		if (any && d->used < dcol + w)
			d->used = dcol + w;
		fix_wide(c, d, dcol);
		fix_wide(c, d, dcol + w);
	}
	/* What the move left behind. */
	for (int r = rect.start_row; r < rect.end_row; r++) {
		bool vacated = down > 0 ? r >= rect.end_row - down :
					  r < rect.start_row - down;

		if (vacated)
			fill(c, c->g[r], rect.start_col, rect.end_col, false);
		else if (right > 0)
			fill(c, c->g[r], rect.end_col - right, rect.end_col,
			     false);
		else if (right < 0)
			fill(c, c->g[r], rect.start_col, rect.start_col - right,
			     false);
	}
}

static int on_scrollrect(VTermRect rect, int down, int right, void *user)
{
	struct console *c = user;
	bool full;
	int h, w;

	if (!clip(c, &rect))
		return 1;
	h = rect.end_row - rect.start_row;
	w = rect.end_col - rect.start_col;
	full = rect.start_col == 0 && rect.end_col == c->cols;
	/* Lines leaving the top of the primary screen: the scrollback. */
	if (down > 0 && full && rect.start_row == 0 && c->g == c->grid[0]) {
		for (int r = 0; r < down && r < h; r++)
			sb_push(c, c->g[r]);
	}
	if (down >= h || -down >= h || right >= w || -right >= w) {
		for (int r = rect.start_row; r < rect.end_row; r++)
			fill(c, c->g[r], rect.start_col, rect.end_col, false);
	} else if (full && !right) {
		rotate(c, rect.start_row, rect.end_row, down);
	} else {
		move_cells(c, rect, down, right);
	}
	mark_rows(c, rect.start_row, rect.end_row);
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos old, int visible, void *user)
{
	struct console *c = user;

	c->cursor_visible = visible;
	c->cursor_dirty = true;
	return 1;
}

static int on_initpen(void *user)
{
	struct console *c = user;

	memset(&c->pen, 0, sizeof(c->pen));
	return 1;
}

static void pen_attr(struct console *c, unsigned int bit, bool on)
{
	if (on)
		c->pen.attrs |= bit;
	else
		c->pen.attrs &= ~bit;
}

static int on_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct console *c = user;

	switch (attr) {
	case VTERM_ATTR_BOLD:
		pen_attr(c, CONSOLE_ATTR_BOLD, val->boolean);
		break;
	case VTERM_ATTR_UNDERLINE: /* a number: single, double, curly */
		pen_attr(c, CONSOLE_ATTR_UNDERLINE, val->number);
		break;
	case VTERM_ATTR_ITALIC:
		pen_attr(c, CONSOLE_ATTR_ITALIC, val->boolean);
		break;
	case VTERM_ATTR_BLINK:
		pen_attr(c, CONSOLE_ATTR_BLINK, val->boolean);
		break;
	case VTERM_ATTR_REVERSE:
		pen_attr(c, CONSOLE_ATTR_REVERSE, val->boolean);
		break;
	case VTERM_ATTR_STRIKE:
		pen_attr(c, CONSOLE_ATTR_STRIKE, val->boolean);
		break;
	case VTERM_ATTR_FOREGROUND:
		c->pen.fg = pack_color(&val->color, true);
		break;
	case VTERM_ATTR_BACKGROUND:
		c->pen.bg = pack_color(&val->color, false);
		break;
	default:
		break;
	}
	return 1;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct console *c = user;

	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		c->cursor_visible = val->boolean;
		c->cursor_dirty = true;
		break;
	case VTERM_PROP_ALTSCREEN:
		/* Made on first use; refusing keeps the state on primary. */
		if (val->boolean && !c->grid[1]) {
			c->grid[1] = grid_new(c->rows, c->cols);
			if (!c->grid[1])
				return 0;
		}
		c->g = c->grid[val->boolean ? 1 : 0];
		mark_rows(c, 0, c->rows);
		break;
	case VTERM_PROP_REVERSE:
		c->reverse = val->boolean;
		mark_rows(c, 0, c->rows);
		break;
	default:
		break;
	}
	return 1;
}

/* console_resize() has already reshaped the grid: only the cursor moves. */
static int on_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct console *c = user;

	if (rows == c->rows && cols == c->cols)
		delta->row -= c->resize_rows;
	return 1;
}

static void on_output(const char *s, size_t len, void *user)
{
	struct console *c = user;

	if (c->reply)
		c->reply(s, len, c->reply_arg);
}

static const VTermStateCallbacks state_cbs = {
	.putglyph = on_putglyph,
	.movecursor = on_movecursor,
	.scrollrect = on_scrollrect,
	.erase = on_erase,
	.initpen = on_initpen,
	.setpenattr = on_setpenattr,
	.settermprop = on_settermprop,
	.resize = on_resize,
};

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
	c->grid[0] = grid_new(rows, cols);
	c->spare = calloc((size_t)rows, sizeof(*c->spare));
	if (!c->vt || !c->sb || !c->dirty || !c->grid[0] || !c->spare) {
		console_free(c);
		return NULL;
	}
	c->g = c->grid[0];
	c->cursor_visible = true;
	vterm_set_utf8(c->vt, 1);
	vterm_output_set_callback(c->vt, on_output, c);
	c->state = vterm_obtain_state(c->vt);
	vterm_state_set_callbacks(c->state, &state_cbs, c);
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
	grid_free(c->grid[0], c->rows);
	grid_free(c->grid[1], c->rows);
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

void console_feed(struct console *c, const char *buf, size_t n)
{
	if (!n)
		return;
	if (c->sink)
		c->sink(buf, n, c->sink_arg);
	/*
	 * libvterm 0.1.4 decodes a run of text into an array on the stack
	 * as long as the run (4 bytes a byte): a 256 KiB prefill without a
	 * newline would take a megabyte. Bounded pieces bound it.
	 */
	while (n) {
		size_t k = n < FEED_MAX ? n : FEED_MAX;

		vterm_input_write(c->vt, buf, k);
		buf += k;
		n -= k;
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
 * The new rows of one grid: old row skip + i becomes row i. Allocation
 * only, so a failure leaves the console as it was.
 */
static struct grow **grid_reshape(struct console *c, struct grow **old,
				  int skip, int rows, int cols)
{
	struct grow **g = calloc((size_t)rows, sizeof(*g));

	if (!g)
		return NULL;
	for (int i = 0; i < rows; i++) {
		int o = skip + i;

		if (o < c->rows && cols == c->cols)
			continue; /* the row itself moves over */
		g[i] = row_new(cols);
		if (!g[i]) {
			grid_free(g, rows);
			return NULL;
		}
		if (o < c->rows) {
			struct grow *r = old[o];
			int n = r->used < cols ? r->used : cols;

			memcpy(g[i]->c, r->c, (size_t)n * sizeof(r->c[0]));
			g[i]->used = n;
			g[i]->comb = r->comb;
		}
	}
	return g;
}

static void grid_commit(struct console *c, struct grow **old, struct grow **g,
			int skip, int rows, int cols)
{
	for (int i = 0; i < rows; i++) {
		if (!g[i]) {
			g[i] = old[skip + i];
			old[skip + i] = NULL;
		}
		/* A wide character cut by the new right margin. */
		if (cols < c->cols && (g[i]->c[cols - 1].flags & GC_WIDE)) {
			g[i]->c[cols - 1].ch = 0;
			g[i]->c[cols - 1].flags &= ~GC_WIDE;
		}
	}
	grid_free(old, c->rows);
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
			g[i] = grid_reshape(c, c->grid[i], skip[i], rows, cols);
	if (!d || !spare || !g[0] || (c->grid[1] && !g[1])) {
		free(d);
		free(spare);
		for (int i = 0; i < 2; i++)
			if (g[i])
				grid_free(g[i], rows);
		return -ENOMEM;
	}
	/* What scrolls off the primary screen is kept, as a scroll would. */
	for (int r = 0; r < skip[0]; r++)
		sb_push(c, c->grid[0][r]);
	for (int i = 0; i < 2; i++)
		if (c->grid[i])
			grid_commit(c, c->grid[i], g[i], skip[i], rows, cols);
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
