/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gdb scripts kmdash writes for `g` and `kmdash gdb` (pure text):
 *
 *   gdbinit     the architecture, source paths, the kernel's symbols, the
 *               module's (by sourcing module.gdb), kmdash-reload-symbols,
 *               then `target remote` on the VM's stub. gdb reads the
 *               user's ~/.gdbinit before it, as usual.
 *   module.gdb  the module's symbol file at its live section addresses
 *               (every allocated section the kernel lists), replacing the
 *               ones it loaded before: rewritten after each load while a
 *               debugger is attached, read again by kmdash-reload-symbols.
 */
#ifndef KMDASH_GDBINIT_H
#define KMDASH_GDBINIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDBINIT_RELOAD "kmdash-reload-symbols"

/* A section of the loaded module: /sys/module/NAME/sections/NAME. */
struct gdb_section {
	char name[64];
	uint64_t addr;
};

struct gdbinit {
	const char *target; /* the target's name (comments) */
	const char *module; /* the module's name */
	const char *socket; /* the VM's gdbstub */
	const char *kernel_syms; /* the kernel's symbol file, or NULL */
	/* set substitute-path from to (both or neither) */
	const char *build_dir, *source_dir;
	const char *module_script; /* module.gdb */
};

/*
 * A path gdb's commands take as written: absolute, no blanks, quotes,
 * backslashes or control characters (target remote and source take the
 * rest of the line; kmdash does not guess at gdb's quoting).
 */
bool gdbinit_path_ok(const char *path);

/* The gdbinit; malloc'ed, NULL when out of memory. */
char *gdbinit_text(const struct gdbinit *g);

/*
 * module.gdb: ko (the module's symbol file, build id id) at secs (.text
 * among them), or, with ko NULL, no module symbols and why in a line gdb
 * prints. malloc'ed; NULL when out of memory or .text is missing.
 */
char *gdbinit_module_text(const char *module, const char *ko, const char *id,
			  const struct gdb_section *secs, size_t n,
			  const char *why);

/*
 * One line of `grep -r . /sys/module/NAME/sections/`:
 * ".../sections/.text:0xffff800000d3a000". 0, or -EINVAL.
 */
int gdbinit_parse_section(const char *line, struct gdb_section *out);

#endif
