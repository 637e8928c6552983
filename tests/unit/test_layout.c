// SPDX-License-Identifier: GPL-2.0
/*
 * Dashboard geometry: the expected arrangement at the sizes people use,
 * and for every size 1x1..500x200 no rectangle overlaps another or leaves
 * the screen, and together they cover it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tui/layout.h"

#define assert_rect(r, X, Y, W, H)                                            \
	do {                                                                  \
		struct rect r_ = (r);                                         \
		char got_[64], want_[64];                                     \
		snprintf(got_, sizeof(got_), "%d,%d %dx%d", r_.x, r_.y, r_.w, \
			 r_.h);                                               \
		snprintf(want_, sizeof(want_), "%d,%d %dx%d", X, Y, W, H);    \
		assert_string_equal(got_, want_);                             \
	} while (0)

static struct layout compute_msg(int cols, int rows, enum pane_id focus,
				 bool zoom, enum pane_id single,
				 bool status_top, int msg_rows)
{
	struct layout_req req = {
		.cols = cols,
		.rows = rows,
		.focus = focus,
		.zoom = zoom,
		.single = single,
		.status_top = status_top,
		.msg_rows = msg_rows,
	};
	struct layout l;

	layout_compute(&req, &l);
	return l;
}

static struct layout compute(int cols, int rows, enum pane_id focus, bool zoom,
			     enum pane_id single, bool status_top)
{
	struct layout_req req = {
		.cols = cols,
		.rows = rows,
		.focus = focus,
		.zoom = zoom,
		.single = single,
		.status_top = status_top,
	};
	struct layout l;

	layout_compute(&req, &l);
	return l;
}

static void test_grid_200x50(void **state)
{
	struct layout l =
		compute(200, 50, PANE_CONSOLE, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_GRID);
	assert_rect(l.pane[PANE_CONSOLE], 0, 0, 120, 28);
	assert_rect(l.pane[PANE_DMESG], 0, 28, 120, 20);
	assert_rect(l.pane[PANE_TUNNEL], 120, 0, 80, 8);
	assert_rect(l.pane[PANE_BUILD], 120, 8, 80, 20);
	assert_rect(l.pane[PANE_BENCH], 120, 28, 80, 20);
	assert_rect(l.status, 0, 48, 200, 1);
	assert_rect(l.keybar, 0, 49, 200, 1);
	for (int i = 0; i < PANE_COUNT; i++)
		assert_false(l.collapsed[i]);
}

static void test_grid_status_on_top(void **state)
{
	struct layout l = compute(200, 50, PANE_BUILD, false, PANE_NONE, true);

	assert_int_equal(l.mode, LAYOUT_GRID);
	assert_rect(l.status, 0, 0, 200, 1);
	assert_rect(l.pane[PANE_CONSOLE], 0, 1, 120, 28);
	assert_rect(l.pane[PANE_BENCH], 120, 29, 80, 20);
	assert_rect(l.keybar, 0, 49, 200, 1);
}

static void test_grid_120x40(void **state)
{
	struct layout l = compute(120, 40, PANE_DMESG, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_GRID);
	assert_rect(l.pane[PANE_CONSOLE], 0, 0, 72, 22);
	assert_rect(l.pane[PANE_DMESG], 0, 22, 72, 16);
	assert_rect(l.pane[PANE_TUNNEL], 72, 0, 48, 7);
	assert_rect(l.pane[PANE_BUILD], 72, 7, 48, 15);
	assert_rect(l.pane[PANE_BENCH], 72, 22, 48, 16);
}

static void test_grid_100x30(void **state)
{
	struct layout l =
		compute(100, 30, PANE_CONSOLE, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_GRID);
	assert_rect(l.pane[PANE_CONSOLE], 0, 0, 60, 16);
	assert_rect(l.pane[PANE_DMESG], 0, 16, 60, 12);
	assert_rect(l.pane[PANE_TUNNEL], 60, 0, 40, 5);
	assert_rect(l.pane[PANE_BUILD], 60, 5, 40, 11);
	assert_rect(l.pane[PANE_BENCH], 60, 16, 40, 12);
}

static void test_stack_below_100_columns(void **state)
{
	struct layout l =
		compute(99, 50, PANE_CONSOLE, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_STACK);
	l = compute(100, 23, PANE_CONSOLE, false, PANE_NONE, false);
	assert_int_equal(l.mode, LAYOUT_STACK);
}

static void test_stack_60x20(void **state)
{
	struct layout l =
		compute(60, 20, PANE_CONSOLE, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_STACK);
	assert_rect(l.pane[PANE_CONSOLE], 0, 0, 60, 14);
	assert_rect(l.pane[PANE_TUNNEL], 0, 14, 60, 1);
	assert_rect(l.pane[PANE_BUILD], 0, 15, 60, 1);
	assert_rect(l.pane[PANE_DMESG], 0, 16, 60, 1);
	assert_rect(l.pane[PANE_BENCH], 0, 17, 60, 1);
	assert_rect(l.status, 0, 18, 60, 1);
	assert_rect(l.keybar, 0, 19, 60, 1);
	assert_false(l.collapsed[PANE_CONSOLE]);
	assert_true(l.collapsed[PANE_TUNNEL]);
	assert_true(l.collapsed[PANE_BENCH]);

	/* Focus moves the big pane; the order stays. */
	l = compute(60, 20, PANE_BUILD, false, PANE_NONE, false);
	assert_rect(l.pane[PANE_CONSOLE], 0, 0, 60, 1);
	assert_rect(l.pane[PANE_TUNNEL], 0, 1, 60, 1);
	assert_rect(l.pane[PANE_BUILD], 0, 2, 60, 14);
	assert_rect(l.pane[PANE_DMESG], 0, 16, 60, 1);
	assert_true(l.collapsed[PANE_CONSOLE]);
	assert_false(l.collapsed[PANE_BUILD]);
}

static void test_stack_40x12(void **state)
{
	struct layout l = compute(40, 12, PANE_BENCH, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_STACK);
	assert_rect(l.pane[PANE_CONSOLE], 0, 0, 40, 1);
	assert_rect(l.pane[PANE_DMESG], 0, 3, 40, 1);
	assert_rect(l.pane[PANE_BENCH], 0, 4, 40, 6);
	assert_rect(l.status, 0, 10, 40, 1);
	assert_rect(l.keybar, 0, 11, 40, 1);
}

static void test_too_small(void **state)
{
	struct layout l = compute(30, 8, PANE_CONSOLE, false, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
	assert_rect(l.message, 0, 0, 30, 8);
	for (int i = 0; i < PANE_COUNT; i++)
		assert_true(rect_empty(l.pane[i]));
	assert_true(rect_empty(l.keybar));
	assert_true(rect_empty(l.status));

	l = compute(39, 50, PANE_CONSOLE, false, PANE_NONE, false);
	assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
	l = compute(200, 9, PANE_CONSOLE, false, PANE_NONE, false);
	assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
	l = compute(40, 10, PANE_CONSOLE, false, PANE_NONE, false);
	assert_int_equal(l.mode, LAYOUT_STACK);
}

static void test_zoom(void **state)
{
	struct layout l = compute(200, 50, PANE_BENCH, true, PANE_NONE, false);

	assert_int_equal(l.mode, LAYOUT_ZOOM);
	assert_rect(l.pane[PANE_BENCH], 0, 0, 200, 48);
	for (int i = 0; i < PANE_COUNT; i++)
		if (i != PANE_BENCH)
			assert_true(rect_empty(l.pane[i]));
	assert_rect(l.keybar, 0, 49, 200, 1);

	l = compute(60, 20, PANE_DMESG, true, PANE_NONE, true);
	assert_rect(l.status, 0, 0, 60, 1);
	assert_rect(l.pane[PANE_DMESG], 0, 1, 60, 18);
}

static void test_single_pane(void **state)
{
	/* A tmux side pane: --pane tunnel works where the dashboard cannot. */
	struct layout l =
		compute(30, 8, PANE_CONSOLE, false, PANE_TUNNEL, false);

	assert_int_equal(l.mode, LAYOUT_SINGLE);
	assert_rect(l.pane[PANE_TUNNEL], 0, 0, 30, 6);
	assert_true(rect_empty(l.pane[PANE_CONSOLE]));
	assert_rect(l.keybar, 0, 7, 30, 1);

	l = compute(19, 8, PANE_CONSOLE, false, PANE_DMESG, false);
	assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
	l = compute(200, 50, PANE_CONSOLE, true, PANE_DMESG, false);
	assert_int_equal(l.mode, LAYOUT_SINGLE);
	assert_rect(l.pane[PANE_DMESG], 0, 0, 200, 48);
}

/* What failed, above the key bar: the panes give up the rows. */
static void test_message_line(void **state)
{
	struct layout l =
		compute_msg(120, 40, PANE_CONSOLE, false, PANE_NONE, true, 2);

	assert_int_equal(l.mode, LAYOUT_GRID);
	assert_rect(l.status, 0, 0, 120, 1);
	assert_rect(l.msgline, 0, 37, 120, 2);
	assert_rect(l.keybar, 0, 39, 120, 1);
	assert_rect(l.pane[PANE_DMESG], 0, 22, 72, 15);
	/* nothing to say: no row for it */
	l = compute_msg(120, 40, PANE_CONSOLE, false, PANE_NONE, true, 0);
	assert_true(rect_empty(l.msgline));
	/* a one-row message; the status bar at the bottom goes above it */
	l = compute_msg(60, 20, PANE_CONSOLE, false, PANE_NONE, false, 1);
	assert_rect(l.status, 0, 17, 60, 1);
	assert_rect(l.msgline, 0, 18, 60, 1);
	assert_rect(l.pane[PANE_BENCH], 0, 16, 60, 1);
	/* --pane dmesg in a 50x20 tmux pane */
	l = compute_msg(50, 20, PANE_CONSOLE, false, PANE_DMESG, true, 2);
	assert_rect(l.pane[PANE_DMESG], 0, 1, 50, 16);
	assert_rect(l.msgline, 0, 17, 50, 2);
	/* at 40x10 the stack keeps its focused pane: one row only */
	l = compute_msg(40, 10, PANE_CONSOLE, false, PANE_NONE, true, 2);
	assert_rect(l.msgline, 0, 8, 40, 1);
	assert_rect(l.pane[PANE_CONSOLE], 0, 1, 40, 3);
	/* a 20x4 side pane has no row to spare */
	l = compute_msg(20, 4, PANE_CONSOLE, false, PANE_TUNNEL, true, 2);
	assert_true(rect_empty(l.msgline));
	assert_rect(l.pane[PANE_TUNNEL], 0, 1, 20, 2);
}

static void test_pane_names(void **state)
{
	for (int i = 0; i < PANE_COUNT; i++)
		assert_int_equal(layout_pane_parse(layout_pane_name(i)), i);
	assert_int_equal(layout_pane_parse("dmesg"), PANE_DMESG);
	assert_int_equal(layout_pane_parse("kmsg"), PANE_DMESG);
	assert_int_equal(layout_pane_parse("Tunnel"), PANE_TUNNEL);
	assert_int_equal(layout_pane_parse("tunel"), PANE_NONE);
	assert_int_equal(layout_pane_parse(NULL), PANE_NONE);
}

static bool overlap(struct rect a, struct rect b)
{
	if (rect_empty(a) || rect_empty(b))
		return false;
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h &&
	       b.y < a.y + a.h;
}

/* Returns NULL when fine, else what is wrong. */
static const char *check(const struct layout *l, int cols, int rows,
			 enum pane_id focus)
{
	struct rect r[PANE_COUNT + 4];
	int n = 0;
	long area = 0;

	for (int i = 0; i < PANE_COUNT; i++)
		r[n++] = l->pane[i];
	r[n++] = l->status;
	r[n++] = l->keybar;
	r[n++] = l->msgline;
	r[n++] = l->message;
	for (int i = 0; i < n; i++) {
		if (r[i].w < 0 || r[i].h < 0)
			return "negative size";
		if (rect_empty(r[i]))
			continue;
		if (r[i].x < 0 || r[i].y < 0 || r[i].x + r[i].w > cols ||
		    r[i].y + r[i].h > rows)
			return "out of bounds";
		area += (long)r[i].w * r[i].h;
		for (int j = 0; j < i; j++)
			if (overlap(r[i], r[j]))
				return "overlap";
	}
	if (area != (long)cols * rows)
		return "screen not covered exactly";
	if (l->mode == LAYOUT_TOO_SMALL)
		return NULL;
	if (rect_empty(l->pane[focus]))
		return "focused pane hidden";
	if (l->pane[focus].h < 2)
		return "focused pane shorter than 2 lines";
	if (l->keybar.h != 1 || l->keybar.y != rows - 1)
		return "key bar not on the last line";
	if (l->status.h != 1)
		return "no status bar";
	if (l->mode == LAYOUT_GRID)
		for (int i = 0; i < PANE_COUNT; i++)
			if (l->pane[i].w < 3 || l->pane[i].h < 3)
				return "grid pane too small for a border";
	return NULL;
}

static void test_every_size(void **state)
{
	long checked = 0;

	for (int cols = 1; cols <= 500; cols++) {
		for (int rows = 1; rows <= 200; rows++) {
			for (int v = 0; v < 2 * PANE_COUNT + PANE_COUNT; v++) {
				enum pane_id focus = v % PANE_COUNT;
				bool zoom = v / PANE_COUNT == 1;
				enum pane_id single =
					v >= 2 * PANE_COUNT ? focus : PANE_NONE;
				bool top = (cols + rows + v) & 1;
				int msg = (cols + v) % 3;
				struct layout l = compute_msg(cols, rows, focus,
							      zoom, single, top,
							      msg);
				const char *why = check(&l, cols, rows, focus);

				if (why)
					fail_msg(
						"%dx%d focus=%s zoom=%d single=%d top=%d msg=%d: %s",
						cols, rows,
						layout_pane_name(focus), zoom,
						single, top, msg, why);
				checked++;
			}
		}
	}
	assert_int_equal(checked, 500L * 200 * 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid_200x50),
		cmocka_unit_test(test_grid_status_on_top),
		cmocka_unit_test(test_grid_120x40),
		cmocka_unit_test(test_grid_100x30),
		cmocka_unit_test(test_stack_below_100_columns),
		cmocka_unit_test(test_stack_60x20),
		cmocka_unit_test(test_stack_40x12),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_zoom),
		cmocka_unit_test(test_single_pane),
		cmocka_unit_test(test_message_line),
		cmocka_unit_test(test_pane_names),
		cmocka_unit_test(test_every_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
