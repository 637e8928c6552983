/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The curses side of themes: resolved pens become colour pairs and
 * attributes. Everything that can be decided without a terminal is in
 * theme.h; this file only talks to ncurses.
 */
#ifndef KMDASH_THEME_CURSES_H
#define KMDASH_THEME_CURSES_H

#include <curses.h>

#include "tui/theme.h"

struct theme_curses {
	enum theme_depth depth;
	int direct; /* the terminfo entry takes RGB colour numbers */
	attr_t attrs[TR_COUNT];
	int pair[TR_COUNT]; /* extended pair numbers (can exceed 32767) */
};

/*
 * What this terminal can show, from NO_COLOR, COLORTERM and the terminfo
 * colour count. Call after initscr()/newterm() and start_color().
 */
enum theme_depth theme_curses_depth(void);

/*
 * Resolves @t for @depth and defines pairs first_pair..first_pair +
 * TR_COUNT - 1. Exact #rrggbb colours need a direct-colour terminfo entry
 * (TERM=xterm-direct, tmux-direct); otherwise they are drawn with the
 * nearest 256-colour index: redefining palette slots (init_color) would
 * also repaint the target console's own colours. Returns 0 or -EIO when
 * ncurses refuses a pair.
 */
int theme_curses_apply(struct theme_curses *tc, const struct theme *t,
		       enum theme_depth depth, int first_pair);

/* Sets @w's current attributes and colours to @role's. */
void theme_curses_set(const struct theme_curses *tc, WINDOW *w,
		      enum theme_role role);

#endif
