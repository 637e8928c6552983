// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash completion bash|zsh: the shell completion scripts, written from
 * the command table (commands, their options, the words their arguments
 * take, the targets of the configuration), so that they cannot fall
 * behind it. `make install` installs both.
 *
 * Both scripts read the line the way the parser does: options anywhere,
 * an option's argument skipped, the first other word is the command, "--"
 * ends the options. The target names come from `kmdash completion
 * --targets` (with the line's --config), which only reads the config.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/config/config.h"

#define MAX_ROWS 64

/* Every option row once (by name): the global ones, the dashboard's, the commands'. */
static size_t all_opts(const struct cmd_opt **rows)
{
	const struct cmd_opt *lists[MAX_ROWS];
	size_t nl = 0, n = 0;

	lists[nl++] = cmd_global_opts;
	lists[nl++] = cmd_dash_entry.opts;
	for (size_t i = 0; cmd_table[i] && nl < MAX_ROWS; i++)
		lists[nl++] = cmd_table[i]->opts;
	for (size_t l = 0; l < nl; l++)
		for (const struct cmd_opt *o = lists[l]; o && o->name; o++) {
			size_t k = 0;

			while (k < n && strcmp(rows[k]->name, o->name))
				k++;
			if (k == n && n < MAX_ROWS)
				rows[n++] = o;
		}
	return n;
}

/* "-c|--config" (zsh) or "-c | --config" (bash), for a case pattern. */
static void pattern(FILE *out, const struct cmd_opt *o, const char *bar)
{
	if (o->id < 128)
		fprintf(out, "-%c%s", o->id, bar);
	fprintf(out, "--%s", o->name);
}

/*
 * The case pattern of the options that take an argument of this kind
 * (zsh: open is "("); false, and nothing printed, when none does.
 */
static bool patterns(FILE *out, enum cmd_complete kind, const char *open,
		     const char *bar)
{
	const struct cmd_opt *rows[MAX_ROWS];
	size_t n = all_opts(rows);
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (!rows[i]->arg || rows[i]->complete != kind)
			continue;
		fputs(any ? bar : open, out);
		pattern(out, rows[i], bar);
		any = true;
	}
	return any;
}

/* The --config option: the scripts pass it on to --targets. */
static const struct cmd_opt *config_opt(void)
{
	const struct cmd_opt *o = cmd_global_opts;

	while (o->id != 'c')
		o++;
	return o;
}

static void words(FILE *out, cmd_word_fn fn)
{
	const char *w;

	for (size_t i = 0; (w = fn(i)); i++)
		fprintf(out, "%s%s", i ? " " : "", w);
}

/* The option words of a list, for bash's compgen -W. */
static void bash_opts(FILE *out, const struct cmd_opt *o)
{
	for (; o && o->name; o++) {
		if (o->id < 128)
			fprintf(out, " -%c", o->id);
		fprintf(out, " --%s", o->name);
	}
}

/* The completions of an option's argument, for each kind of argument. */
static void bash_opt_args(FILE *out)
{
	const struct cmd_opt *rows[MAX_ROWS];
	size_t n = all_opts(rows);

	if (patterns(out, CMD_COMPLETE_FILE, "", " | "))
		fputs(")\n\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
		      "\t\t\treturn\n\t\t\t;;\n\t\t",
		      out);
	if (patterns(out, CMD_COMPLETE_TARGET, "", " | "))
		fputs(")\n\t\t\tCOMPREPLY=($(compgen -W \"$(_kmdash_targets)\" -- \"$cur\"))\n"
		      "\t\t\treturn\n\t\t\t;;\n\t\t",
		      out);
	for (size_t i = 0; i < n; i++) {
		if (rows[i]->complete != CMD_COMPLETE_WORDS)
			continue;
		pattern(out, rows[i], " | ");
		fputs(")\n\t\t\tCOMPREPLY=($(compgen -W '", out);
		words(out, rows[i]->word);
		fputs("' -- \"$cur\"))\n\t\t\treturn\n\t\t\t;;\n\t\t", out);
	}
}

/* What a command's arguments complete to, in the shell's variables. */
static void args_of(FILE *out, const struct cmd_entry *e, bool zsh)
{
	const char *cond = zsh ? "\t\t(( nargs < %d )) && " :
				 "\t\t((nargs < %d)) && ";

	if (e->arg_complete == CMD_COMPLETE_NONE)
		return;
	if (e->arg_complete == CMD_COMPLETE_WORDS && e->word_args)
		fprintf(out, cond, e->word_args);
	else if (e->max_args >= 0)
		fprintf(out, cond, e->max_args);
	else
		fputs("\t\t", out);
	switch (e->arg_complete) {
	case CMD_COMPLETE_FILE:
		fputs("files=1\n", out);
		break;
	case CMD_COMPLETE_TARGET:
		fputs(zsh ? "args=(${(f)\"$(_kmdash_targets)\"})\n" :
			    "args=$(_kmdash_targets)\n",
		      out);
		break;
	default:
		fputs(zsh ? "args=(" : "args='", out);
		words(out, e->arg_word);
		fputs(zsh ? ")\n" : "'\n", out);
	}
}

static void print_bash(FILE *out)
{
	const struct cmd_opt *rows[MAX_ROWS];
	size_t n = all_opts(rows);

	fputs("# bash completion for kmdash, written by \"kmdash completion "
	      "bash\" from its\n# command table.\n\n"
	      "_kmdash_targets()\n{\n"
	      "\tlocal i cfg=()\n"
	      "\tfor ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n\t\t",
	      out);
	pattern(out, config_opt(), " | ");
	fputs(") cfg=(\"${COMP_WORDS[i]}\" \"${COMP_WORDS[i + 1]}\") ;;\n"
	      "\t\tesac\n\tdone\n"
	      "\t\"${COMP_WORDS[0]}\" \"${cfg[@]}\" completion --targets "
	      "2>/dev/null\n}\n\n"
	      "_kmdash()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd= ended= nargs=0 "
	      "files= i w\n"
	      "\tlocal opts args= global='",
	      out);
	bash_opts(out, cmd_global_opts);
	fputs("'\n"
	      "\t# the command: the first word that is no option nor an "
	      "option's argument\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tw=${COMP_WORDS[i]}\n"
	      "\t\tif [ -z \"$ended\" ]; then\n"
	      "\t\t\tcase $w in\n"
	      "\t\t\t--) ended=1; continue ;;\n\t\t\t",
	      out);
	for (size_t i = 0, any = 0; i < n; i++)
		if (rows[i]->arg) {
			fputs(any++ ? " | " : "", out);
			pattern(out, rows[i], " | ");
		}
	fputs(") ((i++)); continue ;;\n"
	      "\t\t\t-*) continue ;;\n"
	      "\t\t\tesac\n\t\tfi\n"
	      "\t\tif [ -z \"$cmd\" ]; then cmd=$w; else ((nargs++)); fi\n"
	      "\tdone\n"
	      "\tif [ -z \"$ended\" ]; then\n"
	      "\t\tcase ${COMP_WORDS[COMP_CWORD - 1]} in\n\t\t",
	      out);
	bash_opt_args(out);
	fputs("esac\n\tfi\n\tcase $cmd in\n\t'')\n\t\topts=\"$global", out);
	bash_opts(out, cmd_dash_entry.opts);
	fputs("\"\n\t\targs='", out);
	words(out, cmd_name_word);
	fputs("'\n\t\t;;\n", out);
	for (size_t i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *e = cmd_table[i];

		fprintf(out, "\t%s%s%s)\n\t\topts=\"$global", e->name,
			e->alias ? " | " : "", e->alias ? e->alias : "");
		bash_opts(out, e->opts);
		fputs("\"\n", out);
		args_of(out, e, false);
		fputs("\t\t;;\n", out);
	}
	fputs("\t*)\n\t\topts=$global\n\t\t;;\n\tesac\n"
	      "\tif [ -z \"$ended\" ] && [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telif [ -n \"$files\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$args\" -- \"$cur\"))\n"
	      "\tfi\n}\n\n"
	      "complete -F _kmdash kmdash\n",
	      out);
}

/* 'NAME:DESCRIPTION' in single quotes, as zsh's _describe takes it. */
static void zsh_quote(FILE *out, const char *name, const char *desc)
{
	fputc('\'', out);
	for (const char *p = name; *p; p++) {
		if (*p == ':')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc(':', out);
	for (const char *p = desc; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", out);
		else
			fputc(*p, out);
	}
	fputc('\'', out);
}

static void zsh_opts(FILE *out, const struct cmd_opt *o)
{
	char name[80];

	for (; o && o->name; o++) {
		if (o->id < 128) {
			snprintf(name, sizeof(name), "-%c", o->id);
			fputc(' ', out);
			zsh_quote(out, name, o->help);
		}
		snprintf(name, sizeof(name), "--%s", o->name);
		fputc(' ', out);
		zsh_quote(out, name, o->help);
	}
}

static void zsh_opt_args(FILE *out)
{
	const struct cmd_opt *rows[MAX_ROWS];
	size_t n = all_opts(rows);

	if (patterns(out, CMD_COMPLETE_FILE, "(", "|"))
		fputs(") _files; return ;;\n\t\t", out);
	if (patterns(out, CMD_COMPLETE_TARGET, "(", "|"))
		fputs(") compadd -- ${(f)\"$(_kmdash_targets)\"}; return ;;\n\t\t",
		      out);
	for (size_t i = 0; i < n; i++) {
		if (rows[i]->complete != CMD_COMPLETE_WORDS)
			continue;
		fputc('(', out);
		pattern(out, rows[i], "|");
		fputs(") compadd -- ", out);
		words(out, rows[i]->word);
		fputs("; return ;;\n\t\t", out);
	}
}

static void print_zsh(FILE *out)
{
	const struct cmd_opt *rows[MAX_ROWS];
	size_t n = all_opts(rows);

	fputs("#compdef kmdash\n"
	      "# zsh completion for kmdash, written by \"kmdash completion "
	      "zsh\" from its\n# command table.\n\n"
	      "_kmdash_targets()\n{\n"
	      "\tlocal i\n\tlocal -a cfg\n"
	      "\tfor ((i = 2; i < $#words; i++)); do\n"
	      "\t\tcase ${words[i]} in\n\t\t(",
	      out);
	pattern(out, config_opt(), "|");
	fputs(") cfg=(${words[i]} ${words[i+1]}) ;;\n"
	      "\t\tesac\n\tdone\n"
	      "\t${words[1]} $cfg completion --targets 2>/dev/null\n}\n\n"
	      "_kmdash()\n{\n"
	      "\tlocal cur=${words[CURRENT]} cmd= ended= files= i w\n"
	      "\tinteger nargs=0\n"
	      "\tlocal -a opts args global=(",
	      out);
	zsh_opts(out, cmd_global_opts);
	fputs(" )\n"
	      "\t# the command: the first word that is no option nor an "
	      "option's argument\n"
	      "\tfor ((i = 2; i < CURRENT; i++)); do\n"
	      "\t\tw=${words[i]}\n"
	      "\t\tif [[ -z $ended ]]; then\n"
	      "\t\t\tcase $w in\n"
	      "\t\t\t(--) ended=1; continue ;;\n\t\t\t(",
	      out);
	for (size_t i = 0, any = 0; i < n; i++)
		if (rows[i]->arg) {
			fputs(any++ ? "|" : "", out);
			pattern(out, rows[i], "|");
		}
	fputs(") ((i++)); continue ;;\n"
	      "\t\t\t(-*) continue ;;\n"
	      "\t\t\tesac\n\t\tfi\n"
	      "\t\tif [[ -z $cmd ]]; then cmd=$w; else ((nargs++)); fi\n"
	      "\tdone\n"
	      "\tif [[ -z $ended ]]; then\n"
	      "\t\tcase ${words[CURRENT-1]} in\n\t\t",
	      out);
	zsh_opt_args(out);
	fputs("esac\n\tfi\n\tcase $cmd in\n\t('')\n\t\topts=($global", out);
	zsh_opts(out, cmd_dash_entry.opts);
	fputs(" )\n\t\targs=(", out);
	for (size_t i = 0; cmd_table[i]; i++) {
		fputc(' ', out);
		zsh_quote(out, cmd_table[i]->name, cmd_table[i]->summary);
	}
	fputs(" )\n\t\t;;\n", out);
	for (size_t i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *e = cmd_table[i];

		fprintf(out, "\t(%s%s%s)\n\t\topts=($global", e->name,
			e->alias ? "|" : "", e->alias ? e->alias : "");
		zsh_opts(out, e->opts);
		fputs(" )\n", out);
		args_of(out, e, true);
		fputs("\t\t;;\n", out);
	}
	fputs("\t(*)\n\t\topts=($global)\n\t\t;;\n\tesac\n"
	      "\tif [[ -z $ended && $cur == -* ]]; then\n"
	      "\t\t_describe -t options option opts\n"
	      "\telif [[ -n $files ]]; then\n"
	      "\t\t_files\n"
	      "\telse\n"
	      "\t\t_describe -t arguments argument args\n"
	      "\tfi\n}\n\n"
	      "# autoloaded from fpath: complete; sourced: register\n"
	      "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
	      "\t_kmdash \"$@\"\n"
	      "else\n"
	      "\tcompdef _kmdash kmdash\n"
	      "fi\n",
	      out);
}

static int print_completion(FILE *out, const char *shell)
{
	if (!strcmp(shell, "bash"))
		print_bash(out);
	else if (!strcmp(shell, "zsh"))
		print_zsh(out);
	else
		return -1;
	return 0;
}

/* The target names of the configuration, one a line; silent on errors. */
static int print_targets(const char *config_path)
{
	struct config_opts o = { .path = config_path };
	char err[256];
	struct config *cfg = config_load(&o, err, sizeof(err));

	if (!cfg)
		return 1;
	for (size_t i = 0; i < cfg->n_targets; i++)
		printf("%s\n", cfg->targets[i].name);
	config_free(cfg);
	return 0;
}

static const char *shell_word(size_t i)
{
	static const char *const shells[] = { "bash", "zsh" };

	return i < sizeof(shells) / sizeof(shells[0]) ? shells[i] : NULL;
}

static int completion_exec(struct cmd_ctx *ctx)
{
	if (cmd_has(ctx, OPT_TARGETS))
		return print_targets(ctx->opt['c']);
	if (!ctx->argc) {
		cmd_print_error(stderr, ctx->entry,
				"which shell: bash or zsh?");
		cmd_print_usage(stderr, ctx->entry);
		return 2;
	}
	/* the parser checked the shell against shell_word */
	return print_completion(stdout, ctx->argv[0]) ? 2 : 0;
}

static const struct cmd_opt completion_opts[] = {
	{ "targets", OPT_TARGETS, NULL,
	  "the target names of the configuration, one a line (the scripts "
	  "ask for them)",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.opts = completion_opts,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = shell_word,
	.arg_what = "shell",
	.exec = completion_exec,
	.summary = "the bash or zsh completion script",
	.help = "Prints the completion script of the shell, written from "
		"kmdash's command table: commands, options, the steps of "
		"run, the verbs of vm and the target names of the "
		"configuration. make install installs both (bash-completion "
		"and zsh's site-functions); to try one: source <(kmdash "
		"completion bash).",
};
