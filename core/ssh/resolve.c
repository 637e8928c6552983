// SPDX-License-Identifier: GPL-2.0
/*
 * A lookup in a thread shares its struct with the loop until both are done
 * with it: the last of the two frees it (a cancel does not wait for a
 * resolver that may take seconds). The thread says "done" on an eventfd,
 * which the loop watches; a write to it never raises SIGPIPE, even once
 * nobody listens.
 */
#include "core/ssh/resolve.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/base/loop.h"

struct resolve {
	struct loop *loop;
	resolve_fn fn;
	void *arg;
	int efd; /* a lookup in a thread; -1 when answered in place */
	uint64_t timer; /* answered in place: its delivery from the loop */
	atomic_int refs;
	char *host, *port;
	struct addrinfo hints;
	struct addrinfo *ai; /* the answer until it is handed over */
	int rc;
};

static void unref(struct resolve *r)
{
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (r->ai)
		freeaddrinfo(r->ai);
	if (r->efd >= 0)
		close(r->efd);
	free(r->host);
	free(r->port);
	free(r);
}

static void *lookup(void *p)
{
	struct resolve *r = p;
	uint64_t one = 1;

	r->rc = getaddrinfo(r->host, r->port, &r->hints, &r->ai);
	if (write(r->efd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow: never here */
	}
	unref(r);
	return NULL;
}

static void deliver(struct resolve *r)
{
	struct addrinfo *ai = r->ai;
	resolve_fn fn = r->fn;
	void *arg = r->arg;
	int rc = r->rc;

	r->ai = NULL;
	unref(r);
	fn(arg, ai, rc);
}

static void on_done(struct loop *loop, int fd, short revents, void *arg)
{
	struct resolve *r = arg;

	loop_del_fd(loop, fd);
	deliver(r);
}

static void on_timer(struct loop *loop, void *arg)
{
	struct resolve *r = arg;

	r->timer = 0;
	deliver(r);
}

/* Starts the thread; false (errno set) when it cannot run. */
static bool start_thread(struct resolve *r)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0)
		return false;
	if (loop_add_fd(r->loop, r->efd, POLLIN, on_done, r) < 0)
		goto fail;
	if (pthread_attr_init(&attr)) {
		loop_del_fd(r->loop, r->efd);
		goto fail;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/*
	 * Every signal blocked in the thread: the loop takes its signals
	 * from a signalfd, and a SIGTERM that landed here would end the
	 * program without its cleanup.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store(&r->refs, 2);
	rc = pthread_create(&t, &attr, lookup, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return true;
	atomic_store(&r->refs, 1);
	loop_del_fd(r->loop, r->efd);
	errno = rc;
fail:
	close(r->efd);
	r->efd = -1;
	return false;
}

struct resolve *resolve_start(struct loop *loop, const char *host,
			      const char *port, const struct addrinfo *hints,
			      resolve_fn fn, void *arg)
{
	struct resolve *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->loop = loop;
	r->fn = fn;
	r->arg = arg;
	r->efd = -1;
	atomic_init(&r->refs, 1);
	r->hints = *hints;
	r->host = strdup(host);
	r->port = strdup(port);
	if (!r->host || !r->port) {
		unref(r);
		errno = ENOMEM;
		return NULL;
	}
	/* An address needs no resolver: answered from the loop. */
	r->hints.ai_flags |= AI_NUMERICHOST;
	r->rc = getaddrinfo(host, port, &r->hints, &r->ai);
	r->hints.ai_flags = hints->ai_flags;
	if (r->rc == EAI_NONAME && start_thread(r))
		return r;
	/* No thread to be had: the old way, blocking, beats no answer. */
	if (r->rc == EAI_NONAME)
		r->rc = getaddrinfo(host, port, &r->hints, &r->ai);
	r->timer = loop_add_timer(loop, 0, on_timer, r);
	if (!r->timer) {
		unref(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void resolve_cancel(struct resolve *r)
{
	if (!r)
		return;
	if (r->timer)
		loop_cancel_timer(r->loop, r->timer);
	else
		loop_del_fd(r->loop, r->efd);
	unref(r);
}
