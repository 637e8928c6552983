// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash decode [--ko FILE] [FILE]: a pasted trace (FILE or stdin),
 * decoded against the target's module (see core/module/decode_text.h).
 */
#include "tui/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/module/decode_text.h"
#include "core/module/kostore.h"

#define DECODE_USAGE "usage: kmdash decode [--ko FILE] [FILE]\n"

int cli_decode(const struct cli_global *g, const struct config *cfg, int argc,
	       char **argv)
{
	static const struct option opts[] = {
		{ "ko", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const struct config_target *t = config_target(cfg, g->target);
	struct decode_text_opts o = { 0 };
	char err[512], cwd[PATH_MAX], *store = NULL;
	FILE *in = stdin;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'k') {
			fputs(DECODE_USAGE, stderr);
			return 2;
		}
		o.ko = optarg;
		o.ko_only = true;
	}
	if (argc - optind > 1) {
		fputs(DECODE_USAGE, stderr);
		return 2;
	}
	if (argc > optind && !(in = fopen(argv[optind], "re"))) {
		perror(argv[optind]);
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
		fprintf(stderr, "kmdash decode: %s\n", err);
	if (in != stdin)
		fclose(in);
	free(store);
	return rc < 0 ? 2 : rc;
}
