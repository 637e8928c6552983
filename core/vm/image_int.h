/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to core/vm's image preparation (image.h): the working copy, the
 * partition table, the FAT and ext4 partitions. Each returns 0 or -errno
 * with a message in err; `shown` is the user's file, which messages name.
 */
#ifndef KMDASH_IMAGE_INT_H
#define KMDASH_IMAGE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct struct_ext2_filsys;

/* --- image_copy.c: the working copy ---------------------------------------- */

/*
 * Copies src (raw, or xz-compressed: told by its magic) into a new file
 * dst, sparse: runs of zero blocks become holes (a reflink when the file
 * system can). *size: the image's size; *data: what dst holds on disk.
 */
int image_copy_in(const char *src, const char *dst, uint64_t *size,
		  uint64_t *data, char *err, size_t errlen);
/* Bytes allocated to a file (st_blocks). */
uint64_t image_disk_usage(const char *path);

/* --- image_part.c: the MBR ------------------------------------------------- */

#define IMAGE_MAX_PARTS 4

struct image_part {
	int num; /* 1-4, as /dev/mmcblk0pN */
	uint64_t start, size; /* bytes */
	unsigned int type; /* the MBR's type byte */
};

struct image_table {
	char disk_id[16]; /* "6c2b1a3e": PARTUUID's first half */
	struct image_part p[IMAGE_MAX_PARTS];
	int n;
};

/*
 * The primary partitions of path's MBR (libfdisk), checked against the
 * image's size: a partition past the end is a truncated image.
 */
int image_read_table(const char *path, const char *shown, uint64_t size,
		     struct image_table *t, char *err, size_t errlen);
bool image_type_is_fat(unsigned int type);
const struct image_part *image_part_num(const struct image_table *t, int num);

/* --- image_fat.c: the boot partition through mtools ------------------------ */

#define IMAGE_FAT_MAX_FILES 256

struct image_fat {
	char spec[PATH_MAX + 32]; /* IMG@@OFFSET, as mtools' -i takes it */
	char names[IMAGE_FAT_MAX_FILES][64]; /* its root directory */
	int n;
};

/* Lists the root directory: a FAT file system must be there. */
int image_fat_open(struct image_fat *f, const char *img, uint64_t offset,
		   char *err, size_t errlen);
/* The name as stored (FAT ignores case), or NULL. */
const char *image_fat_find(const struct image_fat *f, const char *name);
int image_fat_get(const struct image_fat *f, const char *name, const char *dest,
		  char *err, size_t errlen);
int image_fat_put(struct image_fat *f, const char *src, const char *name,
		  char *err, size_t errlen);

/* --- image_ext4.c: the root through libext2fs ------------------------------ */

struct image_ext4 {
	struct struct_ext2_filsys *fs;
	char what[PATH_MAX + 64]; /* "the root file system (partition 2)" */
};

int image_ext4_open(struct image_ext4 *e, const char *img, uint64_t offset,
		    const char *what, char *err, size_t errlen);
/* Writes everything out; 0 or -errno (a full disk shows here). */
int image_ext4_close(struct image_ext4 *e, char *err, size_t errlen);
/* Reads a file (symlinks followed) into buf, NUL-terminated; its length. */
long image_ext4_read(struct image_ext4 *e, const char *path, char *buf,
		     size_t cap, char *err, size_t errlen);
bool image_ext4_is_dir(struct image_ext4 *e, const char *path);
bool image_ext4_exists(struct image_ext4 *e, const char *path);
/* mkdir -p; the last directory gets mode, uid and gid. */
int image_ext4_mkdir(struct image_ext4 *e, const char *path, unsigned int mode,
		     unsigned int uid, unsigned int gid, char *err,
		     size_t errlen);
/* Creates or replaces a regular file. */
int image_ext4_write(struct image_ext4 *e, const char *path, const void *data,
		     size_t len, unsigned int mode, unsigned int uid,
		     unsigned int gid, char *err, size_t errlen);
/* Creates or replaces a symlink. */
int image_ext4_symlink(struct image_ext4 *e, const char *path,
		       const char *target, char *err, size_t errlen);
/* Removes a file or symlink; 0 when there was none. */
int image_ext4_remove(struct image_ext4 *e, const char *path, char *err,
		      size_t errlen);
/* The names in a directory (not . and ..), space separated, into buf. */
int image_ext4_list(struct image_ext4 *e, const char *dir, char *buf,
		    size_t cap);
/* The ELF machine of a program (symlinks followed), or -errno. */
int image_ext4_elf_machine(struct image_ext4 *e, const char *path);

#endif
