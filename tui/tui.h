/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the front end (cli/) starts the dashboard with. No curses in this
 * header: the command line includes it without drawing anything.
 */
#ifndef KMDASH_TUI_H
#define KMDASH_TUI_H

#include <stdbool.h>

#include "tui/layout.h"

struct config;

struct dash_opts {
	const struct config *cfg;
	const char *target; /* NULL: the default target */
	enum pane_id single; /* --pane NAME, or PANE_NONE */
	const char *record_path; /* --record FILE.cast, or NULL */
	const char *exe_path; /* argv[0], for the themes next to it */
	bool start_vm; /* boot the target's VM when it is not running */
};

/*
 * Runs the dashboard until the user quits. Returns the process exit code;
 * errors before the screen opens are printed on stderr.
 */
int dash_main(const struct dash_opts *o);

/* The curses library's version, for kmdash --version. */
const char *dash_curses_version(void);

#endif
