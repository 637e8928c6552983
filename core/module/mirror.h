/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The build tree of a module: a mirror of its source tree made of
 * symlinks, where kbuild writes its objects (M=OUT) instead of next to
 * the user's sources (kbuild 6.1 has no separate output directory for
 * external modules). Timestamps follow the links, so rebuilds stay
 * incremental; compiler messages name the links, and diag.c maps them
 * back to the sources.
 */
#ifndef KMDASH_MIRROR_H
#define KMDASH_MIRROR_H

#include <stdbool.h>
#include <stddef.h>

/* A name kbuild writes (*.o, *.mod.c, ...) or a hidden one: never a source. */
bool mirror_is_output(const char *name);

/*
 * Makes dst mirror src: every source file of src (recursively) as a
 * symlink to its absolute path, dangling links of files that were
 * removed deleted. Hidden files and kbuild's outputs (*.o, *.ko,
 * modules.order, ...) are not mirrored: an in-tree build's leftovers
 * must not pass for this build's. Nothing is written in src. 0, or
 * -errno with what failed in err.
 */
int mirror_tree(const char *src, const char *dst, char *err, size_t errlen);

#endif
