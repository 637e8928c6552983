// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash: the entry point. The command table (cmd.c) parses the line and
 * runs the command, or the dashboard without one. The only place that
 * exits.
 */
#include <locale.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "cli/termguard.h"

int main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	int rc;

	setlocale(LC_ALL, "");
	/* whatever a command prints goes by the terminal-safe rule */
	termguard_install();
	rc = cmd_parse(&ctx, argc, argv, stderr);
	if (rc)
		return rc;
	return cmd_exec(&ctx);
}
