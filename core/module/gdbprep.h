/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything gdb needs to debug the target's kernel and the module, made
 * over the target's SSH session in one round trip (a second, once per
 * kernel build, for its /proc/kallsyms):
 *   - the loaded module's build id and its section addresses (every
 *     allocated one in /sys/module/NAME/sections/), with the exact .ko
 *     that was deployed (the kept copy of that build id);
 *   - the kernel's build id and /proc/kallsyms, as a symbol file (cached
 *     per kernel build: the guest boots with nokaslr);
 *   - the scripts (core/module/gdbinit.h) in the VM's runtime directory.
 * Symbol files are cached in STATE/TARGET/gdb/ by build id.
 */
#ifndef KMDASH_GDBPREP_H
#define KMDASH_GDBPREP_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct ssh_session;
struct crash;
struct gdbprep;

/* The debugger kmdash starts (Debian's gdb for foreign architectures). */
#define GDB_PROGRAM "gdb-multiarch"

struct gdbprep_opts {
	struct loop *loop;
	struct crash *crash; /* finds the .ko of a build id */
	const char *target; /* its name */
	const char *module; /* the module's name */
	const char *ko; /* the configured build: its directory is the build's */
	const char *socket; /* the VM's gdbstub */
	const char *run_dir; /* the VM's runtime directory: the scripts */
	const char *cache_dir; /* symbol files by build id */
	const char *kernel_image; /* the VM's kernel Image, or NULL */
};

/* rc 0: the gdbinit's path and a note (what was loaded, what not). */
typedef void (*gdbprep_fn)(void *arg, int rc, const char *gdbinit,
			   const char *msg);

/* The strings are copied. NULL when out of memory. */
struct gdbprep *gdbprep_new(const struct gdbprep_opts *o);
/* No callback after. */
void gdbprep_free(struct gdbprep *g);
/* A new connection (NULL: none); what ran on the old one is dropped. */
void gdbprep_set_session(struct gdbprep *g, struct ssh_session *s);

/*
 * Makes the scripts from what the target says now. 0 once started (fn
 * comes), -EBUSY while one runs, -ENOTCONN without a session.
 */
int gdbprep_run(struct gdbprep *g, gdbprep_fn fn, void *arg);

/*
 * module.gdb alone, from what a load read (deploy_loaded_id(),
 * deploy_loaded_sections()), or for no module (id "" or NULL): for
 * kmdash-reload-symbols in a gdb attached while the module moved. Written
 * before the load's step ends, so a gdb can follow at once. note says
 * what it holds. 0 or -errno.
 */
int gdbprep_write_module(struct gdbprep *g, const char *id,
			 const char *sections, char *note, size_t ncap);

/*
 * gdb's argv: GDB_PROGRAM -q -x GDBINIT, then extra (nextra strings).
 * NULL-terminated into argv (cap entries); the count, or -E2BIG.
 */
int gdbprep_argv(const char **argv, size_t cap, const char *gdbinit,
		 char *const *extra, size_t nextra);

#endif
