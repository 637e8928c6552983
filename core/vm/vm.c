// SPDX-License-Identifier: GPL-2.0
/*
 * The QEMU launcher. QEMU runs with -daemonize, so the process we fork
 * exits as soon as the machine is set up (sockets bound, pid file written):
 * its exit status says whether the start worked, and from then on the
 * daemon is watched through a pidfd. Boot progress comes from the console
 * log (the chardev's logfile= keeps every byte, connected client or not),
 * followed with inotify so that nothing wakes up while the guest is quiet.
 */
#include "core/vm/vm.h"
#include "core/base/fsfile.h"
#include "core/base/fsdir.h"
#include "core/base/loop.h"
#include "core/base/quote.h"
#include "core/base/strutil.h"
#include "core/vm/qmp.h"
#include "core/vm/runstate_int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VM_QUIT_GRACE_MS 5000
#define VM_PORT_TRIES 5

struct vm {
	struct loop *loop;
	struct vm_config cfg; /* strings owned (strdup'ed) */
	char run[PATH_MAX];
	char qemu_path[PATH_MAX];
	/* RUN/initrd.gz: the initrd with initrd_extra after it, or "" */
	char initrd_joined[PATH_MAX + 16];
	char machine[16];
	char err[PATH_MAX + 256], notice[PATH_MAX + 128], status[32];
	char *cmdline; /* the last launch's argv as a shell command line */

	enum vm_stage stage;
	int64_t t0;
	int64_t stage_at[VM_STAGE_COUNT];

	pid_t launcher, pid;
	int pidfd;
	int port;
	int tries;
	bool port_auto;
	bool quitting;

	int log_fd, ino_fd;
	char line[512];
	size_t linelen;
	/* A console line cut by a kernel message, waiting for its end. */
	char carry[256];
	/* The guest's kernel said it powers off: QEMU leaves by itself. */
	bool guest_off;

	struct qmp *qmp;
	struct runstate *runstate; /* halted or running, told by QMP events */
	bool gdb; /* a debugger is attached to the stub */
	unsigned int qmp_pending; /* commands without a reply yet */
	uint64_t qmp_close_timer;
	int probe_fd;
	uint64_t probe_timer, probe_deadline, kill_timer;
	unsigned int resets;

	vm_note_fn fn;
	void *arg;
};

/* --- small helpers ------------------------------------------------------- */

static void set_err(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = strlen(text);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, text, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -EIO;
}

/* Reads a small file into buf (NUL-terminated, trailing newline cut). */
static int read_small(const char *path, char *buf, size_t cap)
{
	long r = fsfile_read(path, buf, cap);

	if (r < 0)
		return (int)r;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == '\r'))
		buf[--r] = '\0';
	return (int)r;
}

const char *vm_profile_name(enum vm_profile p)
{
	switch (p) {
	case VM_PROFILE_VIRT:
		return "virt";
	case VM_PROFILE_RASPI3B:
		return "raspi3b";
	case VM_PROFILE_RPIOS:
		return "rpios";
	}
	return "?";
}

int vm_profile_parse(const char *s, enum vm_profile *p)
{
	for (int i = VM_PROFILE_VIRT; i <= VM_PROFILE_RPIOS; i++) {
		if (!strcmp(s, vm_profile_name((enum vm_profile)i))) {
			*p = (enum vm_profile)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vm_machine_name(enum vm_profile p)
{
	return p == VM_PROFILE_VIRT ? "virt" : "raspi3b";
}

int vm_machine_memory_mb(enum vm_profile p)
{
	return 1024;
}

/* virt: what the embedded target was measured with (FACTS.md); the Pi 3 has 4. */
int vm_machine_smp(enum vm_profile p)
{
	return p == VM_PROFILE_VIRT ? 2 : 4;
}

int vm_run_dir(char *buf, size_t cap, const char *base, const char *name)
{
	int n = snprintf(buf, cap, "%s/vm-%s", base, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int vm_runtime_base(char *buf, size_t cap)
{
	const char *k = getenv("KMDASH_RUNTIME_DIR");
	const char *x = getenv("XDG_RUNTIME_DIR");
	int n;

	if (k && *k)
		n = snprintf(buf, cap, "%s", k);
	else if (x && x[0] == '/') /* a relative one is to be ignored */
		n = snprintf(buf, cap, "%s/kmdash", x);
	else
		n = snprintf(buf, cap, "/tmp/kmdash-%u/kmdash",
			     (unsigned int)getuid());
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* --- the QEMU command line ------------------------------------------------ */

/* QEMU option values separate with commas; a literal comma is doubled. */
static char *qemu_escape(const char *s)
{
	size_t n = 0;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += *p == ',' ? 2 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = s; *p; p++) {
		*o++ = *p;
		if (*p == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

/* "a b c" -> "a,b,c" (the guest's /init splits kmdash.modules on commas). */
static char *modules_arg(const char *mods)
{
	char *s = strdup(mods ? mods : "");

	for (char *p = s; p && *p; p++)
		if (*p == ' ')
			*p = ',';
	return s;
}

struct argv_builder {
	char **v;
	size_t n, cap;
	bool oom;
};

static void add(struct argv_builder *b, char *s)
{
	if (!s || b->oom) {
		b->oom = true;
		free(s);
		return;
	}
	if (b->n + 2 > b->cap) {
		size_t c = b->cap ? b->cap * 2 : 32;
		char **v = realloc(b->v, c * sizeof(*v));

		if (!v) {
			b->oom = true;
			free(s);
			return;
		}
		b->v = v;
		b->cap = c;
	}
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

static void add_str(struct argv_builder *b, const char *s)
{
	add(b, strdup(s));
}

static void add_memory(struct argv_builder *b, const struct vm_config *c)
{
	add_str(b, "-m");
	add(b, str_printf("%dM", c->memory_mb > 0 ?
					 c->memory_mb :
					 vm_machine_memory_mb(c->profile)));
}

void vm_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

char **vm_build_argv(const struct vm_config *c, const char *run, int port,
		     char *err, size_t errlen)
{
	struct argv_builder b = { 0 };
	const char *qemu = c->qemu ? c->qemu : VM_QEMU;
	char *erun = qemu_escape(run);
	char *mods = NULL;

	if (!erun)
		return NULL;
	if (!c->kernel || (c->profile != VM_PROFILE_VIRT && !c->dtb) ||
	    (c->profile == VM_PROFILE_RPIOS && !c->image) ||
	    (c->profile != VM_PROFILE_RPIOS && !c->initrd)) {
		snprintf(
			err, errlen,
			c->profile == VM_PROFILE_RPIOS ?
				"the rpios profile needs a kernel, a dtb and an SD image" :
				"no kernel/initrd%s for the %s profile: run 'kmdash target build'",
			c->profile == VM_PROFILE_RASPI3B ? "/dtb" : "",
			vm_profile_name(c->profile));
		free(erun);
		return NULL;
	}
	add_str(&b, qemu);
	add_str(&b, "-display");
	add_str(&b, "none");
	add_str(&b, "-monitor");
	add_str(&b, "none");
	add_str(&b, "-nodefaults");
	add_str(&b, "-kernel");
	add_str(&b, c->kernel);
	if (c->initrd) {
		add_str(&b, "-initrd");
		add_str(&b, c->initrd);
	}
	add_str(&b, "-chardev");
	add(&b, str_printf("socket,id=ser0,path=%s/serial.sock,server=on,"
			   "wait=off,logfile=%s/serial.log",
			   erun, erun));
	add_str(&b, "-qmp");
	add(&b, str_printf("unix:%s/qmp.sock,server=on,wait=off", erun));
	/* a monitor for events only: core/vm/runstate_int.h */
	add_str(&b, "-qmp");
	add(&b,
	    str_printf("unix:%s/" RUNSTATE_EVENTS_SOCKET ",server=on,wait=off",
		       erun));
	/* the gdbstub, on a socket in the 0700 directory: never TCP */
	add_str(&b, "-gdb");
	add(&b,
	    str_printf("unix:%s/" VM_GDB_SOCKET ",server=on,wait=off", erun));
	add_str(&b, "-pidfile");
	add(&b, str_printf("%s/qemu.pid", run));
	add_str(&b, "-daemonize");
	add_str(&b, "-netdev");
	/* The guest reaches nothing; only its SSH port is forwarded. */
	add(&b, str_printf("user,id=n0,restrict=on,"
			   "hostfwd=tcp:127.0.0.1:%d-:22",
			   port));
	mods = modules_arg(c->net_modules);
	switch (c->profile) {
	case VM_PROFILE_VIRT:
		add_str(&b, "-M");
		add_str(&b, vm_machine_name(c->profile));
		add_str(&b, "-cpu");
		add_str(&b, "cortex-a53");
		add_memory(&b, c);
		add_str(&b, "-smp");
		add(&b,
		    str_printf("%d", c->smp > 0 ? c->smp :
						  vm_machine_smp(c->profile)));
		add_str(&b, "-serial");
		add_str(&b, "chardev:ser0");
		add_str(&b, "-device");
		/* No efi-virtio.rom without recommends: no option ROM. */
		add_str(&b, "virtio-net-pci,netdev=n0,romfile=");
		add_str(&b, "-append");
		/* nokaslr: KASLR forces KPTI, ~10x dearer syscalls in TCG. */
		add(&b,
		    str_printf("console=ttyAMA0 nokaslr kmdash.modules=%s%s%s",
			       mods ? mods : "", c->append ? " " : "",
			       c->append ? c->append : ""));
		break;
	case VM_PROFILE_RASPI3B:
	case VM_PROFILE_RPIOS:
		/* The Pi 3 has its 4 CPUs: no -smp (the config wants 4). */
		add_str(&b, "-M");
		add_str(&b, vm_machine_name(c->profile));
		add_memory(&b, c);
		add_str(&b, "-dtb");
		add_str(&b, c->dtb);
		if (c->profile == VM_PROFILE_RPIOS) {
			char *img = qemu_escape(c->image);

			add_str(&b, "-drive");
			add(&b,
			    img ? str_printf("file=%s,if=sd,format=raw", img) :
				  NULL);
			free(img);
		}
		/* The Pi 3's console is its second UART. */
		add_str(&b, "-serial");
		add_str(&b, "null");
		add_str(&b, "-serial");
		add_str(&b, "chardev:ser0");
		add_str(&b, "-device");
		add_str(&b, "usb-net,netdev=n0");
		add_str(&b, "-append");
		if (c->profile == VM_PROFILE_RPIOS)
			add_str(&b,
				c->append ? c->append :
					    VM_RASPI_CONSOLE
					" root=/dev/mmcblk0p2 rootfstype=ext4 rootwait nokaslr");
		else
			add(&b,
			    str_printf(VM_RASPI_CONSOLE " nokaslr "
							"kmdash.modules=%s%s%s",
				       mods ? mods : "", c->append ? " " : "",
				       c->append ? c->append : ""));
		break;
	}
	for (const char *const *a = c->extra_args; a && *a; a++)
		add_str(&b, *a);
	free(mods);
	free(erun);
	if (b.oom) {
		snprintf(err, errlen, "out of memory building the QEMU argv");
		vm_argv_free(b.v);
		return NULL;
	}
	return b.v;
}

/* --- object ------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void free_list(const char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		free((char *)v[i]);
	free((void *)v);
}

/* A copy of a NULL-terminated list; NULL for none or out of memory. */
static const char *const *dup_list(const char *const *v)
{
	size_t n = 0;
	char **d;

	while (v && v[n])
		n++;
	d = n ? calloc(n + 1, sizeof(*d)) : NULL;
	for (size_t i = 0; d && i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			free_list((const char *const *)d);
			return NULL;
		}
	}
	return (const char *const *)d;
}

struct vm *vm_new(struct loop *loop, const struct vm_config *c)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->loop = loop;
	vm->cfg = *c;
	vm->cfg.name = strdup(c->name ? c->name : "default");
	vm->cfg.qemu = dup_or_null(c->qemu);
	vm->cfg.runtime_dir = dup_or_null(c->runtime_dir);
	vm->cfg.kernel = dup_or_null(c->kernel);
	vm->cfg.initrd = dup_or_null(c->initrd);
	vm->cfg.initrd_extra = dup_or_null(c->initrd_extra);
	vm->cfg.extra_args = dup_list(c->extra_args);
	vm->cfg.dtb = dup_or_null(c->dtb);
	vm->cfg.net_modules = dup_or_null(c->net_modules);
	vm->cfg.image = dup_or_null(c->image);
	vm->cfg.append = dup_or_null(c->append);
	vm->cfg.ssh_key = dup_or_null(c->ssh_key);
	vm->cfg.host_key_pub = dup_or_null(c->host_key_pub);
	vm->cfg.ssh_user = dup_or_null(c->ssh_user);
	vm->cfg.ready_marker = dup_or_null(c->ready_marker);
	vm->pidfd = vm->log_fd = vm->ino_fd = vm->probe_fd = -1;
	for (int i = 0; i < VM_STAGE_COUNT; i++)
		vm->stage_at[i] = -1;
	if (c->extra_args && c->extra_args[0] && !vm->cfg.extra_args) {
		vm_free(vm);
		return NULL;
	}
	return vm;
}

void vm_set_callback(struct vm *vm, vm_note_fn fn, void *arg)
{
	vm->fn = fn;
	vm->arg = arg;
}

static void note(struct vm *vm, enum vm_note what, const char *detail)
{
	if (vm->fn)
		vm->fn(vm, what, detail, vm->arg);
}

static void set_stage(struct vm *vm, enum vm_stage s)
{
	if (vm->stage == s)
		return;
	vm->stage = s;
	vm->stage_at[s] = loop_now_ms() - vm->t0;
	note(vm, VM_NOTE_STAGE, vm_stage_name(s));
}

static void probe_stop(struct vm *vm)
{
	if (vm->probe_fd >= 0) {
		loop_del_fd(vm->loop, vm->probe_fd);
		close(vm->probe_fd);
		vm->probe_fd = -1;
	}
	loop_cancel_timer(vm->loop, vm->probe_timer);
	loop_cancel_timer(vm->loop, vm->probe_deadline);
	vm->probe_timer = vm->probe_deadline = 0;
}

static void log_stop(struct vm *vm)
{
	if (vm->ino_fd >= 0) {
		loop_del_fd(vm->loop, vm->ino_fd);
		close(vm->ino_fd);
		vm->ino_fd = -1;
	}
	if (vm->log_fd >= 0) {
		close(vm->log_fd);
		vm->log_fd = -1;
	}
}

static void release(struct vm *vm)
{
	runstate_free(vm->runstate);
	vm->runstate = NULL;
	vm->gdb = false;
	probe_stop(vm);
	log_stop(vm);
	loop_cancel_timer(vm->loop, vm->kill_timer);
	vm->kill_timer = 0;
	if (vm->pidfd >= 0) {
		loop_del_fd(vm->loop, vm->pidfd);
		close(vm->pidfd);
		vm->pidfd = -1;
	}
	if (vm->launcher > 0) {
		loop_unwatch_child(vm->loop, vm->launcher);
		vm->launcher = 0;
	}
	if (vm->qmp) {
		qmp_free(vm->qmp);
		vm->qmp = NULL;
	}
	/* qmp_free() answered the pending calls, which may arm this. */
	loop_cancel_timer(vm->loop, vm->qmp_close_timer);
	vm->qmp_close_timer = 0;
	vm->qmp_pending = 0;
}

void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	release(vm);
	free((char *)vm->cfg.name);
	free((char *)vm->cfg.qemu);
	free((char *)vm->cfg.runtime_dir);
	free((char *)vm->cfg.kernel);
	free((char *)vm->cfg.initrd);
	free((char *)vm->cfg.initrd_extra);
	free_list(vm->cfg.extra_args);
	free((char *)vm->cfg.dtb);
	free((char *)vm->cfg.net_modules);
	free((char *)vm->cfg.image);
	free((char *)vm->cfg.append);
	free((char *)vm->cfg.ssh_key);
	free((char *)vm->cfg.host_key_pub);
	free((char *)vm->cfg.ssh_user);
	free((char *)vm->cfg.ready_marker);
	free(vm->cmdline);
	free(vm);
}

/* --- the runtime directory -------------------------------------------------- */

/* mkdir -p, then insist on ours, 0700, not a symlink. */
static int private_dir(struct vm *vm, const char *dir)
{
	char why[PATH_MAX + 128];
	int rc = fsdir_private(dir, why, sizeof(why));

	if (rc)
		set_err(vm, "%s", why);
	return rc;
}

/* The pid in RUN/qemu.pid if it names a live QEMU, else 0. */
static pid_t live_qemu(const char *run)
{
	char path[PATH_MAX + 16], buf[4096];
	int fd;
	ssize_t n;
	long pid;

	snprintf(path, sizeof(path), "%s/qemu.pid", run);
	if (read_small(path, buf, 32) <= 0)
		return 0;
	pid = strtol(buf, NULL, 10);
	if (pid <= 0 || kill((pid_t)pid, 0) < 0)
		return 0;
	/* A recycled pid (our own shell, say) is not our QEMU. */
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "qemu-system") ? (pid_t)pid : 0;
}

static int remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) < 0 ? -errno : 0;
}

static int port_is_free(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, r;

	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* PATH lookup, so that a missing QEMU is one clear line before forking. */
static int find_program(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(out, cap, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		snprintf(out, cap, "%.*s/%s", (int)n, n ? path : ".", name);
		if (access(out, X_OK) == 0)
			return 0;
		path += n + (end ? 1 : 0);
	}
	return -ENOENT;
}

static int write_ssh_files(struct vm *vm)
{
	char path[PATH_MAX + 32], key[1024], *text;
	int err = 0;

	/*
	 * Without a known host key (a user's own image) known_hosts stays
	 * empty and the first connection is refused until the user checks
	 * the fingerprint (kmdash trust): never accept a new key silently.
	 */
	if (vm->cfg.host_key_pub &&
	    read_small(vm->cfg.host_key_pub, key, sizeof(key)) > 0) {
		/* "type base64 comment" -> "[127.0.0.1]:PORT type base64" */
		char *sp = strchr(key, ' ');

		sp = sp ? strchr(sp + 1, ' ') : NULL;
		if (sp)
			*sp = '\0';
		snprintf(path, sizeof(path), "%s/known_hosts", vm->run);
		text = str_printf("[127.0.0.1]:%d %s\n", vm->port, key);
		err = text ? write_file(path, text) : -ENOMEM;
		free(text);
	}
	snprintf(path, sizeof(path), "%s/ssh_config", vm->run);
	text = str_printf("# The VM '%s': ssh -F %s/ssh_config kmdash-target\n"
			  "Host kmdash-target\n"
			  "\tHostName 127.0.0.1\n"
			  "\tPort %d\n"
			  "\tUser %s\n"
			  "%s%s%s"
			  "\tIdentitiesOnly yes\n"
			  "\tUserKnownHostsFile %s/known_hosts\n"
			  "\tGlobalKnownHostsFile /dev/null\n"
			  "\tStrictHostKeyChecking yes\n"
			  "\tPasswordAuthentication no\n"
			  "\tKbdInteractiveAuthentication no\n"
			  /* QEMU accepts for the guest: a dead one hangs */
			  "\tConnectTimeout 10\n"
			  "\tLogLevel ERROR\n",
			  vm->cfg.name, vm->run, vm->port,
			  vm->cfg.ssh_user ? vm->cfg.ssh_user : "root",
			  vm->cfg.ssh_key ? "\tIdentityFile " : "",
			  vm->cfg.ssh_key ? vm->cfg.ssh_key : "",
			  vm->cfg.ssh_key ? "\n" : "", vm->run);
	if (!text)
		return -ENOMEM;
	if (!err)
		err = write_file(path, text);
	free(text);
	return err;
}

/* --- boot progress from the console log ----------------------------------- */

static void probe_start(struct vm *vm, int64_t delay_ms);
static void restart_stages(struct vm *vm);

static void scan_line(struct vm *vm, const char *line)
{
	const char *m = vm->cfg.ready_marker;

	if (vm->stage < VM_STAGE_STARTED || vm->stage >= VM_STAGE_STOPPING)
		return;
	/*
	 * A second boot without a RESET event: reset by another QMP client
	 * (ours connects only while it has something to ask), or a reboot
	 * from inside the guest.
	 */
	/* (Not boot_again(): this runs inside the log drain.) */
	if (vm->stage >= VM_STAGE_KERNEL && strstr(line, "Booting Linux"))
		restart_stages(vm);
	/* The kernel's last words before QEMU leaves by itself. */
	if (strstr(line, "reboot: Power down") ||
	    strstr(line, "reboot: System halted"))
		vm->guest_off = true;
	if (vm->stage < VM_STAGE_KERNEL && strstr(line, "Booting Linux"))
		set_stage(vm, VM_STAGE_KERNEL);
	if (vm->stage < VM_STAGE_INIT && strstr(line, "Run ") &&
	    strstr(line, " as init process")) {
		set_stage(vm, VM_STAGE_INIT);
		/*
		 * SSH is tried from here, slowly: a Pi OS image prints no
		 * marker, and a marker can still be garbled on the console.
		 */
		probe_start(vm, 1000);
	}
	/* A disk's root (a Pi OS image): with an initramfs after init. */
	if (vm->stage < VM_STAGE_ROOT &&
	    ((strstr(line, "EXT4-fs (") &&
	      strstr(line, "): mounted filesystem")) ||
	     strstr(line, "VFS: Mounted root"))) {
		set_stage(vm, VM_STAGE_ROOT);
		probe_start(vm, 1000);
	}
	if (m && *m && vm->stage < VM_STAGE_MARKER && strstr(line, m)) {
		set_stage(vm, VM_STAGE_MARKER);
		/* Now SSH answers: try at once instead of at the slow pace. */
		probe_stop(vm);
		probe_start(vm, 0);
	}
}

/*
 * Where a kernel message ("[    3.574765] ...") starts inside a line, or
 * NULL. printk interrupts what user space is printing on the console:
 * "kmdash-t[    3.57] Not activating ...\narget: ready" was seen on raspi3b.
 */
static const char *printk_inside(const char *line)
{
	for (const char *p = strchr(line + 1, '['); p && p[0];
	     p = strchr(p + 1, '[')) {
		const char *q = p + 1;

		while (*q == ' ')
			q++;
		if (*q < '0' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q++ != '.' || *q < '0' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q[0] == ']' && q[1] == ' ')
			return p;
	}
	return NULL;
}

static void end_line(struct vm *vm)
{
	char joined[sizeof(vm->carry) + sizeof(vm->line)];
	const char *k;

	vm->line[vm->linelen] = '\0';
	vm->linelen = 0;
	k = printk_inside(vm->line);
	if (k) {
		/* Keep the cut-off start; the rest of it follows later. */
		snprintf(vm->carry, sizeof(vm->carry), "%.*s",
			 (int)(k - vm->line), vm->line);
		scan_line(vm, k);
		return;
	}
	if (vm->carry[0]) {
		snprintf(joined, sizeof(joined), "%s%s", vm->carry, vm->line);
		vm->carry[0] = '\0';
		scan_line(vm, joined);
		return;
	}
	scan_line(vm, vm->line);
}

static void log_drain(struct vm *vm)
{
	char buf[4096];
	ssize_t r;

	if (vm->log_fd < 0)
		return;
	while ((r = read(vm->log_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			char c = buf[i];

			if (c == '\r')
				continue;
			if (c != '\n' && vm->linelen < sizeof(vm->line) - 1) {
				vm->line[vm->linelen++] = c;
				continue;
			}
			end_line(vm);
		}
	}
}

static void on_inotify(struct loop *loop, int fd, short revents, void *arg)
{
	struct vm *vm = arg;
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	log_drain(vm);
}

static int log_follow(struct vm *vm)
{
	char path[PATH_MAX + 16];
	int err;

	snprintf(path, sizeof(path), "%s/serial.log", vm->run);
	vm->log_fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	if (vm->log_fd < 0)
		goto fail;
	vm->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (vm->ino_fd < 0)
		goto fail;
	if (inotify_add_watch(vm->ino_fd, path, IN_MODIFY) < 0)
		goto fail;
	err = loop_add_fd(vm->loop, vm->ino_fd, POLLIN, on_inotify, vm);
	if (err) {
		errno = -err;
		goto fail;
	}
	vm->linelen = 0;
	vm->carry[0] = '\0';
	return 0;
fail:
	err = -errno;
	set_err(vm, "cannot follow the console log %s: %s", path,
		strerror(errno));
	log_stop(vm);
	return err;
}

/* --- SSH readiness: a banner on the forwarded port ----------------------- */

static void probe_retry(struct vm *vm, int64_t delay_ms)
{
	probe_stop(vm);
	probe_start(vm, delay_ms);
}

static void on_probe_deadline(struct loop *loop, void *arg)
{
	struct vm *vm = arg;

	vm->probe_deadline = 0;
	probe_retry(vm, 200);
}

static void on_probe_io(struct loop *loop, int fd, short revents, void *arg)
{
	struct vm *vm = arg;
	char buf[256];
	ssize_t r;

	r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (r < 0 && errno == EAGAIN)
		return;
	/* slirp accepts before the guest does: only a banner counts. */
	if (r >= 4 && !memcmp(buf, "SSH-", 4)) {
		probe_stop(vm);
		set_stage(vm, VM_STAGE_SSH_READY);
		return;
	}
	probe_retry(vm, 250);
}

static void on_probe_timer(struct loop *loop, void *arg)
{
	struct vm *vm = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)vm->port) };
	int fd;

	vm->probe_timer = 0;
	if (vm->stage >= VM_STAGE_SSH_READY)
		return;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_start(vm, 1000);
		return;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		probe_start(vm, 500);
		return;
	}
	/* A connected socket becomes readable with the banner or EOF. */
	vm->probe_fd = fd;
	loop_add_fd(vm->loop, fd, POLLIN, on_probe_io, vm);
	vm->probe_deadline =
		loop_add_timer(vm->loop, 5000, on_probe_deadline, vm);
}

static void probe_start(struct vm *vm, int64_t delay_ms)
{
	if (vm->probe_fd >= 0 || vm->probe_timer)
		return;
	vm->probe_timer =
		loop_add_timer(vm->loop, delay_ms, on_probe_timer, vm);
}

/* --- QMP ---------------------------------------------------------------- */

/*
 * QEMU serves one QMP client at a time: a dashboard that kept the socket
 * would lock `kmdash vm reset` out. So a connection exists only while a
 * command waits for its reply.
 */
struct qmp_call {
	struct vm *vm;
	qmp_reply_fn fn;
};

static int qmp_start(struct vm *vm);

static void qmp_idle_close(struct loop *loop, void *arg)
{
	struct vm *vm = arg;

	vm->qmp_close_timer = 0;
	if (vm->qmp && !vm->qmp_pending) {
		qmp_free(vm->qmp);
		vm->qmp = NULL;
	}
}

static void on_call_reply(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct qmp_call *c = arg;
	struct vm *vm = c->vm;

	if (vm->qmp_pending)
		vm->qmp_pending--;
	if (c->fn && m)
		c->fn(q, m, vm);
	free(c);
	if (!vm->qmp_pending && !vm->qmp_close_timer)
		vm->qmp_close_timer =
			loop_add_timer(vm->loop, 0, qmp_idle_close, vm);
}

/* Sends cmd, connecting first if needed. 0 or -errno. */
static int qmp_send(struct vm *vm, const char *cmd, qmp_reply_fn fn)
{
	struct qmp_call *c;
	int64_t id;

	if (vm->qmp && (qmp_state(vm->qmp) == QMP_CLOSED ||
			qmp_state(vm->qmp) == QMP_IDLE)) {
		qmp_free(vm->qmp);
		vm->qmp = NULL;
		vm->qmp_pending = 0;
	}
	if (!vm->qmp && qmp_start(vm) < 0)
		return -ENOTCONN;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct qmp_call){ vm, fn };
	id = qmp_command(vm->qmp, cmd, NULL, on_call_reply, c);
	if (id < 0) {
		free(c);
		return (int)id;
	}
	vm->qmp_pending++;
	return 0;
}

static void on_status(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct vm *vm = arg;
	const char *s = qmp_status_of(m);

	if (!s)
		return;
	snprintf(vm->status, sizeof(vm->status), "%s", s);
	/* With -no-shutdown a reset leaves the machine in prelaunch. */
	if (!strcmp(s, "prelaunch") && vm->stage < VM_STAGE_STOPPING)
		qmp_send(vm, "cont", NULL);
	note(vm, VM_NOTE_STATUS, vm->status);
}

/* The stage bookkeeping of a new boot (what the log shows from now on). */
static void restart_stages(struct vm *vm)
{
	probe_stop(vm);
	vm->resets++;
	vm->t0 = loop_now_ms();
	for (int i = VM_STAGE_KERNEL; i < VM_STAGE_COUNT; i++)
		vm->stage_at[i] = -1;
	vm->guest_off = false;
	vm->stage = VM_STAGE_LAUNCHING; /* so that STARTED is noted */
	set_stage(vm, VM_STAGE_STARTED);
}

static void boot_again(struct vm *vm)
{
	/* What the old boot printed is read before the clock restarts. */
	log_drain(vm);
	restart_stages(vm);
}

static void on_qmp_event(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct vm *vm = arg;

	if (!strcmp(m->event, "RESET") && vm->stage < VM_STAGE_STOPPING) {
		boot_again(vm);
		qmp_send(vm, "query-status", on_status);
	} else if (!strcmp(m->event, "STOP")) {
		snprintf(vm->status, sizeof(vm->status), "paused");
	} else if (!strcmp(m->event, "RESUME")) {
		snprintf(vm->status, sizeof(vm->status), "running");
	} else if (!strcmp(m->event, "SHUTDOWN")) {
		snprintf(vm->status, sizeof(vm->status), "shutdown");
	}
	note(vm, VM_NOTE_EVENT, m->event);
}

static void on_qmp_state(struct qmp *q, enum qmp_state st, void *arg)
{
	struct vm *vm = arg;

	/* Replies that never came: the connection is gone. */
	if (st == QMP_CLOSED)
		vm->qmp_pending = 0;
}

static int qmp_start(struct vm *vm)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/qmp.sock", vm->run);
	vm->qmp = qmp_new(vm->loop, path);
	if (!vm->qmp)
		return -ENOMEM;
	qmp_set_callbacks(vm->qmp, on_qmp_event, on_qmp_state, vm);
	if (qmp_connect(vm->qmp) < 0) {
		set_err(vm, "%s", qmp_error(vm->qmp));
		return -ECONNREFUSED;
	}
	return 0;
}

/* --- the gdbstub and the run state ------------------------------------------ */

int vm_gdb_socket(const struct vm *vm, char *buf, size_t cap)
{
	struct stat st;
	int n = snprintf(buf, cap, "%s/" VM_GDB_SOCKET, vm->run);

	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return stat(buf, &st) == 0 && S_ISSOCK(st.st_mode) ? 0 : -ENOENT;
}

bool vm_gdb_attached(const struct vm *vm)
{
	char sock[PATH_MAX + 16];

	return vm_gdb_socket(vm, sock, sizeof(sock)) == 0 &&
	       runstate_socket_has_client(sock);
}

bool vm_halted(const struct vm *vm)
{
	return vm->pid > 0 &&
	       (!strcmp(vm->status, "debug") || !strcmp(vm->status, "paused"));
}

bool vm_halted_by_gdb(const struct vm *vm)
{
	return vm_halted(vm) && (vm->gdb || !strcmp(vm->status, "debug"));
}

static void on_runstate(void *arg, const char *status, bool gdb)
{
	struct vm *vm = arg;

	snprintf(vm->status, sizeof(vm->status), "%s", status);
	vm->gdb = gdb;
	note(vm, VM_NOTE_STATUS, vm->status);
}

/* QMP's events tell every kmdash on the VM when it stops and runs. */
static void follow_runstate(struct vm *vm)
{
	char sock[PATH_MAX + 16];

	vm_gdb_socket(vm, sock, sizeof(sock));
	vm->runstate = runstate_new(vm->loop, vm->run, sock, on_runstate, vm);
}

/* --- QEMU's life ----------------------------------------------------------- */

static void on_exit_fd(struct loop *loop, int fd, short revents, void *arg)
{
	struct vm *vm = arg;
	bool asked = vm->quitting;

	/* Its last console lines first: did the guest power off? */
	log_drain(vm);
	release(vm);
	/* A VM that was told to go leaves nothing behind. */
	if (asked) {
		remove_dir(vm->run);
		snprintf(vm->status, sizeof(vm->status), "stopped");
	} else if (vm->guest_off) {
		set_err(vm,
			"the guest powered off (QEMU pid %d exited); the console log is %s/serial.log",
			(int)vm->pid, vm->run);
		snprintf(vm->status, sizeof(vm->status), "powered off");
	} else {
		/*
		 * QEMU leaves on its own only when the guest powers off: a
		 * signal took it (kill -9, the OOM killer) or it crashed.
		 */
		set_err(vm,
			"QEMU (pid %d) was killed (a signal or a crash: the guest did not power off); the console log is %s/serial.log",
			(int)vm->pid, vm->run);
		snprintf(vm->status, sizeof(vm->status), "killed");
	}
	set_stage(vm, VM_STAGE_EXITED);
}

/* From here on QEMU is a daemon: its pidfd tells when it is gone. */
static int watch_qemu(struct vm *vm)
{
	char path[PATH_MAX + 16], buf[32];
	long pid;

	snprintf(path, sizeof(path), "%s/qemu.pid", vm->run);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (pid = strtol(buf, NULL, 10)) <= 0) {
		set_err(vm, "QEMU started but wrote no pid to %s", path);
		return -EIO;
	}
	vm->pid = (pid_t)pid;
	vm->pidfd = pidfd_open(vm->pid, 0);
	if (vm->pidfd < 0) {
		int err = -errno;

		set_err(vm, "QEMU (pid %ld) %s", pid,
			errno == ESRCH ? "exited right after starting" :
					 strerror(errno));
		return err;
	}
	return loop_add_fd(vm->loop, vm->pidfd, POLLIN, on_exit_fd, vm);
}

static int launch(struct vm *vm);

static void fail(struct vm *vm)
{
	release(vm);
	set_stage(vm, VM_STAGE_FAILED);
}

static void on_launcher_exit(struct loop *loop, pid_t pid, int status,
			     void *arg)
{
	struct vm *vm = arg;
	char path[PATH_MAX + 16], log[512], info[64];
	int err;

	vm->launcher = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(path, sizeof(path), "%s/port", vm->run);
		snprintf(info, sizeof(info), "%d\n", vm->port);
		err = watch_qemu(vm);
		if (!err)
			err = write_file(path, info);
		snprintf(path, sizeof(path), "%s/machine", vm->run);
		snprintf(info, sizeof(info), "%s\n", vm->machine);
		if (!err)
			err = write_file(path, info);
		if (!err)
			err = write_ssh_files(vm);
		if (err) {
			if (!vm->err[0])
				set_err(vm, "cannot write into %s: %s", vm->run,
					strerror(-err));
			fail(vm);
			return;
		}
		/* the debugger's way in is the user's alone, not the group's */
		snprintf(path, sizeof(path), "%s/" VM_GDB_SOCKET, vm->run);
		chmod(path, 0600);
		set_stage(vm, VM_STAGE_STARTED);
		log_drain(vm);
		follow_runstate(vm);
		if (qmp_send(vm, "query-status", on_status) < 0)
			note(vm, VM_NOTE_STATUS, "no QMP");
		return;
	}
	snprintf(path, sizeof(path), "%s/qemu.log", vm->run);
	if (read_small(path, log, sizeof(log)) <= 0)
		snprintf(log, sizeof(log), "exit status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	for (char *p = log; *p; p++)
		if (*p == '\n') {
			*p = '\0';
			break;
		}
	/* A port taken between our check and QEMU's bind: another one. */
	if (vm->port_auto && strstr(log, "host forwarding") &&
	    ++vm->tries < VM_PORT_TRIES) {
		vm->port = free_port();
		if (vm->port > 0 && launch(vm) == 0)
			return;
	}
	if (strstr(log, "power of 2"))
		set_err(vm,
			"QEMU failed to start: %s (resize the image: qemu-img resize -f raw IMAGE 4G)",
			log);
	else
		set_err(vm, "QEMU failed to start: %s", log);
	fail(vm);
}

static int launch(struct vm *vm)
{
	char logpath[PATH_MAX + 16], started[64];
	struct vm_config c = vm->cfg;
	char **argv;
	struct timespec ts;
	pid_t pid;
	int err;

	if (vm->initrd_joined[0])
		c.initrd = vm->initrd_joined;
	argv = vm_build_argv(&c, vm->run, vm->port, vm->err, sizeof(vm->err));
	if (!argv)
		return -EINVAL;
	free(vm->cmdline);
	vm->cmdline = quote_argv_readable_dup((const char *const *)argv);
	snprintf(logpath, sizeof(logpath), "%s/started", vm->run);
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(started, sizeof(started), "%lld.%09ld\n", (long long)ts.tv_sec,
		 ts.tv_nsec);
	write_file(logpath, started);
	snprintf(logpath, sizeof(logpath), "%s/qemu.log", vm->run);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		set_err(vm, "cannot start QEMU: fork: %s", strerror(errno));
		vm_argv_free(argv);
		return err;
	}
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_RDONLY);

		loop_child_reset_signals();
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		execv(vm->qemu_path, argv);
		_exit(127);
	}
	vm_argv_free(argv);
	vm->launcher = pid;
	set_stage(vm, VM_STAGE_LAUNCHING);
	err = loop_watch_child(vm->loop, pid, on_launcher_exit, vm);
	if (err) {
		set_err(vm, "cannot watch the QEMU process: %s",
			strerror(-err));
		return err;
	}
	return 0;
}

static int check_file(struct vm *vm, const char *what, const char *path)
{
	if (!path || access(path, R_OK) == 0)
		return 0;
	set_err(vm, "%s %s: %s%s", what, path, strerror(errno),
		vm->cfg.profile == VM_PROFILE_RPIOS ?
			"" :
			" (run 'kmdash target build' to build the embedded target)");
	return -ENOENT;
}

/* vm->run from the runtime base and the name. */
static int locate(struct vm *vm)
{
	char base[PATH_MAX];

	if (vm->cfg.runtime_dir)
		snprintf(base, sizeof(base), "%s", vm->cfg.runtime_dir);
	else if (vm_runtime_base(base, sizeof(base)) < 0)
		base[0] = '\0';
	if (!base[0] ||
	    vm_run_dir(vm->run, sizeof(vm->run), base, vm->cfg.name) < 0) {
		set_err(vm, "the runtime directory of VM '%s' is too long",
			vm->cfg.name);
		return -ENAMETOOLONG;
	}
	return 0;
}

int vm_find(struct vm *vm)
{
	char path[PATH_MAX + 16], buf[32];
	int err = locate(vm);

	if (err)
		return err;
	vm->pid = live_qemu(vm->run);
	if (!vm->pid)
		return 0;
	snprintf(path, sizeof(path), "%s/port", vm->run);
	if (read_small(path, buf, sizeof(buf)) > 0)
		vm->port = atoi(buf);
	snprintf(path, sizeof(path), "%s/machine", vm->run);
	if (read_small(path, vm->machine, sizeof(vm->machine)) < 0)
		vm->machine[0] = '\0';
	/* what the watcher last said: halted by a debugger, or running */
	if (runstate_read(vm->run, vm->status, sizeof(vm->status), &vm->gdb) <
	    0)
		vm->status[0] = '\0';
	return 1;
}

int vm_remove_stale(struct vm *vm)
{
	int err = vm_find(vm);

	if (err)
		return err < 0 ? err : -EBUSY;
	if (access(vm->run, F_OK) < 0)
		return 0;
	err = remove_dir(vm->run);
	if (err) {
		set_err(vm, "cannot remove the stale runtime directory %s: %s",
			vm->run, strerror(-err));
		return err;
	}
	return 1;
}

static int prepare_run_dir(struct vm *vm)
{
	char base[PATH_MAX];
	int err;

	err = vm_find(vm);
	if (err < 0)
		return err;
	if (err) {
		set_err(vm, "VM '%s' is already running (pid %d, ssh port %d)",
			vm->cfg.name, (int)vm->pid, vm->port);
		return -EEXIST;
	}
	/* the runtime base, made private before anything goes in it */
	snprintf(base, sizeof(base), "%s", vm->run);
	*strrchr(base, '/') = '\0';
	err = private_dir(vm, base);
	if (err)
		return err;
	/* sockaddr_un holds 108 bytes: say so instead of a bind error. */
	if (strlen(vm->run) + sizeof("/serial.sock") >
	    sizeof(((struct sockaddr_un *)0)->sun_path)) {
		set_err(vm,
			"the runtime directory %s is too long for a unix socket; set KMDASH_RUNTIME_DIR to a shorter path",
			vm->run);
		return -ENAMETOOLONG;
	}
	err = vm_remove_stale(vm);
	if (err < 0)
		return err;
	if (err)
		snprintf(
			vm->notice, sizeof(vm->notice),
			"removed the stale runtime directory of a VM that is gone (%s)",
			vm->run);
	return private_dir(vm, vm->run);
}

/*
 * RUN/initrd.gz: the initrd, zeros to a 4-byte boundary, then the extra
 * cpio archive. The kernel unpacks concatenated archives in order (the
 * later one's files win) and skips the padding an uncompressed archive
 * needs in front of it.
 */
static int join_initrd(struct vm *vm)
{
	static const char zeros[4];
	const char *parts[] = { vm->cfg.initrd, vm->cfg.initrd_extra };
	char buf[65536];
	off_t total = 0;
	int out, err = 0;

	snprintf(vm->initrd_joined, sizeof(vm->initrd_joined), "%s/initrd.gz",
		 vm->run);
	out = open(vm->initrd_joined, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		   0600);
	if (out < 0)
		err = -errno;
	for (int i = 0; i < 2 && !err; i++) {
		int in = open(parts[i], O_RDONLY | O_CLOEXEC);
		ssize_t r = 0;

		if (in < 0) {
			err = -errno;
			break;
		}
		if (i == 1 && total % 4 &&
		    write(out, zeros, (size_t)(4 - total % 4)) < 0)
			err = -errno;
		while (!err && (r = read(in, buf, sizeof(buf))) > 0) {
			if (write(out, buf, (size_t)r) != r)
				err = -EIO;
			total += r;
		}
		if (r < 0)
			err = -errno;
		close(in);
	}
	if (out >= 0 && close(out) < 0 && !err)
		err = -errno;
	if (err)
		set_err(vm, "cannot join the initrd and %s into %s: %s",
			vm->cfg.initrd_extra, vm->initrd_joined,
			strerror(-err));
	return err;
}

int vm_start(struct vm *vm)
{
	const char *qemu = vm->cfg.qemu ? vm->cfg.qemu : VM_QEMU;
	int err;

	if (vm->stage > VM_STAGE_OFF && vm->stage < VM_STAGE_EXITED)
		return -EALREADY;
	release(vm);
	vm->err[0] = vm->notice[0] = vm->status[0] = '\0';
	vm->guest_off = false;
	vm->quitting = false;
	vm->resets = 0;
	vm->tries = 0;
	vm->pid = 0;
	vm->initrd_joined[0] = '\0';
	snprintf(vm->machine, sizeof(vm->machine), "%s",
		 vm_machine_name(vm->cfg.profile));
	vm->stage = VM_STAGE_OFF;
	for (int i = 0; i < VM_STAGE_COUNT; i++)
		vm->stage_at[i] = -1;
	vm->t0 = loop_now_ms();
	if (find_program(qemu, vm->qemu_path, sizeof(vm->qemu_path)) < 0) {
		set_err(vm,
			"%s not found: run 'make deps' (installs qemu-system-arm)",
			qemu);
		return -ENOENT;
	}
	if ((err = check_file(vm, "kernel", vm->cfg.kernel)) ||
	    (err = check_file(vm, "initrd", vm->cfg.initrd)) ||
	    (err = check_file(vm, "extra initrd", vm->cfg.initrd_extra)) ||
	    (err = check_file(vm, "dtb", vm->cfg.dtb)) ||
	    (err = check_file(vm, "SD image", vm->cfg.image)))
		return err;
	if (!vm->cfg.kernel) {
		set_err(vm, "no kernel given for the %s profile",
			vm_profile_name(vm->cfg.profile));
		return -EINVAL;
	}
	vm->port_auto = vm->cfg.port == 0;
	if (vm->port_auto) {
		vm->port = free_port();
		if (vm->port <= 0) {
			set_err(vm, "no free TCP port on 127.0.0.1");
			return -EADDRINUSE;
		}
	} else {
		vm->port = vm->cfg.port;
		if (port_is_free(vm->port) != 1) {
			set_err(vm,
				"port %d on 127.0.0.1 is in use: choose another, or leave the port unset to get a free one",
				vm->port);
			return -EADDRINUSE;
		}
	}
	err = prepare_run_dir(vm);
	if (err)
		return err;
	if (vm->cfg.initrd_extra && vm->cfg.initrd)
		err = join_initrd(vm);
	if (!err)
		err = log_follow(vm);
	if (!err)
		err = launch(vm);
	if (err) {
		release(vm);
		vm->stage = VM_STAGE_FAILED;
	}
	return err;
}

int vm_attach(struct vm *vm)
{
	int err;

	release(vm);
	vm->err[0] = vm->notice[0] = vm->status[0] = '\0';
	vm->guest_off = false;
	vm->quitting = false;
	err = vm_find(vm);
	if (err < 0)
		return err;
	if (!err) {
		set_err(vm, "VM '%s' is not running (no live QEMU in %s)",
			vm->cfg.name, vm->run);
		return -ESRCH;
	}
	vm->t0 = loop_now_ms();
	for (int i = 0; i < VM_STAGE_COUNT; i++)
		vm->stage_at[i] = -1;
	vm->stage = VM_STAGE_LAUNCHING;
	err = watch_qemu(vm);
	if (!err)
		err = log_follow(vm);
	if (err) {
		release(vm);
		vm->stage = VM_STAGE_FAILED;
		return err;
	}
	set_stage(vm, VM_STAGE_STARTED);
	/* The log so far replays the boot stages. */
	log_drain(vm);
	follow_runstate(vm);
	qmp_send(vm, "query-status", on_status);
	return 0;
}

static int command(struct vm *vm, const char *cmd, qmp_reply_fn fn)
{
	int err;

	if (vm->pidfd < 0) {
		set_err(vm, "VM '%s' is not running", vm->cfg.name);
		return -ESRCH;
	}
	err = qmp_send(vm, cmd, fn);
	if (err)
		set_err(vm, "VM '%s' has no QMP connection%s%s", vm->cfg.name,
			vm->qmp && qmp_error(vm->qmp)[0] ? ": " : "",
			vm->qmp ? qmp_error(vm->qmp) : "");
	return err;
}

int vm_reset(struct vm *vm)
{
	return command(vm, "system_reset", NULL);
}

int vm_powerdown(struct vm *vm)
{
	int err = command(vm, "system_powerdown", NULL);

	/* If the guest obeys, QEMU exits: that exit was asked for. */
	if (!err)
		vm->quitting = true;
	return err;
}

int vm_query_status(struct vm *vm)
{
	return command(vm, "query-status", on_status);
}

static void on_kill_timer(struct loop *loop, void *arg)
{
	struct vm *vm = arg;

	vm->kill_timer = 0;
	if (vm->pidfd >= 0) {
		snprintf(vm->notice, sizeof(vm->notice),
			 "QEMU (pid %d) did not quit over QMP; killed it",
			 (int)vm->pid);
		pidfd_send_signal(vm->pidfd, SIGKILL, NULL, 0);
	}
}

int vm_quit(struct vm *vm)
{
	if (vm->pidfd < 0) {
		set_err(vm, "VM '%s' is not running", vm->cfg.name);
		return -ESRCH;
	}
	vm->quitting = true;
	set_stage(vm, VM_STAGE_STOPPING);
	probe_stop(vm);
	/* No QMP: SIGTERM is QEMU's other clean way out. */
	if (command(vm, "quit", NULL) < 0)
		pidfd_send_signal(vm->pidfd, SIGTERM, NULL, 0);
	if (!vm->kill_timer)
		vm->kill_timer = loop_add_timer(vm->loop, VM_QUIT_GRACE_MS,
						on_kill_timer, vm);
	return 0;
}

enum vm_stage vm_stage(const struct vm *vm)
{
	return vm->stage;
}

const char *vm_stage_name(enum vm_stage s)
{
	static const char *const names[VM_STAGE_COUNT] = {
		[VM_STAGE_OFF] = "off",
		[VM_STAGE_LAUNCHING] = "launching",
		[VM_STAGE_STARTED] = "started",
		[VM_STAGE_KERNEL] = "kernel",
		[VM_STAGE_INIT] = "init",
		[VM_STAGE_ROOT] = "root-mounted",
		[VM_STAGE_MARKER] = "marker",
		[VM_STAGE_SSH_READY] = "ssh-ready",
		[VM_STAGE_STOPPING] = "stopping",
		[VM_STAGE_EXITED] = "exited",
		[VM_STAGE_FAILED] = "failed",
	};

	return s < VM_STAGE_COUNT ? names[s] : "?";
}

void vm_boot_progress(const struct vm *vm, char *buf, size_t cap)
{
	static const struct {
		enum vm_stage s;
		const char *words;
	} steps[] = {
		{ VM_STAGE_KERNEL, "kernel" },
		{ VM_STAGE_INIT, "init" },
		{ VM_STAGE_ROOT, "root mounted" },
		{ VM_STAGE_MARKER, "ready marker" },
		{ VM_STAGE_SSH_READY, "sshd up" },
	};
	bool image = vm->cfg.profile == VM_PROFILE_RPIOS;
	size_t o = 0;

	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		size_t n = 0;

		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			int64_t at = vm->stage_at[steps[i].s];

			/* an image has no marker; an initramfs no root */
			if ((image && steps[i].s == VM_STAGE_MARKER) ||
			    (!image && steps[i].s == VM_STAGE_ROOT) ||
			    (steps[i].s == VM_STAGE_MARKER &&
			     !vm->cfg.ready_marker) ||
			    (pass == 0) != (at >= 0))
				continue;
			if (o < cap && pass == 0)
				o += (size_t)snprintf(
					buf + o, cap - o, "%s%s (%.1f s)",
					n ? ", " : "reached: ", steps[i].words,
					at / 1000.0);
			else if (o < cap)
				o += (size_t)snprintf(buf + o, cap - o, "%s%s",
						      n ? ", " :
						      o ? "; not reached: " :
							  "not reached: ",
						      steps[i].words);
			n++;
		}
		if (pass == 0 && !n && o < cap)
			o += (size_t)snprintf(buf + o, cap - o,
					      "no kernel output yet");
	}
}

int64_t vm_stage_ms(const struct vm *vm, enum vm_stage s)
{
	return s < VM_STAGE_COUNT ? vm->stage_at[s] : -1;
}

const char *vm_status(const struct vm *vm)
{
	return vm->status;
}

const char *vm_error(const struct vm *vm)
{
	return vm->err;
}

const char *vm_notice(const struct vm *vm)
{
	return vm->notice;
}

const char *vm_dir(const struct vm *vm)
{
	return vm->run;
}

const char *vm_command_line(const struct vm *vm)
{
	return vm->cmdline ? vm->cmdline : "";
}

const char *vm_name(const struct vm *vm)
{
	return vm->cfg.name;
}

const char *vm_machine(const struct vm *vm)
{
	return vm->machine;
}

pid_t vm_pid(const struct vm *vm)
{
	return vm->pid;
}

int vm_port(const struct vm *vm)
{
	return vm->port;
}

unsigned int vm_resets(const struct vm *vm)
{
	return vm->resets;
}
