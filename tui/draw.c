// SPDX-License-Identifier: GPL-2.0
/*
 * Drawing helpers shared by the panes: theme roles, colour pairs made on
 * demand for console and gcc colours, column-exact UTF-8 text, graphs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/console/console.h"
#include "core/module/diag.h"
#include "core/base/loop.h"
#include "core/base/termsafe.h"
#include "tui/dash.h"

void draw_role(struct dash *d, WINDOW *w, enum theme_role r)
{
	theme_curses_set(&d->tc, w, r);
}

int draw_pair(struct dash *d, int fg, int bg)
{
	int i;

	if (d->depth == TD_MONO || (fg < 0 && bg < 0))
		return 0;
	for (i = 0; i < d->npairs; i++)
		if (d->pairs[i].fg == fg && d->pairs[i].bg == bg)
			return d->pairs[i].pair;
	/* Full: start over (what was drawn keeps its old pair until
	 * redrawn: a rare colour glitch beats running out). */
	if (d->npairs == (int)(sizeof(d->pairs) / sizeof(d->pairs[0])) ||
	    d->pair_next + d->npairs >= COLOR_PAIRS)
		d->npairs = 0;
	i = d->npairs++;
	d->pairs[i].fg = fg;
	d->pairs[i].bg = bg;
	d->pairs[i].pair = d->pair_next + i;
	if (init_extended_pair(d->pairs[i].pair, fg, bg) != OK) {
		d->npairs--;
		return 0;
	}
	return d->pairs[i].pair;
}

int draw_term_color(struct dash *d, int kind, int index, uint32_t rgb)
{
	bool direct = d->tc.direct;

	if (kind == CONSOLE_COLOR_DEFAULT || d->depth == TD_MONO)
		return -1;
	if (kind == CONSOLE_COLOR_INDEX) {
		if (index < 8)
			return index;
		if (index < 16)
			return d->depth >= TD_16 ?
				       (direct ? (int)theme_index_rgb(index) :
						 index) :
				       index - 8;
		rgb = theme_index_rgb(index);
		if (d->depth >= TD_256)
			return direct ? (int)rgb : index;
		return theme_rgb_to_16(rgb, d->depth == TD_16 ? 16 : 8);
	}
	if (d->depth == TD_TRUE && direct)
		return rgb < 8 ? 0 : (int)rgb;
	if (d->depth >= TD_256)
		return theme_rgb_to_256(rgb);
	return theme_rgb_to_16(rgb, d->depth == TD_16 ? 16 : 8);
}

/*
 * Where the locale is not UTF-8, "..." ends a cut text, as draw_box draws
 * ASCII borders there. Set once when the screen opens (the locale is the
 * process's).
 */
static bool ellipsis_utf8 = true;

void draw_set_utf8(bool utf8)
{
	ellipsis_utf8 = utf8;
}

int draw_ellipsis_cols(void)
{
	return ellipsis_utf8 ? 1 : 3;
}

/*
 * Text from anywhere, the target's included: core/base/termsafe.h's rule
 * decides what is a character. The next character of s: its wide
 * character and columns; a byte that is no character is drawn as \xNN, as
 * the command line prints it (*wc is 0, 4 columns); a character the
 * locale cannot show (or a tab) is a '?'. Returns the bytes it takes.
 */
static size_t next_char(const char *s, size_t len, wchar_t *wc, int *cw)
{
	uint32_t cp;
	int n = termsafe_char(s, len, 0, &cp);

	if (n <= 0) {
		*wc = 0;
		*cw = 4;
		return 1;
	}
	*wc = (wchar_t)cp;
	*cw = wcwidth(*wc);
	if (*cw < 0) {
		*wc = L'?';
		*cw = 1;
	}
	return (size_t)n;
}

int draw_width(const char *s, size_t len)
{
	size_t i = 0;
	int cols = 0;

	while (i < len && s[i]) {
		wchar_t wc;
		int cw;

		i += next_char(s + i, len - i, &wc, &cw);
		cols += cw;
	}
	return cols;
}

/* Does the rest of the text fit in maxw columns? */
static bool fits(const char *s, size_t len, int maxw)
{
	size_t i = 0;
	int cols = 0;

	while (i < len && s[i]) {
		wchar_t wc;
		int cw;

		i += next_char(s + i, len - i, &wc, &cw);
		cols += cw;
		if (cols > maxw)
			return false;
	}
	return true;
}

static int put_ellipsis(WINDOW *w, int maxw);

int draw_ellipsis(WINDOW *w, int y, int x, int maxw)
{
	if (wmove(w, y, x) == ERR)
		return 0;
	return put_ellipsis(w, maxw);
}

/* "…" (or "...") at the cursor in at most maxw columns; the columns used. */
static int put_ellipsis(WINDOW *w, int maxw)
{
	int n = draw_ellipsis_cols() < maxw ? draw_ellipsis_cols() : maxw;

	if (n <= 0)
		return 0;
	if (ellipsis_utf8)
		waddnwstr(w, L"\u2026", 1);
	else
		waddnstr(w, "...", n);
	return n;
}

int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, size_t len)
{
	int ell = draw_ellipsis_cols();
	size_t i = 0;
	int cols = 0;

	if (maxw <= 0 || wmove(w, y, x) == ERR)
		return 0;
	while (i < len && s[i]) {
		wchar_t wc;
		int cw;
		size_t n = next_char(s + i, len - i, &wc, &cw);

		/* Near the edge: cut with an ellipsis unless the rest fits. */
		if (cols + cw > maxw - ell &&
		    !fits(s + i, len - i, maxw - cols))
			return cols + put_ellipsis(w, maxw - cols);
		if (!wc) {
			char esc[8];

			snprintf(esc, sizeof(esc), "\\x%02x",
				 (unsigned char)s[i]);
			if (waddnstr(w, esc, 4) == ERR)
				return cols + cw;
		} else if (cw > 0 || cols > 0) {
			/*
			 * waddnwstr keeps a combining mark on its base. In the
			 * window's last cell the character is written but the
			 * cursor cannot move on (ERR): it counts, and ends.
			 */
			if (waddnwstr(w, &wc, 1) == ERR && cw > 0)
				return cols + cw;
		}
		cols += cw;
		i += (size_t)n;
	}
	return cols;
}

size_t draw_break(const char *s, size_t len, int width, bool words, int *cols)
{
	size_t i = 0, space = 0;
	int c = 0, space_cols = 0;

	while (i < len && s[i] && s[i] != '\n') {
		wchar_t wc;
		int cw;
		size_t n = next_char(s + i, len - i, &wc, &cw);

		if (c + cw > width) {
			/* a word that does not fit goes to the next row */
			if (words && space) {
				*cols = space_cols;
				return space;
			}
			/* at least one character: every call moves on */
			if (!i) {
				*cols = cw;
				return n;
			}
			*cols = c;
			return i;
		}
		if (s[i] == ' ' && i) {
			space = i;
			space_cols = c;
		}
		c += cw;
		i += n;
	}
	*cols = c;
	return i;
}

size_t draw_next_row(const char *s, size_t len, size_t at, bool words)
{
	if (at < len && s[at] == '\n')
		return at + 1;
	while (words && at < len && s[at] == ' ')
		at++;
	return at;
}

int draw_wrapped(WINDOW *w, int y, int x, int width, int maxrows, const char *s,
		 size_t len, bool words)
{
	size_t at = 0;
	int row = 0, c;

	len = strnlen(s, len);
	while (at < len && row < maxrows) {
		size_t n = draw_break(s + at, len - at, width, words, &c);

		/* the last row: the rest, cut with "…" if it must be */
		if (row == maxrows - 1)
			n = len - at;
		draw_text(w, y + row++, x, width, s + at, n);
		at = draw_next_row(s, len, at + n, words);
	}
	return row;
}

int draw_rows(const char *s, size_t len, int width, bool words)
{
	size_t at = 0;
	int rows = 0, c;

	len = strnlen(s, len);
	if (!len)
		return 0;
	if (width <= 0)
		return 1;
	do {
		at = draw_next_row(s, len,
				   at + draw_break(s + at, len - at, width,
						   words, &c),
				   words);
		rows++;
	} while (at < len);
	return rows;
}

int draw_printf(WINDOW *w, int y, int x, int maxw, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return draw_text(w, y, x, maxw, buf, strlen(buf));
}

/* One SGR sequence's parameters applied to fg/bg/attrs. */
static void sgr_apply(const char *p, size_t n, int *fg, int *bg,
		      unsigned *attrs)
{
	int v[16], nv = 0;
	size_t i = 0;

	while (i <= n && nv < 16) {
		int x = 0;

		while (i < n && p[i] >= '0' && p[i] <= '9')
			x = x * 10 + (p[i++] - '0');
		v[nv++] = x;
		if (i < n && (p[i] == ';' || p[i] == ':'))
			i++;
		else
			break;
	}
	for (int k = 0; k < nv; k++) {
		int c = v[k];

		if (c == 0) {
			*fg = *bg = -1;
			*attrs = 0;
		} else if (c == 1) {
			*attrs |= CONSOLE_ATTR_BOLD;
		} else if (c == 4) {
			*attrs |= CONSOLE_ATTR_UNDERLINE;
		} else if (c == 7) {
			*attrs |= CONSOLE_ATTR_REVERSE;
		} else if (c == 22) {
			*attrs &= ~(unsigned)CONSOLE_ATTR_BOLD;
		} else if (c >= 30 && c <= 37) {
			*fg = c - 30;
		} else if (c >= 90 && c <= 97) {
			*fg = c - 90 + 8;
		} else if (c == 39) {
			*fg = -1;
		} else if (c >= 40 && c <= 47) {
			*bg = c - 40;
		} else if (c == 49) {
			*bg = -1;
		} else if ((c == 38 || c == 48) && k + 2 < nv &&
			   v[k + 1] == 5) {
			*(c == 38 ? fg : bg) = v[k + 2] & 255;
			k += 2;
		} else if ((c == 38 || c == 48) && k + 4 < nv &&
			   v[k + 1] == 2) {
			/* RGB: nearest of the 256 palette is plenty here */
			*(c == 38 ? fg : bg) = theme_rgb_to_256(
				(uint32_t)((v[k + 2] & 255) << 16 |
					   (v[k + 3] & 255) << 8 |
					   (v[k + 4] & 255)));
			k += 4;
		}
	}
}

static void ansi_pen(struct dash *d, WINDOW *w, int fg, int bg, unsigned attrs)
{
	attr_t a = 0;
	int pair;

	if (attrs & CONSOLE_ATTR_BOLD)
		a |= A_BOLD;
	if (attrs & CONSOLE_ATTR_UNDERLINE)
		a |= A_UNDERLINE;
	if (attrs & CONSOLE_ATTR_REVERSE)
		a |= A_REVERSE;
	pair = draw_pair(
		d, fg < 0 ? -1 : draw_term_color(d, CONSOLE_COLOR_INDEX, fg, 0),
		bg < 0 ? -1 : draw_term_color(d, CONSOLE_COLOR_INDEX, bg, 0));
	wattr_set(w, a, (short)(pair > 32767 ? 0 : pair), &pair);
}

int draw_ansi(struct dash *d, WINDOW *w, int y, int x, int maxw, const char *s,
	      size_t len)
{
	int fg = -1, bg = -1, cols = 0;
	unsigned attrs = 0;
	size_t i = 0, n;
	bool sgr;
	attr_t oa;
	short op;
	int opair = 0;

	wattr_get(w, &oa, &op, &opair);
	while (i < len && cols < maxw) {
		size_t j = i;

		while (j < len && s[j] != 0x1b)
			j++;
		if (j > i)
			cols += draw_text(w, y, x + cols, maxw - cols, s + i,
					  j - i);
		if (j >= len)
			break;
		/* Colours are kept; other escapes (gcc's links) dropped. */
		n = diag_ansi_len(s + j, len - j, &sgr);
		if (sgr) {
			sgr_apply(s + j + 2, n - 3, &fg, &bg, &attrs);
			ansi_pen(d, w, fg, bg, attrs);
		}
		i = j + n;
	}
	wattr_set(w, oa, op, &opair);
	return cols;
}

void draw_graph(struct dash *d, WINDOW *w, int y, int x,
		const struct graph_cell *cells, int gw, int gh)
{
	char u[8];

	for (int r = 0; r < gh; r++) {
		int last = -2;

		wmove(w, y + r, x);
		for (int c = 0; c < gw; c++) {
			const struct graph_cell *gc = &cells[r * gw + c];

			if (gc->series != last) {
				if (gc->series == GRAPH_NO_SERIES)
					draw_role(d, w, TR_NORMAL);
				else
					draw_role(
						d, w,
						gc->series == GRAPH_SERIES_PREV ?
							TR_GRAPH_PREV :
							TR_GRAPH_1 +
								gc->series);
				last = gc->series;
			}
			graph_utf8(u, gc->cp ? gc->cp : ' ');
			waddstr(w, u);
		}
	}
	draw_role(d, w, TR_NORMAL);
}

void draw_duration(char *buf, size_t cap, int64_t ms)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		ms = 0;
	if (s >= 3600)
		snprintf(buf, cap, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s / 60 % 60));
	else if (s >= 60)
		snprintf(buf, cap, "%lldm%02llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, cap, "%.1fs", (double)ms / 1000.0);
}

void draw_bytes(char *buf, size_t cap, uint64_t n)
{
	if (n >= 10ull << 30)
		snprintf(buf, cap, "%.1f GiB", (double)n / (1 << 30));
	else if (n >= 10ull << 20)
		snprintf(buf, cap, "%.1f MiB", (double)n / (1 << 20));
	else if (n >= 10ull << 10)
		snprintf(buf, cap, "%.1f KiB", (double)n / 1024);
	else
		snprintf(buf, cap, "%llu B", (unsigned long long)n);
}

const char *draw_spinner(struct dash *d)
{
	static const char *const u[] = { "⠋", "⠙", "⠹", "⠸", "⠼",
					 "⠴", "⠦", "⠧", "⠇", "⠏" };
	static const char *const a[] = { "|", "/", "-", "\\" };

	if (d->utf8)
		return u[d->spin % 10];
	return a[d->spin % 4];
}

void view_scroll(uint64_t *top, bool *paused, uint64_t first, uint64_t end,
		 int page, int lines)
{
	/* The first scroll pins the view where it follows the tail. */
	if (!*paused)
		*top = end > first + (uint64_t)page ? end - (uint64_t)page :
						      first;
	*paused = true;
	if (lines > 0)
		*top = *top > first + (uint64_t)lines ? *top - (uint64_t)lines :
							first;
	else
		*top += (uint64_t)-lines;
	/* Scrolled back down to the end: follow again. */
	if (*top + (uint64_t)page >= end)
		*paused = false;
}

void draw_box(struct dash *d, WINDOW *w)
{
	if (d->utf8)
		wborder_set(w, WACS_VLINE, WACS_VLINE, WACS_HLINE, WACS_HLINE,
			    WACS_ULCORNER, WACS_URCORNER, WACS_LLCORNER,
			    WACS_LRCORNER);
	else
		wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
}
