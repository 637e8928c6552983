// SPDX-License-Identifier: GPL-2.0
/*
 * Graph rasteriser. Every style works on a grid of "dots": braille has
 * 2x4 dots a cell, block elements 1x8 (eighths), ASCII 1x4. A sample maps
 * to a dot height; the style only decides how dots become glyphs, so the
 * three styles always agree on the picture.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/graph.h"

static const char *const style_names[] = {
	[GRAPH_AUTO] = "auto",
	[GRAPH_BRAILLE] = "braille",
	[GRAPH_BLOCK] = "block",
	[GRAPH_ASCII] = "ascii",
};

int graph_style_parse(const char *s, enum graph_style *out)
{
	for (int i = 0; s && i <= GRAPH_ASCII; i++) {
		if (strcasecmp(s, style_names[i]) == 0) {
			*out = (enum graph_style)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *graph_style_name(enum graph_style s)
{
	if (s < GRAPH_AUTO || s > GRAPH_ASCII)
		return "?";
	return style_names[s];
}

static int codeset_is_utf8(const char *codeset)
{
	return codeset && (strcasecmp(codeset, "UTF-8") == 0 ||
			   strcasecmp(codeset, "UTF8") == 0);
}

enum graph_style graph_style_resolve(enum graph_style s, const char *codeset)
{
	if (!codeset_is_utf8(codeset))
		return GRAPH_ASCII;
	if (s == GRAPH_AUTO)
		return GRAPH_BRAILLE;
	return s;
}

double graph_nice_max(double v)
{
	static const double steps[] = { 1, 2, 5, 10 };
	double p, m;

	if (!isfinite(v) || v <= 0)
		return 1;
	p = pow(10, floor(log10(v)));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		m = steps[i] * p;
		/* Tolerate the rounding of pow/log10: 0.3 -> 0.5, not 1. */
		if (m >= v * (1 - 1e-9))
			return isfinite(m) ? m : DBL_MAX;
	}
	return DBL_MAX;
}

/* Largest finite sample among the last @take samples of the series. */
static double graph_visible_max(const struct graph_series *s, int nseries,
				size_t take)
{
	double max = 0;

	for (int i = 0; i < nseries; i++) {
		size_t first = s[i].n > take ? s[i].n - take : 0;

		for (size_t j = first; j < s[i].n; j++)
			if (isfinite(s[i].v[j]) && s[i].v[j] > max)
				max = s[i].v[j];
	}
	return max;
}

int graph_samples_per_col(enum graph_style style)
{
	return style == GRAPH_BRAILLE ? 2 : 1;
}

/* Dots a cell is tall for each style. */
static int dots_per_row(enum graph_style style)
{
	switch (style) {
	case GRAPH_BRAILLE:
		return 4;
	case GRAPH_BLOCK:
		return 8;
	default:
		return 4;
	}
}

/*
 * Height in dots of a sample: -1 for a gap, else 0..H. A positive value
 * too small to round to a dot still gets one, so "a little" never looks
 * like "nothing"; @floor1 does the same for zero (sparklines).
 */
static int sample_level(double v, double max, int H, int floor1)
{
	double f;
	int lv;

	if (!isfinite(v))
		return -1;
	if (v <= 0)
		return floor1 ? 1 : 0;
	f = v / max * H + 0.5;
	lv = f >= H ? H : (int)f;
	return lv < 1 ? 1 : lv;
}

/* Braille dot bits, [column][row from the top]: dots 1,2,3,7 and 4,5,6,8. */
static const uint8_t braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

struct raster {
	struct graph_cell *cells;
	uint8_t *bits; /* braille dots a cell */
	uint8_t *lit; /* this series touched the cell */
	int w, h;
	enum graph_style style;
};

/* Braille: sets dots [y0, y1] (from the bottom) of dot column x. */
static void braille_dots(struct raster *r, int x, int y0, int y1)
{
	for (int y = y0; y <= y1; y++) {
		int row = r->h - 1 - y / 4, cell = row * r->w + x / 2;

		r->bits[cell] |= braille_bit[x % 2][3 - y % 4];
		r->lit[cell] = 1;
	}
}

/* Block and ASCII: the glyph for a cell filled @part of its dots (1..N). */
static uint32_t part_glyph(enum graph_style style, int part)
{
	static const char ascii[] = ".:|#";

	if (style == GRAPH_BLOCK)
		return part >= 8 ? 0x2588 : 0x2580 + (uint32_t)part;
	return (uint32_t)ascii[(part > 4 ? 4 : part) - 1];
}

/* Block and ASCII: one column; line mode draws only the top cell. */
static void column_cells(struct raster *r, int x, int level, int area, int slot)
{
	int per = dots_per_row(r->style);
	int top = level > 0 ? (level - 1) / per : 0;

	for (int k = area ? 0 : top; k <= top; k++) {
		int part = level - k * per;
		struct graph_cell *c = &r->cells[(r->h - 1 - k) * r->w + x];

		if (part < 1)
			part = 1; /* the zero baseline of a line */
		c->cp = part_glyph(r->style, part);
		c->series = (int8_t)slot;
	}
}

static void render_series(struct raster *r, const struct graph_series *s,
			  double max, int area, int floor1)
{
	int spc = graph_samples_per_col(r->style);
	int W = r->w * spc, H = r->h * dots_per_row(r->style);
	size_t first = s->n > (size_t)W ? s->n - (size_t)W : 0;
	int x0 = W - (int)(s->n - first); /* right-aligned */
	int prev = -1;

	memset(r->lit, 0, (size_t)r->w * r->h);
	for (int x = x0; x < W; x++) {
		int lv = sample_level(s->v[first + (size_t)(x - x0)], max, H,
				      floor1);

		if (lv < 0) {
			prev = -1;
			continue;
		}
		if (r->style != GRAPH_BRAILLE) {
			if (area && lv == 0)
				continue;
			column_cells(r, x, lv, area, s->slot);
			continue;
		}
		if (area) {
			if (lv > 0)
				braille_dots(r, x, 0, lv - 1);
		} else {
			int top = lv > 0 ? lv - 1 : 0;

			/* Join to the previous dot so steep steps stay a line. */
			if (prev >= 0 && top > prev + 1)
				braille_dots(r, x, prev + 1, top);
			else if (prev >= 0 && top < prev - 1)
				braille_dots(r, x, top, prev - 1);
			else
				braille_dots(r, x, top, top);
			prev = top;
		}
	}
	if (r->style != GRAPH_BRAILLE)
		return;
	for (int i = 0; i < r->w * r->h; i++)
		if (r->lit[i])
			r->cells[i].series = (int8_t)s->slot;
}

static int render(struct graph_cell *cells, int w, int h,
		  const struct graph_series *s, int nseries,
		  enum graph_style st, int area, double max, int floor1,
		  double *scale)
{
	struct raster r = { .cells = cells, .w = w, .h = h };
	uint8_t stackbuf[2 * 256];
	size_t ncells;

	if (!cells || w < 1 || h < 1 || nseries < 0 ||
	    nseries > GRAPH_MAX_SERIES + 1 || (nseries && !s))
		return -EINVAL;
	for (int i = 0; i < nseries; i++)
		if (s[i].slot < 0 || s[i].slot > GRAPH_SERIES_PREV ||
		    (s[i].n && !s[i].v))
			return -EINVAL;
	ncells = (size_t)w * (size_t)h;
	r.style = st == GRAPH_BRAILLE || st == GRAPH_BLOCK ? st : GRAPH_ASCII;
	if (!(max > 0) || !isfinite(max))
		max = graph_nice_max(graph_visible_max(
			s, nseries,
			(size_t)w * graph_samples_per_col(r.style)));
	if (scale)
		*scale = max;

	/* Small graphs (the common case) need no allocation. */
	if (2 * ncells <= sizeof(stackbuf)) {
		r.bits = stackbuf;
	} else {
		r.bits = calloc(2, ncells);
		if (!r.bits)
			return -ENOMEM;
	}
	r.lit = r.bits + ncells;
	memset(r.bits, 0, 2 * ncells);
	for (size_t i = 0; i < ncells; i++) {
		cells[i].cp = ' ';
		cells[i].series = GRAPH_NO_SERIES;
	}
	for (int i = 0; i < nseries; i++)
		render_series(&r, &s[i], max, area, floor1);
	if (r.style == GRAPH_BRAILLE)
		for (size_t i = 0; i < ncells; i++)
			if (r.bits[i])
				cells[i].cp = 0x2800 + r.bits[i];
	if (r.bits != stackbuf)
		free(r.bits);
	return 0;
}

int graph_render(struct graph_cell *cells, int w, int h,
		 const struct graph_series *s, int nseries,
		 const struct graph_opts *o, double *scale)
{
	if (!o)
		return -EINVAL;
	return render(cells, w, h, s, nseries, o->style, o->area, o->max, 0,
		      scale);
}

int graph_sparkline(struct graph_cell *cells, int w,
		    const struct graph_series *s, enum graph_style style,
		    double max, double *scale)
{
	return render(cells, w, 1, s, s ? 1 : 0, style, 1, max, 1, scale);
}

int graph_fmt_value(char *buf, size_t cap, double v)
{
	static const char suffix[] = "kMGTPEZY";
	double a = fabs(v);
	int k = 0;

	if (!isfinite(v))
		return snprintf(buf, cap, "?");
	if (a < 999.5)
		return snprintf(buf, cap, "%.3g", v == 0 ? 0.0 : v);
	/* Pick the unit after rounding: 999.96 is "1k", not "1e+03". */
	while (k < 8 && a >= 999.5) {
		a /= 1000;
		v /= 1000;
		k++;
	}
	if (a >= 999.5)
		return snprintf(buf, cap, "%.2e", v * pow(1000, k));
	return snprintf(buf, cap, "%.3g%c", v, suffix[k - 1]);
}

int graph_axis_label(char *buf, size_t cap, double max, int row, int h)
{
	if (cap)
		buf[0] = '\0';
	if (row == 0)
		return graph_fmt_value(buf, cap, max);
	if (row == h - 1)
		return snprintf(buf, cap, "0");
	/* Only odd heights have a row centred on max/2. */
	if (h >= 5 && h % 2 == 1 && row == h / 2)
		return graph_fmt_value(buf, cap, max / 2);
	return 0;
}

int graph_utf8(char *buf, uint32_t cp)
{
	int n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		buf[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		buf[0] = (char)(0xf0 | cp >> 18);
		buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf[n] = '\0';
	return n;
}
