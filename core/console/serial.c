// SPDX-License-Identifier: GPL-2.0
/* Serial sources: a unix socket or a tty, reopened when they come back. */
#include "core/console/serial.h"
#include "core/base/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SERIAL_OUT_MAX (64 * 1024)
/*
 * One read: a console streaming a build log fills the socket faster than
 * 4 KiB reads drain it, and each read and feed has its cost.
 */
#define SERIAL_READ_MAX (64 * 1024)
/* Per wake-up, so that a flooding line cannot starve the other fds. */
#define SERIAL_READ_BUDGET (256 * 1024)

struct serial {
	struct loop *loop;
	enum serial_kind kind;
	char *path;
	int baud, retry_ms;
	int actual_baud;

	int fd;
	enum serial_state state;
	int last_errno; /* of the last failed open, to report changes only */
	uint64_t retry_timer;
	unsigned int connects;
	char reason[512];

	char out[SERIAL_OUT_MAX];
	size_t outlen;
	char in[SERIAL_READ_MAX];

	serial_data_fn on_data;
	serial_state_fn on_state;
	void *arg;
};

static const struct {
	int baud;
	speed_t speed;
} rates[] = {
	{ 50, B50 },	       { 75, B75 },	      { 110, B110 },
	{ 134, B134 },	       { 150, B150 },	      { 200, B200 },
	{ 300, B300 },	       { 600, B600 },	      { 1200, B1200 },
	{ 1800, B1800 },       { 2400, B2400 },	      { 4800, B4800 },
	{ 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
	{ 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
	{ 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },
	{ 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
	{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

int serial_baud_speed(int baud, speed_t *speed)
{
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		if (rates[i].baud == baud) {
			*speed = rates[i].speed;
			return 0;
		}
	}
	return -EINVAL;
}

static int speed_baud(speed_t speed)
{
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i].speed == speed)
			return rates[i].baud;
	return 0;
}

struct serial *serial_new(struct loop *loop, const struct serial_config *cfg)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->path = strdup(cfg->path ? cfg->path : "");
	if (!s->path) {
		free(s);
		return NULL;
	}
	s->loop = loop;
	s->kind = cfg->kind;
	s->baud = cfg->baud > 0 ? cfg->baud : 115200;
	s->retry_ms = cfg->retry_ms > 0 ? cfg->retry_ms : 500;
	s->fd = -1;
	return s;
}

void serial_set_callbacks(struct serial *s, serial_data_fn on_data,
			  serial_state_fn on_state, void *arg)
{
	s->on_data = on_data;
	s->on_state = on_state;
	s->arg = arg;
}

static void set_state(struct serial *s, enum serial_state st, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));
static void set_state(struct serial *s, enum serial_state st, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	s->state = st;
	if (s->on_state)
		s->on_state(s, st, s->reason, s->arg);
}

static void drop_fd(struct serial *s)
{
	if (s->fd >= 0) {
		loop_del_fd(s->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	s->outlen = 0;
}

static void on_retry(struct loop *loop, void *arg);

static void schedule_retry(struct serial *s)
{
	if (!s->retry_timer)
		s->retry_timer =
			loop_add_timer(s->loop, s->retry_ms, on_retry, s);
}

static void lost(struct serial *s, const char *why)
{
	drop_fd(s);
	s->last_errno = 0;
	set_state(s, SERIAL_DISCONNECTED, "disconnected: %s", why);
	schedule_retry(s);
}

static void update_events(struct serial *s)
{
	loop_set_events(s->loop, s->fd, POLLIN | (s->outlen ? POLLOUT : 0));
}

static int flush_out(struct serial *s)
{
	while (s->outlen) {
		ssize_t w =
			s->kind == SERIAL_UNIX ?
				send(s->fd, s->out, s->outlen, MSG_NOSIGNAL) :
				write(s->fd, s->out, s->outlen);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			lost(s, strerror(errno));
			return -EIO;
		}
		memmove(s->out, s->out + w, s->outlen - (size_t)w);
		s->outlen -= (size_t)w;
	}
	update_events(s);
	return 0;
}

static void on_io(struct loop *loop, int fd, short revents, void *arg)
{
	struct serial *s = arg;
	size_t total = 0;

	if ((revents & POLLOUT) && flush_out(s) < 0)
		return;
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	while (total < SERIAL_READ_BUDGET) {
		ssize_t r = read(s->fd, s->in, sizeof(s->in));

		if (r > 0) {
			total += (size_t)r;
			if (s->on_data)
				s->on_data(s, s->in, (size_t)r, s->arg);
			if (s->fd != fd)
				return; /* closed from the callback */
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* A pty whose other side closed, an unplugged adapter: EIO. */
		lost(s, r == 0 ? "EOF" : strerror(errno));
		return;
	}
}

static int open_tty(struct serial *s)
{
	struct termios tio;
	speed_t speed = B115200;
	int fd = open(s->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &tio) < 0) {
		int err = errno == ENOTTY ? -ENOTTY : -errno;

		close(fd);
		return err;
	}
	serial_baud_speed(s->baud, &speed);
	cfmakeraw(&tio);
	/* 8N1, no modem control, no flow control of either kind. */
	tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	if (tcsetattr(fd, TCSANOW, &tio) < 0 || tcgetattr(fd, &tio) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* What the driver accepted, not what we asked for. */
	s->actual_baud = speed_baud(cfgetospeed(&tio));
	return fd;
}

static int open_unix(struct serial *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(s->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static const char *open_hint(int err)
{
	switch (err) {
	case EACCES:
		return ": add yourself to the dialout group";
	case ENOTTY:
		return ": not a tty";
	case ECONNREFUSED:
		return ": nothing listens (QEMU not running?)";
	case ENAMETOOLONG:
		return ": path too long for a unix socket";
	}
	return "";
}

static void try_open(struct serial *s)
{
	int fd = s->kind == SERIAL_TTY ? open_tty(s) : open_unix(s);
	int err;

	if (fd < 0) {
		err = -fd;
		/* Report a new reason once, not every retry. */
		if (s->state == SERIAL_IDLE ||
		    (s->state == SERIAL_WAITING && err != s->last_errno))
			set_state(s, SERIAL_WAITING, "waiting for %s (%s%s)",
				  s->path, strerror(err), open_hint(err));
		s->last_errno = err;
		schedule_retry(s);
		return;
	}
	err = loop_add_fd(s->loop, fd, POLLIN, on_io, s);
	if (err) {
		close(fd);
		s->last_errno = -err;
		schedule_retry(s);
		return;
	}
	s->fd = fd;
	s->connects++;
	s->last_errno = 0;
	if (s->kind == SERIAL_TTY)
		set_state(s, SERIAL_CONNECTED, "connected to %s at %d 8N1",
			  s->path, s->actual_baud);
	else
		set_state(s, SERIAL_CONNECTED, "connected to %s", s->path);
}

static void on_retry(struct loop *loop, void *arg)
{
	struct serial *s = arg;

	s->retry_timer = 0;
	if (s->fd < 0 && s->state != SERIAL_IDLE)
		try_open(s);
}

int serial_open(struct serial *s)
{
	speed_t speed;

	if (s->fd >= 0 || s->state != SERIAL_IDLE)
		return -EALREADY;
	if (s->kind == SERIAL_TTY && serial_baud_speed(s->baud, &speed) < 0) {
		snprintf(
			s->reason, sizeof(s->reason),
			"unsupported baud rate %d for %s (standard rates: 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, ...)",
			s->baud, s->path);
		return -EINVAL;
	}
	try_open(s);
	return 0;
}

void serial_close(struct serial *s)
{
	drop_fd(s);
	loop_cancel_timer(s->loop, s->retry_timer);
	s->retry_timer = 0;
	if (s->state != SERIAL_IDLE)
		set_state(s, SERIAL_IDLE, "closed");
}

void serial_free(struct serial *s)
{
	if (!s)
		return;
	s->on_state = NULL;
	serial_close(s);
	free(s->path);
	free(s);
}

int serial_write(struct serial *s, const void *buf, size_t n)
{
	if (s->fd < 0)
		return -ENOTCONN;
	if (n > SERIAL_OUT_MAX - s->outlen)
		return -ENOBUFS;
	memcpy(s->out + s->outlen, buf, n);
	s->outlen += n;
	return flush_out(s);
}

enum serial_state serial_state(const struct serial *s)
{
	return s->state;
}

const char *serial_state_name(enum serial_state state)
{
	switch (state) {
	case SERIAL_IDLE:
		return "idle";
	case SERIAL_WAITING:
		return "waiting";
	case SERIAL_CONNECTED:
		return "connected";
	case SERIAL_DISCONNECTED:
		return "disconnected";
	}
	return "?";
}

const char *serial_reason(const struct serial *s)
{
	return s->reason;
}

unsigned int serial_connects(const struct serial *s)
{
	return s->connects;
}

int serial_baud(const struct serial *s)
{
	return s->kind == SERIAL_TTY && s->fd >= 0 ? s->actual_baud : 0;
}
