/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The action pipeline of one target: build -> deploy -> load -> bench (and
 * unload, reload = unload+deploy+load, cycle = build+deploy+load+bench).
 * One job at a time; each step is started through the runner and reports
 * back with job_step_done(); a failed or cancelled step ends the job.
 */
#ifndef KMDASH_JOB_H
#define KMDASH_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

enum job_step_kind {
	JOB_BUILD,
	JOB_DEPLOY,
	JOB_LOAD,
	JOB_UNLOAD,
	JOB_BENCH,
};

enum job_state {
	JOB_IDLE,
	JOB_PENDING,
	JOB_RUNNING,
	JOB_OK,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_SKIPPED,
};

#define JOB_MAX_STEPS 8

struct job_step {
	enum job_step_kind kind;
	/* reload's unload: "not loaded" is fine */
	bool tolerant;
	enum job_state state;
	int64_t start_us, end_us;
	unsigned warnings; /* kernel WARNINGs while it ran (ok, with these) */
	char msg[1024];
};

struct job_runner {
	/* Begin the step; 0 or -errno. Completion: job_step_done(). */
	int (*start)(void *ctx, const struct job_step *step);
	void (*cancel)(void *ctx, const struct job_step *step);
	void *ctx;
};

struct job {
	struct loop *loop;
	struct job_runner runner;
	char name[64]; /* the steps as asked, joined with + */
	struct job_step steps[JOB_MAX_STEPS];
	size_t nsteps, cur;
	enum job_state state;
	int64_t start_us, end_us;
	/* progress of the running step (deploy bytes, bench seconds) */
	uint64_t done, total;
	uint64_t advance_timer;
	void (*on_change)(struct job *job, void *arg);
	void *arg;
};

const char *job_step_name(enum job_step_kind kind);
const char *job_state_name(enum job_state state);

/*
 * Expands words (build, deploy, load, unload, reload, bench, cycle) into
 * steps. Returns the count, or -EINVAL with the bad word in err.
 */
int job_plan(const char *const *words, size_t nwords, struct job_step *steps,
	     size_t cap, char *err, size_t errlen);
/* The i-th of those words, in that order; NULL after the last. */
const char *job_plan_word(size_t i);

void job_init(struct job *job, struct loop *loop, struct job_runner runner);
bool job_busy(const struct job *job);
/* -EBUSY while another job runs. */
int job_start(struct job *job, const char *name, const struct job_step *steps,
	      size_t nsteps);
/* Called by the runner when the current step ends. */
void job_step_done(struct job *job, bool ok, const char *msg);
void job_set_progress(struct job *job, uint64_t done, uint64_t total);
void job_cancel(struct job *job);
void job_release(struct job *job);

#endif
