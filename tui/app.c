// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash: entry point. Parses the global options, then hands over to the
 * headless commands (cli.c) or the dashboard. The only place that exits.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curses.h>
#include <libssh2.h>
#include <vterm.h>

#include "core/base/version.h"
#include "core/config/config.h"
#include "tui/cli.h"
#include "tui/dash.h"
#include "tui/layout.h"

static void print_version(void)
{
	printf("kmdash %s\n", KMDASH_VERSION);
	printf("  ncursesw %s, libssh2 %s, libvterm %d.%d, cJSON %s\n",
	       curses_version(), libssh2_version(0), VTERM_VERSION_MAJOR,
	       VTERM_VERSION_MINOR, cJSON_Version());
}

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: kmdash [--config FILE] [--target NAME] [--pane NAME]\n"
		"              [--record FILE.cast] [COMMAND ...]\n"
		"\n"
		"Without a command: the dashboard (? inside lists the keys).\n"
		"\n"
		"A terminal dashboard for developing a Linux kernel module\n"
		"against an ARM64 target (a QEMU guest or a real board).\n"
		"\n"
		"commands:\n"
		"  run [--json] STEP...  run steps: build deploy load unload\n"
		"                        reload bench cycle (= build deploy\n"
		"                        load bench); exit 0 when all succeed\n"
		"  status                VM, link, module and last benchmark\n"
		"  check                 config, connection, host key, module\n"
		"  dmesg [-f]            the target's kernel log (-f: follow)\n"
		"  vm start|stop|reset|status\n"
		"                        the target's QEMU VM\n"
		"  trust [TARGET] [--yes]\n"
		"                        trust a new host key after showing\n"
		"                        its fingerprint\n"
		"  decode [--ko FILE] [FILE]\n"
		"                        a pasted kernel trace (FILE or stdin)\n"
		"                        with source lines under its frames\n"
		"  config --print        the effective configuration as JSON\n"
		"\n"
		"options:\n"
		"  --config FILE   default $XDG_CONFIG_HOME/kmdash/config.json\n"
		"  --target NAME   a target of the config (default: its\n"
		"                  default_target)\n"
		"  --pane NAME     the dashboard with one pane only (for a\n"
		"                  tmux side pane): console tunnel build\n"
		"                  dmesg bench\n"
		"  --record FILE   also write the dashboard's screen to FILE as\n"
		"                  an asciicast v2 recording (asciinema play)\n"
		"  --no-boot       do not boot the target's VM on start (s does)\n"
		"  --json          JSON lines instead of text (run, dmesg,\n"
		"                  status, check)\n"
		"  --version       the version and the libraries in use\n"
		"  --help          this help\n");
}

int main(int argc, char **argv)
{
	struct cli_global g = { 0 };
	struct dash_opts dopt = { .single = PANE_NONE, .start_vm = true };
	int i;

	setlocale(LC_ALL, "");

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--version")) {
			print_version();
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help(stdout);
			return 0;
		} else if (!strcmp(a, "--pane") && i + 1 < argc) {
			dopt.single = layout_pane_parse(argv[++i]);
			if (dopt.single == PANE_NONE) {
				fprintf(stderr,
					"kmdash: no pane '%s' (console, tunnel, build, dmesg, bench)\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--record") && i + 1 < argc) {
			dopt.record_path = argv[++i];
		} else if (!strcmp(a, "--no-boot")) {
			dopt.start_vm = false;
		} else if (!strcmp(a, "--json")) {
			g.json = true;
		} else if ((!strcmp(a, "--config") || !strcmp(a, "-c") ||
			    !strcmp(a, "--target") || !strcmp(a, "-t")) &&
			   i + 1 < argc) {
			if (a[2] == 'c' || a[1] == 'c')
				g.config_path = argv[++i];
			else
				g.target = argv[++i];
		} else {
			fprintf(stderr,
				"kmdash: unknown option '%s' (kmdash --help)\n",
				a);
			return 2;
		}
	}
	if (i == argc) {
		struct config *cfg = cli_load_config(&g);
		int rc;

		if (!cfg)
			return 2;
		dopt.cfg = cfg;
		dopt.target = g.target;
		dopt.exe_path = argv[0];
		rc = dash_main(&dopt);
		config_free(cfg);
		return rc;
	}
	/* "run --json" reads naturally too. */
	if (i + 1 < argc && !strcmp(argv[i + 1], "--json")) {
		g.json = true;
		argv[i + 1] = argv[i];
		i++;
	}
	return cli_main(&g, argc - i, argv + i);
}
