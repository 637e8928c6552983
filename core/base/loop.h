/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one event loop: file descriptors, timers, signals and child exits,
 * all delivered from a single poll(2). Idle means blocked in poll with the
 * next timer as the timeout; nothing wakes up unless someone asked.
 *
 * Callbacks may add or remove fds and timers (including their own) while
 * they run.
 */
#ifndef KMDASH_LOOP_H
#define KMDASH_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;

typedef void (*loop_fd_fn)(struct loop *loop, int fd, short revents, void *arg);
typedef void (*loop_timer_fn)(struct loop *loop, void *arg);
typedef void (*loop_signal_fn)(struct loop *loop, int signo, void *arg);
/* status as from waitpid() */
typedef void (*loop_child_fn)(struct loop *loop, pid_t pid, int status,
			      void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Monotonic clock. */
int64_t loop_now_ms(void);
int64_t loop_now_us(void);

/* One callback per fd; events as for poll() (POLLIN, POLLOUT). */
int loop_add_fd(struct loop *loop, int fd, short events, loop_fd_fn fn,
		void *arg);
int loop_set_events(struct loop *loop, int fd, short events);
void loop_del_fd(struct loop *loop, int fd);

/* One-shot timer; returns an id > 0 for loop_cancel_timer(), or 0. */
uint64_t loop_add_timer(struct loop *loop, int64_t delay_ms, loop_timer_fn fn,
			void *arg);
void loop_cancel_timer(struct loop *loop, uint64_t id);
bool loop_timer_pending(struct loop *loop, uint64_t id);

/*
 * The target's clock: the monotonic clock less the time the target was
 * halted (a debugger holding a VM's CPUs). Whatever judges the target (a
 * probe's deadline, a command's timeout, a reconnect's) runs on it, so a
 * halt times nothing out: while halted its timers do not fire, and after
 * it they are due as much later as the halt lasted. One target per loop.
 */
uint64_t loop_add_target_timer(struct loop *loop, int64_t delay_ms,
			       loop_timer_fn fn, void *arg);
int64_t loop_target_now_us(const struct loop *loop);
int64_t loop_target_now_ms(const struct loop *loop);
/* The target stopped (true) or runs again (false). */
void loop_target_halt(struct loop *loop, bool halted);
bool loop_target_halted(const struct loop *loop);

/*
 * Deliver signo through the loop (signalfd) instead of as an async signal.
 * The signal stays blocked in this process: a child must call
 * loop_child_reset_signals() after fork() and before exec().
 */
int loop_on_signal(struct loop *loop, int signo, loop_signal_fn fn, void *arg);
void loop_child_reset_signals(void);

/* Calls fn once pid exits (and reaps it). Installs the SIGCHLD watch. */
int loop_watch_child(struct loop *loop, pid_t pid, loop_child_fn fn, void *arg);
void loop_unwatch_child(struct loop *loop, pid_t pid);

/*
 * Waits at most max_wait_ms (-1: until something happens) and dispatches
 * what is ready. Returns the number of callbacks run, or -errno.
 */
int loop_run_once(struct loop *loop, int64_t max_wait_ms);
/* Runs until loop_stop(). Returns 0, or -errno if poll failed. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

/* Counts poll() wake-ups: tests use it to prove idleness. */
uint64_t loop_wakeups(const struct loop *loop);

#endif
