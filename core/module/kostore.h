/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact copies of the .ko files that were deployed, keyed by their GNU
 * build id, so that a trace from the module running on the target decodes
 * against the binary that is running there, not against whatever was
 * rebuilt since. Debian's kernel gives out-of-tree modules no srcversion
 * and no build id in its traces; the build id of the loaded module is read
 * on the target from /sys/module/NAME/notes/.note.gnu.build-id (the strip
 * kmdash applies keeps that note).
 *
 * The store is a directory (0700) of ID.ko files; it keeps the newest
 * KOSTORE_KEEP copies and any copy whose id is pinned (loaded somewhere).
 */
#ifndef KMDASH_KOSTORE_H
#define KMDASH_KOSTORE_H

#include <stdbool.h>
#include <stddef.h>

#define KO_ID_HEX 40 /* a SHA-1 build id: 20 bytes */
#define KO_ID_MAX 64 /* longer ids exist (--build-id=sha256 etc.) */
#define KOSTORE_KEEP 20

/*
 * The GNU build id of an ELF file in hex. 0, -ENOENT when the file has no
 * such note, or another -errno; err says why in words.
 */
int ko_build_id(const char *path, char id[KO_ID_MAX + 1], char *err,
		size_t errlen);
/*
 * The id in the text a target prints for its sysfs notes, e.g. `od -An -v
 * -tx1 /sys/module/NAME/notes/.note.gnu.build-id` (a 36-byte ELF note:
 * namesz, descsz, type, "GNU\0", then the id) or /sys/kernel/notes (the
 * kernel's: several notes, the build id among them). 0 or -EINVAL.
 */
int ko_build_id_from_hexdump(const char *text, char id[KO_ID_MAX + 1]);

struct kostore;

/*
 * Where a target's store is: STATE/TARGET/ko, STATE as str_state_dir()
 * says (~/.local/state/kmdash). malloc'ed; NULL without a home.
 */
char *kostore_default_dir(const char *target);

/* Opens (and makes, 0700) the store at dir. NULL with a reason in err. */
struct kostore *kostore_open(const char *dir, char *err, size_t errlen);
void kostore_free(struct kostore *ks);

/*
 * Keeps an exact copy of ko (written under a temporary name, then renamed)
 * unless one with its id is there already; trims the store. id gets the
 * build id. 0 or -errno with a reason in err.
 */
int kostore_keep(struct kostore *ks, const char *ko, char id[KO_ID_MAX + 1],
		 char *err, size_t errlen);
/* The copy with this id: 0 with its path, or -ENOENT. */
int kostore_find(const struct kostore *ks, const char *id, char *path,
		 size_t cap);
/* Ids never trimmed (the loaded modules'); replaces the previous set. */
void kostore_pin(struct kostore *ks, const char *const *ids, size_t n);

#endif
