// SPDX-License-Identifier: GPL-2.0
/* kmdash run STEP...: the job pipeline, driven to its end and reported. */
#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/termguard.h"
#include "core/base/journal.h"
#include "core/base/loop.h"
#include "core/module/actionlog.h"
#include "core/module/bench.h"
#include "core/module/benchstat.h"
#include "core/module/build.h"
#include "core/module/diag.h"
#include "core/module/facts.h"
#include "core/module/job.h"
#include "core/module/report.h"
#include "core/module/workload.h"
#include "core/session.h"

struct run {
	struct cli c; /* first: callbacks get the cli */
	int rc; /* the exit status */
	int64_t job_end_ms; /* when the job ended */
	enum link_state last_link;
};

static double step_secs(const struct job_step *st)
{
	return (double)(st->end_us - st->start_us) / 1e6;
}

static void print_diags(struct cli *c)
{
	struct build *b = session_build(c->s);
	size_t n = build_diag_count(b);

	for (size_t i = 0; i < n && i < 20; i++) {
		const struct diag *d = build_diag(b, i);

		if (d->sev < DIAG_SEV_WARNING)
			continue;
		/* Where a macro was used beats the header it expands in. */
		if (d->at_line > 0)
			cli_say(c, "  %s:%d:%d: %s: %s\n", d->at_src,
				d->at_line, d->at_col, diag_sev_name(d->sev),
				d->message);
		else
			cli_say(c, "  %s:%d:%d: %s: %s\n",
				d->src[0] ? d->src : d->file, d->line, d->col,
				diag_sev_name(d->sev), d->message);
	}
}

/* The build's errors and warnings, as print_diags says them. */
static void diags_json(cJSON *o, struct build *b)
{
	cJSON *a = cJSON_AddArrayToObject(o, "diagnostics");
	size_t n = build_diag_count(b);

	for (size_t i = 0; a && i < n && i < 20; i++) {
		const struct diag *d = build_diag(b, i);
		cJSON *e;

		if (d->sev < DIAG_SEV_WARNING)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "file",
					d->at_line > 0 ? d->at_src :
					d->src[0]      ? d->src :
							 d->file);
		cJSON_AddNumberToObject(e, "line",
					d->at_line > 0 ? d->at_line : d->line);
		cJSON_AddStringToObject(e, "severity", diag_sev_name(d->sev));
		cJSON_AddStringToObject(e, "message", d->message);
		cJSON_AddItemToArray(a, e);
	}
}

/* "71.5k (61.7k-76.7k)": the median and the spread. */
static void spread_text(char *buf, size_t cap, const struct bench_spread *sp,
			bool latency)
{
	char m[24], lo[24], hi[24];
	const double v[3] = { sp->med, sp->min, sp->max };
	char *out[3] = { m, lo, hi };

	for (int i = 0; i < 3; i++) {
		if (isnan(v[i]))
			snprintf(out[i], 24, "-");
		else if (latency || v[i] < 10)
			snprintf(out[i], 24, "%.2f", v[i]);
		else if (v[i] >= 1e6)
			snprintf(out[i], 24, "%.2fM", v[i] / 1e6);
		else if (v[i] >= 1e4)
			snprintf(out[i], 24, "%.1fk", v[i] / 1e3);
		else
			snprintf(out[i], 24, "%.0f", v[i]);
	}
	if (sp->n > 1)
		snprintf(buf, cap, "%.14s (%.14s-%.14s)", m, lo, hi);
	else
		snprintf(buf, cap, "%s", m);
}

/* One row of the summary table: an engine (or the ratio) at a point. */
static void engine_row(struct cli *c, const struct bench *b,
		       const struct bench_set *s, const char *point,
		       const char *label, int mode)
{
	static const enum bench_metric ms[] = { BM_TOTAL, BM_P50, BM_P99,
						BM_P999 };
	char cell[4][48];

	for (int k = 0; k < 4; k++) {
		struct bench_spread sp;

		if (mode == 2 && k > 1) {
			snprintf(cell[k], sizeof(cell[k]), "%s", "");
			continue;
		}
		if (mode == 2)
			bench_set_ratio(b, s, point, ms[k], &sp);
		else
			bench_set_spread(b, s, point, mode == 1, ms[k], &sp);
		spread_text(cell[k], sizeof(cell[k]), &sp, mode != 2 && k > 0);
	}
	cli_say(c, "  %-22s %-24s %-20s %-20s %s\n", label, cell[0], cell[1],
		cell[2], cell[3]);
}

/*
 * The set's table: median (min-max) of every engine at every point,
 * the ratio, the verdict, and where it ran.
 */
static void print_bench_summary(struct cli *c)
{
	const struct bench *b = session_bench(c->s);
	const struct bench_set *s = bench_set_latest(b);
	char pts[BENCH_MAX_POINTS][BENCH_POINT_MAX], label[64], commit[16];
	char facts[400];
	struct bench_verdict v;
	const char *engine;
	size_t np;
	int plen;

	if (!s || s->state != BENCH_DONE || c->json)
		return;
	engine = bench_set_engine(b, s);
	np = bench_set_points(b, s, pts, BENCH_MAX_POINTS);
	plen = (int)strcspn(s->sweep, "=");
	cli_say(c, "  %s%s%s\n", s->workload, s->sweep[0] ? "; sweep " : "",
		s->sweep);
	cli_say(c, "  %d run%s of %s, interleaved; median (min-max)\n", s->reps,
		s->reps == 1 ? "" : "s",
		s->baseline ? "each engine" : "the module's engine");
	cli_say(c, "  %-22s %-24s %-20s %-20s %s\n", "", "ops/s", "p50 us",
		"p99 us", "p999 us");
	for (size_t k = 0; k < np; k++) {
		snprintf(label, sizeof(label), "%.*s%s%.16s%s%s", plen,
			 pts[k][0] ? s->sweep : "", pts[k][0] ? "=" : "",
			 pts[k], pts[k][0] ? " " : "", engine);
		engine_row(c, b, s, pts[k], label, 0);
		if (!s->baseline)
			continue;
		snprintf(label, sizeof(label), "%.*s%s%.16s%suser", plen,
			 pts[k][0] ? s->sweep : "", pts[k][0] ? "=" : "",
			 pts[k], pts[k][0] ? " " : "");
		engine_row(c, b, s, pts[k], label, 1);
		snprintf(label, sizeof(label), "%.*s%s%.16s%s%.12s/user", plen,
			 pts[k][0] ? s->sweep : "", pts[k][0] ? "=" : "",
			 pts[k], pts[k][0] ? " " : "", engine);
		engine_row(c, b, s, pts[k], label, 2);
	}
	bench_judge(b, s, &v);
	cli_say(c, "  verdict: %s\n", v.text);
	bench_short_commit(s, commit, sizeof(commit));
	facts_describe(&s->before, facts, sizeof(facts));
	cli_say(c,
		"  commit %s%s%s, target %s: %s; temperature %s, throttled %s (after: %s, %s)\n",
		commit, s->git_note[0] ? " (" : "", s->git_note, s->target,
		facts, s->before.temp_c, s->before.throttled, s->after.temp_c,
		s->after.throttled);
}

/* The bench step's set as one JSON event. */
static void bench_json(struct session *s)
{
	const struct bench *b = session_bench(s);
	const struct bench_set *set = bench_set_latest(b);
	struct bench_verdict v;
	cJSON *o;

	if (!set)
		return;
	bench_judge(b, set, &v);
	o = bench_set_json(b, set, &v);
	cJSON_AddStringToObject(o, "event", "bench");
	cli_emit_json(o);
}

/* An action, with the command that does the same. */
static void on_action(struct session *s, const struct action_entry *e,
		      void *arg)
{
	struct cli *c = arg;
	cJSON *o;

	if (!c->json) {
		/* the facts' long script is in the journal and --json */
		if (e->kind != AK_FACTS)
			cli_say(c, "  $ %s\n", e->command);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "action");
	cJSON_AddStringToObject(o, "kind", action_kind_name(e->kind));
	cJSON_AddStringToObject(o, "what", e->what);
	cJSON_AddStringToObject(o, "command", e->command);
	if (e->qmp)
		cJSON_AddStringToObject(o, "qmp", e->qmp);
	cli_emit_json(o);
}

static void step_json(struct session *s, const struct job_step *st)
{
	cJSON *o = cJSON_CreateObject();
	const char *name = job_step_name(st->kind);

	cJSON_AddStringToObject(o, "event", "step");
	cJSON_AddStringToObject(o, "step", name);
	cJSON_AddStringToObject(o, "state", job_state_name(st->state));
	if (st->state != JOB_RUNNING) {
		cJSON_AddNumberToObject(o, "seconds", step_secs(st));
		cJSON_AddStringToObject(o, "message", st->msg);
		if (st->warnings)
			cJSON_AddNumberToObject(o, "kernel_warnings",
						st->warnings);
		if (st->kind == JOB_BUILD) {
			cJSON_AddNumberToObject(o, "errors",
						build_errors(session_build(s)));
			cJSON_AddNumberToObject(
				o, "warnings",
				build_warnings(session_build(s)));
			diags_json(o, session_build(s));
		}
	}
	cli_emit_json(o);
}

void cli_print_step(struct session *s, const struct job_step *st, void *arg)
{
	struct cli *c = arg;
	const struct job *job = session_job(s);
	const char *name = job_step_name(st->kind);

	if (st->state == JOB_RUNNING) {
		if (job->total) {
			if (c->tty && !c->json) {
				termguard_ctl("\r");
				cli_say(c, "[%s] %llu/%llu KiB", name,
					(unsigned long long)job->done / 1024,
					(unsigned long long)job->total / 1024);
			}
			return;
		}
		if (c->json)
			step_json(s, st);
		else if (st->kind == JOB_BUILD)
			cli_say(c, "[%s] %s\n", name,
				build_command(session_build(s)));
		else
			cli_say(c, "[%s] ...\n", name);
		return;
	}
	if (c->json) {
		step_json(s, st);
		if (st->kind == JOB_BENCH)
			bench_json(s);
		return;
	}
	if (c->tty && job->total)
		termguard_ctl("\r\033[K");
	cli_say(c, "[%s] %s in %.2f s: %s\n", name, job_state_name(st->state),
		step_secs(st), st->msg);
	if (st->kind == JOB_BUILD)
		print_diags(c);
	if (st->kind == JOB_BENCH)
		print_bench_summary(c);
}

static void on_change(struct session *s, unsigned changes, void *arg)
{
	struct run *r = arg;
	struct link *l = session_link(s);

	if (changes & SC_KMSG)
		cli_print_kmsg(&r->c, true);
	/* the target lost while a step runs (and found again): why */
	if ((changes & SC_LINK) && l) {
		enum link_state st = link_state(l);

		if ((st == LINK_DOWN && r->last_link == LINK_UP) ||
		    (st == LINK_UP && r->last_link == LINK_DOWN))
			cli_print_link_change(&r->c, &r->last_link);
		else if (st != LINK_DEGRADED)
			r->last_link = st;
	}
}

static void on_job_done(struct session *s, const struct job *job, void *arg)
{
	struct run *r = arg;

	r->rc = job->state == JOB_OK ? 0 : 1;
}

static bool job_over(struct cli *c)
{
	enum job_state st = session_job(c->s)->state;

	return st != JOB_RUNNING && st != JOB_IDLE;
}

/*
 * The kernel log has been quiet for 150 ms, counted from the job's end at
 * the earliest: insmod's exit status and the line the module printed
 * while it loaded travel on two channels, and the status may come first
 * (a log that was quiet during a long insmod said "done" at once, and the
 * "loaded" line was not printed: 2 runs in 7).
 */
static bool kmsg_quiet(struct cli *c)
{
	struct run *r = (struct run *)c;
	int64_t idle = session_kmsg_idle_ms(c->s);
	int64_t since_end = loop_now_ms() - r->job_end_ms;

	if (idle < 0)
		return !session_link(c->s);
	return (idle < since_end ? idle : since_end) >= 150;
}

static void print_done(struct run *r)
{
	struct cli *c = &r->c;
	const struct job *job = session_job(c->s);

	if (c->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "done");
		cJSON_AddStringToObject(o, "state", job_state_name(job->state));
		cJSON_AddNumberToObject(o, "exit", r->rc);
		cli_emit_json(o);
	} else {
		cli_say(c, "%s %s\n", job->name,
			r->rc == 0     ? "succeeded" :
			c->interrupted ? "cancelled" :
					 "failed");
	}
	if (session_journal(c->s))
		cli_say(c, "journal: %s\n", journal_dir(session_journal(c->s)));
}

/* Some step runs on the target: not a build alone, which needs no VM. */
static bool needs_target(const struct cmd_ctx *ctx)
{
	struct job_step steps[JOB_MAX_STEPS];
	char err[256];
	int n = job_plan((const char *const *)ctx->argv, (size_t)ctx->argc,
			 steps, JOB_MAX_STEPS, err, sizeof(err));

	for (int i = 0; i < n; i++)
		if (steps[i].kind != JOB_BUILD)
			return true;
	return n < 0; /* session_run says what is wrong */
}

/* A positive number of an option into *out; 2 (said) when it is not. */
static int positive(const struct cmd_ctx *ctx, int id, const char *name,
		    int *out)
{
	const char *v = ctx->opt[id];
	char *end;
	long n;

	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	if (end == v || *end || n <= 0 || n > INT_MAX) {
		cmd_print_error(stderr, ctx->entry,
				"--%s: expected a positive number, not '%s'",
				name, v);
		return 2;
	}
	*out = (int)n;
	return 0;
}

/* The bench step's options of the command line. 0, or 2 (said). */
static int bench_opts_from(const struct cmd_ctx *ctx, struct bench_opts *o)
{
	static const struct {
		int id;
		const char *name;
		size_t off;
	} nums[] = {
		{ OPT_RECORDS, "records",
		  offsetof(struct bench_opts, records) },
		{ OPT_OPERATIONS, "operations",
		  offsetof(struct bench_opts, operations) },
		{ OPT_KEY_SIZE, "key-size",
		  offsetof(struct bench_opts, key_size) },
		{ OPT_VALUE_SIZE, "value-size",
		  offsetof(struct bench_opts, value_size) },
		{ OPT_THREADS, "threads",
		  offsetof(struct bench_opts, threads) },
		{ OPT_BATCH, "batch", offsetof(struct bench_opts, batch) },
		{ OPT_RUNS, "runs", offsetof(struct bench_opts, runs) },
	};
	struct bench_plan p;
	char err[256];

	memset(o, 0, sizeof(*o));
	o->workload = ctx->opt[OPT_WORKLOAD];
	o->distribution = ctx->opt[OPT_DISTRIBUTION];
	o->sweep = ctx->opt[OPT_SWEEP];
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (positive(ctx, nums[i].id, nums[i].name,
			     (int *)((char *)o + nums[i].off)))
			return 2;
	/* what is wrong with them is said before anything runs */
	if (bench_plan_make(o, false, &p, err, sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		return 2;
	}
	return 0;
}

static int run_steps(struct run *r)
{
	struct cli *c = &r->c;
	bool target = needs_target(c->ctx);
	struct session_opts so = {
		.start_vm = target,
		.follow_kmsg = target,
		/* a panic kills the log stream: the console still tells it */
		.serial = target,
		.journal = true,
		.on_step = cli_print_step,
		.on_change = on_change,
		.on_job_done = on_job_done,
		.on_action = on_action,
	};
	struct bench_opts bo;
	char err[512];
	enum job_step_kind last;
	int rc = bench_opts_from(c->ctx, &bo);

	if (rc)
		return rc;
	rc = cli_open_session(c, &so);
	if (rc)
		return rc;
	session_set_bench_opts(c->s, &bo);
	if (session_run(c->s, (const char *const *)c->ctx->argv,
			(size_t)c->ctx->argc, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash run: %s\n", err);
		return 2;
	}
	r->rc = 1;
	cli_run_until(c, job_over, INT64_MAX / 2);
	r->job_end_ms = loop_now_ms();
	last = session_job(c->s)->steps[session_job(c->s)->nsteps - 1].kind;
	/* Kernel lines of the module that came with a (un)load. */
	if (last == JOB_LOAD || last == JOB_UNLOAD)
		cli_run_until(c, kmsg_quiet, 2000);
	cli_print_kmsg(c, true);
	print_done(r);
	return c->interrupted && r->rc ? 130 : r->rc;
}

static int run_exec(struct cmd_ctx *ctx)
{
	struct run r;
	int rc;

	cli_init(&r.c, ctx);
	r.rc = 1;
	r.job_end_ms = 0;
	rc = run_steps(&r);
	cli_close(&r.c);
	return rc;
}

static const struct cmd_opt run_opts[] = {
	{ "json", OPT_JSON, NULL,
	  "one JSON object a line for each event (step, action, bench, kmsg, "
	  "done) instead of text",
	  CMD_COMPLETE_NONE, NULL },
	{ "workload", OPT_WORKLOAD, "A-F",
	  "bench: a YCSB core workload (A 50/50 read/update, B 95/5, C read "
	  "only, D read latest, F read-modify-write; E, scans, does not apply "
	  "to a hash engine)",
	  CMD_COMPLETE_WORDS, bench_workload_name },
	{ "distribution", OPT_DISTRIBUTION, "D",
	  "bench: the keys asked for: uniform, zipfian (theta 0.99) or latest",
	  CMD_COMPLETE_WORDS, bench_distribution_name },
	{ "records", OPT_RECORDS, "N",
	  "bench: records stored by the load phase", CMD_COMPLETE_NONE, NULL },
	{ "operations", OPT_OPERATIONS, "N",
	  "bench: operations of each run (instead of a time)",
	  CMD_COMPLETE_NONE, NULL },
	{ "key-size", OPT_KEY_SIZE, "B", "bench: key length in bytes",
	  CMD_COMPLETE_NONE, NULL },
	{ "value-size", OPT_VALUE_SIZE, "B", "bench: value length in bytes",
	  CMD_COMPLETE_NONE, NULL },
	{ "threads", OPT_THREADS, "N", "bench: worker threads",
	  CMD_COMPLETE_NONE, NULL },
	{ "batch", OPT_BATCH, "N", "bench: operations per call",
	  CMD_COMPLETE_NONE, NULL },
	{ "runs", OPT_RUNS, "R",
	  "bench: repetitions of each engine, interleaved (3)",
	  CMD_COMPLETE_NONE, NULL },
	{ "sweep", OPT_SWEEP, "PARAM=V1,V2",
	  "bench: run at each value of threads, batch, value_size, key_size "
	  "or records",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.args = "STEP...",
	.opts = run_opts,
	.min_args = 1,
	.max_args = -1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = job_plan_word,
	.arg_what = "step",
	.flags = CMD_CONFIG,
	.exec = run_exec,
	.summary = "run steps on the target and print their progress",
	.help = "Runs the steps on the target, one after the other, and "
		"prints their progress: build (cross-builds the module), "
		"deploy (uploads it and verifies every file), load (insmod), "
		"unload (rmmod), reload (unload, deploy, load), bench (the "
		"benchmark) and cycle (build, reload, bench: it unloads what "
		"is loaded first). The VM of the embedded target is booted "
		"when it is not running.\n\n"
		"bench runs the module's engine and the user-space baseline "
		"(when the program has one: bench.baseline) on the same "
		"workload, interleaved, R times (--runs, bench.runs; 3), at "
		"each value of a --sweep; it prints the median and the spread "
		"(min-max) of ops/s and p50/p99/p999 latency, the ratio, and "
		"the verdict against the earlier runs of the workload on the "
		"same machine: a regression or an improvement only outside "
		"their noise band. The workload options go to the program as "
		"sebench's (kmod/README.md) and override the config's bench.* "
		"keys. Every action is shown with the shell command that does "
		"the same (action events with --json).\n\n"
		"A step fails when the kernel reports an oops, BUG, panic or "
		"lockup while it runs, with the trace decoded to the module's "
		"source line; a WARNING is counted (kernel_warnings in the "
		"--json events). The exit status is 0 only when every step "
		"succeeded, 1 when one failed and 130 when interrupted (Ctrl-C "
		"cancels the "
		"running step). The module's kernel log lines are printed "
		"with the steps; everything is journaled under "
		"$XDG_STATE_HOME/kmdash/TARGET/.",
};
