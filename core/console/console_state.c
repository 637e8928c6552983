// SPDX-License-Identifier: GPL-2.0
/*
 * libvterm's state callbacks: what the parser and the state report, applied
 * to the grid (console_grid.c). Callbacks only record: rows they change are
 * marked dirty, terminal answers go to the line.
 */
#include "core/console/console_int.h"

#include <string.h>

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
		cgrid_put_glyph(c, r, x, info);
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
		cgrid_fill(c, c->g[r], rect.start_col, rect.end_col, selective);
	mark_rows(c, rect.start_row, rect.end_row);
	return 1;
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
			cgrid_sb_push(c, c->g[r]);
	}
	if (down >= h || -down >= h || right >= w || -right >= w) {
		for (int r = rect.start_row; r < rect.end_row; r++)
			cgrid_fill(c, c->g[r], rect.start_col, rect.end_col,
				   false);
	} else if (full && !right) {
		cgrid_rotate(c, rect.start_row, rect.end_row, down);
	} else {
		cgrid_move_cells(c, rect, down, right);
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
			c->grid[1] = cgrid_new(c->rows, c->cols);
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

	if (c->keybuf) {
		if (len > c->keycap - c->keylen) {
			c->keyover = true;
			return;
		}
		memcpy(c->keybuf + c->keylen, s, len);
		c->keylen += len;
		return;
	}
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

void console_state_attach(struct console *c)
{
	vterm_output_set_callback(c->vt, on_output, c);
	c->state = vterm_obtain_state(c->vt);
	vterm_state_set_callbacks(c->state, &state_cbs, c);
}
