// SPDX-License-Identifier: GPL-2.0
/*
 * The request queue under the remote shell and the SFTP channel: order,
 * cancel of a waiting request and of the one in flight, and failing all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/base/reqq.h"

struct req {
	struct reqq_item item;
	char name[16];
};

/* What the callbacks saw, in order: "fail NAME: MSG;" and "free NAME;". */
static char seen[512];
static struct reqq *requeue_into; /* fail() queues req late here */
static struct req late = { .name = "late" };

static struct req *req_of(struct reqq_item *it)
{
	return reqq_entry(it, struct req, item);
}

static void note(const char *what, struct reqq_item *it, const char *msg)
{
	size_t n = strlen(seen);

	snprintf(seen + n, sizeof(seen) - n, "%s %s%s%s;", what,
		 req_of(it)->name, msg ? ": " : "", msg ? msg : "");
}

static void on_fail(struct reqq_item *it, const char *msg)
{
	note("fail", it, msg);
	if (requeue_into) {
		reqq_push(requeue_into, &late.item);
		requeue_into = NULL;
	}
}

static void on_free(struct reqq_item *it)
{
	note("free", it, NULL);
}

static const struct reqq_ops ops = { .fail = on_fail, .free = on_free };

static int reset(void **state)
{
	seen[0] = '\0';
	requeue_into = NULL;
	return 0;
}

static void push3(struct reqq *q, struct req r[3])
{
	reqq_init(q, &ops);
	for (int i = 0; i < 3; i++) {
		snprintf(r[i].name, sizeof(r[i].name), "r%u", (unsigned)i % 10);
		reqq_push(q, &r[i].item);
	}
}

static void test_first_in_first_out(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	assert_ptr_equal(reqq_head(&q), &r[0].item);
	assert_ptr_equal(reqq_pop(&q), &r[0].item);
	assert_ptr_equal(reqq_pop(&q), &r[1].item);
	assert_ptr_equal(reqq_pop(&q), &r[2].item);
	assert_null(reqq_pop(&q));
	assert_null(reqq_head(&q));
	assert_string_equal(seen, "");
}

static void test_cancel_of_a_waiting_request_frees_it(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	assert_false(reqq_cancel(&q, &r[1].item, true));
	assert_string_equal(seen, "free r1;");
	assert_ptr_equal(reqq_pop(&q), &r[0].item);
	assert_ptr_equal(reqq_pop(&q), &r[2].item);
}

static void test_cancel_of_the_head_in_flight_only_marks_it(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	assert_true(reqq_cancel(&q, &r[0].item, true));
	assert_string_equal(seen, "");
	assert_true(r[0].item.cancelled);
	assert_ptr_equal(reqq_head(&q), &r[0].item);
}

static void test_cancel_of_an_idle_head_frees_it(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	assert_false(reqq_cancel(&q, &r[0].item, false));
	assert_string_equal(seen, "free r0;");
	assert_ptr_equal(reqq_head(&q), &r[1].item);
}

static void test_cancel_of_a_finished_request_does_nothing(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	reqq_pop(&q);
	assert_false(reqq_cancel(&q, &r[0].item, true));
	assert_string_equal(seen, "");
	assert_ptr_equal(reqq_head(&q), &r[1].item);
}

static void test_fail_all_skips_the_cancelled(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	reqq_cancel(&q, &r[0].item, true);
	reqq_fail_all(&q, "gone");
	assert_string_equal(
		seen, "free r0;fail r1: gone;free r1;fail r2: gone;free r2;");
	assert_null(reqq_head(&q));
}

static void test_fail_all_without_a_message_is_silent(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	reqq_fail_all(&q, NULL);
	assert_string_equal(seen, "free r0;free r1;free r2;");
}

static void test_a_request_queued_by_a_failure_stays(void **state)
{
	struct reqq q;
	struct req r[3];

	push3(&q, r);
	requeue_into = &q;
	reqq_fail_all(&q, "gone");
	assert_ptr_equal(reqq_head(&q), &late.item);
	assert_ptr_equal(reqq_pop(&q), &late.item);
	assert_null(reqq_head(&q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_in_first_out, reset),
		cmocka_unit_test_setup(
			test_cancel_of_a_waiting_request_frees_it, reset),
		cmocka_unit_test_setup(
			test_cancel_of_the_head_in_flight_only_marks_it, reset),
		cmocka_unit_test_setup(test_cancel_of_an_idle_head_frees_it,
				       reset),
		cmocka_unit_test_setup(
			test_cancel_of_a_finished_request_does_nothing, reset),
		cmocka_unit_test_setup(test_fail_all_skips_the_cancelled,
				       reset),
		cmocka_unit_test_setup(
			test_fail_all_without_a_message_is_silent, reset),
		cmocka_unit_test_setup(test_a_request_queued_by_a_failure_stays,
				       reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
