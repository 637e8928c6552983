/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line as one table, in the manner of tmux's cmd_entry: a row
 * per command (name, options, arguments, handler, help). Everything the
 * user sees of the command line is read from it: the parser (getopt_long
 * with permutation, so options go before or after the command and its
 * arguments, and "--" ends them), `kmdash help`, `kmdash COMMAND --help`,
 * the bash and zsh completion scripts and the man page's COMMANDS section.
 * A command is added by writing its row (one cmd_*.c) and listing it in
 * cmd_table (cmd.c); nothing else names it.
 */
#ifndef KMDASH_CMD_H
#define KMDASH_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config;

/*
 * What getopt_long returns for an option: its short letter, or one of
 * these for an option with a long name only. One id per meaning: the
 * commands that take --json share OPT_JSON.
 */
enum cmd_opt_id {
	OPT_VERSION = 256,
	OPT_JSON,
	OPT_PANE,
	OPT_RECORD,
	OPT_NO_BOOT,
	OPT_PRINT,
	OPT_MAN,
	OPT_TARGETS,
	OPT_NAME,
	OPT_MACHINE,
	OPT_PORT,
	OPT_INITRD_EXTRA,
	OPT_TARGET_ENV,
	OPT_MODULE,
	OPT_EXAMPLE,
	OPT_JUMP,
	OPT_WORKLOAD,
	OPT_DISTRIBUTION,
	OPT_RECORDS,
	OPT_OPERATIONS,
	OPT_KEY_SIZE,
	OPT_VALUE_SIZE,
	OPT_THREADS,
	OPT_BATCH,
	OPT_RUNS,
	OPT_SWEEP,
	OPT_SINCE,
	OPT_CSV,
	OPT_USER,
	OPT_MAX,
};

/* What completes a word: an option's argument or a command's argument. */
enum cmd_complete {
	CMD_COMPLETE_NONE,
	CMD_COMPLETE_FILE,
	CMD_COMPLETE_TARGET, /* a target of the configuration */
	CMD_COMPLETE_WORDS, /* one of a list: word(0), word(1), ... */
};

/* The i-th word of a list, NULL after the last. */
typedef const char *(*cmd_word_fn)(size_t i);

struct cmd_opt {
	const char *name; /* the long name, without "--" */
	int id; /* a short letter (also -X), or an OPT_* */
	const char *arg; /* the argument's name ("FILE"); NULL: a flag */
	const char *help;
	enum cmd_complete complete; /* the argument's */
	cmd_word_fn word; /* CMD_COMPLETE_WORDS */
};

struct cmd_ctx;

struct cmd_entry {
	const char *name;
	const char *alias; /* another name, or NULL */
	/*
	 * The arguments as the usage shows them ("[TARGET]"); NULL with
	 * arg_word: the words joined by '|'.
	 */
	const char *args;
	const struct cmd_opt *opts; /* ends with a NULL name; NULL: none */
	int min_args, max_args; /* max_args < 0: any number */
	/*
	 * What the arguments are. With CMD_COMPLETE_WORDS every argument
	 * must be one of arg_word's, called arg_what in messages ("step").
	 */
	enum cmd_complete arg_complete;
	cmd_word_fn arg_word;
	const char *arg_what;
	/*
	 * With CMD_COMPLETE_WORDS: how many leading arguments are words;
	 * 0: all of them. The rest are free (vm ssh's remote command).
	 */
	int word_args;
	unsigned flags; /* CMD_* */
	int (*exec)(struct cmd_ctx *ctx);
	const char *summary; /* one line, in the list of commands */
	const char *help; /* paragraphs, "\n\n" between them */
};

#define CMD_CONFIG 0x1 /* load the configuration before exec */

/* One command line, parsed. */
struct cmd_ctx {
	const struct cmd_entry *entry;
	/* an option's argument, "" for a flag, NULL when not given */
	const char *opt[OPT_MAX];
	int argc;
	char **argv; /* the arguments, without the command's name */
	const char *exe; /* argv[0] */
	struct config *cfg; /* loaded for CMD_CONFIG */
};

/* The commands, NULL-terminated, in the order help lists them. */
extern const struct cmd_entry *const cmd_table[];
/* Without a command: the dashboard. */
extern const struct cmd_entry cmd_dash_entry;
/*
 * Options every command takes (--config, --target, --module, --example,
 * --help, --version).
 */
extern const struct cmd_opt cmd_global_opts[];

extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_watch_entry;
extern const struct cmd_entry cmd_bench_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_dmesg_entry;
extern const struct cmd_entry cmd_vm_entry;
extern const struct cmd_entry cmd_gdb_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_target_entry;
extern const struct cmd_entry cmd_image_entry;
extern const struct cmd_entry cmd_trust_entry;
extern const struct cmd_entry cmd_decode_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_completion_entry;

/*
 * Parses a command line into ctx. 0, or 2 for a usage error (an unknown
 * command or option, with "did you mean"; a missing or extra argument),
 * said on err with the usage. Reentrant as getopt is: one at a time.
 */
int cmd_parse(struct cmd_ctx *ctx, int argc, char **argv, FILE *err);

/*
 * Runs what was parsed: help and --version, else the configuration (for
 * CMD_CONFIG) and the command's handler. The process exit status.
 */
int cmd_exec(struct cmd_ctx *ctx);

/* The command of that name or alias; NULL if none. */
const struct cmd_entry *cmd_find(const char *name);
/* The i-th command's name (a cmd_word_fn); NULL after the last. */
const char *cmd_name_word(size_t i);

/* The words of a list with sep between them. */
void cmd_print_words(FILE *out, cmd_word_fn fn, const char *sep);

static inline bool cmd_has(const struct cmd_ctx *ctx, int id)
{
	return ctx->opt[id] != NULL;
}

/* --- help (cmd_help.c) ----------------------------------------------------- */

/* "usage: kmdash run [--json] STEP..." for a command (or the dashboard). */
void cmd_print_usage(FILE *out, const struct cmd_entry *e);
/*
 * The usage, help text, arguments and options of e; the dashboard's is
 * the general help, with the list of commands.
 */
void cmd_print_help(FILE *out, const struct cmd_entry *e);
/* kmdash --version: the version and the libraries in use. */
void cmd_print_version(FILE *out);
/* "kmdash run: " before a message about a command; "kmdash: " without. */
void cmd_print_error(FILE *out, const struct cmd_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
