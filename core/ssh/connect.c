// SPDX-License-Identifier: GPL-2.0
/*
 * One connection: the transport's socket, then the SSH banner and key
 * exchange, the host key against known_hosts, and public-key auth (the
 * agent's keys, then the identity files), stepped without blocking.
 */
#include "core/ssh/connect_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ssh/knownhosts.h"
#include "core/ssh/target_int.h"
#include "core/ssh/transport_int.h"

enum cstep {
	CS_TRANSPORT, /* waiting for the transport's socket */
	CS_HANDSHAKE,
	CS_AUTHLIST,
	CS_AGENT,
	CS_KEYS,
	CS_UP,
	CS_FAILED,
};

enum step_ret {
	STEP_MORE, /* progressed: step again */
	STEP_WAIT, /* waits for the socket */
	STEP_DONE, /* up or failed */
};

struct ssh_conn {
	const struct ssh_target *t;
	struct ssh_transport *tp;
	struct conn_keep *keep;
	conn_fn fn;
	void *arg;

	enum cstep step;
	int fd;
	bool tcp; /* a TCP socket (not a jump host's socketpair) */
	LIBSSH2_SESSION *ss;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *agent_id;
	int agent_tried, ident_i;
	char tried[1024];
	bool rsa_refused;
	char rsa_key[512];
	uint64_t attempt_in; /* bytes received: was there a banner? */
	int sock_errno; /* the last socket error, for messages */

	enum ssh_why why;
	char err[1536];
	bool lost;
	char lost_msg[1400];
};

static void fail(struct ssh_conn *c, enum ssh_why why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct ssh_conn *c, enum ssh_why why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->why = why;
	c->step = CS_FAILED;
}

const char *conn_last_error(struct ssh_conn *c)
{
	char *msg = NULL;

	if (!c || !c->ss)
		return "no session";
	libssh2_session_last_error(c->ss, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

bool conn_fatal(struct ssh_conn *c, int rc, const char *what)
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
	if (!c->lost) {
		c->lost = true;
		snprintf(c->lost_msg, sizeof(c->lost_msg),
			 "connection to %s lost (%s: %s%s%s)", c->t->name, what,
			 conn_last_error(c), c->sock_errno ? ": " : "",
			 c->sock_errno ? strerror(c->sock_errno) : "");
	}
	return true;
}

const char *conn_lost(const struct ssh_conn *c)
{
	return c->lost ? c->lost_msg : NULL;
}

/* --- byte counters: libssh2's socket I/O goes through these ------------- */

static LIBSSH2_RECV_FUNC(count_recv)
{
	struct ssh_conn *c = *abstract;
	ssize_t n = recv(socket, buffer, length, flags);
	int one = 1;

	if (n < 0) {
		if (errno != EAGAIN)
			c->sock_errno = errno;
		return -errno;
	}
	c->keep->st->bytes_in += (uint64_t)n;
	c->attempt_in += (uint64_t)n;
	/*
	 * ACK at once: sshd sends with Nagle on for non-PTY sessions, so a
	 * reply waits for our ACK of its previous packet, and a delayed
	 * ACK made every channel open and exec ~40 ms slower. QUICKACK is
	 * not sticky, hence per read.
	 */
	if (n > 0 && c->tcp)
		setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one,
			   sizeof(one));
	return n;
}

static LIBSSH2_SEND_FUNC(count_send)
{
	struct ssh_conn *c = *abstract;
	ssize_t n = send(socket, buffer, length, flags | MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	c->keep->st->bytes_out += (uint64_t)n;
	return n;
}

/* --- the handshake ------------------------------------------------------- */

static void hostkey_prefs(struct ssh_conn *c)
{
	char types[512], pref[1024];
	static const char defaults[] =
		"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa";

	/*
	 * libssh2 prefers ecdsa: with only an ed25519 entry it would get
	 * an ecdsa key and call it unknown. Ask first for what we know.
	 */
	knownhosts_types(c->t->known_hosts, c->t->host, c->t->port, types,
			 sizeof(types));
	snprintf(pref, sizeof(pref), "%s%s%s", types, *types ? "," : "",
		 defaults);
	if (libssh2_session_method_pref(c->ss, LIBSSH2_METHOD_HOSTKEY, pref))
		libssh2_session_method_pref(c->ss, LIBSSH2_METHOD_HOSTKEY,
					    defaults);
}

static int session_create(struct ssh_conn *c)
{
	c->ss = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (!c->ss)
		return -ENOMEM;
	libssh2_session_callback_set(c->ss, LIBSSH2_CALLBACK_RECV,
				     (void *)count_recv);
	libssh2_session_callback_set(c->ss, LIBSSH2_CALLBACK_SEND,
				     (void *)count_send);
	libssh2_session_set_blocking(c->ss, 0);
	hostkey_prefs(c);
	return 0;
}

/* Returns false when the attempt failed. */
static bool check_hostkey(struct ssh_conn *c)
{
	struct kh_check kh;
	const char *key;
	char fp[KH_FP_LEN], type[80], err[512];
	size_t len = 0;
	int type_id;

	key = libssh2_session_hostkey(c->ss, &len, &type_id);
	if (!key || !len) {
		fail(c, SSH_E_HANDSHAKE, "%s sent no host key", c->t->name);
		return false;
	}
	if (knownhosts_check(c->t->known_hosts, c->t->host, c->t->port,
			     (const unsigned char *)key, len, &kh, err,
			     sizeof(err))) {
		fail(c, SSH_E_OTHER, "%s", err);
		return false;
	}
	knownhosts_fingerprint((const unsigned char *)key, len, fp);
	knownhosts_blob_type((const unsigned char *)key, len, type,
			     sizeof(type));
	free(c->keep->hostkey);
	c->keep->hostkey = malloc(len);
	if (c->keep->hostkey)
		memcpy(c->keep->hostkey, key, len);
	c->keep->hostkey_len = c->keep->hostkey ? len : 0;
	if (kh.result == KH_MATCH)
		return true;
	if (kh.result == KH_NOTFOUND) {
		fail(c, SSH_E_HOSTKEY_UNKNOWN,
		     "host key of %s:%d is not known (%s): %s %s. If this is your board, check the fingerprint and run `kmdash trust %s` to add it",
		     c->t->host, c->t->port, c->t->known_hosts, type, fp,
		     c->t->alias);
		return false;
	}
	fail(c, SSH_E_HOSTKEY_CHANGED,
	     "HOST KEY OF %s:%d HAS CHANGED: the server presents %s %s but %s:%d holds %s %s. Refusing to connect: someone may be intercepting the connection, or the board was reinstalled. If you know why it changed, delete line %d of %s and run `kmdash trust %s`",
	     c->t->host, c->t->port, type, fp, c->t->known_hosts, kh.line,
	     kh.stale_type, kh.stale_fp, kh.line, c->t->known_hosts,
	     c->t->alias);
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

static void tried_add(struct ssh_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tried_add(struct ssh_conn *c, const char *fmt, ...)
{
	size_t n = strlen(c->tried);
	va_list ap;

	if (n + 4 >= sizeof(c->tried))
		return;
	if (n)
		strcpy(c->tried + n, "; "), n += 2;
	va_start(ap, fmt);
	vsnprintf(c->tried + n, sizeof(c->tried) - n, fmt, ap);
	va_end(ap);
}

static void auth_failed(struct ssh_conn *c)
{
	char rsa[900] = "";

	if (c->rsa_refused)
		snprintf(
			rsa, sizeof(rsa),
			". %s is an RSA key: libssh2 %s signs RSA only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse; use an ed25519 key instead (ssh-keygen -t ed25519, then add the .pub to the target's ~/.ssh/authorized_keys)",
			c->rsa_key, LIBSSH2_VERSION);
	fail(c, SSH_E_AUTH, "authentication as %s failed: %s%s", c->t->name,
	     *c->tried ? c->tried :
			 "no key to try (no agent, no identity file)",
	     rsa);
}

/*
 * With explicit identity files or IdentitiesOnly, only agent keys whose
 * public half is one of those files' .pub are offered.
 */
static bool agent_key_allowed(struct ssh_conn *c,
			      struct libssh2_agent_publickey *id)
{
	char *enc;
	bool same = false;

	if (!c->t->identities_only && !c->t->explicit_ident)
		return true;
	enc = malloc(id->blob_len / 3 * 4 + 8);
	if (!enc)
		return false;
	EVP_EncodeBlock((unsigned char *)enc, id->blob, (int)id->blob_len);
	for (int i = 0; i < c->t->nident && !same; i++) {
		char pub[1100], line[16384], *b64;
		FILE *f;

		snprintf(pub, sizeof(pub), "%s.pub", c->t->ident[i]);
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

/* STEP_MORE to go on, STEP_WAIT on EAGAIN, STEP_DONE when up or failed. */
static enum step_ret step_agent(struct ssh_conn *c)
{
	int rc;

	if (!c->agent) {
		c->agent = libssh2_agent_init(c->ss);
		if (!c->agent)
			return STEP_MORE;
		/* local unix socket: connect and list do not block long */
		if (libssh2_agent_connect(c->agent) ||
		    libssh2_agent_list_identities(c->agent)) {
			tried_add(c,
				  "ssh-agent: not reachable (SSH_AUTH_SOCK=%s)",
				  getenv("SSH_AUTH_SOCK") ?
					  getenv("SSH_AUTH_SOCK") :
					  "unset");
			c->step = CS_KEYS;
			return STEP_MORE;
		}
		c->agent_id = NULL;
		if (libssh2_agent_get_identity(c->agent, &c->agent_id, NULL)) {
			tried_add(c, "ssh-agent: holds no keys");
			c->step = CS_KEYS;
			return STEP_MORE;
		}
	}
	while (c->agent_id) {
		if (agent_key_allowed(c, c->agent_id)) {
			rc = libssh2_agent_userauth(c->agent, c->t->user,
						    c->agent_id);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return STEP_WAIT;
			if (rc == 0) {
				c->step = CS_UP;
				return STEP_MORE;
			}
			if (conn_fatal(c, rc, "agent auth"))
				return STEP_DONE;
			c->agent_tried++;
		}
		if (libssh2_agent_get_identity(c->agent, &c->agent_id,
					       c->agent_id))
			c->agent_id = NULL;
	}
	tried_add(c, "ssh-agent: %d key(s) refused", c->agent_tried);
	c->step = CS_KEYS;
	return STEP_MORE;
}

static enum step_ret step_keys(struct ssh_conn *c)
{
	for (; c->ident_i < c->t->nident; c->ident_i++) {
		const char *key = c->t->ident[c->ident_i];
		char pub[1100];
		int rc;

		if (access(key, R_OK)) {
			tried_add(c, "%s: %s", key, strerror(errno));
			continue;
		}
		snprintf(pub, sizeof(pub), "%s.pub", key);
		rc = libssh2_userauth_publickey_fromfile_ex(
			c->ss, c->t->user, (unsigned)strlen(c->t->user),
			access(pub, R_OK) ? NULL : pub, key, NULL);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (rc == 0) {
			c->step = CS_UP;
			return STEP_MORE;
		}
		if (conn_fatal(c, rc, "public key auth"))
			return STEP_DONE;
		if (rc == LIBSSH2_ERROR_FILE) {
			tried_add(
				c,
				"%s: cannot use it (%s; a passphrase-protected key must be loaded into ssh-agent: ssh-add %s)",
				key, conn_last_error(c), key);
		} else {
			tried_add(c, "%s: refused by the server", key);
			if (key_is_rsa(key) && !c->rsa_refused) {
				c->rsa_refused = true;
				snprintf(c->rsa_key, sizeof(c->rsa_key), "%s",
					 key);
			}
		}
	}
	auth_failed(c);
	return STEP_DONE;
}

static enum step_ret step(struct ssh_conn *c)
{
	const char *list;
	int rc;

	switch (c->step) {
	case CS_HANDSHAKE:
		if (!c->ss && session_create(c)) {
			fail(c, SSH_E_OTHER, "out of memory");
			return STEP_DONE;
		}
		rc = libssh2_session_handshake(c->ss, c->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (rc) {
			if (c->attempt_in == 0)
				fail(c, SSH_E_NO_BANNER,
				     "%s:%d accepted the TCP connection but closed it without an SSH banner: the tunnel is open but the board behind it is gone (or its sshd is not running)",
				     c->t->host, c->t->port);
			else
				fail(c, SSH_E_HANDSHAKE,
				     "SSH handshake with %s failed: %s",
				     c->t->name, conn_last_error(c));
			return STEP_DONE;
		}
		if (!check_hostkey(c))
			return STEP_DONE;
		c->step = CS_AUTHLIST;
		return STEP_MORE;
	case CS_AUTHLIST:
		list = libssh2_userauth_list(c->ss, c->t->user,
					     (unsigned)strlen(c->t->user));
		if (!list) {
			rc = libssh2_session_last_errno(c->ss);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return STEP_WAIT;
			if (libssh2_userauth_authenticated(c->ss)) {
				c->step = CS_UP;
				return STEP_MORE;
			}
			fail(c, SSH_E_HANDSHAKE,
			     "%s: asking for auth methods failed: %s",
			     c->t->name, conn_last_error(c));
			return STEP_DONE;
		}
		if (!strstr(list, "publickey")) {
			fail(c, SSH_E_AUTH,
			     "%s does not accept public keys (it offers: %s); kmdash authenticates with keys only",
			     c->t->name, list);
			return STEP_DONE;
		}
		c->tried[0] = '\0';
		c->rsa_refused = false;
		c->agent_tried = 0;
		c->ident_i = 0;
		c->step = c->t->use_agent && getenv("SSH_AUTH_SOCK") ?
				  CS_AGENT :
				  CS_KEYS;
		return STEP_MORE;
	case CS_AGENT:
		return step_agent(c);
	case CS_KEYS:
		return step_keys(c);
	default:
		return STEP_WAIT;
	}
}

enum conn_ret conn_step(struct ssh_conn *c)
{
	enum step_ret r = STEP_MORE;

	while (r == STEP_MORE && c->step >= CS_HANDSHAKE && c->step < CS_UP) {
		r = step(c);
		/* A socket or protocol error during auth ends the attempt. */
		if (c->lost && c->step != CS_FAILED)
			fail(c, SSH_E_HANDSHAKE, "%s", c->lost_msg);
	}
	if (c->step == CS_FAILED)
		return CONN_FAILED;
	return c->step == CS_UP ? CONN_UP : CONN_WAIT;
}

void conn_timed_out(struct ssh_conn *c)
{
	int secs = (c->t->timeout_ms + 999) / 1000;

	switch (c->step) {
	case CS_TRANSPORT:
		c->why = transport_timed_out(c->tp, secs, c->err,
					     sizeof(c->err));
		break;
	case CS_HANDSHAKE:
		if (c->attempt_in == 0) {
			fail(c, SSH_E_NO_BANNER,
			     "%s:%d accepts TCP but no SSH server answered within %d s: the tunnel is open but the board behind it is gone (or its sshd is not running)",
			     c->t->host, c->t->port, secs);
			break;
		}
		fail(c, SSH_E_HANDSHAKE,
		     "SSH key exchange with %s timed out after %d s",
		     c->t->name, secs);
		break;
	default:
		fail(c, SSH_E_AUTH, "authentication to %s timed out after %d s",
		     c->t->name, secs);
		break;
	}
	c->step = CS_FAILED;
}

enum ssh_why conn_why(const struct ssh_conn *c)
{
	return c->why;
}

const char *conn_error(const struct ssh_conn *c)
{
	return c->err;
}

int conn_fd(const struct ssh_conn *c)
{
	return c->fd;
}

LIBSSH2_SESSION *conn_raw(struct ssh_conn *c)
{
	return c->ss;
}

/* --- life cycle ------------------------------------------------------------ */

static void on_transport(void *arg, int fd, enum ssh_why why, const char *msg)
{
	struct ssh_conn *c = arg;

	if (fd >= 0) {
		c->fd = fd;
		c->tcp = c->tp->tcp;
		c->step = CS_HANDSHAKE;
		c->fn(c->arg, true);
		return;
	}
	/* A transport that breaks under an established connection: lost. */
	fail(c, c->step == CS_UP ? SSH_E_LOST : why, "%s", msg);
	c->fn(c->arg, false);
}

struct ssh_conn *conn_new(const struct ssh_target *t, struct ssh_transport *tp,
			  struct conn_keep *keep, conn_fn fn, void *arg)
{
	struct ssh_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = t;
	c->tp = tp;
	c->keep = keep;
	c->fn = fn;
	c->arg = arg;
	c->fd = -1;
	c->step = CS_TRANSPORT;
	return c;
}

void conn_start(struct ssh_conn *c)
{
	transport_open(c->tp, on_transport, c);
}

void conn_free(struct ssh_conn *c)
{
	if (!c)
		return;
	if (c->agent) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
	}
	if (c->ss) {
		/*
		 * A dead or abandoned socket must not make libssh2 wait:
		 * shut it down so its last sends fail at once.
		 */
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		libssh2_session_set_blocking(c->ss, 1);
		libssh2_session_free(c->ss);
	}
	if (c->fd >= 0)
		close(c->fd);
	transport_close(c->tp);
	free(c);
}
