// SPDX-License-Identifier: GPL-2.0
/*
 * stdout and stderr through the terminal-safe rule: fopencookie streams
 * over the same file descriptors. A character split between two writes
 * waits for its end; bytes that never complete one are escaped at close.
 */
#include "cli/termguard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/termsafe.h"

#define CHUNK 4096

struct guard {
	int fd;
	size_t nheld;
	char held[4]; /* the start of a character the next write completes */
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t guard_write(void *cookie, const char *buf, size_t size)
{
	struct guard *g = cookie;
	char in[CHUNK + sizeof(g->held)], out[TERMSAFE_MAX(sizeof(in))];
	size_t done = 0;

	while (done < size) {
		size_t take = size - done < CHUNK ? size - done : CHUNK;
		size_t n = g->nheld + take, ok;

		memcpy(in, g->held, g->nheld);
		memcpy(in + g->nheld, buf + done, take);
		done += take;
		ok = termsafe_complete(in, n);
		g->nheld = n - ok;
		memcpy(g->held, in + ok, g->nheld);
		if (write_all(g->fd, out,
			      termsafe_escape(in, ok, TERMSAFE_NEWLINE, out)) <
		    0)
			return -1;
	}
	return (ssize_t)size;
}

/* Bytes held for a character that never came: escaped, at the end. */
static int guard_drain(struct guard *g)
{
	char out[TERMSAFE_MAX(sizeof(g->held))];
	size_t n = termsafe_escape(g->held, g->nheld, 0, out);

	g->nheld = 0;
	return write_all(g->fd, out, n);
}

static int guard_close(void *cookie)
{
	int rc = guard_drain(cookie);

	free(cookie);
	return rc;
}

/* exit() flushes the streams but closes none: the last bytes, then. */
static struct guard *installed[2];

static void drain_at_exit(void)
{
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 2; i++)
		if (installed[i])
			guard_drain(installed[i]);
}

static FILE *guard_open(int fd, int mode, struct guard **gp)
{
	cookie_io_functions_t io = { .write = guard_write,
				     .close = guard_close };
	struct guard *g = calloc(1, sizeof(*g));
	FILE *f;

	if (!g)
		return NULL;
	g->fd = fd;
	f = fopencookie(g, "w", io);
	if (!f) {
		free(g);
		return NULL;
	}
	setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
	*gp = g;
	return f;
}

int termguard_install(void)
{
	/* a terminal sees each line as it comes, as stdio would show it */
	struct guard *g[2] = { NULL, NULL };
	FILE *out = guard_open(STDOUT_FILENO,
			       isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, &g[0]);
	FILE *err = guard_open(STDERR_FILENO, _IONBF, &g[1]);

	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		return -ENOMEM;
	}
	fflush(stdout);
	fflush(stderr);
	stdout = out;
	stderr = err;
	installed[0] = g[0];
	installed[1] = g[1];
	atexit(drain_at_exit);
	return 0;
}

void termguard_ctl(const char *seq)
{
	fflush(stdout);
	write_all(STDOUT_FILENO, seq, strlen(seq));
}
