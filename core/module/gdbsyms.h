/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol files for gdb on the target's live kernel (libelf).
 *
 * Why a function's symbol moves: the kernel is built with ftrace's
 * -fpatchable-function-entry=2, so every traceable function starts with
 * two NOPs (rewritten at run time to `mov x9, x30; nop`), and GCC puts
 * the ELF symbol before them but the DWARF function (DW_AT_low_pc, the
 * line table, the CFI) after them. The line table's row of the previous
 * function's last line runs on over the NOPs. So gdb took `break sh_ioctl`
 * for two places, the symbol (no debug info there: it named the previous
 * function's closing line and could not unwind) and the DWARF function,
 * and stopped at the first. With each function's symbol moved past its
 * NOPs, symbol and DWARF agree: one location, the function's own line, and
 * gdb's prologue reader unwinds the kernel's frames (it stops at the
 * `mov x9, x30` otherwise).
 */
#ifndef KMDASH_GDBSYMS_H
#define KMDASH_GDBSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/module/gdbinit.h"

/* The bytes of NOPs (AArch64, little-endian) at the start of code. */
size_t gdbsyms_patch_bytes(const unsigned char *code, size_t len);

/*
 * A copy of the module ko at out in which each function symbol starts
 * after its patch site (its size shrinks as much), and each section of
 * secs (the live addresses) has its address less the lowest of secs as
 * its sh_addr: gdb relocates the debug info of a relocatable file with
 * those and then adds .text's offset alone, so without them the
 * functions of .init.text and .exit.text were placed, and their lines
 * named, at .text's. The copy is therefore for one layout (one load).
 * Written under a temporary name and renamed. 0, or -errno with err in
 * words.
 */
int gdbsyms_module(const char *ko, const char *out,
		   const struct gdb_section *secs, size_t n, char *err,
		   size_t errlen);

/*
 * Keeps of secs (what the kernel lists in /sys/module/NAME/sections/,
 * its own .symtab and .strtab among them) the sections that are
 * allocated in ko, the ones its debug info can name. 0, or -errno.
 */
int gdbsyms_alloc_sections(const char *ko, struct gdb_section *secs, size_t *n,
			   char *err, size_t errlen);

/*
 * The kernel's text symbols of /proc/kallsyms (the module symbols, "[mod]",
 * left out) as an ELF file gdb reads with add-symbol-file: an empty .text
 * over their range and a symbol each. image, the raw arm64 Image of the
 * running kernel (NULL: none), moves each symbol past its patch site; it
 * is used only when it holds kernel_id, the running kernel's build id.
 * note says what was done ("45012 symbols, 44027 past their ftrace
 * NOPs"). 0, or -errno with err in words.
 */
int gdbsyms_kernel(const char *kallsyms, size_t len, const char *image,
		   const char *kernel_id, const char *out, char *note,
		   size_t ncap, char *err, size_t errlen);

#endif
