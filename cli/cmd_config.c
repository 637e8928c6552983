// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash config --print: the effective configuration as JSON; --target-env:
 * what the built embedded target's target.env says, as kmdash read it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "core/config/config.h"

/* KEY=VALUE a line, the value as it is (no quotes): for scripts. */
static int print_target_env(const struct config *cfg)
{
	const char *key, *value;

	if (cfg->embedded_problem[0]) {
		fprintf(stderr, "kmdash config: %s\n", cfg->embedded_problem);
		return 1;
	}
	for (size_t i = 0; (key = vm_target_key(&cfg->embedded, i, &value));
	     i++)
		printf("%s=%s\n", key, value);
	return 0;
}

static int config_exec(struct cmd_ctx *ctx)
{
	char *text;

	if (cmd_has(ctx, OPT_TARGET_ENV))
		return print_target_env(ctx->cfg);
	if (!cmd_has(ctx, OPT_PRINT)) {
		cmd_print_error(stderr, ctx->entry,
				"say what to do: --print or --target-env");
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
	{ "target-env", OPT_TARGET_ENV, NULL,
	  "print the built embedded target's target.env as kmdash reads it, "
	  "KEY=VALUE a line (exit status 1 when it is not built)",
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
		"the exit status is then 2.\n\n"
		"--target-env prints what the embedded target's target.env "
		"(written by make target) says: the kernel release and "
		"headers, the kernel, initramfs and dtb, the SSH keys, the NIC "
		"modules and the ready marker, which the embedded target's "
		"defaults come from.",
};
