/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark runs of one target: sebench's JSON lines (kmod/README.md) parsed
 * into series, a bounded run history that survives restarts (one JSON line
 * per finished run), and the comparison of a run with the previous run of
 * the same workload.
 */
#ifndef KMDASH_BENCH_H
#define KMDASH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bench_metric {
	BM_GET, /* ops/s */
	BM_PUT,
	BM_DEL,
	BM_TOTAL,
	BM_P50, /* latency, µs per call */
	BM_P99,
	BM_P999,
	BM_COUNT
};

enum bench_run_state {
	BENCH_RUNNING,
	BENCH_DONE,
	BENCH_FAILED,
};

struct bench_sample {
	double t; /* seconds since the run's clock started */
	double v[BM_COUNT];
};

#define BENCH_MAX_SAMPLES 3600

struct bench_run {
	int64_t started; /* Unix time */
	char commit[48]; /* git commit of the module source, "" if unknown */
	char build_id[72]; /* GNU build id of the .ko measured, hex */
	char engine[16]; /* "kmod" or "user" */
	/* what was measured, in words; runs compare only within one */
	char workload[256];
	struct bench_sample *samples;
	size_t nsamples, capsamples;
	bool has_summary;
	double summary[BM_COUNT];
	double elapsed_s;
	uint64_t errors;
	enum bench_run_state state;
	char msg[192];
};

struct bench;

struct bench *bench_new(size_t max_runs);
void bench_free(struct bench *b);

/*
 * Reads a history file written by bench_history_append(). A missing file
 * is an empty history; bad lines are counted and skipped.
 */
int bench_history_load(struct bench *b, const char *path);
/* Appends one finished run as a JSON line. 0 or -errno. */
int bench_history_append(const struct bench_run *run, const char *path);

/* Starts a run (the oldest run is dropped past max_runs). */
struct bench_run *bench_run_begin(struct bench *b, const char *commit,
				  const char *build_id);
/* sebench's output as it arrives: any split, \n or \r\n. */
void bench_feed(struct bench *b, const char *buf, size_t len);
/* ok: sebench exited 0. A run without a summary line is failed. */
void bench_run_end(struct bench *b, bool ok, const char *msg);

size_t bench_nruns(const struct bench *b);
/* 0 is the oldest; the newest is bench_nruns() - 1. */
const struct bench_run *bench_run_at(const struct bench *b, size_t i);
const struct bench_run *bench_latest(const struct bench *b);
/* The newest finished run before run with the same workload, or NULL. */
const struct bench_run *bench_previous(const struct bench *b,
				       const struct bench_run *run);

/*
 * Per metric: change from prev to cur in percent (NAN where either lacks
 * it). better[m] says whether the change is an improvement (more ops/s,
 * less latency).
 */
void bench_compare(const struct bench_run *prev, const struct bench_run *cur,
		   double delta_pct[BM_COUNT], bool better[BM_COUNT]);

const char *bench_metric_name(enum bench_metric m);
bool bench_metric_is_latency(enum bench_metric m);

/* Lines that were not sebench JSON (truncated, garbage): counted. */
uint64_t bench_bad_lines(const struct bench *b);

/* True once after anything changed: the dashboard redraws. */
bool bench_take_dirty(struct bench *b);

#endif
