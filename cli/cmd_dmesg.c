// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash dmesg [-f]: the target's kernel log, dumped until it pauses, or
 * followed (saying when the link drops and comes back, since the log may
 * then have a hole).
 */
#include <cJSON.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/base/loop.h"
#include "core/config/config.h"
#include "core/module/kmsg.h"
#include "core/session.h"
#include "core/ssh/link.h"
#include "core/vm/vm.h"

struct dmesg {
	struct cli c; /* first: callbacks get the cli */
	bool follow;
	enum link_state last_link;
	bool halted; /* a debugger holds the VM: said once each way */
	uint64_t idle_timer;
};

/* "-- VM halted by gdb --", and "-- VM running --" after: the log pauses. */
static void print_halt_change(struct dmesg *d)
{
	struct vm *vm = session_vm(d->c.s);
	bool halted = vm && vm_halted(vm);
	const char *what;

	if (halted == d->halted)
		return;
	d->halted = halted;
	what = !halted		    ? "running" :
	       vm_halted_by_gdb(vm) ? "halted by gdb" :
				      "paused";
	if (d->c.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "vm");
		cJSON_AddStringToObject(o, "state", what);
		cli_emit_json(o);
	} else {
		cli_say(&d->c, "-- VM %s --\n", what);
	}
}

static void dmesg_idle(struct loop *loop, void *arg)
{
	struct dmesg *d = arg;

	d->idle_timer = 0;
	loop_stop(loop);
}

static void on_change(struct session *s, unsigned changes, void *arg)
{
	struct dmesg *d = arg;

	if ((changes & (SC_LINK | SC_VM)) && d->follow)
		print_halt_change(d);
	if ((changes & SC_LINK) && d->follow)
		cli_print_link_change(&d->c, &d->last_link);
	if (!(changes & SC_KMSG))
		return;
	cli_print_kmsg(&d->c, false);
	/* One-shot: the buffer is dumped at once; stop when it pauses. */
	if (!d->follow) {
		loop_cancel_timer(d->c.loop, d->idle_timer);
		d->idle_timer = loop_add_timer(d->c.loop, 400, dmesg_idle, d);
	}
}

static int dmesg(struct dmesg *d)
{
	struct cli *c = &d->c;
	struct session_opts so = {
		.follow_kmsg = true,
		.on_change = on_change,
	};
	int rc = cli_open_session(c, &so);

	if (rc)
		return rc;
	if (!d->follow)
		/* Nothing at all within the connect time: give up. */
		d->idle_timer = loop_add_timer(
			c->loop,
			session_target(c->s)->ssh.connect_timeout_ms + 15000,
			dmesg_idle, d);
	loop_run(c->loop);
	if (kmsg_end(session_kmsg(c->s)) == 0 && !c->interrupted) {
		struct link *l = session_link(c->s);

		fprintf(stderr, "kmdash dmesg: no kernel log from %s: %s\n",
			session_name(c->s),
			l ? link_message(l) : "not connected");
		return 1;
	}
	return 0;
}

static int dmesg_exec(struct cmd_ctx *ctx)
{
	struct dmesg d = { .last_link = LINK_CONNECTING };
	int rc;

	cli_init(&d.c, ctx);
	d.follow = cmd_has(ctx, 'f');
	rc = dmesg(&d);
	cli_close(&d.c);
	return rc;
}

static const struct cmd_opt dmesg_opts[] = {
	{ "follow", 'f', NULL,
	  "keep printing new records, and say when the link drops and comes "
	  "back",
	  CMD_COMPLETE_NONE, NULL },
	{ "json", OPT_JSON, NULL,
	  "one JSON object a line (kmsg, link) instead of text",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_dmesg_entry = {
	.name = "dmesg",
	.opts = dmesg_opts,
	.flags = CMD_CONFIG,
	.exec = dmesg_exec,
	.summary = "the target's kernel log (-f follows it)",
	.help = "Prints the target's kernel log, read from /dev/kmsg over SSH, "
		"and ends when it pauses. With --follow it keeps printing "
		"new records until interrupted; when the link drops and "
		"comes back it says so, and the log resumes without "
		"duplicates, marking lost records and reboots. It also says "
		"when a debugger halts the VM and when it runs again (the "
		"log pauses meanwhile; the link is not judged).",
};
