// SPDX-License-Identifier: GPL-2.0
/*
 * Session journal: one O_APPEND file per stream, opened on first use,
 * written with a single write(2) per call so nothing waits in a buffer.
 */
#include "core/base/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsdir.h"
#include "core/base/strutil.h"

/* While the disk is full, a write is tried again this often. */
#define RETRY_MS 1000

struct stream {
	int fd; /* -1: not open yet */
	int error; /* negative errno once disabled */
	char reason[256];
	/* The disk is full: writes are counted, not made, until one fits. */
	bool paused;
	bool cut; /* the write that found the disk full was cut short */
	int64_t paused_ms, tried_ms;
	uint64_t lost_writes, lost_bytes;
};

struct journal {
	char *dir;
	struct stream s[JOURNAL_NSTREAMS];
};

static const char *const names[JOURNAL_NSTREAMS] = {
	"console.raw", "build.log", "kmsg.log", "actions.log", "bench.jsonl",
};

const char *journal_stream_name(enum journal_stream s)
{
	return s < JOURNAL_NSTREAMS ? names[s] : "?";
}

const char *journal_dir(const struct journal *j)
{
	return j->dir;
}

static void safe_name(char *out, size_t cap, const char *in)
{
	size_t o = 0;

	for (size_t i = 0; in && in[i] && o + 1 < cap; i++) {
		char c = in[i];

		out[o++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '.') ?
				   c :
				   '_';
	}
	out[o] = '\0';
	if (!o || !strcmp(out, ".") || !strcmp(out, ".."))
		snprintf(out, cap, "target");
}

static char *base_dir(const struct journal_opts *o)
{
	return o->state_dir ? strdup(o->state_dir) : str_state_dir();
}

struct journal *journal_open(const struct journal_opts *opts, char *err,
			     size_t errlen)
{
	struct journal_opts o = opts ? *opts : (struct journal_opts){ 0 };
	char target[64], stamp[32], *base, *dir = NULL;
	struct journal *j;
	struct tm tm;
	int rc;

	base = base_dir(&o);
	if (!base) {
		snprintf(
			err, errlen,
			"journal: neither XDG_STATE_HOME nor HOME is set: no place for the session journal");
		return NULL;
	}
	safe_name(target, sizeof(target), o.target);
	if (!o.start)
		o.start = time(NULL);
	localtime_r(&o.start, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (asprintf(&dir, "%s/%s", base, target) < 0) {
		free(base);
		snprintf(err, errlen, "journal: out of memory");
		return NULL;
	}
	free(base);
	rc = fsdir_make(dir);
	if (rc) {
		snprintf(
			err, errlen,
			"journal: cannot create %s: %s (set XDG_STATE_HOME to a writable directory)",
			dir, strerror(-rc));
		free(dir);
		return NULL;
	}
	for (int i = 1; i < 1000; i++) {
		char *d = NULL;

		if ((i == 1 ? asprintf(&d, "%s/%s", dir, stamp) :
			      asprintf(&d, "%s/%s-%d", dir, stamp, i)) < 0)
			break;
		if (!mkdir(d, 0700)) {
			free(dir);
			j = calloc(1, sizeof(*j));
			if (!j) {
				free(d);
				snprintf(err, errlen, "journal: out of memory");
				return NULL;
			}
			j->dir = d;
			for (int s = 0; s < JOURNAL_NSTREAMS; s++)
				j->s[s].fd = -1;
			return j;
		}
		rc = -errno;
		free(d);
		if (rc != -EEXIST) {
			snprintf(
				err, errlen,
				"journal: cannot create a session directory in %s: %s",
				dir, strerror(-rc));
			free(dir);
			return NULL;
		}
	}
	snprintf(err, errlen, "journal: no free session name for %s in %s",
		 stamp, dir);
	free(dir);
	return NULL;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	for (int s = 0; s < JOURNAL_NSTREAMS; s++)
		if (j->s[s].fd >= 0)
			close(j->s[s].fd);
	free(j->dir);
	free(j);
}

static int disable(struct journal *j, enum journal_stream s, const char *what,
		   int e)
{
	struct stream *st = &j->s[s];

	st->error = -e;
	snprintf(st->reason, sizeof(st->reason),
		 "%s: %s: %s (journal stream disabled; see %s)", names[s], what,
		 strerror(e), j->dir);
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	return st->error;
}

static int stream_fd(struct journal *j, enum journal_stream s)
{
	struct stream *st = &j->s[s];
	char path[PATH_MAX];

	if (st->error)
		return st->error;
	if (st->fd >= 0)
		return st->fd;
	if (snprintf(path, sizeof(path), "%s/%s", j->dir, names[s]) >=
	    (int)sizeof(path))
		return disable(j, s, "cannot open", ENAMETOOLONG);
	st->fd = open(path,
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
		      0600);
	if (st->fd < 0)
		return disable(j, s, "cannot open", errno);
	return st->fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool disk_full(int e)
{
	return e == ENOSPC || e == EDQUOT;
}

/* What was not written, said where it would have been. */
static int resume_marker(const struct stream *st, enum journal_stream s,
			 char *buf, size_t cap)
{
	double secs = (double)(now_ms() - st->paused_ms) / 1000.0;

	if (s == JOURNAL_BENCH)
		return snprintf(
			buf, cap,
			"%s{\"type\":\"journal\",\"event\":\"resumed\",\"paused_s\":%.1f,\"lost_writes\":%llu,\"lost_bytes\":%llu}\n",
			st->cut ? "\n" : "", secs,
			(unsigned long long)st->lost_writes,
			(unsigned long long)st->lost_bytes);
	return snprintf(
		buf, cap,
		"%s-- journal: recording resumed: %llu writes (%llu bytes) lost while the disk was full for %.1f s --\n",
		st->cut ? "\n" : "", (unsigned long long)st->lost_writes,
		(unsigned long long)st->lost_bytes, secs);
}

/* The marker written: there is room, the stream records again. */
static bool try_resume(struct stream *st, enum journal_stream s)
{
	char marker[256];
	int n = resume_marker(st, s, marker, sizeof(marker));
	ssize_t w = 0;

	st->tried_ms = now_ms();
	if (n > 0 && (size_t)n < sizeof(marker))
		w = write(st->fd, marker, (size_t)n);
	if (w == n) {
		st->paused = st->cut = false;
		st->lost_writes = st->lost_bytes = 0;
		return true;
	}
	/* a marker cut short: the next one starts a new line */
	if (w > 0)
		st->cut = true;
	return false;
}

/*
 * Paused: the write is counted. Once a second the marker is tried: when
 * it fits, there is room again, and every paused stream (the same disk)
 * goes on after its marker, not only the ones written often.
 */
static bool still_full(struct journal *j, enum journal_stream s, size_t len)
{
	struct stream *st = &j->s[s];

	if (now_ms() - st->tried_ms >= RETRY_MS && try_resume(st, s)) {
		for (int o = 0; o < JOURNAL_NSTREAMS; o++)
			if (j->s[o].paused)
				try_resume(&j->s[o], (enum journal_stream)o);
		return false;
	}
	st->lost_writes++;
	st->lost_bytes += len;
	return true;
}

static int pause_stream(struct stream *st, size_t left, bool cut)
{
	st->paused = true;
	st->cut = cut;
	st->paused_ms = st->tried_ms = now_ms();
	st->lost_writes = 1;
	st->lost_bytes = left;
	return -ENOSPC;
}

/* One write(2); a regular file only writes short on errors. */
static int write_all(struct journal *j, enum journal_stream s, const char *p,
		     size_t len)
{
	struct stream *st;
	size_t total = len;
	int fd;

	if (!j || s >= JOURNAL_NSTREAMS)
		return -EINVAL;
	fd = stream_fd(j, s);
	if (fd < 0)
		return fd;
	st = &j->s[s];
	if (st->paused && still_full(j, s, len))
		return -ENOSPC;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && disk_full(errno))
			return pause_stream(st, len, len < total);
		if (n < 0)
			return disable(j, s, "write failed", errno);
		if (n == 0)
			return disable(j, s, "write failed", EIO);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int journal_write(struct journal *j, enum journal_stream s, const void *buf,
		  size_t len)
{
	return write_all(j, s, buf, len);
}

static int vline(struct journal *j, enum journal_stream s, const char *prefix,
		 const char *fmt, va_list ap)
{
	char small[1024], *buf = small;
	size_t plen = strlen(prefix);
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(small + plen, sizeof(small) - plen, fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return -EINVAL;
	}
	if ((size_t)n + plen + 1 >= sizeof(small)) {
		buf = malloc(plen + (size_t)n + 2);
		if (!buf) {
			va_end(ap2);
			return -ENOMEM;
		}
		vsnprintf(buf + plen, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	memcpy(buf, prefix, plen);
	buf[plen + (size_t)n] = '\n';
	rc = write_all(j, s, buf, plen + (size_t)n + 1);
	if (buf != small)
		free(buf);
	return rc;
}

int journal_printf(struct journal *j, enum journal_stream s, const char *fmt,
		   ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vline(j, s, "", fmt, ap);
	va_end(ap);
	return rc;
}

int journal_line(struct journal *j, enum journal_stream s, const char *text)
{
	return journal_printf(j, s, "%s", text);
}

int journal_action(struct journal *j, const char *fmt, ...)
{
	struct timeval tv;
	struct tm tm;
	char stamp[48];
	size_t n;
	va_list ap;
	int rc;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ld ",
		 (long)(tv.tv_usec / 1000));
	va_start(ap, fmt);
	rc = vline(j, JOURNAL_ACTIONS, stamp, fmt, ap);
	va_end(ap);
	return rc;
}

bool journal_full(const struct journal *j)
{
	for (int s = 0; j && s < JOURNAL_NSTREAMS; s++)
		if (j->s[s].paused)
			return true;
	return false;
}

const char *journal_error(const struct journal *j, enum journal_stream s)
{
	if (!j || s >= JOURNAL_NSTREAMS || !j->s[s].error)
		return NULL;
	return j->s[s].reason;
}
