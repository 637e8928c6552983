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
#include "core/module/mirror.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUILD_LINE_MAX 16384

struct build {
	/* configuration */
	char **argv, **env, *cwd;
	char *no_command, *mirror_src, *mirror_dst;
	char command[256];
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

static char **copy_strv(const char *const *v)
{
	size_t n = 0;
	char **c;

	while (v && v[n])
		n++;
	c = calloc(n + 1, sizeof(*c));
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			while (i--)
				free(c[i]);
			free(c);
			return NULL;
		}
	}
	return c;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

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
	b->argv = copy_strv(has_cmd ? o->argv : NULL);
	b->env = copy_strv(o->env);
	b->cwd = o->cwd ? strdup(o->cwd) : NULL;
	if (!has_cmd)
		b->no_command = strdup(o->no_command);
	if (o->mirror_src && o->mirror_dst) {
		b->mirror_src = strdup(o->mirror_src);
		b->mirror_dst = strdup(o->mirror_dst);
		if (!b->mirror_src || !b->mirror_dst)
			goto nomem;
	}
	b->ring = ring_new(o->max_lines ? o->max_lines : 20000,
			   o->max_bytes ? o->max_bytes : 4 << 20);
	if (!b->argv || !b->env || (o->cwd && !b->cwd) || !b->ring ||
	    (!has_cmd && !b->no_command))
		goto nomem;
	join_argv(b->command, sizeof(b->command), b->argv);
	b->io = o->io;
	b->max_diags = o->max_diags ? o->max_diags : 2000;
	b->kill_grace_ms = o->kill_grace_ms;
	b->sink = o->sink;
	b->on_done = o->on_done;
	b->arg = o->arg;
	diag_parser_init(&b->parser, b->cwd);
	return b;
nomem:
	snprintf(err, errlen, "out of memory setting up the build");
	build_free(b);
	return NULL;
}

void build_free(struct build *b)
{
	if (!b)
		return;
	proc_free(b->proc);
	free_strv(b->argv);
	free_strv(b->env);
	free(b->cwd);
	free(b->no_command);
	free(b->mirror_src);
	free(b->mirror_dst);
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
	diag_parser_init(&b->parser, b->cwd);
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
	errno = 0;
	b->proc = proc_start(b->loop, &o, err, sizeof(err));
	if (!b->proc) {
		int e = errno ? errno : EINVAL;
		char why[sizeof(b->result)];

		/* "build command 'mak' not found: ..." */
		snprintf(why, sizeof(why), "build %s%s",
			 strncmp(err, "command ", 8) ? "cannot start: " : "",
			 err);
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

int build_cancel(struct build *b)
{
	if (!build_running(b))
		return -ESRCH;
	b->restart = false;
	return proc_cancel(b->proc);
}

int build_restart(struct build *b)
{
	if (!build_running(b) || !proc_running(b->proc))
		return -ESRCH;
	b->restart = true;
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
