// SPDX-License-Identifier: GPL-2.0
/*
 * The steady state of a long-lived kmdash session, for tests/bench: one
 * session (one SSH connection, the kernel-log follower running, as in the
 * dashboard) runs the same job N times; each run is timed from
 * session_run() to the module's "loaded" kernel line (or to the end of the
 * job when the job loads nothing), the way a user sees it.
 *
 *   reloaddrive [-c CONFIG] [-t TARGET] [-e PROGRAM] [-w TEXT] N WORD...
 *
 * e.g. `5 reload`, or `-e ./edit -w gen 5 build reload`: PROGRAM runs with
 * the run's number as its argument before each run (an edit of the
 * source, not timed), and with -w the run ends at the first kernel line of
 * the module containing TEXT.
 *
 * Prints "run I SECONDS" per run, "fail I REASON" per failed run (which
 * is retried, at most N failures in all: the figure counts only complete
 * runs, the failures are reported beside it) and "kmsg records R lost L"
 * at the end; exit 1 when N runs failed or the target is not reachable.
 * Built by the bench scripts against build/libkmcore.a (not by make).
 */
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/module/job.h"
#include "core/module/kmsg.h"
#include "core/ssh/link.h"
#include "core/base/loop.h"
#include "core/session.h"

static struct loop *loop;
static struct session *sess;
static bool job_ended, job_ok, saw_loaded;
static char job_msg[512];
static uint64_t kmsg_next;
static const char *want = ": loaded";
extern char **environ;

static void on_job_done(struct session *s, const struct job *job, void *arg)
{
	job_ended = true;
	job_ok = job->state == JOB_OK;
	/* where the time goes, for whoever reads the log */
	for (size_t i = 0; i < job->nsteps; i++)
		fprintf(stderr, "step %s %.1f ms: %s\n",
			job_step_name(job->steps[i].kind),
			(double)(job->steps[i].end_us -
				 job->steps[i].start_us) /
				1e3,
			job->steps[i].msg);
	snprintf(job_msg, sizeof(job_msg), "%s: %s", job->name,
		 job->steps[job->cur].msg);
}

/* Looks for the module's "NAME: loaded" line among the new records. */
static void on_change(struct session *s, unsigned changes, void *arg)
{
	struct kmsg *k = session_kmsg(s);
	struct kmsg_record rec;

	if (!(changes & SC_KMSG))
		return;
	if (kmsg_next < kmsg_first(k))
		kmsg_next = kmsg_first(k);
	for (; kmsg_next < kmsg_end(k); kmsg_next++)
		if (kmsg_get(k, kmsg_next, &rec) &&
		    (rec.flags & KMSG_F_MODULE) && strstr(rec.text, want))
			saw_loaded = true;
}

static bool ready(void)
{
	struct link *l = session_link(sess);

	return l && link_state(l) == LINK_UP &&
	       session_module(sess)->state != MOD_UNKNOWN &&
	       session_kmsg_since(sess) != 0;
}

/* Link up, module state and the log's start known; 30 s at most. */
static bool wait_ready(void)
{
	for (int64_t end = loop_now_ms() + 30000;
	     !ready() && loop_now_ms() < end;)
		loop_run_once(loop, 100);
	if (!ready())
		fprintf(stderr, "target not ready: %s\n",
			session_link(sess) ? link_message(session_link(sess)) :
					     "no link");
	return ready();
}

/* The edit between runs: blocking is fine here, nothing else is timed. */
static int run_edit(const char *prog, int i)
{
	char num[16];
	char *args[] = { (char *)prog, num, NULL };
	pid_t pid;
	int st;

	snprintf(num, sizeof(num), "%d", i);
	if (posix_spawn(&pid, prog, NULL, NULL, args, environ) ||
	    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "edit %s %d failed\n", prog, i);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config_opts co = { 0 };
	struct session_opts so = {
		.follow_kmsg = true,
		.on_change = on_change,
		.on_job_done = on_job_done,
	};
	const char *target = NULL, *edit = NULL;
	struct config *cfg;
	char err[8192];
	bool loads = false;
	int c, n, rc = 0;

	while ((c = getopt(argc, argv, "c:t:e:w:")) != -1) {
		if (c == 'c')
			co.path = optarg;
		else if (c == 'e')
			edit = optarg;
		else if (c == 'w')
			want = optarg;
		else if (c == 't')
			target = optarg;
		else
			return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr,
			"usage: reloaddrive [-c CONFIG] [-t TARGET] [-e PROGRAM] [-w TEXT] N WORD...\n");
		return 2;
	}
	n = atoi(argv[optind++]);
	for (int i = optind; i < argc; i++)
		loads |= !strcmp(argv[i], "load") ||
			 !strcmp(argv[i], "reload") ||
			 !strcmp(argv[i], "cycle");
	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg = config_load(&co, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	loop = loop_new();
	so.cfg = cfg;
	so.target = target;
	sess = session_new(loop, &so, err, sizeof(err));
	if (!sess || session_start(sess, err, sizeof(err)) < 0) {
		fprintf(stderr, "session: %s\n", err);
		return 1;
	}
	if (!wait_ready())
		return 1;
	/* The backlog replay of /dev/kmsg: let it pass first. */
	for (int64_t end = loop_now_ms() + 300; loop_now_ms() < end;)
		loop_run_once(loop, 50);
	for (int i = 1, fails = 0; i <= n;) {
		int64_t t0, end;

		if (edit && run_edit(edit, i) < 0)
			return 1;
		t0 = loop_now_us();

		job_ended = job_ok = saw_loaded = false;
		if (session_run(sess, (const char *const *)argv + optind,
				(size_t)(argc - optind), err,
				sizeof(err)) < 0) {
			fprintf(stderr, "run: %s\n", err);
			return 1;
		}
		while (!job_ended)
			loop_run_once(loop, 1000);
		/* The load line may come after insmod's exit status. */
		end = loop_now_ms() + 5000;
		while (job_ok && loads && !saw_loaded && loop_now_ms() < end)
			loop_run_once(loop, 100);
		if (job_ok && (!loads || saw_loaded)) {
			printf("run %d %.3f\n", i++,
			       (double)(loop_now_us() - t0) / 1e6);
			continue;
		}
		printf("fail %d %s\n", i,
		       job_ok ? "no such kernel line of the module within 5 s" :
				job_msg);
		if (++fails >= n || !wait_ready()) {
			rc = 1;
			break;
		}
	}
	printf("kmsg records %llu lost %llu\n",
	       (unsigned long long)kmsg_stats(session_kmsg(sess))->records,
	       (unsigned long long)kmsg_stats(session_kmsg(sess))->lost);
	session_free(sess);
	loop_free(loop);
	config_free(cfg);
	return rc;
}
