// SPDX-License-Identifier: GPL-2.0
/*
 * The session wires models to sources. Order of life for a VM target:
 * attach to (or boot) the VM -> once it forwards a port, start the link ->
 * when the link is up, follow the kernel log and ask for the module state.
 * A step that needs the target while the link is not up waits for it (up
 * to a deadline) instead of failing at once: pressing `d` while the VM
 * boots just works.
 */
#include "core/session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/module/bench.h"
#include "core/module/build.h"
#include "core/config/config.h"
#include "core/console/console.h"
#include "core/module/deploy.h"
#include "core/base/fsdir.h"
#include "core/base/journal.h"
#include "core/module/kmsg.h"
#include "core/ssh/link.h"
#include "core/base/loop.h"
#include "core/module/modinfo.h"
#include "core/base/quote.h"
#include "core/console/serial.h"
#include "core/ssh/ssh.h"
#include "core/vm/vm.h"

/* How long a step waits for the link before it fails. */
#define LINK_WAIT_MS 90000
#define BENCH_HISTORY_RUNS 50
/* Console bytes replayed from QEMU's serial log on attach. */
#define CONSOLE_PREFILL (256 * 1024)

struct session {
	struct loop *loop;
	struct session_opts o;
	const struct config *cfg;
	const struct config_target *t;

	struct vm *vm;
	struct serial *serial;
	struct console *console;
	struct link *link;
	enum link_state last_link;
	struct deploy *deploy;
	struct deploy_module dm;
	char stage_dir[PATH_MAX]; /* the stripped copy of the .ko */
	struct kmsg *kmsg;
	struct ssh_op *kmsg_op;
	int64_t kmsg_since_usec;
	int64_t kmsg_wall_offset_us; /* target usec + this = Unix time */
	/* the stream's header (boot id, uptime) before the records */
	char kmsg_head[160];
	size_t kmsg_head_len;
	bool kmsg_head_done;
	int64_t kmsg_last_ms;
	struct build *build;
	struct bench *bench;
	struct ssh_op *bench_op;
	char bench_history[PATH_MAX];
	struct job job;
	struct journal *journal;
	struct session_module module;

	bool job_running;
	uint64_t refresh_timer;

	/* a step waiting for the link */
	const struct job_step *waiting;
	uint64_t wait_timer;

	char notice[512];
};

static void changed(struct session *s, unsigned what)
{
	if (s->o.on_change)
		s->o.on_change(s, what, s->o.arg);
}

static void notice(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->notice, sizeof(s->notice), fmt, ap);
	va_end(ap);
	if (s->journal)
		journal_action(s->journal, "%s", s->notice);
}

const char *session_notice(const struct session *s)
{
	return s->notice;
}

/* --- job steps ----------------------------------------------------------- */

static void step_event(struct session *s, const struct job_step *st)
{
	if (s->o.on_step)
		s->o.on_step(s, st, s->o.arg);
}

static void step_done(struct session *s, bool ok, const char *msg)
{
	const struct job_step *st = &s->job.steps[s->job.cur];

	if (s->journal)
		journal_action(s->journal, "%s %s: %s", job_step_name(st->kind),
			       ok ? "ok" : "failed", msg);
	job_step_done(&s->job, ok, msg);
	step_event(s, st);
}

static void on_build_done(void *arg, struct build *b)
{
	struct session *s = arg;

	changed(s, SC_BUILD);
	if (s->job.state == JOB_RUNNING &&
	    s->job.steps[s->job.cur].kind == JOB_BUILD &&
	    s->job.steps[s->job.cur].state == JOB_RUNNING)
		step_done(s, build_state(b) == BUILD_OK, build_result(b));
}

static void on_build_line(void *arg, const char *line, size_t len,
			  enum diag_kind kind)
{
	struct session *s = arg;

	if (s->journal)
		journal_write(s->journal, JOURNAL_BUILD, line, len);
	if (s->journal)
		journal_write(s->journal, JOURNAL_BUILD, "\n", 1);
	changed(s, SC_BUILD);
}

static void on_deploy_progress(void *arg, uint64_t done, uint64_t total)
{
	struct session *s = arg;

	job_set_progress(&s->job, done, total);
	step_event(s, &s->job.steps[s->job.cur]);
}

static void refresh_module(struct session *s);
static void schedule_refresh(struct session *s);
static void refresh_due(struct loop *loop, void *arg);

static void on_deploy_done(void *arg, int rc, enum moderr kind, const char *msg)
{
	struct session *s = arg;

	step_done(s, rc == 0, msg);
}

static void bench_text(struct session *s, char *buf, size_t cap)
{
	const struct bench_run *r = bench_latest(s->bench), *p;
	double d[BM_COUNT];
	bool better[BM_COUNT];
	int n;

	if (!r || !r->has_summary) {
		snprintf(buf, cap, "%s", r && r->msg[0] ? r->msg : "no result");
		return;
	}
	n = snprintf(buf, cap, "%s: %.0f ops/s, p50 %.1f us, p99 %.1f us",
		     r->engine, r->summary[BM_TOTAL], r->summary[BM_P50],
		     r->summary[BM_P99]);
	p = bench_previous(s->bench, r);
	if (p && n > 0 && (size_t)n < cap) {
		bench_compare(p, r, d, better);
		snprintf(buf + n, cap - (size_t)n,
			 " (%+.1f%% ops/s, %+.1f%% p99 vs previous)",
			 d[BM_TOTAL], d[BM_P99]);
	}
}

static void on_bench_data(void *arg, const char *buf, size_t len)
{
	struct session *s = arg;

	bench_feed(s->bench, buf, len);
	if (s->journal)
		journal_write(s->journal, JOURNAL_BENCH, buf, len);
	changed(s, SC_BENCH);
}

static void on_bench_end(void *arg, int rc, int exit_status, const char *msg)
{
	struct session *s = arg;
	char text[256], why[256];
	const struct bench_run *r;

	s->bench_op = NULL;
	if (rc < 0)
		snprintf(why, sizeof(why), "benchmark: %s", msg);
	else if (exit_status)
		snprintf(why, sizeof(why), "sebench exited with status %d",
			 exit_status);
	else
		why[0] = '\0';
	bench_run_end(s->bench, rc == 0 && exit_status == 0, why);
	r = bench_latest(s->bench);
	if (r && s->bench_history[0])
		bench_history_append(r, s->bench_history);
	bench_text(s, text, sizeof(text));
	changed(s, SC_BENCH);
	step_done(s, r && r->state == BENCH_DONE, text);
}

/* The module source's commit, read from .git without running git. */
static void git_head(const char *repo, char *out, size_t cap)
{
	char path[PATH_MAX], line[256], ref[256];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/.git/HEAD", repo);
	f = fopen(path, "re");
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "ref: ", 5) != 0) {
		snprintf(out, cap, "%.12s", line);
		return;
	}
	snprintf(ref, sizeof(ref), "%s", line + 5);
	snprintf(path, sizeof(path), "%s/.git/%s", repo, ref);
	f = fopen(path, "re");
	if (f && fgets(line, sizeof(line), f)) {
		snprintf(out, cap, "%.12s", line);
		fclose(f);
		return;
	}
	if (f)
		fclose(f);
	/* A packed ref: "<sha> <ref>" lines. */
	snprintf(path, sizeof(path), "%s/.git/packed-refs", repo);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (sp && !strncmp(sp + 1, ref, strlen(ref))) {
			snprintf(out, cap, "%.12s", line);
			break;
		}
	}
	if (f)
		fclose(f);
}

static int start_bench(struct session *s)
{
	const char *argv[72];
	char tool[PATH_MAX], qdir[PATH_MAX * 4 + 8], commit[16], *args, *cmd;
	struct modinfo mi = { 0 };
	size_t n = 0;
	const char *sebench = s->t->module.sebench;
	const char *b;

	if (!sebench)
		return -ENOENT;
	b = strrchr(sebench, '/');
	snprintf(tool, sizeof(tool), "./%s", b ? b + 1 : sebench);
	argv[n++] = tool;
	for (size_t i = 0; i < s->t->bench_args.n && n < 70; i++)
		argv[n++] = s->t->bench_args.v[i];
	argv[n] = NULL;
	args = quote_argv_dup(argv);
	if (!args ||
	    quote_sh(qdir, sizeof(qdir), s->t->module.remote_dir) < 0) {
		free(args);
		return -ENOMEM;
	}
	if (asprintf(&cmd, "cd %s && exec %s", qdir, args) < 0)
		cmd = NULL;
	free(args);
	if (!cmd)
		return -ENOMEM;
	git_head(s->cfg->repo_dir, commit, sizeof(commit));
	if (s->t->module.ko)
		modinfo_read(s->t->module.ko, &mi, qdir, sizeof(qdir));
	bench_run_begin(s->bench, commit,
			s->module.srcversion[0] ? s->module.srcversion :
						  mi.srcversion);
	s->bench_op = ssh_stream_open(link_session(s->link), cmd,
				      SSH_STREAM_PTY, on_bench_data,
				      on_bench_end, s);
	free(cmd);
	changed(s, SC_BENCH);
	return s->bench_op ? 0 : -EIO;
}

static int start_remote_step(struct session *s, const struct job_step *st)
{
	switch (st->kind) {
	case JOB_DEPLOY:
		return deploy_upload(s->deploy, &s->dm, on_deploy_progress,
				     on_deploy_done, s);
	case JOB_LOAD:
		return deploy_load(s->deploy, &s->dm, on_deploy_done, s);
	case JOB_UNLOAD:
		/*
		 * A reload: the new module is written while the old one
		 * unloads (rmmod waits for RCU grace periods).
		 */
		if (st + 1 < s->job.steps + s->job.nsteps &&
		    st[1].kind == JOB_DEPLOY)
			deploy_prefetch(s->deploy, &s->dm);
		return deploy_unload(s->deploy, &s->dm, st->tolerant,
				     on_deploy_done, s);
	case JOB_BENCH:
		return start_bench(s);
	default:
		return -EINVAL;
	}
}

static bool link_up(const struct session *s)
{
	return s->link && (link_state(s->link) == LINK_UP ||
			   link_state(s->link) == LINK_DEGRADED);
}

static void link_wait_expired(struct loop *loop, void *arg)
{
	struct session *s = arg;
	char msg[512];

	s->wait_timer = 0;
	if (!s->waiting)
		return;
	s->waiting = NULL;
	snprintf(msg, sizeof(msg), "target not reachable: %s",
		 s->link ? link_message(s->link) :
		 s->vm	 ? "the VM did not come up" :
			   "no connection");
	step_done(s, false, msg);
}

static void resume_waiting_step(struct session *s)
{
	const struct job_step *st = s->waiting;
	char msg[128];
	int r;

	if (!st || !link_up(s))
		return;
	s->waiting = NULL;
	loop_cancel_timer(s->loop, s->wait_timer);
	s->wait_timer = 0;
	r = start_remote_step(s, st);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "%s could not start: %s",
			 job_step_name(st->kind), strerror(-r));
		step_done(s, false, msg);
	}
}

static int step_start(void *ctx, const struct job_step *st)
{
	struct session *s = ctx;

	if (s->journal)
		journal_action(s->journal, "%s started",
			       job_step_name(st->kind));
	step_event(s, st);
	if (st->kind == JOB_BUILD)
		return build_start(s->build, s->loop);
	if (link_up(s))
		return start_remote_step(s, st);
	/* Wait for the link (a VM still booting, a tunnel coming back). */
	s->waiting = st;
	s->wait_timer =
		loop_add_timer(s->loop, LINK_WAIT_MS, link_wait_expired, s);
	return 0;
}

static void step_cancel(void *ctx, const struct job_step *st)
{
	struct session *s = ctx;

	if (s->waiting) {
		s->waiting = NULL;
		loop_cancel_timer(s->loop, s->wait_timer);
		s->wait_timer = 0;
	}
	switch (st->kind) {
	case JOB_BUILD:
		build_cancel(s->build);
		break;
	case JOB_BENCH:
		if (s->bench_op)
			ssh_op_cancel(s->bench_op);
		s->bench_op = NULL;
		bench_run_end(s->bench, false, "cancelled");
		break;
	default:
		deploy_cancel(s->deploy);
		break;
	}
	if (s->journal)
		journal_action(s->journal, "%s cancelled",
			       job_step_name(st->kind));
}

static void on_job_change(struct job *job, void *arg)
{
	struct session *s = arg;

	changed(s, SC_JOB);
	if (job->state == JOB_RUNNING) {
		s->job_running = true;
		return;
	}
	if (!s->job_running)
		return;
	/* The job just ended: now (not between steps) ask what is loaded. */
	s->job_running = false;
	schedule_refresh(s);
	if (s->journal)
		journal_action(s->journal, "job %s %s", job->name,
			       job_state_name(job->state));
	if (s->o.on_job_done)
		s->o.on_job_done(s, job, s->o.arg);
}

int session_run(struct session *s, const char *const *words, size_t nwords,
		char *err, size_t errlen)
{
	struct job_step steps[JOB_MAX_STEPS];
	char name[64] = "";
	int n, r;

	n = job_plan(words, nwords, steps, JOB_MAX_STEPS, err, errlen);
	if (n < 0)
		return n;
	for (size_t i = 0; i < nwords; i++) {
		size_t l = strlen(name);

		snprintf(name + l, sizeof(name) - l, "%s%s", l ? "+" : "",
			 words[i]);
	}
	r = job_start(&s->job, name, steps, (size_t)n);
	if (r == -EBUSY)
		snprintf(err, errlen, "a job is running (%s): cancel it first",
			 s->job.name);
	else if (r == 0 && s->journal)
		journal_action(s->journal, "job %s started", name);
	return r;
}

void session_cancel(struct session *s)
{
	job_cancel(&s->job);
}

const struct job *session_job(const struct session *s)
{
	return &s->job;
}

/* --- module state -------------------------------------------------------- */

static void on_module_state(void *arg, int rc, const struct deploy_state *st,
			    const char *msg)
{
	struct session *s = arg;

	if (rc < 0)
		return;
	s->module.state = st->loaded ? MOD_LOADED : MOD_NOT_LOADED;
	s->module.refcnt = st->refcnt;
	s->module.nstats = st->nstats;
	memcpy(s->module.stats, st->stats, sizeof(s->module.stats));
	/* Live stats while idle, for a front end that shows them. */
	if (st->loaded && s->o.module_stats_ms > 0 && !s->refresh_timer)
		s->refresh_timer = loop_add_timer(s->loop, s->o.module_stats_ms,
						  refresh_due, s);
	snprintf(s->module.srcversion, sizeof(s->module.srcversion), "%s",
		 st->srcversion);
	snprintf(s->module.release, sizeof(s->module.release), "%s",
		 st->release);
	changed(s, SC_MODULE);
}

static void refresh_module(struct session *s)
{
	if (link_up(s))
		deploy_query(s->deploy, &s->dm, on_module_state, s);
}

static void refresh_due(struct loop *loop, void *arg)
{
	struct session *s = arg;

	s->refresh_timer = 0;
	/* A job asks when it ends; nothing between its steps. */
	if (s->job.state != JOB_RUNNING)
		refresh_module(s);
}

/* Many module lines in a burst (the backlog on connect) ask once. */
static void schedule_refresh(struct session *s)
{
	if (!s->refresh_timer)
		s->refresh_timer = loop_add_timer(s->loop, 100, refresh_due, s);
}

void session_refresh_module(struct session *s)
{
	refresh_module(s);
}

int64_t session_kmsg_since(const struct session *s)
{
	return s->kmsg_since_usec;
}

int64_t session_kmsg_wall_offset(const struct session *s)
{
	return s->kmsg_wall_offset_us;
}

const char *session_module_stat(const struct session *s, const char *name)
{
	for (size_t i = 0; i < s->module.nstats; i++)
		if (!strcmp(s->module.stats[i].name, name))
			return s->module.stats[i].value;
	return NULL;
}

const struct session_module *session_module(const struct session *s)
{
	return &s->module;
}

/* --- kernel log ----------------------------------------------------------- */

static void on_kmsg_record(const struct kmsg_record *rec, void *arg)
{
	struct session *s = arg;
	char line[KMSG_MAX_LINE + 64];

	if (s->journal && kmsg_format(rec, line, sizeof(line)) >= 0)
		journal_line(s->journal, JOURNAL_KMSG, line);
	/* The module's own lines may mean it was (un)loaded by hand. */
	if ((rec->flags & KMSG_F_MODULE) && s->job.state != JOB_RUNNING)
		schedule_refresh(s);
}

/* "BOOT-ID\nUPTIME IDLE\n" comes first: the boot id tells a reboot
 * from a replay after a reconnect; the uptime where the backlog ends. */
static size_t take_kmsg_head(struct session *s, const char *buf, size_t len)
{
	size_t used = 0;
	char *nl;

	while (used < len && !s->kmsg_head_done) {
		if (s->kmsg_head_len < sizeof(s->kmsg_head) - 1)
			s->kmsg_head[s->kmsg_head_len++] = buf[used];
		used++;
		s->kmsg_head[s->kmsg_head_len] = '\0';
		nl = strchr(s->kmsg_head, '\n');
		if (nl && strchr(nl + 1, '\n'))
			s->kmsg_head_done = true;
	}
	if (s->kmsg_head_done) {
		char id[64];

		snprintf(id, sizeof(id), "%.*s",
			 (int)strcspn(s->kmsg_head, "\r\n"), s->kmsg_head);
		if (id[0])
			kmsg_set_boot_id(s->kmsg, id);
		struct timespec now;
		int64_t up;

		nl = strchr(s->kmsg_head, '\n');
		up = (int64_t)(strtod(nl + 1, NULL) * 1e6);
		/* 50 ms of slack for commands started beside the stream */
		s->kmsg_since_usec = up - 50000;
		/* Per stream: a reboot or a reconnect brings a new uptime. */
		clock_gettime(CLOCK_REALTIME, &now);
		s->kmsg_wall_offset_us =
			(int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 - up;
	}
	return used;
}

static void on_kmsg_data(void *arg, const char *buf, size_t len)
{
	struct session *s = arg;
	size_t used = 0;

	if (!s->kmsg_head_done)
		used = take_kmsg_head(s, buf, len);
	s->kmsg_last_ms = loop_now_ms();
	if (used < len)
		kmsg_feed(s->kmsg, buf + used, len - used);
	if (kmsg_take_dirty(s->kmsg))
		changed(s, SC_KMSG);
}

static void on_kmsg_end(void *arg, int rc, int exit_status, const char *msg)
{
	struct session *s = arg;

	s->kmsg_op = NULL;
	kmsg_flush(s->kmsg);
	changed(s, SC_KMSG);
	if (rc == 0 && exit_status != 0)
		notice(s,
		       "the kernel log stream ended (exit %d): is /dev/kmsg readable? (kmsg.sudo in the config)",
		       exit_status);
}

static void follow_kmsg(struct session *s)
{
	const char *p = s->t->kmsg_sudo ? "sudo -n " : "";
	char *cmd;

	if (!s->o.follow_kmsg || s->kmsg_op)
		return;
	/* dmesg -r -w where /dev/kmsg is not readable (a non-root user). */
	if (asprintf(
		    &cmd,
		    "cat /proc/sys/kernel/random/boot_id /proc/uptime; exec 2>&1; if [ -r /dev/kmsg ]; then exec %scat /dev/kmsg; else exec %sdmesg -r -w; fi",
		    p, p) < 0)
		return;
	kmsg_restart(s->kmsg);
	s->kmsg_head_len = 0;
	s->kmsg_head_done = false;
	s->kmsg_op = ssh_stream_open(link_session(s->link), cmd, SSH_STREAM_PTY,
				     on_kmsg_data, on_kmsg_end, s);
	free(cmd);
}

int64_t session_kmsg_idle_ms(const struct session *s)
{
	if (!s->kmsg_op || !s->kmsg_head_done)
		return -1;
	return loop_now_ms() - s->kmsg_last_ms;
}

/* --- link ------------------------------------------------------------------ */

static void on_link(struct link *l, enum link_state state,
		    enum link_reason reason, const char *msg, void *arg)
{
	struct session *s = arg;
	bool was_up = s->last_link == LINK_UP || s->last_link == LINK_DEGRADED;
	bool up = state == LINK_UP || state == LINK_DEGRADED;

	s->last_link = state;
	if (s->journal && state != LINK_DEGRADED)
		journal_action(s->journal, "link %s%s%s",
			       link_state_name(state),
			       msg && msg[0] ? ": " : "", msg ? msg : "");
	if (up && !was_up) {
		deploy_set_session(s->deploy, link_session(l));
		follow_kmsg(s);
		refresh_module(s);
		resume_waiting_step(s);
	}
	if (!up && was_up) {
		/* Operations on the lost connection failed by themselves. */
		s->kmsg_op = NULL;
	}
	changed(s, SC_LINK);
}

static int start_link(struct session *s, int port, char *err, size_t errlen)
{
	const struct config_ssh *c = &s->t->ssh;
	struct ssh_params sp = {
		.host = c->host,
		.port = port ? port : c->port,
		.user = c->user,
		.known_hosts = c->known_hosts,
		.jump = c->jump_host,
		.use_agent = c->agent,
		.use_ssh_config = c->ssh_config,
		.connect_timeout_ms = c->connect_timeout_ms,
		.reconnect = true,
	};
	struct link_params lp = {
		.probe_interval_ms = c->probe_interval_ms,
		.down_after_ms = c->dead_after_ms,
	};
	size_t n = 0;

	for (size_t i = 0; i < c->identity_files.n && n < SSH_MAX_IDENTITIES;
	     i++) {
		struct stat st;

		/* The ~/.ssh defaults are only tried when present. */
		if (c->identity_default &&
		    stat(c->identity_files.v[i], &st) < 0)
			continue;
		sp.identity[n++] = c->identity_files.v[i];
	}
	sp.identity[n] = NULL;
	link_free(s->link);
	s->link = link_new(s->loop, &sp, &lp, on_link, s, err, errlen);
	if (!s->link)
		return -EINVAL;
	s->last_link = LINK_CONNECTING;
	return link_start(s->link);
}

/* --- VM, serial, console ---------------------------------------------------- */

static void on_vm(struct vm *vm, enum vm_note what, const char *detail,
		  void *arg)
{
	struct session *s = arg;
	char err[256];

	if (s->journal)
		journal_action(s->journal, "vm %s %s",
			       what == VM_NOTE_STAGE ? "stage" :
			       what == VM_NOTE_EVENT ? "event" :
						       "status",
			       detail);
	/* The port is known once QEMU runs; SSH waits for the banner. */
	if (what == VM_NOTE_STAGE && vm_stage(vm) == VM_STAGE_SSH_READY &&
	    (!s->link || link_state(s->link) == LINK_DOWN)) {
		if (!s->link && start_link(s, vm_port(vm), err, sizeof(err)))
			notice(s, "%s", err);
	}
	if (what == VM_NOTE_STAGE && s->waiting &&
	    (vm_stage(vm) == VM_STAGE_FAILED ||
	     vm_stage(vm) == VM_STAGE_EXITED)) {
		char msg[512];

		snprintf(msg, sizeof(msg), "the VM '%s' %s: %s", vm_name(vm),
			 vm_stage(vm) == VM_STAGE_FAILED ? "failed to start" :
							   "exited",
			 vm_error(vm)[0] ? vm_error(vm) : "see its serial.log");
		s->waiting = NULL;
		loop_cancel_timer(s->loop, s->wait_timer);
		s->wait_timer = 0;
		step_done(s, false, msg);
	}
	if (what == VM_NOTE_STAGE && vm_stage(vm) == VM_STAGE_FAILED)
		notice(s, "the VM '%s' failed to start: %s", vm_name(vm),
		       vm_error(vm));
	if (what == VM_NOTE_STAGE && vm_stage(vm) == VM_STAGE_EXITED) {
		/* A restarted VM forwards another port: a new link then. */
		notice(s, "the VM '%s' exited", vm_name(vm));
		link_free(s->link);
		s->link = NULL;
		s->last_link = LINK_DOWN;
		deploy_set_session(s->deploy, NULL);
		s->kmsg_op = NULL;
		changed(s, SC_LINK);
	}
	changed(s, SC_VM);
}

static int make_vm(struct session *s, char *err, size_t errlen)
{
	struct vm_config vc;
	int r = config_target_vm(s->cfg, s->t, &vc, err, errlen);

	if (r < 0)
		return r;
	s->vm = vm_new(s->loop, &vc);
	if (!s->vm) {
		snprintf(err, errlen, "cannot set up the VM '%s'", s->t->name);
		return -ENOMEM;
	}
	vm_set_callback(s->vm, on_vm, s);
	return 0;
}

static void on_serial_data(struct serial *sr, const char *buf, size_t n,
			   void *arg)
{
	struct session *s = arg;

	console_feed(s->console, buf, n);
	changed(s, SC_CONSOLE);
}

/*
 * What the console printed before we connected is in QEMU's log of the
 * chardev (logfile=): shown first, so the boot is on screen even when
 * kmdash attaches to a running VM. Only at the first connect: later the
 * socket carries the same bytes.
 */
static void console_prefill(struct session *s)
{
	char path[PATH_MAX], *buf;
	const char *sock = s->t->serial.socket;
	const char *slash = sock ? strrchr(sock, '/') : NULL;
	struct stat st;
	size_t want;
	ssize_t n;
	int fd;

	if (!s->t->has_vm || !slash)
		return;
	snprintf(path, sizeof(path), "%.*s/serial.log", (int)(slash - sock),
		 sock);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		want = st.st_size > CONSOLE_PREFILL ? CONSOLE_PREFILL :
						      (size_t)st.st_size;
		buf = malloc(want);
		if (buf && lseek(fd, st.st_size - (off_t)want, SEEK_SET) >= 0 &&
		    (n = read(fd, buf, want)) > 0)
			console_feed(s->console, buf, (size_t)n);
		free(buf);
	}
	close(fd);
}

static void on_serial_state(struct serial *sr, enum serial_state st,
			    const char *reason, void *arg)
{
	struct session *s = arg;

	if (st == SERIAL_CONNECTED && serial_connects(sr) == 1)
		console_prefill(s);
	changed(s, SC_CONSOLE);
}

static void console_reply(const char *buf, size_t n, void *arg)
{
	struct session *s = arg;

	if (s->serial)
		serial_write(s->serial, buf, n);
}

static void console_sink(const char *buf, size_t n, void *arg)
{
	struct session *s = arg;

	if (s->journal)
		journal_write(s->journal, JOURNAL_CONSOLE, buf, n);
}

static int make_serial(struct session *s)
{
	const struct config_serial *c = &s->t->serial;
	struct serial_config sc = {
		.kind = c->tty ? SERIAL_TTY : SERIAL_UNIX,
		.path = c->tty ? c->tty : c->socket,
		.baud = c->baud,
	};
	struct console_config cc = {
		.rows = s->o.console_rows,
		.cols = s->o.console_cols,
	};

	s->console = console_new(&cc);
	if (!s->console)
		return -ENOMEM;
	console_set_reply(s->console, console_reply, s);
	console_set_sink(s->console, console_sink, s);
	if (!sc.path)
		return 0;
	s->serial = serial_new(s->loop, &sc);
	if (!s->serial)
		return -ENOMEM;
	serial_set_callbacks(s->serial, on_serial_data, on_serial_state, s);
	return 0;
}

int session_console_write(struct session *s, const void *buf, size_t len)
{
	return s->serial ? serial_write(s->serial, buf, len) : -ENOTCONN;
}

void session_console_resize(struct session *s, int rows, int cols)
{
	if (s->console)
		console_resize(s->console, rows, cols);
}

/* --- life ------------------------------------------------------------------- */

static char *state_path(const struct session *s, const char *file)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *path;

	if (st && st[0] == '/')
		return asprintf(&path, "%s/kmdash/%s/%s", st, s->t->name,
				file) < 0 ?
			       NULL :
			       path;
	if (!home)
		return NULL;
	return asprintf(&path, "%s/.local/state/kmdash/%s/%s", home, s->t->name,
			file) < 0 ?
		       NULL :
		       path;
}

struct session *session_new(struct loop *loop, const struct session_opts *o,
			    char *err, size_t errlen)
{
	struct session *s = calloc(1, sizeof(*s));
	const struct config_target *t;
	struct kmsg_opts ko = { 0 };
	struct build_opts bo = { 0 };
	char *hist;

	if (!s)
		return NULL;
	s->loop = loop;
	s->o = *o;
	s->cfg = o->cfg;
	t = config_target(o->cfg, o->target);
	if (!t) {
		snprintf(err, errlen, "no target named '%s' in %s",
			 o->target ? o->target : "(default)",
			 o->cfg->path ? o->cfg->path : "the configuration");
		free(s);
		return NULL;
	}
	s->t = t;
	s->module.state = MOD_UNKNOWN;
	s->module.refcnt = -1;

	if (o->journal) {
		struct journal_opts jo = { .target = t->name };
		char jerr[256];

		s->journal = journal_open(&jo, jerr, sizeof(jerr));
		if (!s->journal)
			snprintf(s->notice, sizeof(s->notice),
				 "no session journal: %s", jerr);
	}

	ko.module = t->module.name;
	s->kmsg = kmsg_new(&ko);
	s->bench = bench_new(BENCH_HISTORY_RUNS);
	s->deploy = deploy_new(loop, NULL);
	bo.argv = (const char *const *)t->build.argv.v;
	bo.cwd = t->build.dir;
	bo.env = (const char *const *)t->build.env.v;
	bo.sink = on_build_line;
	bo.on_done = on_build_done;
	bo.arg = s;
	s->build = build_new(&bo, err, errlen);
	if (!s->kmsg || !s->bench || !s->deploy || !s->build) {
		session_free(s);
		return NULL;
	}
	kmsg_on_record(s->kmsg, on_kmsg_record, s);

	hist = state_path(s, "bench-history.jsonl");
	if (hist) {
		char *slash;

		snprintf(s->bench_history, sizeof(s->bench_history), "%s",
			 hist);
		/* best effort: a history that cannot be written is reported
		 * when it is written */
		slash = strrchr(s->bench_history, '/');
		if (slash) {
			*slash = '\0';
			fsdir_make(s->bench_history);
			*slash = '/';
		}
		bench_history_load(s->bench, hist);
		free(hist);
	}

	s->dm.name = t->module.name;
	s->dm.ko = t->module.ko;
	s->dm.params = (const char *const *)t->module.params.v;
	s->dm.remote_dir = t->module.remote_dir;
	s->dm.tools[0] = t->module.sebench;
	s->dm.tools[1] = t->module.sectl;
	s->dm.sudo = t->kmsg_sudo;
	s->dm.strip = (const char *const *)t->module.strip.v;
	snprintf(s->stage_dir, sizeof(s->stage_dir), "%s/deploy-%s",
		 s->cfg->runtime_dir, t->name);
	s->dm.stage_dir = s->stage_dir;

	job_init(&s->job, loop,
		 (struct job_runner){ step_start, step_cancel, s });
	s->job.on_change = on_job_change;
	s->job.arg = s;

	if (t->has_vm && make_vm(s, err, errlen) < 0) {
		session_free(s);
		return NULL;
	}
	if (o->serial && make_serial(s) < 0) {
		snprintf(err, errlen, "cannot set up the serial console");
		session_free(s);
		return NULL;
	}
	return s;
}

int session_start(struct session *s, char *err, size_t errlen)
{
	int r;

	if (s->journal)
		journal_action(s->journal, "session started for target %s",
			       s->t->name);
	if (s->serial)
		serial_open(s->serial);
	if (!s->vm)
		return start_link(s, 0, err, errlen);
	/* Take over a running VM (make vm-start's too), else boot it. */
	if (vm_attach(s->vm) == 0 || !s->o.start_vm)
		return 0;
	r = vm_start(s->vm);
	if (r < 0)
		snprintf(err, errlen, "%s", vm_error(s->vm));
	return r;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	job_release(&s->job);
	loop_cancel_timer(s->loop, s->wait_timer);
	loop_cancel_timer(s->loop, s->refresh_timer);
	if (s->bench_op)
		ssh_op_cancel(s->bench_op);
	if (s->kmsg_op)
		ssh_op_cancel(s->kmsg_op);
	deploy_free(s->deploy);
	link_free(s->link);
	build_free(s->build);
	bench_free(s->bench);
	kmsg_free(s->kmsg);
	serial_free(s->serial);
	console_free(s->console);
	vm_free(s->vm);
	if (s->journal) {
		journal_action(s->journal, "session ended");
		journal_close(s->journal);
	}
	free(s);
}

/* --- VM actions ----------------------------------------------------------- */

int session_vm_start(struct session *s, char *err, size_t errlen)
{
	int r;

	if (!s->vm) {
		snprintf(err, errlen, "target '%s' is not a VM", s->t->name);
		return -ENODEV;
	}
	if (vm_attach(s->vm) == 0) {
		snprintf(err, errlen, "the VM '%s' is already running",
			 s->t->name);
		return -EALREADY;
	}
	r = vm_start(s->vm);
	if (r < 0)
		snprintf(err, errlen, "%s", vm_error(s->vm));
	changed(s, SC_VM);
	return r;
}

int session_vm_stop(struct session *s, char *err, size_t errlen)
{
	int r;

	if (!s->vm) {
		snprintf(err, errlen, "target '%s' is not a VM", s->t->name);
		return -ENODEV;
	}
	r = vm_quit(s->vm);
	if (r < 0)
		snprintf(err, errlen, "%s", vm_error(s->vm));
	if (s->link) {
		link_free(s->link);
		s->link = NULL;
		s->last_link = LINK_DOWN;
		deploy_set_session(s->deploy, NULL);
		s->kmsg_op = NULL;
	}
	changed(s, SC_VM | SC_LINK);
	return r;
}

int session_vm_reset(struct session *s, char *err, size_t errlen)
{
	int r;

	if (!s->vm) {
		snprintf(err, errlen, "target '%s' is not a VM", s->t->name);
		return -ENODEV;
	}
	r = vm_reset(s->vm);
	if (r < 0)
		snprintf(err, errlen, "%s", vm_error(s->vm));
	return r;
}

/* --- accessors ------------------------------------------------------------- */

const char *session_name(const struct session *s)
{
	return s->t->name;
}

const struct config_target *session_target(const struct session *s)
{
	return s->t;
}

struct vm *session_vm(const struct session *s)
{
	return s->vm;
}

struct link *session_link(const struct session *s)
{
	return s->link;
}

struct serial *session_serial(const struct session *s)
{
	return s->serial;
}

struct console *session_console(const struct session *s)
{
	return s->console;
}

struct kmsg *session_kmsg(const struct session *s)
{
	return s->kmsg;
}

struct build *session_build(const struct session *s)
{
	return s->build;
}

struct bench *session_bench(const struct session *s)
{
	return s->bench;
}

struct journal *session_journal(const struct session *s)
{
	return s->journal;
}
