/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module source's git commit, for a benchmark's history: the commit
 * of the repository the module directory is in, whether the directory has
 * changes not committed (tracked or not), and a hash of those changes, so
 * that two dirty runs of the same commit tell apart. git itself answers
 * (run as an argv, never through a shell): a worktree, whose .git is a
 * file, or a repository with packed refs are git's business.
 */
#ifndef KMDASH_GITREV_H
#define KMDASH_GITREV_H

#include <stdbool.h>

struct loop;
struct gitrev_op;

struct gitrev {
	char commit[48]; /* the full hash, "" when unknown */
	bool dirty;
	char diff_hash[16]; /* 12 hex digits of SHA-256, "" when clean */
	char note[96]; /* why the commit is unknown, "" when known */
};

typedef void (*gitrev_fn)(void *arg, const struct gitrev *rev);

/*
 * Starts git in dir (git rev-parse HEAD, then status and diff of dir);
 * fn is called once from the loop. NULL dir: fn is called at once with a
 * note. NULL when out of memory.
 */
struct gitrev_op *gitrev_start(struct loop *loop, const char *dir, gitrev_fn fn,
			       void *arg);
/* No callback after; safe inside one. */
void gitrev_cancel(struct gitrev_op *op);

#endif
