/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a set of benchmark runs says: the median and the spread (min-max)
 * of each metric over the repetitions, per engine and point, the ratio of
 * the module's engine to the user-space baseline run beside it, and the
 * verdict against the previous sets of the same workload on the same
 * machine (core/module/noise.h).
 *
 * Judged: with a baseline, the per-repetition ratio module/baseline (run
 * interleaved, it cancels the machine's drift), unless the module's own
 * values are seen to move less: a baseline can bring more noise of its
 * own than the drift it cancels (under QEMU's TCG the user-space table
 * moves +-15% from run to run, the module +-4%, and a 20% slowdown hid
 * inside the ratio's band); the verdict then says so, with the ratio's
 * noise. Without a baseline, the module's own values. Of throughput
 * (ops/s) and the speed of the median call (1 / p50 latency: preempted
 * calls of a busy host are outliers there, not at the median), likewise
 * the one whose previous sets show less noise. The choice looks at the
 * history only, never at the result being judged.
 */
#ifndef KMDASH_BENCHSTAT_H
#define KMDASH_BENCHSTAT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/module/bench.h"
#include "core/module/noise.h"

/* Sets of the same workload judged against, at most. */
#define BENCH_JUDGE_WINDOW 10

struct bench_spread {
	double med, min, max;
	size_t n; /* values; 0: none (med, min, max NAN) */
};

/* The points of a set's runs, in the order they first ran; how many. */
size_t bench_set_points(const struct bench *b, const struct bench_set *s,
			char (*pts)[BENCH_POINT_MAX], size_t cap);
/* The module's engine name of the set ("kmod", the program's), or "". */
const char *bench_set_engine(const struct bench *b, const struct bench_set *s);
/* Metric m over the runs of the module (baseline false) or the baseline. */
void bench_set_spread(const struct bench *b, const struct bench_set *s,
		      const char *point, bool baseline, enum bench_metric m,
		      struct bench_spread *out);
/*
 * Per repetition, the module over the baseline: m / baseline's m, for a
 * latency the baseline's over the module's (above 1: the module faster).
 */
void bench_set_ratio(const struct bench *b, const struct bench_set *s,
		     const char *point, enum bench_metric m,
		     struct bench_spread *out);

enum bench_judged {
	BJ_OPS, /* throughput, ops/s */
	BJ_P50, /* the median call's speed, 1 / p50 */
};

struct bench_verdict {
	enum noise_verdict verdict; /* the set's: any point below, else ... */
	struct noise_verdict_info info; /* of the point that decided */
	char point[BENCH_POINT_MAX]; /* that point, "" without a sweep */
	bool ratio; /* judged module/baseline */
	enum bench_judged judged;
	/* with a baseline: the ratio's noise in the history (NAN: unknown) */
	double ratio_noise_pct;
	char what[64]; /* "kmod/user ratio of ops/s" */
	size_t other; /* earlier sets on another kernel or machine */
	/* the commits judged against, short: the oldest and the newest */
	char first[16], last[16];
	char text[640]; /* the verdict in words */
};

/* Judges set against the sets before it (bench.h keeps them in order). */
void bench_judge(const struct bench *b, const struct bench_set *set,
		 struct bench_verdict *out);
/*
 * The set in one line: per point the module's and the baseline's median
 * ops/s with their spread and p99, the ratio, then the verdict:
 * "kmod: 71532 ops/s (61660..76729), p99 10.75 us; user: 148725 ops/s
 * (...); kmod/user 0.48 (0.41..0.52); within the noise: ...".
 */
void bench_set_text(const struct bench *b, const struct bench_set *s,
		    const struct bench_verdict *v, char *buf, size_t cap);
/* The commit as shown: 7 hex digits, "+" when dirty; "?" unknown. */
void bench_short_commit(const struct bench_set *s, char *buf, size_t cap);
/* "REGRESSION", "IMPROVEMENT", "within the noise", "not enough history" */
const char *bench_verdict_word(enum noise_verdict v);

#endif
