// SPDX-License-Identifier: GPL-2.0
/*
 * The serial console: the console's screen drawn cell by cell (attributes,
 * 8/16/256/RGB colours at the terminal's depth, wide and combining
 * characters, the cursor), with the scrollback above it (PgUp/PgDn).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/console/console.h"
#include "core/console/serial.h"
#include "core/base/termsafe.h"
#include "core/session.h"
#include "tui/dash.h"

struct console_view {
	int sb_off; /* lines scrolled back; 0: the live screen */
};

static void *console_init(struct dash *d)
{
	return calloc(1, sizeof(struct console_view));
}

static void console_fini(void *priv)
{
	free(priv);
}

static void put_cell(struct dash *d, WINDOW *w, int y, int x,
		     const struct console_cell *c, bool cursor, int maxx)
{
	wchar_t wch[CONSOLE_MAX_CHARS + 1];
	attr_t a = 0;
	cchar_t cc;
	int n = 0, pair, fg, bg;

	if (c->chars[0] == 0 || c->chars[0] == CONSOLE_WIDE_RIGHT) {
		wch[n++] = L' ';
	} else {
		/*
		 * What the emulator kept in a cell is drawn only when it is
		 * a character: a C1 control it passed on as text (U+009B)
		 * would be a CSI to the outer terminal.
		 */
		for (; n < CONSOLE_MAX_CHARS && c->chars[n]; n++) {
			if (!termsafe_cp(c->chars[n]))
				break;
			wch[n] = (wchar_t)c->chars[n];
		}
		if (!n)
			wch[n++] = L'?';
	}
	/* A wide character that does not fit: a blank instead. */
	if (c->width > 1 && x + 1 >= maxx) {
		wch[0] = L' ';
		n = 1;
	}
	wch[n] = 0;
	if (c->attrs & CONSOLE_ATTR_BOLD)
		a |= A_BOLD;
	if (c->attrs & CONSOLE_ATTR_UNDERLINE)
		a |= A_UNDERLINE;
	if (c->attrs & CONSOLE_ATTR_ITALIC)
		a |= A_ITALIC;
	if (c->attrs & CONSOLE_ATTR_BLINK)
		a |= A_BLINK;
	if (!!(c->attrs & CONSOLE_ATTR_REVERSE) != cursor)
		a |= A_REVERSE;
	fg = draw_term_color(d, c->fg.kind, c->fg.index,
			     (uint32_t)c->fg.r << 16 | c->fg.g << 8 | c->fg.b);
	bg = draw_term_color(d, c->bg.kind, c->bg.index,
			     (uint32_t)c->bg.r << 16 | c->bg.g << 8 | c->bg.b);
	pair = draw_pair(d, fg, bg);
	if (setcchar(&cc, wch, a, (short)(pair > 32767 ? 0 : pair), &pair) ==
	    OK)
		mvwadd_wch(w, y, x, &cc);
}

static void console_draw(struct dash *d, struct pane *p, WINDOW *w, int h,
			 int wd)
{
	struct console_view *v = p->priv;
	struct console *c = session_console(d->s);
	struct serial *sr = session_serial(d->s);
	int rows, cols, crow, ccol;
	uint64_t sb_first, sb_end, nsb;
	int64_t bottom, top;
	bool cvis;

	if (!c) {
		draw_printf(w, 0, 0, wd, "no serial console for this target");
		return;
	}
	rows = console_rows(c);
	cols = console_cols(c);
	console_cursor(c, &crow, &ccol, &cvis);
	sb_first = console_sb_first(c);
	sb_end = console_sb_end(c);
	nsb = sb_end - sb_first;
	if (v->sb_off > (int64_t)nsb)
		v->sb_off = (int)nsb;
	if (v->sb_off < 0)
		v->sb_off = 0;
	/* Lines: the scrollback, then the screen; the view ends at bottom. */
	bottom = (int64_t)nsb + rows - 1 - v->sb_off;
	top = bottom - h + 1;
	for (int y = 0; y < h; y++) {
		int64_t idx = top + y;
		struct console_cell cell;

		if (idx < 0)
			continue;
		for (int x = 0; x < wd && x < cols; x++) {
			bool cur = false;

			if (idx < (int64_t)nsb) {
				if (console_sb_cell(c, sb_first + (uint64_t)idx,
						    x, &cell) < 0)
					break;
			} else {
				int row = (int)(idx - (int64_t)nsb);

				if (console_cell(c, row, x, &cell) < 0)
					break;
				cur = cvis && row == crow && x == ccol &&
				      v->sb_off == 0;
			}
			if (cell.chars[0] == CONSOLE_WIDE_RIGHT)
				continue;
			put_cell(d, w, y, x, &cell, cur, wd);
			if (cell.width > 1)
				x++;
		}
	}
	draw_role(d, w, TR_SEARCH);
	if (v->sb_off > 0)
		draw_printf(w, 0, wd > 24 ? wd - 24 : 0, 24,
			    " scrollback -%d (f: live) ", v->sb_off);
	else if (sr && serial_state(sr) != SERIAL_CONNECTED)
		draw_printf(w, h - 1, 0, wd, " serial %s: %s ",
			    serial_state_name(serial_state(sr)),
			    serial_reason(sr));
	draw_role(d, w, TR_NORMAL);
	console_clear_dirty(c);
}

static void console_summary(struct dash *d, struct pane *p, char *buf,
			    size_t cap, enum theme_role *role)
{
	struct console *c = session_console(d->s);
	int crow, ccol;
	bool vis;

	buf[0] = '\0';
	if (!c)
		return;
	console_cursor(c, &crow, &ccol, &vis);
	/* The line being typed on, else the last one with text. */
	for (int r = crow; r >= 0; r--)
		if (console_row_text(c, r, buf, cap) > 0)
			break;
	console_clear_dirty(c);
}

static bool console_action(struct dash *d, struct pane *p, enum action_id a)
{
	struct console_view *v = p->priv;
	int page = p->inner_h > 2 ? p->inner_h - 1 : 1;

	switch (a) {
	case ACT_PAGE_UP:
		v->sb_off += page;
		return true;
	case ACT_PAGE_DOWN:
		v->sb_off = v->sb_off > page ? v->sb_off - page : 0;
		return true;
	case ACT_FOLLOW:
		v->sb_off = 0;
		return true;
	default:
		return false;
	}
}

static void console_scroll(struct dash *d, struct pane *p, int lines)
{
	struct console_view *v = p->priv;

	v->sb_off += lines;
	if (v->sb_off < 0)
		v->sb_off = 0;
}

const struct pane_ops pane_console_ops = {
	.title = "Console",
	.changes = SC_CONSOLE,
	.init = console_init,
	.fini = console_fini,
	.draw = console_draw,
	.summary = console_summary,
	.action = console_action,
	.wheel = console_scroll,
};
