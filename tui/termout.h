/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dashboard's way to its terminal, which must never stop the event
 * loop. ncurses writes its output with write(2) to a file descriptor and
 * waits (or spins on EAGAIN) while the terminal does not take it: a
 * stopped tmux client, a slow SSH link. So ncurses writes into a memory
 * file instead; after each frame the bytes move on to the terminal with
 * non-blocking writes (on a file description of its own: the shell's
 * stays blocking) and into the --record cast. While a frame is still on
 * its way no new one starts: the dirty marks wait, and the next frame
 * shows the latest state. Frames are dropped, not queued; memory holds
 * one frame at most.
 */
#ifndef KMDASH_TERMOUT_H
#define KMDASH_TERMOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct loop;
struct record;
struct termout;

/*
 * For the terminal on stdout; rec (may be NULL) gets a copy of every
 * byte. drained(arg) is called when what waited has gone out. NULL with
 * the reason in err.
 */
struct termout *termout_open(struct loop *loop, struct record *rec,
			     void (*drained)(void *arg), void *arg, char *err,
			     size_t errlen);
/* What ncurses writes to (newterm's output): a memory file. */
FILE *termout_file(struct termout *t);
/* After ncurses wrote (a frame, endwin): on to the terminal, now. */
void termout_flush(struct termout *t);
/* Output still waits for the terminal: no new frame now. */
bool termout_busy(const struct termout *t);
/*
 * Flushes and waits up to timeout_ms for the terminal to take it all (the
 * dashboard steps aside for an editor, or ends). true if it did.
 */
bool termout_drain(struct termout *t, int timeout_ms);
/* Drains (up to timeout_ms) and frees. */
void termout_close(struct termout *t, int timeout_ms);

#endif
