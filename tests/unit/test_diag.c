// SPDX-License-Identifier: GPL-2.0
/*
 * The diagnostic parser against real compiler output captured by
 * tests/fixtures/diag/capture.sh (cross kbuild on a pty, host gcc with
 * colours, ld, make), plus the path mapping on a real symlink mirror.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/module/diag.h"

#define FIX "tests/fixtures/diag/"
#define KB "/tmp/kmdash-diag/"

struct parsed {
	struct diag d[64];
	size_t n;
	int kinds[5];
	unsigned errors, warnings, notes, consequences;
	char last_step[256];
	char plain_first_error_line[512];
};

/* Feeds a fixture line by line, as the build job does. */
static void parse_file(const char *name, const char *cwd, struct parsed *r)
{
	struct diag_parser p;
	struct diag_line dl;
	char path[256], *text, *line, *save = NULL;
	FILE *f;
	long size;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), FIX "%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run the tests from the repo root)",
			 path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);

	diag_parser_init(&p, cwd);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\r')
			len--;
		diag_parse_line(&p, line, len, &dl);
		r->kinds[dl.kind]++;
		if (dl.consequence)
			r->consequences++;
		if (dl.kind == DIAG_PROGRESS)
			snprintf(r->last_step, sizeof(r->last_step), "%s",
				 dl.plain);
		if (!dl.has_diag)
			continue;
		if (dl.diag.sev == DIAG_SEV_NOTE)
			r->notes++;
		else if (dl.diag.sev == DIAG_SEV_WARNING)
			r->warnings++;
		else
			r->errors++;
		if (dl.diag.sev >= DIAG_SEV_ERROR &&
		    !r->plain_first_error_line[0])
			snprintf(r->plain_first_error_line,
				 sizeof(r->plain_first_error_line), "%s",
				 dl.plain);
		assert_true(r->n < 64);
		r->d[r->n++] = dl.diag;
	}
	diag_parser_free(&p);
	free(text);
}

static const struct diag *first(const struct parsed *r, enum diag_sev sev)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->d[i].sev == sev)
			return &r->d[i];
	fail_msg("no diagnostic of severity %s", diag_sev_name(sev));
	return NULL;
}

static void test_kbuild_errors_and_warnings(void **state)
{
	struct parsed r;
	const struct diag *e, *w;

	parse_file("kbuild_broken.pty", NULL, &r);
	assert_int_equal(r.errors, 3);
	assert_int_equal(r.warnings, 4);
	/* five macro expansion notes, one "reported only once" */
	assert_int_equal(r.notes, 6);
	assert_int_equal(r.kinds[DIAG_PROGRESS], 2);
	assert_string_equal(r.last_step,
			    "  CC [M]  " KB "kmod_broken/errors.o");
	/* the three "make: *** [...] Error N" lines are not new errors */
	assert_int_equal(r.consequences, 3);
	assert_int_equal(r.kinds[DIAG_ERROR], 3 + 3);

	e = first(&r, DIAG_SEV_ERROR);
	assert_string_equal(e->file, KB "kmod_broken/errors.c");
	assert_int_equal(e->line, 11);
	assert_int_equal(e->col, 14);
	assert_string_equal(e->message,
			    "\xe2\x80\x98i\xe2\x80\x99 undeclared (first use "
			    "in this function)");
	assert_string_equal(e->function, "kmod_broken_sum");
	assert_int_equal(e->origin, DIAG_FROM_COMPILER);
	/* the colours are gone from the text the parser returns */
	assert_null(strchr(r.plain_first_error_line, '\x1b'));
	assert_string_equal(r.plain_first_error_line,
			    KB "kmod_broken/errors.c:11:14: error: "
			       "\xe2\x80\x98i\xe2\x80\x99 undeclared (first "
			       "use in this function)");

	/* the warning turned error keeps its option name */
	assert_string_equal(r.d[r.n - 2].message,
			    "implicit declaration of function "
			    "\xe2\x80\x98kmod_broken_undeclared\xe2\x80\x99");
	assert_string_equal(r.d[r.n - 2].option,
			    "-Werror=implicit-function-declaration");

	/* the first warning is in a header, with its include context */
	w = first(&r, DIAG_SEV_WARNING);
	assert_string_equal(w->file, KB "kmod_broken/broken.h");
	assert_int_equal(w->line, 8);
	assert_int_equal(w->col, 13);
	assert_string_equal(w->message, "unused variable \xe2\x80\x98spare"
					"\xe2\x80\x99");
	assert_string_equal(w->option, "-Wunused-variable");
	assert_string_equal(w->function, "broken_twice");
	assert_string_equal(w->included_from, KB "kmod_broken/warn.c:9");

	/* pr_info's format warning: located in the kernel header */
	assert_true(strstr(r.d[1].file, "include/linux/kern_levels.h") != NULL);
	assert_string_equal(r.d[1].option, "-Wformat=");
	assert_string_equal(r.d[1].function, "kmod_broken_init");
	/* the include chain printed for kern_levels.h is not warn.c's */
	assert_string_equal(r.d[1].included_from +
				    strlen(r.d[1].included_from) -
				    strlen("asm-generic/bug.h:22"),
			    "asm-generic/bug.h:22");
	/* warn.c's own warning has no include context */
	assert_string_equal(r.d[7].file, KB "kmod_broken/warn.c");
	assert_int_equal(r.d[7].line, 15);
	assert_string_equal(r.d[7].included_from, "");
}

static void test_kbuild_modpost_undefined_symbol(void **state)
{
	struct parsed r;
	const struct diag *e;

	parse_file("kbuild_modpost.pty", NULL, &r);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.warnings, 3);
	assert_int_equal(r.kinds[DIAG_PROGRESS], 3);
	assert_string_equal(r.last_step,
			    "  MODPOST " KB "kmod_modpost/Module.symvers");
	e = first(&r, DIAG_SEV_ERROR);
	assert_int_equal(e->origin, DIAG_FROM_MODPOST);
	assert_string_equal(e->file, KB "kmod_modpost/kmod_broken.ko");
	assert_int_equal(e->line, 0);
	assert_string_equal(e->message, "\"kmod_broken_missing\" [" KB
					"kmod_modpost/kmod_broken.ko] "
					"undefined!");
	assert_int_equal(r.consequences, 3);
}

static void test_kbuild_clean_build(void **state)
{
	struct parsed r;

	parse_file("kbuild_hello.pty", NULL, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.kinds[DIAG_PROGRESS], 6);
	/* "Skipping BTF generation" is harmless: plain, not a warning */
	assert_int_equal(r.kinds[DIAG_WARNING], 0);
	assert_int_equal(r.kinds[DIAG_ERROR], 0);
	assert_int_equal(r.kinds[DIAG_NOTE], 0);
	assert_int_equal(r.kinds[DIAG_PLAIN], 4);
	assert_string_equal(r.last_step,
			    "  BTF [M] " KB "kmod_hello/kmod_hello.ko");
}

static void test_host_gcc_with_colours(void **state)
{
	char cwd[512], want[600];
	struct parsed r;
	const struct diag *e;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	strcat(cwd, "/" FIX "host");
	parse_file("host_gcc_color.txt", cwd, &r);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.warnings, 2);
	assert_int_equal(r.notes, 1);
	e = first(&r, DIAG_SEV_ERROR);
	assert_string_equal(e->file, "bad.c");
	assert_int_equal(e->line, 15);
	assert_int_equal(e->col, 16);
	assert_string_equal(e->message, "\xe2\x80\x98undeclared_value\xe2\x80"
					"\x99 undeclared (first use in this "
					"function)");
	assert_string_equal(e->function, "main");
	/* a relative path is taken from the build's directory */
	snprintf(want, sizeof(want), "%s/bad.c", cwd);
	assert_string_equal(e->src, want);
	assert_string_equal(r.d[1].option, "-Wformat=");
	assert_int_equal(r.d[1].line, 14);
	assert_int_equal(r.d[1].col, 18);
}

static void test_host_gcc_c_locale_quotes(void **state)
{
	struct parsed r;

	parse_file("host_gcc_c_locale.txt", NULL, &r);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.warnings, 2);
	assert_string_equal(r.d[0].function, "square");
	assert_string_equal(r.d[0].message, "unused variable 'unused'");
	assert_string_equal(first(&r, DIAG_SEV_ERROR)->function, "main");
}

static void test_linker_undefined_reference(void **state)
{
	struct parsed r;

	parse_file("host_ld.txt", NULL, &r);
	/* collect2's "ld returned 1 exit status" repeats them */
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.consequences, 2);
	assert_int_equal(r.d[0].origin, DIAG_FROM_LINKER);
	assert_string_equal(r.d[0].function, "main");
	/* with -g: the source line; without: a section offset */
	assert_true(strstr(r.d[0].file, "/tests/fixtures/diag/host/undef.c"));
	assert_int_equal(r.d[0].line, 7);
	assert_string_equal(r.d[0].message,
			    "undefined reference to `host_missing'");
	assert_string_equal(r.d[1].file, "undef.c");
	assert_int_equal(r.d[1].line, 0);
	assert_string_equal(r.d[1].message,
			    "undefined reference to `host_missing'");
}

static void test_make_errors(void **state)
{
	struct parsed r;

	parse_file("make_errors.txt", NULL, &r);
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.d[0].origin, DIAG_FROM_MAKE);
	assert_string_equal(r.d[0].file, FIX "host/Makefile.bad");
	assert_int_equal(r.d[0].line, 4);
	assert_string_equal(r.d[0].message, "missing separator.  Stop.");
	assert_int_equal(r.d[1].origin, DIAG_FROM_MAKE);
	assert_string_equal(r.d[1].file, "");
	assert_true(!strncmp(r.d[1].message, "No rule to make target", 22));
}

/* One escape at a time: its length, and whether it sets colours. */
static void test_ansi_len(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool sgr;
	} t[] = {
		{ "\x1b[01;35mwarning", 8, true },
		{ "\x1b[mx", 3, true },
		{ "\x1b[Kx", 3, false },
		{ "\x1b[?25lx", 6, false }, /* not a colour: '?' */
		{ "\x1b]8;;https://x\ay", 15, false }, /* OSC to BEL */
		{ "\x1b]8;;u\x1b\\y", 8, false }, /* OSC to ESC \ */
		{ "\x1b]8;;cut off", 12, false },
		{ "\x1b[01;3", 6, false },
		{ "\x1b", 1, false },
		{ "\x1b(Bx", 2, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool sgr = !t[i].sgr;

		assert_int_equal(diag_ansi_len(t[i].s, strlen(t[i].s), &sgr),
				 t[i].len);
		assert_int_equal(sgr, t[i].sgr);
	}
}

static void test_strip_ansi(void **state)
{
	/* gcc 10+ may link option names: OSC 8 hyperlinks */
	static const char in[] = "\x1b[01m\x1b[Kx.c:1:2:\x1b[m\x1b[K "
				 "\x1b[01;35m\x1b[Kwarning: \x1b[m\x1b[Kmsg "
				 "[\x1b]8;;https://gcc.gnu.org/x\x1b\\-Wall"
				 "\x1b]8;;\x1b\\]\x1b]0;title\a";
	char out[128];
	struct diag_parser p;
	struct diag_line dl;

	assert_int_equal(diag_strip_ansi(in, strlen(in), out, sizeof(out)),
			 strlen("x.c:1:2: warning: msg [-Wall]"));
	assert_string_equal(out, "x.c:1:2: warning: msg [-Wall]");
	/* a short buffer is cut, still terminated */
	diag_strip_ansi(in, strlen(in), out, 4);
	assert_string_equal(out, "x.c");

	diag_parser_init(&p, NULL);
	assert_int_equal(diag_parse_line(&p, in, strlen(in), &dl),
			 DIAG_WARNING);
	assert_string_equal(dl.diag.option, "-Wall");
	assert_string_equal(dl.diag.message, "msg");
	diag_parser_free(&p);
}

static void test_lines_that_are_not_diagnostics(void **state)
{
	static const char *const plain[] = {
		"   17 |         pr_err(\"x.c:1:2: error: no\");",
		"      |         ^~~~~~~",
		"                 from /b/x.c:7:",
		"  from here",
		"Skipping BTF generation for /b/m.ko due to unavailability of "
		"vmlinux",
		"make[1]: Entering directory '/k'",
		"kbuild.sh: cross-building /s for 6.1 (arm64) in /b",
		"",
	};
	struct diag_parser p;
	struct diag_line dl;

	diag_parser_init(&p, NULL);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		diag_parse_line(&p, plain[i], strlen(plain[i]), &dl);
		assert_int_equal(dl.kind, DIAG_PLAIN);
		assert_false(dl.has_diag);
	}
	/* a script's die() is an error without a file */
	diag_parse_line(&p, "kbuild.sh: error: the target is not built", 41,
			&dl);
	assert_true(dl.has_diag);
	assert_int_equal(dl.diag.origin, DIAG_FROM_TOOL);
	assert_string_equal(dl.diag.file, "");
	assert_string_equal(dl.diag.message, "the target is not built");
	diag_parser_free(&p);
}

static void test_relative_paths_follow_make_directories(void **state)
{
	static const char *const lines[] = {
		"make[1]: Entering directory '/srv/a'", "x.c:1:2: error: one",
		"make[2]: Entering directory `/srv/b'", "y.c:3:4: error: two",
		"make[2]: Leaving directory `/srv/b'",	"z.c:5:6: error: three",
	};
	static const char *const want[] = { "", "/srv/a/x.c", "", "/srv/b/y.c",
					    "", "/srv/a/z.c" };
	/*
	 * A line cut after the first byte of U+2018 names no directory:
	 * the parser skipped three bytes and read the previous line's rest
	 * past the end of this one.
	 */
	static const char *const cut[] = {
		"make[3]: Entering directory '/srv/c/long/path'",
		"make[3]: Leaving directory",
		"make[3]: Entering directory \xe2", "w.c:7:8: error: four"
	};
	struct diag_parser p;
	struct diag_line dl;

	diag_parser_init(&p, "/top");
	for (size_t i = 0; i < 6; i++) {
		diag_parse_line(&p, lines[i], strlen(lines[i]), &dl);
		assert_int_equal(dl.has_diag, want[i][0] != '\0');
		if (dl.has_diag)
			assert_string_equal(dl.diag.src, want[i]);
	}
	for (size_t i = 0; i < 4; i++)
		diag_parse_line(&p, cut[i], strlen(cut[i]), &dl);
	assert_string_equal(dl.diag.src, "/srv/a/w.c");
	diag_parser_free(&p);
}

static void test_symlinks_map_back_to_the_source(void **state)
{
	char tmp[] = "/tmp/kmdash-diag-test.XXXXXX", src[128], mirror[128];
	char real[256], link[256], out[512], line[512];
	struct diag_parser p;
	struct diag_line dl;
	FILE *f;

	assert_non_null(mkdtemp(tmp));
	snprintf(src, sizeof(src), "%s/src", tmp);
	snprintf(mirror, sizeof(mirror), "%s/build", tmp);
	assert_int_equal(mkdir(src, 0700), 0);
	assert_int_equal(mkdir(mirror, 0700), 0);
	snprintf(real, sizeof(real), "%s/m.c", src);
	f = fopen(real, "w");
	assert_non_null(f);
	fclose(f);
	/* as cp -rs makes them: "src/./m.c" */
	snprintf(link, sizeof(link), "%s/./m.c", src);
	snprintf(out, sizeof(out), "%s/m.c", mirror);
	assert_int_equal(symlink(link, out), 0);

	diag_map_path(out, NULL, NULL, line, sizeof(line));
	assert_string_equal(line, real);
	/* relative to the build directory */
	diag_map_path("m.c", mirror, NULL, line, sizeof(line));
	assert_string_equal(line, real);
	/* not a symlink: as printed */
	diag_map_path(real, mirror, NULL, line, sizeof(line));
	assert_string_equal(line, real);
	diag_map_path("/nonexistent/x.c", NULL, NULL, line, sizeof(line));
	assert_string_equal(line, "/nonexistent/x.c");

	diag_parser_init(&p, NULL);
	snprintf(line, sizeof(line), "%s/m.c:3:1: error: boom", mirror);
	diag_parse_line(&p, line, strlen(line), &dl);
	assert_string_equal(dl.diag.file, out);
	assert_string_equal(dl.diag.src, real);
	diag_parser_free(&p);

	/*
	 * Built in a container with the mirror mounted at /workspace: the
	 * container's path leads to the mirror, its link to the source; a
	 * sibling prefix ("/workspace2") is no match.
	 */
	{
		char map[sizeof(mirror) + 16];
		const char *maps[] = { "/workspace2=/nowhere", map, NULL };

		snprintf(map, sizeof(map), "/workspace=%s", mirror);
		diag_parser_init(&p, "/workspace");
		p.maps = maps;
		snprintf(line, sizeof(line), "m.c:3:1: error: boom");
		diag_parse_line(&p, line, strlen(line), &dl);
		assert_string_equal(dl.diag.src, real);
		snprintf(line, sizeof(line),
			 "/workspace/m.c:4:2: warning: unused");
		diag_parse_line(&p, line, strlen(line), &dl);
		assert_string_equal(dl.diag.file, "/workspace/m.c");
		assert_string_equal(dl.diag.src, real);
		snprintf(line, sizeof(line), "/workspace2/m.c:1:1: error: x");
		diag_parse_line(&p, line, strlen(line), &dl);
		assert_string_equal(dl.diag.src, "/nowhere/m.c");
		diag_parser_free(&p);
	}

	unlink(out);
	unlink(real);
	rmdir(src);
	rmdir(mirror);
	rmdir(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kbuild_errors_and_warnings),
		cmocka_unit_test(test_kbuild_modpost_undefined_symbol),
		cmocka_unit_test(test_kbuild_clean_build),
		cmocka_unit_test(test_host_gcc_with_colours),
		cmocka_unit_test(test_host_gcc_c_locale_quotes),
		cmocka_unit_test(test_linker_undefined_reference),
		cmocka_unit_test(test_make_errors),
		cmocka_unit_test(test_ansi_len),
		cmocka_unit_test(test_strip_ansi),
		cmocka_unit_test(test_lines_that_are_not_diagnostics),
		cmocka_unit_test(test_relative_paths_follow_make_directories),
		cmocka_unit_test(test_symlinks_map_back_to_the_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
