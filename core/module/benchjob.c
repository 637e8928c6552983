// SPDX-License-Identifier: GPL-2.0
/* A bench step's set of runs on the target (benchjob.h). */
#include "core/module/benchjob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/loop.h"
#include "core/base/quote.h"
#include "core/base/strutil.h"
#include "core/base/strv.h"
#include "core/base/version.h"
#include "core/module/benchstat.h"
#include "core/module/facts.h"
#include "core/module/gitrev.h"
#include "core/ssh/ssh.h"

enum phase {
	PH_IDLE,
	PH_BEFORE, /* git and the facts */
	PH_RUNS,
	PH_AFTER, /* the facts again */
};

struct benchjob {
	struct benchjob_params p;
	/* copies of what the params point to */
	char **argv, **baseline;
	char remote_dir[4096], module_dir[4096], target[64], build_id[72];
	char tool[64];
	char workload[8], distribution[16], sweep[96];
	struct action_ssh reach;
	char *reach_strs[6];
	struct bench_plan plan;
	enum phase phase;
	size_t next; /* the next invocation */
	struct gitrev_op *git;
	bool git_done, facts_done;
	struct gitrev rev;
	struct ssh_op *op;
	struct bench_set *set;
};

struct benchjob *benchjob_new(void)
{
	return calloc(1, sizeof(struct benchjob));
}

static void release(struct benchjob *j)
{
	strv_free(j->argv);
	strv_free(j->baseline);
	j->argv = j->baseline = NULL;
	for (size_t i = 0; i < 6; i++) {
		free(j->reach_strs[i]);
		j->reach_strs[i] = NULL;
	}
}

void benchjob_cancel(struct benchjob *j)
{
	if (!j)
		return;
	if (j->op)
		ssh_op_cancel(j->op);
	j->op = NULL;
	gitrev_cancel(j->git);
	j->git = NULL;
	j->phase = PH_IDLE;
}

void benchjob_free(struct benchjob *j)
{
	if (!j)
		return;
	benchjob_cancel(j);
	release(j);
	free(j);
}

bool benchjob_busy(const struct benchjob *j)
{
	return j->phase != PH_IDLE;
}

const struct bench_plan *benchjob_plan(const struct benchjob *j)
{
	return &j->plan;
}

size_t benchjob_done(const struct benchjob *j)
{
	return j->next;
}

static void changed(struct benchjob *j)
{
	if (j->p.on_change)
		j->p.on_change(j->p.arg);
}

static void log_action(struct benchjob *j, enum action_kind k, const char *what,
		       const char *remote)
{
	char *cmd;
	const struct action_entry *e;

	if (!j->p.alog)
		return;
	cmd = action_ssh_command(&j->reach, remote);
	e = cmd ? actionlog_add(j->p.alog, k, what, cmd, NULL) : NULL;
	free(cmd);
	if (e && j->p.on_action)
		j->p.on_action(j->p.arg, e);
}

static void end(struct benchjob *j, bool ok, const char *msg)
{
	j->op = NULL;
	j->phase = PH_IDLE;
	if (j->p.on_end)
		j->p.on_end(j->p.arg, ok, msg);
}

/* --- the facts --------------------------------------------------------- */

static void start_runs(struct benchjob *j);
static void finished_runs(struct benchjob *j);

static void on_facts(void *arg, int rc, const struct ssh_exec_result *r,
		     const char *msg)
{
	struct benchjob *j = arg;
	struct bench_facts *f = j->phase == PH_BEFORE ? &j->set->before :
							&j->set->after;

	j->op = NULL;
	facts_parse(rc == 0 && r->out ? r->out : "", f);
	if (j->phase == PH_AFTER) {
		finished_runs(j);
		return;
	}
	j->facts_done = true;
	if (j->git_done)
		start_runs(j);
}

static int ask_facts(struct benchjob *j)
{
	log_action(j, AK_FACTS, "the target's facts", facts_command());
	j->op = ssh_exec(j->p.ssh, facts_command(), on_facts, j);
	return j->op ? 0 : -EIO;
}

static void on_git(void *arg, const struct gitrev *rev)
{
	struct benchjob *j = arg;
	struct bench_set *s = j->set;

	j->git = NULL;
	j->rev = *rev;
	snprintf(s->commit, sizeof(s->commit), "%s", rev->commit);
	s->dirty = rev->dirty;
	snprintf(s->diff_hash, sizeof(s->diff_hash), "%s", rev->diff_hash);
	snprintf(s->git_note, sizeof(s->git_note), "%s", rev->note);
	j->git_done = true;
	if (j->facts_done)
		start_runs(j);
}

/* --- the runs ---------------------------------------------------------- */

static void next_run(struct benchjob *j);

static void on_data(void *arg, const char *buf, size_t len)
{
	struct benchjob *j = arg;

	bench_feed(j->p.bench, buf, len);
	if (j->p.on_data)
		j->p.on_data(j->p.arg, buf, len);
	changed(j);
}

static void on_run_end(void *arg, int rc, int exit_status, const char *msg)
{
	struct benchjob *j = arg;
	const char *sig = j->op ? ssh_stream_exit_signal(j->op) : NULL;
	const struct bench_run *r = bench_latest(j->p.bench);
	char why[512];

	j->op = NULL;
	if (rc < 0)
		snprintf(why, sizeof(why), "benchmark: %s", msg);
	else if (sig)
		snprintf(why, sizeof(why), "%s was killed by SIG%s", j->tool,
			 sig);
	else if (exit_status)
		snprintf(why, sizeof(why), "%s exited with status %d%s%s",
			 j->tool, exit_status, r && r->said[0] ? ": " : "",
			 r && r->said[0] ? r->said : "");
	else if (!r || !r->has_summary)
		snprintf(why, sizeof(why), "%s ended without its summary line",
			 j->tool);
	else
		why[0] = '\0';
	bench_run_end(j->p.bench, !why[0], why);
	changed(j);
	if (why[0]) {
		end(j, false, why);
		return;
	}
	next_run(j);
}

/* "cd DIR && ./sebench ..." with readable (shown) or full quoting. */
static char *run_command(const struct benchjob *j, char **argv, bool shown)
{
	char *args =
		shown ? quote_argv_readable_dup((const char *const *)argv) :
			quote_argv_dup((const char *const *)argv);
	const char *dw[] = { j->remote_dir, NULL };
	char *dir = shown ? quote_argv_readable_dup(dw) :
			    quote_sh_dup(j->remote_dir);
	char *cmd = NULL;

	if (args && dir)
		cmd = str_printf(shown ? "cd %s && %s" : "cd %s && exec %s",
				 dir, args);
	free(args);
	free(dir);
	return cmd;
}

static void next_run(struct benchjob *j)
{
	struct bench_step st;
	struct bench_run *r;
	char **argv, *cmd, *shown, what[128];

	if (j->next == j->plan.n) {
		j->phase = PH_AFTER;
		if (ask_facts(j) < 0)
			finished_runs(j);
		return;
	}
	bench_plan_step(&j->plan, j->next, &st);
	argv = bench_plan_argv(&j->plan, &j->p.opts,
			       (const char *const *)j->argv,
			       (const char *const *)j->baseline, j->next);
	cmd = argv ? run_command(j, argv, false) : NULL;
	shown = argv ? run_command(j, argv, true) : NULL;
	free(argv);
	if (!cmd || !shown) {
		free(cmd);
		free(shown);
		end(j, false, "benchmark: out of memory");
		return;
	}
	snprintf(what, sizeof(what), "bench %s%s%s%s, run %d of %d",
		 st.baseline ? "user-space baseline" : j->tool,
		 j->plan.param[0] ? " " : "", j->plan.param,
		 j->plan.param[0] ? "=" : "", st.rep, j->plan.reps);
	if (j->plan.param[0])
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " (%s)", j->plan.points[st.point]);
	log_action(j, AK_BENCH, what, shown);
	free(shown);
	r = bench_run_begin(j->p.bench, j->set->commit, j->build_id);
	r->rep = st.rep;
	r->baseline = st.baseline;
	snprintf(r->param, sizeof(r->param), "%s", j->plan.param);
	snprintf(r->point, sizeof(r->point), "%s", j->plan.points[st.point]);
	j->next++;
	j->op = ssh_stream_open(j->p.ssh, cmd, SSH_STREAM_PTY, on_data,
				on_run_end, j);
	free(cmd);
	changed(j);
	if (!j->op) {
		bench_run_end(j->p.bench, false, "cannot start the benchmark");
		end(j, false, "benchmark: cannot open a channel to the target");
	}
}

static void start_runs(struct benchjob *j)
{
	j->phase = PH_RUNS;
	next_run(j);
}

/* Every run ended well: the set's workload, medians and verdict. */
static void finished_runs(struct benchjob *j)
{
	struct bench_set *s = j->set;
	struct bench_verdict v;
	char text[1536];

	j->op = NULL;
	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(j->p.bench, s, i);

		if (r && !r->baseline) {
			snprintf(s->workload, sizeof(s->workload), "%s",
				 r->workload);
			break;
		}
	}
	bench_judge(j->p.bench, s, &v);
	bench_set_text(j->p.bench, s, &v, text, sizeof(text));
	end(j, true, text);
}

/* --- the set ------------------------------------------------------------- */

static int copy_params(struct benchjob *j, const struct benchjob_params *p)
{
	const char *rs[6] = { p->reach->ssh_config, p->reach->host,
			      p->reach->user,	    p->reach->jump,
			      p->reach->identity,   p->reach->known_hosts };
	const char **dst[6] = { &j->reach.ssh_config, &j->reach.host,
				&j->reach.user,	      &j->reach.jump,
				&j->reach.identity,   &j->reach.known_hosts };

	release(j);
	j->p = *p;
	j->reach = *p->reach;
	for (size_t i = 0; i < 6; i++) {
		j->reach_strs[i] = rs[i] ? strdup(rs[i]) : NULL;
		if (rs[i] && !j->reach_strs[i])
			return -ENOMEM;
		*dst[i] = j->reach_strs[i];
	}
	j->argv = strv_copy(p->argv);
	j->baseline = strv_copy(p->baseline);
	if (!j->argv || !j->baseline)
		return -ENOMEM;
	snprintf(j->remote_dir, sizeof(j->remote_dir), "%s", p->remote_dir);
	snprintf(j->module_dir, sizeof(j->module_dir), "%s",
		 p->module_dir ? p->module_dir : "");
	snprintf(j->target, sizeof(j->target), "%s", p->target);
	snprintf(j->build_id, sizeof(j->build_id), "%s",
		 p->build_id ? p->build_id : "");
	snprintf(j->tool, sizeof(j->tool), "%s", p->tool ? p->tool : "bench");
	/* the options' strings are ours now too */
	snprintf(j->workload, sizeof(j->workload), "%s",
		 p->opts.workload ? p->opts.workload : "");
	snprintf(j->distribution, sizeof(j->distribution), "%s",
		 p->opts.distribution ? p->opts.distribution : "");
	snprintf(j->sweep, sizeof(j->sweep), "%s",
		 p->opts.sweep ? p->opts.sweep : "");
	j->p.opts.workload = j->workload;
	j->p.opts.distribution = j->distribution;
	j->p.opts.sweep = j->sweep;
	j->p.argv = NULL;
	j->p.baseline = NULL;
	j->p.reach = &j->reach;
	return 0;
}

int benchjob_start(struct benchjob *j, const struct benchjob_params *p,
		   char *err, size_t errlen)
{
	struct timespec ts;
	char id[96];
	struct tm tm;
	bool baseline = p->baseline && p->baseline[0];
	int r;

	if (benchjob_busy(j)) {
		snprintf(err, errlen, "a benchmark is running");
		return -EBUSY;
	}
	r = bench_plan_make(&p->opts, baseline, &j->plan, err, errlen);
	if (r < 0)
		return r;
	if (copy_params(j, p) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	/* unique in a history: the time to the ms, and a count */
	snprintf(id, sizeof(id), "%04d%02d%02d-%02d%02d%02d.%03ld-%zu",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		 bench_nsets(p->bench) % 1000);
	j->set = bench_set_begin(p->bench, id);
	snprintf(j->set->sweep, sizeof(j->set->sweep), "%s", j->plan.sweep);
	j->set->reps = j->plan.reps;
	j->set->baseline = baseline;
	snprintf(j->set->target, sizeof(j->set->target), "%s", j->target);
	snprintf(j->set->kmdash, sizeof(j->set->kmdash), "%s", KMDASH_VERSION);
	j->next = 0;
	j->git_done = j->facts_done = false;
	j->phase = PH_BEFORE;
	j->git = gitrev_start(p->loop, j->module_dir[0] ? j->module_dir : NULL,
			      on_git, j);
	if (!j->git || ask_facts(j) < 0) {
		gitrev_cancel(j->git);
		j->git = NULL;
		bench_set_end(p->bench, false, "cannot start the benchmark");
		j->phase = PH_IDLE;
		snprintf(err, errlen, "cannot open a channel to the target");
		return -EIO;
	}
	changed(j);
	return 0;
}

void benchjob_finish(struct benchjob *j, bool ok, const char *why,
		     const char *history_path)
{
	struct bench_set *s = j->p.bench ? bench_set_running(j->p.bench) : NULL;

	if (!s || s != j->set)
		return;
	benchjob_cancel(j);
	bench_set_end(j->p.bench, ok, why);
	if (history_path && history_path[0])
		bench_set_append(j->p.bench, s, history_path);
	j->set = NULL;
	changed(j);
}
