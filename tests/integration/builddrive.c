// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for core/module/build until `kmdash run build` exists: runs a build
 * command through core/module/build and prints what a user would see, one item
 * per line:
 *   pid N                        (the child, also its process group)
 *   line KIND TEXT               (every output line, colours stripped)
 *   diag SEV SRC:LINE:COL: MESSAGE [OPTION] (printed FILE) in FUNCTION
 *   step / counts / state / result
 *
 *   builddrive [--cwd DIR] [--pipes] [--env NAME=VALUE]... [--grace MS]
 *              [--cancel-on TEXT] -- ARGV...
 *   builddrive --raw FILE [--cwd DIR] [--env ...] -- ARGV...
 *              (writes the bytes of the pty as they come: fixture capture)
 *
 * Exit status: 0 build ok, 1 failed, 2 cancelled, 3 could not start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/build.h"
#include "core/base/loop.h"
#include "core/base/proc.h"
#include "core/base/ring.h"

static const char *kind_names[] = { "plain", "progress", "note", "warning",
				    "error" };

struct drive {
	struct build *b;
	const char *cancel_on;
	bool done;
	FILE *raw;
	struct proc_result res;
};

static void sink(void *arg, const char *line, size_t len, enum diag_kind kind)
{
	struct drive *d = arg;
	char *plain = malloc(len + 1);

	if (!plain)
		return;
	diag_strip_ansi(line, len, plain, len + 1);
	printf("line %s %s\n", kind_names[kind], plain);
	fflush(stdout);
	if (d->cancel_on && strstr(plain, d->cancel_on)) {
		d->cancel_on = NULL;
		printf("cancel %d\n", build_cancel(d->b));
	}
	free(plain);
}

static void on_done(void *arg, struct build *b)
{
	((struct drive *)arg)->done = true;
}

static void raw_output(void *arg, const char *buf, size_t len,
		       enum proc_stream stream)
{
	fwrite(buf, 1, len, ((struct drive *)arg)->raw);
}

static void raw_done(void *arg, const struct proc_result *res)
{
	struct drive *d = arg;

	d->done = true;
	d->res = *res;
}

static int usage(void)
{
	fprintf(stderr, "usage: builddrive [--cwd DIR] [--pipes] "
			"[--env NAME=VALUE]... [--grace MS] "
			"[--cancel-on TEXT] [--raw FILE] -- ARGV...\n");
	return 64;
}

static int run_raw(struct loop *loop, struct drive *d, struct proc_opts *po)
{
	char err[256];
	struct proc *p;

	po->on_output = raw_output;
	po->on_done = raw_done;
	po->arg = d;
	p = proc_start(loop, po, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "builddrive: %s\n", err);
		return 3;
	}
	while (!d->done)
		loop_run_once(loop, -1);
	proc_free(p);
	fclose(d->raw);
	return d->res.exited && d->res.exit_code == 0 ? 0 : 1;
}

static void report(struct build *b)
{
	static const char *states[] = { "idle", "running", "ok", "failed",
					"cancelled" };

	for (size_t i = 0; i < build_diag_count(b); i++) {
		const struct diag *g = build_diag(b, i);

		printf("diag %s %s:%d:%d: %s", diag_sev_name(g->sev), g->src,
		       g->line, g->col, g->message);
		if (g->option[0])
			printf(" [%s]", g->option);
		printf(" (printed %s)", g->file);
		if (g->function[0])
			printf(" in %s", g->function);
		if (g->at_line)
			printf(" at %s:%d:%d", g->at_src, g->at_line,
			       g->at_col);
		if (!ring_get(build_ring(b), g->seq))
			printf(" (line evicted)");
		printf("\n");
	}
	printf("step %s\n", build_step(b));
	printf("counts errors=%u warnings=%u\n", build_errors(b),
	       build_warnings(b));
	printf("state %s\n", states[build_state(b)]);
	printf("result %s\n", build_result(b));
}

int main(int argc, char **argv)
{
	const char *envs[32] = { NULL };
	struct build_opts o = { .io = PROC_PTY };
	struct drive d = { 0 };
	const char *raw = NULL;
	struct loop *loop;
	char err[256];
	int i, nenv = 0, rc;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--pipes"))
			o.io = PROC_PIPES;
		else if (i + 1 >= argc)
			return usage();
		else if (!strcmp(argv[i], "--cwd"))
			o.cwd = argv[++i];
		else if (!strcmp(argv[i], "--env") && nenv < 31)
			envs[nenv++] = argv[++i];
		else if (!strcmp(argv[i], "--grace"))
			o.kill_grace_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cancel-on"))
			d.cancel_on = argv[++i];
		else if (!strcmp(argv[i], "--raw"))
			raw = argv[++i];
		else
			return usage();
	}
	if (i + 1 >= argc)
		return usage();
	o.argv = (const char *const *)argv + i + 1;
	o.env = envs;
	o.sink = sink;
	o.on_done = on_done;
	o.arg = &d;
	loop = loop_new();
	if (!loop)
		return 70;

	if (raw) {
		struct proc_opts po = {
			.argv = o.argv, .cwd = o.cwd, .env = o.env, .io = o.io
		};

		d.raw = fopen(raw, "w");
		if (!d.raw) {
			perror(raw);
			return 3;
		}
		rc = run_raw(loop, &d, &po);
		loop_free(loop);
		return rc;
	}

	d.b = build_new(&o, err, sizeof(err));
	if (!d.b) {
		fprintf(stderr, "builddrive: %s\n", err);
		return 3;
	}
	if (build_start(d.b, loop) < 0) {
		report(d.b);
		build_free(d.b);
		loop_free(loop);
		return 3;
	}
	printf("pid %d\n", (int)build_pid(d.b));
	fflush(stdout);
	while (!d.done)
		loop_run_once(loop, -1);
	report(d.b);
	switch (build_state(d.b)) {
	case BUILD_OK:
		rc = 0;
		break;
	case BUILD_CANCELLED:
		rc = 2;
		break;
	default:
		rc = 1;
	}
	build_free(d.b);
	loop_free(loop);
	return rc;
}
