/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line's one edge to the terminal: stdout and stderr become
 * streams that write everything through the rule of core/base/termsafe.h
 * (newlines pass), whatever printed it and whatever it quotes (the
 * target's kernel log, its command output in an error, a console tail).
 * kmdash's own control sequences (the progress line's "\r" and "erase to
 * the end of the line") go by termguard_ctl(), the only way around.
 */
#ifndef KMDASH_TERMGUARD_H
#define KMDASH_TERMGUARD_H

/* Before anything is printed. 0, or -errno (the streams stay as they were). */
int termguard_install(void);
/* seq written to stdout as it is, after what stdout holds. */
void termguard_ctl(const char *seq);

#endif
