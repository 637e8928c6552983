// SPDX-License-Identifier: GPL-2.0
/* Local children: pty and pipes, exit status, exec failure, cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/base/proc.h"

struct run {
	char out[8192], err[8192];
	size_t nout, nerr;
	int done;
	struct proc_result res;
	struct proc *p;
	/* cancel once the output holds this many lines */
	int cancel_after_lines;
};

static void on_output(void *arg, const char *buf, size_t len,
		      enum proc_stream stream)
{
	struct run *r = arg;
	char *dst = stream == PROC_STDERR ? r->err : r->out;
	size_t *n = stream == PROC_STDERR ? &r->nerr : &r->nout;

	if (len > sizeof(r->out) - 1 - *n)
		len = sizeof(r->out) - 1 - *n;
	memcpy(dst + *n, buf, len);
	*n += len;
	dst[*n] = '\0';
	if (r->cancel_after_lines) {
		int lines = 0;

		for (const char *s = r->out; *s; s++)
			lines += *s == '\n';
		if (lines >= r->cancel_after_lines) {
			r->cancel_after_lines = 0;
			assert_int_equal(proc_cancel(r->p), 0);
		}
	}
}

static void on_done(void *arg, const struct proc_result *res)
{
	struct run *r = arg;

	r->done++;
	r->res = *res;
}

/* Runs argv to completion; returns the loop for inspection. */
static void run(struct run *r, enum proc_io io, const char *const *argv,
		const char *cwd, const char *const *env)
{
	struct loop *loop = loop_new();
	struct proc_opts o = {
		.argv = argv,
		.cwd = cwd,
		.env = env,
		.io = io,
		.kill_grace_ms = 300,
		.on_output = on_output,
		.on_done = on_done,
		.arg = r,
	};
	char err[256] = "";
	int64_t guard = loop_now_ms() + 60000;

	r->p = proc_start(loop, &o, err, sizeof(err));
	if (!r->p)
		fail_msg("proc_start: %s", err);
	assert_true(proc_pid(r->p) > 0);
	while (!r->done && loop_now_ms() < guard)
		loop_run_once(loop, 1000);
	assert_int_equal(r->done, 1);
	assert_false(proc_running(r->p));
	/* Nothing more is reported after completion. */
	loop_run_once(loop, 50);
	assert_int_equal(r->done, 1);
	proc_free(r->p);
	loop_free(loop);
}

static void test_pty_echo_and_exit_status(void **state)
{
	static const char *const argv[] = { "printf", "hello %s\\n", "pty",
					    NULL };
	struct run r = { 0 };

	run(&r, PROC_PTY, argv, NULL, NULL);
	/* The pty's line discipline turns \n into \r\n. */
	assert_string_equal(r.out, "hello pty\r\n");
	assert_true(r.res.exited);
	assert_int_equal(r.res.exit_code, 0);
	assert_false(r.res.cancelled);
}

static void test_exit_code_is_reported(void **state)
{
	static const char *const argv[] = { "sh", "-c", "echo bye; exit 3",
					    NULL };
	struct run r = { 0 };
	char why[64];

	run(&r, PROC_PTY, argv, NULL, NULL);
	assert_string_equal(r.out, "bye\r\n");
	assert_int_equal(r.res.exit_code, 3);
	proc_describe(&r.res, why, sizeof(why));
	assert_string_equal(why, "exited with status 3");
}

static void test_pty_merges_stdout_and_stderr_on_a_tty(void **state)
{
	static const char *const argv[] = {
		"sh", "-c",
		"echo out; echo err >&2; test -t 1 && test -t 2 && echo tty; "
		"stty size",
		NULL
	};
	struct run r = { 0 };

	run(&r, PROC_PTY, argv, NULL, NULL);
	assert_string_equal(r.out, "out\r\nerr\r\ntty\r\n50 200\r\n");
	assert_int_equal(r.nerr, 0);
}

static void test_pipes_keep_streams_apart(void **state)
{
	static const char *const argv[] = {
		"sh", "-c", "echo out; echo err >&2; test -t 1 || echo notty",
		NULL
	};
	struct run r = { 0 };

	run(&r, PROC_PIPES, argv, NULL, NULL);
	assert_string_equal(r.out, "out\nnotty\n");
	assert_string_equal(r.err, "err\n");
}

static void test_cwd_and_extra_env(void **state)
{
	static const char *const argv[] = { "sh", "-c",
					    "echo \"$KMDASH_X $HOME\"; pwd",
					    NULL };
	static const char *const env[] = { "KMDASH_X=42", "HOME=/nowhere",
					   NULL };
	struct run r = { 0 };

	run(&r, PROC_PIPES, argv, "/", env);
	assert_string_equal(r.out, "42 /nowhere\n/\n");
}

static void test_missing_program_is_a_clear_error(void **state)
{
	static const char *const argv[] = { "kmdash-no-such-program", "x",
					    NULL };
	struct loop *loop = loop_new();
	struct proc_opts o = { .argv = argv, .io = PROC_PTY };
	char err[256] = "";

	assert_null(proc_start(loop, &o, err, sizeof(err)));
	assert_string_equal(err, "command 'kmdash-no-such-program' not found: "
				 "No such file or directory (searched PATH)");
	loop_free(loop);
}

static void test_bad_cwd_is_a_clear_error(void **state)
{
	static const char *const argv[] = { "true", NULL };
	struct loop *loop = loop_new();
	struct proc_opts o = { .argv = argv,
			       .io = PROC_PIPES,
			       .cwd = "/kmdash-no-such-dir" };
	char err[256] = "";

	assert_null(proc_start(loop, &o, err, sizeof(err)));
	assert_string_equal(err, "cannot change to directory "
				 "'/kmdash-no-such-dir': "
				 "No such file or directory");
	loop_free(loop);
}

/* Alive means: listed in /proc and not a zombie. */
static int alive(pid_t pid)
{
	char path[64], buf[256], *close_paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' &&
	       close_paren[2] != 'X';
}

static void cancel_group(const char *script, int signo)
{
	const char *const argv[] = { "sh", "-c", script, NULL };
	struct run r = { .cancel_after_lines = 1 };
	long grandchild;

	run(&r, PROC_PTY, argv, NULL, NULL);
	assert_true(r.res.cancelled);
	assert_false(r.res.exited);
	assert_int_equal(r.res.signo, signo);
	grandchild = strtol(r.out, NULL, 10);
	assert_true(grandchild > 1);
	assert_false(alive((pid_t)grandchild));
}

static void test_cancel_kills_the_group_with_a_grandchild(void **state)
{
	/* sh waits for its background sleep: both get SIGTERM. */
	cancel_group("sleep 300 & echo $!; wait", SIGTERM);
}

static void test_cancel_escalates_to_sigkill(void **state)
{
	/* Both ignore SIGTERM: only SIGKILL after the grace period works. */
	cancel_group("trap '' TERM; sleep 301 & echo $!; wait; wait", SIGKILL);
}

static void test_exit_before_end_of_output(void **state)
{
	/*
	 * The shell exits at once; its background child still writes: the
	 * late line is part of the output, and done comes once.
	 */
	static const char *const argv[] = {
		"sh", "-c", "(sleep 0.2; echo late) & echo early", NULL
	};
	struct run r = { 0 };

	run(&r, PROC_PIPES, argv, NULL, NULL);
	assert_string_equal(r.out, "early\nlate\n");
	assert_int_equal(r.res.exit_code, 0);
}

static void test_end_of_output_before_exit(void **state)
{
	static const char *const argv[] = {
		"sh", "-c",
		"echo gone; exec >/dev/null 2>&1; sleep 0.2; exit 5", NULL
	};
	struct run r = { 0 };

	run(&r, PROC_PIPES, argv, NULL, NULL);
	assert_string_equal(r.out, "gone\n");
	assert_int_equal(r.res.exit_code, 5);
}

static void test_free_while_running_kills_it(void **state)
{
	static const char *const argv[] = { "sh", "-c",
					    "sleep 302 & echo $!; wait", NULL };
	struct run r = { 0 };
	struct loop *loop = loop_new();
	struct proc_opts o = { .argv = argv,
			       .io = PROC_PTY,
			       .on_output = on_output,
			       .on_done = on_done,
			       .arg = &r };
	char err[256];
	long grandchild;
	int64_t guard = loop_now_ms() + 60000;

	r.p = proc_start(loop, &o, err, sizeof(err));
	assert_non_null(r.p);
	while (!strchr(r.out, '\n') && loop_now_ms() < guard)
		loop_run_once(loop, 1000);
	grandchild = strtol(r.out, NULL, 10);
	assert_true(grandchild > 1);
	proc_free(r.p);
	assert_int_equal(r.done, 0);
	/* SIGKILL is delivered asynchronously to the grandchild. */
	while (alive((pid_t)grandchild) && loop_now_ms() < guard)
		usleep(10000);
	assert_false(alive((pid_t)grandchild));
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pty_echo_and_exit_status),
		cmocka_unit_test(test_exit_code_is_reported),
		cmocka_unit_test(test_pty_merges_stdout_and_stderr_on_a_tty),
		cmocka_unit_test(test_pipes_keep_streams_apart),
		cmocka_unit_test(test_cwd_and_extra_env),
		cmocka_unit_test(test_missing_program_is_a_clear_error),
		cmocka_unit_test(test_bad_cwd_is_a_clear_error),
		cmocka_unit_test(test_cancel_kills_the_group_with_a_grandchild),
		cmocka_unit_test(test_cancel_escalates_to_sigkill),
		cmocka_unit_test(test_exit_before_end_of_output),
		cmocka_unit_test(test_end_of_output_before_exit),
		cmocka_unit_test(test_free_while_running_kills_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
