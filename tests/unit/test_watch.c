// SPDX-License-Identifier: GPL-2.0
/*
 * Saves in a module directory (core/module/watch.h): which names count,
 * and bursts on the real inotify of a temp directory, written the ways
 * editors write (in place, temp file + rename, swap and backup files).
 * What must not count is written before one that must: the burst that
 * settles names only the one (inotify keeps the order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/module/watch.h"

static char dir[PATH_MAX];

struct seen {
	int begins, bursts;
	struct watch_burst last;
};

static void on_begin(void *arg)
{
	((struct seen *)arg)->begins++;
}

static void on_settled(void *arg, const struct watch_burst *b)
{
	struct seen *s = arg;

	s->bursts++;
	s->last = *b;
}

static void write_file(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Runs the loop until a burst settles (10 s at most). */
static void wait_burst(struct loop *loop, struct seen *s, int want)
{
	for (int64_t end = loop_now_ms() + 10000;
	     s->bursts < want && loop_now_ms() < end;)
		loop_run_once(loop, 100);
	assert_int_equal(s->bursts, want);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s/kmdash-watch.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	write_file("m.c", "int x;\n");
	write_file("Kbuild", "obj-m += m.o\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_names(void **state)
{
	static const char *const yes[] = { "m.c",    "m.h",	 "entry.S",
					   "Kbuild", "Makefile", "Kconfig",
					   "a.b.c" };
	/* vim, emacs, gedit, sed -i; kbuild's outputs */
	static const char *const no[] = {
		".m.c.swp", ".m.c.swx",	      "m.c~",	   "4913",
		".#m.c",    "#m.c#",	      "sedkGmhgB", ".goutputstream-X",
		"m.o",	    "m.mod.c",	      "m.ko",	   "modules.order",
		".m.o.cmd", "Module.symvers", "Makefile~", "c",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!watch_is_source(yes[i]))
			fail_msg("a save of %s must count", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (watch_is_source(no[i]))
			fail_msg("a save of %s must not count", no[i]);
}

static struct watch *start(struct loop *loop, struct seen *s)
{
	struct watch_opts o = {
		.dir = dir,
		.on_begin = on_begin,
		.on_settled = on_settled,
		.arg = s,
	};
	char err[512];
	struct watch *w = watch_new(loop, &o, err, sizeof(err));

	if (!w)
		fail_msg("watch_new: %s", err);
	return w;
}

static void test_editor_saves(void **state)
{
	struct loop *loop = loop_new();
	struct seen s = { 0 };
	struct watch *w = start(loop, &s);
	char from[PATH_MAX + 64], to[PATH_MAX + 64];

	/* vim: its swap file, then the source in place */
	write_file(".m.c.swp", "swap");
	write_file("4913", "");
	write_file("m.c", "int y;\n");
	wait_burst(loop, &s, 1);
	assert_int_equal(s.begins, 1);
	assert_int_equal(s.last.count, 1);
	assert_string_equal(s.last.files[0], "m.c");

	/* sed -i, atomic saves: a temp file renamed over the source */
	write_file(".m.c.tmp123", "int z;\n");
	snprintf(from, sizeof(from), "%s/.m.c.tmp123", dir);
	snprintf(to, sizeof(to), "%s/m.c", dir);
	assert_int_equal(rename(from, to), 0);
	wait_burst(loop, &s, 2);
	assert_int_equal(s.last.count, 1);
	assert_string_equal(s.last.files[0], "m.c");

	/* emacs: a lock file, a backup, then the header and Kbuild at once */
	write_file("m.c~", "old");
	write_file("#m.c#", "autosave");
	write_file("m.h", "#define X 1\n");
	write_file("Kbuild", "obj-m += m.o\nccflags-y += -DX=2\n");
	wait_burst(loop, &s, 3);
	assert_int_equal(s.begins, 3);
	assert_int_equal(s.last.count, 2);
	assert_string_equal(s.last.files[0], "m.h");
	assert_string_equal(s.last.files[1], "Kbuild");

	watch_free(w);
	loop_free(loop);
}

/* A file still open for writing holds the burst until its close. */
static void test_open_file_holds_the_burst(void **state)
{
	struct loop *loop = loop_new();
	struct seen s = { 0 };
	struct watch *w = start(loop, &s);
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/m.c", dir);
	fd = open(p, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "int", 3), 3);
	/* many settle times pass: the file is not complete yet */
	for (int64_t end = loop_now_ms() + 10 * WATCH_SETTLE_MS;
	     loop_now_ms() < end;)
		loop_run_once(loop, WATCH_SETTLE_MS);
	assert_int_equal(s.begins, 1);
	assert_int_equal(s.bursts, 0);
	assert_int_equal(write(fd, " a;\n", 4), 4);
	close(fd);
	wait_burst(loop, &s, 1);
	assert_string_equal(s.last.files[0], "m.c");
	watch_free(w);
	loop_free(loop);
}

/* A directory made later is watched, hidden ones never. */
static void test_subdirectories(void **state)
{
	struct loop *loop = loop_new();
	struct seen s = { 0 };
	struct watch *w = start(loop, &s);
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/.git", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/lib", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	wait_burst(loop, &s, 1);
	assert_string_equal(s.last.files[0], "lib");
	write_file(".git/index.c", "x");
	write_file("lib/util.c", "int u;\n");
	wait_burst(loop, &s, 2);
	assert_int_equal(s.last.count, 1);
	assert_string_equal(s.last.files[0], "lib/util.c");
	watch_free(w);
	loop_free(loop);
}

static void test_missing_directory(void **state)
{
	struct loop *loop = loop_new();
	struct watch_opts o = { .dir = "/nonexistent/kmdash-watch" };
	char err[512];

	assert_null(watch_new(loop, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot watch /nonexistent/kmdash-watch"));
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_editor_saves, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_file_holds_the_burst,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_subdirectories, setup,
						teardown),
		cmocka_unit_test(test_missing_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
