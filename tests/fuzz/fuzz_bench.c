// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark results: sebench's JSON lines from the target, in any split,
 * through bench_feed() of core/module/bench.c; the same bytes read as a
 * history file by bench_history_load(); and the run just parsed written to
 * a history and read back, which must give the same run.
 *
 * Input: a mode byte (history size, exit status), a split byte, then the
 * bytes.
 */
#include <string.h>

#include "core/module/bench.h"
#include "tests/fuzz/fuzz.h"

static void feed(const void *piece, size_t len, void *arg)
{
	bench_feed(arg, piece, len);
}

static void compare_latest(const struct bench *b)
{
	const struct bench_run *cur = bench_latest(b);
	double delta[BM_COUNT];
	bool better[BM_COUNT];

	bench_compare(bench_previous(b, cur), cur, delta, better);
}

/* What a run looks like after the trip through a history file. */
static void round_trip(const struct bench_run *run)
{
	const char *path = fuzz_file("history.jsonl", "", 0);
	struct bench *b = bench_new(2);
	const struct bench_run *back;

	fuzz_assert(b && !bench_history_append(run, path),
		    "bench_history_append");
	fuzz_assert(!bench_history_load(b, path), "bench_history_load");
	fuzz_assert(bench_nruns(b) == 1 && !bench_bad_lines(b),
		    "a run written to the history reads back as one run");
	back = bench_latest(b);
	fuzz_assert(!strcmp(back->workload, run->workload) &&
			    !strcmp(back->commit, run->commit) &&
			    !strcmp(back->msg, run->msg) &&
			    back->nsamples == run->nsamples &&
			    back->state == run->state,
		    "the run read back is the run written");
	bench_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_take(&in), split = fuzz_take(&in);
	struct bench *b = bench_new(1 + mode % 4);
	const char *path;

	fuzz_assert(b != NULL, "bench_new");
	path = fuzz_file("input.jsonl", in.p, in.n);
	fuzz_assert(!bench_history_load(b, path), "bench_history_load");
	compare_latest(b);

	fuzz_assert(bench_run_begin(b, "0123abcd", "C0FFEE") != NULL,
		    "bench_run_begin");
	fuzz_split(in.p, in.n, split, split, feed, b);
	bench_run_end(b, mode & 0x10, mode & 0x20 ? "connection lost" : NULL);
	compare_latest(b);
	round_trip(bench_latest(b));
	bench_free(b);
	return 0;
}
