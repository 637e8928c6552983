// SPDX-License-Identifier: GPL-2.0
/* The action log and its shell command lines (actionlog.h). */
#include "core/module/actionlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/quote.h"
#include "core/base/strutil.h"

struct actionlog {
	struct action_entry *e; /* a ring: the oldest at [head] */
	size_t head, n, max;
	uint64_t total;
};

static const char *const kind_names[AK_COUNT] = {
	[AK_BUILD] = "build",	[AK_STRIP] = "strip", [AK_UPLOAD] = "upload",
	[AK_VERIFY] = "verify", [AK_LOAD] = "load",   [AK_UNLOAD] = "unload",
	[AK_BENCH] = "bench",	[AK_FACTS] = "facts", [AK_VM] = "vm",
};

const char *action_kind_name(enum action_kind k)
{
	return k < AK_COUNT ? kind_names[k] : "?";
}

struct actionlog *actionlog_new(size_t max)
{
	struct actionlog *al = calloc(1, sizeof(*al));

	if (!al)
		return NULL;
	al->max = max ? max : 1;
	al->e = calloc(al->max, sizeof(*al->e));
	if (!al->e) {
		free(al);
		return NULL;
	}
	return al;
}

static void entry_clear(struct action_entry *e)
{
	free(e->what);
	free(e->command);
	free(e->qmp);
	memset(e, 0, sizeof(*e));
}

void actionlog_free(struct actionlog *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->max; i++)
		entry_clear(&al->e[i]);
	free(al->e);
	free(al);
}

const struct action_entry *actionlog_add(struct actionlog *al,
					 enum action_kind kind,
					 const char *what, const char *command,
					 const char *qmp)
{
	struct action_entry *e;
	struct timespec ts;

	if (al->n == al->max) {
		al->head = (al->head + 1) % al->max;
		al->n--;
	}
	e = &al->e[(al->head + al->n) % al->max];
	entry_clear(e);
	clock_gettime(CLOCK_REALTIME, &ts);
	e->at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	e->kind = kind;
	e->what = strdup(what ? what : "");
	e->command = strdup(command ? command : "");
	e->qmp = qmp ? strdup(qmp) : NULL;
	if (!e->what || !e->command || (qmp && !e->qmp)) {
		entry_clear(e);
		return NULL;
	}
	al->n++;
	al->total++;
	return e;
}

size_t actionlog_count(const struct actionlog *al)
{
	return al->n;
}

const struct action_entry *actionlog_at(const struct actionlog *al, size_t i)
{
	return i < al->n ? &al->e[(al->head + i) % al->max] : NULL;
}

uint64_t actionlog_total(const struct actionlog *al)
{
	return al->total;
}

char *action_remote(const struct action_ssh *t, const char *const *argv,
		    bool priv)
{
	const char *words[72];
	size_t n = 0;

	if (priv && t->sudo) {
		words[n++] = "sudo";
		words[n++] = "-n";
	}
	for (size_t i = 0; argv[i] && n < 71; i++)
		words[n++] = argv[i];
	words[n] = NULL;
	return quote_argv_readable_dup(words);
}

/* ssh's or scp's options and the host, as argv words (port flag differs). */
static size_t reach(const struct action_ssh *t, const char **w, char *port,
		    size_t portcap, char *dest, size_t destcap, bool scp)
{
	size_t n = 0;

	if (t->ssh_config) {
		w[n++] = "-F";
		w[n++] = t->ssh_config;
		snprintf(dest, destcap, "kmdash-target");
		return n;
	}
	if (t->port > 0) {
		snprintf(port, portcap, "%d", t->port);
		w[n++] = scp ? "-P" : "-p";
		w[n++] = port;
	}
	if (t->identity) {
		w[n++] = "-i";
		w[n++] = t->identity;
	}
	if (t->jump) {
		w[n++] = "-J";
		w[n++] = t->jump;
	}
	if (t->known_hosts) {
		w[n++] = "-o";
		w[n++] = t->known_hosts;
	}
	snprintf(dest, destcap, "%s%s%s", t->user ? t->user : "",
		 t->user ? "@" : "", t->host ? t->host : "");
	return n;
}

char *action_ssh_command(const struct action_ssh *t, const char *remote)
{
	const char *w[16];
	char port[16], dest[512], kh[600];
	size_t n = 0;
	struct action_ssh copy = *t;

	if (t->known_hosts && !t->ssh_config) {
		snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s",
			 t->known_hosts);
		copy.known_hosts = kh;
	}
	w[n++] = "ssh";
	n += reach(&copy, w + n, port, sizeof(port), dest, sizeof(dest), false);
	w[n++] = dest;
	/* the remote command line is one word for the local shell */
	w[n++] = remote;
	w[n] = NULL;
	return quote_argv_readable_dup(w);
}

char *action_scp_command(const struct action_ssh *t, const char *const *files,
			 const char *remote_dir)
{
	const char *w[32];
	char port[16], dest[512], kh[600], *target;
	size_t n = 0;
	struct action_ssh copy = *t;
	char *line;

	if (t->known_hosts && !t->ssh_config) {
		snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s",
			 t->known_hosts);
		copy.known_hosts = kh;
	}
	w[n++] = "scp";
	n += reach(&copy, w + n, port, sizeof(port), dest, sizeof(dest), true);
	for (size_t i = 0; files[i] && n < 29; i++)
		w[n++] = files[i];
	/* scp reads the remote path with the remote shell: quote it there */
	target = str_printf("%s:%s/", dest, remote_dir);
	if (!target)
		return NULL;
	w[n++] = target;
	w[n] = NULL;
	line = quote_argv_readable_dup(w);
	free(target);
	return line;
}

char *action_qmp_command(const char *qmp_socket, const char *execute,
			 char **json)
{
	char *cmd, *sock = str_printf("UNIX-CONNECT:%s", qmp_socket);
	const char *w[8];

	*json = str_printf("{\"execute\":\"%s\"}", execute);
	if (!sock || !*json) {
		free(sock);
		free(*json);
		*json = NULL;
		return NULL;
	}
	w[0] = "socat";
	w[1] = "-";
	w[2] = sock;
	w[3] = NULL;
	/* QMP wants its capabilities negotiated before any command */
	cmd = quote_argv_readable_dup(w);
	free(sock);
	if (cmd) {
		char *line = str_printf(
			"printf '%%s\\n' '{\"execute\":\"qmp_capabilities\"}' '%s' | %s",
			*json, cmd);

		free(cmd);
		cmd = line;
	}
	return cmd;
}
