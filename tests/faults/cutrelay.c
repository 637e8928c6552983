// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP relay the fault tests cut: listens on 127.0.0.1:PORT, relays each
 * connection to 127.0.0.1:TO (as a reverse tunnel's port relays to the
 * board). On SIGUSR1 it reads a byte count from CUTFILE and, once that
 * many more bytes went from the clients to the server, resets every
 * connection it relays (0: at once): a link that drops in the middle of
 * an upload, at a chosen byte. It keeps listening, so a reconnect works.
 * Each cut is logged on stderr as "cut after N bytes".
 *
 *   cutrelay PORT TO CUTFILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAIRS 16

struct pair {
	int client, server;
};

static struct pair pairs[MAX_PAIRS];
static int npairs;
static long long armed = -1; /* bytes still to relay upstream; -1: none */
static long long upstream; /* since the arming, for the log */

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A reset, as a link that drops says it (no orderly FIN). */
static void hard_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void drop(int i, bool reset)
{
	if (reset) {
		hard_close(pairs[i].client);
		hard_close(pairs[i].server);
	} else {
		close(pairs[i].client);
		close(pairs[i].server);
	}
	pairs[i] = pairs[--npairs];
}

static void cut_all(void)
{
	fprintf(stderr, "cut after %lld bytes\n", upstream);
	while (npairs)
		drop(0, true);
	armed = -1;
}

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

/* Moves what is there from one side to the other; -1 when it ended. */
static int relay(int from, int to, bool up)
{
	char buf[65536];
	size_t want = sizeof(buf);
	ssize_t n;

	if (up && armed >= 0 && (long long)want > armed)
		want = (size_t)armed;
	if (!want)
		return 0;
	n = read(from, buf, want);
	if (n <= 0)
		return -1;
	if (write_all(to, buf, (size_t)n) < 0)
		return -1;
	if (up) {
		upstream += n;
		if (armed >= 0)
			armed -= n;
	}
	return 0;
}

static void arm(const char *path)
{
	FILE *f = fopen(path, "r");
	long long n = 0;

	if (!f || fscanf(f, "%lld", &n) != 1 || n < 0)
		n = 0;
	if (f)
		fclose(f);
	armed = n;
	upstream = 0;
	if (!armed)
		cut_all();
}

int main(int argc, char **argv)
{
	struct pollfd p[2 + 2 * MAX_PAIRS];
	sigset_t mask;
	int lfd, sfd;

	if (argc != 4) {
		fprintf(stderr, "usage: cutrelay PORT TO CUTFILE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	lfd = listen_on(atoi(argv[1]));
	if (lfd < 0 || sfd < 0) {
		perror("cutrelay");
		return 1;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	for (;;) {
		int n = 0, polled = npairs;

		p[n++] = (struct pollfd){ lfd, POLLIN, 0 };
		p[n++] = (struct pollfd){ sfd, POLLIN, 0 };
		for (int i = 0; i < npairs; i++) {
			p[n++] = (struct pollfd){ pairs[i].client, POLLIN, 0 };
			p[n++] = (struct pollfd){ pairs[i].server, POLLIN, 0 };
		}
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				arm(argv[3]);
			continue; /* the pairs may be gone */
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int s = c >= 0 && npairs < MAX_PAIRS ?
					connect_to(atoi(argv[2])) :
					-1;

			if (s >= 0) {
				pairs[npairs++] = (struct pair){ c, s };
			} else if (c >= 0) {
				close(c);
			}
		}
		/* downwards: drop() moves the last pair into the hole */
		for (int i = polled - 1; i >= 0; i--) {
			short up = p[2 + 2 * i].revents;
			short down = p[3 + 2 * i].revents;

			if (i >= npairs)
				continue;
			if (((up & (POLLIN | POLLHUP | POLLERR)) &&
			     relay(pairs[i].client, pairs[i].server, true) <
				     0) ||
			    ((down & (POLLIN | POLLHUP | POLLERR)) &&
			     relay(pairs[i].server, pairs[i].client, false) <
				     0)) {
				drop(i, false);
				continue;
			}
			if (armed == 0) {
				cut_all();
				break;
			}
		}
	}
}
