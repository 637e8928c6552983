// SPDX-License-Identifier: GPL-2.0
/* The history as JSON, CSV and a self-contained HTML report (report.h). */
#include "core/module/report.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/version.h"
#include "core/module/facts.h"

#define MAX_POINTS 16
/* The sets a trend chart shows, the newest. */
#define TREND_MAX 60

static const enum bench_metric lat_metrics[] = { BM_P50, BM_P99, BM_P999 };
static const char *const lat_names[] = { "p50_us", "p99_us", "p999_us" };

/* --- JSON ------------------------------------------------------------------ */

static cJSON *spread_json(const struct bench_spread *sp)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "median", sp->med);
	cJSON_AddNumberToObject(o, "min", sp->min);
	cJSON_AddNumberToObject(o, "max", sp->max);
	return o;
}

/* The engine's runs at a point: how many, and each metric's spread. */
static cJSON *engine_json(const struct bench *b, const struct bench_set *s,
			  const char *point, bool baseline)
{
	cJSON *o = cJSON_CreateObject();
	struct bench_spread sp;
	const char *name = "";

	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(b, s, i);

		if (r && r->baseline == baseline && !strcmp(r->point, point)) {
			name = r->engine;
			break;
		}
	}
	cJSON_AddStringToObject(o, "engine", name);
	cJSON_AddBoolToObject(o, "baseline", baseline);
	bench_set_spread(b, s, point, baseline, BM_TOTAL, &sp);
	cJSON_AddNumberToObject(o, "runs", (double)sp.n);
	cJSON_AddItemToObject(o, "ops_s", spread_json(&sp));
	for (size_t k = 0; k < 3; k++) {
		bench_set_spread(b, s, point, baseline, lat_metrics[k], &sp);
		cJSON_AddItemToObject(o, lat_names[k], spread_json(&sp));
	}
	return o;
}

static cJSON *verdict_json(const struct bench_verdict *v)
{
	cJSON *o = cJSON_CreateObject(), *c;
	static const char *const words[] = { "not enough history",
					     "within the noise", "regression",
					     "improvement" };

	cJSON_AddStringToObject(o, "verdict", words[v->verdict]);
	cJSON_AddStringToObject(o, "judged", v->what);
	cJSON_AddStringToObject(o, "point", v->point);
	cJSON_AddNumberToObject(o, "compared", (double)v->info.nprev);
	cJSON_AddNumberToObject(o, "other_machines", (double)v->other);
	if (v->verdict != NOISE_NOT_ENOUGH) {
		cJSON_AddNumberToObject(o, "value", v->info.value);
		cJSON_AddNumberToObject(o, "center", v->info.center);
		cJSON_AddNumberToObject(o, "low", v->info.low);
		cJSON_AddNumberToObject(o, "high", v->info.high);
		cJSON_AddNumberToObject(o, "noise_pct", v->info.noise_pct);
		cJSON_AddNumberToObject(o, "change_pct", v->info.change_pct);
		c = cJSON_AddArrayToObject(o, "commits");
		cJSON_AddItemToArray(c, cJSON_CreateString(v->first));
		cJSON_AddItemToArray(c, cJSON_CreateString(v->last));
	}
	cJSON_AddStringToObject(o, "text", v->text);
	return o;
}

static cJSON *run_json(const struct bench_run *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "engine", r->engine);
	cJSON_AddBoolToObject(o, "baseline", r->baseline);
	cJSON_AddNumberToObject(o, "rep", r->rep);
	if (r->param[0])
		cJSON_AddStringToObject(o, r->param, r->point);
	cJSON_AddStringToObject(o, "state",
				r->state == BENCH_DONE ? "done" : "failed");
	cJSON_AddNumberToObject(o, "ops_s", r->summary[BM_TOTAL]);
	for (size_t k = 0; k < 3; k++)
		cJSON_AddNumberToObject(o, lat_names[k],
					r->summary[lat_metrics[k]]);
	cJSON_AddNumberToObject(o, "elapsed_s", r->elapsed_s);
	if (r->msg[0])
		cJSON_AddStringToObject(o, "message", r->msg);
	return o;
}

cJSON *bench_set_json(const struct bench *b, const struct bench_set *s,
		      const struct bench_verdict *v)
{
	cJSON *o = cJSON_CreateObject(), *pts, *runs;
	char points[MAX_POINTS][BENCH_POINT_MAX];
	size_t np = bench_set_points(b, s, points, MAX_POINTS);
	int plen = (int)strcspn(s->sweep, "=");
	char param[BENCH_POINT_MAX];

	snprintf(param, sizeof(param), "%.*s", plen, s->sweep);
	cJSON_AddStringToObject(o, "set", s->id);
	cJSON_AddNumberToObject(o, "started", (double)s->started);
	cJSON_AddStringToObject(o, "state",
				s->state == BENCH_DONE	  ? "done" :
				s->state == BENCH_RUNNING ? "running" :
							    "failed");
	if (s->msg[0])
		cJSON_AddStringToObject(o, "message", s->msg);
	cJSON_AddStringToObject(o, "workload", s->workload);
	cJSON_AddStringToObject(o, "sweep", s->sweep);
	cJSON_AddNumberToObject(o, "reps", s->reps);
	cJSON_AddBoolToObject(o, "baseline", s->baseline);
	cJSON_AddStringToObject(o, "commit", s->commit);
	cJSON_AddBoolToObject(o, "dirty", s->dirty);
	cJSON_AddStringToObject(o, "diff_hash", s->diff_hash);
	if (s->git_note[0])
		cJSON_AddStringToObject(o, "git_note", s->git_note);
	cJSON_AddStringToObject(o, "target", s->target);
	cJSON_AddStringToObject(o, "kmdash", s->kmdash);
	cJSON_AddItemToObject(o, "before", bench_facts_json(&s->before));
	cJSON_AddItemToObject(o, "after", bench_facts_json(&s->after));
	pts = cJSON_AddArrayToObject(o, "points");
	for (size_t k = 0; k < np; k++) {
		cJSON *p = cJSON_CreateObject(), *e;
		struct bench_spread r;

		if (points[k][0]) {
			cJSON_AddStringToObject(p, "param", param);
			cJSON_AddStringToObject(p, "value", points[k]);
		}
		e = cJSON_AddArrayToObject(p, "engines");
		cJSON_AddItemToArray(e, engine_json(b, s, points[k], false));
		if (s->baseline) {
			cJSON *ro = cJSON_CreateObject();

			cJSON_AddItemToArray(e, engine_json(b, s, points[k],
							    true));
			bench_set_ratio(b, s, points[k], BM_TOTAL, &r);
			cJSON_AddItemToObject(ro, "ops_s", spread_json(&r));
			bench_set_ratio(b, s, points[k], BM_P50, &r);
			cJSON_AddItemToObject(ro, "p50", spread_json(&r));
			cJSON_AddItemToObject(p, "ratio", ro);
		}
		cJSON_AddItemToArray(pts, p);
	}
	if (v)
		cJSON_AddItemToObject(o, "verdict", verdict_json(v));
	runs = cJSON_AddArrayToObject(o, "runs");
	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(b, s, i);

		if (r)
			cJSON_AddItemToArray(runs, run_json(r));
	}
	return o;
}

long bench_first_set_at(const struct bench *b, const char *commit)
{
	size_t len = commit ? strlen(commit) : 0;

	if (!len)
		return 0;
	for (size_t i = 0; i < bench_nsets(b); i++)
		if (!strncmp(bench_set_at(b, i)->commit, commit, len))
			return (long)i;
	return -1;
}

int bench_export_json(const struct bench *b, size_t from, FILE *out)
{
	for (size_t i = from; i < bench_nsets(b); i++) {
		const struct bench_set *s = bench_set_at(b, i);
		struct bench_verdict v;
		cJSON *o;
		char *text;

		bench_judge(b, s, &v);
		o = bench_set_json(b, s, &v);
		text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!text)
			return -ENOMEM;
		fprintf(out, "%s\n", text);
		free(text);
	}
	return ferror(out) ? -EIO : 0;
}

/* --- CSV ------------------------------------------------------------------- */

/* A field, quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *out, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

static void csv_num(FILE *out, double v, bool last)
{
	if (isnan(v))
		fputs("", out);
	else
		fprintf(out, "%.6g", v);
	fputc(last ? '\n' : ',', out);
}

int bench_export_csv(const struct bench *b, size_t from, FILE *out)
{
	static const enum bench_metric ms[] = { BM_TOTAL, BM_GET, BM_PUT,
						BM_DEL,	  BM_P50, BM_P99,
						BM_P999 };

	fputs("set,started,commit,dirty,diff_hash,target,release,cpu,cores,"
	      "board,workload,sweep,point,engine,baseline,rep,state,ops_s,"
	      "get_s,put_s,del_s,p50_us,p99_us,p999_us,elapsed_s\n",
	      out);
	for (size_t i = from; i < bench_nsets(b); i++) {
		const struct bench_set *s = bench_set_at(b, i);

		for (size_t k = 0; k < s->nruns; k++) {
			const struct bench_run *r = bench_set_run(b, s, k);
			char num[32];

			if (!r)
				continue;
			csv_field(out, s->id, false);
			fprintf(out, "%lld,", (long long)s->started);
			csv_field(out, s->commit, false);
			csv_field(out, s->dirty ? "yes" : "no", false);
			csv_field(out, s->diff_hash, false);
			csv_field(out, s->target, false);
			csv_field(out, s->before.release, false);
			csv_field(out, s->before.cpu, false);
			fprintf(out, "%d,", s->before.cores);
			csv_field(out, s->before.board, false);
			csv_field(out, s->workload, false);
			csv_field(out, s->sweep, false);
			csv_field(out, r->point, false);
			csv_field(out, r->engine, false);
			csv_field(out, r->baseline ? "yes" : "no", false);
			snprintf(num, sizeof(num), "%d", r->rep);
			csv_field(out, num, false);
			csv_field(out,
				  r->state == BENCH_DONE &&
						  s->state == BENCH_DONE ?
					  "done" :
					  "failed",
				  false);
			for (size_t m = 0; m < sizeof(ms) / sizeof(ms[0]); m++)
				csv_num(out, r->summary[ms[m]], false);
			csv_num(out, r->elapsed_s, true);
		}
	}
	return ferror(out) ? -EIO : 0;
}

/* --- HTML ------------------------------------------------------------------ */

/* Text for HTML and SVG: & < > " escaped. */
static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			/* control characters are no XML */
			if ((unsigned char)*s >= ' ' || *s == '\n')
				fputc(*s, out);
			break;
		}
	}
}

/* 1, 2 or 5 x 10^n at least v. */
static double nice_max(double v)
{
	double p;

	if (!(v > 0) || !isfinite(v))
		return 1;
	p = pow(10, floor(log10(v)));
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

/* "1.5M", "250k", "0.48", "3.2" */
static void short_num(char *buf, size_t cap, double v)
{
	if (isnan(v))
		snprintf(buf, cap, "-");
	else if (fabs(v) >= 1e6)
		snprintf(buf, cap, "%.3gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, cap, "%.3gk", v / 1e3);
	else
		snprintf(buf, cap, "%.3g", v);
}

struct series {
	const char *name;
	const char *color;
	double v[TREND_MAX], lo[TREND_MAX], hi[TREND_MAX];
};

#define CW 760 /* the chart's size */
#define CH 280
#define ML 64 /* margins: left, right (legend), top, bottom */
#define MR 150
#define MT 28
#define MB 64

/*
 * A line chart: x evenly spaced (labels under it), y from 0 to a nice
 * maximum; each series a line with its min-max as a whisker.
 */
static void svg_chart(FILE *out, const char *title, const char *ylabel,
		      char (*xl)[40], size_t n, const struct series *s,
		      size_t ns)
{
	double top = 0, pw = CW - ML - MR, ph = CH - MT - MB;
	size_t every = n > 24 ? (n + 23) / 24 : 1;
	char lab[32];

	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < n; i++) {
			double v = !isnan(s[k].hi[i]) ? s[k].hi[i] : s[k].v[i];

			if (!isnan(v) && v > top)
				top = v;
		}
	top = nice_max(top);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
		CW, CH, CW, CH);
	fputs("<title>", out);
	esc(out, title);
	fputs("</title>\n", out);
	fprintf(out,
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		CW, CH);
	fprintf(out,
		"<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">",
		ML);
	esc(out, title);
	fputs("</text>\n", out);
	/* the y axis: 0, 1/4 ... top */
	for (int g = 0; g <= 4; g++) {
		double y = MT + ph - ph * g / 4;

		short_num(lab, sizeof(lab), top * g / 4);
		fprintf(out,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>"
			"<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
			ML, y, ML + pw, y, ML - 6, y + 4, lab);
	}
	fprintf(out,
		"<text x=\"14\" y=\"%.1f\" font-size=\"11\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">",
		MT + ph / 2, MT + ph / 2);
	esc(out, ylabel);
	fputs("</text>\n", out);
	for (size_t i = 0; i < n; i += every) {
		double x = ML + (n > 1 ? pw * i / (n - 1) : pw / 2);

		fprintf(out,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-40 %.1f %.1f)\">",
			x, MT + ph + 14, x, MT + ph + 14);
		esc(out, xl[i]);
		fputs("</text>\n", out);
	}
	for (size_t k = 0; k < ns; k++) {
		bool open = false;

		for (size_t i = 0; i < n; i++) {
			double x = ML + (n > 1 ? pw * i / (n - 1) : pw / 2);

			if (isnan(s[k].v[i]))
				continue;
			if (!isnan(s[k].lo[i]) && !isnan(s[k].hi[i]))
				fprintf(out,
					"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-opacity=\"0.5\"/>\n",
					x, MT + ph - ph * s[k].lo[i] / top, x,
					MT + ph - ph * s[k].hi[i] / top,
					s[k].color);
			fprintf(out,
				"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
				x, MT + ph - ph * s[k].v[i] / top, s[k].color);
		}
		for (size_t i = 0; i < n; i++) {
			double x = ML + (n > 1 ? pw * i / (n - 1) : pw / 2);

			if (isnan(s[k].v[i]))
				continue;
			if (!open)
				fprintf(out,
					"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
					s[k].color);
			open = true;
			fprintf(out, "%.1f,%.1f ", x,
				MT + ph - ph * s[k].v[i] / top);
		}
		if (open)
			fputs("\"/>\n", out);
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%zu\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%zu\" font-size=\"12\">",
			ML + pw + 16, MT + k * 20, s[k].color, ML + pw + 32,
			MT + k * 20 + 11);
		esc(out, s[k].name);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
}

static void series_init(struct series *s, const char *name, const char *color)
{
	s->name = name;
	s->color = color;
	for (size_t i = 0; i < TREND_MAX; i++)
		s->v[i] = s->lo[i] = s->hi[i] = NAN;
}

static void series_put(struct series *s, size_t i,
		       const struct bench_spread *sp)
{
	s->v[i] = sp->med;
	s->lo[i] = sp->min;
	s->hi[i] = sp->max;
}

#define KMOD_COLOR "#1f77b4"
#define USER_COLOR "#ff7f0e"
#define RATIO_COLOR "#2ca02c"

/* The trend of one workload: its last sets, at their first point. */
static void trend_charts(FILE *out, const struct bench *b,
			 const struct bench_set *const *sets, size_t n)
{
	static struct series s[2], r;
	static char xl[TREND_MAX][40];
	const char *engine = bench_set_engine(b, sets[n - 1]);
	char title[160];

	series_init(&s[0], engine[0] ? engine : "module", KMOD_COLOR);
	series_init(&s[1], "user", USER_COLOR);
	series_init(&r, "module/user", RATIO_COLOR);
	for (size_t i = 0; i < n; i++) {
		char pts[MAX_POINTS][BENCH_POINT_MAX];
		struct bench_spread sp;

		bench_short_commit(sets[i], xl[i], sizeof(xl[i]));
		if (!bench_set_points(b, sets[i], pts, MAX_POINTS))
			continue;
		bench_set_spread(b, sets[i], pts[0], false, BM_TOTAL, &sp);
		series_put(&s[0], i, &sp);
		if (!sets[i]->baseline)
			continue;
		bench_set_spread(b, sets[i], pts[0], true, BM_TOTAL, &sp);
		series_put(&s[1], i, &sp);
		bench_set_ratio(b, sets[i], pts[0], BM_TOTAL, &sp);
		series_put(&r, i, &sp);
	}
	snprintf(title, sizeof(title), "ops/s by commit (median, min-max)%s",
		 sets[n - 1]->sweep[0] ? ", the sweep's first point" : "");
	svg_chart(out, title, "ops/s", xl, n, s, sets[n - 1]->baseline ? 2 : 1);
	if (sets[n - 1]->baseline)
		svg_chart(out, "module/user ratio of ops/s by commit", "ratio",
			  xl, n, &r, 1);
}

/* A sweep: ops/s and p99 against the swept parameter, module and user. */
static void sweep_charts(FILE *out, const struct bench *b,
			 const struct bench_set *set)
{
	static const enum bench_metric ms[] = { BM_TOTAL, BM_P99 };
	static char xl[TREND_MAX][40];
	char pts[MAX_POINTS][BENCH_POINT_MAX], title[200];
	size_t np = bench_set_points(b, set, pts, MAX_POINTS);
	int plen = (int)strcspn(set->sweep, "=");
	const char *engine = bench_set_engine(b, set);

	for (size_t i = 0; i < np; i++)
		snprintf(xl[i], sizeof(xl[i]), "%.*s=%.16s",
			 plen > 16 ? 16 : plen, set->sweep, pts[i]);
	for (size_t m = 0; m < 2; m++) {
		static struct series s[2];
		char commit[16];

		series_init(&s[0], engine[0] ? engine : "module", KMOD_COLOR);
		series_init(&s[1], "user", USER_COLOR);
		for (size_t i = 0; i < np; i++) {
			struct bench_spread sp;

			bench_set_spread(b, set, pts[i], false, ms[m], &sp);
			series_put(&s[0], i, &sp);
			bench_set_spread(b, set, pts[i], true, ms[m], &sp);
			series_put(&s[1], i, &sp);
		}
		bench_short_commit(set, commit, sizeof(commit));
		snprintf(title, sizeof(title), "%s against %.*s at %s",
			 m ? "p99 latency" : "ops/s", plen, set->sweep, commit);
		svg_chart(out, title, m ? "p99 us" : "ops/s", xl, np, s,
			  set->baseline ? 2 : 1);
	}
}

static const char style[] =
	"body{font-family:sans-serif;margin:24px;color:#222}"
	"h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
	"table{border-collapse:collapse;font-size:12px}"
	"td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
	"td.n{text-align:right}.reg{color:#b00000;font-weight:bold}"
	".imp{color:#006000;font-weight:bold}.fail{color:#888}"
	"p.m{font-size:12px;color:#555}";

static void spread_cell(FILE *out, const struct bench_spread *sp)
{
	char a[24], lo[24], hi[24];

	short_num(a, sizeof(a), sp->med);
	short_num(lo, sizeof(lo), sp->min);
	short_num(hi, sizeof(hi), sp->max);
	if (sp->n > 1)
		fprintf(out, "<td class=\"n\">%s (%s-%s)</td>", a, lo, hi);
	else
		fprintf(out, "<td class=\"n\">%s</td>", a);
}

static void table_row(FILE *out, const struct bench *b,
		      const struct bench_set *s)
{
	char pts[MAX_POINTS][BENCH_POINT_MAX], when[32], commit[16];
	struct bench_spread sp;
	struct bench_verdict v;
	struct tm tm;
	time_t t = (time_t)s->started;
	const char *cls = s->state != BENCH_DONE ? "fail" : "";

	bench_set_points(b, s, pts, MAX_POINTS);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	bench_short_commit(s, commit, sizeof(commit));
	bench_judge(b, s, &v);
	if (s->state == BENCH_DONE && v.verdict == NOISE_BELOW)
		cls = "reg";
	else if (s->state == BENCH_DONE && v.verdict == NOISE_ABOVE)
		cls = "imp";
	fprintf(out, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>", cls, when,
		commit);
	esc(out, s->target);
	fputs("</td><td>", out);
	esc(out, s->before.release);
	fputs("</td><td>", out);
	esc(out, s->workload);
	if (s->sweep[0]) {
		fputs(" [", out);
		esc(out, s->sweep);
		fputs("]", out);
	}
	fputs("</td>", out);
	bench_set_spread(b, s, pts[0], false, BM_TOTAL, &sp);
	spread_cell(out, &sp);
	bench_set_spread(b, s, pts[0], true, BM_TOTAL, &sp);
	spread_cell(out, &sp);
	bench_set_ratio(b, s, pts[0], BM_TOTAL, &sp);
	spread_cell(out, &sp);
	bench_set_spread(b, s, pts[0], false, BM_P99, &sp);
	spread_cell(out, &sp);
	fputs("<td>", out);
	if (s->state != BENCH_DONE) {
		fputs("failed: ", out);
		esc(out, s->msg);
	} else if (v.verdict == NOISE_NOT_ENOUGH) {
		fputs("not enough history", out);
	} else {
		fprintf(out, "%s %+.1f%% (noise &#177;%.1f%%)",
			bench_verdict_word(v.verdict), v.info.change_pct,
			v.info.noise_pct);
	}
	fputs("</td></tr>\n", out);
}

/* Sets alike for a chart: the same workload, sweep, baseline, target. */
static bool same_group(const struct bench_set *a, const struct bench_set *b)
{
	return !strcmp(a->workload, b->workload) &&
	       !strcmp(a->sweep, b->sweep) && a->baseline == b->baseline &&
	       !strcmp(a->target, b->target) &&
	       facts_same_machine(&a->before, &b->before);
}

int bench_report_html(const struct bench *b, size_t from, const char *title,
		      FILE *out)
{
	size_t nsets = bench_nsets(b), ngroups = 0;
	const struct bench_set **done = calloc(nsets + 1, sizeof(*done));
	bool *seen = calloc(nsets + 1, sizeof(*seen));
	char when[32], desc[400];
	time_t now = time(NULL);
	struct tm tm;

	if (!done || !seen) {
		free(done);
		free(seen);
		return -ENOMEM;
	}
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>kmdash benchmarks: ",
	      out);
	esc(out, title);
	fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n", style);
	fputs("<h1>kmdash benchmarks: ", out);
	esc(out, title);
	fprintf(out,
		"</h1>\n<p class=\"m\">%zu sets of runs, made by kmdash %s on %s. "
		"Each set ran every engine R times, interleaved; the median and "
		"the spread (min-max) of those runs are shown. A change is "
		"flagged only when it leaves the noise band of the earlier runs "
		"of the same workload on the same machine.</p>\n",
		from < nsets ? nsets - from : 0, KMDASH_VERSION, when);
	/* one section per workload, in the order each first ran */
	for (size_t i = from; i < nsets; i++) {
		const struct bench_set *s = bench_set_at(b, i), *last;
		size_t n = 0;

		if (seen[i])
			continue;
		for (size_t k = i; k < nsets; k++) {
			const struct bench_set *o = bench_set_at(b, k);

			if (seen[k] || !same_group(s, o))
				continue;
			seen[k] = true;
			if (o->state == BENCH_DONE)
				done[n++] = o;
		}
		if (!n)
			continue;
		ngroups++;
		last = done[n - 1];
		fputs("<h2>", out);
		esc(out, last->workload[0] ? last->workload : "(no workload)");
		if (last->sweep[0]) {
			fputs(", sweep ", out);
			esc(out, last->sweep);
		}
		fputs("</h2>\n<p class=\"m\">", out);
		facts_describe(&last->before, desc, sizeof(desc));
		esc(out, last->target);
		fputs(": ", out);
		esc(out, desc);
		fprintf(out, "; %zu sets; the last at commit ", n);
		bench_short_commit(last, when, sizeof(when));
		esc(out, when);
		fputs("</p>\n", out);
		trend_charts(out, b,
			     n > TREND_MAX ? done + n - TREND_MAX : done,
			     n > TREND_MAX ? TREND_MAX : n);
		if (last->sweep[0])
			sweep_charts(out, b, last);
	}
	if (!ngroups)
		fputs("<p>No benchmark set ended well in this range.</p>\n",
		      out);
	fputs("<h2>Every set</h2>\n<table><tr><th>when</th><th>commit</th>"
	      "<th>target</th><th>kernel</th><th>workload</th>"
	      "<th>module ops/s median (min-max)</th><th>user ops/s</th>"
	      "<th>module/user</th><th>module p99 us</th><th>verdict</th></tr>\n",
	      out);
	for (size_t i = from; i < nsets; i++)
		table_row(out, b, bench_set_at(b, i));
	fputs("</table>\n</body></html>\n", out);
	free(done);
	free(seen);
	return ferror(out) ? -EIO : 0;
}
