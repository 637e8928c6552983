/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session's operation dispatch (ssh.c), for the operations built on it:
 * exec and streams (sshchan.c), SFTP (sftp.c) and the ProxyJump tunnel
 * (tunnel.c); and the session's maker (sshopen.c). Not for other rooms.
 *
 * Every operation is a small state machine on one channel. The session's
 * pump steps each of them until all wait for the socket; the socket's
 * poll events then come from libssh2_session_block_directions() plus
 * POLLIN while a channel may receive data (reading every channel is what
 * drains the socket, so POLLIN never busy-loops).
 */
#ifndef KMDASH_SSH_INT_H
#define KMDASH_SSH_INT_H

#include <libssh2.h>

#include "core/ssh/ssh.h"

enum op_ret {
	OP_MORE, /* progressed: step again */
	OP_WAIT, /* waits for the socket (or a timer, another op) */
	OP_DONE, /* finished: destroy */
};

struct ssh_op_ops {
	/* Called only while the session is up. */
	enum op_ret (*step)(struct ssh_op *op);
	/* The session went down: report msg to the user (unless cancelled). */
	void (*fail)(struct ssh_op *op, const char *msg);
	/* Frees the op; its channel belongs to a dead session or is freed. */
	void (*destroy)(struct ssh_op *op);
};

/*
 * dropbear 2022.83 (Debian 12, the embedded target) aborts the whole
 * connection when a child process exits while a channel is open but has
 * not had its exec request yet (mkj/dropbear#321, fixed upstream in
 * 2024.86). So channels that run short-lived commands are opened one at a
 * time: an op holds the session's channel token while it may open a
 * channel, and for as long as its command may still exit.
 */
enum ssh_op_token {
	SSH_TOKEN_NONE, /* opens no command channel */
	SSH_TOKEN_WHOLE, /* exec, SFTP: from open until the channel is freed */
	SSH_TOKEN_OPEN, /* streams: until the command runs */
};

struct ssh_op {
	struct ssh_op *next;
	struct ssh_session *s;
	const struct ssh_op_ops *ops;
	bool done;
	bool cancelled;
	bool wants_read;
	enum ssh_op_token token;
	bool holds_token;
};

/* Gives the token back for good (a stream whose command runs, an upload
 * whose sftp-server has exited). */
void ssh_op_release_token(struct ssh_op *op);

void ssh_op_add(struct ssh_session *s, struct ssh_op *op);
/* Schedules a pump from the loop (for events outside the socket). */
void ssh_kick(struct ssh_session *s);
LIBSSH2_SESSION *ssh_raw(struct ssh_session *s);
struct loop *ssh_loop(struct ssh_session *s);
/* libssh2's last error text. */
const char *ssh_last_error(struct ssh_session *s);
/*
 * Sorts a libssh2 error of an op: a session-level one (socket gone,
 * timeout, protocol) marks the session lost and returns true.
 */
bool ssh_fatal(struct ssh_session *s, int rc, const char *what);

struct ssh_target;
struct ssh_transport;
/*
 * The session over transport tp to target t (sshopen.c makes both): it
 * owns them from here, and frees them when it returns NULL.
 */
struct ssh_session *ssh_session_create(struct loop *loop, struct ssh_target *t,
				       struct ssh_transport *tp,
				       ssh_state_fn fn, void *arg, char *err,
				       size_t errlen);

/*
 * ProxyJump (tunnel.c): opens a direct-tcpip channel on jump to host:port
 * and hands one end of a socketpair to done(); the op then carries the
 * bytes between the channel and the socketpair.
 */
typedef void (*ssh_tunnel_fn)(void *arg, int fd, const char *err);
struct ssh_op *ssh_tunnel_open(struct ssh_session *jump, const char *host,
			       int port, ssh_tunnel_fn done, void *arg);

#endif
