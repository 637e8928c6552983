// SPDX-License-Identifier: GPL-2.0
/* POSIX sh single-quote quoting; see quote.h for the rules and why. */
#include "core/base/quote.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

size_t quote_sh_size(const char *s, size_t len)
{
	size_t n = 3; /* the two quotes and the NUL */

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\'' ? 4 : 1;
	return n;
}

int quote_sh_len(char *dst, size_t cap, const char *s, size_t len)
{
	size_t need, o = 0;

	if (cap)
		dst[0] = '\0';
	if (memchr(s, '\0', len))
		return -EINVAL;
	need = quote_sh_size(s, len);
	if (need > cap || need - 1 > INT_MAX)
		return -ENOSPC;
	dst[o++] = '\'';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'') {
			memcpy(dst + o, "'\\''", 4);
			o += 4;
		} else {
			dst[o++] = s[i];
		}
	}
	dst[o++] = '\'';
	dst[o] = '\0';
	return (int)o;
}

int quote_sh(char *dst, size_t cap, const char *s)
{
	return quote_sh_len(dst, cap, s, strlen(s));
}

static size_t argv_size(const char *const *argv)
{
	size_t n = 0;

	for (size_t i = 0; argv[i]; i++)
		n += quote_sh_size(argv[i], strlen(argv[i])); /* NUL or space */
	return n;
}

int quote_argv(char *dst, size_t cap, const char *const *argv)
{
	size_t o = 0;

	if (cap)
		dst[0] = '\0';
	if (!argv || !argv[0])
		return -EINVAL;
	if (argv_size(argv) > cap || argv_size(argv) - 1 > INT_MAX)
		return -ENOSPC;
	for (size_t i = 0; argv[i]; i++) {
		int n;

		if (i)
			dst[o++] = ' ';
		n = quote_sh(dst + o, cap - o, argv[i]);
		if (n < 0) {
			dst[0] = '\0';
			return n;
		}
		o += (size_t)n;
	}
	return (int)o;
}

char *quote_sh_dup(const char *s)
{
	size_t n = quote_sh_size(s, strlen(s));
	char *q = malloc(n);

	if (q && quote_sh(q, n, s) < 0) {
		free(q);
		return NULL;
	}
	return q;
}

char *quote_argv_dup(const char *const *argv)
{
	size_t cap;
	char *s;

	if (!argv || !argv[0])
		return NULL;
	cap = argv_size(argv);
	s = malloc(cap);
	if (!s)
		return NULL;
	if (quote_argv(s, cap, argv) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Nothing in the word is special to a POSIX shell. */
static int plain_word(const char *s, int first)
{
	static const char *const reserved[] = {
		"if",	"then",	    "else",   "elif",  "fi", "case",
		"esac", "for",	    "while",  "until", "do", "done",
		"in",	"function", "select", "time",  "{",  "}",
		"!",	"[[",	    "]]",     NULL
	};

	if (!*s || (first && strchr(s, '=')))
		return 0;
	for (size_t i = 0; first && reserved[i]; i++)
		if (!strcmp(s, reserved[i]))
			return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("@%+=:,./_-", *s)))
			return 0;
	return 1;
}

char *quote_argv_readable_dup(const char *const *argv)
{
	size_t cap, o = 0;
	char *s;

	if (!argv || !argv[0])
		return NULL;
	cap = argv_size(argv);
	s = malloc(cap);
	if (!s)
		return NULL;
	for (size_t i = 0; argv[i]; i++) {
		size_t len = strlen(argv[i]);
		int n;

		if (i)
			s[o++] = ' ';
		if (plain_word(argv[i], i == 0)) {
			memcpy(s + o, argv[i], len + 1);
			o += len;
			continue;
		}
		n = quote_sh(s + o, cap - o, argv[i]);
		if (n < 0) {
			free(s);
			return NULL;
		}
		o += (size_t)n;
	}
	return s;
}
