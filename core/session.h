/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One target's live state: the models the dashboard draws and the actions
 * the keys and `kmdash run` drive. It wires the configuration to the VM,
 * the serial console, the SSH link, the kernel-log follower, the build,
 * deploy/load/unload, the benchmark, the job pipeline and the journal.
 * Models only record and mark themselves dirty; on_change tells the front
 * end that something did.
 */
#ifndef KMDASH_SESSION_H
#define KMDASH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config/config.h"
#include "core/module/crash.h"
#include "core/module/deploy.h"
#include "core/module/job.h"

struct loop;
struct config;
struct config_target;
struct vm;
struct serial;
struct console;
struct link;
struct ssh_session;
struct kmsg;
struct build;
struct bench;
struct journal;
struct session;
struct actionlog;
struct action_entry;
struct bench_opts;

enum session_change {
	SC_CONSOLE = 1u << 0,
	SC_LINK = 1u << 1,
	SC_BUILD = 1u << 2,
	SC_KMSG = 1u << 3,
	SC_BENCH = 1u << 4,
	SC_JOB = 1u << 5,
	SC_VM = 1u << 6,
	SC_MODULE = 1u << 7,
	SC_WATCH = 1u << 8, /* watch mode: on, off, a save, a restart */
	SC_RTT = 1u << 9, /* a link probe answered: a new RTT sample */
	SC_ACTIONS = 1u << 10, /* the action log */
};

struct session_opts {
	const struct config *cfg;
	const char *target; /* NULL: the default target */
	bool start_vm; /* boot the target's VM if it is not running */
	bool follow_kmsg; /* stream the target's kernel log */
	bool serial; /* attach the serial console */
	bool journal; /* record the session under $XDG_STATE_HOME */
	/* ask for the module's live stats this often while idle; 0: never */
	int module_stats_ms;
	int console_rows, console_cols; /* 0: 24 x 80 */
	void (*on_change)(struct session *s, unsigned changes, void *arg);
	/* a job ended (ok, failed or cancelled) */
	void (*on_job_done)(struct session *s, const struct job *job,
			    void *arg);
	/* a step started or ended, deploy progress: for CLI progress */
	void (*on_step)(struct session *s, const struct job_step *step,
			void *arg);
	/* an action was done, with its shell command (the action log) */
	void (*on_action)(struct session *s, const struct action_entry *e,
			  void *arg);
	void *arg;
};

enum module_state {
	MOD_UNKNOWN,
	MOD_NOT_LOADED,
	MOD_LOADED,
};

struct session_module {
	enum module_state state;
	int refcnt;
	char build_id[KO_ID_MAX + 1]; /* of the loaded .ko, "" if unknown */
	char initstate[16]; /* "coming": its init never returned */
	char release[128]; /* the target's kernel */
	unsigned long taint; /* the kernel's taint flags */
	/*
	 * It crashed in this boot (an oops, BUG, panic or lockup naming it):
	 * its references may never be released, rmmod fails until a reboot.
	 */
	bool crashed;
	int64_t crash_usec; /* printk time of the crash */
	enum trace_kind crash_kind;
	/* the files of /sys/module/NAME/stats, when it has them */
	size_t nstats;
	struct deploy_stat stats[DEPLOY_MAX_STATS];
};

/* A live statistic of the module by name ("items"), or NULL. */
const char *session_module_stat(const struct session *s, const char *name);
/*
 * Whether a front end shows the live stats now (default: yes). Hidden,
 * they are not asked for every module_stats_ms (the state still is, when
 * something happens).
 */
void session_module_stats_shown(struct session *s, bool shown);

/* NULL with the reason in err. Starts nothing: see session_start(). */
struct session *session_new(struct loop *loop, const struct session_opts *o,
			    char *err, size_t errlen);
void session_free(struct session *s);
int session_start(struct session *s, char *err, size_t errlen);

const char *session_name(const struct session *s);
const struct config_target *session_target(const struct session *s);

/* `kmdash run` words: build deploy load unload reload bench cycle. */
int session_run(struct session *s, const char *const *words, size_t nwords,
		char *err, size_t errlen);
void session_cancel(struct session *s);
const struct job *session_job(const struct session *s);

/* The VM of a VM target (NULL otherwise). */
struct vm *session_vm(const struct session *s);
int session_vm_start(struct session *s, char *err, size_t errlen);
int session_vm_stop(struct session *s, char *err, size_t errlen);
int session_vm_reset(struct session *s, char *err, size_t errlen);

struct link *session_link(const struct session *s);
/* The target's SSH connection (the link probes it), or NULL. */
struct ssh_session *session_ssh(const struct session *s);
struct serial *session_serial(const struct session *s);
struct console *session_console(const struct session *s);
struct kmsg *session_kmsg(const struct session *s);
struct build *session_build(const struct session *s);
struct bench *session_bench(const struct session *s);
struct journal *session_journal(const struct session *s);
const struct session_module *session_module(const struct session *s);

/*
 * The target's clock (kernel log usec) when the log stream started: older
 * records are the backlog replayed by /dev/kmsg. 0 until known.
 */
int64_t session_kmsg_since(const struct session *s);
/*
 * Kernel log usec + this = Unix time in usec, from the uptime the current
 * stream began with (the target's clock need not be set). 0 until known.
 */
int64_t session_kmsg_wall_offset(const struct session *s);

/* Milliseconds since the kernel log stream last delivered, -1 while it is
 * not running: a CLI waits for it to go quiet before it exits. */
int64_t session_kmsg_idle_ms(const struct session *s);

/* Keyboard bytes for the serial line (console-input mode). */
int session_console_write(struct session *s, const void *buf, size_t len);
void session_console_resize(struct session *s, int rows, int cols);

/* Crashes of the target's kernel, decoded (core/module/crash.h). */
struct crash *session_crash(const struct session *s);
/*
 * The module's state in words: "storage_hash loaded, oopsed at 112.7 s,
 * kernel tainted D". Returns the length as snprintf.
 */
int session_module_text(const struct session *s, char *buf, size_t cap);
/* A VM target, whose reset is the way back from a crash. */
bool session_can_reset(const struct session *s);

/*
 * gdb on the target's kernel and the module (core/module/gdbprep.h): fn
 * gets the gdbinit to start gdb with (gdbprep_argv), or rc < 0 and why.
 * 0 once started; else why not in err: a board (only QEMU has a stub;
 * kgdb is the way there), a VM without a stub, a debugger attached
 * already, the target unreachable.
 */
typedef void (*session_gdb_fn)(struct session *s, int rc, const char *gdbinit,
			       const char *msg, void *arg);
int session_gdb(struct session *s, session_gdb_fn fn, void *arg, char *err,
		size_t errlen);

/*
 * Every action done, with the shell command that does the same
 * (core/module/actionlog.h).
 */
struct actionlog *session_actionlog(const struct session *s);
/*
 * The bench step's options from the command line (--workload, --runs,
 * --sweep, ...): the fields set win over the config's bench.* keys.
 * Copied.
 */
void session_set_bench_opts(struct session *s, const struct bench_opts *o);

/* The last thing the session wants the user to know, "" if nothing. */
const char *session_notice(const struct session *s);

/*
 * Watch mode (core/session_watch.c): saves of the module's sources
 * (core/module/watch.h) run a job: build, build+reload or cycle. A save
 * during the build restarts the build (its whole process group); a save
 * while a later step runs builds again after the job. A failed build
 * deploys nothing: the module that runs stays.
 */
struct session_watch {
	enum config_watch what; /* OFF: not watching */
	char dir[PATH_MAX]; /* the directory watched */
	char shown[80]; /* as the status bar says it: "kmod/" */
	unsigned saves; /* bursts of saves seen */
	unsigned restarts; /* builds restarted by a save */
	char last[160]; /* the last save's files: "storage_hash.c" */
	int64_t last_unix; /* when, seconds since the epoch */
	char error[256]; /* why the last save ran nothing, "" */
};

/* Starts (or switches to what); OFF stops. -errno with why in err. */
int session_watch_set(struct session *s, enum config_watch what, char *err,
		      size_t errlen);
const struct session_watch *session_watch(const struct session *s);
/* The name of a config_watch value: "off", "build", "reload", "cycle". */
const char *session_watch_name(enum config_watch what);

#endif
