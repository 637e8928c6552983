// SPDX-License-Identifier: GPL-2.0
/*
 * The config loader as a user meets it: every malformed file under
 * tests/fixtures/config/bad/ must fail with the exact file:line:col and
 * message below; the good ones load with the values the user wrote and the
 * defaults of the embedded target (a stand-in target.env under
 * tests/fixtures/config/cache/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/ssh/sshconfig.h"

#define FIX "tests/fixtures/config"

static char tmpdir[PATH_MAX];
/* a stand-in kmdash checkout: its kmod/ is the default module */
static char repo[PATH_MAX + 64];

struct bad_case {
	const char *name;
	const char *want; /* after "FILE:" */
};

static const struct bad_case bad_cases[] = {
	{ "agent_type",
	  "3:51: targets[0].ssh.agent: expected true or false, got \"yes\"" },
	{ "bad_profile",
	  "3:40: targets[0].vm.profile: expected \"virt\", \"raspi3b\" or \"image\", got \"raspi4b\"" },
	{ "board_without_host",
	  "3:26: targets[0].ssh: a target without \"vm\" needs ssh.host (the board's address or an ssh_config Host alias)" },
	{ "build_argv_empty",
	  "3:63: targets[0].build.argv: expected a non-empty array of strings (the build command), got []" },
	{ "build_argv_not_strings",
	  "3:78: targets[0].build.argv[2]: expected a string, got 4" },
	{ "build_argv_string",
	  "3:63: targets[0].build.argv: expected an array of strings (the build command), got \"make -C kmod\"" },
	{ "container_bad",
	  "4:29: targets[0].build.container.engine: expected \"podman\" or \"docker\", got \"podmn\"\n"
	  "4:63: targets[0].build.container.mounts[0]: expected \"HOST:CONTAINER[:OPTIONS]\" with an absolute CONTAINER path (\"/src/linux:/usr/src/linux:ro\"), got \"/src\"\n"
	  "4:83: targets[0].build.container.workdir: expected an absolute path in the container, got \"work\"\n"
	  "5:18: targets[0].build.path_map.workspace: expected an absolute path the build prints (without '='), e.g. \"/workspace\"\n"
	  "5:43: targets[0].build.path_map./w: expected the absolute host path it stands for, got \"rel\"\n"
	  "6:68: targets[1].build.container: a container build needs an \"image\" (make container builds localhost/kmdash-cross)" },
	{ "build_env_value",
	  "3:89: targets[0].build.env.JOBS: expected a string, got 4" },
	{ "dead_after",
	  "3:86: targets[0].ssh.dead_after_ms: must be at least probe_interval_ms (2000), got 500" },
	{ "default_missing",
	  "2:20: default_target: no target named \"rpi\" (targets: pi, qemu)" },
	{ "duplicate_key",
	  "3:62: targets[0].ssh.user: duplicate key (first at line 3, column 48)" },
	{ "duplicate_target",
	  "5:13: targets[2].name: duplicate target name \"pi\" (first at line 3, column 13)" },
	{ "graph_bad",
	  "2:19: ui.graph: expected \"auto\", \"braille\", \"block\" or \"ascii\", got \"sixel\"" },
	{ "image_incomplete",
	  "5:10: targets[0].vm: the image profile needs image, kernel and dtb; dtb is missing (take kernel8.img and bcm2710-rpi-3-b.dtb from the image's boot partition)" },
	{ "jump_bad",
	  "3:76: targets[0].ssh.jump_host: expected [user@]host[:port] (port 1-65535), or hops of that form separated by commas, got \"me@ec2:99999\"" },
	{ "keys_bad",
	  "4:19: ui.keys.build[1]: expected a key name like \"b\", \"C-x\" or \"F5\", got \"\"\n5:14: ui.keys.deploy: expected an array of key names like [\"b\", \"F5\"], got 5" },
	{ "many_errors",
	  "5:35: targets[0].ssh.port: expected an integer 1-65535, got -1\n5:47: targets[0].ssh.user: expected a non-empty string\n5:60: targets[0].ssh.agent: expected true or false, got 1\n6:22: targets[0].kmsg.sudo: expected true or false, got \"no\"\n7:24: targets[0].bench.args[0]: expected a string, got 1\n10:42: ui.timestamps: expected \"relative\" or \"absolute\", got \"utc\"" },
	{ "params_bad",
	  "3:88: targets[0].module.params[1]: expected NAME=VALUE module parameters, got \"=3\"" },
	{ "password_env",
	  "3:64: targets[0].build.env.SUDO_PASSWORD: passwords are not supported: kmdash authenticates with SSH keys or an agent only (use identity_files or agent)" },
	{ "password_ssh",
	  "5:41: targets[0].ssh.password: passwords are not supported: kmdash authenticates with SSH keys or an agent only (use identity_files or agent)" },
	{ "port_range",
	  "3:60: targets[0].ssh.port: expected an integer 1-65535, got 70000" },
	{ "port_string",
	  "7:13: targets[0].ssh.port: expected an integer 1-65535, got \"abc\"" },
	{ "port_zero_board",
	  "3:60: targets[0].ssh.port: expected an integer 1-65535, got 0" },
	{ "raspi_memory",
	  "3:63: targets[0].vm.memory_mb: the raspi3b machine has exactly 1024 MB, got 2048" },
	{ "remote_dir_relative",
	  "3:70: targets[0].module.remote_dir: expected an absolute path on the target, got \"tmp/kmdash\"" },
	{ "strip_string",
	  "3:65: targets[0].module.strip: expected an array of strings (the strip command, [] for none), got \"yes\"" },
	{ "serial_baud",
	  "6:47: targets[0].serial.baud: expected a standard baud rate (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1500000, ...), got 115201" },
	{ "serial_baud_socket",
	  "3:65: targets[0].serial.baud: baud applies to a tty only, not to a socket" },
	{ "serial_both",
	  "6:16: targets[0].serial.socket: set either socket (a QEMU chardev) or tty (a serial device), not both" },
	{ "syntax_after_end",
	  "2:1: syntax error: unexpected '}' after the end of the JSON value" },
	{ "syntax_bad_number",
	  "1:63: syntax error: invalid number (no leading zeros, one '.', digits only)" },
	{ "syntax_comment",
	  "2:2: syntax error: comments are not allowed in JSON" },
	{ "syntax_empty",
	  "1:1: syntax error: empty document, expected a JSON value" },
	{ "syntax_missing_comma",
	  "3:2: syntax error: expected ',' or '}', got '\"' (missing comma?)" },
	{ "syntax_single_quotes",
	  "2:19: syntax error: strings must be in double quotes (\"...\"), not single quotes" },
	{ "syntax_trailing_comma",
	  "3:46: syntax error: trailing comma before '}'" },
	{ "syntax_truncated",
	  "3:3: syntax error: unterminated object: no '}' for this '{'" },
	{ "syntax_unterminated_string",
	  "2:19: syntax error: unterminated string (a line break inside a string is written \\n)" },
	{ "target_bad_name",
	  "3:13: targets[0].name: expected a name of letters, digits, '.', '_' or '-' (it names directories), got \"../etc\"" },
	{ "target_no_name", "3:3: targets[0]: a target needs a \"name\"" },
	/* used to crash: the next target's checks read this one's name */
	{ "target_not_object",
	  "4:3: targets[0]: expected an object, got \"pi\"" },
	{ "targets_empty",
	  "2:13: targets: expected at least one target (leave \"targets\" out to use the embedded QEMU target)" },
	{ "targets_not_array",
	  "2:13: targets: expected an array of targets, got an object" },
	{ "timestamps_bad",
	  "2:24: ui.timestamps: expected \"relative\" or \"absolute\", got true" },
	{ "top_not_object",
	  "1:1: expected a JSON object at the top level, got an array" },
	{ "unicode_column",
	  "1:40: ui.graph: expected \"auto\", \"braille\", \"block\" or \"ascii\", got \"\u00f8\"" },
	{ "unknown_ssh_key",
	  "5:33: targets[0].ssh.prot: unknown key (did you mean \"port\"? expected one of: host, port, user, identity_files, known_hosts, jump_host, agent, ssh_config, connect_timeout_ms, probe_interval_ms, dead_after_ms)" },
	{ "unknown_target_key",
	  "6:4: targets[0].serail: unknown key (did you mean \"serial\"? expected one of: name, ssh, vm, serial, build, module, kmsg, bench, kernel)" },
	{ "unknown_tools_key",
	  "6:48: targets[0].module.tools.bench: unknown key (did you mean \"sebench\"? expected one of: sectl, sebench)" },
	{ "unknown_top",
	  "3:2: targtes: unknown key (did you mean \"targets\"? expected one of: default_target, targets, ui, watch)" },
	{ "unknown_ui_key",
	  "4:3: ui.colour: unknown key (expected one of: theme, graph, keys, timestamps, gdb_window, rest_after_ms)" },
	{ "unknown_vm_key",
	  "3:48: targets[0].vm.memory: unknown key (did you mean \"memory_mb\"? expected one of: profile, image, kernel, initrd, dtb, append, memory_mb, smp, qemu, extra_args, host_key, boot_timeout_ms)" },
	{ "syntax_bad_escape",
	  "2:30: syntax error: invalid escape in a string: backslash followed by 'd' (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)" },
	{ "syntax_unquoted_word",
	  "2:19: syntax error: unknown word 'braille', expected a value (strings must be in double quotes)" },
	{ "syntax_missing_colon",
	  "2:7: syntax error: expected ':' after the key, got '{'" },
	{ "bom_column",
	  "2:19: ui.graph: expected \"auto\", \"braille\", \"block\" or \"ascii\", got \"dots\"" },
};

/* make's -jN for this host, as the build's argv has it ("" on one CPU) */
static const char *jobs_arg(void)
{
	static char buf[32];
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(buf, sizeof(buf), n > 1 ? "-j%ld" : "", n);
	return buf;
}

static struct config *load(const char *path, char *err, size_t errlen)
{
	struct config_opts o = { .path = path,
				 .repo_dir = repo,
				 .cwd = tmpdir };

	return config_load(&o, err, errlen);
}

static void test_bad_configs(void **state)
{
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);
	int failures = 0;

	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		char path[256], want[4096], err[8192];
		struct config *cfg;
		const char *p = bad_cases[i].want;
		size_t o = 0;

		snprintf(path, sizeof(path), FIX "/bad/%s.json",
			 bad_cases[i].name);
		/* every line of the expected text starts with the file */
		while (*p) {
			size_t len = strcspn(p, "\n");

			o += (size_t)snprintf(want + o, sizeof(want) - o,
					      "%s%s:%.*s", o ? "\n" : "", path,
					      (int)len, p);
			p += len + (p[len] == '\n');
		}
		err[0] = 'x';
		cfg = load(path, err, sizeof(err));
		if (cfg || strcmp(err, want)) {
			print_error("%s:\n   want: %s\n    got: %s\n", path,
				    want, cfg ? "(loaded)" : err);
			failures++;
		}
		config_free(cfg);
	}
	assert_int_equal(failures, 0);
}

static void test_every_bad_fixture_is_listed(void **state)
{
	char path[256];
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);
	FILE *ls = popen("ls " FIX "/bad", "r");
	int unlisted = 0;

	assert_non_null(ls);
	while (fgets(path, sizeof(path), ls)) {
		size_t i;

		path[strcspn(path, "\n")] = '\0';
		for (i = 0; i < n; i++)
			if (!strncmp(path, bad_cases[i].name,
				     strlen(bad_cases[i].name)) &&
			    !strcmp(path + strlen(bad_cases[i].name), ".json"))
				break;
		if (i == n) {
			print_error("%s has no expected error\n", path);
			unlisted++;
		}
	}
	pclose(ls);
	assert_int_equal(unlisted, 0);
}

static void test_error_buffer_is_cut_safely(void **state)
{
	char err[24];

	assert_null(load(FIX "/bad/many_errors.json", err, sizeof(err)));
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_null(load(FIX "/bad/syntax_comment.json", err, 1));
	assert_string_equal(err, "");
}

static void test_missing_explicit_file(void **state)
{
	char err[512];

	assert_null(load(FIX "/no-such.json", err, sizeof(err)));
	assert_string_equal(
		err,
		FIX "/no-such.json: cannot read: No such file or directory");
	assert_null(load(FIX, err, sizeof(err)));
	assert_string_equal(err, FIX ": cannot read: not a regular file");
}

static void expect_embedded_qemu(const struct config_target *t)
{
	char ko[PATH_MAX + 128];

	assert_string_equal(t->name, "qemu");
	assert_true(t->embedded);
	assert_true(t->has_vm);
	assert_int_equal(t->vm.profile, CONFIG_VM_VIRT);
	assert_string_equal(t->vm.kernel, "/cache/target/6.1.0-99-arm64/Image");
	assert_string_equal(t->vm.initrd,
			    "/cache/target/6.1.0-99-arm64/initrd.gz");
	assert_null(t->vm.dtb);
	assert_int_equal(t->vm.memory_mb, 1024);
	assert_int_equal(t->vm.smp, 2);
	assert_string_equal(t->vm.qemu, "qemu-system-aarch64");
	assert_string_equal(t->vm.run_dir, "/run/kmdash-test/vm-qemu");
	assert_string_equal(t->ssh.host, "127.0.0.1");
	assert_int_equal(t->ssh.port, 0);
	assert_string_equal(t->ssh.user, "root");
	assert_int_equal(t->ssh.identity_files.n, 1);
	assert_string_equal(t->ssh.identity_files.v[0],
			    "/cache/target/ssh/id_ed25519");
	assert_null(t->ssh.identity_files.v[1]);
	assert_string_equal(t->ssh.known_hosts,
			    "/run/kmdash-test/vm-qemu/known_hosts");
	assert_false(t->ssh.agent);
	assert_int_equal(t->ssh.probe_interval_ms, 1000);
	assert_true(t->has_serial);
	assert_string_equal(t->serial.socket,
			    "/run/kmdash-test/vm-qemu/serial.sock");
	assert_null(t->serial.tty);
	/* kbuild itself, into build/kmod as make kmod: no outer make */
	assert_int_equal(t->build.argv.n, 6 + !!jobs_arg()[0] + 1);
	assert_string_equal(t->build.argv.v[0], "make");
	assert_string_equal(t->build.argv.v[1], "-C");
	snprintf(ko, sizeof(ko), "M=%s/build/kmod", repo);
	assert_string_equal(t->build.argv.v[3], ko);
	assert_string_equal(t->build.mirror_dst, ko + 2);
	snprintf(ko, sizeof(ko), "%s/kmod", repo);
	assert_string_equal(t->build.mirror_src, ko);
	assert_null(t->build.argv.v[t->build.argv.n]);
	assert_string_equal(t->module.name, "storage_hash");
	snprintf(ko, sizeof(ko), "%s/build/kmod/storage_hash.ko", repo);
	assert_string_equal(t->module.ko, ko);
	assert_string_equal(t->module.remote_dir, "/tmp/kmdash");
	assert_int_equal(t->module.strip.n, 2);
	assert_string_equal(t->module.strip.v[0], "aarch64-linux-gnu-strip");
	assert_string_equal(t->module.strip.v[1], "--strip-debug");
	assert_int_equal(t->module.params.n, 0);
	assert_null(t->module.params.v[0]);
	assert_false(t->kmsg_sudo);
	/* the example's sebench: YCSB A, a second a run, against the user
	 * engine */
	assert_string_equal(t->bench_opts.workload, "A");
	assert_int_equal(t->bench_opts.duration_ms, 1000);
	assert_int_equal(t->bench_baseline.n, 2);
}

static void test_no_config_at_all(void **state)
{
	struct config_opts o = { .repo_dir = repo, .cwd = tmpdir };
	char err[512], *def;
	struct config *cfg;

	/* XDG_CONFIG_HOME points at an empty directory */
	cfg = config_load(&o, err, sizeof(err));
	assert_non_null(cfg);
	assert_null(cfg->path);
	assert_int_equal(cfg->n_targets, 1);
	expect_embedded_qemu(config_target(cfg, NULL));
	assert_ptr_equal(config_target(cfg, "qemu"), &cfg->targets[0]);
	assert_null(config_target(cfg, "pi"));
	assert_string_equal(cfg->embedded.kver, "6.1.0-99-arm64");
	assert_string_equal(cfg->embedded.ready_marker, "kmdash-target: ready");
	assert_string_equal(cfg->embedded_problem, "");
	assert_int_equal(cfg->ui.graph, CONFIG_GRAPH_AUTO);
	assert_int_equal(cfg->ui.timestamps, CONFIG_TS_RELATIVE);
	assert_null(cfg->ui.theme);
	config_free(cfg);

	def = config_default_path();
	assert_non_null(def);
	assert_true(strncmp(def, tmpdir, strlen(tmpdir)) == 0);
	assert_string_equal(def + strlen(tmpdir), "/kmdash/config.json");
	free(def);
}

static void test_default_path_is_read(void **state)
{
	struct config_opts o = { .repo_dir = repo, .cwd = tmpdir };
	char dir[PATH_MAX + 16], path[PATH_MAX + 32], err[512];
	struct config *cfg;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/kmdash", tmpdir);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\n  \"ui\": { \"graph\": \"block\", \"theme\": 3 }\n}\n", f);
	fclose(f);
	cfg = config_load(&o, err, sizeof(err));
	assert_null(cfg);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_string_equal(err + strlen(path),
			    ":2:38: ui.theme: expected a string, got 3");
	f = fopen(path, "w");
	fputs("{ \"ui\": { \"graph\": \"block\" } }", f);
	fclose(f);
	cfg = config_load(&o, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->path, path);
	assert_int_equal(cfg->ui.graph, CONFIG_GRAPH_BLOCK);
	expect_embedded_qemu(&cfg->targets[0]);
	config_free(cfg);
	unlink(path);
	rmdir(dir);
}

static void test_no_target_built(void **state)
{
	struct config_opts o = { .repo_dir = repo, .cwd = tmpdir };
	char err[512];
	struct config *cfg;

	setenv("KMDASH_CACHE_DIR", "/nonexistent/kmdash", 1);
	cfg = config_load(&o, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(
		cfg->embedded_problem,
		"the embedded target is not built (/nonexistent/kmdash/target/current/target.env: No such file or directory): run 'kmdash target build'");
	assert_null(cfg->targets[0].vm.kernel);
	assert_int_equal(cfg->targets[0].ssh.identity_files.n, 0);
	config_free(cfg);
}

static void test_minimal_is_the_default(void **state)
{
	char err[512];
	struct config *cfg = load(FIX "/good/minimal.json", err, sizeof(err));

	assert_non_null(cfg);
	assert_int_equal(cfg->n_targets, 1);
	expect_embedded_qemu(&cfg->targets[0]);
	config_free(cfg);
}

static void test_board(void **state)
{
	char err[512];
	struct config *cfg = load(FIX "/good/board.json", err, sizeof(err));
	const struct config_target *t;

	assert_non_null(cfg);
	t = config_target(cfg, NULL);
	assert_string_equal(t->name, "pi");
	assert_false(t->has_vm);
	assert_false(t->embedded);
	assert_false(t->has_serial);
	assert_string_equal(t->ssh.host, "raspberrypi.local");
	assert_int_equal(t->ssh.port, 22);
	assert_string_equal(t->ssh.user, "pi");
	assert_true(t->ssh.agent);
	assert_true(t->ssh.identity_default);
	assert_int_equal(t->ssh.identity_files.n, 3);
	assert_string_equal(t->ssh.identity_files.v[0],
			    "/home/tester/.ssh/id_ed25519");
	assert_string_equal(t->ssh.known_hosts,
			    "/home/tester/.ssh/known_hosts");
	assert_null(t->ssh.jump_host);
	assert_int_equal(t->ssh.connect_timeout_ms, 5000);
	assert_int_equal(t->ssh.dead_after_ms, 5000);
	config_free(cfg);
}

static void test_full(void **state)
{
	char err[512];
	struct config *cfg = load(FIX "/good/full.json", err, sizeof(err));
	const struct config_target *t;
	const struct config_binding *b;

	if (!cfg)
		fail_msg("%s", err);
	assert_int_equal(cfg->n_targets, 4);
	assert_int_equal(cfg->default_target, 3);
	t = config_target(cfg, NULL);
	assert_string_equal(t->name, "pi");
	assert_string_equal(t->ssh.host, "192.168.1.50");
	assert_false(t->ssh.agent);
	assert_true(t->ssh.ssh_config);
	assert_false(t->ssh.identity_default);
	assert_int_equal(t->ssh.identity_files.n, 2);
	assert_string_equal(t->ssh.identity_files.v[0],
			    "/home/tester/.ssh/id_ed25519");
	assert_string_equal(t->ssh.identity_files.v[1], "/keys/pi_rsa");
	assert_string_equal(t->ssh.known_hosts,
			    "/home/tester/.ssh/known_hosts_pi");
	assert_int_equal(t->ssh.connect_timeout_ms, 3000);
	assert_int_equal(t->ssh.probe_interval_ms, 500);
	assert_int_equal(t->ssh.dead_after_ms, 2500);
	assert_true(t->has_serial);
	assert_null(t->serial.socket);
	assert_string_equal(t->serial.tty, "/dev/ttyUSB0");
	assert_int_equal(t->serial.baud, 921600);
	assert_int_equal(t->build.argv.n, 5);
	assert_string_equal(t->build.argv.v[4], "modules");
	assert_string_equal(t->build.dir, "/home/tester/src/storage-engine");
	assert_int_equal(t->build.env.n, 2);
	assert_string_equal(t->build.env.v[0],
			    "CROSS_COMPILE=aarch64-linux-gnu-");
	assert_string_equal(t->build.env.v[1], "KDIR=/opt/rpi-linux");
	assert_string_equal(t->module.ko,
			    "/home/tester/src/storage-engine/storage_hash.ko");
	assert_string_equal(t->module.remote_dir, "/home/pi/kmdash");
	assert_string_equal(t->module.sectl, "/home/tester/src/tools/sectl");
	assert_string_equal(t->module.sebench,
			    "/home/tester/src/tools/sebench");
	assert_true(t->kmsg_sudo);
	assert_int_equal(t->bench_args.n, 2);
	/* bench.args says how to run sebench: no workload or length added
	 * that would override it */
	assert_null(t->bench_opts.workload);
	assert_int_equal(t->bench_opts.duration_ms, 0);

	t = config_target(cfg, "qemu");
	assert_true(t->embedded);
	assert_int_equal(t->vm.memory_mb, 2048);
	assert_int_equal(t->vm.smp, 4);
	assert_string_equal(t->vm.append, "loglevel=8");
	assert_int_equal(t->vm.extra_args.n, 2);
	assert_int_equal(t->module.params.n, 2);
	assert_string_equal(t->module.params.v[1], "buckets=4096");

	t = config_target(cfg, "pi3");
	assert_true(t->embedded);
	assert_int_equal(t->vm.profile, CONFIG_VM_RASPI3B);
	assert_string_equal(
		t->vm.dtb,
		"/cache/target/6.1.0-99-arm64/dtbs/bcm2837-rpi-3-b.dtb");
	assert_int_equal(t->vm.smp, 4);

	t = config_target(cfg, "rpios");
	assert_false(t->embedded);
	assert_int_equal(t->vm.profile, CONFIG_VM_IMAGE);
	assert_string_equal(t->vm.image,
			    "/home/tester/rpi/raspios-arm64-lite.img");
	assert_string_equal(t->vm.kernel, "/home/tester/rpi/kernel8.img");
	assert_null(t->vm.initrd);
	assert_string_equal(t->vm.qemu, "/opt/qemu/bin/qemu-system-aarch64");
	assert_string_equal(t->ssh.user, "pi");
	assert_int_equal(t->ssh.port, 0);
	assert_string_equal(t->serial.socket,
			    "/run/kmdash-test/vm-rpios/serial.sock");

	assert_string_equal(cfg->ui.theme, "solarized");
	assert_int_equal(cfg->ui.graph, CONFIG_GRAPH_BRAILLE);
	assert_int_equal(cfg->ui.timestamps, CONFIG_TS_ABSOLUTE);
	assert_int_equal(cfg->ui.n_bindings, 3);
	b = &cfg->ui.bindings[0];
	assert_string_equal(b->action, "build");
	assert_int_equal(b->loc.line, 68);
	assert_int_equal(b->loc.col, 4);
	assert_int_equal(b->n_keys, 2);
	assert_string_equal(b->keys[1].key, "F5");
	assert_int_equal(b->keys[1].loc.line, 68);
	assert_int_equal(b->keys[1].loc.col, 19);
	b = &cfg->ui.bindings[2];
	assert_string_equal(b->action, "quit");
	assert_int_equal(b->n_keys, 1);
	assert_string_equal(b->keys[0].key, "q");
	assert_int_equal(b->keys[0].loc.line, 70);
	assert_int_equal(b->keys[0].loc.col, 12);
	config_free(cfg);
}

static void test_docker_build(void **state)
{
	char err[512];
	struct config *cfg = load(FIX "/good/docker.json", err, sizeof(err));
	const struct config_target *t;
	const char *const want[] = { "docker",	  "run",	"--rm", "-v",
				     "/src:/src", "crossbuild", "make", "-C",
				     "/src/kmod", NULL };

	assert_non_null(cfg);
	t = &cfg->targets[0];
	assert_int_equal(t->build.argv.n, 9);
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(t->build.argv.v[i], want[i]);
	assert_null(t->build.argv.v[9]);
	assert_string_equal(t->module.ko, "/src/kmod/storage_hash.ko");
	assert_int_equal(t->ssh.port, 2222);
	config_free(cfg);
}

static void test_reverse_tunnel(void **state)
{
	char err[512];
	struct config *cfg = load(FIX "/good/tunnel.json", err, sizeof(err));
	const struct config_target *t;

	assert_non_null(cfg);
	t = config_target(cfg, "pi-tunnel");
	assert_non_null(t);
	assert_string_equal(t->ssh.host, "127.0.0.1");
	assert_int_equal(t->ssh.port, 2222);
	assert_string_equal(t->ssh.jump_host,
			    "dev@ec2-devdesk.example.com:2022");
	assert_int_equal(t->ssh.dead_after_ms, 4000);
	config_free(cfg);
}

/*
 * The forms ssh.jump_host accepts, kept as written; what the first hop
 * means is sshconfig_parse_jump()'s, the one parser the session uses too.
 */
static void test_jump_host_forms(void **state)
{
	static const struct {
		const char *jump, *user, *host;
		int port; /* 0: not given (22) */
	} ok[] = {
		{ "bastion", "", "bastion", 0 },
		{ "me@bastion", "me", "bastion", 0 },
		{ "bastion:2200", "", "bastion", 2200 },
		{ "[::1]:2022", "", "::1", 2022 },
		{ "me@[fe80::1]", "me", "fe80::1", 0 },
		/* hops as ProxyJump takes them; the first one's parts */
		{ "me@a:2200,you@b", "me", "a", 2200 },
		{ "a,[::1]:2022,c", "", "a", 0 },
	};
	static const char *const bad[] = {
		"",    "@host", "me@", "host:", "host:0", "host:x", "[::1",
		"a b", "a,",	",a",  "a,,b",	"a,b:0",  "[::1]x", "a/b"
	};
	char path[PATH_MAX + 16], err[512], user[64], host[64];
	int port;

	snprintf(path, sizeof(path), "%s/jump.json", tmpdir);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		FILE *f = fopen(path, "w");
		struct config *cfg;

		fprintf(f,
			"{\"targets\":[{\"name\":\"t\",\"ssh\":{\"host\":\"h\",\"jump_host\":\"%s\"}}]}",
			ok[i].jump);
		fclose(f);
		cfg = load(path, err, sizeof(err));
		if (!cfg)
			fail_msg("%s: %s", ok[i].jump, err);
		assert_string_equal(cfg->targets[0].ssh.jump_host, ok[i].jump);
		assert_int_equal(
			sshconfig_parse_jump(cfg->targets[0].ssh.jump_host,
					     user, sizeof(user), host,
					     sizeof(host), &port),
			0);
		assert_string_equal(user, ok[i].user);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
		config_free(cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(path, "w");

		fprintf(f,
			"{\"targets\":[{\"name\":\"t\",\"ssh\":{\"host\":\"h\",\"jump_host\":\"%s\"}}]}",
			bad[i]);
		fclose(f);
		assert_null(load(path, err, sizeof(err)));
		assert_non_null(strstr(
			err, ":1:55: targets[0].ssh.jump_host: expected"));
	}
	unlink(path);
}

/* --print gives a config that loads back to the same print. */
static void test_print_round_trip(void **state)
{
	/* a module found and built by kmdash's kbuild command too */
	static const char *const files[] = {
		"good/full.json", "good/tunnel.json", "good/docker.json",
		"good/minimal.json", "module/relative.json",
		"module/container.json",
		/* no module known: neither its name nor a build to print */
		"module/several.json",
		/* nor is one from a .ko's file name that is no name */
		"module/ko_no_name.json"
	};
	char path[PATH_MAX + 16], err[512];

	snprintf(path, sizeof(path), "%s/printed.json", tmpdir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char in[256];
		struct config *a, *b;
		char *pa, *pb;
		FILE *f;

		snprintf(in, sizeof(in), FIX "/%s", files[i]);
		a = load(in, err, sizeof(err));
		assert_non_null(a);
		pa = config_print(a);
		assert_non_null(pa);
		f = fopen(path, "w");
		fputs(pa, f);
		fclose(f);
		b = load(path, err, sizeof(err));
		if (!b)
			fail_msg("%s printed, reloaded: %s", files[i], err);
		pb = config_print(b);
		assert_string_equal(pa, pb);
		/* what is not printed follows: the build still mirrors */
		if (a->targets[0].build.mirror_src)
			assert_string_equal(a->targets[0].build.mirror_dst,
					    b->targets[0].build.mirror_dst);
		free(pa);
		free(pb);
		config_free(a);
		config_free(b);
	}
	unlink(path);
}

static void test_print_shows_effective_values(void **state)
{
	char err[512], argv[PATH_MAX + 160];
	struct config *cfg = load(FIX "/good/tunnel.json", err, sizeof(err));
	char *p = config_print(cfg);

	assert_non_null(strstr(p, "\"default_target\":\t\"pi-tunnel\""));
	assert_non_null(strstr(
		p, "\"jump_host\":\t\"dev@ec2-devdesk.example.com:2022\""));
	assert_non_null(strstr(p, "\"probe_interval_ms\":\t1000"));
	/* the example of the checkout: kbuild into build/kmod */
	snprintf(argv, sizeof(argv), "\"M=%s/build/kmod\", \"ARCH=arm64\"",
		 repo);
	assert_non_null(strstr(p, argv));
	assert_non_null(strstr(p, "\"graph\":\t\"auto\""));
	assert_null(strstr(p, "password"));
	free(p);
	config_free(cfg);
}

/* --- the module: found, named, built; paths from the config's directory --- */

static struct config_target *load_module(const char *file, struct config **cfg)
{
	char path[256], err[1024];

	snprintf(path, sizeof(path), FIX "/module/%s", file);
	*cfg = load(path, err, sizeof(err));
	if (!*cfg)
		fail_msg("%s: %s", file, err);
	return &(*cfg)->targets[0];
}

/*
 * A container build: kbuild's command runs inside it on the build tree
 * mounted at /workspace, the sources the mirror links to and the
 * kernel's sysroot mounted read-only at their own paths.
 */
static void test_container_build(void **state)
{
	char dir[PATH_MAX], want[PATH_MAX * 3];
	struct config *cfg;
	const struct config_target *t = load_module("container.json", &cfg);
	const struct config_container *k = &t->build.container;
	const char *kdir = t->build.argv.v[2];
	const char *sysroot_end = strstr(kdir, "/usr/src/");

	assert_non_null(realpath(FIX "/module", dir));
	assert_true(k->present);
	assert_int_equal(k->engine, CONFIG_ENGINE_DOCKER);
	assert_string_equal(config_engine_names[k->engine], "docker");
	assert_string_equal(k->image, "localhost/kmdash-cross");
	assert_string_equal(k->workdir, "/workspace");
	assert_string_equal(t->build.argv.v[0], "make");
	assert_string_equal(t->build.argv.v[3], "M=/workspace");
	assert_non_null(sysroot_end);
	/* the kernel's root, read-only at its own path: the default mount */
	assert_int_equal(k->mounts.n, 1);
	snprintf(want, sizeof(want), "%.*s:%.*s:ro", (int)(sysroot_end - kdir),
		 kdir, (int)(sysroot_end - kdir), kdir);
	assert_string_equal(k->mounts.v[0], want);
	assert_int_equal(k->run_mounts.n, 3);
	snprintf(want, sizeof(want), "%s:/workspace", t->build.mirror_dst);
	assert_string_equal(k->run_mounts.v[0], want);
	snprintf(want, sizeof(want), "%s/one:%s/one:ro", dir, dir);
	assert_string_equal(k->run_mounts.v[1], want);
	assert_string_equal(k->run_mounts.v[2], k->mounts.v[0]);
	/* the .ko is where the build tree is on the host */
	snprintf(want, sizeof(want), "%s/one.ko", t->build.mirror_dst);
	assert_string_equal(t->module.ko, want);
	assert_int_equal(t->build.path_map.n, 1);
	assert_string_equal(t->build.path_map.v[0],
			    "/opt/elsewhere=/home/me/elsewhere");
	config_free(cfg);
}

static void test_paths_relative_to_the_config_file(void **state)
{
	char dir[PATH_MAX], cwd[PATH_MAX], want[PATH_MAX + 64];
	struct config *cfg;
	const struct config_target *t = load_module("relative.json", &cfg);
	size_t n;

	assert_non_null(realpath(FIX "/module", dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* module.dir "one": the config's one/, not the current directory's */
	snprintf(want, sizeof(want), "%s/one", dir);
	assert_string_equal(t->module.dir, want);
	assert_string_equal(t->module.name, "one");
	assert_null(t->module.problem);
	snprintf(want, sizeof(want), "%s/" FIX "/module/img/Image", cwd);
	assert_string_equal(t->vm.kernel, want);
	/* a bare program name is looked up in PATH: kept */
	assert_string_equal(t->vm.qemu, "qemu-system-aarch64");
	/* a local benchmark program, relative to the config too */
	snprintf(want, sizeof(want), "%s/" FIX "/module/bench.sh", cwd);
	assert_int_equal(t->bench_argv.n, 2);
	assert_string_equal(t->bench_argv.v[0], want);
	assert_string_equal(t->bench_argv.v[1], "-q");
	/* kbuild against the target's kernel, outputs in the cache */
	assert_int_equal(t->build.argv.n, 6 + !!jobs_arg()[0] + 1);
	assert_string_equal(t->build.argv.v[0], "make");
	assert_string_equal(
		t->build.argv.v[2],
		"/cache/target/6.1.0-99-arm64/sysroot/usr/src/linux-headers-6.1.0-99-arm64");
	snprintf(want, sizeof(want), "M=%s/" FIX "/cache/build/qemu/one-", cwd);
	assert_memory_equal(t->build.argv.v[3], want, strlen(want));
	if (jobs_arg()[0])
		assert_string_equal(t->build.argv.v[6], jobs_arg());
	assert_string_equal(t->build.argv.v[t->build.argv.n - 1], "modules");
	snprintf(want, sizeof(want), "%s/one", dir);
	assert_string_equal(t->build.mirror_src, want);
	assert_string_equal(t->build.mirror_dst, t->build.argv.v[3] + 2);
	n = strlen(t->build.mirror_dst);
	assert_memory_equal(t->module.ko, t->build.mirror_dst, n);
	assert_string_equal(t->module.ko + n, "/one.ko");
	assert_null(t->build.missing);
	assert_false(t->module.example);
	config_free(cfg);
}

static void test_module_name_among_several(void **state)
{
	struct config *cfg;
	const struct config_target *t = load_module("several.json", &cfg);

	/* the config loads; what needs the module says why it cannot */
	assert_null(t->module.ko);
	assert_non_null(t->module.problem);
	assert_non_null(strstr(t->module.problem,
			       "/several/Kbuild builds several modules (alpha, "
			       "beta): say which with module.name in the "
			       "config"));
	assert_string_equal(t->build.missing, t->module.problem);
	config_free(cfg);

	t = load_module("several_named.json", &cfg);
	assert_null(t->module.problem);
	assert_string_equal(t->module.name, "beta");
	assert_string_equal(t->module.ko + strlen(t->module.ko) - 8,
			    "/beta.ko");
	config_free(cfg);

	t = load_module("wrong_name.json", &cfg);
	assert_non_null(strstr(t->module.problem,
			       "module.name \"two\" is not a module "));
	assert_non_null(strstr(t->module.problem, "(obj-m: one)"));
	config_free(cfg);
}

/* No config, no --module: found upwards from where kmdash runs. */
static void test_module_found_from_cwd(void **state)
{
	char cwd[PATH_MAX], here[PATH_MAX + 64], want[PATH_MAX];
	struct config_opts o = { .cwd = here };
	char err[512];
	struct config *cfg;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(here, sizeof(here), "%s/" FIX "/module/one", cwd);
	assert_non_null(realpath(here, want));
	cfg = config_load(&o, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->targets[0].module.dir, want);
	assert_string_equal(cfg->targets[0].module.name, "one");
	config_free(cfg);

	/* --module names it, relative to where kmdash runs */
	o.cwd = tmpdir;
	o.module_dir = here;
	cfg = config_load(&o, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->targets[0].module.dir, want);
	config_free(cfg);

	/* nothing there: what was looked for, and how to name one */
	o.module_dir = NULL;
	cfg = config_load(&o, err, sizeof(err));
	assert_non_null(cfg);
	assert_null(cfg->targets[0].module.ko);
	assert_non_null(strstr(cfg->targets[0].module.problem,
			       "no kernel module in /tmp/kmdash-test-config."));
	assert_non_null(
		strstr(cfg->targets[0].module.problem,
		       "looked for a Kbuild, or a Makefile with obj-m"));
	assert_non_null(strstr(cfg->targets[0].module.problem, "--module DIR"));
	config_free(cfg);
}

static int setup(void **state)
{
	char cwd[PATH_MAX], cache[PATH_MAX + 64];
	struct stat st;

	if (stat(FIX "/bad", &st)) {
		fprintf(stderr, "run from the repository root (no " FIX ")\n");
		return -1;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(cache, sizeof(cache), "%s/" FIX "/cache", cwd);
	snprintf(repo, sizeof(repo), "%s/" FIX "/repo", cwd);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kmdash-test-config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("KMDASH_CACHE_DIR", cache, 1);
	setenv("KMDASH_RUNTIME_DIR", "/run/kmdash-test", 1);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("HOME", "/home/tester", 1);
	setenv("USER", "tester", 1);
	/* it names the default QEMU binary */
	unsetenv("QEMU");
	return 0;
}

static int reset_cache(void **state)
{
	char cwd[PATH_MAX], cache[PATH_MAX + 64];

	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(cache, sizeof(cache), "%s/" FIX "/cache", cwd);
	setenv("KMDASH_CACHE_DIR", cache, 1);
	return 0;
}

static int teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_paths_relative_to_the_config_file),
		cmocka_unit_test(test_module_name_among_several),
		cmocka_unit_test(test_module_found_from_cwd),
		cmocka_unit_test(test_every_bad_fixture_is_listed),
		cmocka_unit_test(test_error_buffer_is_cut_safely),
		cmocka_unit_test(test_missing_explicit_file),
		cmocka_unit_test(test_no_config_at_all),
		cmocka_unit_test(test_default_path_is_read),
		cmocka_unit_test_teardown(test_no_target_built, reset_cache),
		cmocka_unit_test(test_minimal_is_the_default),
		cmocka_unit_test(test_board),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_docker_build),
		cmocka_unit_test(test_container_build),
		cmocka_unit_test(test_reverse_tunnel),
		cmocka_unit_test(test_jump_host_forms),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_shows_effective_values),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
