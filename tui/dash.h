/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dashboard: one session drawn as five panes, a status bar and a key
 * bar, driven by the keymap. The shape follows htop (one file per pane,
 * each a small method table) and neovim's terminal (models only mark
 * themselves dirty; one short frame timer redraws what changed and calls
 * doupdate() once).
 *
 * Everything in here runs inside core/base/loop: no thread, no busy wait.
 */
#ifndef KMDASH_DASH_H
#define KMDASH_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>
#include <sys/types.h>
#include <termios.h>

#include "core/module/job.h"
#include "tui/graph.h"
#include "tui/keymap.h"
#include "tui/layout.h"
#include "tui/theme.h"
#include "tui/theme_curses.h"
#include "tui/tui.h"

struct config;
struct loop;
struct session;
struct record;
struct link;

struct dash;
struct pane;

/* One pane's methods (htop's Panel class, reduced). */
struct pane_ops {
	const char *title;
	unsigned changes; /* SC_* bits that make it dirty */
	void *(*init)(struct dash *d);
	void (*fini)(void *priv);
	/* Draw the inside (borders are drawn by the dashboard). */
	void (*draw)(struct dash *d, struct pane *p, WINDOW *w, int h, int wd);
	/* The one-line summary of a collapsed pane. */
	void (*summary)(struct dash *d, struct pane *p, char *buf, size_t cap,
			enum theme_role *role);
	/* An action while the pane has focus; true if it handled it. */
	bool (*action)(struct dash *d, struct pane *p, enum action_id a);
	/* Mouse wheel / PgUp / PgDn: +lines scrolls back (up). */
	void (*wheel)(struct dash *d, struct pane *p, int lines);
	/* A search pattern was entered ("" clears it). */
	void (*search)(struct dash *d, struct pane *p, const char *pat);
};

struct pane {
	enum pane_id id;
	const struct pane_ops *ops;
	void *priv;
	WINDOW *win; /* the whole rectangle, border included */
	WINDOW *inner; /* inside the border (a derwin of win), or NULL */
	struct rect r;
	bool collapsed;
	bool dirty;
	int border; /* the border in win: 0 none (erased), 1 + focus */
	int inner_h, inner_w; /* last drawn inside size */
};

extern const struct pane_ops pane_console_ops;
extern const struct pane_ops pane_tunnel_ops;
extern const struct pane_ops pane_build_ops;
extern const struct pane_ops pane_dmesg_ops;
extern const struct pane_ops pane_bench_ops;

enum dash_mode {
	DM_NORMAL,
	DM_CONSOLE, /* every key goes to the serial line */
	DM_SEARCH, /* typing a search pattern */
	DM_CONFIRM_QUIT,
	/* the module crashed on a VM: `a` asks to reset it first */
	DM_CONFIRM_RESET,
};

/* An overlay over the panes, with its own keys (PgUp/PgDn, Esc). */
enum dash_overlay {
	OV_NONE,
	OV_HELP, /* every action, as bound */
	OV_FAILURE, /* the last failure in full (tui/failure.c) */
	OV_ACTIONS, /* the action log (tui/actionview.c) */
};

/* The last failed job, as the failure key shows it (tui/failure.c). */
struct dash_failure {
	bool set;
	char job[64];
	enum job_step_kind kind; /* the step that failed */
	int64_t ms; /* how long it ran */
	char msg[1024];
	/* the kernel crash that failed it: its trace in the kernel log */
	bool crash;
	uint64_t crash_pos;
	char crash_text[768];
	char crash_note[256];
};

/* One line of the failure overlay. */
struct failview_line {
	char *text;
	enum theme_role role;
	bool words; /* wrap at spaces (a message), not anywhere (a log) */
};

struct dash {
	const struct dash_opts *o;
	const struct config *cfg;
	struct loop *loop;
	struct session *s;
	struct keymap km;
	struct layout lay;
	struct pane pane[PANE_COUNT];
	enum pane_id focus;
	bool zoom;
	enum dash_mode mode;
	enum dash_overlay overlay;
	int overlay_top; /* its first line shown */
	int overlay_shown; /* lines it showed whole, for PgDn */
	char search[128];
	size_t search_len;

	/* the screen */
	SCREEN *scr;
	FILE *out; /* what ncurses writes to (tui/termout.h) */
	int out_fd;
	int rows, cols;
	WINDOW *status_w, *keybar_w, *help_w;
	bool status_dirty, keybar_dirty, relayout, full;
	bool journal_full; /* as the status bar last said it */
	uint64_t frame_timer;
	uint64_t tick_timer; /* spinner / elapsed while a job runs */
	unsigned watch_restarts; /* watch mode's build restarts already said */
	int64_t last_frame_us;
	int64_t input_us; /* the last key or click */
	int64_t rtt_frame_us; /* when the RTT shown was drawn */
	int32_t rtt_shown_us;
	unsigned spin;
	struct record *rec;
	struct termout *to; /* ncurses's output on its way to the terminal */
	bool raw_set;
	struct termios saved_tio;

	/* looks */
	struct theme theme;
	struct theme_curses tc;
	struct theme_dirs tdirs;
	char themes[THEME_LIST_MAX][THEME_NAME_MAX];
	int nthemes, theme_idx;
	enum theme_depth depth;
	enum graph_style graph;
	bool abs_time; /* kernel log: wall clock instead of since boot */
	bool utf8;
	char theme_err[640];

	/* console colour pairs, allocated on demand */
	int pair_next;
	struct dash_pair {
		int fg, bg, pair;
	} pairs[512];
	int npairs;

	/* a program in front (tui/front.c): the dashboard stepped aside */
	pid_t front_pid;
	char front_name[64];
	struct termios front_tio;
	bool front_tio_set;

	char msg[256]; /* one-shot message in the status bar */
	uint64_t msg_timer; /* takes the message away */

	/* the message line above the key bar (tui/failure.c) */
	WINDOW *msgline_w;
	char alert[1280]; /* what failed, in full; "" when nothing did */
	char alert_short[1280]; /* the same in fewer words, or "" */
	bool alert_failure; /* a job's failure: the next job takes it away */
	int msg_rows; /* the rows the layout gave it */
	bool msgline_dirty;
	bool job_busy; /* a job runs (as last told) */
	uint64_t job_crash_mark; /* crashes after it are the job's */
	struct dash_failure fail;
	struct failview_line *fv;
	size_t nfv;
	bool quit;
};

/* Mark everything for the next frame. */
void dash_dirty_all(struct dash *d);
/* A frame soon, for what is marked dirty. */
void dash_schedule(struct dash *d);
void dash_message(struct dash *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * An error the user must see (a theme that did not load, a VM that would
 * not start): the message line shows it, wrapped, until Esc or another
 * error replaces it.
 */
void dash_alert(struct dash *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * FILE at LINE in $VISUAL/$EDITOR: a new tmux window inside tmux, else the
 * dashboard steps aside until the editor exits (tui/editor.c).
 */
void dash_open_editor(struct dash *d, const char *file, int line);
/*
 * argv in front of the dashboard (tui/front.c): inside tmux in a new tmux
 * window called name (split: a pane beside the dashboard's), else the
 * dashboard steps aside until it exits, the session carrying on. what
 * names it in the message. 0, or -errno (said in the status bar).
 */
int dash_run_front(struct dash *d, const char *const *argv, const char *name,
		   const char *what, bool split);
/* The keyboard to the dashboard (true) or not (a program in front). */
void dash_input(struct dash *d, bool on);
/* g: gdb on the target's kernel (tui/gdb.c). */
void dash_gdb(struct dash *d);

/* --- drawing helpers (draw.c) ------------------------------------------- */

void draw_role(struct dash *d, WINDOW *w, enum theme_role r);
/* A colour pair for terminal colour numbers (-1: default). */
int draw_pair(struct dash *d, int fg, int bg);
/*
 * A console-model colour (kind, index, rgb) as a colour number this
 * terminal takes, -1 for the default, after the theme's depth.
 */
int draw_term_color(struct dash *d, int kind, int index, uint32_t rgb);
/* The locale is UTF-8: a cut text ends in "…", else in "...". */
void draw_set_utf8(bool utf8);
int draw_ellipsis_cols(void);
/* The ellipsis at (y, x), in at most maxw columns; the columns used. */
int draw_ellipsis(WINDOW *w, int y, int x, int maxw);
/*
 * UTF-8 text at (y, x), at most maxw columns, made safe by the rule of
 * core/base/termsafe.h: a byte that is no character is drawn as \xNN.
 * Text that does not fit ends in the ellipsis. Returns the columns used.
 */
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, size_t len);
/* The columns the text takes (as draw_text counts them). */
int draw_width(const char *s, size_t len);
/*
 * Wrapping: the bytes of s that make its first row of at most width
 * columns (at least one character; a newline ends a row). With words, the
 * row ends before the last space that fits, when there is one. *cols gets
 * the row's columns. draw_next_row() is where the row after it starts
 * (past the newline, or the spaces at a word break); draw_rows() how many
 * rows the whole text takes.
 */
size_t draw_break(const char *s, size_t len, int width, bool words, int *cols);
size_t draw_next_row(const char *s, size_t len, size_t at, bool words);
int draw_rows(const char *s, size_t len, int width, bool words);
/*
 * The text wrapped into at most maxrows rows of width columns from (y, x),
 * the last row cut with the ellipsis when it is not all. Returns the rows.
 */
int draw_wrapped(WINDOW *w, int y, int x, int width, int maxrows, const char *s,
		 size_t len, bool words);
/* printf-style into draw_text. */
int draw_printf(WINDOW *w, int y, int x, int maxw, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A border: line-drawing characters, or ASCII where the locale is not UTF-8. */
void draw_box(struct dash *d, WINDOW *w);
/*
 * Scrolls a log view (build, kernel log) by lines (> 0: back in time):
 * top is the first shown line while paused; paused stops following the
 * tail until the view is scrolled back to the end.
 */
void view_scroll(uint64_t *top, bool *paused, uint64_t first, uint64_t end,
		 int page, int lines);
/* Text with ANSI SGR colours kept (gcc's), other escapes dropped. */
int draw_ansi(struct dash *d, WINDOW *w, int y, int x, int maxw, const char *s,
	      size_t len);
/* A rendered graph at (y, x), coloured by series. */
void draw_graph(struct dash *d, WINDOW *w, int y, int x,
		const struct graph_cell *cells, int gw, int gh);
/* "1h02m", "3m05s", "12.3s" */
void draw_duration(char *buf, size_t cap, int64_t ms);
/* "12.3 KiB" */
void draw_bytes(char *buf, size_t cap, uint64_t n);
/* The spinner frame while a job runs. */
const char *draw_spinner(struct dash *d);

/* --- the rest ----------------------------------------------------------- */

/* The theme role of a link state (NULL: no link). */
enum theme_role dash_link_role(const struct link *l);
void statusbar_draw(struct dash *d, WINDOW *w, int width);
void keybar_draw(struct dash *d, WINDOW *w, int width);
void help_draw(struct dash *d, WINDOW *w, int h, int wd);

/* --- failures (failure.c) ------------------------------------------------ */

/* A job started / ended: the failure it had is kept and said. */
void failure_job_started(struct dash *d);
void failure_job_done(struct dash *d, const struct job *job);
/* The message line's rows for this width (0: nothing to say). */
int msgline_rows(struct dash *d, int width);
void msgline_draw(struct dash *d, WINDOW *w, int rows, int width);
/* The failure key: the overlay; false (and a message) with no failure. */
bool failview_open(struct dash *d);
void failview_close(struct dash *d);
void failview_draw(struct dash *d, WINDOW *w, int h, int wd);

/* --- the action log (actionview.c) ---------------------------------------- */

/* Every action with its shell command; opens at the end (overlay_top -1). */
void actionview_draw(struct dash *d, WINDOW *w, int h, int wd);

#endif
