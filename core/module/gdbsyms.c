// SPDX-License-Identifier: GPL-2.0
/*
 * gdb's symbol files: the module's copy with its function symbols past
 * their patch sites, and the kernel's symbols from kallsyms as an ELF
 * file (core/module/gdbsyms.h says why).
 */
#include "core/module/gdbsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define A64_NOP 0xd503201fu
/* ftrace puts 2; room for the 4 of newer kernels (2 of them before) */
#define MAX_PATCH_NOPS 4
/* arm64 Image header: "ARM\x64" at 0x38, code1 a branch to the entry */
#define IMAGE_MAGIC_OFF 0x38
#define IMAGE_MAGIC 0x644d5241u

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

size_t gdbsyms_patch_bytes(const unsigned char *code, size_t len)
{
	size_t n = 0;

	while (n / 4 < MAX_PATCH_NOPS && n + 4 <= len &&
	       le32(code + n) == A64_NOP)
		n += 4;
	return n;
}

/* --- the module -------------------------------------------------------------- */

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t r;

	if (in < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", from,
			 strerror(errno));
		return rc;
	}
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", to,
			 strerror(errno));
		close(in);
		return rc;
	}
	while (!rc && (r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0 || write(out, buf, (size_t)r) != r)
			rc = -EIO;
	}
	if (close(out) < 0 && !rc)
		rc = -EIO;
	close(in);
	if (rc)
		snprintf(err, errlen, "cannot copy %s to %s", from, to);
	return rc;
}

/* Moves the function symbols of one symbol table; the count moved. */
static int move_symbols(Elf *elf, Elf_Scn *symscn, const GElf_Shdr *symsh)
{
	Elf_Data *syms = elf_getdata(symscn, NULL);
	size_t n = symsh->sh_entsize ? symsh->sh_size / symsh->sh_entsize : 0;
	int moved = 0;

	for (size_t i = 0; syms && i < n; i++) {
		GElf_Sym sym;
		GElf_Shdr sh;
		Elf_Scn *code;
		Elf_Data *data;
		size_t skip;

		if (!gelf_getsym(syms, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
			continue;
		code = elf_getscn(elf, sym.st_shndx);
		if (!code || !gelf_getshdr(code, &sh) ||
		    sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) ||
		    !(data = elf_getdata(code, NULL)) ||
		    sym.st_value >= data->d_size)
			continue;
		skip = gdbsyms_patch_bytes((const unsigned char *)data->d_buf +
						   sym.st_value,
					   data->d_size - sym.st_value);
		if (!skip || skip >= sym.st_size)
			continue;
		sym.st_value += skip;
		sym.st_size -= skip;
		gelf_update_sym(syms, (int)i, &sym);
		moved++;
	}
	if (moved)
		elf_flagdata(syms, ELF_C_SET, ELF_F_DIRTY);
	return moved;
}

/*
 * Each section of secs at its live address less the lowest of them: the
 * layout the module has in memory. gdb relocates a relocatable file's
 * debug info with its section addresses and then adds one offset to all
 * of it, .text's (its live address less its address in the file): with
 * every section at 0, a function of .init.text or .exit.text took
 * .text's place and line. Not relative to .text: a section below it
 * would wrap around, which gdb's lookup of a pc's symbol table does not
 * take (it printed frames there without their lines). The count placed.
 */
static int place_sections(Elf *elf, const struct gdb_section *secs, size_t n)
{
	uint64_t base = UINT64_MAX;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int placed = 0;

	for (size_t i = 0; i < n; i++)
		if (secs[i].addr < base)
			base = secs[i].addr;
	if (!n || elf_getshdrstrndx(elf, &shstrndx) < 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		for (size_t i = 0; name && i < n; i++) {
			if (strcmp(secs[i].name, name))
				continue;
			sh.sh_addr = secs[i].addr - base;
			gelf_update_shdr(scn, &sh);
			elf_flagshdr(scn, ELF_C_SET, ELF_F_DIRTY);
			placed++;
			break;
		}
	}
	return placed;
}

int gdbsyms_module(const char *ko, const char *out,
		   const struct gdb_section *secs, size_t n, char *err,
		   size_t errlen)
{
	char tmp[PATH_MAX];
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	rc = copy_file(ko, tmp, err, errlen);
	if (rc)
		return rc;
	elf_version(EV_CURRENT);
	fd = open(tmp, O_RDWR | O_CLOEXEC);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_RDWR, NULL) : NULL;
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s is not an ELF file", ko);
		rc = -EINVAL;
		goto out;
	}
	/* the file's layout stays: symbol values and addresses change */
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			move_symbols(elf, scn, &sh);
	place_sections(elf, secs, n);
	if (elf_update(elf, ELF_C_WRITE) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 elf_errmsg(-1));
		rc = -EIO;
	}
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	if (!rc && rename(tmp, out) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, out,
			 strerror(errno));
	}
	if (rc)
		unlink(tmp);
	return rc;
}

int gdbsyms_alloc_sections(const char *ko, struct gdb_section *secs, size_t *n,
			   char *err, size_t errlen)
{
	size_t shstrndx, kept = 0;
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	Elf *elf;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", ko,
			 strerror(errno));
		return -errno;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) < 0) {
		snprintf(err, errlen, "%s is not an ELF file", ko);
		if (elf)
			elf_end(elf);
		close(fd);
		return -EINVAL;
	}
	for (size_t i = 0; i < *n; i++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;
		bool alloc = false;

		while (!alloc && (scn = elf_nextscn(elf, scn))) {
			const char *name;

			if (!gelf_getshdr(scn, &sh))
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			alloc = name && !strcmp(name, secs[i].name) &&
				(sh.sh_flags & SHF_ALLOC);
		}
		if (alloc)
			secs[kept++] = secs[i];
	}
	*n = kept;
	elf_end(elf);
	close(fd);
	return 0;
}

/* --- the kernel ------------------------------------------------------------------ */

struct ksym {
	uint64_t addr;
	const char *name; /* into the kallsyms text */
	size_t len;
	bool global;
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The text symbols of the kernel proper, in kallsyms order. */
static struct ksym *parse_kallsyms(const char *text, size_t len, size_t *n)
{
	struct ksym *v = NULL;
	size_t cap = 0;
	const char *p = text, *end = text + len;

	*n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		const char *le = nl ? nl : end;
		char *after;
		uint64_t addr = strtoull(p, &after, 16);
		char type;

		q = after;
		if (q + 3 < le && q[0] == ' ' && q[2] == ' ') {
			type = q[1];
			q += 3;
			/* "name\t[module]": the module's, not the kernel's */
			if (strchr("tTwW", type) && !memchr(q, '\t', le - q) &&
			    q < le) {
				if (*n == cap) {
					struct ksym *nv;

					cap = cap ? cap * 2 : 4096;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv) {
						free(v);
						return NULL;
					}
					v = nv;
				}
				v[(*n)++] = (struct ksym){
					addr, q, (size_t)(le - q),
					type == 'T' || type == 'W'
				};
			}
		}
		p = nl ? nl + 1 : end;
	}
	return v ? v : calloc(1, sizeof(*v));
}

struct image {
	const unsigned char *b;
	size_t len;
	uint64_t text; /* the VA of _text, the Image's first byte */
};

static bool hex_bytes(const char *hex, unsigned char *out, size_t *n)
{
	size_t l = strlen(hex);

	if (!l || l % 2 || l / 2 > 64)
		return false;
	for (size_t i = 0; i < l / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (unsigned char)v;
	}
	*n = l / 2;
	return true;
}

/*
 * Maps the Image when it is the running kernel: it holds the kernel's
 * build id, and its header's branch to the entry (code1) places it, as
 * primary_entry (stext before 5.8) is in kallsyms.
 */
static bool image_open(struct image *im, const char *path, const char *id,
		       const struct ksym *s, size_t n)
{
	unsigned char want[64];
	size_t idlen;
	struct stat st;
	uint32_t code1;
	uint64_t entry = 0;
	int fd;
	void *m;

	memset(im, 0, sizeof(*im));
	if (!path || !id || !hex_bytes(id, want, &idlen))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	m = fstat(fd, &st) == 0 && st.st_size > 0x40 ?
		    mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0) :
		    MAP_FAILED;
	close(fd);
	if (m == MAP_FAILED)
		return false;
	im->b = m;
	im->len = (size_t)st.st_size;
	code1 = le32(im->b + 4);
	for (size_t i = 0; i < n && !entry; i++)
		if ((s[i].len == 13 &&
		     !memcmp(s[i].name, "primary_entry", 13)) ||
		    (s[i].len == 5 && !memcmp(s[i].name, "stext", 5)))
			entry = s[i].addr;
	/* "b imm26": the entry is 4 + imm26 * 4 bytes into the Image */
	if (le32(im->b + IMAGE_MAGIC_OFF) != IMAGE_MAGIC ||
	    (code1 >> 26) != 0x05 || !entry ||
	    !memmem(im->b, im->len, want, idlen)) {
		munmap((void *)im->b, im->len);
		memset(im, 0, sizeof(*im));
		return false;
	}
	im->text = entry - (4 + (uint64_t)(code1 & 0x3ffffff) * 4);
	return true;
}

static size_t image_patch_bytes(const struct image *im, uint64_t addr)
{
	if (!im->b || addr < im->text || addr - im->text >= im->len)
		return 0;
	return gdbsyms_patch_bytes(im->b + (addr - im->text),
				   im->len - (size_t)(addr - im->text));
}

/* .shstrtab's names and where each starts */
static const char shstrtab[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
enum { SH_TEXT = 1, SH_SYMTAB = 7, SH_STRTAB = 15, SH_SHSTRTAB = 23 };

static Elf_Scn *add_section(Elf *elf, uint32_t name, uint32_t type,
			    uint64_t flags, uint64_t addr, void *buf,
			    size_t size, size_t entsize)
{
	Elf_Scn *scn = elf_newscn(elf);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	GElf_Shdr sh;

	if (!d || !gelf_getshdr(scn, &sh))
		return NULL;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type == SHT_SYMTAB ? ELF_T_SYM : ELF_T_BYTE;
	d->d_align = type == SHT_SYMTAB ? 8 : 1;
	sh.sh_name = name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addr = addr;
	sh.sh_entsize = entsize;
	sh.sh_addralign = type == SHT_NOBITS ? 4 : d->d_align;
	gelf_update_shdr(scn, &sh);
	return scn;
}

static int write_elf(const char *out, const struct ksym *s, size_t n,
		     const struct image *im, size_t *moved, char *err,
		     size_t errlen)
{
	Elf64_Sym *syms = calloc(n + 1, sizeof(*syms));
	size_t strsz = 1, nlocal = 1, at, str = 1;
	char *strs, tmp[PATH_MAX];
	uint64_t lo = s[0].addr, hi = s[n - 1].addr + 4;
	Elf_Scn *symscn, *strscn, *shscn;
	GElf_Shdr sh;
	GElf_Ehdr eh;
	Elf *elf = NULL;
	int fd = -1, rc = -EIO;

	for (size_t i = 0; i < n; i++) {
		strsz += s[i].len + 1;
		nlocal += !s[i].global;
	}
	strs = malloc(strsz);
	if (!syms || !strs) {
		free(syms);
		free(strs);
		return -ENOMEM;
	}
	strs[0] = '\0';
	*moved = 0;
	/* the locals first, as ELF wants; then the globals */
	at = 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0, j = 0; i < n; i++) {
			uint64_t next;
			size_t skip;
			Elf64_Sym *y;

			if (s[i].global != (pass == 1))
				continue;
			/* aliases share an address: the next one after it */
			if (j <= i)
				j = i + 1;
			while (j < n && s[j].addr == s[i].addr)
				j++;
			next = j < n ? s[j].addr : s[i].addr + 4;
			skip = image_patch_bytes(im, s[i].addr);
			if (skip >= next - s[i].addr)
				skip = 0;
			*moved += skip != 0;
			y = &syms[at++];
			y->st_name = (uint32_t)str;
			memcpy(strs + str, s[i].name, s[i].len);
			str += s[i].len;
			strs[str++] = '\0';
			y->st_info = ELF64_ST_INFO(
				s[i].global ? STB_GLOBAL : STB_LOCAL, STT_FUNC);
			y->st_shndx = 1;
			y->st_value = s[i].addr + skip;
			y->st_size = next > s[i].addr + skip ?
					     next - s[i].addr - skip :
					     4;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
	elf_version(EV_CURRENT);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_WRITE, NULL) : NULL;
	if (!elf || !gelf_newehdr(elf, ELFCLASS64) || !gelf_getehdr(elf, &eh))
		goto out;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_AARCH64;
	eh.e_version = EV_CURRENT;
	gelf_update_ehdr(elf, &eh);
	if (!add_section(elf, SH_TEXT, SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR,
			 lo, NULL, hi - lo, 0))
		goto out;
	symscn = add_section(elf, SH_SYMTAB, SHT_SYMTAB, 0, 0, syms,
			     (n + 1) * sizeof(*syms), sizeof(*syms));
	strscn = add_section(elf, SH_STRTAB, SHT_STRTAB, 0, 0, strs, strsz, 0);
	shscn = add_section(elf, SH_SHSTRTAB, SHT_STRTAB, 0, 0,
			    (void *)shstrtab, sizeof(shstrtab), 0);
	if (!symscn || !strscn || !shscn || !gelf_getshdr(symscn, &sh))
		goto out;
	sh.sh_link = (uint32_t)elf_ndxscn(strscn);
	sh.sh_info = (uint32_t)nlocal;
	gelf_update_shdr(symscn, &sh);
	eh.e_shstrndx = (uint16_t)elf_ndxscn(shscn);
	gelf_update_ehdr(elf, &eh);
	if (elf_update(elf, ELF_C_WRITE) >= 0)
		rc = 0;
out:
	if (rc)
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 elf_errmsg(-1));
	if (elf)
		elf_end(elf);
	if (fd >= 0 && close(fd) < 0 && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, out) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, out,
			 strerror(errno));
	}
	if (rc)
		unlink(tmp);
	free(syms);
	free(strs);
	return rc;
}

int gdbsyms_kernel(const char *kallsyms, size_t len, const char *image,
		   const char *kernel_id, const char *out, char *note,
		   size_t ncap, char *err, size_t errlen)
{
	struct image im;
	struct ksym *s;
	size_t n, moved = 0;
	int rc;

	s = parse_kallsyms(kallsyms, len, &n);
	if (!s)
		return -ENOMEM;
	if (!n || !s[0].addr) {
		snprintf(
			err, errlen,
			n ? "/proc/kallsyms shows no addresses (kptr_restrict: read it as root)" :
			    "/proc/kallsyms has no text symbols");
		free(s);
		return -ENOENT;
	}
	qsort(s, n, sizeof(*s), by_addr);
	image_open(&im, image, kernel_id, s, n);
	rc = write_elf(out, s, n, &im, &moved, err, errlen);
	if (!rc)
		snprintf(
			note, ncap,
			"%zu kernel symbols, %zu past their ftrace NOPs%s%s", n,
			moved, im.b ? "" : " (no kernel Image of this build: ",
			im.b ? "" :
			       "backtraces may stop at the first kernel frame)");
	if (im.b)
		munmap((void *)im.b, im.len);
	free(s);
	return rc;
}
