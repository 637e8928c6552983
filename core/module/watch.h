/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Saves in a module's source directory, as kbuild would see them: inotify
 * on the directory and its subdirectories (hidden ones, such as .git,
 * left out), events on sources (*.c, *.h, *.S), Kbuild, Makefile and
 * Kconfig only. Editors' swap, backup and lock files (.file.swp, file~,
 * 4913, .#file, #file#), temporary files of atomic saves and kbuild's own
 * outputs (*.mod.c, *.o) never count.
 *
 * A save is a burst of events (vim writes in place with an fsync before
 * the close; sed -i and atomic saves write a temporary file and rename
 * it; "save all" and git checkout write several files): a file written
 * to and not yet closed holds the burst open, and the burst is over when
 * nothing happened for settle_ms after that. Everything runs on the loop:
 * the inotify descriptor and one timer, no thread, no polling.
 */
#ifndef KMDASH_WATCH_H
#define KMDASH_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct loop;
struct watch;

/*
 * The quiet time that ends a burst, measured (README, "Watch mode"):
 * one save's own events, first to last, take 0.05-15 ms (vim in place
 * with its fsync, sed -i, a temp file renamed over the source; the
 * longest under a load of 10 on two cores); a file still open for
 * writing holds the burst anyway. 30 ms coalesces the files of one
 * "save all" or checkout, and is 2% of a one-file rebuild.
 */
#define WATCH_SETTLE_MS 30
/* A file open for writing longer than this does not hold the burst. */
#define WATCH_OPEN_MAX_MS 2000
#define WATCH_MAX_FILES 8 /* files named per burst (all are counted) */

struct watch_burst {
	/* the source files the burst changed, relative to the directory */
	char files[WATCH_MAX_FILES][NAME_MAX + 1];
	size_t nfiles; /* named */
	unsigned count; /* changed, all of them */
	bool overflow; /* the kernel dropped events: anything may have changed */
};

struct watch_opts {
	const char *dir; /* the module's source directory */
	int settle_ms; /* 0: WATCH_SETTLE_MS */
	/* a burst began (a build running now builds old sources) */
	void (*on_begin)(void *arg);
	/* a burst is over: build now */
	void (*on_settled)(void *arg, const struct watch_burst *b);
	void *arg;
};

/* NULL with the reason in err (no such directory, no inotify left). */
struct watch *watch_new(struct loop *loop, const struct watch_opts *o,
			char *err, size_t errlen);
void watch_free(struct watch *w);

/* The directory watched, absolute. */
const char *watch_dir(const struct watch *w);

/* A file name (no directory) a save of which counts. */
bool watch_is_source(const char *name);

#endif
