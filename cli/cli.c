// SPDX-License-Identifier: GPL-2.0
/*
 * The session around a headless command, and the output helpers the
 * commands share.
 */
#include "cli/cli.h"

#include <cJSON.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/base/loop.h"
#include "core/base/termsafe.h"
#include "core/config/config.h"
#include "core/module/kmsg.h"
#include "core/session.h"
#include "core/ssh/link.h"
#include "core/vm/vm.h"

struct config *cli_load_config(const struct cmd_ctx *ctx)
{
	struct config_opts o = {
		.path = ctx->opt['c'],
		.module_dir = ctx->opt[OPT_MODULE],
		.example = cmd_has(ctx, OPT_EXAMPLE),
	};
	static char err[8192];
	struct config *cfg = config_load(&o, err, sizeof(err));

	if (!cfg)
		fprintf(stderr, "kmdash: configuration error:\n%s\n", err);
	return cfg;
}

void cli_init(struct cli *c, const struct cmd_ctx *ctx)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->cfg = ctx->cfg;
	c->target = ctx->opt['t'];
	c->json = cmd_has(ctx, OPT_JSON);
	c->tty = isatty(STDOUT_FILENO);
}

/* --- output ----------------------------------------------------------------- */

/*
 * JSON escapes only the C0 controls: a C1 control in UTF-8 form, or
 * invalid UTF-8, from the target would reach the terminal as it came.
 * Its strings get the rule the text lines get (termguard.h).
 */
static void json_make_safe(cJSON *o)
{
	for (; o; o = o->next) {
		if (cJSON_IsString(o) && o->valuestring) {
			char *safe = termsafe_dup(o->valuestring,
						  strlen(o->valuestring),
						  TERMSAFE_NEWLINE);

			if (safe && strcmp(safe, o->valuestring))
				cJSON_SetValuestring(o, safe);
			free(safe);
		}
		json_make_safe(o->child);
	}
}

void cli_emit_json(cJSON *o)
{
	char *t;

	json_make_safe(o);
	t = cJSON_PrintUnformatted(o);

	if (t) {
		puts(t);
		fflush(stdout);
		free(t);
	}
	cJSON_Delete(o);
}

void cli_say(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void print_record(struct cli *c, const struct kmsg_record *rec)
{
	char line[KMSG_MAX_LINE + 64];

	if (c->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "kmsg");
		/* A marker is kmdash's note, not a kernel record. */
		if (!(rec->flags & KMSG_F_MARKER)) {
			cJSON_AddNumberToObject(o, "seq", (double)rec->seq);
			cJSON_AddNumberToObject(o, "usec", (double)rec->usec);
		}
		cJSON_AddStringToObject(o, "level",
					kmsg_level_name(rec->level));
		cJSON_AddStringToObject(o, "text", rec->text);
		if (rec->flags & KMSG_F_LOST)
			cJSON_AddStringToObject(o, "marker", "lost");
		if (rec->flags & KMSG_F_REBOOT)
			cJSON_AddStringToObject(o, "marker", "reboot");
		cli_emit_json(o);
		return;
	}
	if (kmsg_format(rec, line, sizeof(line)) >= 0)
		cli_say(c, "%s\n", line);
}

void cli_print_link_change(struct cli *c, enum link_state *last)
{
	struct link *l = session_link(c->s);
	enum link_state st = l ? link_state(l) : LINK_DOWN;

	if (st == *last || st == LINK_DEGRADED)
		return;
	*last = st;
	if (c->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "link");
		cJSON_AddStringToObject(o, "state", link_state_name(st));
		cJSON_AddStringToObject(o, "reason", l ? link_message(l) : "");
		cli_emit_json(o);
	} else {
		cli_say(c, "-- link %s%s%s --\n", link_state_name(st),
			l && link_message(l)[0] ? ": " : "",
			l ? link_message(l) : "");
	}
}

void cli_print_kmsg(struct cli *c, bool only_module)
{
	struct kmsg *k = session_kmsg(c->s);
	struct kmsg_record rec;

	if (c->kmsg_next < kmsg_first(k))
		c->kmsg_next = kmsg_first(k);
	for (; c->kmsg_next < kmsg_end(k); c->kmsg_next++) {
		if (!kmsg_get(k, c->kmsg_next, &rec) ||
		    (rec.flags & KMSG_F_OWN))
			continue;
		/* run: only the module's news, not the replayed backlog */
		if (only_module &&
		    (!(rec.flags & (KMSG_F_MODULE | KMSG_F_OOPS |
				    KMSG_F_MARKER | KMSG_F_DECODED)) ||
		     !session_kmsg_since(c->s) ||
		     rec.usec < session_kmsg_since(c->s)))
			continue;
		if (only_module && !c->json)
			cli_say(c, "  kernel: ");
		print_record(c, &rec);
	}
}

/* --- the session around a command ------------------------------------------- */

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct cli *c = arg;

	c->interrupted = true;
	if (session_job(c->s)->state == JOB_RUNNING) {
		cli_say(c, "\ninterrupted: cancelling the job\n");
		session_cancel(c->s);
	} else {
		loop_stop(loop);
	}
}

int cli_open_session(struct cli *c, struct session_opts *so)
{
	char err[512];

	c->loop = loop_new();
	if (!c->loop)
		return 2;
	so->cfg = c->cfg;
	so->target = c->target;
	so->arg = c;
	c->s = session_new(c->loop, so, err, sizeof(err));
	if (!c->s) {
		fprintf(stderr, "kmdash: %s\n", err);
		return 2;
	}
	loop_on_signal(c->loop, SIGINT, on_signal, c);
	loop_on_signal(c->loop, SIGTERM, on_signal, c);
	/* Writing to a closed pipe (| head) must end us quietly. */
	signal(SIGPIPE, SIG_DFL);
	if (session_start(c->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash: %s\n", err);
		return 1;
	}
	return 0;
}

void cli_close(struct cli *c)
{
	session_free(c->s);
	loop_free(c->loop);
	c->s = NULL;
	c->loop = NULL;
}

bool cli_run_until(struct cli *c, bool (*done)(struct cli *c),
		   int64_t timeout_ms)
{
	int64_t end = loop_now_ms() + timeout_ms;

	while (!done(c) && !c->interrupted) {
		int64_t left = end - loop_now_ms();

		if (left <= 0)
			return false;
		if (loop_run_once(c->loop, left) < 0)
			return false;
	}
	return done(c);
}

bool cli_link_settled(struct cli *c)
{
	struct link *l = session_link(c->s);
	struct vm *vm = session_vm(c->s);

	if (vm && !l)
		return vm_stage(vm) == VM_STAGE_OFF ||
		       vm_stage(vm) == VM_STAGE_EXITED ||
		       vm_stage(vm) == VM_STAGE_FAILED;
	if (!l)
		return true;
	return link_state(l) == LINK_UP || link_state(l) == LINK_DOWN;
}
