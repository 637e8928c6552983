/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The build job: runs the configured build command (an argv) on a pty,
 * keeps its output in a bounded ring (tag = enum diag_kind of the line),
 * parses gcc / kbuild diagnostics as the lines arrive, and ends with a
 * one-line result ("build ok in 1.1 s, 0 warnings"). A model: it records
 * and marks itself dirty; the build pane draws it.
 */
#ifndef KMDASH_BUILD_H
#define KMDASH_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/module/container.h"
#include "core/module/diag.h"
#include "core/base/proc.h"

struct loop;
struct ring;
struct build;

enum build_state {
	BUILD_IDLE, /* never started */
	BUILD_RUNNING,
	BUILD_OK,
	BUILD_FAILED, /* non-zero exit, a signal, or the command could not run */
	BUILD_CANCELLED,
};

/* Every output line, raw (colours kept), for the session journal. */
typedef void (*build_sink_fn)(void *arg, const char *line, size_t len,
			      enum diag_kind kind);
typedef void (*build_done_fn)(void *arg, struct build *b);

struct build_opts {
	/* the build command; copied. NULL or empty: no_command says why */
	const char *const *argv;
	/*
	 * Why there is no build command ("no kernel module here: ..."):
	 * every build_start() then fails with it as the result.
	 */
	const char *no_command;
	/*
	 * The module's sources and their mirror, where kbuild writes
	 * (core/module/mirror.h): made afresh before each run. NULL: none.
	 */
	const char *mirror_src, *mirror_dst;
	/*
	 * Where kbuild's plans are kept (core/module/kbplan.h): a kbuild
	 * command on the host then skips the top-level Makefile while its
	 * plan holds. NULL: argv runs as it is. Copied.
	 */
	const char *plan_dir;
	const char *cwd; /* NULL: the current directory; copied */
	const char *const *env; /* extra NAME=value entries; copied */
	/*
	 * Run argv inside this container (copied; NULL: on the host). env
	 * then goes into the container, and the parser takes relative paths
	 * from its workdir.
	 */
	const struct container_spec *container;
	/*
	 * "FROM=TO" path prefixes the build prints and where they are on
	 * the host (copied; the container's mounts are added after them).
	 */
	const char *const *path_map;
	enum proc_io io; /* default PROC_PTY: gcc keeps its colours */
	size_t max_lines, max_bytes; /* of the ring; 0: 20000, 4 MiB */
	size_t max_diags; /* kept (all are counted); 0: 2000 */
	int kill_grace_ms; /* cancel: SIGTERM to SIGKILL; 0: 2000 */
	build_sink_fn sink; /* optional */
	build_done_fn on_done; /* optional; must not free the build */
	void *arg;
};

/* NULL with a reason in err (no command nor no_command, out of memory). */
struct build *build_new(const struct build_opts *o, char *err, size_t errlen);
void build_free(struct build *b); /* kills a running build */

/*
 * Starts (again): the log, diagnostics and counts start empty. Returns 0,
 * -EBUSY if running, or -errno when the command cannot run; then the state
 * is BUILD_FAILED and build_result() says why ("build command 'mak' not
 * found: ...").
 */
int build_start(struct build *b, struct loop *loop);
/*
 * Stops the whole process group; the state becomes BUILD_CANCELLED. A
 * container is killed through its engine (by the name build_start gave
 * it), since stopping the engine's client would not stop it.
 */
int build_cancel(struct build *b);
/*
 * The sources changed under the running build: its whole process group
 * is stopped (as build_cancel) and the build starts again, with a fresh
 * log, once the group has exited. It stays BUILD_RUNNING: on_done comes
 * once, for the last run. -ESRCH when no build runs.
 */
int build_restart(struct build *b);
/* The running (or last) build's restarts: 0 when it ran once. */
unsigned build_restarts(const struct build *b);

enum build_state build_state(const struct build *b);
bool build_running(const struct build *b);
/* The child's pid, also its process group id; -1 when not running. */
pid_t build_pid(const struct build *b);
/* The command as shown to the user: "make kmod". */
const char *build_command(const struct build *b);

const struct ring *build_ring(const struct build *b);
/* Diagnostics in output order (notes included). */
size_t build_diag_count(const struct build *b);
const struct diag *build_diag(const struct build *b, size_t i);
/*
 * For n / N: the index of the first error or warning whose line comes
 * after (dir > 0) or before (dir < 0) the line seq, or -1.
 */
long build_diag_find(const struct build *b, uint64_t seq, int dir);

unsigned build_errors(const struct build *b);
unsigned build_warnings(const struct build *b);
/* The last kbuild progress line, colours stripped ("CC [M]  /b/x.o"). */
const char *build_step(const struct build *b);
/* Since the start; frozen at the end. */
int64_t build_elapsed_ms(const struct build *b);
/* The child's end (valid once finished; not for a command not found). */
const struct proc_result *build_proc_result(const struct build *b);
/* One line: "build ok in 1.1 s, 0 warnings", "build failed: ..." */
const char *build_result(const struct build *b);

/* True once after anything changed (new lines, state): redraw. */
bool build_take_dirty(struct build *b);

#endif
