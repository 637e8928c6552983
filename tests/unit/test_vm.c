// SPDX-License-Identifier: GPL-2.0
/*
 * The QEMU command line of each profile, word for word (no QEMU started):
 * the machine settings are those of target/vm.sh, which are measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vm/target_env.h"
#include "core/vm/vm.h"

static void assert_argv(char **argv, const char *const *want)
{
	size_t i;

	assert_non_null(argv);
	for (i = 0; want[i]; i++) {
		if (!argv[i])
			fail_msg("argv ends at %zu, expected '%s'", i, want[i]);
		if (strcmp(argv[i], want[i]))
			fail_msg("argv[%zu] is '%s', expected '%s'", i, argv[i],
				 want[i]);
	}
	if (argv[i])
		fail_msg("unexpected extra argv[%zu] '%s'", i, argv[i]);
}

static const struct vm_config embedded = {
	.name = "t",
	.kernel = "/k/Image",
	.initrd = "/k/initrd.gz",
	.dtb = "/k/bcm2837-rpi-3-b.dtb",
	.net_modules = "failover net_failover virtio_net",
};

static void test_virt_argv(void **state)
{
	static const char *const want[] = {
		"qemu-system-aarch64",
		"-display",
		"none",
		"-monitor",
		"none",
		"-nodefaults",
		"-kernel",
		"/k/Image",
		"-initrd",
		"/k/initrd.gz",
		"-chardev",
		"socket,id=ser0,path=/run/vm-t/serial.sock,server=on,wait=off,"
		"logfile=/run/vm-t/serial.log",
		"-qmp",
		"unix:/run/vm-t/qmp.sock,server=on,wait=off",
		"-pidfile",
		"/run/vm-t/qemu.pid",
		"-daemonize",
		"-netdev",
		"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22",
		"-M",
		"virt",
		"-cpu",
		"cortex-a53",
		"-m",
		"1G",
		"-smp",
		"2",
		"-serial",
		"chardev:ser0",
		"-device",
		"virtio-net-pci,netdev=n0,romfile=",
		"-append",
		"console=ttyAMA0 nokaslr "
		"kmdash.modules=failover,net_failover,virtio_net",
		NULL
	};
	struct vm_config c = embedded;
	char err[256] = "";
	char **argv;

	c.profile = VM_PROFILE_VIRT;
	argv = vm_build_argv(&c, "/run/vm-t", 2222, err, sizeof(err));
	assert_argv(argv, want);
	vm_argv_free(argv);
}

static void test_raspi3b_argv(void **state)
{
	static const char *const want[] = {
		"/opt/qemu",
		"-display",
		"none",
		"-monitor",
		"none",
		"-nodefaults",
		"-kernel",
		"/k/Image",
		"-initrd",
		"/k/initrd.gz",
		"-chardev",
		"socket,id=ser0,path=/run/vm-t/serial.sock,server=on,wait=off,"
		"logfile=/run/vm-t/serial.log",
		"-qmp",
		"unix:/run/vm-t/qmp.sock,server=on,wait=off",
		"-pidfile",
		"/run/vm-t/qemu.pid",
		"-daemonize",
		"-netdev",
		"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40000-:22",
		"-M",
		"raspi3b",
		"-m",
		"1G",
		"-dtb",
		"/k/bcm2837-rpi-3-b.dtb",
		"-serial",
		"null",
		"-serial",
		"chardev:ser0",
		"-device",
		"usb-net,netdev=n0",
		"-append",
		"console=ttyS1,115200 nokaslr kmdash.modules=dwc2,usbnet "
		"quiet",
		NULL
	};
	struct vm_config c = embedded;
	char err[256] = "";
	char **argv;

	c.profile = VM_PROFILE_RASPI3B;
	c.qemu = "/opt/qemu";
	c.net_modules = "dwc2 usbnet";
	c.append = "quiet";
	argv = vm_build_argv(&c, "/run/vm-t", 40000, err, sizeof(err));
	assert_argv(argv, want);
	vm_argv_free(argv);
}

static void test_rpios_argv(void **state)
{
	static const char *const want[] = {
		"qemu-system-aarch64",
		"-display",
		"none",
		"-monitor",
		"none",
		"-nodefaults",
		"-kernel",
		"/img/kernel8.img",
		"-chardev",
		"socket,id=ser0,path=/r,,x/vm-t/serial.sock,server=on,wait=off,"
		"logfile=/r,,x/vm-t/serial.log",
		"-qmp",
		"unix:/r,,x/vm-t/qmp.sock,server=on,wait=off",
		"-pidfile",
		"/r,x/vm-t/qemu.pid",
		"-daemonize",
		"-netdev",
		"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2022-:22",
		"-M",
		"raspi3b",
		"-m",
		"1G",
		"-dtb",
		"/img/bcm2710-rpi-3-b.dtb",
		"-drive",
		"file=/img/pi,,os.img,if=sd,format=raw",
		"-serial",
		"null",
		"-serial",
		"chardev:ser0",
		"-device",
		"usb-net,netdev=n0",
		"-append",
		"console=ttyS1,115200 root=/dev/mmcblk0p2 rootwait",
		NULL
	};
	struct vm_config c = {
		.name = "t",
		.profile = VM_PROFILE_RPIOS,
		.kernel = "/img/kernel8.img",
		.dtb = "/img/bcm2710-rpi-3-b.dtb",
		/* A comma in a path must not split QEMU's option. */
		.image = "/img/pi,os.img",
		.append = "console=ttyS1,115200 root=/dev/mmcblk0p2 rootwait",
	};
	char err[256] = "";
	char **argv;

	argv = vm_build_argv(&c, "/r,x/vm-t", 2022, err, sizeof(err));
	assert_argv(argv, want);
	vm_argv_free(argv);
}

static void test_missing_inputs_are_named(void **state)
{
	struct vm_config c = { .profile = VM_PROFILE_RPIOS, .kernel = "/k" };
	char err[256] = "";

	assert_null(vm_build_argv(&c, "/run/vm-t", 1, err, sizeof(err)));
	assert_non_null(strstr(err, "needs a kernel, a dtb and an SD image"));
	c = (struct vm_config){ .profile = VM_PROFILE_VIRT };
	assert_null(vm_build_argv(&c, "/run/vm-t", 1, err, sizeof(err)));
	assert_non_null(strstr(err, "run 'make target'"));
}

static void test_target_env(void **state)
{
	char dir[] = "/tmp/kmdash-vmenv.XXXXXX", path[64], err[512] = "";
	struct vm_target t;
	struct vm_config c = { .profile = VM_PROFILE_RASPI3B };
	const char *key, *value;
	size_t n = 0;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/target.env", dir);
	assert_int_equal(vm_target_load(&t, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "the embedded target is not built ("));
	assert_non_null(strstr(err, "run 'make target'"));
	f = fopen(path, "w");
	/* as target/build-target.sh writes it: bare or in double quotes */
	fputs("# comment\nKVER=6.1\nKVERSION=6.1.1-1\nKDIR=/t/hdr\n"
	      "IMAGE=/t/Image\nINITRD=/t/initrd.gz\n"
	      "DTB_RASPI3B=/t/pi.dtb\nSSH_KEY=/s/id\nHOST_KEY_PUB=/s/h.pub\n"
	      "VIRT_NET_MODULES=\"a b\"\nRASPI_NET_MODULES=\"c d\"\n",
	      f);
	fclose(f);
	assert_int_equal(vm_target_load(&t, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "has no READY_MARKER: rebuild the target"));
	f = fopen(path, "a");
	fputs("READY_MARKER=\"kmdash-target: ready\"\n", f);
	fclose(f);
	assert_int_equal(vm_target_load(&t, path, err, sizeof(err)), 0);
	assert_string_equal(t.kver, "6.1");
	assert_string_equal(t.kdir, "/t/hdr");
	vm_config_from_target(&c, &t);
	assert_string_equal(c.kernel, "/t/Image");
	assert_string_equal(c.dtb, "/t/pi.dtb");
	assert_string_equal(c.net_modules, "c d");
	assert_string_equal(c.ready_marker, "kmdash-target: ready");
	/* every key once, in the file's order (KVERSION is no key of ours) */
	while ((key = vm_target_key(&t, n, &value)))
		n++;
	assert_int_equal(n, 10);
	assert_string_equal(vm_target_key(&t, 0, &value), "KVER");
	assert_string_equal(value, "6.1");
	assert_string_equal(vm_target_key(&t, 9, &value), "READY_MARKER");
	assert_string_equal(value, "kmdash-target: ready");
	/* A Pi OS image keeps its own kernel and has no marker. */
	c = (struct vm_config){ .profile = VM_PROFILE_RPIOS };
	vm_config_from_target(&c, &t);
	assert_null(c.kernel);
	assert_null(c.ready_marker);
	assert_string_equal(c.dtb, "/t/pi.dtb");
	vm_target_free(&t);
	unlink(path);
	rmdir(dir);
}

static void test_runtime_base_rule(void **state)
{
	char buf[256], want[64];

	setenv("KMDASH_RUNTIME_DIR", "/a/b", 1);
	assert_int_equal(vm_runtime_base(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a/b");
	unsetenv("KMDASH_RUNTIME_DIR");
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	vm_runtime_base(buf, sizeof(buf));
	assert_string_equal(buf, "/run/user/7/kmdash");
	unsetenv("XDG_RUNTIME_DIR");
	vm_runtime_base(buf, sizeof(buf));
	snprintf(want, sizeof(want), "/tmp/kmdash-%u/kmdash", getuid());
	assert_string_equal(buf, want);
	assert_int_equal(vm_run_dir(buf, sizeof(buf), "/r", "qemu"), 0);
	assert_string_equal(buf, "/r/vm-qemu");
	assert_int_equal(vm_run_dir(buf, 8, "/r", "qemu"), -ENAMETOOLONG);
}

static void test_profile_names(void **state)
{
	enum vm_profile p;

	assert_int_equal(vm_profile_parse("raspi3b", &p), 0);
	assert_int_equal(p, VM_PROFILE_RASPI3B);
	assert_int_equal(vm_profile_parse("rpios", &p), 0);
	assert_int_equal(p, VM_PROFILE_RPIOS);
	assert_int_equal(vm_profile_parse("raspi9", &p), -EINVAL);
	assert_string_equal(vm_profile_name(VM_PROFILE_VIRT), "virt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virt_argv),
		cmocka_unit_test(test_raspi3b_argv),
		cmocka_unit_test(test_rpios_argv),
		cmocka_unit_test(test_missing_inputs_are_named),
		cmocka_unit_test(test_target_env),
		cmocka_unit_test(test_runtime_base_rule),
		cmocka_unit_test(test_profile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
