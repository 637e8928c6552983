// SPDX-License-Identifier: GPL-2.0
/*
 * YCSB's core workloads and request distributions (see ycsb.h), written
 * after YCSB's CoreWorkload, ZipfianGenerator, ScrambledZipfianGenerator
 * and SkewedLatestGenerator.
 */
#include "ycsb.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* YCSB's workloads/workload[a-f]: readproportion, updateproportion, ... */
static const struct ycsb_preset presets[] = {
	{ "A",
	  "update heavy: 50/50 read/update",
	  { 50, 50, 0, 0, 0 },
	  YCSB_ZIPFIAN,
	  NULL },
	{ "B",
	  "read mostly: 95/5 read/update",
	  { 95, 5, 0, 0, 0 },
	  YCSB_ZIPFIAN,
	  NULL },
	{ "C", "read only", { 100, 0, 0, 0, 0 }, YCSB_ZIPFIAN, NULL },
	{ "D",
	  "read latest: 95/5 read/insert",
	  { 95, 0, 0, 5, 0 },
	  YCSB_LATEST,
	  NULL },
	{ "E",
	  "short ranges: 95/5 scan/insert",
	  { 0, 0, 0, 5, 0 },
	  YCSB_ZIPFIAN,
	  "workload E scans short ranges of keys in order: a hash engine "
	  "keeps no order to scan, so E is not applicable (it is not run, "
	  "nor imitated with reads)" },
	{ "F",
	  "read-modify-write: 50/50 read/RMW",
	  { 50, 0, 0, 0, 50 },
	  YCSB_ZIPFIAN,
	  NULL },
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

const struct ycsb_preset *ycsb_preset(const char *name)
{
	for (unsigned int i = 0; name && i < NPRESETS; i++)
		if (!strcasecmp(name, presets[i].name))
			return &presets[i];
	return NULL;
}

const struct ycsb_preset *ycsb_preset_at(unsigned int i)
{
	return i < NPRESETS ? &presets[i] : NULL;
}

static const char *const dist_names[YCSB_NDISTS] = {
	[YCSB_UNIFORM] = "uniform",
	[YCSB_ZIPFIAN] = "zipfian",
	[YCSB_LATEST] = "latest",
};

const char *ycsb_dist_name(enum ycsb_dist d)
{
	return d < YCSB_NDISTS ? dist_names[d] : "?";
}

int ycsb_dist_parse(const char *s, enum ycsb_dist *out)
{
	for (int d = 0; s && d < YCSB_NDISTS; d++)
		if (!strcmp(s, dist_names[d])) {
			*out = (enum ycsb_dist)d;
			return 0;
		}
	return -1;
}

static const char *const op_names[YCSB_NOPS] = {
	[YCSB_READ] = "get",	  [YCSB_UPDATE] = "put", [YCSB_DELETE] = "del",
	[YCSB_INSERT] = "insert", [YCSB_RMW] = "rmw",
};

const char *ycsb_op_name(enum ycsb_op op)
{
	return op < YCSB_NOPS ? op_names[op] : "?";
}

void ycsb_rng_seed(struct ycsb_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t ycsb_rng_next(struct ycsb_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double ycsb_rng_double(struct ycsb_rng *r)
{
	return (double)(ycsb_rng_next(r) >> 11) * 0x1.0p-53;
}

enum ycsb_op ycsb_op_pick(const unsigned int mix[YCSB_NOPS], struct ycsb_rng *r)
{
	unsigned int total = 0, at;
	int op;

	for (op = 0; op < YCSB_NOPS; op++)
		total += mix[op];
	at = (unsigned int)(ycsb_rng_double(r) * total);
	for (op = 0; op < YCSB_NOPS - 1; op++) {
		if (at < mix[op])
			return (enum ycsb_op)op;
		at -= mix[op];
	}
	return (enum ycsb_op)op;
}

/* Terms summed one by one; the rest by Euler-Maclaurin (error < 1e-12). */
#define ZETA_EXACT 1000000ULL

double ycsb_zeta(uint64_t n, double theta)
{
	uint64_t m = n < ZETA_EXACT ? n : ZETA_EXACT, i;
	double sum = 0, a, b;

	for (i = m; i >= 1; i--) /* small terms first: less rounding */
		sum += pow((double)i, -theta);
	if (n <= m)
		return sum;
	/*
	 * sum_{i=m+1..n} f(i) = int_m^n f + (f(n) - f(m))/2
	 *                       + (f'(n) - f'(m))/12 - ..., f(x) = x^-theta
	 */
	a = (double)m;
	b = (double)n;
	if (fabs(1 - theta) < 1e-12)
		sum += log(b / a);
	else
		sum += (pow(b, 1 - theta) - pow(a, 1 - theta)) / (1 - theta);
	sum += (pow(b, -theta) - pow(a, -theta)) / 2;
	sum += -theta * (pow(b, -theta - 1) - pow(a, -theta - 1)) / 12;
	return sum;
}

static void zipf_eta(struct ycsb_zipf *z)
{
	z->eta = (1 - pow(2.0 / (double)z->items, 1 - z->theta)) /
		 (1 - z->zeta2 / z->zetan);
}

void ycsb_zipf_init(struct ycsb_zipf *z, uint64_t items, double theta)
{
	z->items = items ? items : 1;
	z->theta = theta;
	z->alpha = 1 / (1 - theta);
	z->zeta2 = ycsb_zeta(2, theta);
	z->half_theta = pow(0.5, theta);
	z->zetan = ycsb_zeta(z->items, theta);
	zipf_eta(z);
}

uint64_t ycsb_zipf_rank(const struct ycsb_zipf *z, double u, uint64_t items)
{
	double uz = u * z->zetan;
	uint64_t r;

	if (uz < 1.0)
		return 0;
	if (uz < 1.0 + z->half_theta)
		return 1;
	r = (uint64_t)((double)items * pow(z->eta * u - z->eta + 1, z->alpha));
	return r < items ? r : items - 1;
}

uint64_t ycsb_zipf_next(struct ycsb_zipf *z, struct ycsb_rng *r, uint64_t items)
{
	if (items > z->items) {
		/* YCSB's incremental zeta: only the new terms */
		for (uint64_t i = z->items + 1; i <= items; i++)
			z->zetan += pow((double)i, -z->theta);
		z->items = items;
		zipf_eta(z);
	}
	return ycsb_zipf_rank(z, ycsb_rng_double(r), items);
}

uint64_t ycsb_fnv64(uint64_t v)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 8; i++) {
		h ^= v & 0xff;
		v >>= 8;
		h *= 1099511628211ULL;
	}
	/* Java's Math.abs of a long; abs(MIN_VALUE) stays MIN_VALUE */
	return (int64_t)h < 0 && h != 0x8000000000000000ULL ? -h : h;
}

void ycsb_keys_init(struct ycsb_keys *k, enum ycsb_dist dist, uint64_t records,
		    double theta)
{
	memset(k, 0, sizeof(*k));
	k->dist = dist;
	k->records = records ? records : 1;
	if (dist == YCSB_ZIPFIAN)
		ycsb_zipf_init(&k->z, YCSB_SCRAMBLE_ITEMS, theta);
	else if (dist == YCSB_LATEST)
		ycsb_zipf_init(&k->z, k->records, theta);
}

uint64_t ycsb_keys_next(struct ycsb_keys *k, struct ycsb_rng *r, uint64_t count)
{
	if (!count)
		count = 1;
	switch (k->dist) {
	case YCSB_ZIPFIAN:
		return ycsb_fnv64(
			       ycsb_zipf_next(&k->z, r, YCSB_SCRAMBLE_ITEMS)) %
		       count;
	case YCSB_LATEST:
		return count - 1 - ycsb_zipf_next(&k->z, r, count);
	default:
		return (uint64_t)(ycsb_rng_double(r) * (double)count);
	}
}
