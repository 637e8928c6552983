// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash bench report|history: the target's benchmark history, as one
 * self-contained HTML file or exported as JSON lines or CSV
 * (core/module/report.h). Reads the history file only: no target needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/config/config.h"
#include "core/module/bench.h"
#include "core/module/report.h"

/* Sets read from a history, at most (1000s of sets take well under 1 s). */
#define REPORT_MAX_SETS 100000

static const char *const verbs[] = { "report", "history", NULL };

static const char *bench_verb(size_t i)
{
	return i < 2 ? verbs[i] : NULL;
}

static int bench_exec(struct cmd_ctx *ctx)
{
	const struct config_target *t = config_target(ctx->cfg, ctx->opt['t']);
	const char *verb = ctx->argv[0], *out_path = ctx->opt['o'];
	bool report = !strcmp(verb, "report");
	struct bench *b;
	char *path;
	FILE *out = stdout;
	long from;
	int r;

	if (!t) {
		cmd_print_error(stderr, ctx->entry, "no target named '%s'",
				ctx->opt['t'] ? ctx->opt['t'] : "(default)");
		return 2;
	}
	if (report && !out_path) {
		cmd_print_error(stderr, ctx->entry,
				"say where the report goes: -o report.html");
		return 2;
	}
	if (!report && cmd_has(ctx, OPT_JSON) == cmd_has(ctx, OPT_CSV)) {
		cmd_print_error(stderr, ctx->entry,
				"history: say --json or --csv");
		return 2;
	}
	path = bench_history_path(t->name);
	b = bench_new_sized(REPORT_MAX_SETS * 8, REPORT_MAX_SETS, false);
	if (!path || !b) {
		cmd_print_error(stderr, ctx->entry, "out of memory");
		free(path);
		bench_free(b);
		return 1;
	}
	r = bench_history_load(b, path);
	if (r < 0) {
		cmd_print_error(stderr, ctx->entry, "cannot read %s: %s", path,
				strerror(-r));
		goto fail;
	}
	from = bench_first_set_at(b, ctx->opt[OPT_SINCE]);
	if (from < 0) {
		cmd_print_error(stderr, ctx->entry,
				"no benchmark at commit '%s' in %s",
				ctx->opt[OPT_SINCE], path);
		r = -ENOENT;
		goto fail;
	}
	if (out_path && strcmp(out_path, "-")) {
		out = fopen(out_path, "we");
		if (!out) {
			cmd_print_error(stderr, ctx->entry, "%s: %m", out_path);
			r = -errno;
			goto fail;
		}
	}
	if (report)
		r = bench_report_html(b, (size_t)from, t->name, out);
	else if (cmd_has(ctx, OPT_JSON))
		r = bench_export_json(b, (size_t)from, out);
	else
		r = bench_export_csv(b, (size_t)from, out);
	if (out != stdout && fclose(out) != 0 && !r)
		r = -errno;
	if (r < 0)
		cmd_print_error(stderr, ctx->entry, "writing %s: %s",
				out_path ? out_path : "stdout", strerror(-r));
	else if (report && out != stdout)
		fprintf(stderr, "%s: %zu sets of %s's history (%s)\n", out_path,
			bench_nsets(b) - (size_t)from, t->name, path);
fail:
	free(path);
	bench_free(b);
	return r < 0 ? 1 : 0;
}

static const struct cmd_opt bench_opts[] = {
	{ "output", 'o', "FILE",
	  "report: the HTML file to write; history: instead of stdout ('-': "
	  "stdout)",
	  CMD_COMPLETE_FILE, NULL },
	{ "since", OPT_SINCE, "COMMIT",
	  "only the runs from the first one at COMMIT (a hash or its prefix) on",
	  CMD_COMPLETE_NONE, NULL },
	{ "json", OPT_JSON, NULL,
	  "history: one JSON object a line per set of runs", CMD_COMPLETE_NONE,
	  NULL },
	{ "csv", OPT_CSV, NULL, "history: one CSV line per run",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.opts = bench_opts,
	.min_args = 1,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = bench_verb,
	.arg_what = "verb",
	.flags = CMD_CONFIG,
	.exec = bench_exec,
	.summary = "the benchmark history as an HTML report, JSON or CSV",
	.help = "report -o FILE writes one self-contained HTML file: for each "
		"workload, inline SVG charts of ops/s by commit (the module and "
		"the user-space baseline, median and min-max) and of their "
		"ratio, the last sweep's ops/s and p99 against its parameter, "
		"and a table of every set of runs with its verdict. No script, "
		"nothing fetched: it opens from a mail or a wiki.\n\n"
		"history --json (one object a line per set: its runs, medians, "
		"spreads, ratio, verdict, commit and machine) or --csv (a line "
		"per run) exports the history of the target "
		"($XDG_STATE_HOME/kmdash/TARGET/bench-history.jsonl). --since "
		"COMMIT starts at the first set at that commit.",
};
