// SPDX-License-Identifier: GPL-2.0
/*
 * known_hosts entries kmdash writes and reads back: a key added is found
 * again, and the key type a server names cannot write anything but its
 * one entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ssh/knownhosts.h"

static char dir[256], path[300];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/kmdash-knownhosts.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

/* A key blob: the type as an SSH string, then 32 bytes of key. */
static size_t blob(unsigned char *b, const char *type)
{
	size_t n = strlen(type);

	b[0] = b[1] = b[2] = 0;
	b[3] = (unsigned char)n;
	memcpy(b + 4, type, n);
	memset(b + 4 + n, 0x5a, 32);
	return 4 + n + 32;
}

static int lines(void)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void test_added_key_is_found(void **state)
{
	unsigned char b[128];
	size_t len = blob(b, "ssh-ed25519");
	struct kh_check kc;
	char err[256], type[80];

	unlink(path);
	knownhosts_blob_type(b, len, type, sizeof(type));
	assert_string_equal(type, "ssh-ed25519");
	assert_int_equal(knownhosts_add(path, "10.0.2.15", 2222, b, len, err,
					sizeof(err)),
			 0);
	assert_int_equal(knownhosts_check(path, "10.0.2.15", 2222, b, len, &kc,
					  err, sizeof(err)),
			 0);
	assert_int_equal(kc.result, KH_MATCH);
	assert_int_equal(knownhosts_check(path, "10.0.2.15", 22, b, len, &kc,
					  err, sizeof(err)),
			 0);
	assert_int_equal(kc.result, KH_NOTFOUND);
}

/*
 * A server that names its key type "x\n[github.com]:22 ssh-ed25519"
 * would, once accepted, have added an entry for another host that
 * matches its own key (found by tests/fuzz/fuzz_knownhosts.c).
 */
static void test_key_type_cannot_add_a_host(void **state)
{
	const char *hostile[] = { "x\n[github.com]:22 ssh-ed25519",
				  "ssh-ed25519 extra", "a,b", "" };
	unsigned char b[128];
	struct kh_check kc;
	char err[256], type[80];

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		size_t len = blob(b, hostile[i]);

		unlink(path);
		knownhosts_blob_type(b, len, type, sizeof(type));
		assert_string_equal(type, "unknown");
		assert_int_equal(knownhosts_add(path, "10.0.2.15", 2222, b, len,
						err, sizeof(err)),
				 0);
		assert_int_equal(lines(), 1);
		assert_int_equal(knownhosts_check(path, "github.com", 22, b,
						  len, &kc, err, sizeof(err)),
				 0);
		assert_int_equal(kc.result, KH_NOTFOUND);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_added_key_is_found),
		cmocka_unit_test(test_key_type_cannot_add_a_host),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
