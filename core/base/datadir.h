/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where kmdash's run-time files are: the embedded target's recipe
 * (target/build-target.sh and its helpers), the storage_hash example
 * (kmod/) and the themes. Installed, they are PREFIX/share/kmdash next to
 * PREFIX/bin/kmdash; uninstalled, the source tree the binary was built in
 * (build/kmdash, build/asan/kmdash), which has the same layout. Found from
 * the running binary (/proc/self/exe), never from the current directory,
 * so an installed tree moved elsewhere (a DESTDIR) still finds its own.
 */
#ifndef KMDASH_DATADIR_H
#define KMDASH_DATADIR_H

#include <stddef.h>

/* The file every data directory has: it tells one from other directories. */
#define DATADIR_MARKER "target/build-target.sh"

/* The running binary's absolute path. 0 or -errno. */
int datadir_exe(char *out, size_t cap);

/*
 * The data directory of the running binary: EXE/../share/kmdash, else
 * EXE/.. or EXE/../.. (a source tree). 0, or -ENOENT when none has
 * DATADIR_MARKER.
 */
int datadir_find(char *out, size_t cap);

#endif
