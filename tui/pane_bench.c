// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark. Three views of the bench model (core/module/bench.h):
 *   - the set: ops/s and p99 over time of the module's latest run and of
 *     the user-space baseline's beside it (the previous set's module run
 *     dim), and a table of both engines and their ratio, median
 *     (min-max) over the repetitions, with the verdict;
 *   - a sweep: ops/s and p99 against the swept parameter, the module and
 *     the user-space baseline as two lines;
 *   - the trend (H): the last sets of the workload, by commit.
 * A program without a baseline draws one series and no ratio.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/module/bench.h"
#include "core/module/benchstat.h"
#include "core/session.h"
#include "tui/dash.h"

#define TABLE_W 46
#define TREND_SETS 12 /* sets the trend shows, at most */
#define MAX_PTS 16

struct bench_view {
	bool trend;
};

static void *bench_init(struct dash *d)
{
	return calloc(1, sizeof(struct bench_view));
}

static void bench_fini(void *priv)
{
	free(priv);
}

/*
 * A run's metric m over the whole width: a long run averaged into cap
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

/* n values stretched over cap points: each value a step. */
static size_t stretch(const double *v, size_t n, double *out, size_t cap)
{
	if (!n)
		return 0;
	for (size_t k = 0; k < cap; k++)
		out[k] = v[k * n / cap];
	return cap;
}

/* One curve of a graph box: a name, its colour slot, its values. */
struct curve {
	const char *name;
	int slot; /* 0..3, or GRAPH_SERIES_PREV */
	/* a run's samples of metric m ... */
	const struct bench_run *run;
	enum bench_metric m;
	size_t limit;
	/* ... or values, one a step */
	const double *v;
	size_t n;
};

/*
 * A titled graph with a y axis and a legend on its title line; the
 * curves drawn in order (later on top).
 */
static void graph_box(struct dash *d, WINDOW *w, int y, int x, int gh, int gw,
		      const char *title, const struct curve *c, int nc)
{
	int spc = graph_samples_per_col(d->graph), lw = 6, cw = gw - lw;
	size_t cap = (size_t)(cw > 0 ? cw : 1) * (size_t)spc;
	double *buf = calloc(cap * (size_t)(nc ? nc : 1), sizeof(double));
	struct graph_series se[GRAPH_MAX_SERIES + 1];
	struct graph_cell *cells;
	struct graph_opts o = { .style = d->graph };
	double scale = 0;
	char lab[16];
	int lx;

	if (!buf || cw < 4 || gh < 2 || nc > GRAPH_MAX_SERIES + 1) {
		free(buf);
		return;
	}
	cells = calloc((size_t)(cw * gh), sizeof(*cells));
	if (!cells) {
		free(buf);
		return;
	}
	for (int i = 0; i < nc; i++) {
		double *b = buf + cap * (size_t)i;

		se[i].v = b;
		se[i].n = c[i].run ?
				  series(c[i].run, c[i].m, c[i].limit, b, cap) :
				  stretch(c[i].v, c[i].n, b, cap);
		se[i].slot = c[i].slot;
	}
	if (graph_render(cells, cw, gh, se, nc, &o, &scale) == 0) {
		draw_graph(d, w, y + 1, x + lw, cells, cw, gh);
		for (int r = 0; r < gh; r++) {
			graph_axis_label(lab, sizeof(lab), scale, r, gh);
			draw_role(d, w, TR_BORDER);
			draw_printf(w, y + 1 + r, x, lw - 1, "%5s", lab);
		}
	}
	draw_role(d, w, TR_TITLE);
	lx = x + draw_text(w, y, x, gw, title, strlen(title)) + 1;
	for (int i = 0; i < nc && lx < x + gw; i++) {
		draw_role(d, w,
			  c[i].slot == GRAPH_SERIES_PREV ?
				  TR_GRAPH_PREV :
				  (enum theme_role)(TR_GRAPH_1 + c[i].slot));
		lx += draw_printf(w, y, lx, x + gw - lx, "%s ", c[i].name);
	}
	draw_role(d, w, TR_NORMAL);
	free(cells);
	free(buf);
}

/* "71.5k", "1.2M", "0.48": short enough for a table cell. */
static void fmt_num(char *buf, size_t cap, double v)
{
	if (isnan(v))
		snprintf(buf, cap, "-");
	else if (v < 10)
		snprintf(buf, cap, "%.2f", v);
	else
		graph_fmt_value(buf, cap, v);
}

/* "71.5k 62k-77k": the median and the spread of a set. */
static void fmt_spread(char *buf, size_t cap, const struct bench_spread *sp)
{
	char m[16], lo[16], hi[16];

	fmt_num(m, sizeof(m), sp->med);
	fmt_num(lo, sizeof(lo), sp->min);
	fmt_num(hi, sizeof(hi), sp->max);
	if (sp->n > 1)
		snprintf(buf, cap, "%.12s %.12s-%.12s", m, lo, hi);
	else
		snprintf(buf, cap, "%s", m);
}

/* The newest run of the set of that role at point, or NULL. */
static const struct bench_run *newest(const struct bench *b,
				      const struct bench_set *s, bool baseline,
				      const char *point)
{
	for (size_t i = s ? s->nruns : 0; i-- > 0;) {
		const struct bench_run *r = bench_set_run(b, s, i);

		if (r && r->baseline == baseline &&
		    (!point || !strcmp(r->point, point)) && r->nsamples)
			return r;
	}
	return NULL;
}

/*
 * The table: a row per engine (and the ratio) at the point, median
 * (min-max) of ops/s and p99, then the verdict, wrapped.
 */
static void table(struct dash *d, WINDOW *w, int y, int x, int h, int wd,
		  const struct bench *b, const struct bench_set *s,
		  const char *point)
{
	const char *engine = bench_set_engine(b, s);
	char ops[40], p99[40], name[24];
	struct bench_spread sp;
	struct bench_verdict v;
	int row = y;

	draw_role(d, w, TR_TITLE);
	draw_printf(w, row++, x, wd, "%-10s %-20s %s", "", "ops/s", "p99 us");
	draw_role(d, w, TR_NORMAL);
	for (int k = 0; k < (s->baseline ? 3 : 1) && row < y + h; k++) {
		if (k < 2) {
			bench_set_spread(b, s, point, k == 1, BM_TOTAL, &sp);
			fmt_spread(ops, sizeof(ops), &sp);
			bench_set_spread(b, s, point, k == 1, BM_P99, &sp);
			fmt_spread(p99, sizeof(p99), &sp);
		} else {
			bench_set_ratio(b, s, point, BM_TOTAL, &sp);
			fmt_spread(ops, sizeof(ops), &sp);
			p99[0] = '\0';
		}
		snprintf(name, sizeof(name), "%.10s%s",
			 k == 1	   ? "user" :
			 engine[0] ? engine :
				     "module",
			 k == 2 ? "/user" : "");
		if (k < 2)
			draw_role(d, w, (enum theme_role)(TR_GRAPH_1 + k));
		draw_printf(w, row, x, wd, "%-10s", name);
		draw_role(d, w, TR_NORMAL);
		draw_printf(w, row++, x + 11, wd - 11, "%-20s %s", ops, p99);
	}
	if (s->state == BENCH_RUNNING || row >= y + h)
		return;
	if (s->state == BENCH_FAILED) {
		draw_role(d, w, TR_DELTA_WORSE);
		draw_wrapped(w, row, x, wd, y + h - row, s->msg, strlen(s->msg),
			     true);
		draw_role(d, w, TR_NORMAL);
		return;
	}
	bench_judge(b, s, &v);
	draw_role(d, w,
		  v.verdict == NOISE_BELOW ? TR_DELTA_WORSE :
		  v.verdict == NOISE_ABOVE ? TR_DELTA_BETTER :
					     TR_NORMAL);
	draw_wrapped(w, row, x, wd, y + h - row, v.text, strlen(v.text), true);
	draw_role(d, w, TR_NORMAL);
}

/* ops/s and p99 over time: the module and the baseline side by side. */
static void run_graphs(struct dash *d, WINDOW *w, int y, int gh, int tw,
		       const struct bench *b, const struct bench_set *s,
		       const struct bench_set *prev_set)
{
	const struct bench_run *mod = newest(b, s, false, NULL);
	const struct bench_run *base =
		newest(b, s, true, mod ? mod->point : NULL);
	const struct bench_run *prev =
		mod ? newest(b, prev_set, false, mod->point) : NULL;
	const char *engine = bench_set_engine(b, s);
	struct curve c[3];
	int g1 = gh / 2, g2 = gh - g1;

	for (int g = 0; g < 2; g++) {
		enum bench_metric m = g ? BM_P99 : BM_TOTAL;
		int n = 0;

		if (prev)
			c[n++] = (struct curve){ .name = "prev",
						 .slot = GRAPH_SERIES_PREV,
						 .run = prev,
						 .m = m };
		if (mod)
			c[n++] = (struct curve){ .name = engine[0] ? engine :
								     "module",
						 .slot = 0,
						 .run = mod,
						 .m = m };
		if (base)
			c[n++] = (struct curve){
				.name = "user", .slot = 1, .run = base, .m = m
			};
		if (gh >= 6)
			graph_box(d, w, y + (g ? g1 : 0), 0, (g ? g2 : g1) - 1,
				  tw, g ? "p99 us" : "ops/s", c, n);
		else if (!g)
			graph_box(d, w, y, 0, gh - 1, tw, "ops/s", c, n);
	}
}

/* A sweep: each metric against the swept parameter, as steps. */
static void sweep_graphs(struct dash *d, WINDOW *w, int y, int gh, int tw,
			 const struct bench *b, const struct bench_set *s)
{
	static char pts[MAX_PTS][BENCH_POINT_MAX];
	double v[2][2][MAX_PTS];
	size_t np = bench_set_points(b, s, pts, MAX_PTS);
	const char *engine = bench_set_engine(b, s);
	int plen = (int)strcspn(s->sweep, "="), g1 = gh / 2;
	char title[2][64], axis[160] = "";

	for (int g = 0; g < 2; g++) {
		enum bench_metric m = g ? BM_P99 : BM_TOTAL;
		struct curve c[2];

		for (size_t i = 0; i < np; i++) {
			struct bench_spread sp;

			bench_set_spread(b, s, pts[i], false, m, &sp);
			v[g][0][i] = sp.med;
			bench_set_spread(b, s, pts[i], true, m, &sp);
			v[g][1][i] = sp.med;
		}
		c[0] = (struct curve){ .name = engine[0] ? engine : "module",
				       .slot = 0,
				       .v = v[g][0],
				       .n = np };
		c[1] = (struct curve){
			.name = "user", .slot = 1, .v = v[g][1], .n = np
		};
		snprintf(title[g], sizeof(title[g]), "%s by %.*s",
			 g ? "p99 us" : "ops/s", plen, s->sweep);
		if (gh >= 8)
			graph_box(d, w, y + (g ? g1 : 0), 0,
				  (g ? gh - g1 : g1) - 2, tw, title[g], c,
				  s->baseline ? 2 : 1);
		else if (!g)
			graph_box(d, w, y, 0, gh - 2, tw, title[g], c,
				  s->baseline ? 2 : 1);
	}
	/* the parameter's values, under each graph's steps */
	for (size_t i = 0; i < np; i++)
		snprintf(axis + strlen(axis), sizeof(axis) - strlen(axis),
			 "%s%.*s=%.16s", i ? "  " : "", plen, s->sweep, pts[i]);
	draw_role(d, w, TR_BORDER);
	draw_printf(w, y + gh - 1, 6, tw - 6, "%s", axis);
	if (gh >= 8)
		draw_printf(w, y + g1 - 1, 6, tw - 6, "%s", axis);
	draw_role(d, w, TR_NORMAL);
}

/* The last sets of s's workload (oldest first), s the newest. */
static size_t trend_sets(const struct bench *b, const struct bench_set *s,
			 const struct bench_set **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = bench_nsets(b); i-- > 0 && n < cap;) {
		const struct bench_set *o = bench_set_at(b, i);

		if (o->state == BENCH_RUNNING ||
		    strcmp(o->workload, s->workload) ||
		    strcmp(o->sweep, s->sweep) || strcmp(o->target, s->target))
			continue;
		memmove(out + 1, out, n * sizeof(*out));
		out[0] = o;
		n++;
	}
	return n;
}

/*
 * The trend: the module's (and the baseline's) median ops/s of the last
 * sets of this workload, and a line per set: its commit, medians, ratio
 * and verdict.
 */
static void trend(struct dash *d, WINDOW *w, int y, int h, int wd,
		  const struct bench *b, const struct bench_set *s)
{
	const struct bench_set *sets[TREND_SETS];
	size_t n = trend_sets(b, s, sets, TREND_SETS);
	double v[2][TREND_SETS];
	const char *engine = bench_set_engine(b, s);
	int list = (int)n + 1, gh = h - list;

	for (size_t i = 0; i < n; i++) {
		char pts[MAX_PTS][BENCH_POINT_MAX];
		struct bench_spread sp;

		bench_set_points(b, sets[i], pts, MAX_PTS);
		bench_set_spread(b, sets[i], pts[0], false, BM_TOTAL, &sp);
		v[0][i] = sets[i]->state == BENCH_DONE ? sp.med : NAN;
		bench_set_spread(b, sets[i], pts[0], true, BM_TOTAL, &sp);
		v[1][i] = sets[i]->state == BENCH_DONE ? sp.med : NAN;
	}
	if (gh >= 4) {
		struct curve c[2] = {
			{ .name = engine[0] ? engine : "module",
			  .slot = 0,
			  .v = v[0],
			  .n = n },
			{ .name = "user", .slot = 1, .v = v[1], .n = n },
		};

		graph_box(d, w, y, 0, gh - 1, wd, "trend: ops/s by commit", c,
			  s->baseline ? 2 : 1);
		y += gh;
	} else {
		list = h;
	}
	draw_role(d, w, TR_TITLE);
	draw_printf(w, y++, 0, wd, "%-9s %-10s %-10s %-8s %s", "commit",
		    engine[0] ? engine : "module", s->baseline ? "user" : "",
		    s->baseline ? "ratio" : "", "verdict");
	draw_role(d, w, TR_NORMAL);
	for (size_t i = n > (size_t)list - 1 ? n - (size_t)(list - 1) : 0;
	     i < n; i++) {
		char commit[16], a[16], u[16], r[16];
		struct bench_verdict vd;
		struct bench_spread sp;
		char pts[MAX_PTS][BENCH_POINT_MAX];

		bench_short_commit(sets[i], commit, sizeof(commit));
		bench_set_points(b, sets[i], pts, MAX_PTS);
		fmt_num(a, sizeof(a), v[0][i]);
		fmt_num(u, sizeof(u), v[1][i]);
		bench_set_ratio(b, sets[i], pts[0], BM_TOTAL, &sp);
		fmt_num(r, sizeof(r), sp.med);
		bench_judge(b, sets[i], &vd);
		draw_role(d, w,
			  sets[i]->state != BENCH_DONE ? TR_BORDER :
			  vd.verdict == NOISE_BELOW    ? TR_DELTA_WORSE :
			  vd.verdict == NOISE_ABOVE    ? TR_DELTA_BETTER :
							 TR_NORMAL);
		if (sets[i]->state != BENCH_DONE)
			draw_printf(w, y++, 0, wd, "%-9s failed: %s", commit,
				    sets[i]->msg);
		else
			draw_printf(w, y++, 0, wd, "%-9s %-10s %-10s %-8s %s",
				    commit, a, s->baseline ? u : "",
				    s->baseline ? r : "", vd.text);
	}
	draw_role(d, w, TR_NORMAL);
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

/* The set before s of the same workload that ended well, or NULL. */
static const struct bench_set *previous_set(const struct bench *b,
					    const struct bench_set *s)
{
	size_t i = bench_nsets(b);

	while (i-- > 0 && bench_set_at(b, i) != s)
		;
	while (i-- > 0) {
		const struct bench_set *p = bench_set_at(b, i);

		if (p->state == BENCH_DONE && !strcmp(p->workload, s->workload))
			return p;
	}
	return NULL;
}

/* The first line: what runs or ran, where, which run of how many. */
static void header(struct dash *d, WINDOW *w, int wd, const struct bench *b,
		   const struct bench_set *s, const struct bench_run *cur)
{
	char commit[16];
	size_t runs = s->reps * (s->baseline ? 2 : 1);

	bench_short_commit(s, commit, sizeof(commit));
	if (s->sweep[0]) {
		char pts[MAX_PTS][BENCH_POINT_MAX];

		runs *= bench_set_points(b, s, pts, MAX_PTS) ?: 1;
	}
	if (s->state == BENCH_RUNNING)
		draw_printf(w, 0, 0, wd,
			    "%s running %s%s%s, run %zu: %s %.0fs  %s",
			    draw_spinner(d), s->sweep[0] ? "sweep " : "",
			    s->sweep, s->sweep[0] ? "," : "", s->nruns,
			    cur ? cur->engine : "",
			    cur && cur->nsamples ?
				    cur->samples[cur->nsamples - 1].t :
				    0.0,
			    cur ? cur->workload : "");
	else
		draw_printf(w, 0, 0, wd, "%s %zu runs @%s  %s%s%s",
			    s->state == BENCH_DONE ? "done" : "failed", runs,
			    commit, s->workload, s->sweep[0] ? "; sweep " : "",
			    s->sweep);
}

static void bench_draw(struct dash *d, struct pane *p, WINDOW *w, int h, int wd)
{
	struct bench_view *v = p->priv;
	struct bench *b = session_bench(d->s);
	const struct bench_set *s = bench_set_latest(b);
	const struct bench_run *cur = bench_latest(b);
	char pts[MAX_PTS][BENCH_POINT_MAX];
	int gh, tw, side;

	bench_take_dirty(b);
	/* While no benchmark runs: the module's live counters. */
	if (session_module(d->s)->state == MOD_LOADED &&
	    session_module(d->s)->nstats && (!s || s->state != BENCH_RUNNING) &&
	    h >= 3) {
		h--;
		live_line(d, w, h, wd);
	}
	if (!s) {
		draw_printf(w, 0, 0, wd, "%s",
			    session_target(d->s)->bench_argv.n ?
				    "no benchmark yet: B runs it, a runs the "
				    "full cycle" :
				    "no benchmark configured: B says how to "
				    "add one (bench.argv)");
		return;
	}
	header(d, w, wd, b, s, cur);
	if (v && v->trend) {
		trend(d, w, 1, h - 1, wd, b, s);
		return;
	}
	/* The table beside the graphs when wide, below them when not. */
	side = wd >= TABLE_W + 30;
	tw = side ? wd - TABLE_W - 1 : wd;
	gh = side ? h - 1 : h - 1 - 7;
	bench_set_points(b, s, pts, MAX_PTS);
	if (gh >= 3 && s->sweep[0] && s->state != BENCH_RUNNING)
		sweep_graphs(d, w, 1, gh, tw, b, s);
	else if (gh >= 3)
		run_graphs(d, w, 1, gh, tw, b, s, previous_set(b, s));
	if (side)
		table(d, w, 1, tw + 1, h - 1, TABLE_W, b, s,
		      cur && !s->sweep[0] ? cur->point : pts[0]);
	else
		table(d, w, gh > 0 ? 1 + gh : 1, 0, h - (gh > 0 ? 1 + gh : 1),
		      wd, b, s, cur && !s->sweep[0] ? cur->point : pts[0]);
}

static bool bench_action(struct dash *d, struct pane *p, enum action_id a)
{
	struct bench_view *v = p->priv;

	if (a != ACT_BENCH_TREND || !v)
		return false;
	v->trend = !v->trend;
	dash_message(d, "bench: %s",
		     v->trend ? "the trend by commit" : "the last set of runs");
	return true;
}

static void bench_summary(struct dash *d, struct pane *p, char *buf, size_t cap,
			  enum theme_role *role)
{
	const struct bench *b = session_bench(d->s);
	const struct bench_set *s = bench_set_latest(b);
	struct bench_spread k, r;
	char pts[MAX_PTS][BENCH_POINT_MAX];

	bench_take_dirty(session_bench(d->s));
	if (!s) {
		snprintf(buf, cap, "no benchmark yet");
		return;
	}
	bench_set_points(b, s, pts, MAX_PTS);
	bench_set_spread(b, s, pts[0], false, BM_TOTAL, &k);
	bench_set_ratio(b, s, pts[0], BM_TOTAL, &r);
	if (s->baseline)
		snprintf(buf, cap, "%s %s %.0f ops/s, %s/user %.2f",
			 s->state == BENCH_RUNNING ? "running" :
			 s->state == BENCH_DONE	   ? "done" :
						     "failed",
			 bench_set_engine(b, s), k.med, bench_set_engine(b, s),
			 r.med);
	else
		snprintf(buf, cap, "%s %s %.0f ops/s",
			 s->state == BENCH_RUNNING ? "running" :
			 s->state == BENCH_DONE	   ? "done" :
						     "failed",
			 bench_set_engine(b, s), k.med);
}

const struct pane_ops pane_bench_ops = {
	.title = "Bench",
	.changes = SC_BENCH | SC_MODULE,
	.init = bench_init,
	.fini = bench_fini,
	.draw = bench_draw,
	.action = bench_action,
	.summary = bench_summary,
};
