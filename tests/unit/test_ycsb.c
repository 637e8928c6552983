// SPDX-License-Identifier: GPL-2.0
/*
 * sebench's workloads and request distributions (kmod/tools/ycsb.c, the
 * very file the arm64 sebench is built from), against YCSB's definitions
 * (tests/fixtures/ycsb/core_workloads.txt): the presets' mixes, and the
 * frequencies each distribution draws against the frequencies expected of
 * it, by a chi-square test (p = 1e-4; fixed seeds, so a result is
 * repeatable) and, for zipfian, the rank-frequency slope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod/tools/ycsb.h"

#define FIXTURE "tests/fixtures/ycsb/core_workloads.txt"
#define DRAWS 1000000

/* The word after "KEY " or the value of "KEY=" on the line of NAME. */
static double fixture_value(const char *name, const char *key)
{
	FILE *f = fopen(FIXTURE, "r");
	char line[1024], pat[64];
	double v = NAN;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(name);
		const char *p;

		if (line[0] == '#' || strncmp(line, name, n) || line[n] != ' ')
			continue;
		if (!key) {
			v = strtod(line + n + 1, NULL);
			break;
		}
		snprintf(pat, sizeof(pat), " %s=", key);
		p = strstr(line, pat);
		if (p)
			v = strtod(p + strlen(pat), NULL);
		break;
	}
	fclose(f);
	assert_false(isnan(v));
	return v;
}

static void fixture_dist(const char *name, char *out, size_t cap)
{
	FILE *f = fopen(FIXTURE, "r");
	char line[1024];

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "requestdistribution=");

		if (!strncmp(line, name, strlen(name)) && p) {
			snprintf(out, cap, "%.*s", (int)strcspn(p + 20, " \n"),
				 p + 20);
			break;
		}
	}
	fclose(f);
	assert_true(out[0]);
}

/*
 * The upper 1e-4 point of chi-square with df degrees of freedom
 * (Wilson-Hilferty; good to a percent for df >= 3).
 */
static double chi2_limit(double df)
{
	double z = 3.719, t;

	if (df < 3)
		return df == 1 ? 15.14 : 18.42; /* the tables' values */
	t = 1 - 2 / (9 * df) + z * sqrt(2 / (9 * df));
	return df * t * t * t;
}

/*
 * Pearson's chi-square of the counts against the probabilities p[0..n)
 * (summing to 1): bins expected fewer than 5 times are pooled, as the
 * test needs. Returns the statistic over its limit (< 1 passes).
 */
static double chi2_ratio(const uint64_t *count, const double *p, size_t n,
			 uint64_t draws)
{
	double x = 0, pool_e = 0, pool_o = 0;
	size_t bins = 0;

	for (size_t i = 0; i < n; i++) {
		double e = p[i] * (double)draws;

		if (e < 5) {
			pool_e += e;
			pool_o += (double)count[i];
			continue;
		}
		x += ((double)count[i] - e) * ((double)count[i] - e) / e;
		bins++;
	}
	if (pool_e >= 5) {
		x += (pool_o - pool_e) * (pool_o - pool_e) / pool_e;
		bins++;
	}
	assert_true(bins >= 2);
	print_message("chi2 %.1f over %zu bins, limit %.1f\n", x, bins,
		      chi2_limit((double)bins - 1));
	return x / chi2_limit((double)bins - 1);
}

static void test_presets_are_ycsbs(void **state)
{
	static const char *const files[] = { "workloada", "workloadb",
					     "workloadc", "workloadd",
					     "workloade", "workloadf" };

	for (unsigned int i = 0; i < 6; i++) {
		const struct ycsb_preset *p = ycsb_preset_at(i);
		double want[YCSB_NOPS] = {
			[YCSB_READ] = fixture_value(files[i], "readproportion"),
			[YCSB_UPDATE] =
				fixture_value(files[i], "updateproportion"),
			[YCSB_INSERT] =
				fixture_value(files[i], "insertproportion"),
			[YCSB_RMW] = fixture_value(files[i],
						   "readmodifywriteproportion"),
		};
		double scan = fixture_value(files[i], "scanproportion");
		unsigned int total = 0;
		char dist[32];

		assert_non_null(p);
		assert_ptr_equal(ycsb_preset(p->name), p);
		assert_int_equal(p->name[0], files[i][8] - 'a' + 'A');
		fixture_dist(files[i], dist, sizeof(dist));
		assert_string_equal(ycsb_dist_name(p->dist), dist);
		/* scans: said to be not applicable, never imitated */
		if (scan > 0) {
			assert_non_null(p->not_applicable);
			assert_non_null(strstr(p->not_applicable, "hash"));
			continue;
		}
		assert_null(p->not_applicable);
		for (int op = 0; op < YCSB_NOPS; op++)
			total += p->mix[op];
		for (int op = 0; op < YCSB_NOPS; op++)
			assert_true(fabs(p->mix[op] / (double)total -
					 want[op]) < 1e-9);
	}
	assert_null(ycsb_preset_at(6));
	assert_null(ycsb_preset("G"));
	assert_ptr_equal(ycsb_preset("a"), ycsb_preset("A"));
}

/* The operations drawn follow each preset's mix, and nothing else. */
static void test_mixes_draw_their_proportions(void **state)
{
	const struct ycsb_preset *p;

	for (unsigned int i = 0; (p = ycsb_preset_at(i)); i++) {
		struct ycsb_rng r;
		uint64_t count[YCSB_NOPS] = { 0 };
		double prob[YCSB_NOPS], total = 0;
		uint64_t nz_count[YCSB_NOPS];
		double nz_prob[YCSB_NOPS];
		size_t nz = 0;

		if (p->not_applicable)
			continue;
		ycsb_rng_seed(&r, 42 + i);
		for (int k = 0; k < DRAWS / 4; k++)
			count[ycsb_op_pick(p->mix, &r)]++;
		for (int op = 0; op < YCSB_NOPS; op++)
			total += p->mix[op];
		for (int op = 0; op < YCSB_NOPS; op++) {
			prob[op] = p->mix[op] / total;
			if (!p->mix[op]) {
				assert_int_equal(count[op], 0);
				continue;
			}
			nz_count[nz] = count[op];
			nz_prob[nz++] = prob[op];
		}
		if (nz > 1)
			assert_true(chi2_ratio(nz_count, nz_prob, nz,
					       DRAWS / 4) < 1);
		else
			assert_int_equal(nz_count[0], DRAWS / 4);
	}
}

static void test_uniform(void **state)
{
	enum { N = 1000 };
	static uint64_t count[N];
	static double p[N];
	struct ycsb_keys k;
	struct ycsb_rng r;

	ycsb_keys_init(&k, YCSB_UNIFORM, N, YCSB_THETA);
	ycsb_rng_seed(&r, 7);
	for (int i = 0; i < DRAWS; i++)
		count[ycsb_keys_next(&k, &r, N)]++;
	for (int i = 0; i < N; i++)
		p[i] = 1.0 / N;
	assert_true(chi2_ratio(count, p, N, DRAWS) < 1);
}

/*
 * The probability of each rank under YCSB's generator, from its inverse:
 * rank 0 for u < 1/zetan, rank 1 up to (1 + 0.5^theta)/zetan, then
 * floor(n (eta u - eta + 1)^alpha), an increasing function of u. The
 * generator draws forward; this integrates the same algebra backwards,
 * so a wrong constant or branch on either side shows.
 */
static void generator_pmf(const struct ycsb_zipf *z, uint64_t n, double *p,
			  size_t np)
{
	double c = (1 + pow(0.5, z->theta)) / z->zetan, prev = c;

	memset(p, 0, np * sizeof(*p));
	p[0] = 1 / z->zetan;
	p[1] = c - 1 / z->zetan;
	for (uint64_t k = 1; k <= np; k++) {
		/* the u from which the third branch gives k or more */
		double u = (pow((double)k / (double)n, 1 - z->theta) - 1 +
			    z->eta) /
			   z->eta;

		if (u < c)
			u = c;
		if (u > 1)
			u = 1;
		if (k - 1 < np)
			p[k - 1] += u - prev;
		prev = u;
	}
}

/* Ideal zipf: rank r has (r+1)^-theta / zeta(n). */
static double zipf_ideal(uint64_t r, uint64_t n, double theta)
{
	return pow((double)(r + 1), -theta) / ycsb_zeta(n, theta);
}

static void draw_ranks(struct ycsb_zipf *z, uint64_t n, uint64_t seed,
		       uint64_t *count)
{
	struct ycsb_rng r;

	ycsb_rng_seed(&r, seed);
	for (int i = 0; i < DRAWS; i++)
		count[ycsb_zipf_next(z, &r, n)]++;
}

static void test_zipfian_ranks(void **state)
{
	enum { N = 1000 };
	static uint64_t count[N], wrong[N];
	static double p[N];
	double theta = fixture_value("zipfian_constant", NULL);
	double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0, slope;
	struct ycsb_zipf z, z9;

	assert_true(theta == YCSB_THETA);
	ycsb_zipf_init(&z, N, theta);
	draw_ranks(&z, N, 11, count);
	generator_pmf(&z, N, p, N);
	assert_true(chi2_ratio(count, p, N, DRAWS) < 1);
	/* the test can fail: theta 0.9 drawn, 0.99 expected */
	ycsb_zipf_init(&z9, N, 0.9);
	draw_ranks(&z9, N, 11, wrong);
	assert_true(chi2_ratio(wrong, p, N, DRAWS) > 10);

	/*
	 * Rank-frequency: Gray's approximation of zipf. The two most
	 * popular ranks are exact; the log-log slope over the ranks is
	 * -theta.
	 */
	assert_true(fabs(count[0] / (double)DRAWS / zipf_ideal(0, N, theta) -
			 1) < 0.01);
	assert_true(fabs(count[1] / (double)DRAWS / zipf_ideal(1, N, theta) -
			 1) < 0.02);
	for (int i = 0; i < N; i++) {
		double x = log(i + 1.0), y;

		if (count[i] < 50)
			continue;
		y = log((double)count[i]);
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
		m++;
	}
	slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
	print_message("zipfian rank-frequency slope %.3f (theta %.2f)\n", slope,
		      theta);
	assert_true(fabs(slope + theta) < 0.05);
}

/* zeta of YCSB's scrambled item space: its own constant. */
static void test_zeta(void **state)
{
	double theta = fixture_value("zipfian_constant", NULL);
	double items = fixture_value("scrambled_item_count", NULL);
	double zetan = fixture_value("scrambled_zetan", NULL);
	double direct = 0;

	assert_true((uint64_t)items == YCSB_SCRAMBLE_ITEMS);
	assert_true(fabs(ycsb_zeta(YCSB_SCRAMBLE_ITEMS, theta) - zetan) <
		    1e-9 * zetan);
	/* where the sum is cut: the tail's formula meets the terms */
	for (uint64_t i = 3000000; i >= 1; i--)
		direct += pow((double)i, -theta);
	assert_true(fabs(ycsb_zeta(3000000, theta) - direct) < 1e-9);
}

/*
 * Scrambled: the ranks of the 10^10-item generator hashed onto the
 * records. Expected: each of the first million ranks' probability goes to
 * its record; the rest (about half the mass, spread over 10^10 ranks) is
 * even over the records.
 */
static void test_zipfian_scrambled(void **state)
{
	enum { N = 1000, RANKS = 1000000 };
	static uint64_t count[N];
	static double p[N], pr[RANKS];
	double head = 0;
	struct ycsb_keys k;
	struct ycsb_rng r;
	uint64_t top = 0;

	ycsb_keys_init(&k, YCSB_ZIPFIAN, N, YCSB_THETA);
	generator_pmf(&k.z, YCSB_SCRAMBLE_ITEMS, pr, RANKS);
	for (uint64_t i = 0; i < RANKS; i++) {
		p[ycsb_fnv64(i) % N] += pr[i];
		head += pr[i];
	}
	for (int i = 0; i < N; i++)
		p[i] += (1 - head) / N;
	ycsb_rng_seed(&r, 13);
	for (int i = 0; i < DRAWS; i++)
		count[ycsb_keys_next(&k, &r, N)]++;
	assert_true(chi2_ratio(count, p, N, DRAWS) < 1);
	/* the most popular record is not the first one: scrambled */
	for (int i = 1; i < N; i++)
		if (count[i] > count[top])
			top = (uint64_t)i;
	assert_int_equal(top, ycsb_fnv64(0) % N);
	assert_int_not_equal(top, 0);
}

/* Latest: zipfian by age, the newest record first. */
static void test_latest(void **state)
{
	enum { N = 1000 };
	static uint64_t count[N];
	static double p[N], pr[N];
	struct ycsb_keys k;
	struct ycsb_rng r;

	ycsb_keys_init(&k, YCSB_LATEST, N / 2, YCSB_THETA);
	ycsb_rng_seed(&r, 17);
	/* after inserts: N records now, zeta extended as YCSB does */
	for (int i = 0; i < DRAWS; i++)
		count[ycsb_keys_next(&k, &r, N)]++;
	assert_true(fabs(k.z.zetan - ycsb_zeta(N, YCSB_THETA)) < 1e-9);
	generator_pmf(&k.z, N, pr, N);
	for (int i = 0; i < N; i++)
		p[N - 1 - i] = pr[i];
	assert_true(chi2_ratio(count, p, N, DRAWS) < 1);
	assert_true(count[N - 1] > count[N - 2] && count[N - 2] > count[0]);
}

/* YCSB's FNV: the hash of 0, by the algorithm's definition. */
static void test_fnv(void **state)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 8; i++)
		h *= 1099511628211ULL; /* xor with a zero octet: nothing */
	if ((int64_t)h < 0)
		h = -h;
	assert_true(ycsb_fnv64(0) == h);
	assert_true((int64_t)ycsb_fnv64(123456789) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets_are_ycsbs),
		cmocka_unit_test(test_mixes_draw_their_proportions),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_zipfian_ranks),
		cmocka_unit_test(test_zeta),
		cmocka_unit_test(test_zipfian_scrambled),
		cmocka_unit_test(test_latest),
		cmocka_unit_test(test_fnv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
