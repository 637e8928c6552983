/* SPDX-License-Identifier: GPL-2.0 */
/* Small files read whole: a pid, a key, a kernel command line. */
#ifndef KMDASH_FSFILE_H
#define KMDASH_FSFILE_H

#include <stddef.h>

/*
 * Up to cap - 1 bytes of path into buf, NUL-terminated (a longer file is
 * cut). The length, or -errno (-EIO for a failed read).
 */
long fsfile_read(const char *path, char *buf, size_t cap);

#endif
