// SPDX-License-Identifier: GPL-2.0
/*
 * Crash events (core/module/crash.h) from the traces captured on the
 * embedded target (tests/fixtures/traces), fed as the kernel-log stream
 * and as the serial console would bring them: one event per crash, the
 * right kind and module, decoded to the fixture's marked line against the
 * deployed build, the stale build refused, a replayed backlog judging no
 * step, and the console's copy of a panic standing in for the stream's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/module/crash.h"
#include "core/module/kmsg.h"

#define TRACES "tests/fixtures/traces/"

struct world {
	struct loop *loop;
	struct kmsg *kmsg;
	struct crash *crash;
	char store[64];
	unsigned events;
	const struct crash_event *last;
};

static char crash_ko[PATH_MAX], faulty_ko[PATH_MAX], root[PATH_MAX];

static void need(const char *path)
{
	const char *ci = getenv("CI");

	if (access(path, R_OK) && !(ci && !strcmp(ci, "true"))) {
		print_message("SKIP: %s is missing (make fixtures)\n", path);
		skip();
	}
	if (access(path, R_OK))
		fail_msg("%s is missing: run 'make fixtures'", path);
}

static void on_event(const struct crash_event *ev, void *arg)
{
	struct world *w = arg;

	w->events++;
	w->last = ev;
}

static void on_record(const struct kmsg_record *rec, void *arg)
{
	struct world *w = arg;

	crash_kmsg_record(w->crash, rec);
}

static void world_open(struct world *w, const char *module, const char *ko)
{
	struct kmsg_opts ko_opts = { .module = module };
	struct crash_opts co = { 0 };

	memset(w, 0, sizeof(*w));
	snprintf(w->store, sizeof(w->store), "/tmp/kmdash-crash.XXXXXX");
	assert_non_null(mkdtemp(w->store));
	w->loop = loop_new();
	w->kmsg = kmsg_new(&ko_opts);
	co.loop = w->loop;
	co.kmsg = w->kmsg;
	co.module = module;
	co.ko = ko;
	co.store_dir = w->store;
	co.show_base = root;
	co.on_event = on_event;
	co.arg = w;
	w->crash = crash_new(&co);
	assert_non_null(w->crash);
	kmsg_on_record(w->kmsg, on_record, w);
}

static void world_close(struct world *w)
{
	char cmd[128];

	crash_free(w->crash);
	kmsg_free(w->kmsg);
	loop_free(w->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->store);
	assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *name, size_t *len)
{
	char path[PATH_MAX];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s%s", TRACES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Lets the loop run its timers for ms. */
static void run_for(struct world *w, int ms)
{
	int64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end)
		loop_run_once(w->loop, end - loop_now_ms());
}

static void feed_kmsg(struct world *w, const char *name)
{
	size_t len;
	char *buf = slurp(name, &len);

	kmsg_feed(w->kmsg, buf, len);
	kmsg_flush(w->kmsg);
	free(buf);
}

static void feed_console(struct world *w, const char *name)
{
	size_t len;
	char *buf = slurp(name, &len);

	crash_console_feed(w->crash, buf, len, false);
	free(buf);
}

/* The line of "kmdash-test: TAG" in file. */
static int marker(const char *file, const char *tag)
{
	char line[512], want[64];
	FILE *f = fopen(file, "r");
	int n = 0;

	assert_non_null(f);
	snprintf(want, sizeof(want), "kmdash-test: %s */", tag);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, want)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	fail_msg("no marker %s in %s", tag, file);
	return 0;
}

static void keep(struct world *w, const char *ko)
{
	char id[KO_ID_MAX + 1], err[256];

	assert_int_equal(crash_keep_ko(w->crash, ko, id, err, sizeof(err)), 0);
	crash_set_loaded_id(w->crash, id);
}

static void expect_where(const struct crash_event *ev, const char *file,
			 const char *tag)
{
	char want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "%s:%d (", file, marker(file, tag));
	if (!strstr(ev->where, want))
		fail_msg("expected the event at %s, it says '%s' (%s)", want,
			 ev->where, ev->note);
}

/* An oops inside the ioctl: one event, ours, at the marked line. */
static void test_ioctl_oops(void **state)
{
	struct world w;
	char text[1024];

	need(faulty_ko);
	world_open(&w, "storage_hash", faulty_ko);
	keep(&w, faulty_ko);
	feed_kmsg(&w, "ioctl_oops.kmsg");
	assert_int_equal(w.events, 1);
	assert_int_equal(w.last->trace.kind, TRACE_OOPS);
	assert_true(w.last->ours);
	assert_false(w.last->backlog);
	expect_where(w.last, "kmod/storage_hash.c", "oops");
	assert_non_null(strstr(w.last->where, "(sh_test_fault)"));
	crash_describe(w.last, "storage_hash", text, sizeof(text));
	assert_non_null(strstr(text, "kernel oops in storage_hash at "
				     "kmod/storage_hash.c:"));
	assert_ptr_equal(crash_since(w.crash, 0, NULL), w.last);
	assert_null(crash_since(w.crash, crash_mark(w.crash), NULL));
	world_close(&w);
}

/* A WARNING is counted, not a failure; an init oops is crashmod's. */
static void test_warning_counts(void **state)
{
	struct world w;
	unsigned warnings = 9;
	const struct crash_event *ev;

	need(crash_ko);
	world_open(&w, "crashmod", crash_ko);
	keep(&w, crash_ko);
	feed_kmsg(&w, "warn.kmsg");
	run_for(&w, 400); /* no end line closes it: the quiet time does */
	ev = crash_since(w.crash, 0, &warnings);
	assert_non_null(ev);
	assert_int_equal(ev->trace.kind, TRACE_WARNING);
	assert_int_equal(warnings, 1);
	expect_where(ev, "tests/fixtures/kmod_crash/crashmod_faults.c", "warn");
	assert_null(crash_last(w.crash)); /* a warning is no crash */
	world_close(&w);
}

/* Records from before the session looked are backlog: no verdict. */
static void test_backlog_judges_nothing(void **state)
{
	struct world w;

	need(faulty_ko);
	world_open(&w, "storage_hash", faulty_ko);
	keep(&w, faulty_ko);
	crash_set_live_since(w.crash, INT64_MAX / 2);
	feed_kmsg(&w, "ioctl_oops.kmsg");
	assert_int_equal(w.events, 1);
	assert_true(w.last->backlog);
	assert_null(crash_since(w.crash, 0, NULL));
	/* but it is the last crash the banner and the module state show */
	assert_ptr_equal(crash_last(w.crash), w.last);
	world_close(&w);
}

/* The loaded build is gone and the one on disk is another: say so. */
static void test_stale_build_refused(void **state)
{
	struct world w;

	need(crash_ko);
	need(faulty_ko);
	world_open(&w, "storage_hash", faulty_ko);
	crash_set_loaded_id(w.crash,
			    "0123456789abcdef0123456789abcdef01234567");
	feed_kmsg(&w, "ioctl_oops.kmsg");
	assert_int_equal(w.events, 1);
	assert_string_equal(w.last->where, "");
	assert_non_null(
		strstr(w.last->note,
		       "not decoded: the build id of the loaded module"));
	world_close(&w);
}

/* A panic only the console saw: its lines go into the log, decoded. */
static void test_panic_from_console(void **state)
{
	struct world w;
	struct kmsg_record r;
	bool console_line = false;

	need(crash_ko);
	world_open(&w, "crashmod", crash_ko);
	keep(&w, crash_ko);
	crash_set_stream(w.crash, true);
	feed_console(&w, "panic.serial");
	assert_true(crash_pending(w.crash));
	crash_stream_lost(w.crash);
	assert_int_equal(w.events, 1);
	assert_int_equal(w.last->trace.kind, TRACE_PANIC);
	assert_int_equal(w.last->source, CRASH_CONSOLE);
	assert_true(w.last->ours);
	expect_where(w.last, "tests/fixtures/kmod_crash/crashmod_faults.c",
		     "panic");
	for (uint64_t i = kmsg_first(w.kmsg); i < kmsg_end(w.kmsg); i++)
		if (kmsg_get(w.kmsg, i, &r) && (r.flags & KMSG_F_CONSOLE) &&
		    strstr(r.text, "Kernel panic - not syncing"))
			console_line = true;
	assert_true(console_line);
	world_close(&w);
}

/* No stream runs (no link): the console's block is an event at once. */
static void test_console_without_stream(void **state)
{
	struct world w;

	need(crash_ko);
	world_open(&w, "crashmod", crash_ko);
	keep(&w, crash_ko);
	feed_console(&w, "panic.serial");
	assert_int_equal(w.events, 1);
	assert_int_equal(w.last->source, CRASH_CONSOLE);
	assert_false(crash_pending(w.crash));
	world_close(&w);
}

/* Seen on both: one event, the stream's. */
static void test_twin_is_one_event(void **state)
{
	struct world w;
	size_t len;
	char *k, *con, *p, *q;
	size_t n = 0;

	/* need() may skip: nothing allocated before it */
	need(faulty_ko);
	k = slurp("ioctl_oops.kmsg", &len);
	/* the console's copy: "[ s.us] text" lines from the records */
	con = malloc(len * 2 + 64);
	assert_non_null(con);
	for (p = k; *p; p = q + 1) {
		unsigned long long usec;
		char *semi = strchr(p, ';');

		q = strchr(p, '\n');
		if (!q || !semi)
			break;
		if (sscanf(p, "%*d,%*d,%llu", &usec) == 1)
			n += (size_t)sprintf(con + n, "[%5llu.%06llu] %.*s\r\n",
					     usec / 1000000, usec % 1000000,
					     (int)(q - semi - 1), semi + 1);
	}
	world_open(&w, "storage_hash", faulty_ko);
	keep(&w, faulty_ko);
	crash_set_stream(w.crash, true);
	crash_console_feed(w.crash, con, n, false);
	assert_int_equal(w.events, 0);
	kmsg_feed(w.kmsg, k, len);
	run_for(&w, 1800);
	assert_int_equal(w.events, 1);
	assert_int_equal(w.last->source, CRASH_KMSG);
	free(con);
	free(k);
	world_close(&w);
}

static int setup(void **state)
{
	const char *b = getenv("BUILD");

	if (!b || !*b)
		b = "build";
	snprintf(crash_ko, sizeof(crash_ko),
		 "%s/tests/fixtures/kmod_crash/crashmod.ko", b);
	snprintf(faulty_ko, sizeof(faulty_ko),
		 "%s/tests/fixtures/kmod_faulty/storage_hash.ko", b);
	return getcwd(root, sizeof(root)) ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioctl_oops),
		cmocka_unit_test(test_warning_counts),
		cmocka_unit_test(test_backlog_judges_nothing),
		cmocka_unit_test(test_stale_build_refused),
		cmocka_unit_test(test_panic_from_console),
		cmocka_unit_test(test_console_without_stream),
		cmocka_unit_test(test_twin_is_one_event),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
