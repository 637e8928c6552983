// SPDX-License-Identifier: GPL-2.0
/*
 * .modinfo reader. The file is untrusted input: every offset and size is
 * checked against the buffer before use.
 */
#include "core/module/modinfo.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODINFO_MAX_FILE (256u << 20)

struct section {
	uint64_t name, offset, size;
};

static int fail(char *err, size_t errlen, int code, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return code;
}

static uint16_t rd16(const unsigned char *p, int be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const unsigned char *p, int be)
{
	return be ? (uint32_t)rd16(p, 1) << 16 | rd16(p + 2, 1) :
		    (uint32_t)rd16(p + 2, 0) << 16 | rd16(p, 0);
}

static uint64_t rd64(const unsigned char *p, int be)
{
	return be ? (uint64_t)rd32(p, 1) << 32 | rd32(p + 4, 1) :
		    (uint64_t)rd32(p + 4, 0) << 32 | rd32(p, 0);
}

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_AARCH64:
		return "aarch64";
	case EM_X86_64:
		return "x86_64";
	case EM_ARM:
		return "arm";
	case EM_386:
		return "i386";
	case EM_RISCV:
		return "riscv";
	default:
		return "unknown";
	}
}

static int read_section(const unsigned char *b, size_t len, int is64, int be,
			uint64_t shoff, uint16_t shentsize, unsigned int i,
			struct section *s)
{
	uint64_t at = shoff + (uint64_t)i * shentsize;

	if (at > len || len - at < shentsize)
		return -1;
	if (is64) {
		s->name = rd32(b + at, be);
		s->offset = rd64(b + at + 24, be);
		s->size = rd64(b + at + 32, be);
	} else {
		s->name = rd32(b + at, be);
		s->offset = rd32(b + at + 16, be);
		s->size = rd32(b + at + 20, be);
	}
	if (s->offset > len || s->size > len - s->offset)
		return -1;
	return 0;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t vlen)
{
	if (vlen >= cap)
		vlen = cap - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static void take_entry(struct modinfo *mi, const char *e, size_t elen)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} keys[] = {
		{ "name=", offsetof(struct modinfo, name), sizeof(mi->name) },
		{ "vermagic=", offsetof(struct modinfo, vermagic),
		  sizeof(mi->vermagic) },
		{ "srcversion=", offsetof(struct modinfo, srcversion),
		  sizeof(mi->srcversion) },
		{ "depends=", offsetof(struct modinfo, depends),
		  sizeof(mi->depends) },
		{ "license=", offsetof(struct modinfo, license),
		  sizeof(mi->license) },
	};

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t kl = strlen(keys[k].key);

		if (elen >= kl && memcmp(e, keys[k].key, kl) == 0) {
			copy_value((char *)mi + keys[k].off, keys[k].cap,
				   e + kl, elen - kl);
			return;
		}
	}
}

int modinfo_parse(const void *buf, size_t len, struct modinfo *mi, char *err,
		  size_t errlen)
{
	const unsigned char *b = buf;
	int is64, be;
	uint64_t shoff;
	uint16_t shentsize, shnum, shstrndx, type;
	struct section strtab, s;

	memset(mi, 0, sizeof(*mi));
	if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, -ENOEXEC, "not an ELF file");
	is64 = b[EI_CLASS] == ELFCLASS64;
	be = b[EI_DATA] == ELFDATA2MSB;
	if ((!is64 && b[EI_CLASS] != ELFCLASS32) ||
	    len < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return fail(err, errlen, -ENOEXEC, "truncated ELF header");
	type = rd16(b + 16, be);
	snprintf(mi->machine, sizeof(mi->machine), "%s",
		 machine_name(rd16(b + 18, be)));
	if (type != ET_REL)
		return fail(
			err, errlen, -ENOEXEC,
			"not a kernel module (ELF file is not relocatable)");
	shoff = is64 ? rd64(b + 40, be) : rd32(b + 32, be);
	shentsize = rd16(b + (is64 ? 58 : 46), be);
	shnum = rd16(b + (is64 ? 60 : 48), be);
	shstrndx = rd16(b + (is64 ? 62 : 50), be);
	if (shentsize < (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) ||
	    shstrndx >= shnum ||
	    read_section(b, len, is64, be, shoff, shentsize, shstrndx, &strtab))
		return fail(err, errlen, -ENOEXEC,
			    "malformed ELF section headers");

	for (unsigned int i = 0; i < shnum; i++) {
		const char *name;

		if (read_section(b, len, is64, be, shoff, shentsize, i, &s))
			return fail(err, errlen, -ENOEXEC,
				    "malformed ELF section header");
		if (s.name >= strtab.size)
			continue;
		name = (const char *)b + strtab.offset + s.name;
		if (strnlen(name, strtab.size - s.name) ==
			    strtab.size - s.name ||
		    strcmp(name, ".modinfo") != 0)
			continue;
		/* NUL-separated key=value entries. */
		for (uint64_t at = 0; at < s.size;) {
			const char *e = (const char *)b + s.offset + at;
			size_t elen = strnlen(e, s.size - at);

			if (elen)
				take_entry(mi, e, elen);
			at += elen + 1;
		}
		if (!mi->vermagic[0])
			return fail(err, errlen, -ENOEXEC,
				    "the module has no vermagic");
		return 0;
	}
	return fail(err, errlen, -ENOEXEC,
		    "no .modinfo section: not a kernel module");
}

int modinfo_read(const char *path, struct modinfo *mi, char *err, size_t errlen)
{
	struct stat st;
	void *buf;
	ssize_t n;
	size_t got = 0;
	int fd, r;
	char why[160];

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > MODINFO_MAX_FILE) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file of sane size",
			 path);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, (char *)buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	r = modinfo_parse(buf, got, mi, why, sizeof(why));
	if (r)
		snprintf(err, errlen, "%s: %s", path, why);
	free(buf);
	return r;
}

void modinfo_vermagic_release(const char *vermagic, char *out, size_t len)
{
	size_t n = strcspn(vermagic, " ");

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, vermagic, n);
	out[n] = '\0';
}
