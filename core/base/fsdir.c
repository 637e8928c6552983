// SPDX-License-Identifier: GPL-2.0
#include "core/base/fsdir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsdir_make(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

int fsdir_private(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc = fsdir_make(path);

	if (rc) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 strerror(-rc));
		return rc;
	}
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(
			err, errlen,
			"%s is not a directory (a symlink?); refusing to use it",
			path);
		return -ENOTDIR;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen,
			 "%s belongs to another user; set KMDASH_RUNTIME_DIR",
			 path);
		return -EPERM;
	}
	if ((st.st_mode & 0777) != 0700 && chmod(path, 0700) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot make %s private: %s", path,
			 strerror(errno));
		return rc;
	}
	return 0;
}
