// SPDX-License-Identifier: GPL-2.0
/* Medians, spreads, ratios and the verdict of a set (benchstat.h). */
#include "core/module/benchstat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/module/facts.h"

#define MAX_REPS 256

size_t bench_set_points(const struct bench *b, const struct bench_set *s,
			char (*pts)[BENCH_POINT_MAX], size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(b, s, i);
		size_t k;

		if (!r)
			continue;
		for (k = 0; k < n && strcmp(pts[k], r->point); k++)
			;
		if (k == n && n < cap)
			snprintf(pts[n++], BENCH_POINT_MAX, "%s", r->point);
	}
	return n;
}

const char *bench_set_engine(const struct bench *b, const struct bench_set *s)
{
	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(b, s, i);

		if (r && !r->baseline && r->engine[0])
			return r->engine;
	}
	return "";
}

static void spread_of(double *v, size_t n, struct bench_spread *out)
{
	out->n = n;
	out->med = out->min = out->max = NAN;
	if (!n)
		return;
	out->med = noise_median(v, n); /* sorts */
	out->min = v[0];
	out->max = v[n - 1];
}

/* Metric m of the set's done runs at point, by repetition (NAN: none). */
static void by_rep(const struct bench *b, const struct bench_set *s,
		   const char *point, bool baseline, enum bench_metric m,
		   double *v, size_t cap)
{
	for (size_t k = 0; k < cap; k++)
		v[k] = NAN;
	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(b, s, i);

		if (r && r->state == BENCH_DONE && r->baseline == baseline &&
		    !strcmp(r->point, point) && r->rep >= 1 &&
		    (size_t)r->rep <= cap)
			v[r->rep - 1] = r->summary[m];
	}
}

/* The values that are there, packed. */
static size_t pack(const double *v, size_t n, double *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			out[k++] = v[i];
	return k;
}

void bench_set_spread(const struct bench *b, const struct bench_set *s,
		      const char *point, bool baseline, enum bench_metric m,
		      struct bench_spread *out)
{
	double v[MAX_REPS], p[MAX_REPS];

	by_rep(b, s, point, baseline, m, v, MAX_REPS);
	spread_of(p, pack(v, MAX_REPS, p), out);
}

/* The per-repetition values judged (see benchstat.h), packed. */
static size_t judged_values(const struct bench *b, const struct bench_set *s,
			    const char *point, bool ratio, enum bench_judged j,
			    double *out)
{
	enum bench_metric m = j == BJ_OPS ? BM_TOTAL : BM_P50;
	double mod[MAX_REPS], base[MAX_REPS], v[MAX_REPS];

	by_rep(b, s, point, false, m, mod, MAX_REPS);
	if (ratio)
		by_rep(b, s, point, true, m, base, MAX_REPS);
	for (size_t i = 0; i < MAX_REPS; i++) {
		double x = mod[i], y = ratio ? base[i] : 1;

		if (j == BJ_P50) { /* speed: the inverse of the latency */
			x = mod[i] > 0 ? 1e6 / mod[i] : NAN;
			y = !ratio ? 1 : base[i] > 0 ? 1e6 / base[i] : NAN;
		}
		v[i] = y > 0 && !isnan(x) ? x / y : NAN;
	}
	return pack(v, MAX_REPS, out);
}

void bench_set_ratio(const struct bench *b, const struct bench_set *s,
		     const char *point, enum bench_metric m,
		     struct bench_spread *out)
{
	double mod[MAX_REPS], base[MAX_REPS], v[MAX_REPS], p[MAX_REPS];

	by_rep(b, s, point, false, m, mod, MAX_REPS);
	by_rep(b, s, point, true, m, base, MAX_REPS);
	for (size_t i = 0; i < MAX_REPS; i++) {
		double num = bench_metric_is_latency(m) ? base[i] : mod[i];
		double den = bench_metric_is_latency(m) ? mod[i] : base[i];

		v[i] = den > 0 ? num / den : NAN;
	}
	spread_of(p, pack(v, MAX_REPS, p), out);
}

void bench_short_commit(const struct bench_set *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.7s%s", s->commit[0] ? s->commit : "?",
		 s->dirty ? "+" : "");
}

const char *bench_verdict_word(enum noise_verdict v)
{
	switch (v) {
	case NOISE_BELOW:
		return "REGRESSION";
	case NOISE_ABOVE:
		return "IMPROVEMENT";
	case NOISE_WITHIN:
		return "within the noise";
	default:
		return "not enough history";
	}
}

/* Judged alike: the same workload, sweep and baseline, on one target. */
static bool same_workload(const struct bench_set *a, const struct bench_set *b)
{
	return !strcmp(a->workload, b->workload) &&
	       !strcmp(a->sweep, b->sweep) && a->baseline == b->baseline &&
	       !strcmp(a->target, b->target);
}

/*
 * The speed of the median call comes from a latency percentile, which
 * bench programs read from a log histogram: sebench's has 8 buckets per
 * power of two, so its p50 moves in steps of up to 1/8, however still
 * the engine is. Its noise is taken as at least such a step's (1/8 over
 * sqrt(12), a uniform rounding error): a run of sets that happen to show
 * the same bucket must not make a one-bucket move a regression.
 */
#define BENCH_P50_MIN_NOISE (0.125 / 3.4641016)

static double judged_min_noise(enum bench_judged j)
{
	return j == BJ_P50 ? BENCH_P50_MIN_NOISE : 0;
}

/* The noise of what (ratio, j) judges over prev[0..n), its values in vals. */
static double history_noise(const struct bench *b,
			    const struct bench_set *const *prev, size_t n,
			    const char *point, bool ratio, enum bench_judged j,
			    double (*vals)[MAX_REPS],
			    struct noise_result_reps *pr)
{
	double noise;

	for (size_t i = 0; i < n; i++) {
		pr[i].v = vals[i];
		pr[i].n = judged_values(b, prev[i], point, ratio, j, vals[i]);
	}
	noise = noise_of(pr, n, NULL);
	return noise < judged_min_noise(j) ? judged_min_noise(j) : noise;
}

/*
 * A point's verdict over the earlier sets prev[0..n) (oldest first): of
 * the figures a set can be judged by, the one whose history shows the
 * least noise; the ratio first, throughput first on a tie.
 */
static void judge_point(const struct bench *b, const struct bench_set *set,
			const struct bench_set *const *prev, size_t n,
			const char *point, struct bench_verdict *v,
			struct noise_verdict_info *info)
{
	static double vals[BENCH_JUDGE_WINDOW][MAX_REPS], cur[MAX_REPS];
	struct noise_result_reps pr[BENCH_JUDGE_WINDOW], cr;
	double best = INFINITY;
	bool ratio = set->baseline;
	enum bench_judged pick = BJ_OPS;

	v->ratio_noise_pct = NAN;
	for (int r = set->baseline; r >= 0 && n >= NOISE_MIN_PREV; r--) {
		for (int j = BJ_OPS; j <= BJ_P50; j++) {
			double noise = history_noise(b, prev, n, point, r,
						     (enum bench_judged)j, vals,
						     pr);

			if (r && !isnan(noise) &&
			    (isnan(v->ratio_noise_pct) ||
			     100 * noise < v->ratio_noise_pct))
				v->ratio_noise_pct = 100 * noise;
			if (!isnan(noise) && noise < best) {
				best = noise;
				ratio = r;
				pick = (enum bench_judged)j;
			}
		}
	}
	history_noise(b, prev, n, point, ratio, pick, vals, pr);
	cr.v = cur;
	cr.n = judged_values(b, set, point, ratio, pick, cur);
	noise_judge_min(pr, n, &cr, judged_min_noise(pick), info);
	v->judged = pick;
	v->ratio = ratio;
}

void bench_judge(const struct bench *b, const struct bench_set *set,
		 struct bench_verdict *out)
{
	const struct bench_set *prev[BENCH_JUDGE_WINDOW];
	char pts[16][BENCH_POINT_MAX], change[48], noise[32];
	size_t n = 0, npts, at;
	const char *engine = bench_set_engine(b, set);
	int len;

	memset(out, 0, sizeof(*out));
	out->ratio = set->baseline;
	for (at = 0; at < bench_nsets(b) && bench_set_at(b, at) != set; at++)
		;
	/* the newest comparable sets first, kept oldest first */
	for (size_t i = at; i-- > 0 && n < BENCH_JUDGE_WINDOW;) {
		const struct bench_set *p = bench_set_at(b, i);

		if (p->state != BENCH_DONE || !same_workload(p, set))
			continue;
		if (!facts_same_machine(&p->before, &set->before)) {
			out->other++;
			continue;
		}
		memmove(prev + 1, prev, n * sizeof(*prev));
		prev[0] = p;
		n++;
	}
	if (n) {
		bench_short_commit(prev[0], out->first, sizeof(out->first));
		bench_short_commit(prev[n - 1], out->last, sizeof(out->last));
	}
	out->verdict = NOISE_NOT_ENOUGH;
	npts = bench_set_points(b, set, pts, 16);
	for (size_t k = 0; k < npts; k++) {
		struct noise_verdict_info info;
		struct bench_verdict v = *out;
		bool take;

		judge_point(b, set, prev, n, pts[k], &v, &info);
		/* a regression anywhere decides; then an improvement */
		take = k == 0 ||
		       (info.verdict == NOISE_BELOW &&
			out->verdict != NOISE_BELOW) ||
		       (info.verdict == NOISE_ABOVE &&
			out->verdict != NOISE_BELOW &&
			out->verdict != NOISE_ABOVE);
		if (take) {
			out->verdict = info.verdict;
			out->info = info;
			out->judged = v.judged;
			out->ratio = v.ratio;
			out->ratio_noise_pct = v.ratio_noise_pct;
			snprintf(out->point, sizeof(out->point), "%s", pts[k]);
		}
	}
	snprintf(out->what, sizeof(out->what), "%s%s%s",
		 out->ratio ? engine :
		 engine[0]  ? engine :
			      "module",
		 out->ratio ? "/user ratio of " : " ",
		 out->judged == BJ_OPS ? "ops/s" : "calls/s at p50");
	snprintf(change, sizeof(change), "%+.1f%%", out->info.change_pct);
	snprintf(noise, sizeof(noise), "noise +-%.1f%%", out->info.noise_pct);
	if (out->verdict == NOISE_NOT_ENOUGH) {
		len = snprintf(
			out->text, sizeof(out->text),
			"not enough history: %zu earlier run%s of this workload on this machine (%d needed)",
			n, n == 1 ? "" : "s", NOISE_MIN_PREV);
	} else {
		char here[16];

		bench_short_commit(set, here, sizeof(here));
		len = snprintf(
			out->text, sizeof(out->text),
			"%s%s%.*s%s%s: %s %.4g (%s) %s %.4g..%.4g (%s) of %zu runs at %s..%s; this run at %s",
			bench_verdict_word(out->verdict),
			out->point[0] ? " at " : "",
			out->point[0] ? (int)strcspn(set->sweep, "=") : 0,
			set->sweep, out->point[0] ? "=" : "", out->point,
			out->what, out->info.value, change,
			out->verdict == NOISE_WITHIN ? "inside the band" :
			out->verdict == NOISE_BELOW  ? "below the noise band" :
						       "above the noise band",
			out->info.low, out->info.high, noise, out->info.nprev,
			out->first, out->last, here);
	}
	/* a baseline ran but its ratio was not judged: say why */
	if (set->baseline && !out->ratio && out->verdict != NOISE_NOT_ENOUGH &&
	    len > 0 && (size_t)len < sizeof(out->text))
		len += snprintf(
			out->text + len, sizeof(out->text) - (size_t)len,
			" (the %s/user ratio moved more here: noise +-%.1f%%)",
			engine[0] ? engine : "module", out->ratio_noise_pct);
	if (out->other && len > 0 && (size_t)len < sizeof(out->text))
		snprintf(
			out->text + len, sizeof(out->text) - (size_t)len,
			" (%zu run%s on another kernel or machine not compared)",
			out->other, out->other == 1 ? "" : "s");
}

/* Appends printf-style to buf at *n, within cap. */
static void add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (w > 0)
		*n += (size_t)w;
}

void bench_set_text(const struct bench *b, const struct bench_set *s,
		    const struct bench_verdict *v, char *buf, size_t cap)
{
	char pts[16][BENCH_POINT_MAX];
	size_t npts = bench_set_points(b, s, pts, 16), n = 0;
	const char *engine = bench_set_engine(b, s);
	int plen = (int)strcspn(s->sweep, "=");

	buf[0] = '\0';
	for (size_t k = 0; k < npts; k++) {
		struct bench_spread ops, p99, bops, r;

		bench_set_spread(b, s, pts[k], false, BM_TOTAL, &ops);
		bench_set_spread(b, s, pts[k], false, BM_P99, &p99);
		if (pts[k][0])
			add(buf, cap, &n, "%s%.*s=%s: ", k ? "; " : "", plen,
			    s->sweep, pts[k]);
		add(buf, cap, &n, "%s: %.0f ops/s (%.0f..%.0f), p99 %.2f us",
		    engine[0] ? engine : "module", ops.med, ops.min, ops.max,
		    p99.med);
		if (!s->baseline)
			continue;
		bench_set_spread(b, s, pts[k], true, BM_TOTAL, &bops);
		bench_set_spread(b, s, pts[k], true, BM_P99, &p99);
		bench_set_ratio(b, s, pts[k], BM_TOTAL, &r);
		add(buf, cap, &n,
		    "; user: %.0f ops/s (%.0f..%.0f), p99 %.2f us; %s/user %.2f (%.2f..%.2f)",
		    bops.med, bops.min, bops.max, p99.med,
		    engine[0] ? engine : "module", r.med, r.min, r.max);
	}
	if (v)
		add(buf, cap, &n, "%s%s", n ? "; " : "", v->text);
}
