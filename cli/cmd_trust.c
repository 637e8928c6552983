// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash trust [TARGET]: shows the fingerprint of a host key that is not
 * in known_hosts and, once the user confirms on the terminal (or with
 * --yes), adds it. A changed key is never replaced here.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/config/config.h"
#include "core/session.h"
#include "core/ssh/knownhosts.h"
#include "core/ssh/link.h"
#include "core/ssh/ssh.h"

/* Asks on the terminal; true for yes. */
static bool confirm(struct cli *c)
{
	char answer[16] = "";
	FILE *tty = fopen("/dev/tty", "r+e");

	if (!tty) {
		fprintf(stderr,
			"kmdash trust: no terminal to confirm on; compare the fingerprint and run 'kmdash trust %s --yes'\n",
			session_name(c->s));
		return false;
	}
	fprintf(tty,
		"Compare it with the target's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the board).\nTrust it? [y/N] ");
	fflush(tty);
	if (!fgets(answer, sizeof(answer), tty))
		answer[0] = '\0';
	fclose(tty);
	if (answer[0] != 'y' && answer[0] != 'Y') {
		printf("not trusted\n");
		return false;
	}
	return true;
}

static int trust(struct cli *c, bool yes)
{
	struct session_opts so = { 0 };
	char type[32], fp[KH_FP_LEN], err[512];
	struct ssh_session *ss;
	struct link *l;
	int rc = cli_open_session(c, &so);

	if (rc)
		return rc;
	cli_run_until(c, cli_link_settled,
		      session_target(c->s)->ssh.connect_timeout_ms + 2000);
	l = session_link(c->s);
	if (!l) {
		fprintf(stderr,
			"kmdash trust: %s is not reachable (is its VM running?)\n",
			session_name(c->s));
		return 1;
	}
	ss = session_ssh(c->s);
	if (link_state(l) == LINK_UP) {
		cli_say(c, "the host key of %s is already trusted\n",
			ssh_session_target(ss));
		return 0;
	}
	if (ssh_session_why(ss) != SSH_E_HOSTKEY_UNKNOWN ||
	    ssh_session_presented_key(ss, type, sizeof(type), fp) < 0) {
		fprintf(stderr, "kmdash trust: %s\n", link_message(l));
		return 1;
	}
	printf("The host %s presents a key not in known_hosts:\n  %s %s\n",
	       ssh_session_target(ss), type, fp);
	if (!yes && !confirm(c))
		return 1;
	if (ssh_trust_host_key(ss, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash trust: %s\n", err);
		return 1;
	}
	printf("trusted: %s\n", err[0] ? err : fp);
	return 0;
}

static int trust_exec(struct cmd_ctx *ctx)
{
	struct cli c;
	int rc;

	cli_init(&c, ctx);
	if (ctx->argc == 1)
		c.target = ctx->argv[0];
	rc = trust(&c, cmd_has(ctx, 'y'));
	cli_close(&c);
	return rc;
}

static const struct cmd_opt trust_opts[] = {
	{ "yes", 'y', NULL,
	  "trust the key without asking (compare the fingerprint first)",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_trust_entry = {
	.name = "trust",
	.args = "[TARGET]",
	.opts = trust_opts,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_TARGET,
	.flags = CMD_CONFIG,
	.exec = trust_exec,
	.summary = "add a new host key to known_hosts after showing it",
	.help = "Connects to the target (by default --target's, or the "
		"configuration's default) and, when it presents a host key "
		"that is not in its known_hosts, prints the key's type and "
		"SHA-256 fingerprint and asks on the terminal whether to "
		"trust it. A changed key is refused: fix or remove the "
		"known_hosts line that the error names.",
};
