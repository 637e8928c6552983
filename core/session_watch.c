// SPDX-License-Identifier: GPL-2.0
/*
 * Watch mode: a burst of saves (core/module/watch.h) runs the job the
 * mode says. While a job runs, a save restarts its build when the build
 * is the running step (the stale run's group is stopped, the job goes on
 * with the new one), else it waits for the job to end and runs then: a
 * deploy or a load is never cut in half.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/loop.h"
#include "core/module/build.h"
#include "core/module/watch.h"
#include "core/session.h"
#include "core/session_int.h"

struct swatch {
	struct session *s;
	struct loop *loop;
	struct watch *w;
	struct session_watch info;
	/* a save came while a job was past its build: run after it */
	bool pending;
};

const char *session_watch_name(enum config_watch what)
{
	static const char *const names[] = {
		[CONFIG_WATCH_OFF] = "off",
		[CONFIG_WATCH_BUILD] = "build",
		[CONFIG_WATCH_RELOAD] = "reload",
		[CONFIG_WATCH_CYCLE] = "cycle",
	};

	return (unsigned)what < sizeof(names) / sizeof(names[0]) ? names[what] :
								   "?";
}

static void run_job(struct swatch *w)
{
	static const char *const build[] = { "build" };
	static const char *const reload[] = { "build", "reload" };
	static const char *const cycle[] = { "cycle" };
	const char *const *words = w->info.what == CONFIG_WATCH_BUILD ? build :
				   w->info.what == CONFIG_WATCH_CYCLE ? cycle :
									reload;
	size_t n = words == reload ? 2 : 1;

	w->pending = false;
	w->info.error[0] = '\0';
	if (session_run(w->s, words, n, w->info.error, sizeof(w->info.error)) <
		    0 &&
	    !w->info.error[0])
		snprintf(w->info.error, sizeof(w->info.error),
			 "the save ran nothing");
}

/* "a.c", "a.c, b.h", "a.c, b.h and 3 more", "everything" */
static void name_files(char *dst, size_t cap, const struct watch_burst *b)
{
	size_t n = 0;

	dst[0] = '\0';
	if (b->overflow) {
		snprintf(dst, cap, "too many changes at once");
		return;
	}
	for (size_t i = 0; i < b->nfiles && i < 2; i++)
		n += (size_t)snprintf(dst + n, n < cap ? cap - n : 0, "%s%s",
				      i ? ", " : "", b->files[i]);
	if (b->count > 2 && n < cap)
		snprintf(dst + n, cap - n, " and %u more", b->count - 2);
}

static void on_settled(void *arg, const struct watch_burst *b)
{
	struct swatch *w = arg;
	const struct job *job = session_job(w->s);
	struct build *bd = session_build(w->s);

	w->info.saves++;
	w->info.last_unix = (int64_t)time(NULL);
	name_files(w->info.last, sizeof(w->info.last), b);
	if (!job_busy(job))
		run_job(w);
	else if (job->steps[job->cur].kind == JOB_BUILD &&
		 build_restart(bd) == 0)
		w->info.restarts++;
	else
		w->pending = true;
	session_changed(w->s, SC_WATCH);
}

void swatch_job_ended(struct swatch *w)
{
	if (w && w->pending && w->info.what != CONFIG_WATCH_OFF) {
		run_job(w);
		session_changed(w->s, SC_WATCH);
	}
}

struct swatch *swatch_new(struct session *s, struct loop *loop)
{
	struct swatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->s = s;
	w->loop = loop;
	return w;
}

void swatch_free(struct swatch *w)
{
	if (!w)
		return;
	watch_free(w->w);
	free(w);
}

/* "kmod/": the directory's last part, as the user knows the module. */
static void shown_dir(char *dst, size_t cap, const char *dir)
{
	const char *b = strrchr(dir, '/');

	snprintf(dst, cap, "%.*s/", (int)(cap > 2 ? cap - 2 : 0),
		 b && b[1] ? b + 1 : dir);
}

int session_watch_set(struct session *s, enum config_watch what, char *err,
		      size_t errlen)
{
	struct swatch *w = session_swatch(s);
	const struct config_target *t = session_target(s);
	struct watch_opts o = { .on_settled = on_settled, .arg = w };

	if (what == CONFIG_WATCH_OFF) {
		watch_free(w->w);
		w->w = NULL;
		w->pending = false;
		w->info.what = CONFIG_WATCH_OFF;
		session_changed(s, SC_WATCH);
		return 0;
	}
	if (!w->w) {
		if (!t->module.dir) {
			snprintf(err, errlen, "nothing to watch: %s",
				 t->module.problem ? t->module.problem :
						     "no module directory");
			return -ENOENT;
		}
		o.dir = t->module.dir;
		w->w = watch_new(w->loop, &o, err, errlen);
		if (!w->w)
			return -EIO;
		snprintf(w->info.dir, sizeof(w->info.dir), "%s",
			 watch_dir(w->w));
		shown_dir(w->info.shown, sizeof(w->info.shown), w->info.dir);
	}
	w->info.what = what;
	session_changed(s, SC_WATCH);
	return 0;
}

const struct session_watch *session_watch(const struct session *s)
{
	return &session_swatch(s)->info;
}
