// SPDX-License-Identifier: GPL-2.0
/*
 * Graph rasteriser: exact cells for small inputs in the three styles, the
 * nice scale, axis text, and the edges (zeros, gaps, huge values, one
 * sample, width 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/graph.h"

#define W_MAX 16
#define H_MAX 4

static struct graph_cell cells[W_MAX * H_MAX];
static char text[H_MAX][W_MAX * 4 + 1];
static char slots[H_MAX][W_MAX + 1];

/* Renders and turns each row into UTF-8 (text) and colour slots (0-4, .). */
static double draw(enum graph_style st, int area, int w, int h, double max,
		   const double *v, size_t n)
{
	struct graph_series s = { .v = v, .n = n, .slot = 1 };
	struct graph_opts o = { .style = st, .area = area, .max = max };
	double scale = -1;

	assert_int_equal(graph_render(cells, w, h, &s, 1, &o, &scale), 0);
	for (int r = 0; r < h; r++) {
		char *p = text[r];

		for (int c = 0; c < w; c++) {
			const struct graph_cell *cell = &cells[r * w + c];

			p += graph_utf8(p, cell->cp);
			slots[r][c] = cell->series < 0 ?
					      '.' :
					      (char)('0' + cell->series);
		}
		slots[r][w] = '\0';
	}
	return scale;
}

static void test_braille_ramp_area(void **state)
{
	const double v[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	/* Dot heights 0..7 on an 8-dot-high graph. */
	assert_true(draw(GRAPH_BRAILLE, 1, 4, 2, 8, v, 8) == 8);
	assert_string_equal(text[0], "  ⢀⣴");
	assert_string_equal(text[1], "⢀⣴⣿⣿");
	assert_string_equal(slots[0], "..11");
	assert_string_equal(slots[1], "1111");
}

static void test_block_and_ascii_ramp(void **state)
{
	const double v[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	const double v2[] = { 0, 2, 4, 6, 8, 10, 12, 14, 16 };
	const double a[] = { 0, 1, 2, 3, 4 };

	draw(GRAPH_BLOCK, 1, 9, 1, 8, v, 9);
	assert_string_equal(text[0], " ▁▂▃▄▅▆▇█");
	assert_string_equal(slots[0], ".11111111");

	draw(GRAPH_BLOCK, 1, 9, 2, 16, v2, 9);
	assert_string_equal(text[0], "     ▂▄▆█");
	assert_string_equal(text[1], " ▂▄▆█████");

	/* Line mode: only the top cell of each column. */
	draw(GRAPH_BLOCK, 0, 9, 2, 16, v2, 9);
	assert_string_equal(text[0], "     ▂▄▆█");
	assert_string_equal(text[1], "▁▂▄▆█    ");

	draw(GRAPH_ASCII, 1, 5, 1, 4, a, 5);
	assert_string_equal(text[0], " .:|#");
	draw(GRAPH_ASCII, 1, 5, 2, 8, (const double[]){ 0, 2, 4, 6, 8 }, 5);
	assert_string_equal(text[0], "   :#");
	assert_string_equal(text[1], " :###");
}

static void test_constant(void **state)
{
	const double v[] = { 5, 5, 5, 5, 5, 5 };

	/* Autoscale: a constant sits on the top of a nice scale of itself. */
	assert_true(draw(GRAPH_BRAILLE, 0, 3, 1, 0, v, 6) == 5);
	assert_string_equal(text[0], "⠉⠉⠉");
	draw(GRAPH_BLOCK, 0, 3, 1, 0, v, 6);
	assert_string_equal(text[0], "███");
	draw(GRAPH_ASCII, 1, 3, 2, 0, v, 6);
	assert_string_equal(text[0], "###");
	assert_string_equal(text[1], "###");
}

static void test_zeros(void **state)
{
	const double v[] = { 0, 0, 0, 0, 0, 0 };

	/* All zeros: scale 1; a line shows a baseline, an area nothing. */
	assert_true(draw(GRAPH_BRAILLE, 0, 3, 2, 0, v, 6) == 1);
	assert_string_equal(text[0], "   ");
	assert_string_equal(text[1], "⣀⣀⣀");
	draw(GRAPH_BRAILLE, 1, 3, 2, 0, v, 6);
	assert_string_equal(text[1], "   ");
	assert_string_equal(slots[1], "...");
	draw(GRAPH_BLOCK, 0, 3, 1, 0, v, 3);
	assert_string_equal(text[0], "▁▁▁");
	draw(GRAPH_ASCII, 0, 3, 1, 0, v, 3);
	assert_string_equal(text[0], "...");
}

static void test_gaps(void **state)
{
	const double v[] = { 1, NAN, 1, 1 };
	const double j[] = { 0, NAN, 4, 4 };

	draw(GRAPH_BRAILLE, 0, 2, 1, 1, v, 4);
	assert_string_equal(text[0], "⠁⠉");
	/* No line drawn across a gap: x2 is a lone dot at the top. */
	draw(GRAPH_BRAILLE, 0, 2, 1, 4, j, 4);
	assert_string_equal(text[0], "⡀⠉");
	draw(GRAPH_BLOCK, 1, 4, 1, 1, v, 4);
	assert_string_equal(text[0], "█ ██");
	assert_string_equal(slots[0], "1.11");
	/* Infinity is a gap too, not a wrecked scale. */
	draw(GRAPH_ASCII, 1, 4, 1, 0,
	     (const double[]){ 2, INFINITY, 1, -INFINITY }, 4);
	assert_string_equal(text[0], "# : ");
}

static void test_line_joins_steep_steps(void **state)
{
	const double v[] = { 0, 4 };

	/* Baseline dot, then the right column climbs to the top. */
	draw(GRAPH_BRAILLE, 0, 1, 1, 4, v, 2);
	assert_string_equal(text[0], "⡸");
	draw(GRAPH_BRAILLE, 0, 1, 1, 4, (const double[]){ 4, 0 }, 2);
	assert_string_equal(text[0], "⢱");
}

static void test_huge_values(void **state)
{
	const double v[] = { 1e300, 2e300 };
	char buf[32];

	assert_true(draw(GRAPH_BRAILLE, 1, 1, 1, 0, v, 2) == 2e300);
	assert_string_equal(text[0], "⣼");
	assert_true(draw(GRAPH_BLOCK, 1, 2, 1, 0,
			 (const double[]){ DBL_MAX, DBL_MAX / 2 },
			 2) == DBL_MAX);
	assert_string_equal(text[0], "█▄");
	/* Above a fixed max: clamped to the top, not out of the buffer. */
	draw(GRAPH_ASCII, 1, 2, 2, 10, (const double[]){ 1e9, 5 }, 2);
	assert_string_equal(text[0], "# ");
	assert_string_equal(text[1], "##");
	graph_fmt_value(buf, sizeof(buf), 2e300);
	assert_string_equal(buf, "2.00e+300");
	/* Tiny positive values still show one dot. */
	draw(GRAPH_BLOCK, 1, 2, 1, 1e9, (const double[]){ 1, 0 }, 2);
	assert_string_equal(text[0], "▁ ");
}

static void test_one_sample_and_width_one(void **state)
{
	const double one[] = { 3 };
	const double v[] = { 1, 2, 3, 4 };

	/* One sample sits at the right edge. */
	draw(GRAPH_BLOCK, 1, 4, 1, 8, one, 1);
	assert_string_equal(text[0], "   ▃");
	assert_string_equal(slots[0], "...1");
	draw(GRAPH_BRAILLE, 1, 2, 1, 4, one, 1);
	assert_string_equal(text[0], " ⢰");

	/* Width 1 shows the newest samples only (2 in braille). */
	draw(GRAPH_BRAILLE, 0, 1, 1, 4, v, 4);
	assert_string_equal(text[0], "⠊");
	draw(GRAPH_ASCII, 1, 1, 1, 4, v, 4);
	assert_string_equal(text[0], "#");
	/* Autoscale looks only at what is visible: 4 -> scale 5. */
	assert_true(draw(GRAPH_ASCII, 1, 1, 1, 0, (const double[]){ 900, 4 },
			 2) == 5);
	assert_true(draw(GRAPH_BLOCK, 1, 1, 1, 0, NULL, 0) == 1);
	assert_string_equal(text[0], " ");
}

static void test_series_overlay(void **state)
{
	const double prev[] = { 4, 4, 4, 4 };
	const double cur[] = { 0, 0, 2, 2 };
	struct graph_series s[2] = {
		{ .v = prev, .n = 4, .slot = GRAPH_SERIES_PREV },
		{ .v = cur, .n = 4, .slot = 0 },
	};
	struct graph_opts o = { .style = GRAPH_BRAILLE, .max = 4 };
	char buf[16], *p = buf;

	assert_int_equal(graph_render(cells, 2, 1, s, 2, &o, NULL), 0);
	/* Dots merge; the cell takes the colour of the series on top. */
	for (int i = 0; i < 2; i++)
		p += graph_utf8(p, cells[i].cp);
	assert_string_equal(buf, "⣉⠭");
	assert_int_equal(cells[0].series, 0);
	assert_int_equal(cells[1].series, 0);

	/* cur is 0 in the left cell: an area leaves it to prev. */
	o.area = 1;
	o.style = GRAPH_BLOCK;
	assert_int_equal(graph_render(cells, 4, 1, s, 2, &o, NULL), 0);
	assert_int_equal(cells[0].series, GRAPH_SERIES_PREV);
	assert_int_equal(cells[0].cp, 0x2588);
	assert_int_equal(cells[3].series, 0);
	assert_int_equal(cells[3].cp, 0x2584);
}

static void test_sparkline(void **state)
{
	const double v[] = { 0, 5, 10 };
	struct graph_series s = { .v = v, .n = 3, .slot = 0 };
	double scale;
	char buf[32], *p;

	assert_int_equal(graph_sparkline(cells, 3, &s, GRAPH_BLOCK, 0, &scale),
			 0);
	p = buf;
	for (int i = 0; i < 3; i++)
		p += graph_utf8(p, cells[i].cp);
	assert_string_equal(buf, "▁▄█");
	assert_true(scale == 10);

	graph_sparkline(cells, 2, &s, GRAPH_BRAILLE, 0, NULL);
	p = buf;
	for (int i = 0; i < 2; i++)
		p += graph_utf8(p, cells[i].cp);
	assert_string_equal(buf, "⢀⣼");

	graph_sparkline(cells, 4, &s, GRAPH_ASCII, 0, NULL);
	p = buf;
	for (int i = 0; i < 4; i++)
		p += graph_utf8(p, cells[i].cp);
	assert_string_equal(buf, " .:#");
}

static void test_large_graph(void **state)
{
	static struct graph_cell big[300 * 100];
	static double v[1000];
	struct graph_series s = { .v = v, .n = 1000, .slot = 2 };
	struct graph_opts o = { .style = GRAPH_BRAILLE, .area = 1 };
	double scale;

	for (int i = 0; i < 1000; i++)
		v[i] = i;
	assert_int_equal(graph_render(big, 300, 100, &s, 1, &o, &scale), 0);
	/* 600 dot columns: samples 400..999; the newest reaches the top. */
	assert_true(scale == 1000);
	/* Right column: sample 999 fills the top; left: 998 misses one dot. */
	assert_int_equal(big[299].cp, 0x28fe);
	assert_int_equal(big[299].series, 2);
	assert_int_equal(big[0].cp, ' ');
	assert_int_equal(big[99 * 300].cp, 0x28ff);
}

static void test_bad_arguments(void **state)
{
	struct graph_series s = { .v = NULL, .n = 3, .slot = 0 };
	struct graph_opts o = { .style = GRAPH_BLOCK };

	assert_int_equal(graph_render(NULL, 1, 1, NULL, 0, &o, NULL), -EINVAL);
	assert_int_equal(graph_render(cells, 0, 1, NULL, 0, &o, NULL), -EINVAL);
	assert_int_equal(graph_render(cells, 1, 0, NULL, 0, &o, NULL), -EINVAL);
	assert_int_equal(graph_render(cells, 1, 1, &s, 1, &o, NULL), -EINVAL);
	s.v = (const double[]){ 1 };
	s.slot = 7;
	assert_int_equal(graph_render(cells, 1, 1, &s, 1, &o, NULL), -EINVAL);
	assert_int_equal(graph_render(cells, 1, 1, &s, 9, &o, NULL), -EINVAL);
}

static void test_nice_max(void **state)
{
	const double in[] = { 0, -3, 0.3, 1,   1.1,  2,	    3,
			      7, 99, 100, 101, 4500, 0.0007 };
	const double out[] = { 1,  1,	0.5, 1,	  2,	2,    5,
			       10, 100, 100, 200, 5000, 0.001 };

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		double got = graph_nice_max(in[i]);

		if (fabs(got - out[i]) > out[i] * 1e-12)
			fail_msg("nice(%g) = %g, want %g", in[i], got, out[i]);
	}
	assert_true(graph_nice_max(NAN) == 1);
	assert_true(graph_nice_max(INFINITY) == 1);
	assert_true(graph_nice_max(1.7e308) == DBL_MAX);
}

static void test_fmt_and_axis(void **state)
{
	const double in[] = { 0,      500,     2500,  1e7,  0.05,
			      999.96, 1234567, -2500, 12.5, 1e12 };
	const char *out[] = { "0",  "500",   "2.5k",  "10M",  "0.05",
			      "1k", "1.23M", "-2.5k", "12.5", "1T" };
	const char *rows[] = { "200k", "", "100k", "", "0" };
	char buf[32];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		graph_fmt_value(buf, sizeof(buf), in[i]);
		assert_string_equal(buf, out[i]);
	}
	for (int r = 0; r < 5; r++) {
		graph_axis_label(buf, sizeof(buf), 200000, r, 5);
		assert_string_equal(buf, rows[r]);
	}
	/* Even heights have no centred row: no misleading middle label. */
	graph_axis_label(buf, sizeof(buf), 10, 2, 6);
	assert_string_equal(buf, "");
	graph_axis_label(buf, sizeof(buf), 10, 0, 1);
	assert_string_equal(buf, "10");
}

static void test_style_choice(void **state)
{
	enum graph_style st = GRAPH_AUTO;

	assert_int_equal(graph_style_resolve(GRAPH_AUTO, "UTF-8"),
			 GRAPH_BRAILLE);
	assert_int_equal(graph_style_resolve(GRAPH_AUTO, "utf8"),
			 GRAPH_BRAILLE);
	assert_int_equal(graph_style_resolve(GRAPH_AUTO, "ANSI_X3.4-1968"),
			 GRAPH_ASCII);
	assert_int_equal(graph_style_resolve(GRAPH_BLOCK, "UTF-8"),
			 GRAPH_BLOCK);
	assert_int_equal(graph_style_resolve(GRAPH_ASCII, "UTF-8"),
			 GRAPH_ASCII);
	assert_int_equal(graph_style_resolve(GRAPH_BRAILLE, NULL), GRAPH_ASCII);
	assert_int_equal(graph_style_parse("Block", &st), 0);
	assert_int_equal(st, GRAPH_BLOCK);
	assert_int_equal(graph_style_parse("fancy", &st), -EINVAL);
	assert_int_equal(st, GRAPH_BLOCK);
	assert_string_equal(graph_style_name(GRAPH_BRAILLE), "braille");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_braille_ramp_area),
		cmocka_unit_test(test_block_and_ascii_ramp),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_line_joins_steep_steps),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_one_sample_and_width_one),
		cmocka_unit_test(test_series_overlay),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_large_graph),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_nice_max),
		cmocka_unit_test(test_fmt_and_axis),
		cmocka_unit_test(test_style_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
