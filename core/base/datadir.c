// SPDX-License-Identifier: GPL-2.0
#include "core/base/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int datadir_exe(char *out, size_t cap)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	memcpy(out, buf, (size_t)n + 1);
	return 0;
}

int datadir_find(char *out, size_t cap)
{
	/* installed first: a source tree may have been installed from */
	static const char *const up[] = { "/../share/kmdash", "/..", "/../.." };
	char exe[PATH_MAX], dir[PATH_MAX + 32], marker[PATH_MAX + 64];
	char real[PATH_MAX];
	char *slash;
	int r = datadir_exe(exe, sizeof(exe));

	if (r < 0)
		return r;
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", exe, up[i]);
		snprintf(marker, sizeof(marker), "%s/" DATADIR_MARKER, dir);
		if (access(marker, R_OK) || !realpath(dir, real))
			continue;
		if (strlen(real) >= cap)
			return -ENAMETOOLONG;
		strcpy(out, real);
		return 0;
	}
	return -ENOENT;
}
