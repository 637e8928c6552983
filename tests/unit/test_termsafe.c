// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal-safe text rule: the sequences a hostile board would send
 * (OSC 52, OSC 0/2, DCS, CSI that moves the cursor or queries the
 * terminal, C1 raw and as UTF-8, ESC, NUL, invalid UTF-8, 1 MB lines)
 * come out as visible \xNN; text passes untouched; random bytes never
 * yield a control byte or invalid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/termsafe.h"

static void expect_safe(const char *in, size_t n, unsigned flags,
			const char *want)
{
	char *out = termsafe_dup(in, n, flags);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

#define SAFE(in, want) expect_safe(in, sizeof(in) - 1, 0, want)

static void test_text_passes(void **state)
{
	SAFE("plain ASCII ~!@#$%^&*()", "plain ASCII ~!@#$%^&*()");
	SAFE("tab\there", "tab\there");
	SAFE("caf\xc3\xa9 \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x90\xa7",
	     "caf\xc3\xa9 \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x90\xa7");
	/* the first printable after the C1 block, and the last code point */
	SAFE("\xc2\xa0 \xf4\x8f\xbf\xbf", "\xc2\xa0 \xf4\x8f\xbf\xbf");
	SAFE("", "");
}

static void test_escape_sequences_are_shown_not_obeyed(void **state)
{
	/* OSC 52: the clipboard */
	SAFE("\x1b]52;c;aGFja2Vk\x07", "\\x1b]52;c;aGFja2Vk\\x07");
	/* OSC 0 and 2: the title, ended by ST */
	SAFE("\x1b]0;pwned\x1b\\", "\\x1b]0;pwned\\x1b\\");
	SAFE("\x1b]2;pwned\x07", "\\x1b]2;pwned\\x07");
	/* DCS (tmux passthrough) */
	SAFE("\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\",
	     "\\x1bPtmux;\\x1b\\x1b]52;c;eA==\\x07\\x1b\\");
	/* CSI: cursor, clear, device status and attribute queries */
	SAFE("\x1b[H\x1b[2J\x1b[6n\x1b[c\x1b[>0q\x1b[21t",
	     "\\x1b[H\\x1b[2J\\x1b[6n\\x1b[c\\x1b[>0q\\x1b[21t");
	/* SGR is a control sequence too: only kmdash colours */
	SAFE("\x1b[31mred", "\\x1b[31mred");
}

static void test_controls_c1_and_bad_utf8(void **state)
{
	/* C0 controls, DEL, NUL in the middle */
	SAFE("a\rb\bc\x7f"
	     "d\x00"
	     "e",
	     "a\\x0db\\x08c\\x7f"
	     "d\\x00"
	     "e");
	/* C1 raw: 0x9b is CSI, 0x9d OSC, 0x90 DCS, 0x9c ST */
	SAFE("\x9b"
	     "2J \x9d"
	     "0;t\x9c \x90",
	     "\\x9b"
	     "2J \\x9d"
	     "0;t\\x9c \\x90");
	/* C1 in UTF-8 form: U+0080..U+009F */
	SAFE("\xc2\x80 \xc2\x9b"
	     "6n \xc2\x9f",
	     "\\xc2\\x80 \\xc2\\x9b"
	     "6n \\xc2\\x9f");
	/* overlong forms (a lax decoder reads ESC), surrogates, > U+10FFFF */
	SAFE("\xc0\x9b \xe0\x80\x9b \xf0\x80\x80\x9b",
	     "\\xc0\\x9b \\xe0\\x80\\x9b \\xf0\\x80\\x80\\x9b");
	SAFE("\xed\xa0\x80 \xf4\x90\x80\x80 \xf5\x80\x80\x80",
	     "\\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80 \\xf5\\x80\\x80\\x80");
	/* truncated and stray continuation bytes */
	SAFE("\xe4\xb8 x \x80\xbf \xff\xfe",
	     "\\xe4\\xb8 x \\x80\\xbf \\xff\\xfe");
}

static void test_newline_only_when_asked(void **state)
{
	expect_safe("a\nb\n", 4, 0, "a\\x0ab\\x0a");
	expect_safe("a\nb\n", 4, TERMSAFE_NEWLINE, "a\nb\n");
	expect_safe("a\r\nb", 4, TERMSAFE_NEWLINE, "a\\x0d\nb");
}

static void test_char_says_when_to_wait(void **state)
{
	uint32_t cp = 0;

	assert_int_equal(termsafe_char("\xe4\xb8", 2, 0, &cp), -1);
	assert_int_equal(termsafe_char("\xf0\x9f\x90", 3, 0, &cp), -1);
	assert_int_equal(termsafe_char("\xe4\xb8\x96", 3, 0, &cp), 3);
	assert_int_equal(cp, 0x4e16);
	/* C2 may start U+00A0: wait; C2 9B is U+009B: escape */
	assert_int_equal(termsafe_char("\xc2", 1, 0, &cp), -1);
	assert_int_equal(termsafe_char("\xc2\x9b", 2, 0, &cp), 0);
	assert_int_equal(termsafe_char("\xe0\x80", 2, 0, &cp), 0);
	assert_int_equal(termsafe_char("\x1b", 1, 0, &cp), 0);
	/* a stream holds back only a character still to be completed */
	assert_int_equal(termsafe_complete("ab\xe4\xb8", 4), 2);
	assert_int_equal(termsafe_complete("ab\xf0\x9f\x90", 5), 2);
	assert_int_equal(termsafe_complete("ab\xe4\xb8\x96", 5), 5);
	assert_int_equal(termsafe_complete("ab\x80\x80\x80", 5), 5);
	assert_int_equal(termsafe_complete("ab\x1b", 3), 3);
	assert_int_equal(termsafe_complete("\xc2", 1), 0);
	assert_true(termsafe_cp('A'));
	assert_true(termsafe_cp(0xa0));
	assert_false(termsafe_cp(0x9b));
	assert_false(termsafe_cp(0x1b));
	assert_false(termsafe_cp(0xd800));
	assert_false(termsafe_cp(0x110000));
}

/* Strict UTF-8 with no control: what the terminal is allowed to see. */
static void assert_terminal_safe(const char *s, size_t n, bool newlines)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = termsafe_char(s + i, n - i,
					newlines ? TERMSAFE_NEWLINE : 0, &cp);

		if (len <= 0)
			fail_msg("unsafe byte 0x%02x at %zu",
				 (unsigned char)s[i], i);
		i += (size_t)len;
	}
}

static void test_random_bytes_never_leak(void **state)
{
	enum { N = 4096 };
	static char in[N], out[TERMSAFE_MAX(N)];

	srand(16);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % N), len;

		for (size_t i = 0; i < n; i++)
			/* bias to the interesting bytes */
			in[i] = (char)(rand() % 3 ?
					       rand() % 256 :
					       "\x1b\x9b\xc2\xe0\xed\n"[rand() %
									6]);
		len = termsafe_escape(in, n, round & 1 ? TERMSAFE_NEWLINE : 0,
				      out);
		assert_true(len <= TERMSAFE_MAX(n));
		assert_null(memchr(out, '\x1b', len));
		assert_terminal_safe(out, len, round & 1);
	}
}

/* A decode in place: the input at the end of the output buffer. */
static void test_in_place(void **state)
{
	const char in[] = "\x1b]52;c;x\x07 \xe4\xb8\x96 \x9b";
	size_t n = sizeof(in) - 1, len;
	char *buf = malloc(TERMSAFE_MAX(n));
	char *want = termsafe_dup(in, n, 0);

	memcpy(buf + 3 * n, in, n);
	len = termsafe_escape(buf + 3 * n, n, 0, buf);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(buf, want, len);
	free(buf);
	free(want);
}

/*
 * termsafe_escape() copies runs of printable ASCII at once: it must write
 * what a character at a time by termsafe_char() writes, in place too.
 */
static size_t escape_by_char(const char *in, size_t n, unsigned flags,
			     char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = termsafe_char(in + i, n - i, flags, &cp);

		if (len > 0) {
			memcpy(out + o, in + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x",
					     (unsigned char)in[i++]);
		}
	}
	return o;
}

static void test_runs_match_char_by_char(void **state)
{
	enum { N = 4096 };
	static char in[N], want[TERMSAFE_MAX(N) + 1], out[TERMSAFE_MAX(N)];

	srand(1616);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % N), i = 0, len;
		unsigned flags = round & 1 ? TERMSAFE_NEWLINE : 0;

		while (i < n) {
			/* runs of text broken by a tab, a newline, C0, C1, UTF-8 */
			size_t run = (size_t)(rand() % 64);

			for (; run && i < n; run--)
				in[i++] = (char)(0x20 + rand() % 0x5f);
			if (i < n)
				in[i++] = "\t\n\x1b\x7f\x9b\xc2\xa0\xe4\xb8\x96"
					[rand() % 10];
		}
		len = escape_by_char(in, n, flags, want);
		assert_int_equal(termsafe_escape(in, n, flags, out), len);
		assert_memory_equal(out, want, len);
		/* in place: the input at out + 3n */
		memcpy(out + 3 * n, in, n);
		assert_int_equal(termsafe_escape(out + 3 * n, n, flags, out),
				 len);
		assert_memory_equal(out, want, len);
	}
}

/* A 1 MB line of escapes: 4 MB out, every byte accounted for. */
static void test_megabyte_line(void **state)
{
	size_t n = 1 << 20, len;
	char *in = malloc(n), *out = malloc(TERMSAFE_MAX(n));

	memset(in, 0x1b, n);
	len = termsafe_escape(in, n, 0, out);
	assert_int_equal(len, TERMSAFE_MAX(n));
	assert_memory_equal(out + len - 4, "\\x1b", 4);
	free(in);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_passes),
		cmocka_unit_test(test_escape_sequences_are_shown_not_obeyed),
		cmocka_unit_test(test_controls_c1_and_bad_utf8),
		cmocka_unit_test(test_newline_only_when_asked),
		cmocka_unit_test(test_char_says_when_to_wait),
		cmocka_unit_test(test_random_bytes_never_leak),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_runs_match_char_by_char),
		cmocka_unit_test(test_megabyte_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
