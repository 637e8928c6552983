// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash vm VERB: the target's QEMU VM, for people and for make vm-start
 * and its friends. It drives core/vm directly: booting, stopping or
 * reaching a VM needs neither the SSH link nor the console of a session.
 * One row per verb; a verb is added by writing its function and its row.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/base/loop.h"
#include "core/base/strutil.h"
#include "core/config/config.h"
#include "core/vm/image.h"
#include "core/vm/vm.h"

/* How long stop waits for QEMU to go, reset for QEMU (start: the config). */
#define VM_STOP_WAIT_MS 15000
#define VM_RESET_WAIT_MS 10000
/* The console lines shown when a boot does not come up. */
#define VM_TAIL_LINES 5

struct vmcmd {
	struct cli c; /* first: cli_run_until's callbacks get the cli */
	struct vm *vm;
	struct vm_config vc;
	/* the options that name this VM again: " --name X", ... or "" */
	char again[PATH_MAX + 160];
	unsigned resets_before;
};

/* The machines --machine takes: the embedded target's. */
static const enum vm_profile machines[] = { VM_PROFILE_VIRT,
					    VM_PROFILE_RASPI3B };

static const char *machine_word(size_t i)
{
	return i < sizeof(machines) / sizeof(machines[0]) ?
		       vm_machine_name(machines[i]) :
		       NULL;
}

static struct vm *vm_of(struct cli *c)
{
	return ((struct vmcmd *)c)->vm;
}

static bool vm_launched_or_dead(struct cli *c)
{
	return vm_stage(vm_of(c)) >= VM_STAGE_STARTED;
}

static bool vm_ready_or_dead(struct cli *c)
{
	enum vm_stage st = vm_stage(vm_of(c));

	return st == VM_STAGE_SSH_READY || st == VM_STAGE_EXITED ||
	       st == VM_STAGE_FAILED;
}

static bool vm_gone(struct cli *c)
{
	enum vm_stage st = vm_stage(vm_of(c));

	return st == VM_STAGE_EXITED || st == VM_STAGE_OFF ||
	       st == VM_STAGE_FAILED;
}

static bool vm_was_reset(struct cli *c)
{
	struct vmcmd *v = (struct vmcmd *)c;

	return vm_resets(v->vm) > v->resets_before;
}

/* "kmdash vm VERB: ..." on stderr. */
static void vm_error_line(const struct vmcmd *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void vm_error_line(const struct vmcmd *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmdash vm %s: ", v->c.ctx->argv[0]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The last lines the guest printed on its console, on stderr. */
static void print_console_tail(const char *dir)
{
	char path[PATH_MAX + 16], buf[8192];
	const char *p;
	struct stat st;
	off_t from = 0;
	ssize_t n = 0;
	int fd, lines = 0;

	snprintf(path, sizeof(path), "%s/serial.log", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0) {
		if (st.st_size > (off_t)sizeof(buf) - 1)
			from = st.st_size - ((off_t)sizeof(buf) - 1);
		n = pread(fd, buf, sizeof(buf) - 1, from);
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf + n; p > buf; p--)
		if (p[-1] == '\n' && ++lines == VM_TAIL_LINES)
			break;
	fprintf(stderr, "the last lines of the console (%s):\n", path);
	for (; *p; p++)
		if (*p != '\r')
			fputc(*p, stderr);
	fputc('\n', stderr);
}

static int verb_status(struct vmcmd *v)
{
	struct cli *c = &v->c;
	char gdb[PATH_MAX + 16];
	int r = vm_find(v->vm);

	if (r < 0) {
		vm_error_line(v, "%s", vm_error(v->vm));
		return 1;
	}
	if (!r) {
		cli_say(c, "VM %s: not running\n", vm_name(v->vm));
		return 1;
	}
	cli_say(c, "VM %s: %s, pid %d, machine %s, ssh port %d, runtime %s\n",
		vm_name(v->vm),
		vm_halted_by_gdb(v->vm) ? "halted by gdb" :
		vm_halted(v->vm)	? "paused" :
					  "running",
		(int)vm_pid(v->vm),
		vm_machine(v->vm)[0] ? vm_machine(v->vm) : "?", vm_port(v->vm),
		vm_dir(v->vm));
	if (vm_gdb_socket(v->vm, gdb, sizeof(gdb)) == 0)
		cli_say(c, "gdb stub: %s (%s)\n", gdb,
			vm_gdb_attached(v->vm) ? "a debugger is attached" :
						 "free");
	else
		cli_say(c,
			"gdb stub: none (started by an older kmdash: restart the VM for one)\n");
	return 0;
}

static int verb_start(struct vmcmd *v)
{
	struct cli *c = &v->c;
	struct vm *vm = v->vm;
	const char *marker = v->vc.ready_marker;
	int wait = v->vc.boot_timeout_ms > 0 ? v->vc.boot_timeout_ms :
					       VM_BOOT_TIMEOUT_MS;
	char stages[256];
	int r;

	r = vm_start(vm);
	if (vm_notice(vm)[0])
		cli_say(c, "%s\n", vm_notice(vm));
	if (r == -EEXIST) {
		vm_error_line(
			v,
			"%s: 'kmdash vm ssh%s' to use it, 'kmdash vm stop%s' to stop it",
			vm_error(vm), v->again, v->again);
		return 1;
	}
	if (r < 0) {
		vm_error_line(v, "%s", vm_error(vm));
		return 1;
	}
	cli_run_until(c, vm_launched_or_dead, wait);
	if (vm_stage(vm) >= VM_STAGE_STARTED && vm_stage(vm) < VM_STAGE_EXITED)
		cli_say(c,
			"booting %s (pid %d, ssh port %d), waiting for %s%s%s\n",
			vm_machine(vm), (int)vm_pid(vm), vm_port(vm),
			marker ? "'" : "SSH", marker ? marker : "",
			marker ? "'" : "");
	cli_run_until(c, vm_ready_or_dead, wait);
	if (vm_stage(vm) == VM_STAGE_SSH_READY) {
		cli_say(c,
			"ready after %.1f s\n"
			"connect: ssh -F %s/ssh_config kmdash-target   (or: kmdash vm ssh%s)\n"
			"console: socat -,raw,echo=0 UNIX-CONNECT:%s/serial.sock   (log: %s/serial.log)\n",
			vm_stage_ms(vm, VM_STAGE_SSH_READY) / 1000.0,
			vm_dir(vm), v->again, vm_dir(vm), vm_dir(vm));
		return 0;
	}
	if (c->interrupted) {
		vm_error_line(
			v,
			"interrupted; the VM may still be booting: 'kmdash vm stop%s' stops it",
			v->again);
		return 130;
	}
	print_console_tail(vm_dir(vm));
	/* which boot stage it got to: the console says how far */
	vm_boot_progress(vm, stages, sizeof(stages));
	if (vm_stage(vm) == VM_STAGE_EXITED || vm_stage(vm) == VM_STAGE_FAILED)
		vm_error_line(v, "%s", vm_error(vm));
	else if (vm_stage_ms(vm, VM_STAGE_MARKER) >= 0 || !marker)
		vm_error_line(
			v,
			"no SSH server answered on 127.0.0.1:%d within %d s (boot stages %s; console log: %s/serial.log); 'kmdash vm stop%s' to clean up",
			vm_port(vm), wait / 1000, stages, vm_dir(vm), v->again);
	else
		vm_error_line(
			v,
			"no ready marker after %d s (boot stages %s; console log: %s/serial.log); 'kmdash vm stop%s' to clean up",
			wait / 1000, stages, vm_dir(vm), v->again);
	return 1;
}

static int verb_stop(struct vmcmd *v)
{
	struct cli *c = &v->c;
	int r = vm_attach(v->vm);

	if (r == -ESRCH) {
		r = vm_remove_stale(v->vm);
		if (r < 0) {
			vm_error_line(v, "%s", vm_error(v->vm));
			return 1;
		}
		cli_say(c,
			r ? "VM '%s' was not running; removed its stale runtime directory\n" :
			    "VM '%s' is not running\n",
			vm_name(v->vm));
		return 0;
	}
	if (r < 0 || vm_quit(v->vm) < 0) {
		vm_error_line(v, "%s", vm_error(v->vm));
		return 1;
	}
	cli_say(c, "stopping VM '%s' (pid %d) over QMP\n", vm_name(v->vm),
		(int)vm_pid(v->vm));
	if (!cli_run_until(c, vm_gone, VM_STOP_WAIT_MS)) {
		vm_error_line(v, "QEMU is still there; see 'kmdash vm status'");
		return 1;
	}
	if (vm_notice(v->vm)[0])
		cli_say(c, "%s\n", vm_notice(v->vm));
	return 0;
}

static int verb_reset(struct vmcmd *v)
{
	struct cli *c = &v->c;

	if (vm_attach(v->vm) < 0) {
		vm_error_line(v, "%s", vm_error(v->vm));
		return 1;
	}
	v->resets_before = vm_resets(v->vm);
	if (vm_reset(v->vm) < 0) {
		vm_error_line(v, "%s", vm_error(v->vm));
		return 1;
	}
	if (!cli_run_until(c, vm_was_reset, VM_RESET_WAIT_MS)) {
		vm_error_line(v,
			      "QEMU did not confirm the reset within %d s%s%s",
			      VM_RESET_WAIT_MS / 1000,
			      vm_error(v->vm)[0] ? ": " : "", vm_error(v->vm));
		return 1;
	}
	cli_say(c, "%s reset; it is booting again\n", vm_name(v->vm));
	return 0;
}

/* OpenSSH's ssh with the VM's ssh_config: an argv, no shell. */
static int verb_ssh(struct vmcmd *v)
{
	const struct cmd_ctx *ctx = v->c.ctx;
	char cfg[PATH_MAX + 16];
	char **argv;
	int r = vm_find(v->vm), n = 0;

	if (r < 0) {
		vm_error_line(v, "%s", vm_error(v->vm));
		return 1;
	}
	if (!r) {
		vm_error_line(
			v,
			"VM '%s' is not running: start it with 'kmdash vm start%s'",
			vm_name(v->vm), v->again);
		return 1;
	}
	snprintf(cfg, sizeof(cfg), "%s/ssh_config", vm_dir(v->vm));
	argv = calloc((size_t)ctx->argc + 6, sizeof(*argv));
	if (!argv)
		return 1;
	argv[n++] = "ssh";
	argv[n++] = "-F";
	argv[n++] = cfg;
	argv[n++] = "kmdash-target";
	/* ssh reads options after the host too: the command is no option */
	if (ctx->argc > 1)
		argv[n++] = "--";
	for (int i = 1; i < ctx->argc; i++)
		argv[n++] = ctx->argv[i];
	fflush(stdout);
	execvp(argv[0], argv);
	vm_error_line(
		v,
		"cannot run ssh: %s (run 'make deps': it installs openssh-client)",
		strerror(errno));
	free(argv);
	return 1;
}

static const struct {
	const char *name;
	int (*fn)(struct vmcmd *v);
	bool start_opts; /* takes --machine, --port, --initrd-extra */
	bool command; /* takes a command after -- */
} verbs[] = {
	{ "start", verb_start, true, false },
	{ "stop", verb_stop, false, false },
	{ "reset", verb_reset, false, false },
	{ "status", verb_status, false, false },
	{ "ssh", verb_ssh, false, true },
};

static const char *vm_verb_word(size_t i)
{
	return i < sizeof(verbs) / sizeof(verbs[0]) ? verbs[i].name : NULL;
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct cli *c = arg;

	c->interrupted = true;
	loop_stop(loop);
}

/* --machine: the machine, or -1 (said) when it is none of them. */
static int machine_of(const struct vmcmd *v, const char *m)
{
	const char *names[sizeof(machines) / sizeof(machines[0])];
	const char *near;
	size_t n = sizeof(machines) / sizeof(machines[0]);

	for (size_t i = 0; i < n; i++) {
		names[i] = machine_word(i);
		if (!strcmp(names[i], m))
			return (int)machines[i];
	}
	/* one QEMU has not: say which it needs */
	if (!strcmp(m, IMAGE_MACHINE_PI4)) {
		char err[512];

		image_machine_check(m, v->vc.qemu, err, sizeof(err));
		fprintf(stderr, "kmdash vm %s: %s\n", v->c.ctx->argv[0], err);
		return -1;
	}
	near = str_closest(m, names, n, 2);
	fprintf(stderr, "kmdash vm %s: unknown machine '%s'%s%s%s (machines: ",
		v->c.ctx->argv[0], m, near ? "; did you mean '" : "",
		near ? near : "", near ? "'?" : "");
	cmd_print_words(stderr, machine_word, ", ");
	fputs(")\n", stderr);
	return -1;
}

/* The VM as the config and the options say; 0, or the exit status. */
static int vm_setup(struct vmcmd *v)
{
	const struct cmd_ctx *ctx = v->c.ctx;
	const struct config_target *t = config_target(ctx->cfg, v->c.target);
	const char *name = ctx->opt[OPT_NAME], *m = ctx->opt[OPT_MACHINE];
	const char *port = ctx->opt[OPT_PORT];
	char err[1024], *end;
	int machine = -1;
	size_t n;
	long p;

	if (!t) {
		fprintf(stderr, "kmdash vm: no target named '%s' in %s\n",
			v->c.target,
			ctx->cfg->path ? ctx->cfg->path : "the configuration");
		return 2;
	}
	if (config_target_vm(ctx->cfg, t, &v->vc, err, sizeof(err)) < 0) {
		/*
		 * A VM that runs is found by its name alone: only start needs
		 * the boot files (the target may be gone since it started).
		 */
		if (!t->has_vm || !strcmp(ctx->argv[0], "start")) {
			vm_error_line(v, "%s", err);
			return t->has_vm ? 1 : 2;
		}
		v->vc = (struct vm_config){
			.name = t->name, .runtime_dir = ctx->cfg->runtime_dir
		};
	}
	if (name && !config_name_ok(name)) {
		vm_error_line(
			v,
			"--name takes a name of letters, digits, '.', '_' or '-' (it names directories), got '%s'",
			name);
		return 2;
	}
	if (name)
		v->vc.name = name;
	/* what says "this VM" again in the advice printed */
	n = snprintf(v->again, sizeof(v->again), "%s%s",
		     ctx->opt['c'] ? " --config " : "",
		     ctx->opt['c'] ? ctx->opt['c'] : "");
	if (name)
		snprintf(v->again + n, sizeof(v->again) - n, " --name %s",
			 name);
	else if (v->c.target)
		snprintf(v->again + n, sizeof(v->again) - n, " --target %s",
			 v->c.target);
	if (port) {
		p = strtol(port, &end, 10);
		if (*end || p < 1 || p > 65535) {
			vm_error_line(
				v, "--port takes a TCP port 1-65535, got '%s'",
				port);
			return 2;
		}
		v->vc.port = (int)p;
	}
	v->vc.initrd_extra = ctx->opt[OPT_INITRD_EXTRA];
	if (m && (machine = machine_of(v, m)) < 0)
		return 2;
	if (m && !t->embedded) {
		vm_error_line(
			v,
			"--machine is for the embedded target; '%s' boots its own image",
			t->name);
		return 2;
	}
	if (m)
		vm_config_set_machine(&v->vc, (enum vm_profile)machine,
				      &ctx->cfg->embedded);
	return 0;
}

static const struct cmd_opt vm_opts[] = {
	{ "name", OPT_NAME, "NAME",
	  "the VM's name, which names its runtime directory RUNTIME/vm-NAME "
	  "(default: the target's name)",
	  CMD_COMPLETE_NONE, NULL },
	{ "machine", OPT_MACHINE, "MACHINE",
	  "start: the QEMU machine to boot the embedded target on, instead of "
	  "the target's profile",
	  CMD_COMPLETE_WORDS, machine_word },
	{ "port", OPT_PORT, "PORT",
	  "start: the SSH port on 127.0.0.1 that is forwarded to the guest "
	  "(default: a free one)",
	  CMD_COMPLETE_NONE, NULL },
	{ "initrd-extra", OPT_INITRD_EXTRA, "CPIO",
	  "start: a cpio archive unpacked over the initramfs, its files "
	  "replacing the target's (the tests give the guest another host "
	  "key this way)",
	  CMD_COMPLETE_FILE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

/* Options and arguments a verb does not take: a usage error. */
static int check_verb_args(const struct cmd_ctx *ctx, size_t verb)
{
	static const int start_only[] = { OPT_MACHINE, OPT_PORT,
					  OPT_INITRD_EXTRA };

	for (const struct cmd_opt *o = vm_opts; o->name; o++) {
		for (size_t i = 0;
		     i < sizeof(start_only) / sizeof(start_only[0]); i++) {
			if (o->id != start_only[i] || verbs[verb].start_opts ||
			    !cmd_has(ctx, o->id))
				continue;
			cmd_print_error(
				stderr, ctx->entry,
				"--%s is an option of 'vm start', not of 'vm %s'",
				o->name, ctx->argv[0]);
			cmd_print_usage(stderr, ctx->entry);
			return 2;
		}
	}
	if (!verbs[verb].command && ctx->argc > 1) {
		cmd_print_error(
			stderr, ctx->entry,
			"unexpected argument '%s' (only 'vm ssh' takes a command)",
			ctx->argv[1]);
		cmd_print_usage(stderr, ctx->entry);
		return 2;
	}
	return 0;
}

static int vm_exec(struct cmd_ctx *ctx)
{
	struct vmcmd v = { 0 };
	size_t i = 0;
	int rc;

	/* the parser checked the verb against vm_verb_word */
	while (strcmp(verbs[i].name, ctx->argv[0]))
		i++;
	rc = check_verb_args(ctx, i);
	if (rc)
		return rc;
	cli_init(&v.c, ctx);
	rc = vm_setup(&v);
	if (rc)
		return rc;
	v.c.loop = loop_new();
	v.vm = v.c.loop ? vm_new(v.c.loop, &v.vc) : NULL;
	if (!v.vm) {
		vm_error_line(&v, "%s", "out of memory");
		loop_free(v.c.loop);
		return 1;
	}
	loop_on_signal(v.c.loop, SIGINT, on_signal, &v.c);
	loop_on_signal(v.c.loop, SIGTERM, on_signal, &v.c);
	rc = verbs[i].fn(&v);
	vm_free(v.vm);
	loop_free(v.c.loop);
	return rc;
}

const struct cmd_entry cmd_vm_entry = {
	.name = "vm",
	.args = "VERB [-- COMMAND...]",
	.opts = vm_opts,
	.min_args = 1,
	.max_args = -1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = vm_verb_word,
	.arg_what = "verb",
	.word_args = 1,
	.flags = CMD_CONFIG,
	.exec = vm_exec,
	.summary = "start, stop, reset, show or reach the target's QEMU VM",
	.help = "start boots the target's VM and waits until its SSH server "
		"answers (at most 90 s), then prints how to connect; when it "
		"does not come up, it prints the last console lines. A "
		"runtime directory left by a VM that is gone is removed "
		"first; a VM of that name that runs is left alone. stop asks "
		"QEMU to quit over QMP (and kills it after 5 s); reset "
		"restarts the guest as a reset button would; status says "
		"whether it runs, with its pid, machine, SSH port and runtime "
		"directory (exit status 1 when it does not); ssh runs "
		"OpenSSH's ssh with the VM's ssh_config: a shell, or the "
		"COMMAND after --.\n\n"
		"The VM is the target's (--target; a VM target, the embedded "
		"one without a configuration) and is named after it unless "
		"--name says otherwise: make vm-start boots the embedded "
		"target as 'qemu', which the dashboard then takes over. Its "
		"settings (vm.memory_mb, vm.smp, vm.extra_args, ...) come "
		"from the configuration.",
};
