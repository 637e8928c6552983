// SPDX-License-Identifier: GPL-2.0
/*
 * The SSH session: its life cycle (attempts, reconnect with backoff, loss
 * of the connection, state changes told to its watchers) and the dispatch
 * of its operations (the pump that steps every channel). How a connection
 * is made is connect.c's, over the transport sshopen.c picked.
 */
#include "core/ssh/ssh_int.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/loop.h"
#include "core/ssh/connect_int.h"
#include "core/ssh/knownhosts.h"
#include "core/ssh/target_int.h"
#include "core/ssh/transport_int.h"

struct ssh_watch {
	struct ssh_watch *next;
	ssh_state_fn fn; /* NULL once unwatched */
	void *arg;
};

struct ssh_session {
	struct ssh_op *token_owner; /* see enum ssh_op_token */
	struct loop *loop;
	struct ssh_watch *watches; /* the owner's first */
	int notifying;
	unsigned notified; /* state changes told so far */

	struct ssh_target *t;
	struct ssh_transport *tp;
	struct ssh_conn *conn; /* this attempt's, then the connection's */
	struct conn_keep keep; /* byte counts, the presented host key */

	enum ssh_state state;
	enum ssh_why why;
	char err[1536];
	int fd; /* the connection's socket, once the transport gave it */
	bool fd_in_loop;
	short events;
	uint64_t timeout_timer, retry_timer, kick_timer;
	int backoff_ms;

	struct ssh_op *ops;
	struct ssh_stats st;
	int busy;
	bool freeing;
};

static void pump(struct ssh_session *s);
static void fail_attempt(struct ssh_session *s, enum ssh_why why,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void start_attempt(struct ssh_session *s);
static void really_free(struct ssh_session *s);

/* --- small helpers ------------------------------------------------------- */

static void enter(struct ssh_session *s)
{
	s->busy++;
}

/* Returns false if s was freed. */
static bool leave(struct ssh_session *s)
{
	if (--s->busy == 0 && s->freeing) {
		really_free(s);
		return false;
	}
	return true;
}

LIBSSH2_SESSION *ssh_raw(struct ssh_session *s)
{
	return s->conn ? conn_raw(s->conn) : NULL;
}

struct loop *ssh_loop(struct ssh_session *s)
{
	return s->loop;
}

const char *ssh_last_error(struct ssh_session *s)
{
	return conn_last_error(s->conn);
}

bool ssh_fatal(struct ssh_session *s, int rc, const char *what)
{
	return s->conn && conn_fatal(s->conn, rc, what);
}

/* The connection broke under the operations (ssh_fatal). */
static bool lost(const struct ssh_session *s)
{
	return s->conn && conn_lost(s->conn);
}

static void kick_cb(struct loop *loop, void *arg)
{
	struct ssh_session *s = arg;

	s->kick_timer = 0;
	enter(s);
	pump(s);
	leave(s);
}

void ssh_kick(struct ssh_session *s)
{
	if (!s->kick_timer)
		s->kick_timer = loop_add_timer(s->loop, 0, kick_cb, s);
}

/* --- watchers ------------------------------------------------------------ */

static void sweep_watches(struct ssh_session *s)
{
	struct ssh_watch **pp = &s->watches;

	while (*pp) {
		struct ssh_watch *w = *pp;

		if (!w->fn) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static void notify(struct ssh_session *s)
{
	unsigned n = ++s->notified;
	struct ssh_watch *last = s->watches;

	/* Those who start watching now begin from this state: not told. */
	while (last && last->next)
		last = last->next;
	s->notifying++;
	/*
	 * A watcher that changes the state again (a drop, a free) has told
	 * everyone the newer state: the rest do not get this one after it.
	 */
	for (struct ssh_watch *w = s->watches;
	     w && !s->freeing && s->notified == n;
	     w = w == last ? NULL : w->next)
		if (w->fn)
			w->fn(s, s->state, s->why, s->err, w->arg);
	if (--s->notifying == 0)
		sweep_watches(s);
}

struct ssh_watch *ssh_session_watch(struct ssh_session *s, ssh_state_fn fn,
				    void *arg)
{
	struct ssh_watch **pp = &s->watches, *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fn = fn;
	w->arg = arg;
	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
	return w;
}

void ssh_session_unwatch(struct ssh_session *s, struct ssh_watch *w)
{
	if (!w)
		return;
	w->fn = NULL;
	if (!s->notifying)
		sweep_watches(s);
}

/* --- creation ------------------------------------------------------------ */

struct ssh_session *ssh_session_create(struct loop *loop, struct ssh_target *t,
				       struct ssh_transport *tp,
				       ssh_state_fn fn, void *arg, char *err,
				       size_t errlen)
{
	static bool inited;
	struct ssh_session *s = NULL;

	if (!inited) {
		if (libssh2_init(0)) {
			snprintf(err, errlen, "libssh2_init failed");
			goto fail;
		}
		inited = true;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !tp || (fn && !ssh_session_watch(s, fn, arg))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->loop = loop;
	s->t = t;
	s->tp = tp;
	s->keep.st = &s->st;
	s->fd = -1;
	s->backoff_ms = t->bmin;
	return s;
fail:
	if (s)
		free(s->watches);
	free(s);
	transport_free(tp);
	ssh_target_clear(t);
	free(t);
	return NULL;
}

/* --- teardown ------------------------------------------------------------ */

static void fd_events(struct ssh_session *s, short ev)
{
	if (s->fd < 0)
		return;
	if (s->fd_in_loop && ev != s->events)
		loop_set_events(s->loop, s->fd, ev);
	s->events = ev;
}

/* Fails (msg) or silently drops (NULL) every op. */
static void fail_ops(struct ssh_session *s, const char *msg)
{
	struct ssh_op *ops = s->ops, *next;

	s->ops = NULL;
	for (struct ssh_op *op = ops; op; op = op->next)
		if (!op->done && !op->cancelled && msg)
			op->ops->fail(op, msg);
	for (struct ssh_op *op = ops; op; op = next) {
		next = op->next;
		ssh_op_release_token(op);
		op->ops->destroy(op);
	}
	/* Nothing may keep the next connection from opening channels. */
	s->token_owner = NULL;
}

/* Frees the connection (not the ops). */
static void close_conn(struct ssh_session *s)
{
	if (s->timeout_timer)
		loop_cancel_timer(s->loop, s->timeout_timer);
	s->timeout_timer = 0;
	if (s->fd_in_loop)
		loop_del_fd(s->loop, s->fd);
	s->fd_in_loop = false;
	s->fd = -1;
	/* the socket, the transport's attempt (a jump's parent session) */
	conn_free(s->conn);
	s->conn = NULL;
}

static void teardown(struct ssh_session *s, const char *msg)
{
	fail_ops(s, msg);
	close_conn(s);
}

static void really_free(struct ssh_session *s)
{
	teardown(s, NULL);
	if (s->retry_timer)
		loop_cancel_timer(s->loop, s->retry_timer);
	if (s->kick_timer)
		loop_cancel_timer(s->loop, s->kick_timer);
	transport_free(s->tp);
	ssh_target_clear(s->t);
	free(s->t);
	free(s->keep.hostkey);
	for (struct ssh_watch *w = s->watches, *next; w; w = next) {
		next = w->next;
		free(w);
	}
	free(s);
}

void ssh_session_free(struct ssh_session *s)
{
	if (!s)
		return;
	if (s->busy) {
		s->freeing = true;
		return;
	}
	really_free(s);
}

/* --- state changes ------------------------------------------------------- */

static void retry_cb(struct loop *loop, void *arg)
{
	struct ssh_session *s = arg;

	s->retry_timer = 0;
	enter(s);
	start_attempt(s);
	leave(s);
}

static void schedule_retry(struct ssh_session *s, bool slow)
{
	int delay;

	if (!s->t->reconnect || s->retry_timer || s->freeing)
		return;
	/* A wrong key or host key does not fix itself within a second. */
	if (slow)
		s->backoff_ms = s->t->bmax;
	delay = s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > s->t->bmax ? s->t->bmax :
							 s->backoff_ms * 2;
	s->retry_timer = loop_add_target_timer(s->loop, delay, retry_cb, s);
}

static void fail_attempt(struct ssh_session *s, enum ssh_why why,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	teardown(s, s->err);
	s->state = SSH_DOWN;
	s->why = why;
	s->st.attempts++;
	s->st.up_since_ms = 0;
	schedule_retry(s, why == SSH_E_AUTH || why == SSH_E_HOSTKEY_CHANGED ||
				  why == SSH_E_HOSTKEY_UNKNOWN);
	notify(s);
}

static void went_up(struct ssh_session *s)
{
	if (s->timeout_timer)
		loop_cancel_timer(s->loop, s->timeout_timer);
	s->timeout_timer = 0;
	s->state = SSH_UP;
	s->why = SSH_OK;
	s->err[0] = '\0';
	s->backoff_ms = s->t->bmin;
	s->st.attempts = 0;
	s->st.connects++;
	if (s->st.connects > 1)
		s->st.reconnects++;
	s->st.up_since_ms = loop_now_ms();
	notify(s);
}

/* --- connecting ---------------------------------------------------------- */

static void sock_cb(struct loop *loop, int fd, short revents, void *arg);

static void timeout_cb(struct loop *loop, void *arg)
{
	struct ssh_session *s = arg;

	s->timeout_timer = 0;
	if (!s->conn)
		return;
	enter(s);
	conn_timed_out(s->conn);
	fail_attempt(s, conn_why(s->conn), "%s", conn_error(s->conn));
	leave(s);
}

static int watch_fd(struct ssh_session *s, int fd, short ev)
{
	int rc = loop_add_fd(s->loop, fd, ev, sock_cb, s);

	if (rc)
		return rc;
	s->fd = fd;
	s->fd_in_loop = true;
	s->events = ev;
	return 0;
}

/* The transport gave the socket, or failed, or broke under the session. */
static void on_conn(void *arg, bool ok)
{
	struct ssh_session *s = arg;

	enter(s);
	if (!ok)
		fail_attempt(s, conn_why(s->conn), "%s", conn_error(s->conn));
	else if (watch_fd(s, conn_fd(s->conn), POLLIN))
		fail_attempt(s, SSH_E_OTHER, "cannot watch socket");
	else
		pump(s);
	leave(s);
}

/* --- the pump ------------------------------------------------------------ */

static void update_events(struct ssh_session *s)
{
	LIBSSH2_SESSION *ss = ssh_raw(s);
	short ev = 0;
	int dirs;

	if (!s->fd_in_loop)
		return;
	if (ss) {
		dirs = libssh2_session_block_directions(ss);
		if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
			ev |= POLLIN;
		if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			ev |= POLLOUT;
	}
	if (s->state != SSH_UP) {
		if (!ev)
			ev = POLLIN;
	} else {
		for (struct ssh_op *op = s->ops; op; op = op->next)
			if (!op->done && op->wants_read)
				ev |= POLLIN;
	}
	/* Idle: only hear about the peer closing (no busy POLLIN). */
	if (!(ev & POLLIN))
		ev |= POLLRDHUP;
	fd_events(s, ev);
}

void ssh_op_release_token(struct ssh_op *op)
{
	if (op->holds_token && op->s->token_owner == op)
		op->s->token_owner = NULL;
	op->holds_token = false;
	/* Once given back, never needed again by this op. */
	op->token = SSH_TOKEN_NONE;
}

/* Whether op may step now; takes the token when it needs it. */
static bool may_step(struct ssh_session *s, struct ssh_op *op)
{
	if (op->token == SSH_TOKEN_NONE || op->holds_token || op->cancelled)
		return true;
	if (s->token_owner && s->token_owner != op)
		return false;
	s->token_owner = op;
	op->holds_token = true;
	return true;
}

static void sweep(struct ssh_session *s)
{
	struct ssh_op **pp = &s->ops;

	while (*pp) {
		struct ssh_op *op = *pp;

		if (op->done) {
			*pp = op->next;
			ssh_op_release_token(op);
			op->ops->destroy(op);
		} else {
			pp = &op->next;
		}
	}
}

static void pump_ops(struct ssh_session *s)
{
	bool progress = true;
	uint64_t in = s->st.bytes_in;

	for (int round = 0; progress && round < 64; round++) {
		progress = false;
		in = s->st.bytes_in;
		for (struct ssh_op *op = s->ops; op && !lost(s);
		     op = op->next) {
			enum op_ret r = OP_MORE;

			if (!op->done && !may_step(s, op))
				continue;
			for (int i = 0;
			     i < 16 && r == OP_MORE && !op->done && !lost(s);
			     i++) {
				r = op->ops->step(op);
				if (r == OP_MORE)
					progress = true;
				if (r == OP_DONE) {
					op->done = true;
					/* The next one may open now. */
					if (op->holds_token)
						progress = true;
					ssh_op_release_token(op);
				}
			}
			if (s->state != SSH_UP)
				return;
		}
		if (lost(s))
			return;
	}
	/*
	 * More work is left: come back after other fds had their turn. Also
	 * when the last round read the socket: any libssh2 read takes in
	 * every packet that arrived, for every channel, and a packet for a
	 * channel that was stepped earlier in the round now waits in
	 * libssh2's queue, where no poll() will ever report it (a stream's
	 * last answer sat there until its timeout).
	 */
	if (progress || s->st.bytes_in != in)
		ssh_kick(s);
}

static void pump(struct ssh_session *s)
{
	if (s->freeing)
		return;
	/* Nothing will bring it back: do not keep callers waiting. */
	if (s->state == SSH_DOWN && !s->retry_timer && s->ops)
		fail_ops(s, *s->err ? s->err : "not connected");
	if (s->state == SSH_CONNECTING && s->conn) {
		switch (conn_step(s->conn)) {
		case CONN_FAILED:
			fail_attempt(s, conn_why(s->conn), "%s",
				     conn_error(s->conn));
			return;
		case CONN_UP:
			went_up(s);
			break;
		case CONN_WAIT:
			break;
		}
	}
	if (s->state == SSH_UP) {
		pump_ops(s);
		if (lost(s)) {
			fail_attempt(s, SSH_E_LOST, "%s", conn_lost(s->conn));
			return;
		}
		sweep(s);
	}
	update_events(s);
}

static void sock_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct ssh_session *s = arg;

	enter(s);
	if (s->state == SSH_UP && !(s->events & POLLIN) &&
	    (revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		/* Idle and the peer closed: nothing else will notice. */
		fail_attempt(s, SSH_E_LOST,
			     "connection to %s closed by the remote side",
			     s->t->name);
	} else {
		pump(s);
	}
	leave(s);
}

/* --- public -------------------------------------------------------------- */

static void start_attempt(struct ssh_session *s)
{
	if (s->freeing)
		return;
	close_conn(s);
	s->state = SSH_CONNECTING;
	s->why = SSH_OK;
	s->err[0] = '\0';
	s->timeout_timer =
		loop_add_target_timer(s->loop, s->t->timeout_ms, timeout_cb, s);
	notify(s);
	if (s->state != SSH_CONNECTING)
		return;
	s->conn = conn_new(s->t, s->tp, &s->keep, on_conn, s);
	if (!s->conn) {
		fail_attempt(s, SSH_E_OTHER, "out of memory");
		return;
	}
	/* TCP, or a jump host's channel: the result comes to on_conn() */
	conn_start(s->conn);
}

int ssh_session_start(struct ssh_session *s)
{
	if (s->state == SSH_CONNECTING || s->state == SSH_UP)
		return -EALREADY;
	if (s->retry_timer)
		loop_cancel_timer(s->loop, s->retry_timer);
	s->retry_timer = 0;
	enter(s);
	start_attempt(s);
	leave(s);
	return 0;
}

void ssh_session_reconnect_now(struct ssh_session *s)
{
	if (s->state == SSH_UP || s->state == SSH_CONNECTING)
		return;
	s->backoff_ms = s->t->bmin;
	ssh_session_start(s);
}

void ssh_session_drop(struct ssh_session *s, const char *reason)
{
	if (s->state != SSH_UP && s->state != SSH_CONNECTING)
		return;
	enter(s);
	fail_attempt(s, SSH_E_DROPPED, "%s", reason);
	leave(s);
}

enum ssh_state ssh_session_state(const struct ssh_session *s)
{
	return s->state;
}

enum ssh_why ssh_session_why(const struct ssh_session *s)
{
	return s->why;
}

const char *ssh_session_error(const struct ssh_session *s)
{
	return s->err;
}

const char *ssh_session_target(const struct ssh_session *s)
{
	return s->t->name;
}

void ssh_session_stats(const struct ssh_session *s, struct ssh_stats *out)
{
	*out = s->st;
}

int ssh_session_presented_key(const struct ssh_session *s, char *type,
			      size_t tlen, char fp[KH_FP_LEN])
{
	if (!s->keep.hostkey)
		return -ENOENT;
	knownhosts_blob_type(s->keep.hostkey, s->keep.hostkey_len, type, tlen);
	knownhosts_fingerprint(s->keep.hostkey, s->keep.hostkey_len, fp);
	return 0;
}

int ssh_trust_host_key(struct ssh_session *s, char *err, size_t errlen)
{
	struct kh_check kh;

	if (!s->keep.hostkey) {
		snprintf(err, errlen,
			 "no host key to trust: connect to %s first",
			 s->t->name);
		return -ENOENT;
	}
	if (knownhosts_check(s->t->known_hosts, s->t->host, s->t->port,
			     s->keep.hostkey, s->keep.hostkey_len, &kh, err,
			     errlen))
		return -EIO;
	if (kh.result == KH_MATCH)
		return 0;
	if (kh.result == KH_CHANGED) {
		snprintf(
			err, errlen,
			"%s:%d already has a different key at %s:%d (%s %s): refusing to add another; delete that line first if the change is expected",
			s->t->host, s->t->port, s->t->known_hosts, kh.line,
			kh.stale_type, kh.stale_fp);
		return -EEXIST;
	}
	return knownhosts_add(s->t->known_hosts, s->t->host, s->t->port,
			      s->keep.hostkey, s->keep.hostkey_len, err,
			      errlen);
}

void ssh_op_add(struct ssh_session *s, struct ssh_op *op)
{
	struct ssh_op **pp = &s->ops;

	op->s = s;
	op->next = NULL;
	while (*pp)
		pp = &(*pp)->next;
	*pp = op;
	if (s->state == SSH_UP || s->state == SSH_DOWN)
		ssh_kick(s);
}

void ssh_op_cancel(struct ssh_op *op)
{
	if (!op || op->cancelled)
		return;
	op->cancelled = true;
	ssh_kick(op->s);
}
