// SPDX-License-Identifier: GPL-2.0
/* ssh_params and ssh_config resolved into one session's target. */
#include "core/ssh/target_int.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/strutil.h"
#include "core/ssh/sshconfig.h"

/* Paths under ~ of a user without a home fall back to the root. */
static const char *home_dir(void)
{
	const char *h = str_home_dir();

	return h ? h : "/";
}

/* As OpenSSH: the password database's name first, not $USER. */
static const char *local_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u = getenv("USER");

	if (pw)
		return pw->pw_name;
	return u ? u : "root";
}

static char *dup_or_null(const char *p)
{
	return p ? strdup(p) : NULL;
}

static int add_ident(struct ssh_target *t, const char *path)
{
	if (t->nident >= SSH_MAX_IDENTITIES)
		return 0;
	t->ident[t->nident] = strdup(path);
	if (!t->ident[t->nident])
		return -ENOMEM;
	t->nident++;
	return 0;
}

static int resolve(struct ssh_target *t, const struct ssh_params *p, char *err,
		   size_t errlen)
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
	t->alias = strdup(p->host);
	t->host = strdup(cfg.hostname[0] ? cfg.hostname : p->host);
	t->port = p->port ? p->port : cfg.port ? cfg.port : 22;
	t->user = strdup(p->user     ? p->user :
			 cfg.user[0] ? cfg.user :
				       local_user());
	if (p->known_hosts) {
		t->known_hosts = strdup(p->known_hosts);
	} else if (cfg.known_hosts[0]) {
		t->known_hosts = strdup(cfg.known_hosts);
	} else {
		snprintf(buf, sizeof(buf), "%s/.ssh/known_hosts", home_dir());
		t->known_hosts = strdup(buf);
	}
	if (p->jump)
		t->jump = *p->jump ? strdup(p->jump) : NULL;
	else if (cfg.proxyjump[0] && strcmp(cfg.proxyjump, "none"))
		t->jump = strdup(cfg.proxyjump);
	for (int i = 0; i < SSH_MAX_IDENTITIES && p->identity[i]; i++) {
		t->explicit_ident = true;
		if (add_ident(t, p->identity[i]))
			return -ENOMEM;
	}
	for (int i = 0; i < cfg.nidentity; i++)
		if (add_ident(t, cfg.identity[i]))
			return -ENOMEM;
	if (!t->nident) {
		static const char *const defs[] = { "id_ed25519", "id_ecdsa",
						    "id_rsa" };

		for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
			snprintf(buf, sizeof(buf), "%s/.ssh/%s", home_dir(),
				 defs[i]);
			if (!access(buf, R_OK) && add_ident(t, buf))
				return -ENOMEM;
		}
	}
	t->identities_only = cfg.identities_only == 1;
	t->use_agent = p->use_agent;
	t->use_ssh_config = p->use_ssh_config;
	t->ssh_config = dup_or_null(p->ssh_config);
	t->timeout_ms = p->connect_timeout_ms > 0 ? p->connect_timeout_ms :
						    10000;
	t->bmin = p->backoff_min_ms > 0 ? p->backoff_min_ms : 250;
	t->bmax = p->backoff_max_ms > 0 ? p->backoff_max_ms : 30000;
	if (t->bmax < t->bmin)
		t->bmax = t->bmin;
	t->reconnect = p->reconnect;
	if (!t->alias || !t->host || !t->user || !t->known_hosts)
		return -ENOMEM;
	snprintf(t->name, sizeof(t->name), "%s@%s:%d%s%s", t->user, t->host,
		 t->port, t->jump ? " via " : "", t->jump ? t->jump : "");
	return 0;
}

int ssh_target_resolve(struct ssh_target *t, const struct ssh_params *p,
		       char *err, size_t errlen)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (!p || !p->host || !*p->host) {
		snprintf(err, errlen, "no target host given");
		return -EINVAL;
	}
	if (errlen)
		*err = '\0';
	rc = resolve(t, p, err, errlen);
	if (rc) {
		if (!*err)
			snprintf(err, errlen, "out of memory");
		ssh_target_clear(t);
	}
	return rc;
}

void ssh_target_clear(struct ssh_target *t)
{
	free(t->alias);
	free(t->host);
	free(t->user);
	free(t->known_hosts);
	free(t->jump);
	free(t->ssh_config);
	for (int i = 0; i < t->nident; i++)
		free(t->ident[i]);
	memset(t, 0, sizeof(*t));
}
