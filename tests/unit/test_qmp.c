// SPDX-License-Identifier: GPL-2.0
/*
 * QMP: transcripts captured from QEMU 7.2 through the pure parser, and the
 * client against a fake QMP server on a private unix socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/vm/qmp.h"

/* Captured with socat from qemu-system-aarch64 7.2 (Debian 12). */
static const char greeting[] =
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
	"\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, "
	"\"capabilities\": [\"oob\"]}}\r\n";
static const char caps_return[] = "{\"return\": {}}\r\n";
static const char status_return[] =
	"{\"return\": {\"status\": \"running\", \"singlestep\": false, "
	"\"running\": true}, \"id\": 7}\r\n";
static const char reset_event[] =
	"{\"timestamp\": {\"seconds\": 1795253561, \"microseconds\": 493166}, "
	"\"event\": \"RESET\", \"data\": {\"guest\": false, \"reason\": "
	"\"host-qmp-system-reset\"}}\r\n";
static const char reset_return[] = "{\"return\": {}, \"id\": 8}\r\n";
static const char error_reply[] =
	"{\"id\": 9, \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
	"\"The command nosuch has not been found\"}}\r\n";
static const char shutdown_event[] =
	"{\"timestamp\": {\"seconds\": 1795253562, \"microseconds\": 311222}, "
	"\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": "
	"\"host-qmp-quit\"}}\r\n";

struct seen {
	int n;
	enum qmp_kind kind[16];
	int64_t id[16];
	char text[16][64]; /* event name, status or error class */
};

static void collect(const struct qmp_msg *m, void *arg)
{
	struct seen *s = arg;
	const char *t = "";

	assert_true(s->n < 16);
	s->kind[s->n] = m->kind;
	s->id[s->n] = m->id;
	if (m->kind == QMP_EVENT)
		t = m->event;
	else if (m->kind == QMP_ERROR)
		t = m->err_class;
	else if (m->kind == QMP_RETURN && qmp_status_of(m))
		t = qmp_status_of(m);
	snprintf(s->text[s->n], sizeof(s->text[0]), "%s", t);
	s->n++;
}

static int feed_str(struct qmp_parser *p, const char *s, struct seen *seen)
{
	return qmp_parser_feed(p, s, strlen(s), collect, seen);
}

static void test_greeting_and_returns(void **state)
{
	struct qmp_parser p;
	struct seen s = { 0 };

	qmp_parser_init(&p);
	assert_int_equal(feed_str(&p, greeting, &s), 1);
	assert_int_equal(feed_str(&p, caps_return, &s), 1);
	assert_int_equal(feed_str(&p, status_return, &s), 1);
	assert_int_equal(s.kind[0], QMP_GREETING);
	assert_int_equal(s.kind[1], QMP_RETURN);
	assert_int_equal(s.id[1], -1);
	assert_int_equal(s.kind[2], QMP_RETURN);
	assert_int_equal(s.id[2], 7);
	assert_string_equal(s.text[2], "running");
	assert_int_equal(p.garbage, 0);
	qmp_parser_free(&p);
}

static void test_error_reply(void **state)
{
	struct qmp_parser p;
	struct seen s = { 0 };

	qmp_parser_init(&p);
	assert_int_equal(feed_str(&p, error_reply, &s), 1);
	assert_int_equal(s.kind[0], QMP_ERROR);
	assert_int_equal(s.id[0], 9);
	assert_string_equal(s.text[0], "CommandNotFound");
	qmp_parser_free(&p);
}

/* system_reset: the RESET event comes before the return, in one read. */
static void test_event_interleaved_with_return(void **state)
{
	struct qmp_parser p;
	struct seen s = { 0 };
	char both[512];

	snprintf(both, sizeof(both), "%s%s%s", reset_event, reset_return,
		 shutdown_event);
	qmp_parser_init(&p);
	assert_int_equal(feed_str(&p, both, &s), 3);
	assert_int_equal(s.kind[0], QMP_EVENT);
	assert_string_equal(s.text[0], "RESET");
	assert_int_equal(s.kind[1], QMP_RETURN);
	assert_int_equal(s.id[1], 8);
	assert_int_equal(s.kind[2], QMP_EVENT);
	assert_string_equal(s.text[2], "SHUTDOWN");
	qmp_parser_free(&p);
}

static void test_event_fields(void **state)
{
	struct qmp_msg m;
	cJSON *obj = cJSON_Parse(reset_event);

	assert_true(qmp_classify(obj, &m));
	assert_int_equal(m.kind, QMP_EVENT);
	assert_int_equal(m.ts_us, 1795253561LL * 1000000 + 493166);
	assert_string_equal(cJSON_GetObjectItem(m.data, "reason")->valuestring,
			    "host-qmp-system-reset");
	cJSON_Delete(obj);
}

/* Numbers out of an integer's range from the peer: no id, no time. */
static void test_numbers_out_of_range(void **state)
{
	const char *msgs[] = {
		"{\"return\": {}, \"id\": 1e300}",
		"{\"return\": {}, \"id\": 9.3e18}",
		"{\"error\": {}, \"id\": -1}",
		"{\"event\": \"X\", \"timestamp\": {\"seconds\": 1e300, "
		"\"microseconds\": 5}}",
		"{\"event\": \"X\", \"timestamp\": {\"seconds\": 1, "
		"\"microseconds\": -1e300}}",
	};
	struct qmp_msg m;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		cJSON *obj = cJSON_Parse(msgs[i]);

		assert_true(qmp_classify(obj, &m));
		assert_int_equal(m.id, -1);
		assert_int_equal(m.ts_us, 0);
		cJSON_Delete(obj);
	}
}

/* Every split point of a two-message transcript gives the same messages. */
static void test_split_reads(void **state)
{
	char both[512];
	size_t len;

	snprintf(both, sizeof(both), "%s%s", reset_event, status_return);
	len = strlen(both);
	for (size_t cut = 0; cut <= len; cut++) {
		struct qmp_parser p;
		struct seen s = { 0 };
		int n;

		qmp_parser_init(&p);
		n = qmp_parser_feed(&p, both, cut, collect, &s);
		n += qmp_parser_feed(&p, both + cut, len - cut, collect, &s);
		assert_int_equal(n, 2);
		assert_string_equal(s.text[0], "RESET");
		assert_int_equal(s.id[1], 7);
		qmp_parser_free(&p);
	}
	/* And byte by byte. */
	struct qmp_parser p;
	struct seen s = { 0 };
	int n = 0;

	qmp_parser_init(&p);
	for (size_t i = 0; i < len; i++)
		n += qmp_parser_feed(&p, both + i, 1, collect, &s);
	assert_int_equal(n, 2);
	qmp_parser_free(&p);
}

static void test_garbage_is_skipped(void **state)
{
	struct qmp_parser p;
	struct seen s = { 0 };
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s", "not json at all\r\n",
		 "[1,2,3]\r\n", "{\"unrelated\": true}\r\n", "\r\n",
		 status_return);
	qmp_parser_init(&p);
	assert_int_equal(feed_str(&p, buf, &s), 1);
	assert_int_equal(p.garbage, 3);
	assert_non_null(strstr(p.err, "not a QMP message"));
	assert_int_equal(s.id[0], 7);
	/* the line quoted is that line alone, not what follows it */
	assert_int_equal(feed_str(&p, "oops\r\n{\"return\": {}}\r\n", &s), 1);
	assert_string_equal(strstr(p.err, "message: "), "message: oops");
	qmp_parser_free(&p);
}

static void test_overlong_line_is_dropped(void **state)
{
	struct qmp_parser p;
	struct seen s = { 0 };
	size_t big = (1 << 20) + 100;
	char *junk = malloc(big);

	memset(junk, 'x', big);
	qmp_parser_init(&p);
	assert_int_equal(qmp_parser_feed(&p, junk, big / 2, collect, &s), 0);
	assert_int_equal(qmp_parser_feed(&p, junk, big / 2, collect, &s), 0);
	assert_int_equal(feed_str(&p, "\r\n", &s), 0);
	assert_int_equal(feed_str(&p, status_return, &s), 1);
	assert_true(p.garbage >= 1);
	assert_non_null(strstr(p.err, "longer than"));
	free(junk);
	qmp_parser_free(&p);
}

/* --- the client against a fake server ------------------------------------ */

struct fake {
	int listen_fd, conn_fd;
	char got[4096];
	size_t gotlen;
	int replies, nulls;
	char status[32];
	char events[128];
	enum qmp_state last_state;
};

static void on_reply(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct fake *f = arg;

	if (!m) {
		f->nulls++;
		return;
	}
	f->replies++;
	if (qmp_status_of(m))
		snprintf(f->status, sizeof(f->status), "%s", qmp_status_of(m));
}

static void on_event(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct fake *f = arg;

	strncat(f->events, m->event, sizeof(f->events) - strlen(f->events) - 2);
	strcat(f->events, " ");
}

static void on_state(struct qmp *q, enum qmp_state st, void *arg)
{
	((struct fake *)arg)->last_state = st;
}

/* Reads what the client sent until it contains needle. */
static void server_expect(struct loop *loop, struct fake *f, const char *needle)
{
	for (int i = 0; i < 200 && !strstr(f->got, needle); i++) {
		ssize_t r;

		loop_run_once(loop, 10);
		r = recv(f->conn_fd, f->got + f->gotlen,
			 sizeof(f->got) - f->gotlen - 1, MSG_DONTWAIT);
		if (r > 0) {
			f->gotlen += (size_t)r;
			f->got[f->gotlen] = '\0';
		}
	}
	assert_non_null(strstr(f->got, needle));
}

static void server_send(struct fake *f, const char *s)
{
	assert_int_equal(send(f->conn_fd, s, strlen(s), 0), (ssize_t)strlen(s));
}

static void test_client_negotiates_and_routes(void **state)
{
	char dir[] = "/tmp/kmdash-qmp.XXXXXX";
	char path[100];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct loop *loop = loop_new();
	struct fake f = { 0 };
	struct qmp *q;
	int64_t id;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qmp.sock", dir);
	q = qmp_new(loop, path);
	/* Nobody listens yet: one clear reason. */
	assert_int_equal(qmp_connect(q), -ENOENT);
	assert_non_null(strstr(qmp_error(q), path));

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	f.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(f.listen_fd, (struct sockaddr *)&sa, sizeof(sa)),
			 0);
	assert_int_equal(listen(f.listen_fd, 1), 0);
	qmp_set_callbacks(q, on_event, on_state, &f);
	assert_int_equal(qmp_connect(q), 0);
	f.conn_fd = accept(f.listen_fd, NULL, NULL);
	assert_true(f.conn_fd >= 0);

	/* Queued before negotiation: must wait for qmp_capabilities. */
	id = qmp_command(q, "query-status", NULL, on_reply, &f);
	assert_true(id > 0);
	server_send(&f, greeting);
	server_expect(loop, &f, "qmp_capabilities");
	assert_null(strstr(f.got, "query-status"));
	server_send(&f, "{\"return\": {}, \"id\": 0}\r\n");
	server_expect(loop, &f, "query-status");
	assert_int_equal(qmp_state(q), QMP_READY);

	char reply[256];

	snprintf(reply, sizeof(reply),
		 "%s{\"return\": {\"status\": "
		 "\"prelaunch\", \"running\": false}, \"id\": %lld}\r\n",
		 reset_event, (long long)id);
	server_send(&f, reply);
	for (int i = 0; i < 100 && !f.replies; i++)
		loop_run_once(loop, 10);
	assert_int_equal(f.replies, 1);
	assert_string_equal(f.status, "prelaunch");
	assert_string_equal(f.events, "RESET ");

	/* The server goes away with a command outstanding. */
	qmp_command(q, "quit", NULL, on_reply, &f);
	server_expect(loop, &f, "\"quit\"");
	server_send(&f, shutdown_event);
	close(f.conn_fd);
	for (int i = 0; i < 100 && f.last_state != QMP_CLOSED; i++)
		loop_run_once(loop, 10);
	assert_int_equal(f.last_state, QMP_CLOSED);
	assert_string_equal(f.events, "RESET SHUTDOWN ");
	assert_int_equal(f.nulls, 1);
	assert_non_null(strstr(qmp_error(q), "closed"));

	qmp_free(q);
	close(f.listen_fd);
	unlink(path);
	rmdir(dir);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_and_returns),
		cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_event_interleaved_with_return),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_numbers_out_of_range),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_garbage_is_skipped),
		cmocka_unit_test(test_overlong_line_is_dropped),
		cmocka_unit_test(test_client_negotiates_and_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
