// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash gdb [-- GDB-ARGS]: gdb-multiarch on the target VM's kernel, with
 * the module's symbols at their live addresses (core/module/gdbprep.h).
 * The session is closed before gdb starts: gdb runs as this process, in
 * this terminal, and its exit status is kmdash's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/config/config.h"
#include "core/module/gdbprep.h"
#include "core/session.h"

/* The link comes up, the module's state is asked: a few seconds at most. */
#define GDB_READY_MS 30000

struct gdbcmd {
	struct cli c; /* first: cli_run_until's callbacks get the cli */
	bool done;
	int rc;
	char gdbinit[PATH_MAX];
	char msg[1024];
};

static void on_ready(struct session *s, int rc, const char *gdbinit,
		     const char *msg, void *arg)
{
	struct gdbcmd *g = arg;

	g->done = true;
	g->rc = rc;
	snprintf(g->gdbinit, sizeof(g->gdbinit), "%s", gdbinit ? gdbinit : "");
	snprintf(g->msg, sizeof(g->msg), "%s", msg);
}

static bool gdb_done(struct cli *c)
{
	return ((struct gdbcmd *)c)->done;
}

static int gdb_exec(struct cmd_ctx *ctx)
{
	struct session_opts so = { 0 };
	struct gdbcmd g = { 0 };
	const char **argv;
	char err[1024];
	int rc;

	cli_init(&g.c, ctx);
	rc = cli_open_session(&g.c, &so);
	if (rc) {
		cli_close(&g.c);
		return rc;
	}
	cli_run_until(&g.c, cli_link_settled,
		      session_target(g.c.s)->ssh.connect_timeout_ms + 2000);
	if (session_gdb(g.c.s, on_ready, &g, err, sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		cli_close(&g.c);
		return 1;
	}
	if (!cli_run_until(&g.c, gdb_done, GDB_READY_MS)) {
		cmd_print_error(stderr, ctx->entry, "%s",
				g.c.interrupted ?
					"interrupted" :
					"the target did not answer in time");
		cli_close(&g.c);
		return g.c.interrupted ? 130 : 1;
	}
	cli_close(&g.c);
	if (g.rc < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", g.msg);
		return 1;
	}
	fprintf(stderr, "kmdash gdb: %s\n", g.msg);
	argv = calloc((size_t)ctx->argc + 6, sizeof(*argv));
	if (!argv || gdbprep_argv(argv, (size_t)ctx->argc + 6, g.gdbinit,
				  ctx->argv, (size_t)ctx->argc) < 0) {
		free(argv);
		return 1;
	}
	fflush(stdout);
	execvp(argv[0], (char *const *)argv);
	cmd_print_error(
		stderr, ctx->entry,
		"cannot run %s: %s (run 'make deps': it installs gdb-multiarch)",
		argv[0], strerror(errno));
	free(argv);
	return 127;
}

const struct cmd_entry cmd_gdb_entry = {
	.name = "gdb",
	.args = "[-- GDB-ARGS...]",
	.max_args = -1,
	.flags = CMD_CONFIG,
	.exec = gdb_exec,
	.summary = "gdb on the target VM's kernel, the module's symbols loaded",
	.help = "Starts gdb-multiarch on the kernel of the target's QEMU VM "
		"through its gdbstub (a unix socket in the VM's runtime "
		"directory), with a generated gdbinit that sets the "
		"architecture, loads the kernel's symbols (from the target's "
		"/proc/kallsyms, cached per kernel build) and the module's, "
		"from the exact .ko that was deployed (the copy kept by its "
		"build id), at the addresses of every section the kernel "
		"lists in /sys/module/NAME/sections/, maps the build "
		"directory to the sources, and defines "
		"kmdash-reload-symbols, which loads the module's new "
		"addresses after a reload. Your ~/.gdbinit is read first, as "
		"usual. GDB-ARGS go to gdb after the gdbinit, e.g. "
		"kmdash gdb -- -batch -x script.gdb.\n\n"
		"Attaching halts the VM until gdb continues it; while it is "
		"halted kmdash judges nothing (no link timeout, no step "
		"deadline), and a benchmark that was halted is not a "
		"baseline. Only QEMU targets have a gdbstub; the README says "
		"how to use kgdb on a board. The exit status is gdb's; 1 "
		"when gdb's files could not be made (the message says why), "
		"127 when gdb-multiarch is not installed.",
};
