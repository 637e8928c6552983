// SPDX-License-Identifier: GPL-2.0
/*
 * The decoder against real traces of the embedded target
 * (tests/fixtures/traces/) and the fixture modules `make fixtures` builds
 * (build/tests/fixtures/, or $BUILD/...). The expected line is always the
 * fixture source's line that carries the marker comment, found by grep.
 *
 * Every test first checks that each frame of the trace fits the built
 * .ko (its size and offset): if the fixture was rebuilt differently, the
 * traces must be captured again rather than the tests passing or failing
 * for the wrong reason.
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

#include "core/module/decode.h"
#include "core/module/decode_text.h"
#include "core/module/kostore.h"
#include "core/module/trace.h"

#define TRACES "tests/fixtures/traces/"
#define CRASH_SRC "tests/fixtures/kmod_crash/"
#define ENGINE_SRC "kmod/storage_hash.c"

static char crash_ko[PATH_MAX], faulty_ko[PATH_MAX], product_ko[PATH_MAX];
static char root[PATH_MAX];

/* --- helpers -------------------------------------------------------------- */

/*
 * Without the cross-built fixtures (make check on a machine without the
 * embedded target) the test is skipped, saying why; never in CI.
 */
static void need_file(const char *path)
{
	const char *ci = getenv("CI");

	if (access(path, R_OK) && !(ci && !strcmp(ci, "true"))) {
		print_message("SKIP: %s is missing (make fixtures)\n", path);
		skip();
	}
	if (access(path, R_OK))
		fail_msg("%s is missing: run 'make fixtures' (the unit tests "
			 "decode traces against the fixture modules)",
			 path);
}

static int setup(void **state)
{
	const char *b = getenv("BUILD");

	if (!b || !*b)
		b = "build";
	snprintf(crash_ko, sizeof(crash_ko),
		 "%s/tests/fixtures/kmod_crash/crashmod.ko", b);
	snprintf(faulty_ko, sizeof(faulty_ko),
		 "%s/tests/fixtures/kmod_faulty/storage_hash.ko", b);
	snprintf(product_ko, sizeof(product_ko), "%s/kmod/storage_hash.ko", b);
	if (!getcwd(root, sizeof(root)))
		return -1;
	return 0;
}

/* The line of file holding text (a marker comment, or a unique call). */
static int line_with(const char *file, const char *text)
{
	char buf[1024];
	FILE *f = fopen(file, "r");
	int n = 0, found = 0;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", file);
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		if (strstr(buf, text)) {
			if (found)
				fail_msg("'%s' is in %s twice", text, file);
			found = n;
		}
	}
	fclose(f);
	if (!found)
		fail_msg("no '%s' in %s", text, file);
	return found;
}

static int marker(const char *file, const char *name)
{
	char m[128];

	snprintf(m, sizeof(m), "kmdash-test: %s */", name);
	return line_with(file, m);
}

static struct decoder *open_ko(const char *ko)
{
	char err[512];
	struct decoder *d;

	need_file(ko);
	d = decoder_open(ko, NULL, 0, err, sizeof(err));
	if (!d)
		fail_msg("%s", err);
	return d;
}

/* The whole trace file as blocks: every frame, in order. */
static void load(const char *file, struct trace *t)
{
	char path[256], line[2048];
	FILE *f;

	snprintf(path, sizeof(path), TRACES "%s", file);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	trace_init(t);
	while (fgets(line, sizeof(line), f)) {
		size_t len, off = trace_strip_prefix(line, strlen(line), NULL,
						     &len);

		trace_add_line(t, line + off, len);
	}
	fclose(f);
}

/*
 * Loads a trace and checks that every frame of d's module fits d: else
 * the build differs from the one the trace was captured with.
 */
static void load_for(struct decoder *d, const char *file, struct trace *t)
{
	load(file, t);
	for (size_t i = 0; i < t->nframes; i++) {
		const struct trace_frame *f = &t->frames[i];

		if (strcmp(f->module, decoder_module(d)))
			continue;
		if (decoder_match(d, f))
			fail_msg(
				"%s: %s+%#llx/%#llx does not fit %s: the fixture "
				".ko differs from the one the trace was "
				"captured with: re-run "
				"tests/fixtures/traces/capture.sh",
				file, f->sym, (unsigned long long)f->off,
				(unsigned long long)f->size, decoder_path(d));
	}
}

/* The first frame of the trace with this role and symbol. */
static const struct trace_frame *
find(const struct trace *t, enum trace_frame_role role, const char *sym)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].role == role && !strcmp(t->frames[i].sym, sym))
			return &t->frames[i];
	fail_msg("no %s frame %s in the trace",
		 role == TRACE_FRAME_PC ? "pc" :
		 role == TRACE_FRAME_LR ? "lr" :
					  "call",
		 sym);
	return NULL;
}

static struct decode_frame resolve(struct decoder *d,
				   const struct trace_frame *f)
{
	struct decode_frame df;
	int rc = decoder_resolve(d, f, &df);

	if (rc)
		fail_msg("%s+%#llx: %d: %s", f->sym, (unsigned long long)f->off,
			 rc, df.why);
	return df;
}

/* loc is the line of file (relative to the repository) */
static void expect_loc(const struct decode_loc *l, const char *file, int line,
		       const char *func)
{
	char want[PATH_MAX + 8];

	snprintf(want, sizeof(want), "%s/%s", root, file);
	if (strcmp(l->file, want) || l->line != line)
		fail_msg("decoded %s at %s:%d, expected %s:%d", l->func,
			 l->file, l->line, want, line);
	assert_string_equal(l->func, func);
}

/* The frame decodes to the marked line of the fixture (innermost). */
static void expect(struct decoder *d, const struct trace_frame *f,
		   const char *file, const char *mark, const char *func,
		   const char *section)
{
	struct decode_frame df = resolve(d, f);

	expect_loc(&df.loc[0], file, marker(file, mark), func);
	assert_string_equal(df.section, section);
	assert_false(df.ambiguous);
}

/* --- sections -------------------------------------------------------------- */

/*
 * All of a .ko's sections start at 0: only the symbol's own section
 * places sym+off. One test per section, from a real trace each.
 */
static void test_init_text(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	struct trace t;

	load_for(d, "init_oops.kmsg", &t);
	expect(d, find(&t, TRACE_FRAME_PC, "crashmod_init_oops"),
	       CRASH_SRC "crashmod_faults.c", "init_oops", "crashmod_init_oops",
	       ".init.text");
	decoder_free(d);
}

static void test_text_unlikely(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	struct trace t;

	load_for(d, "unlikely.kmsg", &t);
	expect(d, find(&t, TRACE_FRAME_PC, "crashmod_cold_oops"),
	       CRASH_SRC "crashmod_faults.c", "unlikely", "crashmod_cold_oops",
	       ".text.unlikely");
	/* its caller, in .text, at an offset .text.unlikely also has */
	expect(d, find(&t, TRACE_FRAME_LR, "crashmod_hop"),
	       CRASH_SRC "crashmod_main.c", "call_cold", "crashmod_hop",
	       ".text");
	expect(d, find(&t, TRACE_FRAME_CALL, "crashmod_init"),
	       CRASH_SRC "crashmod_main.c", "call_hop", "crashmod_init",
	       ".init.text");
	decoder_free(d);
}

static void test_exit_text(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	struct trace t;

	load_for(d, "exit_oops.kmsg", &t);
	expect(d, find(&t, TRACE_FRAME_PC, "crashmod_exit_oops"),
	       CRASH_SRC "crashmod_faults.c", "exit_oops", "crashmod_exit_oops",
	       ".exit.text");
	expect(d, find(&t, TRACE_FRAME_LR, "crashmod_exit"),
	       CRASH_SRC "crashmod_main.c", "call_exit_oops", "crashmod_exit",
	       ".exit.text");
	decoder_free(d);
}

static void test_text_bug(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	struct trace t;

	load_for(d, "bug.kmsg", &t);
	expect(d, find(&t, TRACE_FRAME_PC, "crashmod_hop"),
	       CRASH_SRC "crashmod_faults.c", "bug", "crashmod_hop", ".text");
	expect(d, find(&t, TRACE_FRAME_LR, "crashmod_bug"),
	       CRASH_SRC "crashmod_faults.c", "call_bug_hop", "crashmod_bug",
	       ".init.text");
	decoder_free(d);
}

/* --- return addresses ------------------------------------------------------- */

/*
 * warn: crashmod_init's return address (in lr: crashmod_warn is a leaf)
 * is the first instruction of the line after the call ("return 0"): as
 * a return address it decodes to the call; read as the address itself it
 * would name that next line.
 */
static void test_return_address(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	int call = marker(CRASH_SRC "crashmod_main.c", "call_warn");
	struct trace_frame f;
	struct decode_frame df;
	struct trace t;

	load_for(d, "warn.kmsg", &t);
	f = *find(&t, TRACE_FRAME_LR, "crashmod_init");
	expect(d, &f, CRASH_SRC "crashmod_main.c", "call_warn", "crashmod_init",
	       ".init.text");
	f.role = TRACE_FRAME_PC;
	df = resolve(d, &f);
	assert_int_not_equal(df.loc[0].line, call);
	/* the pc is the address itself: the WARN_ON, not the line before */
	expect(d, find(&t, TRACE_FRAME_PC, "crashmod_warn"),
	       CRASH_SRC "crashmod_faults.c", "warn", "crashmod_warn",
	       ".init.text");
	decoder_free(d);
}

/*
 * panic() never returns: the call is crashmod_panic's last instruction,
 * and the kernel names the return address "crashmod_spin+0x0", the next
 * function. The decoder steps back into crashmod_panic, to the panic line
 * (where a plain lookup of the address gives crashmod_spin: gdb's "end
 * of the previous function" the other way round).
 */
static void test_noreturn_call(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	struct trace_frame f;
	struct decode_frame df;
	struct trace t;

	load_for(d, "panic.serial", &t);
	f = *find(&t, TRACE_FRAME_CALL, "crashmod_spin");
	assert_int_equal(f.off, 0);
	expect(d, &f, CRASH_SRC "crashmod_faults.c", "panic", "crashmod_panic",
	       ".init.text");
	f.role = TRACE_FRAME_PC;
	df = resolve(d, &f);
	assert_string_equal(df.loc[0].func, "crashmod_spin");
	expect(d, find(&t, TRACE_FRAME_CALL, "crashmod_init"),
	       CRASH_SRC "crashmod_main.c", "call_panic", "crashmod_init",
	       ".init.text");
	decoder_free(d);
}

/* --- multi-file module, same-named functions ---------------------------- */

/*
 * crashmod's two files each have a static crashmod_hop in .text; the
 * trace's "/0x30" fits both. The lr (a return address) is told apart by
 * the call before it, the BUG's pc by the "Code:" line.
 */
static void test_multi_file(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	struct trace_frame f;
	struct decode_frame df;
	struct trace t;

	load_for(d, "unlikely.kmsg", &t);
	expect(d, find(&t, TRACE_FRAME_LR, "crashmod_hop"),
	       CRASH_SRC "crashmod_main.c", "call_cold", "crashmod_hop",
	       ".text");
	load_for(d, "bug.kmsg", &t);
	expect(d, find(&t, TRACE_FRAME_PC, "crashmod_hop"),
	       CRASH_SRC "crashmod_faults.c", "bug", "crashmod_hop", ".text");
	/* without the Code: line nothing tells them apart: said so */
	f = *find(&t, TRACE_FRAME_PC, "crashmod_hop");
	f.insn_len = 0;
	df = resolve(d, &f);
	assert_true(df.ambiguous);
	decoder_free(d);
}

/* --- the inline chain --------------------------------------------------------- */

/* The engine's own bug: sh_test_fault -> sh_get -> sh_do_op. */
static void test_inline_chain(void **state)
{
	struct decoder *d = open_ko(faulty_ko);
	struct decode_frame df;
	char line[1024];
	struct trace t;

	assert_string_equal(decoder_module(d), "storage_hash");
	load_for(d, "ioctl_oops.kmsg", &t);
	df = resolve(d, find(&t, TRACE_FRAME_PC, "sh_do_op"));
	assert_int_equal(df.nloc, 3);
	expect_loc(&df.loc[0], ENGINE_SRC, marker(ENGINE_SRC, "oops"),
		   "sh_test_fault");
	expect_loc(&df.loc[1], ENGINE_SRC,
		   line_with(ENGINE_SRC, "\tsh_test_fault();"), "sh_get");
	expect_loc(&df.loc[2], ENGINE_SRC,
		   line_with(ENGINE_SRC, "err = sh_get(key"), "sh_do_op");
	assert_string_equal(df.section, ".text");
	/* one line for the user, paths relative to the repository */
	decode_format(&df, root, line, sizeof(line));
	snprintf(line + 512, 512,
		 "sh_test_fault at %s:%d (inlined by) sh_get at %s:%d "
		 "(inlined by) sh_do_op at %s:%d",
		 ENGINE_SRC, df.loc[0].line, ENGINE_SRC, df.loc[1].line,
		 ENGINE_SRC, df.loc[2].line);
	assert_string_equal(line, line + 512);
	decoder_free(d);
}

/* --- against elfutils' own addr2line ------------------------------------------ */

#define MAX_ADDRS 512

struct probe {
	char sym[TRACE_SYM_MAX];
	uint64_t off;
};

/* FUNC symbols of ko (readelf), each near its start, middle and end. */
static size_t probes(const char *ko, struct probe *p, size_t max)
{
	char cmd[PATH_MAX + 64], line[512], name[128];
	FILE *f;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "aarch64-linux-gnu-readelf -sW '%s'", ko);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long size;

		if (sscanf(line, " %*u: %*x %llu FUNC %*s %*s %*s %127s", &size,
			   name) != 2 ||
		    size < 16)
			continue;
		/* past the two nops of ftrace's patchable entry, which have
		 * no line of their own */
		for (int k = 0; k < 3 && n < max; k++) {
			snprintf(p[n].sym, sizeof(p[n].sym), "%s", name);
			p[n++].off = k == 0 ? 8 :
				     k == 1 ? (size / 2) & ~3ull :
					      size - 4;
		}
	}
	pclose(f);
	return n;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Our chain of one address as eu-addr2line -f -i words it. */
static void our_chain(struct decoder *d, const struct probe *p, char *out,
		      size_t cap)
{
	struct trace_frame f = { .role = TRACE_FRAME_PC };
	struct decode_frame df;
	size_t len = 0;

	snprintf(f.sym, sizeof(f.sym), "%s", p->sym);
	snprintf(f.module, sizeof(f.module), "%s", decoder_module(d));
	f.off = p->off;
	out[0] = '\0';
	if (decoder_resolve(d, &f, &df))
		return;
	for (size_t i = 0; i < df.nloc; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s %s:%d\n",
					df.loc[i].func, base_of(df.loc[i].file),
					df.loc[i].line);
}

/*
 * Every function of the engine at three offsets: the same function,
 * file and line, inline level by inline level, as eu-addr2line -f -i
 * (file names compared by their base name: eu-addr2line prints the build
 * directory's, the decoder the source's).
 */
static void test_agrees_with_eu_addr2line(void **state)
{
	static struct probe p[MAX_ADDRS];
	static char cmd[MAX_ADDRS * 64], ours[4096], theirs[MAX_ADDRS][4096];
	struct decoder *d = open_ko(faulty_ko);
	size_t n = probes(faulty_ko, p, MAX_ADDRS), len, k = 0;
	char line[1024];
	FILE *f;
	int i = -1;

	assert_true(n > 60);
	len = (size_t)snprintf(cmd, sizeof(cmd),
			       "eu-addr2line -a -f -i -e '%s'", faulty_ko);
	for (size_t j = 0; j < n; j++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len,
					" %s+%#llx", p[j].sym,
					(unsigned long long)p[j].off);
	f = popen(cmd, "r");
	assert_non_null(f);
	/* "0xADDR", then per level "FUNC[ inlined at ...]" and "FILE:L:C" */
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0x", 2)) {
			i++;
			k = 0;
			continue;
		}
		if (i < 0 || i >= (int)n)
			break;
		/* "FUNC inlined at FILE:L:C in F2" or "FUNC": a function */
		if (strchr(line, ' ') || !strchr(line, ':')) {
			line[strcspn(line, " ")] = '\0';
			k += (size_t)snprintf(theirs[i] + k, 4096 - k, "%s ",
					      line);
			continue;
		}
		colon = strrchr(line, ':');
		*colon = '\0'; /* drop the column */
		k += (size_t)snprintf(theirs[i] + k, 4096 - k, "%s\n",
				      base_of(line));
	}
	pclose(f);
	assert_int_equal(i + 1, (int)n);
	for (size_t j = 0; j < n; j++) {
		/* no line for it ("??:0", ftrace's entry nops): none either */
		if (strstr(theirs[j], "??"))
			theirs[j][0] = '\0';
		our_chain(d, &p[j], ours, sizeof(ours));
		if (strcmp(ours, theirs[j]))
			fail_msg("%s+%#llx: decoded\n%seu-addr2line:\n%s",
				 p[j].sym, (unsigned long long)p[j].off, ours,
				 theirs[j]);
	}
	decoder_free(d);
}

/* --- paths -------------------------------------------------------------------- */

/*
 * The debug info names the build directory's mirror of symlinks
 * (build/tests/fixtures/kmod_crash/...): realpath() leads to the source;
 * an explicit map rewrites what was written; a header named relative to
 * the kernel tree (DW_AT_comp_dir) comes out absolute and existing.
 */
static void test_paths(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	char build_dir[PATH_MAX], err[512];
	struct decode_map map = { build_dir, "/elsewhere/src" };
	struct decode_frame df;
	struct trace t;
	struct stat st;

	load_for(d, "softlockup.kmsg", &t);
	df = resolve(d, find(&t, TRACE_FRAME_PC, "crashmod_spin"));
	/* cpu_relax() from the kernel's headers, inlined into the spin */
	assert_int_equal(df.nloc, 2);
	assert_int_equal(df.loc[0].file[0], '/');
	assert_int_equal(stat(df.loc[0].file, &st), 0);
	expect_loc(&df.loc[1], CRASH_SRC "crashmod_faults.c",
		   marker(CRASH_SRC "crashmod_faults.c", "spin"),
		   "crashmod_spin");
	decoder_free(d);

	if (!realpath(crash_ko, build_dir))
		fail_msg("realpath %s", crash_ko);
	*strrchr(build_dir, '/') = '\0';
	d = decoder_open(crash_ko, &map, 1, err, sizeof(err));
	assert_non_null(d);
	df = resolve(d, find(&t, TRACE_FRAME_PC, "crashmod_spin"));
	assert_string_equal(df.loc[1].file, "/elsewhere/src/crashmod_faults.c");
	decoder_free(d);
}

/* --- errors ------------------------------------------------------------------ */

static void expect_no(struct decoder *d, const char *text, int rc,
		      const char *why)
{
	struct trace_frame f;
	struct decode_frame df;

	assert_true(trace_parse_frame(text, strlen(text), &f));
	assert_int_equal(decoder_resolve(d, &f, &df), rc);
	assert_int_equal(df.nloc, 0);
	if (!strstr(df.why, why))
		fail_msg("why: '%s', expected '%s' in it", df.why, why);
}

static void test_frames_not_ours(void **state)
{
	struct decoder *d = open_ko(crash_ko);
	char line[256];
	struct decode_frame df = { 0 };

	expect_no(d, " nosuch+0x4/0x10 [crashmod]", -ENOENT,
		  "no function nosuch");
	expect_no(d, " crashmod_init+0x400/0xf4 [crashmod]", -ENOENT,
		  "lies outside");
	expect_no(d, " crashmod_init+0x4/0x80 [crashmod]", -ESTALE,
		  "another build");
	expect_no(d, " sh_get+0x4/0x10 [storage_hash]", -ENOENT,
		  "in module storage_hash");
	expect_no(d, " el0_svc+0x34/0xdc", -ENOENT, "kernel proper");
	snprintf(df.why, sizeof(df.why), "because");
	decode_format(&df, NULL, line, sizeof(line));
	assert_string_equal(line, "not decoded: because");
	decoder_free(d);
}

static void test_open_errors(void **state)
{
	char err[512], dir[] = "/tmp/kmdash-decode.XXXXXX", path[PATH_MAX];
	char cmd[3 * PATH_MAX];

	assert_null(
		decoder_open("/nonexistent/x.ko", NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open /nonexistent/x.ko"));
	assert_null(decoder_open("Makefile", NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not an ELF file"));
	/* what kmdash uploads: stripped of debug info, note kept */
	need_file(crash_ko);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/crashmod.ko", dir);
	snprintf(cmd, sizeof(cmd),
		 "aarch64-linux-gnu-strip --strip-debug -o %s %s", path,
		 crash_ko);
	assert_int_equal(system(cmd), 0);
	assert_null(decoder_open(path, NULL, 0, err, sizeof(err)));
	assert_non_null(
		strstr(err, "crashmod.ko has no debug info (stripped?)"));
	unlink(path);
	rmdir(dir);
}

/* --- build ids and the stale copy ----------------------------------------------- */

/*
 * A .ko rebuilt after the deploy (here: the product engine against the
 * test build that ran) has another build id and does not fit the trace;
 * the copy kept at deploy time is found by the old id and decodes it.
 */
static void test_stale_copy(void **state)
{
	char dir[] = "/tmp/kmdash-decode.XXXXXX", err[512], id[KO_ID_MAX + 1];
	char kept[PATH_MAX];
	struct decoder *deployed = open_ko(faulty_ko), *rebuilt, *copy;
	struct decode_frame df;
	struct kostore *ks;
	struct trace t;

	need_file(product_ko);
	rebuilt = open_ko(product_ko);
	assert_non_null(mkdtemp(dir));
	ks = kostore_open(dir, err, sizeof(err));
	assert_non_null(ks);
	assert_int_equal(kostore_keep(ks, faulty_ko, id, err, sizeof(err)), 0);
	assert_string_equal(id, decoder_build_id(deployed));
	assert_string_not_equal(decoder_build_id(rebuilt), id);

	load_for(deployed, "ioctl_oops.kmsg", &t);
	assert_int_equal(decoder_resolve(rebuilt,
					 find(&t, TRACE_FRAME_PC, "sh_do_op"),
					 &df),
			 -ESTALE);
	assert_int_equal(kostore_find(ks, id, kept, sizeof(kept)), 0);
	copy = open_ko(kept);
	assert_string_equal(decoder_build_id(copy), id);
	df = resolve(copy, find(&t, TRACE_FRAME_PC, "sh_do_op"));
	expect_loc(&df.loc[0], ENGINE_SRC, marker(ENGINE_SRC, "oops"),
		   "sh_test_fault");

	decoder_free(copy);
	decoder_free(rebuilt);
	decoder_free(deployed);
	unlink(kept);
	kostore_free(ks);
	rmdir(dir);
}

/* --- kmdash decode's text ------------------------------------------------------ */

static char *run_text(const char *trace, const struct decode_text_opts *o,
		      int *rc)
{
	char path[256], err[256], *out = NULL;
	size_t len = 0;
	FILE *in, *mem = open_memstream(&out, &len);

	snprintf(path, sizeof(path), TRACES "%s", trace);
	in = fopen(path, "r");
	assert_non_null(in);
	*rc = decode_text(in, mem, o, NULL, err, sizeof(err));
	fclose(in);
	fclose(mem);
	return out;
}

static void expect_text(const char *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void expect_text(const char *out, const char *fmt, ...)
{
	char want[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (!strstr(out, want))
		fail_msg("expected '%s' in:\n%s", want, out);
}

static void test_text(void **state)
{
	struct decode_text_opts o = { .ko = crash_ko,
				      .ko_only = true,
				      .base = root };
	struct decoder *d = open_ko(crash_ko);
	int rc;
	char *out = run_text("init_oops.kmsg", &o, &rc);

	assert_int_equal(rc, 0);
	expect_text(out, "crashmod: decoded with %s (build id %s)", crash_ko,
		    decoder_build_id(d));
	expect_text(out, "[crashmod]\n    -> crashmod_init_oops at %s:%d\n",
		    CRASH_SRC "crashmod_faults.c",
		    marker(CRASH_SRC "crashmod_faults.c", "init_oops"));
	expect_text(out, "frames in the kernel proper left as printed");
	free(out);
	decoder_free(d);
}

/*
 * Without --ko: the configured .ko (a rebuild) does not fit; the copy
 * kept in the store does and is the one used.
 */
static void test_text_store(void **state)
{
	char dir[] = "/tmp/kmdash-decode.XXXXXX", err[512], id[KO_ID_MAX + 1];
	char kept[PATH_MAX];
	struct decode_text_opts o = { .ko = product_ko, .store_dir = dir };
	struct kostore *ks;
	char *out;
	int rc;

	need_file(product_ko);
	need_file(faulty_ko);
	assert_non_null(mkdtemp(dir));
	ks = kostore_open(dir, err, sizeof(err));
	assert_int_equal(kostore_keep(ks, faulty_ko, id, err, sizeof(err)), 0);
	out = run_text("ioctl_oops.kmsg", &o, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(kostore_find(ks, id, kept, sizeof(kept)), 0);
	expect_text(out, "decoded with %s (build id %s)\n", kept, id);
	expect_text(out, "sh_test_fault at %s/%s:%d", root, ENGINE_SRC,
		    marker(ENGINE_SRC, "oops"));
	free(out);

	/* --ko a file of another module: each frame says why not */
	o = (struct decode_text_opts){ .ko = faulty_ko, .ko_only = true };
	out = run_text("warn.kmsg", &o, &rc);
	assert_int_equal(rc, 1);
	expect_text(out,
		    "    -> not decoded: %s is module storage_hash, not "
		    "crashmod\n",
		    faulty_ko);
	free(out);
	unlink(kept);
	kostore_free(ks);
	rmdir(dir);
}

/* A store without a copy yet (a target never deployed to): said, no UB. */
static void test_text_empty_store(void **state)
{
	char dir[] = "/tmp/kmdash-decode.XXXXXX";
	struct decode_text_opts o = { .store_dir = dir };
	char *out;
	int rc;

	assert_non_null(mkdtemp(dir));
	out = run_text("ioctl_oops.kmsg", &o, &rc);
	assert_int_equal(rc, 1);
	expect_text(out, "sh_do_op+0x1a8/0xcf4 [storage_hash]\n");
	free(out);
	rmdir(dir);
}

/* Bytes from the input never reach the terminal raw. */
static void test_text_escapes(void **state)
{
	static const char in_text[] = "evil \x1b]0;title\x07 line\n"
				      " crashmod_init+0x4c/0xf4 [crashmod]\n";
	struct decode_text_opts o = { .ko = crash_ko, .ko_only = true };
	char *out = NULL, err[256];
	size_t len = 0;
	FILE *in, *mem;

	need_file(crash_ko);
	in = fmemopen((void *)in_text, sizeof(in_text) - 1, "r");
	mem = open_memstream(&out, &len);
	assert_int_equal(decode_text(in, mem, &o, NULL, err, sizeof(err)), 0);
	fclose(in);
	fclose(mem);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	expect_text(out, "evil \\x1b]0;title\\x07 line\n");
	free(out);
}

/*
 * A NUL inside a line (a board can send one) is a byte like another: the
 * line was cut there while its length was kept, and the prefix parser
 * read past the copy (ASan: heap-buffer-overflow in trace_strip_prefix).
 */
static void test_text_nul_inside_a_line(void **state)
{
	static const char in_text[] =
		"4,250,4091855,-;CPU: 1 PID: 120 Comm: a\0b Tainted: G "
		"OE 6.1.0-57-arm64 #1 Debian 6.1.192-3 and some more text\n";
	struct decode_text_opts o = { 0 };
	char *out = NULL, err[256];
	size_t len = 0;
	FILE *in, *mem;

	in = fmemopen((void *)in_text, sizeof(in_text) - 1, "r");
	mem = open_memstream(&out, &len);
	decode_text(in, mem, &o, NULL, err, sizeof(err));
	fclose(in);
	fclose(mem);
	expect_text(out, "Comm: a\\x00b Tainted: G OE 6.1.0-57-arm64 #1 "
			 "Debian 6.1.192-3 and some more text\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_text),
		cmocka_unit_test(test_text_unlikely),
		cmocka_unit_test(test_exit_text),
		cmocka_unit_test(test_text_bug),
		cmocka_unit_test(test_return_address),
		cmocka_unit_test(test_noreturn_call),
		cmocka_unit_test(test_multi_file),
		cmocka_unit_test(test_inline_chain),
		cmocka_unit_test(test_agrees_with_eu_addr2line),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_frames_not_ours),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_stale_copy),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_store),
		cmocka_unit_test(test_text_empty_store),
		cmocka_unit_test(test_text_escapes),
		cmocka_unit_test(test_text_nul_inside_a_line),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
