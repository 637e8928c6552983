// SPDX-License-Identifier: GPL-2.0
/*
 * sebench: the storage_hash benchmark. Runs a workload (threads, key and
 * value sizes, GET/PUT/DEL mix, ops per call, key space) against the module
 * (--engine kmod) or, identically, against an in-process hash table (--engine
 * user, the baseline), and prints one JSON object per line: a start line, a
 * sample every interval, a summary. The format is documented in
 * kmod/README.md; the dashboard parses it.
 */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "shdev.h"

static const char *prog = "sebench";

/* --- the clock: the arm64 virtual counter, else CLOCK_MONOTONIC ------ */

static double tick_ns = 1.0;

static inline uint64_t ticks(void)
{
#if defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
#endif
}

static void clock_setup(void)
{
#if defined(__aarch64__)
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	tick_ns = 1e9 / (double)f;
#endif
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- log-bucket latency histogram (8 buckets per power of two) ------- */

#define HBUCKETS 496

static int hbucket(uint64_t v)
{
	int msb;

	if (v < 8)
		return (int)v;
	msb = 63 - __builtin_clzll(v);
	return (msb - 2) * 8 + (int)((v >> (msb - 3)) & 7);
}

/* The middle of bucket i, in the histogram's unit. */
static double hmid(int i)
{
	int msb;

	if (i < 8)
		return i;
	msb = i / 8 + 2;
	return (double)((1ULL << msb) | ((uint64_t)(i % 8) << (msb - 3))) +
	       (double)(1ULL << (msb - 3)) / 2;
}

static double hpercentile(const uint64_t *h, uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * total), seen = 0;
	int i;

	if (!total)
		return 0;
	if (want >= total)
		want = total - 1;
	for (i = 0; i < HBUCKETS; i++) {
		seen += h[i];
		if (seen > want)
			return hmid(i);
	}
	return hmid(HBUCKETS - 1);
}

/* --- the user-space engine: a striped-lock chained hash table --------- */

struct uitem {
	struct uitem *next;
	uint64_t hash;
	uint32_t key_len, val_len;
	char data[]; /* key, then value */
};

#define USTRIPES 1024

static struct {
	struct uitem **buckets;
	uint64_t mask;
	struct {
		pthread_mutex_t lock;
		char pad[64 - sizeof(pthread_mutex_t) % 64];
	} stripes[USTRIPES];
	atomic_long items;
} ut;

static uint64_t uhash(const char *k, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static void user_init(uint64_t keys)
{
	uint64_t n = 64;
	int i;

	while (n < keys)
		n <<= 1;
	ut.buckets = calloc(n, sizeof(*ut.buckets));
	ut.mask = n - 1;
	for (i = 0; i < USTRIPES; i++)
		pthread_mutex_init(&ut.stripes[i].lock, NULL);
	if (!ut.buckets) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(SH_EXIT_FAILED);
	}
}

static pthread_mutex_t *ulock(uint64_t h)
{
	return &ut.stripes[(h & ut.mask) % USTRIPES].lock;
}

static struct uitem **ufind(uint64_t h, const char *k, uint32_t len)
{
	struct uitem **p = &ut.buckets[h & ut.mask];

	for (; *p; p = &(*p)->next)
		if ((*p)->hash == h && (*p)->key_len == len &&
		    !memcmp((*p)->data, k, len))
			return p;
	return p;
}

static int user_op(struct sh_op *op)
{
	const char *k = (const char *)(uintptr_t)op->key;
	uint64_t h = uhash(k, op->key_len);
	pthread_mutex_t *l = ulock(h);
	struct uitem **p, *it, *old;
	int rc = 0;

	switch (op->op) {
	case SH_OP_PUT:
		it = malloc(sizeof(*it) + op->key_len + op->val_len);
		if (!it)
			return -ENOMEM;
		it->hash = h;
		it->key_len = op->key_len;
		it->val_len = op->val_len;
		memcpy(it->data, k, op->key_len);
		memcpy(it->data + op->key_len, (void *)(uintptr_t)op->val,
		       op->val_len);
		pthread_mutex_lock(l);
		p = ufind(h, k, op->key_len);
		old = *p;
		it->next = old ? old->next : NULL;
		*p = it;
		pthread_mutex_unlock(l);
		if (old)
			free(old);
		else
			atomic_fetch_add_explicit(&ut.items, 1,
						  memory_order_relaxed);
		return 0;
	case SH_OP_GET:
		pthread_mutex_lock(l);
		it = *ufind(h, k, op->key_len);
		if (!it) {
			rc = -ENOENT;
		} else if (it->val_len > op->val_len) {
			op->val_len = it->val_len;
			rc = -ENOSPC;
		} else {
			op->val_len = it->val_len;
			memcpy((void *)(uintptr_t)op->val,
			       it->data + it->key_len, it->val_len);
		}
		pthread_mutex_unlock(l);
		return rc;
	case SH_OP_DEL:
		pthread_mutex_lock(l);
		p = ufind(h, k, op->key_len);
		it = *p;
		if (it)
			*p = it->next;
		pthread_mutex_unlock(l);
		if (!it)
			return -ENOENT;
		free(it);
		atomic_fetch_sub_explicit(&ut.items, 1, memory_order_relaxed);
		return 0;
	}
	return -EINVAL;
}

/* --- the workload ------------------------------------------------------- */

static struct {
	int kmod;
	int threads;
	double duration, interval;
	uint32_t key_size, value_size;
	unsigned int mix[3]; /* weights of GET, PUT, DEL */
	uint32_t batch;
	uint64_t keys;
	int prefill, seq;
	uint64_t seed;
	const char *device;
} cfg = {
	.kmod = 1,
	.threads = 1,
	.duration = 5,
	.interval = 1,
	.key_size = 16,
	.value_size = 64,
	.mix = { 100, 0, 0 },
	.batch = 1,
	.keys = 10000,
	.prefill = 1,
	.seed = 1,
};

static char *keybuf; /* keys * key_size bytes, key i at i * key_size */
static char *value; /* value_size bytes */

static const char *key_of(uint64_t i)
{
	return keybuf + i * cfg.key_size;
}

enum { OP_GET, OP_PUT, OP_DEL, NOPS };
static const char *const op_names[NOPS] = { "get", "put", "del" };
static const uint32_t op_codes[NOPS] = { SH_OP_GET, SH_OP_PUT, SH_OP_DEL };

/* Written by one worker, read by the main thread: relaxed atomics. */
struct worker {
	pthread_t tid;
	int id, fd;
	uint64_t rng, cursor;
	atomic_uint_least64_t ops[NOPS], hits[NOPS], errors, calls;
	atomic_uint_least64_t hist[HBUCKETS];
	int first_error;
	/*
	 * Set as the worker returns. An oops inside an ioctl ends the
	 * calling thread in the kernel and nothing else: a worker that is
	 * gone without this was killed, and the run is not a measurement.
	 */
	atomic_int finished;
	bool joined;
	char pad[64];
};

static atomic_int go, stop;

static inline void bump(atomic_uint_least64_t *c, uint64_t n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Runs ops[0..n) on the engine; per-op results in ops[i].result. */
static int engine_run(int fd, struct sh_op *ops, uint32_t n)
{
	struct sh_kv kv;
	uint32_t i;
	int rc;

	if (!cfg.kmod) {
		for (i = 0; i < n; i++)
			ops[i].result = user_op(&ops[i]);
		return 0;
	}
	if (n > 1)
		return shdev_batch(fd, ops, n, NULL);
	kv = (struct sh_kv){ .version = STORAGE_HASH_UAPI_VERSION,
			     .key_len = ops->key_len,
			     .val_len = ops->val_len,
			     .key = ops->key,
			     .val = ops->val };
	rc = ioctl(fd,
		   ops->op == SH_OP_GET ? SH_IOC_GET :
		   ops->op == SH_OP_PUT ? SH_IOC_PUT :
					  SH_IOC_DEL,
		   &kv);
	ops->result = rc ? -errno : 0;
	ops->val_len = kv.val_len;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sh_op *ops = calloc(cfg.batch, sizeof(*ops));
	char *bufs = malloc((size_t)cfg.batch * (cfg.value_size + 1));
	unsigned int total = cfg.mix[0] + cfg.mix[1] + cfg.mix[2];
	int kinds[SH_BATCH_MAX];
	uint32_t i;

	if (!ops || !bufs) {
		w->first_error = -ENOMEM;
		atomic_store(&w->finished, 1);
		return NULL;
	}
	while (!atomic_load(&go))
		;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t t0, t1;
		int rc;

		for (i = 0; i < cfg.batch; i++) {
			uint64_t r = rnd(&w->rng), k;
			unsigned int m = (r >> 40) % total;
			int kind = m < cfg.mix[0]	       ? OP_GET :
				   m < cfg.mix[0] + cfg.mix[1] ? OP_PUT :
								 OP_DEL;

			if (cfg.seq) {
				k = w->cursor;
				w->cursor += cfg.threads;
				if (w->cursor >= cfg.keys)
					w->cursor = w->id;
			} else {
				k = r % cfg.keys;
			}
			kinds[i] = kind;
			ops[i].op = op_codes[kind];
			ops[i].key_len = cfg.key_size;
			ops[i].key = shdev_ptr(key_of(k));
			if (kind == OP_PUT) {
				ops[i].val = shdev_ptr(value);
				ops[i].val_len = cfg.value_size;
			} else {
				ops[i].val = shdev_ptr(
					bufs +
					(size_t)i * (cfg.value_size + 1));
				ops[i].val_len = cfg.value_size + 1;
			}
		}
		t0 = ticks();
		rc = engine_run(w->fd, ops, cfg.batch);
		t1 = ticks();
		bump(&w->hist[hbucket(t1 - t0)], 1);
		bump(&w->calls, 1);
		if (rc) {
			if (!w->first_error)
				w->first_error = rc;
			bump(&w->errors, cfg.batch);
			continue;
		}
		for (i = 0; i < cfg.batch; i++) {
			bump(&w->ops[kinds[i]], 1);
			if (!ops[i].result)
				bump(&w->hits[kinds[i]], 1);
			else if (ops[i].result != -ENOENT) {
				if (!w->first_error)
					w->first_error = ops[i].result;
				bump(&w->errors, 1);
			}
		}
	}
	free(ops);
	free(bufs);
	atomic_store(&w->finished, 1);
	return NULL;
}

/*
 * The first worker that ended without finishing (see struct worker), or
 * -1. wait: join them all; else only collect those already gone.
 */
static int dead_worker(struct worker *w, bool wait)
{
	int dead = -1;

	for (int t = 0; t < cfg.threads; t++) {
		if (!w[t].joined)
			w[t].joined =
				wait ? !pthread_join(w[t].tid, NULL) :
				       !pthread_tryjoin_np(w[t].tid, NULL);
		if (w[t].joined && !atomic_load(&w[t].finished) && dead < 0)
			dead = t;
	}
	return dead;
}

/* No summary for a run that lost a worker: it measured nothing whole. */
static int worker_died(struct worker *w, int dead)
{
	atomic_store(&stop, 1);
	dead_worker(w, true);
	fprintf(stderr,
		"%s: worker thread %d was killed inside the %s (a kernel oops? see the kernel log): no summary\n",
		prog, dead, cfg.kmod ? "module's ioctl" : "engine");
	return SH_EXIT_FAILED;
}

/* Totals over every worker. */
struct snap {
	uint64_t ops[NOPS], hits[NOPS], errors, calls;
	uint64_t hist[HBUCKETS];
};

static void snapshot(struct worker *w, struct snap *s)
{
	int t, i;

	memset(s, 0, sizeof(*s));
	for (t = 0; t < cfg.threads; t++) {
		for (i = 0; i < NOPS; i++) {
			s->ops[i] += atomic_load_explicit(&w[t].ops[i],
							  memory_order_relaxed);
			s->hits[i] += atomic_load_explicit(
				&w[t].hits[i], memory_order_relaxed);
		}
		s->errors += atomic_load_explicit(&w[t].errors,
						  memory_order_relaxed);
		s->calls +=
			atomic_load_explicit(&w[t].calls, memory_order_relaxed);
		for (i = 0; i < HBUCKETS; i++)
			s->hist[i] += atomic_load_explicit(
				&w[t].hist[i], memory_order_relaxed);
	}
}

/* Prints "ops_s":{...},"lat_us":{...} for the difference b - a. */
static void print_rates(const struct snap *a, const struct snap *b, double secs,
			int with_max)
{
	static uint64_t h[HBUCKETS];
	uint64_t total = 0, calls = b->calls - a->calls;
	int i, top = 0;

	printf("\"ops_s\":{");
	for (i = 0; i < NOPS; i++) {
		uint64_t n = b->ops[i] - a->ops[i];

		total += n;
		printf("\"%s\":%.0f,", op_names[i], secs > 0 ? n / secs : 0);
	}
	printf("\"total\":%.0f},", secs > 0 ? total / secs : 0);
	for (i = 0; i < HBUCKETS; i++) {
		h[i] = b->hist[i] - a->hist[i];
		if (h[i])
			top = i;
	}
	printf("\"lat_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f",
	       hpercentile(h, calls, 0.50) * tick_ns / 1000,
	       hpercentile(h, calls, 0.99) * tick_ns / 1000,
	       hpercentile(h, calls, 0.999) * tick_ns / 1000);
	if (with_max)
		printf(",\"max\":%.2f", calls ? hmid(top) * tick_ns / 1000 : 0);
	printf("},\"calls\":%llu,\"errors\":%llu", (unsigned long long)calls,
	       (unsigned long long)(b->errors - a->errors));
}

static void print_config(void)
{
	printf("\"engine\":\"%s\",\"threads\":%d,\"batch\":%u,\"key_size\":%u,\"value_size\":%u,\"keys\":%llu,\"mix\":{\"get\":%u,\"put\":%u,\"del\":%u},\"order\":\"%s\"",
	       cfg.kmod ? "kmod" : "user", cfg.threads, cfg.batch, cfg.key_size,
	       cfg.value_size, (unsigned long long)cfg.keys, cfg.mix[0],
	       cfg.mix[1], cfg.mix[2], cfg.seq ? "seq" : "random");
}

/* Stores every key once, 64 per call, before the clock starts. */
static int prefill(int fd)
{
	struct sh_op ops[64];
	uint64_t i = 0;
	uint32_t j;

	while (i < cfg.keys) {
		for (j = 0; j < 64 && i < cfg.keys; j++, i++)
			ops[j] = (struct sh_op){ SH_OP_PUT,
						 cfg.key_size,
						 shdev_ptr(key_of(i)),
						 shdev_ptr(value),
						 cfg.value_size,
						 0 };
		if (engine_run(fd, ops, j))
			return -errno;
		while (j--)
			if (ops[j].result)
				return ops[j].result;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sebench [options]\n"
		"  --engine kmod|user   the module (default) or the in-process baseline table\n"
		"  --threads N          worker threads (1)\n"
		"  --duration SEC       measured time (5)\n"
		"  --interval SEC       time between samples (1)\n"
		"  --key-size B         key length, 1..256 (16)\n"
		"  --value-size B       value length (64)\n"
		"  --mix G:P:D          weights of GET, PUT, DEL (100:0:0)\n"
		"  --batch N            ops per call, 1..1024; 1 = single-op ioctls (1)\n"
		"  --keys N             key space (10000)\n"
		"  --no-prefill         do not store every key before the run\n"
		"  --seq                each thread walks its share of the keys in order\n"
		"  --seed N             random seed (1)\n"
		"  --device PATH        the device (" STORAGE_HASH_DEVICE ")\n"
		"Output: JSON lines (start, sample per interval, summary); see kmod/README.md.\n");
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_secs(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "key-size", required_argument, NULL, 'k' },
		{ "value-size", required_argument, NULL, 'v' },
		{ "mix", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "keys", required_argument, NULL, 'n' },
		{ "no-prefill", no_argument, NULL, 'P' },
		{ "seq", no_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'e':
			if (!strcmp(optarg, "kmod"))
				cfg.kmod = 1;
			else if (!strcmp(optarg, "user"))
				cfg.kmod = 0;
			else
				bad = 1;
			break;
		case 't':
			bad = parse_u64(optarg, 1, 256, &v);
			cfg.threads = v;
			break;
		case 'd':
			bad = parse_secs(optarg, &cfg.duration);
			break;
		case 'i':
			bad = parse_secs(optarg, &cfg.interval);
			break;
		case 'k':
			bad = parse_u64(optarg, 1, SH_KEY_MAX, &v);
			cfg.key_size = v;
			break;
		case 'v':
			bad = parse_u64(optarg, 0, 1 << 20, &v);
			cfg.value_size = v;
			break;
		case 'm': {
			unsigned int g, p, d;
			char extra;

			bad = sscanf(optarg, "%u:%u:%u%c", &g, &p, &d,
				     &extra) != 3 ||
			      g + p + d == 0 || g > 1000000 || p > 1000000 ||
			      d > 1000000;
			cfg.mix[0] = g;
			cfg.mix[1] = p;
			cfg.mix[2] = d;
			break;
		}
		case 'b':
			bad = parse_u64(optarg, 1, SH_BATCH_MAX, &v);
			cfg.batch = v;
			break;
		case 'n':
			bad = parse_u64(optarg, 1, 100000000, &v);
			cfg.keys = v;
			break;
		case 'P':
			cfg.prefill = 0;
			break;
		case 'S':
			cfg.seq = 1;
			break;
		case 's':
			bad = parse_u64(optarg, 1, UINT64_MAX, &cfg.seed);
			break;
		case 'D':
			cfg.device = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			for (v = 0; opts[v].name && opts[v].val != c; v++)
				;
			fprintf(stderr,
				"%s: bad value '%s' for --%s (see --help)\n",
				prog, optarg, opts[v].name);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		usage(stderr);
		return -1;
	}
	if (cfg.interval > cfg.duration)
		cfg.interval = cfg.duration;
	return 0;
}

int main(int argc, char **argv)
{
	struct snap first, prev, cur;
	struct worker *w;
	double t_start, t_next, t_now, t_prev, t_prefill = 0;
	int t, fd0 = -1, rc = 0, max_value;
	uint64_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv))
		return SH_EXIT_USAGE;
	clock_setup();

	w = aligned_alloc(64, sizeof(*w) * cfg.threads);
	keybuf = malloc(cfg.keys * cfg.key_size);
	value = malloc(cfg.value_size ? cfg.value_size : 1);
	if (!w || !keybuf || !value) {
		fprintf(stderr, "%s: out of memory for %llu keys\n", prog,
			(unsigned long long)cfg.keys);
		return SH_EXIT_FAILED;
	}
	memset(w, 0, sizeof(*w) * cfg.threads);
	for (i = 0; i < cfg.keys; i++) {
		char tmp[SH_KEY_MAX + 32];

		/* Fixed width: "k000..0<i>", the id's low digits if short. */
		snprintf(tmp, sizeof(tmp), "k%0*llu", (int)SH_KEY_MAX,
			 (unsigned long long)i);
		memcpy(keybuf + i * cfg.key_size,
		       tmp + strlen(tmp) - cfg.key_size, cfg.key_size);
		if (cfg.key_size > 20)
			keybuf[i * cfg.key_size] = 'k';
	}
	for (i = 0; i < cfg.value_size; i++)
		value[i] = 'a' + i % 26;
	if (cfg.key_size < 8 && cfg.keys > 1) {
		uint64_t space = 1;

		for (i = 0; i < cfg.key_size && space < cfg.keys; i++)
			space *= 10;
		if (space < cfg.keys) {
			fprintf(stderr,
				"%s: %llu keys do not fit in %u-byte keys\n",
				prog, (unsigned long long)cfg.keys,
				cfg.key_size);
			return SH_EXIT_USAGE;
		}
	}

	if (cfg.kmod) {
		struct sh_stats s;

		for (t = 0; t < cfg.threads; t++) {
			w[t].fd = shdev_open(cfg.device, prog);
			if (w[t].fd < 0)
				return SH_EXIT_DEVICE;
		}
		fd0 = w[0].fd;
		if (shdev_stats(fd0, &s) == 0) {
			max_value = s.max_value_len;
			if (cfg.value_size > (uint32_t)max_value) {
				fprintf(stderr,
					"%s: --value-size %u is above the module's max_value_len=%d\n",
					prog, cfg.value_size, max_value);
				return SH_EXIT_USAGE;
			}
		}
		shdev_clear(fd0);
	} else {
		user_init(cfg.keys);
	}
	if (cfg.prefill) {
		double t0 = now_s();

		rc = prefill(fd0);
		if (rc) {
			fprintf(stderr,
				"%s: storing the %llu keys before the run failed: %s%s\n",
				prog, (unsigned long long)cfg.keys,
				strerror(-rc),
				rc == -ENOSPC ?
					" (more than the module's max_bytes: fewer --keys or a smaller --value-size)" :
					"");
			return SH_EXIT_FAILED;
		}
		t_prefill = now_s() - t0;
	}

	printf("{\"type\":\"start\",");
	print_config();
	printf(",\"duration_s\":%.3f,\"interval_s\":%.3f,\"prefill_s\":%.3f,\"uapi\":%d,\"clock_ns\":%.2f}\n",
	       cfg.duration, cfg.interval, t_prefill, STORAGE_HASH_UAPI_VERSION,
	       tick_ns);

	for (t = 0; t < cfg.threads; t++) {
		w[t].id = t;
		w[t].cursor = t;
		w[t].rng = (cfg.seed + t) * 0x9e3779b97f4a7c15ULL | 1;
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t])) {
			fprintf(stderr, "%s: cannot start thread %d\n", prog,
				t);
			return SH_EXIT_FAILED;
		}
	}
	snapshot(w, &first);
	prev = first;
	t_start = now_s();
	atomic_store(&go, 1);
	t_next = t_prev = t_start;
	for (;;) {
		double end = t_start + cfg.duration;
		struct timespec ts;

		t_next += cfg.interval;
		if (t_next > end)
			t_next = end;
		ts.tv_sec = (time_t)t_next;
		ts.tv_nsec = (long)((t_next - (double)ts.tv_sec) * 1e9);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		t_now = now_s();
		if (t_now >= end)
			atomic_store(&stop, 1);
		snapshot(w, &cur);
		printf("{\"type\":\"sample\",\"t\":%.3f,", t_now - t_start);
		print_rates(&prev, &cur, t_now - t_prev, 0);
		printf("}\n");
		prev = cur;
		t_prev = t_now;
		if (t_now >= end)
			break;
		t = dead_worker(w, false);
		if (t >= 0)
			return worker_died(w, t);
	}
	t = dead_worker(w, true);
	if (t >= 0)
		return worker_died(w, t);
	t_now = now_s();
	snapshot(w, &cur);

	printf("{\"type\":\"summary\",");
	print_config();
	printf(",\"elapsed_s\":%.3f,\"ops\":{", t_now - t_start);
	for (i = 0; i < NOPS; i++)
		printf("\"%s\":%llu,", op_names[i],
		       (unsigned long long)cur.ops[i]);
	printf("\"total\":%llu},\"hits\":{",
	       (unsigned long long)(cur.ops[0] + cur.ops[1] + cur.ops[2]));
	for (i = 0; i < NOPS; i++)
		printf("%s\"%s\":%llu", i ? "," : "", op_names[i],
		       (unsigned long long)cur.hits[i]);
	printf("},");
	print_rates(&first, &cur, t_now - t_start, 1);
	printf("}\n");

	for (t = 0; t < cfg.threads; t++) {
		if (w[t].first_error) {
			fprintf(stderr, "%s: %llu ops failed; the first: %s\n",
				prog, (unsigned long long)cur.errors,
				strerror(-w[t].first_error));
			rc = SH_EXIT_FAILED;
			break;
		}
	}
	if (cfg.kmod)
		for (t = 0; t < cfg.threads; t++)
			close(w[t].fd);
	return rc;
}
