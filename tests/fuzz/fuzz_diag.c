// SPDX-License-Identifier: GPL-2.0
/*
 * Build output: what gcc, kbuild, make, ld and modpost print (colours,
 * gcc's OSC links, anything a broken Makefile echoes), line by line into
 * the diagnostic parser of core/module/diag.c, and each line walked
 * escape by escape as the build pane draws it (diag_ansi_len).
 *
 * Input: a flag byte (run in a directory or not), then the output.
 */
#include <string.h>

#include "core/module/diag.h"
#include "tests/fuzz/fuzz.h"

#define ESC 0x1b

static void check_diag(const struct diag *d)
{
	const char *s[] = { d->file,   d->src,	    d->message,
			    d->option, d->function, d->included_from,
			    d->at_src };
	const size_t cap[] = { sizeof(d->file),	    sizeof(d->src),
			       sizeof(d->message),  sizeof(d->option),
			       sizeof(d->function), sizeof(d->included_from),
			       sizeof(d->at_src) };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		fuzz_assert(memchr(s[i], '\0', cap[i]) != NULL,
			    "diagnostic fields are strings");
	fuzz_assert(d->sev <= DIAG_SEV_FATAL && d->origin <= DIAG_FROM_MAKE,
		    "severity and origin in range");
}

/* As tui/draw.c does: text, then one escape at a time. */
static void walk_escapes(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *esc = memchr(s + i, ESC, len - i);
		size_t n;
		bool sgr;

		if (!esc)
			break;
		i = (size_t)(esc - s);
		n = diag_ansi_len(s + i, len - i, &sgr);
		fuzz_assert(n >= 1 && n <= len - i, "escape length");
		fuzz_assert(!sgr || (n >= 3 && s[i + n - 1] == 'm'),
			    "an SGR ends in 'm'");
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_take(&in);
	const char *p = (const char *)in.p, *end = p + in.n;
	struct diag_parser parser;
	struct diag_line dl;
	char small[16];

	diag_parser_init(&parser, flags & 1 ? "/nonexistent/kmod" : NULL);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		enum diag_kind kind = diag_parse_line(&parser, p, len, &dl);

		fuzz_assert(kind == dl.kind && kind <= DIAG_ERROR, "line kind");
		fuzz_assert(dl.plain && dl.plain[dl.plain_len] == '\0' &&
				    !memchr(dl.plain, ESC, dl.plain_len),
			    "the plain line has no escapes");
		if (dl.has_diag)
			check_diag(&dl.diag);
		walk_escapes(p, len);
		fuzz_assert(diag_strip_ansi(p, len, small, sizeof(small)) <
				    sizeof(small),
			    "diag_strip_ansi stays in its buffer");
		p += len + 1;
	}
	diag_parser_free(&parser);
	return 0;
}
