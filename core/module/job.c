// SPDX-License-Identifier: GPL-2.0
/*
 * The next step is started from a zero-delay timer, not from inside
 * job_step_done(): a runner may finish a step synchronously (an immediate
 * error) and must not find itself re-entered.
 */
#include "core/module/job.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/base/loop.h"

static const char *const step_names[] = {
	[JOB_BUILD] = "build",	 [JOB_DEPLOY] = "deploy", [JOB_LOAD] = "load",
	[JOB_UNLOAD] = "unload", [JOB_BENCH] = "bench",
};

static const char *const state_names[] = {
	[JOB_IDLE] = "idle",	   [JOB_PENDING] = "pending",
	[JOB_RUNNING] = "running", [JOB_OK] = "ok",
	[JOB_FAILED] = "failed",   [JOB_CANCELLED] = "cancelled",
	[JOB_SKIPPED] = "skipped",
};

const char *job_step_name(enum job_step_kind kind)
{
	return step_names[kind];
}

const char *job_state_name(enum job_state state)
{
	return state_names[state];
}

/* What each word of `kmdash run` expands to. */
static const struct {
	const char *word;
	enum job_step_kind steps[5];
	size_t n;
	/* the unload of a reload may find the module not loaded */
	int tolerant_at; /* index of that unload, -1: none */
} plans[] = {
	{ "build", { JOB_BUILD }, 1, -1 },
	{ "deploy", { JOB_DEPLOY }, 1, -1 },
	{ "load", { JOB_LOAD }, 1, -1 },
	{ "unload", { JOB_UNLOAD }, 1, -1 },
	{ "reload", { JOB_UNLOAD, JOB_DEPLOY, JOB_LOAD }, 3, 0 },
	{ "bench", { JOB_BENCH }, 1, -1 },
	/* whatever is loaded: the cycle reloads (the `a` key) */
	{ "cycle",
	  { JOB_BUILD, JOB_UNLOAD, JOB_DEPLOY, JOB_LOAD, JOB_BENCH },
	  5,
	  1 },
};

#define NPLANS (sizeof(plans) / sizeof(plans[0]))

const char *job_plan_word(size_t i)
{
	return i < NPLANS ? plans[i].word : NULL;
}

/* "build, deploy, ...": the words, for messages. */
static const char *plan_words(void)
{
	static char list[128];

	if (!list[0])
		for (size_t i = 0; i < NPLANS; i++) {
			size_t l = strlen(list);

			snprintf(list + l, sizeof(list) - l, "%s%s",
				 i ? ", " : "", plans[i].word);
		}
	return list;
}

int job_plan(const char *const *words, size_t nwords, struct job_step *steps,
	     size_t cap, char *err, size_t errlen)
{
	size_t n = 0;

	for (size_t i = 0; i < nwords; i++) {
		size_t p = 0;

		while (p < NPLANS && strcmp(words[i], plans[p].word))
			p++;
		if (p == NPLANS) {
			snprintf(err, errlen, "unknown step '%s' (steps: %s)",
				 words[i], plan_words());
			return -EINVAL;
		}
		if (n + plans[p].n > cap) {
			snprintf(err, errlen, "too many steps (at most %zu)",
				 cap);
			return -E2BIG;
		}
		for (size_t k = 0; k < plans[p].n; k++)
			steps[n++] = (struct job_step){
				.kind = plans[p].steps[k],
				.tolerant = (int)k == plans[p].tolerant_at,
			};
	}
	if (!n) {
		snprintf(err, errlen, "no step given (steps: %s)",
			 plan_words());
		return -EINVAL;
	}
	return (int)n;
}

void job_init(struct job *job, struct loop *loop, struct job_runner runner)
{
	memset(job, 0, sizeof(*job));
	job->loop = loop;
	job->runner = runner;
}

bool job_busy(const struct job *job)
{
	return job->state == JOB_RUNNING;
}

static void changed(struct job *job)
{
	if (job->on_change)
		job->on_change(job, job->arg);
}

static void finish(struct job *job, enum job_state state)
{
	for (size_t i = job->cur + 1; i < job->nsteps; i++)
		if (job->steps[i].state == JOB_PENDING)
			job->steps[i].state = JOB_SKIPPED;
	job->state = state;
	job->end_us = loop_now_us();
	changed(job);
}

static void advance(struct loop *loop, void *arg)
{
	struct job *job = arg;
	struct job_step *s;
	int r;

	job->advance_timer = 0;
	if (job->state != JOB_RUNNING)
		return;
	if (job->cur >= job->nsteps) {
		finish(job, JOB_OK);
		return;
	}
	s = &job->steps[job->cur];
	s->state = JOB_RUNNING;
	s->start_us = loop_now_us();
	job->done = job->total = 0;
	changed(job);
	r = job->runner.start(job->runner.ctx, s);
	if (r < 0 && s->state == JOB_RUNNING) {
		if (!s->msg[0])
			snprintf(s->msg, sizeof(s->msg),
				 "%s could not start: %s",
				 job_step_name(s->kind), strerror(-r));
		s->state = JOB_FAILED;
		s->end_us = loop_now_us();
		finish(job, JOB_FAILED);
	}
}

int job_start(struct job *job, const char *name, const struct job_step *steps,
	      size_t nsteps)
{
	if (job_busy(job))
		return -EBUSY;
	if (!nsteps || nsteps > JOB_MAX_STEPS)
		return -EINVAL;
	snprintf(job->name, sizeof(job->name), "%s", name);
	memcpy(job->steps, steps, nsteps * sizeof(*steps));
	for (size_t i = 0; i < nsteps; i++) {
		job->steps[i].state = JOB_PENDING;
		job->steps[i].msg[0] = '\0';
		job->steps[i].start_us = job->steps[i].end_us = 0;
	}
	job->nsteps = nsteps;
	job->cur = 0;
	job->state = JOB_RUNNING;
	job->start_us = loop_now_us();
	job->end_us = 0;
	job->advance_timer = loop_add_timer(job->loop, 0, advance, job);
	changed(job);
	return job->advance_timer ? 0 : -ENOMEM;
}

void job_step_done(struct job *job, bool ok, const char *msg)
{
	struct job_step *s;

	if (job->state != JOB_RUNNING || job->cur >= job->nsteps)
		return;
	s = &job->steps[job->cur];
	if (s->state != JOB_RUNNING)
		return;
	s->end_us = loop_now_us();
	s->state = ok ? JOB_OK : JOB_FAILED;
	if (msg)
		snprintf(s->msg, sizeof(s->msg), "%s", msg);
	if (!ok) {
		finish(job, JOB_FAILED);
		return;
	}
	job->cur++;
	changed(job);
	job->advance_timer = loop_add_timer(job->loop, 0, advance, job);
}

void job_set_progress(struct job *job, uint64_t done, uint64_t total)
{
	job->done = done;
	job->total = total;
	changed(job);
}

void job_cancel(struct job *job)
{
	struct job_step *s;

	if (job->state != JOB_RUNNING)
		return;
	loop_cancel_timer(job->loop, job->advance_timer);
	job->advance_timer = 0;
	if (job->cur < job->nsteps) {
		s = &job->steps[job->cur];
		if (s->state == JOB_RUNNING) {
			/* The runner must not call job_step_done() after. */
			s->state = JOB_CANCELLED;
			s->end_us = loop_now_us();
			snprintf(s->msg, sizeof(s->msg), "%s cancelled",
				 job_step_name(s->kind));
			if (job->runner.cancel)
				job->runner.cancel(job->runner.ctx, s);
		}
	}
	finish(job, JOB_CANCELLED);
}

void job_release(struct job *job)
{
	loop_cancel_timer(job->loop, job->advance_timer);
	job->advance_timer = 0;
}
