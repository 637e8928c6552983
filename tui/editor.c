// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a source line in the user's editor ($VISUAL, else $EDITOR, else
 * vi) as `EDITOR +LINE FILE`, in front of the dashboard (tui/front.c: a
 * tmux window, or the dashboard steps aside). No shell: $EDITOR is split
 * on blanks into an argv, as git does for the simple cases.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void dash_open_editor(struct dash *d, const char *file, int line)
{
	const char *argv[EDITOR_ARGS + 4];
	char words[512], plus[24], what[PATH_MAX + 300];

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
	snprintf(what, sizeof(what), "%s +%d %s", argv[0], line, file);
	dash_run_front(d, argv, "kmdash-edit", what, false);
}
