/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session journal: everything a session produces, on disk as it
 * arrives, under $XDG_STATE_HOME/kmdash/TARGET/SESSION/ (default
 * ~/.local/state; directories 0700, files 0600; SESSION is the start time,
 * 20261121-093000, with -2, -3, ... if taken):
 *
 *   console.raw   raw serial console bytes
 *   build.log     build output
 *   kmsg.log      the kernel log, one parsed record per line
 *   actions.log   what the user did, one timestamped line each
 *   bench.jsonl   benchmark results, one JSON object per line
 *
 * Every call is one write(2) on an O_APPEND file, no user-space buffer:
 * once a call returns, a kill -9 of kmdash loses nothing of it. When the
 * disk is full a stream pauses: its writes are counted, not made, and
 * once a second one is tried again; when it fits, a marker line says how
 * many writes (and bytes) were lost and for how long, and recording goes
 * on. A stream that fails otherwise (file removed under us, an I/O
 * error) is disabled with its reason kept; the caller goes on either way.
 */
#ifndef KMDASH_JOURNAL_H
#define KMDASH_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum journal_stream {
	JOURNAL_CONSOLE = 0,
	JOURNAL_BUILD,
	JOURNAL_KMSG,
	JOURNAL_ACTIONS,
	JOURNAL_BENCH,
	JOURNAL_NSTREAMS,
};

struct journal_opts {
	const char *target; /* names a directory level; sanitised */
	const char *state_dir; /* NULL: $XDG_STATE_HOME/kmdash */
	time_t start; /* 0: now */
};

struct journal;

/* NULL with the reason in err when the session directory cannot be made. */
struct journal *journal_open(const struct journal_opts *opts, char *err,
			     size_t errlen);
void journal_close(struct journal *j);

const char *journal_dir(const struct journal *j);
const char *journal_stream_name(enum journal_stream s);

/*
 * Appends bytes as they are. 0, -ENOSPC while the disk is full, or
 * -errno once the stream is disabled.
 */
int journal_write(struct journal *j, enum journal_stream s, const void *buf,
		  size_t len);
/* Appends text and a newline, in one write. */
int journal_line(struct journal *j, enum journal_stream s, const char *text);
int journal_printf(struct journal *j, enum journal_stream s, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
/* An actions.log line: "2026-11-21 09:30:00.123 " + the text. */
int journal_action(struct journal *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A stream is paused by a full disk (a write returned -ENOSPC). */
bool journal_full(const struct journal *j);
/* Why s is disabled ("kmsg.log: write failed: ..."), or NULL. */
const char *journal_error(const struct journal *j, enum journal_stream s);

#endif
