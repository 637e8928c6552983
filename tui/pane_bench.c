// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark: ops/s per op type and p50/p99 latency over time, the
 * previous run of the same workload overlaid (dim), and a summary table
 * with deltas (green better, red worse).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/module/bench.h"
#include "core/session.h"
#include "tui/dash.h"

#define TABLE_W 36

/*
 * The run's metric m over the whole width: a long run averaged into cap
 * points, a short one stretched (each sample a step), so that a 5-second
 * run is as wide as a 5-minute one.
 */
static size_t series(const struct bench_run *r, enum bench_metric m,
		     size_t limit, double *out, size_t cap)
{
	size_t n = r ? r->nsamples : 0, bucket, k = 0;

	if (limit && n > limit)
		n = limit;
	if (!n || !cap)
		return 0;
	if (n < cap) {
		for (k = 0; k < cap; k++)
			out[k] = r->samples[k * n / cap].v[m];
		return cap;
	}
	bucket = (n + cap - 1) / cap;
	for (size_t i = 0; i < n; i += bucket) {
		double s = 0;
		size_t c = 0;

		for (size_t j = i; j < i + bucket && j < n; j++, c++)
			s += r->samples[j].v[m];
		out[k++] = c ? s / (double)c : NAN;
	}
	return k;
}

static void graph_box(struct dash *d, WINDOW *w, int y, int x, int gh, int gw,
		      const char *title, const struct bench_run *cur,
		      const struct bench_run *prev, const enum bench_metric *ms,
		      int nm, enum bench_metric prev_m)
{
	int spc = graph_samples_per_col(d->graph), lw = 6, cw = gw - lw;
	size_t cap = (size_t)(cw > 0 ? cw : 1) * (size_t)spc;
	double *buf = calloc(cap * (size_t)(nm + 1), sizeof(double));
	struct graph_series se[GRAPH_MAX_SERIES + 1];
	struct graph_cell *cells;
	struct graph_opts o = { .style = d->graph };
	double scale = 0;
	char lab[16];
	int ns = 0, lx;

	if (!buf || cw < 4 || gh < 2) {
		free(buf);
		return;
	}
	cells = calloc((size_t)(cw * gh), sizeof(*cells));
	if (!cells) {
		free(buf);
		return;
	}
	/* The previous run first: the current one is drawn over it. */
	if (prev) {
		size_t lim =
			cur && cur->state == BENCH_RUNNING ? cur->nsamples : 0;

		se[ns].v = buf;
		se[ns].n = series(prev, prev_m, lim, buf, cap);
		se[ns].slot = GRAPH_SERIES_PREV;
		ns++;
	}
	for (int i = 0; i < nm; i++) {
		double *b = buf + cap * (size_t)(i + 1);

		se[ns].v = b;
		se[ns].n = series(cur, ms[i], 0, b, cap);
		se[ns].slot = i;
		ns++;
	}
	if (graph_render(cells, cw, gh, se, ns, &o, &scale) == 0) {
		draw_graph(d, w, y + 1, x + lw, cells, cw, gh);
		for (int r = 0; r < gh; r++) {
			graph_axis_label(lab, sizeof(lab), scale, r, gh);
			draw_role(d, w, TR_BORDER);
			draw_printf(w, y + 1 + r, x, lw - 1, "%5s", lab);
		}
	}
	/* The title and the legend on one line above the graph. */
	draw_role(d, w, TR_TITLE);
	lx = x + draw_text(w, y, x, gw, title, strlen(title)) + 1;
	for (int i = 0; i < nm && lx < x + gw; i++) {
		draw_role(d, w, (enum theme_role)(TR_GRAPH_1 + i));
		lx += draw_printf(w, y, lx, x + gw - lx, "%s ",
				  bench_metric_name(ms[i]));
	}
	if (prev && lx < x + gw) {
		draw_role(d, w, TR_GRAPH_PREV);
		draw_printf(w, y, lx, x + gw - lx, "prev %s",
			    bench_metric_name(prev_m));
	}
	draw_role(d, w, TR_NORMAL);
	free(cells);
	free(buf);
}

static double value(const struct bench_run *r, enum bench_metric m)
{
	if (!r)
		return NAN;
	if (r->has_summary)
		return r->summary[m];
	return r->nsamples ? r->samples[r->nsamples - 1].v[m] : NAN;
}

static void fmtv(char *buf, size_t cap, double v, bool lat)
{
	if (isnan(v))
		snprintf(buf, cap, "-");
	else if (lat)
		snprintf(buf, cap, "%.2fus", v);
	else
		graph_fmt_value(buf, cap, v);
}

static void table(struct dash *d, WINDOW *w, int y, int x, int h, int wd,
		  const struct bench_run *cur, const struct bench_run *prev)
{
	static const enum bench_metric rows[] = { BM_GET,   BM_PUT, BM_DEL,
						  BM_TOTAL, BM_P50, BM_P99,
						  BM_P999 };
	double delta[BM_COUNT];
	bool better[BM_COUNT];

	if (prev && cur)
		bench_compare(prev, cur, delta, better);
	draw_role(d, w, TR_TITLE);
	draw_printf(w, y, x, wd, "%-7s %10s %10s %7s", "", "now", "prev",
		    "delta");
	draw_role(d, w, TR_NORMAL);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && (int)i + 1 < h;
	     i++) {
		enum bench_metric m = rows[i];
		bool lat = bench_metric_is_latency(m);
		char a[24], b[24];
		int cx;

		fmtv(a, sizeof(a), value(cur, m), lat);
		fmtv(b, sizeof(b), value(prev, m), lat);
		cx = draw_printf(w, y + 1 + (int)i, x, wd, "%-7s %10s %10s ",
				 bench_metric_name(m), a, b);
		if (prev && cur && !isnan(delta[m]) && cx < wd) {
			draw_role(d, w,
				  fabs(delta[m]) < 0.05 ? TR_NORMAL :
				  better[m]		? TR_DELTA_BETTER :
							  TR_DELTA_WORSE);
			draw_printf(w, y + 1 + (int)i, x + cx, wd - cx,
				    "%+6.1f%%", delta[m]);
			draw_role(d, w, TR_NORMAL);
		}
	}
}

/* "items 10000  bytes_used 1.2 MiB of 64 MiB ..." from the module's sysfs. */
static void live_line(struct dash *d, WINDOW *w, int row, int wd)
{
	const char *items = session_module_stat(d->s, "items");
	const char *used = session_module_stat(d->s, "bytes_used");
	const char *max = session_module_stat(d->s, "max_bytes");
	const char *gets = session_module_stat(d->s, "gets");
	const char *errs = session_module_stat(d->s, "errors");
	char ub[16] = "?", mb[16] = "?";

	if (used)
		graph_fmt_value(ub, sizeof(ub), strtod(used, NULL));
	if (max)
		graph_fmt_value(mb, sizeof(mb), strtod(max, NULL));
	draw_role(d, w, TR_TITLE);
	draw_printf(w, row, 0, wd,
		    "live  items %s  bytes %sB of %sB  gets %s  errors %s",
		    items ? items : "?", ub, mb, gets ? gets : "?",
		    errs ? errs : "?");
	draw_role(d, w, TR_NORMAL);
}

static void bench_draw(struct dash *d, struct pane *p, WINDOW *w, int h, int wd)
{
	struct bench *b = session_bench(d->s);
	const struct bench_run *cur = bench_latest(b);
	const struct bench_run *prev = cur ? bench_previous(b, cur) : NULL;
	static const enum bench_metric ops[] = { BM_GET, BM_PUT, BM_DEL,
						 BM_TOTAL };
	static const enum bench_metric lat[] = { BM_P50, BM_P99 };
	int gy = 1, gh, tw, side;

	bench_take_dirty(b);
	/* While no benchmark runs: the module's live counters. */
	if (session_module(d->s)->state == MOD_LOADED &&
	    session_module(d->s)->nstats &&
	    (!cur || cur->state != BENCH_RUNNING) && h >= 3) {
		h--;
		live_line(d, w, h, wd);
	}
	if (!cur) {
		draw_printf(w, 0, 0, wd, "%s",
			    session_target(d->s)->bench_argv.n ?
				    "no benchmark yet: B runs it, a runs the "
				    "full cycle" :
				    "no benchmark configured: B says how to "
				    "add one (bench.argv)");
		return;
	}
	if (cur->state == BENCH_RUNNING)
		draw_printf(
			w, 0, 0, wd, "%s running %.0fs  %s %s", draw_spinner(d),
			cur->nsamples ? cur->samples[cur->nsamples - 1].t : 0.0,
			cur->engine, cur->workload);
	else
		draw_printf(w, 0, 0, wd, "%s %s %.1fs  %s %s%s%s",
			    cur->state == BENCH_DONE ? "done" : "failed",
			    cur->engine, cur->elapsed_s, cur->workload,
			    cur->commit[0] ? "@" : "", cur->commit,
			    cur->msg[0] ? cur->msg : "");
	/* The table beside the graphs when wide, below them when not. */
	side = wd >= TABLE_W + 30;
	tw = side ? wd - TABLE_W - 1 : wd;
	gh = side ? h - 1 : h - 1 - 8;
	if (gh >= 6) {
		int g1 = gh / 2, g2 = gh - g1;

		graph_box(d, w, gy, 0, g1 - 1, tw, "ops/s", cur, prev, ops, 4,
			  BM_TOTAL);
		graph_box(d, w, gy + g1, 0, g2 - 1, tw, "latency", cur, prev,
			  lat, 2, BM_P99);
	} else if (gh >= 3) {
		graph_box(d, w, gy, 0, gh - 1, tw, "ops/s", cur, prev, ops, 4,
			  BM_TOTAL);
	}
	if (side)
		table(d, w, 1, tw + 1, h - 1, TABLE_W, cur, prev);
	else
		table(d, w, gh > 0 ? 1 + gh : 1, 0, h - (gh > 0 ? 1 + gh : 1),
		      wd, cur, prev);
}

static void bench_summary(struct dash *d, struct pane *p, char *buf, size_t cap,
			  enum theme_role *role)
{
	const struct bench_run *r = bench_latest(session_bench(d->s));

	bench_take_dirty(session_bench(d->s));
	if (!r) {
		snprintf(buf, cap, "no benchmark yet");
		return;
	}
	snprintf(buf, cap, "%s %.0f ops/s  p99 %.2fus",
		 r->state == BENCH_RUNNING ? "running" :
		 r->state == BENCH_DONE	   ? "done" :
					     "failed",
		 value(r, BM_TOTAL), value(r, BM_P99));
}

const struct pane_ops pane_bench_ops = {
	.title = "Bench",
	.changes = SC_BENCH | SC_MODULE,
	.draw = bench_draw,
	.summary = bench_summary,
};
