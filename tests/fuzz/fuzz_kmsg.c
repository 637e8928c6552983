// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel log: `cat /dev/kmsg` (or `dmesg -r`, or garbage) as it
 * arrives over SSH, in any split, into the record parser, the replay and
 * reboot logic and the oops/BUG/WARNING block detector of
 * core/module/kmsg.c; and its lines added as the serial console's and
 * the decoder's are (kmsg_add_line).
 *
 * Input: a mode byte, a split byte, then the stream. The mode picks a
 * small ring (evictions), a second pass of the same stream after a
 * restart (the reconnect replay), boot ids and the added lines. Every
 * record held must be safe for a terminal, as kmsg.h promises.
 */
#include <string.h>

#include "core/module/kmsg.h"
#include "tests/fuzz/fuzz.h"

enum {
	SMALL_RING = 1 << 0,
	SMALL_BYTES = 1 << 1,
	REPLAY = 1 << 2,
	BOOT_ID = 1 << 3,
	NO_MODULE = 1 << 4,
	ADD_LINES = 1 << 5,
};

/* Lines kmsg_add_line() gets per input, at most. */
#define ADDED_MAX 64

static void feed(const void *piece, size_t len, void *arg)
{
	kmsg_feed(arg, piece, len);
}

static void check_record(const struct kmsg_record *rec, void *arg)
{
	bool whole = *(const bool *)arg;

	fuzz_assert(rec->text[rec->len] == '\0', "record text NUL-terminated");
	fuzz_assert(fuzz_text_safe(rec->text, rec->len, whole),
		    "kmsg record text is safe for a terminal");
}

static void walk(struct kmsg *k, bool whole)
{
	char line[256];
	struct kmsg_record rec;

	for (uint64_t pos = kmsg_first(k); pos < kmsg_end(k); pos++) {
		if (!kmsg_get(k, pos, &rec))
			continue;
		check_record(&rec, &whole);
		kmsg_format(&rec, line, sizeof(line));
	}
}

/* Each line as a console line or a decoded note, as crash.c adds them. */
static void add_lines(struct kmsg *k, const uint8_t *data, size_t n)
{
	const char *p = (const char *)data, *end = p + n;

	for (int i = 0; p < end && i < ADDED_MAX; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		uint64_t pos = kmsg_add_line(
			k, i & 1 ? KMSG_F_DECODED : KMSG_F_CONSOLE,
			i & 2 ? -1 : (int64_t)i * 1000, len ? p[0] : 0, p, len);

		fuzz_assert(pos + 1 == kmsg_end(k),
			    "kmsg_add_line returns the line's position");
		p += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_take(&in), split = fuzz_take(&in);
	struct kmsg_opts opts = {
		.max_records = mode & SMALL_RING ? 16 : 0,
		.max_bytes = mode & SMALL_BYTES ? 2048 : 0,
		.module = mode & NO_MODULE ? NULL : "storage_hash",
	};
	/* a byte cap may cut a record inside a UTF-8 sequence */
	bool whole = !(mode & SMALL_BYTES);
	struct kmsg *k = kmsg_new(&opts);
	const struct kmsg_stats *st;
	uint64_t levels = 0;

	fuzz_assert(k != NULL, "kmsg_new");
	kmsg_on_record(k, check_record, &whole);
	if (mode & BOOT_ID)
		kmsg_set_boot_id(k, "boot-1");
	fuzz_split(in.p, in.n, split & 0x7f, split, feed, k);
	if (mode & REPLAY) {
		/* the follower reconnects mid-line and cat replays it all */
		kmsg_restart(k);
		if (mode & BOOT_ID)
			kmsg_set_boot_id(k, split & 0x80 ? "boot-2" : "boot-1");
		fuzz_split(in.p, in.n, split & 0x0f, split + 1, feed, k);
	}
	kmsg_flush(k);
	if (mode & ADD_LINES)
		add_lines(k, in.p, in.n);
	walk(k, whole);

	st = kmsg_stats(k);
	for (int i = 0; i < 8; i++)
		levels += st->by_level[i];
	fuzz_assert(levels == st->records, "records counted by level");
	fuzz_assert(!st->has_oops || st->last_oops_kind != KMSG_BLOCK_WARNING,
		    "a WARNING is no oops to jump to");
	kmsg_free(k);
	return 0;
}
