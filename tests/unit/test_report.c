// SPDX-License-Identifier: GPL-2.0
/*
 * The history for others (core/module/report.h): the HTML report holds
 * inline SVG charts, names the commits, fetches nothing and runs no
 * script; the JSON export has a set a line, the CSV a run a line; --since
 * starts at a commit. (The e2e test checks the SVG with xmllint.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/report.h"

static void run(struct bench *b, bool baseline, int rep, const char *point,
		double ops)
{
	char line[512];
	int n = snprintf(
		line, sizeof(line),
		"{\"type\":\"start\",\"engine\":\"%s\",\"workload\":\"w <&> 1\"}\n"
		"{\"type\":\"summary\",\"ops_s\":{\"total\":%g},\"lat_us\":{\"p50\":1,\"p99\":2,\"p999\":3},\"elapsed_s\":1}\n",
		baseline ? "user" : "kmod", ops);
	struct bench_run *r = bench_run_begin(b, "", "");

	r->rep = rep;
	r->baseline = baseline;
	snprintf(r->param, sizeof(r->param), "%s", point[0] ? "threads" : "");
	snprintf(r->point, sizeof(r->point), "%s", point);
	bench_feed(b, line, (size_t)n);
	bench_run_end(b, true, NULL);
}

/* Sets at commits "1111..." to "5555...", the last a sweep. */
static struct bench *history(void)
{
	struct bench *b = bench_new(256);

	for (int i = 0; i < 5; i++) {
		struct bench_set *s;
		char id[16];
		bool sweep = i == 4;

		snprintf(id, sizeof(id), "s%d", i);
		s = bench_set_begin(b, id);
		memset(s->commit, '1' + i, 40);
		s->baseline = true;
		s->reps = 2;
		snprintf(s->target, sizeof(s->target), "qemu");
		if (sweep)
			snprintf(s->sweep, sizeof(s->sweep), "threads=1,2");
		for (int rep = 1; rep <= 2; rep++)
			for (int p = 0; p < (sweep ? 2 : 1); p++) {
				const char *pt = sweep ? (p ? "2" : "1") : "";

				run(b, false, rep, pt, 1000 * (i + 1 + p));
				run(b, true, rep, pt, 4000);
			}
		snprintf(s->workload, sizeof(s->workload), "w <&> 1");
		bench_set_end(b, true, NULL);
	}
	return b;
}

static char *capture(int (*fn)(const struct bench *, size_t, FILE *),
		     const struct bench *b, size_t from)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(fn(b, from, f), 0);
	fclose(f);
	return buf;
}

static int html(const struct bench *b, size_t from, FILE *out)
{
	return bench_report_html(b, from, "qemu", out);
}

static void test_html(void **state)
{
	struct bench *b = history();
	char *h = capture(html, b, 0);
	size_t svgs = 0;

	for (const char *p = h; (p = strstr(p, "<svg ")); p++)
		svgs++;
	/* one workload without a sweep (trend, ratio), one with (+2) */
	assert_int_equal(svgs, 2 + 4);
	assert_non_null(strstr(h, "1111111"));
	assert_non_null(strstr(h, "5555555"));
	/* text is escaped, nothing runs, nothing is fetched */
	assert_non_null(strstr(h, "w &lt;&amp;&gt; 1"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<link"));
	assert_null(strstr(h, "src="));
	for (const char *p = h; (p = strstr(p, "http")); p++)
		assert_int_equal(strncmp(p, "http://www.w3.org/2000/svg", 26),
				 0);
	free(h);
	bench_free(b);
}

static void test_json_and_csv(void **state)
{
	struct bench *b = history();
	char *j = capture(bench_export_json, b, 0), *c;
	size_t lines = 0;
	long from = bench_first_set_at(b, "333");

	for (char *l = strtok(j, "\n"); l; l = strtok(NULL, "\n"), lines++) {
		cJSON *o = cJSON_Parse(l);

		assert_non_null(o);
		assert_true(cJSON_IsArray(cJSON_GetObjectItem(o, "runs")));
		assert_non_null(cJSON_GetObjectItem(o, "verdict"));
		cJSON_Delete(o);
	}
	assert_int_equal(lines, 5);
	free(j);
	assert_int_equal(from, 2);
	assert_int_equal(bench_first_set_at(b, "9999"), -1);
	c = capture(bench_export_csv, b, (size_t)from);
	lines = 0;
	for (char *p = c; (p = strchr(p, '\n')); p++)
		lines++;
	/* the header, then 2 sets of 4 runs and the sweep's 8 */
	assert_int_equal(lines, 1 + 4 + 4 + 8);
	assert_non_null(strstr(c, ",w <&> 1,\"threads=1,2\",2,kmod,"));
	free(c);
	bench_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_json_and_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
