/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The QEMU launcher, the only code that starts QEMU (the dashboard's
 * session and `kmdash vm` both come here): boots a guest from a vm_config
 * (argv, never a shell), follows its boot on the console log, talks QMP to
 * it and notices when it exits (pidfd). Everything of a running VM is in
 * its runtime directory, so that a later kmdash finds and takes it over:
 *   RUNTIME/vm-NAME/{qemu.pid,serial.sock,serial.log,qmp.sock,port,
 *                    machine,known_hosts,ssh_config,qemu.log,started,
 *                    gdb.sock,events.sock,runstate}
 * RUNTIME is $KMDASH_RUNTIME_DIR, else $XDG_RUNTIME_DIR/kmdash, else
 * /tmp/kmdash-UID/kmdash (mode 0700).
 */
#ifndef KMDASH_VM_H
#define KMDASH_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct vm;

enum vm_profile {
	VM_PROFILE_VIRT, /* the embedded target on -M virt (the default) */
	VM_PROFILE_RASPI3B, /* the embedded target on an emulated Pi 3 */
	VM_PROFILE_RPIOS, /* a user's Raspberry Pi OS SD image on raspi3b */
};

/*
 * QEMU's gdbstub listens on RUN/gdb.sock (mode 0600; never a TCP port).
 * Only QEMU targets have one: a board needs kgdb (README).
 */
#define VM_GDB_SOCKET "gdb.sock"

/* The QEMU binary when the config names none. */
#define VM_QEMU "qemu-system-aarch64"
/* How long vm start waits for SSH unless the config says otherwise. */
#define VM_BOOT_TIMEOUT_MS 90000
/* The Pi 3's console: its second UART (FACTS.md). */
#define VM_RASPI_CONSOLE "console=ttyS1,115200"

/*
 * What a VM is booted from. A target's config becomes one of these in one
 * place, config_target_vm() (core/config/config.h), which fills the rest
 * from the built target (core/vm/target_env.h).
 */
struct vm_config {
	const char *name; /* NULL: "default" */
	enum vm_profile profile;
	const char *qemu; /* NULL: VM_QEMU */
	int port; /* SSH port on 127.0.0.1; 0: a free one */
	const char *runtime_dir; /* NULL: the rule above */
	const char *kernel, *initrd, *dtb; /* initrd optional for rpios */
	/* a cpio archive unpacked over the initrd (files it replaces) */
	const char *initrd_extra;
	const char *net_modules; /* space separated (embedded target) */
	const char *image; /* VM_PROFILE_RPIOS: the SD card image */
	/* Embedded target: appended; rpios: the whole kernel command line. */
	const char *append;
	int memory_mb; /* 0: vm_machine_memory_mb() */
	int smp; /* 0: vm_machine_smp() */
	/* more QEMU arguments, after kmdash's; NULL-terminated or NULL */
	const char *const *extra_args;
	const char *ssh_key, *host_key_pub; /* for known_hosts/ssh_config */
	const char *ssh_user; /* ssh_config's User; NULL: root */
	const char *ready_marker; /* NULL: no marker, probe SSH after init */
	int boot_timeout_ms; /* for who waits for SSH; 0: VM_BOOT_TIMEOUT_MS */
};

const char *vm_profile_name(enum vm_profile p);
int vm_profile_parse(const char *s, enum vm_profile *p);
/* The QEMU machine of a profile: "virt" or "raspi3b". */
const char *vm_machine_name(enum vm_profile p);
/* A machine's memory and CPUs unless told otherwise (raspi3b: always). */
int vm_machine_memory_mb(enum vm_profile p);
int vm_machine_smp(enum vm_profile p);

/* The runtime base directory by the rule above (not created). */
int vm_runtime_base(char *buf, size_t cap);
/* A VM's runtime directory, BASE/vm-NAME, into buf: 0 or -ENAMETOOLONG. */
int vm_run_dir(char *buf, size_t cap, const char *base, const char *name);

/*
 * The whole QEMU argv for a config, a runtime directory and a port.
 * NULL-terminated, every string malloc'ed: free with vm_argv_free().
 */
char **vm_build_argv(const struct vm_config *c, const char *run_dir, int port,
		     char *err, size_t errlen);
void vm_argv_free(char **argv);

enum vm_stage {
	VM_STAGE_OFF,
	VM_STAGE_LAUNCHING, /* QEMU started, not yet daemonized */
	VM_STAGE_STARTED, /* running; the guest has not printed yet */
	VM_STAGE_KERNEL, /* "Booting Linux" */
	VM_STAGE_INIT, /* "Run /init as init process" */
	VM_STAGE_ROOT, /* a disk's root mounted ("EXT4-fs (...): mounted") */
	VM_STAGE_MARKER, /* the target's ready marker */
	VM_STAGE_SSH_READY, /* an SSH banner on 127.0.0.1:port */
	VM_STAGE_STOPPING, /* quit sent */
	VM_STAGE_EXITED, /* QEMU is gone */
	VM_STAGE_FAILED, /* it never started: vm_error() says why */
	VM_STAGE_COUNT
};

enum vm_note {
	VM_NOTE_STAGE, /* detail: the stage name */
	VM_NOTE_EVENT, /* detail: the QMP event ("RESET", "SHUTDOWN", ...) */
	VM_NOTE_STATUS, /* detail: the run status ("running", ...) */
};

typedef void (*vm_note_fn)(struct vm *vm, enum vm_note what, const char *detail,
			   void *arg);

struct vm *vm_new(struct loop *loop, const struct vm_config *c);
/* Does not stop QEMU: a dashboard may quit and leave its VM running. */
void vm_free(struct vm *vm);
void vm_set_callback(struct vm *vm, vm_note_fn fn, void *arg);

/*
 * Boots: checks, runtime directory, QEMU. Returns 0 once QEMU is being
 * started (progress through the callback), or -errno with vm_error().
 */
int vm_start(struct vm *vm);
/* Takes over a VM of that name that is already running (another kmdash's). */
int vm_attach(struct vm *vm);
/*
 * Looks for a VM of that name without taking it over: sets vm_dir(), and
 * for a live QEMU vm_pid(), vm_port() and vm_machine() from its runtime
 * directory. 1: it runs; 0: it does not; -errno with vm_error().
 */
int vm_find(struct vm *vm);
/*
 * Removes the runtime directory of a VM that is not running (left by a
 * crash or a kill): 1 if there was one, 0 if not, -errno with vm_error().
 */
int vm_remove_stale(struct vm *vm);

/* QMP: reset, ACPI power button, quit (SIGKILL if still there after 5 s). */
int vm_reset(struct vm *vm);
int vm_powerdown(struct vm *vm);
int vm_quit(struct vm *vm);
/* Asks query-status; the answer comes as VM_NOTE_STATUS. */
int vm_query_status(struct vm *vm);

enum vm_stage vm_stage(const struct vm *vm);
const char *vm_stage_name(enum vm_stage s);
/*
 * The boot so far in words, for a boot that is slower than its timeout:
 * "reached: kernel (1.2 s), root mounted (8.7 s); not reached: sshd up"
 * (the stages of the VM's profile).
 */
void vm_boot_progress(const struct vm *vm, char *buf, size_t cap);
/* ms from the (last) start or reset to reaching s, or -1. */
int64_t vm_stage_ms(const struct vm *vm, enum vm_stage s);
const char *vm_status(const struct vm *vm); /* "" until known */
const char *vm_error(const struct vm *vm);
/* Something done on the way the user should know (a stale dir removed). */
const char *vm_notice(const struct vm *vm);
const char *vm_dir(const struct vm *vm);
/*
 * The QEMU command line of the last launch, as a shell would take it
 * (the action log shows it); "" before one.
 */
const char *vm_command_line(const struct vm *vm);
const char *vm_name(const struct vm *vm);
/* The QEMU machine ("virt", "raspi3b"), "" until known. */
const char *vm_machine(const struct vm *vm);
pid_t vm_pid(const struct vm *vm);
int vm_port(const struct vm *vm);

/*
 * The stub's socket path into buf: 0 when it is there, -ENOENT when the
 * VM has none (started by an older kmdash), or -ENAMETOOLONG.
 */
int vm_gdb_socket(const struct vm *vm, char *buf, size_t cap);
/* A debugger is connected to the stub now (halted or not). */
bool vm_gdb_attached(const struct vm *vm);
/*
 * The guest's CPUs are stopped (QMP: paused or debug), as QMP's STOP and
 * RESUME events say (VM_NOTE_STATUS): every kmdash on the VM hears them.
 */
bool vm_halted(const struct vm *vm);
/* ... by the debugger on the stub. */
bool vm_halted_by_gdb(const struct vm *vm);
unsigned int vm_resets(const struct vm *vm);

#endif
