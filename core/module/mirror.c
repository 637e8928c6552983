// SPDX-License-Identifier: GPL-2.0
#include "core/module/mirror.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsdir.h"

/* Sources go deeper than this only by a symlink loop. */
#define MIRROR_MAX_DEPTH 16

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

bool mirror_is_output(const char *name)
{
	static const char *const suffixes[] = { ".o",	    ".ko", ".mod",
						".mod.c",   ".a",  ".order",
						".symvers", ".dwo" };

	if (name[0] == '.')
		return true; /* .git, .foo.o.cmd, .tmp_versions */
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (ends_with(name, suffixes[i]))
			return true;
	return false;
}

static int fail(char *err, size_t errlen, const char *what, const char *path,
		int e)
{
	snprintf(err, errlen, "cannot %s %s: %s", what, path, strerror(e));
	return -e;
}

/* dst/NAME -> src/NAME unless it already is that link. */
static int link_file(const char *from, const char *to, char *err, size_t errlen)
{
	char cur[PATH_MAX];
	ssize_t n = readlink(to, cur, sizeof(cur) - 1);

	if (n >= 0) {
		cur[n] = '\0';
		if (!strcmp(cur, from))
			return 0;
	}
	if ((n >= 0 || errno == EINVAL) && unlink(to) < 0)
		return fail(err, errlen, "replace", to, errno);
	if (symlink(from, to) < 0)
		return fail(err, errlen, "link", to, errno);
	return 0;
}

static int mirror_dir(const char *src, const char *dst, int depth, char *err,
		      size_t errlen)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > MIRROR_MAX_DEPTH)
		return 0;
	r = fsdir_make(dst);
	if (r < 0)
		return fail(err, errlen, "create", dst, -r);
	d = opendir(src);
	if (!d)
		return fail(err, errlen, "read", src, errno);
	while (!r && (e = readdir(d))) {
		char from[PATH_MAX], to[PATH_MAX];
		struct stat st;

		if (mirror_is_output(e->d_name))
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", src, e->d_name) >=
			    (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", dst, e->d_name) >=
			    (int)sizeof(to)) {
			r = fail(err, errlen, "mirror", from, ENAMETOOLONG);
			break;
		}
		if (stat(from, &st) < 0)
			continue; /* a dangling link among the sources */
		if (S_ISDIR(st.st_mode))
			r = mirror_dir(from, to, depth + 1, err, errlen);
		else if (S_ISREG(st.st_mode))
			r = link_file(from, to, err, errlen);
	}
	closedir(d);
	return r;
}

/* Links in dst whose source is gone: a removed file must not build. */
static void prune(const char *dst, int depth)
{
	DIR *d = depth <= MIRROR_MAX_DEPTH ? opendir(dst) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    snprintf(p, sizeof(p), "%s/%s", dst, e->d_name) >=
			    (int)sizeof(p) ||
		    lstat(p, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode) && stat(p, &st) < 0)
			unlink(p);
		else if (S_ISDIR(st.st_mode))
			prune(p, depth + 1);
	}
	if (d)
		closedir(d);
}

int mirror_tree(const char *src, const char *dst, char *err, size_t errlen)
{
	char real[PATH_MAX];

	if (!realpath(src, real))
		return fail(err, errlen, "read", src, errno);
	prune(dst, 0);
	return mirror_dir(real, dst, 0, err, errlen);
}
