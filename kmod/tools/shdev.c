// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shdev.h"

int shdev_open(const char *path, const char *prog)
{
	uint32_t version = 0;
	struct stat st;
	int fd, err;

	if (!path)
		path = getenv("STORAGE_HASH_DEVICE");
	if (!path || !*path)
		path = STORAGE_HASH_DEVICE;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			fprintf(stderr,
				"%s: %s does not exist: the storage_hash module is not loaded (insmod storage_hash.ko)\n",
				prog, path);
		else if (err == EACCES || err == EPERM)
			fprintf(stderr,
				"%s: %s: permission denied (mode %03o, owner uid %d; you are uid %d): run as root or change the device's mode\n",
				prog, path,
				stat(path, &st) ? 0 : st.st_mode & 0777,
				stat(path, &st) ? -1 : (int)st.st_uid,
				(int)geteuid());
		else
			fprintf(stderr, "%s: cannot open %s: %s\n", prog, path,
				strerror(err));
		return -1;
	}
	if (ioctl(fd, SH_IOC_VERSION, &version)) {
		err = errno;
		fprintf(stderr,
			"%s: %s is not a storage_hash device (version ioctl: %s)\n",
			prog, path, strerror(err));
		close(fd);
		return -1;
	}
	if (version != STORAGE_HASH_UAPI_VERSION) {
		fprintf(stderr,
			"%s: the loaded storage_hash module speaks uapi version %u, %s was built for version %u: build the module and the tools from the same tree (make kmod) and load that module\n",
			prog, version, prog, STORAGE_HASH_UAPI_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

static int shdev_kv(int fd, unsigned long cmd, const void *key,
		    uint32_t key_len, const void *val, uint32_t *val_len)
{
	struct sh_kv kv = {
		.version = STORAGE_HASH_UAPI_VERSION,
		.key_len = key_len,
		.val_len = val_len ? *val_len : 0,
		.key = shdev_ptr(key),
		.val = shdev_ptr(val),
	};
	int rc = ioctl(fd, cmd, &kv) ? -errno : 0;

	if (val_len)
		*val_len = kv.val_len;
	return rc;
}

int shdev_put(int fd, const void *key, uint32_t key_len, const void *val,
	      uint32_t val_len)
{
	return shdev_kv(fd, SH_IOC_PUT, key, key_len, val, &val_len);
}

int shdev_get(int fd, const void *key, uint32_t key_len, void *buf,
	      uint32_t *val_len)
{
	return shdev_kv(fd, SH_IOC_GET, key, key_len, buf, val_len);
}

int shdev_del(int fd, const void *key, uint32_t key_len)
{
	return shdev_kv(fd, SH_IOC_DEL, key, key_len, NULL, NULL);
}

int shdev_stats(int fd, struct sh_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->version = STORAGE_HASH_UAPI_VERSION;
	return ioctl(fd, SH_IOC_STATS, s) ? -errno : 0;
}

int shdev_clear(int fd)
{
	return ioctl(fd, SH_IOC_CLEAR) ? -errno : 0;
}

int shdev_batch(int fd, struct sh_op *ops, uint32_t count, uint32_t *failed)
{
	struct sh_batch b = {
		.version = STORAGE_HASH_UAPI_VERSION,
		.count = count,
		.ops = shdev_ptr(ops),
	};
	int rc = ioctl(fd, SH_IOC_BATCH, &b) ? -errno : 0;

	if (failed)
		*failed = b.failed;
	return rc;
}
