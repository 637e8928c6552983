// SPDX-License-Identifier: GPL-2.0
/*
 * g: gdb-multiarch on the target VM's kernel, the module's symbols loaded
 * at their live addresses. The session makes gdb's files over its live
 * connection (core/module/gdbprep.h); gdb then runs in front of the
 * dashboard (tui/front.c), in a tmux window or a split as ui.gdb_window
 * says. A board has no gdbstub: g says why and where kgdb comes in.
 */
#include <stdio.h>

#include "core/config/config.h"
#include "core/module/gdbprep.h"
#include "core/session.h"
#include "tui/dash.h"

#define GDB_ARGS 8

static void on_gdb_ready(struct session *s, int rc, const char *gdbinit,
			 const char *msg, void *arg)
{
	struct dash *d = arg;
	const char *argv[GDB_ARGS];

	if (rc < 0) {
		dash_alert(d, "gdb: %s", msg);
		return;
	}
	gdbprep_argv(argv, GDB_ARGS, gdbinit, NULL, 0);
	if (dash_run_front(d, argv, "kmdash-gdb", GDB_PROGRAM,
			   d->cfg->ui.gdb_window == CONFIG_GDB_SPLIT) == 0 &&
	    !d->front_pid)
		dash_message(d, "gdb in tmux %s: %s",
			     d->cfg->ui.gdb_window == CONFIG_GDB_SPLIT ?
				     "beside the dashboard" :
				     "window kmdash-gdb",
			     msg);
}

void dash_gdb(struct dash *d)
{
	char err[1024];

	if (session_gdb(d->s, on_gdb_ready, d, err, sizeof(err)) < 0)
		dash_alert(d, "gdb: %s", err);
	else
		dash_message(d, "gdb: reading the module's sections...");
}
