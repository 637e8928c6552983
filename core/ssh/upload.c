// SPDX-License-Identifier: GPL-2.0
/* Verified uploads: SFTP writes, then sha256sum and mv in a remote shell. */
#include "core/ssh/upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/quote.h"
#include "core/ssh/rshell.h"

#define VERIFY_TIMEOUT_MS 60000
#define MAX_FILES 8

struct upload_file {
	struct upload *u;
	char *local, *remote, *tmp;
	int mode;
	uint64_t size;
	struct sftp_put *put;
	struct rshell_req *req;
	struct sftp_put_result res;
};

struct upload {
	struct sftp_conn *sc;
	struct rshell *sh;
	struct upload_file f[MAX_FILES];
	size_t n;
	size_t verified;
	uint64_t total, written; /* written: by the files before the current */
	bool started, ended;
	int rc;
	char msg[1024];
	sftp_progress_fn progress;
	upload_done_fn done;
	void *arg;
};

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

/*
 * The temporary names of remote: "dir/.name.kmdash-" then the writer's
 * PID and ".tmp". The PID keeps two kmdash apart; the prefix finds what
 * an upload cut short left (its connection gone, nothing removed it).
 */
#define TEMP_SUFFIX ".tmp"
static char *temp_prefix(const char *remote)
{
	const char *slash = strrchr(remote, '/');
	char *tmp;
	int dir = slash ? (int)(slash - remote + 1) : 0;

	if (asprintf(&tmp, "%.*s.%s.kmdash-", dir, remote,
		     slash ? slash + 1 : remote) < 0)
		return NULL;
	return tmp;
}

static char *temp_name(const char *remote)
{
	char *prefix = temp_prefix(remote), *tmp = NULL;

	if (prefix &&
	    asprintf(&tmp, "%s%d" TEMP_SUFFIX, prefix, (int)getpid()) < 0)
		tmp = NULL;
	free(prefix);
	return tmp;
}

struct upload *upload_new(struct sftp_conn *sc, struct rshell *sh)
{
	struct upload *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->sc = sc;
	u->sh = sh;
	return u;
}

/* Best effort: a file whose verify never ran must not stay behind. */
static void remove_temp(struct upload *u, struct upload_file *f)
{
	char *q = quote_sh_dup(f->tmp), *cmd;

	if (q && asprintf(&cmd, "rm -f -- %s", q) >= 0) {
		rshell_run(u->sh, cmd, VERIFY_TIMEOUT_MS, NULL, NULL);
		free(cmd);
	}
	free(q);
}

static void stop_all(struct upload *u)
{
	for (size_t i = 0; i < u->n; i++) {
		struct upload_file *f = &u->f[i];

		if (f->put)
			sftp_put_cancel(u->sc, f->put); /* removes the file */
		if (f->req) {
			rshell_cancel(u->sh, f->req);
			/* not yet on the wire: its rm never comes */
			remove_temp(u, f);
		}
		f->put = NULL;
		f->req = NULL;
	}
}

void upload_free(struct upload *u)
{
	if (!u)
		return;
	if (!u->ended)
		stop_all(u);
	for (size_t i = 0; i < u->n; i++) {
		free(u->f[i].local);
		free(u->f[i].remote);
		free(u->f[i].tmp);
	}
	free(u);
}

int upload_add(struct upload *u, const char *local, const char *remote,
	       int mode, char *err, size_t errlen)
{
	struct upload_file *f = &u->f[u->n];
	struct stat st;

	if (u->started) {
		snprintf(err, errlen, "upload: already started");
		return -EBUSY;
	}
	if (u->n == MAX_FILES) {
		snprintf(err, errlen, "upload: more than %d files", MAX_FILES);
		return -E2BIG;
	}
	if (stat(local, &st) < 0) {
		snprintf(err, errlen, "cannot upload %s: %s", local,
			 strerror(errno));
		return -errno;
	}
	f->local = strdup(local);
	f->remote = safe_path(remote);
	f->tmp = f->remote ? temp_name(f->remote) : NULL;
	if (!f->local || !f->remote || !f->tmp) {
		free(f->local);
		free(f->remote);
		free(f->tmp);
		memset(f, 0, sizeof(*f));
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->u = u;
	f->mode = mode;
	f->size = (uint64_t)st.st_size;
	u->total += f->size;
	u->n++;
	return 0;
}

uint64_t upload_total(const struct upload *u)
{
	return u->total;
}

static void end(struct upload *u, int rc)
{
	upload_done_fn done = u->done;

	if (u->ended)
		return;
	u->ended = true;
	u->rc = rc;
	if (rc)
		stop_all(u);
	u->done = NULL;
	if (done)
		done(u->arg, rc, u->msg);
}

static void on_verified(void *arg, int rc, int status, const char *out,
			size_t len, const char *msg)
{
	struct upload_file *f = arg;
	struct upload *u;
	const char *bad;
	char sha[65] = "";

	u = f->u;
	f->req = NULL;
	if (rc) {
		snprintf(u->msg, sizeof(u->msg),
			 "upload of %s: verify failed: %s", f->local, msg);
		remove_temp(u, f);
		end(u, rc);
		return;
	}
	if (status == 0 && strstr(out, "KMDASH-OK")) {
		snprintf(u->msg, sizeof(u->msg),
			 "uploaded %s to %s: %llu bytes, sha256 %s verified",
			 f->local, f->remote, (unsigned long long)f->res.size,
			 f->res.sha);
		if (++u->verified == u->n)
			end(u, 0);
		return;
	}
	if ((bad = strstr(out, "KMDASH-BAD")))
		sscanf(bad, "KMDASH-BAD %64s", sha);
	if (bad)
		snprintf(
			u->msg, sizeof(u->msg),
			"upload of %s to %s FAILED VERIFICATION: local %llu bytes sha256 %s, remote %llu bytes sha256 %s; the remote copy was removed",
			f->local, f->remote, (unsigned long long)f->res.size,
			f->res.sha, (unsigned long long)f->res.remote_size,
			*sha ? sha : "(none: sha256sum failed)");
	else
		snprintf(
			u->msg, sizeof(u->msg),
			"upload of %s: verifying or renaming %s on the target failed (exit %d): %.300s",
			f->local, f->tmp, status, out);
	end(u, -EIO);
}

static int start_put(struct upload *u, size_t i);

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct upload_file *f = arg;
	struct upload *u = f->u;

	if (u->progress)
		u->progress(u->arg, u->written + done, u->total);
}

static void on_put(void *arg, int rc, const struct sftp_put_result *r,
		   const char *msg)
{
	struct upload_file *f = arg;
	struct upload *u = f->u;
	size_t i = (size_t)(f - u->f);
	char *qtmp, *qdst, *prefix, *qstale, *cmd = NULL;

	f->put = NULL;
	if (rc) {
		snprintf(u->msg, sizeof(u->msg), "%s", msg);
		end(u, rc);
		return;
	}
	f->res = *r;
	u->written += r->size;
	if (r->remote_size != r->size) {
		snprintf(
			u->msg, sizeof(u->msg),
			"upload of %s to %s FAILED VERIFICATION: local %llu bytes sha256 %s, remote %llu bytes; the remote copy was removed",
			f->local, f->remote, (unsigned long long)r->size,
			r->sha, (unsigned long long)r->remote_size);
		remove_temp(u, f);
		end(u, -EIO);
		return;
	}
	qtmp = quote_sh_dup(f->tmp);
	qdst = quote_sh_dup(f->remote);
	prefix = temp_prefix(f->remote);
	qstale = prefix ? quote_sh_dup(prefix) : NULL;
	/*
	 * Renamed into place only once the digest matched: the final path
	 * holds the old file or the new one, never a part. Then what earlier
	 * uploads of it left goes (a writer of the same file at the same
	 * time would lose its copy: two deploys of one module race anyway).
	 */
	if (qtmp && qdst && qstale &&
	    asprintf(&cmd,
		     "f=%s; set -- $(sha256sum < \"$f\"); "
		     "if [ \"$1\" = %s ]; then mv -f -- \"$f\" %s && "
		     "{ rm -f -- %s*" TEMP_SUFFIX "; echo KMDASH-OK; } "
		     "|| { rm -f -- \"$f\"; exit 4; }; "
		     "else echo \"KMDASH-BAD $1\"; rm -f -- \"$f\"; exit 3; fi",
		     qtmp, r->sha, qdst, qstale) < 0)
		cmd = NULL;
	free(qtmp);
	free(qdst);
	free(prefix);
	free(qstale);
	f->req = cmd ? rshell_run(u->sh, cmd, VERIFY_TIMEOUT_MS, on_verified,
				  f) :
		       NULL;
	free(cmd);
	if (!f->req) {
		snprintf(u->msg, sizeof(u->msg),
			 "upload of %s: cannot run the verify on the target",
			 f->local);
		end(u, -EIO);
		return;
	}
	/* The next file is written while this one is checked. */
	if (i + 1 < u->n && start_put(u, i + 1) < 0)
		end(u, -EIO); /* may free u: nothing after */
}

static int start_put(struct upload *u, size_t i)
{
	struct upload_file *f = &u->f[i];

	f->put = sftp_put(u->sc, f->local, f->tmp, f->mode, on_progress, on_put,
			  f, u->msg, sizeof(u->msg));
	return f->put ? 0 : -EIO;
}

int upload_start(struct upload *u, char *err, size_t errlen)
{
	if (u->started || !u->n) {
		snprintf(err, errlen, "upload: nothing to start");
		return -EINVAL;
	}
	u->started = true;
	rshell_warm(u->sh);
	if (start_put(u, 0) < 0) {
		u->ended = true;
		u->rc = -EIO;
		snprintf(err, errlen, "%s", u->msg);
		return -EIO;
	}
	return 0;
}

void upload_listen(struct upload *u, sftp_progress_fn progress,
		   upload_done_fn done, void *arg)
{
	u->progress = progress;
	u->done = done;
	u->arg = arg;
	if (u->ended && done) {
		u->done = NULL;
		if (progress)
			progress(arg, u->written, u->total);
		done(arg, u->rc, u->msg);
	}
}
