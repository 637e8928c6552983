// SPDX-License-Identifier: GPL-2.0
/* The console model: bytes in, cells, colours, scrollback, answers out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../core/console.h"

static void feed(struct console *c, const char *s)
{
	console_feed(c, s, strlen(s));
}

static const char *row(struct console *c, int r)
{
	static char buf[1024];

	console_row_text(c, r, buf, sizeof(buf));
	return buf;
}

static struct console_cell cell(struct console *c, int r, int col)
{
	struct console_cell cl;

	assert_int_equal(console_cell(c, r, col, &cl), 0);
	return cl;
}

static void test_text_and_cursor_addressing(void **state)
{
	struct console *c = console_new(NULL);
	int r, col;
	bool vis;

	assert_int_equal(console_rows(c), 24);
	assert_int_equal(console_cols(c), 80);
	feed(c, "hello");
	assert_string_equal(row(c, 0), "hello");
	console_cursor(c, &r, &col, &vis);
	assert_int_equal(r, 0);
	assert_int_equal(col, 5);
	assert_true(vis);
	/* CUP is 1-based: row 5 col 10 is (4, 9). */
	feed(c, "\033[5;10HX");
	assert_int_equal(cell(c, 4, 9).chars[0], 'X');
	assert_string_equal(row(c, 4), "         X");
	console_cursor(c, &r, &col, NULL);
	assert_int_equal(r, 4);
	assert_int_equal(col, 10);
	feed(c, "\033[?25l");
	console_cursor(c, NULL, NULL, &vis);
	assert_false(vis);
	assert_int_equal(console_cell(c, 24, 0, &(struct console_cell){ 0 }),
			 -ERANGE);
	console_free(c);
}

static void test_colours(void **state)
{
	struct console *c = console_new(NULL);
	struct console_cell k;

	feed(c, "\033[31mR\033[91mB\033[38;5;200mC\033[38;2;10;20;30mD"
		"\033[0;44mE\033[0mF\033[48;2;1;2;3mG");
	k = cell(c, 0, 0);
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_INDEX);
	assert_int_equal(k.fg.index, 1);
	assert_int_equal(k.bg.kind, CONSOLE_COLOR_DEFAULT);
	k = cell(c, 0, 1);
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_INDEX);
	assert_int_equal(k.fg.index, 9);
	k = cell(c, 0, 2);
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_INDEX);
	assert_int_equal(k.fg.index, 200);
	k = cell(c, 0, 3);
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_RGB);
	assert_int_equal(k.fg.r, 10);
	assert_int_equal(k.fg.g, 20);
	assert_int_equal(k.fg.b, 30);
	k = cell(c, 0, 4);
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_DEFAULT);
	assert_int_equal(k.bg.kind, CONSOLE_COLOR_INDEX);
	assert_int_equal(k.bg.index, 4);
	k = cell(c, 0, 5);
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_DEFAULT);
	assert_int_equal(k.bg.kind, CONSOLE_COLOR_DEFAULT);
	k = cell(c, 0, 6);
	assert_int_equal(k.bg.kind, CONSOLE_COLOR_RGB);
	assert_int_equal(k.bg.b, 3);
	console_free(c);
}

static void test_attributes(void **state)
{
	struct console *c = console_new(NULL);

	feed(c, "\033[1mb\033[0;7mr\033[0;4;3mu\033[0mn");
	assert_int_equal(cell(c, 0, 0).attrs, CONSOLE_ATTR_BOLD);
	assert_int_equal(cell(c, 0, 1).attrs, CONSOLE_ATTR_REVERSE);
	assert_int_equal(cell(c, 0, 2).attrs,
			 CONSOLE_ATTR_UNDERLINE | CONSOLE_ATTR_ITALIC);
	assert_int_equal(cell(c, 0, 3).attrs, 0);
	console_free(c);
}

static void test_wide_character_and_split_utf8(void **state)
{
	struct console *c = console_new(NULL);
	const char *han = "\xe6\xbc\xa2"; /* U+6F22, two columns */

	console_feed(c, han, 1);
	console_feed(c, han + 1, 2);
	feed(c, "x");
	assert_int_equal(cell(c, 0, 0).chars[0], 0x6F22);
	assert_int_equal(cell(c, 0, 0).width, 2);
	assert_int_equal(cell(c, 0, 1).chars[0], CONSOLE_WIDE_RIGHT);
	assert_int_equal(cell(c, 0, 2).chars[0], 'x');
	assert_string_equal(row(c, 0), "\xe6\xbc\xa2x");
	console_free(c);
}

static void test_scrollback_after_100_lines(void **state)
{
	struct console *c = console_new(NULL);
	struct console_cell k;
	char line[32];
	char buf[128];

	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "\033[32mline %d\033[0m\r\n", i);
		feed(c, line);
	}
	/* 24 rows: lines 77..99 on screen, the cursor on the empty row. */
	assert_int_equal(console_sb_first(c), 0);
	assert_int_equal(console_sb_end(c), 77);
	console_sb_text(c, 0, buf, sizeof(buf));
	assert_string_equal(buf, "line 0");
	console_sb_text(c, 76, buf, sizeof(buf));
	assert_string_equal(buf, "line 76");
	assert_string_equal(row(c, 0), "line 77");
	assert_string_equal(row(c, 22), "line 99");
	/* Stored compactly: the blank tail is not kept, colours are. */
	assert_int_equal(console_sb_width(c, 5), 6);
	assert_int_equal(console_sb_cell(c, 5, 0, &k), 0);
	assert_int_equal(k.chars[0], 'l');
	assert_int_equal(k.fg.kind, CONSOLE_COLOR_INDEX);
	assert_int_equal(k.fg.index, 2);
	assert_int_equal(console_sb_cell(c, 5, 70, &k), 0);
	assert_int_equal(k.chars[0], 0);
	assert_int_equal(console_sb_cell(c, 77, 0, &k), -ENOENT);
	console_free(c);
}

static void test_scrollback_is_bounded(void **state)
{
	struct console_config cfg = { .rows = 5, .cols = 20, .sb_lines = 10 };
	struct console *c = console_new(&cfg);
	char line[32], buf[64];

	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		feed(c, line);
	}
	assert_int_equal(console_sb_end(c), 96);
	assert_int_equal(console_sb_first(c), 86);
	console_sb_text(c, 86, buf, sizeof(buf));
	assert_string_equal(buf, "line 86");
	assert_int_equal(console_sb_width(c, 85), -ENOENT);
	console_free(c);
}

static char reply[64];
static size_t reply_len;

static void on_reply(const char *buf, size_t n, void *arg)
{
	memcpy(reply + reply_len, buf, n);
	reply_len += n;
}

/* busybox ash asks for the cursor position after each prompt. */
static void test_cursor_position_report(void **state)
{
	struct console *c = console_new(NULL);

	reply_len = 0;
	console_set_reply(c, on_reply, NULL);
	feed(c, "\033[3;7H~ # \033[6n");
	assert_int_equal(reply_len, 7);
	assert_memory_equal(reply, "\033[3;11R", 7);
	console_free(c);
}

static char sunk[256];
static size_t sunk_len;

static void on_sink(const char *buf, size_t n, void *arg)
{
	memcpy(sunk + sunk_len, buf, n);
	sunk_len += n;
}

static void test_sink_gets_every_raw_byte(void **state)
{
	struct console *c = console_new(NULL);
	const char raw[] = "a\033[31mb\r\n\x07";

	sunk_len = 0;
	console_set_sink(c, on_sink, NULL);
	console_feed(c, raw, sizeof(raw) - 1);
	assert_int_equal(sunk_len, sizeof(raw) - 1);
	assert_memory_equal(sunk, raw, sizeof(raw) - 1);
	console_free(c);
}

static void test_newline_mode(void **state)
{
	struct console_config on = { .newline_mode = true };
	struct console *c = console_new(NULL);

	/* A tty source: bare LF only moves down (the staircase). */
	feed(c, "ab\ncd");
	assert_string_equal(row(c, 1), "  cd");
	console_free(c);
	c = console_new(&on);
	feed(c, "ab\ncd");
	assert_string_equal(row(c, 1), "cd");
	console_free(c);
}

static void test_dirty_rows(void **state)
{
	struct console *c = console_new(NULL);

	assert_true(console_dirty(c));
	console_clear_dirty(c);
	assert_false(console_dirty(c));
	feed(c, "\033[6;1Hx");
	assert_true(console_dirty(c));
	assert_true(console_row_dirty(c, 5));
	assert_false(console_row_dirty(c, 4));
	assert_false(console_row_dirty(c, 6));
	console_clear_dirty(c);
	assert_false(console_row_dirty(c, 5));
	console_free(c);
}

static void test_resize(void **state)
{
	struct console *c = console_new(NULL);
	char line[32];

	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		feed(c, line);
	}
	console_clear_dirty(c);
	assert_int_equal(console_resize(c, 10, 40), 0);
	assert_int_equal(console_rows(c), 10);
	assert_int_equal(console_cols(c), 40);
	/* The newest lines stay visible; the rest went to the scrollback. */
	assert_string_equal(row(c, 8), "line 19");
	assert_true(console_sb_end(c) >= 11);
	for (int r = 0; r < 10; r++)
		assert_true(console_row_dirty(c, r));
	feed(c, "\033[10;40HZ");
	assert_int_equal(cell(c, 9, 39).chars[0], 'Z');
	assert_int_equal(console_cell(c, 10, 0, &(struct console_cell){ 0 }),
			 -ERANGE);
	assert_int_equal(console_resize(c, 30, 100), 0);
	assert_int_equal(console_rows(c), 30);
	assert_true(console_row_dirty(c, 29));
	assert_int_equal(console_resize(c, 0, 10), -EINVAL);
	console_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_cursor_addressing),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_wide_character_and_split_utf8),
		cmocka_unit_test(test_scrollback_after_100_lines),
		cmocka_unit_test(test_scrollback_is_bounded),
		cmocka_unit_test(test_cursor_position_report),
		cmocka_unit_test(test_sink_gets_every_raw_byte),
		cmocka_unit_test(test_newline_mode),
		cmocka_unit_test(test_dirty_rows),
		cmocka_unit_test(test_resize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
