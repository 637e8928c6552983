#!/usr/bin/env bash
# The kernel log parser's speed: /dev/kmsg records (CRLF, as over a PTY,
# fed in 4 KiB reads) parsed into the model, against the goal of 100k
# lines/s. Uses the release build's libkmcore.a.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lib=$T_BUILD/libkmcore.a
[ -f "$lib" ] || { echo "bench kmsg_parse: $lib missing: run 'make'" >&2; exit 1; }
cat >"$T_TMP/kmsg_parse.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core/module/kmsg.h"
int main(void)
{
	struct kmsg_opts o = { .module = "storage_hash" };
	struct kmsg *k = kmsg_new(&o);
	int n = 1000000;
	char *buf = malloc((size_t)n * 128);
	size_t len = 0;
	struct timespec a, b;

	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len,
			"%d,%d,%d,-;storage_hash: put key %d \\x09value [%d]\r\n",
			i % 8, i, i * 10, i, i);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t off = 0; off < len; off += 4096)
		kmsg_feed(k, buf + off, len - off < 4096 ? len - off : 4096);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f\n", n / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
	kmsg_free(k);
	free(buf);
	return 0;
}
C
cc -O2 -std=c11 -D_GNU_SOURCE -I"$T_ROOT" "$T_TMP/kmsg_parse.c" "$lib" \
	$(pkg-config --libs libcjson) -o "$T_TMP/kmsg_parse" || exit 1
runs=()
for _ in 1 2 3; do runs+=("$("$T_TMP/kmsg_parse")"); done
rate=$(median "${runs[@]}")
report "kmsg parse (1M lines, median of 3)" "$rate" "lines/s" \
	"goal >= 100000: $(awk -v r="$rate" 'BEGIN { printf "%.1fx the goal", r / 100000 }')"
