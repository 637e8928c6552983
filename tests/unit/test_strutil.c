// SPDX-License-Identifier: GPL-2.0
/* The shared string helpers: edit distance and "did you mean". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/base/strutil.h"

static void test_distance(void **state)
{
	assert_int_equal(str_distance("", ""), 0);
	assert_int_equal(str_distance("build", "build"), 0);
	assert_int_equal(str_distance("biuld", "build"), 2);
	assert_int_equal(str_distance("zom", "zoom"), 1);
	assert_int_equal(str_distance("", "abc"), 3);
	assert_int_equal(str_distance("kitten", "sitting"), 3);
	/* longer than any name: never a suggestion */
	char longer[80];

	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_true(str_distance(longer, "a") == SIZE_MAX);
}

static void test_closest(void **state)
{
	const char *themes[] = { "default", "light", "solarized-dark",
				 "high-contrast", NULL };

	assert_string_equal(str_closest("solarised-drak", themes, 0, 3),
			    "solarized-dark");
	assert_string_equal(str_closest("ligth", themes, 0, 2), "light");
	assert_null(str_closest("nothing-like-it", themes, 0, 3));
	/* a one-letter name is not "one edit" from every other one */
	const char *keys[] = { "q", "b" };

	assert_null(str_closest("x", keys, 2, 2));
	assert_string_equal(str_closest("bb", keys, 2, 2), "b");
}

static void test_printf(void **state)
{
	char *s = str_printf("%s-%d", "vm", 7);

	assert_string_equal(s, "vm-7");
	free(s);
}

/* A prefix at a component boundary: how a tree's paths map onto another. */
static void test_path_prefix(void **state)
{
	assert_int_equal(str_path_prefix("/workspace/x.c", "/workspace"), 10);
	assert_int_equal(str_path_prefix("/workspace", "/workspace/"), 10);
	assert_int_equal(str_path_prefix("/workspace", "/workspace"), 10);
	assert_int_equal(str_path_prefix("/workspace2/x.c", "/workspace"), 0);
	assert_int_equal(str_path_prefix("/work", "/workspace"), 0);
	assert_int_equal(str_path_prefix("/x", ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_path_prefix),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
