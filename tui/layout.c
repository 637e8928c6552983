// SPDX-License-Identifier: GPL-2.0
/*
 * Dashboard geometry. Every rectangle is computed from integer splits of
 * one area so that the panes tile it exactly: no gaps, no overlaps, at
 * every terminal size (tests/unit/test_layout.c walks 1x1..500x200).
 */
#include <string.h>
#include <strings.h>

#include "tui/layout.h"

static const char *const pane_names[PANE_COUNT] = {
	[PANE_CONSOLE] = "console", [PANE_TUNNEL] = "tunnel",
	[PANE_BUILD] = "build",	    [PANE_DMESG] = "dmesg",
	[PANE_BENCH] = "bench",
};

const char *layout_pane_name(enum pane_id id)
{
	if (id < 0 || id >= PANE_COUNT)
		return "?";
	return pane_names[id];
}

enum pane_id layout_pane_parse(const char *name)
{
	if (!name)
		return PANE_NONE;
	for (int i = 0; i < PANE_COUNT; i++)
		if (strcasecmp(name, pane_names[i]) == 0)
			return (enum pane_id)i;
	if (strcasecmp(name, "kmsg") == 0 || strcasecmp(name, "log") == 0)
		return PANE_DMESG;
	return PANE_NONE;
}

static struct rect mkrect(int x, int y, int w, int h)
{
	struct rect r = { x, y, w, h };

	return r;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Large terminals:
 *
 *   +-------------------+-----------+
 *   |                   | tunnel    |
 *   |  console          +-----------+
 *   |                   | build     |
 *   +-------------------+-----------+
 *   |  dmesg            | bench     |
 *   +-------------------+-----------+
 *
 * The console gets 3/5 of the width and height: it is a real terminal
 * (80 columns wanted) and the one pane people type into. The tunnel pane
 * is a state line plus a sparkline, so it stays short.
 */
static void layout_grid(struct layout *l, struct rect a)
{
	int lw = a.w * 3 / 5, rw = a.w - lw;
	int th = a.h * 3 / 5, bh = a.h - th;
	int tun = clamp(th / 3, 4, 8);

	l->pane[PANE_CONSOLE] = mkrect(a.x, a.y, lw, th);
	l->pane[PANE_DMESG] = mkrect(a.x, a.y + th, lw, bh);
	l->pane[PANE_TUNNEL] = mkrect(a.x + lw, a.y, rw, tun);
	l->pane[PANE_BUILD] = mkrect(a.x + lw, a.y + tun, rw, th - tun);
	l->pane[PANE_BENCH] = mkrect(a.x + lw, a.y + th, rw, bh);
}

/*
 * Narrow terminals: the panes keep their order top to bottom, the
 * unfocused ones shrink to a one-line summary and the focused one takes
 * what is left, so Tab moves the big pane down the list.
 */
static void layout_stack(struct layout *l, struct rect a, enum pane_id focus)
{
	int y = a.y, big = a.h - (PANE_COUNT - 1);

	for (int i = 0; i < PANE_COUNT; i++) {
		int h = i == (int)focus ? big : 1;

		l->pane[i] = mkrect(a.x, y, a.w, h);
		l->collapsed[i] = i != (int)focus;
		y += h;
	}
}

void layout_compute(const struct layout_req *req, struct layout *l)
{
	int cols = req->cols > 0 ? req->cols : 0;
	int rows = req->rows > 0 ? req->rows : 0;
	enum pane_id focus = req->focus;
	bool single = req->single >= 0 && req->single < PANE_COUNT;
	int min_cols = single ? LAYOUT_SINGLE_MIN_COLS : LAYOUT_MIN_COLS;
	int min_rows = single ? LAYOUT_SINGLE_MIN_ROWS : LAYOUT_MIN_ROWS;
	struct rect area;
	int msg;

	memset(l, 0, sizeof(*l));
	if (focus < 0 || focus >= PANE_COUNT)
		focus = PANE_CONSOLE;
	if (single)
		focus = req->single;

	if (cols < min_cols || rows < min_rows) {
		l->mode = LAYOUT_TOO_SMALL;
		l->message = mkrect(0, 0, cols, rows);
		return;
	}

	/*
	 * Key bar on the last line, the message line above it; the status
	 * bar on the first line or above those. The panes keep one row each
	 * (stacked: the focused one's border and a line) before a message
	 * takes a row.
	 */
	msg = clamp(req->msg_rows, 0, LAYOUT_MSG_MAX_ROWS);
	msg = clamp(msg, 0, rows - 2 - (single ? 2 : PANE_COUNT + 2));
	l->keybar = mkrect(0, rows - 1, cols, 1);
	if (msg)
		l->msgline = mkrect(0, rows - 1 - msg, cols, msg);
	if (req->status_top) {
		l->status = mkrect(0, 0, cols, 1);
		area = mkrect(0, 1, cols, rows - 2 - msg);
	} else {
		l->status = mkrect(0, rows - 2 - msg, cols, 1);
		area = mkrect(0, 0, cols, rows - 2 - msg);
	}

	if (single || req->zoom) {
		l->mode = single ? LAYOUT_SINGLE : LAYOUT_ZOOM;
		l->pane[focus] = area;
	} else if (cols >= LAYOUT_GRID_MIN_COLS &&
		   rows >= LAYOUT_GRID_MIN_ROWS) {
		l->mode = LAYOUT_GRID;
		layout_grid(l, area);
	} else {
		l->mode = LAYOUT_STACK;
		layout_stack(l, area, focus);
	}
}
