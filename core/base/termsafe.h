/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text from elsewhere (the target's kernel log and command output, a
 * compiler, a file) made safe for the developer's terminal: the one rule
 * at every edge where such text is printed or drawn. A board under
 * development, or a compromised one, can send any byte; a terminal obeys
 * some of them (OSC 52 writes the clipboard, OSC 0/2 the title, CSI moves
 * the cursor or asks the terminal to answer into the input). OpenSSH never
 * writes a peer's bytes unescaped to the user's terminal; nor does kmdash.
 *
 * What passes: printable ASCII, the tab, and valid UTF-8 of a character
 * that is not a control: shortest form, no surrogates, at most U+10FFFF,
 * not U+0080-U+009F (the C1 controls, which some terminals obey in UTF-8
 * form too: U+009B is a CSI). Everything else (C0 controls with ESC and
 * NUL, DEL, C1 bytes, invalid UTF-8) is written byte by byte as "\xNN",
 * which shows what came and does nothing. A newline passes only where the
 * caller says lines are welcome (TERMSAFE_NEWLINE).
 */
#ifndef KMDASH_TERMSAFE_H
#define KMDASH_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum termsafe_flags {
	TERMSAFE_NEWLINE = 1u << 0, /* '\n' passes (a stream of lines) */
};

/* The most termsafe_escape() writes for n bytes: each as \xNN. */
#define TERMSAFE_MAX(n) (4 * (n))

/*
 * The character at s (n bytes available): its length (1-4) when it may
 * be written as it is, with its code point in *cp; 0 when the byte s[0]
 * must be escaped; -1 when s[0..n) is the valid start of a longer
 * character that the next bytes may complete (a reader of a stream waits
 * for them; without more, s[0] is escaped).
 */
int termsafe_char(const char *s, size_t n, unsigned flags, uint32_t *cp);

/*
 * s[0..n) without a character cut off at its end (the valid start of one
 * that the next bytes may complete): what a stream can escape now.
 */
size_t termsafe_complete(const char *s, size_t n);

/* A code point that may be drawn (from a terminal emulator's cell). */
bool termsafe_cp(uint32_t cp);

/*
 * in[0..n) made safe into out, which holds TERMSAFE_MAX(n) bytes; no NUL
 * is added. Returns the length written. in may lie inside out, at
 * out + 3 * n or later (a decode in place): each character is read before
 * its output is written, and the output never overtakes the input.
 */
size_t termsafe_escape(const char *in, size_t n, unsigned flags, char *out);

/* The same, as a new NUL-terminated string; NULL when out of memory. */
char *termsafe_dup(const char *in, size_t n, unsigned flags);

#endif
