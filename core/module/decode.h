/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames of a kernel trace resolved to source lines, from the unstripped
 * .ko that was deployed (or a debug vmlinux for the kernel's own frames),
 * through elfutils' libdw: the same answers as `eu-addr2line -f -i` and the
 * kernel's scripts/faddr2line, in process, with no vmlinux needed for a
 * module's own frames.
 *
 * Getting a frame right:
 *  - "sym+off" is looked up per symbol: a .ko is relocatable and all its
 *    sections (.text, .init.text, .exit.text, .text.unlikely, ...) start at
 *    0, so the section of the symbol decides the address;
 *  - a call frame is a return address: the call is the instruction before
 *    it (arm64: 4 bytes); the faulting pc is the address itself;
 *  - inlined functions come out as a chain, innermost first;
 *  - the build directory's paths (a mirror of symlinks, or another tree)
 *    are mapped back to the module's source directory.
 *
 * A decoder loads a file's debug information once; resolving a frame is
 * then a lookup (a trace of 30 frames decodes in well under a millisecond).
 */
#ifndef KMDASH_DECODE_H
#define KMDASH_DECODE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/module/trace.h"

/* A path prefix as written in the debug info and where it really is. */
struct decode_map {
	const char *from; /* e.g. "/home/me/kmdash/build/kmod" */
	const char *to; /* e.g. "/home/me/kmdash/kmod" */
};

struct decode_loc {
	char func[TRACE_SYM_MAX];
	char file[PATH_MAX]; /* absolute, mapped; "" if unknown */
	int line; /* 0 if unknown */
	int col;
};

/* The kernel's atomics and bitops inline 11 deep into a module's code. */
#define DECODE_MAX_INLINE 16

struct decode_frame {
	/*
	 * loc[0] is the address's own line, in the innermost inlined
	 * function; loc[i + 1] is where loc[i]'s function was inlined into
	 * its caller; the last is the function itself (a deeper chain loses
	 * its middle). nloc 0: not decoded, why says why.
	 */
	size_t nloc;
	struct decode_loc loc[DECODE_MAX_INLINE];
	char why[160];
	char section[32]; /* the symbol's section (".init.text"), "" if none */
	/*
	 * Several functions of that name fit the frame (static functions
	 * of two files) and nothing in the trace told them apart: loc is
	 * the first one's.
	 */
	bool ambiguous;
};

struct decoder;

/*
 * Loads path's symbols and DWARF (a .ko, or a vmlinux). maps rewrite the
 * file names found in it (copied; n may be 0); symlinks that still resolve
 * are followed first. NULL with a reason in err (no such file, not ELF,
 * no debug info: "storage_hash.ko has no debug info (stripped?)").
 */
struct decoder *decoder_open(const char *path, const struct decode_map *maps,
			     size_t nmaps, char *err, size_t errlen);
void decoder_free(struct decoder *d);
/* The path it was opened on. */
const char *decoder_path(const struct decoder *d);
/* The file's GNU build id in hex, "" if it has none. */
const char *decoder_build_id(const struct decoder *d);
/* The module's name from .modinfo ("storage_hash"), "" for a vmlinux. */
const char *decoder_module(const struct decoder *d);

/*
 * Resolves one frame. 0 with out filled, or with out->why set: -ENOENT
 * (the symbol is not in this file, the offset lies beyond it, the frame
 * names another module), -ESTALE (the symbol is there but of another size:
 * the trace comes from another build of it).
 *
 * The trace's "/0xsize" is what the kernel's kallsyms says: the distance
 * to the next symbol in memory. That is the ELF size plus alignment
 * padding, or for the last function of a section anything from its ELF
 * size up (the next section's symbols are placed at load time), so a
 * match is exact only where another symbol follows in the same section.
 */
int decoder_resolve(struct decoder *d, const struct trace_frame *f,
		    struct decode_frame *out);

/*
 * Whether the frame is one of this file's as decoder_resolve() would
 * find it (0, -ENOENT, -ESTALE), without reading any DWARF: cheap, for
 * choosing among several builds of a module the one a trace came from.
 */
int decoder_match(struct decoder *d, const struct trace_frame *f);

/*
 * One line for the user: "sh_get at kmod/storage_hash.c:291 (inlined by)
 * sh_do_op at kmod/storage_hash.c:461", paths shown relative to base when
 * under it (NULL: as they are). Returns the length as snprintf.
 */
int decode_format(const struct decode_frame *df, const char *base, char *buf,
		  size_t cap);

#endif
