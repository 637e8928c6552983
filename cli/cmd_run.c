// SPDX-License-Identifier: GPL-2.0
/* kmdash run STEP...: the job pipeline, driven to its end and reported. */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/base/journal.h"
#include "core/base/loop.h"
#include "core/module/bench.h"
#include "core/module/build.h"
#include "core/module/diag.h"
#include "core/module/job.h"
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
			if (c->tty && !c->json)
				cli_say(c, "\r[%s] %llu/%llu KiB", name,
					(unsigned long long)job->done / 1024,
					(unsigned long long)job->total / 1024);
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
		return;
	}
	if (c->tty && job->total)
		cli_say(c, "\r\033[K");
	cli_say(c, "[%s] %s in %.2f s: %s\n", name, job_state_name(st->state),
		step_secs(st), st->msg);
	if (st->kind == JOB_BUILD)
		print_diags(c);
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

static void print_bench_summary(struct cli *c)
{
	const struct bench_run *r = bench_latest(session_bench(c->s));

	if (!r || !r->has_summary || c->json)
		return;
	cli_say(c, "  %s\n", r->workload);
	cli_say(c, "  ops/s: get %.0f  put %.0f  del %.0f  total %.0f\n",
		r->summary[BM_GET], r->summary[BM_PUT], r->summary[BM_DEL],
		r->summary[BM_TOTAL]);
	cli_say(c,
		"  latency per call: p50 %.2f us  p99 %.2f us  p999 %.2f us\n",
		r->summary[BM_P50], r->summary[BM_P99], r->summary[BM_P999]);
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
	};
	char err[512];
	enum job_step_kind last;
	int rc = cli_open_session(c, &so);

	if (rc)
		return rc;
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
	if (last == JOB_BENCH && r->rc == 0)
		print_bench_summary(c);
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
	  "one JSON object a line for each event (step, kmsg, done) instead "
	  "of text",
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
