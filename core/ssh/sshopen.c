// SPDX-License-Identifier: GPL-2.0
/*
 * Making a session: its parameters resolved (target.c), its transport
 * picked, the session created over it (ssh.c). The transport is TCP
 * (transport.c) or, with ProxyJump, a direct-tcpip channel of a parent
 * session to the jump host, made here the same way: "a,b" as in OpenSSH,
 * the last hop b reached through the hops before it. Each attempt of the
 * session gets a fresh parent, which it drops with the attempt.
 */
#include "core/ssh/ssh_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ssh/sshconfig.h"
#include "core/ssh/target_int.h"
#include "core/ssh/transport_int.h"

struct jump {
	struct ssh_transport tp;
	const struct ssh_target *t; /* the session's, which owns us */
	struct ssh_session *parent; /* this attempt's */
	struct ssh_op *tunnel; /* an op of parent, until the handoff */
	bool handed; /* the socket went to the session */
};

/* The result of the attempt, or its end after the handoff. */
static void jump_result(struct jump *j, int fd, enum ssh_why why,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void jump_result(struct jump *j, int fd, enum ssh_why why,
			const char *fmt, ...)
{
	char msg[1600] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	/* fn may close or free the transport: the last thing here */
	if (j->tp.fn)
		j->tp.fn(j->tp.arg, fd, why, msg);
}

static void tunnel_ready(void *arg, int fd, const char *err)
{
	struct jump *j = arg;

	j->tunnel = NULL;
	j->handed = fd >= 0;
	if (fd < 0)
		jump_result(j, -1, SSH_E_JUMP, "via jump host %s: %s",
			    j->t->jump, err);
	else
		jump_result(j, fd, SSH_OK, NULL);
}

static void parent_state(struct ssh_session *parent, enum ssh_state st,
			 enum ssh_why why, const char *msg, void *arg)
{
	struct jump *j = arg;

	if (parent != j->parent)
		return;
	if (st == SSH_UP && !j->tunnel && !j->handed) {
		j->tunnel = ssh_tunnel_open(parent, j->t->host, j->t->port,
					    tunnel_ready, j);
		if (!j->tunnel)
			jump_result(j, -1, SSH_E_OTHER, "out of memory");
	} else if (st == SSH_DOWN) {
		jump_result(j, -1, SSH_E_JUMP, "jump host %s: %s", j->t->jump,
			    msg);
	}
}

static void jump_open(struct ssh_transport *tp)
{
	struct jump *j = (struct jump *)tp;
	const struct ssh_target *t = j->t;
	struct ssh_params jp = { 0 };
	char user[256], host[512], err[512];
	int port, n = 0;
	const char *last = strrchr(t->jump, ',');
	char *before = last ? strndup(t->jump, (size_t)(last - t->jump)) : NULL;

	if ((last && !before) ||
	    sshconfig_parse_jump(last ? last + 1 : t->jump, user, sizeof(user),
				 host, sizeof(host), &port)) {
		free(before);
		jump_result(
			j, -1, SSH_E_JUMP,
			"cannot read jump host '%s': want [user@]host[:port]",
			t->jump);
		return;
	}
	jp.host = host;
	jp.port = port;
	jp.user = *user ? user : NULL;
	if (t->explicit_ident)
		for (int i = 0; i < t->nident; i++)
			jp.identity[n++] = t->ident[i];
	jp.known_hosts = t->known_hosts;
	jp.jump = before ? before : ""; /* "": the first hop, direct */
	jp.use_agent = t->use_agent;
	jp.use_ssh_config = t->use_ssh_config;
	jp.ssh_config = t->ssh_config;
	jp.connect_timeout_ms = t->timeout_ms;
	j->parent = ssh_session_new(tp->loop, &jp, parent_state, j, err,
				    sizeof(err));
	free(before);
	if (!j->parent) {
		jump_result(j, -1, SSH_E_JUMP, "jump host %s: %s", t->jump,
			    err);
		return;
	}
	ssh_session_start(j->parent);
}

static void jump_close(struct ssh_transport *tp)
{
	struct jump *j = (struct jump *)tp;

	j->tunnel = NULL; /* an op of the parent, freed with it */
	j->handed = false;
	ssh_session_free(j->parent);
	j->parent = NULL;
}

static enum ssh_why jump_timed_out(struct ssh_transport *tp, int secs,
				   char *msg, size_t len)
{
	struct jump *j = (struct jump *)tp;

	snprintf(msg, len,
		 "no connection to %s through jump host %s within %d s",
		 j->t->name, j->t->jump, secs);
	return SSH_E_JUMP;
}

static void jump_free(struct ssh_transport *tp)
{
	free(tp);
}

static const struct transport_ops jump_ops = {
	.open = jump_open,
	.close = jump_close,
	.timed_out = jump_timed_out,
	.free = jump_free,
};

static struct ssh_transport *jump_new(struct loop *loop,
				      const struct ssh_target *t)
{
	struct jump *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->tp.ops = &jump_ops;
	j->tp.loop = loop;
	j->t = t;
	return &j->tp;
}

struct ssh_session *ssh_session_new(struct loop *loop,
				    const struct ssh_params *params,
				    ssh_state_fn fn, void *arg, char *err,
				    size_t errlen)
{
	struct ssh_target *t = calloc(1, sizeof(*t));
	struct ssh_transport *tp;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ssh_target_resolve(t, params, err, errlen)) {
		free(t);
		return NULL;
	}
	tp = t->jump ? jump_new(loop, t) :
		       transport_tcp_new(loop, t->host, t->port);
	return ssh_session_create(loop, t, tp, fn, arg, err, errlen);
}
