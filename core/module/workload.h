/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one bench step runs: the workload's options (the config's bench.*
 * keys, the command line's --workload, --runs, --sweep, ...) made into the
 * invocations of the benchmark program. R repetitions; at each, every
 * point of a sweep; at each point the module's engine, then the user-space
 * baseline when the program has one: interleaved, so that the machine's
 * drift falls alike on both.
 *
 * The options go to the program as sebench's (kmod/README.md): --workload
 * A, --distribution zipfian, --records N, --operations N, --key-size B,
 * --value-size B, --threads N, --batch N, --duration SEC; only those set.
 * A sweep over threads, batch, value_size, key_size or records passes
 * --threads V (...) with each value in turn.
 */
#ifndef KMDASH_WORKLOAD_H
#define KMDASH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/module/bench.h"

#define BENCH_RUNS_DEFAULT 3
#define BENCH_MAX_POINTS 16

/* Unset: NULL or 0 (the program's own default). */
struct bench_opts {
	const char *workload; /* "A".."F" */
	const char *distribution; /* uniform, zipfian, latest */
	int records, operations, key_size, value_size, threads, batch;
	int duration_ms;
	int runs; /* repetitions; 0: BENCH_RUNS_DEFAULT */
	const char *sweep; /* "threads=1,2,4" */
};

struct bench_plan {
	char param[BENCH_POINT_MAX]; /* the swept parameter, "" for none */
	char points[BENCH_MAX_POINTS][BENCH_POINT_MAX]; /* one "" if none */
	size_t npoints;
	int reps;
	bool baseline; /* a user-space baseline runs beside the module */
	char sweep[96]; /* "threads=1,2,4" as asked, "" */
	size_t n; /* invocations: reps x npoints x (1 + baseline) */
};

/* One invocation of the plan. */
struct bench_step {
	size_t point; /* index into points */
	int rep; /* from 1 */
	bool baseline; /* the user-space run */
};

/*
 * The plan of o (baseline: the program has one). -EINVAL with the reason
 * in err: an unknown workload or distribution, a sweep that is not
 * PARAM=V1,V2 of a known parameter with positive integers.
 */
int bench_plan_make(const struct bench_opts *o, bool baseline,
		    struct bench_plan *p, char *err, size_t errlen);
void bench_plan_step(const struct bench_plan *p, size_t i,
		     struct bench_step *st);
/*
 * The program's argv for invocation i: base (the program and its
 * arguments), the options of o, the sweep's value, then baseline_args
 * for the baseline. NULL-terminated, malloc'ed as a whole (one free()).
 */
char **bench_plan_argv(const struct bench_plan *p, const struct bench_opts *o,
		       const char *const *base,
		       const char *const *baseline_args, size_t i);

/* The parameters a sweep can take, NULL after the last. */
const char *bench_sweep_param(size_t i);
/* The YCSB workloads kmdash knows: "A".."F"; NULL after the last. */
const char *bench_workload_name(size_t i);
/* The distributions: "uniform", "zipfian", "latest"; NULL after. */
const char *bench_distribution_name(size_t i);

#endif
