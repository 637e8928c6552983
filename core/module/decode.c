// SPDX-License-Identifier: GPL-2.0
/*
 * Trace frames to source lines with elfutils' libdwfl/libdw, the way
 * eu-addr2line resolves "sym+off" and the kernel's scripts/faddr2line
 * treats modules: the symbol is looked up by name (a .ko's sections all
 * start at 0, so only the symbol's own section places an offset), the
 * address comes from libdwfl's layout of the relocatable file, and
 * dwarf_getscopes() gives the inline chain.
 *
 * Opening reads the symbol table; the DWARF (which libdwfl relocates for
 * a .ko) is loaded on the first frame resolved, so checking candidate
 * files against a trace costs no DWARF work.
 */
#include "core/module/decode.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/module/decode_int.h"

struct decoder;
static int decode_lines(struct decoder *d, Dwarf_Addr addr, const char *sym,
			struct decode_frame *out);

/* A code symbol of the file, where libdwfl placed it. */
struct dsym {
	const char *name;
	GElf_Addr addr; /* in libdwfl's layout */
	GElf_Xword size; /* ELF st_size */
	GElf_Xword span; /* to the next symbol of its section, or its end */
	GElf_Addr secoff; /* offset in its section */
	GElf_Word shndx;
	bool last; /* no symbol follows in its section */
	bool func;
};

struct decoder {
	char *path;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Elf *elf;
	GElf_Half machine;
	char build_id[2 * 64 + 1];
	char module[TRACE_MOD_MAX];
	struct dsym *syms; /* sorted by name */
	size_t nsyms;
	struct decode_map *maps;
	size_t nmaps;
	bool dwarf_tried;
	struct decode_dwarf *dwarf;
	char dwarf_err[256];
};

/* libdwfl asks where separate debug info is: never elsewhere (no
 * debuginfod, no /usr/lib/debug): the file given is the one to use. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *name,
			Dwarf_Addr base, const char *file, const char *link,
			GElf_Word crc, char **debuginfo_path)
{
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = no_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* The reason a frame was not decoded (cut to fit, which is fine). */
static void set_why(struct decode_frame *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_why(struct decode_frame *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* --- opening --------------------------------------------------------------- */

static int report(struct decoder *d, char *err, size_t errlen)
{
	GElf_Addr bias;
	GElf_Ehdr eh;

	d->dwfl = dwfl_begin(&offline_callbacks);
	if (!d->dwfl)
		goto fail;
	dwfl_report_begin(d->dwfl);
	d->mod = dwfl_report_offline(d->dwfl, base_name(d->path), d->path, -1);
	dwfl_report_end(d->dwfl, NULL, NULL);
	if (!d->mod)
		goto fail;
	d->elf = dwfl_module_getelf(d->mod, &bias);
	if (!d->elf || !gelf_getehdr(d->elf, &eh))
		goto fail;
	d->machine = eh.e_machine;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", d->path, dwfl_errmsg(-1));
	return -EINVAL;
}

static Elf_Scn *section_named(Elf *elf, const char *want)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name =
			gelf_getshdr(scn, &sh) ?
				elf_strptr(elf, shstrndx, sh.sh_name) :
				NULL;

		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

/* .modinfo holds NUL-separated "key=value" strings; "name=" is ours. */
static void read_module_name(struct decoder *d)
{
	Elf_Scn *scn = section_named(d->elf, ".modinfo");
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	const char *p, *end;

	if (!data || !data->d_buf)
		return;
	p = data->d_buf;
	end = p + data->d_size;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (n > 5 && !memcmp(p, "name=", 5)) {
			snprintf(d->module, sizeof(d->module), "%.*s",
				 (int)(n - 5), p + 5);
			return;
		}
		p += n + 1;
	}
}

static void read_build_id(struct decoder *d)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(d->mod, &bits, &vaddr);

	for (int i = 0; i < n && 2 * i + 2 < (int)sizeof(d->build_id); i++)
		sprintf(d->build_id + 2 * i, "%02x", bits[i]);
}

/* ARM's "$x", "$d.12" mark code and data, they are not functions. */
static bool mapping_symbol(const char *name)
{
	return name[0] == '$' && name[1] && (name[2] == '\0' || name[2] == '.');
}

static bool code_section(Elf *elf, GElf_Word shndx, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf_getscn(elf, shndx);

	return scn && gelf_getshdr(scn, sh) && (sh->sh_flags & SHF_EXECINSTR);
}

/* The symbols that kallsyms would count, in code sections. */
static int add_symbol(struct decoder *d, int i, size_t *cap)
{
	GElf_Sym sym;
	GElf_Addr addr;
	GElf_Word shndx;
	GElf_Shdr sh;
	Elf *elf;
	Dwarf_Addr bias;
	const char *name = dwfl_module_getsym_info(d->mod, i, &sym, &addr,
						   &shndx, &elf, &bias);
	int type = name ? GELF_ST_TYPE(sym.st_info) : STT_NOTYPE;

	if (!name || !*name || type == STT_SECTION || type == STT_FILE ||
	    shndx == SHN_UNDEF || mapping_symbol(name) ||
	    !code_section(elf, shndx, &sh))
		return 0;
	if (d->nsyms == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct dsym *ns = realloc(d->syms, nc * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		d->syms = ns;
		*cap = nc;
	}
	d->syms[d->nsyms++] = (struct dsym){
		.name = name,
		.addr = addr,
		.size = sym.st_size,
		.secoff = addr - bias - sh.sh_addr,
		.shndx = shndx,
		.span = sh.sh_size - (addr - bias - sh.sh_addr),
		.func = type == STT_FUNC || type == STT_GNU_IFUNC,
	};
	return 0;
}

static int by_place(const void *a, const void *b)
{
	const struct dsym *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->secoff < y->secoff ? -1 : x->secoff > y->secoff;
}

static int by_name(const void *a, const void *b)
{
	const struct dsym *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * What kallsyms prints as a symbol's size: the distance to the next
 * symbol. Known here within the section; the last one's runs to the
 * section end at least (add_symbol's default).
 */
static void compute_spans(struct decoder *d)
{
	qsort(d->syms, d->nsyms, sizeof(*d->syms), by_place);
	for (size_t i = 0; i < d->nsyms; i++) {
		size_t j = i + 1;

		while (j < d->nsyms && d->syms[j].shndx == d->syms[i].shndx &&
		       d->syms[j].secoff == d->syms[i].secoff)
			j++; /* aliases: init_module and crashmod_init */
		d->syms[i].last = j == d->nsyms ||
				  d->syms[j].shndx != d->syms[i].shndx;
		if (!d->syms[i].last)
			d->syms[i].span = d->syms[j].secoff - d->syms[i].secoff;
	}
	qsort(d->syms, d->nsyms, sizeof(*d->syms), by_name);
}

static int read_symbols(struct decoder *d, char *err, size_t errlen)
{
	int n = dwfl_module_getsymtab(d->mod);
	size_t cap = 0;

	if (n < 0) {
		snprintf(err, errlen, "%s has no symbol table: %s", d->path,
			 dwfl_errmsg(-1));
		return -EINVAL;
	}
	for (int i = 1; i < n; i++)
		if (add_symbol(d, i, &cap))
			return -ENOMEM;
	compute_spans(d);
	return 0;
}

static int copy_maps(struct decoder *d, const struct decode_map *maps, size_t n)
{
	d->maps = calloc(n ? n : 1, sizeof(*maps));
	if (!d->maps)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		d->maps[i].from = strdup(maps[i].from);
		d->maps[i].to = strdup(maps[i].to);
		d->nmaps++;
		if (!d->maps[i].from || !d->maps[i].to)
			return -ENOMEM;
	}
	return 0;
}

/* Plain checks first, for messages in words: libdwfl's are terse. */
static int check_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char magic[4];
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != 4 || memcmp(magic, ELFMAG, SELFMAG)) {
		snprintf(err, errlen,
			 "%s is not an ELF file (a .ko or vmlinux)", path);
		return -EINVAL;
	}
	return 0;
}

struct decoder *decoder_open(const char *path, const struct decode_map *maps,
			     size_t nmaps, char *err, size_t errlen)
{
	struct decoder *d;

	if (check_file(path, err, errlen))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path)) || copy_maps(d, maps, nmaps)) {
		snprintf(err, errlen, "out of memory opening %s", path);
		decoder_free(d);
		return NULL;
	}
	if (report(d, err, errlen) || read_symbols(d, err, errlen)) {
		decoder_free(d);
		return NULL;
	}
	if (!section_named(d->elf, ".debug_info")) {
		snprintf(
			err, errlen,
			"%s has no debug info (stripped?): decode with the unstripped file the build made",
			base_name(path));
		decoder_free(d);
		return NULL;
	}
	read_build_id(d);
	read_module_name(d);
	return d;
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	decode_dwarf_free(d->dwarf);
	if (d->dwfl)
		dwfl_end(d->dwfl);
	for (size_t i = 0; i < d->nmaps; i++) {
		free((char *)d->maps[i].from);
		free((char *)d->maps[i].to);
	}
	free(d->maps);
	free(d->syms);
	free(d->path);
	free(d);
}

const char *decoder_path(const struct decoder *d)
{
	return d->path;
}

const char *decoder_build_id(const struct decoder *d)
{
	return d->build_id;
}

const char *decoder_module(const struct decoder *d)
{
	return d->module;
}

/* --- choosing the symbol ------------------------------------------------------ */

/* How far back from a return address the call instruction starts. */
static unsigned int call_back(GElf_Half machine)
{
	switch (machine) {
	case EM_AARCH64:
	case EM_ARM: /* any byte of the call gives its line */
		return 4;
	default: /* x86 and variable-length ISAs: faddr2line's -1 */
		return 1;
	}
}

static bool is_return_address(const struct trace_frame *f)
{
	return f->role != TRACE_FRAME_PC;
}

/* The file bytes of a code symbol's section at secoff, or NULL. */
static const uint8_t *code_at(struct decoder *d, const struct dsym *s,
			      GElf_Addr secoff, size_t n)
{
	Elf_Scn *scn = elf_getscn(d->elf, s->shndx);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	if (!data || !data->d_buf || data->d_type != ELF_T_BYTE ||
	    secoff + n > data->d_size)
		return NULL;
	return (const uint8_t *)data->d_buf + secoff;
}

/* arm64: BL, BLR and the pointer-authenticated BLRAA/BLRAB(Z). */
static bool arm64_call(uint32_t w)
{
	return (w & 0xfc000000u) == 0x94000000u ||
	       (w & 0xfffffc1fu) == 0xd63f0000u ||
	       (w & 0xfffff81fu) == 0xd63f081fu ||
	       (w & 0xfffff800u) == 0xd73f0800u;
}

/*
 * Whether a relocation patches bytes [off, off + len) of section shndx:
 * a .ko's file holds those bytes before the loader fixed them. Code
 * relocations patch 4 bytes (an instruction's field, a PC32 operand).
 */
static bool has_reloc(Elf *elf, GElf_Word shndx, GElf_Addr off, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_info != shndx ||
		    (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela ra;
			GElf_Rel r;
			GElf_Addr at;

			if (sh.sh_type == SHT_RELA)
				at = gelf_getrela(data, (int)i, &ra) ?
					     ra.r_offset :
					     (GElf_Addr)-1;
			else
				at = gelf_getrel(data, (int)i, &r) ?
					     r.r_offset :
					     (GElf_Addr)-1;
			if (at + 4 > off && at < off + len)
				return true;
		}
	}
	return false;
}

/* How well a candidate's instructions agree with the frame. */
enum agree { AGREE_NO, AGREE_UNKNOWN, AGREE_YES };

/* A pc frame's bytes, from the trace's "Code:" line, are in the file. */
static enum agree code_agrees(struct decoder *d, const struct dsym *s,
			      const struct trace_frame *f)
{
	const uint8_t *p;

	if (!f->insn_len ||
	    has_reloc(d->elf, s->shndx, s->secoff + f->off, f->insn_len))
		return AGREE_UNKNOWN;
	p = code_at(d, s, s->secoff + f->off, f->insn_len);
	if (!p)
		return AGREE_UNKNOWN;
	return memcmp(p, f->insn, f->insn_len) ? AGREE_NO : AGREE_YES;
}

/*
 * Whether the instructions at a candidate agree with the frame: a pc
 * holds the "Code:" bytes; a return address follows a call (checked on
 * arm64, where a call is one fixed-size instruction).
 */
static enum agree insn_agrees(struct decoder *d, const struct dsym *s,
			      const struct trace_frame *f)
{
	const uint8_t *p;
	uint32_t w;

	if (!is_return_address(f))
		return code_agrees(d, s, f);
	if (d->machine != EM_AARCH64 || f->off < 4)
		return AGREE_UNKNOWN;
	p = code_at(d, s, s->secoff + f->off - 4, 4);
	if (!p)
		return AGREE_UNKNOWN;
	memcpy(&w, p, 4); /* a little-endian host, as arm64 kernels are */
	return arm64_call(w) ? AGREE_YES : AGREE_NO;
}

/* The symbol and offset fit the trace's "+0xoff/0xsize". */
static int fits(const struct dsym *s, const struct trace_frame *f)
{
	GElf_Xword end = s->size ? s->size : s->span;

	if (f->size && (s->last ? f->size < s->span : f->size != s->span))
		return -ESTALE;
	/* a return address may be one past the end: a call that never
	 * returns (panic) as the function's last instruction */
	if (is_return_address(f) ? f->off > end : f->off >= end)
		return -ENOENT;
	return 0;
}

static size_t first_named(const struct decoder *d, const char *name)
{
	size_t lo = 0, hi = d->nsyms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(d->syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define MAX_CANDIDATES 16

struct choice {
	const struct dsym *s; /* the one decoded */
	const struct dsym *sized; /* one of that name but another size */
	size_t fit; /* how many fit size and offset */
	size_t best; /* how many agree as well as the one decoded */
};

/* The functions of that name whose size and offset fit the frame. */
static size_t candidates(struct decoder *d, const struct trace_frame *f,
			 const struct dsym **out, struct choice *c)
{
	size_t n = 0, i = first_named(d, f->sym);

	for (; i < d->nsyms && !strcmp(d->syms[i].name, f->sym); i++) {
		const struct dsym *s = &d->syms[i];
		int r = s->func ? fits(s, f) : -ENOENT;

		if (r == -ESTALE && !c->sized)
			c->sized = s;
		if (!r && n < MAX_CANDIDATES)
			out[n++] = s;
	}
	return n;
}

/*
 * The function a frame names. Several may fit (static functions of the
 * same name in two files of the module): the instructions then decide;
 * when they cannot, the first is taken and the choice is ambiguous.
 * Returns 0, -ENOENT, or -ESTALE when only another build would fit (the
 * size differs, or the pc's instruction is not the trace's).
 */
static int pick(struct decoder *d, const struct trace_frame *f,
		struct choice *c)
{
	const struct dsym *cand[MAX_CANDIDATES];
	enum agree top = AGREE_NO;

	memset(c, 0, sizeof(*c));
	c->fit = candidates(d, f, cand, c);
	for (size_t i = 0; i < c->fit; i++) {
		enum agree a = insn_agrees(d, cand[i], f);

		if (!c->s || a > top) {
			c->s = cand[i];
			top = a;
			c->best = 1;
		} else if (a == top) {
			c->best++;
		}
	}
	/* the only one, and the Code: line says it is not what ran */
	if (c->fit == 1 && top == AGREE_NO && !is_return_address(f))
		return -ESTALE;
	if (c->s)
		return 0;
	return c->sized ? -ESTALE : -ENOENT;
}

static void say_why(struct decoder *d, const struct trace_frame *f,
		    const struct choice *c, int rc, struct decode_frame *out)
{
	size_t i = first_named(d, f->sym);

	if (rc == -ESTALE && c->fit)
		set_why(out,
			"the instruction at %s+%#llx in %s is not the one the trace shows: another build of it ran",
			f->sym, (unsigned long long)f->off, base_name(d->path));
	else if (rc == -ESTALE)
		set_why(out,
			"%s is %#llx bytes in %s, %#llx in the trace: another build of it ran",
			f->sym, (unsigned long long)c->sized->span,
			base_name(d->path), (unsigned long long)f->size);
	else if (i < d->nsyms && !strcmp(d->syms[i].name, f->sym))
		set_why(out, "%s+%#llx lies outside %s in %s", f->sym,
			(unsigned long long)f->off, f->sym, base_name(d->path));
	else
		set_why(out, "no function %s in %s", f->sym,
			base_name(d->path));
}

/* A frame of another module, or of the kernel proper, is not ours. */
static bool other_file(struct decoder *d, const struct trace_frame *f,
		       struct decode_frame *out)
{
	if (!strcmp(f->module, d->module))
		return false;
	if (!f->module[0])
		set_why(out, "%s is in the kernel proper, not in %s", f->sym,
			base_name(d->path));
	else
		set_why(out, "%s is in module %s, not in %s", f->sym, f->module,
			base_name(d->path));
	return true;
}

static void name_section(struct decoder *d, const struct dsym *s,
			 struct decode_frame *out)
{
	size_t shstrndx;
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(d->elf, s->shndx);
	const char *name = NULL;

	if (scn && gelf_getshdr(scn, &sh) &&
	    !elf_getshdrstrndx(d->elf, &shstrndx))
		name = elf_strptr(d->elf, shstrndx, sh.sh_name);
	snprintf(out->section, sizeof(out->section), "%s", name ? name : "");
}

/*
 * The address to look up: the pc itself; for a return address the call
 * before it, which may lie in the previous function when the call was
 * the last instruction (the kernel then names the next function, +0).
 */
static Dwarf_Addr lookup_address(struct decoder *d, const struct dsym *s,
				 const struct trace_frame *f)
{
	Dwarf_Addr a = s->addr + f->off;
	unsigned int back = call_back(d->machine);

	if (is_return_address(f) && s->secoff + f->off >= back)
		a -= back;
	return a;
}

int decoder_match(struct decoder *d, const struct trace_frame *f)
{
	struct choice c;

	if (strcmp(f->module, d->module))
		return -ENOENT;
	return pick(d, f, &c);
}

int decoder_resolve(struct decoder *d, const struct trace_frame *f,
		    struct decode_frame *out)
{
	struct choice c;
	int rc;

	memset(out, 0, sizeof(*out));
	if (other_file(d, f, out))
		return -ENOENT;
	rc = pick(d, f, &c);
	if (rc) {
		say_why(d, f, &c, rc, out);
		return rc;
	}
	name_section(d, c.s, out);
	out->ambiguous = c.best > 1;
	return decode_lines(d, lookup_address(d, c.s, f), f->sym, out);
}

/* --- lines ----------------------------------------------------------------- */

/* The DWARF is read on the first frame resolved, and kept. */
static int decode_lines(struct decoder *d, Dwarf_Addr addr, const char *sym,
			struct decode_frame *out)
{
	if (!d->dwarf_tried) {
		d->dwarf_tried = true;
		d->dwarf = decode_dwarf_new(d->mod, d->maps, d->nmaps,
					    d->dwarf_err, sizeof(d->dwarf_err));
	}
	if (!d->dwarf) {
		set_why(out, "%s: %s", base_name(d->path), d->dwarf_err);
		return -EINVAL;
	}
	if (decode_dwarf_lines(d->dwarf, addr, sym, out)) {
		set_why(out, "no line information for %s in %s", sym,
			base_name(d->path));
		return -ENOENT;
	}
	return 0;
}

/* --- for the user ---------------------------------------------------------- */

/* file, relative to base when under it. */
static const char *shown_path(const char *file, const char *base)
{
	size_t n = base ? strlen(base) : 0;

	while (n > 1 && base[n - 1] == '/')
		n--;
	if (n && !strncmp(file, base, n) && file[n] == '/')
		return file + n + 1;
	return file;
}

int decode_format(const struct decode_frame *df, const char *base, char *buf,
		  size_t cap)
{
	size_t len = 0;

	if (!df->nloc)
		return snprintf(buf, cap, "not decoded: %s", df->why);
	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < df->nloc; i++) {
		const struct decode_loc *l = &df->loc[i];
		int n = snprintf(buf + (len < cap ? len : cap),
				 len < cap ? cap - len : 0, "%s%s at %s:%d",
				 i ? " (inlined by) " : "", l->func,
				 l->file[0] ? shown_path(l->file, base) : "??",
				 l->line);

		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return (int)len;
}
