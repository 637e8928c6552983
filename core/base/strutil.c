// SPDX-License-Identifier: GPL-2.0
#include "core/base/strutil.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

const char *str_home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

const char *str_user_name(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "root";
}

char *str_state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = str_home_dir();

	if (x && x[0] == '/')
		return str_printf("%s/kmdash", x);
	return home ? str_printf("%s/.local/state/kmdash", home) : NULL;
}

#define DIST_MAX 64

size_t str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[DIST_MAX + 1],
	       row[DIST_MAX + 1];

	if (la > DIST_MAX || lb > DIST_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = row[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);

			row[j] = del < ins ? del : ins;
			if (sub < row[j])
				row[j] = sub;
		}
		memcpy(prev, row, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

const char *str_closest(const char *name, const char *const *cands, size_t n,
			size_t max_dist)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(name);

	for (size_t i = 0; n ? i < n : cands[i] != NULL; i++) {
		size_t d;

		if (!cands[i])
			continue;
		d = str_distance(name, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	if (!best || bestd > max_dist || bestd >= len)
		return NULL;
	return best;
}

size_t str_path_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (!n || strncmp(path, prefix, n) || (path[n] && path[n] != '/'))
		return 0;
	return n;
}
