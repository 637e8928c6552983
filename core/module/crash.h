/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target's kernel crashing, as events. Every oops, BUG, WARNING,
 * panic, soft-lockup and hung-task report, from whichever source saw it:
 * the kernel-log stream, and the serial console, which still shows a panic
 * after the SSH stream died with the kernel. One event per crash: a block
 * the console saw waits a moment for the same block (same printk time) on
 * the stream, and is written into the kernel-log model only when the
 * stream never brings it.
 *
 * Each event is attributed to a module (core/module/trace.h), and its
 * frames in the developed module are decoded (core/module/decode.h)
 * against the exact .ko running on the target: the copy kept at deploy
 * time under its GNU build id (core/module/kostore.h). The decoded lines
 * go into the kernel-log model under the trace (KMSG_F_DECODED).
 *
 * A step of the job pipeline takes crash_mark() when it starts and asks
 * crash_since() when it ends: a crash that arrived in between fails it
 * (a WARNING only counts). Lines from before this session looked (the
 * log's backlog, the console's saved log) make events marked backlog,
 * which show but never judge a step.
 */
#ifndef KMDASH_CRASH_H
#define KMDASH_CRASH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module/kostore.h"
#include "core/module/trace.h"

struct loop;
struct kmsg;
struct kmsg_record;

enum crash_source {
	CRASH_KMSG,
	CRASH_CONSOLE,
};

struct crash_event {
	uint64_t id; /* 1, 2, ... in the order they were complete */
	enum crash_source source;
	bool backlog; /* from before this session looked: judges nothing */
	int64_t usec; /* printk time of its first line, -1 if none */
	uint64_t pos; /* position of its first line in the kmsg model */
	struct trace trace;
	bool ours; /* attributed to the module being developed */
	/* where in the module it happened, decoded; line 0 when not */
	char func[TRACE_SYM_MAX];
	char file[PATH_MAX];
	int line;
	/* "kmod/storage_hash.c:291 (sh_get)", "" when not decoded */
	char where[PATH_MAX + TRACE_SYM_MAX + 32];
	/* what it was decoded against, or why it was not */
	char note[256];
};

struct crash_opts {
	struct loop *loop;
	struct kmsg *kmsg; /* where console-only blocks and decodes go */
	const char *module; /* the module being developed */
	const char *ko; /* its current build (unstripped) */
	const char *store_dir; /* kept copies of deployed .ko files */
	const char *src_dir; /* its sources: where build paths map to */
	const char *show_base; /* paths are shown relative to this */
	const char *vmlinux; /* a debug vmlinux for kernel frames, or NULL */
	/* an event is complete (decoded, written under its trace) */
	void (*on_event)(const struct crash_event *ev, void *arg);
	void *arg;
};

struct crash;

/* Strings are copied. NULL on ENOMEM. */
struct crash *crash_new(const struct crash_opts *o);
void crash_free(struct crash *c);

/* Each record the kmsg model accepted (its kmsg_on_record hook). */
void crash_kmsg_record(struct crash *c, const struct kmsg_record *rec);
/*
 * The stream's first record time of this boot: records before it were
 * replayed from before the session looked. -1: everything is live.
 */
void crash_set_live_since(struct crash *c, int64_t usec);
/* The target rebooted: everything of the new boot is live. */
void crash_reboot(struct crash *c);
/* Serial console bytes. backlog: its saved log, replayed on attach. */
void crash_console_feed(struct crash *c, const char *buf, size_t n,
			bool backlog);
/*
 * The kernel-log stream is gone (link down): a block only the console
 * saw will not come by the stream; it becomes an event now.
 */
void crash_stream_lost(struct crash *c);
/*
 * The stream has caught up (kmdash's own mark came back): a block it has
 * open is complete now, without waiting for its quiet time.
 */
void crash_stream_quiet(struct crash *c);
/*
 * Whether a kernel-log stream runs: without one, a block the console saw
 * has no twin to wait for and becomes an event at once.
 */
void crash_set_stream(struct crash *c, bool live);
/* A console block waits for its twin on the stream. */
bool crash_pending(const struct crash *c);

/* The build id of the module loaded on the target, "" when unknown. */
void crash_set_loaded_id(struct crash *c, const char *id);
const char *crash_loaded_id(const struct crash *c);
/*
 * The unstripped .ko of build id id: the copy kept at deploy, else the
 * current build when it is that one. 0 with its path, or -ENOENT with
 * why (in words).
 */
int crash_ko_for(struct crash *c, const char *id, char *path, size_t cap,
		 char *why, size_t wcap);
/* A .ko is being deployed: keep its exact copy (id gets its build id). */
int crash_keep_ko(struct crash *c, const char *ko, char id[KO_ID_MAX + 1],
		  char *err, size_t errlen);

/*
 * The file:line a decoded line of the kmsg model points at (the innermost
 * location of its frame): true with them set, false for any other line.
 */
bool crash_location_at(const struct crash *c, uint64_t pos, char *file,
		       size_t cap, int *line);

/* The id of the newest complete event (0: none yet). */
uint64_t crash_mark(const struct crash *c);
/*
 * The worst live event after mark: panic, then oops and BUG, then soft
 * lockup and hung task, then warning; the developed module's before
 * another's of the same rank. NULL if none. *warnings (may be NULL) gets
 * how many live WARNINGs came after mark.
 */
const struct crash_event *crash_since(const struct crash *c, uint64_t mark,
				      unsigned *warnings);
/* The newest event that is not a warning (backlog included), or NULL. */
const struct crash_event *crash_last(const struct crash *c);

/*
 * One line for a step's result or a banner: "kernel oops in storage_hash
 * at kmod/storage_hash.c:291 (sh_get)", "kernel panic: Fatal exception
 * (not in storage_hash)". Returns the length as snprintf.
 */
int crash_describe(const struct crash_event *ev, const char *module, char *buf,
		   size_t cap);

#endif
