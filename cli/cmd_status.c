// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash status: the VM, the link, the module and the last benchmark,
 * once the link has settled. (kmdash check is cmd_check.c.)
 */
#include <limits.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/status_json.h"
#include "core/config/config.h"
#include "core/module/bench.h"
#include "core/session.h"
#include "core/ssh/link.h"
#include "core/ssh/ssh.h"
#include "core/vm/vm.h"

static bool module_known(struct cli *c)
{
	struct link *l = session_link(c->s);

	return !l || link_state(l) != LINK_UP ||
	       session_module(c->s)->state != MOD_UNKNOWN;
}

static const char *module_text(struct session *s, char *buf, size_t cap)
{
	const struct session_module *m = session_module(s);
	int n;

	if (m->state == MOD_UNKNOWN) {
		snprintf(buf, cap, "%s unknown (target not reachable)",
			 session_target(s)->module.name);
		return buf;
	}
	n = session_module_text(s, buf, cap);
	if (m->state == MOD_LOADED && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " (refcnt %d%s%.12s)",
			 m->refcnt, m->build_id[0] ? ", build id " : "",
			 m->build_id);
	return buf;
}

static int report(struct cli *c)
{
	const struct config_target *t = session_target(c->s);
	struct link *l = session_link(c->s);
	struct vm *vm = session_vm(c->s);
	struct link_stats ls = { 0 };
	const struct bench_run *br = bench_latest_module(session_bench(c->s));
	char modbuf[400], gdb[PATH_MAX + 16];
	const char *mod;
	bool ok = l && link_state(l) == LINK_UP;

	if (l)
		link_stats(l, &ls);
	mod = module_text(c->s, modbuf, sizeof(modbuf));
	if (c->json) {
		cli_emit_json(status_json(c));
		return ok ? 0 : 1;
	}
	cli_say(c, "target    %s (%s)\n", t->name,
		c->cfg->path ? c->cfg->path :
			       "no config file: built-in default");
	if (vm)
		cli_say(c, "vm        %s%s%s (pid %d, port %d)\n",
			vm_stage_name(vm_stage(vm)),
			vm_error(vm)[0] ? ": " : "", vm_error(vm),
			(int)vm_pid(vm), vm_port(vm));
	if (l) {
		cli_say(c, "ssh       %s\n",
			ssh_session_target(session_ssh(c->s)));
		cli_say(c, "link      %s%s%s\n", link_state_name(link_state(l)),
			link_message(l)[0] ? ": " : "", link_message(l));
		if (ls.last_rtt_us >= 0 && ok)
			cli_say(c, "rtt       %.2f ms\n",
				ls.last_rtt_us / 1000.0);
	} else {
		cli_say(c, "link      none (%s)\n",
			vm ? "the VM is not running: kmdash vm start" :
			     "not connected");
	}
	cli_say(c, "module    %s\n", mod);
	if (vm && vm_gdb_socket(vm, gdb, sizeof(gdb)) == 0)
		cli_say(c, "gdb       %s (%s; kmdash gdb)\n", gdb,
			vm_halted_by_gdb(vm) ? "VM halted by gdb" :
			vm_gdb_attached(vm)  ? "a debugger is attached" :
					       "free");
	if (br && br->has_summary)
		cli_say(c, "bench     last run: %s, %.0f ops/s, p99 %.2f us\n",
			br->engine, br->summary[BM_TOTAL], br->summary[BM_P99]);
	return ok ? 0 : 1;
}

/* The link's first probe has come back: there is an RTT to tell. */
static bool rtt_known(struct cli *c)
{
	struct link *l = session_link(c->s);
	struct link_stats ls;

	if (!l || link_state(l) != LINK_UP)
		return true;
	link_stats(l, &ls);
	return ls.last_rtt_us >= 0;
}

/* The kernel log's backlog is in: a crash in it is the module's state. */
static bool kmsg_read(struct cli *c)
{
	int64_t idle = session_kmsg_idle_ms(c->s);

	return !session_link(c->s) || idle >= 100;
}

static int status_exec(struct cmd_ctx *ctx)
{
	/* the log: whether the module crashed in this boot is told there */
	struct session_opts so = { .follow_kmsg = true };
	struct cli c;
	int rc;

	cli_init(&c, ctx);
	rc = cli_open_session(&c, &so);
	if (!rc) {
		cli_run_until(&c, cli_link_settled,
			      session_target(c.s)->ssh.connect_timeout_ms +
				      2000);
		cli_run_until(&c, module_known, 5000);
		if (session_link(c.s) &&
		    link_state(session_link(c.s)) == LINK_UP) {
			cli_run_until(&c, kmsg_read, 2000);
			/* the probe runs once an interval: one comes by then */
			cli_run_until(
				&c, rtt_known,
				session_target(c.s)->ssh.probe_interval_ms +
					1000);
		}
		rc = report(&c);
	}
	cli_close(&c);
	return rc;
}

static const struct cmd_opt status_opts[] = {
	{ "json", OPT_JSON, NULL, "one JSON object instead of text",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.opts = status_opts,
	.flags = CMD_CONFIG,
	.exec = status_exec,
	.summary = "the VM, the link, the module and the last benchmark",
	.help = "Connects to the target, waits until the link has settled "
		"(up or down), and prints the target, its VM (for the "
		"embedded target), the SSH link with its state and reason, "
		"the round-trip time, whether the module is loaded, and the "
		"last benchmark run. The exit status is 0 when the target is "
		"reachable, 1 when it is not. With --json the same facts are "
		"one object, its states fixed words: config, vm (name, stage, "
		"pid, port), ssh, link (state, reason, rtt_us), module (state: "
		"loaded, not_loaded or unknown; refcnt, build_id, taint, "
		"crashed, crash), bench (the module's last run), gdb (socket; state: "
		"free, attached or halted) while the VM has a gdbstub.",
};
