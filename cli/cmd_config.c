// SPDX-License-Identifier: GPL-2.0
/* kmdash config --print: the effective configuration as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "core/config/config.h"

static int config_exec(struct cmd_ctx *ctx)
{
	char *text;

	if (!cmd_has(ctx, OPT_PRINT)) {
		cmd_print_error(stderr, ctx->entry, "say what to do: --print");
		cmd_print_usage(stderr, ctx->entry);
		return 2;
	}
	text = config_print(ctx->cfg);
	if (text)
		puts(text);
	free(text);
	return text ? 0 : 1;
}

static const struct cmd_opt config_opts[] = {
	{ "print", OPT_PRINT, NULL,
	  "print the effective configuration, every default filled in",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.opts = config_opts,
	.flags = CMD_CONFIG,
	.exec = config_exec,
	.summary = "the effective configuration as JSON (--print)",
	.help = "Loads the configuration (--config, or the default file; "
		"without one the built-in defaults for the embedded target), "
		"validates it, and with --print prints it as JSON with every "
		"default filled in. The output is itself a valid "
		"configuration file. Errors name the file, line and column; "
		"the exit status is then 2.",
};
