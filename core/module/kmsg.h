/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target's kernel log: a parser for the byte stream of `cat /dev/kmsg`
 * read over an SSH PTY channel (CRLF line ends, lines split across reads)
 * and a model of the records, held in a bounded ring.
 *
 *   /dev/kmsg:  PRI,SEQ,USEC,FLAGS[,...];text     (level = PRI & 7,
 *               " KEY=value" dictionary lines      facility = PRI >> 3)
 *   dmesg -r:   <PRI>[ SEC.USEC] text              (the fallback)
 *
 * The follower restarts `cat /dev/kmsg` after a reconnect and the kernel
 * replays its whole buffer: records already seen (same seq, same time and
 * text) are dropped; a jump in seq inserts a "N messages lost" marker; the
 * same seq with another time or text means the target rebooted: a "target
 * rebooted" marker, then the new boot's records. kmsg_set_boot_id() is the
 * sure way to tell a reboot (e.g. /proc/sys/kernel/random/boot_id read on
 * reconnect); without it a reboot is found as soon as a replayed record
 * differs from the one remembered (the last 4096 are).
 *
 * Oops / BUG / WARNING / panic blocks (from their first line to
 * "---[ end ...") and the module's own lines are flagged and counted.
 * Anything unparsable is kept as a raw record and counted, never dropped.
 * Text is made safe for a terminal: the kernel's \xNN escapes are decoded,
 * then core/base/termsafe.h's rule writes every byte that is no printable
 * character (controls, C1, invalid UTF-8) as \xNN.
 */
#ifndef KMDASH_KMSG_H
#define KMDASH_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kmsg_flag {
	KMSG_F_RAW = 1u << 0, /* an unparsable line, kept as text */
	KMSG_F_LOST = 1u << 1, /* marker: messages lost (seq gap) */
	KMSG_F_REBOOT = 1u << 2, /* marker: the target rebooted */
	KMSG_F_OOPS = 1u << 3, /* inside an oops/BUG/WARNING/panic block */
	KMSG_F_OOPS_START = 1u << 4, /* the first line of such a block */
	KMSG_F_MODULE = 1u << 5, /* "MODULE: ..." of the watched module */
	KMSG_F_TAINT = 1u << 6, /* an out-of-tree/unsigned module taints */
	KMSG_F_CONT = 1u << 7, /* the kernel's continuation flag (c or +) */
	KMSG_F_NOSEQ = 1u << 8, /* from dmesg -r: no sequence number */
	KMSG_F_TRUNCATED = 1u << 9, /* longer than KMSG_MAX_LINE, cut */
	/* kmdash's decode of the trace above it (file:line of a frame) */
	KMSG_F_DECODED = 1u << 10,
	/* a kernel line that only the serial console showed (a panic) */
	KMSG_F_CONSOLE = 1u << 11,
	/* kmdash's own mark in the log ("kmdash: mark 3"): not shown */
	KMSG_F_OWN = 1u << 12,
};
#define KMSG_F_MARKER (KMSG_F_LOST | KMSG_F_REBOOT)

/* Longest line kept; the kernel's own limit is 1 KiB per record. */
#define KMSG_MAX_LINE 8192

enum kmsg_block {
	KMSG_BLOCK_NONE = 0,
	KMSG_BLOCK_OOPS,
	KMSG_BLOCK_BUG,
	KMSG_BLOCK_WARNING,
	KMSG_BLOCK_PANIC,
};

struct kmsg_record {
	uint64_t pos; /* position in the model: stable while held */
	uint64_t seq; /* the kernel's sequence number; 0 without one */
	int64_t usec; /* kernel timestamp; -1 without one */
	uint8_t level; /* 0 emerg .. 7 debug */
	uint8_t facility; /* 0 kern, 1 user, ... */
	uint32_t flags; /* enum kmsg_flag */
	const char *text; /* display text, NUL-terminated */
	size_t len;
};

struct kmsg_stats {
	uint64_t records; /* accepted (markers not counted) */
	uint64_t by_level[8];
	uint64_t raw; /* garbage lines kept as raw records */
	uint64_t duplicates; /* replayed records dropped */
	uint64_t lost; /* messages lost in seq gaps */
	uint64_t reboots;
	uint64_t dict_lines; /* dictionary lines (" KEY=value") seen */
	uint64_t truncated;
	uint64_t oopses, bugs, warnings, panics;
	uint64_t module_lines, taints;
	/* the last oops/BUG/panic block (not WARNING), to jump to */
	bool has_oops;
	uint64_t last_oops_pos;
	uint64_t last_oops_seq;
	enum kmsg_block last_oops_kind;
};

struct kmsg_opts {
	size_t max_records; /* 0: 20000 */
	size_t max_bytes; /* 0: 4 MiB */
	const char *module; /* module name whose "NAME:" lines are flagged */
};

struct kmsg;

typedef void (*kmsg_record_fn)(const struct kmsg_record *rec, void *arg);

struct kmsg *kmsg_new(const struct kmsg_opts *opts);
void kmsg_free(struct kmsg *k);
int kmsg_set_module(struct kmsg *k, const char *name);
/* Called for every record added (markers included), e.g. the journal. */
void kmsg_on_record(struct kmsg *k, kmsg_record_fn fn, void *arg);

/* Bytes as they arrive; any split, any content. */
void kmsg_feed(struct kmsg *k, const void *buf, size_t len);
/* The stream ended: a last line without a newline counts too. */
void kmsg_flush(struct kmsg *k);
/*
 * A line that did not come from the log stream: KMSG_F_CONSOLE, a kernel
 * line read off the serial console (classified like a record: it may be a
 * panic's), or KMSG_F_DECODED, kmdash's own note under a trace (neither
 * counted nor classified). No sequence number; the text is made safe like
 * any record's. Returns its position.
 */
uint64_t kmsg_add_line(struct kmsg *k, uint32_t flags, int64_t usec, int level,
		       const char *text, size_t len);
/* The follower starts a new `cat`: forget a partial line. */
void kmsg_restart(struct kmsg *k);
/*
 * The target's boot id, read on (re)connect. A different one than before
 * marks a reboot and accepts the new boot's replay as new. Returns 1 if a
 * reboot was recorded, 0 if not, -ENOMEM.
 */
int kmsg_set_boot_id(struct kmsg *k, const char *boot_id);

uint64_t kmsg_first(const struct kmsg *k);
uint64_t kmsg_end(const struct kmsg *k); /* one past the newest */
/* The record at pos; false if evicted or not yet there. */
bool kmsg_get(const struct kmsg *k, uint64_t pos, struct kmsg_record *out);
const struct kmsg_stats *kmsg_stats(const struct kmsg *k);
/* true once after each change: the view redraws. */
bool kmsg_take_dirty(struct kmsg *k);

const char *kmsg_level_name(int level);
/*
 * Terminal-safe text: with kernel_escapes, /dev/kmsg's "\xNN" are decoded
 * first; then termsafe_escape() (core/base/termsafe.h). out must hold
 * 4 * n bytes (no NUL is added). Returns the length written.
 */
size_t kmsg_sanitize(const char *in, size_t n, bool kernel_escapes, char *out);
/*
 * One line for the journal (no newline): "[   12.345678] err    #42 text",
 * markers as "-- 3 messages lost --". Returns the length as snprintf.
 */
int kmsg_format(const struct kmsg_record *rec, char *buf, size_t cap);

#endif
