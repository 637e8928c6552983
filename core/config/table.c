// SPDX-License-Identifier: GPL-2.0
/*
 * Every key of kmdash's config, once: its type, where it is stored, its
 * limits, its default and what it means. Parsing, the defaults, printing
 * (config --print), freeing and "did you mean" are all driven from here
 * (core/config/schema.h). The order of the rows is the order of
 * "expected one of: ..." and of config --print.
 *
 * Defaults that depend on the embedded target (target.env) or on the VM
 * profile are not constants; they are set in one place, defaults.c.
 */
#include <assert.h>
#include <stddef.h>

#include "core/config/config_int.h"

/* ENUM rows store an enum through an int. */
static_assert(sizeof(enum config_vm_profile) == sizeof(int), "enum size");
static_assert(sizeof(enum config_graph) == sizeof(int), "enum size");
static_assert(sizeof(enum config_timestamps) == sizeof(int), "enum size");
static_assert(sizeof(enum config_watch) == sizeof(int), "enum size");
static_assert(sizeof(enum config_gdb_window) == sizeof(int), "enum size");
static_assert(sizeof(enum config_engine) == sizeof(int), "enum size");

static const char *const profile_names[] = { "none", "virt", "raspi3b", "image",
					     NULL };
static const char *const graph_names[] = { "auto", "braille", "block", "ascii",
					   NULL };
static const char *const ts_names[] = { "relative", "absolute", NULL };
static const char *const watch_names[] = { "off", "build", "reload", "cycle",
					   NULL };
static const char *const gdb_window_names[] = { "window", "split", NULL };
const char *const config_engine_names[] = { "podman", "docker", NULL };

/* like make modules_install INSTALL_MOD_STRIP=1 */
static const char *const default_strip[] = { "aarch64-linux-gnu-strip",
					     "--strip-debug", NULL };

#define SSH(f) offsetof(struct config_ssh, f)
#define VM(f) offsetof(struct config_vm, f)
#define SERIAL(f) offsetof(struct config_serial, f)
#define BUILD(f) offsetof(struct config_build, f)
#define CONTAINER(f) offsetof(struct config_container, f)
#define MODULE(f) offsetof(struct config_module, f)
#define TARGET(f) offsetof(struct config_target, f)
#define UI(f) offsetof(struct config_ui, f)
#define CONFIG(f) offsetof(struct config, f)

static const struct schema_row ssh_rows[] = {
	{ .name = "host",
	  .type = SCHEMA_STRING,
	  .offset = SSH(host),
	  .text = "The board's address or an ssh_config Host alias "
		  "(VMs: 127.0.0.1)." },
	{ .name = "port",
	  .type = SCHEMA_INT,
	  .offset = SSH(port),
	  .min = 1,
	  .max = 65535,
	  .range = config_ssh_port_range,
	  .text = "The SSH port (22; VMs: 0, the port the started VM "
		  "forwards)." },
	{ .name = "user",
	  .type = SCHEMA_STRING,
	  .offset = SSH(user),
	  .text = "The user to log in as (embedded target: root; image: pi; "
		  "boards: yours)." },
	{ .name = "identity_files",
	  .type = SCHEMA_STRV,
	  .flags = SCHEMA_PATHS,
	  .offset = SSH(identity_files),
	  .what = "file names",
	  .check_each = config_check_nonempty,
	  .text = "Private keys to try (default: ~/.ssh/id_ed25519, "
		  "id_ecdsa, id_rsa that exist)." },
	{ .name = "known_hosts",
	  .type = SCHEMA_PATH,
	  .offset = SSH(known_hosts),
	  .text = "The known_hosts file (VMs: one of their own)." },
	{ .name = "jump_host",
	  .type = SCHEMA_STRING,
	  .offset = SSH(jump_host),
	  .check = config_check_jump_host,
	  .text = "Reach the target through [user@]host[:port] (hops "
		  "separated by commas, as ProxyJump)." },
	{ .name = "agent",
	  .type = SCHEMA_BOOL,
	  .offset = SSH(agent),
	  .text = "Also try the keys of ssh-agent (not on the embedded "
		  "target)." },
	{ .name = "ssh_config",
	  .type = SCHEMA_BOOL,
	  .offset = SSH(ssh_config),
	  .default_num = false,
	  .text = "Honour ~/.ssh/config for a Host alias." },
	{ .name = "connect_timeout_ms",
	  .type = SCHEMA_INT,
	  .offset = SSH(connect_timeout_ms),
	  .min = 100,
	  .max = 600000,
	  .default_num = 5000,
	  .text = "Give up a connection attempt after this long." },
	{ .name = "probe_interval_ms",
	  .type = SCHEMA_INT,
	  .offset = SSH(probe_interval_ms),
	  .min = 100,
	  .max = 600000,
	  .default_num = 1000,
	  .text = "How often the link's health is probed." },
	{ .name = "dead_after_ms",
	  .type = SCHEMA_INT,
	  .offset = SSH(dead_after_ms),
	  .min = 100,
	  .max = 3600000,
	  .default_num = 5000,
	  .text = "The link is down after this long without an answer "
		  "(at least probe_interval_ms)." },
	{ 0 },
};

static const struct schema_table ssh_table = {
	.rows = ssh_rows,
	.finish = config_ssh_finish,
};

static const struct schema_row vm_rows[] = {
	{ .name = "profile",
	  .type = SCHEMA_ENUM,
	  .flags = SCHEMA_BY_HOOK, /* the defaults depend on it */
	  .offset = VM(profile),
	  .names = profile_names,
	  .first = CONFIG_VM_VIRT,
	  .text = "virt (the embedded guest), raspi3b (the same on an "
		  "emulated Pi 3) or image (your Raspberry Pi OS image)." },
	{ .name = "image",
	  .type = SCHEMA_PATH,
	  .offset = VM(image),
	  .text = "The disk image (image profile only)." },
	{ .name = "kernel",
	  .type = SCHEMA_PATH,
	  .offset = VM(kernel),
	  .text = "The kernel (embedded: the built target's)." },
	{ .name = "initrd",
	  .type = SCHEMA_PATH,
	  .offset = VM(initrd),
	  .text = "The initramfs (embedded: the built target's)." },
	{ .name = "dtb",
	  .type = SCHEMA_PATH,
	  .offset = VM(dtb),
	  .text = "The device tree (raspi3b: the built target's)." },
	{ .name = "append",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_EMPTY_OK,
	  .offset = VM(append),
	  .default_str = "",
	  .text = "More kernel command line." },
	{ .name = "memory_mb",
	  .type = SCHEMA_INT,
	  .offset = VM(memory_mb),
	  .min = 64,
	  .max = 1048576,
	  .text = "The guest's memory (1024; raspi3b: exactly 1024)." },
	{ .name = "smp",
	  .type = SCHEMA_INT,
	  .offset = VM(smp),
	  .min = 1,
	  .max = 512,
	  .text = "The guest's CPUs (virt: 2; raspi3b: exactly 4)." },
	{ .name = "qemu",
	  .type = SCHEMA_PATH,
	  .flags = SCHEMA_COMMAND,
	  .offset = VM(qemu),
	  .default_str = VM_QEMU,
	  .text = "The QEMU binary: a name looked up in PATH, or a path "
		  "(default: $QEMU, else " VM_QEMU ")." },
	{ .name = "extra_args",
	  .type = SCHEMA_STRV,
	  .offset = VM(extra_args),
	  .what = "strings",
	  .text = "More QEMU arguments." },
	{ .name = "host_key",
	  .type = SCHEMA_PATH,
	  .offset = VM(host_key),
	  .text = "The guest's SSH host key (.pub), from which vm start writes "
		  "known_hosts (embedded: the built target's; image: kmdash "
		  "image prepare's)." },
	{ .name = "boot_timeout_ms",
	  .type = SCHEMA_INT,
	  .offset = VM(boot_timeout_ms),
	  .min = 1000,
	  .max = 3600000,
	  .default_num = VM_BOOT_TIMEOUT_MS,
	  .text = "vm start gives up when no SSH server answers after this "
		  "long, naming the boot stage reached." },
	{ .name = "run_dir",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = VM(run_dir),
	  .text = "The VM's runtime directory: sockets, pid, known_hosts." },
	{ 0 },
};

const struct schema_table config_vm_table = {
	.rows = vm_rows,
	.finish = config_vm_finish,
};

static const struct schema_row serial_rows[] = {
	{ .name = "socket",
	  .type = SCHEMA_PATH,
	  .offset = SERIAL(socket),
	  .text = "A QEMU chardev unix socket (VMs: their own)." },
	{ .name = "tty",
	  .type = SCHEMA_PATH,
	  .offset = SERIAL(tty),
	  .text = "A serial device, e.g. /dev/ttyUSB0." },
	{ .name = "baud",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: a socket has none */
	  .offset = SERIAL(baud),
	  .min = 1,
	  .max = 4000000,
	  .check = config_check_baud,
	  .text = "The tty's speed, a standard rate (115200)." },
	{ 0 },
};

static const struct schema_table serial_table = {
	.rows = serial_rows,
	.prepare = config_serial_prepare,
};

static const char *const default_workdir = "/workspace";

static const struct schema_row container_rows[] = {
	{ .name = "engine",
	  .type = SCHEMA_ENUM,
	  .offset = CONTAINER(engine),
	  .names = config_engine_names,
	  .default_num = CONFIG_ENGINE_PODMAN,
	  .text = "podman or docker, the program in PATH that runs it." },
	{ .name = "image",
	  .type = SCHEMA_STRING,
	  .offset = CONTAINER(image),
	  .text = "The image (make container builds "
		  "localhost/kmdash-cross)." },
	{ .name = "mounts",
	  .type = SCHEMA_STRV,
	  .offset = CONTAINER(mounts),
	  .what = "\"HOST:CONTAINER[:OPTIONS]\" strings",
	  .check_each = config_check_mount,
	  .text = "More directories to mount (the kernel tree, read-only at "
		  "its own path); the build tree is always mounted." },
	{ .name = "workdir",
	  .type = SCHEMA_STRING,
	  .offset = CONTAINER(workdir),
	  .default_str = default_workdir,
	  .check = config_check_abs,
	  .text = "Where the build tree is mounted and the command runs." },
	{ .name = "run_mounts",
	  .type = SCHEMA_STRV,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONTAINER(run_mounts) },
	{ 0 },
};

const struct schema_table config_container_table = {
	.rows = container_rows,
	.prepare = config_container_prepare,
	.finish = config_container_finish,
};

static const struct schema_row build_rows[] = {
	{ .name = "argv",
	  .type = SCHEMA_STRV,
	  .flags = SCHEMA_NONEMPTY,
	  .offset = BUILD(argv),
	  .what = "strings (the build command)",
	  .check = config_check_argv,
	  .text = "The build command (kbuild for the module directory: make "
		  "-C KDIR M=CACHE/build/TARGET/DIR-HASH ARCH=arm64 "
		  "CROSS_COMPILE=aarch64-linux-gnu- modules, in a mirror of "
		  "the sources; in the kmdash checkout: make -C REPO kmod)." },
	{ .name = "dir",
	  .type = SCHEMA_PATH,
	  .offset = BUILD(dir),
	  .text = "Where it runs (the module directory; in the kmdash "
		  "checkout, where kmdash runs)." },
	{ .name = "kdir",
	  .type = SCHEMA_PATH,
	  .offset = BUILD(kdir),
	  .text = "The prepared kernel tree the module is built against "
		  "(the embedded target's headers)." },
	{ .name = "env",
	  .type = SCHEMA_MAP,
	  .offset = BUILD(env),
	  .what = "NAME: \"value\" strings",
	  .check_each = config_check_env_name,
	  .text = "More environment variables for the build." },
	{ .name = "container",
	  .type = SCHEMA_OBJECT,
	  .flags = SCHEMA_PRESENT,
	  .offset = BUILD(container),
	  .present_offset = BUILD(container.present),
	  .sub = &config_container_table,
	  .text = "Build in a container: argv then runs inside it." },
	{ .name = "path_map",
	  .type = SCHEMA_MAP,
	  .offset = BUILD(path_map),
	  .what = "\"/container/path\": \"/host/path\" strings",
	  .check_each = config_check_path_map,
	  .text = "Paths the build prints and where they are on the host "
		  "(a container's mounts map themselves)." },
	{ .name = "kbuild_plan",
	  .type = SCHEMA_BOOL,
	  .offset = BUILD(kbuild_plan),
	  .default_num = true,
	  .text = "Rebuild with kbuild's recorded plan: its sub-makes run "
		  "without the top-level Makefile and its compiler probes "
		  "while the kernel tree, the tools and the environment are "
		  "unchanged (a kbuild command on the host only)." },
	{ .name = "plan_dir",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = BUILD(plan_dir) },
	{ .name = "mirror_src",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = BUILD(mirror_src) },
	{ .name = "mirror_dst",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = BUILD(mirror_dst) },
	{ .name = "missing",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = BUILD(missing) },
	{ 0 },
};

static const struct schema_table build_table = { .rows = build_rows };

static const struct schema_row tools_rows[] = {
	{ .name = "sectl",
	  .type = SCHEMA_PATH,
	  .offset = MODULE(sectl),
	  .text = "The example's control tool, uploaded with the module "
		  "(the build's tools/sectl)." },
	{ .name = "sebench",
	  .type = SCHEMA_PATH,
	  .offset = MODULE(sebench),
	  .text = "The example's benchmark (the build's tools/sebench): "
		  "bench.argv's default." },
	{ 0 },
};

static const struct schema_table tools_table = { .rows = tools_rows };

static const struct schema_row module_rows[] = {
	{ .name = "dir",
	  .type = SCHEMA_PATH,
	  .offset = MODULE(dir),
	  .text = "The module's source directory, with its Kbuild or "
		  "Makefile (found upwards from where kmdash starts, as git "
		  "finds a repository)." },
	{ .name = "name",
	  .type = SCHEMA_STRING,
	  .offset = MODULE(name),
	  .check = config_check_module_name,
	  .text = "The module's name, as lsmod shows it (from obj-m; says "
		  "which one when obj-m lists several)." },
	{ .name = "ko",
	  .type = SCHEMA_PATH,
	  .offset = MODULE(ko),
	  .text = "The built module (the build's NAME.ko)." },
	{ .name = "params",
	  .type = SCHEMA_STRV,
	  .offset = MODULE(params),
	  .what = "NAME=VALUE module parameters",
	  .check_each = config_check_module_param,
	  .text = "Parameters for insmod." },
	{ .name = "remote_dir",
	  .type = SCHEMA_STRING,
	  .offset = MODULE(remote_dir),
	  .default_str = "/tmp/kmdash",
	  .check = config_check_remote_dir,
	  .text = "Where the module and tools go on the target (absolute)." },
	{ .name = "tools",
	  .type = SCHEMA_OBJECT,
	  .offset = 0,
	  .sub = &tools_table,
	  .text = "The on-target tools." },
	{ .name = "strip",
	  .type = SCHEMA_STRV,
	  .offset = MODULE(strip),
	  .what = "strings (the strip command, [] for none)",
	  .default_strv = default_strip,
	  .text = "What strips the debug sections off the uploaded copy "
		  "(\"-o OUT IN\" are appended)." },
	{ .name = "load_timeout_ms",
	  .type = SCHEMA_INT,
	  .offset = MODULE(load_timeout_ms),
	  .min = 1000,
	  .max = 3600000,
	  .default_num = 10000,
	  .text = "An insmod that has not returned by then fails (init "
		  "stuck?)." },
	{ .name = "problem",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = MODULE(problem) },
	{ 0 },
};

static const struct schema_table module_table = { .rows = module_rows };

static const struct schema_row kmsg_rows[] = {
	{ .name = "sudo",
	  .type = SCHEMA_BOOL,
	  .offset = TARGET(kmsg_sudo),
	  .text = "Read /dev/kmsg through sudo -n." },
	{ 0 },
};

static const struct schema_table kmsg_table = { .rows = kmsg_rows };

static const struct schema_row bench_rows[] = {
	{ .name = "argv",
	  .type = SCHEMA_STRV,
	  .flags = SCHEMA_NONEMPTY,
	  .offset = TARGET(bench_argv),
	  .what = "strings (the benchmark program and its arguments)",
	  .check = config_check_argv,
	  .text = "The benchmark run on the target, printing kmod/README.md's "
		  "JSON lines: a path with a '/' is a local program, uploaded "
		  "with the module; a bare name a command on the target (the "
		  "example: its sebench; other modules: none)." },
	{ .name = "args",
	  .type = SCHEMA_STRV,
	  .offset = TARGET(bench_args),
	  .what = "strings (arguments)",
	  .text = "More arguments, after argv's (sebench's options)." },
	{ .name = "baseline",
	  .type = SCHEMA_STRV,
	  .offset = TARGET(bench_baseline),
	  .what = "strings (arguments)",
	  .text = "Arguments that make the program measure the user-space "
		  "baseline, run interleaved with the module (the example: "
		  "--engine user; other programs: none, one series)." },
	{ .name = "runs",
	  .type = SCHEMA_INT,
	  .offset = TARGET(bench_opts.runs),
	  .min = 1,
	  .max = 100,
	  .default_num = BENCH_RUNS_DEFAULT,
	  .text = "Repetitions of each engine (median and spread)." },
	{ .name = "workload",
	  .type = SCHEMA_STRING,
	  .offset = TARGET(bench_opts.workload),
	  .check = config_check_bench_word,
	  .text = "A YCSB core workload, A-F (--workload; the example: A)." },
	{ .name = "distribution",
	  .type = SCHEMA_STRING,
	  .offset = TARGET(bench_opts.distribution),
	  .check = config_check_bench_word,
	  .text = "Which keys are asked for: uniform, zipfian or latest "
		  "(--distribution; the workload's own by default)." },
	{ .name = "records",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.records),
	  .min = 1,
	  .max = 100000000,
	  .text = "Records stored by the load phase (--records)." },
	{ .name = "operations",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.operations),
	  .min = 1,
	  .max = 100000000,
	  .text = "Operations of the run phase, over all threads (--operations; without: by time)." },
	{ .name = "key_size",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.key_size),
	  .min = 1,
	  .max = 100000000,
	  .text = "Key length in bytes (--key-size)." },
	{ .name = "value_size",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.value_size),
	  .min = 1,
	  .max = 100000000,
	  .text = "Value length in bytes (--value-size)." },
	{ .name = "threads",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.threads),
	  .min = 1,
	  .max = 100000000,
	  .text = "Worker threads (--threads)." },
	{ .name = "batch",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.batch),
	  .min = 1,
	  .max = 100000000,
	  .text = "Operations per call (--batch)." },
	{ .name = "duration_ms",
	  .type = SCHEMA_INT,
	  .flags = SCHEMA_OMIT_ZERO, /* 0: the program's own */
	  .offset = TARGET(bench_opts.duration_ms),
	  .min = 1,
	  .max = 100000000,
	  .text = "The run phase's length (--duration; the example: 1000)." },
	{ 0 },
};

static const struct schema_table bench_table = { .rows = bench_rows };

static const struct schema_row kernel_rows[] = {
	{ .name = "vmlinux",
	  .type = SCHEMA_PATH,
	  .offset = TARGET(kernel_vmlinux),
	  .text = "A debug vmlinux, for the kernel's own frames of a "
		  "trace." },
	{ 0 },
};

static const struct schema_table kernel_table = { .rows = kernel_rows };

static const struct schema_row target_rows[] = {
	{ .name = "name",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_BY_HOOK, /* the defaults depend on it */
	  .offset = TARGET(name),
	  .check = config_check_target_name,
	  .text = "The target's name (it names directories)." },
	{ .name = "source",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = TARGET(source),
	  .text = "The drop-in file the target came from." },
	{ .name = "ssh",
	  .type = SCHEMA_OBJECT,
	  .offset = TARGET(ssh),
	  .sub = &ssh_table,
	  .text = "How to reach the target." },
	{ .name = "vm",
	  .type = SCHEMA_OBJECT,
	  .flags = SCHEMA_PRESENT,
	  .offset = TARGET(vm),
	  .present_offset = TARGET(has_vm),
	  .sub = &config_vm_table,
	  .text = "The target is a QEMU VM that kmdash starts." },
	{ .name = "serial",
	  .type = SCHEMA_OBJECT,
	  .flags = SCHEMA_PRESENT,
	  .offset = TARGET(serial),
	  .present_offset = TARGET(has_serial),
	  .sub = &serial_table,
	  .text = "The serial console: a socket or a tty." },
	{ .name = "build",
	  .type = SCHEMA_OBJECT,
	  .offset = TARGET(build),
	  .sub = &build_table,
	  .text = "How the module is built." },
	{ .name = "module",
	  .type = SCHEMA_OBJECT,
	  .offset = TARGET(module),
	  .sub = &module_table,
	  .text = "The module and how it is deployed." },
	{ .name = "kmsg",
	  .type = SCHEMA_OBJECT,
	  .offset = 0,
	  .sub = &kmsg_table,
	  .text = "How the kernel log is read." },
	{ .name = "bench",
	  .type = SCHEMA_OBJECT,
	  .offset = 0,
	  .sub = &bench_table,
	  .text = "The benchmark." },
	{ .name = "kernel",
	  .type = SCHEMA_OBJECT,
	  .offset = 0,
	  .sub = &kernel_table,
	  .text = "The target's kernel." },
	{ 0 },
};

const struct schema_table config_target_table = {
	.rows = target_rows,
	.size = sizeof(struct config_target),
	.prepare = config_target_prepare,
	.finish = config_target_finish,
};

static const struct schema_row ui_rows[] = {
	{ .name = "theme",
	  .type = SCHEMA_STRING,
	  .offset = UI(theme),
	  .text = "A theme name (themes/NAME.json); none: the built-in "
		  "default." },
	{ .name = "graph",
	  .type = SCHEMA_ENUM,
	  .offset = UI(graph),
	  .names = graph_names,
	  .default_num = CONFIG_GRAPH_AUTO,
	  .text = "How graphs are drawn." },
	{ .name = "keys",
	  .type = SCHEMA_CUSTOM,
	  .offset = UI(bindings),
	  .ops = &config_keys_ops,
	  .text = "Key bindings: action: [\"key\", ...]." },
	{ .name = "timestamps",
	  .type = SCHEMA_ENUM,
	  .offset = UI(timestamps),
	  .names = ts_names,
	  .default_num = CONFIG_TS_RELATIVE,
	  .text = "Kernel log times: since boot, or wall clock." },
	{ .name = "gdb_window",
	  .type = SCHEMA_ENUM,
	  .offset = UI(gdb_window),
	  .names = gdb_window_names,
	  .default_num = CONFIG_GDB_WINDOW,
	  .text = "Where g opens gdb inside tmux: a new window, or a split "
		  "beside the dashboard." },
	{ .name = "rest_after_ms",
	  .type = SCHEMA_INT,
	  .offset = UI(rest_after_ms),
	  .min = 0,
	  .max = 86400000,
	  .default_num = 30000,
	  .text = "At rest (no key for this long), the link's RTT is drawn "
		  "every 5 s, or at once when it doubles or halves; a change "
		  "of the link's state is drawn at once (0: never at rest)." },
	{ 0 },
};

static const struct schema_table ui_table = { .rows = ui_rows };

static const struct schema_row root_rows[] = {
	{ .name = "default_target",
	  .type = SCHEMA_CUSTOM,
	  .flags = SCHEMA_BY_HOOK, /* it names one of the targets */
	  .offset = CONFIG(default_target),
	  .ops = &config_default_target_ops,
	  .text = "The target used when none is named (the first)." },
	{ .name = "targets",
	  .type = SCHEMA_ARRAY,
	  .offset = CONFIG(targets),
	  .count_offset = CONFIG(n_targets),
	  .what = "targets",
	  .sub = &config_target_table,
	  .check = config_check_targets,
	  .text = "The targets (leave out: the embedded QEMU target)." },
	{ .name = "ui",
	  .type = SCHEMA_OBJECT,
	  .offset = CONFIG(ui),
	  .sub = &ui_table,
	  .text = "The dashboard." },
	{ .name = "watch",
	  .type = SCHEMA_ENUM,
	  .offset = CONFIG(watch),
	  .names = watch_names,
	  .default_num = CONFIG_WATCH_OFF,
	  .text = "What a save of the module's sources does from the start: "
		  "build, reload (build, unload, deploy, load) or cycle "
		  "(also the benchmark); off: nothing until w in the "
		  "dashboard or kmdash watch, which then reload." },
	/* where things are, derived by config_load() */
	{ .name = "path",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(path) },
	{ .name = "repo_dir",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(repo_dir) },
	{ .name = "data_dir",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(data_dir) },
	{ .name = "module_arg",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(module_arg) },
	{ .name = "module_search",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(module_search) },
	{ .name = "cache_dir",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(cache_dir) },
	{ .name = "runtime_dir",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(runtime_dir) },
	{ .name = "target_env",
	  .type = SCHEMA_STRING,
	  .flags = SCHEMA_INTERNAL,
	  .offset = CONFIG(target_env) },
	{ 0 },
};

const struct schema_table config_root_table = {
	.rows = root_rows,
	.size = sizeof(struct config),
	.finish = config_root_finish,
};

const struct schema_table *config_schema(void)
{
	return &config_root_table;
}
