/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One connection of a session: from its transport's socket to an
 * authenticated libssh2 session (SSH banner, key exchange, the host key
 * against known_hosts, then ssh-agent and identity-file auth), and that
 * socket and libssh2 session for as long as the connection lasts. The
 * session (ssh.c) polls the socket and steps the connection; every
 * failure comes with a why and a message a user can act on. Private to
 * core/ssh/.
 */
#ifndef KMDASH_SSH_CONNECT_INT_H
#define KMDASH_SSH_CONNECT_INT_H

#include <libssh2.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/ssh/ssh.h"

struct ssh_conn;
struct ssh_target;
struct ssh_transport;

/* What outlives one connection: kept by the session. */
struct conn_keep {
	struct ssh_stats *st; /* bytes_in, bytes_out are counted here */
	unsigned char *hostkey; /* the last key the server presented */
	size_t hostkey_len;
};

/*
 * From the loop, for what happens outside conn_step(): ok, the socket is
 * there (conn_fd()) to be polled and stepped; !ok, the attempt failed or
 * the connection broke (conn_why(), conn_error()).
 */
typedef void (*conn_fn)(void *arg, bool ok);

/* t, tp and keep must outlive the connection. NULL: out of memory. */
struct ssh_conn *conn_new(const struct ssh_target *t, struct ssh_transport *tp,
			  struct conn_keep *keep, conn_fn fn, void *arg);
/* Opens the transport; fn may be called before this returns. */
void conn_start(struct ssh_conn *c);
/* Closes the socket and the transport's attempt; no callback after. */
void conn_free(struct ssh_conn *c);

enum conn_ret {
	CONN_WAIT, /* for the socket */
	CONN_UP, /* authenticated: the connection is ready for channels */
	CONN_FAILED, /* conn_why(), conn_error() */
};
/* Goes as far as the socket lets it; CONN_UP once, then CONN_WAIT. */
enum conn_ret conn_step(struct ssh_conn *c);
/* The attempt's time ran out: its why and message, by how far it got. */
void conn_timed_out(struct ssh_conn *c);
enum ssh_why conn_why(const struct ssh_conn *c);
const char *conn_error(const struct ssh_conn *c);

int conn_fd(const struct ssh_conn *c); /* -1 before the handoff */
LIBSSH2_SESSION *conn_raw(struct ssh_conn *c); /* NULL before the banner */
/* libssh2's last error text. */
const char *conn_last_error(struct ssh_conn *c);
/*
 * Sorts a libssh2 error: a connection-level one (socket gone, timeout,
 * protocol) marks the connection lost, with a message, and returns true.
 */
bool conn_fatal(struct ssh_conn *c, int rc, const char *what);
/* Why the connection was lost (conn_fatal), or NULL while it is not. */
const char *conn_lost(const struct ssh_conn *c);

#endif
