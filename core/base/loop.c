// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop. Timers are a plain array scanned for the earliest: a
 * dashboard has a handful of them, and a scan of ten entries costs less
 * than keeping a heap consistent through cancellations.
 */
#include "core/base/loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct loop_fd {
	int fd;
	short events;
	bool removed;
	loop_fd_fn fn;
	void *arg;
};

struct loop_timer {
	uint64_t id;
	int64_t due_ms;
	bool target; /* on the target's clock: frozen while it is halted */
	loop_timer_fn fn;
	void *arg;
};

struct loop_sig {
	int signo;
	loop_signal_fn fn;
	void *arg;
};

struct loop_child {
	pid_t pid;
	loop_child_fn fn;
	void *arg;
};

struct loop {
	struct loop_fd *fds;
	size_t nfds, capfds;
	bool fds_removed;

	struct loop_timer *timers;
	size_t ntimers, captimers;
	uint64_t next_timer_id;

	struct loop_sig *sigs;
	size_t nsigs;
	int sigfd;
	sigset_t sigmask;

	struct loop_child *children;
	size_t nchildren, capchildren;

	struct pollfd *pfds;
	size_t cappfds;

	bool stop;
	uint64_t wakeups;

	/* the target's clock: halted since halt_us, held_us in halts before */
	bool halted;
	int64_t halt_us, held_us;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t loop_now_ms(void)
{
	return now_ns() / 1000000;
}

int64_t loop_now_us(void)
{
	return now_ns() / 1000;
}

/* Grows *arr to hold at least n elements of size sz. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < n)
		ncap *= 2;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	if (loop->sigfd >= 0) {
		close(loop->sigfd);
		sigprocmask(SIG_UNBLOCK, &loop->sigmask, NULL);
	}
	free(loop->fds);
	free(loop->timers);
	free(loop->sigs);
	free(loop->children);
	free(loop->pfds);
	free(loop);
}

static struct loop_fd *find_fd(struct loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nfds; i++)
		if (loop->fds[i].fd == fd && !loop->fds[i].removed)
			return &loop->fds[i];
	return NULL;
}

int loop_add_fd(struct loop *loop, int fd, short events, loop_fd_fn fn,
		void *arg)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	if (find_fd(loop, fd))
		return -EEXIST;
	if (grow((void **)&loop->fds, &loop->capfds, loop->nfds + 1,
		 sizeof(*loop->fds)))
		return -ENOMEM;
	loop->fds[loop->nfds++] = (struct loop_fd){
		.fd = fd, .events = events, .fn = fn, .arg = arg
	};
	return 0;
}

int loop_set_events(struct loop *loop, int fd, short events)
{
	struct loop_fd *e = find_fd(loop, fd);

	if (!e)
		return -ENOENT;
	e->events = events;
	return 0;
}

void loop_del_fd(struct loop *loop, int fd)
{
	struct loop_fd *e = find_fd(loop, fd);

	/* Compacted after dispatch: a callback may be iterating. */
	if (e) {
		e->removed = true;
		loop->fds_removed = true;
	}
}

static void compact_fds(struct loop *loop)
{
	size_t j = 0;

	if (!loop->fds_removed)
		return;
	for (size_t i = 0; i < loop->nfds; i++)
		if (!loop->fds[i].removed)
			loop->fds[j++] = loop->fds[i];
	loop->nfds = j;
	loop->fds_removed = false;
}

static uint64_t add_timer(struct loop *loop, int64_t delay_ms, loop_timer_fn fn,
			  void *arg, bool target)
{
	if (!fn)
		return 0;
	if (grow((void **)&loop->timers, &loop->captimers, loop->ntimers + 1,
		 sizeof(*loop->timers)))
		return 0;
	if (delay_ms < 0)
		delay_ms = 0;
	loop->timers[loop->ntimers++] = (struct loop_timer){
		.id = ++loop->next_timer_id,
		.due_ms = loop_now_ms() + delay_ms,
		.target = target,
		.fn = fn,
		.arg = arg,
	};
	return loop->next_timer_id;
}

uint64_t loop_add_timer(struct loop *loop, int64_t delay_ms, loop_timer_fn fn,
			void *arg)
{
	return add_timer(loop, delay_ms, fn, arg, false);
}

/*
 * A target timer added during a halt is due delay_ms after the halt ends:
 * its due time is kept as if the halt ended now, and moved on with the
 * others when it does end.
 */
uint64_t loop_add_target_timer(struct loop *loop, int64_t delay_ms,
			       loop_timer_fn fn, void *arg)
{
	int64_t late = loop->halted ? loop_now_ms() - loop->halt_us / 1000 : 0;

	return add_timer(loop, (delay_ms < 0 ? 0 : delay_ms) - late, fn, arg,
			 true);
}

int64_t loop_target_now_us(const struct loop *loop)
{
	int64_t now = loop_now_us();

	return now - loop->held_us - (loop->halted ? now - loop->halt_us : 0);
}

int64_t loop_target_now_ms(const struct loop *loop)
{
	return loop_target_now_us(loop) / 1000;
}

void loop_target_halt(struct loop *loop, bool halted)
{
	int64_t held_us, held_ms;

	if (halted == loop->halted)
		return;
	loop->halted = halted;
	if (halted) {
		loop->halt_us = loop_now_us();
		return;
	}
	held_us = loop_now_us() - loop->halt_us;
	/* up: a target timer never fires before its time on the target's clock */
	held_ms = (held_us + 999) / 1000;
	loop->held_us += held_us;
	for (size_t i = 0; i < loop->ntimers; i++)
		if (loop->timers[i].target)
			loop->timers[i].due_ms += held_ms;
}

bool loop_target_halted(const struct loop *loop)
{
	return loop->halted;
}

static ssize_t find_timer(struct loop *loop, uint64_t id)
{
	for (size_t i = 0; i < loop->ntimers; i++)
		if (loop->timers[i].id == id)
			return (ssize_t)i;
	return -1;
}

void loop_cancel_timer(struct loop *loop, uint64_t id)
{
	ssize_t i = id ? find_timer(loop, id) : -1;

	if (i < 0)
		return;
	loop->timers[i] = loop->timers[--loop->ntimers];
}

bool loop_timer_pending(struct loop *loop, uint64_t id)
{
	return id && find_timer(loop, id) >= 0;
}

static int reopen_signalfd(struct loop *loop)
{
	int fd = signalfd(loop->sigfd, &loop->sigmask,
			  SFD_NONBLOCK | SFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	loop->sigfd = fd;
	return 0;
}

int loop_on_signal(struct loop *loop, int signo, loop_signal_fn fn, void *arg)
{
	struct loop_sig *p;
	int err;

	for (size_t i = 0; i < loop->nsigs; i++) {
		if (loop->sigs[i].signo == signo) {
			loop->sigs[i].fn = fn;
			loop->sigs[i].arg = arg;
			return 0;
		}
	}
	p = realloc(loop->sigs, (loop->nsigs + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	loop->sigs = p;
	loop->sigs[loop->nsigs++] = (struct loop_sig){ signo, fn, arg };
	sigaddset(&loop->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) < 0)
		return -errno;
	err = reopen_signalfd(loop);
	return err;
}

void loop_child_reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void reap_children(struct loop *loop, int signo, void *arg)
{
	for (size_t i = 0; i < loop->nchildren;) {
		struct loop_child c = loop->children[i];
		int status;
		pid_t r = waitpid(c.pid, &status, WNOHANG);

		if (r == c.pid || (r < 0 && errno == ECHILD)) {
			loop->children[i] = loop->children[--loop->nchildren];
			if (r == c.pid)
				c.fn(loop, c.pid, status, c.arg);
			continue;
		}
		i++;
	}
}

int loop_watch_child(struct loop *loop, pid_t pid, loop_child_fn fn, void *arg)
{
	int err;

	if (pid <= 0 || !fn)
		return -EINVAL;
	err = loop_on_signal(loop, SIGCHLD, reap_children, NULL);
	if (err)
		return err;
	if (grow((void **)&loop->children, &loop->capchildren,
		 loop->nchildren + 1, sizeof(*loop->children)))
		return -ENOMEM;
	loop->children[loop->nchildren++] = (struct loop_child){ pid, fn, arg };
	/* It may have exited before the watch: look once now. */
	reap_children(loop, SIGCHLD, NULL);
	return 0;
}

void loop_unwatch_child(struct loop *loop, pid_t pid)
{
	for (size_t i = 0; i < loop->nchildren; i++) {
		if (loop->children[i].pid == pid) {
			loop->children[i] = loop->children[--loop->nchildren];
			return;
		}
	}
}

static int dispatch_signals(struct loop *loop)
{
	struct signalfd_siginfo si;
	int ran = 0;

	while (read(loop->sigfd, &si, sizeof(si)) == sizeof(si)) {
		for (size_t i = 0; i < loop->nsigs; i++) {
			if (loop->sigs[i].signo == (int)si.ssi_signo &&
			    loop->sigs[i].fn) {
				loop->sigs[i].fn(loop, (int)si.ssi_signo,
						 loop->sigs[i].arg);
				ran++;
			}
		}
	}
	return ran;
}

static int dispatch_timers(struct loop *loop)
{
	int64_t now = loop_now_ms();
	uint64_t limit = loop->next_timer_id;
	int ran = 0;
	bool again = true;

	/*
	 * Timers added by a callback (ids past limit) wait for the next
	 * round, so a zero-delay timer that re-arms itself cannot starve
	 * the fds.
	 */
	while (again) {
		again = false;
		for (size_t i = 0; i < loop->ntimers; i++) {
			struct loop_timer t = loop->timers[i];

			if (t.due_ms > now || t.id > limit ||
			    (t.target && loop->halted))
				continue;
			loop->timers[i] = loop->timers[--loop->ntimers];
			t.fn(loop, t.arg);
			ran++;
			again = true;
			break;
		}
	}
	return ran;
}

static int next_timeout(struct loop *loop, int64_t max_wait_ms)
{
	int64_t wait = max_wait_ms, now;

	if (loop->ntimers) {
		now = loop_now_ms();
		for (size_t i = 0; i < loop->ntimers; i++) {
			int64_t d = loop->timers[i].due_ms - now;

			if (loop->timers[i].target && loop->halted)
				continue;
			if (d < 0)
				d = 0;
			if (wait < 0 || d < wait)
				wait = d;
		}
	}
	if (wait > 24 * 3600 * 1000)
		wait = 24 * 3600 * 1000;
	return (int)wait;
}

int loop_run_once(struct loop *loop, int64_t max_wait_ms)
{
	size_t n = loop->nfds + (loop->sigfd >= 0);
	int ran = 0, r;

	compact_fds(loop);
	if (grow((void **)&loop->pfds, &loop->cappfds, n + 1,
		 sizeof(*loop->pfds)))
		return -ENOMEM;
	n = 0;
	if (loop->sigfd >= 0)
		loop->pfds[n++] = (struct pollfd){ loop->sigfd, POLLIN, 0 };
	for (size_t i = 0; i < loop->nfds; i++)
		loop->pfds[n++] = (struct pollfd){ loop->fds[i].fd,
						   loop->fds[i].events, 0 };

	r = poll(loop->pfds, n, next_timeout(loop, max_wait_ms));
	loop->wakeups++;
	if (r < 0 && errno != EINTR)
		return -errno;

	if (r > 0) {
		/* Snapshot: callbacks may change loop->fds underneath. */
		for (size_t i = 0; i < n && !loop->stop; i++) {
			struct pollfd p = loop->pfds[i];
			struct loop_fd *e;

			if (!p.revents)
				continue;
			if (p.fd == loop->sigfd) {
				ran += dispatch_signals(loop);
				continue;
			}
			e = find_fd(loop, p.fd);
			if (!e)
				continue;
			e->fn(loop, p.fd, p.revents, e->arg);
			ran++;
		}
	}
	ran += dispatch_timers(loop);
	compact_fds(loop);
	return ran;
}

int loop_run(struct loop *loop)
{
	int r;

	loop->stop = false;
	while (!loop->stop) {
		r = loop_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

uint64_t loop_wakeups(const struct loop *loop)
{
	return loop->wakeups;
}
