// SPDX-License-Identifier: GPL-2.0
/*
 * Deploy, load and unload as small state machines over a remote shell
 * (core/ssh/rshell.h) and verified uploads (core/ssh/upload.h) on an SFTP channel
 * kept open. The kernel's explanation of a failed insmod is fetched in
 * the same remote command (dmesg after a non-zero exit), so it does not
 * depend on the kernel-log stream being up or caught up.
 */
#include "core/module/deploy.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/digest.h"
#include "core/base/fsdir.h"
#include "core/base/loop.h"
#include "core/module/kostore.h"
#include "core/module/modinfo.h"
#include "core/base/proc.h"
#include "core/base/quote.h"
#include "core/ssh/rshell.h"
#include "core/ssh/sftp.h"
#include "core/ssh/ssh.h"
#include "core/ssh/upload.h"

#define KMSG_MARK "@@kmdash-kmsg@@"
/* After insmod: the GNU build id of what the kernel loaded (its notes). */
#define BUILDID_MARK "@@kmdash-buildid"
/* ... and, for a debugger, where its sections are */
#define SECTIONS_MARK "@@kmdash-sections@@"
/* The operation's kernel-log mark was written, or could not be (no right). */
#define MARKED_MARK "@@kmdash-marked@@"
#define NOMARK_MARK "@@kmdash-nomark@@"

/* A file's identity: rewriting or replacing it changes it. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

enum deploy_op {
	OP_IDLE,
	OP_PROBE,
	OP_SEND,
	OP_LOAD,
	OP_UNLOAD,
};

/* A command's answer, as ssh_exec gives it. */
typedef void (*exec_like_fn)(void *arg, int rc, const struct ssh_exec_result *r,
			     const char *msg);

struct deploy {
	struct loop *loop;
	struct ssh_session *s;
	struct rshell *sh; /* the commands run here: no channel apiece */
	/*
	 * An upload's verify and rename, and the probe asked ahead, run in
	 * a shell of their own: an upload ahead of its step is checked while
	 * rmmod still runs in sh.
	 */
	struct rshell *vsh;
	struct rshell_req *req; /* the command of the running operation */
	exec_like_fn req_fn;
	struct sftp_conn *sc; /* kept open: no sftp-server start per upload */
	/*
	 * The running upload, or one started ahead of its deploy step (the
	 * unload of a reload runs meanwhile) for the build ko_* describe.
	 */
	struct upload *up;
	bool ahead;
	struct timespec ko_mtime;
	uint64_t ko_size;
	/* the strip of the .ko runs: the upload starts when it ends */
	struct proc *strip;
	const struct deploy_module *strip_m;
	char ship[PATH_MAX]; /* the file uploaded as NAME.ko */
	uint64_t ship_size;
	char strip_note[320];
	char strip_said[120]; /* the first line of the strip's messages */
	/*
	 * The last strip that worked: the .ko it read, the file it made and
	 * its command line. The same .ko is not stripped again while that
	 * file is untouched (a reload of the same build).
	 */
	bool stripped;
	struct file_id stripped_src, stripped_out, strip_src;
	char stripped_key[PATH_MAX * 2], strip_key[PATH_MAX * 2];
	enum deploy_op state;
	const struct deploy_module *m;
	deploy_done_fn done;
	deploy_progress_fn progress;
	void *arg;
	/* a mark written into the kernel log, in its own slot */
	struct rshell_req *mop;
	deploy_mark_fn mark_fn;
	void *mark_arg;
	/*
	 * The probe asked ahead of the first deploy (deploy_warm), in its
	 * own slot; a deploy that comes before its answer waits for it.
	 */
	struct rshell_req *wop;
	const struct deploy_module *warm_m;
	bool warm_wait;
	bool warm_prefetch; /* the answer starts the upload ahead */
	/* the state query runs beside the operations, in its own slot */
	struct rshell_req *qop;
	exec_like_fn qop_fn;
	deploy_state_fn state_fn;
	void *qarg;
	bool qstats; /* the query in flight is deploy_stats() */
	bool tolerant;
	struct modinfo mi;
	char tool_hex[DEPLOY_MAX_TOOLS][DIGEST_HEX_LEN];
	/*
	 * What this connection already told us: its release, that the remote
	 * directory exists, the tools' digests there. A later deploy in the
	 * same session skips the probe; a new connection forgets it all.
	 */
	bool known;
	char release[128];
	char known_dir[PATH_MAX];
	int op_mark; /* deploy_op_mark() */
	char loaded_id[KO_ID_MAX + 1]; /* what the last insmod loaded */
	char *loaded_secs; /* where its sections are, when asked */
	char remote_hex[DEPLOY_MAX_TOOLS][DIGEST_HEX_LEN];
	int64_t t0_ms;
	char note[256];
};

struct deploy *deploy_new(struct loop *loop, struct ssh_session *s)
{
	struct deploy *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->loop = loop;
	d->s = s;
	d->sh = rshell_new(loop, s);
	d->vsh = rshell_new(loop, s);
	d->sc = sftp_conn_new(s);
	if (!d->sh || !d->vsh || !d->sc) {
		rshell_free(d->sh);
		rshell_free(d->vsh);
		sftp_conn_free(d->sc);
		free(d);
		return NULL;
	}
	return d;
}

static void stop_strip(struct deploy *d)
{
	proc_free(d->strip);
	d->strip = NULL;
}

void deploy_cancel(struct deploy *d)
{
	stop_strip(d);
	upload_free(d->up);
	d->up = NULL;
	/* an insmod or rmmod may never return (init or exit spinning) */
	if (d->req && (d->state == OP_LOAD || d->state == OP_UNLOAD))
		rshell_abandon(d->sh, d->req);
	else if (d->req)
		rshell_cancel(d->sh, d->req);
	d->req = NULL;
	d->warm_wait = false;
	d->warm_prefetch = false; /* nothing goes up after a cancel */
	d->state = OP_IDLE;
}

static void cancel_query(struct deploy *d)
{
	if (d->qop)
		rshell_cancel(d->sh, d->qop);
	d->qop = NULL;
}

static void cancel_warm(struct deploy *d)
{
	if (d->wop)
		rshell_cancel(d->vsh, d->wop);
	d->wop = NULL;
	d->warm_prefetch = false;
}

void deploy_free(struct deploy *d)
{
	if (!d)
		return;
	deploy_cancel(d);
	cancel_query(d);
	cancel_warm(d);
	rshell_free(d->sh);
	rshell_free(d->vsh);
	sftp_conn_free(d->sc);
	free(d->loaded_secs);
	free(d);
}

void deploy_set_session(struct deploy *d, struct ssh_session *s)
{
	deploy_cancel(d);
	cancel_query(d);
	cancel_warm(d);
	/* the shell's requests go with the old connection, a mark too */
	d->mop = NULL;
	d->mark_fn = NULL;
	rshell_set_session(d->sh, s);
	rshell_set_session(d->vsh, s);
	sftp_conn_set_session(d->sc, s);
	d->s = s;
	d->known = false;
}

bool deploy_busy(const struct deploy *d)
{
	return d->state != OP_IDLE;
}

static void finish(struct deploy *d, int rc, enum moderr kind, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

static void finish(struct deploy *d, int rc, enum moderr kind, const char *fmt,
		   ...)
{
	char msg[512];
	va_list ap;
	deploy_done_fn done = d->done;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->state = OP_IDLE;
	if (done)
		done(d->arg, rc, kind, msg);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* "sudo -n " or "" before a privileged command. */
static const char *priv(const struct deploy_module *m)
{
	return m->sudo ? "sudo -n " : "";
}

static int remote_path(char *dst, size_t cap, const char *dir, const char *file)
{
	int n = snprintf(dst, cap, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

#define CMD_TIMEOUT_MS 60000

/* The handlers below read an ssh_exec_result: the shell's answer as one. */
static void answer(struct deploy *d, exec_like_fn fn, int rc, int status,
		   const char *out, size_t len, const char *msg)
{
	struct ssh_exec_result r = {
		.exit_status = status,
		.out = out ? out : "",
		.out_len = len,
		.err = "",
	};

	fn(d, rc, rc < 0 ? NULL : &r, msg);
}

/*
 * One request per slot (the operation's, the state query's) is live; a
 * cancelled one never answers, so the slot's handler is the live one's.
 */
static void on_req(void *arg, int rc, int status, const char *out, size_t len,
		   const char *msg)
{
	struct deploy *d = arg;
	const char *said = NULL;
	char *cut = NULL;

	d->req = NULL;
	/* a load's or unload's mark (with_mark): how it went, then cut off */
	if ((d->state == OP_LOAD || d->state == OP_UNLOAD) && d->m->mark &&
	    rc == 0 && out) {
		if ((said = strstr(out, MARKED_MARK)))
			d->op_mark = 1;
		else if ((said = strstr(out, NOMARK_MARK)))
			d->op_mark = -EACCES;
	}
	if (said) {
		len = (size_t)(said - out);
		cut = strndup(out, len);
		if (!cut)
			rc = -ENOMEM;
		out = cut;
	}
	answer(d, d->req_fn, rc, status, out, len,
	       rc == -ENOMEM ? "out of memory" : msg);
	free(cut);
}

static void on_qry(void *arg, int rc, int status, const char *out, size_t len,
		   const char *msg)
{
	struct deploy *d = arg;

	d->qop = NULL;
	answer(d, d->qop_fn, rc, status, out, len, msg);
}

static struct rshell_req *run_for(struct deploy *d, const char *cmd,
				  exec_like_fn fn, bool query, int timeout_ms)
{
	if (query)
		d->qop_fn = fn;
	else
		d->req_fn = fn;
	return rshell_run(d->sh, cmd, timeout_ms, query ? on_qry : on_req, d);
}

static struct rshell_req *run(struct deploy *d, const char *cmd,
			      exec_like_fn fn, bool query)
{
	return run_for(d, cmd, fn, query, CMD_TIMEOUT_MS);
}

/* --- upload -------------------------------------------------------------- */

static void on_upload_progress(void *arg, uint64_t done, uint64_t total)
{
	struct deploy *d = arg;

	if (d->progress)
		d->progress(d->arg, done, total);
}

static void on_upload_done(void *arg, int rc, const char *msg)
{
	struct deploy *d = arg;
	int64_t ms = loop_now_ms() - d->t0_ms;
	char why[1024];

	/* msg is the upload's own: it goes with it. */
	snprintf(why, sizeof(why), "%s", msg);
	upload_free(d->up);
	d->up = NULL;
	if (rc < 0) {
		d->known = false;
		finish(d, rc, MODERR_OTHER, "%s", why);
		return;
	}
	/* The tools sent are on the target now. */
	for (int i = 0; i < DEPLOY_MAX_TOOLS && d->m->tools[i]; i++)
		if (d->tool_hex[i][0])
			memcpy(d->remote_hex[i], d->tool_hex[i],
			       sizeof(d->remote_hex[i]));
	finish(d, 0, MODERR_NONE,
	       "deployed %s.ko (%llu KiB%s, sha256 verified)%s in %lld ms%s",
	       d->m->name, (unsigned long long)(d->ship_size + 1023) / 1024,
	       d->strip_note, d->note, (long long)ms,
	       d->ahead ? " (written during the unload)" : "");
}

/* The digest sha256sum's output gives file ("" when it lists none). */
static void remote_digest(const char *out, const char *file,
			  char hex[DIGEST_HEX_LEN])
{
	size_t fl = strlen(file);

	hex[0] = '\0';
	for (const char *l = out; l && *l;
	     l = strchr(l, '\n'), l = l ? l + 1 : l) {
		size_t n = strcspn(l, "\n");
		size_t h = DIGEST_HEX_LEN - 1;

		/* "HEX  FILE" */
		if (n == h + 2 + fl && l[h] == ' ' && l[h + 1] == ' ' &&
		    !strncmp(l + h + 2, file, fl)) {
			memcpy(hex, l, h);
			hex[h] = '\0';
			return;
		}
	}
}

/* The local module's identity: a rebuild changes it. */
static bool ko_stamp(const char *ko, struct timespec *mtime, uint64_t *size)
{
	struct stat st;

	if (stat(ko, &st) < 0)
		return false;
	*mtime = st.st_mtim;
	*size = (uint64_t)st.st_size;
	return true;
}

/* Local facts an upload needs: the module's vermagic, the tools' digests. */
static int read_local(struct deploy *d, const struct deploy_module *m,
		      char *err, size_t errlen)
{
	if (modinfo_read(m->ko, &d->mi, err, errlen) < 0)
		return -ENOENT;
	for (int i = 0; i < DEPLOY_MAX_TOOLS; i++) {
		d->tool_hex[i][0] = '\0';
		if (!m->tools[i])
			break;
		/* A tool not built locally is simply not uploaded. */
		if (digest_file_sha256(m->tools[i], d->tool_hex[i], err,
				       errlen) < 0)
			d->tool_hex[i][0] = '\0';
	}
	return 0;
}

/*
 * Starts the upload of the file to ship as NAME.ko and of each tool whose
 * digest on the target (remote_hex) differs from the local one.
 */
static int begin_upload(struct deploy *d, const struct deploy_module *m,
			char *why, size_t whylen)
{
	char ko[PATH_MAX], path[PATH_MAX];
	int rc;

	d->note[0] = '\0';
	d->up = upload_new(d->sc, d->vsh);
	if (!d->up) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	snprintf(ko, sizeof(ko), "%s.ko", m->name);
	rc = remote_path(path, sizeof(path), m->remote_dir, ko);
	if (!rc)
		rc = upload_add(d->up, d->ship, path, 0644, why, whylen);
	d->ship_size = upload_total(d->up);
	for (int i = 0; !rc && i < DEPLOY_MAX_TOOLS && m->tools[i]; i++) {
		const char *b = base_name(m->tools[i]);
		size_t l = strlen(d->note);

		if (!d->tool_hex[i][0] ||
		    !strcmp(d->tool_hex[i], d->remote_hex[i]))
			continue;
		rc = remote_path(path, sizeof(path), m->remote_dir, b);
		if (!rc)
			rc = upload_add(d->up, m->tools[i], path, 0755, why,
					whylen);
		snprintf(d->note + l, sizeof(d->note) - l, "%s%s",
			 l ? ", " : " + ", b);
	}
	if (!rc)
		rc = upload_start(d->up, why, whylen);
	if (rc) {
		upload_free(d->up);
		d->up = NULL;
	}
	return rc;
}

/* The upload went ahead of its deploy step, or the step waits for it. */
static void begin_after_strip(struct deploy *d)
{
	char why[512];
	int rc = begin_upload(d, d->strip_m, why, sizeof(why));

	if (d->state != OP_SEND)
		return; /* ahead: a failure is found again by the step */
	if (rc) {
		finish(d, rc, MODERR_OTHER, "%s", why);
		return;
	}
	upload_listen(d->up, on_upload_progress, on_upload_done, d);
}

/* Keeps the first line of what the strip says, for the note. */
static void on_strip_output(void *arg, const char *buf, size_t len,
			    enum proc_stream stream)
{
	struct deploy *d = arg;
	size_t have = strlen(d->strip_said);

	if (stream != PROC_STDERR || strchr(d->strip_said, '\n') ||
	    have + 1 >= sizeof(d->strip_said))
		return;
	if (len > sizeof(d->strip_said) - 1 - have)
		len = sizeof(d->strip_said) - 1 - have;
	memcpy(d->strip_said + have, buf, len);
	d->strip_said[have + len] = '\0';
}

static bool file_id_get(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	return true;
}

static bool file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* argv as one line (a key: "" when too long to compare). */
static void argv_key(const char *const *argv, char *key, size_t cap)
{
	size_t len = 0;

	key[0] = '\0';
	for (size_t i = 0; argv[i]; i++) {
		int n = snprintf(key + len, cap - len, "%s\n", argv[i]);

		if (n < 0 || (size_t)n >= cap - len) {
			key[0] = '\0';
			return;
		}
		len += (size_t)n;
	}
}

/* The strip that argv would run made its file already (key: its argv). */
static bool strip_done_before(const struct deploy *d)
{
	struct file_id out;

	return d->stripped && d->strip_key[0] &&
	       !strcmp(d->strip_key, d->stripped_key) &&
	       file_id_same(&d->strip_src, &d->stripped_src) &&
	       file_id_get(d->ship, &out) &&
	       file_id_same(&out, &d->stripped_out);
}

static void note_stripped(struct deploy *d)
{
	snprintf(d->strip_note, sizeof(d->strip_note),
		 " without debug sections, of %llu KiB",
		 (unsigned long long)(d->ko_size + 1023) / 1024);
}

static void on_stripped(void *arg, const struct proc_result *res)
{
	struct deploy *d = arg;
	const struct deploy_module *m = d->strip_m;
	char how[128];

	proc_free(d->strip);
	d->strip = NULL;
	if (res->exited && res->exit_code == 0) {
		note_stripped(d);
		d->stripped_src = d->strip_src;
		d->stripped = d->strip_key[0] &&
			      file_id_get(d->ship, &d->stripped_out);
		snprintf(d->stripped_key, sizeof(d->stripped_key), "%s",
			 d->strip_key);
	} else {
		unlink(d->ship);
		d->strip_said[strcspn(d->strip_said, "\r\n")] = '\0';
		proc_describe(res, how, sizeof(how));
		snprintf(d->strip_note, sizeof(d->strip_note),
			 "; not stripped: %.80s %.60s%s%.110s", m->strip[0],
			 how, *d->strip_said ? ": " : "", d->strip_said);
		snprintf(d->ship, sizeof(d->ship), "%s", m->ko);
	}
	begin_after_strip(d);
}

/*
 * Strips a copy of the .ko into the stage directory (a child process; the
 * upload starts when it ends), or ships the .ko as built.
 */
static int prepare_ship(struct deploy *d, const struct deploy_module *m,
			char *why, size_t whylen)
{
	const char *argv[32];
	size_t n = 0;
	char base[PATH_MAX], dirwhy[PATH_MAX + 128] = "", err[256];
	struct proc_opts o = {
		.argv = argv,
		.io = PROC_PIPES,
		.on_output = on_strip_output,
		.on_done = on_stripped,
		.arg = d,
	};

	d->strip_note[0] = d->strip_said[0] = '\0';
	snprintf(d->ship, sizeof(d->ship), "%s", m->ko);
	d->strip_m = m;
	if (!m->strip || !m->strip[0] || !m->stage_dir)
		return begin_upload(d, m, why, whylen);
	snprintf(base, sizeof(base), "%s.ko", m->name);
	/* private: the file uploaded as the module is made there */
	if (fsdir_private(m->stage_dir, dirwhy, sizeof(dirwhy)) < 0 ||
	    snprintf(d->ship, sizeof(d->ship), "%s/%s", m->stage_dir, base) >=
		    (int)sizeof(d->ship)) {
		snprintf(d->strip_note, sizeof(d->strip_note),
			 "; not stripped: %.140s",
			 *dirwhy ? dirwhy : "the stage path is too long");
		snprintf(d->ship, sizeof(d->ship), "%s", m->ko);
		return begin_upload(d, m, why, whylen);
	}
	for (size_t i = 0; m->strip[i] && n < 27; i++)
		argv[n++] = m->strip[i];
	argv[n++] = "-o";
	argv[n++] = d->ship;
	argv[n++] = m->ko;
	argv[n] = NULL;
	argv_key(argv, d->strip_key, sizeof(d->strip_key));
	if (!file_id_get(m->ko, &d->strip_src))
		d->strip_key[0] = '\0';
	if (strip_done_before(d)) {
		note_stripped(d);
		return begin_upload(d, m, why, whylen);
	}
	d->stripped = false;
	d->strip = proc_start(d->loop, &o, err, sizeof(err));
	if (!d->strip) {
		/* Not there or not startable: the .ko goes as built. */
		if (errno == ENOENT)
			snprintf(d->strip_note, sizeof(d->strip_note),
				 "; not stripped: %.100s is not installed",
				 m->strip[0]);
		else
			snprintf(d->strip_note, sizeof(d->strip_note),
				 "; not stripped: %.200s", err);
		snprintf(d->ship, sizeof(d->ship), "%s", m->ko);
		return begin_upload(d, m, why, whylen);
	}
	return 0;
}

/*
 * Starts what a deploy sends. -ENOEXEC with the reason in why when the
 * module was built for another kernel.
 */
static int start_upload(struct deploy *d, const struct deploy_module *m,
			char *why, size_t whylen)
{
	if (modexplain_vermagic(d->mi.vermagic, d->release, why, whylen) !=
	    MODERR_NONE)
		return -ENOEXEC;
	if (!ko_stamp(m->ko, &d->ko_mtime, &d->ko_size)) {
		snprintf(why, whylen, "cannot upload %s: %s", m->ko,
			 strerror(errno));
		return -ENOENT;
	}
	return prepare_ship(d, m, why, whylen);
}

static void plan_and_send(struct deploy *d)
{
	char why[512];
	int rc = start_upload(d, d->m, why, sizeof(why));

	if (rc) {
		finish(d, rc, rc == -ENOEXEC ? MODERR_VERMAGIC : MODERR_OTHER,
		       "%s", why);
		return;
	}
	d->state = OP_SEND;
	d->ahead = false;
	if (d->up) /* else the strip runs: it starts the upload */
		upload_listen(d->up, on_upload_progress, on_upload_done, d);
}

/* What the probe's answer says: release, the tools' digests there. */
static void learn_probe(struct deploy *d, const struct deploy_module *m,
			const char *out)
{
	size_t n = strcspn(out, "\n");

	snprintf(d->release, sizeof(d->release), "%.*s", (int)n, out);
	for (int i = 0; i < DEPLOY_MAX_TOOLS && m->tools[i]; i++)
		remote_digest(out, base_name(m->tools[i]), d->remote_hex[i]);
	snprintf(d->known_dir, sizeof(d->known_dir), "%s", m->remote_dir);
	d->known = true;
}

static void on_probe(void *arg, int rc, const struct ssh_exec_result *r,
		     const char *msg)
{
	struct deploy *d = arg;

	if (rc < 0) {
		finish(d, rc, MODERR_OTHER, "deploy: %s", msg);
		return;
	}
	if (r->exit_status != 0) {
		finish(d, -EIO, MODERR_OTHER,
		       "deploy: cannot create %s on the target: %.200s",
		       d->m->remote_dir, r->out);
		return;
	}
	learn_probe(d, d->m, r->out);
	plan_and_send(d);
}

/*
 * Release first, then the digests of the tools already there (all of
 * them: which changed is known when the deploy reads the local ones).
 */
static char *probe_command(const struct deploy_module *m)
{
	const char *files[DEPLOY_MAX_TOOLS + 1] = { 0 };
	char qdir[PATH_MAX * 4 + 8], *qfiles, *cmd;
	size_t nf = 0;

	for (int i = 0; i < DEPLOY_MAX_TOOLS && m->tools[i]; i++)
		files[nf++] = base_name(m->tools[i]);
	if (quote_sh(qdir, sizeof(qdir), m->remote_dir) < 0)
		return NULL;
	qfiles = nf ? quote_argv_dup(files) : strdup("");
	if (!qfiles)
		return NULL;
	if (asprintf(
		    &cmd,
		    "uname -r && mkdir -p %s && cd %s && { %s%s 2>/dev/null; true; }",
		    qdir, qdir, nf ? "sha256sum " : "", qfiles) < 0)
		cmd = NULL;
	free(qfiles);
	return cmd;
}

static int start_probe(struct deploy *d, const struct deploy_module *m)
{
	char *cmd = probe_command(m);

	if (!cmd)
		return -ENOMEM;
	d->state = OP_PROBE;
	d->req = run(d, cmd, on_probe, false);
	free(cmd);
	if (!d->req) {
		d->state = OP_IDLE;
		return -EIO;
	}
	return 0;
}

static void on_warm(void *arg, int rc, int status, const char *out, size_t len,
		    const char *msg)
{
	struct deploy *d = arg;

	d->wop = NULL;
	if (rc == 0 && status == 0 && d->warm_m)
		learn_probe(d, d->warm_m, out);
	/* known now (a failed probe is asked again by the deploy itself) */
	if (d->warm_prefetch && !d->warm_wait && d->known) {
		d->warm_prefetch = false;
		deploy_prefetch(d, d->warm_m);
	}
	d->warm_prefetch = false;
	if (!d->warm_wait)
		return;
	/* a deploy waits: it sends now, or asks itself (and says why) */
	d->warm_wait = false;
	if (d->known && !strcmp(d->known_dir, d->m->remote_dir))
		plan_and_send(d);
	else if (start_probe(d, d->m) < 0)
		finish(d, -EIO, MODERR_OTHER, "deploy: cannot ask the target");
}

int deploy_warm(struct deploy *d, const struct deploy_module *m)
{
	char *cmd;

	if (!d->s)
		return -ENOTCONN;
	if (d->wop || (d->known && !strcmp(d->known_dir, m->remote_dir)))
		return 0;
	cmd = probe_command(m);
	if (!cmd)
		return -ENOMEM;
	d->warm_m = m;
	/* beside the operations: a reload's rmmod does not wait for it */
	d->wop = rshell_run(d->vsh, cmd, CMD_TIMEOUT_MS, on_warm, d);
	free(cmd);
	/* the upload's channel too: sftp-server starts meanwhile */
	sftp_conn_warm(d->sc);
	return d->wop ? 0 : -EIO;
}

int deploy_prefetch(struct deploy *d, const struct deploy_module *m)
{
	char why[512];

	if (d->s && !d->up && !d->strip &&
	    (!d->known || strcmp(d->known_dir, m->remote_dir))) {
		/* the first deploy of a connection: asks, then starts */
		if (deploy_warm(d, m) < 0 || !d->wop)
			return -EAGAIN;
		d->warm_prefetch = true;
		return 0;
	}
	if (d->up || d->strip || !d->s || !d->known ||
	    strcmp(d->known_dir, m->remote_dir))
		return -EAGAIN;
	if (read_local(d, m, why, sizeof(why)) < 0)
		return -ENOENT;
	/* A module for another kernel: the deploy step says so. */
	return start_upload(d, m, why, sizeof(why));
}

/* An upload started ahead for this very build of the module, or none. */
static bool take_prefetched(struct deploy *d, const struct deploy_module *m)
{
	struct timespec mt;
	uint64_t size;

	if (!d->up && !d->strip)
		return false;
	if (ko_stamp(m->ko, &mt, &size) && size == d->ko_size &&
	    mt.tv_sec == d->ko_mtime.tv_sec &&
	    mt.tv_nsec == d->ko_mtime.tv_nsec &&
	    !strcmp(d->known_dir, m->remote_dir))
		return true;
	stop_strip(d); /* rebuilt since: send the new one */
	upload_free(d->up);
	d->up = NULL;
	return false;
}

int deploy_upload(struct deploy *d, const struct deploy_module *m,
		  deploy_progress_fn progress, deploy_done_fn done, void *arg)
{
	char err[512];

	if (deploy_busy(d))
		return -EBUSY;
	d->m = m;
	d->done = done;
	d->progress = progress;
	d->arg = arg;
	d->t0_ms = loop_now_ms();
	if (take_prefetched(d, m)) {
		d->state = OP_SEND;
		d->ahead = true;
		if (d->up) /* else the strip still runs: it starts the upload */
			upload_listen(d->up, on_upload_progress, on_upload_done,
				      d);
		return 0;
	}
	if (read_local(d, m, err, sizeof(err)) < 0) {
		d->state = OP_PROBE;
		finish(d, -ENOENT, MODERR_NO_FILE,
		       "no module to deploy: %s (build it first)", err);
		return 0;
	}
	if (d->known && !strcmp(d->known_dir, m->remote_dir)) {
		plan_and_send(d);
		return 0;
	}
	if (d->wop) {
		/* asked already (deploy_warm): the answer sends */
		d->state = OP_PROBE;
		d->warm_wait = true;
		return 0;
	}
	return start_probe(d, m);
}

/* --- load / unload ------------------------------------------------------- */

/* The command writing text into the kernel log (NULL: out of memory). */
static char *mark_command(const struct deploy_module *m, const char *text)
{
	char q[512], *cmd;

	if (quote_sh(q, sizeof(q), text) < 0)
		return NULL;
	if (asprintf(&cmd,
		     m->sudo ? "echo %s | sudo -n tee /dev/kmsg >/dev/null" :
			       "echo %s >/dev/kmsg",
		     q) < 0)
		return NULL;
	return cmd;
}

/*
 * The end of a load's or unload's command: body left its exit status in
 * $rc; the module's mark (when asked) is written once it returned, in the
 * same round trip, and says whether it was. Takes body (freed).
 */
static char *with_mark(char *body, const struct deploy_module *m)
{
	char *mark = NULL, *all;
	int n;

	if (!body)
		return NULL;
	if (m->mark) {
		mark = mark_command(m, m->mark);
		if (!mark) {
			free(body);
			return NULL;
		}
	}
	if (mark)
		n = asprintf(
			&all,
			"%s; if { %s; } 2>/dev/null; then echo '" MARKED_MARK
			"'; else echo '" NOMARK_MARK "'; fi; exit $rc",
			body, mark);
	else
		n = asprintf(&all, "%s; exit $rc", body);
	free(mark);
	free(body);
	return n < 0 ? NULL : all;
}

int deploy_op_mark(const struct deploy *d)
{
	return d->op_mark;
}

char *deploy_load_command(const struct deploy_module *m)
{
	const char *argv[66];
	char ko[PATH_MAX], q[512], secs[700] = "", *args, *cmd;
	size_t n = 0;

	if (quote_sh(q, sizeof(q), m->name) < 0 ||
	    remote_path(ko, sizeof(ko), m->remote_dir, m->name) ||
	    strlen(ko) + 4 >= sizeof(ko))
		return NULL;
	strcat(ko, ".ko");
	argv[n++] = ko;
	for (size_t i = 0; m->params && m->params[i] && n < 65; i++)
		argv[n++] = m->params[i];
	argv[n] = NULL;
	args = quote_argv_dup(argv);
	if (!args)
		return NULL;
	/* where it was put, for a debugger attached (gdb's module.gdb) */
	if (m->sections)
		snprintf(
			secs, sizeof(secs),
			"echo '" SECTIONS_MARK
			"'; %sgrep -r . /sys/module/%s/sections/ 2>/dev/null; ",
			priv(m), q);
	/*
	 * Which binary the kernel took (its build id, also after an init
	 * that crashed: the module stays, coming), then the kernel's reasons
	 * after a marker when insmod failed.
	 */
	if (asprintf(
		    &cmd,
		    "%sinsmod %s 2>&1; rc=$?; echo '" BUILDID_MARK
		    "'; od -An -v -tx1 /sys/module/%s/notes/.note.gnu.build-id 2>/dev/null; %sif [ $rc -ne 0 ]; then echo '" KMSG_MARK
		    "'; %sdmesg 2>&1 | tail -n 30; fi",
		    priv(m), args, q, secs, priv(m)) < 0)
		cmd = NULL;
	free(args);
	return with_mark(cmd, m);
}

char *deploy_unload_command(const struct deploy_module *m)
{
	char q[512], *cmd;

	if (quote_sh(q, sizeof(q), m->name) < 0)
		return NULL;
	if (asprintf(&cmd, "%srmmod %s 2>&1; rc=$?", priv(m), q) < 0)
		return NULL;
	return with_mark(cmd, m);
}

static int load_timeout(const struct deploy_module *m)
{
	return m->load_timeout_ms > 0 ? m->load_timeout_ms : CMD_TIMEOUT_MS;
}

/* Splits "output MARK kmsg-lines" and explains. */
static void on_load(void *arg, int rc, const struct ssh_exec_result *r,
		    const char *msg)
{
	struct deploy *d = arg;
	const char *lines[64];
	size_t nl = 0;
	char *out, *mark, *p, why[512];
	enum moderr kind;

	if (rc == -ETIMEDOUT) {
		finish(d, rc, MODERR_STUCK,
		       "insmod has not returned after %d s (module init stuck?)",
		       (load_timeout(d->m) + 999) / 1000);
		return;
	}
	if (rc < 0) {
		finish(d, rc, MODERR_OTHER, "load: %s", msg);
		return;
	}
	out = strdup(r->out);
	if (!out) {
		finish(d, -ENOMEM, MODERR_OTHER, "load: out of memory");
		return;
	}
	mark = strstr(out, KMSG_MARK);
	if (mark) {
		*mark = '\0';
		for (p = strtok(mark + strlen(KMSG_MARK), "\n"); p && nl < 64;
		     p = strtok(NULL, "\n"))
			lines[nl++] = p;
	}
	d->loaded_id[0] = '\0';
	free(d->loaded_secs);
	d->loaded_secs = NULL;
	mark = strstr(out, SECTIONS_MARK);
	if (mark) {
		*mark = '\0';
		d->loaded_secs = strdup(mark + strlen(SECTIONS_MARK));
	}
	mark = strstr(out, BUILDID_MARK);
	if (mark) {
		*mark = '\0';
		ko_build_id_from_hexdump(mark + strlen(BUILDID_MARK),
					 d->loaded_id);
	}
	kind = modexplain(MODOP_LOAD, d->m->name, r->exit_status, out, lines,
			  nl, why, sizeof(why));
	free(out);
	finish(d, kind == MODERR_NONE ? 0 : -EIO, kind, "%s", why);
}

int deploy_load(struct deploy *d, const struct deploy_module *m,
		deploy_done_fn done, void *arg)
{
	char *cmd;

	if (deploy_busy(d))
		return -EBUSY;
	cmd = deploy_load_command(m);
	if (!cmd)
		return -ENOMEM;
	d->op_mark = 0;
	d->m = m;
	d->done = done;
	d->arg = arg;
	d->state = OP_LOAD;
	d->req = run_for(d, cmd, on_load, false, load_timeout(m));
	free(cmd);
	if (!d->req) {
		d->state = OP_IDLE;
		return -EIO;
	}
	return 0;
}

static void on_unload(void *arg, int rc, const struct ssh_exec_result *r,
		      const char *msg)
{
	struct deploy *d = arg;
	char why[512];
	enum moderr kind;

	if (rc < 0) {
		finish(d, rc, MODERR_OTHER, "unload: %s", msg);
		return;
	}
	kind = modexplain(MODOP_UNLOAD, d->m->name, r->exit_status, r->out,
			  NULL, 0, why, sizeof(why));
	if (kind == MODERR_NOT_LOADED && d->tolerant) {
		finish(d, 0, MODERR_NONE, "%s was not loaded", d->m->name);
		return;
	}
	finish(d, kind == MODERR_NONE ? 0 : -EIO, kind, "%s", why);
}

int deploy_unload(struct deploy *d, const struct deploy_module *m,
		  bool tolerant, deploy_done_fn done, void *arg)
{
	char *cmd;

	if (deploy_busy(d))
		return -EBUSY;
	cmd = deploy_unload_command(m);
	if (!cmd)
		return -ENOMEM;
	d->op_mark = 0;
	d->m = m;
	d->done = done;
	d->arg = arg;
	d->tolerant = tolerant;
	d->state = OP_UNLOAD;
	d->req = run(d, cmd, on_unload, false);
	free(cmd);
	if (!d->req) {
		d->state = OP_IDLE;
		return -EIO;
	}
	return 0;
}

/* --- state ---------------------------------------------------------------- */

/* One "key value" line of the state query's answer. */
static void state_line(struct deploy_state *st, char *line)
{
	char *v = strchr(line, ' ');

	if (!v)
		return;
	*v++ = '\0';
	if (!strcmp(line, "release")) {
		snprintf(st->release, sizeof(st->release), "%s", v);
	} else if (!strcmp(line, "state")) {
		st->loaded = !strcmp(v, "loaded");
	} else if (!strcmp(line, "refcnt")) {
		st->refcnt = atoi(v);
	} else if (!strcmp(line, "initstate")) {
		snprintf(st->initstate, sizeof(st->initstate), "%s", v);
	} else if (!strcmp(line, "taint")) {
		st->taint = strtoul(v, NULL, 10);
	} else if (!strcmp(line, "buildid")) {
		ko_build_id_from_hexdump(v, st->build_id);
	} else if (!strcmp(line, "stat") && st->nstats < DEPLOY_MAX_STATS) {
		struct deploy_stat *ds = &st->stats[st->nstats];
		char *val = strchr(v, ' ');

		if (!val)
			return;
		*val++ = '\0';
		snprintf(ds->name, sizeof(ds->name), "%s", v);
		snprintf(ds->value, sizeof(ds->value), "%s", val);
		st->nstats++;
	}
}

static void on_query(void *arg, int rc, const struct ssh_exec_result *r,
		     const char *msg)
{
	struct deploy *d = arg;
	struct deploy_state st = { .refcnt = -1, .stats_only = d->qstats };
	char *copy, *line, *save;

	d->qop = NULL;
	if (rc < 0) {
		d->state_fn(d->qarg, rc, NULL, msg);
		return;
	}
	copy = strdup(r->out);
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		state_line(&st, line);
	free(copy);
	d->state_fn(d->qarg, 0, &st, "");
}

int deploy_query(struct deploy *d, const struct deploy_module *m,
		 deploy_state_fn fn, void *arg)
{
	char q[512], *cmd;

	if (!d->s)
		return -ENOTCONN;
	/* A newer question replaces an older one still in flight. */
	cancel_query(d);
	if (quote_sh(q, sizeof(q), m->name) < 0)
		return -ENAMETOOLONG;
	/*
	 * Debian's kernel gives out-of-tree modules no srcversion: the GNU
	 * build id in the module's notes says which binary is loaded.
	 * initstate says "coming" for an init that never returned.
	 */
	if (asprintf(
		    &cmd,
		    "echo release $(uname -r); echo taint $(cat /proc/sys/kernel/tainted); m=/sys/module/%s; if [ -d \"$m\" ]; then echo state loaded; echo refcnt $(cat \"$m/refcnt\" 2>/dev/null || echo -1); echo initstate $(cat \"$m/initstate\" 2>/dev/null); echo buildid $(od -An -v -tx1 \"$m/notes/.note.gnu.build-id\" 2>/dev/null); for f in \"$m\"/stats/*; do [ -f \"$f\" ] && echo \"stat ${f##*/} $(cat \"$f\")\"; done; else echo state absent; fi",
		    q) < 0)
		return -ENOMEM;
	d->state_fn = fn;
	d->qarg = arg;
	d->qstats = false;
	d->qop = run(d, cmd, on_query, true);
	free(cmd);
	return d->qop ? 0 : -EIO;
}

int deploy_stats(struct deploy *d, const struct deploy_module *m,
		 deploy_state_fn fn, void *arg)
{
	char q[512], *cmd;

	if (!d->s)
		return -ENOTCONN;
	if (d->qop)
		return -EBUSY;
	if (quote_sh(q, sizeof(q), m->name) < 0)
		return -ENAMETOOLONG;
	/* read and [ are the shell's own; the answer is one echo */
	if (asprintf(
		    &cmd,
		    "m=/sys/module/%s; if [ -d \"$m\" ]; then o='state loaded'; read -r v <\"$m/refcnt\" && o=\"$o\nrefcnt $v\"; for f in \"$m\"/stats/*; do [ -f \"$f\" ] && read -r v <\"$f\" && o=\"$o\nstat ${f##*/} $v\"; done; else o='state absent'; fi; echo \"$o\"",
		    q) < 0)
		return -ENOMEM;
	d->state_fn = fn;
	d->qarg = arg;
	d->qstats = true;
	d->qop = run(d, cmd, on_query, true);
	free(cmd);
	return d->qop ? 0 : -EIO;
}

/* --- marks in the kernel log ----------------------------------------------- */

static void on_mark(void *arg, int rc, int status, const char *out, size_t len,
		    const char *msg)
{
	struct deploy *d = arg;
	deploy_mark_fn fn = d->mark_fn;

	d->mop = NULL;
	d->mark_fn = NULL;
	if (fn)
		fn(d->mark_arg, rc < 0 ? rc : status ? -EACCES : 0);
}

int deploy_kmsg_mark(struct deploy *d, const struct deploy_module *m,
		     const char *text, deploy_mark_fn fn, void *arg)
{
	char *cmd;

	if (!d->s)
		return -ENOTCONN;
	if (d->mop)
		rshell_cancel(d->sh, d->mop);
	cmd = mark_command(m, text);
	if (!cmd)
		return -ENOMEM;
	d->mark_fn = fn;
	d->mark_arg = arg;
	d->mop = rshell_run(d->sh, cmd, CMD_TIMEOUT_MS, on_mark, d);
	free(cmd);
	return d->mop ? 0 : -EIO;
}

const char *deploy_loaded_id(const struct deploy *d)
{
	return d->loaded_id;
}

const char *deploy_loaded_sections(const struct deploy *d)
{
	return d->loaded_secs ? d->loaded_secs : "";
}
