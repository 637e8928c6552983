/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A user's Raspberry Pi OS image made bootable for kmdash, without root,
 * loop devices or mounts, and without touching the user's file: a sparse
 * working copy in the cache (CACHE/image/NAME/sd.img), grown to a power of
 * two (QEMU's SD card), then edited in place: the MBR read with libfdisk,
 * the FAT boot partition with mtools (argv), the ext4 root with libext2fs
 * in process. The edits are the ones the headless set-up guide makes with
 * sudo (ssh, userconf.txt) and the ones key-only, strict SSH needs: the
 * client key in the user's authorized_keys, host keys kmdash knows in
 * /etc/ssh, Raspberry Pi OS's first-boot key regeneration masked. The
 * kernel, the DTB and the initramfs are copied out to boot it with
 * QEMU's -kernel.
 *
 *   CACHE/image/NAME/  sd.img kernel8.img DTB [initramfs8] keys/ prepared
 */
#ifndef KMDASH_IMAGE_H
#define KMDASH_IMAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm/vm.h"

/* The machine Raspberry Pi OS images boot on here, and the one that waits. */
#define IMAGE_MACHINE "raspi3b"
#define IMAGE_MACHINE_PI4 "raspi4b"
/* QEMU's raspi4b came in this version; Debian 12 ships 7.2. */
#define IMAGE_PI4_QEMU_MAJOR 9
#define IMAGE_PI4_QEMU_MINOR 0
/*
 * An emulated Pi 3 is slow (TCG for 4 cores, USB networking through the
 * emulated dwc2): one SSH login took 2.7-7.1 s on a loaded 2-core host,
 * and the link probe's echo went unanswered for 5 s during a deploy. The
 * defaults (5 s each) failed the session's first connection and cut a
 * deploy; its target gets these.
 */
#define IMAGE_SSH_TIMEOUT_MS 20000
#define IMAGE_SSH_DEAD_AFTER_MS 15000

/* Progress, one line at a time (no newline). */
typedef void (*image_say_fn)(void *arg, const char *line);

struct image_opts {
	const char *src; /* the user's image: .img, or .img.xz */
	const char *name; /* the target's name (config_name_ok) */
	const char *user; /* NULL: the first uid 1000 with a home */
	const char *machine; /* NULL: IMAGE_MACHINE */
	const char *qemu; /* for the machine check; NULL: VM_QEMU */
	const char *cache_dir; /* the work goes to CACHE/image/NAME */
	image_say_fn say;
	void *arg;
};

struct image_result {
	bool already; /* prepared before from the same file: nothing done */
	char dir[PATH_MAX]; /* CACHE/image/NAME */
	char image[PATH_MAX + 16]; /* the working copy */
	char kernel[PATH_MAX + 16];
	char dtb[PATH_MAX + 48];
	char initrd[PATH_MAX + 16]; /* "" when the image has none */
	char client_key[PATH_MAX + 32]; /* the key kmdash logs in with */
	char host_key_pub[PATH_MAX + 48]; /* for known_hosts */
	char user[64];
	unsigned int uid, gid;
	char home[PATH_MAX];
	char partuuid[32]; /* the root, as cmdline.txt names it */
	/* the kernel command line QEMU boots it with */
	char append[1024];
	/* the image's kernel releases (/lib/modules), space separated */
	char releases[256];
	uint64_t size, grown; /* bytes: the image's, the copy's */
	uint64_t data; /* bytes the copy has on disk */
};

/*
 * Prepares o->src as o->name. 0 with r filled (r->already when the same
 * file was prepared as that name before: then nothing changes), or
 * -errno with a message in err that names the file and what is wrong.
 */
int image_prepare(const struct image_opts *o, struct image_result *r, char *err,
		  size_t errlen);

/* A target name from the image's file name ("2024-...-lite.img.xz" ->
 * "2024-...-lite"), cut to what names allow. */
void image_default_name(const char *src, char *buf, size_t cap);

/*
 * The kernel command line to boot with, from cmdline.txt's: the root and
 * its options stay; what only Raspberry Pi's firmware understands
 * (console=serial0), what hides the boot stages (quiet, splash) and the
 * first-boot script (init=...firstboot, which gives the disk a new id
 * that the root=PARTUUID would no longer match) go; the Pi 3's console
 * (its second UART) and nokaslr come in. -EINVAL when it names no root.
 */
int image_boot_cmdline(const char *cmdline_txt, char *out, size_t cap);

/*
 * The user kmdash logs in as, from /etc/passwd's text: the one called
 * want, else the first with uid 1000; has_home says whether a home
 * directory exists. 0 with name, uid, gid and home; -ENOENT when none.
 */
struct image_user {
	char name[64];
	unsigned int uid, gid;
	char home[PATH_MAX];
};
int image_find_user(const char *passwd, const char *want,
		    bool (*has_home)(const char *home, void *arg), void *arg,
		    struct image_user *u);

/* The smallest power of two >= n (n > 0). */
uint64_t image_pow2_at_least(uint64_t n);

/*
 * Can a Raspberry Pi OS image boot on MACHINE (NULL: IMAGE_MACHINE) with
 * QEMU (NULL: VM_QEMU)? 0, or a negative errno and err saying why: the
 * raspi4b machine names the QEMU it needs and the one found.
 */
int image_machine_check(const char *machine, const char *qemu, char *err,
			size_t errlen);

/*
 * The version "qemu --version" prints ("QEMU emulator version 7.2.22
 * (Debian ...)"): 0 with major, minor and the version's text.
 */
int image_qemu_version_parse(const char *text, int *major, int *minor,
			     char *version, size_t cap);

#endif
