// SPDX-License-Identifier: GPL-2.0
/*
 * The FAT boot partition, read and written in place by mtools through its
 * image@@offset syntax (argv, no shell, no mount). mtools' own check of
 * the disk geometry is off: an SD image's partitions need not match it.
 */
#include "core/vm/image_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/base/proc_run.h"

static const char *const mtools_env[] = { "MTOOLS_SKIP_CHECK=1", NULL };

/* Runs an mtools program; its output into out. */
static int mtools(const char *const *argv, char *out, size_t cap, char *err,
		  size_t errlen)
{
	struct proc_result res;
	char line[256];
	int rc = proc_run(argv, mtools_env, out, cap, &res, err, errlen);

	if (rc == -ENOENT) {
		snprintf(err + strlen(err), errlen - strlen(err),
			 " (install mtools: make deps)");
		return rc;
	}
	if (rc)
		return rc;
	if (res.exited && res.exit_code == 0)
		return 0;
	/* (the working copy is sparse: writing into it may find no room) */
	if (strstr(out, "No space left"))
		return -ENOSPC;
	proc_run_first_line(out, line, sizeof(line));
	snprintf(err, errlen, "%s %s: %s", argv[0], argv[argv[1] ? 1 : 0],
		 line[0] ? line : "failed");
	return -EIO;
}

int image_fat_open(struct image_fat *f, const char *img, uint64_t offset,
		   char *err, size_t errlen)
{
	char out[IMAGE_FAT_MAX_FILES * 72], why[512];
	const char *argv[] = { "mdir", "-b", "-i", f->spec, "::/", NULL };
	char *line, *save = NULL;
	int rc;

	snprintf(f->spec, sizeof(f->spec), "%s@@%llu", img,
		 (unsigned long long)offset);
	f->n = 0;
	rc = mtools(argv, out, sizeof(out), why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	for (line = strtok_r(out, "\n", &save);
	     line && f->n < IMAGE_FAT_MAX_FILES;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "::/kernel8.img" */
		const char *name = strncmp(line, "::/", 3) ? line : line + 3;

		if (*name && !strchr(name, '/'))
			snprintf(f->names[f->n++], sizeof(f->names[0]), "%s",
				 name);
	}
	return 0;
}

const char *image_fat_find(const struct image_fat *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (!strcasecmp(f->names[i], name))
			return f->names[i];
	return NULL;
}

int image_fat_get(const struct image_fat *f, const char *name, const char *dest,
		  char *err, size_t errlen)
{
	char src[128], out[512];
	const char *argv[] = { "mcopy", "-n", "-i", f->spec, src, dest, NULL };

	snprintf(src, sizeof(src), "::/%s", name);
	return mtools(argv, out, sizeof(out), err, errlen);
}

int image_fat_put(struct image_fat *f, const char *src, const char *name,
		  char *err, size_t errlen)
{
	char dst[128], out[512];
	const char *argv[] = { "mcopy", "-o", "-i", f->spec, src, dst, NULL };
	int rc;

	snprintf(dst, sizeof(dst), "::/%s", name);
	rc = mtools(argv, out, sizeof(out), err, errlen);
	if (!rc && !image_fat_find(f, name) && f->n < IMAGE_FAT_MAX_FILES)
		snprintf(f->names[f->n++], sizeof(f->names[0]), "%s", name);
	return rc;
}
