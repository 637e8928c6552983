// SPDX-License-Identifier: GPL-2.0
/* The helpers of tests/fuzz/fuzz.h, shared by every harness. */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];

uint8_t fuzz_take(struct fuzz_in *in)
{
	uint8_t b;

	if (!in->n)
		return 0;
	b = in->p[0];
	in->p++;
	in->n--;
	return b;
}

void fuzz_split(const void *buf, size_t n, unsigned int mean, uint32_t seed,
		void (*fn)(const void *piece, size_t len, void *arg), void *arg)
{
	const char *p = buf;
	uint32_t x = seed * 2654435761u + 1; /* xorshift: any seed but 0 */

	if (!x)
		x = 1;
	while (n) {
		size_t len = n;

		if (mean) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			len = 1 + x % (2 * mean + 1);
			if (len > n)
				len = n;
		}
		fn(p, len, arg);
		p += len;
		n -= len;
	}
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void remove_dir(void)
{
	if (dir[0])
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/kmdash-fuzz.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		abort();
	}
	atexit(remove_dir);
	return dir;
}

const char *fuzz_file(const char *rel, const void *data, size_t n)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), rel);
	for (char *s = strchr(path + strlen(dir) + 1, '/'); s;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0700) && errno != EEXIST) {
			perror(path);
			abort();
		}
		*s = '/';
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

bool fuzz_text_safe(const char *s, size_t n, bool utf8)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t len = 1;

		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return false;
		if (utf8 && !(len = utf8_seq(u + i, n - i)))
			return false;
		i += len;
	}
	return true;
}

void fuzz_assert(bool cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "fuzz: broken promise: %s\n", what);
	abort();
}
