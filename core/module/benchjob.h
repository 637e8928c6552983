/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One bench step on the target: a set of runs (core/module/bench.h). The
 * module's git commit (core/module/gitrev.h) and the target's facts
 * (core/module/facts.h) first, then every invocation of the plan
 * (core/module/workload.h), one after the other over the SSH session,
 * each shown in the action log as the command that does the same; the
 * facts again at the end (a Pi's temperature and throttling after).
 *
 * The step's end (on_end) comes before its verdict: the session waits
 * for the kernel log to catch up, and only then benchjob_finish() ends the
 * set and writes it to the history; an oops meanwhile fails the set,
 * which is then never a baseline.
 */
#ifndef KMDASH_BENCHJOB_H
#define KMDASH_BENCHJOB_H

#include <stdbool.h>
#include <stddef.h>

#include "core/module/actionlog.h"
#include "core/module/bench.h"
#include "core/module/workload.h"

struct loop;
struct ssh_session;
struct benchjob;

struct benchjob_params {
	struct loop *loop;
	struct ssh_session *ssh;
	struct bench *bench;
	struct actionlog *alog; /* may be NULL */
	const struct action_ssh *reach; /* for the action log's commands */
	const char *remote_dir; /* the program runs there */
	/* the program as the target runs it ("./sebench") and its args */
	const char *const *argv;
	/* appended for the user-space baseline's runs; NULL or {NULL}: none */
	const char *const *baseline;
	struct bench_opts opts;
	const char *module_dir; /* for git; NULL: unknown */
	const char *target; /* the target's name */
	const char *build_id; /* of the loaded module */
	const char *tool; /* the program's name, for messages */
	/* the program's output as it comes (the journal) */
	void (*on_data)(void *arg, const char *buf, size_t len);
	void (*on_change)(void *arg); /* the bench model changed */
	/* an action was logged */
	void (*on_action)(void *arg, const struct action_entry *e);
	/* every run done (ok, msg: medians and verdict) or one failed */
	void (*on_end)(void *arg, bool ok, const char *msg);
	void *arg;
};

struct benchjob *benchjob_new(void);
void benchjob_free(struct benchjob *j);
/* Starts the set. -errno with the reason in err (a bad sweep, ...). */
int benchjob_start(struct benchjob *j, const struct benchjob_params *p,
		   char *err, size_t errlen);
/* Stops what runs on the target; no on_end after. */
void benchjob_cancel(struct benchjob *j);
/*
 * The step's verdict: the set ends (done only if ok and every run was)
 * and goes to the history file (when path is not NULL). Nothing when no
 * set is open.
 */
void benchjob_finish(struct benchjob *j, bool ok, const char *why,
		     const char *history_path);
bool benchjob_busy(const struct benchjob *j);
/* The last plan (for progress: which run of how many). */
const struct bench_plan *benchjob_plan(const struct benchjob *j);
size_t benchjob_done(const struct benchjob *j);

#endif
