// SPDX-License-Identifier: GPL-2.0
/*
 * ProxyJump: a direct-tcpip channel on the jump session, pumped to one end
 * of a socketpair whose other end the target session uses as its socket
 * (the jump transport of sshopen.c hands it over). Both ends live in this
 * process and this loop.
 */
#include "core/ssh/ssh_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/loop.h"

#define TUN_BUF 65536

struct tunnel_op {
	struct ssh_op op;
	LIBSSH2_CHANNEL *ch;
	char *host;
	int port;
	int fd; /* our end of the socketpair */
	bool fd_in_loop;
	short events;
	char up[TUN_BUF]; /* target -> channel */
	size_t up_len, up_off;
	char down[TUN_BUF]; /* channel -> target */
	size_t down_len, down_off;
	bool target_eof, remote_eof;
	ssh_tunnel_fn done;
	void *arg;
};

static void tunnel_fail(struct ssh_op *op, const char *msg)
{
	struct tunnel_op *t = (struct tunnel_op *)op;

	/* before the handoff the target waits for us; after, it sees EOF */
	if (t->done)
		t->done(t->arg, -1, msg);
	t->done = NULL;
}

static void tunnel_destroy(struct ssh_op *op)
{
	struct tunnel_op *t = (struct tunnel_op *)op;

	if (t->fd_in_loop)
		loop_del_fd(ssh_loop(op->s), t->fd);
	if (t->fd >= 0)
		close(t->fd);
	free(t->host);
	free(t);
}

static void tun_fd_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct tunnel_op *t = arg;

	ssh_kick(t->op.s);
	/* until the pump ran, do not hear about the same readiness again */
	loop_set_events(loop, fd, 0);
	t->events = 0;
}

static void tun_events(struct tunnel_op *t)
{
	short ev = 0;

	if (!t->fd_in_loop)
		return;
	if (!t->up_len && !t->target_eof)
		ev |= POLLIN;
	if (t->down_len)
		ev |= POLLOUT;
	if (ev != t->events)
		loop_set_events(ssh_loop(t->op.s), t->fd, ev);
	t->events = ev;
}

static enum op_ret tunnel_open_step(struct tunnel_op *t)
{
	LIBSSH2_SESSION *ss = ssh_raw(t->op.s);
	char msg[700];
	int sp[2], rc;

	t->ch = libssh2_channel_direct_tcpip_ex(ss, t->host, t->port,
						"127.0.0.1", 22);
	if (t->ch) {
		if (socketpair(AF_UNIX,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
			       sp)) {
			tunnel_fail(&t->op, "socketpair failed");
			return OP_DONE;
		}
		t->fd = sp[1];
		if (loop_add_fd(ssh_loop(t->op.s), t->fd, POLLIN, tun_fd_cb,
				t) == 0)
			t->fd_in_loop = true;
		t->events = POLLIN;
		t->done(t->arg, sp[0], NULL);
		t->done = NULL;
		return OP_MORE;
	}
	rc = libssh2_session_last_errno(ss);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return OP_WAIT;
	if (ssh_fatal(t->op.s, rc, "opening the tunnel"))
		return OP_WAIT;
	snprintf(
		msg, sizeof(msg),
		"the jump host could not connect to %s:%d (%s): is the target up and its sshd listening?",
		t->host, t->port, ssh_last_error(t->op.s));
	tunnel_fail(&t->op, msg);
	return OP_DONE;
}

static enum op_ret tunnel_step(struct ssh_op *op)
{
	struct tunnel_op *t = (struct tunnel_op *)op;
	bool progress = false;
	ssize_t n;

	if (!t->ch)
		return tunnel_open_step(t);
	if (op->cancelled)
		return OP_DONE;
	/* channel -> target */
	if (!t->down_len && !t->remote_eof) {
		n = libssh2_channel_read(t->ch, t->down, sizeof(t->down));
		if (n > 0) {
			t->down_len = (size_t)n;
			t->down_off = 0;
		} else if (n == 0 && libssh2_channel_eof(t->ch)) {
			t->remote_eof = true;
			shutdown(t->fd, SHUT_WR);
		} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			if (ssh_fatal(op->s, (int)n, "tunnel read"))
				return OP_WAIT;
			return OP_DONE;
		}
	}
	if (t->down_len) {
		n = write(t->fd, t->down + t->down_off,
			  t->down_len - t->down_off);
		if (n > 0) {
			t->down_off += (size_t)n;
			if (t->down_off == t->down_len)
				t->down_len = 0;
			progress = true;
		} else if (n < 0 && errno != EAGAIN) {
			return OP_DONE; /* the target closed its end */
		}
	}
	/* target -> channel */
	if (!t->up_len && !t->target_eof) {
		n = read(t->fd, t->up, sizeof(t->up));
		if (n > 0) {
			t->up_len = (size_t)n;
			t->up_off = 0;
		} else if (n == 0) {
			t->target_eof = true;
			return OP_DONE;
		}
	}
	if (t->up_len) {
		n = libssh2_channel_write(t->ch, t->up + t->up_off,
					  t->up_len - t->up_off);
		if (n > 0) {
			t->up_off += (size_t)n;
			if (t->up_off == t->up_len)
				t->up_len = 0;
			progress = true;
		} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			if (ssh_fatal(op->s, (int)n, "tunnel write"))
				return OP_WAIT;
			return OP_DONE;
		}
	}
	tun_events(t);
	if (t->remote_eof && !t->down_len)
		return OP_DONE;
	return progress ? OP_MORE : OP_WAIT;
}

static const struct ssh_op_ops tunnel_ops = {
	.step = tunnel_step,
	.fail = tunnel_fail,
	.destroy = tunnel_destroy,
};

struct ssh_op *ssh_tunnel_open(struct ssh_session *jump, const char *host,
			       int port, ssh_tunnel_fn done, void *arg)
{
	struct tunnel_op *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->host = strdup(host);
	if (!t->host) {
		free(t);
		return NULL;
	}
	t->op.ops = &tunnel_ops;
	t->op.wants_read = true;
	t->port = port;
	t->fd = -1;
	t->done = done;
	t->arg = arg;
	ssh_op_add(jump, &t->op);
	return &t->op;
}
