// SPDX-License-Identifier: GPL-2.0
#include "core/base/fsfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

long fsfile_read(const char *path, char *buf, size_t cap)
{
	int fd;
	ssize_t n;

	if (!cap)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return n;
}
