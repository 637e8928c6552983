/* SPDX-License-Identifier: GPL-2.0 */
/* Private to the decoder's files (core/module/decode*.c). */
#ifndef KMDASH_DECODE_INT_H
#define KMDASH_DECODE_INT_H

#include <elfutils/libdwfl.h>
#include <stddef.h>

#include "core/module/decode.h"

/* The DWARF of a reported module: lines and inline chains. */
struct decode_dwarf;

/* Loads (for a .ko: relocates) mod's DWARF. maps stay the caller's. */
struct decode_dwarf *decode_dwarf_new(Dwfl_Module *mod,
				      const struct decode_map *maps,
				      size_t nmaps, char *err, size_t errlen);
void decode_dwarf_free(struct decode_dwarf *dd);
/*
 * loc[0] (function, file, line) of addr (libdwfl's address) and the
 * inline chain around it; sym names the function when the DWARF does not.
 * 0, or -ENOENT when the line table has no row for it.
 */
int decode_dwarf_lines(struct decode_dwarf *dd, Dwarf_Addr addr,
		       const char *sym, struct decode_frame *out);

/*
 * Where the source named name (relative names joined to dir, the CU's
 * DW_AT_comp_dir) really is: symlinks that still resolve are followed,
 * then the first map whose "from" prefixes the path rewrites it.
 * malloc'ed; NULL when out of memory.
 */
char *decode_map_path(const char *name, const char *dir,
		      const struct decode_map *maps, size_t nmaps);

#endif
