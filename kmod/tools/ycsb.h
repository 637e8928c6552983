/* SPDX-License-Identifier: GPL-2.0 */
/*
 * YCSB's core workloads and request distributions (Cooper et al., SoCC
 * 2010; the generators of YCSB's site.ycsb.generator package), for sebench.
 * Plain C: no kernel headers, no sebench state, so that the host's unit
 * test (tests/unit/test_ycsb.c) compiles this very file and checks the
 * frequencies it draws against the expected ones.
 *
 * - uniform: every record alike;
 * - zipfian: YCSB's ZipfianGenerator (Gray et al., "Quickly generating
 *   billion-record synthetic databases", SIGMOD 1994; theta 0.99 by
 *   default) over YCSB's 10^10-item space, each item scrambled onto the
 *   records by FNV-1a 64 as YCSB's ScrambledZipfianGenerator does, so the
 *   popular records are spread over the key space instead of being the
 *   first ones;
 * - latest: YCSB's SkewedLatestGenerator: zipfian over the records by age,
 *   the newest insert the most popular.
 */
#ifndef YCSB_H
#define YCSB_H

#include <stdint.h>

#define YCSB_THETA 0.99 /* YCSB's ZipfianGenerator.ZIPFIAN_CONSTANT */
/* The item space of ScrambledZipfianGenerator (its ITEM_COUNT). */
#define YCSB_SCRAMBLE_ITEMS 10000000000ULL

enum ycsb_dist {
	YCSB_UNIFORM,
	YCSB_ZIPFIAN,
	YCSB_LATEST,
	YCSB_NDISTS,
};

/* A request: a YCSB operation. An RMW is a read, then an update of it. */
enum ycsb_op {
	YCSB_READ,
	YCSB_UPDATE,
	YCSB_DELETE, /* not in YCSB's core workloads: sebench's --mix */
	YCSB_INSERT,
	YCSB_RMW,
	YCSB_NOPS,
};

struct ycsb_preset {
	const char *name; /* "A" */
	const char *what; /* "update heavy: 50/50 read/update" */
	unsigned int mix[YCSB_NOPS]; /* weights */
	enum ycsb_dist dist;
	/* why a hash engine cannot run it (E: scans), or NULL */
	const char *not_applicable;
};

/* "A".."F" (either case); NULL for another name. */
const struct ycsb_preset *ycsb_preset(const char *name);
/* The i-th preset, NULL past the last (A, B, C, D, E, F). */
const struct ycsb_preset *ycsb_preset_at(unsigned int i);
const char *ycsb_dist_name(enum ycsb_dist d);
/* "uniform", "zipfian", "latest": 0, else -1. */
int ycsb_dist_parse(const char *s, enum ycsb_dist *out);
const char *ycsb_op_name(enum ycsb_op op);

/* splitmix64 (Steele et al. 2014): one 64-bit state per thread. */
struct ycsb_rng {
	uint64_t s;
};

void ycsb_rng_seed(struct ycsb_rng *r, uint64_t seed);
uint64_t ycsb_rng_next(struct ycsb_rng *r);
/* Uniform in [0, 1), 53 bits. */
double ycsb_rng_double(struct ycsb_rng *r);

/* The operation a mix of weights picks (the weights must not all be 0). */
enum ycsb_op ycsb_op_pick(const unsigned int mix[YCSB_NOPS],
			  struct ycsb_rng *r);

/* sum_{i=1..n} i^-theta: summed up to 10^6 terms, Euler-Maclaurin above. */
double ycsb_zeta(uint64_t n, double theta);

/* YCSB's ZipfianGenerator over [0, items): rank 0 the most popular. */
struct ycsb_zipf {
	uint64_t items; /* what zetan was computed for */
	double theta, alpha, zeta2, zetan, eta;
	double half_theta; /* 0.5^theta */
};

void ycsb_zipf_init(struct ycsb_zipf *z, uint64_t items, double theta);
/*
 * A rank in [0, items). A larger items than z was made for (the latest
 * distribution after inserts) first extends zetan, as YCSB does.
 */
uint64_t ycsb_zipf_next(struct ycsb_zipf *z, struct ycsb_rng *r,
			uint64_t items);
/*
 * What ycsb_zipf_next() returns for a uniform u in [0, 1): the
 * generator's inverse, for its test.
 */
uint64_t ycsb_zipf_rank(const struct ycsb_zipf *z, double u, uint64_t items);

/* YCSB's Utils.fnvhash64: FNV-1a over the 8 bytes, then made positive. */
uint64_t ycsb_fnv64(uint64_t v);

/* The records a workload asks for: a distribution over a key space. */
struct ycsb_keys {
	enum ycsb_dist dist;
	uint64_t records; /* the records loaded before the run */
	struct ycsb_zipf z;
};

void ycsb_keys_init(struct ycsb_keys *k, enum ycsb_dist dist, uint64_t records,
		    double theta);
/*
 * The record a read or update asks for, in [0, count): count is the
 * records there now (records, plus the inserts so far: the latest
 * distribution favours the newest).
 */
uint64_t ycsb_keys_next(struct ycsb_keys *k, struct ycsb_rng *r,
			uint64_t count);

#endif
