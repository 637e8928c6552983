/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One long-lived POSIX shell on the target, over a stream channel of the
 * session: short commands (insmod, rmmod, a state query) run in it one
 * after another without opening a channel and starting a shell each, which
 * costs ~25 ms apiece on the emulated target. Opened on the first command,
 * reopened after it died; a command that outlives its timeout restarts it.
 */
#ifndef KMDASH_RSHELL_H
#define KMDASH_RSHELL_H

#include <stddef.h>

struct loop;
struct ssh_session;
struct rshell;
struct rshell_req;

/*
 * rc 0: the command ran; status is its exit status and out its merged
 * stdout+stderr (NUL-terminated). rc < 0: msg says why it did not.
 */
typedef void (*rshell_fn)(void *arg, int rc, int status, const char *out,
			  size_t len, const char *msg);

struct rshell *rshell_new(struct loop *loop, struct ssh_session *s);
/* Drops the shell and every request silently. */
void rshell_free(struct rshell *r);
/* A new connection: the old shell and requests are dropped silently. */
void rshell_set_session(struct rshell *r, struct ssh_session *s);

/*
 * Queues cmd (built with core/base/quote.h). It runs with stdin from /dev/null
 * and stderr merged into stdout. NULL with no callback on ENOMEM or without
 * a session.
 */
struct rshell_req *rshell_run(struct rshell *r, const char *cmd, int timeout_ms,
			      rshell_fn fn, void *arg);
/* Opens the shell now (it starts while other work goes on). */
void rshell_warm(struct rshell *r);
/* No callback after; a command already running finishes on the target. */
void rshell_cancel(struct rshell *r, struct rshell_req *req);

/*
 * As rshell_cancel, for a command that may never end (an insmod whose
 * module init spins): when it is on the wire, the shell is left to it and
 * the next command starts in a new one.
 */
void rshell_abandon(struct rshell *r, struct rshell_req *req);

#endif
