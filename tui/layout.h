/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dashboard geometry, pure arithmetic: terminal size + focus + zoom in,
 * rectangles out. No curses here so every size can be tested in a loop.
 */
#ifndef KMDASH_LAYOUT_H
#define KMDASH_LAYOUT_H

#include <stdbool.h>

enum pane_id {
	PANE_CONSOLE,
	PANE_TUNNEL,
	PANE_BUILD,
	PANE_DMESG,
	PANE_BENCH,
	PANE_COUNT,
	PANE_NONE = -1,
};

enum layout_mode {
	LAYOUT_GRID, /* every pane visible, console largest */
	LAYOUT_STACK, /* narrow: others are one-line summaries */
	LAYOUT_ZOOM, /* the focused pane fills the screen */
	LAYOUT_SINGLE, /* --pane NAME: one pane, e.g. a tmux side pane */
	LAYOUT_TOO_SMALL, /* only a "terminal too small" message fits */
};

/* Below these the dashboard shows only the "too small" message. */
#define LAYOUT_MIN_COLS 40
#define LAYOUT_MIN_ROWS 10
/* Single-pane mode lives in small tmux side panes: it asks for less. */
#define LAYOUT_SINGLE_MIN_COLS 20
#define LAYOUT_SINGLE_MIN_ROWS 4
/* At and above both, the grid; below either, the stack. */
#define LAYOUT_GRID_MIN_COLS 100
#define LAYOUT_GRID_MIN_ROWS 24

/* An empty rectangle (w == 0 || h == 0) means "not shown". */
struct rect {
	int x, y, w, h;
};

struct layout_req {
	int cols, rows;
	enum pane_id focus;
	bool zoom;
	enum pane_id single; /* PANE_NONE, or the --pane NAME pane */
	bool status_top; /* status bar on the first line instead of above the key bar */
	/*
	 * Rows of the message line above the key bar (what failed, in
	 * full): 0 when there is nothing to say, at most LAYOUT_MSG_MAX_ROWS.
	 * Fewer where the panes would lose their last rows.
	 */
	int msg_rows;
};

#define LAYOUT_MSG_MAX_ROWS 2

struct layout {
	enum layout_mode mode;
	struct rect pane[PANE_COUNT]; /* outer rectangles, borders included */
	/* A collapsed pane is one line: draw its summary, not its content. */
	bool collapsed[PANE_COUNT];
	struct rect status; /* one line */
	struct rect keybar; /* always the bottom line */
	struct rect msgline; /* just above the key bar; empty when 0 rows */
	struct rect message; /* the whole screen when LAYOUT_TOO_SMALL */
};

void layout_compute(const struct layout_req *req, struct layout *out);

static inline bool rect_empty(struct rect r)
{
	return r.w <= 0 || r.h <= 0;
}

/* "console", "tunnel", "build", "dmesg", "bench". */
const char *layout_pane_name(enum pane_id id);
/* Also accepts "kmsg" and "log" for dmesg; PANE_NONE if unknown. */
enum pane_id layout_pane_parse(const char *name);

#endif
