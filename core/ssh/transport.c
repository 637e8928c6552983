// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP transport: the host name resolved off the loop, each address
 * tried with a nonblocking connect, and the socket options a long-lived
 * interactive SSH connection wants.
 */
#include "core/ssh/transport_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/ssh/resolve.h"

/* Dead-link detection by the kernel; the link probe (link.c) is faster. */
#define KEEPIDLE_S 10
#define KEEPINTVL_S 5
#define KEEPCNT 3
#define USER_TIMEOUT_MS 20000

void transport_open(struct ssh_transport *t, transport_fn fn, void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->ops->open(t);
}

void transport_close(struct ssh_transport *t)
{
	t->ops->close(t);
	t->fn = NULL;
}

enum ssh_why transport_timed_out(struct ssh_transport *t, int secs, char *msg,
				 size_t len)
{
	return t->ops->timed_out(t, secs, msg, len);
}

void transport_free(struct ssh_transport *t)
{
	if (t) {
		transport_close(t);
		t->ops->free(t);
	}
}

/* --- TCP ----------------------------------------------------------------- */

enum tcp_step {
	TCP_IDLE,
	TCP_RESOLVE, /* the host name is being looked up */
	TCP_CONNECT, /* nonblocking connect in flight */
};

struct tcp {
	struct ssh_transport t;
	char *host;
	int port;
	enum tcp_step step;
	struct resolve *resolving;
	struct addrinfo *ai, *ai_cur;
	int fd; /* until the handoff */
};

/* Ends the attempt with fd (handed over) or a failure. */
static void tcp_result(struct tcp *c, int fd, enum ssh_why why, const char *msg)
{
	transport_fn fn = c->t.fn;

	c->step = TCP_IDLE;
	/* fn may close or free the transport: the last thing here */
	if (fn)
		fn(c->t.arg, fd, why, msg);
}

static void tcp_fail(struct tcp *c, enum ssh_why why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tcp_fail(struct tcp *c, enum ssh_why why, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tcp_result(c, -1, why, msg);
}

static void sock_options(int fd)
{
	int one = 1, v;

	/* Without TCP_NODELAY every channel open costs ~42 ms (Nagle). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	v = KEEPIDLE_S;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	v = KEEPINTVL_S;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	v = KEEPCNT;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
	/* Unacknowledged data for this long kills the socket. */
	v = USER_TIMEOUT_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
}

static void connect_cb(struct loop *loop, int fd, short revents, void *arg);

/* Next address of the list; false when none is left. */
static bool tcp_try(struct tcp *c)
{
	for (; c->ai_cur; c->ai_cur = c->ai_cur->ai_next) {
		struct addrinfo *a = c->ai_cur;

		c->fd = socket(a->ai_family,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			continue;
		sock_options(c->fd);
		if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			c->step = TCP_CONNECT;
			if (loop_add_fd(c->t.loop, c->fd, POLLOUT, connect_cb,
					c) == 0)
				return true;
		}
		close(c->fd);
		c->fd = -1;
	}
	return false;
}

static void connect_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct tcp *c = arg;
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == EINPROGRESS)
		return;
	loop_del_fd(c->t.loop, c->fd);
	if (!e) {
		fd = c->fd;
		c->fd = -1;
		tcp_result(c, fd, SSH_OK, NULL);
		return;
	}
	close(c->fd);
	c->fd = -1;
	c->ai_cur = c->ai_cur->ai_next;
	if (tcp_try(c))
		return;
	if (e == ECONNREFUSED)
		tcp_fail(
			c, SSH_E_REFUSED,
			"connection to %s:%d refused: nothing listens on that port (for a reverse tunnel: the tunnel port is closed, its ssh -R is not running)",
			c->host, c->port);
	else
		tcp_fail(c, SSH_E_OTHER, "cannot connect to %s:%d: %s", c->host,
			 c->port, strerror(e));
}

static void on_resolved(void *arg, struct addrinfo *ai, int rc)
{
	struct tcp *c = arg;

	c->resolving = NULL;
	if (rc) {
		tcp_fail(c, SSH_E_RESOLVE, "cannot resolve host '%s': %s",
			 c->host, gai_strerror(rc));
		return;
	}
	c->ai = c->ai_cur = ai;
	if (!tcp_try(c))
		tcp_fail(c, SSH_E_OTHER, "cannot connect to %s:%d: %s", c->host,
			 c->port, strerror(errno));
}

static void tcp_open(struct ssh_transport *t)
{
	struct tcp *c = (struct tcp *)t;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG };
	char port[16];

	snprintf(port, sizeof(port), "%d", c->port);
	/* The attempt's timeout covers a resolver that does not answer. */
	c->step = TCP_RESOLVE;
	c->resolving =
		resolve_start(t->loop, c->host, port, &hints, on_resolved, c);
	if (!c->resolving)
		tcp_fail(c, SSH_E_RESOLVE, "cannot resolve host '%s': %s",
			 c->host, strerror(errno));
}

static void tcp_close(struct ssh_transport *t)
{
	struct tcp *c = (struct tcp *)t;

	resolve_cancel(c->resolving);
	c->resolving = NULL;
	if (c->fd >= 0) {
		loop_del_fd(t->loop, c->fd);
		close(c->fd);
	}
	c->fd = -1;
	if (c->ai)
		freeaddrinfo(c->ai);
	c->ai = c->ai_cur = NULL;
	c->step = TCP_IDLE;
}

static enum ssh_why tcp_timed_out(struct ssh_transport *t, int secs, char *msg,
				  size_t len)
{
	struct tcp *c = (struct tcp *)t;

	if (c->step == TCP_RESOLVE) {
		snprintf(
			msg, len,
			"cannot resolve host '%s': no answer from the resolver within %d s",
			c->host, secs);
		return SSH_E_RESOLVE;
	}
	snprintf(
		msg, len,
		"TCP connect to %s:%d timed out after %d s: host down or unreachable, or a firewall drops the packets",
		c->host, c->port, secs);
	return SSH_E_CONNECT_TIMEOUT;
}

static void tcp_free(struct ssh_transport *t)
{
	struct tcp *c = (struct tcp *)t;

	free(c->host);
	free(c);
}

static const struct transport_ops tcp_ops = {
	.open = tcp_open,
	.close = tcp_close,
	.timed_out = tcp_timed_out,
	.free = tcp_free,
};

struct ssh_transport *transport_tcp_new(struct loop *loop, const char *host,
					int port)
{
	struct tcp *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->host = strdup(host);
	if (!c->host) {
		free(c);
		return NULL;
	}
	c->t.ops = &tcp_ops;
	c->t.loop = loop;
	c->t.tcp = true;
	c->port = port;
	c->fd = -1;
	return &c->t;
}
