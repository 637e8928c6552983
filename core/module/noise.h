/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Regressions by noise, not by a fixed percentage. A result is judged
 * against the previous results of the same workload (each the median of
 * its repetitions): it is a regression or an improvement only when it
 * leaves their noise band
 *
 *     center +- NOISE_K * noise * sqrt(1 + pi / (2 n))
 *
 * center: the median of the n previous results. noise: how much one
 * result is seen to move, the larger of
 *   - between results: 1.4826 x the median absolute deviation of the
 *     previous results around their center (the machine's drift from one
 *     run to the next, robust to one odd run), times Croux and
 *     Rousseeuw's small-sample factor (a MAD of few values runs low);
 *   - within results: the pooled standard deviation of the repetitions
 *     around their own mean, over sqrt(R) and times 1.2533 (the spread
 *     of a median of R), a floor for when a few results agree by chance.
 * sqrt(1 + pi / (2 n)): the center is itself a median of n noisy results.
 * NOISE_K = 3.5: with normal noise a result of an unchanged module leaves
 * the band about 5 times in 10,000; simulated with 3% noise per
 * repetition and 1% drift per run, 10 runs of one build are flagged
 * never in 97% of tries and a 20% slowdown is caught in 99% (tests/bench/
 * regress.sh measures it on the target). Fewer than NOISE_MIN_PREV
 * previous results: no band, "not enough history".
 *
 * Pure: numbers in, a verdict out (tests/unit/test_noise.c).
 */
#ifndef KMDASH_NOISE_H
#define KMDASH_NOISE_H

#include <stddef.h>

#define NOISE_K 3.5
#define NOISE_MIN_PREV 2

enum noise_verdict {
	NOISE_NOT_ENOUGH, /* fewer than NOISE_MIN_PREV previous results */
	NOISE_WITHIN, /* inside the band */
	NOISE_BELOW, /* below it */
	NOISE_ABOVE, /* above it */
};

/* One result: the values of its repetitions. */
struct noise_result_reps {
	const double *v;
	size_t n;
};

struct noise_verdict_info {
	enum noise_verdict verdict;
	size_t nprev; /* previous results judged against */
	double value; /* the current result (its median) */
	double center; /* the median of the previous results */
	double noise; /* one result's noise, as above */
	double low, high; /* the band, the center's uncertainty in it */
	double noise_pct; /* noise / center, in percent */
	double change_pct; /* (value - center) / center, in percent */
};

/*
 * Judges cur against prev[0..nprev) (oldest first; any order works).
 * Results without values are skipped. Returns the verdict (also in out).
 */
enum noise_verdict noise_judge(const struct noise_result_reps *prev,
			       size_t nprev,
			       const struct noise_result_reps *cur,
			       struct noise_verdict_info *out);
/*
 * The same, with the noise at least min_rel of the center: the figure's
 * own resolution (a percentile read from a histogram moves in steps, and
 * a few results that happen to agree say nothing of the step).
 */
enum noise_verdict noise_judge_min(const struct noise_result_reps *prev,
				   size_t nprev,
				   const struct noise_result_reps *cur,
				   double min_rel,
				   struct noise_verdict_info *out);

/* The median of v[0..n) (sorted in place); NAN for n = 0. */
double noise_median(double *v, size_t n);
/* The relative noise of results alone (no current one): as above. */
double noise_of(const struct noise_result_reps *prev, size_t nprev,
		double *center);

/* "not enough history", "within the noise", "below", "above" */
const char *noise_verdict_name(enum noise_verdict v);

#endif
