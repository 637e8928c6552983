// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash decode [--ko FILE] [FILE]: a pasted trace (FILE or stdin),
 * decoded against the target's module (see core/module/decode_text.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/config/config.h"
#include "core/module/decode_text.h"
#include "core/module/kostore.h"

static int decode_exec(struct cmd_ctx *ctx)
{
	const struct config_target *t = config_target(ctx->cfg, ctx->opt['t']);
	struct decode_text_opts o = { 0 };
	char err[512], cwd[PATH_MAX], *store = NULL;
	FILE *in = stdin;
	int rc;

	if (cmd_has(ctx, 'k')) {
		o.ko = ctx->opt['k'];
		o.ko_only = true;
	}
	if (ctx->argc == 1 && !(in = fopen(ctx->argv[0], "re"))) {
		cmd_print_error(stderr, ctx->entry, "%s: %m", ctx->argv[0]);
		return 2;
	}
	if (t && !o.ko) {
		o.ko = t->module.ko;
		o.store_dir = store = kostore_default_dir(t->name);
	}
	o.vmlinux = t ? t->kernel_vmlinux : NULL;
	o.base = getcwd(cwd, sizeof(cwd));
	rc = decode_text(in, stdout, &o, NULL, err, sizeof(err));
	if (rc < 0)
		cmd_print_error(stderr, ctx->entry, "%s", err);
	if (in != stdin)
		fclose(in);
	free(store);
	return rc < 0 ? 2 : rc;
}

static const struct cmd_opt decode_opts[] = {
	{ "ko", 'k', "FILE",
	  "decode with this unstripped .ko only (not the target's, nor a kept copy)",
	  CMD_COMPLETE_FILE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_decode_entry = {
	.name = "decode",
	.args = "[FILE]",
	.opts = decode_opts,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_FILE,
	.flags = CMD_CONFIG,
	.exec = decode_exec,
	.summary = "a pasted kernel trace with source lines under its frames",
	.help = "Reads a kernel trace from FILE or stdin (as a serial "
		"console, dmesg, /dev/kmsg, syslog or a bug report shows it; "
		"any number of oops, BUG, WARNING, panic, soft-lockup and "
		"hung-task blocks) and prints it back with file:line, the "
		"function and the inline chain under each frame of the "
		"module. It decodes with --ko FILE, else with the target's "
		".ko or a copy kept at deploy time, whichever fits the trace, "
		"and names the file and its build id. Frames of the kernel "
		"proper decode when kernel.vmlinux names a debug vmlinux.\n\n"
		"Exit status: 0 when every module frame was decoded, 1 when "
		"some were not (each says why), 2 for a usage error.",
};
