// SPDX-License-Identifier: GPL-2.0
/*
 * A program the user works in for a while (the editor, gdb), in front of
 * the dashboard. Inside tmux it gets a new tmux window (or a split) and
 * the dashboard stays on screen. Elsewhere the dashboard steps aside, as
 * tig and lazygit do: the terminal is given back, the program runs in it
 * as the terminal's foreground job (Ctrl-C is the program's, not
 * kmdash's), and the screen comes back when it exits. The loop runs on
 * meanwhile, without the keyboard and without drawing: the session keeps
 * following the target (the kernel log, the link, the VM's run state).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "tui/dash.h"
#include "tui/termout.h"

#define FRONT_ARGS 64

/* Runs argv (tmux's) to its end: it returns at once. */
static int run_and_wait(const char *const *argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		loop_child_reset_signals();
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* `tmux new-window -n NAME -- ARGV`, or `tmux split-window -h -- ARGV`. */
static int open_in_tmux(const char *const *prog, const char *name, bool split)
{
	const char *argv[FRONT_ARGS + 8];
	size_t n = 0;

	argv[n++] = "tmux";
	if (split) {
		argv[n++] = "split-window";
		argv[n++] = "-h";
	} else {
		argv[n++] = "new-window";
		argv[n++] = "-n";
		argv[n++] = name;
	}
	argv[n++] = "--";
	for (size_t i = 0; prog[i] && n + 1 < sizeof(argv) / sizeof(argv[0]);
	     i++)
		argv[n++] = prog[i];
	argv[n] = NULL;
	return run_and_wait(argv);
}

/* The terminal back to us: called as a background job, SIGTTOU held. */
static void take_terminal(void)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(STDIN_FILENO, getpgrp());
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void on_front_exit(struct loop *loop, pid_t pid, int status, void *arg)
{
	struct dash *d = arg;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;

	d->front_pid = 0;
	take_terminal();
	if (d->front_tio_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &d->front_tio);
	reset_prog_mode();
	clearok(curscr, TRUE);
	dash_input(d, true);
	dash_dirty_all(d);
	if (code != 0)
		dash_alert(d, "%s exited with status %d", d->front_name, code);
}

int dash_run_front(struct dash *d, const char *const *argv, const char *name,
		   const char *what, bool split)
{
	pid_t pid;
	int r;

	if (d->front_pid) {
		dash_alert(d, "%s is running in front already", d->front_name);
		return -EBUSY;
	}
	if (getenv("TMUX")) {
		r = open_in_tmux(argv, name, split);
		if (r == 0) {
			dash_message(d, "%s: in a new tmux %s", what,
				     split ? "pane" : "window");
			return 0;
		}
		/* no tmux to talk to after all: step aside instead */
	}
	snprintf(d->front_name, sizeof(d->front_name), "%s", argv[0]);
	d->front_tio_set = tcgetattr(STDIN_FILENO, &d->front_tio) == 0;
	def_prog_mode();
	endwin();
	/* the terminal as it was, before the program takes it */
	termout_drain(d->to, 2000);
	if (d->raw_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &d->saved_tio);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		on_front_exit(d->loop, 0, 127 << 8, d);
		dash_alert(d, "cannot start %s: %s", argv[0], strerror(-r));
		return r;
	}
	if (pid == 0) {
		/* its own job in the foreground: ^C and ^Z are its */
		signal(SIGTTOU, SIG_IGN);
		setpgid(0, 0);
		tcsetpgrp(STDIN_FILENO, getpid());
		signal(SIGTTOU, SIG_DFL);
		loop_child_reset_signals();
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "kmdash: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	d->front_pid = pid;
	dash_input(d, false);
	r = loop_watch_child(d->loop, pid, on_front_exit, d);
	if (r < 0) {
		/* it cannot be waited for in the loop: wait here */
		while (waitpid(pid, &r, 0) < 0 && errno == EINTR)
			;
		on_front_exit(d->loop, pid, r, d);
	}
	return 0;
}
