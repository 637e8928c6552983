/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A serial line: QEMU's chardev unix socket, or a real tty (a USB serial
 * adapter) in raw 8N1 at a standard baud rate, no flow control. Bytes from
 * the line go to the data callback; serial_write() sends keyboard bytes and
 * terminal answers back. When the line goes away (QEMU restarts, the
 * adapter is unplugged) it is reopened by itself, like tio: a retry timer
 * runs only while disconnected; nothing wakes up while connected and idle.
 */
#ifndef KMDASH_SERIAL_H
#define KMDASH_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

struct loop;
struct serial;

enum serial_kind {
	SERIAL_UNIX, /* a unix stream socket (QEMU -chardev socket) */
	SERIAL_TTY, /* a tty device node (or a symlink to one) */
};

enum serial_state {
	SERIAL_IDLE, /* not opened, or closed by the user */
	SERIAL_WAITING, /* never connected yet; retrying */
	SERIAL_CONNECTED,
	SERIAL_DISCONNECTED, /* was connected, lost it; retrying */
};

struct serial_config {
	enum serial_kind kind;
	const char *path;
	int baud; /* SERIAL_TTY; 0: 115200 */
	int retry_ms; /* 0: 500 */
};

typedef void (*serial_data_fn)(struct serial *s, const char *buf, size_t n,
			       void *arg);
/* reason: "waiting for /dev/ttyUSB0 (...)", "connected to ...", ... */
typedef void (*serial_state_fn)(struct serial *s, enum serial_state state,
				const char *reason, void *arg);

struct serial *serial_new(struct loop *loop, const struct serial_config *cfg);
void serial_free(struct serial *s);
void serial_set_callbacks(struct serial *s, serial_data_fn on_data,
			  serial_state_fn on_state, void *arg);

/* Connects now if it can, else keeps trying. -EINVAL: bad baud rate. */
int serial_open(struct serial *s);
/* Closes and stops retrying. */
void serial_close(struct serial *s);

/* Queues bytes for the line: -ENOTCONN if not connected, -ENOBUFS full. */
int serial_write(struct serial *s, const void *buf, size_t n);

enum serial_state serial_state(const struct serial *s);
const char *serial_state_name(enum serial_state state);
const char *serial_reason(const struct serial *s);
/* Successful connections so far (a reconnect makes it 2). */
unsigned int serial_connects(const struct serial *s);
/* The baud rate the tty reports after setup (0 for a socket). */
int serial_baud(const struct serial *s);

/* The table of standard rates: 0 and *speed set, or -EINVAL. */
int serial_baud_speed(int baud, speed_t *speed);

#endif
