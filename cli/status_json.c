// SPDX-License-Identifier: GPL-2.0
/*
 * `kmdash status --json`. The same facts as the text, with a fixed word
 * for each state (the text's words are for people and may change):
 *
 *   target, config (the file read, null for the built-in default),
 *   vm { name, stage, pid, port, machine, error }  (a VM target only),
 *   ssh (user@host:port),
 *   link { state, reason, rtt_us, rtt_min_us, rtt_avg_us, rtt_max_us,
 *          uptime_ms, reconnects },
 *   module { name, state: loaded | not_loaded | unknown, refcnt,
 *            build_id, release, taint, crashed, crash { kind, time_s },
 *            text },
 *   bench { engine, state, started, ops_s, p50_us, p99_us, ... }
 *          (the module's last run, not the baseline's after it;
 *          absent before the first),
 *   gdb { socket, state: free | attached | halted }
 *       (absent while the VM has no gdbstub).
 */
#include <cJSON.h>
#include <limits.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/status_json.h"
#include "core/config/config.h"
#include "core/module/bench.h"
#include "core/session.h"
#include "core/ssh/link.h"
#include "core/ssh/ssh.h"
#include "core/vm/vm.h"

static const char *module_state_word(enum module_state st)
{
	switch (st) {
	case MOD_LOADED:
		return "loaded";
	case MOD_NOT_LOADED:
		return "not_loaded";
	default:
		return "unknown";
	}
}

static void add_vm(cJSON *o, struct vm *vm)
{
	cJSON *v = cJSON_AddObjectToObject(o, "vm");

	cJSON_AddStringToObject(v, "name", vm_name(vm));
	cJSON_AddStringToObject(v, "stage", vm_stage_name(vm_stage(vm)));
	if (vm_pid(vm) > 0)
		cJSON_AddNumberToObject(v, "pid", (double)vm_pid(vm));
	else
		cJSON_AddNullToObject(v, "pid");
	if (vm_port(vm) > 0)
		cJSON_AddNumberToObject(v, "port", vm_port(vm));
	else
		cJSON_AddNullToObject(v, "port");
	cJSON_AddStringToObject(v, "machine", vm_machine(vm));
	cJSON_AddStringToObject(v, "error", vm_error(vm));
}

/* An RTT in µs, null when there is none yet. */
static void add_rtt(cJSON *o, const char *key, int32_t us)
{
	if (us >= 0)
		cJSON_AddNumberToObject(o, key, us);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_link(cJSON *o, struct link *l)
{
	cJSON *j = cJSON_AddObjectToObject(o, "link");
	struct link_stats ls;

	if (!l) {
		cJSON_AddStringToObject(j, "state", "none");
		cJSON_AddStringToObject(j, "reason", "");
		return;
	}
	link_stats(l, &ls);
	cJSON_AddStringToObject(j, "state", link_state_name(link_state(l)));
	cJSON_AddStringToObject(j, "reason", link_message(l));
	add_rtt(j, "rtt_us", link_state(l) != LINK_DOWN ? ls.last_rtt_us : -1);
	add_rtt(j, "rtt_min_us", ls.min_rtt_us);
	add_rtt(j, "rtt_avg_us", ls.avg_rtt_us);
	add_rtt(j, "rtt_max_us", ls.max_rtt_us);
	cJSON_AddNumberToObject(j, "uptime_ms", (double)ls.uptime_ms);
	cJSON_AddNumberToObject(j, "reconnects", ls.reconnects);
}

static void add_module(cJSON *o, struct session *s)
{
	const struct session_module *m = session_module(s);
	cJSON *j = cJSON_AddObjectToObject(o, "module");
	char text[400];

	cJSON_AddStringToObject(j, "name", session_target(s)->module.name);
	cJSON_AddStringToObject(j, "state", module_state_word(m->state));
	if (m->state == MOD_LOADED && m->refcnt >= 0)
		cJSON_AddNumberToObject(j, "refcnt", m->refcnt);
	else
		cJSON_AddNullToObject(j, "refcnt");
	cJSON_AddStringToObject(j, "build_id", m->build_id);
	cJSON_AddStringToObject(j, "release", m->release);
	cJSON_AddNumberToObject(j, "taint", (double)m->taint);
	cJSON_AddBoolToObject(j, "crashed", m->crashed);
	if (m->crashed) {
		cJSON *c = cJSON_AddObjectToObject(j, "crash");

		cJSON_AddStringToObject(c, "kind",
					trace_kind_name(m->crash_kind));
		cJSON_AddNumberToObject(c, "time_s",
					(double)m->crash_usec / 1e6);
	}
	session_module_text(s, text, sizeof(text));
	cJSON_AddStringToObject(j, "text", text);
}

static void add_bench(cJSON *o, const struct bench_run *r)
{
	static const char *const keys[BM_COUNT] = {
		[BM_GET] = "get_ops_s", [BM_PUT] = "put_ops_s",
		[BM_DEL] = "del_ops_s", [BM_TOTAL] = "ops_s",
		[BM_P50] = "p50_us",	[BM_P99] = "p99_us",
		[BM_P999] = "p999_us",
	};
	cJSON *j;

	if (!r)
		return;
	j = cJSON_AddObjectToObject(o, "bench");
	cJSON_AddStringToObject(j, "engine", r->engine);
	cJSON_AddStringToObject(j, "state",
				r->state == BENCH_DONE	 ? "ok" :
				r->state == BENCH_FAILED ? "failed" :
							   "running");
	cJSON_AddNumberToObject(j, "started", (double)r->started);
	cJSON_AddStringToObject(j, "workload", r->workload);
	cJSON_AddStringToObject(j, "commit", r->commit);
	cJSON_AddStringToObject(j, "build_id", r->build_id);
	if (r->has_summary)
		for (int i = 0; i < BM_COUNT; i++)
			cJSON_AddNumberToObject(j, keys[i], r->summary[i]);
	if (r->msg[0])
		cJSON_AddStringToObject(j, "message", r->msg);
}

static void add_gdb(cJSON *o, struct vm *vm)
{
	char sock[PATH_MAX + 16];
	cJSON *j;

	if (!vm || vm_gdb_socket(vm, sock, sizeof(sock)) != 0)
		return;
	j = cJSON_AddObjectToObject(o, "gdb");
	cJSON_AddStringToObject(j, "socket", sock);
	cJSON_AddStringToObject(j, "state",
				vm_halted_by_gdb(vm) ? "halted" :
				vm_gdb_attached(vm)  ? "attached" :
						       "free");
}

cJSON *status_json(const struct cli *c)
{
	struct session *s = c->s;
	struct vm *vm = session_vm(s);
	struct ssh_session *ss = session_ssh(s);
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "target", session_target(s)->name);
	if (c->cfg->path)
		cJSON_AddStringToObject(o, "config", c->cfg->path);
	else
		cJSON_AddNullToObject(o, "config");
	if (vm)
		add_vm(o, vm);
	if (ss)
		cJSON_AddStringToObject(o, "ssh", ssh_session_target(ss));
	add_link(o, session_link(s));
	add_module(o, s);
	add_bench(o, bench_latest_module(session_bench(s)));
	add_gdb(o, vm);
	return o;
}
