/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark history for others: a set as JSON (kmdash run --json,
 * kmdash bench history --json), every run as CSV, and one self-contained
 * HTML file (kmdash bench report): inline SVG charts (each workload's
 * trend over the commits, the module against the user-space baseline;
 * the last sweep of each workload against its parameter) and a table of
 * every set with its median, spread and verdict. No script, no style
 * sheet or font fetched: it opens from a mail or a wiki.
 */
#ifndef KMDASH_REPORT_H
#define KMDASH_REPORT_H

#include <stdio.h>

#include "core/module/bench.h"
#include "core/module/benchstat.h"

struct cJSON;

/* A set with its points, medians, spreads, ratio and verdict; v may be NULL. */
struct cJSON *bench_set_json(const struct bench *b, const struct bench_set *s,
			     const struct bench_verdict *v);

/*
 * The index of the first set at COMMIT (a prefix of its hash), for
 * --since; -1 when none is. NULL or "": 0.
 */
long bench_first_set_at(const struct bench *b, const char *commit);

/* One JSON object a line per set from set index `from` on. 0 or -errno. */
int bench_export_json(const struct bench *b, size_t from, FILE *out);
/* A header, then one CSV line per run of the sets from `from` on. */
int bench_export_csv(const struct bench *b, size_t from, FILE *out);
/* The HTML report of the sets from `from` on; title names the target. */
int bench_report_html(const struct bench *b, size_t from, const char *title,
		      FILE *out);

#endif
