// SPDX-License-Identifier: GPL-2.0
/*
 * What kmdash image prepare reads and writes without touching an image:
 * the kernel command line from cmdline.txt, the user from /etc/passwd,
 * QEMU's version, the target's name, the power of two of the SD card, and
 * the drop-in target (targets.d/NAME.json) read back by the config loader
 * into the QEMU command line that boots it. The image itself is tested by
 * tests/integration/image_prepare.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/vm/image.h"
#include "core/vm/vm.h"

static char tmpdir[] = "/tmp/kmdash-test-image.XXXXXX";

/* Raspberry Pi OS Bookworm's cmdline.txt, as the image ships it */
static const char rpios_cmdline[] =
	"console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 "
	"rootfstype=ext4 fsck.repair=yes rootwait quiet "
	"init=/usr/lib/raspberrypi-sys-mods/firstboot\n";

static void test_cmdline_keeps_the_root(void **state)
{
	char out[512];

	assert_int_equal(image_boot_cmdline(rpios_cmdline, out, sizeof(out)),
			 0);
	assert_string_equal(out, VM_RASPI_CONSOLE
			    " root=PARTUUID=4e639091-02 rootfstype=ext4 "
			    "fsck.repair=yes rootwait nokaslr");
}

/* What Raspberry Pi Imager adds: its first-run script reboots. */
static void test_cmdline_drops_first_run(void **state)
{
	char out[512];

	assert_int_equal(
		image_boot_cmdline(
			"console=serial0,115200 root=/dev/mmcblk0p2 splash "
			"plymouth.ignore-serial-consoles nokaslr "
			"systemd.run=/boot/firstrun.sh "
			"systemd.run_success_action=reboot "
			"systemd.unit=kernel-command-line.target init=/sbin/init",
			out, sizeof(out)),
		0);
	assert_string_equal(out, VM_RASPI_CONSOLE
			    " root=/dev/mmcblk0p2 nokaslr init=/sbin/init");
}

static void test_cmdline_without_root(void **state)
{
	char out[512];

	assert_int_equal(image_boot_cmdline("console=tty1 quiet", out,
					    sizeof(out)),
			 -EINVAL);
	assert_int_equal(image_boot_cmdline(rpios_cmdline, out, 20),
			 -ENAMETOOLONG);
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "# a comment\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "bob:x:1001:1001::/home/bob:/bin/sh\n"
			     "ghost:x:1000:1000::/home/ghost:/bin/sh\n"
			     "alice:x:1000:1002:Alice:/home/alice:/bin/bash\n";

/* every home exists but ghost's */
static bool home_exists(const char *home, void *arg)
{
	return strcmp(home, "/home/ghost") != 0;
}

static void test_user_is_found(void **state)
{
	struct image_user u;

	/* the first uid 1000 with a home: not bob (first), not ghost */
	assert_int_equal(image_find_user(passwd, NULL, home_exists, NULL, &u),
			 0);
	assert_string_equal(u.name, "alice");
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1002);
	assert_string_equal(u.home, "/home/alice");
	/* --user names another */
	assert_int_equal(image_find_user(passwd, "bob", home_exists, NULL, &u),
			 0);
	assert_string_equal(u.name, "bob");
	assert_int_equal(u.uid, 1001);
	/* ... one that is not there, or has no home */
	assert_int_equal(image_find_user(passwd, "carol", home_exists, NULL,
					 &u),
			 -ENOENT);
	assert_int_equal(image_find_user(passwd, "ghost", home_exists, NULL,
					 &u),
			 -ENOTDIR);
	/* no uid 1000 with a home */
	assert_int_equal(
		image_find_user("root:x:0:0::/root:/bin/sh\n"
				"ghost:x:1000:1000::/home/ghost:/bin/sh",
				NULL, home_exists, NULL, &u),
		-ENOENT);
}

static void test_pow2(void **state)
{
	assert_int_equal(image_pow2_at_least(1), 1);
	assert_int_equal(image_pow2_at_least(4096), 4096);
	assert_int_equal(image_pow2_at_least(4097), 8192);
	/* Raspberry Pi OS Lite, 2.7 GB unpacked: a 4 GiB card */
	assert_true(image_pow2_at_least(UINT64_C(2759852032)) ==
		    UINT64_C(4294967296));
}

static void test_qemu_version(void **state)
{
	char v[32];
	int major, minor;

	assert_int_equal(
		image_qemu_version_parse(
			"QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"
			"Copyright (c) 2003-2022 Fabrice Bellard\n",
			&major, &minor, v, sizeof(v)),
		0);
	assert_int_equal(major, 7);
	assert_int_equal(minor, 2);
	assert_string_equal(v, "7.2.22");
	assert_int_equal(
		image_qemu_version_parse("QEMU emulator version 9.0.0\n",
					 &major, &minor, v, sizeof(v)),
		0);
	assert_int_equal(major, 9);
	assert_int_equal(image_qemu_version_parse("qemu: no", &major, &minor, v,
						  sizeof(v)),
			 -EINVAL);
}

static void test_default_name(void **state)
{
	char n[80];

	image_default_name("/dl/2024-07-04-raspios-bookworm-arm64-lite.img.xz",
			   n, sizeof(n));
	assert_string_equal(n, "2024-07-04-raspios-bookworm-arm64-lite");
	image_default_name("my pi (copy).img", n, sizeof(n));
	assert_string_equal(n, "my-pi--copy-");
	image_default_name("/x/...", n, sizeof(n));
	assert_string_equal(n, "rpi");
	assert_true(config_name_ok(n));
}

static const struct image_result prepared = {
	.image = "/c/image/mypi/sd.img",
	.kernel = "/c/image/mypi/kernel8.img",
	.dtb = "/c/image/mypi/bcm2710-rpi-3-b.dtb",
	.initrd = "/c/image/mypi/initramfs8",
	.client_key = "/c/image/mypi/keys/id_ed25519",
	.host_key_pub = "/c/image/mypi/keys/ssh_host_ed25519_key.pub",
	.user = "alice",
	.append = VM_RASPI_CONSOLE " root=PARTUUID=4e639091-02 rootwait",
};

static char *dropin_dir(void)
{
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	return config_dropin_dir();
}

static void remove_dropins(char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* Written by image prepare, read by the loader, booted by core/vm. */
static void test_dropin_boots_the_image(void **state)
{
	char *dir = dropin_dir(), path[PATH_MAX], err[2048];
	struct config_opts o = { .repo_dir = "/repo" };
	const struct config_target *t;
	struct config *cfg;
	struct vm_config vc;
	char **argv;
	bool drive = false, initrd = false, append = false;

	assert_int_equal(config_write_image_target(dir, "mypi", &prepared, path,
						   sizeof(path), err,
						   sizeof(err)),
			 0);
	assert_true(strstr(path, "/kmdash/targets.d/mypi.json") != NULL);
	cfg = config_load(&o, err, sizeof(err));
	if (!cfg)
		fail_msg("%s", err);
	/* beside the embedded target, which stays the default */
	assert_int_equal(cfg->n_targets, 2);
	assert_string_equal(config_target(cfg, NULL)->name, "qemu");
	t = config_target(cfg, "mypi");
	assert_non_null(t);
	assert_string_equal(t->source, path);
	assert_string_equal(t->ssh.user, "alice");
	assert_false(t->ssh.agent);
	assert_true(t->kmsg_sudo);
	assert_int_equal(config_target_vm(cfg, t, &vc, err, sizeof(err)), 0);
	assert_int_equal(vc.profile, VM_PROFILE_RPIOS);
	assert_string_equal(vc.ssh_user, "alice");
	assert_string_equal(vc.ssh_key, prepared.client_key);
	assert_string_equal(vc.host_key_pub, prepared.host_key_pub);
	argv = vm_build_argv(&vc, "/run/vm-mypi", 2222, err, sizeof(err));
	assert_non_null(argv);
	for (char **a = argv; *a; a++) {
		drive |= !strcmp(*a,
				 "file=/c/image/mypi/sd.img,if=sd,format=raw");
		initrd |= !strcmp(*a, "-initrd") && a[1] &&
			  !strcmp(a[1], prepared.initrd);
		append |= !strcmp(*a, prepared.append);
	}
	assert_true(drive);
	assert_true(initrd);
	assert_true(append);
	vm_argv_free(argv);
	config_free(cfg);
	remove_dropins(dir);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A drop-in's errors name the drop-in, at its own lines and columns. */
static void test_dropin_errors(void **state)
{
	char *dir = dropin_dir(), path[PATH_MAX + 16], err[8192],
	     want[PATH_MAX + 256];
	struct config_opts o = { .repo_dir = "/repo" };
	struct config *cfg;

	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/qemu.json", dir);
	write_text(path, "{\n\t\"name\": \"qemu\",\n\t\"vm\": {}\n}\n");
	cfg = config_load(&o, err, sizeof(err));
	assert_null(cfg);
	snprintf(
		want, sizeof(want),
		"%s:2:10: name: duplicate target name \"qemu\" (already a target of kmdash (the embedded target))",
		path);
	assert_string_equal(err, want);
	unlink(path);

	snprintf(path, sizeof(path), "%s/b.json", dir);
	write_text(path,
		   "{\n\t\"name\": \"b\",\n\t\"vm\": { \"smpp\": 2 }\n}\n");
	cfg = config_load(&o, err, sizeof(err));
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s:3:10: vm.smpp: unknown key", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("want: %s...\n got: %s", want, err);
	unlink(path);

	write_text(path, "[1]\n");
	cfg = config_load(&o, err, sizeof(err));
	assert_null(cfg);
	snprintf(want, sizeof(want),
		 "%s:1:1: expected one target object, got an array", path);
	assert_string_equal(err, want);
	remove_dropins(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_keeps_the_root),
		cmocka_unit_test(test_cmdline_drops_first_run),
		cmocka_unit_test(test_cmdline_without_root),
		cmocka_unit_test(test_user_is_found),
		cmocka_unit_test(test_pow2),
		cmocka_unit_test(test_qemu_version),
		cmocka_unit_test(test_default_name),
		cmocka_unit_test(test_dropin_boots_the_image),
		cmocka_unit_test(test_dropin_errors),
	};
	int rc;

	if (!mkdtemp(tmpdir))
		return 1;
	setenv("KMDASH_CACHE_DIR", "/nonexistent/kmdash", 1);
	setenv("KMDASH_RUNTIME_DIR", "/run/kmdash-test", 1);
	setenv("HOME", "/home/tester", 1);
	unsetenv("QEMU");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return rc;
}
