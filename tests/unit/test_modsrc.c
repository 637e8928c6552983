// SPDX-License-Identifier: GPL-2.0
/*
 * A module's directory found as kernel developers work (the nearest one
 * upwards with a Kbuild, or a Makefile listing modules; not past a kernel
 * tree's root nor the home directory), its names read from obj-m, and the
 * mirror kbuild builds in: links to the sources only, nothing written
 * into them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsdir.h"
#include "core/module/mirror.h"
#include "core/module/modsrc.h"

static char base[64];

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/kmdash-modsrc-XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* base/rel, its directories made, holding text. */
static void put(const char *rel, const char *text)
{
	char p[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	snprintf(dir, sizeof(dir), "%s", p);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(fsdir_make(dir), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *at(const char *rel)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return p;
}

static void read_ok(const char *rel, struct modsrc *m)
{
	char err[512];

	if (modsrc_read(at(rel), m, err, sizeof(err)) != 0)
		fail_msg("%s: %s", rel, err);
}

static void test_names_from_obj_m(void **state)
{
	struct modsrc m;
	char names[256];

	put("a/Kbuild", "# a comment: obj-m += not.o\n"
			"obj-m += hello.o\n"
			"hello-y := main.o greet.o\n");
	read_ok("a", &m);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.names[0], "hello");
	assert_false(m.unnamed);

	/* several, continued lines, CONFIG_ forms, a subdirectory skipped */
	put("b/Kbuild", "obj-m := one.o \\\n\ttwo.o sub/\n"
			"obj-$(CONFIG_THREE) += three.o\n"
			"obj-${CONFIG_FOUR}\t+= four.o\n"
			"obj-y += builtin.o\n"
			"obj-m += one.o\n");
	read_ok("b", &m);
	modsrc_names_text(&m, names, sizeof(names));
	assert_string_equal(names, "one, two, three, four");
	assert_int_equal(modsrc_name_index(&m, "three"), 2);
	assert_int_equal(modsrc_name_index(&m, "builtin"), -1);

	/* a name made of variables is said to be one, not guessed */
	put("c/Kbuild", "obj-m += $(MODNAME).o\n");
	read_ok("c", &m);
	assert_int_equal(m.n, 0);
	assert_true(m.unnamed);

	/* nor is a path, a name too long or bytes no name has (an escape) */
	put("d/Kbuild",
	    "obj-m += sub/five.o six.o\n"
	    "obj-m += mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm.o\n"
	    "obj-m += we\033]0;title\007ird.o -dash.o\n");
	read_ok("d", &m);
	modsrc_names_text(&m, names, sizeof(names));
	assert_string_equal(names, "six");
	assert_true(m.unnamed);
}

static void test_makefile_needs_obj_m(void **state)
{
	struct modsrc m;
	char err[512];

	/* the usual out-of-tree Makefile */
	put("mk/Makefile",
	    "ifneq ($(KERNELRELEASE),)\nobj-m := mymod.o\n"
	    "else\nall:\n\t$(MAKE) -C $(KDIR) M=$(PWD)\nendif\n");
	read_ok("mk", &m);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.names[0], "mymod");
	assert_non_null(strstr(m.file, "/mk/Makefile"));

	/* a project's Makefile is no module directory */
	put("proj/Makefile", "all:\n\tcc -o x x.c\n");
	assert_int_equal(modsrc_read(at("proj"), &m, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no kernel module in "));
	assert_non_null(strstr(err, MODSRC_LOOKED_FOR));

	/* Kbuild wins over Makefile, as in kbuild */
	put("both/Kbuild", "obj-m += fromkbuild.o\n");
	put("both/Makefile", "obj-m += frommakefile.o\n");
	read_ok("both", &m);
	assert_string_equal(m.names[0], "fromkbuild");
}

static void test_find_upwards(void **state)
{
	struct modsrc m;
	char err[1024], want[PATH_MAX];

	put("mod/Kbuild", "obj-m += found.o\n");
	put("mod/src/deep/x.c", "");
	assert_int_equal(
		modsrc_find(at("mod/src/deep"), NULL, &m, err, sizeof(err)), 0);
	assert_non_null(realpath(at("mod"), want));
	assert_string_equal(m.dir, want);
	assert_string_equal(m.names[0], "found");
}

static void test_find_stops_at_home_and_kernel_root(void **state)
{
	struct modsrc m;
	char err[1024], home[PATH_MAX];

	/* a module above home is not taken */
	put("up/Kbuild", "obj-m += above.o\n");
	put("up/home/me/work/x.c", "");
	snprintf(home, sizeof(home), "%s", at("up/home/me"));
	assert_int_equal(modsrc_find(at("up/home/me/work"), home, &m, err,
				     sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "or its parents (up to "));
	if (!strstr(err, "/up/home/me): looked for " MODSRC_LOOKED_FOR))
		fail_msg("%s", err);

	/* a kernel tree's root has a Kbuild, and is no module */
	put("linux/Kbuild", "obj-y += kernel/\n");
	put("linux/Makefile", "VERSION = 6\n");
	put("linux/scripts/Makefile.build", "");
	put("linux/Documentation/x.rst", "");
	assert_true(modsrc_is_kernel_root(at("linux")));
	assert_int_equal(modsrc_find(at("linux/Documentation"), NULL, &m, err,
				     sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "up to the kernel tree at "));
	/* but a driver of the tree is a module directory */
	put("linux/drivers/foo/Makefile", "obj-$(CONFIG_FOO) += foo.o\n");
	assert_int_equal(modsrc_find(at("linux/drivers/foo"), NULL, &m, err,
				     sizeof(err)),
			 0);
	assert_string_equal(m.names[0], "foo");
}

static bool is_link_to(const char *link, const char *target)
{
	char buf[PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);

	if (n < 0 || !realpath(target, real))
		return false;
	buf[n] = '\0';
	return !strcmp(buf, real);
}

static void test_mirror(void **state)
{
	char err[512], out[PATH_MAX], p[PATH_MAX + 32];
	struct stat st;

	put("src/Kbuild", "obj-m += m.o\n");
	put("src/m.c", "int x;\n");
	put("src/include/m.h", "\n");
	/* an in-tree build's leftovers and hidden files are not sources */
	put("src/m.o", "");
	put("src/m.ko", "");
	put("src/.m.o.cmd", "");
	put("src/.git/HEAD", "");
	snprintf(out, sizeof(out), "%s", at("out/m"));
	assert_int_equal(mirror_tree(at("src"), out, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/m.c", out);
	assert_true(is_link_to(p, at("src/m.c")));
	snprintf(p, sizeof(p), "%s/include/m.h", out);
	assert_true(is_link_to(p, at("src/include/m.h")));
	snprintf(p, sizeof(p), "%s/m.o", out);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/.git", out);
	assert_int_equal(lstat(p, &st), -1);

	/* a removed source leaves no link behind; a build output stays */
	unlink(at("src/include/m.h"));
	put("out/m/m.mod.c", "");
	assert_int_equal(mirror_tree(at("src"), out, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/include/m.h", out);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/m.mod.c", out);
	assert_int_equal(lstat(p, &st), 0);
	/* again: nothing to do is no error */
	assert_int_equal(mirror_tree(at("src"), out, err, sizeof(err)), 0);

	/* a missing source directory says which */
	assert_true(mirror_tree(at("nosuch"), out, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nosuch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_from_obj_m),
		cmocka_unit_test(test_makefile_needs_obj_m),
		cmocka_unit_test(test_find_upwards),
		cmocka_unit_test(test_find_stops_at_home_and_kernel_root),
		cmocka_unit_test(test_mirror),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
