// SPDX-License-Identifier: GPL-2.0
/*
 * The ext4 root, read and written in process with libext2fs (e2fsprogs)
 * at the partition's offset in the working copy: no mount, no root.
 * Files are created the way debugfs's "write" does (new inode, link,
 * extents or inline data as the file system has them, then the data);
 * a file that is there is removed first, so that doing it twice gives
 * the same result.
 */
#include "core/vm/image_int.h"

#include <errno.h>
#include <et/com_err.h>
#include <ext2fs/ext2_err.h>
#include <ext2fs/ext2fs.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void tables(void)
{
	static bool done;

	if (!done)
		initialize_ext2_error_table();
	done = true;
}

/* libext2fs' codes as -errno: system errors are errno values already. */
static int as_errno(errcode_t c)
{
	if (c > 0 && c < 4096)
		return -(int)c;
	if (c == EXT2_ET_BLOCK_ALLOC_FAIL || c == EXT2_ET_INODE_ALLOC_FAIL ||
	    c == EXT2_ET_DIR_NO_SPACE)
		return -ENOSPC;
	if (c == EXT2_ET_FILE_NOT_FOUND)
		return -ENOENT;
	return -EIO;
}

static int fail(struct image_ext4 *e, errcode_t c, const char *what,
		const char *path, char *err, size_t errlen)
{
	if (c == EXT2_ET_BLOCK_ALLOC_FAIL || c == EXT2_ET_INODE_ALLOC_FAIL)
		snprintf(err, errlen, "%s is full: cannot %s %s", e->what, what,
			 path);
	else
		snprintf(err, errlen, "%s: cannot %s %s: %s", e->what, what,
			 path, error_message(c));
	return as_errno(c);
}

int image_ext4_open(struct image_ext4 *e, const char *img, uint64_t offset,
		    const char *what, char *err, size_t errlen)
{
	char opts[64];
	ext2_filsys fs = NULL;
	errcode_t c;

	tables();
	snprintf(e->what, sizeof(e->what), "%s", what);
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)offset);
	c = ext2fs_open2(img, opts, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
			 unix_io_manager, &fs);
	if (c) {
		snprintf(err, errlen, "%s holds no ext4 file system (%s)", what,
			 error_message(c));
		e->fs = NULL;
		return -EINVAL;
	}
	if (ext2fs_has_feature_journal_needs_recovery(fs->super)) {
		snprintf(
			err, errlen,
			"%s has a journal to replay (was the image taken from a running system?): check it with e2fsck first",
			what);
		ext2fs_close_free(&fs);
		return -EINVAL;
	}
	c = ext2fs_read_bitmaps(fs);
	if (c) {
		snprintf(err, errlen, "%s: cannot read its bitmaps: %s", what,
			 error_message(c));
		ext2fs_close_free(&fs);
		return -EIO;
	}
	e->fs = fs;
	return 0;
}

int image_ext4_close(struct image_ext4 *e, char *err, size_t errlen)
{
	ext2_filsys fs = e->fs;
	errcode_t c;

	if (!fs)
		return 0;
	e->fs = NULL;
	c = ext2fs_close_free(&fs);
	if (c) {
		snprintf(err, errlen, "%s: cannot write it out: %s", e->what,
			 error_message(c));
		return as_errno(c);
	}
	return 0;
}

/* The inode of path (symlinks followed), or an error code. */
static errcode_t lookup(struct image_ext4 *e, const char *path, ext2_ino_t *ino)
{
	return ext2fs_namei_follow(e->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path,
				   ino);
}

/* "/a/b/c" -> the inode of "/a/b" and "c". */
static errcode_t parent_of(struct image_ext4 *e, const char *path,
			   ext2_ino_t *dir, const char **base)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || !slash[1])
		return EXT2_ET_FILE_NOT_FOUND;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	*base = slash + 1;
	if (!parent[0]) {
		*dir = EXT2_ROOT_INO;
		return 0;
	}
	return lookup(e, parent, dir);
}

long image_ext4_read(struct image_ext4 *e, const char *path, char *buf,
		     size_t cap, char *err, size_t errlen)
{
	ext2_ino_t ino;
	ext2_file_t f;
	unsigned int got = 0;
	errcode_t c = lookup(e, path, &ino);

	if (!c)
		c = ext2fs_file_open(e->fs, ino, 0, &f);
	if (c)
		return fail(e, c, "read", path, err, errlen);
	c = ext2fs_file_read(f, buf, (unsigned int)(cap - 1), &got);
	ext2fs_file_close(f);
	if (c)
		return fail(e, c, "read", path, err, errlen);
	buf[got] = '\0';
	return (long)got;
}

static bool mode_of(struct image_ext4 *e, const char *path, __u16 *mode)
{
	struct ext2_inode in;
	ext2_ino_t ino;

	if (lookup(e, path, &ino) || ext2fs_read_inode(e->fs, ino, &in))
		return false;
	*mode = in.i_mode;
	return true;
}

bool image_ext4_is_dir(struct image_ext4 *e, const char *path)
{
	__u16 m;

	return mode_of(e, path, &m) && LINUX_S_ISDIR(m);
}

bool image_ext4_exists(struct image_ext4 *e, const char *path)
{
	ext2_ino_t dir, ino;
	const char *base;

	/* the entry itself (a dangling symlink exists too) */
	return !parent_of(e, path, &dir, &base) &&
	       !ext2fs_lookup(e->fs, dir, base, (int)strlen(base), NULL, &ino);
}

static errcode_t set_owner(struct image_ext4 *e, ext2_ino_t ino,
			   unsigned int mode, unsigned int uid,
			   unsigned int gid)
{
	struct ext2_inode in;
	errcode_t c = ext2fs_read_inode(e->fs, ino, &in);

	if (c)
		return c;
	in.i_mode = (__u16)((in.i_mode & LINUX_S_IFMT) | (mode & 07777));
	in.i_uid = (__u16)uid;
	ext2fs_set_i_uid_high(in, uid >> 16);
	in.i_gid = (__u16)gid;
	ext2fs_set_i_gid_high(in, gid >> 16);
	return ext2fs_write_inode(e->fs, ino, &in);
}

int image_ext4_mkdir(struct image_ext4 *e, const char *path, unsigned int mode,
		     unsigned int uid, unsigned int gid, char *err,
		     size_t errlen)
{
	char part[PATH_MAX];
	ext2_ino_t cur = EXT2_ROOT_INO, next;
	const char *p = path;
	errcode_t c = 0;

	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		p += n;
		c = ext2fs_namei_follow(e->fs, EXT2_ROOT_INO, cur, part, &next);
		if (c == EXT2_ET_FILE_NOT_FOUND) {
			c = ext2fs_mkdir(e->fs, cur, 0, part);
			if (c == EXT2_ET_DIR_NO_SPACE) {
				c = ext2fs_expand_dir(e->fs, cur);
				if (!c)
					c = ext2fs_mkdir(e->fs, cur, 0, part);
			}
			if (!c)
				c = ext2fs_namei(e->fs, EXT2_ROOT_INO, cur,
						 part, &next);
		}
		if (c)
			return fail(e, c, "create the directory", path, err,
				    errlen);
		cur = next;
	}
	c = set_owner(e, cur, mode, uid, gid);
	return c ? fail(e, c, "set the owner of", path, err, errlen) : 0;
}

/* Unlinks dir/base (inode ino) and frees the inode when it was the last. */
static errcode_t kill_entry(struct image_ext4 *e, ext2_ino_t dir,
			    const char *base, ext2_ino_t ino)
{
	struct ext2_inode in;
	errcode_t c = ext2fs_read_inode(e->fs, ino, &in);

	if (c)
		return c;
	if (LINUX_S_ISDIR(in.i_mode))
		return EXT2_ET_NO_DIRECTORY; /* never a directory */
	c = ext2fs_unlink(e->fs, dir, base, ino, 0);
	if (c)
		return c;
	if (in.i_links_count > 1) {
		in.i_links_count--;
		return ext2fs_write_inode(e->fs, ino, &in);
	}
	in.i_links_count = 0;
	if (ext2fs_inode_has_valid_blocks2(e->fs, &in)) {
		c = ext2fs_punch(e->fs, ino, &in, NULL, 0, ~0ULL);
		if (c)
			return c;
	}
	in.i_dtime = (__u32)time(NULL);
	c = ext2fs_write_inode(e->fs, ino, &in);
	if (!c)
		ext2fs_inode_alloc_stats2(e->fs, ino, -1, 0);
	return c;
}

int image_ext4_remove(struct image_ext4 *e, const char *path, char *err,
		      size_t errlen)
{
	ext2_ino_t dir, ino;
	const char *base;
	errcode_t c = parent_of(e, path, &dir, &base);

	if (c == EXT2_ET_FILE_NOT_FOUND)
		return 0;
	if (!c) {
		c = ext2fs_lookup(e->fs, dir, base, (int)strlen(base), NULL,
				  &ino);
		if (c == EXT2_ET_FILE_NOT_FOUND)
			return 0;
	}
	if (!c)
		c = kill_entry(e, dir, base, ino);
	return c ? fail(e, c, "remove", path, err, errlen) : 0;
}

static errcode_t link_new(struct image_ext4 *e, ext2_ino_t dir,
			  const char *base, ext2_ino_t ino, int type)
{
	errcode_t c = ext2fs_link(e->fs, dir, base, ino, type);

	if (c == EXT2_ET_DIR_NO_SPACE) {
		c = ext2fs_expand_dir(e->fs, dir);
		if (!c)
			c = ext2fs_link(e->fs, dir, base, ino, type);
	}
	return c;
}

static errcode_t create_file(struct image_ext4 *e, ext2_ino_t dir,
			     const char *base, const void *data, size_t len,
			     unsigned int mode)
{
	ext2_filsys fs = e->fs;
	struct ext2_inode in;
	ext2_ino_t ino;
	ext2_file_t f;
	unsigned int done = 0;
	errcode_t c = ext2fs_new_inode(fs, dir, LINUX_S_IFREG | 0600, 0, &ino);

	if (!c)
		c = link_new(e, dir, base, ino, EXT2_FT_REG_FILE);
	if (c)
		return c;
	ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
	memset(&in, 0, sizeof(in));
	in.i_mode = (__u16)(LINUX_S_IFREG | (mode & 07777));
	in.i_atime = in.i_ctime = in.i_mtime = (__u32)time(NULL);
	in.i_links_count = 1;
	if (ext2fs_has_feature_inline_data(fs->super)) {
		in.i_flags |= EXT4_INLINE_DATA_FL;
	} else if (ext2fs_has_feature_extents(fs->super)) {
		ext2_extent_handle_t h;

		c = ext2fs_extent_open2(fs, ino, &in, &h);
		if (c)
			return c;
		ext2fs_extent_free(h);
	}
	c = ext2fs_write_new_inode(fs, ino, &in);
	if (!c && (in.i_flags & EXT4_INLINE_DATA_FL))
		c = ext2fs_inline_data_init(fs, ino);
	if (!c)
		c = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &f);
	if (c)
		return c;
	while (!c && done < len) {
		unsigned int w = 0;

		c = ext2fs_file_write(f, (const char *)data + done,
				      (unsigned int)(len - done), &w);
		done += w;
		if (!c && !w)
			c = EXT2_ET_SHORT_WRITE;
	}
	if (!c)
		c = ext2fs_file_close(f);
	else
		ext2fs_file_close(f);
	return c;
}

int image_ext4_write(struct image_ext4 *e, const char *path, const void *data,
		     size_t len, unsigned int mode, unsigned int uid,
		     unsigned int gid, char *err, size_t errlen)
{
	ext2_ino_t dir, ino;
	const char *base;
	errcode_t c = parent_of(e, path, &dir, &base);

	if (!c &&
	    !ext2fs_lookup(e->fs, dir, base, (int)strlen(base), NULL, &ino))
		c = kill_entry(e, dir, base, ino);
	if (!c)
		c = create_file(e, dir, base, data, len, mode);
	if (!c &&
	    !ext2fs_lookup(e->fs, dir, base, (int)strlen(base), NULL, &ino))
		c = set_owner(e, ino, mode, uid, gid);
	return c ? fail(e, c, "write", path, err, errlen) : 0;
}

int image_ext4_symlink(struct image_ext4 *e, const char *path,
		       const char *target, char *err, size_t errlen)
{
	ext2_ino_t dir, ino;
	const char *base;
	errcode_t c = parent_of(e, path, &dir, &base);

	if (!c &&
	    !ext2fs_lookup(e->fs, dir, base, (int)strlen(base), NULL, &ino))
		c = kill_entry(e, dir, base, ino);
	if (!c) {
		c = ext2fs_symlink(e->fs, dir, 0, base, target);
		if (c == EXT2_ET_DIR_NO_SPACE) {
			c = ext2fs_expand_dir(e->fs, dir);
			if (!c)
				c = ext2fs_symlink(e->fs, dir, 0, base, target);
		}
	}
	return c ? fail(e, c, "create the symlink", path, err, errlen) : 0;
}

struct list_ctx {
	char *buf;
	size_t cap, len;
};

static int list_one(struct ext2_dir_entry *d, int offset, int blocksize,
		    char *b, void *arg)
{
	struct list_ctx *l = arg;
	int n = ext2fs_dirent_name_len(d);
	int w;

	if ((n == 1 && d->name[0] == '.') ||
	    (n == 2 && d->name[0] == '.' && d->name[1] == '.'))
		return 0;
	w = snprintf(l->buf + l->len, l->cap - l->len, "%s%.*s",
		     l->len ? " " : "", n, d->name);
	if (w > 0 && (size_t)w < l->cap - l->len)
		l->len += (size_t)w;
	return 0;
}

int image_ext4_list(struct image_ext4 *e, const char *dir, char *buf,
		    size_t cap)
{
	struct list_ctx l = { buf, cap, 0 };
	ext2_ino_t ino;
	errcode_t c;

	buf[0] = '\0';
	c = lookup(e, dir, &ino);
	if (!c)
		c = ext2fs_dir_iterate(e->fs, ino, 0, NULL, list_one, &l);
	return c ? as_errno(c) : 0;
}

int image_ext4_elf_machine(struct image_ext4 *e, const char *path)
{
	unsigned char h[20];
	ext2_ino_t ino;
	ext2_file_t f;
	unsigned int got = 0;
	errcode_t c = lookup(e, path, &ino);

	if (!c)
		c = ext2fs_file_open(e->fs, ino, 0, &f);
	if (c)
		return as_errno(c);
	c = ext2fs_file_read(f, h, sizeof(h), &got);
	ext2fs_file_close(f);
	if (c)
		return as_errno(c);
	if (got < sizeof(h) || memcmp(h, "\177ELF", 4))
		return -ENOEXEC;
	/* e_machine, in the file's byte order */
	return h[5] == 2 ? (h[18] << 8 | h[19]) : (h[19] << 8 | h[18]);
}
