// SPDX-License-Identifier: GPL-2.0
/*
 * Local child processes on a pty or pipes. The child is a session leader
 * (setsid), so its pid is also its process group id and one kill(-pid)
 * reaches every make, gcc and shell it started, however deep.
 */
#include "core/base/proc.h"

#include "core/base/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

/* How long to wait for the end of the output after the exit. */
#define PROC_LINGER_MS 1000
#define PROC_READ_BUF 65536
/* Reads per wake-up: a chatty child must not starve the other fds. */
#define PROC_READS_PER_WAKE 8

struct proc {
	struct loop *loop;
	pid_t pid;
	int fds[2]; /* stdout (or the pty master), stderr; -1 once closed */
	bool exited, done, cancelled;
	int status;
	int64_t t0;
	uint64_t kill_timer, linger_timer;
	int grace_ms;
	proc_output_fn on_output;
	proc_done_fn on_done;
	void *arg;
};

/* What the child writes into the exec-error pipe when it cannot run. */
struct child_err {
	int stage; /* 1: chdir, 2: exec, 3: setup */
	int err;
};

static void set_flags(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* environ with the extra NAME=value entries replacing or added. */
static char **build_env(const char *const *extra)
{
	size_t n = 0, m = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = calloc(n + m + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool replaced = false;

		for (size_t j = 0; j < m && !replaced; j++)
			replaced = !strncmp(extra[j], environ[i], nl) &&
				   extra[j][nl] == '=';
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		env[k++] = (char *)extra[j];
	return env;
}

static void child_fail(int errfd, int stage)
{
	struct child_err ce = { stage, errno };
	ssize_t r = write(errfd, &ce, sizeof(ce));

	(void)r;
	_exit(127);
}

/*
 * In the child, between fork and exec: only system calls, no allocation
 * (everything it needs was prepared by the parent).
 */
static void child_run(const struct proc_opts *o, char **env, int slave,
		      const int out[2], const int errp[2], int errfd)
{
	static const int dfl[] = { SIGPIPE, SIGINT,  SIGQUIT, SIGTERM,
				   SIGHUP,  SIGCHLD, SIGTSTP };
	int null;

	loop_child_reset_signals();
	/* Ignored dispositions survive exec: a build wants the defaults. */
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	if (setsid() < 0)
		child_fail(errfd, 3);
	if (slave >= 0) {
		if (ioctl(slave, TIOCSCTTY, 0) < 0)
			child_fail(errfd, 3);
		if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
		    dup2(slave, 2) < 0)
			child_fail(errfd, 3);
	} else {
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(errp[1], 2) < 0)
			child_fail(errfd, 3);
	}
	if (o->cwd && chdir(o->cwd) < 0)
		child_fail(errfd, 1);
	/*
	 * Nothing of kmdash (sockets, ptys) leaks into the build. Kernels
	 * before 5.11 refuse: kmdash opens its fds O_CLOEXEC anyway.
	 */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execvpe(o->argv[0], (char *const *)o->argv, env);
	child_fail(errfd, 2);
}

static void close_fd(struct proc *p, int i)
{
	if (p->fds[i] < 0)
		return;
	loop_del_fd(p->loop, p->fds[i]);
	close(p->fds[i]);
	p->fds[i] = -1;
}

/* Reports completion once both the exit and the end of output happened. */
static void maybe_finish(struct proc *p)
{
	struct proc_result res = { 0 };

	if (p->done || !p->exited)
		return;
	if (p->fds[0] >= 0 || p->fds[1] >= 0)
		return;
	p->done = true;
	loop_cancel_timer(p->loop, p->linger_timer);
	if (p->kill_timer && loop_timer_pending(p->loop, p->kill_timer)) {
		/*
		 * Cancelled, the leader is gone and the output closed: what
		 * is left of the group survived SIGTERM. The group id cannot
		 * have been reused while any member lives.
		 */
		loop_cancel_timer(p->loop, p->kill_timer);
		kill(-p->pid, SIGKILL);
	}
	res.status = p->status;
	res.exited = WIFEXITED(p->status);
	res.exit_code = res.exited ? WEXITSTATUS(p->status) : -1;
	res.signo = WIFSIGNALED(p->status) ? WTERMSIG(p->status) : 0;
	res.cancelled = p->cancelled;
	res.elapsed_ms = loop_now_ms() - p->t0;
	/* Last: the callback may free p. */
	if (p->on_done)
		p->on_done(p->arg, &res);
}

static void on_linger(struct loop *loop, void *arg)
{
	struct proc *p = arg;

	p->linger_timer = 0;
	close_fd(p, 0);
	close_fd(p, 1);
	maybe_finish(p);
}

static void on_exit_status(struct loop *loop, pid_t pid, int status, void *arg)
{
	struct proc *p = arg;

	p->exited = true;
	p->status = status;
	/*
	 * A background process of the command may hold the output open
	 * forever: give it a moment, then stop listening.
	 */
	if (p->fds[0] >= 0 || p->fds[1] >= 0)
		p->linger_timer =
			loop_add_timer(loop, PROC_LINGER_MS, on_linger, p);
	maybe_finish(p);
}

static void on_readable(struct loop *loop, int fd, short revents, void *arg)
{
	struct proc *p = arg;
	int i = fd == p->fds[0] ? 0 : 1;
	char *buf = malloc(PROC_READ_BUF);

	if (!buf)
		return;
	for (int n = 0; n < PROC_READS_PER_WAKE; n++) {
		ssize_t r = read(fd, buf, PROC_READ_BUF);

		if (r > 0) {
			if (p->on_output)
				p->on_output(p->arg, buf, (size_t)r,
					     i ? PROC_STDERR : PROC_STDOUT);
			if (p->done || p->fds[i] != fd)
				break;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN &&
		    !(revents & (POLLHUP | POLLERR)))
			break;
		/* 0: pipe closed; EIO: every slave side of the pty closed. */
		close_fd(p, i);
		maybe_finish(p);
		break;
	}
	free(buf);
}

static void format_child_err(const struct proc_opts *o,
			     const struct child_err *ce, char *err,
			     size_t errlen)
{
	const char *what = strerror(ce->err);

	if (ce->stage == 1)
		snprintf(err, errlen, "cannot change to directory '%s': %s",
			 o->cwd, what);
	else if (ce->stage == 2 && (ce->err == ENOENT || ce->err == ENOTDIR))
		snprintf(err, errlen, "command '%s' not found: %s%s",
			 o->argv[0], what,
			 strchr(o->argv[0], '/') ? "" : " (searched PATH)");
	else if (ce->stage == 2)
		snprintf(err, errlen, "cannot run command '%s': %s", o->argv[0],
			 what);
	else
		snprintf(err, errlen, "cannot set up the child for '%s': %s",
			 o->argv[0], what);
}

/* Opens the pty or pipes; fds[] gets the parent's ends. */
static int open_io(const struct proc_opts *o, int fds[2], int *slave,
		   int out[2], int errp[2], char *err, size_t errlen)
{
	if (o->io == PROC_PTY) {
		struct winsize ws = {
			.ws_row = o->rows ? o->rows : 50,
			.ws_col = o->cols ? o->cols : 200,
		};

		if (openpty(&fds[0], slave, NULL, NULL, &ws) < 0) {
			snprintf(err, errlen, "cannot open a pty: %s",
				 strerror(errno));
			return -errno;
		}
		set_flags(fds[0]);
		fcntl(*slave, F_SETFD, FD_CLOEXEC);
		return 0;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create a pipe: %s",
			 strerror(errno));
		return -errno;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int e = errno;

		close(out[0]);
		close(out[1]);
		snprintf(err, errlen, "cannot create a pipe: %s", strerror(e));
		return -e;
	}
	fds[0] = out[0];
	fds[1] = errp[0];
	set_flags(fds[0]);
	set_flags(fds[1]);
	return 0;
}

struct proc *proc_start(struct loop *loop, const struct proc_opts *o, char *err,
			size_t errlen)
{
	int fds[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int slave = -1, ep[2];
	struct child_err ce;
	struct proc *p;
	char **env;
	ssize_t r;
	pid_t pid;

	if (!o || !o->argv || !o->argv[0] || !o->argv[0][0]) {
		snprintf(err, errlen, "no command to run (empty argv)");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	env = build_env(o->env);
	if (!p || !env) {
		snprintf(err, errlen, "out of memory starting '%s'",
			 o->argv[0]);
		goto fail_mem;
	}
	if (open_io(o, fds, &slave, out, errp, err, errlen) < 0)
		goto fail_mem;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create a pipe: %s",
			 strerror(errno));
		goto fail_io;
	}
	p->t0 = loop_now_ms();
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start '%s': fork: %s", o->argv[0],
			 strerror(errno));
		close(ep[0]);
		close(ep[1]);
		goto fail_io;
	}
	if (pid == 0)
		child_run(o, env, slave, out, errp, ep[1]);

	close(ep[1]);
	if (slave >= 0)
		close(slave);
	if (out[1] >= 0)
		close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	free(env);
	/* EOF on exec (the pipe is close-on-exec), a record on failure. */
	do
		r = read(ep[0], &ce, sizeof(ce));
	while (r < 0 && errno == EINTR);
	close(ep[0]);
	if (r == sizeof(ce)) {
		format_child_err(o, &ce, err, errlen);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		free(p);
		errno = ce.err;
		return NULL;
	}

	p->loop = loop;
	p->pid = pid;
	p->fds[0] = fds[0];
	p->fds[1] = fds[1];
	p->grace_ms = o->kill_grace_ms > 0 ? o->kill_grace_ms : 2000;
	p->on_output = o->on_output;
	p->on_done = o->on_done;
	p->arg = o->arg;
	for (int i = 0; i < 2; i++) {
		if (p->fds[i] >= 0 &&
		    loop_add_fd(loop, p->fds[i], POLLIN, on_readable, p) < 0) {
			close(p->fds[i]);
			p->fds[i] = -1;
		}
	}
	if (loop_watch_child(loop, pid, on_exit_status, p) < 0) {
		snprintf(err, errlen, "cannot watch the child of '%s'",
			 o->argv[0]);
		p->on_done = NULL;
		proc_free(p);
		return NULL;
	}
	return p;

fail_io:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (slave >= 0)
		close(slave);
	if (out[1] >= 0)
		close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
fail_mem:
	free(env);
	free(p);
	return NULL;
}

static void on_kill_deadline(struct loop *loop, void *arg)
{
	struct proc *p = arg;

	p->kill_timer = 0;
	kill(-p->pid, SIGKILL);
}

int proc_cancel(struct proc *p)
{
	if (!p || p->done)
		return -ESRCH;
	if (p->cancelled)
		return 0;
	p->cancelled = true;
	kill(-p->pid, SIGTERM);
	/* A stopped process would hold SIGTERM until continued. */
	kill(-p->pid, SIGCONT);
	p->kill_timer =
		loop_add_timer(p->loop, p->grace_ms, on_kill_deadline, p);
	return 0;
}

pid_t proc_pid(const struct proc *p)
{
	return p ? p->pid : -1;
}

bool proc_running(const struct proc *p)
{
	return p && !p->done;
}

void proc_free(struct proc *p)
{
	if (!p)
		return;
	if (!p->done) {
		close_fd(p, 0);
		close_fd(p, 1);
		loop_cancel_timer(p->loop, p->linger_timer);
		loop_cancel_timer(p->loop, p->kill_timer);
		kill(-p->pid, SIGKILL);
		if (!p->exited) {
			loop_unwatch_child(p->loop, p->pid);
			/* SIGKILL is not refused: this wait is short. */
			while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	free(p);
}

void proc_describe(const struct proc_result *res, char *buf, size_t len)
{
	if (res->exited)
		snprintf(buf, len, "exited with status %d", res->exit_code);
	else if (res->signo)
		snprintf(buf, len, "killed by signal %d (%s)", res->signo,
			 strsignal(res->signo));
	else
		snprintf(buf, len, "ended with wait status %#x", res->status);
}
