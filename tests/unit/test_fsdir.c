// SPDX-License-Identifier: GPL-2.0
/* kmdash's own directories: made 0700, a symlink or a wide mode refused or
 * mended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsdir.h"

static char base[64];

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/kmdash-fsdir-XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 0777;
}

static void test_make_nested_private(void **state)
{
	char p[PATH_MAX], mid[PATH_MAX];

	snprintf(mid, sizeof(mid), "%s/a", base);
	snprintf(p, sizeof(p), "%s/a/b/c", base);
	assert_int_equal(fsdir_make(p), 0);
	assert_int_equal(mode_of(mid), 0700);
	assert_int_equal(mode_of(p), 0700);
	/* again: existing directories are fine */
	assert_int_equal(fsdir_make(p), 0);
}

static void test_make_fails_on_a_file(void **state)
{
	char f[PATH_MAX], p[PATH_MAX];
	FILE *fp;

	snprintf(f, sizeof(f), "%s/file", base);
	snprintf(p, sizeof(p), "%s/file/sub", base);
	fp = fopen(f, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_not_equal(fsdir_make(p), 0);
}

static void test_private_refuses_symlink(void **state)
{
	char target[PATH_MAX], link[PATH_MAX], err[PATH_MAX + 128] = "";

	snprintf(target, sizeof(target), "%s/real", base);
	snprintf(link, sizeof(link), "%s/link", base);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_not_equal(fsdir_private(link, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "is not a directory (a symlink?)"));
}

static void test_private_mends_wide_mode(void **state)
{
	char p[PATH_MAX], err[PATH_MAX + 128] = "";

	snprintf(p, sizeof(p), "%s/wide", base);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(fsdir_private(p, err, sizeof(err)), 0);
	assert_int_equal(mode_of(p), 0700);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_make_nested_private, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_make_fails_on_a_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_refuses_symlink,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_mends_wide_mode,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
