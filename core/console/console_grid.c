// SPDX-License-Identifier: GPL-2.0
/*
 * The screen's cells: rows of compact cells behind row pointers, the pool
 * of characters with combining marks, wide characters kept whole, erasing,
 * scrolling (row pointers turn, or cells move), the trimmed copy of a line
 * pushed into the scrollback, and the reshaping behind console_resize().
 */
#include "core/console/console_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/ring.h"

static struct grow *row_new(int cols)
{
	return calloc(1, sizeof(struct grow) +
				 (size_t)cols * sizeof(struct gcell));
}

void cgrid_free(struct grow **g, int rows)
{
	if (!g)
		return;
	for (int r = 0; r < rows; r++)
		free(g[r]);
	free(g);
}

struct grow **cgrid_new(int rows, int cols)
{
	struct grow **g = calloc((size_t)rows, sizeof(*g));

	if (!g)
		return NULL;
	for (int r = 0; r < rows; r++) {
		g[r] = row_new(cols);
		if (!g[r]) {
			cgrid_free(g, rows);
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
void cgrid_fill(struct console *c, struct grow *r, int from, int to,
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

/* on_putglyph()'s general case: wide, with marks, or over half a wide one. */
void cgrid_put_glyph(struct console *c, struct grow *r, int x,
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

/* Full-width rows: the pointers turn, the rows that come in are cleared. */
void cgrid_rotate(struct console *c, int top, int bottom, int down)
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
		cgrid_fill(c, g[r], 0, c->cols, false);
}

/* Part of each row moves (a margin, ICH/DCH): the cells themselves. */
void cgrid_move_cells(struct console *c, VTermRect rect, int down, int right)
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
			cgrid_fill(c, c->g[r], rect.start_col, rect.end_col,
				   false);
		else if (right > 0)
			cgrid_fill(c, c->g[r], rect.end_col - right,
				   rect.end_col, false);
		else if (right < 0)
			cgrid_fill(c, c->g[r], rect.start_col,
				   rect.start_col - right, false);
	}
}

/* --- scrollback -------------------------------------------------------- */

/* Most console lines are short: the blank tail is not stored. */
void cgrid_sb_push(struct console *c, const struct grow *r)
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

/* --- resize ---------------------------------------------------------- */

/*
 * The new rows of one grid: old row skip + i becomes row i. Allocation
 * only, so a failure leaves the console as it was.
 */
struct grow **cgrid_reshape(struct console *c, struct grow **old, int skip,
			    int rows, int cols)
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
			cgrid_free(g, rows);
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

void cgrid_commit(struct console *c, struct grow **old, struct grow **g,
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
	cgrid_free(old, c->rows);
}
