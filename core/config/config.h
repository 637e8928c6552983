/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmdash's configuration: $XDG_CONFIG_HOME/kmdash/config.json (default
 * ~/.config/kmdash/config.json) or an explicit path, validated with
 * file:line:col errors, on top of defaults that come from the embedded
 * target (its target.env under the cache directory). With no config file
 * at all there is one target, "qemu": the embedded ARM64 guest on QEMU virt.
 *
 * Errors: config_load() collects every error it finds (not just the first),
 * one per line in err, in file order within each object; each line reads
 * "FILE:LINE:COL: PATH: what is wrong and what is expected", e.g.
 *   config.json:12:15: targets[0].ssh.port: expected an integer 1-65535, got "abc"
 *
 * Paths may start with "~" or "~user"; relative paths are taken relative to
 * the config file's directory, never to the directory kmdash runs in: only
 * the module is found from there (the nearest directory upwards with a
 * Kbuild, or a Makefile with obj-m; core/module/modsrc.h), as git finds
 * its repository. Every key is a row of one table
 * (core/config/table.c); config_print() shows them all with every default
 * filled in.
 */
#ifndef KMDASH_CONFIG_H
#define KMDASH_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/base/jsonpos.h"
#include "core/module/workload.h"
#include "core/vm/target_env.h"

/* A NULL-terminated list of strings (argv, env "K=V", file list). */
struct config_strv {
	char **v;
	size_t n;
};

enum config_vm_profile {
	CONFIG_VM_NONE = 0, /* not a VM: a board reached over SSH */
	CONFIG_VM_VIRT, /* the embedded guest on QEMU virt */
	CONFIG_VM_RASPI3B, /* the embedded guest on an emulated Pi 3 */
	CONFIG_VM_IMAGE, /* the user's own Raspberry Pi OS image (raspi3b) */
};

enum config_graph {
	CONFIG_GRAPH_AUTO = 0,
	CONFIG_GRAPH_BRAILLE,
	CONFIG_GRAPH_BLOCK,
	CONFIG_GRAPH_ASCII,
};

enum config_timestamps {
	CONFIG_TS_RELATIVE = 0,
	CONFIG_TS_ABSOLUTE,
};

/* What a save of the module's sources does (watch mode). */
enum config_watch {
	CONFIG_WATCH_OFF = 0, /* nothing until w (dashboard) or kmdash watch */
	CONFIG_WATCH_BUILD, /* build */
	CONFIG_WATCH_RELOAD, /* build, then unload, deploy, load */
	CONFIG_WATCH_CYCLE, /* build, reload and the benchmark */
};

/* Where g opens gdb inside tmux. */
enum config_gdb_window {
	CONFIG_GDB_WINDOW = 0, /* a new tmux window */
	CONFIG_GDB_SPLIT, /* a pane beside the dashboard's */
};

struct config_ssh {
	char *host;
	int port; /* 0 (VM targets): the port the started VM forwards */
	char *user;
	struct config_strv identity_files;
	bool identity_default; /* the list is the ~/.ssh defaults: skip missing */
	char *known_hosts;
	char *jump_host; /* as written: [user@]host[:port], or NULL */
	bool agent;
	bool ssh_config; /* honour ~/.ssh/config for a Host alias */
	int connect_timeout_ms;
	int probe_interval_ms;
	int dead_after_ms;
};

struct config_vm {
	enum config_vm_profile profile;
	char *image; /* CONFIG_VM_IMAGE: the disk image */
	char *kernel;
	char *initrd; /* NULL: none */
	char *dtb; /* NULL: none (virt) */
	char *append; /* extra kernel command line, "" by default */
	int memory_mb;
	int smp;
	char *qemu; /* binary: a name looked up in PATH, or a path ($QEMU) */
	struct config_strv extra_args;
	/* the guest's SSH host key (.pub): known_hosts is written from it */
	char *host_key;
	int boot_timeout_ms; /* vm start gives up after this long */
	char *run_dir; /* runtime dir of this VM: sockets, pid, known_hosts */
};

struct config_serial {
	char *socket; /* a QEMU chardev unix socket, or NULL */
	char *tty; /* a serial device, or NULL */
	int baud; /* tty only */
};

enum config_engine {
	CONFIG_ENGINE_PODMAN = 0,
	CONFIG_ENGINE_DOCKER,
};

/* "podman", "docker": the program each engine is, by enum config_engine. */
extern const char *const config_engine_names[];

/* build.container: the build runs in a container engine. */
struct config_container {
	bool present; /* the key is there */
	enum config_engine engine;
	char *image;
	/* "HOST:CONTAINER[:OPTIONS]" (the kernel tree's, read-only) */
	struct config_strv mounts;
	char *workdir; /* the build tree's place in the container */
	/*
	 * What is mounted: kmdash's build tree at workdir (and the sources
	 * its links point to, read-only at their own path), then mounts.
	 */
	struct config_strv run_mounts;
};

struct config_build {
	/*
	 * Empty when there is none: then missing says why. With a
	 * container, the command run inside it.
	 */
	struct config_strv argv;
	char *dir; /* working directory, NULL: kmdash's */
	struct config_strv env; /* extra "NAME=VALUE" entries */
	char *kdir; /* the user's kernel tree; NULL: the embedded target's */
	/*
	 * kmdash's own kbuild build: the module directory and its mirror
	 * in the cache, where the objects go (core/module/mirror.h); NULL
	 * for a build command of the user's.
	 */
	char *mirror_src, *mirror_dst;
	char *missing; /* why there is no build command, or NULL */
	/* replay kbuild's plan (core/module/kbplan.h), and where it is kept */
	bool kbuild_plan;
	char *plan_dir;
	struct config_container container;
	/*
	 * "FROM=TO": paths the build prints (FROM, the container's) and
	 * where they are on the host; a container's mounts add theirs.
	 */
	struct config_strv path_map;
};

struct config_module {
	char *dir; /* the module's source directory, or NULL */
	char *name; /* from obj-m, or the config's */
	char *ko; /* local path of the built module, or NULL (see problem) */
	/* why the module is not known ("no kernel module in ..."), or NULL */
	char *problem;
	/* it is the storage_hash example (kmdash's kmod/) */
	bool example;
	struct config_strv params; /* "name=value" for insmod */
	char *remote_dir;
	char *sectl; /* local paths of the on-target tools to upload */
	char *sebench;
	/*
	 * What strips the debug sections off the copy that is uploaded
	 * (argv; "-o OUT IN" are appended); empty: upload the .ko as built.
	 */
	struct config_strv strip;
	/* insmod that has not returned by then fails (init stuck?) */
	int load_timeout_ms;
};

struct config_target {
	char *name;
	/* the drop-in file (targets.d/NAME.json) it came from, or NULL */
	char *source;
	bool embedded; /* the built-in guest (vm profile virt or raspi3b) */
	struct config_ssh ssh;
	bool has_vm;
	struct config_vm vm;
	bool has_serial;
	struct config_serial serial;
	struct config_build build;
	struct config_module module;
	bool kmsg_sudo; /* read /dev/kmsg through sudo -n */
	/* a debug vmlinux for the kernel's own frames of a trace, or NULL */
	char *kernel_vmlinux;
	/*
	 * The benchmark program and its arguments (empty: none); argv[0]
	 * with a '/' is a local file, uploaded with the module.
	 */
	struct config_strv bench_argv;
	struct config_strv bench_args; /* appended to bench_argv */
	/* appended for the user-space baseline's runs (empty: none) */
	struct config_strv bench_baseline;
	/* the workload's options, runs (bench.*): the program's options */
	struct bench_opts bench_opts;
};

struct config_key {
	char *key;
	struct jsonpos_loc loc;
};

/* ui.keys: an action and the keys bound to it, with positions. */
struct config_binding {
	char *action;
	struct jsonpos_loc loc; /* of the action name */
	struct config_key *keys;
	size_t n_keys;
};

struct config_ui {
	char *theme; /* NULL: the built-in default */
	enum config_graph graph;
	enum config_timestamps timestamps;
	enum config_gdb_window gdb_window;
	int rest_after_ms; /* no key for this long: the RTT drawn less often */
	struct config_binding *bindings;
	size_t n_bindings;
};

struct config {
	char *path; /* the file read, NULL when there was none */
	struct config_target *targets;
	size_t n_targets;
	size_t default_target; /* index into targets */
	struct config_ui ui;
	/*
	 * Watch mode from the start (the dashboard, kmdash watch); OFF: w
	 * and kmdash watch still watch, and a save then reloads.
	 */
	enum config_watch watch;
	/* where things are */
	char *repo_dir; /* the kmdash checkout kmdash runs in, or NULL */
	/* the run-time files: PREFIX/share/kmdash or a checkout; or NULL */
	char *data_dir;
	/* the module directory of --module, --example, or found; or NULL */
	char *module_arg;
	bool module_explicit; /* module_arg came from --module or --example */
	/* why none was found from where kmdash runs */
	char *module_search;
	char *cache_dir;
	char *runtime_dir;
	/* the embedded target's target.env (the path) */
	char *target_env;
	/* what it says; all NULL when the target is not built */
	struct vm_target embedded;
	/* why the embedded target cannot be used, "" if it can */
	char embedded_problem[PATH_MAX + 128];
};

struct config_opts {
	const char *path; /* NULL: the XDG default, which may be missing */
	/* where the module is looked for; NULL: the current directory */
	const char *cwd;
	/*
	 * The kmdash checkout kmdash runs in (its storage_hash example is
	 * the default module); NULL: found from cwd upwards, if any.
	 */
	const char *repo_dir;
	const char *module_dir; /* --module: relative to cwd */
	bool example; /* --example: the installed storage_hash example */
};

/*
 * Loads and validates. NULL on error, with every error found (one per
 * line) in err. A missing default file is no error: the defaults apply.
 */
struct config *config_load(const struct config_opts *opts, char *err,
			   size_t errlen);
void config_free(struct config *cfg);

/* The default config file path (malloc'ed), or NULL without HOME. */
char *config_default_path(void);

/*
 * The directory of target drop-ins, $XDG_CONFIG_HOME/kmdash/targets.d
 * (malloc'ed; NULL without HOME): each NAME.json in it holds one target
 * object, added to the targets of the configuration (after the file's,
 * or after the embedded one when there is no file). kmdash image prepare
 * writes there; the user's config file is never written.
 */
char *config_dropin_dir(void);

struct image_result;
/*
 * Writes the drop-in of a prepared Raspberry Pi OS image (profile image:
 * its copy, kernel, DTB, initramfs and command line; its user, client key
 * and host key; sudo for the kernel log) as DIR/NAME.json. 0 with its
 * path in path, or -errno with why in err.
 */
int config_write_image_target(const char *dir, const char *name,
			      const struct image_result *r, char *path,
			      size_t cap, char *err, size_t errlen);

/* The target called name, or the default one for NULL; NULL if none. */
const struct config_target *config_target(const struct config *cfg,
					  const char *name);

/*
 * A target's name, or a VM's: letters, digits, '.', '_' and '-', at most
 * 64, not starting with '.' or '-' (it names directories).
 */
bool config_name_ok(const char *name);

/*
 * The VM of a target as core/vm boots it: the one place where a
 * config_vm becomes a vm_config. Every string is borrowed from cfg (and
 * the built target it read); vm_new() copies them. 0, or -errno with why
 * in err: t is no VM, or it is the embedded target and that is not built.
 */
int config_target_vm(const struct config *cfg, const struct config_target *t,
		     struct vm_config *vc, char *err, size_t errlen);

/*
 * The effective configuration as JSON (malloc'ed; free()), every default
 * filled in; it is itself a valid config file.
 */
char *config_print(const struct config *cfg);

/*
 * The schema: every key with its type, limits, default and a line of
 * documentation (core/config/schema.h), from which the loader, the
 * defaults, config_print() and config_free() work.
 */
struct schema_table;
const struct schema_table *config_schema(void);

#endif
