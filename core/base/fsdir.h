/* SPDX-License-Identifier: GPL-2.0 */
/* Directories kmdash makes for itself: journals, runtime, staging. */
#ifndef KMDASH_FSDIR_H
#define KMDASH_FSDIR_H

#include <stddef.h>

/* mkdir -p; what it creates is 0700, existing directories stay as they
 * are. 0 or -errno. */
int fsdir_make(const char *path);
/*
 * fsdir_make(), then insists the directory is ours, 0700 and not a
 * symlink (files in it are trusted: sockets, programs' outputs). 0, or
 * -errno with the reason in err.
 */
int fsdir_private(const char *path, char *err, size_t errlen);

#endif
