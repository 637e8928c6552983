// SPDX-License-Identifier: GPL-2.0
/*
 * An address to its source line and inline chain, from the DWARF libdwfl
 * loaded (and, for a .ko, relocated).
 *
 * Why not dwarf_getscopes() as eu-addr2line does: it walks the whole CU
 * from its root for every address, and a module's CU holds the DIEs of
 * every kernel header it includes (tens of thousands): 0.6 ms a frame,
 * 19 ms for a 30-frame trace. Here each CU's functions are indexed by
 * address once, the first time an address falls in it, and a lookup
 * descends only the one function's scopes that hold the address.
 */
#include "core/module/decode_int.h"

#include <dwarf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A function's address range (DWARF addresses) and its DIE. */
struct dfunc {
	Dwarf_Addr low, high;
	Dwarf_Off die;
};

/* The functions of one CU, sorted by address. */
struct cu_funcs {
	Dwarf_Off cu;
	struct dfunc *f;
	size_t n;
};

/* A file name of the debug info, mapped: looked up once. */
struct dpath {
	const char *name, *dir; /* libdw's strings, stable while open */
	char *path;
};

struct decode_dwarf {
	Dwfl_Module *mod;
	Dwarf *dw;
	Dwarf_Addr bias;
	const struct decode_map *maps;
	size_t nmaps;
	struct cu_funcs *cus;
	size_t ncus;
	struct dpath *paths;
	size_t npaths, cap_paths;
};

/* Deepest nesting of inlines and blocks followed in one function. */
#define MAX_DEPTH 32

struct decode_dwarf *decode_dwarf_new(Dwfl_Module *mod,
				      const struct decode_map *maps,
				      size_t nmaps, char *err, size_t errlen)
{
	struct decode_dwarf *dd = calloc(1, sizeof(*dd));

	if (!dd) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dd->mod = mod;
	dd->maps = maps;
	dd->nmaps = nmaps;
	/* libdwfl relocates a .ko's debug sections here, once */
	dd->dw = dwfl_module_getdwarf(mod, &dd->bias);
	if (!dd->dw) {
		snprintf(err, errlen, "cannot read its debug info: %s",
			 dwfl_errmsg(-1));
		free(dd);
		return NULL;
	}
	return dd;
}

void decode_dwarf_free(struct decode_dwarf *dd)
{
	if (!dd)
		return;
	for (size_t i = 0; i < dd->ncus; i++)
		free(dd->cus[i].f);
	for (size_t i = 0; i < dd->npaths; i++)
		free(dd->paths[i].path);
	free(dd->cus);
	free(dd->paths);
	free(dd);
}

/* --- the function index ----------------------------------------------------- */

static int add_func(struct cu_funcs *c, size_t *cap, Dwarf_Addr low,
		    Dwarf_Addr high, Dwarf_Off die)
{
	if (c->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct dfunc *nf = realloc(c->f, nc * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		c->f = nf;
		*cap = nc;
	}
	c->f[c->n++] = (struct dfunc){ low, high, die };
	return 0;
}

/* Every range of a function (a .cold part is a range of its own). */
static int add_ranges(struct cu_funcs *c, size_t *cap, Dwarf_Die *fn)
{
	Dwarf_Addr base, low, high;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(fn, off, &base, &low, &high)) > 0)
		if (add_func(c, cap, low, high, dwarf_dieoffset(fn)))
			return -ENOMEM;
	return 0;
}

static int by_low(const void *a, const void *b)
{
	const struct dfunc *x = a, *y = b;

	return (x->low > y->low) - (x->low < y->low);
}

/* The CU's top-level functions: one pass over its top-level DIEs. */
static struct cu_funcs *index_cu(struct decode_dwarf *dd, Dwarf_Die *cu)
{
	struct cu_funcs *nc = realloc(dd->cus, (dd->ncus + 1) * sizeof(*nc));
	struct cu_funcs *c;
	Dwarf_Die child;
	size_t cap = 0;

	if (!nc)
		return NULL;
	dd->cus = nc;
	c = &nc[dd->ncus++];
	*c = (struct cu_funcs){ .cu = dwarf_dieoffset(cu) };
	if (dwarf_child(cu, &child) == 0)
		do {
			if (dwarf_tag(&child) == DW_TAG_subprogram &&
			    add_ranges(c, &cap, &child))
				break;
		} while (dwarf_siblingof(&child, &child) == 0);
	qsort(c->f, c->n, sizeof(*c->f), by_low);
	return c;
}

static struct cu_funcs *cu_funcs(struct decode_dwarf *dd, Dwarf_Die *cu)
{
	for (size_t i = 0; i < dd->ncus; i++)
		if (dd->cus[i].cu == dwarf_dieoffset(cu))
			return &dd->cus[i];
	return index_cu(dd, cu);
}

/* The function DIE whose range holds a (a DWARF address). */
static bool function_at(struct decode_dwarf *dd, Dwarf_Die *cu, Dwarf_Addr a,
			Dwarf_Die *fn)
{
	struct cu_funcs *c = cu_funcs(dd, cu);
	size_t lo = 0, hi = c ? c->n : 0;

	while (lo < hi) { /* the last range starting at or before a */
		size_t mid = (lo + hi) / 2;

		if (c->f[mid].low <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && a < c->f[lo - 1].high &&
	       dwarf_offdie(dd->dw, c->f[lo - 1].die, fn);
}

/*
 * The scopes that hold a inside fn, outermost first: fn, then each
 * inlined instance down to the innermost (lexical blocks are entered but
 * not kept: they name no function). Returns how many.
 */
static int inline_scopes(Dwarf_Die *fn, Dwarf_Addr a, Dwarf_Die *chain, int max)
{
	Dwarf_Die cur = *fn, child;
	int n = 0, depth = 0;
	bool deeper = true;

	chain[n++] = *fn;
	while (deeper && depth++ < MAX_DEPTH &&
	       dwarf_child(&cur, &child) == 0) {
		deeper = false;
		do {
			int tag = dwarf_tag(&child);

			if ((tag != DW_TAG_inlined_subroutine &&
			     tag != DW_TAG_lexical_block) ||
			    dwarf_haspc(&child, a) != 1)
				continue;
			if (tag == DW_TAG_inlined_subroutine && n < max)
				chain[n++] = child;
			cur = child;
			deeper = true;
			break;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return n;
}

/* --- names and places --------------------------------------------------------- */

static const char *source_path(struct decode_dwarf *dd, const char *name,
			       const char *dir)
{
	struct dpath *p;

	for (size_t i = 0; i < dd->npaths; i++)
		if (dd->paths[i].name == name && dd->paths[i].dir == dir)
			return dd->paths[i].path;
	if (dd->npaths == dd->cap_paths) {
		size_t nc = dd->cap_paths ? dd->cap_paths * 2 : 16;
		struct dpath *np = realloc(dd->paths, nc * sizeof(*np));

		if (!np)
			return name;
		dd->paths = np;
		dd->cap_paths = nc;
	}
	p = &dd->paths[dd->npaths];
	*p = (struct dpath){ name, dir,
			     decode_map_path(name, dir, dd->maps, dd->nmaps) };
	if (!p->path)
		return name;
	dd->npaths++;
	return p->path;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name =
		dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));

	return name ? name : "??";
}

static void set_func(struct decode_loc *l, const char *name)
{
	snprintf(l->func, sizeof(l->func), "%s", name);
}

static void set_file(struct decode_loc *l, const char *path)
{
	snprintf(l->file, sizeof(l->file), "%s", path);
}

static const char *comp_dir(Dwarf_Die *cu)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
}

/* loc[0]'s file and line: the line table's row for the address. */
static void address_line(struct decode_dwarf *dd, Dwarf_Addr addr,
			 struct decode_loc *l)
{
	Dwfl_Line *line = dwfl_module_getsrc(dd->mod, addr);
	const char *src;

	if (!line ||
	    !(src = dwfl_lineinfo(line, NULL, &l->line, &l->col, NULL, NULL)))
		return;
	set_file(l, source_path(dd, src, dwfl_line_comp_dir(line)));
}

/* Where an inlined instance was called from (its DW_AT_call_*). */
static void call_site(struct decode_dwarf *dd, Dwarf_Die *cu, Dwarf_Die *inl,
		      struct decode_loc *l)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;
	Dwarf_Files *files;
	const char *src;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &v) == 0)
		l->line = (int)v;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_column, &attr), &v) == 0)
		l->col = (int)v;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &v) ||
	    dwarf_getsrcfiles(cu, &files, NULL) ||
	    !(src = dwarf_filesrc(files, v, NULL, NULL)))
		return;
	set_file(l, source_path(dd, src, comp_dir(cu)));
}

/*
 * loc[0] is the innermost function's line; each inlined instance adds
 * where it was called, in the function around it.
 */
static void inline_chain(struct decode_dwarf *dd, Dwarf_Addr addr,
			 struct decode_frame *out)
{
	Dwarf_Die chain[MAX_DEPTH], fn, *cu;
	Dwarf_Addr bias;
	int n;

	cu = dwfl_module_addrdie(dd->mod, addr, &bias);
	if (!cu || !function_at(dd, cu, addr - bias, &fn))
		return;
	n = inline_scopes(&fn, addr - bias, chain, MAX_DEPTH);
	set_func(&out->loc[0], die_name(&chain[n - 1]));
	for (int i = n - 1; i > 0; i--) {
		struct decode_loc *l;

		/* deeper than loc holds: the middle goes, the function stays */
		if (out->nloc == DECODE_MAX_INLINE - 1 && i > 1)
			continue;
		l = &out->loc[out->nloc++];
		set_func(l, die_name(&chain[i - 1]));
		call_site(dd, cu, &chain[i], l);
	}
}

int decode_dwarf_lines(struct decode_dwarf *dd, Dwarf_Addr addr,
		       const char *sym, struct decode_frame *out)
{
	set_func(&out->loc[0], sym);
	out->nloc = 1;
	address_line(dd, addr, &out->loc[0]);
	inline_chain(dd, addr, out);
	if (out->loc[0].line)
		return 0;
	out->nloc = 0;
	return -ENOENT;
}
