/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ~/.ssh/config for one Host alias, the subset kmdash needs: HostName,
 * Port, User, IdentityFile, ProxyJump, IdentitiesOnly, UserKnownHostsFile
 * and Include. As in OpenSSH, the first value obtained for a keyword wins
 * (IdentityFile accumulates), and tokens (%d %u %h %r %p %%, leading ~)
 * are expanded once everything is known.
 */
#ifndef KMDASH_SSHCONFIG_H
#define KMDASH_SSHCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define SSHCONFIG_MAX_IDENTITIES 8
#define SSHCONFIG_STR 512

struct sshconfig {
	char hostname[SSHCONFIG_STR]; /* "" when not set */
	int port; /* 0 when not set */
	char user[SSHCONFIG_STR];
	char identity[SSHCONFIG_MAX_IDENTITIES][SSHCONFIG_STR];
	int nidentity;
	char proxyjump[SSHCONFIG_STR]; /* first hop only; "" or "none" */
	int identities_only; /* -1 not set, 0 no, 1 yes */
	char known_hosts[SSHCONFIG_STR]; /* first file of UserKnownHostsFile */
};

/*
 * Reads path (NULL: $HOME/.ssh/config) for alias. A missing file is not
 * an error (an empty result). home and local_user may be NULL (taken from
 * the environment). Returns 0 or -errno with a reason in err.
 */
int sshconfig_lookup(const char *path, const char *alias, const char *home,
		     const char *local_user, struct sshconfig *out, char *err,
		     size_t errlen);

/* OpenSSH pattern lists: "a*,b?c,!bad" (any positive match, no negated). */
bool sshconfig_match_list(const char *list, const char *host);

/*
 * Splits one ProxyJump hop "[user@]host[:port]" (or "[v6addr]:port"): spec
 * up to its first comma. port is 0 when not given. -EINVAL for an empty
 * user or host, a bad port, spaces or '/'.
 */
int sshconfig_parse_jump(const char *spec, char *user, size_t ulen, char *host,
			 size_t hlen, int *port);

#endif
