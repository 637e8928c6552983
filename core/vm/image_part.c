// SPDX-License-Identifier: GPL-2.0
/*
 * The image's MBR, read with libfdisk (util-linux) on the working copy,
 * read-only. Raspberry Pi OS images have two primary partitions: FAT32
 * boot, ext4 root; the root is named by the disk id and partition number
 * (root=PARTUUID=6c2b1a3e-02).
 */
#include "core/vm/image_int.h"

#include <errno.h>
#include <libfdisk/libfdisk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool image_type_is_fat(unsigned int type)
{
	/* FAT12, FAT16 <32M, FAT16, FAT32 (CHS), FAT32 (LBA), FAT16 (LBA) */
	return type == 0x01 || type == 0x04 || type == 0x06 || type == 0x0b ||
	       type == 0x0c || type == 0x0e;
}

const struct image_part *image_part_num(const struct image_table *t, int num)
{
	for (int i = 0; i < t->n; i++)
		if (t->p[i].num == num)
			return &t->p[i];
	return NULL;
}

/* The used primary partitions, in table order. */
static int list_parts(struct fdisk_context *cx, struct image_table *t,
		      uint64_t ssz)
{
	size_t n = fdisk_get_npartitions(cx);

	for (size_t i = 0; i < n && i < IMAGE_MAX_PARTS; i++) {
		struct fdisk_partition *pa = NULL;
		struct fdisk_parttype *ty;

		if (fdisk_get_partition(cx, i, &pa) < 0 || !pa)
			continue;
		if (fdisk_partition_is_used(pa) &&
		    fdisk_partition_has_start(pa) &&
		    !fdisk_partition_is_container(pa)) {
			struct image_part *p = &t->p[t->n++];

			ty = fdisk_partition_get_type(pa);
			p->num = (int)fdisk_partition_get_partno(pa) + 1;
			p->start = fdisk_partition_get_start(pa) * ssz;
			p->size = fdisk_partition_get_size(pa) * ssz;
			p->type = ty ? fdisk_parttype_get_code(ty) : 0;
		}
		fdisk_unref_partition(pa);
	}
	return t->n;
}

int image_read_table(const char *path, const char *shown, uint64_t size,
		     struct image_table *t, char *err, size_t errlen)
{
	struct fdisk_context *cx = fdisk_new_context();
	char *id = NULL;
	uint64_t ssz;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (size < 1024) {
		fdisk_unref_context(cx);
		snprintf(
			err, errlen,
			"%s is no SD card image: %llu bytes, too small for a partition table",
			shown, (unsigned long long)size);
		return -EINVAL;
	}
	if (!cx) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (fdisk_assign_device(cx, path, 1) < 0) {
		snprintf(err, errlen, "%s: cannot read its partition table",
			 shown);
		rc = -EIO;
		goto out;
	}
	if (!fdisk_has_label(cx)) {
		snprintf(
			err, errlen,
			"%s has no partition table: it is no SD card image (a Raspberry Pi OS image starts with an MBR)",
			shown);
		rc = -EINVAL;
		goto out;
	}
	if (!fdisk_is_labeltype(cx, FDISK_DISKLABEL_DOS)) {
		snprintf(
			err, errlen,
			"%s has a %s partition table; Raspberry Pi OS images have an MBR (DOS) one",
			shown, fdisk_label_get_name(fdisk_get_label(cx, NULL)));
		rc = -EINVAL;
		goto out;
	}
	ssz = fdisk_get_sector_size(cx);
	if (fdisk_get_disklabel_id(cx, &id) == 0 && id)
		snprintf(t->disk_id, sizeof(t->disk_id), "%s",
			 strncmp(id, "0x", 2) ? id : id + 2);
	if (list_parts(cx, t, ssz ? ssz : 512) == 0) {
		snprintf(err, errlen, "%s: its MBR lists no partition", shown);
		rc = -EINVAL;
		goto out;
	}
	for (int i = 0; i < t->n; i++) {
		const struct image_part *p = &t->p[i];

		if (p->start + p->size <= size)
			continue;
		snprintf(
			err, errlen,
			"%s is truncated: partition %d ends at byte %llu but the image has only %llu bytes (an interrupted download or copy?)",
			shown, p->num, (unsigned long long)(p->start + p->size),
			(unsigned long long)size);
		rc = -EINVAL;
		goto out;
	}
out:
	free(id);
	fdisk_unref_context(cx);
	return rc;
}
