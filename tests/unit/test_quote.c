// SPDX-License-Identifier: GPL-2.0
/*
 * The remote-command quoting helper: exact output for hostile words, and a
 * round trip through a real /bin/sh proving the shell hands back the very
 * bytes that went in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/quote.h"

static void expect_quote(const char *in, const char *want)
{
	char buf[256];
	int n = quote_sh(buf, sizeof(buf), in);

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_exact_quoting(void **state)
{
	expect_quote("", "''");
	expect_quote("abc", "'abc'");
	expect_quote("a b", "'a b'");
	expect_quote("it's", "'it'\\''s'");
	expect_quote("'", "''\\'''");
	expect_quote("$(reboot)", "'$(reboot)'");
	expect_quote("`id`", "'`id`'");
	expect_quote("a;b&&c|d", "'a;b&&c|d'");
	expect_quote("\"x\"", "'\"x\"'");
	expect_quote("*?[a]", "'*?[a]'");
	expect_quote("-rf", "'-rf'");
	expect_quote("a\nb\tc", "'a\nb\tc'");
	expect_quote("\\", "'\\'");
	expect_quote("~root", "'~root'");
}

static void test_no_space_and_nul(void **state)
{
	char buf[8];

	/* 'abcd' needs 7 bytes with the NUL */
	assert_int_equal(quote_sh(buf, 7, "abcd"), 6);
	assert_int_equal(quote_sh(buf, 6, "abcd"), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(quote_sh(buf, 7, "abc"), 5);
	assert_int_equal(quote_sh(buf, 7, "ab'"), -ENOSPC);
	assert_int_equal(quote_sh_size("ab'", 3), 9);
	assert_int_equal(quote_sh_len(buf, sizeof(buf), "a\0b", 3), -EINVAL);
	assert_string_equal(buf, "");
	assert_int_equal(quote_sh(NULL, 0, "x"), -ENOSPC);
}

static void test_dup(void **state)
{
	char *q = quote_sh_dup("it's; $(x)");

	assert_string_equal(q, "'it'\\''s; $(x)'");
	free(q);
	q = quote_sh_dup("");
	assert_string_equal(q, "''");
	free(q);
}

static void test_argv_join(void **state)
{
	const char *argv[] = { "insmod", "/tmp/my dir/x.ko", "name=it's",
			       NULL };
	const char *empty[] = { NULL };
	char buf[128], small[10];
	char *dup;

	assert_int_equal(
		quote_argv(buf, sizeof(buf), argv),
		(int)strlen("'insmod' '/tmp/my dir/x.ko' 'name=it'\\''s'"));
	assert_string_equal(buf, "'insmod' '/tmp/my dir/x.ko' 'name=it'\\''s'");
	dup = quote_argv_dup(argv);
	assert_non_null(dup);
	assert_string_equal(dup, buf);
	free(dup);
	assert_int_equal(quote_argv(buf, sizeof(buf), empty), -EINVAL);
	assert_int_equal(quote_argv(small, sizeof(small), argv), -ENOSPC);
	assert_string_equal(small, "");
	assert_null(quote_argv_dup(empty));
}

/*
 * Runs /bin/sh -c "printf '%s\0' QUOTED..." and returns what it printed
 * (NUL-separated words), as the target's shell would see the command line.
 */
static char *(*joiner)(const char *const *argv) = quote_argv_dup;

static char *sh_roundtrip(const char *const *words, size_t *outlen)
{
	char *quoted = joiner(words);
	char *cmd, *out = NULL;
	size_t len = 0, cap = 0;
	int fds[2], status;
	pid_t pid;

	assert_non_null(quoted);
	assert_true(asprintf(&cmd, "printf '%%s\\0' %s", quoted) > 0);
	free(quoted);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		n = read(fds[0], out + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(cmd);
	*outlen = len;
	return out;
}

static void expect_roundtrip(const char *const *words)
{
	size_t len, off = 0, i;
	char *out = sh_roundtrip(words, &len);

	for (i = 0; words[i]; i++) {
		size_t wl = strlen(words[i]);

		assert_true(off + wl + 1 <= len);
		assert_memory_equal(out + off, words[i], wl);
		assert_int_equal(out[off + wl], '\0');
		off += wl + 1;
	}
	assert_int_equal(off, len);
	free(out);
}

static void test_sh_roundtrip_hostile(void **state)
{
	const char *words[] = {
		"",
		"plain",
		"two words",
		"it's",
		"''''",
		"'\\''",
		";reboot;",
		"$(touch /tmp/kmdash-pwned)",
		"`touch /tmp/kmdash-pwned`",
		"${HOME}$HOME$1$@$*$?",
		"\"double\" 'single'",
		"a\nb\n",
		"\ttab\t ",
		"*",
		"/*",
		"?[!a]",
		"-n",
		"--",
		"-e\\n",
		"a&b|c>d<e",
		"#comment",
		"~",
		"!x",
		"x=y",
		"\\",
		"\\\\'\\",
		"\xc3\xa9t\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xa7",
		"%s%n%d",
		NULL
	};

	expect_roundtrip(words);
	assert_int_equal(access("/tmp/kmdash-pwned", F_OK), -1);
	/* the readable form, for people: the shell reads the same words */
	joiner = quote_argv_readable_dup;
	expect_roundtrip(words);
	expect_roundtrip(words + 1); /* "plain" first */
	joiner = quote_argv_dup;
	assert_int_equal(access("/tmp/kmdash-pwned", F_OK), -1);
}

/* Plain words stay bare; the rest, and risky first words, are quoted. */
static void test_readable(void **state)
{
	const char *load[] = { "insmod", "/tmp/kmdash/storage_hash.ko",
			       "max_bytes=67108864", NULL };
	const char *odd[] = { "x=y", "a b", "it's", "", "~", "$HOME", NULL };
	const char *word[] = { "if", "then", NULL };
	char *q;

	q = quote_argv_readable_dup(load);
	assert_string_equal(
		q, "insmod /tmp/kmdash/storage_hash.ko max_bytes=67108864");
	free(q);
	q = quote_argv_readable_dup(odd);
	assert_string_equal(q, "'x=y' 'a b' 'it'\\''s' '' '~' '$HOME'");
	free(q);
	q = quote_argv_readable_dup(word);
	assert_string_equal(q, "'if' then");
	free(q);
	assert_null(quote_argv_readable_dup(odd + 6));
}

static void test_sh_roundtrip_every_byte_and_long(void **state)
{
	char all[256], *longw;
	const char *words[3];

	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	/* below the kernel's 128 KiB limit for one exec argument */
	longw = malloc(100001);
	assert_non_null(longw);
	for (int i = 0; i < 100000; i++)
		longw[i] = "a' b\"$`\\\n;"[i % 11];
	longw[100000] = '\0';
	words[0] = all;
	words[1] = longw;
	words[2] = NULL;
	expect_roundtrip(words);
	joiner = quote_argv_readable_dup;
	expect_roundtrip(words);
	joiner = quote_argv_dup;
	free(longw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_quoting),
		cmocka_unit_test(test_no_space_and_nul),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_argv_join),
		cmocka_unit_test(test_sh_roundtrip_hostile),
		cmocka_unit_test(test_readable),
		cmocka_unit_test(test_sh_roundtrip_every_byte_and_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
