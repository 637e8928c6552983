/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local child processes (the build), run from an argv, never through a
 * shell, inside the one event loop. The child gets a pty (so gcc and make
 * keep their colours and line buffering) or pipes, runs in its own session
 * and process group, and cancel stops the whole group: SIGTERM first, then
 * SIGKILL after a short deadline.
 *
 * Output is streamed to a callback as it arrives. Completion is reported
 * once, after both the exit status and the end of the output: either may
 * come first.
 */
#ifndef KMDASH_PROC_H
#define KMDASH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct proc;

enum proc_io {
	PROC_PTY, /* stdout and stderr merged on a pty; stdin is the pty */
	PROC_PIPES, /* stdout and stderr on two pipes; stdin is /dev/null */
};

/* Which stream a chunk of output came from (a pty has only stdout). */
enum proc_stream {
	PROC_STDOUT = 1,
	PROC_STDERR = 2,
};

struct proc_result {
	int status; /* as from waitpid(); meaningful when !exec_failed */
	bool exited; /* WIFEXITED */
	int exit_code; /* WEXITSTATUS, or -1 */
	int signo; /* WTERMSIG, or 0 */
	bool cancelled; /* proc_cancel() was called before it ended */
	int64_t elapsed_ms;
};

typedef void (*proc_output_fn)(void *arg, const char *buf, size_t len,
			       enum proc_stream stream);
typedef void (*proc_done_fn)(void *arg, const struct proc_result *res);

struct proc_opts {
	const char *const *argv; /* argv[0] is searched in PATH */
	const char *cwd; /* NULL: the current directory */
	/* Extra "NAME=value" entries (NULL-terminated) over the environment. */
	const char *const *env;
	enum proc_io io;
	unsigned short rows, cols; /* pty window size; 0: 50 x 200 */
	int kill_grace_ms; /* SIGTERM to SIGKILL on cancel; 0: 2000 */
	proc_output_fn on_output;
	proc_done_fn on_done; /* once; the proc may be freed inside it */
	void *arg;
};

/*
 * Starts the child. Returns NULL with a reason in err when it cannot run:
 * "command 'foo' not found: No such file or directory", a bad cwd, no pty.
 * Blocks only until the child has exec'd (as posix_spawn does), so a
 * missing program is an error here, never a mysterious exit 127.
 */
struct proc *proc_start(struct loop *loop, const struct proc_opts *opts,
			char *err, size_t errlen);

/*
 * Stops the whole process group: SIGTERM now, SIGKILL after the grace
 * period if anything of the group is left. Completion is still reported
 * through on_done. Returns 0, or -ESRCH if it has already ended.
 */
int proc_cancel(struct proc *p);

pid_t proc_pid(const struct proc *p); /* also the process group id */
bool proc_running(const struct proc *p); /* until on_done */

/*
 * Releases it. A child still running is killed (SIGKILL to its group) and
 * on_done is not called.
 */
void proc_free(struct proc *p);

/* Human-readable "exited with status 2" / "killed by signal 9 (Killed)". */
void proc_describe(const struct proc_result *res, char *buf, size_t len);

#endif
