/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one action table: every action's name, default keys, help text and
 * group. The key bar, the `?` help overlay and config remapping (ui.keys)
 * are all generated from it. Key codes are ncurses' (wgetch), but nothing
 * here needs a terminal.
 */
#ifndef KMDASH_KEYMAP_H
#define KMDASH_KEYMAP_H

#include <stddef.h>

enum action_id {
	/* Module */
	ACT_BUILD,
	ACT_DEPLOY,
	ACT_LOAD,
	ACT_UNLOAD,
	ACT_RELOAD,
	ACT_BENCH,
	ACT_CYCLE,
	ACT_WATCH,
	ACT_CANCEL,
	ACT_FAILURE,
	/* Target */
	ACT_VM_TOGGLE,
	ACT_VM_RESET,
	ACT_GDB,
	ACT_CONSOLE_INPUT,
	ACT_CONSOLE_LEAVE,
	/* View */
	ACT_FOCUS_NEXT,
	ACT_FOCUS_PREV,
	ACT_FOCUS_1,
	ACT_FOCUS_2,
	ACT_FOCUS_3,
	ACT_FOCUS_4,
	ACT_FOCUS_5,
	ACT_ZOOM,
	ACT_THEME_NEXT,
	ACT_TIMESTAMPS,
	ACT_FOLLOW,
	ACT_LOG_LEVEL,
	ACT_LOG_MODULE,
	ACT_OOPS,
	ACT_LOG_WRAP,
	ACT_BENCH_TREND,
	ACT_ACTIONLOG,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	/* Search */
	ACT_SEARCH,
	ACT_NEXT_HIT,
	ACT_PREV_HIT,
	/* General */
	ACT_HELP,
	ACT_QUIT,
	ACT_COUNT,
};

/* Input modes: in console-input mode every key goes to the target
 * except the ones of actions active there (Ctrl-] leaves). */
enum keymap_mode {
	KM_NORMAL = 1,
	KM_CONSOLE = 2,
};

#define KEYMAP_MAX_KEYS 4 /* keys per action */
#define KEYMAP_KEY_NAME_MAX 16 /* longest key name + NUL ("Backspace") */

struct action_info {
	const char *name; /* config name (ui.keys): "build" */
	const char *label; /* key bar: "Build" */
	const char *help; /* help overlay */
	const char *group; /* help overlay heading */
	int modes; /* KM_NORMAL | KM_CONSOLE */
	/*
	 * The key bar's order, and what a narrow one keeps: 1 first; 0 = never
	 * shown. Help comes last, as "? more" when the bar is cut.
	 */
	int bar_prio;
	int defkeys[KEYMAP_MAX_KEYS]; /* 0-terminated */
};

typedef void (*action_fn)(void *ctx, enum action_id id);

struct keymap {
	int keys[ACT_COUNT][KEYMAP_MAX_KEYS]; /* 0-terminated */
	/* Filled by the app: what each action does. */
	action_fn handler[ACT_COUNT];
	void *ctx;
};

/* The static table, in help order; NULL if @id is out of range. */
const struct action_info *keymap_action(enum action_id id);

/* Defaults, no handlers. */
void keymap_init(struct keymap *km);

/*
 * Parses a key name: "b", "B", "/", "Tab", "S-Tab", "C-]", "C-a", "F5",
 * "PgUp", "PgDn", "Enter", "Esc", "Space", "Up", "Home", "Backspace", ...
 * Returns the ncurses key code (> 0) or -EINVAL.
 */
int keymap_key_parse(const char *name);
/* The name the key bar and help show; "?" style names for printables. */
int keymap_key_name(int key, char *buf, size_t cap);

/*
 * The action bound to @key in @mode, or -ENOENT. CR and KEY_ENTER count
 * as Enter ("\n") whatever nl()/nonl() the terminal is in.
 */
int keymap_lookup(const struct keymap *km, int key, enum keymap_mode mode);
/*
 * Looks up and calls the handler. Returns the action id, -ENOENT for an
 * unbound key, -ENOSYS for an action the app has not wired yet.
 */
int keymap_dispatch(const struct keymap *km, int key, enum keymap_mode mode);

/*
 * One config entry: "ui.keys": { "build": ["F5", "b"] } gives two, each
 * with where it was written ("kmdash.json:12:15") for error messages.
 */
struct keymap_binding {
	const char *action;
	const char *key; /* NULL: the action is listed with no keys (unbound) */
	const char *where;
};

/*
 * Applies config bindings: each action named replaces its default keys
 * with the keys listed for it. An unknown action or key name, more than
 * KEYMAP_MAX_KEYS keys, or one key on two actions (in a shared mode) is
 * an error; every one is written to @err, one per line, as "WHERE: what,
 * what to do" (WHERE is the binding's file:line:col). @km is then
 * unchanged. Returns 0 or -EINVAL.
 */
int keymap_apply(struct keymap *km, const struct keymap_binding *b, size_t n,
		 char *err, size_t errcap);

/* One entry of the key bar: "KEY Label", separated by two spaces. */
struct keybar_item {
	enum action_id id;
	int x; /* column of the key */
	char key[KEYMAP_KEY_NAME_MAX];
	const char *label; /* starts at x + strlen(key) + 1 */
};

/*
 * The htop-style bottom line for @width columns: actions bound in @mode
 * with a bar priority, in priority order, help last. When they do not all
 * fit, the lowest priorities are dropped and help becomes "? more" (the
 * help lists everything). Returns the number of items.
 */
int keymap_bar(const struct keymap *km, enum keymap_mode mode, int width,
	       struct keybar_item *items, int max);
/* The same as plain text ("b Build  d Deploy"), for tests and captures. */
int keymap_bar_text(const struct keymap *km, enum keymap_mode mode, int width,
		    char *buf, size_t cap);

/*
 * The help overlay: every action, grouped, one per line, with its name
 * for ui.keys: "  b, F5        build          Cross-build the module".
 * Returns the length snprintf-style (the text is cut at @cap).
 */
int keymap_help(const struct keymap *km, char *buf, size_t cap);

#endif
