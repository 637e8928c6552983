// SPDX-License-Identifier: GPL-2.0
/*
 * kbuild's plan, the processes (see kbplan.h): the runner that replays a
 * plan or records one while the full command runs, and the step that
 * kbuild's $(MAKE) and $(CONFIG_SHELL) become while it records.
 */
#include "core/module/kbplan.h"
#include "core/base/strv.h"
#include "core/module/kbplan_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* What make exits with when it could not do what it was asked. */
#define EXIT_MAKE 2
/* A recording's directory left by a killed build goes after a day. */
#define STALE_RECORDING_S (24 * 3600)

static int say(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, fmt, a, b);
	return EXIT_MAKE;
}

/* The child a signal is passed on to, and the signal the runner took. */
static volatile pid_t child;
static volatile sig_atomic_t caught;

static void pass_on(int sig)
{
	caught = sig;
	if (child > 0)
		kill(child, sig);
}

/* Runs argv in dir with env and waits: its exit status, as a shell's. */
static int run(const char *dir, char *const *argv, char *const *env)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return say("kmdash: cannot start %s: %s\n", argv[0],
			   strerror(errno));
	if (!pid) {
		if (dir && chdir(dir) < 0) {
			fprintf(stderr, "kmdash: %s: %s\n", dir,
				strerror(errno));
			_exit(EXIT_MAKE);
		}
		execvpe(argv[0], argv, env);
		fprintf(stderr, "kmdash: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	child = pid;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			child = 0;
			return EXIT_MAKE;
		}
	child = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* A child killed by a signal: so is the runner, as make would be. */
static int finish(int status)
{
	fflush(NULL);
	if (status > 128 && status < 128 + NSIG) {
		signal(status - 128, SIG_DFL);
		raise(status - 128);
	}
	return status;
}

/* "make -C KDIR": KDIR. */
static const char *kdir_of(char *const *argv)
{
	for (size_t i = 1; argv[i]; i++)
		if (!strcmp(argv[i], "-C"))
			return argv[i + 1];
	return NULL;
}

/* --- replay ------------------------------------------------------------- */

static int replay(const struct kbplan *p)
{
	const char *lv = getenv("MAKELEVEL");
	long level = lv ? strtol(lv, NULL, 10) : 0;
	char when[32], self[32] = "make";
	time_t t = (time_t)p->recorded;
	struct tm tm;
	int status = 0;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
	printf("kmdash: kbuild's top-level Makefile skipped: its plan of %s "
	       "still holds (same kernel tree, tools and environment)\n",
	       when);
	/*
	 * the runner stands where the top-level make stood, and says what
	 * make -C says there (make[N] below another make)
	 */
	if (level > 0)
		snprintf(self, sizeof(self), "make[%ld]", level);
	printf("%s: Entering directory '%s'\n", self, p->kdir);
	for (size_t i = 0; !status && i < p->nsteps; i++) {
		const struct kbplan_step *s = &p->steps[i];
		size_t n = 0;
		char **env;

		while (s->env[n])
			n++;
		env = calloc(n + 1, sizeof(*env));
		if (!env)
			return EXIT_MAKE;
		for (size_t k = 0; k < n; k++)
			if (!(env[k] = kbplan_env_for_replay(s->env[k])))
				status = EXIT_MAKE;
		if (!status)
			status = run(s->dir, s->argv, env);
		strv_free(env);
	}
	printf("%s: Leaving directory '%s'\n", self, p->kdir);
	return finish(status);
}

/* --- record ------------------------------------------------------------- */

static int rm_tree(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
			    (int)sizeof(path))
			unlink(path);
	closedir(d);
	return rmdir(dir) < 0 ? -errno : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int step_file(const struct dirent *e)
{
	return !strncmp(e->d_name, "step-", 5) && strstr(e->d_name, ".json") &&
	       !strstr(e->d_name, ".tmp");
}

struct aged {
	time_t mtime;
	char name[NAME_MAX + 1];
};

static int by_age(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : 0;
}

/*
 * The plans of one directory: the newest KBPLAN_KEEP stay. Recordings
 * older than a day go (their build was killed).
 */
static void tidy(const char *dir)
{
	struct aged *plans = NULL, *more;
	size_t n = 0;
	char path[PATH_MAX];
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			    (int)sizeof(path) ||
		    stat(path, &st) < 0)
			continue;
		if (!strncmp(e->d_name, "rec.", 4) &&
		    now - st.st_mtime > STALE_RECORDING_S)
			rm_tree(path);
		if (len < 5 || strcmp(e->d_name + len - 5, ".plan") ||
		    !(more = realloc(plans, (n + 1) * sizeof(*plans))))
			continue;
		plans = more;
		plans[n].mtime = st.st_mtime;
		snprintf(plans[n++].name, sizeof(plans->name), "%s", e->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(plans, n, sizeof(*plans), by_age);
	for (size_t i = KBPLAN_KEEP; i < n; i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, plans[i].name) <
		    (int)sizeof(path))
			unlink(path);
	free(plans);
}

/* The steps the recording left, in the order they started. */
static int collect(const char *rec, struct kbplan *p)
{
	struct dirent **list;
	char path[PATH_MAX + NAME_MAX + 2];
	int n = scandir(rec, &list, step_file, by_name), r = 0;

	if (n < 0)
		return -errno;
	p->steps = calloc((size_t)n + 1, sizeof(*p->steps));
	for (int i = 0; i < n; i++) {
		if (!r && p->steps) {
			snprintf(path, sizeof(path), "%s/%s", rec,
				 list[i]->d_name);
			r = kbplan_step_read(path, &p->steps[p->nsteps]);
			if (!r)
				p->nsteps++;
		}
		free(list[i]);
	}
	free(list);
	return p->steps ? r : -ENOMEM;
}

/*
 * The full command, with kbuild's $(MAKE) and $(CONFIG_SHELL) wrapped by
 * a makefile read after the kernel's own (so that they keep its values):
 * make -C KDIR -f MAKEFILE -f REC/wrap.mk ARGS...
 */
static char **recording_argv(char *const *argv, const char *rec,
			     const char *makefile)
{
	size_t n = 0, k = 0;
	char **v;

	while (argv[n])
		n++;
	v = calloc(n + 5, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		v[k++] = argv[i];
		if (!strcmp(argv[i], "-C") && argv[i + 1]) {
			v[k++] = argv[++i];
			v[k++] = "-f";
			v[k++] = (char *)makefile;
			v[k++] = "-f";
			v[k++] = (char *)rec;
		}
	}
	return v;
}

static int write_wrapper(const char *path, const char *self, const char *rec,
			 long level)
{
	FILE *f = fopen(path, "wx");

	if (!f)
		return -errno;
	fprintf(f,
		"# kmdash: what kbuild's top-level runs at level %ld is "
		"recorded in %s\n"
		"MAKE := %s " KBPLAN_STEP " %s %ld make $(MAKE)\n"
		"CONFIG_SHELL := %s " KBPLAN_STEP " %s %ld shell "
		"$(CONFIG_SHELL)\n",
		level, rec, self, rec, level, self, rec, level);
	return fclose(f) ? -errno : 0;
}

static const char *top_makefile(const char *kdir)
{
	static const char *const names[] = { "GNUmakefile", "makefile",
					     "Makefile" };
	char path[PATH_MAX];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", kdir, names[i]);
		if (!access(path, R_OK))
			return names[i];
	}
	return NULL;
}

static int record(const char *self, const char *dir, const char *plan_path,
		  char *const *argv)
{
	static const int ended_by[] = { SIGTERM, SIGINT, SIGHUP };
	char rec[PATH_MAX], wrap[PATH_MAX + 16], why[256];
	const char *kdir = kdir_of(argv);
	const char *mf = kdir ? top_makefile(kdir) : NULL;
	const char *lv = getenv("MAKELEVEL");
	long level = (lv ? strtol(lv, NULL, 10) : 0) + 1;
	struct kbplan *p = NULL;
	char real[PATH_MAX];
	char **v;
	int status;

	snprintf(rec, sizeof(rec), "%s/rec.XXXXXX", dir);
	if (!mf || !realpath(kdir, real) || !mkdtemp(rec))
		return finish(run(NULL, argv, environ));
	snprintf(wrap, sizeof(wrap), "%s/wrap.mk", rec);
	v = recording_argv(argv, wrap, mf);
	if (!v || write_wrapper(wrap, self, rec, level) < 0) {
		free(v);
		rm_tree(rec);
		return finish(run(NULL, argv, environ));
	}
	/*
	 * A cancel (SIGTERM to the build's group) or a hang-up ends the
	 * build, not the clean-up: the recording goes, then the runner ends
	 * by that signal.
	 */
	for (size_t i = 0; i < sizeof(ended_by) / sizeof(*ended_by); i++)
		sigaction(ended_by[i],
			  &(struct sigaction){ .sa_handler = pass_on }, NULL);
	status = run(NULL, v, environ);
	free(v);
	if (caught)
		status = 128 + caught;
	if (!status && (p = calloc(1, sizeof(*p)))) {
		p->recorded = (long long)time(NULL);
		p->kdir = strdup(real);
		if (!p->kdir || collect(rec, p) < 0)
			fprintf(stderr, "kmdash: kbuild's plan not kept: its "
					"steps could not be read\n");
		else if (!kbplan_shape_ok(p, why, sizeof(why)))
			fprintf(stderr,
				"kmdash: kbuild's plan not kept (the "
				"full command runs each time): %s\n",
				why);
		else if (kbplan_fingerprint(p) < 0 ||
			 kbplan_save(p, plan_path) < 0)
			fprintf(stderr,
				"kmdash: kbuild's plan not kept: %s: "
				"cannot write it\n",
				plan_path);
	}
	kbplan_free(p);
	rm_tree(rec);
	return finish(status);
}

static int runner_main(int argc, char **argv)
{
	char key[DIGEST_HEX_LEN], path[PATH_MAX], cwd[PATH_MAX];
	char **cmd = argv + 3;
	const char *dir = argv[1];
	const char *self = kbplan_runner();
	struct kbplan *p;

	if (argc < 5 || strcmp(argv[2], "--"))
		return say("usage: kmdash %s PLAN_DIR -- make -C KDIR M=DIR ..."
			   "%s\n",
			   KBPLAN_RUN, "");
	if (!self || !kbplan_applies((const char *const *)cmd) ||
	    !getcwd(cwd, sizeof(cwd)) ||
	    (mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    kbplan_key(cwd, cmd, environ, key) < 0 ||
	    snprintf(path, sizeof(path), "%s/%.32s.plan", dir, key) >=
		    (int)sizeof(path))
		return finish(run(NULL, cmd, environ));
	p = kbplan_load(path);
	if (p && kbplan_fresh(p)) {
		int status = replay(p);

		kbplan_free(p);
		return status;
	}
	kbplan_free(p);
	tidy(dir);
	return record(self, dir, path, cmd);
}

/* --- a step, while recording -------------------------------------------- */

/*
 * kmdash __kbuild-step REC LEVEL KIND PROG ARGS...: at kbuild's top
 * level (LEVEL), records PROG ARGS with its directory and environment;
 * at any level runs it. Its environment loses the wrapper, so that what
 * runs below is what a replay runs.
 */
static int step_main(int argc, char **argv)
{
	char prefix[PATH_MAX * 2], cwd[PATH_MAX], path[PATH_MAX + 32];
	const char *rec = argv[1], *lv = getenv("MAKELEVEL");
	struct kbplan_step s = { 0 };
	size_t n = 0, k = 0;
	char **env;

	if (argc < 5)
		return say(
			"usage: kmdash %s REC LEVEL make|shell PROG ARGS...%s\n",
			KBPLAN_STEP, "");
	/* $(CONFIG_SHELL) as the wrapper left it: "SELF __kbuild-step ..." */
	snprintf(prefix, sizeof(prefix), "CONFIG_SHELL=%s %s %s %s shell ",
		 kbplan_runner() ? kbplan_runner() : "", KBPLAN_STEP, rec,
		 argv[2]);
	while (environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return EXIT_MAKE;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(environ[i], prefix, strlen(prefix))) {
			char *v = malloc(strlen(environ[i]));

			if (v)
				sprintf(v, "CONFIG_SHELL=%s",
					environ[i] + strlen(prefix));
			env[k++] = v;
			if (!v)
				return EXIT_MAKE;
			continue;
		}
		env[k++] = environ[i];
	}
	if (lv && !strcmp(lv, argv[2]) && getcwd(cwd, sizeof(cwd))) {
		s.dir = cwd;
		s.argv = argv + 4;
		s.env = env;
		s.shell = !strcmp(argv[3], "shell");
		/* in the order they start: the top level runs them in turn */
		for (unsigned i = 0; i < 100000; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/step-%05u.json", rec,
				 i);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0600);
			if (fd < 0 && errno == EEXIST)
				continue;
			if (fd >= 0)
				close(fd);
			break;
		}
		/* if it fails, the empty file fails the plan: not kept */
		kbplan_step_write(path, &s);
	}
	execvpe(argv[4], argv + 4, env);
	fprintf(stderr, "kmdash: %s: %s\n", argv[4], strerror(errno));
	return 127;
}

int kbplan_main(int argc, char **argv)
{
	if (!strcmp(argv[0], KBPLAN_RUN))
		return runner_main(argc, argv);
	return step_main(argc, argv);
}
