// SPDX-License-Identifier: GPL-2.0
/*
 * The framing: each command is written as
 *   ( CMD
 *   ) </dev/null 2>&1; printf '\n@@kmdash-done %d ID@@\n' "$?"
 * and its output is what arrives before that marker, less the newline the
 * printf put in front of it. The subshell keeps the command's exit, cd
 * and variables to itself. Only one command is on the wire at a time.
 */
#include "core/ssh/rshell.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/loop.h"
#include "core/base/reqq.h"
#include "core/ssh/ssh.h"

#define OUT_CAP (4u << 20)

struct rshell_req {
	struct reqq_item item;
	unsigned id;
	char *cmd;
	int timeout_ms;
	rshell_fn fn;
	void *arg;
};

struct rshell {
	struct loop *loop;
	struct ssh_session *s;
	struct ssh_op *stream;
	struct reqq q; /* of rshell_req; the head is on the wire when sent */
	bool sent;
	unsigned next_id;
	char *out;
	size_t len, cap;
	size_t scanned; /* out[0..scanned) holds no marker's start */
	uint64_t timer;
};

static struct rshell_req *req_of(struct reqq_item *it)
{
	return it ? reqq_entry(it, struct rshell_req, item) : NULL;
}

static void req_fail(struct reqq_item *it, const char *msg)
{
	struct rshell_req *q = req_of(it);

	if (q->fn)
		q->fn(q->arg, -EIO, -1, NULL, 0, msg);
}

static void req_free(struct reqq_item *it)
{
	struct rshell_req *q = req_of(it);

	free(q->cmd);
	free(q);
}

static const struct reqq_ops req_ops = {
	.fail = req_fail,
	.free = req_free,
};

/* A popped request ends: its callback (unless cancelled), then free. */
static void req_end(struct rshell_req *q, int rc, int status, const char *out,
		    size_t len, const char *msg)
{
	if (!q->item.cancelled && q->fn)
		q->fn(q->arg, rc, status, out, len, msg);
	req_free(&q->item);
}

struct rshell *rshell_new(struct loop *loop, struct ssh_session *s)
{
	struct rshell *r = calloc(1, sizeof(*r));

	if (r) {
		r->loop = loop;
		r->s = s;
		reqq_init(&r->q, &req_ops);
	}
	return r;
}

/* Nothing is on the wire any more. */
static void wire_reset(struct rshell *r)
{
	r->sent = false;
	r->len = r->scanned = 0;
	loop_cancel_timer(r->loop, r->timer);
	r->timer = 0;
}

/* The head leaves the queue: its answer came, or never will. */
static struct rshell_req *pop(struct rshell *r)
{
	wire_reset(r);
	return req_of(reqq_pop(&r->q));
}

static void drop_stream(struct rshell *r)
{
	/*
	 * EOF and close: a shell waiting on a stuck command reads the EOF
	 * only when the command ends. It is left to end by itself: killing
	 * the shell while its channel closes made OpenSSH drop the whole
	 * connection ("ieof packet referred to nonexistent channel").
	 */
	if (r->stream)
		ssh_op_cancel(r->stream);
	r->stream = NULL;
	r->sent = false;
	r->len = r->scanned = 0;
}

/* Every queued request fails with msg (or silently with msg NULL). */
static void fail_all(struct rshell *r, const char *msg)
{
	wire_reset(r);
	reqq_fail_all(&r->q, msg);
}

void rshell_free(struct rshell *r)
{
	if (!r)
		return;
	drop_stream(r);
	fail_all(r, NULL);
	free(r->out);
	free(r);
}

void rshell_set_session(struct rshell *r, struct ssh_session *s)
{
	drop_stream(r);
	fail_all(r, NULL);
	r->s = s;
}

static void send_head(struct rshell *r);

static void on_timeout(struct loop *loop, void *arg)
{
	struct rshell *r = arg;
	struct rshell_req *q;
	char msg[160];

	r->timer = 0;
	q = pop(r);
	if (!q)
		return;
	snprintf(msg, sizeof(msg),
		 "no answer from the target within %d ms (command restarted)",
		 q->timeout_ms);
	/* The shell is busy with it for good: start a fresh one. */
	drop_stream(r);
	req_end(q, -ETIMEDOUT, -1, NULL, 0, msg);
	send_head(r);
}

/* Looks for the marker of the request on the wire; completes it. */
static void scan(struct rshell *r)
{
	char mark[48];
	char *at, *end;
	struct rshell_req *q;
	int status;

	while (r->sent && (q = req_of(reqq_head(&r->q)))) {
		/* Only what came since the last look: long outputs stay linear. */
		at = memmem(r->out + r->scanned, r->len - r->scanned,
			    "\n@@kmdash-done ", 15);
		if (!at) {
			r->scanned = r->len > 14 ? r->len - 14 : 0;
			return;
		}
		r->scanned = (size_t)(at - r->out);
		end = memchr(at + 1, '\n', r->len - (size_t)(at + 1 - r->out));
		if (!end)
			return;
		snprintf(mark, sizeof(mark), "%u@@", q->id);
		*end = '\0';
		status = atoi(at + 15);
		if (!strstr(at + 15, mark)) {
			/* A stale marker (an earlier, cancelled wire): skip. */
			memmove(r->out, end + 1,
				r->len - (size_t)(end + 1 - r->out));
			r->len -= (size_t)(end + 1 - r->out);
			r->scanned = 0;
			continue;
		}
		*at = '\0';
		pop(r);
		req_end(q, 0, status, r->out, (size_t)(at - r->out), "");
		/* pop() emptied the buffer; nothing follows a marker. */
		send_head(r);
	}
}

static void on_data(void *arg, const char *buf, size_t n)
{
	struct rshell *r = arg;

	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > OUT_CAP + 4096) {
			drop_stream(r);
			fail_all(r, "a command printed more than 4 MiB");
			return;
		}
		p = realloc(r->out, cap);
		if (!p)
			return;
		r->out = p;
		r->cap = cap;
	}
	memcpy(r->out + r->len, buf, n);
	r->len += n;
	r->out[r->len] = '\0';
	scan(r);
}

static void on_end(void *arg, int rc, int status, const char *msg)
{
	struct rshell *r = arg;
	char why[256];

	r->stream = NULL;
	snprintf(why, sizeof(why), "the remote shell ended: %s",
		 rc < 0 ? msg : "it exited");
	/* The request on the wire is lost; the others get a new shell. */
	if (r->sent) {
		struct rshell_req *q = pop(r);

		if (q)
			req_end(q, -EIO, -1, NULL, 0, why);
	}
	if (rc < 0)
		fail_all(r, why);
	else
		send_head(r);
}

static int open_stream(struct rshell *r)
{
	if (!r->stream)
		r->stream =
			ssh_stream_open(r->s, "exec sh", 0, on_data, on_end, r);
	return r->stream ? 0 : -EIO;
}

void rshell_warm(struct rshell *r)
{
	if (r->s)
		open_stream(r);
}

static void send_head(struct rshell *r)
{
	struct rshell_req *q = req_of(reqq_head(&r->q));
	char *line;
	int n;

	if (!q || r->sent || !r->s)
		return;
	if (open_stream(r) < 0) {
		fail_all(r, "cannot open the remote shell");
		return;
	}
	n = asprintf(
		&line,
		"( %s\n) </dev/null 2>&1; printf '\\n@@kmdash-done %%d %u@@\\n' \"$?\"\n",
		q->cmd, q->id);
	if (n < 0 || ssh_stream_write(r->stream, line, (size_t)n) < 0) {
		if (n >= 0)
			free(line);
		drop_stream(r);
		fail_all(r, "cannot write to the remote shell");
		return;
	}
	free(line);
	r->sent = true;
	r->len = r->scanned = 0;
	if (q->timeout_ms > 0)
		r->timer = loop_add_target_timer(r->loop, q->timeout_ms,
						 on_timeout, r);
}

struct rshell_req *rshell_run(struct rshell *r, const char *cmd, int timeout_ms,
			      rshell_fn fn, void *arg)
{
	struct rshell_req *q;

	if (!r->s)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cmd = strdup(cmd);
	if (!q->cmd) {
		free(q);
		return NULL;
	}
	q->id = ++r->next_id;
	q->timeout_ms = timeout_ms;
	q->fn = fn;
	q->arg = arg;
	reqq_push(&r->q, &q->item);
	send_head(r);
	return q;
}

void rshell_cancel(struct rshell *r, struct rshell_req *req)
{
	/* On the wire: its answer is awaited, then ignored. */
	reqq_cancel(&r->q, &req->item, r->sent);
}

void rshell_abandon(struct rshell *r, struct rshell_req *req)
{
	if (req && req_of(reqq_head(&r->q)) == req && r->sent) {
		/* The shell is busy with it for good: the next gets a new one. */
		req_free(&pop(r)->item);
		drop_stream(r);
		send_head(r);
		return;
	}
	rshell_cancel(r, req);
}
