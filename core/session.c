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
#include "core/session_int.h"

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

#include "core/module/actionlog.h"
#include "core/module/bench.h"
#include "core/module/benchjob.h"
#include "core/module/build.h"
#include "core/module/crash.h"
#include "core/config/config.h"
#include "core/console/console.h"
#include "core/module/deploy.h"
#include "core/module/gdbinit.h"
#include "core/module/gdbprep.h"
#include "core/base/fsdir.h"
#include "core/base/journal.h"
#include "core/module/kmsg.h"
#include "core/ssh/link.h"
#include "core/base/loop.h"
#include "core/module/modinfo.h"
#include "core/base/quote.h"
#include "core/base/strutil.h"
#include "core/console/serial.h"
#include "core/ssh/ssh.h"
#include "core/vm/vm.h"

/* How long a step waits for a VM that boots before it fails. */
#define LINK_WAIT_MS 90000
/*
 * A step waits for one connection attempt, which ends within the connect
 * timeout: this much more before the step gives up on it all the same.
 */
#define ATTEMPT_GRACE_MS 1000
/*
 * After a remote step, its mark in the kernel log comes back by the
 * stream in milliseconds; a stream that lags this much is not waited for.
 */
#define SETTLE_MAX_MS 2000
/* Without a mark (no right to write /dev/kmsg): the log quiet this long. */
#define SETTLE_QUIET_MS 150
/*
 * A step that failed with its connection waits this long for the link to
 * say why (the first reconnect comes after 250 ms): "tunnel port closed"
 * is what the user can act on, "connection lost" is not.
 */
#define LOST_VERDICT_MS 3000
#define MARK_PREFIX "kmdash: mark "
/* Runs and sets kept in memory (the history file keeps them all). */
#define BENCH_HISTORY_RUNS 600
#define BENCH_HISTORY_SETS 200
/* Actions the dashboard's action log shows, at most. */
#define ACTIONLOG_MAX 500
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
	struct ssh_session *ssh;
	/* each attempt's end, for a step that waits for one */
	struct ssh_watch *ssh_watch;
	struct link *link; /* probes ssh */
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
	struct benchjob *benchjob;
	/* the command line's bench options, over the config's */
	struct bench_opts bench_over;
	char bench_sweep[96], bench_workload[8], bench_dist[16];
	/* the VM was halted while the benchmark ran: its figures are off */
	bool bench_halted;
	char bench_history[PATH_MAX];
	struct actionlog *alog;
	struct job job;
	struct journal *journal;
	struct session_module module;
	struct crash *crash;
	char ko_store[PATH_MAX];
	struct gdbprep *gdb; /* made at the first use */
	session_gdb_fn gdb_fn;
	void *gdb_arg;

	/* crashes after this mark fail the running step */
	uint64_t step_mark;
	/* a remote step ended: its result waits for the kernel log */
	bool settling;
	bool settle_ok;
	enum moderr settle_kind; /* a deploy/load/unload step's failure */
	char settle_msg[1024];
	/*
	 * "kmdash: mark 5f3a9c01-3": this session's own (the log replays
	 * every other session's marks too), and the step's number.
	 */
	uint32_t mark_nonce;
	unsigned mark_seq;
	char mark[48];
	/* the mark the load/unload wrote itself came back before its answer */
	bool mark_seen;
	uint64_t settle_timer;
	int64_t settle_start_ms;
	/* the first stream of this boot says where its backlog ends */
	bool live_since_set;

	bool job_running;
	uint64_t refresh_timer;
	/* the live stats (session_opts.module_stats_ms) */
	uint64_t stats_timer;
	int stats_backoff;
	bool stats_hidden;

	/* a step waiting for the link */
	const struct job_step *waiting;
	uint64_t wait_timer;

	char notice[512];
	struct swatch *watch; /* watch mode (core/session_watch.c) */
};

static void changed(struct session *s, unsigned what)
{
	if (s->o.on_change)
		s->o.on_change(s, what, s->o.arg);
}

void session_changed(struct session *s, unsigned changes)
{
	changed(s, changes);
}

struct swatch *session_swatch(const struct session *s)
{
	return s->watch;
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

static int refresh_module(struct session *s);
static void follow_kmsg(struct session *s);
static void schedule_refresh(struct session *s);
static void refresh_due(struct loop *loop, void *arg);

static void step_settle(struct session *s, bool ok, const char *msg);
static bool link_up(const struct session *s);

/*
 * A rmmod that fails "in use" after a crash: the crash is why (not a
 * process to close), and a reboot the way out.
 */
static void explain_stuck(struct session *s, char *msg, size_t cap)
{
	snprintf(
		msg, cap,
		"%s is in use: the task killed in the %s at %.1f s never released it, so it stays until a reboot: %s",
		s->t->module.name, trace_kind_name(s->module.crash_kind),
		(double)s->module.crash_usec / 1e6,
		session_can_reset(s) ?
			"press R to reset the VM" :
			"reboot the board (kmdash has no power control for it)");
}

static void gdb_module_moved(struct session *s, bool loaded);

static void on_deploy_done(void *arg, int rc, enum moderr kind, const char *msg)
{
	struct session *s = arg;
	const struct job_step *st = &s->job.steps[s->job.cur];
	char text[1024], id[KO_ID_MAX + 1], err[256];

	snprintf(text, sizeof(text), "%s", msg);
	if (rc == 0 && st->kind == JOB_DEPLOY && s->crash &&
	    crash_keep_ko(s->crash, s->dm.ko, id, err, sizeof(err)) < 0)
		notice(s, "the deployed .ko is not kept for decoding: %s", err);
	/* a trace from now on decodes against what the kernel took */
	if (st->kind == JOB_LOAD)
		crash_set_loaded_id(s->crash, deploy_loaded_id(s->deploy));
	if (rc == 0 && st->kind == JOB_UNLOAD)
		crash_set_loaded_id(s->crash, "");
	if (rc == 0 && (st->kind == JOB_LOAD || st->kind == JOB_UNLOAD))
		gdb_module_moved(s, st->kind == JOB_LOAD);
	if (rc == 0 && st->kind == JOB_LOAD) {
		/* loaded now, not at the next query */
		s->module.state = MOD_LOADED;
		s->module.crashed = false;
		snprintf(s->module.build_id, sizeof(s->module.build_id), "%s",
			 deploy_loaded_id(s->deploy));
		changed(s, SC_MODULE);
	}
	/* gone now (or it never was there): not at the next query either */
	if (st->kind == JOB_UNLOAD && (rc == 0 || kind == MODERR_NOT_LOADED)) {
		s->module.state = MOD_NOT_LOADED;
		s->module.refcnt = -1;
		s->module.crashed = false;
		s->module.build_id[0] = '\0';
		changed(s, SC_MODULE);
	}
	/* the crash that explains "in use" may come with the log: at judging */
	s->settle_kind = kind;
	if (kind == MODERR_STUCK)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 ": c cancels%s",
			 session_can_reset(s) ? ", R resets the VM" :
						"; reboot the board");
	step_settle(s, rc == 0, text);
}

/* --- a step's verdict: what it did, and what the kernel said meanwhile ---- */

static bool remote_step(const struct job_step *st)
{
	return st->kind != JOB_BUILD;
}

static void settle_stop(struct session *s)
{
	loop_cancel_timer(s->loop, s->settle_timer);
	s->settle_timer = 0;
	s->settling = false;
}

/* The running bench measured nothing whole: never a baseline. */
static void bench_fail(struct session *s, const char *why)
{
	benchjob_cancel(s->benchjob);
	benchjob_finish(s->benchjob, false, why, s->bench_history);
}

/* The bench step's verdict: its set ends and goes to the history. */
static void bench_finish(struct session *s, bool ok, const char *why)
{
	benchjob_finish(s->benchjob, ok, why, s->bench_history);
}

/* Fails the running step with a crash: "kernel oops in ... at ...". */
static void fail_by_crash(struct session *s, const struct crash_event *ev)
{
	const struct job_step *st = &s->job.steps[s->job.cur];
	char what[768], why[1024];

	crash_describe(ev, s->t->module.name, what, sizeof(what));
	snprintf(why, sizeof(why), "%s%s",
		 st->kind == JOB_LOAD && ev->ours   ? "module init crashed: " :
		 st->kind == JOB_UNLOAD && ev->ours ? "module exit crashed: " :
						      "",
		 what);
	if (st->kind == JOB_BENCH)
		bench_fail(s, why);
	step_done(s, false, why);
}

/*
 * Why a board stopped answering, as the link found out reconnecting: the
 * way to it (a VM says for itself why it went), or NULL while unknown.
 */
static const char *path_verdict(const struct session *s)
{
	if (s->vm || !s->link || link_up(s))
		return NULL;
	switch (link_reason(s->link)) {
	case LINK_R_TUNNEL_CLOSED:
	case LINK_R_BOARD_GONE:
	case LINK_R_UNREACHABLE:
	case LINK_R_JUMP:
		return link_reason_text(link_reason(s->link));
	default:
		return NULL;
	}
}

/* The step failed with the connection, and the link has not said why. */
static bool lost_unexplained(const struct session *s)
{
	return !s->settle_ok && !s->vm && s->link && !link_up(s) &&
	       !path_verdict(s) && link_reason(s->link) == LINK_R_LOST &&
	       loop_target_now_ms(s->loop) - s->settle_start_ms <
		       LOST_VERDICT_MS;
}

static void step_judge(struct session *s)
{
	const struct job_step *st = &s->job.steps[s->job.cur];
	const struct crash_event *ev;
	unsigned warnings = 0;
	char msg[1024];

	settle_stop(s);
	ev = crash_since(s->crash, s->step_mark, &warnings);
	if (ev && ev->trace.kind != TRACE_WARNING) {
		fail_by_crash(s, ev);
		return;
	}
	if (st->kind == JOB_BENCH)
		bench_finish(s, s->settle_ok,
			     s->settle_ok ? "" : s->settle_msg);
	snprintf(msg, sizeof(msg), "%s", s->settle_msg);
	/* the connection went: why, as the link found out reconnecting */
	if (!s->settle_ok && path_verdict(s))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 "; link %s [%s]: %s",
			 link_state_name(link_state(s->link)), path_verdict(s),
			 link_message(s->link));
	if (st->kind == JOB_UNLOAD && s->settle_kind == MODERR_IN_USE &&
	    s->module.crashed)
		explain_stuck(s, msg, sizeof(msg));
	if (warnings && ev) {
		char what[512];

		crash_describe(ev, s->t->module.name, what, sizeof(what));
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 ", with %u kernel warning%s (%s)", warnings,
			 warnings == 1 ? "" : "s", what);
		s->job.steps[s->job.cur].warnings = warnings;
	}
	step_done(s, s->settle_ok, msg);
}

static void settle_expired(struct loop *loop, void *arg)
{
	struct session *s = arg;

	s->settle_timer = 0;
	/* a console block still waiting for its twin decides first */
	if ((crash_pending(s->crash) &&
	     loop_target_now_ms(s->loop) - s->settle_start_ms <
		     SETTLE_MAX_MS) ||
	    lost_unexplained(s)) {
		s->settle_timer =
			loop_add_target_timer(s->loop, 50, settle_expired, s);
		return;
	}
	step_judge(s);
}

/* A new mark in s->mark, not seen yet. */
static void next_mark(struct session *s)
{
	snprintf(s->mark, sizeof(s->mark), MARK_PREFIX "%08x-%u", s->mark_nonce,
		 ++s->mark_seq);
	s->mark_seen = false;
}

static void on_mark_written(void *arg, int rc)
{
	struct session *s = arg;

	if (!s->settling || rc == 0)
		return;
	/* no right to write the log: wait for it to be quiet instead */
	loop_cancel_timer(s->loop, s->settle_timer);
	s->settle_timer = loop_add_target_timer(s->loop, SETTLE_QUIET_MS,
						settle_expired, s);
}

/*
 * A remote step ended. Its verdict waits until the kernel log has caught
 * up with it: kmdash writes a mark into /dev/kmsg, and once the stream
 * brings the mark back, every record the kernel wrote during the step is
 * here (an oops prints before its task dies).
 */
static void step_settle(struct session *s, bool ok, const char *msg)
{
	/* the load or unload wrote the mark itself, once it returned */
	int pre = s->dm.mark ? deploy_op_mark(s->deploy) : 0;
	char text[64];

	s->dm.mark = NULL;
	s->settle_ok = ok;
	snprintf(s->settle_msg, sizeof(s->settle_msg), "%s", msg);
	s->settling = true;
	s->settle_start_ms = loop_target_now_ms(s->loop);
	if (pre > 0 && s->mark_seen) {
		/* back already: what the log said before it is all here */
		crash_stream_quiet(s->crash);
		if (crash_pending(s->crash))
			s->settle_timer = loop_add_target_timer(
				s->loop, 50, settle_expired, s);
		else
			step_judge(s);
		return;
	}
	if (pre > 0) {
		s->settle_timer = loop_add_target_timer(s->loop, SETTLE_MAX_MS,
							settle_expired, s);
		return;
	}
	if (pre == -EACCES) {
		on_mark_written(s, pre);
		return;
	}
	/*
	 * The mark comes back by the stream even when the stream starts
	 * after it was written: /dev/kmsg replays its buffer.
	 */
	if (s->o.follow_kmsg && link_up(s)) {
		next_mark(s);
		snprintf(text, sizeof(text), "%s", s->mark);
		if (deploy_kmsg_mark(s->deploy, &s->dm, text, on_mark_written,
				     s) == 0) {
			s->settle_timer = loop_add_target_timer(
				s->loop, SETTLE_MAX_MS, settle_expired, s);
			return;
		}
	}
	if (crash_pending(s->crash) || lost_unexplained(s)) {
		s->settle_timer =
			loop_add_target_timer(s->loop, 50, settle_expired, s);
		return;
	}
	step_judge(s);
}

/* --- the action log ------------------------------------------------------ */

/* How a user's shell reaches the target (ssh -F the VM's ssh_config). */
static void target_reach(const struct session *s, struct action_ssh *r,
			 char *cfg, size_t cap)
{
	const struct config_ssh *c = &s->t->ssh;

	memset(r, 0, sizeof(*r));
	r->sudo = s->t->kmsg_sudo;
	if (s->vm && vm_dir(s->vm)[0]) {
		snprintf(cfg, cap, "%s/ssh_config", vm_dir(s->vm));
		r->ssh_config = cfg;
		return;
	}
	r->host = c->host;
	r->port = c->port == 22 ? 0 : c->port;
	r->user = c->user;
	r->jump = c->jump_host;
	r->known_hosts = c->known_hosts;
	if (c->identity_files.n && !c->identity_default)
		r->identity = c->identity_files.v[0];
}

static void log_action(struct session *s, enum action_kind k, const char *what,
		       const char *command, const char *qmp)
{
	const struct action_entry *e;

	if (!command)
		return;
	e = actionlog_add(s->alog, k, what, command, qmp);
	if (!e)
		return;
	if (s->journal)
		journal_action(s->journal, "action %s: %s%s%s",
			       action_kind_name(k), command,
			       qmp ? " # QMP " : "", qmp ? qmp : "");
	if (s->o.on_action)
		s->o.on_action(s, e, s->o.arg);
	changed(s, SC_ACTIONS);
}

/* A command on the target: ssh ... 'WORDS' (sudo -n first when priv). */
static void log_remote(struct session *s, enum action_kind k, const char *what,
		       const char *const *argv, bool priv)
{
	struct action_ssh r;
	char cfg[PATH_MAX + 16], *remote, *cmd;

	target_reach(s, &r, cfg, sizeof(cfg));
	remote = action_remote(&r, argv, priv);
	cmd = remote ? action_ssh_command(&r, remote) : NULL;
	log_action(s, k, what, cmd, NULL);
	free(remote);
	free(cmd);
}

static void on_benchjob_action(void *arg, const struct action_entry *e)
{
	struct session *s = arg;

	if (s->journal)
		journal_action(s->journal, "action %s: %s",
			       action_kind_name(e->kind), e->command);
	if (s->o.on_action)
		s->o.on_action(s, e, s->o.arg);
	changed(s, SC_ACTIONS);
}

/* The build's exact argv, where it runs, with its environment. */
static void log_build(struct session *s)
{
	const struct config_build *b = &s->t->build;
	const char *words[96];
	char *args, *dir, *cmd;
	size_t n = 0;

	if (!b->argv.n)
		return;
	if (b->env.n)
		words[n++] = "env";
	for (size_t i = 0; i < b->env.n && n < 40; i++)
		words[n++] = b->env.v[i];
	for (size_t i = 0; i < b->argv.n && n < 95; i++)
		words[n++] = b->argv.v[i];
	words[n] = NULL;
	args = quote_argv_readable_dup(words);
	dir = b->dir ? quote_sh_dup(b->dir) : NULL;
	cmd = args && b->dir && dir ? str_printf("cd %s && %s", dir, args) :
				      NULL;
	log_action(s, AK_BUILD, "build", cmd ? cmd : args, NULL);
	free(args);
	free(dir);
	free(cmd);
}

/* strip, upload (scp), verify (sha256sum): what a deploy does. */
static void log_deploy(struct session *s)
{
	const struct deploy_module *m = &s->dm;
	const char *files[DEPLOY_MAX_TOOLS + 2], *names[DEPLOY_MAX_TOOLS + 4];
	char ship[PATH_MAX + 64], cfg[PATH_MAX + 16], *cmd, *remote;
	struct action_ssh r;
	size_t n = 0, k = 0;

	snprintf(ship, sizeof(ship), "%s", m->ko);
	if (m->strip && m->strip[0]) {
		const char *w[40];
		size_t i = 0;

		snprintf(ship, sizeof(ship), "%s/%s.ko", m->stage_dir, m->name);
		for (; m->strip[i] && i < 35; i++)
			w[i] = m->strip[i];
		w[i++] = "-o";
		w[i++] = ship;
		w[i++] = m->ko;
		w[i] = NULL;
		cmd = quote_argv_readable_dup(w);
		log_action(s, AK_STRIP, "strip the debug sections", cmd, NULL);
		free(cmd);
	}
	files[n++] = ship;
	names[k++] = "sha256sum";
	names[k++] = strrchr(ship, '/') ? strrchr(ship, '/') + 1 : ship;
	for (int i = 0; i < DEPLOY_MAX_TOOLS && m->tools[i]; i++) {
		files[n++] = m->tools[i];
		names[k++] = strrchr(m->tools[i], '/') ?
				     strrchr(m->tools[i], '/') + 1 :
				     m->tools[i];
	}
	files[n] = NULL;
	names[k] = NULL;
	target_reach(s, &r, cfg, sizeof(cfg));
	cmd = action_scp_command(&r, files, m->remote_dir);
	log_action(s, AK_UPLOAD, "upload the module and its tools", cmd, NULL);
	free(cmd);
	/* sha256sum in the remote directory */
	remote = action_remote(&r, names, false);
	if (remote) {
		const char *dw[] = { m->remote_dir, NULL };
		char *qdir = quote_argv_readable_dup(dw);
		char *line = qdir ? str_printf("cd %s && %s", qdir, remote) :
				    NULL;

		cmd = line ? action_ssh_command(&r, line) : NULL;
		log_action(s, AK_VERIFY, "verify the upload (SHA-256)", cmd,
			   NULL);
		free(cmd);
		free(line);
		free(qdir);
	}
	free(remote);
}

static void log_load(struct session *s, bool load)
{
	const struct deploy_module *m = &s->dm;
	const char *argv[72];
	char ko[PATH_MAX], what[160];
	size_t n = 0;

	snprintf(what, sizeof(what), "%s %s", load ? "load" : "unload",
		 m->name);
	if (!load) {
		argv[n++] = "rmmod";
		argv[n++] = m->name;
		argv[n] = NULL;
		log_remote(s, AK_UNLOAD, what, argv, true);
		return;
	}
	snprintf(ko, sizeof(ko), "%s/%s.ko", m->remote_dir, m->name);
	argv[n++] = "insmod";
	argv[n++] = ko;
	for (size_t i = 0; m->params && m->params[i] && n < 71; i++)
		argv[n++] = m->params[i];
	argv[n] = NULL;
	log_remote(s, AK_LOAD, what, argv, true);
}

/* A QMP command to the VM, and the line that sends it. */
static void log_qmp(struct session *s, const char *what, const char *execute)
{
	char sock[PATH_MAX + 16], *json = NULL, *cmd;

	if (!s->vm || !vm_dir(s->vm)[0])
		return;
	snprintf(sock, sizeof(sock), "%s/qmp.sock", vm_dir(s->vm));
	cmd = action_qmp_command(sock, execute, &json);
	log_action(s, AK_VM, what, cmd, json);
	free(cmd);
	free(json);
}

/* QEMU's command line, as the VM was launched. */
static void log_vm_start(struct session *s)
{
	if (s->vm && vm_command_line(s->vm)[0])
		log_action(s, AK_VM, "start the VM", vm_command_line(s->vm),
			   NULL);
}

/* --- the benchmark ------------------------------------------------------- */

/* The benchmark program's name: "sebench". */
static const char *bench_tool(const struct session *s)
{
	const char *prog = s->t->bench_argv.n ? s->t->bench_argv.v[0] : NULL;
	const char *b = prog ? strrchr(prog, '/') : NULL;

	return b ? b + 1 : prog ? prog : "bench";
}

static void on_benchjob_data(void *arg, const char *buf, size_t len)
{
	struct session *s = arg;

	if (s->journal)
		journal_write(s->journal, JOURNAL_BENCH, buf, len);
}

static void on_benchjob_change(void *arg)
{
	changed(arg, SC_BENCH);
}

/* Every run of the set ended: the verdict waits for the kernel log. */
static void on_benchjob_end(void *arg, bool ok, const char *msg)
{
	struct session *s = arg;
	char why[256];

	if (ok && s->bench_halted) {
		/* the guest's clock stopped too; host-side times did not */
		snprintf(
			why, sizeof(why),
			"interrupted by the debugger (the VM was halted while %s ran): not a baseline",
			bench_tool(s));
		step_settle(s, false, why);
		return;
	}
	step_settle(s, ok, msg);
}

/* The command line's options over the config's (set fields win). */
static void bench_options(const struct session *s, struct bench_opts *o)
{
	const struct bench_opts *c = &s->t->bench_opts, *v = &s->bench_over;

	*o = *c;
#define OVER(f)   \
	if (v->f) \
	o->f = v->f
	OVER(workload);
	OVER(distribution);
	OVER(records);
	OVER(operations);
	OVER(key_size);
	OVER(value_size);
	OVER(threads);
	OVER(batch);
	OVER(duration_ms);
	OVER(runs);
	OVER(sweep);
#undef OVER
	/* a count of operations asked for: the example's time limit goes */
	if (v->operations && !v->duration_ms)
		o->duration_ms = 0;
}

static int start_bench(struct session *s)
{
	const char *argv[72];
	char tool[PATH_MAX], cfg[PATH_MAX + 16], err[256];
	struct benchjob_params p = {
		.loop = s->loop,
		.ssh = s->ssh,
		.bench = s->bench,
		.alog = s->alog,
		.remote_dir = s->t->module.remote_dir,
		.argv = argv,
		.baseline = (const char *const *)s->t->bench_baseline.v,
		.module_dir = s->t->module.dir,
		.target = s->t->name,
		.build_id = s->module.build_id,
		.tool = bench_tool(s),
		.on_data = on_benchjob_data,
		.on_change = on_benchjob_change,
		.on_action = on_benchjob_action,
		.on_end = on_benchjob_end,
		.arg = s,
	};
	struct action_ssh reach;
	size_t n = 0;
	const struct config_strv *bv = &s->t->bench_argv;
	int r;

	if (!bv->n)
		return -ENOENT;
	/* a local program was uploaded beside the module; a name is run */
	if (strchr(bv->v[0], '/'))
		snprintf(tool, sizeof(tool), "./%s", bench_tool(s));
	else
		snprintf(tool, sizeof(tool), "%s", bv->v[0]);
	argv[n++] = tool;
	for (size_t i = 1; i < bv->n && n < 70; i++)
		argv[n++] = bv->v[i];
	for (size_t i = 0; i < s->t->bench_args.n && n < 70; i++)
		argv[n++] = s->t->bench_args.v[i];
	argv[n] = NULL;
	target_reach(s, &reach, cfg, sizeof(cfg));
	p.reach = &reach;
	bench_options(s, &p.opts);
	s->bench_halted = s->vm && vm_halted(s->vm);
	r = benchjob_start(s->benchjob, &p, err, sizeof(err));
	if (r < 0)
		notice(s, "benchmark: %s", err);
	changed(s, SC_BENCH);
	return r;
}

/*
 * A load or unload writes its step's mark itself once insmod/rmmod
 * returned: the stream brings it back about with the answer, where a
 * mark written after the answer would cost a round trip more.
 */
static void op_mark(struct session *s)
{
	s->dm.mark = NULL;
	if (!s->o.follow_kmsg || !link_up(s))
		return;
	next_mark(s);
	s->dm.mark = s->mark;
}

static int start_remote_step(struct session *s, const struct job_step *st)
{
	switch (st->kind) {
	case JOB_DEPLOY:
		log_deploy(s);
		return deploy_upload(s->deploy, &s->dm, on_deploy_progress,
				     on_deploy_done, s);
	case JOB_LOAD:
		log_load(s, true);
		op_mark(s);
		return deploy_load(s->deploy, &s->dm, on_deploy_done, s);
	case JOB_UNLOAD:
		/*
		 * A reload: the new module is written while the old one
		 * unloads (rmmod waits for RCU grace periods).
		 */
		if (st + 1 < s->job.steps + s->job.nsteps &&
		    st[1].kind == JOB_DEPLOY)
			deploy_prefetch(s->deploy, &s->dm);
		log_load(s, false);
		op_mark(s);
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

/* The VM of a VM target is on its way up: booting, or again after R. */
static bool vm_booting(const struct session *s)
{
	enum vm_stage st = s->vm ? vm_stage(s->vm) : VM_STAGE_OFF;

	return st >= VM_STAGE_LAUNCHING && st < VM_STAGE_SSH_READY;
}

/* The step waiting for the target fails, saying why. */
static void fail_waiting(struct session *s, const char *why)
{
	s->waiting = NULL;
	loop_cancel_timer(s->loop, s->wait_timer);
	s->wait_timer = 0;
	step_done(s, false, why);
}

static void link_wait_expired(struct loop *loop, void *arg)
{
	struct session *s = arg;
	char msg[768], stages[256];

	s->wait_timer = 0;
	if (!s->waiting)
		return;
	if (vm_booting(s)) {
		/* how far its boot got, the words vm start uses */
		vm_boot_progress(s->vm, stages, sizeof(stages));
		snprintf(
			msg, sizeof(msg),
			"the VM '%s' has not come up after %d s (boot stages %s): see its serial.log",
			vm_name(s->vm), LINK_WAIT_MS / 1000, stages);
	} else if (s->link && link_message(s->link)[0]) {
		snprintf(msg, sizeof(msg), "target not reachable: %s",
			 link_message(s->link));
	} else {
		snprintf(
			msg, sizeof(msg),
			"target not reachable: no answer from %s in %.1f s (ssh.connect_timeout_ms)",
			s->ssh ? ssh_session_target(s->ssh) : s->t->ssh.host,
			s->t->ssh.connect_timeout_ms / 1000.0);
	}
	fail_waiting(s, msg);
}

/*
 * An attempt to connect ended: a step waiting for it fails with its
 * reason, the words `kmdash check` shows (refused, no answer, auth, host
 * key, name not resolved). A rebooting VM's refusals are no news.
 */
static void on_ssh_attempt(struct ssh_session *ss, enum ssh_state st,
			   enum ssh_why why, const char *msg, void *arg)
{
	struct session *s = arg;
	char text[768];

	if (st != SSH_DOWN || !s->waiting || vm_booting(s))
		return;
	snprintf(text, sizeof(text), "target not reachable: %s",
		 msg && msg[0] ? msg : "the connection failed");
	fail_waiting(s, text);
}

/*
 * A step needs the target and the link is not up. A VM that boots is
 * waited for (LINK_WAIT_MS); otherwise the step waits for one attempt
 * to connect, made now, and fails with its reason: no step waits longer
 * than the connect timeout for a target that does not answer.
 */
static int wait_for_target(struct session *s, const struct job_step *st)
{
	enum vm_stage vs = s->vm ? vm_stage(s->vm) : VM_STAGE_OFF;
	char msg[512];

	if (s->vm && (vs == VM_STAGE_OFF || vs >= VM_STAGE_STOPPING)) {
		snprintf(
			msg, sizeof(msg),
			"the VM '%s' is not running: s starts it (kmdash vm start)",
			vm_name(s->vm));
		step_done(s, false, msg);
		return 0;
	}
	s->waiting = st;
	if (vm_booting(s) || !s->link) {
		s->wait_timer = loop_add_target_timer(s->loop, LINK_WAIT_MS,
						      link_wait_expired, s);
		return 0;
	}
	s->wait_timer = loop_add_target_timer(
		s->loop, s->t->ssh.connect_timeout_ms + ATTEMPT_GRACE_MS,
		link_wait_expired, s);
	/* not the backoff's next try, maybe 30 s away: one now */
	if (link_state(s->link) == LINK_DOWN)
		ssh_session_reconnect_now(s->ssh);
	return 0;
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

/*
 * A job that deploys later asks the target what a deploy needs while it
 * builds (or waits for the link): the deploy after the build sends at
 * once, as in a session that deployed before.
 */
static void warm_deploy(struct session *s)
{
	if (s->job.state != JOB_RUNNING || !link_up(s))
		return;
	for (size_t i = s->job.cur; i < s->job.nsteps; i++)
		if (s->job.steps[i].kind == JOB_DEPLOY) {
			deploy_warm(s->deploy, &s->dm);
			return;
		}
}

static int step_start(void *ctx, const struct job_step *st)
{
	struct session *s = ctx;

	/* only what the kernel says from now on judges this step */
	s->step_mark = crash_mark(s->crash);
	s->settle_kind = MODERR_NONE;
	s->dm.mark = NULL;
	/*
	 * What loads is what was deployed (this session's), else the build
	 * here; insmod's answer says which it was.
	 */
	if (st->kind == JOB_LOAD)
		crash_set_loaded_id(s->crash, "");
	/* a debugger attached follows the module: where does it land */
	s->dm.sections = st->kind == JOB_LOAD && s->vm &&
			 vm_gdb_attached(s->vm);
	if (s->journal)
		journal_action(s->journal, "%s started",
			       job_step_name(st->kind));
	step_event(s, st);
	if (st->kind == JOB_BUILD) {
		warm_deploy(s);
		log_build(s);
		/* one that cannot start says why in its result line */
		if (build_start(s->build, s->loop) < 0) {
			changed(s, SC_BUILD);
			step_done(s, false, build_result(s->build));
		}
		return 0;
	}
	if (link_up(s))
		return start_remote_step(s, st);
	return wait_for_target(s, st);
}

static void step_cancel(void *ctx, const struct job_step *st)
{
	struct session *s = ctx;

	settle_stop(s);
	s->dm.mark = NULL;
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
		bench_fail(s, "cancelled");
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
	/* a save that came meanwhile builds now */
	swatch_job_ended(s->watch);
}

/* How a benchmark is added, for a module that has none. */
static void no_bench(const struct session *s, char *err, size_t errlen)
{
	snprintf(
		err, errlen,
		"no benchmark for %s: add \"bench\": { \"argv\": [\"./mybench\"] } "
		"to the target in %s: a program (uploaded with the module) or "
		"a command on the target that prints the JSON lines of "
		"kmod/README.md",
		s->t->module.name,
		s->cfg->path ? s->cfg->path :
			       "the config (kmdash init writes one)");
}

/*
 * What the steps need that the configuration lacks, said before anything
 * runs: the module and its build, a benchmark. A cycle without a
 * benchmark ends at the load. The number of steps left, or -errno.
 */
static int plan_check(const struct session *s, const char *const *words,
		      size_t nwords, struct job_step *steps, size_t n,
		      char *err, size_t errlen)
{
	const struct config_target *t = s->t;
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (steps[i].kind == JOB_BUILD && t->build.missing) {
			snprintf(err, errlen, "%s", t->build.missing);
			return -ENOENT;
		}
		if (steps[i].kind != JOB_BUILD && steps[i].kind != JOB_BENCH &&
		    !t->module.ko) {
			snprintf(err, errlen, "%s", t->module.problem);
			return -ENOENT;
		}
		if (steps[i].kind == JOB_BENCH && !t->bench_argv.n) {
			bool asked = false;

			for (size_t w = 0; w < nwords; w++)
				asked |= !strcmp(words[w], "bench");
			if (asked) {
				no_bench(s, err, errlen);
				return -ENOENT;
			}
			continue;
		}
		steps[kept++] = steps[i];
	}
	return (int)kept;
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
	n = plan_check(s, words, nwords, steps, (size_t)n, err, errlen);
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

/*
 * The live stats are asked for every module_stats_ms while a front end
 * shows them, and less often the longer they stay the same (an idle
 * module's counters do not move): at most this many times the period.
 */
#define STATS_BACKOFF_MAX 16

static void stats_due(struct loop *loop, void *arg);

static void arm_stats(struct session *s)
{
	if (s->stats_timer || s->o.module_stats_ms <= 0 || s->stats_hidden ||
	    s->module.state != MOD_LOADED)
		return;
	/* the target's clock: no questions while gdb holds it */
	s->stats_timer = loop_add_target_timer(
		s->loop, (int64_t)s->o.module_stats_ms * s->stats_backoff,
		stats_due, s);
}

static void on_module_state(void *arg, int rc, const struct deploy_state *st,
			    const char *msg)
{
	struct session *s = arg;
	struct session_module old = s->module;
	bool same;

	/* the first answer after the link came up starts the log stream */
	if (link_up(s))
		follow_kmsg(s);
	if (rc < 0) {
		arm_stats(s);
		return;
	}
	s->module.state = st->loaded ? MOD_LOADED : MOD_NOT_LOADED;
	s->module.refcnt = st->refcnt;
	s->module.nstats = st->nstats;
	memcpy(s->module.stats, st->stats, sizeof(s->module.stats));
	if (!st->stats_only) {
		snprintf(s->module.build_id, sizeof(s->module.build_id), "%s",
			 st->build_id);
		snprintf(s->module.initstate, sizeof(s->module.initstate), "%s",
			 st->initstate);
		snprintf(s->module.release, sizeof(s->module.release), "%s",
			 st->release);
		s->module.taint = st->taint;
		/* a trace decodes against the binary that runs there */
		crash_set_loaded_id(s->crash, st->build_id);
	} else if (!st->loaded) {
		/* gone behind our back: the whole state, once */
		schedule_refresh(s);
	}
	if (!st->loaded)
		s->module.crashed = false;
	same = !memcmp(&old, &s->module, sizeof(old));
	/* news, or a full look (something happened): the period again */
	s->stats_backoff = same && st->stats_only ?
				   (s->stats_backoff * 2 > STATS_BACKOFF_MAX ?
					    STATS_BACKOFF_MAX :
					    s->stats_backoff * 2) :
				   1;
	arm_stats(s);
	/* nothing to redraw when nothing changed */
	if (!same)
		changed(s, SC_MODULE);
}

static void stats_due(struct loop *loop, void *arg)
{
	struct session *s = arg;

	s->stats_timer = 0;
	/* A job asks when it ends; nothing between its steps. */
	if (s->job.state == JOB_RUNNING || !link_up(s) ||
	    deploy_stats(s->deploy, &s->dm, on_module_state, s) < 0)
		arm_stats(s);
}

void session_module_stats_shown(struct session *s, bool shown)
{
	s->stats_hidden = !shown;
	if (!shown) {
		loop_cancel_timer(s->loop, s->stats_timer);
		s->stats_timer = 0;
		return;
	}
	s->stats_backoff = 1;
	arm_stats(s);
}

static int refresh_module(struct session *s)
{
	if (!link_up(s))
		return -ENOTCONN;
	return deploy_query(s->deploy, &s->dm, on_module_state, s);
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
		s->refresh_timer =
			loop_add_target_timer(s->loop, 100, refresh_due, s);
}

/* --- crashes ----------------------------------------------------------------- */

static bool fails_now(const struct session *s, const struct crash_event *ev)
{
	const struct job_step *st = &s->job.steps[s->job.cur];

	if (s->job.state != JOB_RUNNING || st->state != JOB_RUNNING ||
	    !remote_step(st) || s->settling || ev->backlog ||
	    ev->id <= s->step_mark)
		return false;
	switch (ev->trace.kind) {
	case TRACE_OOPS:
	case TRACE_BUG:
	case TRACE_PANIC:
		return true;
	case TRACE_SOFTLOCKUP:
	case TRACE_HUNG_TASK:
		/* a lockup elsewhere may pass; one in the module will not */
		return ev->ours;
	default:
		return false;
	}
}

static void on_crash(const struct crash_event *ev, void *arg)
{
	struct session *s = arg;
	char what[768];

	crash_describe(ev, s->t->module.name, what, sizeof(what));
	if (s->journal)
		journal_action(s->journal, "%s%s", what,
			       ev->backlog ? " (from before this session)" :
					     "");
	if (ev->ours && ev->trace.kind != TRACE_WARNING) {
		s->module.crashed = true;
		s->module.crash_usec = ev->usec;
		s->module.crash_kind = ev->trace.kind;
		changed(s, SC_MODULE);
	}
	/* A dead kernel answers nothing: say why at once, not after 5 s. */
	if (ev->trace.kind == TRACE_PANIC && !ev->backlog && s->link) {
		char cause[300];

		snprintf(cause, sizeof(cause), "kernel panic: %s",
			 ev->trace.panic_msg[0] ? ev->trace.panic_msg :
						  ev->trace.title);
		link_set_cause(s->link, cause);
	}
	if (fails_now(s, ev)) {
		const struct job_step *st = &s->job.steps[s->job.cur];

		/* the step's own command may never end (a spinning init) */
		if (st->kind == JOB_BENCH)
			bench_fail(s, what);
		else
			deploy_cancel(s->deploy);
		fail_by_crash(s, ev);
	}
	changed(s, SC_KMSG);
}

struct crash *session_crash(const struct session *s)
{
	return s->crash;
}

bool session_can_reset(const struct session *s)
{
	return s->vm != NULL;
}

/* Taint letters that say something: O and E come with any module of ours. */
static void taint_letters(unsigned long taint, char *buf, size_t cap)
{
	static const char letters[] = "PFSRMBUDAWCIOELKXT";
	size_t n = 0;

	for (size_t i = 0; i < sizeof(letters) - 1 && n + 1 < cap; i++)
		if ((taint >> i) & 1 && letters[i] != 'O' && letters[i] != 'E')
			buf[n++] = letters[i];
	buf[n] = '\0';
}

int session_module_text(const struct session *s, char *buf, size_t cap)
{
	const struct session_module *m = &s->module;
	const char *name = s->t->module.name;
	char taint[24];
	int n;

	switch (m->state) {
	case MOD_LOADED:
		n = snprintf(buf, cap, "%s loaded", name);
		break;
	case MOD_NOT_LOADED:
		n = snprintf(buf, cap, "%s not loaded", name);
		break;
	default:
		n = snprintf(buf, cap, "%s ?", name);
		break;
	}
	if (m->crashed && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, ", %s at %.1f s",
			      m->crash_kind == TRACE_OOPS  ? "oopsed" :
			      m->crash_kind == TRACE_BUG   ? "hit a BUG" :
			      m->crash_kind == TRACE_PANIC ? "panicked" :
							     "locked up",
			      (double)m->crash_usec / 1e6);
	else if (m->state == MOD_LOADED && !strcmp(m->initstate, "coming") &&
		 n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n,
			      ", its init has not returned");
	taint_letters(m->taint, taint, sizeof(taint));
	if (taint[0] && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, ", kernel tainted %s",
			      taint);
	return n;
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
	/* a load's or unload's own mark, back before the answer */
	if (!s->settling && s->dm.mark && rec->facility == 1 &&
	    !strcmp(rec->text, s->mark)) {
		s->mark_seen = true;
		return;
	}
	/* the mark of the settling step: the log has caught up with it */
	if (s->settling && rec->facility == 1 && !strcmp(rec->text, s->mark)) {
		/* a block still open is the step's: close it first */
		crash_stream_quiet(s->crash);
		if (!crash_pending(s->crash))
			step_judge(s);
		return;
	}
	crash_kmsg_record(s->crash, rec);
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
		/* a new boot's records are all news; a replay is not */
		if (id[0] && kmsg_set_boot_id(s->kmsg, id) == 1) {
			crash_reboot(s->crash);
			s->module.crashed = false;
			s->live_since_set = true;
		}
		struct timespec now;
		int64_t up;

		nl = strchr(s->kmsg_head, '\n');
		up = (int64_t)(strtod(nl + 1, NULL) * 1e6);
		/* 50 ms of slack for commands started beside the stream */
		s->kmsg_since_usec = up - 50000;
		if (!s->live_since_set)
			crash_set_live_since(s->crash, s->kmsg_since_usec);
		s->live_since_set = true;
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
	/*
	 * A last line without its newline is a record only when the command
	 * ended (dmesg's last line): a stream the connection dropped was cut
	 * anywhere, and a record's head is no record. Parsed, its shorter
	 * text would differ from the whole one the next replay brings, which
	 * reads as a reboot: the whole log again, every number twice.
	 */
	if (rc == 0)
		kmsg_flush(s->kmsg);
	crash_set_stream(s->crash, false);
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
	s->kmsg_op = ssh_stream_open(s->ssh, cmd, SSH_STREAM_PTY, on_kmsg_data,
				     on_kmsg_end, s);
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
		deploy_set_session(s->deploy, s->ssh);
		if (s->gdb)
			gdbprep_set_session(s->gdb, s->ssh);
		/* the log stream comes: the console's blocks wait for it */
		crash_set_stream(s->crash, s->o.follow_kmsg);
		/*
		 * The module's state first, then the log: a trace in the
		 * replayed backlog decodes against the build id that is
		 * loaded, known by then.
		 */
		if (refresh_module(s) < 0)
			follow_kmsg(s);
		warm_deploy(s);
		resume_waiting_step(s);
	}
	if (!up && was_up) {
		/* Operations on the lost connection failed by themselves. */
		s->kmsg_op = NULL;
		crash_set_stream(s->crash, false);
	}
	changed(s, SC_LINK);
}

/* A probe answered: who shows the RTT redraws in this wake-up. */
static void on_link_sample(struct link *l, void *arg)
{
	changed(arg, SC_RTT);
}

/* The link first: it watches the connection. */
/*
 * Everything that runs on the connection lets go of it first (its
 * operations are freed with the session), then the link and the session.
 */
static void free_link(struct session *s)
{
	if (s->deploy)
		deploy_set_session(s->deploy, NULL);
	if (s->gdb)
		gdbprep_set_session(s->gdb, NULL);
	benchjob_cancel(s->benchjob);
	if (s->kmsg_op)
		ssh_op_cancel(s->kmsg_op);
	s->kmsg_op = NULL;
	link_free(s->link);
	s->link = NULL;
	if (s->ssh)
		ssh_session_unwatch(s->ssh, s->ssh_watch);
	s->ssh_watch = NULL;
	ssh_session_free(s->ssh);
	s->ssh = NULL;
}

/* The target went away under a running remote step: it fails, saying so. */
static void fail_remote_step(struct session *s, const char *why)
{
	const struct job_step *st = &s->job.steps[s->job.cur];

	if (s->job.state != JOB_RUNNING || st->state != JOB_RUNNING ||
	    !remote_step(st) || s->waiting)
		return;
	settle_stop(s);
	if (st->kind == JOB_BENCH)
		bench_fail(s, why);
	else
		deploy_cancel(s->deploy);
	step_done(s, false, why);
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
	free_link(s);
	s->ssh = ssh_session_new(s->loop, &sp, NULL, NULL, err, errlen);
	if (!s->ssh)
		return -EINVAL;
	s->link = link_new(s->loop, s->ssh, &lp, on_link, s);
	s->ssh_watch = ssh_session_watch(s->ssh, on_ssh_attempt, s);
	if (s->link)
		link_on_sample(s->link, on_link_sample, s);
	if (!s->link || !s->ssh_watch) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->last_link = LINK_CONNECTING;
	return ssh_session_start(s->ssh);
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
	/*
	 * A debugger holds the CPUs: nothing that judges the target runs
	 * meanwhile (the link's probe, the steps' deadlines), and a
	 * benchmark running now measures nothing it can stand by.
	 */
	if (what == VM_NOTE_STATUS &&
	    vm_halted(vm) != loop_target_halted(s->loop)) {
		loop_target_halt(s->loop, vm_halted(vm));
		if (vm_halted(vm) && benchjob_busy(s->benchjob))
			s->bench_halted = true;
		notice(s, "%s",
		       vm_halted(vm) ? vm_halted_by_gdb(vm) ?
				       "VM halted by gdb" :
				       "VM paused" :
				       "VM running again");
		changed(s, SC_LINK);
	}
	/* The port is known once QEMU runs; SSH waits for the banner. */
	if (what == VM_NOTE_STAGE && vm_stage(vm) == VM_STAGE_SSH_READY &&
	    (!s->link || link_state(s->link) == LINK_DOWN)) {
		if (!s->link && start_link(s, vm_port(vm), err, sizeof(err)))
			notice(s, "%s", err);
		/* a rebooted guest answers now, not at the backoff's next try */
		else if (s->link)
			ssh_session_reconnect_now(s->ssh);
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
		loop_target_halt(s->loop, false);
		/* A restarted VM forwards another port: a new link then. */
		notice(s, "the VM '%s' exited", vm_name(vm));
		fail_remote_step(s, "the VM exited");
		free_link(s);
		s->last_link = LINK_DOWN;
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
	crash_console_feed(s->crash, buf, n, false);
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
		    (n = read(fd, buf, want)) > 0) {
			console_feed(s->console, buf, (size_t)n);
			crash_console_feed(s->crash, buf, (size_t)n, true);
		}
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

/*
 * Traces decode against the kept copies of deployed .ko files (in the
 * target's state directory), paths shown from the module directory's
 * parent: "kmod/storage_hash.c:291".
 */
static int make_crash(struct session *s)
{
	char *store = kostore_default_dir(s->t->name);
	char base[PATH_MAX];
	const char *slash = s->t->module.dir ? strrchr(s->t->module.dir, '/') :
					       NULL;
	struct crash_opts co = {
		.loop = s->loop,
		.kmsg = s->kmsg,
		.module = s->t->module.name,
		.ko = s->t->module.ko,
		.store_dir = store,
		.show_base = slash ? base : NULL,
		.vmlinux = s->t->kernel_vmlinux,
		.on_event = on_crash,
		.arg = s,
	};

	if (slash)
		snprintf(base, sizeof(base), "%.*s",
			 slash == s->t->module.dir ?
				 1 :
				 (int)(slash - s->t->module.dir),
			 s->t->module.dir);
	if (store)
		snprintf(s->ko_store, sizeof(s->ko_store), "%s", store);
	s->crash = crash_new(&co);
	free(store);
	return s->crash ? 0 : -ENOMEM;
}

struct session *session_new(struct loop *loop, const struct session_opts *o,
			    char *err, size_t errlen)
{
	struct session *s = calloc(1, sizeof(*s));
	const struct config_target *t;
	struct kmsg_opts ko = { 0 };
	struct build_opts bo = { 0 };
	struct container_spec cs = { 0 };
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
	s->stats_backoff = 1;
	s->mark_nonce = (uint32_t)(loop_now_us() ^ ((uint64_t)getpid() << 16));
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
	s->bench =
		bench_new_sized(BENCH_HISTORY_RUNS, BENCH_HISTORY_SETS, true);
	s->benchjob = benchjob_new();
	s->alog = actionlog_new(ACTIONLOG_MAX);
	s->deploy = deploy_new(loop, NULL);
	bo.argv = (const char *const *)t->build.argv.v;
	bo.no_command = t->build.missing;
	bo.mirror_src = t->build.mirror_src;
	bo.mirror_dst = t->build.mirror_dst;
	bo.plan_dir = t->build.plan_dir;
	bo.cwd = t->build.dir;
	bo.env = (const char *const *)t->build.env.v;
	bo.path_map = (const char *const *)t->build.path_map.v;
	if (t->build.container.present) {
		const struct config_container *k = &t->build.container;

		cs.engine = config_engine_names[k->engine];
		cs.image = k->image;
		cs.mounts = (const char *const *)k->run_mounts.v;
		cs.workdir = k->workdir;
		bo.container = &cs;
	}
	bo.sink = on_build_line;
	bo.on_done = on_build_done;
	bo.arg = s;
	s->build = build_new(&bo, err, errlen);
	if (!s->kmsg || !s->bench || !s->benchjob || !s->alog || !s->deploy ||
	    !s->build) {
		session_free(s);
		return NULL;
	}
	kmsg_on_record(s->kmsg, on_kmsg_record, s);
	if (make_crash(s) < 0) {
		snprintf(err, errlen, "out of memory");
		session_free(s);
		return NULL;
	}

	hist = bench_history_path(t->name);
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
	/* a local benchmark program goes with the module, as the tools */
	if (t->bench_argv.n && strchr(t->bench_argv.v[0], '/'))
		s->dm.tools[0] = t->bench_argv.v[0];
	s->dm.tools[s->dm.tools[0] ? 1 : 0] = t->module.sectl;
	s->dm.sudo = t->kmsg_sudo;
	s->dm.strip = (const char *const *)t->module.strip.v;
	snprintf(s->stage_dir, sizeof(s->stage_dir), "%s/deploy-%s",
		 s->cfg->runtime_dir, t->name);
	s->dm.stage_dir = s->stage_dir;
	s->dm.load_timeout_ms = t->module.load_timeout_ms;

	job_init(&s->job, loop,
		 (struct job_runner){ step_start, step_cancel, s });
	s->job.on_change = on_job_change;
	s->job.arg = s;
	s->watch = swatch_new(s, loop);
	if (!s->watch) {
		snprintf(err, errlen, "out of memory");
		session_free(s);
		return NULL;
	}

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
	else
		log_vm_start(s);
	return r;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	swatch_free(s->watch);
	job_release(&s->job);
	loop_cancel_timer(s->loop, s->wait_timer);
	loop_cancel_timer(s->loop, s->refresh_timer);
	loop_cancel_timer(s->loop, s->stats_timer);
	loop_cancel_timer(s->loop, s->settle_timer);
	free_link(s);
	gdbprep_free(s->gdb);
	deploy_free(s->deploy);
	build_free(s->build);
	benchjob_free(s->benchjob);
	bench_free(s->bench);
	actionlog_free(s->alog);
	crash_free(s->crash);
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
	else
		log_vm_start(s);
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
	log_qmp(s, "stop the VM", "quit");
	r = vm_quit(s->vm);
	if (r < 0)
		snprintf(err, errlen, "%s", vm_error(s->vm));
	if (s->link) {
		fail_remote_step(s, "the VM was stopped");
		free_link(s);
		s->last_link = LINK_DOWN;
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
	log_qmp(s, "reset the VM", "system_reset");
	r = vm_reset(s->vm);
	if (r < 0)
		snprintf(err, errlen, "%s", vm_error(s->vm));
	return r;
}

/* --- gdb ----------------------------------------------------------------------- */

/* gdb's helper for this VM, made at the first use: the VM's paths. */
static struct gdbprep *gdb_prep(struct session *s, char *err, size_t errlen)
{
	char sock[PATH_MAX + 16], *state, *cache;
	struct gdbprep_opts o = {
		.loop = s->loop,
		.crash = s->crash,
		.target = s->t->name,
		.module = s->t->module.name,
		.ko = s->t->module.ko,
		.socket = sock,
		.run_dir = vm_dir(s->vm),
		.kernel_image = s->t->vm.kernel,
	};

	if (s->gdb)
		return s->gdb;
	vm_gdb_socket(s->vm, sock, sizeof(sock));
	state = str_state_dir();
	cache = state ? str_printf("%s/%s/gdb", state, s->t->name) : NULL;
	free(state);
	if (!cache) {
		snprintf(
			err, errlen,
			"no place for gdb's symbol files: set HOME or XDG_STATE_HOME");
		return NULL;
	}
	o.cache_dir = cache;
	s->gdb = gdbprep_new(&o);
	free(cache);
	if (!s->gdb)
		snprintf(err, errlen, "out of memory");
	else if (link_up(s))
		gdbprep_set_session(s->gdb, s->ssh);
	return s->gdb;
}

/*
 * The module moved (a load or an unload) while a debugger is attached:
 * module.gdb follows before the step ends, from what the load read.
 */
static void gdb_module_moved(struct session *s, bool loaded)
{
	char err[256], note[512];
	int r;

	if (!s->vm || !vm_gdb_attached(s->vm) || !gdb_prep(s, err, sizeof(err)))
		return;
	r = gdbprep_write_module(
		s->gdb, loaded ? deploy_loaded_id(s->deploy) : "",
		loaded ? deploy_loaded_sections(s->deploy) : "", note,
		sizeof(note));
	if (s->journal)
		journal_action(s->journal, "gdb: module.gdb %s: %s",
			       r ? "not written" : "written",
			       r ? strerror(-r) : note);
	if (!r)
		notice(s, "gdb: %s moved; " GDBINIT_RELOAD " in gdb follows it",
		       s->t->module.name);
}

static void on_gdb_ready(void *arg, int rc, const char *gdbinit,
			 const char *msg)
{
	struct session *s = arg;
	session_gdb_fn fn = s->gdb_fn;

	s->gdb_fn = NULL;
	if (s->journal)
		journal_action(s->journal, "gdb %s: %s",
			       rc ? "not started" : "ready", msg);
	if (fn)
		fn(s, rc, gdbinit, msg, s->gdb_arg);
}

int session_gdb(struct session *s, session_gdb_fn fn, void *arg, char *err,
		size_t errlen)
{
	char sock[PATH_MAX + 16];
	int r;

	if (!s->vm) {
		snprintf(
			err, errlen,
			"target '%s' has no gdbstub: only QEMU targets have one. A board's kernel can be debugged with kgdb over its serial console when it is built with CONFIG_KGDB_SERIAL_CONSOLE (README: \"Debugging a board with kgdb\")",
			s->t->name);
		return -ENODEV;
	}
	if (vm_stage(s->vm) < VM_STAGE_STARTED ||
	    vm_stage(s->vm) >= VM_STAGE_STOPPING) {
		snprintf(err, errlen, "the VM '%s' is not running: s starts it",
			 vm_name(s->vm));
		return -ESRCH;
	}
	r = vm_gdb_socket(s->vm, sock, sizeof(sock));
	if (r < 0) {
		snprintf(
			err, errlen,
			"the VM '%s' has no gdbstub (%s is missing: it was started by an older kmdash); restart it: kmdash vm stop, then kmdash vm start",
			vm_name(s->vm), sock);
		return r;
	}
	if (vm_gdb_attached(s->vm)) {
		snprintf(
			err, errlen,
			"a debugger is attached to %s already (the stub takes one): use it; after a reload, " GDBINIT_RELOAD
			" there loads the module's new addresses",
			sock);
		return -EBUSY;
	}
	if (!gdbinit_path_ok(sock) || !gdbinit_path_ok(vm_dir(s->vm))) {
		snprintf(
			err, errlen,
			"gdb cannot take the path %s (a blank or quote in it): set KMDASH_RUNTIME_DIR to a plain path",
			sock);
		return -EINVAL;
	}
	if (vm_halted(s->vm)) {
		snprintf(
			err, errlen,
			"the VM is halted (QMP status %s) with no debugger attached: continue it first (QMP cont)",
			vm_status(s->vm));
		return -EAGAIN;
	}
	if (!link_up(s)) {
		snprintf(err, errlen, "target not reachable: %s",
			 s->link ? link_message(s->link) : "no connection yet");
		return -ENOTCONN;
	}
	if (!gdb_prep(s, err, errlen))
		return -ENOMEM;
	r = gdbprep_run(s->gdb, on_gdb_ready, s);
	if (r == -EBUSY) {
		snprintf(err, errlen, "gdb's files are being made already");
		return r;
	}
	if (r < 0) {
		snprintf(err, errlen,
			 "cannot ask the target for gdb's files: %s",
			 strerror(-r));
		return r;
	}
	s->gdb_fn = fn;
	s->gdb_arg = arg;
	return 0;
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

struct ssh_session *session_ssh(const struct session *s)
{
	return s->ssh;
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

struct actionlog *session_actionlog(const struct session *s)
{
	return s->alog;
}

void session_set_bench_opts(struct session *s, const struct bench_opts *o)
{
	s->bench_over = *o;
	/* the strings are ours */
	snprintf(s->bench_workload, sizeof(s->bench_workload), "%s",
		 o->workload ? o->workload : "");
	snprintf(s->bench_dist, sizeof(s->bench_dist), "%s",
		 o->distribution ? o->distribution : "");
	snprintf(s->bench_sweep, sizeof(s->bench_sweep), "%s",
		 o->sweep ? o->sweep : "");
	s->bench_over.workload = o->workload ? s->bench_workload : NULL;
	s->bench_over.distribution = o->distribution ? s->bench_dist : NULL;
	s->bench_over.sweep = o->sweep ? s->bench_sweep : NULL;
}
