// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal side of tests/bench/tui.sh: runs a program on a pty of a
 * given size, drains what it writes (as a fast terminal would) and
 * measures:
 *   first   ms until MARKER first appears in the output
 *   stream  after MARKER, runs FEED (a shell command) and counts the bytes
 *           written until END appears; prints "bytes ms"
 *   latency after MARKER, N times: writes KEY, times until RESP appears,
 *           writes CLOSE; prints the p50 and p99 in ms
 *   idle    after MARKER, SECS seconds of nothing; prints the child's CPU
 *           time in that window as a percentage of one core
 * Then writes QUIT and reaps the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int master;
static pid_t child;
static char tail[512];
static size_t ntail;
static unsigned long long total;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Reads for at most ms; true once marker was seen in the output. */
static int pump(const char *marker, double ms)
{
	double end = now_ms() + ms;
	char buf[65536 + 512];

	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		double left = end - now_ms();
		ssize_t n;

		if (left < 0)
			return 0;
		if (poll(&p, 1, (int)left + 1) <= 0)
			continue;
		n = read(master, buf + ntail, 65536);
		if (n <= 0)
			return 0;
		total += (unsigned long long)n;
		memcpy(buf, tail, ntail);
		n += (ssize_t)ntail;
		if (marker && memmem(buf, (size_t)n, marker, strlen(marker))) {
			ntail = 0;
			return 1;
		}
		ntail = (size_t)n < sizeof(tail) ? (size_t)n : sizeof(tail);
		memcpy(tail, buf + n - (ssize_t)ntail, ntail);
	}
}

static double cpu_s(void)
{
	char path[64], line[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(line, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct winsize ws = { 24, 80, 0, 0 };
	const char *mode, *marker, *a1 = "", *a2 = "", *a3 = "";
	double t0;
	int n = 50, i = 1, status;

	if (argc < 6) {
		fprintf(stderr,
			"usage: ptyrun COLS ROWS MODE MARKER [ARGS] -- CMD...\n");
		return 2;
	}
	ws.ws_col = (unsigned short)atoi(argv[i++]);
	ws.ws_row = (unsigned short)atoi(argv[i++]);
	mode = argv[i++];
	marker = argv[i++];
	if (strcmp(argv[i], "--"))
		a1 = argv[i++];
	if (strcmp(argv[i], "--"))
		a2 = argv[i++];
	if (strcmp(argv[i], "--"))
		a3 = argv[i++];
	if (strcmp(argv[i], "--"))
		n = atoi(argv[i++]);
	i++;
	t0 = now_ms();
	child = forkpty(&master, NULL, NULL, &ws);
	if (child == 0) {
		execvp(argv[i], argv + i);
		_exit(127);
	}
	if (!pump(marker, 20000)) {
		fprintf(stderr, "ptyrun: '%s' never appeared\n", marker);
		kill(child, SIGKILL);
		return 1;
	}
	if (!strcmp(mode, "first")) {
		printf("%.1f\n", now_ms() - t0);
	} else if (!strcmp(mode, "stream")) {
		pump(NULL, 300); /* settle */
		total = 0;
		t0 = now_ms();
		if (fork() == 0) {
			execl("/bin/sh", "sh", "-c", a1, (char *)NULL);
			_exit(127);
		}
		if (!pump(a2, 120000))
			fprintf(stderr, "ptyrun: '%s' never appeared\n", a2);
		printf("%llu %.0f\n", total, now_ms() - t0);
	} else if (!strcmp(mode, "latency")) {
		double *lat = calloc((size_t)n, sizeof(double));

		pump(NULL, 3000); /* settle: the link, the log backlog */

		for (int k = 0; k < n; k++) {
			double s;

			pump(NULL, 50);
			s = now_ms();
			if (write(master, a1, strlen(a1)) < 0)
				break;
			if (!pump(a2, 5000)) {
				fprintf(stderr, "ptyrun: no '%s'\n", a2);
				lat[k] = 5000;
			} else {
				lat[k] = now_ms() - s;
			}
			if (write(master, a3, strlen(a3)) < 0)
				break;
		}
		qsort(lat, (size_t)n, sizeof(double), cmp);
		printf("%.1f %.1f\n", lat[n / 2], lat[(n * 99 + 99) / 100 - 1]);
	} else if (!strcmp(mode, "idle")) {
		double secs = atof(a1), c0, c1;

		pump(NULL, 5000); /* settle: the first frames, the link */
		c0 = cpu_s();
		t0 = now_ms();
		pump(NULL, secs * 1000);
		c1 = cpu_s();
		printf("%.3f\n", (c1 - c0) * 100000.0 / (now_ms() - t0));
	}
	if (write(master, "q", 1) < 0)
		perror("write");
	for (int k = 0; k < 300; k++) {
		pump(NULL, 10);
		if (waitpid(child, &status, WNOHANG) == child)
			return 0;
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return 0;
}
