/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SFTP upload over a session (core/ssh.h): written under a temporary name
 * next to the destination with large pipelined writes, verified by size
 * and SHA-256 (the target's `sha256sum`), then renamed into place. A
 * mismatch removes the temporary file and reports both digests.
 */
#ifndef KMDASH_SFTP_H
#define KMDASH_SFTP_H

#include <stddef.h>
#include <stdint.h>

#include "ssh.h"

#define SFTP_CHUNK (1u << 20) /* bytes per libssh2_sftp_write call */

typedef void (*sftp_progress_fn)(void *arg, uint64_t done, uint64_t total);
/* rc 0: msg describes the upload; rc < 0: msg says what failed. */
typedef void (*sftp_done_fn)(void *arg, int rc, const char *msg);

/*
 * mode < 0: the local file's permission bits. NULL with a reason in err
 * when the local file cannot be used.
 */
struct ssh_op *sftp_upload(struct ssh_session *s, const char *local,
			   const char *remote, int mode,
			   sftp_progress_fn progress, sftp_done_fn done,
			   void *arg, char *err, size_t errlen);

#endif
