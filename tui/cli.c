// SPDX-License-Identifier: GPL-2.0
/*
 * Headless front end over core/session: the same session the dashboard
 * draws, driven to completion and reported as lines of text (or JSON lines
 * with --json, one object per event, for scripts and CI).
 */
#include "tui/cli.h"

#include <cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/module/bench.h"
#include "core/module/build.h"
#include "core/config/config.h"
#include "core/module/diag.h"
#include "core/base/journal.h"
#include "core/module/kmsg.h"
#include "core/ssh/link.h"
#include "core/base/loop.h"
#include "core/session.h"
#include "core/ssh/ssh.h"
#include "core/vm/vm.h"

struct cli {
	const struct cli_global *g;
	struct config *cfg;
	struct loop *loop;
	struct session *s;
	bool tty;
	bool interrupted;
	/* dmesg: the next record to print, and the idle timer */
	uint64_t kmsg_next;
	bool follow;
	enum link_state last_link;
	unsigned resets_before;
	uint64_t idle_timer;
	/* run: the exit status, and when the job ended */
	int rc;
	int64_t job_end_ms;
};

/* --- output ----------------------------------------------------------------- */

static void emit_json(cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);

	if (t) {
		puts(t);
		fflush(stdout);
		free(t);
	}
	cJSON_Delete(o);
}

static void say(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->g->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void event(struct cli *c, const char *kind, const char *k1,
		  const char *v1, const char *k2, const char *v2)
{
	cJSON *o;

	if (!c->g->json)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", kind);
	if (k1)
		cJSON_AddStringToObject(o, k1, v1);
	if (k2)
		cJSON_AddStringToObject(o, k2, v2);
	emit_json(o);
}

struct config *cli_load_config(const struct cli_global *g)
{
	struct config_opts o = { .path = g->config_path };
	static char err[8192];
	struct config *cfg = config_load(&o, err, sizeof(err));

	if (!cfg)
		fprintf(stderr, "kmdash: configuration error:\n%s\n", err);
	return cfg;
}

/* --- the session around a command --------------------------------------------- */

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct cli *c = arg;

	c->interrupted = true;
	if (session_job(c->s)->state == JOB_RUNNING) {
		say(c, "\ninterrupted: cancelling the job\n");
		session_cancel(c->s);
	} else {
		loop_stop(loop);
	}
}

static int open_session(struct cli *c, struct session_opts *so)
{
	char err[512];

	c->loop = loop_new();
	if (!c->loop)
		return 2;
	so->cfg = c->cfg;
	so->target = c->g->target;
	so->arg = c;
	c->s = session_new(c->loop, so, err, sizeof(err));
	if (!c->s) {
		fprintf(stderr, "kmdash: %s\n", err);
		return 2;
	}
	loop_on_signal(c->loop, SIGINT, on_signal, c);
	loop_on_signal(c->loop, SIGTERM, on_signal, c);
	/* Writing to a closed pipe (| head) must end us quietly. */
	signal(SIGPIPE, SIG_DFL);
	if (session_start(c->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash: %s\n", err);
		return 1;
	}
	return 0;
}

static void close_session(struct cli *c)
{
	session_free(c->s);
	loop_free(c->loop);
	c->s = NULL;
	c->loop = NULL;
}

/* Runs the loop until done() says so or timeout_ms passes. */
static bool run_until(struct cli *c, bool (*done)(struct cli *c),
		      int64_t timeout_ms)
{
	int64_t end = loop_now_ms() + timeout_ms;

	while (!done(c) && !c->interrupted) {
		int64_t left = end - loop_now_ms();

		if (left <= 0)
			return false;
		if (loop_run_once(c->loop, left) < 0)
			return false;
	}
	return done(c);
}

/* --- kmdash run ------------------------------------------------------------------ */

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
			say(c, "  %s:%d:%d: %s: %s\n", d->at_src, d->at_line,
			    d->at_col, diag_sev_name(d->sev), d->message);
		else
			say(c, "  %s:%d:%d: %s: %s\n",
			    d->src[0] ? d->src : d->file, d->line, d->col,
			    diag_sev_name(d->sev), d->message);
	}
}

static void on_step(struct session *s, const struct job_step *st, void *arg)
{
	struct cli *c = arg;
	const struct job *job = session_job(s);
	const char *name = job_step_name(st->kind);

	if (st->state == JOB_RUNNING) {
		if (job->total) {
			if (c->tty && !c->g->json)
				say(c, "\r[%s] %llu/%llu KiB", name,
				    (unsigned long long)job->done / 1024,
				    (unsigned long long)job->total / 1024);
			return;
		}
		if (c->g->json) {
			event(c, "step", "step", name, "state", "running");
			return;
		}
		if (st->kind == JOB_BUILD)
			say(c, "[%s] %s\n", name,
			    build_command(session_build(s)));
		else
			say(c, "[%s] ...\n", name);
		return;
	}
	if (c->g->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "step");
		cJSON_AddStringToObject(o, "step", name);
		cJSON_AddStringToObject(o, "state", job_state_name(st->state));
		cJSON_AddNumberToObject(o, "seconds", step_secs(st));
		cJSON_AddStringToObject(o, "message", st->msg);
		if (st->kind == JOB_BUILD) {
			cJSON_AddNumberToObject(o, "errors",
						build_errors(session_build(s)));
			cJSON_AddNumberToObject(
				o, "warnings",
				build_warnings(session_build(s)));
		}
		emit_json(o);
		return;
	}
	if (c->tty && job->total)
		say(c, "\r\033[K");
	say(c, "[%s] %s in %.2f s: %s\n", name, job_state_name(st->state),
	    step_secs(st), st->msg);
	if (st->kind == JOB_BUILD)
		print_diags(c);
}

static void print_kmsg(struct cli *c, bool only_module);

static void on_change(struct session *s, unsigned changes, void *arg)
{
	struct cli *c = arg;

	if (changes & SC_KMSG)
		print_kmsg(c, true);
}

static void on_job_done(struct session *s, const struct job *job, void *arg)
{
	struct cli *c = arg;

	c->rc = job->state == JOB_OK ? 0 : 1;
}

static bool job_over(struct cli *c)
{
	enum job_state st = session_job(c->s)->state;

	return st != JOB_RUNNING && st != JOB_IDLE;
}

static void print_bench_summary(struct cli *c)
{
	const struct bench_run *r = bench_latest(session_bench(c->s));

	if (!r || !r->has_summary || c->g->json)
		return;
	say(c, "  %s\n", r->workload);
	say(c, "  ops/s: get %.0f  put %.0f  del %.0f  total %.0f\n",
	    r->summary[BM_GET], r->summary[BM_PUT], r->summary[BM_DEL],
	    r->summary[BM_TOTAL]);
	say(c, "  latency per call: p50 %.2f us  p99 %.2f us  p999 %.2f us\n",
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
	int64_t idle = session_kmsg_idle_ms(c->s);
	int64_t since_end = loop_now_ms() - c->job_end_ms;

	if (idle < 0)
		return !session_link(c->s);
	return (idle < since_end ? idle : since_end) >= 150;
}

static int cmd_run(struct cli *c, int argc, char **argv)
{
	struct session_opts so = {
		.start_vm = true,
		.follow_kmsg = true,
		.journal = true,
		.on_step = on_step,
		.on_change = on_change,
		.on_job_done = on_job_done,
	};
	char err[512];
	enum job_step_kind last;
	int r;

	if (argc < 1) {
		fprintf(stderr,
			"usage: kmdash run [--json] STEP...  (build deploy load unload reload bench cycle)\n");
		return 2;
	}
	r = open_session(c, &so);
	if (r)
		return r;
	if (session_run(c->s, (const char *const *)argv, (size_t)argc, err,
			sizeof(err)) < 0) {
		fprintf(stderr, "kmdash run: %s\n", err);
		return 2;
	}
	c->rc = 1;
	run_until(c, job_over, INT64_MAX / 2);
	c->job_end_ms = loop_now_ms();
	last = session_job(c->s)->steps[session_job(c->s)->nsteps - 1].kind;
	/* Kernel lines of the module that came with a (un)load. */
	if (last == JOB_LOAD || last == JOB_UNLOAD)
		run_until(c, kmsg_quiet, 2000);
	print_kmsg(c, true);
	if (last == JOB_BENCH && c->rc == 0)
		print_bench_summary(c);
	if (c->g->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "done");
		cJSON_AddStringToObject(
			o, "state", job_state_name(session_job(c->s)->state));
		cJSON_AddNumberToObject(o, "exit", c->rc);
		emit_json(o);
	} else {
		say(c, "%s %s\n", session_job(c->s)->name,
		    c->rc == 0	   ? "succeeded" :
		    c->interrupted ? "cancelled" :
				     "failed");
	}
	if (session_journal(c->s))
		say(c, "journal: %s\n", journal_dir(session_journal(c->s)));
	return c->interrupted && c->rc ? 130 : c->rc;
}

/* --- kmdash dmesg ------------------------------------------------------------------ */

static void print_record(struct cli *c, const struct kmsg_record *rec)
{
	char line[KMSG_MAX_LINE + 64];

	if (c->g->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "kmsg");
		/* A marker is kmdash's note, not a kernel record. */
		if (!(rec->flags & KMSG_F_MARKER)) {
			cJSON_AddNumberToObject(o, "seq", (double)rec->seq);
			cJSON_AddNumberToObject(o, "usec", (double)rec->usec);
		}
		cJSON_AddStringToObject(o, "level",
					kmsg_level_name(rec->level));
		cJSON_AddStringToObject(o, "text", rec->text);
		if (rec->flags & KMSG_F_LOST)
			cJSON_AddStringToObject(o, "marker", "lost");
		if (rec->flags & KMSG_F_REBOOT)
			cJSON_AddStringToObject(o, "marker", "reboot");
		emit_json(o);
		return;
	}
	if (kmsg_format(rec, line, sizeof(line)) >= 0)
		say(c, "%s\n", line);
}

static void print_kmsg(struct cli *c, bool only_module)
{
	struct kmsg *k = session_kmsg(c->s);
	struct kmsg_record rec;

	if (c->kmsg_next < kmsg_first(k))
		c->kmsg_next = kmsg_first(k);
	for (; c->kmsg_next < kmsg_end(k); c->kmsg_next++) {
		if (!kmsg_get(k, c->kmsg_next, &rec))
			continue;
		/* run: only the module's news, not the replayed backlog */
		if (only_module && (!(rec.flags & (KMSG_F_MODULE | KMSG_F_OOPS |
						   KMSG_F_MARKER)) ||
				    !session_kmsg_since(c->s) ||
				    rec.usec < session_kmsg_since(c->s)))
			continue;
		if (only_module && !c->g->json)
			say(c, "  kernel: ");
		print_record(c, &rec);
	}
}

static void dmesg_idle(struct loop *loop, void *arg)
{
	struct cli *c = arg;

	c->idle_timer = 0;
	loop_stop(loop);
}

/* A following reader wants to know when the log may have a hole. */
static void print_link_change(struct cli *c)
{
	struct link *l = session_link(c->s);
	enum link_state st = l ? link_state(l) : LINK_DOWN;

	if (st == c->last_link || st == LINK_DEGRADED)
		return;
	c->last_link = st;
	if (c->g->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "link");
		cJSON_AddStringToObject(o, "state", link_state_name(st));
		cJSON_AddStringToObject(o, "reason", l ? link_message(l) : "");
		emit_json(o);
	} else {
		say(c, "-- link %s%s%s --\n", link_state_name(st),
		    l && link_message(l)[0] ? ": " : "",
		    l ? link_message(l) : "");
	}
}

static void on_dmesg_change(struct session *s, unsigned changes, void *arg)
{
	struct cli *c = arg;

	if ((changes & SC_LINK) && c->follow)
		print_link_change(c);
	if (!(changes & SC_KMSG))
		return;
	print_kmsg(c, false);
	/* One-shot: the buffer is dumped at once; stop when it pauses. */
	if (!c->follow) {
		loop_cancel_timer(c->loop, c->idle_timer);
		c->idle_timer = loop_add_timer(c->loop, 400, dmesg_idle, c);
	}
}

static int cmd_dmesg(struct cli *c, int argc, char **argv)
{
	struct session_opts so = {
		.follow_kmsg = true,
		.on_change = on_dmesg_change,
	};

	c->last_link = LINK_CONNECTING;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")) {
			c->follow = true;
		} else {
			fprintf(stderr, "usage: kmdash dmesg [-f]\n");
			return 2;
		}
	}
	r = open_session(c, &so);
	if (r)
		return r;
	if (!c->follow)
		/* Nothing at all within the connect time: give up. */
		c->idle_timer = loop_add_timer(
			c->loop,
			session_target(c->s)->ssh.connect_timeout_ms + 15000,
			dmesg_idle, c);
	loop_run(c->loop);
	if (kmsg_end(session_kmsg(c->s)) == 0 && !c->interrupted) {
		struct link *l = session_link(c->s);

		fprintf(stderr, "kmdash dmesg: no kernel log from %s: %s\n",
			session_name(c->s),
			l ? link_message(l) : "not connected");
		return 1;
	}
	return 0;
}

/* --- status / check ------------------------------------------------------------------ */

static bool link_settled(struct cli *c)
{
	struct link *l = session_link(c->s);
	struct vm *vm = session_vm(c->s);

	if (vm && !l)
		return vm_stage(vm) == VM_STAGE_OFF ||
		       vm_stage(vm) == VM_STAGE_EXITED ||
		       vm_stage(vm) == VM_STAGE_FAILED;
	if (!l)
		return true;
	return link_state(l) == LINK_UP || link_state(l) == LINK_DOWN;
}

static bool module_known(struct cli *c)
{
	struct link *l = session_link(c->s);

	return !l || link_state(l) != LINK_UP ||
	       session_module(c->s)->state != MOD_UNKNOWN;
}

static const char *module_text(const struct session_module *m, char *buf,
			       size_t cap)
{
	switch (m->state) {
	case MOD_LOADED:
		snprintf(buf, cap, "loaded (refcnt %d%s%s)", m->refcnt,
			 m->srcversion[0] ? ", srcversion " : "",
			 m->srcversion);
		return buf;
	case MOD_NOT_LOADED:
		return "not loaded";
	default:
		return "unknown (target not reachable)";
	}
}

static int report(struct cli *c, bool check)
{
	const struct config_target *t = session_target(c->s);
	struct link *l = session_link(c->s);
	struct vm *vm = session_vm(c->s);
	struct link_stats ls = { 0 };
	const struct bench_run *br = bench_latest(session_bench(c->s));
	char modbuf[160];
	const char *mod;
	bool ok = l && link_state(l) == LINK_UP;

	if (l)
		link_stats(l, &ls);
	mod = module_text(session_module(c->s), modbuf, sizeof(modbuf));
	if (c->g->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "target", t->name);
		cJSON_AddStringToObject(o, "config",
					c->cfg->path ? c->cfg->path : "");
		if (vm)
			cJSON_AddStringToObject(o, "vm",
						vm_stage_name(vm_stage(vm)));
		cJSON_AddStringToObject(
			o, "link", l ? link_state_name(link_state(l)) : "none");
		cJSON_AddStringToObject(o, "reason", l ? link_message(l) : "");
		cJSON_AddNumberToObject(o, "rtt_us", ls.last_rtt_us);
		cJSON_AddStringToObject(o, "module", mod);
		emit_json(o);
		return ok ? 0 : 1;
	}
	say(c, "target    %s (%s)\n", t->name,
	    c->cfg->path ? c->cfg->path : "no config file: built-in default");
	if (check)
		say(c, "config    ok\n");
	if (vm)
		say(c, "vm        %s%s%s (pid %d, port %d)\n",
		    vm_stage_name(vm_stage(vm)), vm_error(vm)[0] ? ": " : "",
		    vm_error(vm), (int)vm_pid(vm), vm_port(vm));
	if (l) {
		say(c, "ssh       %s\n", ssh_session_target(link_session(l)));
		say(c, "link      %s%s%s\n", link_state_name(link_state(l)),
		    link_message(l)[0] ? ": " : "", link_message(l));
		if (check)
			say(c, "host key  %s\n",
			    ssh_session_why(link_session(l)) ==
					    SSH_E_HOSTKEY_UNKNOWN ?
				    "UNKNOWN (kmdash trust)" :
			    ssh_session_why(link_session(l)) ==
					    SSH_E_HOSTKEY_CHANGED ?
				    "CHANGED (refused)" :
			    ok ? "verified" :
				 "not checked");
		if (ls.last_rtt_us >= 0 && ok)
			say(c, "rtt       %.2f ms\n", ls.last_rtt_us / 1000.0);
	} else {
		say(c, "link      none (%s)\n",
		    vm ? "the VM is not running: kmdash vm start" :
			 "not connected");
	}
	say(c, "module    %s %s\n", t->module.name, mod);
	if (br && br->has_summary)
		say(c, "bench     last run: %s, %.0f ops/s, p99 %.2f us\n",
		    br->engine, br->summary[BM_TOTAL], br->summary[BM_P99]);
	return ok ? 0 : 1;
}

static int cmd_status(struct cli *c, bool check)
{
	struct session_opts so = { 0 };
	int r = open_session(c, &so);
	int64_t wait;

	if (r)
		return r;
	wait = session_target(c->s)->ssh.connect_timeout_ms + 2000;
	run_until(c, link_settled, wait);
	run_until(c, module_known, 5000);
	return report(c, check);
}

/* --- vm --------------------------------------------------------------------------- */

static bool vm_ready_or_dead(struct cli *c)
{
	enum vm_stage st = vm_stage(session_vm(c->s));

	return st == VM_STAGE_SSH_READY || st == VM_STAGE_EXITED ||
	       st == VM_STAGE_FAILED;
}

static bool vm_gone(struct cli *c)
{
	enum vm_stage st = vm_stage(session_vm(c->s));

	return st == VM_STAGE_EXITED || st == VM_STAGE_OFF ||
	       st == VM_STAGE_FAILED;
}

static bool vm_was_reset(struct cli *c)
{
	return vm_resets(session_vm(c->s)) > c->resets_before;
}

static int cmd_vm(struct cli *c, int argc, char **argv)
{
	struct session_opts so = { 0 };
	char err[512];
	struct vm *vm;
	int r;

	if (argc != 1) {
		fprintf(stderr, "usage: kmdash vm start|stop|reset|status\n");
		return 2;
	}
	r = open_session(c, &so);
	if (r)
		return r;
	vm = session_vm(c->s);
	if (!vm) {
		fprintf(stderr, "kmdash vm: target '%s' is not a VM\n",
			session_name(c->s));
		return 2;
	}
	if (!strcmp(argv[0], "status")) {
		if (vm_stage(vm) == VM_STAGE_OFF ||
		    vm_stage(vm) == VM_STAGE_FAILED) {
			say(c, "VM %s: not running\n", session_name(c->s));
			return 1;
		}
		say(c, "VM %s: running, pid %d, ssh port %d, runtime %s\n",
		    session_name(c->s), (int)vm_pid(vm), vm_port(vm),
		    vm_dir(vm));
		return 0;
	}
	if (!strcmp(argv[0], "start")) {
		if (session_vm_start(c->s, err, sizeof(err)) < 0) {
			fprintf(stderr, "kmdash vm start: %s\n", err);
			return 1;
		}
		say(c, "booting %s (pid %d, ssh port %d)\n", session_name(c->s),
		    (int)vm_pid(vm), vm_port(vm));
		if (!run_until(c, vm_ready_or_dead, 90000) ||
		    vm_stage(vm) != VM_STAGE_SSH_READY) {
			fprintf(stderr,
				"kmdash vm start: %s (console log: %s/serial.log)\n",
				vm_error(vm)[0] ? vm_error(vm) :
						  "no SSH within 90 s",
				vm_dir(vm));
			return 1;
		}
		say(c,
		    "ready after %.1f s\nconnect: ssh -F %s/ssh_config kmdash-target\n",
		    vm_stage_ms(vm, VM_STAGE_SSH_READY) / 1000.0, vm_dir(vm));
		return 0;
	}
	if (vm_stage(vm) == VM_STAGE_OFF || vm_stage(vm) == VM_STAGE_FAILED) {
		if (!strcmp(argv[0], "stop")) {
			say(c, "VM %s is not running\n", session_name(c->s));
			return 0;
		}
		fprintf(stderr, "kmdash vm %s: VM %s is not running\n", argv[0],
			session_name(c->s));
		return 1;
	}
	if (!strcmp(argv[0], "stop")) {
		if (session_vm_stop(c->s, err, sizeof(err)) < 0) {
			fprintf(stderr, "kmdash vm stop: %s\n", err);
			return 1;
		}
		run_until(c, vm_gone, 15000);
		say(c, "VM %s stopped\n", session_name(c->s));
		return 0;
	}
	if (!strcmp(argv[0], "reset")) {
		unsigned before = vm_resets(vm);

		if (session_vm_reset(c->s, err, sizeof(err)) < 0) {
			fprintf(stderr, "kmdash vm reset: %s\n", err);
			return 1;
		}
		c->resets_before = before;
		if (!run_until(c, vm_was_reset, 10000)) {
			fprintf(stderr,
				"kmdash vm reset: QEMU did not confirm the reset within 10 s%s%s\n",
				vm_error(vm)[0] ? ": " : "", vm_error(vm));
			return 1;
		}
		say(c, "%s reset; it is booting again\n", session_name(c->s));
		return 0;
	}
	fprintf(stderr, "usage: kmdash vm start|stop|reset|status\n");
	return 2;
}

/* --- trust -------------------------------------------------------------------------- */

static int cmd_trust(struct cli *c, int argc, char **argv)
{
	struct session_opts so = { 0 };
	struct cli_global g = *c->g;
	char type[32], fp[KH_FP_LEN], err[512], answer[16] = "";
	bool yes = false;
	struct ssh_session *ss;
	struct link *l;
	FILE *tty;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--yes"))
			yes = true;
		else
			g.target = argv[i];
	}
	c->g = &g;
	r = open_session(c, &so);
	if (r)
		return r;
	run_until(c, link_settled,
		  session_target(c->s)->ssh.connect_timeout_ms + 2000);
	l = session_link(c->s);
	if (!l) {
		fprintf(stderr,
			"kmdash trust: %s is not reachable (is its VM running?)\n",
			session_name(c->s));
		return 1;
	}
	ss = link_session(l);
	if (link_state(l) == LINK_UP) {
		say(c, "the host key of %s is already trusted\n",
		    ssh_session_target(ss));
		return 0;
	}
	if (ssh_session_why(ss) != SSH_E_HOSTKEY_UNKNOWN ||
	    ssh_session_presented_key(ss, type, sizeof(type), fp) < 0) {
		fprintf(stderr, "kmdash trust: %s\n", link_message(l));
		return 1;
	}
	printf("The host %s presents a key not in known_hosts:\n  %s %s\n",
	       ssh_session_target(ss), type, fp);
	if (!yes) {
		tty = fopen("/dev/tty", "r+e");
		if (!tty) {
			fprintf(stderr,
				"kmdash trust: no terminal to confirm on; compare the fingerprint and run 'kmdash trust %s --yes'\n",
				session_name(c->s));
			return 1;
		}
		fprintf(tty,
			"Compare it with the target's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the board).\nTrust it? [y/N] ");
		fflush(tty);
		if (!fgets(answer, sizeof(answer), tty))
			answer[0] = '\0';
		fclose(tty);
		if (answer[0] != 'y' && answer[0] != 'Y') {
			printf("not trusted\n");
			return 1;
		}
	}
	if (ssh_trust_host_key(ss, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash trust: %s\n", err);
		return 1;
	}
	printf("trusted: %s\n", err[0] ? err : fp);
	return 0;
}

/* --- dispatch --------------------------------------------------------------------- */

int cli_main(const struct cli_global *g, int argc, char **argv)
{
	struct cli c = { .g = g, .tty = isatty(STDOUT_FILENO) };
	int r;

	if (argc >= 1 && !strcmp(argv[0], "config")) {
		if (argc != 2 || strcmp(argv[1], "--print")) {
			fprintf(stderr, "usage: kmdash config --print\n");
			return 2;
		}
		c.cfg = cli_load_config(g);
		if (!c.cfg)
			return 2;
		char *text = config_print(c.cfg);

		if (text)
			puts(text);
		free(text);
		config_free(c.cfg);
		return 0;
	}
	c.cfg = cli_load_config(g);
	if (!c.cfg)
		return 2;
	if (!strcmp(argv[0], "run"))
		r = cmd_run(&c, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "dmesg"))
		r = cmd_dmesg(&c, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "status"))
		r = cmd_status(&c, false);
	else if (!strcmp(argv[0], "check"))
		r = cmd_status(&c, true);
	else if (!strcmp(argv[0], "vm"))
		r = cmd_vm(&c, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "trust"))
		r = cmd_trust(&c, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "decode"))
		r = cli_decode(g, c.cfg, argc, argv);
	else {
		fprintf(stderr,
			"kmdash: unknown command '%s' (kmdash --help)\n",
			argv[0]);
		r = 2;
	}
	if (c.s)
		close_session(&c);
	config_free(c.cfg);
	return r;
}
