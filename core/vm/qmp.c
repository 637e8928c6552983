// SPDX-License-Identifier: GPL-2.0
/*
 * QMP client. The parser is pure (bytes in, messages out); the client adds
 * the socket, the negotiation and the id -> callback table.
 */
#include "core/vm/qmp.h"
#include "core/base/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A QMP line is small; anything bigger is a broken peer, not data. */
#define QMP_MAX_LINE (1 << 20)

void qmp_parser_init(struct qmp_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void qmp_parser_free(struct qmp_parser *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

/*
 * A JSON number as an integer, if it is one in [0, 2^62): converting a
 * double out of an int64_t's range is undefined (the peer's 1e300, inf).
 */
static bool json_uint(const cJSON *n, double scale, int64_t *out)
{
	double v;

	if (!cJSON_IsNumber(n))
		return false;
	v = n->valuedouble * scale;
	if (!(v >= 0 && v < 0x1p62))
		return false;
	*out = (int64_t)v;
	return true;
}

static int64_t json_id(const cJSON *obj)
{
	int64_t id;

	if (json_uint(cJSON_GetObjectItemCaseSensitive(obj, "id"), 1, &id))
		return id;
	return -1;
}

bool qmp_classify(const cJSON *obj, struct qmp_msg *msg)
{
	const cJSON *v;

	memset(msg, 0, sizeof(*msg));
	msg->json = obj;
	msg->id = -1;
	if (!cJSON_IsObject(obj))
		return false;
	if (cJSON_GetObjectItemCaseSensitive(obj, "QMP")) {
		msg->kind = QMP_GREETING;
		return true;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "return"))) {
		msg->kind = QMP_RETURN;
		msg->ret = v;
		msg->id = json_id(obj);
		return true;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "error"))) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "class");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(v, "desc");

		msg->kind = QMP_ERROR;
		msg->id = json_id(obj);
		msg->err_class = cJSON_IsString(c) ? c->valuestring : "Error";
		msg->err_desc = cJSON_IsString(d) ? d->valuestring : "";
		return true;
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "event");
	if (cJSON_IsString(v)) {
		const cJSON *ts =
			cJSON_GetObjectItemCaseSensitive(obj, "timestamp");
		const cJSON *s =
			cJSON_GetObjectItemCaseSensitive(ts, "seconds");
		const cJSON *us =
			cJSON_GetObjectItemCaseSensitive(ts, "microseconds");
		int64_t sec_us, usec; /* each below 2^62: the sum fits */

		msg->kind = QMP_EVENT;
		msg->event = v->valuestring;
		msg->data = cJSON_GetObjectItemCaseSensitive(obj, "data");
		if (json_uint(s, 1e6, &sec_us) && json_uint(us, 1, &usec))
			msg->ts_us = sec_us + usec;
		return true;
	}
	return false;
}

/* Parses one complete line; returns 1 if a message was delivered. */
static int parse_line(struct qmp_parser *p, const char *line, size_t len,
		      qmp_msg_fn fn, void *arg)
{
	struct qmp_msg msg;
	cJSON *obj;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return 0;
	obj = cJSON_ParseWithLength(line, len);
	if (!obj || !qmp_classify(obj, &msg)) {
		p->garbage++;
		/* line is not NUL-terminated: the next line, or the end */
		snprintf(p->err, sizeof(p->err),
			 "QMP: ignored a line that is not a QMP message: %.*s",
			 (int)(len < 60 ? len : 60), line);
		cJSON_Delete(obj);
		return 0;
	}
	fn(&msg, arg);
	cJSON_Delete(obj);
	return 1;
}

int qmp_parser_feed(struct qmp_parser *p, const char *buf, size_t n,
		    qmp_msg_fn fn, void *arg)
{
	int delivered = 0;

	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t chunk = nl ? (size_t)(nl - buf) : n;

		if (p->skipping) {
			if (nl)
				p->skipping = false;
		} else if (p->len + chunk > QMP_MAX_LINE) {
			p->garbage++;
			snprintf(p->err, sizeof(p->err),
				 "QMP: dropped a line longer than %d bytes",
				 QMP_MAX_LINE);
			p->len = 0;
			p->skipping = !nl;
		} else if (nl && !p->len) {
			/* The common case: a whole line in the buffer. */
			delivered += parse_line(p, buf, chunk, fn, arg);
		} else {
			if (p->len + chunk + 1 > p->cap) {
				size_t cap = p->cap ? p->cap : 4096;
				char *b;

				while (cap < p->len + chunk + 1)
					cap *= 2;
				b = realloc(p->buf, cap);
				if (!b)
					return -ENOMEM;
				p->buf = b;
				p->cap = cap;
			}
			memcpy(p->buf + p->len, buf, chunk);
			p->len += chunk;
			if (nl) {
				delivered +=
					parse_line(p, p->buf, p->len, fn, arg);
				p->len = 0;
			}
		}
		if (!nl)
			break;
		buf += chunk + 1;
		n -= chunk + 1;
	}
	return delivered;
}

/* --- the client ---------------------------------------------------------- */

struct qmp_pending {
	int64_t id;
	qmp_reply_fn fn;
	void *arg;
};

struct qmp {
	struct loop *loop;
	char *path;
	int fd;
	enum qmp_state state;
	struct qmp_parser parser;

	/* bytes to send; commands queued before READY wait in queue */
	char *out;
	size_t outlen, outcap;
	char *queue;
	size_t qlen, qcap;

	struct qmp_pending *pending;
	size_t npending, cappending;
	int64_t next_id;

	qmp_event_fn on_event;
	qmp_state_fn on_state;
	void *cb_arg;
	char err[256];
};

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (!n)
		return 0;
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 1024;
		char *b;

		while (c < *len + n)
			c *= 2;
		b = realloc(*buf, c);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

struct qmp *qmp_new(struct loop *loop, const char *sock_path)
{
	struct qmp *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->path = strdup(sock_path);
	if (!q->path) {
		free(q);
		return NULL;
	}
	q->loop = loop;
	q->fd = -1;
	q->next_id = 1;
	qmp_parser_init(&q->parser);
	return q;
}

void qmp_set_callbacks(struct qmp *q, qmp_event_fn on_event,
		       qmp_state_fn on_state, void *arg)
{
	q->on_event = on_event;
	q->on_state = on_state;
	q->cb_arg = arg;
}

static void set_state(struct qmp *q, enum qmp_state state)
{
	if (q->state == state)
		return;
	q->state = state;
	if (q->on_state)
		q->on_state(q, state, q->cb_arg);
}

/* Every caller waiting for a reply learns that none will come. */
static void fail_pending(struct qmp *q)
{
	while (q->npending) {
		struct qmp_pending p = q->pending[0];

		memmove(q->pending, q->pending + 1,
			--q->npending * sizeof(*q->pending));
		if (p.fn)
			p.fn(q, NULL, p.arg);
	}
}

static void drop_connection(struct qmp *q, const char *why)
{
	if (q->fd >= 0) {
		loop_del_fd(q->loop, q->fd);
		close(q->fd);
		q->fd = -1;
	}
	if (why)
		snprintf(q->err, sizeof(q->err), "%s", why);
	q->outlen = q->qlen = 0;
	q->parser.len = 0;
	q->parser.skipping = false;
	fail_pending(q);
	set_state(q, QMP_CLOSED);
}

void qmp_close(struct qmp *q)
{
	if (q->fd < 0 && q->state != QMP_READY && q->state != QMP_NEGOTIATING)
		return;
	drop_connection(q, NULL);
	set_state(q, QMP_IDLE);
}

void qmp_free(struct qmp *q)
{
	if (!q)
		return;
	q->on_state = NULL;
	q->on_event = NULL;
	qmp_close(q);
	qmp_parser_free(&q->parser);
	free(q->out);
	free(q->queue);
	free(q->pending);
	free(q->path);
	free(q);
}

static void update_events(struct qmp *q)
{
	if (q->fd >= 0)
		loop_set_events(q->loop, q->fd,
				POLLIN | (q->outlen ? POLLOUT : 0));
}

static void flush_out(struct qmp *q)
{
	while (q->outlen) {
		ssize_t w = send(q->fd, q->out, q->outlen, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			char why[200];

			snprintf(why, sizeof(why),
				 "QMP: writing to %s failed: %s", q->path,
				 strerror(errno));
			drop_connection(q, why);
			return;
		}
		memmove(q->out, q->out + w, q->outlen - (size_t)w);
		q->outlen -= (size_t)w;
	}
	update_events(q);
}

static int add_pending(struct qmp *q, int64_t id, qmp_reply_fn fn, void *arg)
{
	if (q->npending == q->cappending) {
		size_t c = q->cappending ? q->cappending * 2 : 8;
		struct qmp_pending *p = realloc(q->pending, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		q->pending = p;
		q->cappending = c;
	}
	q->pending[q->npending++] = (struct qmp_pending){ id, fn, arg };
	return 0;
}

static void on_message(const struct qmp_msg *msg, void *arg)
{
	struct qmp *q = arg;

	switch (msg->kind) {
	case QMP_GREETING: {
		static const char caps[] =
			"{\"execute\":\"qmp_capabilities\",\"id\":0}\r\n";

		append(&q->out, &q->outlen, &q->outcap, caps, sizeof(caps) - 1);
		break;
	}
	case QMP_RETURN:
	case QMP_ERROR:
		if (msg->id == 0 && q->state == QMP_NEGOTIATING) {
			if (msg->kind == QMP_ERROR) {
				snprintf(q->err, sizeof(q->err),
					 "QMP: capabilities refused: %s",
					 msg->err_desc);
				return;
			}
			/* Negotiated: what was queued goes out now. */
			append(&q->out, &q->outlen, &q->outcap, q->queue,
			       q->qlen);
			q->qlen = 0;
			set_state(q, QMP_READY);
			break;
		}
		for (size_t i = 0; i < q->npending; i++) {
			struct qmp_pending p = q->pending[i];

			if (p.id != msg->id)
				continue;
			memmove(q->pending + i, q->pending + i + 1,
				(--q->npending - i) * sizeof(*q->pending));
			if (p.fn)
				p.fn(q, msg, p.arg);
			break;
		}
		break;
	case QMP_EVENT:
		if (q->on_event)
			q->on_event(q, msg, q->cb_arg);
		break;
	}
}

static void on_io(struct loop *loop, int fd, short revents, void *arg)
{
	struct qmp *q = arg;
	char buf[4096];

	if (revents & POLLOUT)
		flush_out(q);
	if (q->fd < 0)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		for (;;) {
			ssize_t r = recv(q->fd, buf, sizeof(buf), 0);

			if (r > 0) {
				if (qmp_parser_feed(&q->parser, buf, (size_t)r,
						    on_message, q) < 0) {
					drop_connection(q,
							"QMP: out of memory");
					return;
				}
				if (q->fd < 0)
					return;
				continue;
			}
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			char why[200];

			snprintf(why, sizeof(why), "QMP: %s closed%s%s",
				 q->path, r < 0 ? ": " : "",
				 r < 0 ? strerror(errno) : "");
			drop_connection(q, why);
			return;
		}
	}
	flush_out(q);
}

int qmp_connect(struct qmp *q)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (q->fd >= 0)
		return -EALREADY;
	if (strlen(q->path) >= sizeof(sa.sun_path)) {
		snprintf(
			q->err, sizeof(q->err),
			"QMP: socket path too long (%zu bytes): %s; choose a shorter runtime directory",
			strlen(q->path), q->path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, q->path, strlen(q->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * QEMU serves one client per monitor socket and queues two more
	 * (its listen backlog): a unix socket says EAGAIN past that, and
	 * nothing was connected.
	 */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		err = -errno;
		snprintf(
			q->err, sizeof(q->err),
			errno == EAGAIN ?
				"QMP: %s is busy: other clients hold it (%s)" :
				"QMP: cannot connect to %s: %s (is QEMU running?)",
			q->path, strerror(errno));
		close(fd);
		return err;
	}
	err = loop_add_fd(q->loop, fd, POLLIN, on_io, q);
	if (err) {
		close(fd);
		return err;
	}
	q->fd = fd;
	q->err[0] = '\0';
	q->outlen = q->qlen = 0;
	set_state(q, QMP_NEGOTIATING);
	return 0;
}

int64_t qmp_command(struct qmp *q, const char *cmd, cJSON *args,
		    qmp_reply_fn fn, void *arg)
{
	cJSON *obj = cJSON_CreateObject();
	int64_t id = q->next_id++;
	char *text;
	int err;

	if (!obj) {
		cJSON_Delete(args);
		return -ENOMEM;
	}
	cJSON_AddStringToObject(obj, "execute", cmd);
	if (args)
		cJSON_AddItemToObject(obj, "arguments", args);
	cJSON_AddNumberToObject(obj, "id", (double)id);
	text = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (!text)
		return -ENOMEM;
	if (q->state == QMP_READY)
		err = append(&q->out, &q->outlen, &q->outcap, text,
			     strlen(text));
	else
		err = append(&q->queue, &q->qlen, &q->qcap, text, strlen(text));
	if (!err)
		err = q->state == QMP_READY ?
			      append(&q->out, &q->outlen, &q->outcap, "\r\n",
				     2) :
			      append(&q->queue, &q->qlen, &q->qcap, "\r\n", 2);
	free(text);
	if (!err)
		err = add_pending(q, id, fn, arg);
	if (err)
		return err;
	if (q->state == QMP_READY)
		flush_out(q);
	return id;
}

enum qmp_state qmp_state(const struct qmp *q)
{
	return q->state;
}

const char *qmp_error(const struct qmp *q)
{
	return q->err;
}

const char *qmp_status_of(const struct qmp_msg *reply)
{
	const cJSON *s;

	if (!reply || reply->kind != QMP_RETURN)
		return NULL;
	s = cJSON_GetObjectItemCaseSensitive(reply->ret, "status");
	return cJSON_IsString(s) ? s->valuestring : NULL;
}
