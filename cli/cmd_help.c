// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash help [COMMAND], COMMAND --help, the usage lines of errors, the
 * man page's COMMANDS section and --version: all written from the
 * command table, so that a command cannot exist without its help.
 */
#include <cJSON.h>
#include <ctype.h>
#include <libssh2.h>
#include <stdio.h>
#include <string.h>
#include <vterm.h>

#include "cli/cmd.h"
#include "core/base/version.h"
#include "tui/tui.h"

#define WIDTH 79
/* where option and command help starts */
#define HELP_COL 24

static size_t opt_count(const struct cmd_opt *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

/*
 * Prints text filled to WIDTH: the first line from column col, the next
 * ones after indent spaces; "\n\n" starts a paragraph. Ends the line.
 */
static void fill(FILE *out, const char *text, int indent, int col)
{
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " \n");

		if (col > indent && col + 1 + (int)w > WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		} else if (col < indent) {
			fprintf(out, "%*s", indent - col, "");
			col = indent;
		}
		fwrite(p, 1, w, out);
		col += (int)w;
		p += w;
		if (!strncmp(p, "\n\n", 2)) {
			fprintf(out, "\n\n%*s", indent, "");
			col = indent;
			p += 2;
		}
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', out);
}

/*
 * The arguments of the usage: e->args, or the words joined by '|'.
 * Returns the columns printed.
 */
static int print_args(FILE *out, const struct cmd_entry *e)
{
	const char *w;
	int n = 0;

	if (e->args)
		return fprintf(out, " %s", e->args);
	for (size_t i = 0; e->arg_word && (w = e->arg_word(i)); i++)
		n += fprintf(out, "%s%s", i ? "|" : " ", w);
	return n;
}

static void print_opt_usage(FILE *out, const struct cmd_opt *o)
{
	fputs(" [", out);
	if (o->id < 128)
		fprintf(out, "-%c|", o->id);
	fprintf(out, "--%s%s%s]", o->name, o->arg ? " " : "",
		o->arg ? o->arg : "");
}

void cmd_print_usage(FILE *out, const struct cmd_entry *e)
{
	if (e == &cmd_dash_entry) {
		fputs("usage: kmdash [OPTION...]", out);
		for (size_t i = 0; i < opt_count(e->opts); i++)
			print_opt_usage(out, &e->opts[i]);
		fputs("\n       kmdash [OPTION...] COMMAND [ARG...]\n", out);
		return;
	}
	fprintf(out, "usage: kmdash %s", e->name);
	for (size_t i = 0; i < opt_count(e->opts); i++)
		print_opt_usage(out, &e->opts[i]);
	print_args(out, e);
	fputc('\n', out);
}

/* An option's help, with the words its argument takes. */
static const char *opt_text(const struct cmd_opt *o, char *buf, size_t cap)
{
	FILE *m;

	if (o->complete != CMD_COMPLETE_WORDS)
		return o->help;
	m = fmemopen(buf, cap, "w");
	if (!m)
		return o->help;
	fprintf(m, "%s (", o->help);
	cmd_print_words(m, o->word, ", ");
	fputc(')', m);
	fclose(m);
	return buf;
}

static void print_opts(FILE *out, const char *title, const struct cmd_opt *o)
{
	char text[512];

	if (!opt_count(o))
		return;
	fprintf(out, "\n%s:\n", title);
	for (; o->name; o++) {
		int col = fprintf(out, "  %c%c%c --%s%s%s",
				  o->id < 128 ? '-' : ' ',
				  o->id < 128 ? o->id : ' ',
				  o->id < 128 ? ',' : ' ', o->name,
				  o->arg ? " " : "", o->arg ? o->arg : "");

		if (col >= HELP_COL - 1) {
			fputc('\n', out);
			col = 0;
		}
		fill(out, opt_text(o, text, sizeof(text)), HELP_COL, col);
	}
}

/* "steps: build, deploy, ..." for a command whose arguments are words. */
static void print_words(FILE *out, const struct cmd_entry *e)
{
	if (e->arg_complete != CMD_COMPLETE_WORDS || !e->args)
		return;
	fprintf(out, "\n%ss: ", e->arg_what);
	cmd_print_words(out, e->arg_word, ", ");
	fputc('\n', out);
}

static void print_general_help(FILE *out)
{
	const struct cmd_entry *e = &cmd_dash_entry;

	cmd_print_usage(out, e);
	fputc('\n', out);
	fill(out, e->help, 0, 0);
	fputs("\ncommands:\n", out);
	for (size_t i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *c = cmd_table[i];
		int col = fprintf(out, "  %s", c->name) + print_args(out, c);

		if (col >= HELP_COL - 1) {
			fputc('\n', out);
			col = 0;
		}
		fill(out, c->summary, HELP_COL, col);
	}
	print_opts(out, "dashboard options", e->opts);
	print_opts(out, "options of every command", cmd_global_opts);
	fputc('\n', out);
	fill(out,
	     "Options go before or after the command and its arguments; "
	     "\"--\" ends them. \"kmdash help COMMAND\" or \"kmdash COMMAND "
	     "--help\" tells more about a command.",
	     0, 0);
}

void cmd_print_help(FILE *out, const struct cmd_entry *e)
{
	if (e == &cmd_dash_entry) {
		print_general_help(out);
		return;
	}
	cmd_print_usage(out, e);
	fputc('\n', out);
	fill(out, e->help, 0, 0);
	print_words(out, e);
	print_opts(out, "options", e->opts);
	print_opts(out, "options of every command", cmd_global_opts);
}

void cmd_print_version(FILE *out)
{
	fprintf(out, "kmdash %s\n", KMDASH_VERSION);
	fprintf(out, "  ncursesw %s, libssh2 %s, libvterm %d.%d, cJSON %s\n",
		dash_curses_version(), libssh2_version(0), VTERM_VERSION_MAJOR,
		VTERM_VERSION_MINOR, cJSON_Version());
}

/* --- the man page ------------------------------------------------------- */

/* A word of text for roff: backslash and minus escaped. */
static void roff_word(FILE *out, const char *w, size_t n, bool line_start)
{
	if (line_start && (w[0] == '.' || w[0] == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '\\')
			fputs("\\e", out);
		else if (w[i] == '-')
			fputs("\\-", out);
		else
			fputc(w[i], out);
	}
}

/* Text as roff source lines of at most ~72 columns; ".IP" between paragraphs. */
static void roff_text(FILE *out, const char *text)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		size_t w = strcspn(p, " \n");

		if (col && col + 1 + (int)w > 72) {
			fputc('\n', out);
			col = 0;
		} else if (col) {
			fputc(' ', out);
			col++;
		}
		roff_word(out, p, w, col == 0);
		col += (int)w;
		p += w;
		if (!strncmp(p, "\n\n", 2)) {
			fputs("\n.IP\n", out);
			col = 0;
		}
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', out);
}

/* Upper-case words in italics (metavariables), lower-case in bold. */
static void roff_args(FILE *out, const char *s)
{
	while (*s) {
		size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

		if (n) {
			fputs("\\fI", out);
			roff_word(out, s, n, false);
			fputs("\\fR", out);
		} else if ((n = strspn(s, "abcdefghijklmnopqrstuvwxyz-"))) {
			fputs("\\fB", out);
			roff_word(out, s, n, false);
			fputs("\\fR", out);
		} else {
			roff_word(out, s, n = 1, false);
		}
		s += n;
	}
}

/* "-c" then sep then "--config FILE", in bold and italics. */
static void roff_opt_name(FILE *out, const struct cmd_opt *o, const char *sep)
{
	if (o->id < 128)
		fprintf(out, "\\fB\\-%c\\fR%s", o->id, sep);
	fputs("\\fB\\-\\-", out);
	roff_word(out, o->name, strlen(o->name), false);
	fputs("\\fR", out);
	if (o->arg) {
		fputs(" ", out);
		roff_args(out, o->arg);
	}
}

static void roff_usage(FILE *out, const struct cmd_entry *e)
{
	const struct cmd_opt *o;
	const char *w;

	fprintf(out, "\\fBkmdash %s\\fR", e->name);
	for (o = e->opts; o && o->name; o++) {
		fputs(" [", out);
		roff_opt_name(out, o, "|");
		fputs("]", out);
	}
	if (e->args) {
		fputs(" ", out);
		roff_args(out, e->args);
	}
	for (size_t i = 0; !e->args && e->arg_word && (w = e->arg_word(i)); i++)
		fprintf(out, "%s\\fB%s\\fR", i ? "|" : " ", w);
	fputc('\n', out);
}

/* An option as a .TP item: "-c, --config FILE" and its help. */
static void roff_opt(FILE *out, const struct cmd_opt *o)
{
	char text[512];

	fputs(".TP\n", out);
	roff_opt_name(out, o, ", ");
	fputc('\n', out);
	roff_text(out, opt_text(o, text, sizeof(text)));
}

static void roff_command(FILE *out, const struct cmd_entry *e)
{
	fputs(".TP\n", out);
	roff_usage(out, e);
	roff_text(out, e->help);
	if (e->arg_complete == CMD_COMPLETE_WORDS && e->args) {
		const char *w;

		fprintf(out, ".IP\n%c%ss:", toupper(e->arg_what[0]),
			e->arg_what + 1);
		for (size_t k = 0; (w = e->arg_word(k)); k++)
			fprintf(out, "%s \\fB%s\\fR", k ? "," : "", w);
		fputs(".\n", out);
	}
	if (!opt_count(e->opts))
		return;
	fputs(".RS\n", out);
	for (const struct cmd_opt *o = e->opts; o->name; o++)
		roff_opt(out, o);
	fputs(".RE\n", out);
}

/*
 * The man page's OPTIONS and COMMANDS sections, between two comment lines
 * by which make man and tests/cli/man.sh find them in the page.
 */
#define MAN_BEGIN ".\\\" BEGIN kmdash help --man"
#define MAN_END ".\\\" END kmdash help --man"

static void print_man(FILE *out)
{
	fputs(MAN_BEGIN
	      "\n"
	      ".\\\" \"make man\" writes it into the page; tests/cli/man.sh "
	      "checks it.\n"
	      ".SH OPTIONS\n",
	      out);
	roff_text(out, "The dashboard's (without a command):");
	for (const struct cmd_opt *o = cmd_dash_entry.opts; o->name; o++)
		roff_opt(out, o);
	fputs(".PP\n", out);
	roff_text(out, "and these every command takes:");
	for (const struct cmd_opt *o = cmd_global_opts; o->name; o++)
		roff_opt(out, o);
	fputs(".SH COMMANDS\n", out);
	for (size_t i = 0; cmd_table[i]; i++)
		roff_command(out, cmd_table[i]);
	fputs(MAN_END "\n", out);
}

/* --- kmdash help --------------------------------------------------------- */

static int help_exec(struct cmd_ctx *ctx)
{
	if (cmd_has(ctx, OPT_MAN)) {
		print_man(stdout);
		return 0;
	}
	/* the parser checked the name against cmd_name_word */
	cmd_print_help(stdout,
		       ctx->argc ? cmd_find(ctx->argv[0]) : &cmd_dash_entry);
	return 0;
}

static const struct cmd_opt help_opts[] = {
	{ "man", OPT_MAN, NULL,
	  "the man page's OPTIONS and COMMANDS sections, in roff, as the table has them",
	  CMD_COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = "[COMMAND]",
	.opts = help_opts,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = cmd_name_word,
	.arg_what = "command",
	.exec = help_exec,
	.summary = "the commands, or a command's usage, options and help",
	.help = "Without a command: the general help (the same as kmdash "
		"--help), with the list of commands. With one: its usage, "
		"what it does, its arguments and its options (the same as "
		"kmdash COMMAND --help).",
};
