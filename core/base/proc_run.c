// SPDX-License-Identifier: GPL-2.0
/*
 * proc_run: proc_start on a private loop, run until the child's end.
 */
#include "core/base/proc_run.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/base/loop.h"

struct run {
	struct loop *loop;
	char *out;
	size_t cap, len;
	struct proc_result res;
	bool done;
};

static void on_output(void *arg, const char *buf, size_t len,
		      enum proc_stream stream)
{
	struct run *r = arg;
	size_t n;

	if (!r->out || r->len + 1 >= r->cap)
		return;
	n = r->cap - 1 - r->len;
	if (n > len)
		n = len;
	memcpy(r->out + r->len, buf, n);
	r->len += n;
	r->out[r->len] = '\0';
}

static void on_done(void *arg, const struct proc_result *res)
{
	struct run *r = arg;

	r->res = *res;
	r->done = true;
	loop_stop(r->loop);
}

int proc_run(const char *const *argv, const char *const *env, char *out,
	     size_t outcap, struct proc_result *res, char *err, size_t errlen)
{
	struct run r = { .out = outcap ? out : NULL, .cap = outcap };
	struct proc_opts o = {
		.argv = argv,
		.env = env,
		.io = PROC_PIPES,
		.on_output = on_output,
		.on_done = on_done,
		.arg = &r,
	};
	struct proc *p;

	if (r.out)
		r.out[0] = '\0';
	r.loop = loop_new();
	if (!r.loop) {
		snprintf(err, errlen, "cannot run %s: out of memory", argv[0]);
		return -ENOMEM;
	}
	p = proc_start(r.loop, &o, err, errlen);
	if (!p) {
		loop_free(r.loop);
		return -ENOENT;
	}
	while (!r.done)
		if (loop_run(r.loop) < 0)
			break;
	/* (a child still there, when the loop failed, is killed) */
	proc_free(p);
	loop_free(r.loop);
	if (!r.done) {
		snprintf(err, errlen, "lost track of %s (poll failed)",
			 argv[0]);
		return -EIO;
	}
	*res = r.res;
	return 0;
}

void proc_run_first_line(const char *out, char *buf, size_t cap)
{
	size_t n = strcspn(out ? out : "", "\n");

	if (n > 200)
		n = 200;
	snprintf(buf, cap, "%.*s", (int)n, out ? out : "");
}
