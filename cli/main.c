// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash: the entry point. The command table (cmd.c) parses the line and
 * runs the command, or the dashboard without one. The only place that
 * exits.
 */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/termguard.h"
#include "core/base/datadir.h"
#include "core/module/kbplan.h"

int main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	char exe[PATH_MAX];
	int rc;

	/* this binary runs kbuild's plans (core/module/kbplan.h) */
	if (!datadir_exe(exe, sizeof(exe)))
		kbplan_set_runner(exe);
	/*
	 * Not commands of the user's: what the build job and kbuild run
	 * while kmdash builds, their output kbuild's own on the build's pty.
	 */
	if (argc > 1 &&
	    (!strcmp(argv[1], KBPLAN_RUN) || !strcmp(argv[1], KBPLAN_STEP)))
		return kbplan_main(argc - 1, argv + 1);
	setlocale(LC_ALL, "");
	/* whatever a command prints goes by the terminal-safe rule */
	termguard_install();
	rc = cmd_parse(&ctx, argc, argv, stderr);
	if (rc)
		return rc;
	return cmd_exec(&ctx);
}
