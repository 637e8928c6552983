// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: short commands (stdout, stderr, exit status) and streams
 * (output as it comes, stdin writes, cancel). Both drain stdout and
 * stderr: an unread stderr window stalls stdout.
 */
#include "core/ssh/ssh_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/loop.h"
#include "core/base/quote.h"

#define EXEC_CAP (4u << 20)
#define CLOSE_DEADLINE_MS 2000
#define READ_CHUNK 32768
/* Bytes a stream delivers in one turn of the loop. */
#define STREAM_BUDGET (4 * READ_CHUNK)

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *p, size_t n, size_t max)
{
	if (b->len + n > max)
		n = max > b->len ? max - b->len : 0;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* --- exec ---------------------------------------------------------------- */

enum ch_state {
	CH_OPEN,
	CH_PTY,
	CH_EXEC,
	CH_RUN,
	CH_CLOSE,
	CH_WAITCLOSED,
	CH_FREE
};

struct exec_op {
	struct ssh_op op;
	enum ch_state st;
	LIBSSH2_CHANNEL *ch;
	char *cmd;
	struct buf out, err;
	int status;
	char *signal;
	ssh_exec_fn fn;
	void *arg;
};

/*
 * A failed libssh2 call inside an op: session-level errors mark the
 * session lost (ssh.c fails everything); others fail just this op.
 */
static enum op_ret op_error(struct ssh_op *op, int rc, const char *what,
			    char *msg, size_t len)
{
	if (ssh_fatal(op->s, rc, what))
		return OP_WAIT;
	snprintf(msg, len, "%s failed: %s", what, ssh_last_error(op->s));
	return OP_DONE;
}

/*
 * Opens the op's session channel into *ch: OP_MORE once open, OP_WAIT
 * while libssh2 waits (or the session handles a fatal error), OP_DONE
 * with msg when it failed.
 */
static enum op_ret open_channel(struct ssh_op *op, LIBSSH2_CHANNEL **ch,
				char *msg, size_t len)
{
	LIBSSH2_SESSION *ss = ssh_raw(op->s);
	int rc;

	*ch = libssh2_channel_open_session(ss);
	if (*ch)
		return OP_MORE;
	rc = libssh2_session_last_errno(ss);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return OP_WAIT;
	return op_error(op, rc, "opening a channel", msg, len);
}

static void exec_fail(struct ssh_op *op, const char *msg)
{
	struct exec_op *e = (struct exec_op *)op;

	if (e->fn)
		e->fn(e->arg, -ECONNRESET, NULL, msg);
	e->fn = NULL;
}

static void exec_destroy(struct ssh_op *op)
{
	struct exec_op *e = (struct exec_op *)op;

	free(e->cmd);
	free(e->out.p);
	free(e->err.p);
	free(e->signal);
	free(e);
}

static enum op_ret exec_finish(struct exec_op *e, int rc, const char *msg)
{
	struct ssh_exec_result r = {
		.exit_status = e->status,
		.exit_signal = e->signal,
		.out = e->out.p ? e->out.p : "",
		.err = e->err.p ? e->err.p : "",
		.out_len = e->out.len,
		.err_len = e->err.len,
	};

	if (e->fn && !e->op.cancelled)
		e->fn(e->arg, rc, rc ? NULL : &r, msg);
	e->fn = NULL;
	return OP_DONE;
}

/*
 * Reads both streams until neither has data; returns 1 at EOF, 0 on
 * EAGAIN, <0. Reading one stream can pull in the other's data (and the
 * EOF), so passes repeat until one of them reads nothing at all.
 */
static int drain(LIBSSH2_CHANNEL *ch, struct buf *out, struct buf *err,
		 size_t cap)
{
	char buf[READ_CHUNK];
	bool got;

	do {
		got = false;
		for (int stream = 0; stream < 2; stream++) {
			for (;;) {
				ssize_t n = libssh2_channel_read_ex(
					ch,
					stream ? SSH_EXTENDED_DATA_STDERR : 0,
					buf, sizeof(buf));

				if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
					break;
				if (n < 0)
					return (int)n;
				got = true;
				if (buf_add(stream ? err : out, buf, (size_t)n,
					    cap))
					return LIBSSH2_ERROR_ALLOC;
			}
		}
	} while (got);
	return libssh2_channel_eof(ch) ? 1 : 0;
}

static enum op_ret exec_step(struct ssh_op *op)
{
	struct exec_op *e = (struct exec_op *)op;
	LIBSSH2_SESSION *ss = ssh_raw(op->s);
	char msg[512];
	int rc;

	switch (e->st) {
	case CH_OPEN:
		if (op->cancelled)
			return OP_DONE;
		switch (open_channel(op, &e->ch, msg, sizeof(msg))) {
		case OP_WAIT:
			return OP_WAIT;
		case OP_DONE:
			return exec_finish(e, -EIO, msg);
		default:
			break;
		}
		e->st = CH_EXEC;
		return OP_MORE;
	case CH_EXEC:
		rc = libssh2_channel_exec(e->ch, e->cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (rc) {
			if (op_error(op, rc, "starting the command", msg,
				     sizeof(msg)) == OP_WAIT)
				return OP_WAIT;
			e->st = CH_FREE;
			exec_finish(e, -EIO, msg);
			return OP_MORE;
		}
		e->st = CH_RUN;
		op->wants_read = true;
		return OP_MORE;
	case CH_RUN:
		rc = drain(e->ch, &e->out, &e->err, EXEC_CAP);
		if (rc == 0)
			return OP_WAIT;
		if (rc < 0) {
			if (op_error(op, rc, "reading the command's output",
				     msg, sizeof(msg)) == OP_WAIT)
				return OP_WAIT;
			exec_finish(e, -EIO, msg);
			e->st = CH_FREE;
			return OP_MORE;
		}
		e->st = CH_CLOSE;
		return OP_MORE;
	case CH_CLOSE:
		rc = libssh2_channel_close(e->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		e->st = CH_WAITCLOSED;
		return OP_MORE;
	case CH_WAITCLOSED:
		rc = libssh2_channel_wait_closed(e->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		{
			char *sig = NULL;
			size_t siglen = 0;

			e->status = libssh2_channel_get_exit_status(e->ch);
			libssh2_channel_get_exit_signal(e->ch, &sig, &siglen,
							NULL, NULL, NULL, NULL);
			if (sig && siglen) {
				e->signal = strndup(sig, siglen);
				e->status = -1;
			}
			if (sig)
				libssh2_free(ss, sig);
		}
		op->wants_read = false;
		exec_finish(e, 0, NULL);
		e->st = CH_FREE;
		return OP_MORE;
	case CH_FREE:
	default:
		if (!e->ch)
			return OP_DONE;
		rc = libssh2_channel_free(e->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		e->ch = NULL;
		return OP_DONE;
	}
}

static const struct ssh_op_ops exec_ops = {
	.step = exec_step,
	.fail = exec_fail,
	.destroy = exec_destroy,
};

struct ssh_op *ssh_exec(struct ssh_session *s, const char *cmd, ssh_exec_fn fn,
			void *arg)
{
	struct exec_op *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->cmd = strdup(cmd);
	if (!e->cmd) {
		free(e);
		return NULL;
	}
	e->op.ops = &exec_ops;
	e->op.token = SSH_TOKEN_WHOLE;
	e->fn = fn;
	e->arg = arg;
	e->status = -1;
	ssh_op_add(s, &e->op);
	return &e->op;
}

/* --- streams ------------------------------------------------------------- */

struct stream_op {
	struct ssh_op op;
	enum ch_state st;
	LIBSSH2_CHANNEL *ch;
	char *cmd;
	int flags;
	pid_t pid;
	bool killed; /* the kill of its process group was sent */
	struct buf head; /* PTY: output before the PID line ends */
	struct buf in; /* pending stdin */
	size_t in_off;
	bool closing, ended;
	bool eof_sent;
	uint64_t deadline;
	char signal[16]; /* the remote exit signal's name, "" if none */
	ssh_data_fn data;
	ssh_end_fn end;
	void *arg;
};

static void stream_end(struct stream_op *t, int rc, int status, const char *msg)
{
	if (t->end && !t->op.cancelled && !t->ended)
		t->end(t->arg, rc, status, msg);
	t->ended = true;
}

/*
 * The exit status, or -1 with the signal's name kept when the command was
 * killed (an oops ends the calling process as if by SIGSEGV or SIGKILL).
 */
static int stream_exit_status(struct stream_op *t)
{
	char *sig = NULL;
	size_t siglen = 0;
	int status = libssh2_channel_get_exit_status(t->ch);

	libssh2_channel_get_exit_signal(t->ch, &sig, &siglen, NULL, NULL, NULL,
					NULL);
	if (sig && siglen) {
		snprintf(t->signal, sizeof(t->signal), "%.*s", (int)siglen,
			 sig);
		status = -1;
	}
	if (sig)
		libssh2_free(ssh_raw(t->op.s), sig);
	return status;
}

const char *ssh_stream_exit_signal(const struct ssh_op *op)
{
	const struct stream_op *t = (const struct stream_op *)op;

	return t->signal[0] ? t->signal : NULL;
}

static void stream_fail(struct ssh_op *op, const char *msg)
{
	stream_end((struct stream_op *)op, -ECONNRESET, -1, msg);
}

static void stream_destroy(struct ssh_op *op)
{
	struct stream_op *t = (struct stream_op *)op;

	if (t->deadline)
		loop_cancel_timer(ssh_loop(op->s), t->deadline);
	free(t->cmd);
	free(t->head.p);
	free(t->in.p);
	free(t);
}

static void deliver(struct stream_op *t, const char *p, size_t n)
{
	bool quiet = t->op.cancelled || !t->data;

	if (!n)
		return;
	if ((t->flags & SSH_STREAM_PTY) && !t->pid) {
		char *nl;

		/* The first line is the shell's PID (echo $$), even after
		 * cancel: it is what a kill needs. */
		buf_add(&t->head, p, n, 1 << 16);
		nl = memchr(t->head.p, '\n', t->head.len);
		if (!nl)
			return;
		t->pid = (pid_t)strtol(t->head.p, NULL, 10);
		if (t->pid <= 0)
			t->pid = -1;
		nl++;
		if (!quiet && (size_t)(nl - t->head.p) < t->head.len)
			t->data(t->arg, nl,
				t->head.len - (size_t)(nl - t->head.p));
		return;
	}
	if (!quiet)
		t->data(t->arg, p, n);
}

/*
 * On a PTY the command leads its own process group: a cancel kills the
 * whole group at once. The hangup alone would only reach the group's
 * leader (the sh -c of ssh_stream_open), and a child that ignores SIGHUP
 * would live on.
 */
static void kill_group(struct stream_op *t)
{
	char cmd[64];

	if (t->pid <= 0 || t->killed)
		return;
	t->killed = true;
	snprintf(cmd, sizeof(cmd), "kill -9 -- -%d %d 2>/dev/null", (int)t->pid,
		 (int)t->pid);
	ssh_exec(t->op.s, cmd, NULL, NULL);
}

static void deadline_cb(struct loop *loop, void *arg)
{
	struct stream_op *t = arg;

	t->deadline = 0;
	/*
	 * The close did not complete: stop waiting for the channel
	 * (libssh2 frees it with the session) after a last kill.
	 */
	kill_group(t);
	t->ch = NULL;
	t->st = CH_FREE;
	ssh_kick(t->op.s);
}

static enum op_ret stream_io(struct stream_op *t)
{
	char buf[READ_CHUNK], msg[512];
	ssize_t n;

	while (t->in_off < t->in.len) {
		n = libssh2_channel_write(t->ch, t->in.p + t->in_off,
					  t->in.len - t->in_off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0) {
			if (op_error(&t->op, (int)n, "writing to the command",
				     msg, sizeof(msg)) == OP_WAIT)
				return OP_WAIT;
			stream_end(t, -EIO, -1, msg);
			t->st = CH_CLOSE;
			return OP_MORE;
		}
		t->in_off += (size_t)n;
	}
	if (t->in_off == t->in.len)
		t->in.len = t->in_off = 0;
	/* stderr is merged (CH_EXEC): stream 0 carries both, in order. */
	for (size_t got = 0;;) {
		/*
		 * A flood must not hold the loop: after a budget, let the
		 * keyboard and the screen have their turn and come back from
		 * a timer.
		 */
		if (got >= STREAM_BUDGET) {
			ssh_kick(t->op.s);
			return OP_WAIT;
		}
		n = libssh2_channel_read(t->ch, buf, sizeof(buf));
		if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
			break;
		if (n < 0) {
			if (op_error(&t->op, (int)n, "reading the stream", msg,
				     sizeof(msg)) == OP_WAIT)
				return OP_WAIT;
			stream_end(t, -EIO, -1, msg);
			t->st = CH_CLOSE;
			return OP_MORE;
		}
		got += (size_t)n;
		deliver(t, buf, (size_t)n);
	}
	if (libssh2_channel_eof(t->ch)) {
		t->st = CH_CLOSE;
		return OP_MORE;
	}
	return OP_WAIT;
}

static enum op_ret stream_step(struct ssh_op *op)
{
	struct stream_op *t = (struct stream_op *)op;
	/* ECHO off, ONLCR off: bytes arrive as the command wrote them. */
	static const char modes[] = { 53, 0, 0, 0, 0, 72, 0, 0, 0, 0, 0 };
	char msg[512], *cmd;
	int rc;

	if (op->cancelled && !t->closing && t->st != CH_OPEN) {
		/* A PTY command not started yet: learn its PID first, or a
		 * command that ignores the hangup could not be killed. */
		bool need_pid = (t->flags & SSH_STREAM_PTY) && !t->pid &&
				t->st <= CH_RUN;

		if (!t->deadline)
			t->deadline = loop_add_target_timer(ssh_loop(op->s),
							    CLOSE_DEADLINE_MS,
							    deadline_cb, t);
		if (!need_pid) {
			t->closing = true;
			if (t->st != CH_FREE)
				t->st = CH_CLOSE;
			kill_group(t);
		}
	}
	switch (t->st) {
	case CH_OPEN:
		if (op->cancelled)
			return OP_DONE;
		switch (open_channel(op, &t->ch, msg, sizeof(msg))) {
		case OP_WAIT:
			return OP_WAIT;
		case OP_DONE:
			stream_end(t, -EIO, -1, msg);
			return OP_DONE;
		default:
			break;
		}
		t->st = (t->flags & SSH_STREAM_PTY) ? CH_PTY : CH_EXEC;
		return OP_MORE;
	case CH_PTY:
		rc = libssh2_channel_request_pty_ex(
			t->ch, "dumb", 4, modes, sizeof(modes), 200, 50, 0, 0);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (rc) {
			if (op_error(op, rc, "requesting a PTY", msg,
				     sizeof(msg)) == OP_WAIT)
				return OP_WAIT;
			stream_end(t, -EIO, -1, msg);
			t->st = CH_FREE;
			return OP_MORE;
		}
		t->st = CH_EXEC;
		return OP_MORE;
	case CH_EXEC:
		cmd = t->cmd;
		rc = libssh2_channel_exec(t->ch, cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (rc) {
			if (op_error(op, rc, "starting the command", msg,
				     sizeof(msg)) == OP_WAIT)
				return OP_WAIT;
			stream_end(t, -EIO, -1, msg);
			t->st = CH_FREE;
			return OP_MORE;
		}
		/* merge stderr: one stream, and it can never stall stdout */
		libssh2_channel_handle_extended_data2(
			t->ch, LIBSSH2_CHANNEL_EXTENDED_DATA_MERGE);
		t->st = CH_RUN;
		op->wants_read = true;
		/* It runs: another channel may open (see ssh_int.h). */
		ssh_op_release_token(op);
		ssh_kick(op->s);
		return OP_MORE;
	case CH_RUN:
		return stream_io(t);
	case CH_CLOSE:
		if (!(t->flags & SSH_STREAM_PTY) && !t->closing) {
			/* natural end: fall through to collect the status */
		} else if (!(t->flags & SSH_STREAM_PTY) && !t->eof_sent &&
			   !libssh2_channel_eof(t->ch)) {
			/*
			 * No PTY: EOF on stdin is the polite way to stop. Not
			 * once the other side ended, and only once (this step
			 * comes back while the close waits for the server's):
			 * an EOF for a channel the server has freed makes
			 * OpenSSH drop the connection ("ieof packet referred
			 * to nonexistent channel"). libssh2 sends a second one
			 * when asked.
			 */
			rc = libssh2_channel_send_eof(t->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			t->eof_sent = true;
		}
		rc = libssh2_channel_close(t->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		t->st = CH_WAITCLOSED;
		return OP_MORE;
	case CH_WAITCLOSED: {
		char buf[4096];

		ssize_t n;

		/* keep draining (and delivering) until the remote close */
		while ((n = libssh2_channel_read(t->ch, buf, sizeof(buf))) > 0)
			deliver(t, buf, (size_t)n);
		/* wait_closed fails at once without the remote's EOF: the
		 * command still runs, wait (the deadline kills it) */
		if (!libssh2_channel_eof(t->ch))
			return OP_WAIT;
		rc = libssh2_channel_wait_closed(t->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		stream_end(t, 0, stream_exit_status(t), NULL);
		t->st = CH_FREE;
		return OP_MORE;
	}
	case CH_FREE:
	default:
		op->wants_read = false;
		if (t->ch) {
			rc = libssh2_channel_free(t->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			t->ch = NULL;
		}
		stream_end(t, -EIO, -1, "stream closed");
		return OP_DONE;
	}
}

static const struct ssh_op_ops stream_ops = {
	.step = stream_step,
	.fail = stream_fail,
	.destroy = stream_destroy,
};

struct ssh_op *ssh_stream_open(struct ssh_session *s, const char *cmd,
			       int flags, ssh_data_fn data, ssh_end_fn end,
			       void *arg)
{
	struct stream_op *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (flags & SSH_STREAM_PTY) {
		/*
		 * The PID lets a cancel kill what the hangup did not. sh -c
		 * keeps that PID and takes any command, compound ones too
		 * ("cd DIR && exec tool").
		 */
		char *q = quote_sh_dup(cmd);

		if (q && asprintf(&t->cmd, "echo $$; exec sh -c %s", q) < 0)
			t->cmd = NULL;
		free(q);
	} else {
		t->cmd = strdup(cmd);
	}
	if (!t->cmd) {
		free(t);
		return NULL;
	}
	t->op.ops = &stream_ops;
	t->op.token = SSH_TOKEN_OPEN;
	t->flags = flags;
	t->data = data;
	t->end = end;
	t->arg = arg;
	ssh_op_add(s, &t->op);
	return &t->op;
}

int ssh_stream_write(struct ssh_op *op, const void *buf, size_t len)
{
	struct stream_op *t = (struct stream_op *)op;

	if (op->ops != &stream_ops || op->cancelled || t->ended)
		return -EINVAL;
	if (buf_add(&t->in, buf, len, 16u << 20))
		return -ENOMEM;
	ssh_kick(op->s);
	return 0;
}

pid_t ssh_stream_pid(const struct ssh_op *op)
{
	const struct stream_op *t = (const struct stream_op *)op;

	return op->ops == &stream_ops && t->pid > 0 ? t->pid : 0;
}
