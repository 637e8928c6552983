// SPDX-License-Identifier: GPL-2.0
/*
 * storage_hash: a key-value store in the kernel, exposed as the misc
 * character device /dev/storage-hash (uapi: storage_hash.h).
 *
 * Storage is the kernel's rhashtable: it resizes itself in a worker, lookups
 * run under RCU and never wait for a resize, inserts and removals take only
 * a per-bucket lock. A hand-written table would have to re-implement exactly
 * that to be safe for many threads; it could not be faster where it matters
 * here (each GET costs one jhash and a short chain walk, and the syscall
 * dominates). Measured in the embedded guest (make bench BENCHES=kmod, see
 * kmod/README.md): single-op GET 340k ops/s (p99 4 us), BATCH of 64 GETs
 * 1.78M ops/s, against 110k and 590k ops/s for the naive chained table
 * measured before in the same guest.
 *
 * Items are immutable: a PUT builds a new item (one allocation: header, key,
 * value) and swaps it in with rhashtable_replace_fast(); DEL unlinks. An
 * unlinked item is freed after an RCU grace period, when its last reference
 * goes. GET copies the value to user space under RCU with page faults
 * disabled; only if the user buffer is not resident does it pin the item
 * (refcount) and copy outside RCU. The GET path never allocates, and copies
 * with the architecture's user-copy primitives (see sh_copy_key()).
 *
 * Memory: every item is charged its allocation size (the kmalloc bucket, or
 * whole pages for large values) against max_bytes before it is allocated; a
 * PUT past the cap fails with ENOSPC. Allocations never retry hard nor wake
 * the OOM killer: a PUT fails with ENOMEM instead. max_bytes is limited to
 * half of the RAM. The table's bucket arrays are not charged (a few bytes
 * per item).
 */
#define pr_fmt(fmt) "storage_hash: " fmt

#include <linux/atomic.h>
#include <linux/compat.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jhash.h>
#include <linux/kobject.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "storage_hash.h"

/* Tests build a module of another uapi version to check the tools' answer. */
#ifdef SH_TEST_UAPI_VERSION
#define SH_UAPI SH_TEST_UAPI_VERSION
#else
#define SH_UAPI STORAGE_HASH_UAPI_VERSION
#endif

#define SH_VALUE_HARD_MAX (1U << 20) /* the largest max_value_len accepted */
#define SH_BATCH_CHUNK 16 /* ops copied from user space at a time */
#define SH_CLEAR_RESCHED 256 /* items removed between reschedule points */

static unsigned long max_bytes = 64UL << 20;
module_param(max_bytes, ulong, 0444);
MODULE_PARM_DESC(
	max_bytes,
	"memory the stored items may use, in bytes (default 64 MiB; at most half of RAM); PUT past it fails with ENOSPC");

static unsigned int max_value_len = 64 << 10;
module_param(max_value_len, uint, 0444);
MODULE_PARM_DESC(max_value_len,
		 "longest value, in bytes (default 65536, at most 1 MiB)");

struct sh_item {
	struct rhash_head node;
	refcount_t ref; /* 1 while in the table, +1 per GET copying outside RCU */
	u32 key_len;
	u32 val_len;
	u32 charge; /* bytes charged against max_bytes */
	struct rcu_head rcu;
	u8 data[]; /* key_len bytes of key, then val_len bytes of value */
};

/* What lookups hash and compare: a key that is not (yet) in an item. */
struct sh_key {
	const u8 *data;
	u32 len;
};

static u32 sh_hash_key(const void *data, u32 len, u32 seed)
{
	const struct sh_key *k = data;

	return jhash(k->data, k->len, seed);
}

static u32 sh_hash_obj(const void *data, u32 len, u32 seed)
{
	const struct sh_item *it = data;

	return jhash(it->data, it->key_len, seed);
}

static int sh_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct sh_key *k = arg->key;
	const struct sh_item *it = obj;

	return it->key_len != k->len || memcmp(it->data, k->data, k->len);
}

static const struct rhashtable_params sh_params = {
	.head_offset = offsetof(struct sh_item, node),
	.key_len = sizeof(struct sh_key), /* not hashed as bytes: see hashfn */
	.hashfn = sh_hash_key,
	.obj_hashfn = sh_hash_obj,
	.obj_cmpfn = sh_cmp,
	.min_size = 64,
	.automatic_shrinking = true,
};

static struct rhashtable sh_ht;
static atomic64_t sh_bytes = ATOMIC64_INIT(0);
static atomic64_t sh_resizes = ATOMIC64_INIT(0);
static unsigned int sh_last_size;
static DEFINE_MUTEX(sh_clear_lock);

/* Per-op counters: per CPU, summed when read. */
struct sh_pcpu {
	u64 puts, gets, get_hits, get_misses, dels, del_misses, clears;
	u64 batches, batch_ops, errors;
};
static DEFINE_PER_CPU(struct sh_pcpu, sh_pcpu);
#define sh_count(field) this_cpu_inc(sh_pcpu.field)

/* --- items ---------------------------------------------------------- */

static void sh_item_put(struct sh_item *it)
{
	if (refcount_dec_and_test(&it->ref))
		kvfree_rcu(it, rcu);
}

/* An item left the table: give back its charge and the table's reference. */
static void sh_item_unlinked(struct sh_item *it)
{
	atomic64_sub(it->charge, &sh_bytes);
	sh_item_put(it);
}

static bool sh_charge(u32 bytes)
{
	if (atomic64_add_return(bytes, &sh_bytes) <= (s64)max_bytes)
		return true;
	atomic64_sub(bytes, &sh_bytes);
	return false;
}

static unsigned int sh_table_size(void)
{
	unsigned int size;

	rcu_read_lock();
	size = rht_dereference_rcu(sh_ht.tbl, &sh_ht)->size;
	rcu_read_unlock();
	return size;
}

/*
 * rhashtable resizes in a worker and counts nothing: count the size changes
 * we see after the operations that can cause one.
 */
static void sh_note_size(void)
{
	unsigned int size = sh_table_size();
	unsigned int last = READ_ONCE(sh_last_size);

	if (size != last && cmpxchg(&sh_last_size, last, size) == last)
		atomic64_inc(&sh_resizes);
}

/* --- operations ------------------------------------------------------- */

static int sh_put(const u8 *key, u32 key_len, const void __user *uval,
		  u32 val_len)
{
	size_t size = sizeof(struct sh_item) + key_len + val_len;
	size_t slab = kmalloc_size_roundup(size);
	/* Fail rather than invoke the OOM killer for a cache entry. */
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_NORETRY;
	bool vmem = size > PAGE_SIZE && PAGE_ALIGN(size) < slab;
	u32 charge = vmem ? PAGE_ALIGN(size) : slab;
	struct sh_item *it, *old;
	struct sh_key k;
	int err;

	if (!sh_charge(charge))
		return -ENOSPC;
	/* A 64 KiB value would waste half of a 128 KiB kmalloc: use pages. */
	it = vmem ? __vmalloc(size, gfp) : kmalloc(size, gfp);
	if (!it) {
		atomic64_sub(charge, &sh_bytes);
		return -ENOMEM;
	}
	refcount_set(&it->ref, 1);
	it->key_len = key_len;
	it->val_len = val_len;
	it->charge = charge;
	memcpy(it->data, key, key_len);
	if (copy_from_user(it->data + key_len, uval, val_len)) {
		err = -EFAULT;
		goto fail;
	}

	k.data = it->data;
	k.len = key_len;
	rcu_read_lock();
	for (;;) {
		old = rhashtable_lookup_get_insert_key(&sh_ht, &k, &it->node,
						       sh_params);
		if (!old) {
			err = 0; /* a new key */
			break;
		}
		if (IS_ERR(old)) {
			err = PTR_ERR(old) == -E2BIG ? -ENOSPC : PTR_ERR(old);
			break;
		}
		err = rhashtable_replace_fast(&sh_ht, &old->node, &it->node,
					      sh_params);
		if (!err)
			break;
		if (err != -ENOENT)
			break;
		/* old left the table meanwhile (DEL, PUT, CLEAR): again */
	}
	rcu_read_unlock();
	if (err)
		goto fail;
	if (old)
		sh_item_unlinked(old);
	sh_note_size();
	return 0;

fail:
	atomic64_sub(charge, &sh_bytes);
	kvfree(it);
	return err;
}

/*
 * The hot path's two user copies: access_ok() and the architecture's copy,
 * without the generic wrappers' object-size check (hardened usercopy), which
 * costs 40% of a batched GET in the guest (1.1M vs 1.86M ops/s). Both copies
 * are bounded here instead: keys by SH_KEY_MAX into a buffer of that size,
 * values by the item's own val_len. Faults still end in -EFAULT through the
 * exception table.
 */
static int sh_copy_key(u8 *key, const void __user *ukey, u32 key_len)
{
	if (WARN_ON_ONCE(key_len > SH_KEY_MAX) || !access_ok(ukey, key_len))
		return -EFAULT;
	return raw_copy_from_user(key, ukey, key_len) ? -EFAULT : 0;
}

/* Copies a value without sleeping (under RCU); -EFAULT if it would fault. */
static int sh_copy_value_nofault(void __user *ubuf, const struct sh_item *it)
{
	unsigned long left;

	if (!access_ok(ubuf, it->val_len))
		return -EFAULT;
	pagefault_disable();
	left = raw_copy_to_user(ubuf, it->data + it->key_len, it->val_len);
	pagefault_enable();
	return left ? -EFAULT : 0;
}

#ifdef SH_TEST_FAULTS
/*
 * Test-only (tests/fixtures/kmod_faulty builds with SH_TEST_FAULTS): the
 * bug of kmdash's crash issue, a NULL store in sh_get() after fault_after
 * GETs, or a BUG there, so that the trace decoder is tested on this very
 * source: the decoded chain reads sh_test_fault -> sh_get -> sh_do_op.
 * The product module has neither the parameters nor the code.
 */
static char *fault = "";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "test only: oops (a NULL store) or bug, in sh_get");
static unsigned long fault_after = 100000;
module_param(fault_after, ulong, 0444);
MODULE_PARM_DESC(fault_after, "test only: GETs before the fault");
static atomic_long_t sh_fault_gets = ATOMIC_LONG_INIT(0);
static int *volatile sh_fault_nowhere; /* NULL, unknown to the compiler */

static __always_inline void sh_test_fault(void)
{
	if (!*fault || atomic_long_inc_return(&sh_fault_gets) < fault_after)
		return;
	if (!strcmp(fault, "oops"))
		*sh_fault_nowhere = 1; /* kmdash-test: oops */
	else if (!strcmp(fault, "bug"))
		BUG(); /* kmdash-test: bug */
}
#else
static __always_inline void sh_test_fault(void)
{
}
#endif

/*
 * Test-only (tests/fixtures/kmod_slowget builds with SH_TEST_GET_DELAY_NS):
 * every GET made slower by that many ns, a regression of a known size for
 * kmdash's regression detection (make bench: tests/bench/bench_regress.sh).
 */
static __always_inline void sh_test_get_delay(void)
{
#ifdef SH_TEST_GET_DELAY_NS
	ndelay(SH_TEST_GET_DELAY_NS);
#endif
}

/* *val_len: in, the buffer size; out, the value's length. */
static int sh_get(const u8 *key, u32 key_len, void __user *ubuf, u32 *val_len)
{
	struct sh_key k = { .data = key, .len = key_len };
	struct sh_item *it;
	int err;

	sh_test_fault();
	sh_test_get_delay();
	rcu_read_lock();
	for (;;) {
		it = rhashtable_lookup(&sh_ht, &k, sh_params);
		if (!it) {
			rcu_read_unlock();
			return -ENOENT;
		}
		if (it->val_len > *val_len) {
			*val_len = it->val_len;
			rcu_read_unlock();
			return -ENOSPC;
		}
		*val_len = it->val_len;
		/* Fast path: the buffer is resident, no fault, no sleep. */
		if (!sh_copy_value_nofault(ubuf, it)) {
			rcu_read_unlock();
			return 0;
		}
		/* Pin the item to copy with faults allowed, outside RCU. */
		if (refcount_inc_not_zero(&it->ref))
			break;
		/* It is being freed: it left the table, look again. */
	}
	rcu_read_unlock();
	err = copy_to_user(ubuf, it->data + key_len, it->val_len) ? -EFAULT : 0;
	sh_item_put(it);
	return err;
}

static int sh_del(const u8 *key, u32 key_len)
{
	struct sh_key k = { .data = key, .len = key_len };
	struct sh_item *it;

	rcu_read_lock();
	for (;;) {
		it = rhashtable_lookup(&sh_ht, &k, sh_params);
		if (!it)
			break;
		if (!rhashtable_remove_fast(&sh_ht, &it->node, sh_params))
			break;
		/* Someone else unlinked it first: look again. */
	}
	rcu_read_unlock();
	if (!it)
		return -ENOENT;
	sh_item_unlinked(it);
	sh_note_size();
	return 0;
}

/* Removes every item; items PUT while it runs may stay. */
static void sh_clear(void)
{
	struct rhashtable_iter iter;
	struct sh_item *it;
	unsigned long removed, n;

	mutex_lock(&sh_clear_lock);
	do {
		removed = 0;
		n = 0;
		rhashtable_walk_enter(&sh_ht, &iter);
		rhashtable_walk_start(&iter);
		while ((it = rhashtable_walk_next(&iter))) {
			if (IS_ERR(it))
				continue; /* -EAGAIN: a resize, go on */
			if (!rhashtable_remove_fast(&sh_ht, &it->node,
						    sh_params)) {
				sh_item_unlinked(it);
				removed++;
			}
			if (++n % SH_CLEAR_RESCHED == 0) {
				rhashtable_walk_stop(&iter);
				cond_resched();
				rhashtable_walk_start(&iter);
			}
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		/* Removing while walking can skip items: walk until clean. */
	} while (removed);
	mutex_unlock(&sh_clear_lock);
	sh_note_size();
}

static void sh_stats_fill(struct sh_stats *s)
{
	int cpu;

	memset(s, 0, sizeof(*s));
	s->version = SH_UAPI;
	s->key_max = SH_KEY_MAX;
	s->items = atomic_read(&sh_ht.nelems);
	s->bytes_used = atomic64_read(&sh_bytes);
	s->max_bytes = max_bytes;
	s->max_value_len = max_value_len;
	sh_note_size();
	s->buckets = sh_table_size();
	s->resizes = atomic64_read(&sh_resizes);
	for_each_possible_cpu(cpu)
	{
		const struct sh_pcpu *c = per_cpu_ptr(&sh_pcpu, cpu);

		s->puts += READ_ONCE(c->puts);
		s->gets += READ_ONCE(c->gets);
		s->get_hits += READ_ONCE(c->get_hits);
		s->get_misses += READ_ONCE(c->get_misses);
		s->dels += READ_ONCE(c->dels);
		s->del_misses += READ_ONCE(c->del_misses);
		s->clears += READ_ONCE(c->clears);
		s->batches += READ_ONCE(c->batches);
		s->batch_ops += READ_ONCE(c->batch_ops);
		s->errors += READ_ONCE(c->errors);
	}
}

/* --- ioctl ------------------------------------------------------------ */

/* Checks the lengths of one op and copies its key into key[SH_KEY_MAX]. */
static int sh_fetch_key(u8 *key, u64 ukey, u32 key_len)
{
	if (!key_len)
		return -EINVAL;
	if (key_len > SH_KEY_MAX)
		return -EMSGSIZE;
	return sh_copy_key(key, u64_to_user_ptr(ukey), key_len);
}

/*
 * Counts of one ioctl, added to the per-CPU counters once at its end: a
 * batch of 64 GETs costs two per-CPU adds, not 128.
 */
struct sh_tally {
	u32 puts, gets, get_hits, get_misses, dels, del_misses, errors;
};

static void sh_tally_flush(const struct sh_tally *t)
{
#define SH_FLUSH(f) \
	if (t->f)   \
	this_cpu_add(sh_pcpu.f, t->f)
	SH_FLUSH(puts);
	SH_FLUSH(gets);
	SH_FLUSH(get_hits);
	SH_FLUSH(get_misses);
	SH_FLUSH(dels);
	SH_FLUSH(del_misses);
	SH_FLUSH(errors);
#undef SH_FLUSH
}

/* One PUT, GET or DEL, counted in *t. *val_len is updated for GET. */
static int sh_do_op(bool wr, struct sh_tally *t, u32 op, u8 *key, u64 ukey,
		    u32 key_len, u64 uval, u32 *val_len)
{
	int err;

	switch (op) {
	case SH_OP_PUT:
		t->puts++;
		err = wr ? sh_fetch_key(key, ukey, key_len) : -EBADF;
		if (!err && *val_len > max_value_len)
			err = -EMSGSIZE;
		if (!err)
			err = sh_put(key, key_len, u64_to_user_ptr(uval),
				     *val_len);
		break;
	case SH_OP_GET:
		t->gets++;
		err = sh_fetch_key(key, ukey, key_len);
		if (!err)
			err = sh_get(key, key_len, u64_to_user_ptr(uval),
				     val_len);
		if (!err)
			t->get_hits++;
		else if (err == -ENOENT)
			t->get_misses++;
		break;
	case SH_OP_DEL:
		t->dels++;
		err = wr ? sh_fetch_key(key, ukey, key_len) : -EBADF;
		if (!err)
			err = sh_del(key, key_len);
		if (err == -ENOENT)
			t->del_misses++;
		break;
	default:
		err = -EINVAL;
	}
	if (err && err != -ENOENT)
		t->errors++;
	return err;
}

static long sh_ioctl_kv(bool wr, u32 op, struct sh_kv __user *ukv)
{
	struct sh_tally t = {};
	u8 key[SH_KEY_MAX];
	struct sh_kv kv;
	int err;

	if (copy_from_user(&kv, ukv, sizeof(kv))) {
		err = -EFAULT;
	} else if (kv.version != SH_UAPI) {
		err = -EPROTO;
	} else if (kv.flags) {
		err = -EINVAL;
	} else {
		err = sh_do_op(wr, &t, op, key, kv.key, kv.key_len, kv.val,
			       &kv.val_len);
		/* GET says how long the value is, also for a short buffer. */
		if (op == SH_OP_GET && (!err || err == -ENOSPC) &&
		    put_user(kv.val_len, &ukv->val_len))
			err = -EFAULT;
		else
			goto out;
	}
	t.errors++;
out:
	sh_tally_flush(&t);
	return err;
}

static long sh_ioctl_batch(bool wr, struct sh_batch __user *ub)
{
	struct sh_op ops[SH_BATCH_CHUNK];
	struct sh_tally t = {};
	u8 key[SH_KEY_MAX];
	struct sh_op __user *uops;
	struct sh_batch b;
	u32 done = 0, failed = 0, n, i;
	long ret = 0;

	if (copy_from_user(&b, ub, sizeof(b)))
		return -EFAULT;
	if (b.version != SH_UAPI)
		return -EPROTO;
	if (!b.count)
		return -EINVAL;
	if (b.count > SH_BATCH_MAX)
		return -EMSGSIZE;
	uops = u64_to_user_ptr(b.ops);
	while (done < b.count) {
		n = min_t(u32, b.count - done, SH_BATCH_CHUNK);
		/* Bounded by sizeof(ops); see sh_copy_key() for why raw. */
		if (!access_ok(uops + done, n * sizeof(ops[0])) ||
		    raw_copy_from_user(ops, uops + done, n * sizeof(ops[0]))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			struct sh_op *op = &ops[i];

			op->result = sh_do_op(wr, &t, op->op, key, op->key,
					      op->key_len, op->val,
					      &op->val_len);
			if (op->result < 0)
				failed++;
		}
		done += n;
		/* Give back val_len and result of each op, nothing else. */
		if (!access_ok(uops + done - n, n * sizeof(ops[0]))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			struct sh_op __user *u = uops + done - n + i;
			u64 out; /* val_len and result, as they lie in memory */

			memcpy(&out, &ops[i].val_len, sizeof(out));
			if (__put_user(out, (u64 __user *)&u->val_len)) {
				ret = -EFAULT;
				break;
			}
		}
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	this_cpu_inc(sh_pcpu.batches);
	this_cpu_add(sh_pcpu.batch_ops, done);
	sh_tally_flush(&t);
	if (put_user(done, &ub->done) || put_user(failed, &ub->failed))
		ret = -EFAULT;
	return ret;
}

static long sh_ioctl_stats(struct sh_stats __user *us)
{
	struct sh_stats s;
	u32 version;

	if (get_user(version, &us->version))
		return -EFAULT;
	if (version != SH_UAPI)
		return -EPROTO;
	sh_stats_fill(&s);
	return copy_to_user(us, &s, sizeof(s)) ? -EFAULT : 0;
}

static long sh_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	/* Changes need an fd opened for writing; GET and STATS do not. */
	bool wr = file->f_mode & FMODE_WRITE;
	long err;

	switch (cmd) { /* kmdash-test: gdb */
	case SH_IOC_VERSION:
		return put_user((u32)SH_UAPI, (u32 __user *)uarg);
	case SH_IOC_PUT:
		return sh_ioctl_kv(wr, SH_OP_PUT, uarg);
	case SH_IOC_GET:
		return sh_ioctl_kv(wr, SH_OP_GET, uarg);
	case SH_IOC_DEL:
		return sh_ioctl_kv(wr, SH_OP_DEL, uarg);
	case SH_IOC_BATCH:
		err = sh_ioctl_batch(wr, uarg);
		break;
	case SH_IOC_STATS:
		err = sh_ioctl_stats(uarg);
		break;
	case SH_IOC_CLEAR:
		sh_count(clears);
		if (!wr) {
			err = -EBADF;
			break;
		}
		sh_clear();
		return 0;
	default:
		err = -ENOTTY;
	}
	if (err)
		sh_count(errors);
	return err;
}

static const struct file_operations sh_fops = {
	.owner = THIS_MODULE, /* an open fd pins the module: rmmod fails */
	.unlocked_ioctl = sh_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice sh_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "storage-hash",
	.fops = &sh_fops,
	.mode = 0600,
};

/* --- live statistics: /sys/module/storage_hash/stats/, debugfs -------- */

struct sh_stat_attr {
	struct kobj_attribute attr;
	size_t offset; /* of the __u64 in struct sh_stats */
};

static ssize_t sh_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	const struct sh_stat_attr *sa =
		container_of(attr, struct sh_stat_attr, attr);
	struct sh_stats s;

	sh_stats_fill(&s);
	return sysfs_emit(buf, "%llu\n",
			  *(const __u64 *)((const char *)&s + sa->offset));
}

#define SH_STAT_ATTR(name)                                      \
	static struct sh_stat_attr sh_attr_##name = {           \
		.attr = __ATTR(name, 0444, sh_stat_show, NULL), \
		.offset = offsetof(struct sh_stats, name),      \
	};
SH_STATS_FIELDS(SH_STAT_ATTR)

#define SH_STAT_PTR(name) &sh_attr_##name.attr.attr,
static struct attribute *sh_stat_attrs[] = { SH_STATS_FIELDS(SH_STAT_PTR)
						     NULL };

static const struct attribute_group sh_stat_group = {
	.attrs = sh_stat_attrs,
};

static struct kobject *sh_stats_kobj;
static struct dentry *sh_debugfs;

/* debugfs storage_hash/stats: every counter, "name value" per line. */
static int sh_stats_debugfs_show(struct seq_file *m, void *unused)
{
	struct sh_stats s;

	sh_stats_fill(&s);
	seq_printf(m, "uapi_version %u\n", s.version);
	seq_printf(m, "key_max %u\n", s.key_max);
#define SH_STAT_SEQ(name) seq_printf(m, #name " %llu\n", s.name);
	SH_STATS_FIELDS(SH_STAT_SEQ)
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sh_stats_debugfs);

/* --- load, unload ----------------------------------------------------- */

static void sh_free_item(void *ptr, void *arg)
{
	struct sh_item *it = ptr;
	u64 *freed = arg;

	atomic64_sub(it->charge, &sh_bytes);
	freed[0]++;
	freed[1] += it->charge;
	kvfree(it); /* no fd is open: nobody can hold a reference */
}

static int __init sh_init(void)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	int err;

	BUILD_BUG_ON(sizeof(struct sh_kv) != 32);
	BUILD_BUG_ON(sizeof(struct sh_op) != 32);
	BUILD_BUG_ON(sizeof(struct sh_batch) != 24);
	BUILD_BUG_ON(sizeof(struct sh_stats) != 8 + 16 * 8);
	BUILD_BUG_ON(offsetof(struct sh_op, result) !=
		     offsetof(struct sh_op, val_len) + 4);

	if (!max_value_len || max_value_len > SH_VALUE_HARD_MAX) {
		pr_err("max_value_len=%u: must be 1..%u\n", max_value_len,
		       SH_VALUE_HARD_MAX);
		return -EINVAL;
	}
	if (max_bytes < PAGE_SIZE || max_bytes > ram / 2) {
		pr_err("max_bytes=%lu: must be %lu..%llu (half of the RAM)\n",
		       max_bytes, PAGE_SIZE, ram / 2);
		return -EINVAL;
	}
	err = rhashtable_init(&sh_ht, &sh_params);
	if (err)
		return err;
	sh_last_size = sh_table_size();

	err = -ENOMEM;
	sh_stats_kobj =
		kobject_create_and_add("stats", &THIS_MODULE->mkobj.kobj);
	if (!sh_stats_kobj)
		goto err_table;
	err = sysfs_create_group(sh_stats_kobj, &sh_stat_group);
	if (err)
		goto err_kobj;
	/* debugfs is optional: errors are ignored by design there. */
	sh_debugfs = debugfs_create_dir("storage_hash", NULL);
	debugfs_create_file("stats", 0444, sh_debugfs, NULL,
			    &sh_stats_debugfs_fops);

	err = misc_register(&sh_misc);
	if (err)
		goto err_debugfs;
	pr_info("loaded: device /dev/%s, max_bytes=%lu max_value_len=%u key_max=%u batch_max=%u uapi=%u\n",
		sh_misc.name, max_bytes, max_value_len, SH_KEY_MAX,
		SH_BATCH_MAX, SH_UAPI);
	return 0;

err_debugfs:
	debugfs_remove_recursive(sh_debugfs);
	sysfs_remove_group(sh_stats_kobj, &sh_stat_group);
err_kobj:
	kobject_put(sh_stats_kobj);
err_table:
	rhashtable_destroy(&sh_ht);
	pr_err("load failed: %d\n", err);
	return err;
}

static void __exit sh_exit(void)
{
	struct sh_stats s;
	u64 freed[2] = { 0, 0 };

	misc_deregister(&sh_misc);
	debugfs_remove_recursive(sh_debugfs);
	sysfs_remove_group(sh_stats_kobj, &sh_stat_group);
	kobject_put(sh_stats_kobj);

	sh_stats_fill(&s);
	rhashtable_free_and_destroy(&sh_ht, sh_free_item, freed);
	pr_info("unloaded: freed %llu items (%llu bytes), bytes_used=%lld; puts=%llu gets=%llu get_hits=%llu get_misses=%llu dels=%llu del_misses=%llu clears=%llu batches=%llu batch_ops=%llu errors=%llu resizes=%llu\n",
		freed[0], freed[1], (long long)atomic64_read(&sh_bytes), s.puts,
		s.gets, s.get_hits, s.get_misses, s.dels, s.del_misses,
		s.clears, s.batches, s.batch_ops, s.errors, s.resizes);
}

module_init(sh_init);
module_exit(sh_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("storage_hash: a key-value store on /dev/storage-hash");
MODULE_AUTHOR("kmdash");
