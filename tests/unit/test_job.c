// SPDX-License-Identifier: GPL-2.0
/* The job pipeline, with a scripted runner standing in for the steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/module/job.h"
#include "core/base/loop.h"

struct script {
	struct job *job;
	enum job_step_kind started[16];
	size_t nstarted;
	/* per kind: 1 ok, 0 fail, -1 never finishes, -2 refuse to start */
	int outcome[5];
	bool sync; /* finish inside start() */
	int cancelled;
};

static int fake_start(void *ctx, const struct job_step *step)
{
	struct script *s = ctx;
	int o = s->outcome[step->kind];

	s->started[s->nstarted++] = step->kind;
	if (o == -2)
		return -ENOENT;
	if (s->sync && o >= 0)
		job_step_done(s->job, o == 1, o ? "fine" : "broke");
	return 0;
}

static void fake_cancel(void *ctx, const struct job_step *step)
{
	((struct script *)ctx)->cancelled++;
}

static void run_until_idle(struct loop *loop, struct job *job, struct script *s)
{
	for (int i = 0; i < 100 && job->state == JOB_RUNNING; i++) {
		loop_run_once(loop, 0);
		/* asynchronous runners finish one step per round */
		if (!s->sync && job->state == JOB_RUNNING &&
		    job->cur < job->nsteps &&
		    job->steps[job->cur].state == JOB_RUNNING) {
			int o = s->outcome[job->steps[job->cur].kind];

			if (o >= 0)
				job_step_done(job, o == 1,
					      o ? "fine" : "broke");
		}
	}
}

static void plan(const char *const *w, size_t n, struct job_step *steps,
		 int expect)
{
	char err[128];

	assert_int_equal(job_plan(w, n, steps, JOB_MAX_STEPS, err, sizeof(err)),
			 expect);
}

static void test_plan_words(void **state)
{
	struct job_step st[JOB_MAX_STEPS];
	const char *cycle[] = { "cycle" }, *reload[] = { "reload" },
		   *bad[] = { "build", "explode" };
	char err[128];

	/* a cycle reloads whatever is loaded: the one-key loop works again */
	plan(cycle, 1, st, 5);
	assert_int_equal(st[0].kind, JOB_BUILD);
	assert_int_equal(st[1].kind, JOB_UNLOAD);
	assert_true(st[1].tolerant);
	assert_int_equal(st[2].kind, JOB_DEPLOY);
	assert_int_equal(st[3].kind, JOB_LOAD);
	assert_int_equal(st[4].kind, JOB_BENCH);
	assert_false(st[0].tolerant || st[2].tolerant || st[3].tolerant);
	plan(reload, 1, st, 3);
	assert_int_equal(st[0].kind, JOB_UNLOAD);
	assert_true(st[0].tolerant);
	assert_false(st[1].tolerant);
	assert_int_equal(job_plan(bad, 2, st, JOB_MAX_STEPS, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown step 'explode'"));
	assert_int_equal(job_plan(bad, 0, st, JOB_MAX_STEPS, err, sizeof(err)),
			 -EINVAL);
	const char *many[] = { "cycle", "cycle", "cycle" };

	assert_int_equal(job_plan(many, 3, st, JOB_MAX_STEPS, err, sizeof(err)),
			 -E2BIG);
}

static void run_cycle(bool sync, int fail_kind, enum job_state expect,
		      size_t expect_started)
{
	struct loop *loop = loop_new();
	struct script s = { .outcome = { 1, 1, 1, 1, 1 }, .sync = sync };
	struct job job;
	struct job_step st[JOB_MAX_STEPS];
	const char *cycle[] = { "cycle" };
	char err[64];
	int n = job_plan(cycle, 1, st, JOB_MAX_STEPS, err, sizeof(err));

	if (fail_kind >= 0)
		s.outcome[fail_kind] = 0;
	job_init(&job, loop,
		 (struct job_runner){ fake_start, fake_cancel, &s });
	s.job = &job;
	assert_int_equal(job_start(&job, "cycle", st, (size_t)n), 0);
	assert_int_equal(job_start(&job, "again", st, (size_t)n), -EBUSY);
	run_until_idle(loop, &job, &s);
	assert_int_equal(job.state, expect);
	assert_int_equal(s.nstarted, expect_started);
	if (expect == JOB_FAILED) {
		assert_int_equal(job.steps[s.nstarted - 1].state, JOB_FAILED);
		assert_string_equal(job.steps[s.nstarted - 1].msg, "broke");
		for (size_t i = s.nstarted; i < job.nsteps; i++)
			assert_int_equal(job.steps[i].state, JOB_SKIPPED);
	}
	job_release(&job);
	loop_free(loop);
}

static void test_cycle_runs_every_step_in_order(void **state)
{
	run_cycle(false, -1, JOB_OK, 5);
	run_cycle(true, -1, JOB_OK, 5);
}

static void test_failed_step_ends_the_job(void **state)
{
	run_cycle(false, JOB_DEPLOY, JOB_FAILED, 3);
	run_cycle(true, JOB_LOAD, JOB_FAILED, 4);
}

static void test_step_that_cannot_start(void **state)
{
	struct loop *loop = loop_new();
	struct script s = { .outcome = { -2, 1, 1, 1, 1 } };
	struct job job;
	struct job_step st = { .kind = JOB_BUILD };

	job_init(&job, loop,
		 (struct job_runner){ fake_start, fake_cancel, &s });
	s.job = &job;
	job_start(&job, "build", &st, 1);
	loop_run_once(loop, 0);
	assert_int_equal(job.state, JOB_FAILED);
	assert_non_null(strstr(job.steps[0].msg, "build could not start"));
	loop_free(loop);
}

static void test_cancel_stops_the_running_step(void **state)
{
	struct loop *loop = loop_new();
	struct script s = { .outcome = { 1, -1, 1, 1, 1 } };
	struct job job;
	struct job_step st[JOB_MAX_STEPS];
	const char *cycle[] = { "cycle" };
	char err[64];
	int n = job_plan(cycle, 1, st, JOB_MAX_STEPS, err, sizeof(err));

	job_init(&job, loop,
		 (struct job_runner){ fake_start, fake_cancel, &s });
	s.job = &job;
	job_start(&job, "cycle", st, (size_t)n);
	run_until_idle(loop, &job, &s);
	assert_int_equal(job.cur, 2); /* deploy never finishes */
	job_cancel(&job);
	assert_int_equal(s.cancelled, 1);
	assert_int_equal(job.state, JOB_CANCELLED);
	assert_int_equal(job.steps[2].state, JOB_CANCELLED);
	assert_int_equal(job.steps[3].state, JOB_SKIPPED);
	/* A late completion from the runner is ignored. */
	job_step_done(&job, true, "late");
	assert_int_equal(job.state, JOB_CANCELLED);
	/* And a new job can start. */
	assert_int_equal(job_start(&job, "again", st, 1), 0);
	job_release(&job);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_words),
		cmocka_unit_test(test_cycle_runs_every_step_in_order),
		cmocka_unit_test(test_failed_step_ends_the_job),
		cmocka_unit_test(test_step_that_cannot_start),
		cmocka_unit_test(test_cancel_stops_the_running_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
