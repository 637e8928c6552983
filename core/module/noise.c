// SPDX-License-Identifier: GPL-2.0
/* The noise band of previous results (see noise.h for the rule and why). */
#include "core/module/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Consistency constants for the normal distribution. */
#define MAD_TO_SIGMA 1.4826
#define MEDIAN_EFFICIENCY 1.2533 /* sqrt(pi / 2) */
#define MAX_VALUES 4096

/*
 * Croux and Rousseeuw (1992): the MAD of n = 2..9 values times these is
 * unbiased for normal data; above, n / (n - 0.8).
 */
static double mad_small_n(size_t n)
{
	static const double b[] = { 1,	   1,	  1.196, 1.495, 1.363,
				    1.206, 1.200, 1.140, 1.129, 1.107 };

	return n < sizeof(b) / sizeof(b[0]) ? b[n] :
					      (double)n / ((double)n - 0.8);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double noise_median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of one result's repetitions (NAN values left out). */
static double result_median(const struct noise_result_reps *r, size_t *reps)
{
	double v[MAX_VALUES];
	size_t n = 0;

	for (size_t i = 0; i < r->n && n < MAX_VALUES; i++)
		if (!isnan(r->v[i]))
			v[n++] = r->v[i];
	*reps = n;
	return noise_median(v, n);
}

/*
 * The noise of one result over the previous ones (noise.h), their center
 * in *center, and how many had values in *used.
 */
static double noise_est(const struct noise_result_reps *prev, size_t nprev,
			double *center, size_t *used)
{
	static double med[MAX_VALUES], dev[MAX_VALUES];
	double ss = 0, between, within = 0, r_mean = 0;
	size_t n = 0, dof = 0, nreps;

	for (size_t i = 0; i < nprev && n < MAX_VALUES; i++) {
		double m = result_median(&prev[i], &nreps), mean = 0;

		if (isnan(m))
			continue;
		med[n++] = m;
		r_mean += (double)nreps;
		/* the sum of squares of its repetitions around their mean */
		for (size_t k = 0; k < prev[i].n; k++)
			if (!isnan(prev[i].v[k]))
				mean += prev[i].v[k] / (double)nreps;
		for (size_t k = 0; k < prev[i].n; k++)
			if (!isnan(prev[i].v[k]))
				ss += (prev[i].v[k] - mean) *
				      (prev[i].v[k] - mean);
		dof += nreps - 1;
	}
	*used = n;
	if (!n) {
		*center = NAN;
		return NAN;
	}
	memcpy(dev, med, n * sizeof(*med));
	*center = noise_median(dev, n);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(med[i] - *center);
	between = MAD_TO_SIGMA * noise_median(dev, n) * mad_small_n(n);
	r_mean /= (double)n;
	if (dof)
		within = sqrt(ss / (double)dof) / sqrt(r_mean) *
			 (r_mean >= 3 ? MEDIAN_EFFICIENCY : 1);
	return between > within ? between : within;
}

double noise_of(const struct noise_result_reps *prev, size_t nprev,
		double *center)
{
	size_t used;
	double c, s = noise_est(prev, nprev, &c, &used);

	if (center)
		*center = c;
	return used && c != 0 ? fabs(s / c) : NAN;
}

enum noise_verdict noise_judge(const struct noise_result_reps *prev,
			       size_t nprev,
			       const struct noise_result_reps *cur,
			       struct noise_verdict_info *out)
{
	return noise_judge_min(prev, nprev, cur, 0, out);
}

enum noise_verdict noise_judge_min(const struct noise_result_reps *prev,
				   size_t nprev,
				   const struct noise_result_reps *cur,
				   double min_rel,
				   struct noise_verdict_info *out)
{
	size_t used, reps;
	double half;

	memset(out, 0, sizeof(*out));
	out->value = cur ? result_median(cur, &reps) : NAN;
	out->noise = noise_est(prev, nprev, &out->center, &used);
	if (used && out->noise < min_rel * fabs(out->center))
		out->noise = min_rel * fabs(out->center);
	out->nprev = used;
	half = used ? NOISE_K * out->noise *
			       sqrt(1 + M_PI / (2 * (double)used)) :
		      NAN;
	out->low = out->center - half;
	out->high = out->center + half;
	out->noise_pct = out->center ? 100 * out->noise / fabs(out->center) :
				       NAN;
	out->change_pct = out->center ? 100 * (out->value - out->center) /
						fabs(out->center) :
					NAN;
	if (used < NOISE_MIN_PREV || isnan(out->value))
		out->verdict = NOISE_NOT_ENOUGH;
	else if (out->value < out->low)
		out->verdict = NOISE_BELOW;
	else if (out->value > out->high)
		out->verdict = NOISE_ABOVE;
	else
		out->verdict = NOISE_WITHIN;
	return out->verdict;
}

const char *noise_verdict_name(enum noise_verdict v)
{
	switch (v) {
	case NOISE_WITHIN:
		return "within the noise";
	case NOISE_BELOW:
		return "below";
	case NOISE_ABOVE:
		return "above";
	default:
		return "not enough history";
	}
}
