// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash watch [build|reload|cycle]: watch mode without the dashboard. A
 * save of the module's sources runs the job and its progress is printed
 * as `kmdash run` prints it (--json: one object a line: "watch", "save",
 * "restart", "step", "kmsg", "done"), until Ctrl-C.
 */
#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/base/loop.h"
#include "core/config/config.h"
#include "core/module/job.h"
#include "core/session.h"

struct watchcmd {
	struct cli c; /* first: callbacks get the cli */
	enum config_watch what;
	unsigned saves, restarts; /* already said */
	char error[256];
	enum link_state last_link;
};

static const char *watch_word(size_t i)
{
	static const char *const words[] = { "build", "reload", "cycle" };

	return i < sizeof(words) / sizeof(words[0]) ? words[i] : NULL;
}

static void say_event(struct watchcmd *w, const char *event, const char *text)
{
	const struct session_watch *sw = session_watch(w->c.s);

	if (w->c.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", event);
		if (!strcmp(event, "watch")) {
			cJSON_AddStringToObject(o, "dir", sw->dir);
			cJSON_AddStringToObject(o, "do",
						session_watch_name(sw->what));
		} else {
			cJSON_AddStringToObject(o, "files", sw->last);
		}
		if (text)
			cJSON_AddStringToObject(o, "message", text);
		cli_emit_json(o);
		return;
	}
	if (!strcmp(event, "watch"))
		cli_say(&w->c, "watching %s (a save: %s); Ctrl-C stops\n",
			sw->dir, session_watch_name(sw->what));
	else if (!strcmp(event, "restart"))
		cli_say(&w->c,
			"-- %s saved during the build: building again --\n",
			sw->last);
	else
		cli_say(&w->c, "-- %s saved%s%s --\n", sw->last,
			text ? ": " : "", text ? text : "");
}

static void on_change(struct session *s, unsigned changes, void *arg)
{
	struct watchcmd *w = arg;
	const struct session_watch *sw = session_watch(s);
	struct link *l = session_link(s);

	if (changes & SC_KMSG)
		cli_print_kmsg(&w->c, true);
	if ((changes & SC_LINK) && l)
		cli_print_link_change(&w->c, &w->last_link);
	if (!(changes & SC_WATCH))
		return;
	if (sw->restarts != w->restarts) {
		w->restarts = sw->restarts;
		w->saves = sw->saves;
		say_event(w, "restart", NULL);
	}
	if (sw->saves != w->saves) {
		w->saves = sw->saves;
		say_event(w, "save", sw->error[0] ? sw->error : NULL);
	}
}

static void on_job_done(struct session *s, const struct job *job, void *arg)
{
	struct watchcmd *w = arg;

	cli_print_kmsg(&w->c, true);
	if (w->c.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "done");
		cJSON_AddStringToObject(o, "job", job->name);
		cJSON_AddStringToObject(o, "state", job_state_name(job->state));
		cli_emit_json(o);
	} else {
		cli_say(&w->c, "%s %s\n", job->name,
			job->state == JOB_OK ? "succeeded" :
					       job_state_name(job->state));
	}
	/* Ctrl-C cancelled it: now we stop */
	if (w->c.interrupted)
		loop_stop(w->c.loop);
}

static int watch_run(struct watchcmd *w)
{
	struct cli *c = &w->c;
	bool target = w->what != CONFIG_WATCH_BUILD;
	struct session_opts so = {
		.start_vm = target,
		.follow_kmsg = target,
		.serial = target,
		.journal = true,
		.on_step = cli_print_step,
		.on_change = on_change,
		.on_job_done = on_job_done,
	};
	char err[512];
	int rc = cli_open_session(c, &so);

	if (rc)
		return rc;
	if (session_watch_set(c->s, w->what, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash watch: %s\n", err);
		return 1;
	}
	say_event(w, "watch", NULL);
	loop_run(c->loop);
	return 0;
}

static int watch_exec(struct cmd_ctx *ctx)
{
	struct watchcmd w = { .last_link = LINK_CONNECTING };
	int rc;

	cli_init(&w.c, ctx);
	/* the word, else the config's mode, else reload */
	w.what = ctx->cfg->watch != CONFIG_WATCH_OFF ? ctx->cfg->watch :
						       CONFIG_WATCH_RELOAD;
	for (size_t i = 0; ctx->argc && watch_word(i); i++)
		if (!strcmp(ctx->argv[0], watch_word(i)))
			w.what = (enum config_watch)(CONFIG_WATCH_BUILD + i);
	rc = watch_run(&w);
	cli_close(&w.c);
	return rc;
}

static const struct cmd_opt watch_opts[] = {
	{ "json", OPT_JSON, NULL,
	  "one JSON object a line for each event (watch, save, restart, "
	  "step, kmsg, done) instead of text",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.args = "[build|reload|cycle]",
	.opts = watch_opts,
	.min_args = 0,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = watch_word,
	.arg_what = "what a save does",
	.flags = CMD_CONFIG,
	.exec = watch_exec,
	.summary = "build (and reload) the module at each save of its sources",
	.help = "Watches the module's source directory and its "
		"subdirectories (sources, headers, Kbuild, Makefile; not "
		"editors' swap and backup files) and, once a save has "
		"settled, runs: build; reload (build, then unload, deploy and "
		"load: the default); or cycle (also the benchmark). The "
		"config's \"watch\" says which when no word is given. A save "
		"during the build stops its whole process group and builds "
		"again; a failed build deploys nothing, and the module that "
		"runs stays loaded. Progress is printed as kmdash run prints "
		"it, with the module's kernel lines, until Ctrl-C.",
};
