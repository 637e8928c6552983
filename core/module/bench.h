/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark runs of one target: the benchmark program's JSON lines
 * (kmod/README.md) parsed into series, grouped into sets, and a bounded
 * history that survives restarts.
 *
 * A run is one invocation of the program: one engine (the module's, or
 * the user-space baseline), one point of a sweep, one repetition. A set is
 * what one bench step measured: every run of it, R repetitions of each
 * engine at each point, interleaved, with where it ran (the module's git
 * commit, the target and its facts, the kernel). Only a set that ended
 * well (no failed run, no oops while it ran) is ever a baseline.
 *
 * On disk (bench-history.jsonl) a set is its runs, one JSON line each,
 * then one line {"type":"set",...}: written together once the set is
 * judged, so a set cut short by a crash of kmdash leaves nothing behind.
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
#define BENCH_ID_MAX 32
#define BENCH_POINT_MAX 24
#define BENCH_ENGINE_MAX 16

struct bench_run {
	int64_t started; /* Unix time */
	char commit[48]; /* git commit of the module source, "" if unknown */
	char build_id[72]; /* GNU build id of the .ko measured, hex */
	char engine[BENCH_ENGINE_MAX]; /* "kmod", "user", the program's */
	/*
	 * What was measured, in words, the engine and a swept parameter
	 * aside: the program's "workload", else sebench's fields.
	 */
	char workload[256];
	char set[BENCH_ID_MAX]; /* the set it belongs to, "" for none */
	int rep; /* its repetition in the set, from 1 */
	bool baseline; /* the user-space baseline's run, not the module's */
	/* the swept parameter ("threads") and this run's value ("2") */
	char param[BENCH_POINT_MAX], point[BENCH_POINT_MAX];
	struct bench_sample *samples;
	size_t nsamples, capsamples;
	bool has_summary;
	double summary[BM_COUNT];
	double elapsed_s;
	uint64_t errors;
	enum bench_run_state state;
	char msg[192];
	/* the program's last line that was not JSON (its error, often) */
	char said[160];
	uint64_t seq; /* the bench's count of runs when it began */
};

/* What the target was when a set ran (core/module/facts.h reads them). */
struct bench_facts {
	char release[128]; /* uname -r */
	char cpu[96]; /* "Cortex-A53", or the CPU's model name */
	int cores;
	char mhz[16]; /* maximum clock, or "n/a" (QEMU has no cpufreq) */
	uint64_t mem_kb;
	char board[96]; /* /proc/device-tree/model, or "n/a" */
	char temp_c[16]; /* the first thermal zone, or "n/a" */
	char throttled[24]; /* vcgencmd get_throttled, or "n/a" */
};

struct cJSON;
/* The facts as the history keeps them (a cJSON object, the caller's). */
struct cJSON *bench_facts_json(const struct bench_facts *f);

struct bench_set {
	char id[BENCH_ID_MAX];
	int64_t started;
	enum bench_run_state state;
	char msg[192]; /* why it failed */
	/* the workload every run shares (the runs' workload) */
	char workload[256];
	char sweep[96]; /* "threads=1,2,4", or "" */
	int reps; /* repetitions asked for */
	bool baseline; /* the user-space baseline ran interleaved */
	/* where it ran */
	char commit[48]; /* the module's git commit, "" when unknown */
	bool dirty; /* with changes not committed */
	char diff_hash[16]; /* of those changes (git status + diff) */
	char git_note[96]; /* why the commit is unknown, or "" */
	char target[64];
	char kmdash[32]; /* kmdash's version */
	struct bench_facts before, after;
	/* its runs: seq run_seq0 .. run_seq0 + nruns - 1 */
	uint64_t run_seq0;
	size_t nruns;
};

struct bench;

/*
 * A target's history file: $XDG_STATE_HOME/kmdash/TARGET/
 * bench-history.jsonl (malloc'ed); NULL without a home directory.
 */
char *bench_history_path(const char *target);

/*
 * Keeps the newest max_runs runs and max_sets sets; keep_samples false
 * drops the samples of runs loaded from the history (a report needs
 * their summaries only).
 */
struct bench *bench_new_sized(size_t max_runs, size_t max_sets,
			      bool keep_samples);
/* bench_new_sized(max_runs, max_runs, true) */
struct bench *bench_new(size_t max_runs);
void bench_free(struct bench *b);

/*
 * Reads a history file written by bench_set_append() (and the run lines
 * of older versions). A missing file is an empty history; bad lines are
 * counted and skipped.
 */
int bench_history_load(struct bench *b, const char *path);
/* Appends one finished run as a JSON line. 0 or -errno. */
int bench_history_append(const struct bench_run *run, const char *path);

/* Starts a run (the oldest run is dropped past max_runs). */
struct bench_run *bench_run_begin(struct bench *b, const char *commit,
				  const char *build_id);
/* The program's output as it arrives: any split, \n or \r\n. */
void bench_feed(struct bench *b, const char *buf, size_t len);
/* ok: the program exited 0. A run without a summary line is failed. */
void bench_run_end(struct bench *b, bool ok, const char *msg);

size_t bench_nruns(const struct bench *b);
/* 0 is the oldest; the newest is bench_nruns() - 1. */
const struct bench_run *bench_run_at(const struct bench *b, size_t i);
const struct bench_run *bench_latest(const struct bench *b);
/*
 * The newest run of the module's own engine, not of the user-space
 * baseline that ran after it in its set; NULL before the first.
 */
const struct bench_run *bench_latest_module(const struct bench *b);
/* The run of that seq, while it is kept; NULL after. */
const struct bench_run *bench_run_by_seq(const struct bench *b, uint64_t seq);
/*
 * The newest run before run of the same engine, workload and point whose
 * set ended well (a run of no set: that ended well itself), or NULL.
 */
const struct bench_run *bench_previous(const struct bench *b,
				       const struct bench_run *run);

/* --- sets ------------------------------------------------------------------ */

/* Starts a set; the runs begun until it ends are its own. */
struct bench_set *bench_set_begin(struct bench *b, const char *id);
/* The set that is running, or NULL. */
struct bench_set *bench_set_running(struct bench *b);
/*
 * Ends the running set: done only if ok and every run of it is done;
 * a run still running fails with msg.
 */
void bench_set_end(struct bench *b, bool ok, const char *msg);
/* Appends the set's runs and its own line to the history. 0 or -errno. */
int bench_set_append(const struct bench *b, const struct bench_set *set,
		     const char *path);
size_t bench_nsets(const struct bench *b);
/* 0 is the oldest. */
const struct bench_set *bench_set_at(const struct bench *b, size_t i);
const struct bench_set *bench_set_latest(const struct bench *b);
/* The set a run belongs to, while it is kept; NULL for none. */
const struct bench_set *bench_set_of(const struct bench *b,
				     const struct bench_run *run);
/* The i-th run of a set (NULL past its last, or when no longer kept). */
const struct bench_run *bench_set_run(const struct bench *b,
				      const struct bench_set *set, size_t i);

/*
 * Per metric: change from prev to cur in percent (NAN where either lacks
 * it). better[m] says whether the change is an improvement (more ops/s,
 * less latency).
 */
void bench_compare(const struct bench_run *prev, const struct bench_run *cur,
		   double delta_pct[BM_COUNT], bool better[BM_COUNT]);

const char *bench_metric_name(enum bench_metric m);
bool bench_metric_is_latency(enum bench_metric m);

/* Lines that were not the program's JSON (truncated, garbage): counted. */
uint64_t bench_bad_lines(const struct bench *b);

/* True once after anything changed: the dashboard redraws. */
bool bench_take_dirty(struct bench *b);

#endif
