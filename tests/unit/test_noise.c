// SPDX-License-Identifier: GPL-2.0
/*
 * The noise-band classifier (core/module/noise.h) on synthetic histories:
 * a result inside the band, above it, below it; fewer than 2 previous
 * results; the same change judged by the noise, not by its size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/module/noise.h"

/* n previous results of 3 repetitions each: center x (1 + spread * k). */
static void history(double (*v)[3], struct noise_result_reps *r, size_t n,
		    const double *level, double spread)
{
	static const double jitter[3] = { -1, 0, 1 };

	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 3; k++)
			v[i][k] = level[i] * (1 + spread * jitter[k]);
		r[i].v = v[i];
		r[i].n = 3;
	}
}

static enum noise_verdict judge(const double *level, size_t n, double spread,
				double cur, struct noise_verdict_info *info)
{
	double v[16][3], c[3] = { cur * 0.99, cur, cur * 1.01 };
	struct noise_result_reps r[16], cr = { c, 3 };

	history(v, r, n, level, spread);
	return noise_judge(r, n, &cr, info);
}

/* Ten runs of one build: about 1.0, moving a little. */
static const double steady[10] = { 1.00, 1.02, 0.99, 1.01, 0.98,
				   1.00, 1.03, 0.97, 1.01, 1.00 };

static void test_fewer_than_two(void **state)
{
	struct noise_verdict_info info;

	assert_int_equal(judge(steady, 0, 0.01, 0.5, &info), NOISE_NOT_ENOUGH);
	assert_int_equal(judge(steady, 1, 0.01, 0.5, &info), NOISE_NOT_ENOUGH);
	assert_int_equal(info.nprev, 1);
	assert_string_equal(noise_verdict_name(info.verdict),
			    "not enough history");
	assert_int_not_equal(judge(steady, 2, 0.01, 0.5, &info),
			     NOISE_NOT_ENOUGH);
}

static void test_inside_above_below(void **state)
{
	struct noise_verdict_info info;

	assert_int_equal(judge(steady, 10, 0.01, 1.01, &info), NOISE_WITHIN);
	assert_true(info.low < 1.01 && 1.01 < info.high);
	assert_true(fabs(info.center - 1.0) < 0.011);
	assert_int_equal(info.nprev, 10);
	/* 20% slower: below */
	assert_int_equal(judge(steady, 10, 0.01, 0.80, &info), NOISE_BELOW);
	assert_true(info.value < info.low);
	assert_true(fabs(info.change_pct + 20) < 1.5);
	/* 20% faster: above */
	assert_int_equal(judge(steady, 10, 0.01, 1.20, &info), NOISE_ABOVE);
	assert_true(info.value > info.high);
	/* the noise measured is reported, in percent of the center */
	assert_true(info.noise_pct > 0.5 && info.noise_pct < 5);
}

/* Not a fixed percentage: 10% is news on a quiet machine only. */
static void test_the_noise_decides(void **state)
{
	static const double drifting[10] = { 1.00, 1.12, 0.90, 1.08, 0.93,
					     1.05, 0.88, 1.10, 0.95, 1.03 };
	struct noise_verdict_info quiet, loud;

	assert_int_equal(judge(steady, 10, 0.01, 0.90, &quiet), NOISE_BELOW);
	assert_int_equal(judge(drifting, 10, 0.01, 0.90, &loud), NOISE_WITHIN);
	assert_true(loud.noise > quiet.noise);
	/* noise within the runs widens the band too */
	assert_int_equal(judge(steady, 10, 0.15, 0.90, &loud), NOISE_WITHIN);
}

/* One odd run in the history does not blind the judge. */
static void test_one_outlier(void **state)
{
	double odd[10];
	struct noise_verdict_info info;

	memcpy(odd, steady, sizeof(odd));
	odd[4] = 0.3; /* a run the host starved */
	assert_int_equal(judge(odd, 10, 0.01, 0.80, &info), NOISE_BELOW);
}

/* Repetitions missing a value (NAN) are left out, not taken as 0. */
static void test_nan_left_out(void **state)
{
	double a[3] = { 1, NAN, 1.01 }, b[3] = { 0.99, 1, NAN };
	double c[3] = { 1.0, 1.01, 0.99 }, cur[2] = { 0.5, NAN };
	struct noise_result_reps r[3] = { { a, 3 }, { b, 3 }, { c, 3 } };
	struct noise_result_reps cr = { cur, 2 };
	struct noise_verdict_info info;

	assert_int_equal(noise_judge(r, 3, &cr, &info), NOISE_BELOW);
	assert_true(info.value == 0.5);
	assert_true(fabs(info.center - 1.0) < 0.011);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fewer_than_two),
		cmocka_unit_test(test_inside_above_below),
		cmocka_unit_test(test_the_noise_decides),
		cmocka_unit_test(test_one_outlier),
		cmocka_unit_test(test_nan_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
