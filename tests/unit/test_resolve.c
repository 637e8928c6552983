// SPDX-License-Identifier: GPL-2.0
/*
 * Host lookups off the loop: answers always come from the loop, an address
 * without a thread, a name from one; a cancelled lookup never calls back
 * and frees itself when its thread ends. No name here needs DNS (numeric,
 * "localhost" from /etc/hosts, a bad port).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/ssh/resolve.h"

struct answer {
	int calls;
	int rc;
	int family;
	char addr[INET6_ADDRSTRLEN];
};

static const struct addrinfo hints = {
	.ai_socktype = SOCK_STREAM,
	.ai_flags = AI_NUMERICSERV,
};

static void on_answer(void *arg, struct addrinfo *ai, int rc)
{
	struct answer *a = arg;

	a->calls++;
	a->rc = rc;
	if (rc == 0) {
		assert_non_null(ai);
		a->family = ai->ai_family;
		if (ai->ai_family == AF_INET)
			inet_ntop(
				AF_INET,
				&((struct sockaddr_in *)ai->ai_addr)->sin_addr,
				a->addr, sizeof(a->addr));
		freeaddrinfo(ai);
	} else {
		assert_null(ai);
	}
}

/* Runs the loop until n answers came (or 5 s). */
static void run_until(struct loop *loop, struct answer *a, int n)
{
	int64_t end = loop_now_ms() + 5000;

	while (a->calls < n && loop_now_ms() < end)
		loop_run_once(loop, 50);
}

static void test_address_answers_from_the_loop(void **state)
{
	struct loop *loop = loop_new();
	struct answer a = { 0 };

	assert_non_null(
		resolve_start(loop, "127.0.0.1", "22", &hints, on_answer, &a));
	assert_int_equal(a.calls, 0); /* never from resolve_start itself */
	run_until(loop, &a, 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(a.addr, "127.0.0.1");
	loop_free(loop);
}

static void test_name_answers_from_a_thread(void **state)
{
	struct loop *loop = loop_new();
	struct answer a = { 0 };

	assert_non_null(
		resolve_start(loop, "localhost", "22", &hints, on_answer, &a));
	assert_int_equal(a.calls, 0);
	run_until(loop, &a, 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.rc, 0);
	loop_free(loop);
}

static void test_error_is_delivered(void **state)
{
	struct loop *loop = loop_new();
	struct answer a = { 0 };

	/* not a number with AI_NUMERICSERV: fails without asking anyone */
	assert_non_null(resolve_start(loop, "localhost", "ssh-port", &hints,
				      on_answer, &a));
	run_until(loop, &a, 1);
	assert_int_equal(a.calls, 1);
	assert_int_not_equal(a.rc, 0);
	loop_free(loop);
}

static void test_cancel_never_calls_back(void **state)
{
	struct loop *loop = loop_new();
	struct answer a = { 0 };
	struct resolve *r;

	r = resolve_start(loop, "localhost", "22", &hints, on_answer, &a);
	assert_non_null(r);
	resolve_cancel(r);
	r = resolve_start(loop, "127.0.0.1", "22", &hints, on_answer, &a);
	assert_non_null(r);
	resolve_cancel(r);
	resolve_cancel(NULL);
	for (int i = 0; i < 10; i++)
		loop_run_once(loop, 20);
	assert_int_equal(a.calls, 0);
	loop_free(loop);
	/* the thread frees its half when it ends: LeakSanitizer checks */
	usleep(200 * 1000);
}

static void test_many_at_once(void **state)
{
	struct loop *loop = loop_new();
	struct answer a = { 0 };

	for (int i = 0; i < 32; i++)
		assert_non_null(resolve_start(loop,
					      i % 2 ? "localhost" : "127.0.0.1",
					      "22", &hints, on_answer, &a));
	run_until(loop, &a, 32);
	assert_int_equal(a.calls, 32);
	assert_int_equal(a.rc, 0);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_answers_from_the_loop),
		cmocka_unit_test(test_name_answers_from_a_thread),
		cmocka_unit_test(test_error_is_delivered),
		cmocka_unit_test(test_cancel_never_calls_back),
		cmocka_unit_test(test_many_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
