// SPDX-License-Identifier: GPL-2.0
/*
 * A bench step's invocations (core/module/workload.h): R repetitions,
 * each point of a sweep, the module then the baseline, interleaved; the
 * options as the program's; a program without a baseline runs alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/workload.h"

static char *joined(const struct bench_plan *p, const struct bench_opts *o,
		    size_t i)
{
	static const char *const base[] = { "./sebench", "--seed", "7", NULL };
	static const char *const user[] = { "--engine", "user", NULL };
	static char buf[512];
	char **argv = bench_plan_argv(p, o, base, p->baseline ? user : NULL, i);

	buf[0] = '\0';
	for (size_t k = 0; argv && argv[k]; k++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 k ? " " : "", argv[k]);
	free(argv);
	return buf;
}

static void test_interleaved(void **state)
{
	struct bench_opts o = { .workload = "A",
				.distribution = "zipfian",
				.operations = 20000,
				.runs = 2 };
	struct bench_plan p;
	struct bench_step st;
	char err[256];

	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(
		joined(&p, &o, 0),
		"./sebench --seed 7 --workload A --distribution zipfian --operations 20000");
	assert_string_equal(
		joined(&p, &o, 1),
		"./sebench --seed 7 --workload A --distribution zipfian --operations 20000 --engine user");
	bench_plan_step(&p, 2, &st);
	assert_int_equal(st.rep, 2);
	assert_false(st.baseline);
	bench_plan_step(&p, 3, &st);
	assert_true(st.baseline);
	/* R = 3 by default */
	o.runs = 0;
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)), 0);
	assert_int_equal(p.reps, BENCH_RUNS_DEFAULT);
}

/* No baseline: the module's runs only, one series. */
static void test_no_baseline(void **state)
{
	struct bench_opts o = { .runs = 3 };
	struct bench_plan p;
	struct bench_step st;
	char err[256];

	assert_int_equal(bench_plan_make(&o, false, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 3);
	for (size_t i = 0; i < p.n; i++) {
		bench_plan_step(&p, i, &st);
		assert_false(st.baseline);
		assert_int_equal(st.rep, (int)i + 1);
	}
	assert_string_equal(joined(&p, &o, 0), "./sebench --seed 7");
}

static void test_sweep(void **state)
{
	struct bench_opts o = { .threads = 8,
				.runs = 2,
				.sweep = "threads=1,2" };
	struct bench_plan p;
	struct bench_step st;
	char err[256];

	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)), 0);
	assert_string_equal(p.param, "threads");
	assert_int_equal(p.npoints, 2);
	assert_int_equal(p.n, 8);
	/* per repetition: point 1 kmod, user; point 2 kmod, user */
	bench_plan_step(&p, 2, &st);
	assert_int_equal(st.point, 1);
	assert_false(st.baseline);
	assert_int_equal(st.rep, 1);
	/* the swept value, not the fixed one */
	assert_string_equal(joined(&p, &o, 3),
			    "./sebench --seed 7 --threads 2 --engine user");
	o.sweep = "value_size=16,4096";
	assert_int_equal(bench_plan_make(&o, false, &p, err, sizeof(err)), 0);
	assert_string_equal(joined(&p, &o, 1),
			    "./sebench --seed 7 --threads 8 --value-size 4096");
}

static void test_bad_options(void **state)
{
	struct bench_opts o = { 0 };
	struct bench_plan p;
	char err[256];

	o.sweep = "thread=1,2";
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "did you mean 'threads'"));
	o.sweep = "threads=1,x";
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "positive integers"));
	o.sweep = "threads";
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)),
			 -EINVAL);
	o.sweep = NULL;
	o.workload = "G";
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "A, B, C, D, E and F"));
	o.workload = "E"; /* the program says why it does not run it */
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)), 0);
	o.distribution = "zipf";
	assert_int_equal(bench_plan_make(&o, true, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "did you mean 'zipfian'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_no_baseline),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
