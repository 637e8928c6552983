// SPDX-License-Identifier: GPL-2.0
/*
 * The build job. Output arrives in arbitrary chunks from the pty: lines
 * are assembled here (partial lines wait, "\r\n" loses its "\r", a line
 * rewritten with bare "\r" keeps what a terminal would show last), then
 * go to the ring, the diagnostic parser and the sink.
 */
#include "core/module/build.h"

#include "core/base/loop.h"
#include "core/base/ring.h"
#include "core/base/strv.h"
#include "core/module/kbplan.h"
#include "core/module/mirror.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUILD_LINE_MAX 16384

struct build {
	/* configuration */
	char **argv, **env, *cwd;
	char *no_command, *mirror_src, *mirror_dst, *plan_dir;
	char command[512];
	/* in a container: its spec (copies), and the paths mapped back */
	bool in_container;
	struct container_spec spec;
	char *engine, *image, *workdir, **mounts;
	char **maps;
	char container[64]; /* the current run's container name */
	struct proc *killer; /* ENGINE kill NAME, after a cancel */
	enum proc_io io;
	size_t max_diags;
	int kill_grace_ms;
	build_sink_fn sink;
	build_done_fn on_done;
	void *arg;

	/* the current run */
	struct loop *loop;
	struct proc *proc;
	enum build_state state;
	struct ring *ring;
	struct diag_parser parser;
	struct diag *diags;
	size_t ndiags, capdiags;
	long last_main; /* the last error or warning, for its notes */
	unsigned errors, warnings;
	char step[256];
	char explain[384]; /* the engine's own error, in words */
	int64_t t0, t1;
	struct proc_result res;
	char result[512];
	/* per stream: with pipes, stdout and stderr interleave */
	char partial[2][BUILD_LINE_MAX];
	size_t npartial[2];
	bool dirty;
	/* the run was stopped to start again when its group has exited */
	bool restart;
	unsigned restarts;
};

/* "make kmod KMOD_SRC=x": for display only, never run through a shell. */
static void join_argv(char *dst, size_t cap, char **argv)
{
	size_t n = 0;

	dst[0] = '\0';
	for (size_t i = 0; argv[i] && n + 1 < cap; i++) {
		int w = snprintf(dst + n, cap - n, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Appends copies of v to *dst (both NULL-terminated); -ENOMEM. */
static int append_strv(char ***dst, const char *const *v)
{
	size_t n = 0, m = 0;
	char **c;

	while (*dst && (*dst)[n])
		n++;
	while (v && v[m])
		m++;
	c = realloc(*dst, (n + m + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	*dst = c;
	for (size_t i = 0; i < m; i++) {
		c[n + i] = strdup(v[i]);
		if (!c[n + i]) {
			c[n + i] = NULL;
			return -ENOMEM;
		}
	}
	c[n + m] = NULL;
	return 0;
}

/* The container's spec and the path maps, copied; -ENOMEM. */
static int copy_container(struct build *b, const struct build_opts *o)
{
	const struct container_spec *c = o->container;
	char **derived;
	int r;

	if (append_strv(&b->maps, o->path_map) < 0)
		return -ENOMEM;
	if (!c)
		return 0;
	b->in_container = true;
	b->engine = strdup(c->engine);
	b->image = strdup(c->image);
	b->workdir = strdup(c->workdir ? c->workdir : "/");
	b->mounts = strv_copy(c->mounts);
	if (!b->engine || !b->image || !b->workdir || !b->mounts)
		return -ENOMEM;
	b->spec = (struct container_spec){
		.engine = b->engine,
		.image = b->image,
		.mounts = (const char *const *)b->mounts,
		.workdir = b->workdir,
	};
	derived = container_path_maps(&b->spec);
	if (!derived)
		return -ENOMEM;
	r = append_strv(&b->maps, (const char *const *)derived);
	strv_free(derived);
	return r;
}

/* Relative paths are the command's: in a container, from its workdir. */
static void init_parser(struct build *b)
{
	diag_parser_init(&b->parser, b->in_container ? b->workdir : b->cwd);
	b->parser.maps = (const char *const *)b->maps;
}

struct build *build_new(const struct build_opts *o, char *err, size_t errlen)
{
	struct build *b;
	bool has_cmd = o && o->argv && o->argv[0] && o->argv[0][0];

	if (!o || (!has_cmd && !o->no_command)) {
		snprintf(err, errlen,
			 "no build command configured: set the build argv");
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		goto nomem;
	b->argv = strv_copy(has_cmd ? o->argv : NULL);
	b->env = strv_copy(o->env);
	b->cwd = o->cwd ? strdup(o->cwd) : NULL;
	if (!has_cmd)
		b->no_command = strdup(o->no_command);
	if (o->mirror_src && o->mirror_dst) {
		b->mirror_src = strdup(o->mirror_src);
		b->mirror_dst = strdup(o->mirror_dst);
		if (!b->mirror_src || !b->mirror_dst)
			goto nomem;
	}
	if (o->plan_dir && !(b->plan_dir = strdup(o->plan_dir)))
		goto nomem;
	b->ring = ring_new(o->max_lines ? o->max_lines : 20000,
			   o->max_bytes ? o->max_bytes : 4 << 20);
	if (!b->argv || !b->env || (o->cwd && !b->cwd) || !b->ring ||
	    (!has_cmd && !b->no_command))
		goto nomem;
	if (copy_container(b, o) < 0)
		goto nomem;
	join_argv(b->command, sizeof(b->command), b->argv);
	if (b->in_container) {
		size_t n = strlen(b->command);

		snprintf(b->command + n, sizeof(b->command) - n, " (in %s %s)",
			 b->engine, b->image);
	}
	b->io = o->io;
	b->max_diags = o->max_diags ? o->max_diags : 2000;
	b->kill_grace_ms = o->kill_grace_ms;
	b->sink = o->sink;
	b->on_done = o->on_done;
	b->arg = o->arg;
	init_parser(b);
	return b;
nomem:
	snprintf(err, errlen, "out of memory setting up the build");
	build_free(b);
	return NULL;
}

/*
 * build_free() of a running build: the loop may be gone, so the engine's
 * kill runs here and now, waited for (a hung engine: 5 s at most).
 */
static void kill_container_now(struct build *b)
{
	char **argv = container_kill_argv(&b->spec, b->container);
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	if (!argv)
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		for (int i = 0; i < 500; i++) {
			if (waitpid(pid, &st, WNOHANG) != 0)
				break;
			nanosleep(&tick, NULL);
			if (i == 499) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
			}
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	strv_free(argv);
}

void build_free(struct build *b)
{
	if (!b)
		return;
	if (build_running(b) && b->in_container)
		kill_container_now(b);
	proc_free(b->proc);
	proc_free(b->killer);
	strv_free(b->argv);
	free(b->engine);
	free(b->image);
	free(b->workdir);
	strv_free(b->mounts);
	strv_free(b->maps);
	strv_free(b->env);
	free(b->cwd);
	free(b->no_command);
	free(b->mirror_src);
	free(b->mirror_dst);
	free(b->plan_dir);
	ring_free(b->ring);
	diag_parser_free(&b->parser);
	free(b->diags);
	free(b);
}

/*
 * gcc reports a bad pr_info() format in the kernel header that defines
 * the macro, then walks the expansion back in notes: the last note in the
 * file being compiled is the line to fix.
 */
static void follow_expansion(struct build *b, const struct diag *note)
{
	struct diag *m;

	if (b->last_main < 0 || note->sev != DIAG_SEV_NOTE)
		return;
	m = &b->diags[b->last_main];
	if (strncmp(note->message, "in expansion of macro", 21) ||
	    strcmp(note->file, b->parser.func_file) ||
	    !strcmp(m->file, b->parser.func_file))
		return;
	snprintf(m->at_src, sizeof(m->at_src), "%s", note->src);
	m->at_line = note->line;
	m->at_col = note->col;
}

static void add_diag(struct build *b, const struct diag *d)
{
	if (d->sev == DIAG_SEV_ERROR || d->sev == DIAG_SEV_FATAL)
		b->errors++;
	else if (d->sev == DIAG_SEV_WARNING)
		b->warnings++;
	follow_expansion(b, d);
	if (b->ndiags == b->max_diags)
		return;
	if (b->ndiags == b->capdiags) {
		size_t cap = b->capdiags ? b->capdiags * 2 : 16;
		struct diag *p = realloc(b->diags, cap * sizeof(*p));

		if (!p)
			return;
		b->diags = p;
		b->capdiags = cap;
	}
	if (d->sev != DIAG_SEV_NOTE)
		b->last_main = (long)b->ndiags;
	b->diags[b->ndiags++] = *d;
}

/* One complete line, without its newline. */
static void take_line(struct build *b, const char *line, size_t len)
{
	struct diag_line dl;
	const char *cr;

	/* "\r\n", or "\r\r\n" when a program writes "\r\n" to the pty. */
	while (len && line[len - 1] == '\r')
		len--;
	/* A line rewritten with "\r" shows its last version. */
	cr = memrchr(line, '\r', len);
	if (cr) {
		len -= (size_t)(cr + 1 - line);
		line = cr + 1;
	}
	diag_parse_line(&b->parser, line, len, &dl);
	if (b->in_container && !b->explain[0] && dl.kind == DIAG_PLAIN)
		container_explain(&b->spec, dl.plain, b->explain,
				  sizeof(b->explain));
	ring_push(b->ring, line, len, dl.kind);
	if (dl.kind == DIAG_PROGRESS) {
		const char *s = dl.plain;

		while (*s == ' ')
			s++;
		snprintf(b->step, sizeof(b->step), "%s", s);
	}
	if (dl.has_diag) {
		dl.diag.seq = ring_end_seq(b->ring) - 1;
		add_diag(b, &dl.diag);
	}
	if (b->sink)
		b->sink(b->arg, line, len, dl.kind);
	b->dirty = true;
}

static void on_output(void *arg, const char *buf, size_t len,
		      enum proc_stream stream)
{
	struct build *b = arg;
	int i = stream == PROC_STDERR;
	char *part = b->partial[i];
	size_t *np = &b->npartial[i];

	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		size_t room = BUILD_LINE_MAX - *np;

		if (n > room)
			n = room;
		memcpy(part + *np, buf, n);
		*np += n;
		buf += n;
		len -= n;
		if (len && *buf == '\n') {
			buf++;
			len--;
		} else if (*np < BUILD_LINE_MAX) {
			break; /* a partial line: wait for the rest */
		}
		/* Complete, or too long to wait for: a line either way. */
		take_line(b, part, *np);
		*np = 0;
	}
}

static void plural(char *dst, size_t cap, unsigned n, const char *what)
{
	snprintf(dst, cap, "%u %s%s", n, what, n == 1 ? "" : "s");
}

static void set_result(struct build *b)
{
	char errs[32], warns[32], how[96];
	double s = (double)(b->t1 - b->t0) / 1000.0;

	plural(errs, sizeof(errs), b->errors, "error");
	plural(warns, sizeof(warns), b->warnings, "warning");
	switch (b->state) {
	case BUILD_OK:
		if (b->errors)
			snprintf(b->result, sizeof(b->result),
				 "build ok in %.1f s, %s, %s", s, warns, errs);
		else
			snprintf(b->result, sizeof(b->result),
				 "build ok in %.1f s, %s", s, warns);
		break;
	case BUILD_CANCELLED:
		snprintf(b->result, sizeof(b->result),
			 "build cancelled after %.1f s", s);
		break;
	case BUILD_FAILED:
		if (b->explain[0]) {
			snprintf(b->result, sizeof(b->result),
				 "build failed: %s", b->explain);
			break;
		}
		if (b->in_container && b->res.exited &&
		    container_exit_words(b->res.exit_code)) {
			snprintf(b->result, sizeof(b->result),
				 "build failed: %s (%s exit %d): see the "
				 "build log",
				 container_exit_words(b->res.exit_code),
				 b->engine, b->res.exit_code);
			break;
		}
		if (b->res.exited)
			snprintf(how, sizeof(how), "exit %d", b->res.exit_code);
		else
			snprintf(how, sizeof(how), "killed by signal %d, %s",
				 b->res.signo, strsignal(b->res.signo));
		snprintf(b->result, sizeof(b->result),
			 "build failed: %s, %s (%s)", errs, warns, how);
		break;
	default:
		break;
	}
}

static int launch(struct build *b);
static void reset_run(struct build *b);

static void on_done(void *arg, const struct proc_result *res)
{
	struct build *b = arg;

	if (b->restart) {
		/* the stale run says nothing: the step waits for the new one */
		b->restart = false;
		b->restarts++;
		reset_run(b);
		b->t0 = b->t1 = loop_now_ms();
		b->dirty = true;
		if (launch(b) < 0 && b->on_done)
			b->on_done(b->arg, b);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (b->npartial[i])
			take_line(b, b->partial[i], b->npartial[i]);
		b->npartial[i] = 0;
	}
	b->res = *res;
	b->t1 = b->t0 + res->elapsed_ms;
	if (res->cancelled)
		b->state = BUILD_CANCELLED;
	else if (res->exited && res->exit_code == 0)
		b->state = BUILD_OK;
	else
		b->state = BUILD_FAILED;
	set_result(b);
	b->dirty = true;
	if (b->on_done)
		b->on_done(b->arg, b);
}

static void reset_run(struct build *b)
{
	ring_clear(b->ring);
	diag_parser_free(&b->parser);
	init_parser(b);
	b->explain[0] = '\0';
	b->ndiags = 0;
	b->last_main = -1;
	b->errors = b->warnings = 0;
	b->step[0] = '\0';
	b->npartial[0] = b->npartial[1] = 0;
	b->result[0] = '\0';
	memset(&b->res, 0, sizeof(b->res));
	b->res.exit_code = -1;
}

/* The command could not run: the build failed at once, saying why. */
static int fail_start(struct build *b, int e, const char *why)
{
	b->state = BUILD_FAILED;
	b->t1 = loop_now_ms();
	snprintf(b->result, sizeof(b->result), "%s", why);
	b->res.exit_code = -1;
	b->dirty = true;
	return -e;
}

/* Mirrors the sources and starts the command: the run itself. */
static int launch(struct build *b)
{
	static unsigned int runs;
	char **run = NULL;
	struct proc_opts o = {
		.argv = (const char *const *)b->argv,
		.cwd = b->cwd,
		.env = (const char *const *)b->env,
		.io = b->io,
		.kill_grace_ms = b->kill_grace_ms,
		.on_output = on_output,
		.on_done = on_done,
		.arg = b,
	};
	char err[384];

	proc_free(b->proc);
	b->proc = NULL;
	if (b->mirror_src &&
	    mirror_tree(b->mirror_src, b->mirror_dst, err, sizeof(err)) < 0) {
		char why[sizeof(b->result)];

		snprintf(why, sizeof(why), "build cannot start: %s", err);
		return fail_start(b, EIO, why);
	}
	if (b->in_container) {
		/* unique among kmdash's builds on this host */
		snprintf(b->container, sizeof(b->container),
			 "kmdash-build-%ld-%u", (long)getpid(), ++runs);
		run = container_run_argv(&b->spec, b->container,
					 (const char *const *)b->argv,
					 (const char *const *)b->env);
		if (!run)
			return fail_start(b, ENOMEM,
					  "build cannot start: out of memory");
		o.argv = (const char *const *)run;
		o.env = NULL;
	} else if (b->plan_dir) {
		/* NULL (not kbuild's command, no runner): argv as it is */
		run = kbplan_wrap(b->plan_dir, (const char *const *)b->argv);
		if (run)
			o.argv = (const char *const *)run;
	}
	errno = 0;
	b->proc = proc_start(b->loop, &o, err, sizeof(err));
	strv_free(run);
	if (!b->proc) {
		int e = errno ? errno : EINVAL;
		char why[sizeof(b->result)];

		if (b->in_container && e == ENOENT)
			snprintf(why, sizeof(why),
				 "build cannot start: container engine '%s' "
				 "not found: install it, or set "
				 "build.container.engine",
				 b->engine);
		else /* "build command 'mak' not found: ..." */
			snprintf(why, sizeof(why), "build %s%s",
				 strncmp(err, "command ", 8) ?
					 "cannot start: " :
					 "",
				 err);
		b->container[0] = '\0';
		return fail_start(b, e, why);
	}
	return 0;
}

int build_start(struct build *b, struct loop *loop)
{
	if (build_running(b))
		return -EBUSY;
	reset_run(b);
	b->restarts = 0;
	b->loop = loop;
	b->t0 = b->t1 = loop_now_ms();
	b->state = BUILD_RUNNING;
	b->dirty = true;
	if (b->no_command)
		return fail_start(b, ENOENT, b->no_command);
	return launch(b);
}

static void on_killer_done(void *arg, const struct proc_result *res)
{
	(void)arg;
	(void)res;
}

static void on_killer_output(void *arg, const char *buf, size_t len,
			     enum proc_stream stream)
{
	(void)arg;
	(void)buf;
	(void)len;
	(void)stream;
}

/* ENGINE kill NAME, in the background: the client then ends by itself. */
static void kill_container(struct build *b)
{
	char **argv = container_kill_argv(&b->spec, b->container);
	char err[256];
	struct proc_opts o = {
		.io = PROC_PIPES,
		.on_output = on_killer_output,
		.on_done = on_killer_done,
	};

	if (!argv)
		return;
	o.argv = (const char *const *)argv;
	proc_free(b->killer);
	b->killer = proc_start(b->loop, &o, err, sizeof(err));
	strv_free(argv);
}

int build_cancel(struct build *b)
{
	if (!build_running(b))
		return -ESRCH;
	b->restart = false;
	if (b->in_container)
		kill_container(b);
	return proc_cancel(b->proc);
}

int build_restart(struct build *b)
{
	if (!build_running(b) || !proc_running(b->proc))
		return -ESRCH;
	b->restart = true;
	/* the stale run's container must not write beside the new one */
	if (b->in_container)
		kill_container(b);
	return proc_cancel(b->proc);
}

unsigned build_restarts(const struct build *b)
{
	return b->restarts;
}

enum build_state build_state(const struct build *b)
{
	return b->state;
}

bool build_running(const struct build *b)
{
	return b && b->state == BUILD_RUNNING;
}

pid_t build_pid(const struct build *b)
{
	return build_running(b) ? proc_pid(b->proc) : -1;
}

const char *build_command(const struct build *b)
{
	return b->command;
}

const struct ring *build_ring(const struct build *b)
{
	return b->ring;
}

size_t build_diag_count(const struct build *b)
{
	return b->ndiags;
}

const struct diag *build_diag(const struct build *b, size_t i)
{
	return i < b->ndiags ? &b->diags[i] : NULL;
}

long build_diag_find(const struct build *b, uint64_t seq, int dir)
{
	if (dir > 0) {
		for (size_t i = 0; i < b->ndiags; i++)
			if (b->diags[i].seq > seq &&
			    b->diags[i].sev != DIAG_SEV_NOTE)
				return (long)i;
	} else {
		for (size_t i = b->ndiags; i-- > 0;)
			if (b->diags[i].seq < seq &&
			    b->diags[i].sev != DIAG_SEV_NOTE)
				return (long)i;
	}
	return -1;
}

unsigned build_errors(const struct build *b)
{
	return b->errors;
}

unsigned build_warnings(const struct build *b)
{
	return b->warnings;
}

const char *build_step(const struct build *b)
{
	return b->step;
}

int64_t build_elapsed_ms(const struct build *b)
{
	if (b->state == BUILD_RUNNING)
		return loop_now_ms() - b->t0;
	return b->t1 - b->t0;
}

const struct proc_result *build_proc_result(const struct build *b)
{
	return &b->res;
}

const char *build_result(const struct build *b)
{
	return b->result;
}

bool build_take_dirty(struct build *b)
{
	bool d = b->dirty;

	b->dirty = false;
	return d;
}
