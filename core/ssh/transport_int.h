/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transport under one SSH connection: what gives connect.c a socket
 * to speak SSH over. A TCP connection here (transport.c), or, for
 * ProxyJump, a direct-tcpip channel of a parent session (sshopen.c). It
 * knows nothing of SSH itself. Private to core/ssh/.
 *
 * One transport serves a session's attempts one after another: open()
 * starts an attempt, close() ends it (the socket included, once it was
 * handed over).
 */
#ifndef KMDASH_SSH_TRANSPORT_INT_H
#define KMDASH_SSH_TRANSPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ssh/ssh.h"

struct loop;
struct ssh_transport;

/*
 * From the loop. fd >= 0: the stream is open and fd is the caller's to
 * read, write and close. fd < 0: it could not be opened or, after the
 * handoff, it broke; why and msg (words for the user) say how.
 */
typedef void (*transport_fn)(void *arg, int fd, enum ssh_why why,
			     const char *msg);

struct transport_ops {
	void (*open)(struct ssh_transport *t);
	/* No callback after; what the attempt holds is released. */
	void (*close)(struct ssh_transport *t);
	/* The attempt's time ran out before the handoff: why and msg. */
	enum ssh_why (*timed_out)(struct ssh_transport *t, int secs, char *msg,
				  size_t len);
	void (*free)(struct ssh_transport *t);
};

struct ssh_transport {
	const struct transport_ops *ops;
	struct loop *loop;
	transport_fn fn;
	void *arg;
	bool tcp; /* the socket is TCP (its reads want an ACK at once) */
};

/*
 * Starts an attempt: fn is called once with its result and, after a
 * handoff, at most once more if the stream breaks.
 */
void transport_open(struct ssh_transport *t, transport_fn fn, void *arg);
void transport_close(struct ssh_transport *t);
enum ssh_why transport_timed_out(struct ssh_transport *t, int secs, char *msg,
				 size_t len);
void transport_free(struct ssh_transport *t);

/* TCP to host:port: resolved (core/ssh/resolve.h), each address tried. */
struct ssh_transport *transport_tcp_new(struct loop *loop, const char *host,
					int port);

#endif
