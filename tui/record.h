/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Demo recording: everything the dashboard writes to the terminal, also
 * written as an asciicast v2 file (a JSON header line, then one
 * [seconds, "o", "text"] line per write) that asciinema plays back.
 */
#ifndef KMDASH_RECORD_H
#define KMDASH_RECORD_H

#include <stddef.h>
#include <stdio.h>

struct record;

/* NULL with the reason in err (which file, why). */
struct record *record_open(const char *path, int cols, int rows, char *err,
			   size_t errlen);
/* Output for the terminal, into the cast (tui/termout.h hands it over). */
void record_write(struct record *r, const char *buf, size_t len);
/* The terminal was resized: an "r" event. */
void record_resize(struct record *r, int cols, int rows);
/* Flushes and closes; 0 or -errno (a full disk is worth knowing). */
int record_close(struct record *r);

#endif
