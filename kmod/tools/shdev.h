/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shdev: the user-space side of /dev/storage-hash shared by sectl, sebench
 * and the test programs: opening the device with errors a user can act on,
 * and one small wrapper per ioctl returning 0 or a negative errno.
 */
#ifndef SHDEV_H
#define SHDEV_H

#include <stdint.h>

#include "../storage_hash.h"

/* Exit codes of the tools. */
enum {
	SH_EXIT_OK = 0,
	SH_EXIT_FAILED = 1, /* the operation failed: not found, no space... */
	SH_EXIT_USAGE = 2,
	SH_EXIT_DEVICE = 3, /* no device, no permission, other uapi version */
};

/*
 * Opens PATH (NULL: $STORAGE_HASH_DEVICE or /dev/storage-hash) and checks
 * that the module speaks our uapi version. On failure prints why, prefixed
 * with PROG, and returns -1.
 */
int shdev_open(const char *path, const char *prog);

static inline uint64_t shdev_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int shdev_put(int fd, const void *key, uint32_t key_len, const void *val,
	      uint32_t val_len);
/* *val_len: in, the buffer size; out, the value's length (also on ENOSPC). */
int shdev_get(int fd, const void *key, uint32_t key_len, void *buf,
	      uint32_t *val_len);
int shdev_del(int fd, const void *key, uint32_t key_len);
int shdev_stats(int fd, struct sh_stats *s);
int shdev_clear(int fd);
/* Runs count ops; per-op results in ops[i].result. */
int shdev_batch(int fd, struct sh_op *ops, uint32_t count, uint32_t *failed);

#endif
