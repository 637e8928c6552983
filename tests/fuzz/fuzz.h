/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz harnesses share. Each tests/fuzz/fuzz_NAME.c defines
 * LLVMFuzzerTestOneInput() over one parser of outside bytes in core/ (or
 * tui/), and is linked twice: with libFuzzer (clang, `make fuzz`) and with
 * replay_main.c (gcc with ASan, `make test` replays the regression corpus
 * and the seeds through the same function). tests/fuzz/fuzz.c holds the
 * helpers below.
 *
 * An input often starts with a few bytes that choose how it is fed (read
 * sizes, screen size, ...): fuzz_take() reads them, the rest is the text.
 */
#ifndef KMDASH_FUZZ_H
#define KMDASH_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The bytes of an input not consumed yet. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* The next byte, 0 once the input is used up. */
uint8_t fuzz_take(struct fuzz_in *in);

/*
 * Calls fn on consecutive pieces of buf that together are all of it, of
 * sizes 1 .. 1 + 2 * mean chosen by a generator seeded with seed: every
 * split the stream could arrive in over a socket. mean 0: one piece.
 */
void fuzz_split(const void *buf, size_t n, unsigned int mean, uint32_t seed,
		void (*fn)(const void *piece, size_t len, void *arg),
		void *arg);

/*
 * A private directory for the run (under $TMPDIR), made on first use and
 * removed at exit. fuzz_file() writes a file at rel inside it (making the
 * parent directories) and returns its path, or aborts.
 */
const char *fuzz_dir(void);
const char *fuzz_file(const char *rel, const void *data, size_t n);

/*
 * Text made safe for a terminal: no C0 control but tab, no DEL, and (if
 * utf8) nothing but whole, valid UTF-8 sequences.
 */
bool fuzz_text_safe(const char *s, size_t n, bool utf8);

/* An invariant the code under test promises: abort with what broke. */
void fuzz_assert(bool cond, const char *what);

#endif
