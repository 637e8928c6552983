// SPDX-License-Identifier: GPL-2.0
/*
 * sebench output parsing (a real run captured from the embedded target),
 * bad lines, history on disk, comparison with the previous run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/module/bench.h"

static char *fixture(size_t *len)
{
	FILE *f = fopen("tests/fixtures/bench/sebench_kmod.jsonl", "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void test_real_run_in_odd_splits(void **state)
{
	size_t len;
	char *text = fixture(&len);

	/* Every chunk size from 1 byte up gives the same result. */
	for (size_t chunk = 1; chunk < 64; chunk += 7) {
		struct bench *b = bench_new(4);
		const struct bench_run *r;

		bench_run_begin(b, "abc123", "SRC");
		for (size_t at = 0; at < len; at += chunk)
			bench_feed(b, text + at,
				   len - at < chunk ? len - at : chunk);
		bench_run_end(b, true, NULL);
		r = bench_latest(b);
		assert_int_equal(r->state, BENCH_DONE);
		assert_int_equal(r->nsamples, 4);
		assert_string_equal(r->engine, "kmod");
		assert_non_null(strstr(r->workload, "batch 1"));
		assert_true(r->samples[0].t > 0.5 && r->samples[0].t < 0.51);
		assert_true(r->samples[0].v[BM_GET] == 327038);
		assert_true(r->summary[BM_GET] == 249639);
		assert_true(r->summary[BM_P99] == 6.40);
		assert_true(r->summary[BM_PUT] == 0);
		assert_int_equal(bench_bad_lines(b), 0);
		assert_string_equal(r->commit, "abc123");
		bench_free(b);
	}
	free(text);
}

/*
 * Any module's benchmark program: the fixture a user's module uses
 * (tests/fixtures/bench/twofile_bench.sh), run here with its module check
 * taken out. Its own workload names the run; what it leaves out is NAN.
 */
static void test_another_program(void **state)
{
	FILE *p = popen("sed 's#/sys/module/twofile#/#' "
			"tests/fixtures/bench/twofile_bench.sh | sh -s 2",
			"r");
	char buf[4096];
	size_t n;
	struct bench *b = bench_new(4);
	const struct bench_run *r;

	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf), p);
	assert_int_equal(pclose(p), 0);
	bench_run_begin(b, "", "");
	bench_feed(b, buf, n);
	bench_run_end(b, true, "");
	r = bench_latest(b);
	assert_int_equal(bench_bad_lines(b), 0);
	assert_string_equal(r->engine, "twofile");
	/* the engine is its own field: the workload is what ran */
	assert_string_equal(r->workload, "greetings, 1 thread");
	assert_int_equal(r->nsamples, 2);
	assert_true(r->has_summary);
	assert_true(r->summary[BM_TOTAL] == 987);
	assert_true(r->summary[BM_P99] == 3.25);
	assert_true(isnan(r->summary[BM_GET]));
	assert_int_equal(r->state, BENCH_DONE);
	bench_free(b);
}

static void test_crlf_from_a_pty(void **state)
{
	struct bench *b = bench_new(2);
	const char *l =
		"{\"type\":\"sample\",\"t\":1.0,\"ops_s\":{\"get\":10,\"total\":10},\"lat_us\":{\"p50\":1,\"p99\":2,\"p999\":3}}\r\n";

	bench_run_begin(b, NULL, NULL);
	bench_feed(b, l, strlen(l));
	assert_int_equal(bench_latest(b)->nsamples, 1);
	assert_int_equal(bench_bad_lines(b), 0);
	/* No summary: the run failed even though sebench exited 0. */
	bench_run_end(b, true, NULL);
	assert_int_equal(bench_latest(b)->state, BENCH_FAILED);
	assert_string_equal(bench_latest(b)->msg,
			    "no summary line from the benchmark");
	bench_free(b);
}

static void test_bad_lines_are_counted_and_skipped(void **state)
{
	struct bench *b = bench_new(2);
	static const char in[] =
		"sebench: warning: something\n"
		"{\"type\":\"sample\",\"t\":1.0,\"ops_s\":{\"get\":5}}\n"
		"{\"type\":\"sample\",\"t\":2.0,\"ops_s\":{\"g\n" /* cut */
		"[1,2,3]\n"
		"{\"type\":\"mystery\"}\n"
		"{\"type\":\"sample\"}\n" /* no t */
		"\xff\xfe\x00garbage\n"
		"{\"type\":\"sample\",\"t\":3.0,\"ops_s\":{\"get\":7}}\n"
		"{\"type\":\"summ";
	bench_run_begin(b, NULL, NULL);
	bench_feed(b, in, sizeof(in) - 1);
	bench_run_end(b, false, "sebench exited with status 1");
	assert_int_equal(bench_latest(b)->nsamples, 2);
	assert_int_equal(bench_bad_lines(b), 7);
	assert_int_equal(bench_latest(b)->state, BENCH_FAILED);
	assert_string_equal(bench_latest(b)->msg,
			    "sebench exited with status 1");
	/* the program's last words that were not JSON: its error, often */
	assert_string_equal(bench_latest(b)->said,
			    "sebench: warning: something");
	assert_true(isnan(bench_latest(b)->samples[0].v[BM_PUT]));
	bench_free(b);
}

static void test_overlong_line_is_bad_not_fatal(void **state)
{
	struct bench *b = bench_new(2);
	char *big = malloc(200000);

	memset(big, 'x', 200000);
	big[199999] = '\n';
	bench_run_begin(b, NULL, NULL);
	bench_feed(b, big, 200000);
	assert_int_equal(bench_bad_lines(b), 1);
	free(big);
	bench_free(b);
}

static struct bench_run *fake_run(struct bench *b, const char *workload,
				  double get, double p99)
{
	char line[512];
	int n = snprintf(
		line, sizeof(line),
		"{\"type\":\"start\",\"engine\":\"kmod\",\"threads\":1,\"batch\":%s}\n"
		"{\"type\":\"summary\",\"ops_s\":{\"get\":%g,\"put\":0,\"del\":0,\"total\":%g},\"lat_us\":{\"p50\":1,\"p99\":%g,\"p999\":9},\"elapsed_s\":1}\n",
		workload, get, get, p99);
	struct bench_run *r = bench_run_begin(b, "c", "s");

	bench_feed(b, line, (size_t)n);
	bench_run_end(b, true, NULL);
	return r;
}

static void test_compare_with_previous_same_workload(void **state)
{
	struct bench *b = bench_new(8);
	double d[BM_COUNT];
	bool better[BM_COUNT];

	fake_run(b, "1", 100000, 20);
	fake_run(b, "64", 500000, 50); /* another workload in between */
	fake_run(b, "1", 110000, 25);
	const struct bench_run *cur = bench_latest(b);
	const struct bench_run *prev = bench_previous(b, cur);

	assert_non_null(prev);
	assert_true(prev->summary[BM_GET] == 100000);
	bench_compare(prev, cur, d, better);
	assert_true(fabs(d[BM_GET] - 10.0) < 1e-9);
	assert_true(better[BM_GET]);
	assert_true(fabs(d[BM_P99] - 25.0) < 1e-9);
	assert_false(better[BM_P99]); /* more latency is worse */
	assert_true(isnan(d[BM_PUT])); /* 0 -> 0: no ratio */
	assert_null(bench_previous(b, bench_run_at(b, 0)));
	bench_free(b);
}

/* Counts and times out of an integer's range, from sebench or a file. */
static void test_numbers_out_of_range_are_zero(void **state)
{
	char path[] = "/tmp/kmdash-bench-XXXXXX";
	int fd = mkstemp(path);
	struct bench *b = bench_new(4);
	static const char summary[] = "{\"type\":\"summary\",\"errors\":1e300,"
				      "\"ops_s\":{\"total\":5}}\n";
	static const char history[] =
		"{\"workload\":\"w\",\"started\":-1e300,\"errors\":-3}\n"
		"{\"workload\":\"w\",\"started\":1e19,\"errors\":1e300}\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, history, sizeof(history) - 1),
			 (ssize_t)(sizeof(history) - 1));
	close(fd);
	assert_int_equal(bench_history_load(b, path), 0);
	assert_int_equal(bench_nruns(b), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(bench_run_at(b, i)->started, 0);
		assert_int_equal(bench_run_at(b, i)->errors, 0);
	}
	bench_run_begin(b, NULL, NULL);
	bench_feed(b, summary, sizeof(summary) - 1);
	bench_run_end(b, true, NULL);
	assert_int_equal(bench_latest(b)->errors, 0);
	assert_int_equal(bench_latest(b)->state, BENCH_DONE);
	unlink(path);
	bench_free(b);
}

static void test_history_survives_a_restart(void **state)
{
	char path[] = "/tmp/kmdash-bench-XXXXXX";
	int fd = mkstemp(path);
	struct bench *b = bench_new(8), *again;
	size_t len;
	char *text = fixture(&len);

	close(fd);
	unlink(path);
	bench_run_begin(b, "deadbeef", "ABC");
	bench_feed(b, text, len);
	bench_run_end(b, true, NULL);
	assert_int_equal(bench_history_append(bench_latest(b), path), 0);
	fake_run(b, "1", 5, 5);
	assert_int_equal(bench_history_append(bench_latest(b), path), 0);
	/* A torn last line from a crash must not lose the others. */
	FILE *f = fopen(path, "a");

	fputs("{\"started\":1,\"wor", f);
	fclose(f);

	again = bench_new(8);
	assert_int_equal(bench_history_load(again, path), 0);
	assert_int_equal(bench_nruns(again), 2);
	assert_int_equal(bench_bad_lines(again), 1);
	const struct bench_run *r = bench_run_at(again, 0);

	assert_string_equal(r->commit, "deadbeef");
	assert_string_equal(r->build_id, "ABC");
	assert_int_equal(r->state, BENCH_DONE);
	assert_int_equal(r->nsamples, 4);
	assert_true(r->summary[BM_GET] == 249639);
	assert_true(r->samples[3].v[BM_P999] == 753.66);
	assert_string_equal(r->workload, bench_run_at(b, 0)->workload);
	assert_int_equal(bench_history_load(again, "/nonexistent/h"), 0);
	unlink(path);
	free(text);
	bench_free(b);
	bench_free(again);
}

static void test_history_is_bounded(void **state)
{
	struct bench *b = bench_new(3);

	for (int i = 0; i < 10; i++)
		fake_run(b, "1", 1000 + i, 1);
	assert_int_equal(bench_nruns(b), 3);
	assert_true(bench_run_at(b, 0)->summary[BM_GET] == 1007);
	bench_free(b);
}

/* A run of a set: the module's or the baseline's, ops/s given. */
static void set_run(struct bench *b, bool baseline, int rep, const char *point,
		    double ops, bool ok)
{
	char line[512];
	int n = snprintf(
		line, sizeof(line),
		"{\"type\":\"start\",\"engine\":\"%s\",\"threads\":1}\n"
		"{\"type\":\"summary\",\"ops_s\":{\"total\":%g},\"lat_us\":{\"p50\":1,\"p99\":2,\"p999\":3},\"elapsed_s\":1}\n",
		baseline ? "user" : "kmod", ops);
	struct bench_run *r = bench_run_begin(b, "c0ffee", "ID");

	r->rep = rep;
	r->baseline = baseline;
	snprintf(r->param, sizeof(r->param), "%s", point[0] ? "threads" : "");
	snprintf(r->point, sizeof(r->point), "%s", point);
	bench_feed(b, line, (size_t)n);
	bench_run_end(b, ok, ok ? NULL : "killed");
}

/*
 * A set and its runs go to the history together and come back whole;
 * a failed set's runs are never what a run is compared with.
 */
static void test_sets_survive_a_restart(void **state)
{
	char path[] = "/tmp/kmdash-sets-XXXXXX";
	int fd = mkstemp(path);
	struct bench *b = bench_new(16), *again = bench_new(16);
	struct bench_set *s;
	const struct bench_set *g;

	close(fd);
	unlink(path);
	s = bench_set_begin(b, "set-1");
	snprintf(s->commit, sizeof(s->commit), "c0ffee");
	snprintf(s->sweep, sizeof(s->sweep), "threads=1,2");
	snprintf(s->before.cpu, sizeof(s->before.cpu), "Cortex-A53");
	s->before.cores = 2;
	s->baseline = true;
	s->reps = 1;
	set_run(b, false, 1, "1", 100, true);
	set_run(b, true, 1, "1", 400, true);
	/* the status's run is the module's, not the baseline's after it */
	assert_true(bench_latest(b)->baseline);
	assert_false(bench_latest_module(b)->baseline);
	assert_true(bench_latest_module(b)->summary[BM_TOTAL] == 100);
	bench_set_end(b, true, NULL);
	assert_int_equal(s->state, BENCH_DONE);
	assert_int_equal(s->nruns, 2);
	assert_int_equal(bench_set_append(b, s, path), 0);
	/* the next set: one run, then a crash fails it */
	s = bench_set_begin(b, "set-2");
	set_run(b, false, 1, "1", 50, true);
	bench_set_end(b, false, "kernel oops in storage_hash");
	assert_int_equal(s->state, BENCH_FAILED);
	assert_int_equal(bench_set_append(b, s, path), 0);
	/* and a third, whose run is compared with set-1's, not set-2's */
	s = bench_set_begin(b, "set-3");
	set_run(b, false, 1, "1", 90, true);
	assert_ptr_equal(bench_set_of(b, bench_latest(b)), s);
	assert_true(bench_previous(b, bench_latest(b))->summary[BM_TOTAL] ==
		    100);
	/* a set that ends with its run still going fails it */
	bench_run_begin(b, "c0ffee", "ID");
	bench_set_end(b, true, "cancelled");
	assert_int_equal(s->state, BENCH_FAILED);
	assert_string_equal(bench_latest(b)->msg, "cancelled");

	assert_int_equal(bench_history_load(again, path), 0);
	assert_int_equal(bench_nsets(again), 2);
	g = bench_set_at(again, 0);
	assert_string_equal(g->id, "set-1");
	assert_string_equal(g->commit, "c0ffee");
	assert_string_equal(g->sweep, "threads=1,2");
	assert_string_equal(g->before.cpu, "Cortex-A53");
	assert_int_equal(g->before.cores, 2);
	assert_true(g->baseline);
	assert_int_equal(g->nruns, 2);
	assert_true(bench_set_run(again, g, 1)->baseline);
	assert_true(bench_set_run(again, g, 1)->summary[BM_TOTAL] == 400);
	assert_string_equal(bench_set_run(again, g, 0)->point, "1");
	assert_ptr_equal(bench_set_of(again, bench_set_run(again, g, 0)), g);
	g = bench_set_at(again, 1);
	assert_int_equal(g->state, BENCH_FAILED);
	assert_string_equal(g->msg, "kernel oops in storage_hash");
	unlink(path);
	bench_free(b);
	bench_free(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_run_in_odd_splits),
		cmocka_unit_test(test_another_program),
		cmocka_unit_test(test_crlf_from_a_pty),
		cmocka_unit_test(test_bad_lines_are_counted_and_skipped),
		cmocka_unit_test(test_overlong_line_is_bad_not_fatal),
		cmocka_unit_test(test_compare_with_previous_same_workload),
		cmocka_unit_test(test_numbers_out_of_range_are_zero),
		cmocka_unit_test(test_history_survives_a_restart),
		cmocka_unit_test(test_history_is_bounded),
		cmocka_unit_test(test_sets_survive_a_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
