// SPDX-License-Identifier: GPL-2.0
/*
 * Ring of lines: a circular array of slots, each owning its own copy of the
 * text. One allocation per line keeps eviction O(1) and lets lines of any
 * length share the byte budget.
 */
#include "core/base/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ring {
	struct ring_line *slots;
	size_t cap; /* = max_lines */
	size_t head; /* slot of the oldest line */
	size_t count;
	size_t bytes;
	size_t max_bytes;
	uint64_t first_seq;
};

struct ring *ring_new(size_t max_lines, size_t max_bytes)
{
	struct ring *ring;

	if (!max_lines || !max_bytes)
		return NULL;
	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return NULL;
	ring->slots = calloc(max_lines, sizeof(*ring->slots));
	if (!ring->slots) {
		free(ring);
		return NULL;
	}
	ring->cap = max_lines;
	ring->max_bytes = max_bytes;
	return ring;
}

static void evict_oldest(struct ring *ring)
{
	struct ring_line *l = &ring->slots[ring->head];

	ring->bytes -= l->len;
	free((char *)l->text);
	*l = (struct ring_line){ 0 };
	ring->head = (ring->head + 1) % ring->cap;
	ring->count--;
	ring->first_seq++;
}

void ring_clear(struct ring *ring)
{
	while (ring->count)
		evict_oldest(ring);
}

void ring_free(struct ring *ring)
{
	if (!ring)
		return;
	ring_clear(ring);
	free(ring->slots);
	free(ring);
}

int ring_push(struct ring *ring, const char *text, size_t len, uint32_t tag)
{
	char *copy;

	if (len > ring->max_bytes)
		len = ring->max_bytes;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';

	while (ring->count && (ring->count == ring->cap ||
			       ring->bytes + len > ring->max_bytes))
		evict_oldest(ring);
	ring->slots[(ring->head + ring->count) % ring->cap] =
		(struct ring_line){ .text = copy,
				    .len = (uint32_t)len,
				    .tag = tag };
	ring->count++;
	ring->bytes += len;
	return 0;
}

size_t ring_count(const struct ring *ring)
{
	return ring->count;
}

size_t ring_bytes(const struct ring *ring)
{
	return ring->bytes;
}

uint64_t ring_first_seq(const struct ring *ring)
{
	return ring->first_seq;
}

uint64_t ring_end_seq(const struct ring *ring)
{
	return ring->first_seq + ring->count;
}

uint64_t ring_evicted(const struct ring *ring)
{
	return ring->first_seq;
}

static struct ring_line *slot(const struct ring *ring, uint64_t seq)
{
	if (seq < ring->first_seq || seq >= ring->first_seq + ring->count)
		return NULL;
	return &ring->slots[(ring->head + (seq - ring->first_seq)) % ring->cap];
}

const struct ring_line *ring_get(const struct ring *ring, uint64_t seq)
{
	return slot(ring, seq);
}

void ring_set_tag(struct ring *ring, uint64_t seq, uint32_t tag)
{
	struct ring_line *l = slot(ring, seq);

	if (l)
		l->tag = tag;
}
