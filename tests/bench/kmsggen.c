// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for `cat /dev/kmsg` during a kernel-log flood, for the bench
 * scripts (run by a loopback sshd's ForceCommand): writes COUNT records in
 * /dev/kmsg format, "6,SEQ,USEC,-;text", paced at RATE per second (0: as
 * fast as the reader takes them), then a last "kmsggen end" record, and
 * stays until the reader goes away (as cat would; an hour at most). A reader that cannot
 * keep up blocks the writes, so the achieved rate is the reader's; the
 * report in REPORT (one line: start time, seconds, records, records/s,
 * the most the writer fell behind its schedule in ms) says so. A reader
 * that goes away in the middle (killed) ends it early: the report then
 * counts the records written whole before (the fault tests compare a
 * journal with it), and says "gone" at the end of its line.
 *
 *   kmsggen RATE COUNT REPORT
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void report(const char *path, double wall0, int64_t t0, uint64_t records,
		   int64_t late_max, bool gone)
{
	double secs = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f, "%.6f %.3f %llu %.0f %.1f%s\n", wall0, secs,
		(unsigned long long)records, (double)records / secs,
		(double)late_max / 1e6, gone ? " gone" : "");
	fclose(f);
}

int main(int argc, char **argv)
{
	/* 100 records per batch: a batch every ms at 100k/s */
	static char buf[100 * 160];
	double rate, wall0;
	uint64_t count, seq = 0;
	int64_t t0, late_max = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: kmsggen RATE COUNT REPORT\n");
		return 2;
	}
	/* a reader's hangup is a failed write, counted, not our death */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	rate = atof(argv[1]);
	count = strtoull(argv[2], NULL, 10);
	wall0 = (double)now_ns(CLOCK_REALTIME) / 1e9;
	t0 = now_ns(CLOCK_MONOTONIC);
	while (seq < count) {
		size_t len = 0;
		int64_t due, late;
		uint64_t whole = seq; /* written before this batch */

		for (int i = 0; i < 100 && seq < count; i++, seq++) {
			int64_t us = (now_ns(CLOCK_MONOTONIC) - t0) / 1000;

			len += (size_t)snprintf(
				buf + len, sizeof(buf) - len,
				"6,%llu,%lld,-;kmsgflood: record %llu of the benchmark flood, some text of a typical length\n",
				(unsigned long long)seq + 1, (long long)us,
				(unsigned long long)seq + 1);
		}
		if (write_all(buf, len) < 0) {
			/* the batch may be half out: only those before it */
			report(argv[3], wall0, t0, whole, late_max, true);
			return 1;
		}
		if (rate <= 0)
			continue;
		due = t0 + (int64_t)((double)seq * 1e9 / rate);
		late = now_ns(CLOCK_MONOTONIC) - due;
		if (late > late_max)
			late_max = late;
		if (late < 0) {
			struct timespec ts = { .tv_sec = due / 1000000000,
					       .tv_nsec = due % 1000000000 };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		}
	}
	{
		double secs = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
		int n = snprintf(buf, sizeof(buf),
				 "6,%llu,%lld,-;kmsggen end\n",
				 (unsigned long long)count + 1,
				 (long long)(secs * 1e6));

		if (write_all(buf, (size_t)n) < 0)
			return 1;
		report(argv[3], wall0, t0, count, late_max, false);
	}
	/* Like cat /dev/kmsg: no end of the stream; the reader stops us. */
	for (int i = 0; i < 3600; i++) {
		struct pollfd p = { .fd = STDOUT_FILENO };

		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
			break;
	}
	return 0;
}
