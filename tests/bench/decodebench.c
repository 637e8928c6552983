// SPDX-License-Identifier: GPL-2.0
/*
 * decodebench KO TRACE RUNS: the decoder's own cost on a trace. Prints
 *   open_ms first_ms            opening KO, then the first trace (which
 *                               loads and relocates the DWARF)
 *   then RUNS lines: us         one whole trace decoded again: every line
 *                               parsed, every frame resolved and formatted
 * The debug info is loaded once, as the dashboard does per deployed .ko.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/module/decode.h"
#include "core/module/trace.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* Parses and decodes every line; returns the frames decoded. */
static int decode_all(struct decoder *d, char **lines, size_t n)
{
	struct trace t;
	char out[4096];
	int ok = 0;

	trace_init(&t);
	for (size_t i = 0; i < n; i++) {
		size_t len, off = trace_strip_prefix(lines[i], strlen(lines[i]),
						     NULL, &len);

		trace_add_line(&t, lines[i] + off, len);
	}
	for (size_t i = 0; i < t.nframes; i++) {
		struct decode_frame df;

		ok += decoder_resolve(d, &t.frames[i], &df) == 0;
		decode_format(&df, NULL, out, sizeof(out));
	}
	return ok;
}

int main(int argc, char **argv)
{
	char err[512], buf[1024], *lines[256];
	size_t n = 0;
	FILE *f;
	struct decoder *d;
	double t0, t1, t2;
	int runs, ok;

	if (argc != 4 || !(f = fopen(argv[2], "r"))) {
		fprintf(stderr, "usage: decodebench KO TRACE RUNS\n");
		return 2;
	}
	while (n < 256 && fgets(buf, sizeof(buf), f))
		lines[n++] = strdup(buf);
	fclose(f);
	runs = atoi(argv[3]);
	t0 = now_us();
	d = decoder_open(argv[1], NULL, 0, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "decodebench: %s\n", err);
		return 1;
	}
	t1 = now_us();
	ok = decode_all(d, lines, n);
	t2 = now_us();
	printf("%.2f %.2f %d\n", (t1 - t0) / 1e3, (t2 - t1) / 1e3, ok);
	for (int r = 0; r < runs; r++) {
		t0 = now_us();
		decode_all(d, lines, n);
		printf("%.1f\n", now_us() - t0);
	}
	decoder_free(d);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	return 0;
}
