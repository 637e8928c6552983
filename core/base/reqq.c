// SPDX-License-Identifier: GPL-2.0
/* The request queue with cancel: see reqq.h. */
#include "core/base/reqq.h"

void reqq_init(struct reqq *q, const struct reqq_ops *ops)
{
	TAILQ_INIT(&q->items);
	q->ops = ops;
}

void reqq_push(struct reqq *q, struct reqq_item *it)
{
	it->cancelled = false;
	TAILQ_INSERT_TAIL(&q->items, it, entry);
}

struct reqq_item *reqq_head(const struct reqq *q)
{
	return TAILQ_FIRST(&q->items);
}

struct reqq_item *reqq_pop(struct reqq *q)
{
	struct reqq_item *it = TAILQ_FIRST(&q->items);

	if (it)
		TAILQ_REMOVE(&q->items, it, entry);
	return it;
}

bool reqq_cancel(struct reqq *q, struct reqq_item *it, bool head_busy)
{
	struct reqq_item *cur;

	for (cur = TAILQ_FIRST(&q->items); cur; cur = TAILQ_NEXT(cur, entry)) {
		if (cur != it)
			continue;
		if (it == TAILQ_FIRST(&q->items) && head_busy) {
			it->cancelled = true;
			return true;
		}
		TAILQ_REMOVE(&q->items, it, entry);
		q->ops->free(it);
		return false;
	}
	return false;
}

void reqq_fail_all(struct reqq *q, const char *msg)
{
	TAILQ_HEAD(, reqq_item) gone = TAILQ_HEAD_INITIALIZER(gone);
	const struct reqq_ops *ops = q->ops;
	struct reqq_item *it;

	/* Taken out first: a callback may queue anew, or free the owner. */
	TAILQ_CONCAT(&gone, &q->items, entry);
	while ((it = TAILQ_FIRST(&gone))) {
		TAILQ_REMOVE(&gone, it, entry);
		if (msg && !it->cancelled)
			ops->fail(it, msg);
		ops->free(it);
	}
}
