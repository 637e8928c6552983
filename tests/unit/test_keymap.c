// SPDX-License-Identifier: GPL-2.0
/*
 * The action table: key names both ways, lookup per mode, the key bar at
 * several widths, the help overlay, and config remapping with the errors
 * a user sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tui/keymap.h"

static void test_key_names_round_trip(void **state)
{
	const char *names[] = {
		"b",   "B",	"/",  "?",    "1",    "Tab",	  "S-Tab",
		"C-]", "C-a",	"F5", "F12",  "PgUp", "PgDn",	  "Enter",
		"Esc", "Space", "Up", "Home", "Del",  "Backspace"
	};
	char buf[KEYMAP_KEY_NAME_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int key = keymap_key_parse(names[i]);

		if (key <= 0)
			fail_msg("'%s' does not parse", names[i]);
		keymap_key_name(key, buf, sizeof(buf));
		assert_string_equal(buf, names[i]);
	}
}

static void test_key_codes(void **state)
{
	assert_int_equal(keymap_key_parse("b"), 'b');
	assert_int_equal(keymap_key_parse("B"), 'B');
	assert_int_equal(keymap_key_parse("Tab"), '\t');
	assert_int_equal(keymap_key_parse("S-Tab"), KEY_BTAB);
	assert_int_equal(keymap_key_parse("shift-tab"), KEY_BTAB);
	assert_int_equal(keymap_key_parse("C-]"), 0x1d);
	assert_int_equal(keymap_key_parse("Ctrl-]"), 0x1d);
	assert_int_equal(keymap_key_parse("c-A"), 1);
	assert_int_equal(keymap_key_parse("F5"), KEY_F(5));
	assert_int_equal(keymap_key_parse("pgup"), KEY_PPAGE);
	assert_int_equal(keymap_key_parse("PageDown"), KEY_NPAGE);
	assert_int_equal(keymap_key_parse("Enter"), '\n');
	assert_int_equal(keymap_key_parse("C-m"), '\n');
	assert_int_equal(keymap_key_parse("Esc"), 27);
	assert_int_equal(keymap_key_parse("C-["), 27);
	assert_int_equal(keymap_key_parse("Space"), ' ');
	assert_int_equal(keymap_key_parse(" "), ' ');

	const char *bad[] = { "",    "bb",  "F0",   "F25", "F5x",    "C-",
			      "C-@", "C-1", "Ctrl", "é",   "Hyper-x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (keymap_key_parse(bad[i]) != -EINVAL)
			fail_msg("'%s' should not parse", bad[i]);
	assert_int_equal(keymap_key_parse(NULL), -EINVAL);
}

static void test_defaults_lookup(void **state)
{
	struct keymap km;

	keymap_init(&km);
	assert_int_equal(keymap_lookup(&km, 'b', KM_NORMAL), ACT_BUILD);
	assert_int_equal(keymap_lookup(&km, 'B', KM_NORMAL), ACT_BENCH);
	assert_int_equal(keymap_lookup(&km, 'R', KM_NORMAL), ACT_VM_RESET);
	assert_int_equal(keymap_lookup(&km, 'r', KM_NORMAL), ACT_RELOAD);
	assert_int_equal(keymap_lookup(&km, '\t', KM_NORMAL), ACT_FOCUS_NEXT);
	assert_int_equal(keymap_lookup(&km, KEY_BTAB, KM_NORMAL),
			 ACT_FOCUS_PREV);
	assert_int_equal(keymap_lookup(&km, '3', KM_NORMAL), ACT_FOCUS_3);
	assert_int_equal(keymap_lookup(&km, 'N', KM_NORMAL), ACT_PREV_HIT);
	assert_int_equal(keymap_lookup(&km, KEY_F(1), KM_NORMAL), ACT_HELP);
	assert_int_equal(keymap_lookup(&km, KEY_NPAGE, KM_NORMAL),
			 ACT_PAGE_DOWN);
	/* Enter arrives as LF, CR or KEY_ENTER depending on the terminal. */
	assert_int_equal(keymap_lookup(&km, '\n', KM_NORMAL),
			 ACT_CONSOLE_INPUT);
	assert_int_equal(keymap_lookup(&km, '\r', KM_NORMAL),
			 ACT_CONSOLE_INPUT);
	assert_int_equal(keymap_lookup(&km, KEY_ENTER, KM_NORMAL),
			 ACT_CONSOLE_INPUT);
	assert_int_equal(keymap_lookup(&km, 'x', KM_NORMAL), -ENOENT);
	/* Console input: every key is the target's but Ctrl-]. */
	assert_int_equal(keymap_lookup(&km, 'q', KM_CONSOLE), -ENOENT);
	assert_int_equal(keymap_lookup(&km, '\n', KM_CONSOLE), -ENOENT);
	assert_int_equal(keymap_lookup(&km, 0x1d, KM_CONSOLE),
			 ACT_CONSOLE_LEAVE);
	assert_int_equal(keymap_lookup(&km, 0x1d, KM_NORMAL), -ENOENT);
	/* The shipped table itself has no conflicts. */
	assert_int_equal(keymap_apply(&km, NULL, 0, NULL, 0), 0);
}

static int calls;
static enum action_id last;

static void on_action(void *ctx, enum action_id id)
{
	assert_ptr_equal(ctx, &calls);
	calls++;
	last = id;
}

static void test_dispatch(void **state)
{
	struct keymap km;

	keymap_init(&km);
	km.ctx = &calls;
	km.handler[ACT_QUIT] = on_action;
	assert_int_equal(keymap_dispatch(&km, 'q', KM_NORMAL), ACT_QUIT);
	assert_int_equal(calls, 1);
	assert_int_equal(last, ACT_QUIT);
	assert_int_equal(keymap_dispatch(&km, 'b', KM_NORMAL), -ENOSYS);
	assert_int_equal(keymap_dispatch(&km, 'x', KM_NORMAL), -ENOENT);
	assert_int_equal(calls, 1);
}

static void test_key_bar_widths(void **state)
{
	struct keymap km;
	struct keybar_item items[ACT_COUNT];
	char buf[512];
	int n;

	keymap_init(&km);
	/* Wide: every action with a place, the most used first, help last. */
	keymap_bar_text(&km, KM_NORMAL, 200, buf, sizeof(buf));
	assert_string_equal(buf, "a Cycle  r Reload  u Unload  c Cancel  "
				 "R Reset  b Build  d Deploy  l Load  w Watch  "
				 "q Quit  "
				 "B Bench  s VM  Tab Pane  z Zoom  / Search  "
				 "f Follow  t Theme  Enter Console  g GDB  "
				 "? Help");
	/*
	 * A 60-column tmux pane: a reload's keys stay (a, r, u), and what
	 * the crash messages name (c, R); "? more" says the help has the rest.
	 */
	keymap_bar_text(&km, KM_NORMAL, 60, buf, sizeof(buf));
	assert_string_equal(
		buf, "a Cycle  r Reload  u Unload  c Cancel  R Reset  ? more");
	assert_true(strlen(buf) <= 60);
	keymap_bar_text(&km, KM_NORMAL, 40, buf, sizeof(buf));
	assert_string_equal(buf, "a Cycle  r Reload  u Unload  ? more");
	keymap_bar_text(&km, KM_NORMAL, 15, buf, sizeof(buf));
	assert_string_equal(buf, "a Cycle  ? more");
	keymap_bar_text(&km, KM_NORMAL, 14, buf, sizeof(buf));
	assert_string_equal(buf, "? more");
	keymap_bar_text(&km, KM_NORMAL, 5, buf, sizeof(buf));
	assert_string_equal(buf, "");
	keymap_bar_text(&km, KM_CONSOLE, 80, buf, sizeof(buf));
	assert_string_equal(buf, "C-] Leave console");

	/* Items carry where key and label go, for colouring. */
	n = keymap_bar(&km, KM_NORMAL, 60, items, ACT_COUNT);
	assert_int_equal(n, 6);
	assert_int_equal(items[1].id, ACT_RELOAD);
	assert_int_equal(items[1].x, 9);
	assert_string_equal(items[1].key, "r");
	assert_string_equal(items[1].label, "Reload");
	assert_int_equal(items[5].id, ACT_HELP);
	assert_string_equal(items[5].label, "more");
	/* Room for three items: two, and the way to the rest. */
	n = keymap_bar(&km, KM_NORMAL, 200, items, 3);
	assert_int_equal(n, 3);
	assert_int_equal(items[2].id, ACT_HELP);

	/* Every width: never longer than the line; cut means "? more". */
	for (int w = 0; w <= 200; w++) {
		keymap_bar_text(&km, KM_NORMAL, w, buf, sizeof(buf));
		if ((int)strlen(buf) > w)
			fail_msg("bar at %d columns is %zu long", w,
				 strlen(buf));
		if (w >= 6 && !strstr(buf, "? Help") && !strstr(buf, "? more"))
			fail_msg("bar at %d columns has no way to the help: %s",
				 w, buf);
	}
}

static void test_help_lists_every_action(void **state)
{
	struct keymap km;
	char buf[8192];
	int len;

	keymap_init(&km);
	len = keymap_help(&km, buf, sizeof(buf));
	assert_true(len > 0 && (size_t)len < sizeof(buf));
	assert_int_equal((int)strlen(buf), len);
	for (int i = 0; i < ACT_COUNT; i++)
		if (!strstr(buf, keymap_action(i)->help))
			fail_msg("help misses '%s'", keymap_action(i)->name);
	/* each action's name, for ui.keys, next to its keys */
	assert_non_null(strstr(buf, "Module\n  b            build          "
				    "Cross-build the module\n"));
	assert_non_null(strstr(buf, "\n  ?, F1        help           Show "
				    "this help, or hide it (toggles)\n"));
	assert_non_null(strstr(buf, "\n  C-]          console-leave  Leave "
				    "console input"));
	assert_non_null(strstr(buf, "\n  S-Tab        focus-prev     Focus "
				    "the previous pane"));
	assert_non_null(strstr(buf, "\n  f            follow         Follow "
				    "new output, or pause where it is "
				    "(toggles)\n"));
	assert_non_null(strstr(buf, "\n  W            log-wrap       Kernel "
				    "log: wrap long lines, or cut them "
				    "(toggles)\n"));
	assert_non_null(strstr(buf, "\n  !            failure        Show "
				    "the last failure in full"));
	for (int i = 0; i < ACT_COUNT; i++) {
		char name[64];

		snprintf(name, sizeof(name), " %-14s ", keymap_action(i)->name);
		if (!strstr(buf, name))
			fail_msg("help misses the name '%s'",
				 keymap_action(i)->name);
	}
	assert_non_null(strstr(buf, "\n\nGeneral\n"));

	/* Cut short: still NUL-terminated, the full length reported. */
	assert_int_equal(keymap_help(&km, buf, 10), len);
	assert_int_equal(strlen(buf), 9);
}

static void test_remap(void **state)
{
	const struct keymap_binding b[] = {
		{ "build", "F5", "kmdash.json:3:15" },
		{ "build", "b", "kmdash.json:3:21" },
		{ "cancel", NULL, "kmdash.json:4:16" },
		{ "console-leave", "q", "kmdash.json:5:23" },
	};
	struct keymap km;
	char err[256] = "", buf[8192];

	keymap_init(&km);
	assert_int_equal(keymap_apply(&km, b, 4, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(keymap_lookup(&km, KEY_F(5), KM_NORMAL), ACT_BUILD);
	assert_int_equal(keymap_lookup(&km, 'b', KM_NORMAL), ACT_BUILD);
	assert_int_equal(keymap_lookup(&km, 'c', KM_NORMAL), -ENOENT);
	/* Other modes, no conflict: q quits, or leaves console input. */
	assert_int_equal(keymap_lookup(&km, 'q', KM_NORMAL), ACT_QUIT);
	assert_int_equal(keymap_lookup(&km, 'q', KM_CONSOLE),
			 ACT_CONSOLE_LEAVE);
	assert_int_equal(keymap_lookup(&km, 0x1d, KM_CONSOLE), -ENOENT);

	keymap_bar_text(&km, KM_NORMAL, 200, buf, sizeof(buf));
	assert_non_null(strstr(buf, "F5 Build  d Deploy"));
	assert_null(strstr(buf, "Cancel"));
	keymap_help(&km, buf, sizeof(buf));
	assert_non_null(
		strstr(buf, "  F5, b        build          Cross-build"));
	assert_non_null(strstr(buf, "  (unbound)    cancel         Cancel the "
				    "running job"));

	/* Swapping two keys is fine: the check runs on the result. */
	const struct keymap_binding swap[] = {
		{ "build", "d", "k.json:2:3" },
		{ "deploy", "b", "k.json:3:3" },
	};
	keymap_init(&km);
	assert_int_equal(keymap_apply(&km, swap, 2, err, sizeof(err)), 0);
	assert_int_equal(keymap_lookup(&km, 'd', KM_NORMAL), ACT_BUILD);
	assert_int_equal(keymap_lookup(&km, 'b', KM_NORMAL), ACT_DEPLOY);
}

static void test_remap_errors(void **state)
{
	struct keymap km, before;
	char err[512];
	const struct keymap_binding unknown_action[] = {
		{ "build", "F5", "kmdash.json:3:15" },
		{ "biuld", "x", "kmdash.json:4:7" },
	};
	const struct keymap_binding unknown_key[] = {
		{ "quit", "Ctrl-Alt-x", "kmdash.json:9:12" },
	};
	const struct keymap_binding clash_default[] = {
		{ "build", "d", "kmdash.json:3:15" },
	};
	const struct keymap_binding clash_config[] = {
		{ "zoom", "x", "kmdash.json:3:14" },
		{ "follow", "x", "kmdash.json:4:16" },
	};
	const struct keymap_binding too_many[] = {
		{ "quit", "q", "a:1:1" },   { "quit", "Q", "a:1:2" },
		{ "quit", "F10", "a:1:3" }, { "quit", "C-q", "a:1:4" },
		{ "quit", "C-x", "a:1:5" },
	};

	keymap_init(&km);
	before = km;
	assert_int_equal(keymap_apply(&km, unknown_action, 2, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "kmdash.json:4:7: unknown action 'biuld' in "
				 "ui.keys (did you mean 'build'?)");
	/* Nothing applied, not even the valid first entry. */
	assert_memory_equal(&km, &before, sizeof(km));

	const struct keymap_binding far[] = { { "launch", "x", "k.json:2:5" } };
	assert_int_equal(keymap_apply(&km, far, 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "k.json:2:5: unknown action 'launch' in "
				    "ui.keys; actions: build deploy load"));
	assert_non_null(strstr(err, " help quit"));

	assert_int_equal(keymap_apply(&km, unknown_key, 1, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(
		err, "kmdash.json:9:12: unknown key 'Ctrl-Alt-x' for 'quit'"));

	assert_int_equal(keymap_apply(&km, clash_default, 1, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "kmdash.json:3:15: key 'd' is bound to both "
				 "'build' (kmdash.json:3:15) and 'deploy' "
				 "(default); give one of them another key");

	assert_int_equal(keymap_apply(&km, clash_config, 2, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "kmdash.json:4:16: key 'x' is bound to both "
				 "'zoom' (kmdash.json:3:14) and 'follow' "
				 "(kmdash.json:4:16); give one of them another "
				 "key");

	assert_int_equal(keymap_apply(&km, too_many, 5, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "a:1:5: too many keys for 'quit' (at most 4)");
	assert_memory_equal(&km, &before, sizeof(km));
}

/* Every mistake of ui.keys at once, each at its file:line:col. */
static void test_remap_all_errors(void **state)
{
	const struct keymap_binding b[] = {
		{ "biuld", "x", "k.json:2:3" },
		{ "quit", "Ctrl-Alt-q", "k.json:3:11" },
		{ "zoom", "x", "k.json:4:11" },
		{ "follow", "x", "k.json:5:13" },
		{ "help", "a", "k.json:6:11" },
		{ "help", "A", "k.json:6:16" },
		{ "help", "F9", "k.json:6:21" },
		{ "help", "F10", "k.json:6:27" },
		{ "help", "F11", "k.json:6:34" },
	};
	struct keymap km, before;
	char err[2048];

	keymap_init(&km);
	before = km;
	assert_int_equal(keymap_apply(&km, b, sizeof(b) / sizeof(b[0]), err,
				      sizeof(err)),
			 -EINVAL);
	assert_string_equal(
		err,
		"k.json:2:3: unknown action 'biuld' in ui.keys (did you mean "
		"'build'?)\n"
		"k.json:3:11: unknown key 'Ctrl-Alt-q' for 'quit' (use a "
		"character like \"b\", or Tab, S-Tab, C-x, F1-F24, PgUp, PgDn, "
		"Enter, Esc, Space, Up, Home, ...)\n"
		"k.json:6:34: too many keys for 'help' (at most 4)\n"
		"k.json:6:11: key 'a' is bound to both 'cycle' (default) and "
		"'help' (k.json:6:11); give one of them another key\n"
		"k.json:5:13: key 'x' is bound to both 'zoom' (k.json:4:11) and "
		"'follow' (k.json:5:13); give one of them another key");
	assert_memory_equal(&km, &before, sizeof(km));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names_round_trip),
		cmocka_unit_test(test_key_codes),
		cmocka_unit_test(test_defaults_lookup),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_key_bar_widths),
		cmocka_unit_test(test_help_lists_every_action),
		cmocka_unit_test(test_remap),
		cmocka_unit_test(test_remap_errors),
		cmocka_unit_test(test_remap_all_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
