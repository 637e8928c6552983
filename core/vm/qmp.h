/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A QMP (QEMU Machine Protocol) client over a unix socket, inside the loop.
 *
 * Two layers: a pure parser that turns bytes into classified messages
 * (unit-tested with captured transcripts), and the client that connects,
 * negotiates (greeting, then qmp_capabilities), sends commands with ids
 * and routes each reply to its callback and every event to one callback.
 *
 * Measured QEMU behaviour the users of this rely on: system_reset sends the
 * RESET event before its return; quit sends SHUTDOWN and closes the socket.
 */
#ifndef KMDASH_QMP_H
#define KMDASH_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

struct loop;

enum qmp_kind {
	QMP_GREETING,
	QMP_RETURN,
	QMP_ERROR,
	QMP_EVENT,
};

/* One message; every pointer lives until the callback returns. */
struct qmp_msg {
	enum qmp_kind kind;
	const cJSON *json; /* the whole object */
	int64_t id; /* numeric "id" of a return or error, else -1 */
	const cJSON *ret; /* QMP_RETURN: the "return" value */
	const char *err_class; /* QMP_ERROR */
	const char *err_desc; /* QMP_ERROR */
	const char *event; /* QMP_EVENT: "RESET", "SHUTDOWN", ... */
	const cJSON *data; /* QMP_EVENT: "data" or NULL */
	int64_t ts_us; /* QMP_EVENT: QEMU's timestamp, or 0 */
};

typedef void (*qmp_msg_fn)(const struct qmp_msg *msg, void *arg);

/*
 * The framing: QMP sends one JSON object per line (CRLF). Lines that are
 * not JSON objects or not QMP messages are counted and skipped; the last
 * reason is kept in err.
 */
struct qmp_parser {
	char *buf;
	size_t len, cap;
	bool skipping; /* inside a line that overflowed: drop to its end */
	unsigned int garbage;
	char err[256];
};

void qmp_parser_init(struct qmp_parser *p);
void qmp_parser_free(struct qmp_parser *p);
/* Returns the number of messages delivered, or -ENOMEM. */
int qmp_parser_feed(struct qmp_parser *p, const char *buf, size_t n,
		    qmp_msg_fn fn, void *arg);
/* Classifies one parsed object; false if it is not a QMP message. */
bool qmp_classify(const cJSON *obj, struct qmp_msg *msg);

/* The client. */
struct qmp;

enum qmp_state {
	QMP_IDLE, /* not connected */
	QMP_NEGOTIATING, /* connected, waiting for greeting/capabilities */
	QMP_READY,
	QMP_CLOSED, /* the peer went away (QEMU exited) or an error */
};

/* reply is NULL when the connection closed before the reply came. */
typedef void (*qmp_reply_fn)(struct qmp *q, const struct qmp_msg *reply,
			     void *arg);
typedef void (*qmp_event_fn)(struct qmp *q, const struct qmp_msg *event,
			     void *arg);
typedef void (*qmp_state_fn)(struct qmp *q, enum qmp_state state, void *arg);

struct qmp *qmp_new(struct loop *loop, const char *sock_path);
void qmp_free(struct qmp *q);
void qmp_set_callbacks(struct qmp *q, qmp_event_fn on_event,
		       qmp_state_fn on_state, void *arg);

/* Connects (nonblocking); on failure qmp_error() says why. */
int qmp_connect(struct qmp *q);
void qmp_close(struct qmp *q);

/*
 * Queues a command; it is sent once negotiation is done. args (may be
 * NULL) is taken over. Returns the id (> 0) or -errno.
 */
int64_t qmp_command(struct qmp *q, const char *cmd, cJSON *args,
		    qmp_reply_fn fn, void *arg);

enum qmp_state qmp_state(const struct qmp *q);
const char *qmp_error(const struct qmp *q);

/* "running", "paused", "prelaunch", ... from a query-status return. */
const char *qmp_status_of(const struct qmp_msg *reply);

#endif
