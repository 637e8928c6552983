// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel log model: a real capture from the embedded target (an arm64
 * oops), PTY line ends and arbitrary read splits, levels and facilities,
 * replays after a reconnect, sequence gaps, reboots, garbage and caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/kmsg.h"

#define FIX "tests/fixtures/kmsg/"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static void feed(struct kmsg *k, const char *s)
{
	kmsg_feed(k, s, strlen(s));
}

static void feedf(struct kmsg *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void feedf(struct kmsg *k, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	feed(k, buf);
}

/* The i-th record held (0 = oldest), which must exist. */
static struct kmsg_record rec(struct kmsg *k, uint64_t i)
{
	struct kmsg_record r;

	if (!kmsg_get(k, kmsg_first(k) + i, &r))
		fail_msg("no record %llu", (unsigned long long)i);
	return r;
}

static uint64_t count(struct kmsg *k)
{
	return kmsg_end(k) - kmsg_first(k);
}

static void expect_text(struct kmsg *k, uint64_t i, const char *want)
{
	struct kmsg_record r = rec(k, i);

	assert_int_equal(r.len, strlen(want));
	assert_string_equal(r.text, want);
}

static void test_real_arm64_oops(void **state)
{
	struct kmsg_opts o = { .module = "oopsmod" };
	struct kmsg *k = kmsg_new(&o);
	const struct kmsg_stats *st = kmsg_stats(k);
	static const uint64_t levels[8] = { 2, 12, 0, 0, 32, 20, 206, 8 };
	size_t len;
	char *buf = slurp(FIX "virt-oops.kmsg", &len);
	struct kmsg_record r;

	kmsg_feed(k, buf, len);
	free(buf);
	assert_int_equal(count(k), 280);
	assert_int_equal(st->records, 280);
	assert_int_equal(st->dict_lines, 48);
	assert_int_equal(st->raw, 0);
	assert_int_equal(st->lost, 0);
	assert_int_equal(st->duplicates, 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(st->by_level[i], levels[i]);
	assert_int_equal(st->oopses, 1);
	assert_int_equal(st->bugs + st->warnings + st->panics, 0);
	assert_true(st->has_oops);
	assert_int_equal(st->last_oops_seq, 235);
	assert_int_equal(st->last_oops_kind, KMSG_BLOCK_OOPS);
	assert_true(kmsg_get(k, st->last_oops_pos, &r));
	assert_int_equal(r.seq, 235);
	assert_int_equal(r.level, 1);
	assert_int_equal(r.usec, 2675077);
	assert_int_equal(r.flags, KMSG_F_OOPS | KMSG_F_OOPS_START);
	assert_string_equal(
		r.text,
		"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000");
	for (uint64_t s = 0; s < 280; s++) {
		bool in = s >= 235 && s <= 278;

		r = rec(k, s);
		assert_int_equal(r.seq, s);
		assert_int_equal(r.facility, 0);
		assert_int_equal(!!(r.flags & KMSG_F_OOPS), in);
	}
	expect_text(k, 278, "---[ end trace 0000000000000000 ]---");
	expect_text(k, 266, " oops_init+0x30/0x1000 [oopsmod]");
	/* the kernel's \x09 is a tab */
	expect_text(k, 44, "\tRude variant of Tasks RCU enabled.");
	/* module lines and taint */
	assert_int_equal(st->module_lines, 3);
	assert_int_equal(st->taints, 2);
	r = rec(k, 232);
	assert_int_equal(r.flags, KMSG_F_MODULE | KMSG_F_TAINT);
	r = rec(k, 234);
	assert_int_equal(r.flags, KMSG_F_MODULE);
	assert_string_equal(r.text, "oopsmod: about to dereference NULL");
	kmsg_free(k);
}

/* The PTY capture (CRLF), cut at every odd place, gives the same model. */
static void test_pty_crlf_split_reads(void **state)
{
	struct kmsg *a = kmsg_new(NULL), *b = kmsg_new(NULL);
	size_t la, lb, off = 0;
	char *ba = slurp(FIX "virt-oops.kmsg", &la);
	char *bb = slurp(FIX "virt-oops.pty", &lb);
	uint32_t rnd = 12345;

	assert_non_null(memchr(bb, '\r', lb));
	kmsg_feed(a, ba, la);
	while (off < lb) {
		size_t n;

		rnd = rnd * 1103515245 + 12345;
		n = 1 + (rnd >> 16) % 97;
		if (n > lb - off)
			n = lb - off;
		kmsg_feed(b, bb + off, n);
		off += n;
	}
	assert_int_equal(count(a), count(b));
	for (uint64_t i = 0; i < count(a); i++) {
		struct kmsg_record x = rec(a, i), y = rec(b, i);

		assert_int_equal(x.seq, y.seq);
		assert_int_equal(x.usec, y.usec);
		assert_int_equal(x.flags, y.flags);
		assert_string_equal(x.text, y.text);
		assert_null(strchr(y.text, '\r'));
	}
	assert_int_equal(kmsg_stats(b)->dict_lines, 48);
	free(ba);
	free(bb);
	kmsg_free(a);
	kmsg_free(b);
}

static void test_byte_by_byte(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const char *s = "6,1,10,-;first\r\n SUBSYSTEM=x\r\n3,2,20,-;second\r\n";

	for (size_t i = 0; s[i]; i++) {
		kmsg_feed(k, s + i, 1);
		if (i == 10)
			assert_int_equal(count(k), 0);
	}
	assert_int_equal(count(k), 2);
	expect_text(k, 0, "first");
	expect_text(k, 1, "second");
	assert_int_equal(rec(k, 1).level, 3);
	assert_int_equal(kmsg_stats(k)->dict_lines, 1);
	/* a last line without a newline waits, flush takes it */
	feed(k, "6,3,30,-;tail");
	assert_int_equal(count(k), 2);
	kmsg_flush(k);
	assert_int_equal(count(k), 3);
	expect_text(k, 2, "tail");
	kmsg_free(k);
}

static void test_levels_facilities_and_flags(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	uint64_t seq = 0;

	for (int fac = 0; fac < 24; fac += 23)
		for (int lvl = 0; lvl < 8; lvl++)
			feedf(k, "%d,%llu,%d,-;f%d l%d\n", fac * 8 + lvl,
			      (unsigned long long)seq++, lvl, fac, lvl);
	assert_int_equal(count(k), 16);
	for (int i = 0; i < 16; i++) {
		struct kmsg_record r = rec(k, (uint64_t)i);

		assert_int_equal(r.level, i % 8);
		assert_int_equal(r.facility, i < 8 ? 0 : 23);
		assert_int_equal(r.flags, 0);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(kmsg_stats(k)->by_level[i], 2);
	/* continuation flags and extra fields after FLAGS */
	feed(k, "4,16,100,c;start of\n4,17,101,+,extra=1;continued\n");
	assert_int_equal(rec(k, 16).flags, KMSG_F_CONT);
	assert_int_equal(rec(k, 17).flags, KMSG_F_CONT);
	expect_text(k, 17, "continued");
	/* a ';' in the text belongs to the text */
	feed(k, "6,18,102,-;a;b;c\n");
	expect_text(k, 18, "a;b;c");
	assert_string_equal(kmsg_level_name(3), "err");
	assert_string_equal(kmsg_level_name(9), "?");
	kmsg_free(k);
}

static void test_escapes_are_terminal_safe(void **state)
{
	struct kmsg *k = kmsg_new(NULL);

	feed(k, "6,0,0,-;esc \\x1b[31mred\\x1b[0m bell\\x07\n");
	feed(k, "6,1,0,-;caf\\xc3\\xa9 back\\x5cslash \\xff bad utf8\n");
	feed(k, "6,2,0,-;not an escape: \\xZZ \\x4\n");
	feed(k, "6,3,0,-;raw \x1b[2J ctl\n");
	expect_text(k, 0, "esc \\x1b[31mred\\x1b[0m bell\\x07");
	expect_text(k, 1, "caf\xc3\xa9 back\\slash \\xff bad utf8");
	expect_text(k, 2, "not an escape: \\xZZ \\x4");
	expect_text(k, 3, "raw \\x1b[2J ctl");
	kmsg_free(k);
}

/*
 * The C1 controls written as UTF-8 (U+009B is a CSI to some terminals)
 * and an overlong ESC (E0 80 9B to a lax decoder) are no characters:
 * escaped byte by byte, as the kernel's own escapes of them and raw.
 */
static void test_c1_and_overlong_utf8_are_escaped(void **state)
{
	struct kmsg *k = kmsg_new(NULL);

	feed(k, "6,0,0,-;csi \\xc2\\x9b2J osc \\xc2\\x9d0;t\\xc2\\x9c end\n");
	feed(k, "6,1,0,-;raw \xc2\x9b"
		"6n overlong \xe0\x80\x9b[1m nbsp \xc2\xa0.\n");
	feed(k,
	     "6,2,0,-;surrogate \xed\xa0\x80 high \xf4\x90\x80\x80 ok \xf0\x9f\x90\xa7\n");
	expect_text(k, 0, "csi \\xc2\\x9b2J osc \\xc2\\x9d0;t\\xc2\\x9c end");
	expect_text(
		k, 1,
		"raw \\xc2\\x9b6n overlong \\xe0\\x80\\x9b[1m nbsp \xc2\xa0.");
	expect_text(k, 2,
		    "surrogate \\xed\\xa0\\x80 high \\xf4\\x90\\x80\\x80 ok "
		    "\xf0\x9f\x90\xa7");
	kmsg_free(k);
}

static void test_gap_marks_lost_messages(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const struct kmsg_stats *st = kmsg_stats(k);
	struct kmsg_record r;

	feed(k, "6,10,100,-;a\n6,11,110,-;b\n6,14,140,-;c\n6,16,160,-;d\n");
	assert_int_equal(count(k), 6);
	r = rec(k, 2);
	assert_int_equal(r.flags, KMSG_F_LOST);
	assert_string_equal(r.text, "2 messages lost");
	expect_text(k, 3, "c");
	r = rec(k, 4);
	assert_string_equal(r.text, "1 message lost");
	assert_int_equal(st->lost, 3);
	assert_int_equal(st->records, 4);
	kmsg_free(k);
}

static void feed_boot(struct kmsg *k, const char *tag, int from, int to,
		      int64_t usec0)
{
	for (int i = from; i <= to; i++)
		feedf(k, "6,%d,%lld,-;%s line %d\n", i,
		      (long long)(i == 0 ? 0 : usec0 + i * 1000), tag, i);
}

static void test_reconnect_replay_has_no_duplicates(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const struct kmsg_stats *st = kmsg_stats(k);

	feed_boot(k, "A", 0, 9, 5000);
	feed(k, "6,10,20000,-;half a li");
	/* the link dropped; the follower runs cat /dev/kmsg again */
	kmsg_restart(k);
	feed_boot(k, "A", 0, 11, 5000);
	assert_int_equal(count(k), 12);
	assert_int_equal(st->duplicates, 10);
	assert_int_equal(st->raw, 0);
	assert_int_equal(st->reboots + st->lost, 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(rec(k, (uint64_t)i).seq, (uint64_t)i);
	/* a replay that brings nothing new adds nothing */
	kmsg_restart(k);
	feed_boot(k, "A", 0, 11, 5000);
	assert_int_equal(count(k), 12);
	kmsg_free(k);
}

/* seq 0 of the new boot is identical to the old one: still a reboot. */
static void test_reboot_is_recognised(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const struct kmsg_stats *st = kmsg_stats(k);
	struct kmsg_record r;

	feed_boot(k, "A", 0, 9, 5000);
	kmsg_restart(k);
	feed(k, "6,0,0,-;A line 0\n"); /* same as before: held back */
	assert_int_equal(count(k), 10);
	feed_boot(k, "B", 1, 4, 7000);
	assert_int_equal(st->reboots, 1);
	assert_int_equal(count(k), 10 + 1 + 5);
	r = rec(k, 10);
	assert_int_equal(r.flags, KMSG_F_REBOOT);
	assert_string_equal(r.text, "target rebooted");
	expect_text(k, 11, "A line 0");
	assert_int_equal(rec(k, 11).seq, 0);
	expect_text(k, 12, "B line 1");
	expect_text(k, 15, "B line 4");
	assert_int_equal(st->duplicates, 0);
	/* the new boot goes on normally, and its replay is deduplicated */
	kmsg_restart(k);
	feed(k, "6,0,0,-;A line 0\n");
	feed_boot(k, "B", 1, 5, 7000);
	assert_int_equal(count(k), 17);
	expect_text(k, 16, "B line 5");
	assert_int_equal(st->reboots, 1);
	kmsg_free(k);
}

/* Reconnected late: the new boot has more records than the old one had. */
static void test_reboot_with_seq_past_the_last(void **state)
{
	struct kmsg *k = kmsg_new(NULL);

	feed_boot(k, "A", 0, 3, 50000000);
	kmsg_restart(k);
	feed(k, "6,10,2000000,-;B line 10\n");
	assert_int_equal(kmsg_stats(k)->reboots, 1);
	assert_int_equal(kmsg_stats(k)->lost, 0);
	assert_int_equal(rec(k, 4).flags, KMSG_F_REBOOT);
	expect_text(k, 5, "B line 10");
	kmsg_free(k);
}

/* The largest time /dev/kmsg can hold is a time, not an overflow. */
static void test_time_at_the_end_of_int64(void **state)
{
	struct kmsg *k = kmsg_new(NULL);

	feed(k, "6,1,5,-;first\n6,2,9223372036854775807,-;last\n");
	assert_int_equal(kmsg_stats(k)->records, 2);
	assert_int_equal(kmsg_stats(k)->reboots, 0);
	assert_int_equal(rec(k, 1).usec, INT64_MAX);
	kmsg_free(k);
}

static void test_boot_id(void **state)
{
	struct kmsg *k = kmsg_new(NULL);

	assert_int_equal(kmsg_set_boot_id(k, "1111"), 0);
	feed_boot(k, "A", 0, 5, 1000);
	assert_int_equal(kmsg_set_boot_id(k, "1111"), 0);
	assert_int_equal(kmsg_set_boot_id(k, "2222"), 1);
	/* identical text and times, but a new boot: all of it is new */
	feed_boot(k, "A", 0, 5, 1000);
	assert_int_equal(count(k), 6 + 1 + 6);
	assert_int_equal(rec(k, 6).flags, KMSG_F_REBOOT);
	assert_int_equal(kmsg_stats(k)->duplicates, 0);
	kmsg_free(k);
}

static void test_dmesg_r_fallback(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const struct kmsg_stats *st = kmsg_stats(k);
	size_t len;
	char *buf = slurp(FIX "virt-oops.dmesg-r", &len);
	struct kmsg_record r;

	kmsg_feed(k, buf, len);
	assert_int_equal(count(k), 280);
	r = rec(k, 235);
	assert_int_equal(r.flags,
			 KMSG_F_NOSEQ | KMSG_F_OOPS | KMSG_F_OOPS_START);
	assert_int_equal(r.usec, 2675077);
	assert_int_equal(r.level, 1);
	assert_int_equal(st->oopses, 1);
	/* polling dmesg -r again replays it all: nothing added */
	kmsg_feed(k, buf, len);
	assert_int_equal(count(k), 280);
	assert_int_equal(st->duplicates, 280);
	feed(k, "<12>[    9.000001] later\n<6>no timestamp\n");
	assert_int_equal(count(k), 282);
	r = rec(k, 280);
	assert_int_equal(r.level, 4);
	assert_int_equal(r.facility, 1);
	assert_string_equal(r.text, "later");
	r = rec(k, 281);
	assert_int_equal(r.usec, -1);
	assert_string_equal(r.text, "no timestamp");
	free(buf);
	kmsg_free(k);
}

static void test_garbage_and_binary(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const struct kmsg_stats *st = kmsg_stats(k);
	unsigned char junk[4096];
	uint32_t rnd = 99;

	feed(k, "cat: read error: Broken pipe\r\n");
	feed(k, "6,x,1,-;bad seq\n6,1,2;no flags\n<abc>[ 1.0] nope\n,,,;\n");
	assert_int_equal(count(k), 5);
	assert_int_equal(st->raw, 5);
	expect_text(k, 0, "cat: read error: Broken pipe");
	assert_int_equal(rec(k, 0).flags, KMSG_F_RAW);
	for (size_t i = 0; i < sizeof(junk); i++) {
		rnd = rnd * 1103515245 + 12345;
		junk[i] = (unsigned char)(rnd >> 16);
	}
	kmsg_feed(k, junk, sizeof(junk));
	kmsg_flush(k);
	for (uint64_t i = 0; i < count(k); i++) {
		struct kmsg_record r = rec(k, i);

		assert_int_equal(strlen(r.text), r.len);
		for (size_t j = 0; j < r.len; j++)
			assert_true((unsigned char)r.text[j] >= 0x20 ||
				    r.text[j] == '\t');
	}
	assert_true(st->raw > 5);
	/* and parsing goes on */
	feed(k, "\n6,5,5,-;fine\n");
	assert_string_equal(rec(k, count(k) - 1).text, "fine");
	kmsg_free(k);
}

static void test_huge_line_is_cut(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	size_t n = 100000;
	char *big = malloc(n);
	struct kmsg_record r;

	memcpy(big, "6,1,1,-;", 8);
	memset(big + 8, 'x', n - 8);
	kmsg_feed(k, big, n);
	feed(k, "\n6,2,2,-;next\n");
	assert_int_equal(count(k), 2);
	r = rec(k, 0);
	assert_int_equal(r.flags, KMSG_F_TRUNCATED);
	assert_int_equal(r.len, KMSG_MAX_LINE - 8);
	expect_text(k, 1, "next");
	assert_int_equal(kmsg_stats(k)->truncated, 1);
	free(big);
	kmsg_free(k);
}

static void test_ring_caps(void **state)
{
	struct kmsg_opts o = { .max_records = 100, .max_bytes = 1 << 20 };
	struct kmsg *k = kmsg_new(&o);

	for (int i = 0; i < 1000; i++)
		feedf(k, "6,%d,%d,-;record %d\n", i, i, i);
	assert_int_equal(count(k), 100);
	assert_int_equal(kmsg_first(k), 900);
	expect_text(k, 0, "record 900");
	assert_int_equal(kmsg_stats(k)->records, 1000);
	kmsg_free(k);

	o = (struct kmsg_opts){ .max_records = 100000, .max_bytes = 4096 };
	k = kmsg_new(&o);
	for (int i = 0; i < 1000; i++)
		feedf(k, "6,%d,%d,-;record %d with some more text\n", i, i, i);
	assert_true(count(k) < 100);
	assert_true(count(k) > 10);
	expect_text(k, count(k) - 1, "record 999 with some more text");
	kmsg_free(k);
}

static void test_warning_bug_and_panic_blocks(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	const struct kmsg_stats *st = kmsg_stats(k);

	feed(k, "4,1,1,-;------------[ cut here ]------------\n"
		"4,2,2,-;WARNING: CPU: 1 PID: 5 at mm/x.c:10 f+0x1/0x2\n"
		"4,3,3,-;Call trace:\n"
		"4,4,4,-;---[ end trace 0000000000000000 ]---\n"
		"6,5,5,-;after\n");
	assert_int_equal(st->warnings, 1);
	assert_false(st->has_oops);
	assert_int_equal(rec(k, 0).flags, KMSG_F_OOPS | KMSG_F_OOPS_START);
	assert_int_equal(rec(k, 3).flags, KMSG_F_OOPS);
	assert_int_equal(rec(k, 4).flags, 0);
	feed(k,
	     "4,6,6,-;------------[ cut here ]------------\n"
	     "2,7,7,-;kernel BUG at fs/x.c:12!\n"
	     "0,8,8,-;Internal error: Oops - BUG: 00000000f2000800 [#1] SMP\n"
	     "4,9,9,-;---[ end trace 0000000000000000 ]---\n");
	assert_int_equal(st->bugs, 1);
	assert_int_equal(st->oopses, 0);
	assert_true(st->has_oops);
	assert_int_equal(st->last_oops_kind, KMSG_BLOCK_BUG);
	assert_int_equal(st->last_oops_seq, 6);
	feed(k,
	     "1,10,10,-;Unable to handle kernel paging request at virtual address dead\n"
	     "0,11,11,-;Internal error: Oops: 0000000096000004 [#2] SMP\n"
	     "0,12,12,-;Kernel panic - not syncing: Oops: Fatal exception\n"
	     "0,13,13,-;---[ end Kernel panic - not syncing: Oops: Fatal exception ]---\n"
	     "0,14,14,-;Kernel panic - not syncing: sysrq triggered crash\n");
	assert_int_equal(st->oopses, 1);
	assert_int_equal(st->panics, 2);
	assert_int_equal(st->last_oops_seq, 14);
	assert_int_equal(st->last_oops_kind, KMSG_BLOCK_PANIC);
	kmsg_free(k);
}

struct sink {
	int n;
	char last[128];
};

static void on_rec(const struct kmsg_record *r, void *arg)
{
	struct sink *s = arg;

	s->n++;
	kmsg_format(r, s->last, sizeof(s->last));
}

static void test_callback_format_and_dirty(void **state)
{
	struct kmsg *k = kmsg_new(NULL);
	struct sink s = { 0 };

	kmsg_on_record(k, on_rec, &s);
	assert_false(kmsg_take_dirty(k));
	feed(k, "3,7,12345678,-;disk on fire\n");
	assert_true(kmsg_take_dirty(k));
	assert_false(kmsg_take_dirty(k));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.last, "[   12.345678] err    #7 disk on fire");
	feed(k, "6,9,12345679,-;x\n");
	assert_int_equal(s.n, 3);
	assert_string_equal(s.last, "[   12.345679] info   #9 x");
	feed(k, "garbage\n");
	assert_string_equal(s.last, "[raw] garbage");
	feed(k, "<4>[    1.500000] from dmesg\n");
	assert_string_equal(s.last, "[    1.500000] warn   from dmesg");
	kmsg_feed(k, "6,1,1,-;older\n", 14);
	kmsg_restart(k);
	assert_int_equal(kmsg_set_boot_id(k, "a"), 0);
	assert_int_equal(kmsg_set_boot_id(k, "b"), 1);
	assert_string_equal(s.last, "-- target rebooted --");
	kmsg_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_arm64_oops),
		cmocka_unit_test(test_pty_crlf_split_reads),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_levels_facilities_and_flags),
		cmocka_unit_test(test_escapes_are_terminal_safe),
		cmocka_unit_test(test_c1_and_overlong_utf8_are_escaped),
		cmocka_unit_test(test_gap_marks_lost_messages),
		cmocka_unit_test(test_reconnect_replay_has_no_duplicates),
		cmocka_unit_test(test_reboot_is_recognised),
		cmocka_unit_test(test_reboot_with_seq_past_the_last),
		cmocka_unit_test(test_time_at_the_end_of_int64),
		cmocka_unit_test(test_boot_id),
		cmocka_unit_test(test_dmesg_r_fallback),
		cmocka_unit_test(test_garbage_and_binary),
		cmocka_unit_test(test_huge_line_is_cut),
		cmocka_unit_test(test_ring_caps),
		cmocka_unit_test(test_warning_bug_and_panic_blocks),
		cmocka_unit_test(test_callback_format_and_dirty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
