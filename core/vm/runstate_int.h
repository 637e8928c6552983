/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a VM's CPUs run, for every kmdash on it at once. A debugger on
 * QEMU's gdbstub stops and resumes the guest behind kmdash's back; QMP
 * says so with its STOP and RESUME events, but only to the client of a
 * monitor socket, and QEMU serves one client per socket. So the VM has a
 * monitor for events only (RUN/events.sock): one kmdash holds it (the
 * watcher), writes each change into RUN/runstate, and every kmdash on the
 * VM (the watcher too) follows that file with inotify. The others wait
 * for the socket in QEMU's queue, or, when the queue is full, for the
 * watcher (named in the file) to exit. Nothing polls.
 *
 * RUN/runstate is one line: "STATUS GDB PID": QEMU's run status
 * ("running", "paused", "debug", ...), "gdb" when a debugger is attached
 * to the stub (else "-"), and the watcher's pid.
 */
#ifndef KMDASH_RUNSTATE_INT_H
#define KMDASH_RUNSTATE_INT_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct runstate;

#define RUNSTATE_FILE "runstate"
#define RUNSTATE_EVENTS_SOCKET "events.sock"

/* A change: status "" until known. */
typedef void (*runstate_fn)(void *arg, const char *status, bool gdb);

/*
 * Follows the run state of the VM in run_dir (its stub socket gdb_sock
 * tells whether a debugger is attached). NULL when out of memory or
 * without inotify.
 */
struct runstate *runstate_new(struct loop *loop, const char *run_dir,
			      const char *gdb_sock, runstate_fn fn, void *arg);
void runstate_free(struct runstate *rs);

/*
 * Reads RUN/runstate once: the status (cap bytes) and gdb; returns the
 * watcher's pid (> 0), or -errno (-ENOENT: no watcher wrote it yet).
 */
int runstate_read(const char *run_dir, char *status, size_t cap, bool *gdb);

/* A client is connected to the unix socket at path (/proc/net/unix). */
bool runstate_socket_has_client(const char *path);

#endif
