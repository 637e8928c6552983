// SPDX-License-Identifier: GPL-2.0
/* Without a command: the dashboard (tui/), with its own options. */
#include <limits.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "core/base/datadir.h"
#include "tui/tui.h"

static const char *pane_word(size_t i)
{
	return i < PANE_COUNT ? layout_pane_name((enum pane_id)i) : NULL;
}

static int dash_exec(struct cmd_ctx *ctx)
{
	char exe[PATH_MAX];
	struct dash_opts o = {
		.cfg = ctx->cfg,
		.target = ctx->opt['t'],
		.single = PANE_NONE,
		.record_path = ctx->opt[OPT_RECORD],
		/* the themes next to the binary, however it was started */
		.exe_path = datadir_exe(exe, sizeof(exe)) == 0 ? exe : ctx->exe,
		.start_vm = !cmd_has(ctx, OPT_NO_BOOT),
	};

	if (cmd_has(ctx, OPT_PANE)) {
		o.single = layout_pane_parse(ctx->opt[OPT_PANE]);
		if (o.single == PANE_NONE) {
			fprintf(stderr, "kmdash: no pane '%s' (",
				ctx->opt[OPT_PANE]);
			cmd_print_words(stderr, pane_word, ", ");
			fputs(")\n", stderr);
			return 2;
		}
	}
	return dash_main(&o);
}

static const struct cmd_opt dash_opts[] = {
	{ "pane", OPT_PANE, "NAME",
	  "the dashboard with one pane only, for a tmux side pane",
	  CMD_COMPLETE_WORDS, pane_word },
	{ "record", OPT_RECORD, "FILE",
	  "also write what the dashboard draws to FILE as an asciicast v2 "
	  "recording (asciinema play FILE)",
	  CMD_COMPLETE_FILE, NULL },
	{ "no-boot", OPT_NO_BOOT, NULL,
	  "do not boot the target's VM on start (s does)", CMD_COMPLETE_NONE,
	  NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_dash_entry = {
	.name = NULL,
	.opts = dash_opts,
	.max_args = 0,
	.flags = CMD_CONFIG,
	.exec = dash_exec,
	.summary = "the dashboard",
	.help = "A terminal dashboard for developing a Linux kernel module "
		"against an ARM64 target: the embedded QEMU guest (booted "
		"when it is not running) or a real board over SSH. Without "
		"a command kmdash opens the dashboard (? inside lists the "
		"keys); a command does the same work without a screen.",
};
