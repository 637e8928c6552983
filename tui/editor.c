// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a source line in the user's editor ($VISUAL, else $EDITOR, else
 * vi) as `EDITOR +LINE FILE`. Inside tmux the editor gets a new tmux
 * window and the dashboard stays on screen; elsewhere the dashboard steps
 * aside (as tig and lazygit do): the terminal is given back, the editor
 * runs in it, and the screen is redrawn when it exits. No shell: $EDITOR
 * is split on blanks into an argv, as git does for the simple cases.
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

#define EDITOR_ARGS 16

/* argv of the editor command followed by +LINE FILE; NULL-terminated. */
static int editor_argv(char *words, size_t wcap, const char *file, int line,
		       char *plus, size_t pcap, const char **argv, size_t cap)
{
	const char *ed = getenv("VISUAL");
	size_t n = 0;
	char *save, *w;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	snprintf(words, wcap, "%s", ed);
	for (w = strtok_r(words, " \t", &save); w && n + 3 < cap;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	if (!n)
		return -EINVAL;
	snprintf(plus, pcap, "+%d", line > 0 ? line : 1);
	argv[n++] = plus;
	argv[n++] = file;
	argv[n] = NULL;
	return (int)n;
}

/* Runs argv to its end; the loop's blocked signals are its defaults. */
static int run_and_wait(const char *const *argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		loop_child_reset_signals();
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "kmdash: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* In a tmux window of its own: `tmux new-window -- EDITOR +LINE FILE`. */
static int open_in_tmux(const char *const *ed)
{
	const char *argv[EDITOR_ARGS + 8];
	size_t n = 0;

	argv[n++] = "tmux";
	argv[n++] = "new-window";
	argv[n++] = "-n";
	argv[n++] = "kmdash-edit";
	argv[n++] = "--";
	for (size_t i = 0; ed[i] && n + 1 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[n++] = ed[i];
	argv[n] = NULL;
	return run_and_wait(argv);
}

void dash_open_editor(struct dash *d, const char *file, int line)
{
	const char *argv[EDITOR_ARGS + 4];
	char words[512], plus[24];
	struct termios now;
	bool raw;
	int r;

	if (!file || !file[0]) {
		dash_message(d, "no source file to open");
		return;
	}
	if (access(file, R_OK) < 0) {
		dash_alert(d, "cannot open %s: %s", file, strerror(errno));
		return;
	}
	if (editor_argv(words, sizeof(words), file, line, plus, sizeof(plus),
			argv, sizeof(argv) / sizeof(argv[0])) < 0) {
		dash_alert(d, "$EDITOR is empty: set VISUAL or EDITOR");
		return;
	}
	if (getenv("TMUX")) {
		r = open_in_tmux(argv);
		if (r == 0) {
			dash_message(d, "%s +%d %s: in a new tmux window",
				     argv[0], line, file);
			return;
		}
		/* no tmux to talk to after all: step aside instead */
	}
	raw = tcgetattr(STDIN_FILENO, &now) == 0;
	def_prog_mode();
	endwin();
	if (d->raw_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &d->saved_tio);
	r = run_and_wait(argv);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &now);
	reset_prog_mode();
	clearok(curscr, TRUE);
	dash_dirty_all(d);
	if (r != 0)
		dash_alert(d, "%s exited with status %d", argv[0], r);
}
