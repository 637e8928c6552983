/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A queue of requests served one at a time, whose head may be in flight:
 * the commands of the remote shell (core/ssh/rshell.c) and the uploads of
 * the SFTP channel (core/ssh/sftp.c). A request embeds a struct reqq_item
 * (<sys/queue.h>'s TAILQ, as tmux uses it). Cancel is the same for both:
 * a waiting request is freed, the one in flight is only marked, because
 * its answer is still coming and must be read, then ignored.
 */
#ifndef KMDASH_REQQ_H
#define KMDASH_REQQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>

struct reqq_item {
	TAILQ_ENTRY(reqq_item) entry;
	bool cancelled; /* no callback; the head finishes first */
};

struct reqq_ops {
	/* A request failed as a whole (never called for a cancelled one). */
	void (*fail)(struct reqq_item *it, const char *msg);
	void (*free)(struct reqq_item *it);
};

struct reqq {
	TAILQ_HEAD(, reqq_item) items;
	const struct reqq_ops *ops;
};

/* The request that embeds item p as member m. */
#define reqq_entry(p, type, m) ((type *)((char *)(p)-offsetof(type, m)))

void reqq_init(struct reqq *q, const struct reqq_ops *ops);
void reqq_push(struct reqq *q, struct reqq_item *it);
/* The oldest request, NULL when none; pop also unlinks it. */
struct reqq_item *reqq_head(const struct reqq *q);
struct reqq_item *reqq_pop(struct reqq *q);

/*
 * The head in flight (head_busy) is only marked cancelled (true: the owner
 * may have to hurry it along); any other request of q is unlinked and
 * freed. One no longer in q (finished, or dropped with the queue) is left
 * alone, so a caller may cancel what it still holds without knowing
 * whether it ended silently.
 */
bool reqq_cancel(struct reqq *q, struct reqq_item *it, bool head_busy);

/*
 * Empties q: each request fails with msg (silently with msg NULL) and is
 * freed. A request queued from inside a fail callback stays queued.
 */
void reqq_fail_all(struct reqq *q, const char *msg);

#endif
