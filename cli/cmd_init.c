// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash init: a config for the module kmdash is started in (as check
 * finds it), on the embedded VM or on a board (--target user@host[:port],
 * through --jump HOST; a board on 127.0.0.1 is the reverse tunnel's
 * shape). It shows the config, asks before writing it, never replaces
 * one without saying so (the old one is kept), and checks the result.
 */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/check.h"
#include "cli/cmd.h"
#include "core/base/datadir.h"
#include "core/base/fsdir.h"
#include "core/base/strutil.h"
#include "core/config/config.h"
#include "core/module/modsrc.h"

/* "[user@]host[:port]" of --target. */
struct board {
	char user[64], host[256];
	int port;
};

static int parse_board(const char *s, struct board *b, char *err, size_t errlen)
{
	const char *at = strchr(s, '@'), *h = at ? at + 1 : s, *colon;
	char *end;
	long port = 22;

	snprintf(b->user, sizeof(b->user), "%.*s", at ? (int)(at - s) : 0, s);
	if (!b->user[0])
		snprintf(b->user, sizeof(b->user), "%s", str_user_name());
	colon = strrchr(h, ':');
	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || *end || port < 1 || port > 65535) {
			snprintf(err, errlen,
				 "--target %s: the port must be 1-65535", s);
			return -EINVAL;
		}
	}
	snprintf(b->host, sizeof(b->host), "%.*s",
		 colon ? (int)(colon - h) : (int)strlen(h), h);
	if (!b->host[0]) {
		snprintf(err, errlen,
			 "--target %s: expected user@host[:port], e.g. "
			 "pi@192.168.1.50 or pi@127.0.0.1:2222",
			 s);
		return -EINVAL;
	}
	b->port = (int)port;
	return 0;
}

static bool loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") ||
	       !strcmp(host, "::1");
}

/* A target name from the host: what config_name_ok takes. */
static void board_name(const struct board *b, char *out, size_t cap)
{
	size_t n = 0;

	if (loopback(b->host)) {
		snprintf(out, cap, "tunnel-%d", b->port);
		return;
	}
	for (const char *p = b->host; *p && n + 1 < cap && n < 64; p++)
		out[n++] = (strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z')) ?
				   *p :
				   '-';
	out[n] = '\0';
	if (!config_name_ok(out))
		snprintf(out, cap, "board");
}

/* The module this config is for: --module, --example, else found here. */
static int find_module(const struct cmd_ctx *ctx, struct modsrc *m, char *err,
		       size_t errlen)
{
	char cwd[PATH_MAX], data[PATH_MAX + 8];

	if (!getcwd(cwd, sizeof(cwd))) {
		snprintf(err, errlen, "cannot tell where kmdash runs: %s",
			 strerror(errno));
		return -errno;
	}
	if (cmd_has(ctx, OPT_MODULE))
		return modsrc_read(ctx->opt[OPT_MODULE], m, err, errlen);
	if (cmd_has(ctx, OPT_EXAMPLE)) {
		if (datadir_find(data, sizeof(data)) < 0) {
			snprintf(err, errlen,
				 "the storage_hash example is not installed "
				 "next to this kmdash (make install)");
			return -ENOENT;
		}
		strcat(data, "/kmod");
		return modsrc_read(data, m, err, errlen);
	}
	return modsrc_find(cwd, str_home_dir(), m, err, errlen);
}

static cJSON *target_json(const struct cmd_ctx *ctx, const struct modsrc *m,
			  const struct board *b)
{
	cJSON *t = cJSON_CreateObject(), *mod, *ssh;
	char name[80];

	if (!b) {
		cJSON_AddStringToObject(t, "name", "qemu");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(t, "vm"),
					"profile", "virt");
	} else {
		board_name(b, name, sizeof(name));
		cJSON_AddStringToObject(t, "name", name);
		ssh = cJSON_AddObjectToObject(t, "ssh");
		cJSON_AddStringToObject(ssh, "host", b->host);
		cJSON_AddNumberToObject(ssh, "port", b->port);
		cJSON_AddStringToObject(ssh, "user", b->user);
		if (cmd_has(ctx, OPT_JUMP))
			cJSON_AddStringToObject(ssh, "jump_host",
						ctx->opt[OPT_JUMP]);
		/* a reverse tunnel: its failures are told apart by the probe */
		if (loopback(b->host)) {
			cJSON_AddNumberToObject(ssh, "probe_interval_ms", 1000);
			cJSON_AddNumberToObject(ssh, "dead_after_ms", 4000);
		}
	}
	mod = cJSON_AddObjectToObject(t, "module");
	cJSON_AddStringToObject(mod, "dir", m->dir);
	if (m->n > 1)
		cJSON_AddStringToObject(mod, "name", m->names[0]);
	if (b && strcmp(b->user, "root"))
		cJSON_AddBoolToObject(cJSON_AddObjectToObject(t, "kmsg"),
				      "sudo", true);
	return t;
}

/* A free "PATH.bak", "PATH.bak.2", ...: an old config is never lost. */
static int backup_path(const char *path, char *out, size_t cap)
{
	for (int i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(out, cap, "%s.bak", path);
		else
			snprintf(out, cap, "%s.bak.%d", path, i);
		if (access(out, F_OK))
			return 0;
	}
	return -EEXIST;
}

static bool same_content(const char *path, const char *text)
{
	char buf[65536];
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return f && !strcmp(buf, text);
}

/* Written whole or not at all: a temporary file, then a rename. */
static int write_config(const char *path, const char *text, char *err,
			size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	char *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		fsdir_make(dir);
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 strerror(errno));
		return -errno;
	}
	if (rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(errno));
		unlink(tmp);
		return -errno;
	}
	return 0;
}

/* y or n on the terminal; def for a bare Enter. */
static bool ask(const char *question, bool def)
{
	char line[32];

	printf("%s [%s] ", question, def ? "Y/n" : "y/N");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	if (line[0] == '\n')
		return def;
	return line[0] == 'y' || line[0] == 'Y';
}

static int init_exec(struct cmd_ctx *ctx)
{
	struct modsrc m;
	struct board b;
	struct config_opts co = { 0 };
	struct config *cfg;
	char err[PATH_MAX + 512], bak[PATH_MAX + 16], *text, *path;
	cJSON *root, *targets;
	bool yes = cmd_has(ctx, 'y'), exists;
	int rc;

	if (find_module(ctx, &m, err, sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		return 1;
	}
	if (cmd_has(ctx, 't') &&
	    parse_board(ctx->opt['t'], &b, err, sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		return 2;
	}
	if (cmd_has(ctx, OPT_JUMP) && !cmd_has(ctx, 't')) {
		cmd_print_error(stderr, ctx->entry,
				"--jump goes with --target user@host[:port]");
		return 2;
	}
	root = cJSON_CreateObject();
	targets = cJSON_AddArrayToObject(root, "targets");
	cJSON_AddItemToArray(
		targets, target_json(ctx, &m, cmd_has(ctx, 't') ? &b : NULL));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	path = ctx->opt['c'] ? strdup(ctx->opt['c']) : config_default_path();
	if (!text || !path) {
		free(text);
		free(path);
		cmd_print_error(stderr, ctx->entry,
				"no place for the config (set HOME or "
				"XDG_CONFIG_HOME, or --config FILE)");
		return 1;
	}
	/* JSON text ends with a newline, as files do */
	printf("%s\n", text);
	if (m.n > 1)
		printf("(%s builds several modules: %s chosen; module.name "
		       "picks another)\n",
		       m.file, m.names[0]);
	exists = access(path, F_OK) == 0;
	rc = 0;
	if (exists && same_content(path, text)) {
		printf("%s already says this: unchanged\n", path);
	} else if (!yes && !isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"kmdash init: not written (no terminal to ask): "
			"kmdash init --yes writes it to %s\n",
			path);
		rc = 1;
	} else if (exists && backup_path(path, bak, sizeof(bak)) < 0) {
		cmd_print_error(stderr, ctx->entry,
				"%s exists, and so do its backups: move them "
				"away first",
				path);
		rc = 1;
	} else if (!yes &&
		   !ask(exists ?
				"Replace the config (the old one is kept as .bak)?" :
				"Write it?",
			!exists)) {
		printf("not written\n");
		rc = 1;
	} else if (exists && rename(path, bak)) {
		cmd_print_error(stderr, ctx->entry, "cannot keep %s as %s: %m",
				path, bak);
		rc = 1;
	} else if (write_config(path, text, err, sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		rc = 1;
	} else {
		printf("wrote %s%s%s%s\n", path,
		       exists ? " (the old one is " : "", exists ? bak : "",
		       exists ? ")" : "");
	}
	free(text);
	if (rc) {
		free(path);
		return rc;
	}
	/* what the new config gives, checked */
	co.path = path;
	co.module_dir = ctx->opt[OPT_MODULE];
	co.example = cmd_has(ctx, OPT_EXAMPLE);
	cfg = config_load(&co, err, sizeof(err));
	free(path);
	if (!cfg) {
		fprintf(stderr, "kmdash init: the config does not load:\n%s\n",
			err);
		return 1;
	}
	printf("\n");
	/* its target is the only one: --target named the board, no target */
	ctx->opt['t'] = NULL;
	check_run(ctx, cfg);
	config_free(cfg);
	/* the config was written: what check says is what to do next */
	return 0;
}

static const struct cmd_opt init_opts[] = {
	{ "jump", OPT_JUMP, "HOST",
	  "reach the board through HOST ([user@]host[:port], as ProxyJump)",
	  CMD_COMPLETE_NONE, NULL },
	{ "yes", 'y', NULL,
	  "write without asking (an existing config is kept as .bak)",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.opts = init_opts,
	.exec = init_exec,
	.summary = "write a config for the module in this directory",
	.help = "Writes a config for the module kmdash is started in: the "
		"nearest directory upwards with a Kbuild, or a Makefile with "
		"obj-m (or --module DIR, or --example). The target is the "
		"embedded VM, or with --target user@host[:port] a board over "
		"SSH (--jump HOST to reach it through a build host; a board "
		"on 127.0.0.1:PORT is the reverse tunnel's shape).\n\n"
		"It prints the config, then asks before writing it to "
		"$XDG_CONFIG_HOME/kmdash/config.json (or --config FILE); an "
		"existing config is never replaced silently: it is kept as "
		"FILE.bak. Without a terminal it writes only with --yes, "
		"else it prints the config and exits 1. Then it runs check "
		"on what it wrote; the exit status is 0 once the config is "
		"written, whatever check says is left to do.",
};
