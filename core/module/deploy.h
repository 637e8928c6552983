/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deploy, load and unload the module on a target over its SSH session:
 * SFTP upload (temp name + rename, verified by size and SHA-256) of the .ko
 * and of the on-target tools when missing or changed, after checking the
 * module's vermagic against the target's kernel; insmod with parameters,
 * rmmod, and the module's state from /sys/module/NAME. Failures come back
 * explained (core/module/modexplain.h). Every remote command is built with
 * core/base/quote.h. One operation at a time.
 */
#ifndef KMDASH_DEPLOY_H
#define KMDASH_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module/kostore.h"
#include "core/module/modexplain.h"

struct loop;
struct ssh_session;
struct deploy;

#define DEPLOY_MAX_TOOLS 4

struct deploy_module {
	const char *name; /* storage_hash */
	const char *ko; /* local path of the built module */
	const char *const *params; /* NULL-terminated "name=value", or NULL */
	const char *remote_dir;
	/* local paths of on-target tools, uploaded beside the module */
	const char *tools[DEPLOY_MAX_TOOLS + 1];
	bool sudo; /* run insmod/rmmod/dmesg through sudo -n */
	/*
	 * The uploaded copy of the .ko is stripped by this command (argv,
	 * NULL-terminated; "-o OUT IN" appended) into stage_dir (0700, made
	 * when missing). NULL or empty: the .ko is uploaded as built. A strip
	 * that fails or is not installed is reported in the deploy message,
	 * and the .ko goes as built.
	 */
	const char *const *strip;
	const char *stage_dir;
	/* insmod that has not returned by then fails; 0: 60 s */
	int load_timeout_ms;
	/* a load reads the module's section addresses too (gdb wants them) */
	bool sections;
	/*
	 * Written into the kernel log by the load's or unload's own command
	 * once insmod/rmmod returned (as deploy_kmsg_mark would, without a
	 * round trip of its own), or NULL; deploy_op_mark() says how it went.
	 */
	const char *mark;
};

#define DEPLOY_MAX_STATS 24

/* A module's live statistic: /sys/module/NAME/stats/<name>. */
struct deploy_stat {
	char name[32];
	char value[32];
};

struct deploy_state {
	bool loaded;
	int refcnt; /* -1 when unknown */
	/* the loaded module's GNU build id in hex, "" when unknown */
	char build_id[KO_ID_MAX + 1];
	char initstate[16]; /* live, coming (init running or stuck), going */
	unsigned long taint; /* /proc/sys/kernel/tainted */
	char release[128]; /* the target's uname -r */
	size_t nstats;
	struct deploy_stat stats[DEPLOY_MAX_STATS];
	/* deploy_stats(): loaded, refcnt and stats only, nothing else read */
	bool stats_only;
};

/* rc 0 or -errno; kind says which failure; msg is one line for the user. */
typedef void (*deploy_done_fn)(void *arg, int rc, enum moderr kind,
			       const char *msg);
typedef void (*deploy_progress_fn)(void *arg, uint64_t done, uint64_t total);
typedef void (*deploy_state_fn)(void *arg, int rc,
				const struct deploy_state *st, const char *msg);

struct deploy *deploy_new(struct loop *loop, struct ssh_session *s);
/* Cancels what runs; no callback after. */
void deploy_free(struct deploy *d);
void deploy_set_session(struct deploy *d, struct ssh_session *s);
bool deploy_busy(const struct deploy *d);

/* The module struct must stay valid until the callback ran. */
int deploy_upload(struct deploy *d, const struct deploy_module *m,
		  deploy_progress_fn progress, deploy_done_fn done, void *arg);
/*
 * Starts writing the module (and changed tools) while another operation
 * runs, e.g. the unload of a reload; the next deploy_upload() of the same
 * build takes it over. On a connection not probed yet, the probe is asked
 * first (deploy_warm) and its answer starts the upload. -EAGAIN when
 * nothing could start (no connection, an upload already under way).
 */
int deploy_prefetch(struct deploy *d, const struct deploy_module *m);
/*
 * Asks the target now what the first deploy of this connection needs
 * (its release, the remote directory made, the tools' digests there) and
 * opens the SFTP channel, so that the deploy after a build sends at once.
 * Beside other operations; m must stay valid. 0 (also when known
 * already), or -errno.
 */
int deploy_warm(struct deploy *d, const struct deploy_module *m);
int deploy_load(struct deploy *d, const struct deploy_module *m,
		deploy_done_fn done, void *arg);
/* tolerant: "not loaded" is success (the unload of a reload). */
int deploy_unload(struct deploy *d, const struct deploy_module *m,
		  bool tolerant, deploy_done_fn done, void *arg);
int deploy_query(struct deploy *d, const struct deploy_module *m,
		 deploy_state_fn fn, void *arg);
/*
 * The live part of the state only (loaded, refcnt, the stats files), for
 * a periodic look: read with the shell's builtins (no process started on
 * the target) and answered in one write, so one packet comes back. Never
 * replaces a deploy_query() in flight: -EBUSY then (its answer has them).
 */
int deploy_stats(struct deploy *d, const struct deploy_module *m,
		 deploy_state_fn fn, void *arg);

/*
 * The GNU build id of the module the last load put in the kernel (read
 * right after insmod, also when its init crashed), "" if unknown.
 */
const char *deploy_loaded_id(const struct deploy *d);
/*
 * The section addresses the last load read (deploy_module.sections):
 * "/sys/module/NAME/sections/NAME:0xADDR" lines, "" when not asked.
 */
const char *deploy_loaded_sections(const struct deploy *d);

/* rc 0: the mark was written; <0: it could not be (-EACCES: no right). */
typedef void (*deploy_mark_fn)(void *arg, int rc);
/*
 * Writes text into the target's kernel log (/dev/kmsg, through sudo -n
 * when the module's commands use it), beside any running operation: when
 * the log stream brings it back, every record written before has arrived.
 */
int deploy_kmsg_mark(struct deploy *d, const struct deploy_module *m,
		     const char *text, deploy_mark_fn fn, void *arg);
/*
 * The mark of the last load or unload (deploy_module.mark): 1 written,
 * -EACCES no right to write the log, 0 not written (no mark asked, or the
 * command did not get that far: write one with deploy_kmsg_mark()).
 */
int deploy_op_mark(const struct deploy *d);
void deploy_cancel(struct deploy *d);

/* The remote command lines (exposed for the unit test of their quoting). */
char *deploy_load_command(const struct deploy_module *m);
char *deploy_unload_command(const struct deploy_module *m);

#endif
