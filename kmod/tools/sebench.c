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
#include "ycsb.h"

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
	bool duration_set; /* --duration given: a cap on --operations */
	uint32_t key_size, value_size;
	/* weights of the operations (ycsb.h: read, update, delete, ...) */
	unsigned int mix[YCSB_NOPS];
	const struct ycsb_preset *preset; /* --workload, or NULL */
	enum ycsb_dist dist;
	bool dist_set;
	double theta;
	uint32_t batch;
	uint64_t keys; /* the records of the load phase */
	uint64_t operations; /* the run phase's, over all threads; 0: timed */
	int prefill, seq, samples;
	uint64_t seed;
	const char *device;
} cfg = {
	.kmod = 1,
	.threads = 1,
	.duration = 5,
	.interval = 1,
	.key_size = 16,
	.value_size = 64,
	.mix = { [YCSB_READ] = 100 },
	.dist = YCSB_UNIFORM,
	.theta = YCSB_THETA,
	.batch = 1,
	.keys = 10000,
	.prefill = 1,
	.samples = 1,
	.seed = 1,
};

static char *keybuf; /* keys * key_size bytes, key i at i * key_size */
static char *value; /* value_size bytes */
/* records inserted during the run: keys from cfg.keys on */
static atomic_uint_least64_t inserted;

static const char *key_of(uint64_t i)
{
	return keybuf + i * cfg.key_size;
}

/*
 * Key i: its decimal digits, zero-padded to key_size (the low digits if
 * short), a 'k' first when longer than 20 bytes.
 */
static void key_make(char *dst, uint64_t i)
{
	for (uint32_t j = cfg.key_size; j-- > 0; i /= 10)
		dst[j] = (char)('0' + i % 10);
	if (cfg.key_size > 20)
		dst[0] = 'k';
}

#define NOPS YCSB_NOPS
#define MAX_SLOTS (2 * SH_BATCH_MAX) /* an RMW takes a GET and a PUT */

/* Written by one worker, read by the main thread: relaxed atomics. */
struct worker {
	pthread_t tid;
	int id, fd;
	struct ycsb_rng rng;
	struct ycsb_keys keys; /* its own: latest's zeta grows per thread */
	uint64_t cursor, quota;
	atomic_uint_least64_t ops[NOPS], hits[NOPS], errors, calls;
	atomic_uint_least64_t hist[HBUCKETS];
	int first_error;
	double t_end; /* when it did its last operation */
	/*
	 * Set as the worker returns. An oops inside an ioctl ends the
	 * calling thread in the kernel and nothing else: a worker that is
	 * gone without this was killed, and the run is not a measurement.
	 */
	atomic_int finished;
	bool joined;
	char pad[64];
};

static atomic_int go, stop, nfinished;

static inline void bump(atomic_uint_least64_t *c, uint64_t n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static int kv_ioctl(int fd, struct sh_op *op)
{
	struct sh_kv kv = { .version = STORAGE_HASH_UAPI_VERSION,
			    .key_len = op->key_len,
			    .val_len = op->val_len,
			    .key = op->key,
			    .val = op->val };
	int rc = ioctl(fd,
		       op->op == SH_OP_GET ? SH_IOC_GET :
		       op->op == SH_OP_PUT ? SH_IOC_PUT :
					     SH_IOC_DEL,
		       &kv);

	op->result = rc ? -errno : 0;
	op->val_len = kv.val_len;
	return 0;
}

/*
 * Runs ops[0..n) on the engine; per-op results in ops[i].result. With
 * --batch 1 each op is its own ioctl (an RMW's two as well), else one
 * SH_IOC_BATCH call.
 */
static int engine_run(int fd, struct sh_op *ops, uint32_t n)
{
	uint32_t i;

	if (!cfg.kmod) {
		for (i = 0; i < n; i++)
			ops[i].result = user_op(&ops[i]);
		return 0;
	}
	if (cfg.batch > 1)
		return shdev_batch(fd, ops, n, NULL);
	for (i = 0; i < n; i++)
		kv_ioctl(fd, &ops[i]);
	return 0;
}

/* The record of the next request, and where its key is. */
static const char *pick_key(struct worker *w, enum ycsb_op kind, char *spare)
{
	uint64_t k;

	if (kind == YCSB_INSERT) {
		k = cfg.keys + atomic_fetch_add_explicit(&inserted, 1,
							 memory_order_relaxed);
		key_make(spare, k);
		return spare;
	}
	if (cfg.seq) {
		k = w->cursor;
		w->cursor += cfg.threads;
		if (w->cursor >= cfg.keys)
			w->cursor = w->id;
		return key_of(k);
	}
	k = ycsb_keys_next(&w->keys, &w->rng,
			   cfg.keys + atomic_load_explicit(
					      &inserted, memory_order_relaxed));
	if (k < cfg.keys)
		return key_of(k);
	key_make(spare, k);
	return spare;
}

static void slot_read(struct sh_op *op, const char *key, char *buf)
{
	*op = (struct sh_op){ .op = SH_OP_GET,
			      .key_len = cfg.key_size,
			      .key = shdev_ptr(key),
			      .val = shdev_ptr(buf),
			      .val_len = cfg.value_size + 1 };
}

static void slot_write(struct sh_op *op, uint32_t code, const char *key)
{
	*op = (struct sh_op){ .op = code,
			      .key_len = cfg.key_size,
			      .key = shdev_ptr(key),
			      .val = shdev_ptr(value),
			      .val_len = code == SH_OP_PUT ? cfg.value_size :
							     0 };
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sh_op *ops = calloc(MAX_SLOTS, sizeof(*ops));
	char *bufs = malloc((size_t)MAX_SLOTS * (cfg.value_size + 1));
	char *kbufs = malloc((size_t)SH_BATCH_MAX * cfg.key_size);
	int kinds[SH_BATCH_MAX];
	uint32_t first_slot[SH_BATCH_MAX];
	uint64_t done = 0;
	uint32_t i;

	if (!ops || !bufs || !kbufs) {
		w->first_error = -ENOMEM;
		goto out;
	}
	while (!atomic_load(&go))
		;
	while (!atomic_load_explicit(&stop, memory_order_relaxed) &&
	       (!w->quota || done < w->quota)) {
		uint32_t n = cfg.batch, slots = 0;
		uint64_t t0, t1;
		int rc;

		if (w->quota && w->quota - done < n)
			n = (uint32_t)(w->quota - done);
		for (i = 0; i < n; i++) {
			enum ycsb_op kind = ycsb_op_pick(cfg.mix, &w->rng);
			char *spare = kbufs + (size_t)i * cfg.key_size;
			const char *key = pick_key(w, kind, spare);
			char *buf = bufs + (size_t)slots * (cfg.value_size + 1);

			kinds[i] = kind;
			first_slot[i] = slots;
			switch (kind) {
			case YCSB_READ:
				slot_read(&ops[slots++], key, buf);
				break;
			case YCSB_RMW:
				slot_read(&ops[slots++], key, buf);
				slot_write(&ops[slots++], SH_OP_PUT, key);
				break;
			case YCSB_DELETE:
				slot_write(&ops[slots++], SH_OP_DEL, key);
				break;
			default: /* update, insert */
				slot_write(&ops[slots++], SH_OP_PUT, key);
				break;
			}
		}
		t0 = ticks();
		rc = engine_run(w->fd, ops, slots);
		t1 = ticks();
		bump(&w->hist[hbucket(t1 - t0)], 1);
		bump(&w->calls, 1);
		done += n;
		if (rc) {
			if (!w->first_error)
				w->first_error = rc;
			bump(&w->errors, n);
			continue;
		}
		for (i = 0; i < n; i++) {
			const struct sh_op *op = &ops[first_slot[i]];
			int res = op->result;

			/* an RMW's write: its result, unless the read failed */
			if (kinds[i] == YCSB_RMW && !res)
				res = op[1].result;
			bump(&w->ops[kinds[i]], 1);
			if (!res)
				bump(&w->hits[kinds[i]], 1);
			else if (res != -ENOENT) {
				if (!w->first_error)
					w->first_error = res;
				bump(&w->errors, 1);
			}
		}
	}
	w->t_end = now_s();
out:
	free(ops);
	free(bufs);
	free(kbufs);
	atomic_fetch_add(&nfinished, 1);
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
		printf("\"%s\":%.0f,", ycsb_op_name(i),
		       secs > 0 ? n / secs : 0);
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
	printf("\"engine\":\"%s\",\"threads\":%d,\"batch\":%u,\"key_size\":%u,\"value_size\":%u,\"keys\":%llu,\"records\":%llu,\"operations\":%llu,\"mix\":{",
	       cfg.kmod ? "kmod" : "user", cfg.threads, cfg.batch, cfg.key_size,
	       cfg.value_size, (unsigned long long)cfg.keys,
	       (unsigned long long)cfg.keys,
	       (unsigned long long)cfg.operations);
	for (int op = 0; op < NOPS; op++)
		printf("%s\"%s\":%u", op ? "," : "", ycsb_op_name(op),
		       cfg.mix[op]);
	printf("},\"order\":\"%s\",\"distribution\":\"%s\"",
	       cfg.seq ? "seq" : "random",
	       cfg.seq ? "seq" : ycsb_dist_name(cfg.dist));
	if (!cfg.seq && cfg.dist != YCSB_UNIFORM)
		printf(",\"theta\":%.2f", cfg.theta);
	if (cfg.preset)
		printf(",\"preset\":\"%s\"", cfg.preset->name);
}

/* The load phase: every record stored once, 64 per call. */
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
		if (cfg.kmod ? shdev_batch(fd, ops, j, NULL) :
			       engine_run(fd, ops, j))
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
		"  --workload A..F      a YCSB core workload: its mix and distribution\n"
		"                       (A 50/50 read/update, B 95/5, C read only, D read\n"
		"                       latest with 5%% inserts, F read-modify-write;\n"
		"                       E scans: not applicable to a hash engine)\n"
		"  --distribution D     uniform (default), zipfian or latest\n"
		"  --theta X            the zipfian constant (0.99, as YCSB)\n"
		"  --threads N          worker threads (1)\n"
		"  --duration SEC       measured time (5); with --operations, a cap\n"
		"  --operations N       the run phase's operations, over all threads\n"
		"  --interval SEC       time between samples (a tenth of the run,\n"
		"                       0.25 to 1; with --operations 0.1)\n"
		"  --no-samples         print no sample lines, only start and summary\n"
		"  --key-size B         key length, 1..256 (16)\n"
		"  --value-size B       value length (64)\n"
		"  --mix G:P:D          weights of GET, PUT, DEL (100:0:0)\n"
		"  --batch N            ops per call, 1..1024; 1 = single-op ioctls (1)\n"
		"  --records N          records stored by the load phase (10000;\n"
		"                       also --keys)\n"
		"  --no-prefill         no load phase\n"
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

/* After the options: a preset's mix and distribution, unless given. */
static int settle_workload(bool mix_set)
{
	if (cfg.preset && cfg.preset->not_applicable) {
		fprintf(stderr, "%s: %s\n", prog, cfg.preset->not_applicable);
		return -1;
	}
	if (cfg.preset && mix_set) {
		fprintf(stderr,
			"%s: --workload %s sets the mix: leave out --mix\n",
			prog, cfg.preset->name);
		return -1;
	}
	if (cfg.preset) {
		memcpy(cfg.mix, cfg.preset->mix, sizeof(cfg.mix));
		if (!cfg.dist_set)
			cfg.dist = cfg.preset->dist;
	}
	if (cfg.batch * (cfg.mix[YCSB_RMW] ? 2 : 1) > SH_BATCH_MAX) {
		fprintf(stderr,
			"%s: --batch %u with read-modify-writes needs %u ops a call, more than %d\n",
			prog, cfg.batch, cfg.batch * 2, SH_BATCH_MAX);
		return -1;
	}
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
		{ "records", required_argument, NULL, 'n' },
		{ "operations", required_argument, NULL, 'o' },
		{ "workload", required_argument, NULL, 'w' },
		{ "distribution", required_argument, NULL, 'r' },
		{ "theta", required_argument, NULL, 'z' },
		{ "no-samples", no_argument, NULL, 'Q' },
		{ "no-prefill", no_argument, NULL, 'P' },
		{ "seq", no_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool mix_set = false, interval_set = false;
	uint64_t v;
	int c, idx;

	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
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
			cfg.duration_set = true;
			break;
		case 'i':
			bad = parse_secs(optarg, &cfg.interval);
			interval_set = true;
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
			memset(cfg.mix, 0, sizeof(cfg.mix));
			cfg.mix[YCSB_READ] = g;
			cfg.mix[YCSB_UPDATE] = p;
			cfg.mix[YCSB_DELETE] = d;
			mix_set = true;
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
		case 'o':
			bad = parse_u64(optarg, 1, UINT64_MAX / 2, &v);
			cfg.operations = v;
			break;
		case 'w':
			cfg.preset = ycsb_preset(optarg);
			bad = !cfg.preset;
			break;
		case 'r':
			bad = ycsb_dist_parse(optarg, &cfg.dist);
			cfg.dist_set = true;
			break;
		case 'z': {
			char *end;

			cfg.theta = strtod(optarg, &end);
			bad = end == optarg || *end || !(cfg.theta > 0) ||
			      !(cfg.theta < 1);
			break;
		}
		case 'Q':
			cfg.samples = 0;
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
			fprintf(stderr,
				"%s: bad value '%s' for --%s (see --help)\n",
				prog, optarg, opts[idx].name);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		usage(stderr);
		return -1;
	}
	/*
	 * Without --interval: ten samples a timed run, one a second at most
	 * and four a second at least apart; one every 0.1 s in a run of
	 * --operations. Each sample line wakes the board's sshd: under QEMU
	 * ten a second cost the module's engine 3% of its throughput, four
	 * 1% (the median's 95% interval 0-2%; tests/bench/bench_stream.sh,
	 * 101 pairs).
	 */
	if (!interval_set)
		cfg.interval = cfg.operations && !cfg.duration_set ? 0.1 :
			       cfg.duration / 10 > 1		   ? 1 :
			       cfg.duration / 10 < 0.25		   ? 0.25 :
							  cfg.duration / 10;
	if (cfg.interval > cfg.duration &&
	    (cfg.duration_set || !cfg.operations))
		cfg.interval = cfg.duration;
	return settle_workload(mix_set);
}

/* The run phase ends by time, or when every worker did its share. */
static bool run_over(double t_start)
{
	if ((!cfg.operations || cfg.duration_set) &&
	    now_s() >= t_start + cfg.duration)
		return true;
	return cfg.operations && atomic_load(&nfinished) == cfg.threads;
}

/*
 * Sleeps until t, or until the run is over. With --operations it wakes
 * every 2 ms to see whether the workers are done (the run's end is
 * theirs) or one was killed: the index of a dead worker, else -1.
 */
static int wait_until(struct worker *w, double t, double t_start)
{
	for (;;) {
		double now = now_s(), until = t;
		struct timespec ts;
		int dead;

		if (now >= t || run_over(t_start))
			return -1;
		if (cfg.operations) {
			dead = dead_worker(w, false);
			if (dead >= 0)
				return dead;
			if (until > now + 0.002)
				until = now + 0.002;
		}
		ts.tv_sec = (time_t)until;
		ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
	}
}

static int make_keys(void)
{
	uint64_t i;

	keybuf = malloc(cfg.keys * cfg.key_size);
	value = malloc(cfg.value_size ? cfg.value_size : 1);
	if (!keybuf || !value) {
		fprintf(stderr, "%s: out of memory for %llu keys\n", prog,
			(unsigned long long)cfg.keys);
		return SH_EXIT_FAILED;
	}
	for (i = 0; i < cfg.keys; i++)
		key_make(keybuf + i * cfg.key_size, i);
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
	return 0;
}

/* The engine, empty, and the load phase. */
static int open_engine(struct worker *w, double *t_load)
{
	int t, rc;

	*t_load = 0;
	if (cfg.kmod) {
		struct sh_stats s;

		for (t = 0; t < cfg.threads; t++) {
			w[t].fd = shdev_open(cfg.device, prog);
			if (w[t].fd < 0)
				return SH_EXIT_DEVICE;
		}
		if (shdev_stats(w[0].fd, &s) == 0 &&
		    cfg.value_size > s.max_value_len) {
			fprintf(stderr,
				"%s: --value-size %u is above the module's max_value_len=%llu\n",
				prog, cfg.value_size,
				(unsigned long long)s.max_value_len);
			return SH_EXIT_USAGE;
		}
		shdev_clear(w[0].fd);
	} else {
		user_init(cfg.keys);
	}
	if (cfg.prefill) {
		double t0 = now_s();

		rc = prefill(cfg.kmod ? w[0].fd : -1);
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
		*t_load = now_s() - t0;
	}
	return 0;
}

static int start_workers(struct worker *w)
{
	for (int t = 0; t < cfg.threads; t++) {
		w[t].id = t;
		w[t].cursor = t;
		ycsb_rng_seed(&w[t].rng,
			      (cfg.seed + t) * 0x9e3779b97f4a7c15ULL | 1);
		ycsb_keys_init(&w[t].keys, cfg.dist, cfg.keys, cfg.theta);
		/* the operations shared out, the first threads one more */
		if (cfg.operations)
			w[t].quota =
				cfg.operations / cfg.threads +
				((uint64_t)t < cfg.operations % cfg.threads);
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t])) {
			fprintf(stderr, "%s: cannot start thread %d\n", prog,
				t);
			return SH_EXIT_FAILED;
		}
	}
	return 0;
}

static void print_summary(const struct snap *first, const struct snap *cur,
			  double elapsed)
{
	uint64_t total = 0;
	int i;

	printf("{\"type\":\"summary\",");
	print_config();
	printf(",\"elapsed_s\":%.3f,\"ops\":{", elapsed);
	for (i = 0; i < NOPS; i++) {
		printf("\"%s\":%llu,", ycsb_op_name(i),
		       (unsigned long long)cur->ops[i]);
		total += cur->ops[i];
	}
	printf("\"total\":%llu},\"hits\":{", (unsigned long long)total);
	for (i = 0; i < NOPS; i++)
		printf("%s\"%s\":%llu", i ? "," : "", ycsb_op_name(i),
		       (unsigned long long)cur->hits[i]);
	printf("},");
	print_rates(first, cur, elapsed, 1);
	printf("}\n");
}

int main(int argc, char **argv)
{
	struct snap first, prev, cur;
	struct worker *w;
	double t_start, t_next, t_now, t_prev, t_load, elapsed;
	int t, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv))
		return SH_EXIT_USAGE;
	clock_setup();

	w = aligned_alloc(64, sizeof(*w) * cfg.threads);
	if (!w) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return SH_EXIT_FAILED;
	}
	memset(w, 0, sizeof(*w) * cfg.threads);
	rc = make_keys();
	if (!rc)
		rc = open_engine(w, &t_load);
	if (rc)
		return rc;

	printf("{\"type\":\"start\",");
	print_config();
	printf(",\"duration_s\":%.3f,\"interval_s\":%.3f,\"prefill_s\":%.3f,\"load\":{\"records\":%llu,\"elapsed_s\":%.3f,\"ops_s\":%.0f},\"uapi\":%d,\"clock_ns\":%.2f}\n",
	       cfg.operations && !cfg.duration_set ? 0 : cfg.duration,
	       cfg.interval, t_load,
	       (unsigned long long)(cfg.prefill ? cfg.keys : 0), t_load,
	       t_load > 0 ? (double)cfg.keys / t_load : 0,
	       STORAGE_HASH_UAPI_VERSION, tick_ns);

	rc = start_workers(w);
	if (rc)
		return rc;
	snapshot(w, &first);
	prev = first;
	t_start = now_s();
	atomic_store(&go, 1);
	t_next = t_prev = t_start;
	for (;;) {
		bool over;

		t_next += cfg.samples ? cfg.interval : 86400;
		if ((!cfg.operations || cfg.duration_set) &&
		    t_next > t_start + cfg.duration)
			t_next = t_start + cfg.duration;
		t = wait_until(w, t_next, t_start);
		if (t >= 0)
			return worker_died(w, t);
		t_now = now_s();
		over = run_over(t_start);
		if (over)
			atomic_store(&stop, 1);
		if (cfg.samples) {
			snapshot(w, &cur);
			printf("{\"type\":\"sample\",\"t\":%.3f,",
			       t_now - t_start);
			print_rates(&prev, &cur, t_now - t_prev, 0);
			printf("}\n");
			prev = cur;
		}
		t_prev = t_now;
		if (over)
			break;
		t = dead_worker(w, false);
		if (t >= 0)
			return worker_died(w, t);
	}
	t = dead_worker(w, true);
	if (t >= 0)
		return worker_died(w, t);
	/* the run's length: until its last operation */
	elapsed = 0;
	for (t = 0; t < cfg.threads; t++)
		if (w[t].t_end - t_start > elapsed)
			elapsed = w[t].t_end - t_start;
	snapshot(w, &cur);
	print_summary(&first, &cur, elapsed);

	rc = 0;
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
