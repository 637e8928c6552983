// SPDX-License-Identifier: GPL-2.0
/*
 * Theme pens reach ncurses as the right colour pairs. A private screen on
 * /dev/null with a named terminfo entry: no terminal needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/theme_curses.h"

static SCREEN *screen_open(const char *term, FILE **out, FILE **in)
{
	SCREEN *s;

	*out = fopen("/dev/null", "w");
	*in = fopen("/dev/null", "r");
	assert_non_null(*out);
	assert_non_null(*in);
	s = newterm(term, *out, *in);
	assert_non_null(s);
	set_term(s);
	assert_int_equal(start_color(), OK);
	return s;
}

static void screen_close(SCREEN *s, FILE *out, FILE *in)
{
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
}

static void pair_is(int pair, int fg, int bg)
{
	int f = -2, b = -2;

	assert_int_equal(extended_pair_content(pair, &f, &b), OK);
	assert_int_equal(f, fg);
	assert_int_equal(b, bg);
}

static void test_256_colour_terminal(void **state)
{
	struct theme_curses tc;
	struct theme t;
	FILE *out, *in;
	SCREEN *s;
	char err[256];

	unsetenv("NO_COLOR");
	unsetenv("COLORTERM");
	s = screen_open("xterm-256color", &out, &in);
	assert_int_equal(theme_curses_depth(), TD_256);

	theme_builtin_default(&t);
	assert_int_equal(theme_curses_apply(&tc, &t, TD_256, 10), 0);
	assert_int_equal(tc.pair[TR_STATUS], 10 + TR_STATUS);
	pair_is(tc.pair[TR_STATUS], COLOR_WHITE + 8, COLOR_BLUE);
	pair_is(tc.pair[TR_NORMAL], -1, -1);
	assert_int_equal(tc.attrs[TR_BORDER_FOCUS], A_BOLD);
	assert_int_equal(tc.attrs[TR_NORMAL], A_NORMAL);

	/* #rrggbb without a direct-colour terminfo: the nearest index,
	 * even when COLORTERM says truecolor. */
	setenv("COLORTERM", "truecolor", 1);
	assert_int_equal(theme_curses_depth(), TD_TRUE);
	{
		const char *js = "{\"colors\":{\"normal\":{\"fg\":\"#268bd2\","
				 "\"bg\":\"#002b36\"}}}";

		assert_int_equal(theme_parse(&t, "s", js, strlen(js), "s.json",
					     err, sizeof(err)),
				 0);
	}
	assert_int_equal(theme_curses_apply(&tc, &t, TD_TRUE, 1), 0);
	pair_is(tc.pair[TR_NORMAL], 32, 234);

	theme_curses_set(&tc, stdscr, TR_NORMAL);
	{
		attr_t a;
		short p;
		int ext = 0;

		wattr_get(stdscr, &a, &p, &ext);
		assert_int_equal(ext, tc.pair[TR_NORMAL]);
	}

	/* NO_COLOR: no pairs, attributes only. */
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(theme_curses_depth(), TD_MONO);
	assert_int_equal(theme_curses_apply(&tc, &t, TD_MONO, 1), 0);
	assert_int_equal(tc.pair[TR_STATUS], 0);
	assert_int_equal(tc.attrs[TR_STATUS], A_REVERSE);
	unsetenv("NO_COLOR");
	unsetenv("COLORTERM");
	screen_close(s, out, in);
}

static void test_8_colour_terminal(void **state)
{
	struct theme_curses tc;
	struct theme t;
	FILE *out, *in;
	SCREEN *s = screen_open("xterm", &out, &in);

	assert_int_equal(theme_curses_depth(), TD_8);
	theme_builtin_default(&t);
	assert_int_equal(theme_curses_apply(&tc, &t, TD_8, 1), 0);
	/* bright-white on blue: white on blue, bold. */
	pair_is(tc.pair[TR_STATUS], COLOR_WHITE, COLOR_BLUE);
	assert_int_equal(tc.attrs[TR_STATUS], A_BOLD);
	screen_close(s, out, in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_256_colour_terminal),
		cmocka_unit_test(test_8_colour_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
