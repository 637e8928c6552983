/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verified uploads: each file is written under a temporary name next to
 * its destination over an SFTP channel (core/ssh/sftp.h), its size read back,
 * then the target's sha256sum checks it in a remote shell (core/ssh/rshell.h)
 * and it is renamed into place. A mismatch removes the temporary file and
 * reports both digests. While one file is verified the next is written.
 * The channel and the shell are borrowed: a session keeps both open.
 */
#ifndef KMDASH_UPLOAD_H
#define KMDASH_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ssh/sftp.h"

struct rshell;
struct upload;

/* rc 0: msg describes the last file; rc < 0: msg says what failed. */
typedef void (*upload_done_fn)(void *arg, int rc, const char *msg);

struct upload *upload_new(struct sftp_conn *sc, struct rshell *sh);
/* Cancels what still runs (no callback); temporary files are removed. */
void upload_free(struct upload *u);

/* Before upload_start(). mode < 0: the local file's permission bits. */
int upload_add(struct upload *u, const char *local, const char *remote,
	       int mode, char *err, size_t errlen);
/* Starts the writes; also opens the shell now, so it is ready at the end. */
int upload_start(struct upload *u, char *err, size_t errlen);
/*
 * Who hears about it: progress over all files, done once. Set after the
 * start too (an upload started ahead of need); done comes at once (from
 * this call) when the upload already ended.
 */
void upload_listen(struct upload *u, sftp_progress_fn progress,
		   upload_done_fn done, void *arg);
uint64_t upload_total(const struct upload *u);

#endif
