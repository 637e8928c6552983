/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host name resolution that does not stop the loop. getaddrinfo() blocks
 * for as long as the resolver waits: a board's "raspberrypi.local" that is
 * switched off holds mDNS for seconds, a dead DNS server for 5 s per try,
 * and the dashboard must go on drawing meanwhile. Names run in a thread of
 * their own; numeric addresses answer from the loop at once.
 */
#ifndef KMDASH_RESOLVE_H
#define KMDASH_RESOLVE_H

#include <netdb.h>

struct loop;
struct resolve;

/*
 * rc is getaddrinfo()'s (0 or EAI_*); on 0, ai is the caller's to
 * freeaddrinfo(). Always called from the loop, never from
 * resolve_start() itself.
 */
typedef void (*resolve_fn)(void *arg, struct addrinfo *ai, int rc);

/* NULL when out of resources (errno set). */
struct resolve *resolve_start(struct loop *loop, const char *host,
			      const char *port, const struct addrinfo *hints,
			      resolve_fn fn, void *arg);

/*
 * fn will not be called. A lookup still running in its thread is left to
 * end there and frees what it finds.
 */
void resolve_cancel(struct resolve *r);

#endif
