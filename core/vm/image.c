// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash image prepare, step by step (image.h): the working copy, what the
 * image is (MBR, FAT boot, the ext4 root cmdline.txt names, arm64, the
 * user), the keys, the edits, the boot files, then the record of it all
 * (CACHE/image/NAME/prepared), which also says "already prepared" when
 * the same file comes again. New files are written beside the old ones
 * and renamed into place only when everything worked.
 */
#include "core/vm/image.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/base/fsfile.h"
#include "core/base/fsdir.h"
#include "core/base/proc_run.h"
#include "core/vm/image_int.h"

/* Bumped when the edits change: an image prepared before is redone. */
#define PREPARE_VERSION 1
/*
 * Room for the edits and the boot files besides the copy, when checking
 * before the copy (an estimate: a disk that fills later is said too).
 */
#define SPARE_BYTES (UINT64_C(16) << 20)
#define EM_ARM 40
#define EM_X86_64 62
#define EM_AARCH64 183
#define REGEN_UNIT "regenerate_ssh_host_keys.service"
#define PI3_DTBS "bcm2710-rpi-3-b.dtb or bcm2837-rpi-3-b.dtb"

/* The host keys Raspberry Pi OS's ssh-keygen -A makes, kmdash's instead. */
static const char *const host_key_types[] = { "ed25519", "ecdsa", "rsa" };
/* The Pi 3's device tree: Raspberry Pi OS's name, then Debian's. */
static const char *const pi3_dtbs[] = { "bcm2710-rpi-3-b.dtb",
					"bcm2837-rpi-3-b.dtb" };

struct prep {
	const struct image_opts *o;
	struct image_result *r;
	char *err;
	size_t errlen;
	const char *src;
	char copy[PATH_MAX + 32]; /* the working copy, until renamed */
	char ktmp[PATH_MAX + 32], dtmp[PATH_MAX + 32], itmp[PATH_MAX + 32];
	char keys[PATH_MAX + 16];
	struct image_table t;
	const struct image_part *boot, *root;
	struct image_fat fat;
	struct image_ext4 ext;
	char dtb_name[64];
	char source_id[PATH_MAX + 128];
};

static void say(const struct prep *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct prep *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!p->o->say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->o->say(p->o->arg, line);
}

static int fail(struct prep *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct prep *p, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* A full disk is said the same way wherever it shows. */
static int no_space(struct prep *p)
{
	struct statvfs v;
	uint64_t free_b = 0;

	if (statvfs(p->r->dir, &v) == 0)
		free_b = (uint64_t)v.f_bavail * v.f_frsize;
	return fail(
		p, -ENOSPC,
		"no space left in %s for the working copy of %s (%llu MB free there): free some, or set KMDASH_CACHE_DIR to a roomier place",
		p->r->dir, p->src, (unsigned long long)(free_b >> 20));
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

/* --- the machine ------------------------------------------------------------ */

int image_machine_check(const char *machine, const char *qemu, char *err,
			size_t errlen)
{
	const char *m = machine ? machine : IMAGE_MACHINE;
	const char *argv[] = { qemu ? qemu : VM_QEMU, "--version", NULL };
	struct proc_result res;
	char out[512], ver[64];
	int major, minor;

	if (!strcmp(m, IMAGE_MACHINE))
		return 0;
	if (strcmp(m, IMAGE_MACHINE_PI4)) {
		snprintf(err, errlen, "unknown machine '%s' (%s, %s)", m,
			 IMAGE_MACHINE, IMAGE_MACHINE_PI4);
		return -EINVAL;
	}
	if (proc_run(argv, NULL, out, sizeof(out), &res, err, errlen) < 0)
		return -ENOENT;
	if (image_qemu_version_parse(out, &major, &minor, ver, sizeof(ver))) {
		snprintf(err, errlen, "%s --version says no version: %s",
			 argv[0], out);
		return -EINVAL;
	}
	if (major < IMAGE_PI4_QEMU_MAJOR ||
	    (major == IMAGE_PI4_QEMU_MAJOR && minor < IMAGE_PI4_QEMU_MINOR))
		snprintf(
			err, errlen,
			"the %s machine needs QEMU %d.%d or newer; %s here is QEMU %s: use --machine %s (Raspberry Pi OS's arm64 image boots on the Pi 3 model too)",
			IMAGE_MACHINE_PI4, IMAGE_PI4_QEMU_MAJOR,
			IMAGE_PI4_QEMU_MINOR, argv[0], ver, IMAGE_MACHINE);
	else
		snprintf(
			err, errlen,
			"QEMU %s has the %s machine, but kmdash boots Raspberry Pi OS images on %s only: use --machine %s",
			ver, IMAGE_MACHINE_PI4, IMAGE_MACHINE, IMAGE_MACHINE);
	return -ENOTSUP;
}

/* --- the cache directory and the record ------------------------------------ */

static int make_dirs(struct prep *p)
{
	char why[PATH_MAX + 128], probe[PATH_MAX + 16];
	int rc;

	snprintf(p->r->dir, sizeof(p->r->dir), "%s/image/%s", p->o->cache_dir,
		 p->o->name);
	rc = fsdir_make(p->r->dir);
	if (rc == -EROFS || rc == -EACCES || rc == -EPERM)
		return fail(
			p, rc,
			"cannot write to the cache %s/image: %s: set KMDASH_CACHE_DIR (or XDG_CACHE_HOME) to a writable directory",
			p->o->cache_dir, strerror(-rc));
	if (rc)
		return fail(p, rc, "cannot create %s: %s", p->r->dir,
			    strerror(-rc));
	/* a directory that exists tells nothing: try to write in it */
	snprintf(probe, sizeof(probe), "%s/.probe", p->r->dir);
	rc = write_file(probe, "", 0600);
	unlink(probe);
	if (rc == -ENOSPC)
		return no_space(p);
	if (rc)
		return fail(
			p, rc,
			"cannot write to the cache %s: %s: set KMDASH_CACHE_DIR (or XDG_CACHE_HOME) to a writable directory",
			p->r->dir, strerror(-rc));
	snprintf(p->keys, sizeof(p->keys), "%s/keys", p->r->dir);
	rc = fsdir_private(p->keys, why, sizeof(why));
	return rc ? fail(p, rc, "%s", why) : 0;
}

/* Who the source is: a changed file is prepared again. */
static int source_id(struct prep *p)
{
	char abs[PATH_MAX];
	struct stat st;

	if (!realpath(p->src, abs) || stat(abs, &st) < 0)
		return fail(p, -errno, "cannot read %s: %s", p->src,
			    strerror(errno));
	snprintf(p->source_id, sizeof(p->source_id),
		 "%d %s %llu:%llu:%lld:%lld.%09ld user=%s machine=%s",
		 PREPARE_VERSION, abs, (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, (long long)st.st_size,
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		 p->o->user ? p->o->user : "-",
		 p->o->machine ? p->o->machine : IMAGE_MACHINE);
	return 0;
}

/* The record's lines: KEY=VALUE, one per result field. */
#define RF_STR(k, f)                                               \
	{                                                          \
		k, offsetof(struct image_result, f),               \
			sizeof(((struct image_result *)0)->f), 's' \
	}
#define RF_U64(k, f)                                        \
	{                                                   \
		k, offsetof(struct image_result, f), 0, 'u' \
	}
#define RF_UINT(k, f)                                       \
	{                                                   \
		k, offsetof(struct image_result, f), 0, 'i' \
	}

static const struct {
	const char *key;
	size_t off, cap;
	char kind;
} record[] = {
	RF_STR("IMAGE", image),
	RF_STR("KERNEL", kernel),
	RF_STR("DTB", dtb),
	RF_STR("INITRD", initrd),
	RF_STR("CLIENT_KEY", client_key),
	RF_STR("HOST_KEY_PUB", host_key_pub),
	RF_STR("USER", user),
	RF_UINT("UID", uid),
	RF_UINT("GID", gid),
	RF_STR("HOME", home),
	RF_STR("PARTUUID", partuuid),
	RF_STR("APPEND", append),
	RF_STR("RELEASES", releases),
	RF_U64("SIZE", size),
	RF_U64("GROWN", grown),
};

#define NRECORD (sizeof(record) / sizeof(record[0]))

static int write_record(struct prep *p)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	char *text = malloc(16384);
	size_t o;
	int rc;

	if (!text)
		return -ENOMEM;
	o = (size_t)snprintf(
		text, 16384,
		"# kmdash image prepare: what %s became\nSOURCE=%s\n", p->src,
		p->source_id);
	for (size_t i = 0; i < NRECORD && o < 16384; i++) {
		const char *f = (const char *)p->r + record[i].off;

		if (record[i].kind == 's')
			o += (size_t)snprintf(text + o, 16384 - o, "%s=%s\n",
					      record[i].key, f);
		else if (record[i].kind == 'u')
			o += (size_t)snprintf(
				text + o, 16384 - o, "%s=%llu\n", record[i].key,
				(unsigned long long)*(const uint64_t *)f);
		else
			o += (size_t)snprintf(text + o, 16384 - o, "%s=%u\n",
					      record[i].key,
					      *(const unsigned int *)f);
	}
	snprintf(path, sizeof(path), "%s/prepared", p->r->dir);
	snprintf(tmp, sizeof(tmp), "%s/.prepared.tmp", p->r->dir);
	rc = write_file(tmp, text, 0644);
	free(text);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	return rc;
}

/* 1: the record says this source was prepared (r filled); 0: not. */
static int read_record(struct prep *p)
{
	char path[PATH_MAX + 32], *text = malloc(16384), *line, *save = NULL;
	struct image_result *r = malloc(sizeof(*r));
	bool same = false;
	struct stat st;

	if (!text || !r) {
		free(text);
		free(r);
		return 0;
	}
	*r = *p->r;
	snprintf(path, sizeof(path), "%s/prepared", p->r->dir);
	if (fsfile_read(path, text, 16384) <= 0) {
		free(text);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq || line[0] == '#')
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "SOURCE"))
			same = !strcmp(eq, p->source_id);
		for (size_t i = 0; i < NRECORD; i++) {
			char *f = (char *)r + record[i].off;

			if (strcmp(line, record[i].key))
				continue;
			if (record[i].kind == 's')
				snprintf(f, record[i].cap, "%s", eq);
			else if (record[i].kind == 'u')
				*(uint64_t *)f = strtoull(eq, NULL, 10);
			else
				*(unsigned int *)f =
					(unsigned int)strtoul(eq, NULL, 10);
		}
	}
	free(text);
	/* the files it names must still be there */
	if (!same || stat(r->image, &st) < 0 || stat(r->kernel, &st) < 0 ||
	    stat(r->dtb, &st) < 0 || stat(r->client_key, &st) < 0 ||
	    stat(r->host_key_pub, &st) < 0 ||
	    (r->initrd[0] && stat(r->initrd, &st) < 0)) {
		free(r);
		return 0;
	}
	r->data = image_disk_usage(r->image);
	*p->r = *r;
	free(r);
	return 1;
}

/* --- the copy ------------------------------------------------------------------ */

static int space_for(struct prep *p)
{
	struct statvfs v;
	uint64_t need = image_disk_usage(p->src) + SPARE_BYTES;

	if (statvfs(p->r->dir, &v) < 0)
		return 0;
	if ((uint64_t)v.f_bavail * v.f_frsize >= need)
		return 0;
	return fail(
		p, -ENOSPC,
		"not enough space in %s for the working copy of %s: it needs about %llu MB, %llu MB are free (free some, or set KMDASH_CACHE_DIR)",
		p->r->dir, p->src, (unsigned long long)(need >> 20),
		(unsigned long long)(((uint64_t)v.f_bavail * v.f_frsize) >>
				     20));
}

static int copy_in(struct prep *p)
{
	int rc = space_for(p);

	if (rc)
		return rc;
	snprintf(p->copy, sizeof(p->copy), "%s/.sd.img.tmp", p->r->dir);
	say(p, "copying %s to %s (sparse; the original is only read)", p->src,
	    p->r->dir);
	rc = image_copy_in(p->src, p->copy, &p->r->size, &p->r->data, p->err,
			   p->errlen);
	return rc == -ENOSPC ? no_space(p) : rc;
}

/* --- the boot partition --------------------------------------------------------- */

static void part_list(const struct image_table *t, char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%d: type 0x%02x",
				      i ? ", " : "", t->p[i].num, t->p[i].type);
}

static int find_boot(struct prep *p)
{
	char list[256], why[512];
	int rc;

	for (int i = 0; i < p->t.n && !p->boot; i++)
		if (image_type_is_fat(p->t.p[i].type))
			p->boot = &p->t.p[i];
	part_list(&p->t, list, sizeof(list));
	if (!p->boot)
		return fail(
			p, -EINVAL,
			"%s has no FAT partition (partitions %s): a Raspberry Pi OS image boots from a FAT32 one",
			p->src, list);
	rc = image_fat_open(&p->fat, p->copy, p->boot->start, why, sizeof(why));
	if (rc)
		return fail(
			p, rc,
			"%s: partition %d (type 0x%02x) holds no FAT file system: %s",
			p->src, p->boot->num, p->boot->type, why);
	return 0;
}

/* A boot file copied out to dest (a temporary name in the cache). */
static int boot_file(struct prep *p, const char *name, const char *dest)
{
	char why[512];
	int rc;

	rc = image_fat_get(&p->fat, image_fat_find(&p->fat, name), dest, why,
			   sizeof(why));
	if (rc == -ENOSPC)
		return no_space(p);
	return rc ? fail(p, rc,
			 "%s: cannot copy %s out of its boot partition: %s",
			 p->src, name, why) :
		    0;
}

static int check_kernel(struct prep *p)
{
	unsigned char h[64];
	int fd = open(p->ktmp, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;

	if (fd >= 0)
		close(fd);
	/* compressed (the firmware takes gzip): its userland tells below */
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return 0;
	/* arm64's Image header: "ARM\x64" at 56 */
	if (n == (ssize_t)sizeof(h) && !memcmp(h + 56, "ARM\x64", 4))
		return 0;
	return fail(
		p, -ENOEXEC,
		"%s is not arm64: its kernel8.img is no arm64 kernel image (kmdash needs Raspberry Pi OS's arm64 image)",
		p->src);
}

static int boot_files(struct prep *p)
{
	static const char *const others[] = { "kernel7l.img", "kernel7.img",
					      "kernel.img" };
	int rc;

	if (!image_fat_find(&p->fat, "kernel8.img")) {
		for (size_t i = 0; i < 3; i++)
			if (image_fat_find(&p->fat, others[i]))
				return fail(
					p, -ENOEXEC,
					"%s is not arm64: its boot partition has %s but no kernel8.img (a 32-bit Raspberry Pi OS image); kmdash needs the arm64 one",
					p->src, others[i]);
		return fail(
			p, -ENOENT,
			"%s: its boot partition (partition %d) has no kernel8.img",
			p->src, p->boot->num);
	}
	for (size_t i = 0; i < 2 && !p->dtb_name[0]; i++)
		if (image_fat_find(&p->fat, pi3_dtbs[i]))
			snprintf(p->dtb_name, sizeof(p->dtb_name), "%s",
				 pi3_dtbs[i]);
	if (!p->dtb_name[0])
		return fail(
			p, -ENOENT,
			"%s: its boot partition has no device tree for the Pi 3 (%s)",
			p->src, PI3_DTBS);
	snprintf(p->ktmp, sizeof(p->ktmp), "%s/.kernel8.img.tmp", p->r->dir);
	snprintf(p->dtmp, sizeof(p->dtmp), "%s/.dtb.tmp", p->r->dir);
	snprintf(p->itmp, sizeof(p->itmp), "%s/.initramfs8.tmp", p->r->dir);
	rc = boot_file(p, "kernel8.img", p->ktmp);
	if (!rc)
		rc = check_kernel(p);
	if (!rc)
		rc = boot_file(p, p->dtb_name, p->dtmp);
	/* Bookworm boots through an initramfs; older images need none */
	if (!rc && image_fat_find(&p->fat, "initramfs8"))
		rc = boot_file(p, "initramfs8", p->itmp);
	else
		p->itmp[0] = '\0';
	return rc;
}

/* --- the root ------------------------------------------------------------------ */

/* root=PARTUUID=DISKID-NN, or /dev/mmcblk0pN, /dev/sdaN: the number. */
static int root_number(struct prep *p, const char *cmdline)
{
	const char *r = strstr(cmdline, "root=");
	char val[128];
	size_t n;

	while (r && r != cmdline && r[-1] != ' ')
		r = strstr(r + 1, "root=");
	if (!r)
		return fail(p, -EINVAL,
			    "%s: its cmdline.txt names no root (root=...)",
			    p->src);
	r += 5;
	n = strcspn(r, " \t\r\n");
	snprintf(val, sizeof(val), "%.*s", (int)n, r);
	if (!strncmp(val, "PARTUUID=", 9)) {
		const char *dash = strrchr(val, '-');

		if (dash && (size_t)(dash - val - 9) == strlen(p->t.disk_id) &&
		    !strncasecmp(val + 9, p->t.disk_id, strlen(p->t.disk_id)))
			return atoi(dash + 1);
		return fail(
			p, -EINVAL,
			"%s: its cmdline.txt's root=%s names no partition of the image (its disk id is %s)",
			p->src, val, p->t.disk_id);
	}
	if (!strncmp(val, "/dev/mmcblk0p", 13))
		return atoi(val + 13);
	if (!strncmp(val, "/dev/sda", 8))
		return atoi(val + 8);
	return fail(
		p, -EINVAL,
		"%s: its cmdline.txt's root=%s is not understood (kmdash reads root=PARTUUID=DISKID-NN or /dev/mmcblk0pN)",
		p->src, val);
}

static int find_root(struct prep *p, const char *cmdline)
{
	char what[128];
	int num = root_number(p, cmdline);

	if (num < 0)
		return num;
	p->root = image_part_num(&p->t, num);
	if (!p->root)
		return fail(
			p, -EINVAL,
			"%s has no ext4 root: cmdline.txt names partition %d, which its MBR does not have",
			p->src, num);
	if (p->root->type != 0x83)
		return fail(
			p, -EINVAL,
			"%s has no ext4 root: partition %d (the root cmdline.txt names) is type 0x%02x, not Linux (0x83)",
			p->src, num, p->root->type);
	snprintf(p->r->partuuid, sizeof(p->r->partuuid), "%s-%02d",
		 p->t.disk_id, num);
	snprintf(what, sizeof(what),
		 "%s: partition %d (the root cmdline.txt names)", p->src, num);
	return image_ext4_open(&p->ext, p->copy, p->root->start, what, p->err,
			       p->errlen);
}

static int check_userland(struct prep *p)
{
	static const char *const progs[] = { "/sbin/init", "/bin/sh" };
	int m = -ENOENT;
	size_t i;

	for (i = 0; i < 2 && m == -ENOENT; i++)
		m = image_ext4_elf_machine(&p->ext, progs[i]);
	if (m == EM_AARCH64)
		return 0;
	if (m < 0)
		return fail(
			p, -ENOENT,
			"%s: the root file system (partition %d) has no program at /sbin/init or /bin/sh: is it Raspberry Pi OS's root?",
			p->src, p->root->num);
	return fail(
		p, -ENOEXEC,
		"%s is not arm64: the root file system's %s is %s; kmdash needs Raspberry Pi OS's arm64 image",
		p->src, progs[i - 1],
		m == EM_ARM    ? "a 32-bit ARM (armhf) program" :
		m == EM_X86_64 ? "an x86-64 program" :
				 "a program for another machine");
}

static bool has_home(const char *home, void *arg)
{
	return image_ext4_is_dir(arg, home);
}

static int find_user(struct prep *p)
{
	char *pw = malloc(65536);
	struct image_user u;
	long n;
	int rc;

	if (!pw)
		return -ENOMEM;
	n = image_ext4_read(&p->ext, "/etc/passwd", pw, 65536, p->err,
			    p->errlen);
	if (n < 0) {
		free(pw);
		return (int)n;
	}
	rc = image_find_user(pw, p->o->user, has_home, &p->ext, &u);
	free(pw);
	if (rc == -ENOTDIR)
		return fail(
			p, rc,
			"%s: user %s's home %s does not exist in the root file system",
			p->src, u.name, u.home);
	if (rc && p->o->user)
		return fail(
			p, rc,
			"%s: there is no user '%s' in the root file system's /etc/passwd",
			p->src, p->o->user);
	if (rc)
		return fail(
			p, rc,
			"%s: the root file system's /etc/passwd has no user with uid 1000 and a home directory (name the user with --user)",
			p->src);
	snprintf(p->r->user, sizeof(p->r->user), "%s", u.name);
	snprintf(p->r->home, sizeof(p->r->home), "%s", u.home);
	p->r->uid = u.uid;
	p->r->gid = u.gid;
	return 0;
}

/* --- keys ------------------------------------------------------------------------ */

static int keygen(struct prep *p, const char *type, const char *path,
		  const char *comment)
{
	const char *argv[] = { "ssh-keygen", "-q",    "-t", type, "-N", "",
			       "-C",	     comment, "-f", path, NULL };
	struct proc_result res;
	char out[512], line[256];
	struct stat st;

	if (stat(path, &st) == 0)
		return 0;
	if (proc_run(argv, NULL, out, sizeof(out), &res, p->err, p->errlen))
		return fail(p, -ENOENT,
			    "%s (install openssh-client: make deps)", p->err);
	if (res.exited && res.exit_code == 0)
		return 0;
	proc_run_first_line(out, line, sizeof(line));
	return fail(p, -EIO, "ssh-keygen -t %s -f %s failed: %s", type, path,
		    line);
}

static int make_keys(struct prep *p)
{
	char path[PATH_MAX + 64], comment[128];
	int rc;

	snprintf(p->r->client_key, sizeof(p->r->client_key), "%s/id_ed25519",
		 p->keys);
	snprintf(comment, sizeof(comment), "kmdash@%s", p->o->name);
	rc = keygen(p, "ed25519", p->r->client_key, comment);
	snprintf(comment, sizeof(comment), "root@%s", p->o->name);
	for (size_t i = 0; i < 3 && !rc; i++) {
		snprintf(path, sizeof(path), "%s/ssh_host_%s_key", p->keys,
			 host_key_types[i]);
		rc = keygen(p, host_key_types[i], path, comment);
	}
	snprintf(p->r->host_key_pub, sizeof(p->r->host_key_pub),
		 "%s/ssh_host_ed25519_key.pub", p->keys);
	return rc;
}

/* --- the edits ----------------------------------------------------------------- */

/* Reads a file of the cache (a key) into buf. */
static int key_text(struct prep *p, const char *path, char *buf, size_t cap)
{
	long n = fsfile_read(path, buf, cap);

	if (n <= 0)
		return fail(p, n < 0 ? (int)n : -EIO, "cannot read %s: %s",
			    path, strerror(n < 0 ? (int)-n : EIO));
	return 0;
}

static int authorize(struct prep *p)
{
	char dir[PATH_MAX + 8], path[PATH_MAX + 64], pub[1024], *keys;
	size_t klen, plen;
	long n;
	int rc;

	snprintf(path, sizeof(path), "%s.pub", p->r->client_key);
	rc = key_text(p, path, pub, sizeof(pub));
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s/.ssh", p->r->home);
	rc = image_ext4_mkdir(&p->ext, dir, 0700, p->r->uid, p->r->gid, p->err,
			      p->errlen);
	if (rc)
		return rc;
	/* the user's own keys stay; ours once, however often this runs */
	snprintf(path, sizeof(path), "%s/authorized_keys", dir);
	keys = malloc(65536 + sizeof(pub));
	if (!keys)
		return -ENOMEM;
	n = image_ext4_exists(&p->ext, path) ?
		    image_ext4_read(&p->ext, path, keys, 65536, p->err,
				    p->errlen) :
		    0;
	if (n < 0) {
		free(keys);
		return (int)n;
	}
	/* never write back a part of what the user had */
	if (n >= 65535) {
		free(keys);
		return fail(
			p, -EFBIG,
			"%s: the root file system's %s is larger than 64 KiB: add kmdash's key (%s.pub) yourself",
			p->src, path, p->r->client_key);
	}
	klen = (size_t)n;
	plen = strcspn(pub, "\n");
	pub[plen] = '\0';
	if (!strstr(keys, pub)) {
		if (klen && keys[klen - 1] != '\n')
			keys[klen++] = '\n';
		klen += (size_t)sprintf(keys + klen, "%s\n", pub);
	}
	rc = image_ext4_write(&p->ext, path, keys, klen, 0600, p->r->uid,
			      p->r->gid, p->err, p->errlen);
	free(keys);
	return rc;
}

static int host_keys(struct prep *p)
{
	char names[4096], *save = NULL, *w;
	char path[PATH_MAX + 64], dst[PATH_MAX + 64], *key = malloc(16384);
	int rc = key ? 0 : -ENOMEM;

	if (!rc)
		rc = image_ext4_mkdir(&p->ext, "/etc/ssh", 0755, 0, 0, p->err,
				      p->errlen);
	/* old keys of other types would be offered too: only ours stay */
	if (!rc &&
	    image_ext4_list(&p->ext, "/etc/ssh", names, sizeof(names)) == 0)
		for (w = strtok_r(names, " ", &save); w && !rc;
		     w = strtok_r(NULL, " ", &save)) {
			if (strncmp(w, "ssh_host_", 9))
				continue;
			snprintf(path, sizeof(path), "/etc/ssh/%s", w);
			rc = image_ext4_remove(&p->ext, path, p->err,
					       p->errlen);
		}
	for (size_t i = 0; i < 3 && !rc; i++) {
		for (int pub = 0; pub < 2 && !rc; pub++) {
			snprintf(path, sizeof(path), "%s/ssh_host_%s_key%s",
				 p->keys, host_key_types[i], pub ? ".pub" : "");
			snprintf(dst, sizeof(dst), "/etc/ssh/ssh_host_%s_key%s",
				 host_key_types[i], pub ? ".pub" : "");
			rc = key_text(p, path, key, 16384);
			if (!rc)
				rc = image_ext4_write(&p->ext, dst, key,
						      strlen(key),
						      pub ? 0644 : 0600, 0, 0,
						      p->err, p->errlen);
		}
	}
	free(key);
	return rc;
}

/*
 * Raspberry Pi OS deletes the host keys and makes new ones on its first
 * boot (a systemd unit that then disables itself): masked, the keys
 * written above are the ones known_hosts has from the first connection.
 */
static int mask_regeneration(struct prep *p)
{
	static const char *const wants[] = {
		"/etc/systemd/system/multi-user.target.wants/" REGEN_UNIT,
		"/etc/systemd/system/sshd.service.wants/" REGEN_UNIT,
	};
	int rc = 0;

	if (!image_ext4_is_dir(&p->ext, "/etc/systemd/system"))
		return 0;
	for (size_t i = 0; i < 2 && !rc; i++)
		rc = image_ext4_remove(&p->ext, wants[i], p->err, p->errlen);
	if (!rc)
		rc = image_ext4_symlink(&p->ext,
					"/etc/systemd/system/" REGEN_UNIT,
					"/dev/null", p->err, p->errlen);
	return rc;
}

/* Keys only: the guide's image also accepts the user's password. */
static int sshd_keys_only(struct prep *p)
{
	static const char conf[] =
		"# Written by kmdash image prepare: log in by key only.\n"
		"PasswordAuthentication no\n"
		"KbdInteractiveAuthentication no\n";
	int rc = image_ext4_mkdir(&p->ext, "/etc/ssh/sshd_config.d", 0755, 0, 0,
				  p->err, p->errlen);

	return rc ? rc :
		    image_ext4_write(&p->ext,
				     "/etc/ssh/sshd_config.d/kmdash.conf", conf,
				     sizeof(conf) - 1, 0644, 0, 0, p->err,
				     p->errlen);
}

/*
 * The user as Raspberry Pi OS creates it on the first boot: userconf.txt
 * with a SHA-512 crypt hash of a random password nobody ever needs (login
 * is by key) and that is not kept anywhere.
 */
static int userconf_line(struct prep *p, char *line, size_t cap)
{
	static const char b64[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[24];
	char pw[sizeof(rnd) + 1], setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *hash;

	if (!cd)
		return -ENOMEM;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
	    !crypt_gensalt_rn("$6$", 0, NULL, 0, setting, sizeof(setting))) {
		free(cd);
		return fail(p, -EIO, "cannot make a random password: %s",
			    strerror(errno));
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		pw[i] = b64[rnd[i] % 64];
	pw[sizeof(rnd)] = '\0';
	hash = crypt_r(pw, setting, cd);
	explicit_bzero(pw, sizeof(pw));
	if (!hash || hash[0] != '$') {
		free(cd);
		return fail(p, -EIO, "crypt(3) cannot make a SHA-512 hash");
	}
	snprintf(line, cap, "%s:%s\n", p->r->user, hash);
	free(cd);
	return 0;
}

static int edit_boot(struct prep *p)
{
	char path[PATH_MAX + 32], line[256], why[512];
	int rc;

	snprintf(path, sizeof(path), "%s/.boot.tmp", p->r->dir);
	rc = write_file(path, "", 0600);
	if (!rc)
		rc = image_fat_put(&p->fat, path, "ssh", why, sizeof(why));
	if (!rc)
		rc = userconf_line(p, line, sizeof(line));
	if (!rc)
		rc = write_file(path, line, 0600);
	if (!rc)
		rc = image_fat_put(&p->fat, path, "userconf.txt", why,
				   sizeof(why));
	unlink(path);
	if (rc == -ENOSPC)
		return no_space(p);
	if (rc && !p->err[0])
		return fail(p, rc, "%s: cannot write its boot partition: %s",
			    p->src, rc == -EIO ? why : strerror(-rc));
	return rc;
}

static int edit_root(struct prep *p)
{
	int rc = authorize(p);

	if (!rc)
		rc = host_keys(p);
	if (!rc)
		rc = mask_regeneration(p);
	if (!rc)
		rc = sshd_keys_only(p);
	image_ext4_list(&p->ext, "/lib/modules", p->r->releases,
			sizeof(p->r->releases));
	if (rc == -ENOSPC && !strstr(p->err, " is full"))
		return no_space(p);
	return rc;
}

/* --- into place ---------------------------------------------------------------- */

static int grow(struct prep *p)
{
	p->r->grown = image_pow2_at_least(p->r->size);
	if (truncate(p->copy, (off_t)p->r->grown) < 0)
		return errno == ENOSPC ? no_space(p) :
					 fail(p, -errno, "cannot grow %s: %s",
					      p->copy, strerror(errno));
	return 0;
}

static int place(struct prep *p, const char *tmp, char *final, size_t cap,
		 const char *name)
{
	snprintf(final, cap, "%s/%s", p->r->dir, name);
	if (rename(tmp, final) < 0)
		return fail(p, -errno, "cannot rename %s to %s: %s", tmp, final,
			    strerror(errno));
	return 0;
}

static int install(struct prep *p)
{
	char old[PATH_MAX + 16];
	int rc;

	/* the record goes first: a half-renamed set is never "prepared" */
	snprintf(old, sizeof(old), "%s/prepared", p->r->dir);
	unlink(old);
	rc = place(p, p->copy, p->r->image, sizeof(p->r->image), "sd.img");
	if (!rc)
		rc = place(p, p->ktmp, p->r->kernel, sizeof(p->r->kernel),
			   "kernel8.img");
	for (size_t i = 0; i < 2 && !rc; i++) {
		snprintf(old, sizeof(old), "%s/%s", p->r->dir, pi3_dtbs[i]);
		unlink(old);
	}
	if (!rc)
		rc = place(p, p->dtmp, p->r->dtb, sizeof(p->r->dtb),
			   p->dtb_name);
	snprintf(old, sizeof(old), "%s/initramfs8", p->r->dir);
	if (!rc && p->itmp[0])
		rc = place(p, p->itmp, p->r->initrd, sizeof(p->r->initrd),
			   "initramfs8");
	else if (!rc)
		unlink(old);
	p->r->data = image_disk_usage(p->r->image);
	if (!rc)
		rc = write_record(p);
	return rc;
}

static void cleanup(struct prep *p)
{
	char err[256];

	image_ext4_close(&p->ext, err, sizeof(err));
	if (p->copy[0])
		unlink(p->copy);
	if (p->ktmp[0])
		unlink(p->ktmp);
	if (p->dtmp[0])
		unlink(p->dtmp);
	if (p->itmp[0])
		unlink(p->itmp);
}

static int run(struct prep *p)
{
	char cmdline[2048], path[PATH_MAX + 32];
	long n;
	int rc;

	rc = copy_in(p);
	if (!rc)
		rc = image_read_table(p->copy, p->src, p->r->size, &p->t,
				      p->err, p->errlen);
	if (!rc)
		rc = find_boot(p);
	if (rc)
		return rc;
	if (!image_fat_find(&p->fat, "cmdline.txt"))
		return fail(p, -ENOENT,
			    "%s: its boot partition has no cmdline.txt",
			    p->src);
	snprintf(path, sizeof(path), "%s/.cmdline.tmp", p->r->dir);
	rc = boot_file(p, "cmdline.txt", path);
	n = rc ? -1 : fsfile_read(path, cmdline, sizeof(cmdline));
	unlink(path);
	if (rc)
		return rc;
	if (n < 0)
		return fail(p, -EIO, "cannot read %s", path);
	if (image_boot_cmdline(cmdline, p->r->append, sizeof(p->r->append)))
		return fail(p, -EINVAL,
			    "%s: its cmdline.txt names no root (root=...)",
			    p->src);
	rc = find_root(p, cmdline);
	if (!rc)
		rc = boot_files(p);
	if (!rc)
		rc = check_userland(p);
	if (!rc)
		rc = find_user(p);
	if (rc)
		return rc;
	say(p, "user %s (uid %u), root PARTUUID=%s, device tree %s", p->r->user,
	    p->r->uid, p->r->partuuid, p->dtb_name);
	rc = make_keys(p);
	if (!rc)
		rc = edit_root(p);
	if (!rc)
		rc = image_ext4_close(&p->ext, p->err, p->errlen);
	if (rc == -ENOSPC && !strstr(p->err, " is full"))
		rc = no_space(p);
	if (!rc)
		rc = edit_boot(p);
	if (!rc)
		rc = grow(p);
	if (!rc)
		rc = install(p);
	return rc;
}

int image_prepare(const struct image_opts *o, struct image_result *r, char *err,
		  size_t errlen)
{
	struct prep p = {
		.o = o, .r = r, .err = err, .errlen = errlen, .src = o->src
	};
	char lock[PATH_MAX + 16];
	int rc, lfd;

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	rc = image_machine_check(o->machine, o->qemu, p.err, p.errlen);
	if (!rc)
		rc = source_id(&p);
	if (!rc)
		rc = make_dirs(&p);
	if (rc)
		return rc;
	snprintf(lock, sizeof(lock), "%s/.lock", r->dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		rc = fail(
			&p, -EBUSY,
			"%s is being prepared by another kmdash (%s is locked)",
			o->name, lock);
		if (lfd >= 0)
			close(lfd);
		return rc;
	}
	if (read_record(&p) == 1) {
		r->already = true;
		close(lfd);
		return 0;
	}
	rc = run(&p);
	cleanup(&p);
	close(lfd);
	return rc;
}
