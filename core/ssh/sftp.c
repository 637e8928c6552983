// SPDX-License-Identifier: GPL-2.0
/*
 * The SFTP channel as one long-lived op of the session. It holds the
 * session's channel token only while the channel opens (the subsystem then
 * runs until we end it) and again while it ends, since sftp-server exiting
 * is a child exit that dropbear 2022.83 must not see beside a channel being
 * opened (ssh_int.h).
 */
#include "core/ssh/sftp.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/reqq.h"
#include "core/ssh/ssh_int.h"

enum conn_state {
	CS_INIT,
	CS_READY,
	CS_EOF, /* ending: stdin EOF to sftp-server, wait for it to exit */
	CS_SHUTDOWN,
};

enum put_state {
	PS_OPEN,
	PS_WRITE,
	PS_FSTAT,
	PS_CLOSE,
	PS_UNLINK, /* cancelled or failed: remove the partial file */
};

struct sftp_put {
	struct reqq_item item;
	enum put_state st;
	int fd;
	char *local, *remote;
	int mode;
	LIBSSH2_SFTP_HANDLE *h;
	bool eof, failed;
	uint64_t total, sent, remote_size;
	size_t len, off;
	EVP_MD_CTX *md;
	char msg[1024];
	sftp_progress_fn progress;
	sftp_put_fn done;
	void *arg;
};

struct conn_op {
	struct ssh_op op;
	struct sftp_conn *c; /* NULL once the owner let go */
	enum conn_state st;
	LIBSSH2_SFTP *sftp;
	bool eof_sent;
};

struct sftp_conn {
	struct ssh_session *s;
	struct conn_op *op;
	struct reqq puts; /* of sftp_put; the head is written when op is */
	char *buf; /* SFTP_CHUNK bytes, shared by the puts (one at a time) */
};

static struct sftp_put *put_of(struct reqq_item *it)
{
	return it ? reqq_entry(it, struct sftp_put, item) : NULL;
}

static void put_free(struct sftp_put *p)
{
	if (p->fd >= 0)
		close(p->fd);
	EVP_MD_CTX_free(p->md);
	free(p->local);
	free(p->remote);
	free(p);
}

static void put_fail_cb(struct reqq_item *it, const char *msg)
{
	struct sftp_put *p = put_of(it);

	if (p->done)
		p->done(p->arg, -ECONNRESET, NULL, msg);
}

static void put_free_cb(struct reqq_item *it)
{
	put_free(put_of(it));
}

static const struct reqq_ops put_ops = {
	.fail = put_fail_cb,
	.free = put_free_cb,
};

static struct sftp_put *head(struct sftp_conn *c)
{
	return put_of(reqq_head(&c->puts));
}

/* Every queued put fails with msg (silently with msg NULL). */
static void fail_puts(struct sftp_conn *c, const char *msg)
{
	reqq_fail_all(&c->puts, msg);
}

static const char *sftp_err(struct conn_op *o)
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
	unsigned long e = o->sftp ? libssh2_sftp_last_error(o->sftp) : 0;

	if (e && e < sizeof(names) / sizeof(names[0]))
		return names[e];
	return ssh_last_error(o->op.s);
}

/* The head put is finished: report (unless cancelled), free, go on. */
static void put_end(struct sftp_conn *c, int rc)
{
	struct sftp_put *p = put_of(reqq_pop(&c->puts));
	struct sftp_put_result r = { 0 };
	unsigned char md[32];

	if (!p)
		return;
	if (!p->item.cancelled && p->done) {
		if (rc == 0) {
			r.size = p->total;
			r.remote_size = p->remote_size;
			EVP_DigestFinal_ex(p->md, md, NULL);
			digest_hex(md, r.sha);
		}
		p->done(p->arg, rc, rc ? NULL : &r, p->msg);
	}
	put_free(p);
}

/*
 * A failed SFTP request: session errors are the session's (the op then
 * fails as a whole); others end this put, after removing its file.
 */
static enum op_ret put_error(struct conn_op *o, struct sftp_put *p, int rc,
			     const char *what)
{
	if (ssh_fatal(o->op.s, rc, what))
		return OP_WAIT;
	snprintf(p->msg, sizeof(p->msg), "upload of %s to %s: %s failed: %s",
		 p->local, p->remote, what, sftp_err(o));
	p->failed = true;
	/*
	 * Through PS_CLOSE: a close that returns EAGAIN must be repeated
	 * before the unlink is sent on the same channel.
	 */
	p->st = PS_CLOSE;
	return OP_MORE;
}

/* Fills the shared buffer from the local file and feeds the digest. */
static int fill(struct sftp_conn *c, struct sftp_put *p)
{
	ssize_t n;

	p->len = p->off = 0;
	while (p->len < SFTP_CHUNK) {
		n = read(p->fd, c->buf + p->len, SFTP_CHUNK - p->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			p->eof = true;
			break;
		}
		EVP_DigestUpdate(p->md, c->buf + p->len, (size_t)n);
		p->len += (size_t)n;
	}
	return 0;
}

static enum op_ret put_step(struct conn_op *o, struct sftp_put *p)
{
	struct sftp_conn *c = o->c;
	LIBSSH2_SESSION *ss = ssh_raw(o->op.s);
	LIBSSH2_SFTP_ATTRIBUTES a;
	ssize_t n;
	int rc;

	/*
	 * A cancel takes effect between libssh2 calls: one that returned
	 * EAGAIN must be repeated as it was (its request is half sent).
	 */
	switch (p->st) {
	case PS_OPEN:
		p->h = libssh2_sftp_open_ex(
			o->sftp, p->remote, (unsigned)strlen(p->remote),
			LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				LIBSSH2_FXF_TRUNC,
			p->mode, LIBSSH2_SFTP_OPENFILE);
		if (!p->h) {
			rc = libssh2_session_last_errno(ss);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			if (ssh_fatal(o->op.s, rc, "creating the file"))
				return OP_WAIT;
			snprintf(
				p->msg, sizeof(p->msg),
				"upload of %s to %s: creating the file failed: %s",
				p->local, p->remote, sftp_err(o));
			put_end(c, -EIO);
			return OP_MORE;
		}
		p->st = p->item.cancelled ? PS_CLOSE : PS_WRITE;
		return OP_MORE;
	case PS_WRITE:
		if (p->off == p->len && p->item.cancelled) {
			p->st = PS_CLOSE;
			return OP_MORE;
		}
		if (p->off == p->len) {
			if (p->eof) {
				p->st = PS_FSTAT;
				return OP_MORE;
			}
			rc = fill(c, p);
			if (rc) {
				snprintf(p->msg, sizeof(p->msg),
					 "upload: cannot read %s: %s", p->local,
					 strerror(-rc));
				p->failed = true;
				p->st = PS_CLOSE;
				return OP_MORE;
			}
			if (p->len == 0)
				return OP_MORE;
		}
		/* EAGAIN: the same call again, with the same arguments */
		n = libssh2_sftp_write(p->h, c->buf + p->off, p->len - p->off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (n < 0)
			return put_error(o, p, (int)n, "writing");
		p->off += (size_t)n;
		p->sent += (uint64_t)n;
		if (p->progress && n > 0 && !p->item.cancelled)
			p->progress(p->arg, p->sent, p->total);
		return OP_MORE;
	case PS_FSTAT:
		/* What the target holds, not what we sent: a short disk shows. */
		rc = libssh2_sftp_fstat_ex(p->h, &a, 0);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (rc)
			return put_error(o, p, rc, "reading the file's size");
		p->remote_size = (a.flags & LIBSSH2_SFTP_ATTR_SIZE) ?
					 a.filesize :
					 (uint64_t)-1;
		p->st = PS_CLOSE;
		return OP_MORE;
	case PS_CLOSE:
		if (p->h) {
			rc = libssh2_sftp_close_handle(p->h);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			p->h = NULL;
			if (rc && !p->item.cancelled && !p->failed)
				return put_error(o, p, rc, "closing the file");
		}
		if (p->item.cancelled || p->failed) {
			p->st = PS_UNLINK;
			return OP_MORE;
		}
		put_end(c, 0);
		return OP_MORE;
	case PS_UNLINK:
		rc = libssh2_sftp_unlink_ex(o->sftp, p->remote,
					    (unsigned)strlen(p->remote));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		/* A file that was never created is fine too. */
		put_end(c, -EIO);
		return OP_MORE;
	}
	return OP_WAIT;
}

static enum op_ret conn_step(struct ssh_op *op)
{
	struct conn_op *o = (struct conn_op *)op;
	LIBSSH2_SESSION *ss = ssh_raw(op->s);
	LIBSSH2_CHANNEL *ch;
	char drain[4096];
	ssize_t n;
	int rc;

	/* The owner let go, or the channel is not wanted any more. */
	if ((!o->c || op->cancelled) && o->st == CS_READY)
		o->st = CS_EOF;
	if (op->cancelled && o->st == CS_INIT)
		return OP_DONE;
	switch (o->st) {
	case CS_INIT:
		o->sftp = libssh2_sftp_init(ss);
		if (!o->sftp) {
			char msg[512];

			rc = libssh2_session_last_errno(ss);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			if (ssh_fatal(op->s, rc, "starting SFTP"))
				return OP_WAIT;
			snprintf(
				msg, sizeof(msg),
				"starting SFTP failed (is the target's sftp-server installed?): %s",
				ssh_last_error(op->s));
			if (o->c) {
				o->c->op = NULL;
				fail_puts(o->c, msg);
			}
			return OP_DONE;
		}
		/* sftp-server runs until we end it: others may open now. */
		ssh_op_release_token(op);
		o->st = CS_READY;
		return OP_MORE;
	case CS_READY:
		if (!head(o->c))
			return OP_WAIT;
		return put_step(o, head(o->c));
	case CS_EOF:
		if (!o->eof_sent) {
			/* Ending sftp-server is a child exit: take the token. */
			if (!op->cancelled && !op->holds_token) {
				op->token = SSH_TOKEN_WHOLE;
				/* back at once if the token is free */
				ssh_kick(op->s);
				return OP_WAIT;
			}
			ch = libssh2_sftp_get_channel(o->sftp);
			rc = libssh2_channel_send_eof(ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			o->eof_sent = true;
			op->wants_read = true;
		}
		ch = libssh2_sftp_get_channel(o->sftp);
		while ((n = libssh2_channel_read(ch, drain, sizeof(drain))) > 0)
			;
		if (!libssh2_channel_eof(ch) && n == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		op->wants_read = false;
		o->st = CS_SHUTDOWN;
		return OP_MORE;
	case CS_SHUTDOWN:
		rc = libssh2_sftp_shutdown(o->sftp);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		o->sftp = NULL;
		return OP_DONE;
	}
	return OP_WAIT;
}

/*
 * The connection is gone: libssh2_session_free() frees the channels, not
 * the SFTP handles nor the SFTP replies libssh2 keeps. The put's handle
 * holds the writes still in flight (the pipeline's worth, hundreds of
 * KiB): a close on a dead connection fails at once and frees it all,
 * and a shutdown frees the replies.
 */
static void drop_sftp(struct conn_op *o)
{
	struct sftp_put *p = o->c ? head(o->c) : NULL;

	if (p && p->h) {
		libssh2_sftp_close_handle(p->h);
		p->h = NULL;
	}
	if (o->sftp) {
		libssh2_sftp_shutdown(o->sftp);
		o->sftp = NULL;
	}
}

static void conn_fail(struct ssh_op *op, const char *msg)
{
	struct conn_op *o = (struct conn_op *)op;

	drop_sftp(o);
	if (o->c) {
		o->c->op = NULL;
		fail_puts(o->c, msg);
		o->c = NULL;
	}
}

static void conn_destroy(struct ssh_op *op)
{
	struct conn_op *o = (struct conn_op *)op;

	if (o->c && o->c->op == o)
		o->c->op = NULL;
	free(o);
}

static const struct ssh_op_ops conn_ops = {
	.step = conn_step,
	.fail = conn_fail,
	.destroy = conn_destroy,
};

/* The channel, opened on the first put and after a reconnect. */
static int ensure_op(struct sftp_conn *c)
{
	struct conn_op *o;

	if (c->op)
		return 0;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->c = c;
	o->op.ops = &conn_ops;
	o->op.token = SSH_TOKEN_OPEN;
	c->op = o;
	ssh_op_add(c->s, &o->op);
	return 0;
}

int sftp_conn_warm(struct sftp_conn *c)
{
	if (!c->s)
		return -ENOTCONN;
	if (ensure_op(c) < 0)
		return -ENOMEM;
	ssh_kick(c->s);
	return 0;
}

struct sftp_conn *sftp_conn_new(struct ssh_session *s)
{
	struct sftp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->buf = malloc(SFTP_CHUNK);
	if (!c->buf) {
		free(c);
		return NULL;
	}
	c->s = s;
	reqq_init(&c->puts, &put_ops);
	return c;
}

/* Lets go of the channel: an idle one ends by itself, a busy one now. */
static void release_op(struct sftp_conn *c)
{
	struct conn_op *o = c->op;

	c->op = NULL;
	if (!o)
		return;
	if (head(c) && o->st == CS_READY)
		ssh_op_cancel(&o->op); /* a write in flight: no clean end */
	o->c = NULL;
	ssh_kick(o->op.s);
}

void sftp_conn_free(struct sftp_conn *c)
{
	if (!c)
		return;
	release_op(c);
	fail_puts(c, NULL);
	free(c->buf);
	free(c);
}

void sftp_conn_set_session(struct sftp_conn *c, struct ssh_session *s)
{
	if (c->s == s)
		return;
	release_op(c);
	fail_puts(c, NULL);
	c->s = s;
}

struct sftp_put *sftp_put(struct sftp_conn *c, const char *local,
			  const char *remote, int mode,
			  sftp_progress_fn progress, sftp_put_fn done,
			  void *arg, char *err, size_t errlen)
{
	struct sftp_put *p = calloc(1, sizeof(*p));
	struct stat st;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->fd = open(local, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0 || fstat(p->fd, &st)) {
		snprintf(err, errlen, "cannot upload %s: %s", local,
			 strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot upload %s: not a regular file",
			 local);
		goto fail;
	}
	if (!c->s) {
		snprintf(err, errlen, "cannot upload %s: not connected", local);
		goto fail;
	}
	snprintf(err, errlen, "out of memory");
	p->local = strdup(local);
	p->remote = strdup(remote);
	p->md = EVP_MD_CTX_new();
	if (!p->local || !p->remote || !p->md ||
	    !EVP_DigestInit_ex(p->md, EVP_sha256(), NULL) || ensure_op(c))
		goto fail;
	p->mode = mode >= 0 ? mode : (int)(st.st_mode & 0777);
	p->total = (uint64_t)st.st_size;
	p->progress = progress;
	p->done = done;
	p->arg = arg;
	reqq_push(&c->puts, &p->item);
	ssh_kick(c->s);
	return p;
fail:
	put_free(p);
	return NULL;
}

void sftp_put_cancel(struct sftp_conn *c, struct sftp_put *p)
{
	/* The one on the wire: it ends, then removes its file. */
	if (reqq_cancel(&c->puts, &p->item, c->op != NULL) && c->s)
		ssh_kick(c->s);
}
