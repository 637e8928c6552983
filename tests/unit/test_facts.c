// SPDX-License-Identifier: GPL-2.0
/*
 * The target's facts (core/module/facts.h): the command's output on the
 * embedded QEMU target (captured) and on a Raspberry Pi 4, parsed into
 * what each fixture's "# expect:" line says; "n/a" where a target has
 * none; and which facts make two machines the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/facts.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 8192);

	assert_non_null(f);
	fread(buf, 1, 8191, f);
	fclose(f);
	return buf;
}

/* The value of key in the fixture's "# expect: k=v; k=v" line. */
static void expect(const char *text, const char *key, char *out, size_t cap)
{
	const char *line = strstr(text, "# expect: ");
	char pat[32];
	const char *p;

	assert_non_null(line);
	snprintf(pat, sizeof(pat), "%s=", key);
	p = strstr(line, pat);
	assert_non_null(p);
	p += strlen(pat);
	snprintf(out, cap, "%.*s", (int)strcspn(p, ";\n"), p);
}

static void check(const char *path)
{
	char *text = slurp(path), want[128], got[128];
	struct bench_facts f;

	facts_parse(text, &f);
	expect(text, "release", want, sizeof(want));
	assert_string_equal(f.release, want);
	expect(text, "cpu", want, sizeof(want));
	assert_string_equal(f.cpu, want);
	expect(text, "cores", want, sizeof(want));
	snprintf(got, sizeof(got), "%d", f.cores);
	assert_string_equal(got, want);
	expect(text, "mhz", want, sizeof(want));
	assert_string_equal(f.mhz, want);
	expect(text, "mem_kb", want, sizeof(want));
	snprintf(got, sizeof(got), "%llu", (unsigned long long)f.mem_kb);
	assert_string_equal(got, want);
	expect(text, "board", want, sizeof(want));
	assert_string_equal(f.board, want);
	expect(text, "temp_c", want, sizeof(want));
	assert_string_equal(f.temp_c, want);
	expect(text, "throttled", want, sizeof(want));
	assert_string_equal(f.throttled, want);
	free(text);
}

static void test_qemu(void **state)
{
	check("tests/fixtures/bench/facts_qemu.txt");
}

static void test_pi4(void **state)
{
	check("tests/fixtures/bench/facts_pi4.txt");
}

static void test_same_machine(void **state)
{
	char *q = slurp("tests/fixtures/bench/facts_qemu.txt");
	char *p = slurp("tests/fixtures/bench/facts_pi4.txt");
	struct bench_facts a, b, c;

	facts_parse(q, &a);
	facts_parse(q, &b);
	facts_parse(p, &c);
	assert_true(facts_same_machine(&a, &b));
	assert_false(facts_same_machine(&a, &c));
	/* a Pi warming up is the same machine; another kernel is not */
	snprintf(b.temp_c, sizeof(b.temp_c), "71.0");
	assert_true(facts_same_machine(&a, &b));
	snprintf(b.release, sizeof(b.release), "6.1.0-99-arm64");
	assert_false(facts_same_machine(&a, &b));
	/* nothing at all: n/a, not garbage */
	facts_parse("", &a);
	assert_string_equal(a.cpu, "n/a");
	assert_string_equal(a.temp_c, "n/a");
	free(q);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu),
		cmocka_unit_test(test_pi4),
		cmocka_unit_test(test_same_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
