// SPDX-License-Identifier: GPL-2.0
/*
 * kbuild's plan: which commands it takes, the environment of a replayed
 * step, the shape a kept plan must have, its key, and its fingerprint on
 * a small tree of the kernel's layout: fresh while nothing that decided
 * the top-level's steps changed, stale as soon as one thing did.
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
#include <time.h>
#include <unistd.h>

#include "core/base/strv.h"
#include "core/module/kbplan.h"
#include "core/module/kbplan_int.h"

static void test_applies(void **state)
{
	const char *kbuild[] = { "make", "-C",	    "/k", "M=/m",
				 "-j2",	 "modules", NULL };
	const char *path[] = { "/usr/bin/make", "M=/m", "-C", "/k", NULL };
	const char *outer[] = { "make", "-C", "/repo", "kmod", NULL };
	const char *no_c[] = { "make", "M=/m", "modules", NULL };
	const char *file[] = { "make", "-C", "/k", "-f", "x", "M=/m", NULL };
	const char *dry[] = { "make", "-n", "-C", "/k", "M=/m", NULL };
	const char *other[] = { "ninja", "-C", "/k", "M=/m", NULL };

	(void)state;
	assert_true(kbplan_applies(kbuild));
	assert_true(kbplan_applies(path));
	assert_false(kbplan_applies(outer));
	assert_false(kbplan_applies(no_c));
	assert_false(kbplan_applies(file));
	assert_false(kbplan_applies(dry));
	assert_false(kbplan_applies(other));
	assert_false(kbplan_applies(NULL));
}

static void test_wrap(void **state)
{
	const char *kbuild[] = { "make", "-C", "/k", "M=/m", NULL };
	const char *outer[] = { "make", "kmod", NULL };
	char **v;

	(void)state;
	kbplan_set_runner(NULL);
	assert_null(kbplan_wrap("/c/plans", kbuild)); /* no runner */
	kbplan_set_runner("/usr/bin/kmdash");
	assert_null(kbplan_wrap("/c/plans", outer));
	/* a path a makefile would split or expand */
	assert_null(kbplan_wrap("/c/my plans", kbuild));
	assert_null(kbplan_wrap("/c/$(x)", kbuild));
	v = kbplan_wrap("/c/plans", kbuild);
	assert_non_null(v);
	assert_string_equal(v[0], "/usr/bin/kmdash");
	assert_string_equal(v[1], KBPLAN_RUN);
	assert_string_equal(v[2], "/c/plans");
	assert_string_equal(v[3], "--");
	for (size_t i = 0; kbuild[i]; i++)
		assert_string_equal(v[4 + i], kbuild[i]);
	assert_null(v[8]);
	strv_free(v);
	kbplan_set_runner(NULL);
}

static void test_env_for_replay(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "MAKEFLAGS=rRs -I/k -j2 --jobserver-auth=3,4 "
		  "--no-print-directory -- M=/m ARCH=arm64",
		  "MAKEFLAGS=rRs -I/k -j2 --no-print-directory -- M=/m "
		  "ARCH=arm64" },
		/* make 4.4's named pipe */
		{ "MAKEFLAGS= -j2 --jobserver-auth=fifo:/tmp/GMfifo1 --",
		  "MAKEFLAGS= -j2 --" },
		{ "MFLAGS=-rRs -j2 --jobserver-fds=5,6", "MFLAGS=-rRs -j2 " },
		/* a variable's value is the user's, even when it looks alike */
		{ "MAKEFLAGS=s -- X=--jobserver-auth=1 Y=a\\ b",
		  "MAKEFLAGS=s -- X=--jobserver-auth=1 Y=a\\ b" },
		{ "KBUILD_CFLAGS=--jobserver-auth=3,4",
		  "KBUILD_CFLAGS=--jobserver-auth=3,4" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *out = kbplan_env_for_replay(cases[i].in);

		assert_non_null(out);
		assert_string_equal(out, cases[i].out);
		free(out);
	}
}

static char **strv(const char *const *v)
{
	char **c = strv_copy(v);

	assert_non_null(c);
	return c;
}

static const char *const step_env[] = { "abs_srctree=/src", "KBUILD_EXTMOD=/m",
					NULL };

static void add_step(struct kbplan *p, bool shell, const char *const *argv)
{
	struct kbplan_step *s;

	p->steps = realloc(p->steps, (p->nsteps + 1) * sizeof(*p->steps));
	assert_non_null(p->steps);
	s = &p->steps[p->nsteps++];
	s->dir = strdup("/k");
	s->shell = shell;
	s->argv = strv(argv);
	s->env = strv(step_env);
}

static const char *const build_step[] = {
	"make",		  "-f", "/src/scripts/Makefile.build", "obj=/m",
	"need-builtin=1", NULL
};
static const char *const check_step[] = { "sh", "/src/scripts/modules-check.sh",
					  "/m/modules.order", NULL };
static const char *const modpost_step[] = { "make", "-f",
					    "/src/scripts/Makefile.modpost",
					    NULL };
static const char *const modfinal_step[] = { "make", "-f",
					     "/src/scripts/Makefile.modfinal",
					     NULL };

/* The shape kbuild 6.1 records for an external module. */
static struct kbplan *kbuild_plan(void)
{
	struct kbplan *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->kdir = strdup("/k");
	add_step(p, false, build_step);
	add_step(p, true, check_step);
	add_step(p, false, modpost_step);
	add_step(p, false, modfinal_step);
	return p;
}

static void test_shape(void **state)
{
	const char *const other_obj[] = { "make", "-f",
					  "/src/scripts/Makefile.build",
					  "obj=/elsewhere", NULL };
	const char *const sub_make[] = { "make",	  "-C",	     "/k", "-f",
					 "/src/Makefile", "modules", NULL };
	const char *const probe[] = { "sh", "-c", "gcc -v", NULL };
	char why[256];
	struct kbplan *p;

	(void)state;
	p = kbuild_plan();
	assert_true(kbplan_shape_ok(p, why, sizeof(why)));
	kbplan_free(p);

	/* without modules-check (older kbuild) and modfinal: still kbuild's */
	p = calloc(1, sizeof(*p));
	add_step(p, false, build_step);
	add_step(p, false, modpost_step);
	assert_true(kbplan_shape_ok(p, why, sizeof(why)));
	kbplan_free(p);

	/* no modpost: the recording missed a step */
	p = calloc(1, sizeof(*p));
	add_step(p, false, build_step);
	assert_false(kbplan_shape_ok(p, why, sizeof(why)));
	assert_non_null(strstr(why, "modpost"));
	kbplan_free(p);

	/* the module is not the one built */
	p = calloc(1, sizeof(*p));
	add_step(p, false, other_obj);
	add_step(p, false, modpost_step);
	assert_false(kbplan_shape_ok(p, why, sizeof(why)));
	kbplan_free(p);

	/* a top-level that calls itself again (O=): not replayable */
	p = calloc(1, sizeof(*p));
	add_step(p, false, sub_make);
	add_step(p, false, build_step);
	add_step(p, false, modpost_step);
	assert_false(kbplan_shape_ok(p, why, sizeof(why)));
	assert_non_null(strstr(why, "step 1"));
	kbplan_free(p);

	/* a shell line that is no kbuild script (a $(shell) probe) */
	p = kbuild_plan();
	kbplan_step_clear(&p->steps[1]);
	p->steps[1].dir = strdup("/k");
	p->steps[1].shell = true;
	p->steps[1].argv = strv(probe);
	p->steps[1].env = strv(step_env);
	assert_false(kbplan_shape_ok(p, why, sizeof(why)));
	assert_non_null(strstr(why, "step 2"));
	kbplan_free(p);

	/* modpost before the build */
	p = calloc(1, sizeof(*p));
	add_step(p, false, modpost_step);
	add_step(p, false, build_step);
	assert_false(kbplan_shape_ok(p, why, sizeof(why)));
	kbplan_free(p);
}

static void test_key(void **state)
{
	char *argv[] = { "make", "-C", "/k", "M=/m", NULL };
	char *argv2[] = { "make", "-C", "/k", "M=/m", "V=1", NULL };
	char *env[] = { "PATH=/bin", "HOME=/root", NULL };
	char *env_sorted[] = { "HOME=/root", "PATH=/bin", NULL };
	char *env2[] = { "PATH=/bin", "HOME=/root", "KCFLAGS=-O3", NULL };
	char a[DIGEST_HEX_LEN], b[DIGEST_HEX_LEN];

	(void)state;
	assert_int_equal(kbplan_key("/w", argv, env, a), 0);
	assert_int_equal(kbplan_key("/w", argv, env_sorted, b), 0);
	assert_string_equal(a, b); /* the environment's order is no change */
	assert_int_equal(kbplan_key("/w", argv, env2, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(kbplan_key("/w", argv2, env, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(kbplan_key("/x", argv, env, b), 0);
	assert_string_not_equal(a, b);
}

/* --- the fingerprint, on a tree of the kernel's layout ------------------ */

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A later mtime than any before it, as an edit a second later makes. */
static void touch_later(const char *rel)
{
	char path[PATH_MAX * 2];
	struct timespec t[2];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec += 10;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static struct kbplan *tree_plan(void)
{
	static const char *const dirs[] = { "obj",
					    "obj/include",
					    "obj/include/config",
					    "obj/include/generated",
					    "src",
					    "src/scripts",
					    "src/arch",
					    "src/arch/arm64",
					    "bin" };
	char path[PATH_MAX * 2], env_src[PATH_MAX + 32],
		env_path[PATH_MAX + 32], env_cc[PATH_MAX + 8];
	const char *env[] = { env_src,	       "KBUILD_EXTMOD=/m",
			      "SRCARCH=arm64", env_path,
			      env_cc,	       NULL };
	struct kbplan *p = calloc(1, sizeof(*p));

	strcpy(root, "/tmp/kmdash-kbplan.XXXXXX");
	assert_non_null(mkdtemp(root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	put("obj/Makefile", "include ../src/Makefile\n");
	put("obj/.config", "CONFIG_X=y\n");
	put("obj/include/config/auto.conf", "CONFIG_X=y\n");
	put("obj/include/config/X", ""); /* one file per option */
	put("obj/include/generated/autoconf.h", "#define CONFIG_X 1\n");
	put("src/Makefile", "# top\n");
	put("src/scripts/Makefile.build", "# build\n");
	put("src/scripts/Makefile.compiler", "# probes\n");
	put("src/arch/arm64/Makefile", "# arch\n");
	put("bin/xgcc", "#!/bin/sh\n");
	snprintf(path, sizeof(path), "%s/bin/xgcc", root);
	assert_int_equal(chmod(path, 0755), 0);
	snprintf(env_src, sizeof(env_src), "abs_srctree=%s/src", root);
	snprintf(env_path, sizeof(env_path), "PATH=/nonexistent:%s/bin", root);
	snprintf(env_cc, sizeof(env_cc), "CC= xgcc");
	snprintf(path, sizeof(path), "%s/obj", root);
	p->kdir = strdup(path);
	add_step(p, false, build_step);
	strv_free(p->steps[0].env);
	p->steps[0].env = strv(env);
	assert_int_equal(kbplan_fingerprint(p), 0);
	return p;
}

static void remove_tree(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void test_fingerprint(void **state)
{
	/* each of these changes what the top-level would decide */
	static const char *const stale[] = {
		"obj/Makefile",
		"obj/.config",
		"obj/include/config/auto.conf",
		"obj/include/generated/autoconf.h",
		"src/Makefile",
		"src/scripts/Makefile.compiler",
		"src/arch/arm64/Makefile",
		"bin/xgcc",
	};
	char path[PATH_MAX * 2];
	struct kbplan *p;

	(void)state;
	for (size_t i = 0; i < sizeof(stale) / sizeof(*stale); i++) {
		p = tree_plan();
		assert_true(kbplan_fresh(p));
		touch_later(stale[i]);
		if (kbplan_fresh(p))
			fail_msg("a change of %s left the plan fresh",
				 stale[i]);
		kbplan_free(p);
		remove_tree();
	}

	/* a makefile added to scripts/, where the top-level includes from */
	p = tree_plan();
	usleep(20000); /* past the file system's clock tick */
	put("src/scripts/Makefile.extrawarn", "# new\n");
	assert_false(kbplan_fresh(p));
	kbplan_free(p);
	remove_tree();

	/* a compiler found earlier in PATH than the one recorded */
	p = tree_plan();
	snprintf(path, sizeof(path), "%s/bin/xgcc", root);
	assert_int_equal(unlink(path), 0);
	assert_false(kbplan_fresh(p));
	kbplan_free(p);
	remove_tree();

	/* the per-option files are the sub-makes' business: no change */
	p = tree_plan();
	touch_later("obj/include/config/X");
	assert_true(kbplan_fresh(p));
	kbplan_free(p);
	remove_tree();
}

static void test_save_load(void **state)
{
	char path[PATH_MAX + 16];
	struct kbplan *p = tree_plan(), *q;

	(void)state;
	p->recorded = 1765000000;
	snprintf(path, sizeof(path), "%s/x.plan", root);
	assert_int_equal(kbplan_save(p, path), 0);
	q = kbplan_load(path);
	assert_non_null(q);
	assert_string_equal(q->kdir, p->kdir);
	assert_int_equal(q->recorded, p->recorded);
	assert_int_equal(q->nfiles, p->nfiles);
	assert_int_equal(q->nsteps, 1);
	assert_string_equal(q->steps[0].argv[2], build_step[2]);
	assert_string_equal(q->steps[0].env[1], "KBUILD_EXTMOD=/m");
	assert_true(kbplan_fresh(q));
	kbplan_free(q);
	/* a plan cut short is no plan: the full command runs */
	assert_int_equal(truncate(path, 100), 0);
	assert_null(kbplan_load(path));
	kbplan_free(p);
	remove_tree();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applies),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_env_for_replay),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_save_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
