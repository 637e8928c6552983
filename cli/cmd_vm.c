// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash vm VERB: the target's QEMU VM. One row per verb; a verb is
 * added by writing its function and its row.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/session.h"
#include "core/vm/vm.h"

struct vmcmd {
	struct cli c; /* first: run_until's callbacks get the cli */
	struct vm *vm;
	unsigned resets_before;
};

static bool vm_off(const struct vm *vm)
{
	return vm_stage(vm) == VM_STAGE_OFF || vm_stage(vm) == VM_STAGE_FAILED;
}

static bool vm_ready_or_dead(struct cli *c)
{
	enum vm_stage st = vm_stage(session_vm(c->s));

	return st == VM_STAGE_SSH_READY || st == VM_STAGE_EXITED ||
	       st == VM_STAGE_FAILED;
}

static bool vm_gone(struct cli *c)
{
	enum vm_stage st = vm_stage(session_vm(c->s));

	return st == VM_STAGE_EXITED || st == VM_STAGE_OFF ||
	       st == VM_STAGE_FAILED;
}

static bool vm_was_reset(struct cli *c)
{
	struct vmcmd *v = (struct vmcmd *)c;

	return vm_resets(v->vm) > v->resets_before;
}

static int verb_status(struct vmcmd *v)
{
	struct cli *c = &v->c;

	if (vm_off(v->vm)) {
		cli_say(c, "VM %s: not running\n", session_name(c->s));
		return 1;
	}
	cli_say(c, "VM %s: running, pid %d, ssh port %d, runtime %s\n",
		session_name(c->s), (int)vm_pid(v->vm), vm_port(v->vm),
		vm_dir(v->vm));
	return 0;
}

static int verb_start(struct vmcmd *v)
{
	struct cli *c = &v->c;
	struct vm *vm = v->vm;
	char err[512];

	if (session_vm_start(c->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash vm start: %s\n", err);
		return 1;
	}
	cli_say(c, "booting %s (pid %d, ssh port %d)\n", session_name(c->s),
		(int)vm_pid(vm), vm_port(vm));
	if (!cli_run_until(c, vm_ready_or_dead, 90000) ||
	    vm_stage(vm) != VM_STAGE_SSH_READY) {
		fprintf(stderr,
			"kmdash vm start: %s (console log: %s/serial.log)\n",
			vm_error(vm)[0] ? vm_error(vm) : "no SSH within 90 s",
			vm_dir(vm));
		return 1;
	}
	cli_say(c,
		"ready after %.1f s\nconnect: ssh -F %s/ssh_config kmdash-target\n",
		vm_stage_ms(vm, VM_STAGE_SSH_READY) / 1000.0, vm_dir(vm));
	return 0;
}

static int verb_stop(struct vmcmd *v)
{
	struct cli *c = &v->c;
	char err[512];

	if (vm_off(v->vm)) {
		cli_say(c, "VM %s is not running\n", session_name(c->s));
		return 0;
	}
	if (session_vm_stop(c->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash vm stop: %s\n", err);
		return 1;
	}
	cli_run_until(c, vm_gone, 15000);
	cli_say(c, "VM %s stopped\n", session_name(c->s));
	return 0;
}

static int verb_reset(struct vmcmd *v)
{
	struct cli *c = &v->c;
	char err[512];

	if (vm_off(v->vm)) {
		fprintf(stderr, "kmdash vm reset: VM %s is not running\n",
			session_name(c->s));
		return 1;
	}
	v->resets_before = vm_resets(v->vm);
	if (session_vm_reset(c->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash vm reset: %s\n", err);
		return 1;
	}
	if (!cli_run_until(c, vm_was_reset, 10000)) {
		fprintf(stderr,
			"kmdash vm reset: QEMU did not confirm the reset within 10 s%s%s\n",
			vm_error(v->vm)[0] ? ": " : "", vm_error(v->vm));
		return 1;
	}
	cli_say(c, "%s reset; it is booting again\n", session_name(c->s));
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct vmcmd *v);
} verbs[] = {
	{ "start", verb_start },
	{ "stop", verb_stop },
	{ "reset", verb_reset },
	{ "status", verb_status },
};

static const char *vm_verb_word(size_t i)
{
	return i < sizeof(verbs) / sizeof(verbs[0]) ? verbs[i].name : NULL;
}

static int vm_exec(struct cmd_ctx *ctx)
{
	struct session_opts so = { 0 };
	struct vmcmd v = { 0 };
	size_t i = 0;
	int rc;

	/* the parser checked the verb against vm_verb_word */
	while (strcmp(verbs[i].name, ctx->argv[0]))
		i++;
	cli_init(&v.c, ctx);
	rc = cli_open_session(&v.c, &so);
	if (!rc) {
		v.vm = session_vm(v.c.s);
		if (v.vm) {
			rc = verbs[i].fn(&v);
		} else {
			fprintf(stderr, "kmdash vm: target '%s' is not a VM\n",
				session_name(v.c.s));
			rc = 2;
		}
	}
	cli_close(&v.c);
	return rc;
}

const struct cmd_entry cmd_vm_entry = {
	.name = "vm",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = vm_verb_word,
	.arg_what = "verb",
	.flags = CMD_CONFIG,
	.exec = vm_exec,
	.summary = "start, stop, reset or show the target's QEMU VM",
	.help = "start boots the target's VM and waits until its SSH server "
		"answers (at most 90 s), then prints how to connect. stop "
		"asks QEMU to quit over QMP; reset restarts the guest as a "
		"reset button would; status says whether it runs, with its "
		"pid, SSH port and runtime directory (exit status 1 when it "
		"does not). Only for a VM target (the embedded one).",
};
