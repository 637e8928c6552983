// SPDX-License-Identifier: GPL-2.0
/*
 * The command table and its parser. A command line is read twice with
 * getopt_long: first with every command's options, only to find the
 * command's name (the first word that is neither an option nor an
 * option's argument, wherever it stands); then with the global options
 * and that command's, which permutes the options out of the arguments.
 * So `kmdash run cycle --json -c F` and `kmdash --json -c F run cycle`
 * mean the same, and "--" ends the options.
 */
#include "cli/cmd.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/base/strutil.h"
#include "core/config/config.h"

/* one command a line */
/* clang-format off */
const struct cmd_entry *const cmd_table[] = {
	&cmd_init_entry,
	&cmd_run_entry,
	&cmd_watch_entry,
	&cmd_bench_entry,
	&cmd_status_entry,
	&cmd_check_entry,
	&cmd_dmesg_entry,
	&cmd_vm_entry,
	&cmd_gdb_entry,
	&cmd_target_entry,
	&cmd_image_entry,
	&cmd_trust_entry,
	&cmd_decode_entry,
	&cmd_config_entry,
	&cmd_help_entry,
	&cmd_completion_entry,
	NULL,
};
/* clang-format on */

const struct cmd_opt cmd_global_opts[] = {
	{ "config", 'c', "FILE",
	  "the configuration (default $XDG_CONFIG_HOME/kmdash/config.json; "
	  "none is needed for the embedded target)",
	  CMD_COMPLETE_FILE, NULL },
	{ "target", 't', "NAME",
	  "a target of the configuration (default: its default_target)",
	  CMD_COMPLETE_TARGET, NULL },
	{ "module", OPT_MODULE, "DIR",
	  "the module in DIR (default: the nearest directory upwards with a "
	  "Kbuild, or a Makefile with obj-m; else the config's module.dir)",
	  CMD_COMPLETE_FILE, NULL },
	{ "example", OPT_EXAMPLE, NULL,
	  "the storage_hash example kmdash installs, built in the cache",
	  CMD_COMPLETE_NONE, NULL },
	{ "help", 'h', NULL, "the usage, options and help of the command",
	  CMD_COMPLETE_NONE, NULL },
	{ "version", OPT_VERSION, NULL, "the version and the libraries in use",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const char *cmd_name_word(size_t i)
{
	for (size_t k = 0; cmd_table[k]; k++)
		if (k == i)
			return cmd_table[k]->name;
	return NULL;
}

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i]; i++)
		if (!strcmp(cmd_table[i]->name, name) ||
		    (cmd_table[i]->alias && !strcmp(cmd_table[i]->alias, name)))
			return cmd_table[i];
	return NULL;
}

void cmd_print_words(FILE *out, cmd_word_fn fn, const char *sep)
{
	const char *w;

	for (size_t i = 0; (w = fn(i)); i++)
		fprintf(out, "%s%s", i ? sep : "", w);
}

void cmd_print_error(FILE *out, const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;

	if (e && e->name)
		fprintf(out, "kmdash %s: ", e->name);
	else
		fputs("kmdash: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* --- getopt_long's view of some option lists ---------------------------- */

#define MAX_OPTS 64

struct optset {
	struct option lo[MAX_OPTS + 1]; /* zero-terminated */
	const struct cmd_opt *row[MAX_OPTS];
	const char *names[MAX_OPTS]; /* for "did you mean" */
	size_t n;
	/* ":" first: a missing argument returns ':', not '?' */
	char so[2 + 2 * MAX_OPTS];
};

/* An option of the same name twice (another command's) is taken once. */
static void optset_add(struct optset *s, const struct cmd_opt *o)
{
	for (; o && o->name; o++) {
		size_t i = 0;
		size_t l = strlen(s->so);

		while (i < s->n && strcmp(s->lo[i].name, o->name))
			i++;
		if (i < s->n || s->n == MAX_OPTS)
			continue;
		s->lo[s->n] = (struct option){
			.name = o->name,
			.has_arg = o->arg ? required_argument : no_argument,
			.val = o->id,
		};
		s->row[s->n] = o;
		s->names[s->n++] = o->name;
		if (o->id < 128 && !strchr(s->so, o->id) &&
		    l + 2 < sizeof(s->so)) {
			s->so[l++] = (char)o->id;
			if (o->arg)
				s->so[l++] = ':';
			s->so[l] = '\0';
		}
	}
}

static void optset_init(struct optset *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->so, ":");
}

/* getopt_long from the start (glibc starts over when optind is 0). */
static void getopt_restart(void)
{
	optind = 0;
	opterr = 0;
}

/*
 * The command's name, or NULL for none. *bad: the first option no
 * command knows, NULL if none.
 */
static const char *find_command(int argc, char **argv, const char **bad)
{
	struct optset s;
	char **copy = calloc((size_t)argc + 1, sizeof(*copy));
	const char *word = NULL;
	int ch;

	*bad = NULL;
	if (!copy)
		return NULL;
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	optset_init(&s);
	optset_add(&s, cmd_global_opts);
	optset_add(&s, cmd_dash_entry.opts);
	for (size_t i = 0; cmd_table[i]; i++)
		optset_add(&s, cmd_table[i]->opts);
	getopt_restart();
	while ((ch = getopt_long(argc, copy, s.so, s.lo, NULL)) != -1)
		if ((ch == '?' || ch == ':') && !*bad)
			*bad = copy[optind - 1];
	if (optind < argc)
		word = copy[optind];
	free(copy);
	return word;
}

/* Says what is wrong with the option text (as typed) of a '?' from getopt. */
static void bad_option(FILE *err, const struct cmd_entry *e,
		       const struct optset *s, const char *text, int optopt_)
{
	const char *name, *eq, *near, *match = NULL;
	size_t len, nprefix = 0;
	char cands[256] = "";

	/*
	 * getopt names a short letter in optopt, and a long option by its
	 * id when it refused its value; in a cluster ("-fx") optind still
	 * points at it, so the text is another word: the letter decides.
	 */
	if (optopt_ > 0 && optopt_ < 128 &&
	    !(text[0] == '-' && text[1] == '-' && strchr(text, '='))) {
		cmd_print_error(err, e, "unknown option '-%c'", optopt_);
		return;
	}
	if (text[1] != '-') {
		/* the first pass's, which has no letter to give */
		cmd_print_error(err, e, "unknown option '%s'", text);
		return;
	}
	name = text + 2;
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	for (size_t i = 0; i < s->n; i++) {
		size_t l = strlen(cands);

		if (strncmp(s->names[i], name, len))
			continue;
		if (strlen(s->names[i]) == len) {
			match = s->names[i];
			nprefix = 1;
			break;
		}
		match = s->names[i];
		nprefix++;
		snprintf(cands + l, sizeof(cands) - l, "%s--%s", l ? ", " : "",
			 s->names[i]);
	}
	/* getopt knew it: "--json=1", a flag given a value */
	if (nprefix == 1) {
		cmd_print_error(err, e, "option '--%s' takes no value", match);
		return;
	}
	if (nprefix > 1) {
		cmd_print_error(err, e, "option '--%.*s' is ambiguous: %s",
				(int)len, name, cands);
		return;
	}
	if (eq) {
		/* str_closest wants the name alone */
		char only[65];

		snprintf(only, sizeof(only), "%.*s", (int)len, name);
		near = str_closest(only, s->names, s->n, 2);
	} else {
		near = str_closest(name, s->names, s->n, 2);
	}
	if (near)
		cmd_print_error(err, e,
				"unknown option '--%.*s'; did you mean '--%s'?",
				(int)len, name, near);
	else
		cmd_print_error(err, e, "unknown option '--%.*s'", (int)len,
				name);
}

static int usage_error(FILE *err, const struct cmd_entry *e)
{
	cmd_print_usage(err, e);
	return 2;
}

/* Every argument of a word-list command is one of its words. */
static int check_words(const struct cmd_ctx *ctx, FILE *err)
{
	const struct cmd_entry *e = ctx->entry;
	const char *words[64];
	size_t n = 0;

	if (e->arg_complete != CMD_COMPLETE_WORDS || !e->arg_word)
		return 0;
	while (n < 64 && (words[n] = e->arg_word(n)))
		n++;
	for (int i = 0; i < ctx->argc && (!e->word_args || i < e->word_args);
	     i++) {
		const char *near;
		size_t k;

		for (k = 0; k < n && strcmp(words[k], ctx->argv[i]); k++)
			;
		if (k < n)
			continue;
		near = str_closest(ctx->argv[i], words, n, 2);
		fprintf(err, "kmdash %s: unknown %s '%s'%s%s%s (%ss: ", e->name,
			e->arg_what, ctx->argv[i],
			near ? "; did you mean '" : "", near ? near : "",
			near ? "'?" : "", e->arg_what);
		cmd_print_words(err, e->arg_word, ", ");
		fputs(")\n", err);
		return usage_error(err, e);
	}
	return 0;
}

int cmd_parse(struct cmd_ctx *ctx, int argc, char **argv, FILE *err)
{
	const char *word, *bad;
	const struct cmd_entry *e = &cmd_dash_entry;
	struct optset s;
	int ch, li;

	memset(ctx, 0, sizeof(*ctx));
	ctx->exe = argv[0];
	word = find_command(argc, argv, &bad);
	if (word) {
		e = cmd_find(word);
		if (!e) {
			const char *names[64];
			size_t n = 0;
			const char *near;

			if (bad) {
				/* "--confg F run": F is no command */
				optset_init(&s);
				optset_add(&s, cmd_global_opts);
				optset_add(&s, cmd_dash_entry.opts);
				bad_option(err, NULL, &s, bad, 0);
				return usage_error(err, &cmd_dash_entry);
			}
			while (n < 64 && (names[n] = cmd_name_word(n)))
				n++;
			near = str_closest(word, names, n, 2);
			cmd_print_error(
				err, NULL,
				"unknown command '%s'%s%s%s (kmdash help "
				"lists them)",
				word, near ? "; did you mean '" : "",
				near ? near : "", near ? "'?" : "");
			return 2;
		}
	}
	ctx->entry = e;
	optset_init(&s);
	optset_add(&s, cmd_global_opts);
	optset_add(&s, e->opts);
	getopt_restart();
	while ((ch = getopt_long(argc, argv, s.so, s.lo, &li)) != -1) {
		if (ch == '?') {
			bad_option(err, e, &s, argv[optind - 1], optopt);
			return usage_error(err, e);
		}
		if (ch == ':') {
			const char *t = argv[optind - 1];

			for (size_t i = 0; i < s.n; i++)
				if (s.lo[i].val == optopt)
					cmd_print_error(
						err, e,
						"option '%s' needs a value (%s)",
						t, s.row[i]->arg);
			return usage_error(err, e);
		}
		if (ch > 0 && ch < OPT_MAX)
			ctx->opt[ch] = optarg ? optarg : "";
	}
	ctx->argc = argc - optind;
	ctx->argv = argv + optind;
	if (word) {
		/* the command's own name is the first argument left */
		ctx->argc--;
		ctx->argv++;
	}
	/* kmdash run --help: the help, whatever the arguments */
	if (cmd_has(ctx, 'h') || cmd_has(ctx, OPT_VERSION))
		return 0;
	if (ctx->argc < e->min_args) {
		cmd_print_error(err, e, "missing argument");
		return usage_error(err, e);
	}
	if (e->max_args >= 0 && ctx->argc > e->max_args) {
		cmd_print_error(err, e, "unexpected argument '%s'",
				ctx->argv[e->max_args]);
		return usage_error(err, e);
	}
	return check_words(ctx, err);
}

int cmd_exec(struct cmd_ctx *ctx)
{
	const struct cmd_entry *e = ctx->entry;
	int rc;

	if (cmd_has(ctx, 'h')) {
		cmd_print_help(stdout, e);
		return 0;
	}
	if (cmd_has(ctx, OPT_VERSION)) {
		cmd_print_version(stdout);
		return 0;
	}
	if (e->flags & CMD_CONFIG) {
		ctx->cfg = cli_load_config(ctx);
		if (!ctx->cfg)
			return 2;
	}
	rc = e->exec(ctx);
	config_free(ctx->cfg);
	ctx->cfg = NULL;
	return rc;
}
