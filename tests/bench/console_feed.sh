#!/usr/bin/env bash
# The console model's speed: the 10 MB stream of tests/bench/tui.sh (82-char
# lines) fed in 4 KiB reads into a 36x98 console, as the dashboard's console
# pane gets it; compared with libvterm's state layer alone (parser and
# state, no screen), the floor for any screen kept on top of it. Uses the
# release build's libkmcore.a.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cat >"$T_TMP/console_feed.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vterm.h>
#include "core/console/console.h"

static int glyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	return 1;
}

static int scroll(VTermRect rect, int down, int right, void *user)
{
	return 1;
}

static const VTermStateCallbacks floor_cbs = { .putglyph = glyph,
					       .scrollrect = scroll };

static double ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	struct console_config cfg = { .rows = 36, .cols = 98 };
	size_t cap = 11u << 20, len = 0;
	char *buf = malloc(cap);
	struct timespec a, b;
	struct console *c;
	VTermState *st;
	VTerm *vt;

	for (int i = 0; len < 10u << 20; i++)
		len += (size_t)sprintf(buf + len,
			"line %07d the quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n",
			i);
	len += (size_t)sprintf(buf + len, "END-OF-STREAM\r\n");
	if (argc > 1 && !strcmp(argv[1], "floor")) {
		vt = vterm_new(cfg.rows, cfg.cols);
		vterm_set_utf8(vt, 1);
		st = vterm_obtain_state(vt);
		vterm_state_set_callbacks(st, &floor_cbs, NULL);
		vterm_state_reset(st, 1);
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (size_t off = 0; off < len; off += 4096)
			vterm_input_write(vt, buf + off,
					  len - off < 4096 ? len - off : 4096);
		clock_gettime(CLOCK_MONOTONIC, &b);
		vterm_free(vt);
	} else {
		c = console_new(&cfg);
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (size_t off = 0; off < len; off += 4096)
			console_feed(c, buf + off,
				     len - off < 4096 ? len - off : 4096);
		clock_gettime(CLOCK_MONOTONIC, &b);
		console_free(c);
	}
	printf("%.0f\n", ms(&a, &b));
	free(buf);
	return 0;
}
C
bench_cc "$T_TMP/console_feed" -I"$T_ROOT" "$T_TMP/console_feed.c" || exit 1
runs=() floor=()
for _ in 1 2 3; do
	runs+=("$("$T_TMP/console_feed")")
	floor+=("$("$T_TMP/console_feed" floor)")
done
m=$(median "${runs[@]}")
f=$(median "${floor[@]}")
report "console feed, 10 MB at 36x98 (median of 3)" "$m" ms \
	"libvterm state alone: $f ms; ratio $(ratio "$m" "$f")"
