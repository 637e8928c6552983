// SPDX-License-Identifier: GPL-2.0
/*
 * A set's medians, spreads, ratio and verdict (core/module/benchstat.h)
 * over synthetic histories: the commits compared are named, a failed set
 * is never a baseline, a set on another kernel is not compared silently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/module/benchstat.h"

static void run(struct bench *b, bool baseline, int rep, double ops, double p50)
{
	char line[512];
	int n = snprintf(
		line, sizeof(line),
		"{\"type\":\"start\",\"engine\":\"%s\",\"threads\":1}\n"
		"{\"type\":\"summary\",\"ops_s\":{\"total\":%g},\"lat_us\":{\"p50\":%g,\"p99\":9,\"p999\":30},\"elapsed_s\":1}\n",
		baseline ? "user" : "kmod", ops, p50);
	struct bench_run *r = bench_run_begin(b, "", "");

	r->rep = rep;
	r->baseline = baseline;
	bench_feed(b, line, (size_t)n);
	bench_run_end(b, true, NULL);
}

/*
 * The n-th set of YCSB C on qemu, 3 repetitions, begun: commit c repeated
 * to 40 hex digits, on kernel release.
 */
static struct bench_set *begin(struct bench *b, char c, int n,
			       const char *release, bool baseline)
{
	char id[16];
	struct bench_set *s;

	snprintf(id, sizeof(id), "%c%d", c, n);
	s = bench_set_begin(b, id);

	memset(s->commit, c, 40);
	snprintf(s->workload, sizeof(s->workload), "YCSB C");
	snprintf(s->target, sizeof(s->target), "qemu");
	snprintf(s->before.release, sizeof(s->before.release), "%s", release);
	s->baseline = baseline;
	s->reps = 3;
	return s;
}

/*
 * A set of 3 repetitions, kmod at kops x (1 - 1%, 1, 1 + 1%) and user at
 * 4x that, with the machine's drift (both engines alike); commit c.
 */
static struct bench_set *set(struct bench *b, char c, double kops, double drift,
			     const char *release, bool ok)
{
	static const double j[3] = { -0.01, 0, 0.01 };
	struct bench_set *s = begin(b, c, 0, release, true);
	for (int k = 0; k < 3; k++) {
		run(b, false, k + 1, kops * drift * (1 + j[k]), 3.2 / kops);
		run(b, true, k + 1, 4 * drift * (1 + j[2 - k]), 0.8);
	}
	bench_set_end(b, ok, ok ? NULL : "kernel oops");
	return s;
}

static void test_spreads_and_ratio(void **state)
{
	struct bench *b = bench_new(64);
	struct bench_set *s = set(b, 'a', 1.0, 100000, "6.1", true);
	struct bench_spread sp;
	char text[1024];

	bench_set_spread(b, s, "", false, BM_TOTAL, &sp);
	assert_int_equal(sp.n, 3);
	assert_true(sp.med == 100000);
	assert_true(sp.min == 99000 && sp.max == 101000);
	bench_set_spread(b, s, "", true, BM_TOTAL, &sp);
	assert_true(sp.med == 400000);
	bench_set_ratio(b, s, "", BM_TOTAL, &sp);
	assert_true(fabs(sp.med - 0.25) < 1e-12);
	/* per repetition: 99000/404000 .. 101000/396000 */
	assert_true(fabs(sp.min - 99000.0 / 404000) < 1e-12);
	assert_true(fabs(sp.max - 101000.0 / 396000) < 1e-12);
	/* latency: the baseline's over the module's */
	bench_set_ratio(b, s, "", BM_P50, &sp);
	assert_true(fabs(sp.med - 0.25) < 1e-12);
	assert_string_equal(bench_set_engine(b, s), "kmod");
	bench_set_text(b, s, NULL, text, sizeof(text));
	assert_non_null(strstr(text, "kmod: 100000 ops/s (99000..101000)"));
	assert_non_null(strstr(text, "user: 400000 ops/s"));
	assert_non_null(strstr(text, "kmod/user 0.25"));
	bench_free(b);
}

static void test_verdicts(void **state)
{
	struct bench *b = bench_new(1024);
	struct bench_verdict v;
	/* the machine drifts +-20% from set to set: the ratio does not */
	static const double drift[10] = { 1.0,	1.2,  0.8,  1.1,  0.9,
					  1.15, 0.85, 1.05, 0.95, 1.0 };
	struct bench_set *s = set(b, 'a', 1.0, drift[0], "6.1", true);

	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_NOT_ENOUGH);
	assert_non_null(strstr(v.text, "not enough history: 0 earlier runs"));
	s = set(b, 'b', 1.0, drift[1], "6.1", true);
	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_NOT_ENOUGH);
	assert_non_null(strstr(v.text, "1 earlier run of"));
	/* a crashed set and one on another kernel: neither counts */
	set(b, 'x', 0.5, 1, "6.1", false);
	set(b, 'y', 0.5, 1, "6.6", true);
	for (int i = 2; i < 10; i++) {
		s = set(b, (char)('c' + i - 2), 1.0, drift[i], "6.1", true);
		bench_judge(b, s, &v);
		assert_int_equal(v.verdict, NOISE_WITHIN);
		assert_true(v.ratio);
	}
	assert_int_equal(v.other, 1);
	assert_non_null(strstr(v.text, "1 run on another kernel or machine"));
	/* 20% slower module, the machine faster meanwhile: caught */
	s = set(b, 'k', 0.8, 1.2, "6.1", true);
	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_BELOW);
	assert_string_equal(bench_verdict_word(v.verdict), "REGRESSION");
	assert_int_equal(v.info.nprev, 10);
	/* the commits compared are named: the oldest .. newest, and this */
	assert_string_equal(v.first, "aaaaaaa");
	assert_string_equal(v.last, "jjjjjjj");
	assert_non_null(strstr(v.text, "REGRESSION: kmod/user ratio of"));
	assert_non_null(
		strstr(v.text, "at aaaaaaa..jjjjjjj; this run at kkkkkkk"));
	/* faster: an improvement */
	s = set(b, 'l', 1.25, 0.9, "6.1", true);
	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_ABOVE);
	bench_free(b);
}

/*
 * A baseline noisier than the drift it cancels (user-space under QEMU's
 * TCG moves +-15% from run to run, the module +-4%): the module's own
 * ops/s are judged, so a 20% slowdown is caught, and the verdict says why
 * the ratio was not used.
 */
static void test_noisy_baseline(void **state)
{
	struct bench *b = bench_new(1024);
	struct bench_verdict v;
	static const double user[10] = { 1.0, 1.25, 0.8, 1.15, 0.85,
					 1.2, 0.75, 1.1, 0.9,  1.05 };
	static const double kmod[10] = { 1.0,  1.02, 0.98, 1.01, 0.99,
					 1.03, 0.97, 1.0,  1.02, 0.98 };
	struct bench_set *s = NULL;

	for (int i = 0; i < 10; i++) {
		s = begin(b, 'a', i, "6.1", true);
		for (int k = 0; k < 3; k++) {
			/* its p50 moves more than its throughput */
			run(b, false, k + 1, 1e5 * kmod[i],
			    30 / kmod[i] * (1 + 0.05 * (k - 1)));
			run(b, true, k + 1, 4e5 * user[(i + k) % 10],
			    5 / user[(i + k) % 10]);
		}
		bench_set_end(b, true, NULL);
	}
	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_WITHIN);
	assert_false(v.ratio);
	/* 20% slower module, the baseline at its usual: caught */
	s = begin(b, 'b', 0, "6.1", true);
	for (int k = 0; k < 3; k++) {
		run(b, false, k + 1, 1e5 / 1.2, 36 * (1 + 0.05 * (k - 1)));
		run(b, true, k + 1, 4e5 * user[(3 + k) % 10],
		    5 / user[(3 + k) % 10]);
	}
	bench_set_end(b, true, NULL);
	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_BELOW);
	assert_false(v.ratio);
	assert_non_null(strstr(v.text, "REGRESSION: kmod ops/s"));
	assert_non_null(strstr(v.text, "the kmod/user ratio moved more here"));
	bench_free(b);
}

/*
 * A p50 read from a histogram moves in steps: sets that all show the same
 * bucket have no noise to see, and the next bucket up (12.5% slower) is
 * no regression of a module whose throughput did not move.
 */
static void test_p50_steps(void **state)
{
	struct bench *b = bench_new(1024);
	struct bench_verdict v;
	static const double ops[11] = { 1.0,  1.04, 0.96, 1.02, 0.98, 1.05,
					0.95, 1.01, 0.99, 1.03, 1.0 };
	struct bench_set *s = NULL;

	for (int i = 0; i < 11; i++) {
		s = begin(b, 'a', i, "6.1", false);
		for (int k = 0; k < 3; k++)
			run(b, false, k + 1, 1e5 * ops[i],
			    i < 10 ? 4.5 : 5.0625);
		bench_set_end(b, true, NULL);
	}
	bench_judge(b, s, &v);
	assert_int_equal(v.verdict, NOISE_WITHIN);
	bench_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spreads_and_ratio),
		cmocka_unit_test(test_noisy_baseline),
		cmocka_unit_test(test_p50_steps),
		cmocka_unit_test(test_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
