/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time-series graphs rendered into a caller's cell buffer: braille (2x4
 * dots a cell), block elements (8 levels a cell) or plain ASCII. Pure: no
 * curses, the pane copies the cells to the screen with the series colour.
 */
#ifndef KMDASH_GRAPH_H
#define KMDASH_GRAPH_H

#include <stddef.h>
#include <stdint.h>

enum graph_style {
	GRAPH_AUTO, /* braille in a UTF-8 locale, ASCII otherwise */
	GRAPH_BRAILLE,
	GRAPH_BLOCK,
	GRAPH_ASCII,
};

/* Series colour slots: 0..GRAPH_MAX_SERIES-1, plus the previous run. */
#define GRAPH_MAX_SERIES 4
#define GRAPH_SERIES_PREV 4
#define GRAPH_NO_SERIES (-1)

struct graph_cell {
	uint32_t cp; /* Unicode code point; ' ' when empty */
	int8_t series; /* colour slot of the series on top, or GRAPH_NO_SERIES */
};

struct graph_series {
	const double *v; /* samples, oldest first; NaN/inf = gap */
	size_t n;
	int slot; /* colour slot: 0..3 or GRAPH_SERIES_PREV */
};

struct graph_opts {
	enum graph_style style; /* GRAPH_AUTO is taken as ASCII here */
	int area; /* fill below the line (otherwise a line) */
	double max; /* top of the scale; <= 0: autoscale to a nice max */
};

/* "auto", "braille", "block", "ascii" (config ui.graph). */
int graph_style_parse(const char *s, enum graph_style *out);
const char *graph_style_name(enum graph_style s);
/*
 * AUTO -> BRAILLE when the locale's codeset (nl_langinfo(CODESET)) is
 * UTF-8, else ASCII: block elements and braille need UTF-8 output.
 * An explicit choice is kept except that a non-UTF-8 codeset forces ASCII.
 */
enum graph_style graph_style_resolve(enum graph_style s, const char *codeset);

/* Smallest 1, 2 or 5 x 10^n >= v; 1 for v <= 0 or not finite. */
double graph_nice_max(double v);

/* Samples shown per cell column: 2 for braille, 1 otherwise. */
int graph_samples_per_col(enum graph_style style);

/*
 * Renders the series (drawn in order: later ones on top, so pass the
 * previous run first) into cells[h * w], row 0 at the top. The newest
 * samples are at the right edge; older ones beyond the width are not
 * shown (downsample before if they matter). Zero draws a baseline in
 * line mode and nothing in area mode; any positive value shows at least
 * one dot. Stores the scale's top in *scale (what the axis labels say).
 * Returns 0, or -EINVAL for a NULL buffer, w or h < 1, or > 4 + 1 series.
 */
int graph_render(struct graph_cell *cells, int w, int h,
		 const struct graph_series *s, int nseries,
		 const struct graph_opts *o, double *scale);

/*
 * One row, for the tunnel RTT: every sample shows at least the lowest
 * level so an idle link still draws a line; gaps stay blank. @max <= 0
 * autoscales.
 */
int graph_sparkline(struct graph_cell *cells, int w,
		    const struct graph_series *s, enum graph_style style,
		    double max, double *scale);

/* Compact axis text: 0, 500, 2.5k, 10M, 0.05 ("%.3g" below 1). */
int graph_fmt_value(char *buf, size_t cap, double v);
/*
 * The label for row @row of an @h-row graph scaled to @max: the top row
 * says max, the bottom row 0, the middle row (h >= 5) max/2, the others
 * "". Returns the length.
 */
int graph_axis_label(char *buf, size_t cap, double max, int row, int h);

/* Encodes @cp as UTF-8 into buf (>= 5 bytes, NUL-terminated); the length. */
int graph_utf8(char *buf, uint32_t cp);

#endif
