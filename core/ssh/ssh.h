/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One libssh2 session per target, driven by the loop (core/base/loop.h) and
 * never blocking it: nonblocking connect with a timeout, strict known_hosts,
 * ssh-agent then identity-file auth, ProxyJump hops, reconnect with capped
 * exponential backoff, and many channels at once: short commands
 * (ssh_exec), streams (ssh_stream_open) and SFTP uploads (core/ssh/sftp.h).
 *
 * Operations may be started in any state: they wait for the session to be
 * up and fail (their callback gets rc < 0 and a reason) when an attempt
 * fails or an established connection is lost. Callbacks run from the loop.
 *
 * Inside core/ssh/, calls go one way, down this list; news comes back up
 * through callbacks only (tests/includes.sh checks it):
 *   upload.c            an SFTP write verified by the remote shell
 *   link.c, rshell.c    the health probe, the shell: a stream each
 *   sshopen.c           ssh_session_new: target, transport, session; the
 *                       ProxyJump transport (a parent session's tunnel)
 *   sshchan.c, sftp.c, tunnel.c   operations: exec and streams, SFTP,
 *                       the direct-tcpip channel under a jump
 *   ssh.c               the session: attempts, reconnect, watchers, and
 *                       the dispatch of its operations
 *   connect.c           one connection: banner, kex, host key, auth
 *   transport.c         the socket under it, over TCP
 *   target.c, knownhosts.c, sshconfig.c, resolve.c   the leaves
 */
#ifndef KMDASH_SSH_H
#define KMDASH_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ssh/knownhosts.h"

struct loop;
struct ssh_session;
struct ssh_op;

#define SSH_MAX_IDENTITIES 8

struct ssh_params {
	const char *host; /* address, name, or ~/.ssh/config Host alias */
	int port; /* 0: ssh_config's Port, else 22 */
	const char *user; /* NULL: ssh_config's User, else the local user */
	/* NULL-terminated; none: ssh_config's, else ~/.ssh/id_{ed25519,ecdsa,rsa} */
	const char *identity[SSH_MAX_IDENTITIES + 1];
	const char *known_hosts; /* NULL: ssh_config's, else ~/.ssh/known_hosts */
	const char *jump; /* "[user@]host[:port]"; NULL: ssh_config's ProxyJump */
	bool use_agent; /* try $SSH_AUTH_SOCK's keys first */
	bool use_ssh_config;
	const char *ssh_config; /* NULL: ~/.ssh/config */
	int connect_timeout_ms; /* TCP + banner + key exchange + auth; 0: 10 s */
	bool reconnect; /* retry after failures and losses */
	int backoff_min_ms; /* 0: 250 ms */
	int backoff_max_ms; /* 0: 30 s */
};

enum ssh_state {
	SSH_IDLE, /* not started, or stopped */
	SSH_CONNECTING,
	SSH_UP,
	SSH_DOWN, /* failed or lost; a retry may be scheduled */
};

/* Why the last attempt failed or the connection was lost. */
enum ssh_why {
	SSH_OK,
	SSH_E_RESOLVE, /* host name not found */
	SSH_E_REFUSED, /* TCP refused: nothing listens (e.g. tunnel closed) */
	SSH_E_CONNECT_TIMEOUT, /* TCP connect unanswered */
	SSH_E_NO_BANNER, /* TCP open, no SSH server answers behind it */
	SSH_E_HANDSHAKE, /* key exchange failed */
	SSH_E_HOSTKEY_UNKNOWN, /* a new host key: `kmdash trust` */
	SSH_E_HOSTKEY_CHANGED, /* a different key than known_hosts holds */
	SSH_E_AUTH,
	SSH_E_JUMP, /* the jump host failed or could not reach the target */
	SSH_E_LOST, /* an established connection broke */
	SSH_E_DROPPED, /* ssh_session_drop(): e.g. the link probe died */
	SSH_E_OTHER,
};

typedef void (*ssh_state_fn)(struct ssh_session *s, enum ssh_state state,
			     enum ssh_why why, const char *msg, void *arg);

/*
 * Copies params (strings included) and resolves ssh_config. Does not
 * connect: call ssh_session_start(). fn (may be NULL) is the owner's: the
 * first told of each state change. NULL with a reason in err.
 */
struct ssh_session *ssh_session_new(struct loop *loop,
				    const struct ssh_params *params,
				    ssh_state_fn fn, void *arg, char *err,
				    size_t errlen);
/*
 * Safe from inside callbacks; pending operations are dropped silently.
 * Whoever watches the session (a link) lets go first.
 */
void ssh_session_free(struct ssh_session *s);

/*
 * Others told of state changes, after the owner, in the order they came:
 * the link probe (core/ssh/link.h) watches the session it probes. NULL
 * when out of memory. Unwatch is safe from inside a callback.
 */
struct ssh_watch;
struct ssh_watch *ssh_session_watch(struct ssh_session *s, ssh_state_fn fn,
				    void *arg);
void ssh_session_unwatch(struct ssh_session *s, struct ssh_watch *w);

int ssh_session_start(struct ssh_session *s);
/* Breaks the connection (why = SSH_E_DROPPED) and reconnects if enabled. */
void ssh_session_drop(struct ssh_session *s, const char *reason);
/* Retry now instead of waiting for the backoff timer. */
void ssh_session_reconnect_now(struct ssh_session *s);

enum ssh_state ssh_session_state(const struct ssh_session *s);
enum ssh_why ssh_session_why(const struct ssh_session *s);
/* The last failure in words (what, where, what to do), or "". */
const char *ssh_session_error(const struct ssh_session *s);
/* "user@host:port" (and " via jump") as resolved. */
const char *ssh_session_target(const struct ssh_session *s);

struct ssh_stats {
	uint64_t bytes_in, bytes_out; /* SSH bytes over this session's socket */
	unsigned connects; /* times it came up */
	unsigned reconnects; /* times it came up again after the first */
	int64_t up_since_ms; /* loop_now_ms() when it came up; 0 if not up */
	unsigned attempts; /* failed attempts since the last up */
};
void ssh_session_stats(const struct ssh_session *s, struct ssh_stats *out);

/*
 * Host-key trust (the `kmdash trust TARGET` operation). After a refusal
 * with SSH_E_HOSTKEY_UNKNOWN the session keeps the key it was shown; once
 * the user confirmed the fingerprint, this appends it to known_hosts. A
 * changed key is never replaced here (the stale line must be fixed by
 * hand). 0 or -errno with a reason in err.
 */
int ssh_session_presented_key(const struct ssh_session *s, char *type,
			      size_t tlen, char fp[KH_FP_LEN]);
int ssh_trust_host_key(struct ssh_session *s, char *err, size_t errlen);

/* --- operations ---------------------------------------------------------- */

/* No callback runs after cancel; resources are released in the loop. */
void ssh_op_cancel(struct ssh_op *op);

struct ssh_exec_result {
	int exit_status; /* -1 if there was none (killed by a signal) */
	const char *exit_signal; /* "KILL"... or NULL */
	const char *out, *err; /* NUL-terminated, capped at 4 MiB each */
	size_t out_len, err_len;
};
/* rc 0: r is valid for the duration of the call; rc < 0: msg says why. */
typedef void (*ssh_exec_fn)(void *arg, int rc, const struct ssh_exec_result *r,
			    const char *msg);
/* cmd must be quoted with quote_sh() where it holds arguments. */
struct ssh_op *ssh_exec(struct ssh_session *s, const char *cmd, ssh_exec_fn fn,
			void *arg);

#define SSH_STREAM_PTY 1 /* a PTY: hangs up and kills the command on cancel */

typedef void (*ssh_data_fn)(void *arg, const char *buf, size_t len);
/* rc 0: the command ended with exit_status; rc < 0: msg says why. */
typedef void (*ssh_end_fn)(void *arg, int rc, int exit_status, const char *msg);
/*
 * Runs cmd and delivers its output as it comes (stderr merged). With
 * SSH_STREAM_PTY, cancel closes the channel with a deadline and kills the
 * remote process by PID if it is still there.
 */
struct ssh_op *ssh_stream_open(struct ssh_session *s, const char *cmd,
			       int flags, ssh_data_fn data, ssh_end_fn end,
			       void *arg);
/*
 * Inside the end callback: the name of the signal that ended the remote
 * command ("SEGV", "KILL"; exit_status is then -1), or NULL.
 */
const char *ssh_stream_exit_signal(const struct ssh_op *op);
/* Queues bytes for the command's stdin. 0 or -errno. */
int ssh_stream_write(struct ssh_op *op, const void *buf, size_t len);
/* The remote PID once known (PTY streams), else 0. */
pid_t ssh_stream_pid(const struct ssh_op *op);

#endif
