/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the headless commands share: the session around a command, driven
 * to completion, and its report as lines of text (or JSON lines with
 * --json, one object per event, for scripts and CI).
 */
#ifndef KMDASH_CLI_H
#define KMDASH_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ssh/link.h"

struct cJSON;
struct cmd_ctx;
struct config;
struct loop;
struct session;
struct session_opts;

struct cli {
	const struct cmd_ctx *ctx;
	const struct config *cfg;
	const char *target; /* --target, NULL: the default one */
	bool json; /* --json */
	bool tty; /* stdout is a terminal */
	struct loop *loop;
	struct session *s;
	bool interrupted; /* SIGINT/SIGTERM */
	uint64_t kmsg_next; /* the next kernel record to print */
};

/*
 * Loads the configuration of a command line (--config, --module,
 * --example), printing every error; NULL on failure.
 */
struct config *cli_load_config(const struct cmd_ctx *ctx);

void cli_init(struct cli *c, const struct cmd_ctx *ctx);
/*
 * Opens the session of the target (so->cfg, target and arg are set
 * here) and starts it; SIGINT cancels a running job, else stops the
 * loop. 0, or the exit status of a failure (said on stderr).
 */
int cli_open_session(struct cli *c, struct session_opts *so);
/* Frees the session and the loop, if open. */
void cli_close(struct cli *c);
/* Runs the loop until done() says so or timeout_ms passes; done()'s answer. */
bool cli_run_until(struct cli *c, bool (*done)(struct cli *c),
		   int64_t timeout_ms);

/* A line of text (nothing with --json). */
void cli_say(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One JSON line on stdout; frees o. */
void cli_emit_json(struct cJSON *o);
/*
 * The kernel records not yet printed. only_module: the module's lines,
 * oopses and markers since the session began (not the replayed backlog),
 * each after "  kernel: ".
 */
void cli_print_kmsg(struct cli *c, bool only_module);
/*
 * "-- link DOWN: why --" (a JSON "link" event) when the link's state is
 * another than *last, which it then becomes; DEGRADED is not said.
 */
void cli_print_link_change(struct cli *c, enum link_state *last);
/*
 * A step started, progressed or ended (session_opts.on_step, arg the
 * cli): "[build] ok in 1.20 s: ..." with the compiler's errors, or a JSON
 * "step" event.
 */
struct job_step;
void cli_print_step(struct session *s, const struct job_step *st, void *arg);
/* The link is UP or DOWN (or the VM is not running): it has settled. */
bool cli_link_settled(struct cli *c);

#endif
