// SPDX-License-Identifier: GPL-2.0
/*
 * Build ids (libelf's note reader, and the target's sysfs note as hex
 * text) and the store of deployed .ko copies: ID.ko files in a private
 * directory, written under a temporary name and renamed, so a reader sees
 * a whole copy or none. The id is read from the copy itself, so the name
 * always matches the bytes, even when the build rewrites the .ko while
 * it is being copied.
 */
#include "core/module/kostore.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsdir.h"
#include "core/base/strutil.h"

#define NT_GNU_BUILD_ID_TYPE 3 /* NT_GNU_BUILD_ID */
/* Temporary copies older than this are leftovers of a crash. */
#define STALE_TMP_SECONDS 600

static void to_hex(const uint8_t *b, size_t n, char id[KO_ID_MAX + 1])
{
	for (size_t i = 0; i < n; i++)
		sprintf(id + 2 * i, "%02x", b[i]);
	id[2 * n] = '\0';
}

/* --- build ids ------------------------------------------------------------ */

/* The NT_GNU_BUILD_ID note of one note section or segment's data. */
static bool note_id(Elf_Data *data, char id[KO_ID_MAX + 1])
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
		if (nh.n_type != NT_GNU_BUILD_ID_TYPE || nh.n_namesz != 4 ||
		    memcmp((char *)data->d_buf + name_off, "GNU", 4) ||
		    !nh.n_descsz || nh.n_descsz > KO_ID_MAX / 2)
			continue;
		to_hex((uint8_t *)data->d_buf + desc_off, nh.n_descsz, id);
		return true;
	}
	return false;
}

static bool elf_id(Elf *elf, char id[KO_ID_MAX + 1])
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *data;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE &&
		    (data = elf_getdata(scn, NULL)) && note_id(data, id))
			return true;
	return false;
}

static int fd_build_id(int fd, char id[KO_ID_MAX + 1]);

static void id_error(const char *path, int rc, char *err, size_t errlen)
{
	if (rc == -EINVAL)
		snprintf(err, errlen, "%s is not an ELF file", path);
	else
		snprintf(
			err, errlen,
			"%s has no GNU build id note (linked without --build-id?)",
			path);
}

int ko_build_id(const char *path, char id[KO_ID_MAX + 1], char *err,
		size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	id[0] = '\0';
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return rc;
	}
	rc = fd_build_id(fd, id);
	close(fd);
	if (rc)
		id_error(path, rc, err, errlen);
	return rc;
}

/* The bytes of a hex dump: "04 00 00 00 ..." (od), or "0400..." (xxd -p). */
static size_t hex_bytes(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int half = -1;

	for (const char *p = text; *p; p++) {
		int c = tolower((unsigned char)*p), v;

		if (isspace(c)) {
			if (half >= 0)
				return 0; /* an odd number of digits */
			continue;
		}
		if (!isxdigit(c) || n == cap)
			return 0;
		v = isdigit(c) ? c - '0' : c - 'a' + 10;
		if (half < 0) {
			half = v;
		} else {
			out[n++] = (uint8_t)(half * 16 + v);
			half = -1;
		}
	}
	return half >= 0 ? 0 : n;
}

static uint32_t word(const uint8_t *b, bool le)
{
	return le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 |
			       (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24 :
		    (uint32_t)b[3] | (uint32_t)b[2] << 8 |
			       (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
}

/* The build id among the notes in b, read in one byte order. */
static bool notes_id(const uint8_t *b, size_t n, bool le,
		     char id[KO_ID_MAX + 1])
{
	size_t off = 0;

	while (off + 12 <= n) {
		uint32_t namesz = word(b + off, le),
			 descsz = word(b + off + 4, le);
		size_t name = off + 12, desc = name + ((namesz + 3) & ~3u);

		if (namesz > n || descsz > n || desc + descsz > n)
			return false;
		if (word(b + off + 8, le) == NT_GNU_BUILD_ID_TYPE &&
		    namesz == 4 && !memcmp(b + name, "GNU", 4) && descsz &&
		    descsz <= KO_ID_MAX / 2) {
			to_hex(b + desc, descsz, id);
			return true;
		}
		off = desc + ((descsz + 3) & ~3u);
	}
	return false;
}

int ko_build_id_from_hexdump(const char *text, char id[KO_ID_MAX + 1])
{
	/* a module's note is 36 bytes; the kernel's notes hold a few more */
	uint8_t b[2048];
	size_t n = hex_bytes(text, b, sizeof(b));

	id[0] = '\0';
	/* the target's byte order: the one the notes make sense in */
	if (n >= 16 && (notes_id(b, n, true, id) || notes_id(b, n, false, id)))
		return 0;
	return -EINVAL;
}

/* --- the store -------------------------------------------------------------- */

struct kostore {
	char *dir;
	char **pins;
	size_t npins;
};

static bool is_id(const char *s, size_t n)
{
	if (!n || n > KO_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

char *kostore_default_dir(const char *target)
{
	char *state = str_state_dir();
	char *dir = state ? str_printf("%s/%s/ko", state, target) : NULL;

	free(state);
	return dir;
}

struct kostore *kostore_open(const char *dir, char *err, size_t errlen)
{
	struct kostore *ks;

	if (fsdir_private(dir, err, errlen))
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks || !(ks->dir = strdup(dir))) {
		free(ks);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return ks;
}

static void free_pins(struct kostore *ks)
{
	for (size_t i = 0; i < ks->npins; i++)
		free(ks->pins[i]);
	free(ks->pins);
	ks->pins = NULL;
	ks->npins = 0;
}

void kostore_free(struct kostore *ks)
{
	if (!ks)
		return;
	free_pins(ks);
	free(ks->dir);
	free(ks);
}

void kostore_pin(struct kostore *ks, const char *const *ids, size_t n)
{
	free_pins(ks);
	ks->pins = calloc(n ? n : 1, sizeof(*ks->pins));
	if (!ks->pins)
		return;
	for (size_t i = 0; i < n; i++)
		if ((ks->pins[ks->npins] = strdup(ids[i])))
			ks->npins++;
}

static bool pinned(const struct kostore *ks, const char *id, size_t n)
{
	for (size_t i = 0; i < ks->npins; i++)
		if (strlen(ks->pins[i]) == n && !memcmp(ks->pins[i], id, n))
			return true;
	return false;
}

int kostore_find(const struct kostore *ks, const char *id, char *path,
		 size_t cap)
{
	struct stat st;

	if (!is_id(id, strlen(id)))
		return -ENOENT;
	snprintf(path, cap, "%s/%s.ko", ks->dir, id);
	return stat(path, &st) || !S_ISREG(st.st_mode) ? -ENOENT : 0;
}

/* --- keeping a copy ---------------------------------------------------------- */

static int copy_fd(int in, int out)
{
	char buf[1 << 16];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w < 0)
				return -errno;
			done += w;
		}
	return n < 0 ? -errno : 0;
}

/* A new temporary file in the store holding ko's bytes; fd left open. */
static int copy_to_tmp(struct kostore *ks, const char *ko, char **tmp, int *fd,
		       char *err, size_t errlen)
{
	int in = open(ko, O_RDONLY | O_CLOEXEC), rc;

	if (in < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", ko, strerror(-rc));
		return rc;
	}
	*tmp = str_printf("%s/.keep.XXXXXX", ks->dir);
	*fd = *tmp ? mkostemp(*tmp, O_CLOEXEC) : -1;
	rc = *fd < 0 ? -errno : copy_fd(in, *fd);
	/* on disk before the rename: a crash leaves no ID.ko with holes */
	if (!rc && fsync(*fd))
		rc = -errno;
	close(in);
	if (rc)
		snprintf(err, errlen, "cannot copy %s into %s: %s", ko, ks->dir,
			 strerror(-rc));
	return rc;
}

static int fd_build_id(int fd, char id[KO_ID_MAX + 1])
{
	Elf *elf;
	int rc = -ENOENT;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		rc = -EINVAL;
	else if (elf_id(elf, id))
		rc = 0;
	elf_end(elf);
	return rc;
}

struct kept {
	char name[KO_ID_MAX + 4];
	struct timespec mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* One directory entry: an ID.ko to count, or a crash's leftover. */
static bool scan_entry(DIR *dir, const char *name, struct kept *k)
{
	size_t n = strlen(name);
	struct stat st;

	if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISREG(st.st_mode))
		return false;
	if (!strncmp(name, ".keep.", 6)) {
		if (st.st_mtime + STALE_TMP_SECONDS < time(NULL))
			unlinkat(dirfd(dir), name, 0);
		return false;
	}
	if (n < 4 || strcmp(name + n - 3, ".ko") || !is_id(name, n - 3))
		return false;
	memcpy(k->name, name, n + 1); /* is_id() bounded n */
	k->mtime = st.st_mtim;
	return true;
}

/* Keeps the newest KOSTORE_KEEP copies and the pinned ones. */
static void trim(struct kostore *ks)
{
	DIR *dir = opendir(ks->dir);
	struct kept *all = NULL, *more;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			more = realloc(all, cap * sizeof(*all));
			if (!more)
				break;
			all = more;
		}
		if (scan_entry(dir, e->d_name, &all[n]))
			n++;
	}
	qsort(all, n, sizeof(*all), newest_first);
	for (size_t i = KOSTORE_KEEP; i < n; i++)
		if (!pinned(ks, all[i].name, strlen(all[i].name) - 3))
			unlinkat(dirfd(dir), all[i].name, 0);
	free(all);
	closedir(dir);
}

/* Files the temporary copy under its id (or, if there, drops it). */
static int file_copy(struct kostore *ks, const char *tmp, const char *id,
		     char *err, size_t errlen)
{
	char *dest = str_printf("%s/%s.ko", ks->dir, id);
	struct stat st;
	int rc = 0;

	if (!dest)
		return -ENOMEM;
	if (!stat(dest, &st)) {
		/* the same build deployed again: now the newest */
		unlink(tmp);
		utimensat(AT_FDCWD, dest, NULL, 0);
	} else if (rename(tmp, dest)) {
		rc = -errno;
		snprintf(err, errlen, "cannot keep %s: %s", dest,
			 strerror(errno));
	}
	free(dest);
	return rc;
}

int kostore_keep(struct kostore *ks, const char *ko, char id[KO_ID_MAX + 1],
		 char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd = -1, rc;

	id[0] = '\0';
	rc = copy_to_tmp(ks, ko, &tmp, &fd, err, errlen);
	if (!rc && (rc = fd_build_id(fd, id)))
		id_error(ko, rc, err, errlen);
	if (fd >= 0)
		close(fd);
	if (!rc)
		rc = file_copy(ks, tmp, id, err, errlen);
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	if (!rc)
		trim(ks);
	return rc;
}
