// SPDX-License-Identifier: GPL-2.0
/*
 * The action table and everything generated from it. <curses.h> is here
 * only for the KEY_* constants: nothing calls into curses, so the tests
 * run without a terminal.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "core/base/strutil.h"
#include "tui/keymap.h"

#define CTRL(c) ((c)&0x1f)

static const struct action_info actions[ACT_COUNT] = {
	[ACT_BUILD] = { "build",
			"Build",
			"Cross-build the module",
			"Module",
			KM_NORMAL,
			6,
			{ 'b' } },
	[ACT_DEPLOY] = { "deploy",
			 "Deploy",
			 "Upload the module to the target and verify it",
			 "Module",
			 KM_NORMAL,
			 7,
			 { 'd' } },
	[ACT_LOAD] = { "load",
		       "Load",
		       "Load the module (insmod)",
		       "Module",
		       KM_NORMAL,
		       8,
		       { 'l' } },
	[ACT_UNLOAD] = { "unload",
			 "Unload",
			 "Unload the module (rmmod)",
			 "Module",
			 KM_NORMAL,
			 3,
			 { 'u' } },
	[ACT_RELOAD] = { "reload",
			 "Reload",
			 "Unload, deploy and load again",
			 "Module",
			 KM_NORMAL,
			 2,
			 { 'r' } },
	[ACT_BENCH] = { "bench",
			"Bench",
			"Run the benchmark on the target",
			"Module",
			KM_NORMAL,
			11,
			{ 'B' } },
	[ACT_CYCLE] = { "cycle",
			"Cycle",
			"Full cycle: build, unload what is loaded, deploy, load, benchmark (after a crash on a VM: reset it first)",
			"Module",
			KM_NORMAL,
			1,
			{ 'a' } },
	[ACT_WATCH] = { "watch",
			"Watch",
			"Watch the module's sources: each save builds and reloads (the config's \"watch\" says build, reload or cycle); again: stop watching",
			"Module",
			KM_NORMAL,
			10,
			{ 'w' } },
	[ACT_CANCEL] = { "cancel",
			 "Cancel",
			 "Cancel the running job",
			 "Module",
			 KM_NORMAL,
			 4,
			 { 'c' } },
	[ACT_FAILURE] = { "failure",
			  "Failure",
			  "Show the last failure in full: the step's message, the compiler output, the decoded trace",
			  "Module",
			  KM_NORMAL,
			  0,
			  { '!' } },
	[ACT_VM_TOGGLE] = { "vm",
			    "VM",
			    "Start the virtual machine, or stop it (toggles)",
			    "Target",
			    KM_NORMAL,
			    12,
			    { 's' } },
	[ACT_VM_RESET] = { "vm-reset",
			   "Reset",
			   "Reset the virtual machine (hard reboot)",
			   "Target",
			   KM_NORMAL,
			   5,
			   { 'R' } },
	[ACT_GDB] = { "gdb",
		      "GDB",
		      "Debug the target's kernel and the module in gdb (QEMU targets)",
		      "Target",
		      KM_NORMAL,
		      19,
		      { 'g' } },
	[ACT_CONSOLE_INPUT] = { "console",
				"Console",
				"Type into the serial console; on the kernel log and build panes, open the selected source line in $EDITOR",
				"Target",
				KM_NORMAL,
				18,
				{ '\n' } },
	[ACT_CONSOLE_LEAVE] = { "console-leave",
				"Leave console",
				"Leave console input (keys go to kmdash again)",
				"Target",
				KM_CONSOLE,
				1,
				{ CTRL(']') } },
	[ACT_FOCUS_NEXT] = { "focus-next",
			     "Pane",
			     "Focus the next pane",
			     "View",
			     KM_NORMAL,
			     13,
			     { '\t' } },
	[ACT_FOCUS_PREV] = { "focus-prev",
			     "Prev pane",
			     "Focus the previous pane",
			     "View",
			     KM_NORMAL,
			     0,
			     { KEY_BTAB } },
	[ACT_FOCUS_1] = { "focus-console",
			  "Console",
			  "Focus the console pane",
			  "View",
			  KM_NORMAL,
			  0,
			  { '1' } },
	[ACT_FOCUS_2] = { "focus-tunnel",
			  "Tunnel",
			  "Focus the tunnel pane",
			  "View",
			  KM_NORMAL,
			  0,
			  { '2' } },
	[ACT_FOCUS_3] = { "focus-build",
			  "Build",
			  "Focus the build pane",
			  "View",
			  KM_NORMAL,
			  0,
			  { '3' } },
	[ACT_FOCUS_4] = { "focus-dmesg",
			  "Dmesg",
			  "Focus the kernel log (dmesg) pane",
			  "View",
			  KM_NORMAL,
			  0,
			  { '4' } },
	[ACT_FOCUS_5] = { "focus-bench",
			  "Bench",
			  "Focus the benchmark pane",
			  "View",
			  KM_NORMAL,
			  0,
			  { '5' } },
	[ACT_ZOOM] = { "zoom",
		       "Zoom",
		       "Zoom the focused pane, or back to every pane (toggles)",
		       "View",
		       KM_NORMAL,
		       14,
		       { 'z' } },
	[ACT_THEME_NEXT] = { "theme",
			     "Theme",
			     "Switch to the next theme",
			     "View",
			     KM_NORMAL,
			     17,
			     { 't' } },
	[ACT_TIMESTAMPS] = { "timestamps",
			     "Times",
			     "Kernel log times: since boot, or wall clock (toggles)",
			     "View",
			     KM_NORMAL,
			     0,
			     { 'T' } },
	[ACT_FOLLOW] = { "follow",
			 "Follow",
			 "Follow new output, or pause where it is (toggles)",
			 "View",
			 KM_NORMAL,
			 16,
			 { 'f' } },
	[ACT_LOG_LEVEL] = { "log-level",
			    "Level",
			    "Kernel log: cycle the minimum level shown",
			    "View",
			    KM_NORMAL,
			    0,
			    { 'v' } },
	[ACT_LOG_MODULE] = { "log-module",
			     "Module",
			     "Kernel log: only the module's lines, or every line (toggles)",
			     "View",
			     KM_NORMAL,
			     0,
			     { 'm' } },
	[ACT_OOPS] = { "oops",
		       "Oops",
		       "Kernel log: jump to the last oops/BUG/panic",
		       "View",
		       KM_NORMAL,
		       0,
		       { 'o' } },
	[ACT_LOG_WRAP] = { "log-wrap",
			   "Wrap",
			   "Kernel log: wrap long lines, or cut them (toggles)",
			   "View",
			   KM_NORMAL,
			   0,
			   { 'W' } },
	[ACT_BENCH_TREND] = { "bench-trend",
			      "Trend",
			      "Bench: the last runs of this workload by commit, or the last set (toggles)",
			      "View",
			      KM_NORMAL,
			      0,
			      { 'H' } },
	[ACT_ACTIONLOG] = { "actions",
			    "Actions",
			    "The action log: every action done, with the shell command that does the same (toggles)",
			    "View",
			    KM_NORMAL,
			    0,
			    { 'L' } },
	[ACT_PAGE_UP] = { "page-up",
			  "PgUp",
			  "Scroll the focused pane up",
			  "View",
			  KM_NORMAL,
			  0,
			  { KEY_PPAGE } },
	[ACT_PAGE_DOWN] = { "page-down",
			    "PgDn",
			    "Scroll the focused pane down",
			    "View",
			    KM_NORMAL,
			    0,
			    { KEY_NPAGE } },
	[ACT_SEARCH] = { "search",
			 "Search",
			 "Search the focused pane",
			 "Search",
			 KM_NORMAL,
			 15,
			 { '/' } },
	[ACT_NEXT_HIT] = { "next",
			   "Next",
			   "Next diagnostic or search hit",
			   "Search",
			   KM_NORMAL,
			   0,
			   { 'n' } },
	[ACT_PREV_HIT] = { "prev",
			   "Prev",
			   "Previous diagnostic or search hit",
			   "Search",
			   KM_NORMAL,
			   0,
			   { 'N' } },
	[ACT_HELP] = { "help",
		       "Help",
		       "Show this help, or hide it (toggles)",
		       "General",
		       KM_NORMAL,
		       9,
		       { '?', KEY_F(1) } },
	[ACT_QUIT] = { "quit",
		       "Quit",
		       "Quit kmdash (the target keeps running)",
		       "General",
		       KM_NORMAL,
		       10,
		       { 'q' } },
};

const struct action_info *keymap_action(enum action_id id)
{
	if (id < 0 || id >= ACT_COUNT)
		return NULL;
	return &actions[id];
}

/* By config name; -ENOENT if unknown. */
static int keymap_action_find(const char *name)
{
	for (int i = 0; name && i < ACT_COUNT; i++)
		if (strcmp(name, actions[i].name) == 0)
			return i;
	return -ENOENT;
}

void keymap_init(struct keymap *km)
{
	memset(km, 0, sizeof(*km));
	for (int i = 0; i < ACT_COUNT; i++)
		memcpy(km->keys[i], actions[i].defkeys, sizeof(km->keys[i]));
}

/* Named keys; the first name of a code is the one displayed. */
static const struct {
	const char *name;
	int key;
} named[] = {
	{ "Tab", '\t' },
	{ "S-Tab", KEY_BTAB },
	{ "Shift-Tab", KEY_BTAB },
	{ "BTab", KEY_BTAB },
	{ "Enter", '\n' },
	{ "Return", '\n' },
	{ "Esc", 27 },
	{ "Escape", 27 },
	{ "Space", ' ' },
	{ "Backspace", KEY_BACKSPACE },
	{ "Del", KEY_DC },
	{ "Delete", KEY_DC },
	{ "Ins", KEY_IC },
	{ "Insert", KEY_IC },
	{ "Home", KEY_HOME },
	{ "End", KEY_END },
	{ "PgUp", KEY_PPAGE },
	{ "PageUp", KEY_PPAGE },
	{ "PgDn", KEY_NPAGE },
	{ "PageDown", KEY_NPAGE },
	{ "Up", KEY_UP },
	{ "Down", KEY_DOWN },
	{ "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT },
};

#define NNAMED (sizeof(named) / sizeof(named[0]))
#define FKEYS 24

/* The keys a terminal may send for one key, folded to one code. */
static int key_fold(int key)
{
	if (key == '\r' || key == KEY_ENTER)
		return '\n';
	if (key == 127 || key == CTRL('h'))
		return KEY_BACKSPACE;
	return key;
}

int keymap_key_parse(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return -EINVAL;
	/* One printable character is itself, case and all: "b" vs "B". */
	if (!s[1] && s[0] > ' ' && s[0] < 127)
		return s[0];
	if (strcmp(s, " ") == 0)
		return ' ';
	for (size_t i = 0; i < NNAMED; i++)
		if (strcasecmp(s, named[i].name) == 0)
			return named[i].key;
	if ((s[0] == 'F' || s[0] == 'f') && isdigit((unsigned char)s[1])) {
		n = strtol(s + 1, &end, 10);
		if (!*end && n >= 1 && n <= FKEYS)
			return KEY_F(n);
		return -EINVAL;
	}
	if (strncasecmp(s, "C-", 2) == 0 || strncasecmp(s, "Ctrl-", 5) == 0) {
		const char *c = s + (s[1] == '-' ? 2 : 5);
		int ch = toupper((unsigned char)c[0]);

		/* C-@ would be NUL, the table's terminator: not offered. */
		if (c[0] && !c[1] && ch >= 'A' && ch <= '_')
			return key_fold(CTRL(ch));
	}
	return -EINVAL;
}

int keymap_key_name(int key, char *buf, size_t cap)
{
	key = key_fold(key);
	for (size_t i = 0; i < NNAMED; i++)
		if (named[i].key == key)
			return snprintf(buf, cap, "%s", named[i].name);
	if (key > ' ' && key < 127)
		return snprintf(buf, cap, "%c", key);
	if (key > 0 && key <= 26)
		return snprintf(buf, cap, "C-%c", key - 1 + 'a');
	if (key > 26 && key < ' ')
		return snprintf(buf, cap, "C-%c", key + '@');
	if (key >= KEY_F(1) && key <= KEY_F(FKEYS))
		return snprintf(buf, cap, "F%d", key - KEY_F0);
	return snprintf(buf, cap, "key-%d", key);
}

int keymap_lookup(const struct keymap *km, int key, enum keymap_mode mode)
{
	key = key_fold(key);
	if (key <= 0)
		return -ENOENT;
	for (int i = 0; i < ACT_COUNT; i++) {
		if (!(actions[i].modes & (int)mode))
			continue;
		for (int k = 0; k < KEYMAP_MAX_KEYS && km->keys[i][k]; k++)
			if (km->keys[i][k] == key)
				return i;
	}
	return -ENOENT;
}

int keymap_dispatch(const struct keymap *km, int key, enum keymap_mode mode)
{
	int id = keymap_lookup(km, key, mode);

	if (id < 0)
		return id;
	if (!km->handler[id])
		return -ENOSYS;
	km->handler[id](km->ctx, (enum action_id)id);
	return id;
}

static const char *where_or(const char *where)
{
	return where && *where ? where : "ui.keys";
}

/* Adds @key to @id unless already there; -ENOSPC when full. */
static int add_key(struct keymap *km, int id, int key)
{
	int k;

	for (k = 0; k < KEYMAP_MAX_KEYS && km->keys[id][k]; k++)
		if (km->keys[id][k] == key)
			return 0;
	if (k == KEYMAP_MAX_KEYS)
		return -ENOSPC;
	km->keys[id][k] = key;
	return 0;
}

/* Says what was meant, or which names exist. */
static void unknown_action(char *err, size_t cap, const char *where,
			   const char *name)
{
	const char *names[ACT_COUNT], *best;
	int len;

	name = name ? name : "";
	for (int i = 0; i < ACT_COUNT; i++)
		names[i] = actions[i].name;
	best = str_closest(name, names, ACT_COUNT, 2);
	if (best) {
		snprintf(err, cap,
			 "%s: unknown action '%s' in ui.keys (did you mean "
			 "'%s'?)",
			 where, name, best);
		return;
	}
	len = snprintf(err, cap,
		       "%s: unknown action '%s' in ui.keys; actions:", where,
		       name);
	for (int i = 0; i < ACT_COUNT && len >= 0 && (size_t)len < cap; i++)
		len += snprintf(err + len, cap - (size_t)len, " %s",
				actions[i].name);
}

/* The errors of one keymap_apply, one per line, as the config's. */
struct errs {
	char *buf;
	size_t cap, used;
	int n;
};

static void add_error(struct errs *e, const char *line)
{
	int r;

	e->n++;
	if (e->used >= e->cap)
		return;
	r = snprintf(e->buf + e->used, e->cap - e->used, "%s%s",
		     e->used ? "\n" : "", line);
	if (r > 0)
		e->used += (size_t)r;
	if (e->used > e->cap)
		e->used = e->cap;
}

/* Each pair of actions that share a key in a shared mode: one error. */
static void check_clashes(const struct keymap *next,
			  const char *where[ACT_COUNT][KEYMAP_MAX_KEYS],
			  struct errs *e)
{
	char kname[KEYMAP_KEY_NAME_MAX], line[512];

	for (int a = 0; a < ACT_COUNT; a++) {
		for (int ka = 0; ka < KEYMAP_MAX_KEYS && next->keys[a][ka];
		     ka++) {
			for (int c = a + 1; c < ACT_COUNT; c++) {
				if (!(actions[a].modes & actions[c].modes))
					continue;
				for (int kc = 0;
				     kc < KEYMAP_MAX_KEYS && next->keys[c][kc];
				     kc++) {
					const char *wa = where[a][ka],
						   *wc = where[c][kc];

					if (next->keys[a][ka] !=
					    next->keys[c][kc])
						continue;
					keymap_key_name(next->keys[a][ka],
							kname, sizeof(kname));
					snprintf(
						line, sizeof(line),
						"%s: key '%s' is bound to both "
						"'%s'%s%s%s and '%s'%s%s%s; "
						"give one of them another key",
						where_or(wc ? wc : wa), kname,
						actions[a].name,
						wa ? " (" : " (default",
						wa ? wa : "", ")",
						actions[c].name,
						wc ? " (" : " (default",
						wc ? wc : "", ")");
					add_error(e, line);
				}
			}
		}
	}
}

int keymap_apply(struct keymap *km, const struct keymap_binding *b, size_t n,
		 char *err, size_t errcap)
{
	struct keymap next = *km;
	/* Where each bound key came from (NULL: a default), for messages. */
	const char *where[ACT_COUNT][KEYMAP_MAX_KEYS] = { { 0 } };
	char cleared[ACT_COUNT] = { 0 }, line[512];
	struct errs e = { err, errcap, 0, 0 };

	if (errcap)
		err[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *w = where_or(b[i].where);
		int id = keymap_action_find(b[i].action), key, k;

		if (id < 0) {
			unknown_action(line, sizeof(line), w, b[i].action);
			add_error(&e, line);
			continue;
		}
		if (!cleared[id]) {
			memset(next.keys[id], 0, sizeof(next.keys[id]));
			cleared[id] = 1;
		}
		if (!b[i].key)
			continue;
		key = keymap_key_parse(b[i].key);
		if (key < 0) {
			snprintf(
				line, sizeof(line),
				"%s: unknown key '%s' for '%s' (use a "
				"character like \"b\", or Tab, S-Tab, C-x, F1-F%d, "
				"PgUp, PgDn, Enter, Esc, Space, Up, Home, ...)",
				w, b[i].key, b[i].action, FKEYS);
			add_error(&e, line);
			continue;
		}
		if (add_key(&next, id, key) < 0) {
			snprintf(line, sizeof(line),
				 "%s: too many keys for '%s' (at most %d)", w,
				 b[i].action, KEYMAP_MAX_KEYS);
			add_error(&e, line);
			continue;
		}
		for (k = 0; next.keys[id][k] != key; k++)
			;
		if (!where[id][k])
			where[id][k] = w;
	}
	/* One key, one action (per mode), among the keys that are valid. */
	check_clashes(&next, where, &e);
	if (e.n)
		return -EINVAL;
	memcpy(km->keys, next.keys, sizeof(km->keys));
	return 0;
}

static int item_width(const struct keymap *km, int id, const char *label)
{
	char kname[KEYMAP_KEY_NAME_MAX];

	keymap_key_name(km->keys[id][0], kname, sizeof(kname));
	return (int)(strlen(kname) + 1 + strlen(label));
}

static void add_item(const struct keymap *km, int id, const char *label,
		     struct keybar_item *it, int *x)
{
	it->id = (enum action_id)id;
	it->x = *x;
	keymap_key_name(km->keys[id][0], it->key, sizeof(it->key));
	it->label = label;
	*x += item_width(km, id, label) + 2;
}

int keymap_bar(const struct keymap *km, enum keymap_mode mode, int width,
	       struct keybar_item *items, int max)
{
	int order[ACT_COUNT], n = 0, shown = 0, used = 0, x = 0, help = -1;
	const char *help_label = NULL;

	/* The candidates by priority; help goes last, whatever its own. */
	for (int prio = 1; prio <= ACT_COUNT; prio++)
		for (int i = 0; i < ACT_COUNT; i++)
			if (actions[i].bar_prio == prio &&
			    (actions[i].modes & (int)mode) && km->keys[i][0]) {
				if (i == ACT_HELP)
					help = i;
				else
					order[n++] = i;
			}
	for (int i = 0; i < n; i++)
		used += item_width(km, order[i], actions[order[i]].label) +
			(i ? 2 : 0);
	if (help >= 0) {
		used += item_width(km, help, actions[help].label) + (n ? 2 : 0);
		help_label = actions[help].label;
	}
	if (used > width || n + (help >= 0) > max) {
		/* Cut: help says there is more, and keeps its room. */
		help_label = help >= 0 ? "more" : NULL;
		used = help >= 0 ? item_width(km, help, help_label) : 0;
		if (used > width || max < 1) {
			help_label = NULL;
			used = 0;
		}
		for (shown = 0; shown < n; shown++) {
			int need = item_width(km, order[shown],
					      actions[order[shown]].label) +
				   (used ? 2 : 0);

			if (used + need > width ||
			    shown + 1 + (help_label != NULL) > max)
				break;
			used += need;
		}
	} else {
		shown = n;
	}
	for (int i = 0; i < shown; i++)
		add_item(km, order[i], actions[order[i]].label, &items[i], &x);
	if (help_label)
		add_item(km, help, help_label, &items[shown++], &x);
	return shown;
}

int keymap_bar_text(const struct keymap *km, enum keymap_mode mode, int width,
		    char *buf, size_t cap)
{
	struct keybar_item items[ACT_COUNT];
	int n = keymap_bar(km, mode, width, items, ACT_COUNT), len = 0;

	if (cap)
		buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		int r = snprintf(buf + len, cap > (size_t)len ? cap - len : 0,
				 "%s%s %s", i ? "  " : "", items[i].key,
				 items[i].label);

		len += r;
	}
	return len;
}

/* snprintf that appends and keeps counting past the end. */
static void append(char *buf, size_t cap, int *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t cap, int *len, const char *fmt, ...)
{
	va_list ap;
	size_t at = (size_t)*len;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(at < cap ? buf + at : NULL, at < cap ? cap - at : 0, fmt,
		      ap);
	va_end(ap);
	if (r > 0)
		*len += r;
}

int keymap_help(const struct keymap *km, char *buf, size_t cap)
{
	const char *group = NULL;
	char keys[4 * (KEYMAP_KEY_NAME_MAX + 2)], kname[KEYMAP_KEY_NAME_MAX];
	int len = 0;

	if (cap)
		buf[0] = '\0';
	for (int i = 0; i < ACT_COUNT; i++) {
		int kl = 0;

		if (!group || strcmp(group, actions[i].group) != 0) {
			group = actions[i].group;
			append(buf, cap, &len, "%s%s\n", len ? "\n" : "",
			       group);
		}
		keys[0] = '\0';
		for (int k = 0; k < KEYMAP_MAX_KEYS && km->keys[i][k]; k++) {
			keymap_key_name(km->keys[i][k], kname, sizeof(kname));
			kl += snprintf(keys + kl, sizeof(keys) - (size_t)kl,
				       "%s%s", k ? ", " : "", kname);
		}
		/* the name is what ui.keys takes, for remapping */
		append(buf, cap, &len, "  %-12s %-14s %s\n",
		       keys[0] ? keys : "(unbound)", actions[i].name,
		       actions[i].help);
	}
	return len;
}
