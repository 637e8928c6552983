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
 * Text from anywhere, the target's included: core/base/termsafe.h's rule
 * decides what is a character; any other byte is drawn as \xNN, as the
 * command line prints it. A character the locale cannot show (or a tab)
 * is a '?'.
 */
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, size_t len)
{
	size_t i = 0;
	int cols = 0;

	if (maxw <= 0 || wmove(w, y, x) == ERR)
		return 0;
	while (i < len && s[i]) {
		uint32_t cp;
		int n = termsafe_char(s + i, len - i, 0, &cp);
		wchar_t wc;
		int cw;

		if (n <= 0) {
			char esc[8];

			if (cols + 4 > maxw)
				break;
			snprintf(esc, sizeof(esc), "\\x%02x",
				 (unsigned char)s[i]);
			if (waddnstr(w, esc, 4) == ERR)
				break;
			cols += 4;
			i++;
			continue;
		}
		wc = (wchar_t)cp;
		cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (cols + cw > maxw)
			break;
		if (cw > 0 || cols > 0) {
			/* waddnwstr keeps a combining mark on its base. */
			if (waddnwstr(w, &wc, 1) == ERR && cw > 0)
				break;
		}
		cols += cw;
		i += (size_t)n;
	}
	return cols;
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
