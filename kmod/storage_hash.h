/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * storage_hash: the user-space interface of the storage-hash engine, a
 * key-value store exposed as the misc character device /dev/storage-hash.
 *
 * Shared by the kernel module and the tools. Only fixed-width types: lengths
 * are __u32, user pointers travel as __u64 (cast from a pointer with
 * (__u64)(uintptr_t)p), no size_t, no pointers, no implicit padding; every
 * struct has the same size and layout for 32- and 64-bit user space, so one
 * ioctl number fits both.
 *
 * Every request struct starts with a version field that the caller sets to
 * STORAGE_HASH_UAPI_VERSION; a module that speaks another version answers
 * EPROTO. SH_IOC_VERSION never changes: it tells a tool which version the
 * loaded module speaks before it sends anything else.
 *
 * Errors (negative errno from the ioctl, or in a batch op's result):
 *   EINVAL     key_len 0, unknown op, non-zero flags or reserved fields,
 *              batch count 0
 *   EMSGSIZE   key longer than SH_KEY_MAX, value longer than the module's
 *              max_value_len, batch count above SH_BATCH_MAX
 *   ENOENT     GET or DEL of a key that is not stored
 *   ENOSPC     GET: the buffer is too short (val_len says how long the value
 *              is); PUT: the module's max_bytes would be exceeded
 *   EFAULT     a pointer (the struct, key, value, ops array) is not valid
 *   EPROTO     the struct's version is not the module's
 *   EBADF      PUT, DEL or CLEAR on an fd not opened for writing
 *   ENOTTY     unknown ioctl number (or a struct of another size)
 *   ENOMEM     the kernel could not allocate memory
 */
#ifndef _UAPI_STORAGE_HASH_H
#define _UAPI_STORAGE_HASH_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define STORAGE_HASH_UAPI_VERSION 1
#define STORAGE_HASH_DEVICE "/dev/storage-hash"

#define SH_KEY_MAX 256 /* bytes; keys are binary, 1..SH_KEY_MAX */
#define SH_BATCH_MAX 1024 /* ops per SH_IOC_BATCH call */

/* PUT, GET, DEL: one key. */
struct sh_kv {
	__u32 version; /* in: STORAGE_HASH_UAPI_VERSION */
	__u32 flags; /* in: 0 */
	__u32 key_len; /* in: 1..SH_KEY_MAX */
	__u32 val_len; /* PUT in: value length; GET in: buffer size, out: value length */
	__u64 key; /* in: user pointer to the key */
	__u64 val; /* PUT in: the value; GET out: the buffer (DEL: unused) */
};

enum sh_op_code {
	SH_OP_PUT = 1,
	SH_OP_GET = 2,
	SH_OP_DEL = 3,
};

/* One operation of a batch; the same fields as struct sh_kv. */
struct sh_op {
	__u32 op; /* in: enum sh_op_code */
	__u32 key_len;
	__u64 key;
	__u64 val;
	__u32 val_len; /* as in struct sh_kv; written back for GET */
	__s32 result; /* out: 0 or a negative errno */
};

/*
 * BATCH: runs ops[0..count) in order. The ioctl itself fails only when the
 * header or the ops array cannot be read or written (EFAULT), or for a bad
 * header (EPROTO, EINVAL, EMSGSIZE); an op that fails sets its own result and
 * the batch goes on. done = ops run, failed = ops whose result is < 0.
 */
struct sh_batch {
	__u32 version; /* in: STORAGE_HASH_UAPI_VERSION */
	__u32 count; /* in: 1..SH_BATCH_MAX */
	__u64 ops; /* in: user pointer to struct sh_op[count] */
	__u32 done; /* out */
	__u32 failed; /* out */
};

/* STATS: the same counters as /sys/module/storage_hash/stats/. */
struct sh_stats {
	__u32 version; /* in: STORAGE_HASH_UAPI_VERSION; out: the module's */
	__u32 key_max; /* out: SH_KEY_MAX */
	__u64 items; /* keys stored */
	__u64 bytes_used; /* memory charged against max_bytes */
	__u64 max_bytes; /* module parameter */
	__u64 max_value_len; /* module parameter */
	__u64 buckets; /* current hash table size */
	__u64 resizes; /* table size changes seen since load */
	__u64 puts; /* PUT requests (single and batched) */
	__u64 gets;
	__u64 get_hits;
	__u64 get_misses;
	__u64 dels;
	__u64 del_misses;
	__u64 clears;
	__u64 batches; /* BATCH calls */
	__u64 batch_ops; /* ops carried by BATCH calls */
	__u64 errors; /* requests refused (any errno but ENOENT) */
};

/*
 * The __u64 counters of struct sh_stats, in order: one list for the
 * module's sysfs/debugfs files and the tools' printing.
 */
#define SH_STATS_FIELDS(X) \
	X(items)           \
	X(bytes_used)      \
	X(max_bytes)       \
	X(max_value_len)   \
	X(buckets)         \
	X(resizes)         \
	X(puts)            \
	X(gets)            \
	X(get_hits)        \
	X(get_misses)      \
	X(dels)            \
	X(del_misses)      \
	X(clears)          \
	X(batches)         \
	X(batch_ops)       \
	X(errors)

#define SH_IOC_MAGIC 0xb5

/* Never changes: the uapi version the loaded module speaks. */
#define SH_IOC_VERSION _IOR(SH_IOC_MAGIC, 0, __u32)
#define SH_IOC_PUT _IOW(SH_IOC_MAGIC, 1, struct sh_kv)
#define SH_IOC_GET _IOWR(SH_IOC_MAGIC, 2, struct sh_kv)
#define SH_IOC_DEL _IOW(SH_IOC_MAGIC, 3, struct sh_kv)
#define SH_IOC_STATS _IOWR(SH_IOC_MAGIC, 4, struct sh_stats)
#define SH_IOC_CLEAR _IO(SH_IOC_MAGIC, 5)
#define SH_IOC_BATCH _IOWR(SH_IOC_MAGIC, 6, struct sh_batch)

#endif /* _UAPI_STORAGE_HASH_H */
