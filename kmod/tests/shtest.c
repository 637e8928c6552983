// SPDX-License-Identifier: GPL-2.0
/*
 * shtest: the storage_hash test program, run inside the guest by
 * the tests in tests/kmod/. Prints one "ok - NAME" / "not ok - NAME: why" line per
 * check and exits non-zero if any failed.
 *
 *   shtest functional      put/get/overwrite/del/missing/short buffer/
 *                          limits/clear/batch
 *   shtest hostile         bad ioctl numbers, pointers, lengths, versions,
 *                          batches, and a random-garbage round
 *   shtest stress T N      T threads x N mixed ops, then a verification pass
 *   shtest fill            fills the store past max_bytes
 *   shtest load N SIZE     stores N values of SIZE bytes
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shdev.h"

static int failures;
static int fd;

static void check(int cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		printf("ok - %s\n", name);
	} else {
		failures++;
		printf("not ok - %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

/* expect_err NAME RC WANT: RC is 0 or -errno. */
static void expect_err(const char *name, int rc, int want)
{
	check(rc == want, name, "got %d (%s), want %d (%s)", rc,
	      rc ? strerror(-rc) : "success", want,
	      want ? strerror(-want) : "success");
}

static struct sh_stats stats(void)
{
	struct sh_stats s;

	if (shdev_stats(fd, &s)) {
		perror("shtest: stats");
		exit(2);
	}
	return s;
}

static int put_s(const char *k, const char *v)
{
	return shdev_put(fd, k, strlen(k), v, strlen(v));
}

/* Returns 1 if KEY holds exactly VAL (len bytes). */
static int holds(const void *key, uint32_t klen, const void *val, uint32_t vlen)
{
	static char buf[1 << 20];
	uint32_t len = sizeof(buf);

	if (shdev_get(fd, key, klen, buf, &len))
		return 0;
	return len == vlen && !memcmp(buf, val, vlen);
}

static int raw_kv(unsigned long cmd, struct sh_kv *kv)
{
	return ioctl(fd, cmd, kv) ? -errno : 0;
}

static struct sh_kv kv_of(const void *key, uint32_t klen, const void *val,
			  uint32_t vlen)
{
	struct sh_kv kv = {
		.version = STORAGE_HASH_UAPI_VERSION,
		.key_len = klen,
		.val_len = vlen,
		.key = shdev_ptr(key),
		.val = shdev_ptr(val),
	};
	return kv;
}

/* --- functional ------------------------------------------------------- */

static void functional(void)
{
	struct sh_stats s0 = stats(), s;
	char buf[512], big_key[SH_KEY_MAX + 1];
	uint32_t len;
	int rc, i, ok;

	expect_err("put a new key", put_s("fn-a", "one"), 0);
	check(holds("fn-a", 4, "one", 3), "get returns the value", "");
	s = stats();
	check(s.items == s0.items + 1 && s.bytes_used > s0.bytes_used,
	      "stats count the item and its bytes", "items %llu bytes %llu",
	      (unsigned long long)s.items, (unsigned long long)s.bytes_used);
	expect_err("overwrite with a longer value",
		   put_s("fn-a", "a longer second value"), 0);
	check(holds("fn-a", 4, "a longer second value", 21),
	      "get returns the new value", "");
	check(stats().items == s0.items + 1, "overwrite keeps one item", "");
	expect_err("overwrite with a shorter value", put_s("fn-a", "3"), 0);
	check(holds("fn-a", 4, "3", 1), "get returns the shorter value", "");

	len = sizeof(buf);
	expect_err("get a missing key",
		   shdev_get(fd, "fn-missing", 10, buf, &len), -ENOENT);
	expect_err("del a missing key", shdev_del(fd, "fn-missing", 10),
		   -ENOENT);
	expect_err("del an existing key", shdev_del(fd, "fn-a", 4), 0);
	len = sizeof(buf);
	expect_err("get after del", shdev_get(fd, "fn-a", 4, buf, &len),
		   -ENOENT);
	expect_err("del twice", shdev_del(fd, "fn-a", 4), -ENOENT);
	s = stats();
	check(s.items == s0.items && s.bytes_used == s0.bytes_used,
	      "del gives the bytes back", "items %llu bytes %llu",
	      (unsigned long long)s.items, (unsigned long long)s.bytes_used);

	/* Short buffer: ENOSPC and the needed length, buffer untouched. */
	memset(buf, 'x', 100);
	expect_err("put a 100-byte value", shdev_put(fd, "fn-b", 4, buf, 100),
		   0);
	memset(buf, '#', sizeof(buf));
	len = 10;
	rc = shdev_get(fd, "fn-b", 4, buf, &len);
	expect_err("get into a short buffer", rc, -ENOSPC);
	check(len == 100, "short buffer: val_len says the length needed",
	      "val_len %u", len);
	check(buf[0] == '#', "short buffer: nothing written", "");
	len = 0;
	rc = shdev_get(fd, "fn-b", 4, NULL, &len);
	check(rc == -ENOSPC && len == 100, "get with no buffer asks the length",
	      "rc %d len %u", rc, len);
	len = 100;
	rc = shdev_get(fd, "fn-b", 4, buf, &len);
	check(rc == 0 && len == 100 && buf[99] == 'x' && buf[100] == '#',
	      "get into an exact buffer", "rc %d len %u", rc, len);

	/* Empty values and binary keys. */
	expect_err("put an empty value", shdev_put(fd, "fn-e", 4, "", 0), 0);
	len = sizeof(buf);
	rc = shdev_get(fd, "fn-e", 4, buf, &len);
	check(rc == 0 && len == 0, "get an empty value", "rc %d len %u", rc,
	      len);
	expect_err("put binary key a\\0b", shdev_put(fd, "a\0b", 3, "1", 1), 0);
	expect_err("put binary key a\\0c", shdev_put(fd, "a\0c", 3, "2", 1), 0);
	check(holds("a\0b", 3, "1", 1) && holds("a\0c", 3, "2", 1) &&
		      !holds("a", 1, "1", 1),
	      "binary keys are distinct, all bytes count", "");

	/* Limits. */
	memset(big_key, 'k', sizeof(big_key));
	expect_err("key of 256 bytes",
		   shdev_put(fd, big_key, SH_KEY_MAX, "v", 1), 0);
	check(holds(big_key, SH_KEY_MAX, "v", 1), "get a 256-byte key", "");
	expect_err("key of 257 bytes",
		   shdev_put(fd, big_key, SH_KEY_MAX + 1, "v", 1), -EMSGSIZE);
	expect_err("key of 0 bytes", shdev_put(fd, big_key, 0, "v", 1),
		   -EINVAL);
	{
		uint32_t max = stats().max_value_len;
		char *v = malloc(max + 1);

		memset(v, 'v', max + 1);
		v[max - 1] = 'z';
		expect_err("value of max_value_len bytes",
			   shdev_put(fd, "fn-max", 6, v, max), 0);
		check(holds("fn-max", 6, v, max), "get the largest value", "");
		expect_err("value of max_value_len + 1 bytes",
			   shdev_put(fd, "fn-max", 6, v, max + 1), -EMSGSIZE);
		check(holds("fn-max", 6, v, max),
		      "a refused overwrite keeps the old value", "");
		free(v);
	}

	/* Clear. */
	for (i = 0, ok = 1; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "fn-clear-%d", i);
		ok &= put_s(buf, "value") == 0;
	}
	check(ok && stats().items >= 1000, "put 1000 keys", "");
	expect_err("clear", shdev_clear(fd), 0);
	s = stats();
	check(s.items == 0 && s.bytes_used == 0,
	      "clear leaves no item and no byte", "items %llu bytes %llu",
	      (unsigned long long)s.items, (unsigned long long)s.bytes_used);
	len = sizeof(buf);
	expect_err("get after clear",
		   shdev_get(fd, "fn-clear-7", 10, buf, &len), -ENOENT);
	expect_err("put after clear", put_s("fn-after", "x"), 0);

	/* Batch with mixed ops, in order. */
	{
		struct sh_op ops[12];
		char out[4][32], small[2];
		uint32_t failed = 0;

		memset(ops, 0, sizeof(ops));
		memset(out, 0, sizeof(out));
		ops[0] = (struct sh_op){ SH_OP_PUT,	  4, shdev_ptr("bt-1"),
					 shdev_ptr("v1"), 2, 99 };
		ops[1] = (struct sh_op){
			SH_OP_PUT, 4, shdev_ptr("bt-2"), shdev_ptr("value-2"),
			7,	   99
		};
		ops[2] = (struct sh_op){
			SH_OP_GET,	   4,  shdev_ptr("bt-1"),
			shdev_ptr(out[0]), 32, 99
		};
		ops[3] = (struct sh_op){ SH_OP_GET,	   4, shdev_ptr("bt-2"),
					 shdev_ptr(small), 2, 99 };
		ops[4] = (struct sh_op){ SH_OP_DEL, 4, shdev_ptr("bt-1"),
					 0,	    0, 99 };
		ops[5] = (struct sh_op){
			SH_OP_GET,	   4,  shdev_ptr("bt-1"),
			shdev_ptr(out[1]), 32, 99
		};
		ops[6] = (struct sh_op){ SH_OP_DEL, 4, shdev_ptr("bt-9"),
					 0,	    0, 99 };
		ops[7] = (struct sh_op){ SH_OP_PUT,	   4, shdev_ptr("bt-2"),
					 shdev_ptr("v2b"), 3, 99 };
		ops[8] = (struct sh_op){
			SH_OP_GET,	   4,  shdev_ptr("bt-2"),
			shdev_ptr(out[2]), 32, 99
		};
		ops[9] = (struct sh_op){ 42, 4, shdev_ptr("bt-2"), 0, 0, 99 };
		ops[10] = (struct sh_op){
			SH_OP_GET,	   0,  shdev_ptr("bt-2"),
			shdev_ptr(out[3]), 32, 99
		};
		ops[11] = (struct sh_op){
			SH_OP_GET,	   4,  shdev_ptr("bt-2"),
			shdev_ptr(out[3]), 32, 99
		};
		rc = shdev_batch(fd, ops, 12, &failed);
		expect_err("batch of 12 mixed ops", rc, 0);
		check(ops[0].result == 0 && ops[1].result == 0,
		      "batch: puts succeed", "%d %d", ops[0].result,
		      ops[1].result);
		check(ops[2].result == 0 && ops[2].val_len == 2 &&
			      !memcmp(out[0], "v1", 2),
		      "batch: get sees the put before it", "result %d len %u",
		      ops[2].result, ops[2].val_len);
		check(ops[3].result == -ENOSPC && ops[3].val_len == 7,
		      "batch: short buffer gives ENOSPC and the length",
		      "result %d len %u", ops[3].result, ops[3].val_len);
		check(ops[4].result == 0 && ops[5].result == -ENOENT,
		      "batch: del, then get misses", "%d %d", ops[4].result,
		      ops[5].result);
		check(ops[6].result == -ENOENT, "batch: del of a missing key",
		      "%d", ops[6].result);
		check(ops[7].result == 0 && ops[8].result == 0 &&
			      ops[8].val_len == 3 && !memcmp(out[2], "v2b", 3),
		      "batch: overwrite, then get the new value",
		      "%d %d len %u", ops[7].result, ops[8].result,
		      ops[8].val_len);
		check(ops[9].result == -EINVAL && ops[10].result == -EINVAL,
		      "batch: bad op and empty key fail alone", "%d %d",
		      ops[9].result, ops[10].result);
		check(ops[11].result == 0 && ops[11].val_len == 3,
		      "batch: ops after bad ones still run", "%d",
		      ops[11].result);
		check(failed == 5, "batch: failed counts the failed ops",
		      "failed %u", failed);
		check(!holds("bt-1", 4, "v1", 2) && holds("bt-2", 4, "v2b", 3),
		      "batch effects are visible outside", "");
	}
	/* The largest batch: SH_BATCH_MAX puts, then as many gets. */
	{
		static struct sh_op ops[SH_BATCH_MAX];
		static char keys[SH_BATCH_MAX][16], vals[SH_BATCH_MAX][16];
		uint32_t failed = 1;

		for (i = 0; i < SH_BATCH_MAX; i++) {
			snprintf(keys[i], 16, "bm-%d", i);
			snprintf(vals[i], 16, "val-%d", i * 7);
			ops[i] = (struct sh_op){
				SH_OP_PUT,	    strlen(keys[i]),
				shdev_ptr(keys[i]), shdev_ptr(vals[i]),
				strlen(vals[i]),    1
			};
		}
		rc = shdev_batch(fd, ops, SH_BATCH_MAX, &failed);
		check(rc == 0 && failed == 0, "batch of 1024 puts",
		      "rc %d failed %u", rc, failed);
		for (i = 0; i < SH_BATCH_MAX; i++) {
			memset(vals[i], 0, 16);
			ops[i] = (struct sh_op){ SH_OP_GET,
						 strlen(keys[i]),
						 shdev_ptr(keys[i]),
						 shdev_ptr(vals[i]),
						 16,
						 1 };
		}
		rc = shdev_batch(fd, ops, SH_BATCH_MAX, &failed);
		for (i = 0, ok = rc == 0 && failed == 0; i < SH_BATCH_MAX;
		     i++) {
			char want[16];

			snprintf(want, 16, "val-%d", i * 7);
			ok &= ops[i].result == 0 &&
			      ops[i].val_len == strlen(want) &&
			      !memcmp(vals[i], want, strlen(want));
		}
		check(ok, "batch of 1024 gets returns every value", "rc %d",
		      rc);
	}
	/* The table grows with the keys. */
	{
		struct sh_stats a = stats(), b;

		for (i = 0, ok = 1; i < 5000; i++) {
			snprintf(buf, sizeof(buf), "fn-grow-%d", i);
			ok &= put_s(buf, "g") == 0;
		}
		b = stats();
		check(ok && b.buckets > a.buckets && b.resizes > a.resizes,
		      "the table resizes as it grows",
		      "buckets %llu -> %llu, resizes %llu -> %llu",
		      (unsigned long long)a.buckets,
		      (unsigned long long)b.buckets,
		      (unsigned long long)a.resizes,
		      (unsigned long long)b.resizes);
	}
	expect_err("clear at the end", shdev_clear(fd), 0);
}

/* --- hostile ---------------------------------------------------------- */

#define KADDR 0xffff800008000000ULL /* kernel text on arm64 */

static char *page_pair; /* two pages: the second is unmapped */
static char *ro_page; /* read-only */
static long psz;

static void hostile_setup(void)
{
	psz = sysconf(_SC_PAGESIZE);
	page_pair = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page =
		mmap(NULL, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page_pair == MAP_FAILED || ro_page == MAP_FAILED) {
		perror("shtest: mmap");
		exit(2);
	}
	munmap(page_pair + psz, psz);
}

static void hostile(void)
{
	char *unmapped, *edge;
	static const unsigned long cmds[] = { SH_IOC_PUT, SH_IOC_GET,
					      SH_IOC_DEL, SH_IOC_STATS,
					      SH_IOC_BATCH };
	static const char *const names[] = { "PUT", "GET", "DEL", "STATS",
					     "BATCH" };
	char name[128], buf[256];
	struct sh_kv kv;
	uint32_t len;
	int rc, i;

	hostile_setup();
	unmapped = page_pair + psz;
	edge = unmapped - 8;
	put_s("ho-key", "ho-value");

	/* Unknown ioctl numbers and structs of another size. */
	{
		static const unsigned long bad[] = {
			0,
			0xffffffffUL,
			_IO(SH_IOC_MAGIC, 99),
			_IOWR(SH_IOC_MAGIC, 7, struct sh_kv),
			_IOW('x', 1, struct sh_kv),
			_IOC(_IOC_WRITE, SH_IOC_MAGIC, 1, sizeof(kv) - 4),
			_IOC(_IOC_READ | _IOC_WRITE, SH_IOC_MAGIC, 2,
			     sizeof(kv) + 8),
			_IOC(_IOC_NONE, SH_IOC_MAGIC, 1, sizeof(kv)),
			_IOC(_IOC_READ | _IOC_WRITE, SH_IOC_MAGIC, 6, 16),
		};

		kv = kv_of("ho-key", 6, buf, sizeof(buf));
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
			snprintf(name, sizeof(name),
				 "unknown ioctl 0x%lx gives ENOTTY", bad[i]);
			expect_err(name, raw_kv(bad[i], &kv), -ENOTTY);
		}
	}

	/* NULL, unmapped, kernel and half-mapped structs. */
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "%s with a NULL struct", names[i]);
		expect_err(name, raw_kv(cmds[i], NULL), -EFAULT);
		snprintf(name, sizeof(name), "%s with an unmapped struct",
			 names[i]);
		expect_err(name, raw_kv(cmds[i], (struct sh_kv *)unmapped),
			   -EFAULT);
		snprintf(name, sizeof(name), "%s with a kernel-address struct",
			 names[i]);
		expect_err(name, raw_kv(cmds[i], (struct sh_kv *)KADDR),
			   -EFAULT);
		snprintf(name, sizeof(name),
			 "%s with a struct across the end of the mapping",
			 names[i]);
		memset(edge, 0, 8);
		*(uint32_t *)edge = STORAGE_HASH_UAPI_VERSION;
		expect_err(name, raw_kv(cmds[i], (struct sh_kv *)edge),
			   -EFAULT);
	}
	expect_err("VERSION with a NULL pointer",
		   ioctl(fd, SH_IOC_VERSION, NULL) ? -errno : 0, -EFAULT);

	/* Torn versions and reserved bits. */
	{
		static const uint32_t versions[] = { 0, 2, 0x01000000,
						     0xffffffff };

		for (i = 0; i < 4; i++) {
			struct sh_batch b = { versions[i], 1, 0, 0, 0 };
			struct sh_stats st = { .version = versions[i] };

			kv = kv_of("ho-key", 6, buf, sizeof(buf));
			kv.version = versions[i];
			snprintf(name, sizeof(name),
				 "PUT with version %u gives EPROTO",
				 versions[i]);
			expect_err(name, raw_kv(SH_IOC_PUT, &kv), -EPROTO);
			snprintf(name, sizeof(name),
				 "GET with version %u gives EPROTO",
				 versions[i]);
			expect_err(name, raw_kv(SH_IOC_GET, &kv), -EPROTO);
			snprintf(name, sizeof(name),
				 "DEL with version %u gives EPROTO",
				 versions[i]);
			expect_err(name, raw_kv(SH_IOC_DEL, &kv), -EPROTO);
			snprintf(name, sizeof(name),
				 "BATCH with version %u gives EPROTO",
				 versions[i]);
			expect_err(name,
				   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0,
				   -EPROTO);
			snprintf(name, sizeof(name),
				 "STATS with version %u gives EPROTO",
				 versions[i]);
			expect_err(name,
				   ioctl(fd, SH_IOC_STATS, &st) ? -errno : 0,
				   -EPROTO);
		}
		kv = kv_of("ho-key", 6, "x", 1);
		kv.flags = 1;
		expect_err("PUT with flags set gives EINVAL",
			   raw_kv(SH_IOC_PUT, &kv), -EINVAL);
		kv.flags = 0x80000000;
		expect_err("GET with flags set gives EINVAL",
			   raw_kv(SH_IOC_GET, &kv), -EINVAL);
	}

	/* Key and value pointers. */
	{
		static const struct {
			const char *what;
			uint64_t ptr;
		} bad[] = {
			{ "NULL", 0 },
			{ "unmapped", 0 },
			{ "kernel", KADDR },
			{ "half-mapped", 0 },
			{ "non-canonical", 0x8000000000000000ULL },
		};

		for (i = 0; i < 5; i++) {
			uint64_t p = bad[i].ptr;

			if (i == 1)
				p = shdev_ptr(unmapped);
			if (i == 3)
				p = shdev_ptr(edge);
			kv = kv_of(NULL, 16, "value", 5);
			kv.key = p;
			snprintf(name, sizeof(name),
				 "PUT with a %s key pointer", bad[i].what);
			expect_err(name, raw_kv(SH_IOC_PUT, &kv), -EFAULT);
			snprintf(name, sizeof(name),
				 "GET with a %s key pointer", bad[i].what);
			expect_err(name, raw_kv(SH_IOC_GET, &kv), -EFAULT);
			snprintf(name, sizeof(name),
				 "DEL with a %s key pointer", bad[i].what);
			expect_err(name, raw_kv(SH_IOC_DEL, &kv), -EFAULT);
			kv = kv_of("ho-new", 6, NULL, 16);
			kv.val = p;
			snprintf(name, sizeof(name),
				 "PUT with a %s value pointer", bad[i].what);
			expect_err(name, raw_kv(SH_IOC_PUT, &kv), -EFAULT);
			kv = kv_of("ho-key", 6, NULL, 64);
			kv.val = i == 3 ? p + 4 : p; /* 4 bytes for 8 */
			snprintf(name, sizeof(name), "GET into a %s buffer",
				 bad[i].what);
			expect_err(name, raw_kv(SH_IOC_GET, &kv), -EFAULT);
		}
		len = psz;
		expect_err("GET into a read-only buffer",
			   shdev_get(fd, "ho-key", 6, ro_page, &len), -EFAULT);
		len = sizeof(buf);
		check(shdev_get(fd, "ho-new", 6, buf, &len) == -ENOENT,
		      "a PUT with a bad value stored nothing", "");
		check(holds("ho-key", 6, "ho-value", 8),
		      "the key survives bad GETs", "");
	}

	/* Lengths: 0, 2^32-1, just over each limit. */
	{
		uint32_t max = stats().max_value_len;

		kv = kv_of("ho-key", 0, buf, 4);
		expect_err("PUT with key_len 0", raw_kv(SH_IOC_PUT, &kv),
			   -EINVAL);
		expect_err("GET with key_len 0", raw_kv(SH_IOC_GET, &kv),
			   -EINVAL);
		expect_err("DEL with key_len 0", raw_kv(SH_IOC_DEL, &kv),
			   -EINVAL);
		kv.key_len = UINT32_MAX;
		expect_err("PUT with key_len 2^32-1", raw_kv(SH_IOC_PUT, &kv),
			   -EMSGSIZE);
		expect_err("GET with key_len 2^32-1", raw_kv(SH_IOC_GET, &kv),
			   -EMSGSIZE);
		expect_err("DEL with key_len 2^32-1", raw_kv(SH_IOC_DEL, &kv),
			   -EMSGSIZE);
		kv.key_len = SH_KEY_MAX + 1;
		expect_err("GET with key_len 257", raw_kv(SH_IOC_GET, &kv),
			   -EMSGSIZE);
		kv = kv_of("ho-key", 6, buf, UINT32_MAX);
		expect_err("PUT with val_len 2^32-1", raw_kv(SH_IOC_PUT, &kv),
			   -EMSGSIZE);
		kv.val_len = max + 1;
		expect_err("PUT with val_len max_value_len + 1",
			   raw_kv(SH_IOC_PUT, &kv), -EMSGSIZE);
		kv.val_len = UINT32_MAX;
		memset(buf, 0, sizeof(buf));
		rc = raw_kv(SH_IOC_GET, &kv);
		check(rc == 0 && kv.val_len == 8 && !memcmp(buf, "ho-value", 8),
		      "GET with a buffer size of 2^32-1 copies only the value",
		      "rc %d len %u", rc, kv.val_len);
		kv = kv_of("ho-key", 6, NULL, UINT32_MAX);
		expect_err("GET into NULL with a size of 2^32-1",
			   raw_kv(SH_IOC_GET, &kv), -EFAULT);
		check(holds("ho-key", 6, "ho-value", 8),
		      "refused PUTs left the old value", "");
	}

	/* Batches: bad headers and bad entries. */
	{
		struct sh_batch b = { STORAGE_HASH_UAPI_VERSION, 0, 0, 0, 0 };
		struct sh_op ops[10], *tail;
		char out[32];
		uint32_t failed = 0;

		expect_err("BATCH with count 0",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EINVAL);
		b.count = UINT32_MAX;
		b.ops = shdev_ptr(ops);
		expect_err("BATCH with count 2^32-1",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EMSGSIZE);
		b.count = SH_BATCH_MAX + 1;
		expect_err("BATCH with count SH_BATCH_MAX + 1",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EMSGSIZE);
		b.count = 4;
		b.ops = 0;
		expect_err("BATCH with a NULL ops array",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EFAULT);
		check(b.done == 0, "BATCH with a NULL array ran nothing",
		      "done %u", b.done);
		b.ops = shdev_ptr(unmapped);
		expect_err("BATCH with an unmapped ops array",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EFAULT);
		b.ops = KADDR;
		expect_err("BATCH with a kernel-address ops array",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EFAULT);
		/* An array whose second op lies on the unmapped page. */
		tail = (struct sh_op *)(unmapped - sizeof(struct sh_op));
		*tail = (struct sh_op){ SH_OP_GET,	6,  shdev_ptr("ho-key"),
					shdev_ptr(out), 32, 0 };
		b.ops = shdev_ptr(tail);
		b.count = 2;
		expect_err("BATCH with an array across the end of the mapping",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EFAULT);
		/* An array the kernel can read but not write back. */
		b.ops = shdev_ptr(ro_page);
		b.count = 1;
		expect_err("BATCH with a read-only ops array",
			   ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0, -EFAULT);

		memset(ops, 0, sizeof(ops));
		ops[0] = (struct sh_op){ 0, 6, shdev_ptr("ho-key"), 0, 0, 1 };
		ops[1] = (struct sh_op){ 0xffffffff, 6, shdev_ptr("ho-key"),
					 0,	     0, 1 };
		ops[2] =
			(struct sh_op){ SH_OP_GET,	6,  shdev_ptr("ho-key"),
					shdev_ptr(out), 32, 1 };
		ops[3] = (struct sh_op){
			SH_OP_PUT,	UINT32_MAX, shdev_ptr("ho-key"),
			shdev_ptr("x"), 1,	    1
		};
		ops[4] = (struct sh_op){ SH_OP_PUT,	      6,
					 shdev_ptr("ho-bat"), shdev_ptr("x"),
					 UINT32_MAX,	      1 };
		ops[5] = (struct sh_op){
			SH_OP_GET, 6, 0, shdev_ptr(out), 32, 1
		};
		ops[6] = (struct sh_op){
			SH_OP_GET,	     6,	 shdev_ptr("ho-key"),
			shdev_ptr(unmapped), 32, 1
		};
		ops[7] = (struct sh_op){ SH_OP_PUT, 6, shdev_ptr("ho-bat"),
					 KADDR,	    8, 1 };
		ops[8] = (struct sh_op){ SH_OP_DEL, 0, shdev_ptr("ho-key"),
					 0,	    0, 1 };
		ops[9] = (struct sh_op){
			SH_OP_PUT,	   6, shdev_ptr("ho-bat"),
			shdev_ptr("good"), 4, 1
		};
		rc = shdev_batch(fd, ops, 10, &failed);
		expect_err("BATCH with bad entries still runs", rc, 0);
		check(ops[0].result == -EINVAL && ops[1].result == -EINVAL,
		      "batch: unknown op codes give EINVAL", "%d %d",
		      ops[0].result, ops[1].result);
		check(ops[2].result == 0 && ops[2].val_len == 8,
		      "batch: a good GET among bad ops", "%d", ops[2].result);
		check(ops[3].result == -EMSGSIZE && ops[4].result == -EMSGSIZE,
		      "batch: oversized key and value give EMSGSIZE", "%d %d",
		      ops[3].result, ops[4].result);
		check(ops[5].result == -EFAULT && ops[6].result == -EFAULT &&
			      ops[7].result == -EFAULT,
		      "batch: bad pointers give EFAULT", "%d %d %d",
		      ops[5].result, ops[6].result, ops[7].result);
		check(ops[8].result == -EINVAL, "batch: empty key gives EINVAL",
		      "%d", ops[8].result);
		check(ops[9].result == 0 && failed == 8,
		      "batch: the last good op ran, failed = 8",
		      "result %d failed %u", ops[9].result, failed);
		check(holds("ho-bat", 6, "good", 4),
		      "batch: only the good PUT stored a value", "");
	}

	/* Random garbage: structs of random bytes with random pointers. */
	{
		static char scratch[1 << 16];
		uint64_t ptrs[6] = { 0,
				     KADDR,
				     shdev_ptr(unmapped),
				     shdev_ptr(scratch),
				     shdev_ptr(edge),
				     0 };
		unsigned int seed = 12345;
		union {
			struct sh_kv kv;
			struct sh_batch b;
			struct sh_stats s;
			struct sh_op ops[8];
		} u;
		int n, survived = 1;

		for (n = 0; n < 20000; n++) {
			uint32_t *w = (uint32_t *)&u;
			unsigned long cmd;
			size_t j;

			for (j = 0; j < sizeof(u) / 4; j++)
				w[j] = rand_r(&seed) % 3 ? rand_r(&seed) :
							   rand_r(&seed) % 300;
			ptrs[5] = ((uint64_t)rand_r(&seed) << 32) ^
				  rand_r(&seed);
			if (rand_r(&seed) % 2)
				u.kv.version = STORAGE_HASH_UAPI_VERSION;
			u.kv.key = ptrs[rand_r(&seed) % 6];
			u.kv.val = ptrs[rand_r(&seed) % 6];
			if (rand_r(&seed) % 4 == 0)
				u.kv.flags = 0;
			cmd = cmds[rand_r(&seed) % 5];
			if (cmd == SH_IOC_BATCH) {
				u.b.count = rand_r(&seed) % 10;
				u.b.ops = rand_r(&seed) % 2 ?
						  shdev_ptr(u.ops + 2) :
						  ptrs[rand_r(&seed) % 6];
				for (j = 2; j < 8; j++) {
					u.ops[j].key = ptrs[rand_r(&seed) % 6];
					u.ops[j].val = ptrs[rand_r(&seed) % 6];
				}
				if (u.b.count > 6)
					u.b.count = 6;
			}
			rc = ioctl(fd, cmd, &u);
			(void)rc;
		}
		survived = !ioctl(fd, SH_IOC_VERSION, &seed) &&
			   seed == STORAGE_HASH_UAPI_VERSION;
		check(survived, "20000 random ioctls: the module still answers",
		      "");
	}

	/* A read-only fd may GET, not change anything. */
	{
		int ro = open(STORAGE_HASH_DEVICE, O_RDONLY), saved = fd;
		struct sh_op op = { SH_OP_DEL, 6, shdev_ptr("ho-key"), 0, 0, 0 };

		fd = ro;
		check(holds("ho-key", 6, "ho-value", 8),
		      "GET through a read-only fd", "");
		expect_err("PUT through a read-only fd gives EBADF",
			   put_s("ho-ro", "x"), -EBADF);
		expect_err("DEL through a read-only fd gives EBADF",
			   shdev_del(fd, "ho-key", 6), -EBADF);
		expect_err("CLEAR through a read-only fd gives EBADF",
			   shdev_clear(fd), -EBADF);
		rc = shdev_batch(fd, &op, 1, NULL);
		check(rc == 0 && op.result == -EBADF,
		      "a batched DEL through a read-only fd gives EBADF",
		      "rc %d result %d", rc, op.result);
		fd = saved;
		close(ro);
		check(holds("ho-key", 6, "ho-value", 8),
		      "the read-only fd changed nothing", "");
	}

	/* read, write, mmap: not supported, refused. */
	check(read(fd, buf, 8) < 0, "read() on the device fails", "");
	check(write(fd, "x", 1) < 0, "write() on the device fails", "");
	check(mmap(NULL, psz, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED,
	      "mmap() on the device fails", "");

	/* Still works, and counted the refusals. */
	expect_err("put after the hostile round", put_s("ho-after", "fine"), 0);
	check(holds("ho-after", 8, "fine", 4), "get after the hostile round",
	      "");
	check(stats().errors > 100, "the errors counter counted refusals",
	      "errors %llu", (unsigned long long)stats().errors);
	shdev_clear(fd);
}

/* --- stress ------------------------------------------------------------ */

#define OWN_KEYS 512
#define SHARED_KEYS 64

struct worker {
	pthread_t tid;
	int id;
	long ops;
	uint32_t own_ver[OWN_KEYS]; /* 0: absent */
	uint64_t rng;
	long lost, corrupted, wrong, done;
	char why[160];
};

static atomic_int stress_go;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint32_t mix32(uint32_t a, uint32_t b)
{
	uint64_t x = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ULL;

	return x >> 29;
}

/* The value of own key (t, i) at version v: length and bytes from (t,i,v). */
static uint32_t own_value(int t, int i, uint32_t v, char *out)
{
	uint32_t h = mix32(t * 100003 + i, v), len = 1 + h % 300, j;

	for (j = 0; j < len; j++)
		out[j] = (char)mix32(h, j);
	return len;
}

static int own_key(int t, int i, char *out)
{
	return sprintf(out, "own-%d-%d", t, i);
}

/* Shared values describe themselves: "S<key>|<writer>|<seq>|" + pattern. */
static uint32_t shared_value(int key, int writer, uint32_t seq, char *out)
{
	int n = sprintf(out, "S%d|%d|%u|", key, writer, seq);
	uint32_t len = n + mix32(writer, seq) % 200, j;

	for (j = n; j < len; j++)
		out[j] = 'a' + mix32(seq, j) % 26;
	return len;
}

static int shared_valid(int key, const char *v, uint32_t len)
{
	char want[512];
	int k, w;
	unsigned int seq;

	if (len >= sizeof(want) || sscanf(v, "S%d|%d|%u|", &k, &w, &seq) != 3)
		return 0;
	return k == key && shared_value(key, w, seq, want) == len &&
	       !memcmp(want, v, len);
}

static void fail_w(struct worker *w, long *counter, const char *fmt, ...)
{
	va_list ap;

	(*counter)++;
	if (w->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
}

static void own_check_get(struct worker *w, int i, int rc, const char *got,
			  uint32_t len)
{
	char want[512];
	uint32_t wl;

	if (!w->own_ver[i]) {
		if (rc != -ENOENT)
			fail_w(w, &w->wrong, "own %d: deleted key gave %d", i,
			       rc);
		return;
	}
	if (rc == -ENOENT) {
		fail_w(w, &w->lost, "own %d v%u: lost", i, w->own_ver[i]);
		return;
	}
	wl = own_value(w->id, i, w->own_ver[i], want);
	if (rc || len != wl || memcmp(got, want, wl))
		fail_w(w, &w->corrupted, "own %d v%u: rc %d len %u want %u", i,
		       w->own_ver[i], rc, len, wl);
}

static void *stress_worker(void *arg)
{
	struct worker *w = arg;
	char key[64], val[512], buf[512];
	static __thread struct sh_op ops[16];
	static __thread char vals[16][512], bufs[16][512], keys[16][64];
	uint32_t len, seq = 0;
	int idx[16];

	while (!atomic_load(&stress_go))
		;
	while (w->done < w->ops) {
		uint64_t r = rnd(&w->rng);
		int op = r % 100, i = (r >> 8) % OWN_KEYS, rc, j, n;

		if (op < 4) { /* a batch of 16 own-key ops */
			for (j = 0; j < 16; j++) {
				uint64_t q = rnd(&w->rng);
				int k = (q >> 8) % OWN_KEYS, dup = 0, m;

				/* One op per key: the shadow stays simple. */
				for (m = 0; m < j; m++)
					dup |= idx[m] == k;
				if (dup)
					k = -1;
				idx[j] = k;
				if (k < 0) { /* a miss instead */
					ops[j] = (struct sh_op){
						SH_OP_GET,
						8,
						shdev_ptr("own-none"),
						shdev_ptr(bufs[j]),
						512,
						0
					};
					continue;
				}
				own_key(w->id, k, keys[j]);
				ops[j].key = shdev_ptr(keys[j]);
				ops[j].key_len = strlen(keys[j]);
				ops[j].op = q % 3 + 1;
				if (ops[j].op == SH_OP_PUT) {
					ops[j].val_len = own_value(
						w->id, k, w->own_ver[k] + 1,
						vals[j]);
					ops[j].val = shdev_ptr(vals[j]);
				} else {
					ops[j].val = shdev_ptr(bufs[j]);
					ops[j].val_len = 512;
				}
			}
			rc = shdev_batch(fd, ops, 16, NULL);
			if (rc)
				fail_w(w, &w->wrong, "batch: %d", rc);
			for (j = 0; j < 16 && !rc; j++) {
				int k = idx[j];

				if (k < 0) {
					if (ops[j].result != -ENOENT)
						fail_w(w, &w->wrong,
						       "batch miss: %d",
						       ops[j].result);
					continue;
				}
				if (ops[j].op == SH_OP_PUT) {
					if (ops[j].result)
						fail_w(w, &w->wrong,
						       "batch put: %d",
						       ops[j].result);
					else
						w->own_ver[k]++;
				} else if (ops[j].op == SH_OP_GET) {
					own_check_get(w, k, ops[j].result,
						      bufs[j], ops[j].val_len);
				} else {
					if ((ops[j].result == 0) !=
					    (w->own_ver[k] != 0))
						fail_w(w, &w->wrong,
						       "batch del %d: %d", k,
						       ops[j].result);
					w->own_ver[k] = 0;
				}
			}
			w->done += 16;
			continue;
		}
		if (op < 60) { /* own keys: get 30, put 16, del 10 */
			n = own_key(w->id, i, key);
			if (op < 34) {
				len = sizeof(buf);
				rc = shdev_get(fd, key, n, buf, &len);
				own_check_get(w, i, rc, buf, len);
			} else if (op < 50) {
				len = own_value(w->id, i, w->own_ver[i] + 1,
						val);
				rc = shdev_put(fd, key, n, val, len);
				if (rc)
					fail_w(w, &w->wrong, "put: %d", rc);
				else
					w->own_ver[i]++;
			} else {
				rc = shdev_del(fd, key, n);
				if ((rc == 0) != (w->own_ver[i] != 0))
					fail_w(w, &w->wrong, "del %d: %d", i,
					       rc);
				w->own_ver[i] = 0;
			}
		} else { /* shared keys: get 25, put 10, del 5 */
			int k = i % SHARED_KEYS;

			n = sprintf(key, "shared-%d", k);
			if (op < 85) {
				len = sizeof(buf);
				rc = shdev_get(fd, key, n, buf, &len);
				if (rc != -ENOENT &&
				    (rc || !shared_valid(k, buf, len)))
					fail_w(w, &w->corrupted,
					       "shared %d: rc %d len %u", k, rc,
					       len);
			} else if (op < 95) {
				len = shared_value(k, w->id, ++seq, val);
				rc = shdev_put(fd, key, n, val, len);
				if (rc)
					fail_w(w, &w->wrong, "put: %d", rc);
			} else {
				rc = shdev_del(fd, key, n);
				if (rc && rc != -ENOENT)
					fail_w(w, &w->wrong, "del: %d", rc);
			}
		}
		w->done++;
	}
	return NULL;
}

/* Inserts and deletes 3000 keys over and over: the table keeps resizing. */
static atomic_int churn_stop;
static long churn_bad;

static void *churn(void *arg)
{
	char key[32];
	int i, n;

	(void)arg;
	while (!atomic_load(&churn_stop)) {
		for (i = 0; i < 3000; i++) {
			n = sprintf(key, "churn-%d", i);
			churn_bad += shdev_put(fd, key, n, key, n) != 0;
		}
		for (i = 0; i < 3000; i++) {
			n = sprintf(key, "churn-%d", i);
			churn_bad += shdev_del(fd, key, n) != 0;
		}
	}
	return NULL;
}

static void stress(int threads, long ops)
{
	struct worker *w = calloc(threads, sizeof(*w));
	struct sh_stats before, after;
	long lost = 0, corrupted = 0, wrong = 0, present = 0, shared = 0;
	char key[64], buf[512];
	pthread_t ch;
	uint32_t len;
	int t, i, rc;

	shdev_clear(fd);
	before = stats();
	for (t = 0; t < threads; t++) {
		w[t].id = t;
		w[t].ops = ops;
		w[t].rng = 0x2545f4914f6cdd1dULL * (t + 1);
		pthread_create(&w[t].tid, NULL, stress_worker, &w[t]);
	}
	pthread_create(&ch, NULL, churn, NULL);
	atomic_store(&stress_go, 1);
	for (t = 0; t < threads; t++)
		pthread_join(w[t].tid, NULL);
	atomic_store(&churn_stop, 1);
	pthread_join(ch, NULL);
	after = stats();

	/* Verification pass: every own key holds its last value. */
	for (t = 0; t < threads; t++) {
		for (i = 0; i < OWN_KEYS; i++) {
			int n = own_key(t, i, key);

			len = sizeof(buf);
			rc = shdev_get(fd, key, n, buf, &len);
			own_check_get(&w[t], i, rc, buf, len);
			present += w[t].own_ver[i] != 0;
		}
		lost += w[t].lost;
		corrupted += w[t].corrupted;
		wrong += w[t].wrong;
		if (w[t].why[0])
			printf("# thread %d: %s\n", t, w[t].why);
	}
	for (i = 0; i < SHARED_KEYS; i++) {
		int n = sprintf(key, "shared-%d", i);

		len = sizeof(buf);
		rc = shdev_get(fd, key, n, buf, &len);
		if (rc == 0 && !shared_valid(i, buf, len))
			corrupted++;
		shared += rc == 0;
	}
	printf("# %d threads x %ld ops: %ld own keys present, %ld shared; table %llu buckets, %llu resizes during the run\n",
	       threads, ops, present, shared, (unsigned long long)after.buckets,
	       (unsigned long long)(after.resizes - before.resizes));
	check(lost == 0, "no value lost", "%ld lost", lost);
	check(corrupted == 0, "no value corrupted", "%ld corrupted", corrupted);
	check(wrong == 0, "every result as expected", "%ld unexpected", wrong);
	check(churn_bad == 0, "the resize churn thread saw no error", "%ld",
	      churn_bad);
	check(stats().items == (uint64_t)(present + shared),
	      "items equals the keys present", "items %llu, expected %ld",
	      (unsigned long long)stats().items, present + shared);
	check(after.resizes - before.resizes >= 2,
	      "the table resized while the threads ran", "%llu resizes",
	      (unsigned long long)(after.resizes - before.resizes));
	check(after.errors == before.errors, "the module refused no request",
	      "errors %llu -> %llu", (unsigned long long)before.errors,
	      (unsigned long long)after.errors);
	shdev_clear(fd);
	check(stats().bytes_used == 0, "clear after the run frees every byte",
	      "bytes_used %llu", (unsigned long long)stats().bytes_used);
	free(w);
}

/* --- fill ------------------------------------------------------------- */

static void fill(void)
{
	struct sh_stats s = stats(), e;
	static char val[4000];
	char key[32];
	long n = 0, limit;
	int rc = 0;

	shdev_clear(fd);
	memset(val, 'f', sizeof(val));
	limit = s.max_bytes / 1000 + 100; /* more puts than can fit */
	for (n = 0; n < limit; n++) {
		int kl = sprintf(key, "fill-%ld", n);

		rc = shdev_put(fd, key, kl, val, sizeof(val));
		if (rc)
			break;
	}
	e = stats();
	printf("# max_bytes %llu: %ld values of 4000 bytes stored, then %s; bytes_used %llu\n",
	       (unsigned long long)e.max_bytes, n, strerror(-rc),
	       (unsigned long long)e.bytes_used);
	expect_err("filling past max_bytes gives ENOSPC", rc, -ENOSPC);
	check(e.bytes_used <= e.max_bytes, "bytes_used stays within max_bytes",
	      "%llu > %llu", (unsigned long long)e.bytes_used,
	      (unsigned long long)e.max_bytes);
	check(e.bytes_used + 2 * 4096 > e.max_bytes,
	      "the store filled up to the cap", "bytes_used %llu",
	      (unsigned long long)e.bytes_used);
	check(e.items == (uint64_t)n, "every accepted value is stored",
	      "items %llu, accepted %ld", (unsigned long long)e.items, n);
	check(holds("fill-0", 6, val, sizeof(val)) &&
		      holds(key, strlen(key), "", 0) == 0,
	      "stored values are intact when full", "");
	expect_err("a second put past the cap also gives ENOSPC",
		   shdev_put(fd, "fill-more", 9, val, sizeof(val)), -ENOSPC);
	expect_err("del when full", shdev_del(fd, "fill-0", 6), 0);
	expect_err("put fits again after a del",
		   shdev_put(fd, "fill-again", 10, val, sizeof(val)), 0);
	shdev_clear(fd);
	e = stats();
	check(e.items == 0 && e.bytes_used == 0, "clear empties the full store",
	      "items %llu bytes %llu", (unsigned long long)e.items,
	      (unsigned long long)e.bytes_used);
	/* Large values: charged by the page, not a doubled kmalloc. */
	{
		uint32_t big = stats().max_value_len;
		char *v = calloc(1, big);

		expect_err("put a max_value_len value",
			   shdev_put(fd, "fill-big", 8, v, big), 0);
		e = stats();
		check(e.bytes_used <= big + big / 8 + 4096,
		      "a large value is charged close to its size",
		      "%llu bytes for %u", (unsigned long long)e.bytes_used,
		      big);
		free(v);
		shdev_clear(fd);
	}
}

/* Stores N keys of SIZE-byte values with batches of 64 PUTs. */
static int load(long n, uint32_t size)
{
	static struct sh_op ops[64];
	static char keys[64][32];
	char *val = malloc(size ? size : 1);
	uint32_t failed;
	long i = 0;
	int j, rc;

	memset(val, 'l', size);
	while (i < n) {
		for (j = 0; j < 64 && i < n; j++, i++) {
			ops[j] = (struct sh_op){
				SH_OP_PUT,	0,    shdev_ptr(keys[j]),
				shdev_ptr(val), size, 0
			};
			ops[j].key_len = sprintf(keys[j], "load-%ld", i);
		}
		rc = shdev_batch(fd, ops, j, &failed);
		if (rc || failed) {
			fprintf(stderr, "shtest: load: batch %d, %u failed\n",
				rc, failed);
			return 1;
		}
	}
	free(val);
	printf("# stored %ld values of %u bytes\n", n, size);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = shdev_open(NULL, "shtest");
	if (fd < 0)
		return 3;
	if (!strcmp(what, "functional"))
		functional();
	else if (!strcmp(what, "hostile"))
		hostile();
	else if (!strcmp(what, "stress") && argc == 4)
		stress(atoi(argv[2]), atol(argv[3]));
	else if (!strcmp(what, "fill"))
		fill();
	else if (!strcmp(what, "load") && argc == 4)
		return load(atol(argv[2]), atoi(argv[3]));
	else {
		fprintf(stderr,
			"usage: shtest functional|hostile|fill|stress THREADS OPS|load N SIZE\n");
		return 2;
	}
	return failures ? 1 : 0;
}
