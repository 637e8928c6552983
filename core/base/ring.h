/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded ring of text lines (logs, scrollback). Both a line count and a
 * byte cap hold: pushing past either evicts the oldest lines, so memory
 * stays flat however long a session runs. Lines are addressed by a
 * sequence number that keeps counting across evictions, which lets a view
 * remember its position while the ring moves underneath.
 */
#ifndef KMDASH_RING_H
#define KMDASH_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring;

struct ring_line {
	const char *text; /* NUL-terminated; len bytes before the NUL */
	uint32_t len;
	uint32_t tag; /* caller's meaning: a log level, a line kind, ... */
};

struct ring *ring_new(size_t max_lines, size_t max_bytes);
void ring_free(struct ring *ring);

/* Copies len bytes; a line longer than max_bytes is cut to fit. */
int ring_push(struct ring *ring, const char *text, size_t len, uint32_t tag);
void ring_clear(struct ring *ring);

size_t ring_count(const struct ring *ring);
size_t ring_bytes(const struct ring *ring);
/* Sequence number of the oldest line still held, and one past the newest. */
uint64_t ring_first_seq(const struct ring *ring);
uint64_t ring_end_seq(const struct ring *ring);
/* Lines evicted so far. */
uint64_t ring_evicted(const struct ring *ring);

/* The line with sequence number seq, or NULL if evicted or not yet pushed. */
const struct ring_line *ring_get(const struct ring *ring, uint64_t seq);
/* Rewrites the tag of a held line (e.g. a diagnostic found later). */
void ring_set_tag(struct ring *ring, uint64_t seq, uint32_t tag);

#endif
