// SPDX-License-Identifier: GPL-2.0
/*
 * ncurses into a memory file, the memory file to the terminal without
 * ever blocking. The memory file is rewound after each flush (ncurses
 * only ever writes at its offset, so the frame is what lies before it),
 * never truncated: it keeps the size of the largest frame, and the
 * idle dashboard's frame costs no system call for it. What
 * the terminal did not take yet waits in `pend`.
 */
#include "tui/termout.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "tui/record.h"

struct termout {
	struct loop *loop;
	int mem; /* ncurses writes here */
	FILE *file;
	int tty; /* the terminal, non-blocking */
	bool own_tty; /* opened here (else stdout itself, blocking) */
	bool watching; /* the loop tells when the terminal takes more */
	char *pend;
	size_t len, off, cap;
	struct record *rec;
	void (*drained)(void *arg);
	void *arg;
};

static void on_writable(struct loop *loop, int fd, short revents, void *arg);

static void watch(struct termout *t, bool on)
{
	if (on == t->watching)
		return;
	if (on)
		t->watching = loop_add_fd(t->loop, t->tty, POLLOUT, on_writable,
					  t) == 0;
	else {
		loop_del_fd(t->loop, t->tty);
		t->watching = false;
	}
}

/* As much as the terminal takes now. */
static void write_some(struct termout *t)
{
	while (t->off < t->len) {
		ssize_t n = write(t->tty, t->pend + t->off, t->len - t->off);

		if (n > 0) {
			t->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			watch(t, true);
			return;
		}
		/* The terminal is gone (EIO): nobody to draw for. */
		break;
	}
	t->len = t->off = 0;
	watch(t, false);
}

static void on_writable(struct loop *loop, int fd, short revents, void *arg)
{
	struct termout *t = arg;

	write_some(t);
	if (!termout_busy(t) && t->drained)
		t->drained(t->arg);
}

void termout_flush(struct termout *t)
{
	off_t n = lseek(t->mem, 0, SEEK_CUR);
	ssize_t got;

	if (n <= 0)
		return;
	if (t->len + (size_t)n > t->cap) {
		size_t cap = t->len + (size_t)n;
		char *p = realloc(t->pend, cap);

		if (!p)
			return; /* left in the memory file for the next time */
		t->pend = p;
		t->cap = cap;
	}
	got = pread(t->mem, t->pend + t->len, (size_t)n, 0);
	if (lseek(t->mem, 0, SEEK_SET) < 0)
		return;
	if (got <= 0)
		return;
	if (t->rec)
		record_write(t->rec, t->pend + t->len, (size_t)got);
	t->len += (size_t)got;
	write_some(t);
}

bool termout_busy(const struct termout *t)
{
	return t->off < t->len;
}

FILE *termout_file(struct termout *t)
{
	return t->file;
}

/* A file description of our own: O_NONBLOCK on stdout's would be the
 * shell's too, and stay after we are gone. */
static int open_tty(bool *own)
{
	const char *name = ttyname(STDOUT_FILENO);
	int fd = name ? open(name,
			     O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) :
			-1;

	*own = fd >= 0;
	return fd >= 0 ? fd : STDOUT_FILENO;
}

struct termout *termout_open(struct loop *loop, struct record *rec,
			     void (*drained)(void *arg), void *arg, char *err,
			     size_t errlen)
{
	struct termout *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->loop = loop;
	t->rec = rec;
	t->drained = drained;
	t->arg = arg;
	t->mem = memfd_create("kmdash-screen", MFD_CLOEXEC);
	t->file = t->mem >= 0 ? fdopen(t->mem, "w") : NULL;
	if (!t->file) {
		snprintf(err, errlen, "cannot make the screen's buffer: %s",
			 strerror(errno));
		if (t->mem >= 0)
			close(t->mem);
		free(t);
		return NULL;
	}
	/* ncurses writes to the descriptor: no stdio buffer in between */
	setvbuf(t->file, NULL, _IONBF, 0);
	t->tty = open_tty(&t->own_tty);
	return t;
}

bool termout_drain(struct termout *t, int timeout_ms)
{
	int64_t end = loop_now_ms() + timeout_ms;

	termout_flush(t);
	while (termout_busy(t)) {
		struct pollfd p = { .fd = t->tty, .events = POLLOUT };
		int64_t left = end - loop_now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) < 0)
			return false;
		write_some(t);
	}
	return true;
}

void termout_close(struct termout *t, int timeout_ms)
{
	if (!t)
		return;
	termout_drain(t, timeout_ms);
	watch(t, false);
	fclose(t->file);
	if (t->own_tty)
		close(t->tty);
	free(t->pend);
	free(t);
}
