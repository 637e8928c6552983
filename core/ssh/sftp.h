/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One SFTP channel of a session (core/ssh/ssh.h), kept open between uploads:
 * starting sftp-server costs a channel and a process on the target (~50 ms
 * on the emulated one), more than writing a module. Files are written one
 * after another with large pipelined writes, hashed (SHA-256) while read,
 * and their size on the target is read back before the handle closes.
 * Verifying the digest on the target and renaming into place is the
 * caller's (core/ssh/upload.h): that needs a shell, not SFTP.
 */
#ifndef KMDASH_SFTP_H
#define KMDASH_SFTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/digest.h"
#include "core/ssh/ssh.h"

#define SFTP_CHUNK (1u << 20) /* bytes per libssh2_sftp_write call */

struct sftp_conn;
struct sftp_put;

struct sftp_put_result {
	uint64_t size; /* bytes read from the local file */
	uint64_t remote_size; /* the remote file's size after the writes */
	char sha[DIGEST_HEX_LEN]; /* of the bytes read locally */
};

typedef void (*sftp_progress_fn)(void *arg, uint64_t done, uint64_t total);
/* rc 0: r is filled; rc < 0: msg says what failed (r is NULL). */
typedef void (*sftp_put_fn)(void *arg, int rc, const struct sftp_put_result *r,
			    const char *msg);

struct sftp_conn *sftp_conn_new(struct ssh_session *s);
/*
 * Queued puts are dropped without a callback; an idle channel is closed
 * the way dropbear needs (EOF, then wait for sftp-server to exit).
 */
void sftp_conn_free(struct sftp_conn *c);
/* A new connection (or none): the old channel and queued puts are dropped. */
void sftp_conn_set_session(struct sftp_conn *c, struct ssh_session *s);
/* Opens the channel and starts sftp-server now, before the first put. */
int sftp_conn_warm(struct sftp_conn *c);

/*
 * Writes local to remote (created or truncated; mode < 0: the local
 * permission bits). NULL with a reason in err when the local file cannot
 * be used or there is no session.
 */
struct sftp_put *sftp_put(struct sftp_conn *c, const char *local,
			  const char *remote, int mode,
			  sftp_progress_fn progress, sftp_put_fn done,
			  void *arg, char *err, size_t errlen);
/* No callback after; a partly written remote file is removed. */
void sftp_put_cancel(struct sftp_conn *c, struct sftp_put *p);

#endif
