// SPDX-License-Identifier: GPL-2.0
/*
 * Serial sources against real fds: a pty pair stands in for a USB adapter
 * (a symlink plays the device node), a private unix socket for QEMU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/console/serial.h"

struct rec {
	char data[4096];
	size_t len;
	int states;
	enum serial_state last;
	char reason[512];
};

static void on_data(struct serial *s, const char *buf, size_t n, void *arg)
{
	struct rec *r = arg;

	if (r->len + n < sizeof(r->data)) {
		memcpy(r->data + r->len, buf, n);
		r->len += n;
		r->data[r->len] = '\0';
	}
}

static void on_state(struct serial *s, enum serial_state st, const char *reason,
		     void *arg)
{
	struct rec *r = arg;

	r->states++;
	r->last = st;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

static int has_state(struct rec *r, enum serial_state st)
{
	return r->last == st;
}

/* Runs the loop until the serial reaches st (up to 5 s). */
static void run_to(struct loop *loop, struct rec *r, enum serial_state st)
{
	for (int i = 0; i < 500 && !has_state(r, st); i++)
		loop_run_once(loop, 10);
	assert_int_equal(r->last, st);
}

static void run_to_data(struct loop *loop, struct rec *r, const char *want)
{
	for (int i = 0; i < 500 && !strstr(r->data, want); i++)
		loop_run_once(loop, 10);
	assert_non_null(strstr(r->data, want));
}

static void test_baud_table(void **state)
{
	speed_t sp;

	assert_int_equal(serial_baud_speed(115200, &sp), 0);
	assert_int_equal(sp, B115200);
	assert_int_equal(serial_baud_speed(9600, &sp), 0);
	assert_int_equal(sp, B9600);
	assert_int_equal(serial_baud_speed(1500000, &sp), 0);
	assert_int_equal(serial_baud_speed(12345, &sp), -EINVAL);
}

static void test_bad_baud_is_refused(void **state)
{
	struct loop *loop = loop_new();
	struct serial_config cfg = { SERIAL_TTY, "/dev/ttyUSB9", 12345, 0 };
	struct serial *s = serial_new(loop, &cfg);

	assert_int_equal(serial_open(s), -EINVAL);
	assert_non_null(
		strstr(serial_reason(s), "unsupported baud rate 12345"));
	serial_free(s);
	loop_free(loop);
}

/* Reads what the serial wrote to the pty master. */
static void master_expect(struct loop *loop, int master, const char *want)
{
	char buf[256] = "";
	size_t len = 0;

	for (int i = 0; i < 300 && !strstr(buf, want); i++) {
		ssize_t r;

		loop_run_once(loop, 10);
		r = read(master, buf + len, sizeof(buf) - len - 1);
		if (r > 0)
			len += (size_t)r;
		buf[len] = '\0';
	}
	assert_non_null(strstr(buf, want));
}

static void new_pty(const char *link, int *master)
{
	int slave;
	char name[64];

	assert_int_equal(openpty(master, &slave, name, NULL, NULL), 0);
	/* Only the serial holds the slave: unplugging is closing master. */
	close(slave);
	fcntl(*master, F_SETFL, O_NONBLOCK);
	unlink(link);
	assert_int_equal(symlink(name, link), 0);
}

static void test_tty_both_ways_and_replug(void **state)
{
	char dir[] = "/tmp/kmdash-serial.XXXXXX", link[64];
	struct loop *loop = loop_new();
	struct rec r = { 0 };
	struct serial_config cfg = { SERIAL_TTY, link, 9600, 50 };
	struct serial *s;
	int master;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/ttyUSB0", dir);
	s = serial_new(loop, &cfg);
	serial_set_callbacks(s, on_data, on_state, &r);

	/* Not plugged in yet. */
	assert_int_equal(serial_open(s), 0);
	assert_int_equal(r.last, SERIAL_WAITING);
	assert_non_null(strstr(r.reason, "waiting for"));
	assert_non_null(strstr(r.reason, link));
	assert_int_equal(serial_write(s, "x", 1), -ENOTCONN);

	new_pty(link, &master);
	run_to(loop, &r, SERIAL_CONNECTED);
	assert_int_equal(serial_baud(s), 9600);
	assert_non_null(strstr(r.reason, "at 9600 8N1"));

	/* Both ways, raw: no echo, no CR/LF translation. */
	assert_int_equal(write(master, "hello\n", 6), 6);
	run_to_data(loop, &r, "hello\n");
	assert_int_equal(serial_write(s, "typed\r", 6), 0);
	master_expect(loop, master, "typed\r");
	assert_null(strstr(r.data, "typed"));

	/* Unplugged: the device node goes, the line breaks. */
	unlink(link);
	close(master);
	run_to(loop, &r, SERIAL_DISCONNECTED);
	assert_non_null(strstr(r.reason, "disconnected: "));
	/* Plugged in again: reconnects by itself. */
	r.len = 0;
	r.data[0] = '\0';
	new_pty(link, &master);
	run_to(loop, &r, SERIAL_CONNECTED);
	assert_int_equal(serial_connects(s), 2);
	assert_int_equal(write(master, "again", 5), 5);
	run_to_data(loop, &r, "again");

	serial_free(s);
	close(master);
	unlink(link);
	rmdir(dir);
	loop_free(loop);
}

/* While connected and quiet, nothing wakes the loop (no retry timer). */
static void test_connected_is_idle(void **state)
{
	char dir[] = "/tmp/kmdash-serial.XXXXXX", link[64];
	struct loop *loop = loop_new();
	struct rec r = { 0 };
	struct serial_config cfg = { SERIAL_TTY, link, 0, 20 };
	struct serial *s;
	uint64_t w;
	int master;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/tty", dir);
	new_pty(link, &master);
	s = serial_new(loop, &cfg);
	serial_set_callbacks(s, on_data, on_state, &r);
	serial_open(s);
	assert_int_equal(r.last, SERIAL_CONNECTED);
	assert_non_null(strstr(r.reason, "at 115200 8N1"));
	w = loop_wakeups(loop);
	/* 200 ms at a 20 ms retry period would be ~10 wake-ups. */
	loop_run_once(loop, 200);
	assert_int_equal(loop_wakeups(loop) - w, 1);
	assert_int_equal(r.len, 0);
	serial_free(s);
	close(master);
	unlink(link);
	rmdir(dir);
	loop_free(loop);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static void test_unix_socket_reconnects(void **state)
{
	char dir[] = "/tmp/kmdash-serial.XXXXXX", path[64];
	struct loop *loop = loop_new();
	struct rec r = { 0 };
	struct serial_config cfg = { SERIAL_UNIX, path, 0, 20 };
	struct serial *s;
	int lfd, conn;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/serial.sock", dir);
	s = serial_new(loop, &cfg);
	serial_set_callbacks(s, on_data, on_state, &r);
	serial_open(s);
	assert_int_equal(r.last, SERIAL_WAITING);

	lfd = listen_unix(path);
	run_to(loop, &r, SERIAL_CONNECTED);
	assert_non_null(strstr(r.reason, "connected to "));
	conn = accept(lfd, NULL, NULL);
	assert_int_equal(write(conn, "login: ", 7), 7);
	run_to_data(loop, &r, "login: ");

	/* QEMU exits: socket closed and removed. */
	close(conn);
	close(lfd);
	unlink(path);
	run_to(loop, &r, SERIAL_DISCONNECTED);
	assert_string_equal(r.reason, "disconnected: EOF");
	/* ... and starts again. */
	lfd = listen_unix(path);
	run_to(loop, &r, SERIAL_CONNECTED);
	assert_int_equal(serial_connects(s), 2);
	conn = accept(lfd, NULL, NULL);
	assert_int_equal(serial_write(s, "root\n", 5), 0);
	{
		char buf[16] = "";

		for (int i = 0; i < 100 && !buf[0]; i++) {
			loop_run_once(loop, 10);
			(void)!recv(conn, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		}
		assert_string_equal(buf, "root\n");
	}
	serial_close(s);
	assert_int_equal(r.last, SERIAL_IDLE);
	serial_free(s);
	close(conn);
	close(lfd);
	unlink(path);
	rmdir(dir);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baud_table),
		cmocka_unit_test(test_bad_baud_is_refused),
		cmocka_unit_test(test_tty_both_ways_and_replug),
		cmocka_unit_test(test_connected_is_idle),
		cmocka_unit_test(test_unix_socket_reconnects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
