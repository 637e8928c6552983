// SPDX-License-Identifier: GPL-2.0
/*
 * gdb's files: the scripts' text, the paths gdb can take, the sections of
 * the loaded module, and the symbol files (core/module/gdbsyms.h): the
 * module's copy whose function symbols agree with its debug info, and
 * the kernel's symbols from kallsyms. The module tests use the fixture
 * `make fixtures` builds (the engine itself, kmod/storage_hash.c); the
 * expected lines are the source's, found by grep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/module/decode.h"
#include "core/module/gdbinit.h"
#include "core/module/gdbsyms.h"
#include "core/module/trace.h"

#define ENGINE_SRC "kmod/storage_hash.c"

static char faulty_ko[PATH_MAX], tmp[PATH_MAX];

static int setup(void **state)
{
	const char *b = getenv("BUILD");

	if (!b || !*b)
		b = "build";
	snprintf(faulty_ko, sizeof(faulty_ko),
		 "%s/tests/fixtures/kmod_faulty/storage_hash.ko", b);
	snprintf(tmp, sizeof(tmp), "%s/kmdash-gdb-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* Without the cross-built fixture (no embedded target): skipped, not in CI. */
static void need_file(const char *path)
{
	const char *ci = getenv("CI");

	if (access(path, R_OK) && !(ci && !strcmp(ci, "true"))) {
		print_message("SKIP: %s is missing (make fixtures)\n", path);
		skip();
	}
	if (access(path, R_OK))
		fail_msg("%s is missing: run 'make fixtures'", path);
}

/* The first line of file that starts with text, and the function's end. */
static void function_lines(const char *file, const char *head, int *first,
			   int *last)
{
	char buf[1024];
	FILE *f = fopen(file, "r");
	int n = 0;

	*first = *last = 0;
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", file);
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		if (!*first && !strncmp(buf, head, strlen(head)))
			*first = n;
		else if (*first && !*last && !strcmp(buf, "}\n"))
			*last = n;
	}
	fclose(f);
	if (!*first || !*last)
		fail_msg("no function '%s' in %s", head, file);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* --- the scripts --------------------------------------------------------------- */

static void test_gdbinit_text(void **state)
{
	struct gdbinit g = {
		.target = "qemu",
		.module = "storage_hash",
		.socket = "/run/vm-qemu/gdb.sock",
		.kernel_syms = "/state/gdb/kernel-ab.elf",
		.build_dir = "/src/build/kmod",
		.source_dir = "/src/kmod",
		.module_script = "/run/vm-qemu/module.gdb",
	};
	char *t = gdbinit_text(&g), *last;

	assert_non_null(t);
	assert_non_null(strstr(t, "set architecture aarch64\n"));
	assert_non_null(
		strstr(t, "set substitute-path /src/build/kmod /src/kmod\n"));
	assert_non_null(
		strstr(t, "add-symbol-file /state/gdb/kernel-ab.elf\n"));
	/* the module's script, then again in kmdash-reload-symbols */
	assert_int_equal(count(t, "source /run/vm-qemu/module.gdb\n"), 2);
	assert_non_null(strstr(t, "define " GDBINIT_RELOAD "\n"));
	assert_non_null(strstr(t, "document " GDBINIT_RELOAD "\n"));
	/* connected last: a failure to connect leaves the symbols loaded */
	last = strstr(t, "target remote ");
	assert_non_null(last);
	assert_string_equal(last, "target remote /run/vm-qemu/gdb.sock\n");
	assert_true(strstr(t, "source /run/vm-qemu/module.gdb") < last);
	free(t);

	g.kernel_syms = NULL;
	g.build_dir = g.source_dir = NULL;
	t = gdbinit_text(&g);
	assert_null(strstr(t, "add-symbol-file"));
	assert_null(strstr(t, "substitute-path"));
	free(t);
}

static void test_module_text(void **state)
{
	const struct gdb_section secs[] = {
		{ ".data", 0xffff800000d3e0c0 },
		{ ".text", 0xffff800000d3a000 },
		{ ".init.text", 0xffff800000d25000 },
		{ "__param", 0xffff800000d3d970 },
	};
	char *t = gdbinit_module_text("storage_hash", "/s/ab.ko", "ab", secs, 4,
				      NULL);
	char *add;

	assert_non_null(t);
	/* the old symbols go before the new come */
	add = strstr(t, "add-symbol-file /s/ab.ko 0xffff800000d3a000 -s ");
	assert_non_null(add);
	assert_true(strstr(t, "remove-symbol-file -a $kmdash_module_text") <
		    add);
	/* every other section once, .text as the address, not an -s */
	assert_int_equal(count(add, " -s .data 0xffff800000d3e0c0"), 1);
	assert_int_equal(count(add, " -s .init.text 0xffff800000d25000"), 1);
	assert_int_equal(count(add, " -s __param 0xffff800000d3d970"), 1);
	assert_int_equal(count(t, " -s .text "), 0);
	assert_non_null(
		strstr(t, "set $kmdash_module_text = 0xffff800000d3a000\n"));
	free(t);

	/* not loaded: the old ones go, the reason is said in gdb */
	t = gdbinit_module_text("storage_hash", NULL, NULL, NULL, 0,
				"storage_hash is not loaded");
	assert_non_null(t);
	assert_null(strstr(t, "add-symbol-file"));
	assert_non_null(strstr(t, "remove-symbol-file"));
	assert_non_null(strstr(t, "echo kmdash: no symbols of storage_hash: "
				  "storage_hash is not loaded\\n"));
	free(t);

	/* no .text listed: nothing to place the file at */
	assert_null(gdbinit_module_text("storage_hash", "/s/ab.ko", "ab", secs,
					1, NULL));
}

static void test_path_ok(void **state)
{
	assert_true(gdbinit_path_ok("/tmp/kmdash-0/kmdash/vm-qemu/gdb.sock"));
	assert_true(gdbinit_path_ok("/home/me/.local/state/kmdash/q-1/gdb"));
	assert_false(gdbinit_path_ok(NULL));
	assert_false(gdbinit_path_ok("relative/gdb.sock"));
	assert_false(gdbinit_path_ok("/home/my dir/x"));
	assert_false(gdbinit_path_ok("/a\"b"));
	assert_false(gdbinit_path_ok("/a'b"));
	assert_false(gdbinit_path_ok("/a\\b"));
	assert_false(gdbinit_path_ok("/a\nshell rm -rf ~"));
	assert_false(gdbinit_path_ok("/a\tb"));
	assert_false(gdbinit_path_ok("/a$(id)"));
	assert_false(gdbinit_path_ok("/a#b"));
}

static void test_parse_section(void **state)
{
	struct gdb_section s;

	assert_int_equal(
		gdbinit_parse_section(
			"/sys/module/storage_hash/sections/.text:0xffff800000d3a000",
			&s),
		0);
	assert_string_equal(s.name, ".text");
	assert_true(s.addr == 0xffff800000d3a000ull);
	assert_int_equal(
		gdbinit_parse_section(
			"/sys/module/m/sections/__patchable_function_entries:0xffff800000d3e028\r",
			&s),
		0);
	assert_string_equal(s.name, "__patchable_function_entries");
	assert_int_equal(gdbinit_parse_section("kernel 04 00 00 00", &s),
			 -EINVAL);
	assert_int_equal(gdbinit_parse_section("/sys/module/m/sections/.text",
					       &s),
			 -EINVAL);
	assert_int_equal(gdbinit_parse_section("/sys/module/m/sections/:0x10",
					       &s),
			 -EINVAL);
	assert_int_equal(
		gdbinit_parse_section("/sys/module/m/sections/.bss:0x0", &s),
		-EINVAL);
	assert_int_equal(gdbinit_parse_section("/sys/module/m/sections/.bss:zz",
					       &s),
			 -EINVAL);
	assert_int_equal(
		gdbinit_parse_section("/sys/module/m/sections/a b:0x10", &s),
		-EINVAL);
}

/* --- the symbol files ------------------------------------------------------------ */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

#define NOP 0xd503201fu
#define PACIASP 0xd503233fu

static void test_patch_bytes(void **state)
{
	unsigned char c[24];

	put32(c, NOP);
	put32(c + 4, NOP);
	put32(c + 8, PACIASP);
	assert_int_equal(gdbsyms_patch_bytes(c, 12), 8);
	assert_int_equal(gdbsyms_patch_bytes(c + 8, 4), 0);
	assert_int_equal(gdbsyms_patch_bytes(c, 6), 4);
	for (int i = 0; i < 6; i++)
		put32(c + 4 * i, NOP);
	/* no function is only NOPs: ftrace's patch site at most */
	assert_int_equal(gdbsyms_patch_bytes(c, 24), 16);
}

/* sym+0 decoded against ko: its line. */
static int line_at_entry(const char *ko, const char *sym)
{
	struct trace_frame f = { .role = TRACE_FRAME_PC };
	struct decode_frame df;
	struct decoder *d;
	char err[512];
	int line;

	d = decoder_open(ko, NULL, 0, err, sizeof(err));
	if (!d)
		fail_msg("%s: %s", ko, err);
	snprintf(f.sym, sizeof(f.sym), "%s", sym);
	snprintf(f.module, sizeof(f.module), "storage_hash");
	if (decoder_resolve(d, &f, &df) < 0 || !df.nloc)
		fail_msg("%s+0x0 does not decode in %s: %s", sym, ko, df.why);
	line = df.loc[0].line;
	decoder_free(d);
	return line;
}

/*
 * The bug this copy fixes: at sh_ioctl's symbol (its ftrace NOPs) the
 * line table still runs the previous function's last line. In the copy
 * the symbol is where the function's debug info starts: its own line.
 */
static void test_module_copy_symbols_start_at_their_code(void **state)
{
	char copy[PATH_MAX + 16], err[512];
	int first, last, before, after;

	need_file(faulty_ko);
	function_lines(ENGINE_SRC, "static long sh_ioctl(", &first, &last);
	snprintf(copy, sizeof(copy), "%s/copy.ko", tmp);
	assert_int_equal(
		gdbsyms_module(faulty_ko, copy, NULL, 0, err, sizeof(err)), 0);
	before = line_at_entry(faulty_ko, "sh_ioctl");
	after = line_at_entry(copy, "sh_ioctl");
	print_message("sh_ioctl is lines %d-%d; its symbol was at line %d, "
		      "is at line %d\n",
		      first, last, before, after);
	assert_true(before < first);
	assert_true(after >= first && after <= last);
}

/* The sh_addr of section name in ko; fails when there is none. */
static uint64_t section_addr(const char *ko, const char *name)
{
	int fd = open(ko, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;
	uint64_t addr = 0;
	bool found = false;

	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while (!found && (scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		found = n && !strcmp(n, name);
		addr = sh.sh_addr;
	}
	elf_end(elf);
	close(fd);
	if (!found)
		fail_msg("%s has no section %s", ko, name);
	return addr;
}

/*
 * gdb relocates a .ko's debug info with its section addresses and then
 * adds .text's offset alone: the copy lays the sections out as the load
 * did, from the lowest (a function of .exit.text was at .text's place,
 * and named .text's first line, with all of them at 0), none below 0.
 */
static void test_module_copy_has_the_live_layout(void **state)
{
	const uint64_t text = 0xffff800000d25000ull;
	const struct gdb_section secs[] = {
		{ ".text", text },
		{ ".init.text", text - 0x20000 },
		{ ".exit.text", text + 0x3a0 },
	};
	char copy[PATH_MAX + 16], err[512];

	need_file(faulty_ko);
	assert_int_equal(section_addr(faulty_ko, ".exit.text"), 0);
	snprintf(copy, sizeof(copy), "%s/layout.ko", tmp);
	assert_int_equal(
		gdbsyms_module(faulty_ko, copy, secs, 3, err, sizeof(err)), 0);
	assert_int_equal(section_addr(copy, ".init.text"), 0);
	assert_int_equal(section_addr(copy, ".text"), 0x20000);
	assert_int_equal(section_addr(copy, ".exit.text"), 0x203a0);
	/* a section the kernel did not list stays where it was */
	assert_int_equal(section_addr(copy, ".data"),
			 section_addr(faulty_ko, ".data"));
}

static void test_alloc_sections(void **state)
{
	struct gdb_section secs[] = {
		{ ".text", 1 },	     { ".symtab", 2 }, { ".data", 3 },
		{ ".strtab", 4 },    { "__param", 5 }, { ".nonesuch", 6 },
		{ ".init.text", 7 },
	};
	size_t n = sizeof(secs) / sizeof(secs[0]);
	char err[512];

	need_file(faulty_ko);
	assert_int_equal(gdbsyms_alloc_sections(faulty_ko, secs, &n, err,
						sizeof(err)),
			 0);
	/* the kernel keeps the module's symtab: not a section gdb places */
	assert_int_equal(n, 4);
	assert_string_equal(secs[0].name, ".text");
	assert_string_equal(secs[1].name, ".data");
	assert_string_equal(secs[2].name, "__param");
	assert_string_equal(secs[3].name, ".init.text");
	assert_int_equal(secs[3].addr, 7);
}

#define KBASE 0xffff800008000000ull
#define ENTRY_OFF 0x1000
#define BUILD_ID "c0ffee0123456789"

/* A tiny arm64 Image: header, two functions, the entry, a build id. */
static void write_image(const char *path, bool with_id)
{
	static unsigned char img[0x2000];
	FILE *f;

	memset(img, 0, sizeof(img));
	put32(img + 4, 0x14000000u | ((ENTRY_OFF - 4) / 4)); /* b entry */
	memcpy(img + 0x38, "ARM\x64", 4);
	put32(img + 0x100, NOP); /* func_a: ftrace's NOPs */
	put32(img + 0x104, NOP);
	put32(img + 0x108, PACIASP);
	put32(img + 0x200, PACIASP); /* func_b: notrace */
	if (with_id)
		memcpy(img + 0x1800, "\xc0\xff\xee\x01\x23\x45\x67\x89", 8);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(img, sizeof(img), 1, f), 1);
	fclose(f);
}

static const char kallsyms[] = "ffff800008000100 T func_a\n"
			       "ffff800008000200 t func_b\n"
			       "ffff800008000300 t func_b_alias\n"
			       "ffff800008001000 T primary_entry\n"
			       "ffff800008001800 D _etext\n"
			       "ffff800000d3a000 t jhash\t[storage_hash]\n";

/* The symbols of an ELF file by name: value and binding; 0: absent. */
static uint64_t sym_value(const char *elf_path, const char *name, int *bind,
			  size_t *nlocal)
{
	int fd = open(elf_path, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t v = 0;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		*nlocal = sh.sh_info;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;

			gelf_getsym(d, (int)i, &s);
			if (!strcmp(elf_strptr(elf, sh.sh_link, s.st_name),
				    name)) {
				v = s.st_value;
				*bind = (int)GELF_ST_BIND(s.st_info);
			}
		}
	}
	elf_end(elf);
	close(fd);
	return v;
}

static void test_kernel_symbols(void **state)
{
	char img[PATH_MAX + 16], out[PATH_MAX + 16], note[160], err[512];
	size_t nlocal = 0;
	int bind = -1;

	snprintf(img, sizeof(img), "%s/Image", tmp);
	snprintf(out, sizeof(out), "%s/kernel.elf", tmp);
	write_image(img, true);
	assert_int_equal(gdbsyms_kernel(kallsyms, strlen(kallsyms), img,
					BUILD_ID, out, note, sizeof(note), err,
					sizeof(err)),
			 0);
	print_message("%s\n", note);
	/* past its NOPs; the notrace one and the entry stay */
	assert_true(sym_value(out, "func_a", &bind, &nlocal) == KBASE + 0x108);
	assert_int_equal(bind, STB_GLOBAL);
	assert_true(sym_value(out, "func_b", &bind, &nlocal) == KBASE + 0x200);
	assert_int_equal(bind, STB_LOCAL);
	assert_true(sym_value(out, "primary_entry", &bind, &nlocal) ==
		    KBASE + ENTRY_OFF);
	/* the locals first, as ELF wants: null, func_b, func_b_alias */
	assert_int_equal(nlocal, 3);
	/* the module's are the module's file's; data is not code */
	assert_true(sym_value(out, "jhash", &bind, &nlocal) == 0);
	assert_true(sym_value(out, "_etext", &bind, &nlocal) == 0);

	/* an Image of another build moves nothing */
	write_image(img, false);
	assert_int_equal(gdbsyms_kernel(kallsyms, strlen(kallsyms), img,
					BUILD_ID, out, note, sizeof(note), err,
					sizeof(err)),
			 0);
	assert_true(sym_value(out, "func_a", &bind, &nlocal) == KBASE + 0x100);
	assert_non_null(strstr(note, "no kernel Image of this build"));

	/* kptr_restrict: a non-root reader sees zeros */
	assert_int_equal(gdbsyms_kernel("0000000000000000 T func_a\n", 26, NULL,
					NULL, out, note, sizeof(note), err,
					sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "kptr_restrict"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gdbinit_text),
		cmocka_unit_test(test_module_text),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_parse_section),
		cmocka_unit_test(test_patch_bytes),
		cmocka_unit_test(test_module_copy_symbols_start_at_their_code),
		cmocka_unit_test(test_module_copy_has_the_live_layout),
		cmocka_unit_test(test_alloc_sections),
		cmocka_unit_test(test_kernel_symbols),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
