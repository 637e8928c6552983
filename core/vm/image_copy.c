// SPDX-License-Identifier: GPL-2.0
/*
 * The working copy of a user's image: the user's file is only ever read.
 * A raw image is cloned (FICLONE) where the file system shares blocks;
 * elsewhere only its data extents (SEEK_DATA/SEEK_HOLE) are read, and any
 * block of zeros inside them becomes a hole too, as cp --sparse=always
 * does: a 2.7 GB Raspberry Pi OS image costs the disk what it holds. An
 * .img.xz is decompressed with liblzma into the same sparse writer.
 */
#include "core/vm/image_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1 << 20)
/* Zero runs of this size become holes (the file system's block). */
#define HOLE_BLOCK 4096

static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

uint64_t image_disk_usage(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	/* p[0] == 0 and every byte equals the one before it */
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Writes buf at off, leaving the zero blocks as holes. */
static int write_sparse(int fd, const unsigned char *buf, size_t len, off_t off)
{
	size_t i = 0;

	while (i < len) {
		size_t n = len - i < HOLE_BLOCK ? len - i : HOLE_BLOCK;
		size_t run = 0;

		if (all_zero(buf + i, n)) {
			i += n;
			continue;
		}
		/* the non-zero blocks from here, written at once */
		while (i + run < len) {
			size_t m = len - i - run < HOLE_BLOCK ? len - i - run :
								HOLE_BLOCK;

			if (all_zero(buf + i + run, m))
				break;
			run += m;
		}
		for (size_t w = 0; w < run;) {
			ssize_t r = pwrite(fd, buf + i + w, run - w,
					   off + (off_t)(i + w));

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			w += (size_t)r;
		}
		i += run;
	}
	return 0;
}

static int copy_raw(int in, int out, off_t size, unsigned char *buf)
{
	off_t pos = 0;

	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	while (pos < size) {
		off_t data = lseek(in, pos, SEEK_DATA), hole;

		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		while (data < hole) {
			size_t want = hole - data < CHUNK ?
					      (size_t)(hole - data) :
					      CHUNK;
			ssize_t r = pread(in, buf, want, data);
			int err;

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if (r == 0)
				return -EIO; /* shrunk while we read it */
			err = write_sparse(out, buf, (size_t)r, data);
			if (err)
				return err;
			data += r;
		}
		pos = hole;
	}
	return 0;
}

struct xz_err {
	char *err;
	size_t errlen;
	const char *src;
};

static int xz_fail(const struct xz_err *e, lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR:
		snprintf(e->err, e->errlen,
			 "%s: out of memory while decompressing it", e->src);
		return -ENOMEM;
	case LZMA_FORMAT_ERROR:
		snprintf(e->err, e->errlen, "%s is not an xz file", e->src);
		return -EINVAL;
	case LZMA_BUF_ERROR:
		snprintf(
			e->err, e->errlen,
			"%s is truncated: the xz data ends before its end marker (an interrupted download?)",
			e->src);
		return -EINVAL;
	default:
		snprintf(
			e->err, e->errlen,
			"%s is corrupt: xz cannot decompress it (lzma error %d)",
			e->src, (int)r);
		return -EINVAL;
	}
}

/* Decompresses in into out; *size: the image's size. */
static int copy_xz(int in, int out, uint64_t *size, unsigned char *ibuf,
		   const struct xz_err *e)
{
	lzma_stream s = LZMA_STREAM_INIT;
	unsigned char *obuf = malloc(CHUNK);
	lzma_action act = LZMA_RUN;
	uint64_t off = 0;
	lzma_ret r;
	int err = 0;

	if (!obuf)
		return -ENOMEM;
	r = lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED);
	if (r != LZMA_OK) {
		free(obuf);
		return xz_fail(e, r);
	}
	s.next_out = obuf;
	s.avail_out = CHUNK;
	for (;;) {
		if (s.avail_in == 0 && act == LZMA_RUN) {
			ssize_t n = read(in, ibuf, CHUNK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				err = -errno;
				snprintf(e->err, e->errlen,
					 "cannot read %s: %s", e->src,
					 strerror(errno));
				break;
			}
			s.next_in = ibuf;
			s.avail_in = (size_t)n;
			if (n == 0)
				act = LZMA_FINISH;
		}
		r = lzma_code(&s, act);
		if (s.avail_out == 0 || r == LZMA_STREAM_END) {
			size_t n = CHUNK - s.avail_out;

			err = write_sparse(out, obuf, n, (off_t)off);
			if (err) {
				e->err[0] = '\0'; /* the caller says it */
				break;
			}
			off += n;
			s.next_out = obuf;
			s.avail_out = CHUNK;
		}
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			err = xz_fail(e, r);
			break;
		}
	}
	lzma_end(&s);
	free(obuf);
	*size = off;
	return err;
}

int image_copy_in(const char *src, const char *dst, uint64_t *size,
		  uint64_t *data, char *err, size_t errlen)
{
	unsigned char *buf = malloc(CHUNK), magic[6];
	struct xz_err xe = { err, errlen, src };
	struct stat st;
	int in, out, rc;

	err[0] = '\0';
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", src,
			 strerror(errno));
		if (in >= 0)
			close(in);
		free(buf);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", src);
		close(in);
		free(buf);
		return -EINVAL;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dst,
			 strerror(errno));
		close(in);
		free(buf);
		return rc;
	}
	if (pread(in, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	    !memcmp(magic, xz_magic, sizeof(magic))) {
		rc = copy_xz(in, out, size, buf, &xe);
	} else {
		*size = (uint64_t)st.st_size;
		rc = copy_raw(in, out, st.st_size, buf);
	}
	/* the holes at the end count: the file is as long as the image */
	if (!rc && ftruncate(out, (off_t)*size) < 0)
		rc = -errno;
	if (close(out) < 0 && !rc)
		rc = -errno;
	close(in);
	free(buf);
	if (rc && !err[0])
		snprintf(err, errlen, "cannot copy %s to %s: %s", src, dst,
			 strerror(-rc));
	*data = image_disk_usage(dst);
	return rc;
}
