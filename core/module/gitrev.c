// SPDX-License-Identifier: GPL-2.0
/* The module's git commit, dirty flag and diff hash (gitrev.h). */
#include "core/module/gitrev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/digest.h"
#include "core/base/loop.h"
#include "core/base/proc.h"

#define OUT_MAX (64u << 20) /* a diff larger than this is hashed cut */

enum stage { ST_HEAD, ST_STATUS, ST_DIFF };

struct gitrev_op {
	struct loop *loop;
	char *dir;
	gitrev_fn fn;
	void *arg;
	struct proc *proc;
	enum stage stage;
	char *out; /* stdout of the stage, then of status + diff */
	size_t len, cap;
	char err[256]; /* its stderr's first line */
	size_t errlen;
	struct gitrev rev;
	uint64_t timer; /* a callback due at once (no dir, no git) */
};

static const char *const stages[][10] = {
	[ST_HEAD] = { "git", "rev-parse", "--verify", "-q", "HEAD", NULL },
	[ST_STATUS] = { "git", "status", "--porcelain",
			"--untracked-files=normal", "--", ".", NULL },
	[ST_DIFF] = { "git", "diff", "HEAD", "--no-ext-diff", "--no-color",
		      "--binary", "--", ".", NULL },
};

static void deliver(struct gitrev_op *op)
{
	gitrev_fn fn = op->fn;
	void *arg = op->arg;
	struct gitrev rev = op->rev;

	op->fn = NULL;
	gitrev_cancel(op);
	if (fn)
		fn(arg, &rev);
}

static void on_output(void *arg, const char *buf, size_t len,
		      enum proc_stream stream)
{
	struct gitrev_op *op = arg;

	if (stream == PROC_STDERR) {
		size_t n = len < sizeof(op->err) - 1 - op->errlen ?
				   len :
				   sizeof(op->err) - 1 - op->errlen;

		memcpy(op->err + op->errlen, buf, n);
		op->errlen += n;
		op->err[op->errlen] = '\0';
		return;
	}
	if (op->len + len > OUT_MAX)
		len = OUT_MAX - op->len;
	if (op->len + len + 1 > op->cap) {
		size_t cap = op->cap ? op->cap : 4096;
		char *p;

		while (cap < op->len + len + 1)
			cap *= 2;
		p = realloc(op->out, cap);
		if (!p)
			return;
		op->out = p;
		op->cap = cap;
	}
	memcpy(op->out + op->len, buf, len);
	op->len += len;
	op->out[op->len] = '\0';
}

static int run_stage(struct gitrev_op *op);

static void on_done(void *arg, const struct proc_result *res)
{
	struct gitrev_op *op = arg;
	char hex[DIGEST_HEX_LEN];

	proc_free(op->proc);
	op->proc = NULL;
	if (!res->exited || res->exit_code != 0) {
		op->err[strcspn(op->err, "\n")] = '\0';
		if (op->stage == ST_HEAD)
			snprintf(
				op->rev.note, sizeof(op->rev.note), "%.90s",
				strstr(op->err, "not a git repository") ?
					"not in a git repository" :
				op->err[0] ?
					op->err :
					"git rev-parse HEAD failed (no commit yet?)");
		else
			snprintf(op->rev.note, sizeof(op->rev.note),
				 "git %s failed: %.70s", stages[op->stage][1],
				 op->err);
		deliver(op);
		return;
	}
	switch (op->stage) {
	case ST_HEAD:
		snprintf(op->rev.commit, sizeof(op->rev.commit), "%.*s",
			 (int)strcspn(op->out ? op->out : "", "\n"),
			 op->out ? op->out : "");
		op->len = 0; /* status and diff are hashed together */
		op->stage = ST_STATUS;
		break;
	case ST_STATUS:
		op->rev.dirty = op->len > 0;
		op->stage = ST_DIFF;
		break;
	case ST_DIFF:
		if (op->rev.dirty && digest_sha256(op->out, op->len, hex) == 0)
			snprintf(op->rev.diff_hash, sizeof(op->rev.diff_hash),
				 "%.12s", hex);
		deliver(op);
		return;
	}
	op->errlen = 0;
	op->err[0] = '\0';
	if (run_stage(op) < 0)
		deliver(op);
}

static int run_stage(struct gitrev_op *op)
{
	static const char *const env[] = { "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C",
					   NULL };
	struct proc_opts po = {
		.argv = stages[op->stage],
		.cwd = op->dir,
		.env = env,
		.io = PROC_PIPES,
		.on_output = on_output,
		.on_done = on_done,
		.arg = op,
	};
	char err[256];

	op->proc = proc_start(op->loop, &po, err, sizeof(err));
	if (!op->proc) {
		snprintf(op->rev.note, sizeof(op->rev.note), "%.90s",
			 strstr(err, "not found") ? "git is not installed" :
						    err);
		return -ENOENT;
	}
	return 0;
}

static void due(struct loop *loop, void *arg)
{
	struct gitrev_op *op = arg;

	op->timer = 0;
	deliver(op);
}

struct gitrev_op *gitrev_start(struct loop *loop, const char *dir, gitrev_fn fn,
			       void *arg)
{
	struct gitrev_op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->loop = loop;
	op->fn = fn;
	op->arg = arg;
	op->dir = dir ? strdup(dir) : NULL;
	if (!dir || !op->dir || run_stage(op) < 0) {
		if (!dir)
			snprintf(op->rev.note, sizeof(op->rev.note),
				 "no module directory");
		op->timer = loop_add_timer(loop, 0, due, op);
	}
	return op;
}

void gitrev_cancel(struct gitrev_op *op)
{
	if (!op)
		return;
	if (op->proc)
		proc_free(op->proc);
	loop_cancel_timer(op->loop, op->timer);
	free(op->dir);
	free(op->out);
	free(op);
}
