// SPDX-License-Identifier: GPL-2.0
/* The event loop: fds, timers, signals, children, idleness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/loop.h"

static int fired[8];

static void on_timer(struct loop *loop, void *arg)
{
	fired[(intptr_t)arg]++;
}

static void test_timers_fire_in_order_and_cancel(void **state)
{
	struct loop *loop = loop_new();
	uint64_t a, b, c;

	memset(fired, 0, sizeof(fired));
	a = loop_add_timer(loop, 30, on_timer, (void *)0);
	b = loop_add_timer(loop, 10, on_timer, (void *)1);
	c = loop_add_timer(loop, 20, on_timer, (void *)2);
	assert_true(a && b && c);
	loop_cancel_timer(loop, c);
	assert_false(loop_timer_pending(loop, c));

	int64_t t0 = loop_now_ms();
	loop_run_once(loop, 100);
	assert_int_equal(fired[1], 1);
	assert_int_equal(fired[0], 0);
	assert_true(loop_now_ms() - t0 >= 10);
	loop_run_once(loop, 100);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[2], 0);
	loop_free(loop);
}

static void rearm(struct loop *loop, void *arg)
{
	fired[0]++;
	loop_add_timer(loop, 0, rearm, NULL);
}

static void test_zero_timer_rearming_itself_runs_once_per_round(void **state)
{
	struct loop *loop = loop_new();

	memset(fired, 0, sizeof(fired));
	loop_add_timer(loop, 0, rearm, NULL);
	loop_run_once(loop, 0);
	assert_int_equal(fired[0], 1);
	loop_run_once(loop, 0);
	assert_int_equal(fired[0], 2);
	loop_free(loop);
}

static char got[64];
static size_t ngot;

static void on_read(struct loop *loop, int fd, short revents, void *arg)
{
	ssize_t n = read(fd, got + ngot, sizeof(got) - ngot - 1);

	if (n > 0)
		ngot += (size_t)n;
	else
		loop_del_fd(loop, fd);
}

static void test_fd_readable_and_removal_in_callback(void **state)
{
	struct loop *loop = loop_new();
	int p[2];

	assert_int_equal(pipe(p), 0);
	ngot = 0;
	assert_int_equal(loop_add_fd(loop, p[0], POLLIN, on_read, NULL), 0);
	assert_int_equal(loop_add_fd(loop, p[0], POLLIN, on_read, NULL),
			 -EEXIST);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_int_equal(ngot, 5);
	close(p[1]);
	loop_run_once(loop, 1000); /* EOF: the callback removes the fd */
	assert_int_equal(loop_set_events(loop, p[0], POLLIN), -ENOENT);
	close(p[0]);
	loop_free(loop);
}

static void test_idle_loop_sleeps_until_its_timer(void **state)
{
	struct loop *loop = loop_new();
	int p[2];

	assert_int_equal(pipe(p), 0);
	loop_add_fd(loop, p[0], POLLIN, on_read, NULL);
	memset(fired, 0, sizeof(fired));
	loop_add_timer(loop, 200, on_timer, (void *)3);
	uint64_t w0 = loop_wakeups(loop);
	while (!fired[3])
		loop_run_once(loop, -1);
	/* One wake-up for a 200 ms wait: no polling in between. */
	assert_int_equal(loop_wakeups(loop) - w0, 1);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

static int sig_seen;

static void on_sig(struct loop *loop, int signo, void *arg)
{
	sig_seen = signo;
	loop_stop(loop);
}

static void test_signal_delivered_through_loop(void **state)
{
	struct loop *loop = loop_new();

	sig_seen = 0;
	assert_int_equal(loop_on_signal(loop, SIGUSR1, on_sig, NULL), 0);
	kill(getpid(), SIGUSR1);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(sig_seen, SIGUSR1);
	loop_free(loop);
}

static void stop_loop(struct loop *loop, void *arg)
{
	loop_stop(loop);
}

static pid_t exited_pid;
static int exited_status;

static void on_child(struct loop *loop, pid_t pid, int status, void *arg)
{
	exited_pid = pid;
	exited_status = status;
	loop_stop(loop);
}

static void test_child_exit_is_reaped_with_status(void **state)
{
	struct loop *loop = loop_new();
	pid_t pid;

	exited_pid = 0;
	/* Watch first: the SIGCHLD block must be in place before fork. */
	assert_int_equal(loop_on_signal(loop, SIGCHLD, NULL, NULL), 0);
	pid = fork();
	if (pid == 0) {
		loop_child_reset_signals();
		usleep(20000);
		_exit(7);
	}
	assert_int_equal(loop_watch_child(loop, pid, on_child, NULL), 0);
	loop_add_timer(loop, 5000, stop_loop, NULL);
	loop_run(loop);
	assert_int_equal(exited_pid, pid);
	assert_true(WIFEXITED(exited_status));
	assert_int_equal(WEXITSTATUS(exited_status), 7);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* reaped */
	loop_free(loop);
}

static void test_child_that_exited_before_watch(void **state)
{
	struct loop *loop = loop_new();
	pid_t pid;
	siginfo_t si;

	exited_pid = 0;
	pid = fork();
	if (pid == 0)
		_exit(3);
	/* Wait until it is a zombie, without reaping it. */
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	assert_int_equal(loop_watch_child(loop, pid, on_child, NULL), 0);
	assert_int_equal(exited_pid, pid);
	assert_int_equal(WEXITSTATUS(exited_status), 3);
	loop_free(loop);
}

/*
 * The target's clock stops while the target is halted: its timers do not
 * fire, and fire as much later as the halt lasted; the host's run on.
 */
static void test_target_timers_wait_out_a_halt(void **state)
{
	struct loop *loop = loop_new();
	int64_t t0, target0;

	memset(fired, 0, sizeof(fired));
	target0 = loop_target_now_ms(loop);
	loop_add_target_timer(loop, 40, on_timer, (void *)0);
	loop_add_timer(loop, 60, on_timer, (void *)1);
	loop_target_halt(loop, true);
	assert_true(loop_target_halted(loop));
	/* added during the halt: due 30 ms after it ends */
	loop_add_target_timer(loop, 30, on_timer, (void *)2);
	t0 = loop_now_ms();
	while (loop_now_ms() - t0 < 100)
		loop_run_once(loop, 100 - (loop_now_ms() - t0));
	assert_int_equal(fired[1], 1);
	assert_int_equal(fired[0], 0);
	assert_int_equal(fired[2], 0);
	/* the halt is not the target's time */
	assert_true(loop_target_now_ms(loop) - target0 < 20);
	loop_target_halt(loop, false);
	t0 = loop_now_ms();
	while (fired[0] + fired[2] < 2 && loop_now_ms() - t0 < 1000)
		loop_run_once(loop, 100);
	assert_int_equal(fired[2], 1);
	assert_int_equal(fired[0], 1);
	/* each waited its own delay after the halt, not before it */
	assert_true(loop_now_ms() - t0 >= 30);
	assert_true(loop_target_now_ms(loop) - target0 >= 40);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_order_and_cancel),
		cmocka_unit_test(test_target_timers_wait_out_a_halt),
		cmocka_unit_test(
			test_zero_timer_rearming_itself_runs_once_per_round),
		cmocka_unit_test(test_fd_readable_and_removal_in_callback),
		cmocka_unit_test(test_idle_loop_sleeps_until_its_timer),
		cmocka_unit_test(test_signal_delivered_through_loop),
		cmocka_unit_test(test_child_exit_is_reaped_with_status),
		cmocka_unit_test(test_child_that_exited_before_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
