// SPDX-License-Identifier: GPL-2.0
/* Theme pens to ncurses colour pairs (extended pairs: no 32767 limit). */
#include <errno.h>
#include <stdlib.h>

#include "tui/theme_curses.h"

enum theme_depth theme_curses_depth(void)
{
	if (!has_colors())
		return TD_MONO;
	return theme_depth_detect(getenv("NO_COLOR"), getenv("COLORTERM"),
				  COLORS);
}

/* A pen colour as a colour number this terminal takes. */
static int curses_color(const struct theme_curses *tc, int c)
{
	if (c < 0)
		return -1;
	if (c & THEME_PEN_RGB) {
		c &= ~THEME_PEN_RGB;
		if (!tc->direct)
			return theme_rgb_to_256((uint32_t)c);
		/* Direct colour: numbers below 8 are still ANSI colours. */
		return c < 8 ? 0 : c;
	}
	/* Direct colour has no palette above 8: give the index's RGB. */
	if (tc->direct && c >= 8)
		return (int)theme_index_rgb(c);
	return c;
}

static attr_t curses_attrs(unsigned a)
{
	return (a & THEME_BOLD ? A_BOLD : 0) | (a & THEME_DIM ? A_DIM : 0) |
	       (a & THEME_ITALIC ? A_ITALIC : 0) |
	       (a & THEME_UNDERLINE ? A_UNDERLINE : 0) |
	       (a & THEME_REVERSE ? A_REVERSE : 0);
}

int theme_curses_apply(struct theme_curses *tc, const struct theme *t,
		       enum theme_depth depth, int first_pair)
{
	struct theme_pen pens[TR_COUNT];
	int ret = 0, defaults;

	tc->depth = depth;
	tc->direct = depth == TD_TRUE && COLORS >= 0x1000000;
	theme_resolve(t, depth, pens);
	/* -1 (the terminal's own colours) needs use_default_colors(). */
	defaults = depth != TD_MONO && use_default_colors() == OK;
	for (int r = 0; r < TR_COUNT; r++) {
		int fg = curses_color(tc, pens[r].fg);
		int bg = curses_color(tc, pens[r].bg);

		tc->attrs[r] = curses_attrs(pens[r].attrs);
		tc->pair[r] = 0;
		if (depth == TD_MONO)
			continue;
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (init_extended_pair(first_pair + r, fg, bg) == OK)
			tc->pair[r] = first_pair + r;
		else
			ret = -EIO;
	}
	return ret;
}

void theme_curses_set(const struct theme_curses *tc, WINDOW *w,
		      enum theme_role role)
{
	int pair = tc->pair[role];

	/* The int behind opts carries pair numbers beyond a short. */
	wattr_set(w, tc->attrs[role], (short)(pair > 32767 ? 0 : pair), &pair);
}
