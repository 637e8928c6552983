/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where and as whom a session connects: its ssh_params resolved against
 * ssh_config once, when the session is made. Read by the transport's
 * maker (sshopen.c), the connect code (connect.c) and the session
 * (ssh.c). Private to core/ssh/.
 */
#ifndef KMDASH_SSH_TARGET_INT_H
#define KMDASH_SSH_TARGET_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ssh/ssh.h"

struct ssh_target {
	char *alias; /* as given: the name `kmdash trust` is told */
	char *host, *user, *known_hosts;
	char *jump; /* ProxyJump hops "a,b", or NULL: direct */
	int port;
	char *ident[SSH_MAX_IDENTITIES];
	int nident;
	bool explicit_ident, identities_only, use_agent, use_ssh_config;
	char *ssh_config;
	int timeout_ms, bmin, bmax;
	bool reconnect;
	char name[600]; /* "user@host:port" (and " via jump"), for messages */
};

/* 0, or -errno with a reason in err (t is then cleared). */
int ssh_target_resolve(struct ssh_target *t, const struct ssh_params *p,
		       char *err, size_t errlen);
void ssh_target_clear(struct ssh_target *t);

#endif
