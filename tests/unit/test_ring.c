// SPDX-License-Identifier: GPL-2.0
/* The line ring: both caps hold, sequence numbers survive eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/base/ring.h"

static void test_line_cap_evicts_oldest(void **state)
{
	struct ring *r = ring_new(3, 1 << 20);
	char buf[16];

	for (int i = 0; i < 5; i++) {
		int n = snprintf(buf, sizeof(buf), "line %d", i);

		assert_int_equal(ring_push(r, buf, (size_t)n, (uint32_t)i), 0);
	}
	assert_int_equal(ring_count(r), 3);
	assert_int_equal(ring_first_seq(r), 2);
	assert_int_equal(ring_end_seq(r), 5);
	assert_int_equal(ring_evicted(r), 2);
	assert_null(ring_get(r, 1));
	assert_string_equal(ring_get(r, 2)->text, "line 2");
	assert_int_equal(ring_get(r, 4)->tag, 4);
	assert_null(ring_get(r, 5));
	ring_free(r);
}

static void test_byte_cap_holds(void **state)
{
	struct ring *r = ring_new(1000, 100);
	char line[40];

	memset(line, 'x', sizeof(line));
	for (int i = 0; i < 50; i++) {
		ring_push(r, line, sizeof(line), 0);
		assert_true(ring_bytes(r) <= 100);
	}
	assert_int_equal(ring_count(r), 2);
	assert_int_equal(ring_bytes(r), 80);
	ring_free(r);
}

static void test_oversized_line_is_cut_to_the_cap(void **state)
{
	struct ring *r = ring_new(10, 8);

	ring_push(r, "0123456789abcdef", 16, 0);
	assert_int_equal(ring_count(r), 1);
	assert_int_equal(ring_get(r, 0)->len, 8);
	assert_string_equal(ring_get(r, 0)->text, "01234567");
	ring_free(r);
}

static void test_embedded_nul_and_empty_lines(void **state)
{
	struct ring *r = ring_new(4, 64);

	ring_push(r, "", 0, 0);
	ring_push(r, "a\0b", 3, 0);
	assert_int_equal(ring_get(r, 0)->len, 0);
	assert_int_equal(ring_get(r, 1)->len, 3);
	assert_memory_equal(ring_get(r, 1)->text, "a\0b", 3);
	ring_free(r);
}

static void test_clear_and_retag(void **state)
{
	struct ring *r = ring_new(4, 64);

	ring_push(r, "x", 1, 1);
	ring_set_tag(r, 0, 9);
	assert_int_equal(ring_get(r, 0)->tag, 9);
	ring_clear(r);
	assert_int_equal(ring_count(r), 0);
	assert_int_equal(ring_bytes(r), 0);
	/* Sequence numbers keep counting after a clear. */
	ring_push(r, "y", 1, 0);
	assert_int_equal(ring_first_seq(r), 1);
	ring_free(r);
}

static void test_zero_caps_are_refused(void **state)
{
	assert_null(ring_new(0, 10));
	assert_null(ring_new(10, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_cap_evicts_oldest),
		cmocka_unit_test(test_byte_cap_holds),
		cmocka_unit_test(test_oversized_line_is_cut_to_the_cap),
		cmocka_unit_test(test_embedded_nul_and_empty_lines),
		cmocka_unit_test(test_clear_and_retag),
		cmocka_unit_test(test_zero_caps_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
