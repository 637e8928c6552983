// SPDX-License-Identifier: GPL-2.0
/*
 * Colour themes: a theme file (JSON with positions) through theme_parse()
 * of tui/theme.c, the function theme_load_file() runs on a file's bytes,
 * then resolved for every colour depth a terminal can have.
 */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tui/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme t;
	struct theme_pen pens[TR_COUNT];
	char err[2048];
	int r;

	r = theme_parse(&t, "fuzz", (const char *)data, size, "fuzz.json", err,
			sizeof(err));
	fuzz_assert(r == 0 || (r < 0 && err[0]), "a refused theme says why");
	fuzz_assert(memchr(t.name, '\0', sizeof(t.name)) != NULL, "theme name");
	for (int d = TD_MONO; d <= TD_TRUE; d++)
		theme_resolve(&t, d, pens);
	return 0;
}
