/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one quoting helper for commands run on the target. Every remote
 * command line kmdash builds (insmod, rmmod, cat /dev/kmsg, sebench ...) is
 * an argv joined here, so that a file name or a module parameter can never
 * become shell syntax on the target.
 *
 * Style: POSIX sh single quotes. Every word is quoted, even a plain one:
 * inside '...' nothing is special, so the only character to handle is the
 * quote itself, written as '\'' (close, escaped quote, reopen). Quoting every
 * word also keeps reserved words ("if", "!") and assignments ("A=b") in
 * command position plain arguments.
 *
 * What quoting cannot do: a word that starts with '-' is still an option to
 * the command that receives it (pass "--" first), and the remote login
 * shell must be a POSIX shell (sh, bash, dash, busybox ash, zsh).
 */
#ifndef KMDASH_QUOTE_H
#define KMDASH_QUOTE_H

#include <stddef.h>

/*
 * Quotes the NUL-terminated s into dst (always NUL-terminated when cap > 0).
 * Returns the length written (without the NUL), or -ENOSPC if it does not
 * fit in cap (dst then holds an empty string).
 */
int quote_sh(char *dst, size_t cap, const char *s);

/*
 * As quote_sh() for len bytes of s; an embedded NUL byte cannot be passed
 * through a command line and is refused with -EINVAL.
 */
int quote_sh_len(char *dst, size_t cap, const char *s, size_t len);

/* Bytes quote_sh_len() needs, including the NUL. */
size_t quote_sh_size(const char *s, size_t len);

/*
 * Joins the NULL-terminated argv into one command line: each word quoted,
 * separated by one space. Returns the length, -ENOSPC, or -EINVAL for an
 * empty argv.
 */
int quote_argv(char *dst, size_t cap, const char *const *argv);

/* As quote_argv() into a malloc'ed string; NULL on an empty argv or ENOMEM. */
char *quote_argv_dup(const char *const *argv);
/*
 * As quote_argv_dup(), for a command line shown to a person (the action
 * log: "insmod /tmp/kmdash/storage_hash.ko max_bytes=67108864"): a word
 * made only of characters no shell treats specially (letters, digits and
 * @%+=:,./_-) stays bare; any other word is quoted as quote_sh() does.
 * The first word stays bare only without '=' (an assignment there) and
 * when it is no reserved word. The shell reads both forms alike.
 */
char *quote_argv_readable_dup(const char *const *argv);
/* quote_sh() into a new string (free()); NULL on ENOMEM or an embedded NUL. */
char *quote_sh_dup(const char *s);

#endif
