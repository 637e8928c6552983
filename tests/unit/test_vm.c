// SPDX-License-Identifier: GPL-2.0
/*
 * The QEMU command line, word for word (no QEMU started): from a
 * vm_config of each profile, and from a configuration file through
 * config_target_vm(), the one place where a target's "vm" settings
 * become what core/vm boots. The machine settings that are not the
 * user's (cortex-a53, nokaslr, the NIC, the console's UART) are the ones
 * FACTS.md measured.
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
#include "core/vm/target_env.h"
#include "core/vm/vm.h"

#define FIX "tests/fixtures/config"

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
		"-qmp",
		"unix:/run/vm-t/events.sock,server=on,wait=off",
		"-gdb",
		"unix:/run/vm-t/gdb.sock,server=on,wait=off",
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
		"1024M",
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
		"-qmp",
		"unix:/run/vm-t/events.sock,server=on,wait=off",
		"-gdb",
		"unix:/run/vm-t/gdb.sock,server=on,wait=off",
		"-pidfile",
		"/run/vm-t/qemu.pid",
		"-daemonize",
		"-netdev",
		"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40000-:22",
		"-M",
		"raspi3b",
		"-m",
		"1024M",
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
		"-qmp",
		"unix:/r,,x/vm-t/events.sock,server=on,wait=off",
		"-gdb",
		"unix:/r,,x/vm-t/gdb.sock,server=on,wait=off",
		"-pidfile",
		"/r,x/vm-t/qemu.pid",
		"-daemonize",
		"-netdev",
		"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2022-:22",
		"-M",
		"raspi3b",
		"-m",
		"1024M",
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
	assert_non_null(strstr(err, "run 'kmdash target build'"));
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
	assert_non_null(strstr(err, "run 'kmdash target build'"));
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
	setenv("KMDASH_RUNTIME_DIR", "/run/kmdash-test", 1);
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

/* --- from a configuration file to the argv -------------------------------- */

static struct config *load(const char *path)
{
	struct config_opts o = { .path = path, .repo_dir = "/repo" };
	char err[4096] = "";
	struct config *cfg = config_load(&o, err, sizeof(err));

	if (!cfg)
		fail_msg("%s", err);
	return cfg;
}

/* The argv of a target of cfg, as the session and `kmdash vm` get it. */
static char **target_argv(const struct config *cfg, const char *target,
			  struct vm_config *vc, int port)
{
	char err[512] = "", run[PATH_MAX];
	char **argv;

	assert_int_equal(config_target_vm(cfg, config_target(cfg, target), vc,
					  err, sizeof(err)),
			 0);
	assert_int_equal(
		vm_run_dir(run, sizeof(run), vc->runtime_dir, vc->name), 0);
	/* the directory the config reaches the VM through is the VM's */
	assert_string_equal(config_target(cfg, target)->vm.run_dir, run);
	argv = vm_build_argv(vc, run, port, err, sizeof(err));
	if (!argv)
		fail_msg("%s", err);
	return argv;
}

/* The user's memory_mb, smp, append and extra_args reach QEMU. */
static void test_config_settings_reach_qemu(void **state)
{
	static const char *const want[] = {
		"qemu-system-aarch64",
		"-display",
		"none",
		"-monitor",
		"none",
		"-nodefaults",
		"-kernel",
		"/cache/target/6.1.0-99-arm64/Image",
		"-initrd",
		"/cache/target/6.1.0-99-arm64/initrd.gz",
		"-chardev",
		"socket,id=ser0,path=/run/kmdash-test/vm-qemu/serial.sock,"
		"server=on,wait=off,logfile=/run/kmdash-test/vm-qemu/serial.log",
		"-qmp",
		"unix:/run/kmdash-test/vm-qemu/qmp.sock,server=on,wait=off",
		"-qmp",
		"unix:/run/kmdash-test/vm-qemu/events.sock,server=on,wait=off",
		"-gdb",
		"unix:/run/kmdash-test/vm-qemu/gdb.sock,server=on,wait=off",
		"-pidfile",
		"/run/kmdash-test/vm-qemu/qemu.pid",
		"-daemonize",
		"-netdev",
		"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22",
		"-M",
		"virt",
		"-cpu",
		"cortex-a53",
		"-m",
		"2048M",
		"-smp",
		"4",
		"-serial",
		"chardev:ser0",
		"-device",
		"virtio-net-pci,netdev=n0,romfile=",
		"-append",
		"console=ttyAMA0 nokaslr kmdash.modules=failover,net_failover,"
		"virtio_pci_legacy_dev,virtio_pci_modern_dev,virtio_pci,"
		"virtio_net loglevel=8",
		"-rtc",
		"base=utc",
		NULL
	};
	struct config *cfg = load(FIX "/good/full.json");
	struct vm_config vc;
	char **argv = target_argv(cfg, "qemu", &vc, 2222);

	assert_argv(argv, want);
	/* and what the boot waits for and connects with */
	assert_string_equal(vc.ready_marker, "kmdash-target: ready");
	assert_string_equal(vc.ssh_key, "/cache/target/ssh/id_ed25519");
	assert_string_equal(vc.host_key_pub,
			    "/cache/target/ssh/host_ed25519.pub");
	vm_argv_free(argv);
	config_free(cfg);
}

/* Without a configuration: the embedded target as `make vm-start` boots it. */
static void test_no_config_boots_the_defaults(void **state)
{
	static const char *const want[] = {
		"-M", "virt", "-cpu", "cortex-a53", "-m", "1024M", "-smp", "2",
	};
	struct config_opts o = { .repo_dir = "/repo" };
	char err[512];
	struct config *cfg = config_load(&o, err, sizeof(err));
	struct vm_config vc;
	char **argv;
	size_t at = 0;

	assert_non_null(cfg);
	argv = target_argv(cfg, NULL, &vc, 2222);
	assert_string_equal(vc.name, "qemu");
	while (argv[at] && strcmp(argv[at], "-M"))
		at++;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(argv[at + i], want[i]);
	assert_true(!vc.extra_args || !vc.extra_args[0]);
	vm_argv_free(argv);
	config_free(cfg);
}

static void test_config_raspi3b(void **state)
{
	struct config *cfg = load(FIX "/good/full.json");
	struct vm_config vc;
	char **argv = target_argv(cfg, "pi3", &vc, 2222);

	assert_int_equal(vc.profile, VM_PROFILE_RASPI3B);
	assert_string_equal(
		vc.dtb,
		"/cache/target/6.1.0-99-arm64/dtbs/bcm2837-rpi-3-b.dtb");
	assert_string_equal(vc.net_modules, "bcm2835-rng phy-generic dwc2 "
					    "usbnet mii cdc_ether rndis_host");
	assert_int_equal(vc.memory_mb, 1024);
	assert_int_equal(vc.smp, 4);
	for (size_t i = 0; argv[i]; i++)
		assert_string_not_equal(argv[i], "-smp");
	vm_argv_free(argv);
	config_free(cfg);
}

/* kmdash vm start --machine raspi3b on a virt target with its own sizes. */
static void test_machine_switch(void **state)
{
	struct config *cfg = load(FIX "/good/full.json");
	struct vm_config vc;
	char **argv = target_argv(cfg, "qemu", &vc, 2222);
	static const char *const want[] = {
		"-M",	"raspi3b",
		"-m",	"1024M",
		"-dtb", "/cache/target/6.1.0-99-arm64/dtbs/bcm2837-rpi-3-b.dtb",
	};
	char err[256];
	size_t n = 0, at = 0;

	vm_argv_free(argv);
	vm_config_set_machine(&vc, VM_PROFILE_RASPI3B, &cfg->embedded);
	argv = vm_build_argv(&vc, "/r/vm-qemu", 2222, err, sizeof(err));
	assert_non_null(argv);
	while (argv[n])
		n++;
	while (argv[at] && strcmp(argv[at], "-M"))
		at++;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(argv[at + i], want[i]);
	/* the command line and the extra arguments are the user's still */
	assert_string_equal(argv[n - 3],
			    "console=ttyS1,115200 nokaslr kmdash.modules="
			    "bcm2835-rng,phy-generic,dwc2,usbnet,mii,cdc_ether,"
			    "rndis_host loglevel=8");
	assert_string_equal(argv[n - 2], "-rtc");
	assert_string_equal(argv[n - 1], "base=utc");
	vm_argv_free(argv);
	config_free(cfg);
}

static void test_config_no_vm(void **state)
{
	struct config *cfg = load(FIX "/good/full.json");
	struct vm_config vc;
	char err[256];

	assert_int_equal(config_target_vm(cfg, config_target(cfg, "pi"), &vc,
					  err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "target 'pi' is not a VM");
	config_free(cfg);
}

/* Not built: the embedded target cannot boot; a Pi OS image still can. */
static void test_config_target_not_built(void **state)
{
	char cache[PATH_MAX];
	struct config *cfg;
	struct vm_config vc;
	char err[512];

	snprintf(cache, sizeof(cache), "%s", getenv("KMDASH_CACHE_DIR"));
	setenv("KMDASH_CACHE_DIR", "/nonexistent/kmdash", 1);
	cfg = load(FIX "/good/full.json");
	setenv("KMDASH_CACHE_DIR", cache, 1);
	assert_int_equal(config_target_vm(cfg, config_target(cfg, "qemu"), &vc,
					  err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(
		err,
		"the embedded target is not built (/nonexistent/kmdash/target/current/target.env: No such file or directory): run 'kmdash target build'");
	assert_int_equal(config_target_vm(cfg, config_target(cfg, "rpios"), &vc,
					  err, sizeof(err)),
			 0);
	assert_int_equal(vc.profile, VM_PROFILE_RPIOS);
	assert_string_equal(vc.qemu, "/opt/qemu/bin/qemu-system-aarch64");
	config_free(cfg);
}

/* $QEMU names the binary when the config does not (make vm-start QEMU=). */
static void test_qemu_from_the_environment(void **state)
{
	struct config_opts o = { .repo_dir = "/repo" };
	char err[512];
	struct config *cfg;
	struct vm_config vc;

	setenv("QEMU", "/opt/q/qemu-system-aarch64", 1);
	cfg = config_load(&o, err, sizeof(err));
	unsetenv("QEMU");
	assert_non_null(cfg);
	assert_int_equal(config_target_vm(cfg, config_target(cfg, NULL), &vc,
					  err, sizeof(err)),
			 0);
	assert_string_equal(vc.qemu, "/opt/q/qemu-system-aarch64");
	config_free(cfg);
}

static int setup(void **state)
{
	char cwd[PATH_MAX], cache[PATH_MAX + 64];
	static char empty[] = "/tmp/kmdash-test-vm.XXXXXX";
	struct stat st;

	if (stat(FIX "/cache", &st)) {
		fprintf(stderr, "run from the repository root (no " FIX ")\n");
		return -1;
	}
	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(empty))
		return -1;
	snprintf(cache, sizeof(cache), "%s/" FIX "/cache", cwd);
	setenv("KMDASH_CACHE_DIR", cache, 1);
	setenv("KMDASH_RUNTIME_DIR", "/run/kmdash-test", 1);
	/* no configuration file of the user's */
	setenv("XDG_CONFIG_HOME", empty, 1);
	setenv("HOME", "/home/tester", 1);
	unsetenv("QEMU");
	*state = empty;
	return 0;
}

static int teardown(void **state)
{
	rmdir(*state);
	return 0;
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
		cmocka_unit_test(test_config_settings_reach_qemu),
		cmocka_unit_test(test_no_config_boots_the_defaults),
		cmocka_unit_test(test_config_raspi3b),
		cmocka_unit_test(test_machine_switch),
		cmocka_unit_test(test_config_no_vm),
		cmocka_unit_test(test_config_target_not_built),
		cmocka_unit_test(test_qemu_from_the_environment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
