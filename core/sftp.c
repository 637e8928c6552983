// SPDX-License-Identifier: GPL-2.0
/* SFTP upload: temp name, pipelined writes, sha256 verify, rename. */
#include "sftp.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh_int.h"

#include "quote.h"

enum up_state {
	UP_INIT,
	UP_OPEN,
	UP_WRITE,
	UP_CLOSE,
	UP_EOF, /* stdin EOF to sftp-server, wait for it to exit */
	UP_SHUTDOWN,
	UP_VERIFY, /* waiting for the verify-and-rename exec */
	UP_DONE,
};

struct upload_op {
	struct ssh_op op;
	enum up_state st;
	int fd;
	char *local, *remote, *tmp, *qtmp, *qremote;
	int mode;
	LIBSSH2_SFTP *sftp;
	LIBSSH2_SFTP_HANDLE *h;
	char *buf;
	size_t len, off;
	bool eof, eof_sent;
	uint64_t total, sent;
	EVP_MD_CTX *md;
	char sha[65];
	int rc;
	char msg[1024];
	sftp_progress_fn progress;
	sftp_done_fn done;
	void *arg;
};

static void up_report(struct upload_op *u, int rc, const char *msg)
{
	if (u->done && !u->op.cancelled)
		u->done(u->arg, rc, msg);
	u->done = NULL;
}

static void up_fail(struct ssh_op *op, const char *msg)
{
	up_report((struct upload_op *)op, -ECONNRESET, msg);
}

static void up_destroy(struct ssh_op *op)
{
	struct upload_op *u = (struct upload_op *)op;

	if (u->fd >= 0)
		close(u->fd);
	EVP_MD_CTX_free(u->md);
	free(u->local);
	free(u->remote);
	free(u->tmp);
	free(u->qtmp);
	free(u->qremote);
	free(u->buf);
	free(u);
}

static const char *sftp_err(struct upload_op *u)
{
	static const char *const names[] = {
		"ok",
		"end of file",
		"no such file or directory",
		"permission denied",
		"failure",
		"bad message",
		"no connection",
		"connection lost",
		"operation unsupported",
		"invalid handle",
		"no such path",
		"file already exists",
		"write protected",
		"no media",
		"no space on filesystem",
		"quota exceeded",
		"unknown principal",
		"lock conflict",
		"directory not empty",
		"not a directory",
		"invalid filename",
		"link loop",
	};
	unsigned long e = u->sftp ? libssh2_sftp_last_error(u->sftp) : 0;

	if (e && e < sizeof(names) / sizeof(names[0]))
		return names[e];
	return ssh_last_error(u->op.s);
}

/* A failed step: session errors are the session's; others end the op. */
static enum op_ret up_error(struct upload_op *u, int rc, const char *what)
{
	if (ssh_fatal(u->op.s, rc, what))
		return OP_WAIT;
	snprintf(u->msg, sizeof(u->msg), "upload of %s to %s: %s failed: %s",
		 u->local, u->remote, what, sftp_err(u));
	u->rc = -EIO;
	/* best effort: leave no temp file behind */
	if (u->h)
		libssh2_sftp_close_handle(u->h);
	u->h = NULL;
	up_report(u, u->rc, u->msg);
	return OP_DONE;
}

/*
 * One remote shell checks the digest and size and renames into place (or
 * removes the temporary file): a remote command costs a shell start-up,
 * which can dwarf the transfer on a loaded target.
 */
static void verify_done(void *arg, int rc, const struct ssh_exec_result *r,
			const char *msg)
{
	struct upload_op *u = arg;
	const char *bad;
	char sha[65] = "";
	unsigned long long size = 0;

	if (rc) {
		snprintf(u->msg, sizeof(u->msg),
			 "upload of %s: verify failed: %s", u->local, msg);
		u->rc = rc;
	} else if (r->exit_status == 0 && strstr(r->out, "KMDASH-OK")) {
		snprintf(u->msg, sizeof(u->msg),
			 "uploaded %s to %s: %llu bytes, sha256 %s verified",
			 u->local, u->remote, (unsigned long long)u->total,
			 u->sha);
		u->rc = 0;
	} else if ((bad = strstr(r->out, "KMDASH-BAD"))) {
		sscanf(bad, "KMDASH-BAD %64s %llu", sha, &size);
		snprintf(
			u->msg, sizeof(u->msg),
			"upload of %s to %s FAILED VERIFICATION: local %llu bytes sha256 %s, remote %llu bytes sha256 %s; the remote copy was removed",
			u->local, u->remote, (unsigned long long)u->total,
			u->sha, size, *sha ? sha : "(none: sha256sum failed)");
		u->rc = -EIO;
	} else {
		snprintf(
			u->msg, sizeof(u->msg),
			"upload of %s: verifying or renaming %s on the target failed (exit %d): %.300s",
			u->local, u->tmp, r->exit_status, r->err);
		u->rc = -EIO;
	}
	up_report(u, u->rc, u->msg);
	u->st = UP_DONE;
	ssh_kick(u->op.s);
}

/* Fills the buffer from the local file and feeds the digest. */
static int fill(struct upload_op *u)
{
	ssize_t n;

	u->len = u->off = 0;
	while (u->len < SFTP_CHUNK) {
		n = read(u->fd, u->buf + u->len, SFTP_CHUNK - u->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			u->eof = true;
			break;
		}
		EVP_DigestUpdate(u->md, u->buf + u->len, (size_t)n);
		u->len += (size_t)n;
	}
	return 0;
}

static enum op_ret up_step(struct ssh_op *op)
{
	struct upload_op *u = (struct upload_op *)op;
	LIBSSH2_SESSION *ss = ssh_raw(op->s);
	unsigned char md[32];
	char cmd[8192];
	ssize_t n;
	int rc;

	if (op->cancelled && u->st < UP_CLOSE)
		u->st = UP_CLOSE;
	switch (u->st) {
	case UP_INIT:
		u->sftp = libssh2_sftp_init(ss);
		if (!u->sftp) {
			rc = libssh2_session_last_errno(ss);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			return up_error(
				u, rc,
				"starting SFTP (is the target's sftp-server installed?)");
		}
		u->st = UP_OPEN;
		return OP_MORE;
	case UP_OPEN:
		u->h = libssh2_sftp_open_ex(
			u->sftp, u->tmp, (unsigned)strlen(u->tmp),
			LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				LIBSSH2_FXF_TRUNC,
			u->mode, LIBSSH2_SFTP_OPENFILE);
		if (!u->h) {
			rc = libssh2_session_last_errno(ss);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			return up_error(u, rc, "creating the temporary file");
		}
		u->st = UP_WRITE;
		return OP_MORE;
	case UP_WRITE:
		if (u->off == u->len) {
			if (u->eof) {
				u->st = UP_CLOSE;
				return OP_MORE;
			}
			if (fill(u)) {
				snprintf(u->msg, sizeof(u->msg),
					 "upload: cannot read %s: %s", u->local,
					 strerror(errno));
				u->rc = -EIO;
				op->cancelled =
					true; /* clean up, then report */
				up_report(u, u->rc, u->msg);
				u->st = UP_CLOSE;
				return OP_MORE;
			}
			if (u->len == 0)
				return OP_MORE;
		}
		/* EAGAIN: the same call again, with the same arguments */
		n = libssh2_sftp_write(u->h, u->buf + u->off, u->len - u->off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (n < 0)
			return up_error(u, (int)n, "writing");
		u->off += (size_t)n;
		u->sent += (uint64_t)n;
		if (u->progress && n > 0 && !op->cancelled)
			u->progress(u->arg, u->sent, u->total);
		return OP_MORE;
	case UP_CLOSE:
		if (u->h) {
			rc = libssh2_sftp_close_handle(u->h);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			u->h = NULL;
			if (rc && !op->cancelled)
				return up_error(u, rc, "closing the file");
		}
		u->st = u->sftp ? UP_EOF : UP_SHUTDOWN;
		return OP_MORE;
	case UP_EOF: {
		/*
		 * Let the server end sftp-server by itself before the channel
		 * is closed: dropbear drops the whole connection when a
		 * channel close races with the subsystem's exit.
		 */
		LIBSSH2_CHANNEL *ch = libssh2_sftp_get_channel(u->sftp);
		char drain[4096];

		if (!u->eof_sent) {
			rc = libssh2_channel_send_eof(ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			u->eof_sent = true;
			op->wants_read = true;
		}
		while ((n = libssh2_channel_read(ch, drain, sizeof(drain))) > 0)
			;
		if (!libssh2_channel_eof(ch) && n == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		op->wants_read = false;
		u->st = UP_SHUTDOWN;
		return OP_MORE;
	}
	case UP_SHUTDOWN:
		if (u->sftp) {
			rc = libssh2_sftp_shutdown(u->sftp);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			u->sftp = NULL;
		}
		/* sftp-server has exited: the verify exec may open. */
		ssh_op_release_token(op);
		if (op->cancelled) {
			snprintf(cmd, sizeof(cmd), "rm -f %s", u->qtmp);
			ssh_exec(op->s, cmd, NULL, NULL);
			return OP_DONE;
		}
		EVP_DigestFinal_ex(u->md, md, NULL);
		for (int i = 0; i < 32; i++)
			snprintf(u->sha + 2 * i, 3, "%02x", md[i]);
		snprintf(
			cmd, sizeof(cmd),
			"f=%s; set -- $(sha256sum < \"$f\") $(wc -c < \"$f\"); "
			"if [ \"$1\" = %s ] && [ \"$3\" = %llu ]; then "
			"mv -f -- \"$f\" %s && echo KMDASH-OK; "
			"else echo \"KMDASH-BAD $1 $3\"; rm -f -- \"$f\"; exit 3; fi",
			u->qtmp, u->sha, (unsigned long long)u->total,
			u->qremote);
		u->st = UP_VERIFY;
		if (!ssh_exec(op->s, cmd, verify_done, u)) {
			up_report(u, -ENOMEM, "out of memory");
			return OP_DONE;
		}
		return OP_WAIT;
	case UP_VERIFY:
		return OP_WAIT;
	case UP_DONE:
	default:
		return OP_DONE;
	}
}

static const struct ssh_op_ops upload_ops = {
	.step = up_step,
	.fail = up_fail,
	.destroy = up_destroy,
};

static char *temp_name(const char *remote)
{
	const char *slash = strrchr(remote, '/');
	char *tmp;
	int dir = slash ? (int)(slash - remote + 1) : 0;

	if (asprintf(&tmp, "%.*s.%s.kmdash-%d.tmp", dir, remote,
		     slash ? slash + 1 : remote, (int)getpid()) < 0)
		return NULL;
	return tmp;
}

/* "-x" would read as an option: make it "./-x". */
static char *safe_path(const char *p)
{
	char *r;

	if (p[0] != '-')
		return strdup(p);
	if (asprintf(&r, "./%s", p) < 0)
		return NULL;
	return r;
}

struct ssh_op *sftp_upload(struct ssh_session *s, const char *local,
			   const char *remote, int mode,
			   sftp_progress_fn progress, sftp_done_fn done,
			   void *arg, char *err, size_t errlen)
{
	struct upload_op *u = calloc(1, sizeof(*u));
	struct stat st;
	char *rp = NULL;

	if (!u)
		return NULL;
	u->fd = open(local, O_RDONLY | O_CLOEXEC);
	if (u->fd < 0 || fstat(u->fd, &st)) {
		snprintf(err, errlen, "cannot upload %s: %s", local,
			 strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot upload %s: not a regular file",
			 local);
		goto fail;
	}
	snprintf(err, errlen, "out of memory");
	rp = safe_path(remote);
	u->local = strdup(local);
	u->remote = strdup(remote);
	u->tmp = rp ? temp_name(rp) : NULL;
	u->qtmp = u->tmp ? quote_sh_dup(u->tmp) : NULL;
	u->qremote = rp ? quote_sh_dup(rp) : NULL;
	u->buf = malloc(SFTP_CHUNK);
	u->md = EVP_MD_CTX_new();
	free(rp);
	if (!u->local || !u->remote || !u->qtmp || !u->qremote || !u->buf ||
	    !u->md || !EVP_DigestInit_ex(u->md, EVP_sha256(), NULL))
		goto fail;
	u->op.ops = &upload_ops;
	u->op.token = SSH_TOKEN_WHOLE;
	u->op.wants_read = false;
	u->mode = mode >= 0 ? mode : (int)(st.st_mode & 0777);
	u->total = (uint64_t)st.st_size;
	u->progress = progress;
	u->done = done;
	u->arg = arg;
	ssh_op_add(s, &u->op);
	return &u->op;
fail:
	up_destroy(&u->op);
	return NULL;
}
