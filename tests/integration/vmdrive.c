// SPDX-License-Identifier: GPL-2.0
/*
 * Drives core/vm/vm step by step for the shell tests, printing every stage
 * and event (`kmdash vm` is the user's front end; this one shows the
 * inside). The VM is the configuration's (its default target, from
 * config_target_vm() as everywhere), under another name and machine:
 *
 *   vmdrive [--name N] [--profile virt|raspi3b] [--port P] STEP...
 *
 * Steps run in order: start, attach, status, reset, powerdown, quit,
 * wait:STAGE[:SECONDS], wait-event:NAME[:SECONDS], sleep:MS, info.
 * Everything the VM reports is printed as it happens ("stage kernel
 * 812 ms", "event RESET", "status running"); a failed step prints
 * "error: ..." and exits 1. QEMU is left running unless a step stops it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/loop.h"
#include "core/config/config.h"
#include "core/vm/vm.h"

static char last_event[64];
static char last_status[64];

static void on_note(struct vm *vm, enum vm_note what, const char *detail,
		    void *arg)
{
	switch (what) {
	case VM_NOTE_STAGE:
		printf("stage %s %lld ms\n", detail,
		       (long long)vm_stage_ms(vm, vm_stage(vm)));
		if (vm_stage(vm) == VM_STAGE_EXITED ||
		    vm_stage(vm) == VM_STAGE_FAILED)
			printf("  reason: %s\n", vm_error(vm)[0] ?
							 vm_error(vm) :
							 "asked to quit");
		break;
	case VM_NOTE_EVENT:
		printf("event %s\n", detail);
		snprintf(last_event, sizeof(last_event), "%s", detail);
		break;
	case VM_NOTE_STATUS:
		printf("status %s\n", detail);
		snprintf(last_status, sizeof(last_status), "%s", detail);
		break;
	}
	fflush(stdout);
}

static int fail(struct vm *vm, const char *step)
{
	printf("error: %s: %s\n", step, vm_error(vm));
	fflush(stdout);
	return 1;
}

/* Runs the loop until done() or the deadline; 0 if done. */
static int run_until(struct loop *loop, struct vm *vm, int secs,
		     int (*done)(struct vm *vm, const char *arg),
		     const char *arg)
{
	int64_t end = loop_now_ms() + secs * 1000LL;

	while (!done(vm, arg)) {
		int64_t left = end - loop_now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		loop_run_once(loop, left);
	}
	return 0;
}

static int stage_by_name(const char *name)
{
	for (int s = 0; s < VM_STAGE_COUNT; s++)
		if (!strcmp(vm_stage_name((enum vm_stage)s), name))
			return s;
	return -1;
}

/* Reached, or it never will be (QEMU gone). */
static int stage_reached(struct vm *vm, const char *name)
{
	int s = stage_by_name(name);

	return s < 0 || vm_stage_ms(vm, (enum vm_stage)s) >= 0 ||
	       vm_stage(vm) == VM_STAGE_FAILED ||
	       vm_stage(vm) == VM_STAGE_EXITED;
}

static int event_seen(struct vm *vm, const char *name)
{
	return !strcmp(last_event, name) || vm_stage(vm) == VM_STAGE_EXITED;
}

static int status_known(struct vm *vm, const char *arg)
{
	return last_status[0] || vm_stage(vm) == VM_STAGE_EXITED;
}

/* "wait:kernel:30" -> name "kernel", secs 30 */
static void split(const char *step, char *name, size_t cap, int *secs)
{
	const char *a = strchr(step, ':') + 1;
	const char *b = strchr(a, ':');

	snprintf(name, cap, "%.*s", (int)(b ? (size_t)(b - a) : strlen(a)), a);
	if (b)
		*secs = atoi(b + 1);
}

int main(int argc, char **argv)
{
	struct config_opts o = { 0 };
	struct vm_config c;
	struct config *cfg;
	const char *vm_name_opt = NULL;
	enum vm_profile machine = VM_PROFILE_VIRT;
	bool set_machine = false;
	struct loop *loop;
	struct vm *vm;
	char err[4096];
	int i = 1, rc = 0, port = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--name")) {
			vm_name_opt = argv[i + 1];
		} else if (!strcmp(argv[i], "--port")) {
			port = atoi(argv[i + 1]);
		} else if (!strcmp(argv[i], "--profile")) {
			set_machine = true;
			if (vm_profile_parse(argv[i + 1], &machine)) {
				printf("error: unknown profile '%s'\n",
				       argv[i + 1]);
				return 2;
			}
		} else {
			printf("error: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	cfg = config_load(&o, err, sizeof(err));
	if (!cfg) {
		printf("error: %s\n", err);
		return 1;
	}
	if (config_target_vm(cfg, config_target(cfg, NULL), &c, err,
			     sizeof(err)) < 0) {
		printf("error: %s\n", err);
		config_free(cfg);
		return 1;
	}
	if (set_machine)
		vm_config_set_machine(&c, machine, &cfg->embedded);
	if (vm_name_opt)
		c.name = vm_name_opt;
	c.port = port;
	loop = loop_new();
	vm = vm_new(loop, &c);
	vm_set_callback(vm, on_note, NULL);

	for (; i < argc && !rc; i++) {
		const char *s = argv[i];
		char name[64];
		int secs = 60;

		if (!strcmp(s, "start")) {
			if (vm_start(vm) < 0)
				rc = fail(vm, s);
			else if (vm_notice(vm)[0])
				printf("notice: %s\n", vm_notice(vm));
		} else if (!strcmp(s, "attach")) {
			if (vm_attach(vm) < 0)
				rc = fail(vm, s);
		} else if (!strcmp(s, "status")) {
			last_status[0] = '\0';
			if (vm_query_status(vm) < 0 ||
			    run_until(loop, vm, 10, status_known, NULL) < 0)
				rc = fail(vm, s);
		} else if (!strcmp(s, "reset")) {
			last_event[0] = '\0';
			if (vm_reset(vm) < 0)
				rc = fail(vm, s);
		} else if (!strcmp(s, "powerdown")) {
			if (vm_powerdown(vm) < 0)
				rc = fail(vm, s);
		} else if (!strcmp(s, "quit")) {
			last_event[0] = '\0';
			if (vm_quit(vm) < 0)
				rc = fail(vm, s);
		} else if (!strcmp(s, "info")) {
			printf("info pid %d port %d dir %s\n", (int)vm_pid(vm),
			       vm_port(vm), vm_dir(vm));
		} else if (!strncmp(s, "sleep:", 6)) {
			int64_t end = loop_now_ms() + atoi(s + 6);

			while (loop_now_ms() < end)
				loop_run_once(loop, end - loop_now_ms());
		} else if (!strncmp(s, "wait:", 5)) {
			split(s, name, sizeof(name), &secs);
			if (run_until(loop, vm, secs, stage_reached, name) <
			    0) {
				printf("error: %s: timed out in stage %s\n", s,
				       vm_stage_name(vm_stage(vm)));
				rc = 1;
			} else if (stage_by_name(name) < 0) {
				printf("error: no stage '%s'\n", name);
				rc = 2;
			} else if (vm_stage_ms(vm, (enum vm_stage)stage_by_name(
							   name)) < 0) {
				rc = fail(vm, s);
			}
		} else if (!strncmp(s, "wait-event:", 11)) {
			split(s, name, sizeof(name), &secs);
			if (run_until(loop, vm, secs, event_seen, name) < 0 ||
			    strcmp(last_event, name)) {
				printf("error: %s: not seen\n", s);
				rc = 1;
			}
		} else {
			printf("error: unknown step '%s'\n", s);
			rc = 2;
		}
	}
	vm_free(vm);
	loop_free(loop);
	config_free(cfg);
	return rc;
}
