// SPDX-License-Identifier: GPL-2.0
/*
 * The command table and its parser: options before or after the command
 * and its arguments, "--", help, "did you mean", and a table whose rows
 * agree with each other (an option means one thing everywhere).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/module/job.h"

static char *errtext;

/* Parses the words (argv[0] included); the messages land in errtext. */
static int parse(struct cmd_ctx *ctx, ...)
{
	static char *argv[32];
	static char store[32][64];
	size_t len;
	FILE *err;
	va_list ap;
	const char *w;
	int argc = 0, rc;

	va_start(ap, ctx);
	while ((w = va_arg(ap, const char *)) && argc < 31) {
		snprintf(store[argc], sizeof(store[argc]), "%s", w);
		argv[argc] = store[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	free(errtext);
	errtext = NULL;
	err = open_memstream(&errtext, &len);
	rc = cmd_parse(ctx, argc, argv, err);
	fclose(err);
	return rc;
}

static void test_options_after_the_command_and_its_arguments(void **state)
{
	struct cmd_ctx c;

	assert_int_equal(parse(&c, "kmdash", "run", "cycle", "--json", "-c",
			       "F.json", NULL),
			 0);
	assert_ptr_equal(c.entry, &cmd_run_entry);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "cycle");
	assert_true(cmd_has(&c, OPT_JSON));
	assert_string_equal(c.opt['c'], "F.json");
	/* the same line, options first */
	assert_int_equal(parse(&c, "kmdash", "--json", "--config=F.json", "run",
			       "build", "load", NULL),
			 0);
	assert_ptr_equal(c.entry, &cmd_run_entry);
	assert_int_equal(c.argc, 2);
	assert_string_equal(c.argv[1], "load");
	assert_true(cmd_has(&c, OPT_JSON));
	assert_string_equal(c.opt['c'], "F.json");
	/* an option's argument is not the command: -t run names a target */
	assert_int_equal(parse(&c, "kmdash", "-t", "run", "status", NULL), 0);
	assert_ptr_equal(c.entry, &cmd_status_entry);
	assert_string_equal(c.opt['t'], "run");
	/* the line of the issue: config --print --config F */
	assert_int_equal(parse(&c, "kmdash", "config", "--print", "--config",
			       "F", NULL),
			 0);
	assert_ptr_equal(c.entry, &cmd_config_entry);
	assert_true(cmd_has(&c, OPT_PRINT));
	assert_string_equal(c.opt['c'], "F");
}

static void test_double_dash_ends_the_options(void **state)
{
	struct cmd_ctx c;

	assert_int_equal(parse(&c, "kmdash", "trust", "--", "-odd-name", NULL),
			 0);
	assert_ptr_equal(c.entry, &cmd_trust_entry);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "-odd-name");
	assert_false(cmd_has(&c, 'y'));
	/* after "--" an option is an argument, and here a bad step */
	assert_int_equal(parse(&c, "kmdash", "run", "--", "--json", NULL), 2);
	assert_non_null(strstr(errtext, "unknown step '--json'"));
}

static void test_help_whatever_the_arguments(void **state)
{
	struct cmd_ctx c;

	/* was: "unknown step '--help'" */
	assert_int_equal(parse(&c, "kmdash", "run", "--help", NULL), 0);
	assert_ptr_equal(c.entry, &cmd_run_entry);
	assert_true(cmd_has(&c, 'h'));
	assert_int_equal(parse(&c, "kmdash", "vm", "-h", NULL), 0);
	assert_true(cmd_has(&c, 'h'));
	assert_int_equal(parse(&c, "kmdash", "--help", NULL), 0);
	assert_ptr_equal(c.entry, &cmd_dash_entry);
}

static void test_unknown_option_did_you_mean(void **state)
{
	struct cmd_ctx c;

	assert_int_equal(parse(&c, "kmdash", "status", "--jsn", NULL), 2);
	assert_non_null(strstr(errtext, "kmdash status: unknown option "
					"'--jsn'; did you mean '--json'?"));
	assert_non_null(strstr(errtext, "usage: kmdash status [--json]"));
	/* an option of another command is no option of this one */
	assert_int_equal(parse(&c, "kmdash", "vm", "status", "--json", NULL),
			 2);
	assert_non_null(strstr(errtext, "unknown option '--json'"));
	assert_int_equal(parse(&c, "kmdash", "dmesg", "-fx", NULL), 2);
	assert_non_null(strstr(errtext, "unknown option '-x'"));
	assert_int_equal(parse(&c, "kmdash", "status", "--json=yes", NULL), 2);
	assert_non_null(strstr(errtext, "'--json' takes no value"));
	assert_int_equal(parse(&c, "kmdash", "status", "--config", NULL), 2);
	assert_non_null(strstr(errtext, "'--config' needs a value (FILE)"));
	/* before an unknown command: the option is the first mistake */
	assert_int_equal(parse(&c, "kmdash", "--confg", "F", "run", NULL), 2);
	assert_non_null(strstr(errtext, "did you mean '--config'?"));
	assert_int_equal(parse(&c, "kmdash", "-x", "nosuch", NULL), 2);
	assert_non_null(strstr(errtext, "unknown option '-x'"));
	assert_int_equal(parse(&c, "kmdash", "--bogus", NULL), 2);
	assert_non_null(strstr(errtext, "unknown option '--bogus'"));
}

static void test_unknown_command_and_words(void **state)
{
	struct cmd_ctx c;

	assert_int_equal(parse(&c, "kmdash", "stauts", NULL), 2);
	assert_non_null(strstr(errtext, "unknown command 'stauts'; did you "
					"mean 'status'?"));
	assert_int_equal(parse(&c, "kmdash", "run", "explode", NULL), 2);
	assert_non_null(strstr(errtext, "unknown step 'explode'"));
	assert_int_equal(parse(&c, "kmdash", "run", "buidl", NULL), 2);
	assert_non_null(strstr(errtext, "did you mean 'build'?"));
	assert_int_equal(parse(&c, "kmdash", "vm", "strat", NULL), 2);
	assert_non_null(strstr(errtext, "did you mean 'start'?"));
	assert_int_equal(parse(&c, "kmdash", "run", NULL), 2);
	assert_non_null(strstr(errtext, "missing argument"));
	assert_int_equal(parse(&c, "kmdash", "status", "now", NULL), 2);
	assert_non_null(strstr(errtext, "unexpected argument 'now'"));
}

/* The step words of run are job_plan's, every one of them. */
static void test_run_takes_the_job_words(void **state)
{
	struct job_step steps[JOB_MAX_STEPS];
	char err[256];
	const char *w;
	size_t n = 0;

	assert_ptr_equal(cmd_run_entry.arg_word, job_plan_word);
	for (; (w = job_plan_word(n)); n++)
		assert_true(job_plan(&w, 1, steps, JOB_MAX_STEPS, err,
				     sizeof(err)) > 0);
	assert_int_equal(n, 7);
}

static void check_opts_agree(const struct cmd_opt *a, const struct cmd_opt *b)
{
	for (; a && a->name; a++)
		for (const struct cmd_opt *o = b; o && o->name; o++) {
			if (!strcmp(a->name, o->name)) {
				/* one name, one meaning */
				assert_int_equal(a->id, o->id);
				assert_int_equal(!a->arg, !o->arg);
				assert_int_equal(a->complete, o->complete);
			} else if (a->id == o->id) {
				print_error("--%s and --%s share id %d\n",
					    a->name, o->name, a->id);
				fail();
			}
		}
}

static void check_name(const char *s)
{
	assert_non_null(s);
	/* safe unquoted in the completion scripts and the man page */
	assert_int_equal(strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-"),
			 strlen(s));
}

static void check_entry(const struct cmd_entry *e)
{
	assert_non_null(e->exec);
	assert_non_null(e->summary);
	assert_non_null(e->help);
	if (e->arg_complete == CMD_COMPLETE_WORDS) {
		assert_non_null(e->arg_word);
		assert_non_null(e->arg_what);
		for (size_t i = 0; e->arg_word(i); i++)
			check_name(e->arg_word(i));
	}
	for (const struct cmd_opt *o = e->opts; o && o->name; o++) {
		check_name(o->name);
		assert_non_null(o->help);
		assert_true(o->id > 0 && o->id < OPT_MAX);
		/* -h and -c are the global ones */
		check_opts_agree(o, cmd_global_opts);
		if (o->complete == CMD_COMPLETE_WORDS)
			assert_non_null(o->word);
	}
}

static void test_the_table_agrees_with_itself(void **state)
{
	size_t n = 0;

	check_entry(&cmd_dash_entry);
	check_opts_agree(cmd_global_opts, cmd_global_opts);
	for (; cmd_table[n]; n++) {
		const struct cmd_entry *e = cmd_table[n];

		check_name(e->name);
		check_entry(e);
		assert_ptr_equal(cmd_find(e->name), e);
		assert_string_equal(cmd_name_word(n), e->name);
		for (size_t k = 0; cmd_table[k]; k++) {
			if (k != n)
				assert_string_not_equal(e->name,
							cmd_table[k]->name);
			check_opts_agree(e->opts, cmd_table[k]->opts);
		}
		check_opts_agree(e->opts, cmd_dash_entry.opts);
	}
	assert_null(cmd_name_word(n));
}

static char *print_help(const struct cmd_entry *e)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	cmd_print_help(out, e);
	fclose(out);
	return text;
}

/* Each command's help shows its usage and every option it takes. */
static void test_help_shows_every_option(void **state)
{
	char *general = print_help(&cmd_dash_entry);

	for (size_t i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *e = cmd_table[i];
		char *text = print_help(e);
		char want[128];

		snprintf(want, sizeof(want), "usage: kmdash %s", e->name);
		assert_non_null(strstr(text, want));
		for (const struct cmd_opt *o = e->opts; o && o->name; o++) {
			snprintf(want, sizeof(want), "--%s", o->name);
			assert_non_null(strstr(text, want));
		}
		assert_non_null(strstr(text, "--config FILE"));
		/* and the general help lists the command */
		snprintf(want, sizeof(want), "\n  %s ", e->name);
		assert_non_null(strstr(general, want));
		free(text);
	}
	free(general);
}

static int teardown(void **state)
{
	free(errtext);
	errtext = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_options_after_the_command_and_its_arguments),
		cmocka_unit_test(test_double_dash_ends_the_options),
		cmocka_unit_test(test_help_whatever_the_arguments),
		cmocka_unit_test(test_unknown_option_did_you_mean),
		cmocka_unit_test(test_unknown_command_and_words),
		cmocka_unit_test(test_run_takes_the_job_words),
		cmocka_unit_test(test_the_table_agrees_with_itself),
		cmocka_unit_test(test_help_shows_every_option),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
