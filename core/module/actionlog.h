/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every action kmdash performs (build, strip, upload, verify, insmod,
 * rmmod, bench, the target's facts, VM control), each with a shell
 * command line that does the same, for a user to paste: for trust, for
 * demos, and to go on by hand where kmdash stops. A VM target is reached
 * as `ssh -F RUNTIME/vm-NAME/ssh_config kmdash-target` (the file
 * core/vm/vm.c writes), a board with ssh's own options; the remote words
 * are quoted with core/base/quote.h, then the whole remote command once
 * more for the local shell. QMP commands are given as their JSON too.
 *
 * A bounded list, newest last; the session adds, the front ends show
 * (the dashboard's action log, `--json` events, the journal).
 */
#ifndef KMDASH_ACTIONLOG_H
#define KMDASH_ACTIONLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum action_kind {
	AK_BUILD,
	AK_STRIP,
	AK_UPLOAD,
	AK_VERIFY,
	AK_LOAD,
	AK_UNLOAD,
	AK_BENCH,
	AK_FACTS,
	AK_VM,
	AK_COUNT,
};

struct action_entry {
	int64_t at_ms; /* Unix time, ms */
	enum action_kind kind;
	char *what; /* "load storage_hash" */
	char *command; /* the shell command line */
	char *qmp; /* the QMP command as JSON, or NULL */
};

struct actionlog;

struct actionlog *actionlog_new(size_t max);
void actionlog_free(struct actionlog *al);
/* Copies the strings; the oldest entry goes past max. NULL on ENOMEM. */
const struct action_entry *actionlog_add(struct actionlog *al,
					 enum action_kind kind,
					 const char *what, const char *command,
					 const char *qmp);
size_t actionlog_count(const struct actionlog *al);
/* 0 is the oldest kept. */
const struct action_entry *actionlog_at(const struct actionlog *al, size_t i);
/* Entries added since the log began (a front end's "new since"). */
uint64_t actionlog_total(const struct actionlog *al);
/* "build", "strip", "upload", "verify", "load", "unload", ... */
const char *action_kind_name(enum action_kind k);

/* How a user's shell reaches the target. */
struct action_ssh {
	const char *ssh_config; /* a VM's: Host kmdash-target in it; or NULL */
	const char *host; /* a board: its address or ssh_config alias */
	int port; /* 0: ssh's */
	const char *user; /* NULL: ssh's */
	const char *jump; /* ProxyJump, or NULL */
	const char *identity; /* -i, or NULL */
	const char *known_hosts; /* UserKnownHostsFile, or NULL */
	bool sudo; /* insmod, rmmod through sudo -n */
};

/*
 * The remote words as one shell command line (readable quoting), after
 * "sudo -n" when priv and the target uses sudo. malloc'ed.
 */
char *action_remote(const struct action_ssh *t, const char *const *argv,
		    bool priv);
/* "ssh [OPTIONS] HOST 'REMOTE'" for a remote shell command line. */
char *action_ssh_command(const struct action_ssh *t, const char *remote);
/* "scp [OPTIONS] FILE... HOST:DIR/" */
char *action_scp_command(const struct action_ssh *t, const char *const *files,
			 const char *remote_dir);
/*
 * A QMP command: its JSON ({"execute":"quit"}) into *json, and the line
 * that sends it to the socket (socat), returned. Both malloc'ed.
 */
char *action_qmp_command(const char *qmp_socket, const char *execute,
			 char **json);

#endif
