// SPDX-License-Identifier: GPL-2.0
/*
 * The SSH session: connect (TCP or through a jump host), host key, auth,
 * the pump that drives every channel, loss detection and reconnect.
 */
#include "core/ssh/ssh_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ssh/knownhosts.h"
#include "core/base/loop.h"
#include "core/base/strutil.h"
#include "core/ssh/resolve.h"
#include "core/ssh/sshconfig.h"

/* Dead-link detection by the kernel; the link probe (link.c) is faster. */
#define KEEPIDLE_S 10
#define KEEPINTVL_S 5
#define KEEPCNT 3
#define USER_TIMEOUT_MS 20000

enum cstep {
	CS_NONE,
	CS_JUMP, /* waiting for the jump session and its tunnel */
	CS_RESOLVE, /* the host name is being looked up */
	CS_TCP, /* nonblocking connect in flight */
	CS_HANDSHAKE,
	CS_AUTHLIST,
	CS_AGENT,
	CS_KEYS,
	CS_UP,
};

struct ssh_session {
	struct ssh_op *token_owner; /* see enum ssh_op_token */
	struct loop *loop;
	ssh_state_fn fn;
	void *arg;

	/* resolved parameters */
	char *alias, *host, *user, *known_hosts, *jump;
	int port;
	char *ident[SSH_MAX_IDENTITIES];
	int nident;
	bool explicit_ident, identities_only, use_agent, use_ssh_config;
	char *ssh_config;
	int timeout_ms, bmin, bmax;
	bool reconnect;
	char target[600];

	/* connection */
	enum ssh_state state;
	enum ssh_why why;
	char err[1536];
	enum cstep cstep;
	int fd;
	bool fd_in_loop;
	short events;
	struct resolve *resolving;
	struct addrinfo *ai, *ai_cur;
	LIBSSH2_SESSION *ss;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *agent_id;
	int agent_tried, ident_i;
	bool agent_connected;
	char tried[1024];
	bool rsa_refused;
	char rsa_key[512];
	unsigned char *hostkey;
	size_t hostkey_len;
	uint64_t timeout_timer, retry_timer, kick_timer;
	int backoff_ms;
	bool lost;
	char lost_msg[1400];

	struct ssh_session *jump_s;
	struct ssh_op *tunnel;

	struct ssh_op *ops;
	struct ssh_stats st;
	uint64_t attempt_in; /* bytes received in this attempt: banner seen? */
	int sock_errno; /* the last socket error, for messages */
	bool tcp; /* a TCP socket (not a jump host's socketpair) */
	int busy;
	bool freeing;
};

static void pump(struct ssh_session *s);
static void fail_attempt(struct ssh_session *s, enum ssh_why why,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void start_attempt(struct ssh_session *s);
static void really_free(struct ssh_session *s);

/* --- small helpers ------------------------------------------------------- */

static void enter(struct ssh_session *s)
{
	s->busy++;
}

/* Returns false if s was freed. */
static bool leave(struct ssh_session *s)
{
	if (--s->busy == 0 && s->freeing) {
		really_free(s);
		return false;
	}
	return true;
}

LIBSSH2_SESSION *ssh_raw(struct ssh_session *s)
{
	return s->ss;
}

struct loop *ssh_loop(struct ssh_session *s)
{
	return s->loop;
}

const char *ssh_last_error(struct ssh_session *s)
{
	char *msg = NULL;

	if (!s->ss)
		return "no session";
	libssh2_session_last_error(s->ss, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

bool ssh_fatal(struct ssh_session *s, int rc, const char *what)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_BAD_SOCKET:
	case LIBSSH2_ERROR_ALLOC:
		break;
	default:
		return false;
	}
	if (!s->lost) {
		s->lost = true;
		snprintf(s->lost_msg, sizeof(s->lost_msg),
			 "connection to %s lost (%s: %s%s%s)", s->target, what,
			 ssh_last_error(s), s->sock_errno ? ": " : "",
			 s->sock_errno ? strerror(s->sock_errno) : "");
	}
	return true;
}

static void notify(struct ssh_session *s)
{
	if (s->fn && !s->freeing)
		s->fn(s, s->state, s->why, s->err, s->arg);
}

static char *dup_or_null(const char *p)
{
	return p ? strdup(p) : NULL;
}

static void kick_cb(struct loop *loop, void *arg)
{
	struct ssh_session *s = arg;

	s->kick_timer = 0;
	enter(s);
	pump(s);
	leave(s);
}

void ssh_kick(struct ssh_session *s)
{
	if (!s->kick_timer)
		s->kick_timer = loop_add_timer(s->loop, 0, kick_cb, s);
}

/* --- byte counters: libssh2's socket I/O goes through these ------------- */

static LIBSSH2_RECV_FUNC(count_recv)
{
	struct ssh_session *s = *abstract;
	ssize_t n = recv(socket, buffer, length, flags);
	int one = 1;

	if (n < 0) {
		if (errno != EAGAIN)
			s->sock_errno = errno;
		return -errno;
	}
	s->st.bytes_in += (uint64_t)n;
	s->attempt_in += (uint64_t)n;
	/*
	 * ACK at once: sshd sends with Nagle on for non-PTY sessions, so a
	 * reply waits for our ACK of its previous packet, and a delayed
	 * ACK made every channel open and exec ~40 ms slower. QUICKACK is
	 * not sticky, hence per read.
	 */
	if (n > 0 && s->tcp)
		setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one,
			   sizeof(one));
	return n;
}

static LIBSSH2_SEND_FUNC(count_send)
{
	struct ssh_session *s = *abstract;
	ssize_t n = send(socket, buffer, length, flags | MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	s->st.bytes_out += (uint64_t)n;
	return n;
}

/* --- creation ------------------------------------------------------------ */

/* Paths under ~ of a user without a home fall back to the root. */
static const char *home_dir(void)
{
	const char *h = str_home_dir();

	return h ? h : "/";
}

static const char *local_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u = getenv("USER");

	if (pw)
		return pw->pw_name;
	return u ? u : "root";
}

static int add_ident(struct ssh_session *s, const char *path)
{
	if (s->nident >= SSH_MAX_IDENTITIES)
		return 0;
	s->ident[s->nident] = strdup(path);
	if (!s->ident[s->nident])
		return -ENOMEM;
	s->nident++;
	return 0;
}

static int resolve_params(struct ssh_session *s, const struct ssh_params *p,
			  char *err, size_t errlen)
{
	struct sshconfig cfg;
	char buf[1024];
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.identities_only = -1;
	if (p->use_ssh_config) {
		rc = sshconfig_lookup(p->ssh_config, p->host, NULL, NULL, &cfg,
				      err, errlen);
		if (rc)
			return rc;
	}
	s->alias = strdup(p->host);
	s->host = strdup(cfg.hostname[0] ? cfg.hostname : p->host);
	s->port = p->port ? p->port : cfg.port ? cfg.port : 22;
	s->user = strdup(p->user     ? p->user :
			 cfg.user[0] ? cfg.user :
				       local_user());
	if (p->known_hosts) {
		s->known_hosts = strdup(p->known_hosts);
	} else if (cfg.known_hosts[0]) {
		s->known_hosts = strdup(cfg.known_hosts);
	} else {
		snprintf(buf, sizeof(buf), "%s/.ssh/known_hosts", home_dir());
		s->known_hosts = strdup(buf);
	}
	if (p->jump)
		s->jump = *p->jump ? strdup(p->jump) : NULL;
	else if (cfg.proxyjump[0] && strcmp(cfg.proxyjump, "none"))
		s->jump = strdup(cfg.proxyjump);
	for (int i = 0; i < SSH_MAX_IDENTITIES && p->identity[i]; i++) {
		s->explicit_ident = true;
		if (add_ident(s, p->identity[i]))
			return -ENOMEM;
	}
	for (int i = 0; i < cfg.nidentity; i++)
		if (add_ident(s, cfg.identity[i]))
			return -ENOMEM;
	if (!s->nident) {
		static const char *const defs[] = { "id_ed25519", "id_ecdsa",
						    "id_rsa" };

		for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
			snprintf(buf, sizeof(buf), "%s/.ssh/%s", home_dir(),
				 defs[i]);
			if (!access(buf, R_OK) && add_ident(s, buf))
				return -ENOMEM;
		}
	}
	s->identities_only = cfg.identities_only == 1;
	s->use_agent = p->use_agent;
	s->use_ssh_config = p->use_ssh_config;
	s->ssh_config = dup_or_null(p->ssh_config);
	s->timeout_ms = p->connect_timeout_ms > 0 ? p->connect_timeout_ms :
						    10000;
	s->bmin = p->backoff_min_ms > 0 ? p->backoff_min_ms : 250;
	s->bmax = p->backoff_max_ms > 0 ? p->backoff_max_ms : 30000;
	if (s->bmax < s->bmin)
		s->bmax = s->bmin;
	s->reconnect = p->reconnect;
	if (!s->alias || !s->host || !s->user || !s->known_hosts)
		return -ENOMEM;
	snprintf(s->target, sizeof(s->target), "%s@%s:%d%s%s", s->user, s->host,
		 s->port, s->jump ? " via " : "", s->jump ? s->jump : "");
	return 0;
}

struct ssh_session *ssh_session_new(struct loop *loop,
				    const struct ssh_params *params,
				    ssh_state_fn fn, void *arg, char *err,
				    size_t errlen)
{
	static bool inited;
	struct ssh_session *s;

	if (!params || !params->host || !*params->host) {
		snprintf(err, errlen, "no target host given");
		return NULL;
	}
	if (!inited) {
		if (libssh2_init(0)) {
			snprintf(err, errlen, "libssh2_init failed");
			return NULL;
		}
		inited = true;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->fn = fn;
	s->arg = arg;
	s->fd = -1;
	if (resolve_params(s, params, err, errlen)) {
		if (!*err)
			snprintf(err, errlen, "out of memory");
		really_free(s);
		return NULL;
	}
	s->backoff_ms = s->bmin;
	return s;
}

/* --- teardown ------------------------------------------------------------ */

static void fd_events(struct ssh_session *s, short ev)
{
	if (s->fd < 0)
		return;
	if (s->fd_in_loop && ev != s->events)
		loop_set_events(s->loop, s->fd, ev);
	s->events = ev;
}

/* Fails (msg) or silently drops (NULL) every op. */
static void fail_ops(struct ssh_session *s, const char *msg)
{
	struct ssh_op *ops = s->ops, *next;

	s->ops = NULL;
	for (struct ssh_op *op = ops; op; op = op->next)
		if (!op->done && !op->cancelled && msg)
			op->ops->fail(op, msg);
	for (struct ssh_op *op = ops; op; op = next) {
		next = op->next;
		ssh_op_release_token(op);
		op->ops->destroy(op);
	}
	/* Nothing may keep the next connection from opening channels. */
	s->token_owner = NULL;
}

/* Frees the connection (not the ops). */
static void close_conn(struct ssh_session *s)
{
	if (s->timeout_timer)
		loop_cancel_timer(s->loop, s->timeout_timer);
	s->timeout_timer = 0;
	if (s->fd_in_loop)
		loop_del_fd(s->loop, s->fd);
	s->fd_in_loop = false;
	if (s->agent) {
		libssh2_agent_disconnect(s->agent);
		libssh2_agent_free(s->agent);
		s->agent = NULL;
	}
	if (s->ss) {
		/*
		 * A dead or abandoned socket must not make libssh2 wait:
		 * shut it down so its last sends fail at once.
		 */
		if (s->fd >= 0)
			shutdown(s->fd, SHUT_RDWR);
		libssh2_session_set_blocking(s->ss, 1);
		libssh2_session_free(s->ss);
		s->ss = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	resolve_cancel(s->resolving);
	s->resolving = NULL;
	if (s->ai)
		freeaddrinfo(s->ai);
	s->ai = s->ai_cur = NULL;
	s->tunnel = NULL; /* an op of jump_s, destroyed with it */
	if (s->jump_s) {
		ssh_session_free(s->jump_s);
		s->jump_s = NULL;
	}
	s->cstep = CS_NONE;
	s->lost = false;
	s->agent_id = NULL;
	s->agent_connected = false;
}

static void teardown(struct ssh_session *s, const char *msg)
{
	fail_ops(s, msg);
	close_conn(s);
}

static void really_free(struct ssh_session *s)
{
	teardown(s, NULL);
	if (s->retry_timer)
		loop_cancel_timer(s->loop, s->retry_timer);
	if (s->kick_timer)
		loop_cancel_timer(s->loop, s->kick_timer);
	free(s->alias);
	free(s->host);
	free(s->user);
	free(s->known_hosts);
	free(s->jump);
	free(s->ssh_config);
	for (int i = 0; i < s->nident; i++)
		free(s->ident[i]);
	free(s->hostkey);
	free(s);
}

void ssh_session_free(struct ssh_session *s)
{
	if (!s)
		return;
	if (s->busy) {
		s->freeing = true;
		return;
	}
	really_free(s);
}

/* --- state changes ------------------------------------------------------- */

static void retry_cb(struct loop *loop, void *arg)
{
	struct ssh_session *s = arg;

	s->retry_timer = 0;
	enter(s);
	start_attempt(s);
	leave(s);
}

static void schedule_retry(struct ssh_session *s, bool slow)
{
	int delay;

	if (!s->reconnect || s->retry_timer || s->freeing)
		return;
	/* A wrong key or host key does not fix itself within a second. */
	if (slow)
		s->backoff_ms = s->bmax;
	delay = s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > s->bmax ? s->bmax :
						      s->backoff_ms * 2;
	s->retry_timer = loop_add_timer(s->loop, delay, retry_cb, s);
}

static void fail_attempt(struct ssh_session *s, enum ssh_why why,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	teardown(s, s->err);
	s->state = SSH_DOWN;
	s->why = why;
	s->st.attempts++;
	s->st.up_since_ms = 0;
	schedule_retry(s, why == SSH_E_AUTH || why == SSH_E_HOSTKEY_CHANGED ||
				  why == SSH_E_HOSTKEY_UNKNOWN);
	notify(s);
}

static void went_up(struct ssh_session *s)
{
	if (s->timeout_timer)
		loop_cancel_timer(s->loop, s->timeout_timer);
	s->timeout_timer = 0;
	s->cstep = CS_UP;
	s->state = SSH_UP;
	s->why = SSH_OK;
	s->err[0] = '\0';
	s->backoff_ms = s->bmin;
	s->st.attempts = 0;
	s->st.connects++;
	if (s->st.connects > 1)
		s->st.reconnects++;
	s->st.up_since_ms = loop_now_ms();
	notify(s);
}

/* --- connecting ---------------------------------------------------------- */

static void sock_cb(struct loop *loop, int fd, short revents, void *arg);

static void timeout_cb(struct loop *loop, void *arg)
{
	struct ssh_session *s = arg;
	int secs = (s->timeout_ms + 999) / 1000;

	s->timeout_timer = 0;
	enter(s);
	switch (s->cstep) {
	case CS_JUMP:
		fail_attempt(
			s, SSH_E_JUMP,
			"no connection to %s through jump host %s within %d s",
			s->target, s->jump, secs);
		break;
	case CS_RESOLVE:
		fail_attempt(
			s, SSH_E_RESOLVE,
			"cannot resolve host '%s': no answer from the resolver within %d s",
			s->host, secs);
		break;
	case CS_TCP:
		fail_attempt(
			s, SSH_E_CONNECT_TIMEOUT,
			"TCP connect to %s:%d timed out after %d s: host down or unreachable, or a firewall drops the packets",
			s->host, s->port, secs);
		break;
	case CS_HANDSHAKE:
		if (s->attempt_in == 0) {
			fail_attempt(
				s, SSH_E_NO_BANNER,
				"%s:%d accepts TCP but no SSH server answered within %d s: the tunnel is open but the board behind it is gone (or its sshd is not running)",
				s->host, s->port, secs);
			break;
		}
		fail_attempt(s, SSH_E_HANDSHAKE,
			     "SSH key exchange with %s timed out after %d s",
			     s->target, secs);
		break;
	default:
		fail_attempt(s, SSH_E_AUTH,
			     "authentication to %s timed out after %d s",
			     s->target, secs);
		break;
	}
	leave(s);
}

static int sock_options(int fd)
{
	int one = 1, v;

	/* Without TCP_NODELAY every channel open costs ~42 ms (Nagle). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	v = KEEPIDLE_S;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	v = KEEPINTVL_S;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	v = KEEPCNT;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
	/* Unacknowledged data for this long kills the socket. */
	v = USER_TIMEOUT_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
	return 0;
}

static int watch_fd(struct ssh_session *s, short ev)
{
	int rc = loop_add_fd(s->loop, s->fd, ev, sock_cb, s);

	if (rc)
		return rc;
	s->fd_in_loop = true;
	s->events = ev;
	return 0;
}

/* Next address of the list; false when none is left. */
static bool tcp_try(struct ssh_session *s)
{
	for (; s->ai_cur; s->ai_cur = s->ai_cur->ai_next) {
		struct addrinfo *a = s->ai_cur;

		s->fd = socket(a->ai_family,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			continue;
		sock_options(s->fd);
		s->tcp = true;
		if (connect(s->fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			s->cstep = CS_TCP;
			if (watch_fd(s, POLLOUT) == 0)
				return true;
		}
		close(s->fd);
		s->fd = -1;
	}
	return false;
}

static void on_resolved(void *arg, struct addrinfo *ai, int rc)
{
	struct ssh_session *s = arg;

	enter(s);
	s->resolving = NULL;
	if (rc) {
		fail_attempt(s, SSH_E_RESOLVE, "cannot resolve host '%s': %s",
			     s->host, gai_strerror(rc));
	} else {
		s->ai = s->ai_cur = ai;
		if (!tcp_try(s))
			fail_attempt(s, SSH_E_OTHER,
				     "cannot connect to %s:%d: %s", s->host,
				     s->port, strerror(errno));
	}
	leave(s);
}

static void tcp_start(struct ssh_session *s)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG };
	char port[16];

	snprintf(port, sizeof(port), "%d", s->port);
	/* The attempt's timeout covers a resolver that does not answer. */
	s->cstep = CS_RESOLVE;
	s->resolving =
		resolve_start(s->loop, s->host, port, &hints, on_resolved, s);
	if (!s->resolving)
		fail_attempt(s, SSH_E_RESOLVE, "cannot resolve host '%s': %s",
			     s->host, strerror(errno));
}

static void tcp_done(struct ssh_session *s)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == EINPROGRESS)
		return;
	if (e) {
		loop_del_fd(s->loop, s->fd);
		s->fd_in_loop = false;
		close(s->fd);
		s->fd = -1;
		s->ai_cur = s->ai_cur->ai_next;
		if (tcp_try(s))
			return;
		if (e == ECONNREFUSED)
			fail_attempt(
				s, SSH_E_REFUSED,
				"connection to %s:%d refused: nothing listens on that port (for a reverse tunnel: the tunnel port is closed, its ssh -R is not running)",
				s->host, s->port);
		else
			fail_attempt(s, SSH_E_OTHER,
				     "cannot connect to %s:%d: %s", s->host,
				     s->port, strerror(e));
		return;
	}
	s->cstep = CS_HANDSHAKE;
}

static void hostkey_prefs(struct ssh_session *s)
{
	char types[512], pref[1024];
	static const char defaults[] =
		"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa";

	/*
	 * libssh2 prefers ecdsa: with only an ed25519 entry it would get
	 * an ecdsa key and call it unknown. Ask first for what we know.
	 */
	knownhosts_types(s->known_hosts, s->host, s->port, types,
			 sizeof(types));
	snprintf(pref, sizeof(pref), "%s%s%s", types, *types ? "," : "",
		 defaults);
	if (libssh2_session_method_pref(s->ss, LIBSSH2_METHOD_HOSTKEY, pref))
		libssh2_session_method_pref(s->ss, LIBSSH2_METHOD_HOSTKEY,
					    defaults);
}

static int session_create(struct ssh_session *s)
{
	s->ss = libssh2_session_init_ex(NULL, NULL, NULL, s);
	if (!s->ss)
		return -ENOMEM;
	libssh2_session_callback_set(s->ss, LIBSSH2_CALLBACK_RECV,
				     (void *)count_recv);
	libssh2_session_callback_set(s->ss, LIBSSH2_CALLBACK_SEND,
				     (void *)count_send);
	libssh2_session_set_blocking(s->ss, 0);
	hostkey_prefs(s);
	return 0;
}

/* Returns false when the attempt was failed. */
static bool check_hostkey(struct ssh_session *s)
{
	struct kh_check kh;
	const char *key;
	char fp[KH_FP_LEN], type[80], err[512];
	size_t len = 0;
	int type_id;

	key = libssh2_session_hostkey(s->ss, &len, &type_id);
	if (!key || !len) {
		fail_attempt(s, SSH_E_HANDSHAKE, "%s sent no host key",
			     s->target);
		return false;
	}
	if (knownhosts_check(s->known_hosts, s->host, s->port,
			     (const unsigned char *)key, len, &kh, err,
			     sizeof(err))) {
		fail_attempt(s, SSH_E_OTHER, "%s", err);
		return false;
	}
	knownhosts_fingerprint((const unsigned char *)key, len, fp);
	knownhosts_blob_type((const unsigned char *)key, len, type,
			     sizeof(type));
	free(s->hostkey);
	s->hostkey = malloc(len);
	if (s->hostkey)
		memcpy(s->hostkey, key, len);
	s->hostkey_len = s->hostkey ? len : 0;
	if (kh.result == KH_MATCH)
		return true;
	if (kh.result == KH_NOTFOUND) {
		fail_attempt(
			s, SSH_E_HOSTKEY_UNKNOWN,
			"host key of %s:%d is not known (%s): %s %s. If this is your board, check the fingerprint and run `kmdash trust %s` to add it",
			s->host, s->port, s->known_hosts, type, fp, s->alias);
		return false;
	}
	fail_attempt(
		s, SSH_E_HOSTKEY_CHANGED,
		"HOST KEY OF %s:%d HAS CHANGED: the server presents %s %s but %s:%d holds %s %s. Refusing to connect: someone may be intercepting the connection, or the board was reinstalled. If you know why it changed, delete line %d of %s and run `kmdash trust %s`",
		s->host, s->port, type, fp, s->known_hosts, kh.line,
		kh.stale_type, kh.stale_fp, kh.line, s->known_hosts, s->alias);
	return false;
}

/* The key type of an identity file: from its .pub, else its header. */
static bool key_is_rsa(const char *path)
{
	char pub[1100], line[128] = "";
	FILE *f;

	snprintf(pub, sizeof(pub), "%s.pub", path);
	f = fopen(pub, "re");
	if (f) {
		bool rsa = fgets(line, sizeof(line), f) &&
			   !strncmp(line, "ssh-rsa ", 8);

		fclose(f);
		return rsa;
	}
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strstr(line, "RSA") != NULL;
}

static void tried_add(struct ssh_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tried_add(struct ssh_session *s, const char *fmt, ...)
{
	size_t n = strlen(s->tried);
	va_list ap;

	if (n + 4 >= sizeof(s->tried))
		return;
	if (n)
		strcpy(s->tried + n, "; "), n += 2;
	va_start(ap, fmt);
	vsnprintf(s->tried + n, sizeof(s->tried) - n, fmt, ap);
	va_end(ap);
}

static void auth_failed(struct ssh_session *s)
{
	char rsa[900] = "";

	if (s->rsa_refused)
		snprintf(
			rsa, sizeof(rsa),
			". %s is an RSA key: libssh2 %s signs RSA only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse; use an ed25519 key instead (ssh-keygen -t ed25519, then add the .pub to the target's ~/.ssh/authorized_keys)",
			s->rsa_key, LIBSSH2_VERSION);
	fail_attempt(s, SSH_E_AUTH, "authentication as %s failed: %s%s",
		     s->target,
		     *s->tried ? s->tried :
				 "no key to try (no agent, no identity file)",
		     rsa);
}

/*
 * With explicit identity files or IdentitiesOnly, only agent keys whose
 * public half is one of those files' .pub are offered.
 */
static bool agent_key_allowed(struct ssh_session *s,
			      struct libssh2_agent_publickey *id)
{
	char *enc;
	bool same = false;

	if (!s->identities_only && !s->explicit_ident)
		return true;
	enc = malloc(id->blob_len / 3 * 4 + 8);
	if (!enc)
		return false;
	EVP_EncodeBlock((unsigned char *)enc, id->blob, (int)id->blob_len);
	for (int i = 0; i < s->nident && !same; i++) {
		char pub[1100], line[16384], *b64;
		FILE *f;

		snprintf(pub, sizeof(pub), "%s.pub", s->ident[i]);
		f = fopen(pub, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && (b64 = strchr(line, ' '))) {
			b64++;
			b64[strcspn(b64, " \r\n")] = '\0';
			same = !strcmp(enc, b64);
		}
		fclose(f);
	}
	free(enc);
	return same;
}

/* Returns OP_MORE to go on, OP_WAIT on EAGAIN, OP_DONE if failed. */
static enum op_ret step_agent(struct ssh_session *s)
{
	int rc;

	if (!s->agent) {
		s->agent = libssh2_agent_init(s->ss);
		if (!s->agent)
			return OP_MORE;
		/* local unix socket: connect and list do not block long */
		if (libssh2_agent_connect(s->agent) ||
		    libssh2_agent_list_identities(s->agent)) {
			tried_add(s,
				  "ssh-agent: not reachable (SSH_AUTH_SOCK=%s)",
				  getenv("SSH_AUTH_SOCK") ?
					  getenv("SSH_AUTH_SOCK") :
					  "unset");
			s->cstep = CS_KEYS;
			return OP_MORE;
		}
		s->agent_connected = true;
		s->agent_id = NULL;
		if (libssh2_agent_get_identity(s->agent, &s->agent_id, NULL)) {
			tried_add(s, "ssh-agent: holds no keys");
			s->cstep = CS_KEYS;
			return OP_MORE;
		}
	}
	while (s->agent_id) {
		if (agent_key_allowed(s, s->agent_id)) {
			rc = libssh2_agent_userauth(s->agent, s->user,
						    s->agent_id);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			if (rc == 0) {
				went_up(s);
				return OP_MORE;
			}
			if (ssh_fatal(s, rc, "agent auth"))
				return OP_DONE;
			s->agent_tried++;
		}
		if (libssh2_agent_get_identity(s->agent, &s->agent_id,
					       s->agent_id))
			s->agent_id = NULL;
	}
	tried_add(s, "ssh-agent: %d key(s) refused", s->agent_tried);
	s->cstep = CS_KEYS;
	return OP_MORE;
}

static enum op_ret step_keys(struct ssh_session *s)
{
	for (; s->ident_i < s->nident; s->ident_i++) {
		const char *key = s->ident[s->ident_i];
		char pub[1100];
		int rc;

		if (access(key, R_OK)) {
			tried_add(s, "%s: %s", key, strerror(errno));
			continue;
		}
		snprintf(pub, sizeof(pub), "%s.pub", key);
		rc = libssh2_userauth_publickey_fromfile_ex(
			s->ss, s->user, (unsigned)strlen(s->user),
			access(pub, R_OK) ? NULL : pub, key, NULL);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (rc == 0) {
			went_up(s);
			return OP_MORE;
		}
		if (ssh_fatal(s, rc, "public key auth"))
			return OP_DONE;
		if (rc == LIBSSH2_ERROR_FILE) {
			tried_add(
				s,
				"%s: cannot use it (%s; a passphrase-protected key must be loaded into ssh-agent: ssh-add %s)",
				key, ssh_last_error(s), key);
		} else {
			tried_add(s, "%s: refused by the server", key);
			if (key_is_rsa(key) && !s->rsa_refused) {
				s->rsa_refused = true;
				snprintf(s->rsa_key, sizeof(s->rsa_key), "%s",
					 key);
			}
		}
	}
	auth_failed(s);
	return OP_DONE;
}

static enum op_ret connect_step(struct ssh_session *s)
{
	const char *list;
	int rc;

	switch (s->cstep) {
	case CS_HANDSHAKE:
		if (!s->ss && session_create(s)) {
			fail_attempt(s, SSH_E_OTHER, "out of memory");
			return OP_DONE;
		}
		rc = libssh2_session_handshake(s->ss, s->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return OP_WAIT;
		if (rc) {
			if (s->attempt_in == 0)
				fail_attempt(
					s, SSH_E_NO_BANNER,
					"%s:%d accepted the TCP connection but closed it without an SSH banner: the tunnel is open but the board behind it is gone (or its sshd is not running)",
					s->host, s->port);
			else
				fail_attempt(s, SSH_E_HANDSHAKE,
					     "SSH handshake with %s failed: %s",
					     s->target, ssh_last_error(s));
			return OP_DONE;
		}
		if (!check_hostkey(s))
			return OP_DONE;
		s->cstep = CS_AUTHLIST;
		return OP_MORE;
	case CS_AUTHLIST:
		list = libssh2_userauth_list(s->ss, s->user,
					     (unsigned)strlen(s->user));
		if (!list) {
			rc = libssh2_session_last_errno(s->ss);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return OP_WAIT;
			if (libssh2_userauth_authenticated(s->ss)) {
				went_up(s);
				return OP_MORE;
			}
			fail_attempt(s, SSH_E_HANDSHAKE,
				     "%s: asking for auth methods failed: %s",
				     s->target, ssh_last_error(s));
			return OP_DONE;
		}
		if (!strstr(list, "publickey")) {
			fail_attempt(
				s, SSH_E_AUTH,
				"%s does not accept public keys (it offers: %s); kmdash authenticates with keys only",
				s->target, list);
			return OP_DONE;
		}
		s->tried[0] = '\0';
		s->rsa_refused = false;
		s->agent_tried = 0;
		s->ident_i = 0;
		s->cstep = s->use_agent && getenv("SSH_AUTH_SOCK") ? CS_AGENT :
								     CS_KEYS;
		return OP_MORE;
	case CS_AGENT:
		return step_agent(s);
	case CS_KEYS:
		return step_keys(s);
	default:
		return OP_WAIT;
	}
}

/* --- the pump ------------------------------------------------------------ */

static void update_events(struct ssh_session *s)
{
	short ev = 0;
	int dirs;

	if (s->fd < 0 || !s->fd_in_loop)
		return;
	if (s->cstep == CS_TCP) {
		fd_events(s, POLLOUT);
		return;
	}
	if (s->ss) {
		dirs = libssh2_session_block_directions(s->ss);
		if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
			ev |= POLLIN;
		if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			ev |= POLLOUT;
	}
	if (s->cstep != CS_UP) {
		if (!ev)
			ev = POLLIN;
	} else {
		for (struct ssh_op *op = s->ops; op; op = op->next)
			if (!op->done && op->wants_read)
				ev |= POLLIN;
	}
	/* Idle: only hear about the peer closing (no busy POLLIN). */
	if (!(ev & POLLIN))
		ev |= POLLRDHUP;
	fd_events(s, ev);
}

void ssh_op_release_token(struct ssh_op *op)
{
	if (op->holds_token && op->s->token_owner == op)
		op->s->token_owner = NULL;
	op->holds_token = false;
	/* Once given back, never needed again by this op. */
	op->token = SSH_TOKEN_NONE;
}

/* Whether op may step now; takes the token when it needs it. */
static bool may_step(struct ssh_session *s, struct ssh_op *op)
{
	if (op->token == SSH_TOKEN_NONE || op->holds_token || op->cancelled)
		return true;
	if (s->token_owner && s->token_owner != op)
		return false;
	s->token_owner = op;
	op->holds_token = true;
	return true;
}

static void sweep(struct ssh_session *s)
{
	struct ssh_op **pp = &s->ops;

	while (*pp) {
		struct ssh_op *op = *pp;

		if (op->done) {
			*pp = op->next;
			ssh_op_release_token(op);
			op->ops->destroy(op);
		} else {
			pp = &op->next;
		}
	}
}

static void pump_ops(struct ssh_session *s)
{
	bool progress = true;
	uint64_t in = s->st.bytes_in;

	for (int round = 0; progress && round < 64; round++) {
		progress = false;
		in = s->st.bytes_in;
		for (struct ssh_op *op = s->ops; op && !s->lost;
		     op = op->next) {
			enum op_ret r = OP_MORE;

			if (!op->done && !may_step(s, op))
				continue;
			for (int i = 0;
			     i < 16 && r == OP_MORE && !op->done && !s->lost;
			     i++) {
				r = op->ops->step(op);
				if (r == OP_MORE)
					progress = true;
				if (r == OP_DONE) {
					op->done = true;
					/* The next one may open now. */
					if (op->holds_token)
						progress = true;
					ssh_op_release_token(op);
				}
			}
			if (s->state != SSH_UP)
				return;
		}
		if (s->lost)
			return;
	}
	/*
	 * More work is left: come back after other fds had their turn. Also
	 * when the last round read the socket: any libssh2 read takes in
	 * every packet that arrived, for every channel, and a packet for a
	 * channel that was stepped earlier in the round now waits in
	 * libssh2's queue, where no poll() will ever report it (a stream's
	 * last answer sat there until its timeout).
	 */
	if (progress || s->st.bytes_in != in)
		ssh_kick(s);
}

static void pump(struct ssh_session *s)
{
	if (s->freeing)
		return;
	/* Nothing will bring it back: do not keep callers waiting. */
	if (s->state == SSH_DOWN && !s->retry_timer && s->ops)
		fail_ops(s, *s->err ? s->err : "not connected");
	while (s->state == SSH_CONNECTING && s->cstep >= CS_HANDSHAKE &&
	       s->cstep < CS_UP) {
		enum op_ret r = connect_step(s);

		if (s->lost) {
			fail_attempt(s, SSH_E_HANDSHAKE, "%s", s->lost_msg);
			return;
		}
		if (r != OP_MORE)
			break;
	}
	if (s->state == SSH_UP) {
		pump_ops(s);
		if (s->lost) {
			char msg[sizeof(s->lost_msg)];

			memcpy(msg, s->lost_msg, sizeof(msg));
			fail_attempt(s, SSH_E_LOST, "%s", msg);
			return;
		}
		sweep(s);
	}
	update_events(s);
}

static void sock_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct ssh_session *s = arg;

	enter(s);
	if (s->cstep == CS_TCP) {
		tcp_done(s);
		if (s->cstep == CS_HANDSHAKE)
			pump(s);
	} else if (s->cstep == CS_UP && !(s->events & POLLIN) &&
		   (revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		/* Idle and the peer closed: nothing else will notice. */
		fail_attempt(s, SSH_E_LOST,
			     "connection to %s closed by the remote side",
			     s->target);
	} else {
		pump(s);
	}
	leave(s);
}

/* --- jump hosts ---------------------------------------------------------- */

static void tunnel_ready(void *arg, int fd, const char *err)
{
	struct ssh_session *s = arg;

	enter(s);
	s->tunnel = NULL;
	if (fd < 0) {
		fail_attempt(s, SSH_E_JUMP, "via jump host %s: %s", s->jump,
			     err);
	} else {
		s->fd = fd;
		s->tcp = false;
		s->cstep = CS_HANDSHAKE;
		if (watch_fd(s, POLLIN))
			fail_attempt(s, SSH_E_OTHER, "cannot watch socket");
		else
			pump(s);
	}
	leave(s);
}

static void jump_state(struct ssh_session *j, enum ssh_state st,
		       enum ssh_why why, const char *msg, void *arg)
{
	struct ssh_session *s = arg;

	if (j != s->jump_s)
		return;
	enter(s);
	if (st == SSH_UP && s->cstep == CS_JUMP && !s->tunnel) {
		s->tunnel =
			ssh_tunnel_open(j, s->host, s->port, tunnel_ready, s);
		if (!s->tunnel)
			fail_attempt(s, SSH_E_OTHER, "out of memory");
	} else if (st == SSH_DOWN) {
		if (s->state == SSH_UP)
			fail_attempt(s, SSH_E_LOST, "jump host %s: %s", s->jump,
				     msg);
		else if (s->state == SSH_CONNECTING)
			fail_attempt(s, SSH_E_JUMP, "jump host %s: %s", s->jump,
				     msg);
	}
	leave(s);
}

static void jump_start(struct ssh_session *s)
{
	struct ssh_params jp = { 0 };
	char user[256], host[512], err[512];
	int port, n = 0;
	/*
	 * "a,b" as in OpenSSH: the tunnel goes through the last hop, b,
	 * which is itself reached through the hops before it.
	 */
	const char *last = strrchr(s->jump, ',');
	char *before = last ? strndup(s->jump, (size_t)(last - s->jump)) : NULL;

	if ((last && !before) ||
	    sshconfig_parse_jump(last ? last + 1 : s->jump, user, sizeof(user),
				 host, sizeof(host), &port)) {
		free(before);
		fail_attempt(
			s, SSH_E_JUMP,
			"cannot read jump host '%s': want [user@]host[:port]",
			s->jump);
		return;
	}
	jp.host = host;
	jp.port = port;
	jp.user = *user ? user : NULL;
	if (s->explicit_ident)
		for (int i = 0; i < s->nident; i++)
			jp.identity[n++] = s->ident[i];
	jp.known_hosts = s->known_hosts;
	jp.jump = before ? before : ""; /* "": the first hop, direct */
	jp.use_agent = s->use_agent;
	jp.use_ssh_config = s->use_ssh_config;
	jp.ssh_config = s->ssh_config;
	jp.connect_timeout_ms = s->timeout_ms;
	s->jump_s =
		ssh_session_new(s->loop, &jp, jump_state, s, err, sizeof(err));
	free(before);
	if (!s->jump_s) {
		fail_attempt(s, SSH_E_JUMP, "jump host %s: %s", s->jump, err);
		return;
	}
	s->cstep = CS_JUMP;
	ssh_session_start(s->jump_s);
}

/* --- public -------------------------------------------------------------- */

static void start_attempt(struct ssh_session *s)
{
	if (s->freeing)
		return;
	close_conn(s);
	s->state = SSH_CONNECTING;
	s->why = SSH_OK;
	s->err[0] = '\0';
	s->attempt_in = 0;
	s->timeout_timer =
		loop_add_timer(s->loop, s->timeout_ms, timeout_cb, s);
	notify(s);
	if (s->state != SSH_CONNECTING)
		return;
	if (s->jump)
		jump_start(s);
	else
		tcp_start(s);
}

int ssh_session_start(struct ssh_session *s)
{
	if (s->state == SSH_CONNECTING || s->state == SSH_UP)
		return -EALREADY;
	if (s->retry_timer)
		loop_cancel_timer(s->loop, s->retry_timer);
	s->retry_timer = 0;
	enter(s);
	start_attempt(s);
	leave(s);
	return 0;
}

void ssh_session_reconnect_now(struct ssh_session *s)
{
	if (s->state == SSH_UP || s->state == SSH_CONNECTING)
		return;
	s->backoff_ms = s->bmin;
	ssh_session_start(s);
}

void ssh_session_drop(struct ssh_session *s, const char *reason)
{
	if (s->state != SSH_UP && s->state != SSH_CONNECTING)
		return;
	enter(s);
	fail_attempt(s, SSH_E_DROPPED, "%s", reason);
	leave(s);
}

enum ssh_state ssh_session_state(const struct ssh_session *s)
{
	return s->state;
}

enum ssh_why ssh_session_why(const struct ssh_session *s)
{
	return s->why;
}

const char *ssh_session_error(const struct ssh_session *s)
{
	return s->err;
}

const char *ssh_session_target(const struct ssh_session *s)
{
	return s->target;
}

void ssh_session_stats(const struct ssh_session *s, struct ssh_stats *out)
{
	*out = s->st;
}

int ssh_session_presented_key(const struct ssh_session *s, char *type,
			      size_t tlen, char fp[KH_FP_LEN])
{
	if (!s->hostkey)
		return -ENOENT;
	knownhosts_blob_type(s->hostkey, s->hostkey_len, type, tlen);
	knownhosts_fingerprint(s->hostkey, s->hostkey_len, fp);
	return 0;
}

int ssh_trust_host_key(struct ssh_session *s, char *err, size_t errlen)
{
	struct kh_check kh;

	if (!s->hostkey) {
		snprintf(err, errlen,
			 "no host key to trust: connect to %s first",
			 s->target);
		return -ENOENT;
	}
	if (knownhosts_check(s->known_hosts, s->host, s->port, s->hostkey,
			     s->hostkey_len, &kh, err, errlen))
		return -EIO;
	if (kh.result == KH_MATCH)
		return 0;
	if (kh.result == KH_CHANGED) {
		snprintf(
			err, errlen,
			"%s:%d already has a different key at %s:%d (%s %s): refusing to add another; delete that line first if the change is expected",
			s->host, s->port, s->known_hosts, kh.line,
			kh.stale_type, kh.stale_fp);
		return -EEXIST;
	}
	return knownhosts_add(s->known_hosts, s->host, s->port, s->hostkey,
			      s->hostkey_len, err, errlen);
}

void ssh_op_add(struct ssh_session *s, struct ssh_op *op)
{
	struct ssh_op **pp = &s->ops;

	op->s = s;
	op->next = NULL;
	while (*pp)
		pp = &(*pp)->next;
	*pp = op;
	if (s->state == SSH_UP || s->state == SSH_DOWN)
		ssh_kick(s);
}

void ssh_op_cancel(struct ssh_op *op)
{
	if (!op || op->cancelled)
		return;
	op->cancelled = true;
	ssh_kick(op->s);
}
