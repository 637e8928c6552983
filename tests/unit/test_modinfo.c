// SPDX-License-Identifier: GPL-2.0
/* .modinfo reader: real layouts parse, hostile files are refused safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/modinfo.h"

static const char modinfo_sec[] =
	"license=GPL\0name=storage_hash\0srcversion=ABCDEF0123456789\0"
	"depends=\0vermagic=6.1.0-56-arm64 SMP mod_unload modversions aarch64";
static const char shstrtab[] = "\0.shstrtab\0.modinfo\0.text";

/* A minimal ELF64 relocatable: header, two sections, section headers. */
static size_t make_ko(unsigned char *buf, size_t cap, uint16_t machine)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t off = sizeof(*eh), str_off, mi_off, sh_off;
	Elf64_Shdr *sh;

	memset(buf, 0, cap);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = machine;
	str_off = off;
	memcpy(buf + off, shstrtab, sizeof(shstrtab));
	off += sizeof(shstrtab);
	mi_off = off;
	memcpy(buf + off, modinfo_sec, sizeof(modinfo_sec));
	off += sizeof(modinfo_sec);
	off = (off + 7) & ~(size_t)7;
	sh_off = off;
	sh = (Elf64_Shdr *)(buf + sh_off);
	/* [0] null, [1] .shstrtab, [2] .modinfo */
	sh[1].sh_name = 1;
	sh[1].sh_offset = str_off;
	sh[1].sh_size = sizeof(shstrtab);
	sh[2].sh_name = 11;
	sh[2].sh_offset = mi_off;
	sh[2].sh_size = sizeof(modinfo_sec);
	eh->e_shoff = sh_off;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 1;
	return sh_off + 3 * sizeof(Elf64_Shdr);
}

static void test_reads_vermagic_srcversion_name(void **state)
{
	unsigned char buf[1024];
	size_t len = make_ko(buf, sizeof(buf), EM_AARCH64);
	struct modinfo mi;
	char err[128], rel[64];

	assert_int_equal(modinfo_parse(buf, len, &mi, err, sizeof(err)), 0);
	assert_string_equal(mi.name, "storage_hash");
	assert_string_equal(mi.srcversion, "ABCDEF0123456789");
	assert_string_equal(mi.machine, "aarch64");
	assert_string_equal(mi.license, "GPL");
	modinfo_vermagic_release(mi.vermagic, rel, sizeof(rel));
	assert_string_equal(rel, "6.1.0-56-arm64");
}

static void test_not_elf_and_not_module(void **state)
{
	unsigned char buf[1024];
	size_t len;
	struct modinfo mi;
	char err[128];

	assert_int_equal(modinfo_parse("hello", 5, &mi, err, sizeof(err)),
			 -ENOEXEC);
	assert_string_equal(err, "not an ELF file");
	len = make_ko(buf, sizeof(buf), EM_X86_64);
	((Elf64_Ehdr *)buf)->e_type = ET_EXEC;
	assert_int_equal(modinfo_parse(buf, len, &mi, err, sizeof(err)),
			 -ENOEXEC);
	assert_non_null(strstr(err, "not a kernel module"));
}

static void test_every_truncation_is_refused_without_overread(void **state)
{
	unsigned char buf[1024];
	size_t len = make_ko(buf, sizeof(buf), EM_AARCH64);
	struct modinfo mi;
	char err[128];

	/* ASan turns any read past the buffer into a failure. */
	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);

		memcpy(copy, buf, cut);
		assert_int_not_equal(
			modinfo_parse(copy, cut, &mi, err, sizeof(err)), 0);
		free(copy);
	}
}

static void test_corrupted_bytes_never_crash(void **state)
{
	unsigned char buf[1024], bad[1024];
	size_t len = make_ko(buf, sizeof(buf), EM_AARCH64);
	struct modinfo mi;
	char err[128];
	uint32_t seed = 12345;

	for (int round = 0; round < 20000; round++) {
		memcpy(bad, buf, len);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245 + 12345;
			bad[(seed >> 8) % len] = (unsigned char)(seed >> 24);
		}
		modinfo_parse(bad, len, &mi, err, sizeof(err));
		assert_true(strlen(mi.vermagic) < sizeof(mi.vermagic));
	}
}

static void test_missing_file_names_it(void **state)
{
	struct modinfo mi;
	char err[256];

	assert_int_equal(modinfo_read("/nonexistent/x.ko", &mi, err,
				      sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.ko"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_vermagic_srcversion_name),
		cmocka_unit_test(test_not_elf_and_not_module),
		cmocka_unit_test(
			test_every_truncation_is_refused_without_overread),
		cmocka_unit_test(test_corrupted_bytes_never_crash),
		cmocka_unit_test(test_missing_file_names_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
