// SPDX-License-Identifier: GPL-2.0
/*
 * The decoder's frame resolution: frames parsed from mutated trace text
 * (single frame lines, and whole blocks with their Code: bytes) resolved
 * by decoder_resolve() and decoder_match() of core/module/decode.c
 * against the fixture modules `make fixtures` builds, each opened once,
 * and written by decode_format(). The .ko files are not mutated: libdw is
 * not instrumented, that would fuzz elfutils without coverage.
 *
 * KMDASH_FUZZ_KO_DIR: where the fixture modules are (default
 * $BUILD/tests/fixtures, BUILD defaulting to build).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/decode.h"
#include "core/module/trace.h"
#include "tests/fuzz/fuzz.h"

static const char *const modules[] = { "kmod_crash/crashmod.ko",
				       "kmod_faulty/storage_hash.ko" };
#define NMOD (sizeof(modules) / sizeof(modules[0]))

static struct decoder *dec[NMOD];
static struct trace t;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("KMDASH_FUZZ_KO_DIR"), *b = getenv("BUILD");
	char base[PATH_MAX], path[PATH_MAX + 32], err[512];
	/* the build tree's paths shown as the sources' */
	struct decode_map map = { .from = base, .to = "tests/fixtures" };

	if (!dir || !*dir) {
		snprintf(base, sizeof(base), "%s/tests/fixtures",
			 b && *b ? b : "build");
		dir = base;
	} else {
		snprintf(base, sizeof(base), "%s", dir);
	}
	for (size_t i = 0; i < NMOD; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, modules[i]);
		dec[i] = decoder_open(path, &map, 1, err, sizeof(err));
		if (!dec[i]) {
			fprintf(stderr, "fuzz_decode: %s (make fixtures)\n",
				err);
			exit(1);
		}
	}
	return 0;
}

static void resolve(const struct trace_frame *f)
{
	struct decode_frame out;
	char line[2048];

	for (size_t i = 0; i < NMOD; i++) {
		int r = decoder_resolve(dec[i], f, &out);
		int m = decoder_match(dec[i], f);

		fuzz_assert(r == 0 || r == -ENOENT || r == -ESTALE,
			    "decoder_resolve: 0, -ENOENT or -ESTALE");
		/* match reads no DWARF: it cannot know a line is missing */
		fuzz_assert((m == 0 || m == r) && (r != 0 || m == 0),
			    "decoder_match agrees with decoder_resolve");
		fuzz_assert(out.nloc <= DECODE_MAX_INLINE &&
				    memchr(out.why, '\0', sizeof(out.why)) &&
				    memchr(out.section, '\0',
					   sizeof(out.section)),
			    "a decoded frame");
		fuzz_assert(r == 0 || out.why[0],
			    "an undecoded frame says why");
		for (size_t k = 0; k < out.nloc; k++)
			fuzz_assert(memchr(out.loc[k].func, '\0',
					   sizeof(out.loc[k].func)) &&
					    memchr(out.loc[k].file, '\0',
						   sizeof(out.loc[k].file)),
				    "locations are strings");
		decode_format(&out, "tests/fixtures", line, sizeof(line));
		decode_format(&out, NULL, line, 16);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	bool in_block = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p), off, mlen;
		struct trace_frame f;
		int64_t usec;
		bool cut;

		off = trace_strip_prefix(p, len, &usec, &mlen);
		if (trace_parse_frame(p + off, mlen, &f))
			resolve(&f);
		if (!in_block &&
		    (trace_line_kind(p + off, mlen, &cut) != TRACE_NONE ||
		     cut)) {
			trace_init(&t);
			in_block = true;
		}
		if (in_block) {
			trace_add_line(&t, p + off, mlen);
			if (trace_line_ends(p + off, mlen)) {
				for (size_t i = 0; i < t.nframes; i++)
					resolve(&t.frames[i]);
				in_block = false;
			}
		}
		p += len + 1;
	}
	for (size_t i = 0; in_block && i < t.nframes; i++)
		resolve(&t.frames[i]);
	return 0;
}
