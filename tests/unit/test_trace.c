// SPDX-License-Identifier: GPL-2.0
/*
 * The trace text parser: log prefixes, frame lines, block starts, and
 * whole blocks captured from the embedded target (tests/fixtures/traces/,
 * see its README): kind, task, taint, frames, attribution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module/trace.h"

#define TRACES "tests/fixtures/traces/"

/* --- helpers ------------------------------------------------------------- */

static const char *msg_of(const char *line, int64_t *usec)
{
	static char buf[512];
	size_t len, off = trace_strip_prefix(line, strlen(line), usec, &len);

	snprintf(buf, sizeof(buf), "%.*s", (int)len, line + off);
	return buf;
}

static struct trace_frame frame(const char *text)
{
	struct trace_frame f;

	if (!trace_parse_frame(text, strlen(text), &f))
		fail_msg("not parsed as a frame: '%s'", text);
	return f;
}

static bool is_frame(const char *text)
{
	struct trace_frame f;

	return trace_parse_frame(text, strlen(text), &f);
}

/*
 * The block of a captured trace that starts at the first line containing
 * start (any prefix stripped), up to its end line.
 */
static void load_block(const char *file, const char *start, struct trace *t)
{
	char path[256], line[2048];
	FILE *f;
	bool in = false;

	snprintf(path, sizeof(path), TRACES "%s", file);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	trace_init(t);
	while (fgets(line, sizeof(line), f)) {
		size_t len, off = trace_strip_prefix(line, strlen(line), NULL,
						     &len);

		if (!in && !strstr(line + off, start))
			continue;
		in = true;
		trace_add_line(t, line + off, len);
		if (trace_line_ends(line + off, len))
			break;
	}
	fclose(f);
	if (!in)
		fail_msg("no line with '%s' in %s", start, path);
}

/* --- prefixes ------------------------------------------------------------- */

static void test_prefixes(void **state)
{
	int64_t us;

	assert_string_equal(msg_of("<4>pc : x+0x1/0x2", &us), "pc : x+0x1/0x2");
	assert_int_equal(us, -1);
	assert_string_equal(msg_of("4,123,456,-;Call trace:", &us),
			    "Call trace:");
	assert_int_equal(us, 456);
	/* a call-trace line keeps its leading space */
	assert_string_equal(msg_of("4,124,457,-; sh_do_op+0x1/0x2", &us),
			    " sh_do_op+0x1/0x2");
	assert_string_equal(msg_of("[  112.700123] Oops: 1", &us), "Oops: 1");
	assert_int_equal(us, 112700123);
	assert_string_equal(msg_of("[  112.7] Oops: 1", &us), "Oops: 1");
	assert_int_equal(us, 112700000);
	assert_string_equal(msg_of("[  112.700123][ T123] Oops: 1", &us),
			    "Oops: 1");
	assert_string_equal(msg_of("[T123] Oops: 1", &us), "Oops: 1");
	assert_string_equal(msg_of("[    C1] Oops: 1", &us), "Oops: 1");
	assert_string_equal(
		msg_of("Dec  5 10:00:00 pi kernel: [ 1.000000] BUG: x", &us),
		"BUG: x");
	assert_int_equal(us, 1000000);
	assert_string_equal(
		msg_of("2024-12-05T10:00:00.123456+00:00 pi kernel: BUG: x",
		       &us),
		"BUG: x");
	assert_string_equal(msg_of("[    2.844382] Kernel panic\r\n", &us),
			    "Kernel panic");
	assert_string_equal(msg_of("no prefix at all\r", &us),
			    "no prefix at all");
	assert_int_equal(us, -1);
	/* brackets that are no timestamp stay */
	assert_string_equal(msg_of("[0000000000000000] pgd=0", &us),
			    "[0000000000000000] pgd=0");
	/* a time past an int64_t of microseconds is none (it was negative
	 * or wrapped: a console line with it was taken for no kernel line) */
	msg_of("6,1,18446744073709551615,-;x", &us);
	assert_int_equal(us, -1);
	msg_of("6,1,99999999999999999999999,-;x", &us);
	assert_int_equal(us, -1);
	msg_of("[18446744073709.551615] x", &us);
	assert_int_equal(us, -1);
	msg_of("[1.1234567] x", &us);
	assert_int_equal(us, -1);
	msg_of("6,1,9223372036854775807,-;x", &us);
	assert_int_equal(us, INT64_MAX);
}

/* --- frames ----------------------------------------------------------------- */

static void test_frame_shapes(void **state)
{
	struct trace_frame f = frame(" sh_do_op+0x16c/0xc80 [storage_hash]");

	assert_int_equal(f.role, TRACE_FRAME_CALL);
	assert_string_equal(f.sym, "sh_do_op");
	assert_int_equal(f.off, 0x16c);
	assert_int_equal(f.size, 0xc80);
	assert_string_equal(f.module, "storage_hash");
	assert_false(f.unreliable);

	f = frame("pc : sh_do_op+0x16c/0xc80 [storage_hash]");
	assert_int_equal(f.role, TRACE_FRAME_PC);
	f = frame("lr : sh_ioctl+0x1f0/0x2a0 [storage_hash]");
	assert_int_equal(f.role, TRACE_FRAME_LR);
	assert_string_equal(f.sym, "sh_ioctl");
	f = frame("RIP: 0010:sh_get+0x2b/0x90 [storage_hash]");
	assert_int_equal(f.role, TRACE_FRAME_PC);
	assert_string_equal(f.sym, "sh_get");
	assert_int_equal(f.off, 0x2b);
	f = frame(" ? sh_put+0x10/0x40 [storage_hash]");
	assert_true(f.unreliable);
	assert_string_equal(f.sym, "sh_put");
	f = frame(" el0t_64_sync+0x18c/0x190");
	assert_string_equal(f.module, "");
	assert_string_equal(f.sym, "el0t_64_sync");
	f = frame(" el0_svc_common.constprop.0+0x4c/0xf4");
	assert_string_equal(f.sym, "el0_svc_common.constprop.0");
	f = frame(" sh_get+0x1/0x2 [storage_hash 0123456789abcdef]");
	assert_string_equal(f.module, "storage_hash");
	f = frame(" [<ffffffff81234567>] ? sh_get+0x1/0x2 [storage_hash]");
	assert_true(f.unreliable);
	assert_string_equal(f.sym, "sh_get");
	f = frame("PC is at sh_get+0x1/0x2 [storage_hash]");
	assert_int_equal(f.role, TRACE_FRAME_PC);
	f = frame(" sh_get+0x1/0x2 [storage_hash] (P)");
	assert_int_equal(f.role, TRACE_FRAME_PC);
	f = frame(" sh_get+0x1/0x2\r");
	assert_int_equal(f.size, 2);
}

static void test_not_frames(void **state)
{
	assert_false(is_frame("pc : 0xffff800008123456"));
	assert_false(is_frame("Call trace:"));
	assert_false(is_frame("x29: ffff80000a223830 x28: ffff80000a2239c0"));
	assert_false(is_frame("RIP: 0033:0x7f2c1b2e3f4a"));
	assert_false(is_frame("Code: 52800021 d503233f (b9000001)"));
	assert_false(is_frame(" sh_get+0x10"));
	assert_false(is_frame(" sh_get+0x10/0x20 and more"));
	assert_false(is_frame("Modules linked in: crashmod(OE+) virtio_net"));
	assert_false(is_frame(""));
}

/* --- block starts --------------------------------------------------------- */

static void test_kinds(void **state)
{
	static const struct {
		const char *line;
		enum trace_kind kind;
	} cases[] = {
		{ "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000",
		  TRACE_OOPS },
		{ "Unable to handle kernel paging request at virtual address dead",
		  TRACE_OOPS },
		{ "Internal error: Oops: 0000000096000046 [#1] SMP",
		  TRACE_OOPS },
		{ "Oops: 0000 [#1] PREEMPT SMP NOPTI", TRACE_OOPS },
		{ "general protection fault, probably for non-canonical address",
		  TRACE_OOPS },
		{ "BUG: kernel NULL pointer dereference, address: 0000000000000000",
		  TRACE_OOPS },
		{ "BUG: unable to handle page fault for address: ffffffffc0000000",
		  TRACE_OOPS },
		{ "kernel BUG at /x/crashmod_faults.c:37!", TRACE_BUG },
		{ "BUG: scheduling while atomic: insmod/118/0x00000002",
		  TRACE_BUG },
		{ "BUG: KASAN: slab-out-of-bounds in sh_get+0x1/0x2",
		  TRACE_BUG },
		{ "WARNING: CPU: 0 PID: 118 at x.c:45 f+0x18/0x24 [m]",
		  TRACE_WARNING },
		{ "WARNING: at x.c:45 f+0x18/0x24()", TRACE_WARNING },
		{ "Kernel panic - not syncing: Oops: Fatal exception",
		  TRACE_PANIC },
		{ "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:123]",
		  TRACE_SOFTLOCKUP },
		{ "BUG: soft lockup - CPU#0 stuck for 22s! [insmod:123]",
		  TRACE_SOFTLOCKUP },
		{ "rcu: INFO: rcu_sched self-detected stall on CPU",
		  TRACE_SOFTLOCKUP },
		{ "INFO: task insmod:123 blocked for more than 120 seconds.",
		  TRACE_HUNG_TASK },
		{ "INFO: task insmod:123 is fine", TRACE_NONE },
		{ "crashmod: loaded, mode=warn", TRACE_NONE },
		{ "Call trace:", TRACE_NONE },
		{ " BUG: indented is not a start", TRACE_NONE },
	};
	bool cut;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		enum trace_kind k = trace_line_kind(
			cases[i].line, strlen(cases[i].line), &cut);

		if (k != cases[i].kind)
			fail_msg("'%s': %s, expected %s", cases[i].line,
				 trace_kind_name(k),
				 trace_kind_name(cases[i].kind));
		assert_false(cut);
	}
	assert_int_equal(trace_line_kind("------------[ cut here ]------------",
					 36, &cut),
			 TRACE_NONE);
	assert_true(cut);
	assert_true(
		trace_line_ends("---[ end trace 0000000000000000 ]---", 35));
	assert_true(trace_line_ends(
		"---[ end Kernel panic - not syncing: x ]---", 43));
	assert_false(trace_line_ends("--- end", 7));
	assert_string_equal(trace_kind_name(TRACE_HUNG_TASK), "hung task");
}

/* --- whole blocks, as captured -------------------------------------------- */

static void test_oops_block(void **state)
{
	struct trace t;

	load_block("ioctl_oops.kmsg", "Unable to handle kernel", &t);
	assert_int_equal(t.kind, TRACE_OOPS);
	assert_string_equal(t.title, "Unable to handle kernel NULL pointer "
				     "dereference at virtual address "
				     "0000000000000000");
	assert_string_equal(t.comm, "sebench");
	assert_true(t.pid > 0);
	assert_string_equal(t.taint, "G           OE");
	assert_true(t.ended);
	assert_string_equal(trace_module(&t), "storage_hash");
	assert_true(trace_names_module(&t, "storage_hash"));
	assert_false(trace_names_module(&t, "crashmod"));
	/* pc, lr, the call trace's first line (the pc again), callers */
	assert_int_equal(t.frames[0].role, TRACE_FRAME_PC);
	assert_int_equal(t.frames[1].role, TRACE_FRAME_LR);
	assert_int_equal(t.frames[2].role, TRACE_FRAME_PC);
	assert_string_equal(t.frames[2].sym, t.frames[0].sym);
	assert_int_equal(t.frames[3].role, TRACE_FRAME_CALL);
	assert_string_equal(t.frames[3].sym, "sh_ioctl_kv");
	/* "Code: ... (b9000001)": the pc's instruction, little-endian */
	assert_int_equal(t.frames[0].insn_len, 4);
	assert_memory_equal(t.frames[0].insn, "\x01\x00\x00\xb9", 4);
	assert_int_equal(t.frames[3].insn_len, 0);
}

static void test_warning_block(void **state)
{
	struct trace t;

	load_block("warn.kmsg", "cut here", &t);
	assert_int_equal(t.kind, TRACE_WARNING);
	assert_non_null(strstr(t.title, "WARNING: CPU: "));
	/* the WARNING line's "at FILE:LINE f+0x18/0x24 [crashmod]" is a pc */
	assert_int_equal(t.frames[0].role, TRACE_FRAME_PC);
	assert_string_equal(t.frames[0].sym, "crashmod_warn");
	assert_string_equal(t.frames[0].module, "crashmod");
	assert_int_equal(t.frames[0].line, 1);
	assert_string_equal(trace_module(&t), "crashmod");
	assert_string_equal(t.comm, "insmod");
}

/* A BUG in the module, then the kernel's own WARNING that follows it. */
static void test_bug_then_kernel_warning(void **state)
{
	struct trace t;

	load_block("bug.kmsg", "cut here", &t);
	assert_int_equal(t.kind, TRACE_BUG);
	assert_string_equal(trace_module(&t), "crashmod");
	load_block("bug.kmsg", "WARNING: CPU:", &t);
	assert_int_equal(t.kind, TRACE_WARNING);
	assert_null(trace_module(&t));
	assert_memory_equal(t.comm, "swapper/", 8); /* the idle task */
	assert_string_equal(t.taint, "G      D    OE");
}

static void test_panic_block(void **state)
{
	struct trace t;

	load_block("panic.serial", "Kernel panic", &t);
	assert_int_equal(t.kind, TRACE_PANIC);
	assert_string_equal(t.panic_msg, "crashmod: panic requested");
	assert_true(t.ended);
	/* no pc: the first reliable caller in a module is to blame */
	assert_string_equal(trace_module(&t), "crashmod");
	assert_string_equal(t.comm, "insmod");
}

static void test_stall_and_soft_lockup(void **state)
{
	struct trace t;

	load_block("softlockup.kmsg", "rcu: INFO:", &t);
	assert_int_equal(t.kind, TRACE_SOFTLOCKUP);
	assert_string_equal(t.comm, "insmod");
	assert_string_equal(trace_module(&t), "crashmod");
	load_block("softlockup.kmsg", "watchdog: BUG: soft lockup", &t);
	assert_int_equal(t.kind, TRACE_SOFTLOCKUP);
	assert_string_equal(t.comm, "insmod");
	assert_true(t.pid > 0);
	assert_false(t.ended);
}

static void add(struct trace *t, const char *line)
{
	trace_add_line(t, line, strlen(line));
}

static void test_hung_task_and_oops_panic(void **state)
{
	struct trace t;

	trace_init(&t);
	add(&t, "INFO: task sebench:4242 blocked for more than 120 seconds.");
	assert_int_equal(t.kind, TRACE_HUNG_TASK);
	assert_string_equal(t.comm, "sebench");
	assert_int_equal(t.pid, 4242);

	/* an oops that ends in a panic keeps its kind, with the panic's words */
	trace_init(&t);
	add(&t, "Internal error: Oops: 96000046 [#1] SMP");
	add(&t, "Kernel panic - not syncing: Oops: Fatal exception");
	assert_int_equal(t.kind, TRACE_OOPS);
	assert_string_equal(t.panic_msg, "Oops: Fatal exception");
}

/* x86: RIP names the pc; " ? " frames never decide the blame. */
static void test_x86_attribution(void **state)
{
	struct trace t;

	trace_init(&t);
	add(&t,
	    "BUG: kernel NULL pointer dereference, address: 0000000000000000");
	add(&t, "RIP: 0010:strlen+0x0/0x20");
	add(&t, "Code: 48 89 e5 <80> 3f 00 74 10");
	add(&t, "Call Trace:");
	add(&t, " <TASK>");
	add(&t, " ? other_mod_fn+0x10/0x40 [other]");
	add(&t, " sh_put+0x2b/0x90 [storage_hash]");
	assert_int_equal(t.kind, TRACE_OOPS);
	assert_int_equal(t.frames[0].insn_len, 5);
	assert_memory_equal(t.frames[0].insn, "\x80\x3f\x00\x74\x10", 5);
	assert_string_equal(trace_module(&t), "storage_hash");
	assert_true(trace_names_module(&t, "other"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_frame_shapes),
		cmocka_unit_test(test_not_frames),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_oops_block),
		cmocka_unit_test(test_warning_block),
		cmocka_unit_test(test_bug_then_kernel_warning),
		cmocka_unit_test(test_panic_block),
		cmocka_unit_test(test_stall_and_soft_lockup),
		cmocka_unit_test(test_hung_task_and_oops_panic),
		cmocka_unit_test(test_x86_attribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
