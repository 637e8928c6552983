// SPDX-License-Identifier: GPL-2.0
/*
 * The dashboard's main loop: ncurses on top of core/base/loop. Session changes
 * only mark panes dirty and arm one frame timer; the frame redraws the
 * dirty panes into their windows (wnoutrefresh) and calls doupdate()
 * once. While idle nothing runs: the only periodic wake-ups show
 * something that changes (the spinner of a running job, the link's RTT).
 * When the terminal cannot take more (a slow SSH link), frames are
 * dropped, not queued: the next one shows the latest state.
 */
#include "tui/dash.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/console/console.h"
#include "core/module/build.h"
#include "core/ssh/link.h"
#include "core/base/journal.h"
#include "core/base/loop.h"
#include "core/session.h"
#include "core/vm/vm.h"
#include "tui/keymap_config.h"
#include "tui/record.h"
#include "tui/termout.h"

#define FRAME_MS 16
#define TICK_MS 100
/*
 * At rest (no key for ui.rest_after_ms), a probe's answer that moves
 * nothing much is drawn with the next ones, every REST_FRAME_US: a frame
 * a second for an RTT that said nothing new was a third of the idle
 * dashboard's CPU. A change of the link's state is drawn at once
 * (SC_LINK), and so is an RTT REST_RTT_FACTOR times the one shown, or as
 * far below it.
 */
#define REST_FRAME_US (5 * 1000000LL)
#define REST_RTT_FACTOR 2

static const struct pane_ops *const pane_ops[PANE_COUNT] = {
	[PANE_CONSOLE] = &pane_console_ops, [PANE_TUNNEL] = &pane_tunnel_ops,
	[PANE_BUILD] = &pane_build_ops,	    [PANE_DMESG] = &pane_dmesg_ops,
	[PANE_BENCH] = &pane_bench_ops,
};

static void schedule(struct dash *d);
static bool check_size(struct dash *d);
static void frame_cb(struct loop *loop, void *arg);

/* --- dirty marks and the frame timer ------------------------------------ */

void dash_dirty_all(struct dash *d)
{
	d->full = true;
	schedule(d);
}

void dash_schedule(struct dash *d)
{
	schedule(d);
}

static void msg_expired(struct loop *loop, void *arg)
{
	struct dash *d = arg;

	d->msg_timer = 0;
	d->msg[0] = '\0';
	d->status_dirty = true;
	schedule(d);
}

void dash_message(struct dash *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	/* One timer takes it away: nothing wakes up meanwhile. */
	if (d->msg_timer)
		loop_cancel_timer(d->loop, d->msg_timer);
	d->msg_timer = loop_add_timer(d->loop, 5000, msg_expired, d);
	d->status_dirty = true;
	schedule(d);
}

static bool job_busy_now(const struct dash *d)
{
	return job_busy(session_job(d->s));
}

static void tick(struct loop *loop, void *arg)
{
	struct dash *d = arg;

	d->tick_timer = 0;
	d->spin++;
	d->status_dirty = true;
	if (build_running(session_build(d->s)))
		d->pane[PANE_BUILD].dirty = true;
	schedule(d);
	if (job_busy_now(d))
		d->tick_timer = loop_add_timer(loop, TICK_MS, tick, d);
}

static void arm_tick(struct dash *d)
{
	if (!d->tick_timer && job_busy_now(d))
		d->tick_timer = loop_add_timer(d->loop, TICK_MS, tick, d);
}

/*
 * A save during the build throws the running build away: say so, or the
 * build pane starting over looks like a hiccup.
 */
static void watch_said(struct dash *d)
{
	const struct session_watch *w = session_watch(d->s);

	if (w->restarts > d->watch_restarts)
		dash_message(d, "%s saved during the build: building again",
			     w->last);
	d->watch_restarts = w->restarts;
}

/* Whether a probe's answer is drawn now, or with a later one (at rest). */
static bool rtt_drawn_now(struct dash *d)
{
	struct link *l = session_link(d->s);
	int64_t now = loop_now_us();
	int32_t shown = d->rtt_shown_us, rtt;
	struct link_stats st;

	if (!l)
		return true;
	link_stats(l, &st);
	rtt = st.last_rtt_us;
	if (!d->cfg->ui.rest_after_ms ||
	    now - d->input_us < d->cfg->ui.rest_after_ms * 1000LL ||
	    now - d->rtt_frame_us >= REST_FRAME_US || shown <= 0 || rtt <= 0 ||
	    rtt >= shown * REST_RTT_FACTOR || rtt * REST_RTT_FACTOR <= shown) {
		d->rtt_shown_us = rtt;
		d->rtt_frame_us = now;
		return true;
	}
	return false;
}

/* Whether the next frame has anything to draw. */
static bool anything_dirty(const struct dash *d)
{
	for (int i = 0; i < PANE_COUNT; i++)
		if (d->pane[i].dirty)
			return true;
	return d->full || d->relayout || d->status_dirty || d->keybar_dirty ||
	       d->msgline_dirty || d->overlay != OV_NONE;
}

static void on_change(struct session *s, unsigned changes, void *arg)
{
	struct dash *d = arg;

	for (int i = 0; i < PANE_COUNT; i++)
		if (d->pane[i].ops->changes & changes)
			d->pane[i].dirty = true;
	if (changes &
	    ~(unsigned)(SC_CONSOLE | SC_KMSG | SC_BENCH | SC_ACTIONS | SC_RTT))
		d->status_dirty = true;
	/*
	 * The RTT and the uptime change with each probe's answer: drawn in
	 * its wake-up, with no clock of our own (at rest, every few).
	 */
	if ((changes & SC_RTT) && rtt_drawn_now(d)) {
		d->pane[PANE_TUNNEL].dirty = true;
		d->status_dirty = true;
	}
	if (changes & SC_WATCH)
		watch_said(d);
	/* a full disk pauses the journal (any stream): the status bar says */
	if (journal_full(session_journal(s)) != d->journal_full) {
		d->journal_full = !d->journal_full;
		d->status_dirty = true;
	}
	if (changes & SC_JOB) {
		d->keybar_dirty = true;
		if (job_busy_now(d) && !d->job_busy)
			failure_job_started(d);
		arm_tick(d);
	}
	if (anything_dirty(d))
		schedule(d);
}

static void on_job_done(struct session *s, const struct job *job, void *arg)
{
	struct dash *d = arg;

	/* a failure goes to the message line, in full */
	failure_job_done(d, job);
	if (job->state != JOB_FAILED)
		dash_message(d, "%s %s", job->name, job_state_name(job->state));
	arm_tick(d);
}

/* --- layout --------------------------------------------------------------- */

static void free_windows(struct dash *d)
{
	for (int i = 0; i < PANE_COUNT; i++) {
		if (d->pane[i].inner)
			delwin(d->pane[i].inner);
		if (d->pane[i].win)
			delwin(d->pane[i].win);
		d->pane[i].inner = d->pane[i].win = NULL;
	}
	if (d->status_w)
		delwin(d->status_w);
	if (d->keybar_w)
		delwin(d->keybar_w);
	if (d->msgline_w)
		delwin(d->msgline_w);
	if (d->help_w)
		delwin(d->help_w);
	d->status_w = d->keybar_w = d->msgline_w = d->help_w = NULL;
}

static WINDOW *win_at(struct rect r)
{
	return rect_empty(r) ? NULL : newwin(r.h, r.w, r.y, r.x);
}

static void apply_layout(struct dash *d)
{
	struct layout_req req = {
		.cols = d->cols,
		.rows = d->rows,
		.focus = d->focus,
		.zoom = d->zoom,
		.single = d->o->single,
		.status_top = true,
		.msg_rows = d->msg_rows,
	};

	free_windows(d);
	layout_compute(&req, &d->lay);
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &d->pane[i];

		p->r = d->lay.pane[i];
		p->collapsed = d->lay.collapsed[i] || p->r.h < 3 || p->r.w < 4;
		p->win = win_at(p->r);
		p->border = 0;
		if (p->win && !p->collapsed)
			p->inner = derwin(p->win, p->r.h - 2, p->r.w - 2, 1, 1);
		p->dirty = true;
	}
	d->status_w = win_at(d->lay.status);
	d->keybar_w = win_at(d->lay.keybar);
	d->msgline_w = win_at(d->lay.msgline);
	/* The console is as large as its pane: output wraps where it shows. */
	if (d->pane[PANE_CONSOLE].inner)
		session_console_resize(d->s, d->pane[PANE_CONSOLE].r.h - 2,
				       d->pane[PANE_CONSOLE].r.w - 2);
	d->relayout = false;
	d->full = true;
	/* the module's live counters are asked for only while they show */
	session_module_stats_shown(d->s,
				   d->pane[PANE_BENCH].inner &&
					   !d->pane[PANE_BENCH].collapsed &&
					   d->lay.mode != LAYOUT_TOO_SMALL);
	/* Whatever no window covers (a mode change) must not linger. */
	werase(stdscr);
	wnoutrefresh(stdscr);
}

/* --- drawing a frame ---------------------------------------------------- */

static void draw_border(struct dash *d, struct pane *p, bool focus)
{
	WINDOW *w = p->win;
	char title[64];

	draw_role(d, w, focus ? TR_BORDER_FOCUS : TR_BORDER);
	draw_box(d, w);
	snprintf(title, sizeof(title), " %d %s ", (int)p->id + 1,
		 p->ops->title);
	draw_role(d, w, focus ? TR_TITLE_FOCUS : TR_TITLE);
	draw_text(w, 0, 1, p->r.w - 2, title, strlen(title));
	draw_role(d, w, TR_NORMAL);
}

static void draw_collapsed(struct dash *d, struct pane *p, bool focus)
{
	WINDOW *w = p->win;
	enum theme_role role = TR_NORMAL;
	char sum[512] = "", head[64];
	int x;

	werase(w);
	snprintf(head, sizeof(head), " %d %s ", (int)p->id + 1, p->ops->title);
	draw_role(d, w, focus ? TR_TITLE_FOCUS : TR_TITLE);
	x = draw_text(w, 0, 0, p->r.w, head, strlen(head));
	if (p->ops->summary)
		p->ops->summary(d, p, sum, sizeof(sum), &role);
	draw_role(d, w, role);
	draw_text(w, 0, x + 1, p->r.w - x - 1, sum, strlen(sum));
	draw_role(d, w, TR_NORMAL);
}

/*
 * The border is drawn again only when it changes (focus) or the screen is
 * drawn whole: the idle dashboard redraws its RTT pane every second, and
 * the border was a third of that frame's drawing, every line of it sent
 * through doupdate()'s comparison for nothing.
 */
static void draw_pane(struct dash *d, struct pane *p)
{
	bool focus = p->id == d->focus;
	int border = 1 + focus;
	bool inside = !d->full && p->border == border;

	if (!p->win)
		return;
	if (p->collapsed) {
		draw_collapsed(d, p, focus);
		p->border = 0;
		wnoutrefresh(p->win);
		p->dirty = false;
		return;
	}
	if (inside) {
		werase(p->inner);
	} else {
		werase(p->win);
		draw_border(d, p, focus);
		p->border = border;
	}
	p->inner_h = p->r.h - 2;
	p->inner_w = p->r.w - 2;
	draw_role(d, p->inner, TR_NORMAL);
	p->ops->draw(d, p, p->inner, p->inner_h, p->inner_w);
	/* the inside shares win's cells; only its own lines are marked */
	wnoutrefresh(inside ? p->inner : p->win);
	p->dirty = false;
}

static void draw_too_small(struct dash *d)
{
	char m[96];

	werase(stdscr);
	snprintf(m, sizeof(m), "terminal too small (%dx%d, need %dx%d)",
		 d->cols, d->rows,
		 d->o->single != PANE_NONE ? LAYOUT_SINGLE_MIN_COLS :
					     LAYOUT_MIN_COLS,
		 d->o->single != PANE_NONE ? LAYOUT_SINGLE_MIN_ROWS :
					     LAYOUT_MIN_ROWS);
	if (d->rows > 0)
		draw_text(stdscr, 0, 0, d->cols, m, strlen(m));
	wnoutrefresh(stdscr);
}

/* The help or the failure, over the panes. */
static void draw_overlay(struct dash *d)
{
	int h = d->rows - 2, w = d->cols - 4;

	/* the action log's commands are copied: as wide as can be */
	if (w > 110 && d->overlay != OV_ACTIONS)
		w = 110;
	if (h < 3 || w < 10)
		return;
	if (!d->help_w)
		d->help_w = newwin(h, w, 1, (d->cols - w) / 2);
	if (!d->help_w)
		return;
	werase(d->help_w);
	if (d->overlay == OV_FAILURE)
		failview_draw(d, d->help_w, h, w);
	else if (d->overlay == OV_ACTIONS)
		actionview_draw(d, d->help_w, h, w);
	else
		help_draw(d, d->help_w, h, w);
	touchwin(d->help_w);
	wnoutrefresh(d->help_w);
}

static void draw_prompt(struct dash *d)
{
	WINDOW *w = d->status_w;

	if (!w)
		return;
	werase(w);
	draw_role(d, w, TR_STATUS);
	mvwhline(w, 0, 0, ' ', d->cols);
	if (d->mode == DM_SEARCH) {
		draw_printf(w, 0, 0, d->cols, "Search %s: /%s_",
			    d->pane[d->focus].ops->title, d->search);
	} else if (d->mode == DM_CONFIRM_RESET) {
		char m[256];

		session_module_text(d->s, m, sizeof(m));
		draw_printf(
			w, 0, 0, d->cols,
			"%s: it cannot be unloaded until a reboot. Reset the VM, then run the cycle? (y/n)",
			m);
	} else
		draw_printf(
			w, 0, 0, d->cols,
			"A job is running: quit anyway and cancel it? (y/n)");
	draw_role(d, w, TR_NORMAL);
	wnoutrefresh(w);
}

/* What ncurses wrote: on its way to the terminal (and the cast). */
static void relay(struct dash *d)
{
	termout_flush(d->to);
}

/*
 * Can the terminal take a frame now? Not while the last one is still on
 * its way (a terminal that stopped reading): the dirty marks wait, and
 * on_drained() draws the latest state once it went.
 */
static bool term_ready(struct dash *d)
{
	return !termout_busy(d->to);
}

static void on_drained(void *arg)
{
	struct dash *d = arg;

	if (!d->frame_timer)
		d->frame_timer = loop_add_timer(d->loop, 0, frame_cb, d);
}

static void frame(struct dash *d)
{
	bool overlay = d->overlay != OV_NONE;
	int mr;

	if (!term_ready(d))
		return; /* the dirty marks wait for on_drained() */
	d->last_frame_us = loop_now_us();
	/* A resize storm can outrun SIGWINCH: the size is checked anyway. */
	check_size(d);
	/* the message line's rows follow what it has to say */
	mr = msgline_rows(d, d->cols);
	if (mr != d->msg_rows) {
		d->msg_rows = mr;
		d->relayout = true;
	}
	if (d->relayout)
		apply_layout(d);
	if (d->lay.mode == LAYOUT_TOO_SMALL) {
		draw_too_small(d);
		d->full = false;
		doupdate();
		relay(d);
		return;
	}
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &d->pane[i];

		if (p->win && (p->dirty || d->full))
			draw_pane(d, p);
		else
			p->dirty = false;
	}
	if (d->mode == DM_SEARCH || d->mode == DM_CONFIRM_QUIT ||
	    d->mode == DM_CONFIRM_RESET) {
		draw_prompt(d);
	} else if (d->status_w && (d->status_dirty || d->full)) {
		werase(d->status_w);
		statusbar_draw(d, d->status_w, d->cols);
		wnoutrefresh(d->status_w);
	}
	if (d->keybar_w && (d->keybar_dirty || d->full)) {
		werase(d->keybar_w);
		keybar_draw(d, d->keybar_w, d->cols);
		wnoutrefresh(d->keybar_w);
	}
	if (d->msgline_w && (d->msgline_dirty || d->status_dirty || d->full)) {
		msgline_draw(d, d->msgline_w, d->lay.msgline.h, d->cols);
		wnoutrefresh(d->msgline_w);
	}
	d->status_dirty = d->keybar_dirty = d->msgline_dirty = false;
	if (overlay)
		draw_overlay(d);
	d->full = false;
	doupdate();
	relay(d);
}

static void frame_cb(struct loop *loop, void *arg)
{
	struct dash *d = arg;

	d->frame_timer = 0;
	frame(d);
}

/* At most one frame per FRAME_MS; the first one after a pause at once. */
static void schedule(struct dash *d)
{
	int64_t since, delay;

	/*
	 * nothing is drawn while a program is in front, nor while a frame
	 * is still on its way: on_drained() schedules the next
	 */
	if (d->frame_timer || !d->scr || d->front_pid || termout_busy(d->to))
		return;
	since = (loop_now_us() - d->last_frame_us) / 1000;
	delay = since >= FRAME_MS ? 0 : FRAME_MS - since;
	d->frame_timer = loop_add_timer(d->loop, delay, frame_cb, d);
}

/* --- actions -------------------------------------------------------------- */

static void set_focus(struct dash *d, enum pane_id id)
{
	if (d->o->single != PANE_NONE || id == d->focus)
		return;
	d->pane[d->focus].dirty = true;
	d->focus = id;
	d->pane[id].dirty = true;
	if (d->zoom || d->lay.mode == LAYOUT_STACK)
		d->relayout = true;
	d->keybar_dirty = true;
	schedule(d);
}

/* One job step (build, deploy, ..., cycle) on the session. */
static void run_step(struct dash *d, const char *step)
{
	char err[512];

	/* A running job: session_run says which, and to cancel it first. */
	if (session_run(d->s, &step, 1, err, sizeof(err)) < 0)
		dash_message(d, "%s: %s", step, err);
	arm_tick(d);
	d->status_dirty = true;
	schedule(d);
}

static bool vm_running(struct dash *d)
{
	struct vm *vm = session_vm(d->s);
	enum vm_stage st;

	if (!vm)
		return false;
	st = vm_stage(vm);
	return st != VM_STAGE_OFF && st != VM_STAGE_EXITED &&
	       st != VM_STAGE_FAILED;
}

/*
 * The status bar shows one line: a theme's first error, and how many more
 * the file has (theme_load reports them all, one per line).
 */
static void first_error(char *err, size_t cap)
{
	char *nl = strchr(err, '\n');
	int more = 0;

	for (char *p = nl; p; p = strchr(p + 1, '\n'))
		more++;
	if (nl)
		snprintf(nl, cap - (size_t)(nl - err), " (and %d more)", more);
}

static void theme_next(struct dash *d)
{
	char err[512];
	struct theme t;

	if (d->nthemes <= 0) {
		dash_message(d, "no themes found");
		return;
	}
	d->theme_idx = (d->theme_idx + 1) % d->nthemes;
	if (theme_load(&t, &d->tdirs, d->themes[d->theme_idx], err,
		       sizeof(err)) < 0) {
		first_error(err, sizeof(err));
		dash_alert(d, "%s", err);
		return;
	}
	d->theme = t;
	theme_curses_apply(&d->tc, &d->theme, d->depth, 1);
	d->npairs = 0;
	dash_message(d, "theme: %s", d->theme.name);
	dash_dirty_all(d);
}

/* w: watch the module's sources (the config's mode, else reload), or stop. */
static void watch_toggle(struct dash *d)
{
	const struct session_watch *w = session_watch(d->s);
	enum config_watch what = d->cfg->watch != CONFIG_WATCH_OFF ?
					 d->cfg->watch :
					 CONFIG_WATCH_RELOAD;
	char err[512];

	if (w->what != CONFIG_WATCH_OFF)
		what = CONFIG_WATCH_OFF;
	if (session_watch_set(d->s, what, err, sizeof(err)) < 0)
		dash_alert(d, "%s", err);
	else if (what == CONFIG_WATCH_OFF)
		dash_message(d, "not watching %s any more", w->shown);
	else
		dash_message(d, "watching %s: a save %s", w->shown,
			     what == CONFIG_WATCH_BUILD ?
				     "builds" :
			     what == CONFIG_WATCH_CYCLE ?
				     "builds, reloads and benchmarks" :
				     "builds and reloads");
}

static void pane_action(struct dash *d, enum pane_id id, enum action_id a)
{
	struct pane *p = &d->pane[id];

	if (p->ops->action && p->ops->action(d, p, a)) {
		p->dirty = true;
		schedule(d);
	}
}

static void on_action(void *ctx, enum action_id a)
{
	struct dash *d = ctx;
	char err[512];
	int r = 0;

	/* The actions that run a job step, by the step's name. */
	static const char *const step[ACT_COUNT] = {
		[ACT_BUILD] = "build",	 [ACT_DEPLOY] = "deploy",
		[ACT_LOAD] = "load",	 [ACT_UNLOAD] = "unload",
		[ACT_RELOAD] = "reload", [ACT_BENCH] = "bench",
		[ACT_CYCLE] = "cycle",
	};

	/* A module that crashed on a VM holds a reference: reset first. */
	if (a == ACT_CYCLE && session_module(d->s)->crashed &&
	    session_can_reset(d->s) && !job_busy_now(d)) {
		d->mode = DM_CONFIRM_RESET;
		d->status_dirty = true;
		schedule(d);
		return;
	}
	if ((unsigned)a < ACT_COUNT && step[a]) {
		run_step(d, step[a]);
		return;
	}
	switch (a) {
	case ACT_WATCH:
		watch_toggle(d);
		break;
	case ACT_CANCEL:
		if (job_busy_now(d))
			session_cancel(d->s);
		else
			dash_message(d, "no job is running");
		break;
	case ACT_VM_TOGGLE:
		if (!session_vm(d->s))
			dash_message(d, "target '%s' is not a VM",
				     session_name(d->s));
		else if (vm_running(d))
			r = session_vm_stop(d->s, err, sizeof(err));
		else
			r = session_vm_start(d->s, err, sizeof(err));
		if (r < 0)
			dash_alert(d, "%s", err);
		break;
	case ACT_VM_RESET:
		if (session_vm_reset(d->s, err, sizeof(err)) < 0)
			dash_alert(d, "%s", err);
		else
			dash_message(d, "reset sent");
		break;
	case ACT_GDB:
		dash_gdb(d);
		break;
	case ACT_CONSOLE_INPUT:
		/* Enter elsewhere: the pane's own (open the selected line) */
		if (d->focus != PANE_CONSOLE) {
			pane_action(d, d->focus, a);
			break;
		}
		d->mode = DM_CONSOLE;
		d->status_dirty = d->keybar_dirty = true;
		d->pane[PANE_CONSOLE].dirty = true;
		break;
	case ACT_CONSOLE_LEAVE:
		d->mode = DM_NORMAL;
		d->status_dirty = d->keybar_dirty = true;
		d->pane[PANE_CONSOLE].dirty = true;
		break;
	case ACT_FOCUS_NEXT:
		set_focus(d, (enum pane_id)((d->focus + 1) % PANE_COUNT));
		break;
	case ACT_FOCUS_PREV:
		set_focus(d, (enum pane_id)((d->focus + PANE_COUNT - 1) %
					    PANE_COUNT));
		break;
	case ACT_FOCUS_1:
	case ACT_FOCUS_2:
	case ACT_FOCUS_3:
	case ACT_FOCUS_4:
	case ACT_FOCUS_5:
		set_focus(d, (enum pane_id)(a - ACT_FOCUS_1));
		break;
	case ACT_ZOOM:
		if (d->o->single == PANE_NONE) {
			d->zoom = !d->zoom;
			d->relayout = true;
		}
		break;
	case ACT_THEME_NEXT:
		theme_next(d);
		break;
	case ACT_TIMESTAMPS:
		d->abs_time = !d->abs_time;
		dash_message(d, "kernel log times: %s",
			     d->abs_time ? "wall clock" : "since boot");
		d->pane[PANE_DMESG].dirty = true;
		break;
	case ACT_LOG_LEVEL:
	case ACT_LOG_MODULE:
		pane_action(d, PANE_DMESG, a);
		break;
	case ACT_OOPS:
		set_focus(d, PANE_DMESG);
		pane_action(d, PANE_DMESG, a);
		break;
	case ACT_SEARCH:
		d->mode = DM_SEARCH;
		d->search_len = 0;
		d->search[0] = '\0';
		d->status_dirty = true;
		break;
	case ACT_HELP:
		failview_close(d);
		d->overlay = d->overlay == OV_HELP ? OV_NONE : OV_HELP;
		d->overlay_top = 0;
		d->full = true;
		break;
	case ACT_FAILURE:
		if (d->overlay == OV_FAILURE)
			failview_close(d);
		else
			failview_open(d);
		d->full = true;
		break;
	case ACT_LOG_WRAP:
		pane_action(d, PANE_DMESG, a);
		break;
	case ACT_BENCH_TREND:
		pane_action(d, PANE_BENCH, a);
		break;
	case ACT_ACTIONLOG:
		failview_close(d);
		d->overlay = d->overlay == OV_ACTIONS ? OV_NONE : OV_ACTIONS;
		d->overlay_top = -1; /* the newest */
		d->full = true;
		break;
	case ACT_QUIT:
		if (job_busy_now(d)) {
			d->mode = DM_CONFIRM_QUIT;
			d->status_dirty = true;
		} else {
			d->quit = true;
			loop_stop(d->loop);
		}
		break;
	default: /* follow, paging, n/N: the focused pane's */
		pane_action(d, d->focus, a);
		break;
	}
	schedule(d);
}

/* --- input ------------------------------------------------------------------ */

/*
 * What a key sends to the serial line in console-input mode: libvterm
 * encodes it for the modes the line has set (application cursor keys
 * for vi and less); here curses' key codes become libvterm's. Enter is
 * a carriage return whatever the console's newline mode, which is how
 * we draw a raw source, not a wish of the peer. Bytes from 0x80 on are
 * pieces of a UTF-8 character (wgetch reads bytes) and go as they are.
 */
static int key_bytes(struct console *con, int k, char *buf, size_t cap)
{
	static const struct {
		int key;
		VTermKey vkey;
		VTermModifier mod;
	} map[] = {
		{ KEY_UP, VTERM_KEY_UP, VTERM_MOD_NONE },
		{ KEY_DOWN, VTERM_KEY_DOWN, VTERM_MOD_NONE },
		{ KEY_RIGHT, VTERM_KEY_RIGHT, VTERM_MOD_NONE },
		{ KEY_LEFT, VTERM_KEY_LEFT, VTERM_MOD_NONE },
		{ KEY_HOME, VTERM_KEY_HOME, VTERM_MOD_NONE },
		{ KEY_END, VTERM_KEY_END, VTERM_MOD_NONE },
		{ KEY_DC, VTERM_KEY_DEL, VTERM_MOD_NONE },
		{ KEY_IC, VTERM_KEY_INS, VTERM_MOD_NONE },
		{ KEY_PPAGE, VTERM_KEY_PAGEUP, VTERM_MOD_NONE },
		{ KEY_NPAGE, VTERM_KEY_PAGEDOWN, VTERM_MOD_NONE },
		{ KEY_BACKSPACE, VTERM_KEY_BACKSPACE, VTERM_MOD_NONE },
		{ KEY_BTAB, VTERM_KEY_TAB, VTERM_MOD_SHIFT },
		{ KEY_SR, VTERM_KEY_UP, VTERM_MOD_SHIFT },
		{ KEY_SF, VTERM_KEY_DOWN, VTERM_MOD_SHIFT },
		{ KEY_SRIGHT, VTERM_KEY_RIGHT, VTERM_MOD_SHIFT },
		{ KEY_SLEFT, VTERM_KEY_LEFT, VTERM_MOD_SHIFT },
		{ KEY_SHOME, VTERM_KEY_HOME, VTERM_MOD_SHIFT },
		{ KEY_SEND, VTERM_KEY_END, VTERM_MOD_SHIFT },
		{ KEY_SDC, VTERM_KEY_DEL, VTERM_MOD_SHIFT },
	};

	if (k == '\n' || k == KEY_ENTER)
		k = '\r';
	if (k >= 0x80 && k < 0x100) {
		buf[0] = (char)k;
		return 1;
	}
	if (k >= 0 && k < 0x80)
		return console_encode_char(con, (uint32_t)k, VTERM_MOD_NONE,
					   buf, cap);
	if (k >= KEY_F(1) && k <= KEY_F(24))
		return console_encode_key(con, VTERM_KEY_FUNCTION(k - KEY_F0),
					  VTERM_MOD_NONE, buf, cap);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].key == k)
			return console_encode_key(con, map[i].vkey, map[i].mod,
						  buf, cap);
	return 0;
}

static enum pane_id pane_at(struct dash *d, int x, int y)
{
	for (int i = 0; i < PANE_COUNT; i++) {
		struct rect r = d->pane[i].r;

		if (!rect_empty(r) && x >= r.x && x < r.x + r.w && y >= r.y &&
		    y < r.y + r.h)
			return (enum pane_id)i;
	}
	return PANE_NONE;
}

static void on_mouse(struct dash *d)
{
	MEVENT ev;
	enum pane_id id;

	if (getmouse(&ev) != OK)
		return;
	id = pane_at(d, ev.x, ev.y);
	if (id == PANE_NONE)
		return;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
		set_focus(d, id);
	} else if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		struct pane *p = &d->pane[id];

		if (p->ops->wheel) {
			p->ops->wheel(d, p,
				      ev.bstate & BUTTON4_PRESSED ? 3 : -3);
			p->dirty = true;
			schedule(d);
		}
	}
}

static void search_key(struct dash *d, int k)
{
	if (k == 27) {
		d->mode = DM_NORMAL;
	} else if (k == '\n' || k == '\r' || k == KEY_ENTER) {
		struct pane *p = &d->pane[d->focus];

		d->mode = DM_NORMAL;
		if (p->ops->search) {
			p->ops->search(d, p, d->search);
			p->dirty = true;
		} else {
			dash_message(d, "the %s pane has nothing to search",
				     p->ops->title);
		}
	} else if (k == KEY_BACKSPACE || k == 127 || k == 8) {
		if (d->search_len)
			d->search[--d->search_len] = '\0';
	} else if (k >= ' ' && k < 256 &&
		   d->search_len + 1 < sizeof(d->search)) {
		d->search[d->search_len++] = (char)k;
		d->search[d->search_len] = '\0';
	}
	d->status_dirty = true;
	schedule(d);
}

/* A key while the help or the failure is open: scroll, or close it. */
static void overlay_key(struct dash *d, int k)
{
	int a = keymap_lookup(&d->km, k, KM_NORMAL);
	int page = d->overlay != OV_HELP ?
			   (d->overlay_shown > 1 ? d->overlay_shown : 1) :
			   10;

	if (k == KEY_NPAGE || k == ' ')
		d->overlay_top += page;
	else if (k == KEY_DOWN)
		d->overlay_top++;
	else if (k == KEY_PPAGE)
		d->overlay_top -= page;
	else if (k == KEY_UP)
		d->overlay_top--;
	else if (k == KEY_HOME)
		d->overlay_top = 0;
	else if (k == 27 || k == 'q' || a == ACT_HELP || a == ACT_FAILURE ||
		 a == ACT_ACTIONLOG) {
		failview_close(d);
		d->overlay = OV_NONE;
		d->full = true;
	}
	if (d->overlay_top < 0)
		d->overlay_top = 0;
	schedule(d);
}

static void on_key(struct dash *d, int k)
{
	d->input_us = loop_now_us();
	if (k == KEY_MOUSE) {
		on_mouse(d);
		return;
	}
	switch (d->mode) {
	case DM_SEARCH:
		search_key(d, k);
		return;
	case DM_CONFIRM_RESET:
		d->mode = DM_NORMAL;
		d->status_dirty = true;
		if (k == 'y' || k == 'Y') {
			char err[512];

			/* the steps wait for the target to come back */
			if (session_vm_reset(d->s, err, sizeof(err)) < 0)
				dash_alert(d, "%s", err);
			else
				run_step(d, "cycle");
		}
		schedule(d);
		return;
	case DM_CONFIRM_QUIT:
		d->mode = DM_NORMAL;
		d->status_dirty = true;
		if (k == 'y' || k == 'Y') {
			session_cancel(d->s);
			d->quit = true;
			loop_stop(d->loop);
		}
		schedule(d);
		return;
	case DM_CONSOLE: {
		struct console *con = session_console(d->s);
		char b[32];
		int n;

		if (keymap_dispatch(&d->km, k, KM_CONSOLE) >= 0)
			return;
		n = con ? key_bytes(con, k, b, sizeof(b)) : -ENOTCONN;
		if (n == -ENOTCONN ||
		    (n > 0 && session_console_write(d->s, b, (size_t)n) < 0))
			dash_message(d, "the serial console is not connected");
		return;
	}
	default:
		break;
	}
	if (d->overlay != OV_NONE) {
		overlay_key(d, k);
		return;
	}
	/* Ctrl-C: raw mode keeps it for the console; here it quits. */
	if (k == 3) {
		on_action(d, ACT_QUIT);
		return;
	}
	if (keymap_dispatch(&d->km, k, KM_NORMAL) != -ENOENT || k != 27)
		return;
	/* Esc: the message line goes first, then the zoom */
	if (d->alert[0]) {
		d->alert[0] = d->alert_short[0] = '\0';
		d->alert_failure = false;
		d->msgline_dirty = true;
	} else if (d->zoom) {
		d->zoom = false;
		d->relayout = true;
	}
	schedule(d);
}

static void on_stdin(struct loop *loop, int fd, short revents, void *arg)
{
	struct dash *d = arg;
	int k, n = 0;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		d->quit = true;
		loop_stop(loop);
		return;
	}
	while (n++ < 4096 && (k = wgetch(stdscr)) != ERR)
		on_key(d, k);
	/*
	 * A key answers at once, not at the next frame slot: the rate
	 * limit is for model floods, and all pending keys are in already.
	 */
	if (d->frame_timer && !d->quit) {
		loop_cancel_timer(loop, d->frame_timer);
		d->frame_timer = 0;
		frame(d);
	}
}

void dash_input(struct dash *d, bool on)
{
	if (on)
		loop_add_fd(d->loop, STDIN_FILENO, POLLIN, on_stdin, d);
	else
		loop_del_fd(d->loop, STDIN_FILENO);
}

/* --- signals ---------------------------------------------------------------- */

/* The terminal's size now; true if it changed (and the screen follows). */
static bool check_size(struct dash *d)
{
	struct winsize ws;

	if (ioctl(d->out_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 ||
	    ws.ws_col == 0)
		return false;
	if (ws.ws_row == d->rows && ws.ws_col == d->cols)
		return false;
	resizeterm(ws.ws_row, ws.ws_col);
	d->rows = LINES;
	d->cols = COLS;
	if (d->rec)
		record_resize(d->rec, d->cols, d->rows);
	d->relayout = true;
	/* Repaint everything: the terminal may have reflowed. */
	clearok(curscr, TRUE);
	return true;
}

static void on_winch(struct loop *loop, int signo, void *arg)
{
	struct dash *d = arg;

	/* the size is read when the program in front is gone */
	if (!d->front_pid && check_size(d))
		schedule(d);
}

static void on_quit_signal(struct loop *loop, int signo, void *arg)
{
	struct dash *d = arg;

	d->quit = true;
	loop_stop(loop);
}

/* --- set-up ------------------------------------------------------------------ */

static void load_theme(struct dash *d)
{
	const char *name = d->cfg->ui.theme ? d->cfg->ui.theme : "default";
	char err[560];
	int r;

	theme_dirs_init(&d->tdirs, getenv("XDG_CONFIG_HOME"), getenv("HOME"),
			d->o->exe_path);
	d->nthemes = theme_list(&d->tdirs, d->themes, THEME_LIST_MAX);
	r = theme_load(&d->theme, &d->tdirs, name, err, sizeof(err));
	if (r < 0) {
		/*
		 * theme_load() left the default in place: say so, go on. A
		 * name not found says it itself, in few words (40 columns).
		 */
		first_error(err, sizeof(err));
		snprintf(d->theme_err, sizeof(d->theme_err), "%s%s",
			 r == -ENOENT ? "" : "default theme in use: ", err);
	}
	for (int i = 0; i < d->nthemes; i++)
		if (!strcmp(d->themes[i], name))
			d->theme_idx = i;
}

static int screen_open(struct dash *d, char *err, size_t errlen)
{
	const char *cs;
	enum graph_style gs;
	struct winsize ws;

	d->out_fd = STDOUT_FILENO;
	if (!isatty(STDIN_FILENO) || !isatty(d->out_fd)) {
		snprintf(
			err, errlen,
			"the dashboard needs a terminal (for scripts: kmdash run, status, dmesg)");
		return -ENOTTY;
	}
	if (ioctl(d->out_fd, TIOCGWINSZ, &ws) < 0)
		ws.ws_row = 24, ws.ws_col = 80;
	if (d->o->record_path) {
		d->rec = record_open(d->o->record_path, ws.ws_col, ws.ws_row,
				     err, errlen);
		if (!d->rec)
			return -EIO;
	}
	/* ncurses writes into memory; the terminal gets it without waiting */
	d->to = termout_open(d->loop, d->rec, on_drained, d, err, errlen);
	if (!d->to)
		return -EIO;
	d->out = termout_file(d->to);
	/* ncurses sets its tty modes on its output: here, the terminal's */
	if (tcgetattr(STDIN_FILENO, &d->saved_tio) == 0) {
		struct termios raw = d->saved_tio;

		cfmakeraw(&raw);
		raw.c_oflag = d->saved_tio.c_oflag;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		d->raw_set = true;
	}
	set_escdelay(25);
	d->scr = newterm(NULL, d->out, stdin);
	if (!d->scr) {
		snprintf(err, errlen,
			 "cannot open the terminal '%s' (is TERM right?)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	set_term(d->scr);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	leaveok(stdscr, TRUE);
	/*
	 * No peeking at stdin in the middle of doupdate(): ncurses would
	 * poll it for typeahead while it updates; keys are read by the loop.
	 */
	typeahead(-1);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED |
			  BUTTON5_PRESSED,
		  NULL);
	mouseinterval(0);
	/*
	 * NO_COLOR: not even start_color(), or ncurses paints pair 0 as
	 * white on black where the terminal's own colours should be.
	 */
	if (getenv("NO_COLOR") && getenv("NO_COLOR")[0]) {
		d->depth = TD_MONO;
	} else {
		if (has_colors())
			start_color();
		d->depth = theme_curses_depth();
	}
	theme_curses_apply(&d->tc, &d->theme, d->depth, 1);
	d->pair_next = 1 + TR_COUNT;
	cs = nl_langinfo(CODESET);
	d->utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	draw_set_utf8(d->utf8);
	gs = (enum graph_style)d->cfg->ui.graph; /* same order as config */
	d->graph = graph_style_resolve(gs, cs);
	/* The memory file has no size: the terminal's. */
	resizeterm(ws.ws_row, ws.ws_col);
	d->rows = LINES;
	d->cols = COLS;
	return 0;
}

/* Also after a start that failed half-way (the terminal left raw). */
static void screen_close(struct dash *d)
{
	if (d->scr) {
		free_windows(d);
		endwin();
		delscreen(d->scr);
		d->scr = NULL;
	}
	/* The terminal back as it was: a second for it to take that. */
	termout_close(d->to, 1000);
	d->to = NULL;
	d->out = NULL;
	if (d->raw_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &d->saved_tio);
	d->raw_set = false;
	if (d->rec) {
		int r = record_close(d->rec);

		if (r < 0)
			fprintf(stderr,
				"kmdash: the recording %s is incomplete: %s\n",
				d->o->record_path, strerror(-r));
		else
			fprintf(stderr,
				"kmdash: recorded %s (asciinema play %s)\n",
				d->o->record_path, d->o->record_path);
		d->rec = NULL;
	}
}

const char *dash_curses_version(void)
{
	return curses_version();
}

int dash_main(const struct dash_opts *o)
{
	struct dash *d = calloc(1, sizeof(*d));
	struct session_opts so = {
		.cfg = o->cfg,
		.target = o->target,
		.start_vm = o->start_vm,
		.follow_kmsg = true,
		.serial = true,
		.journal = true,
		/* the bench pane's live module counters, while it shows */
		.module_stats_ms = 1000,
		.on_change = on_change,
		.on_job_done = on_job_done,
	};
	char err[8192];
	int rc = 0;

	if (!d)
		return 1;
	d->o = o;
	d->cfg = o->cfg;
	d->focus = o->single != PANE_NONE ? o->single : PANE_CONSOLE;
	d->abs_time = o->cfg->ui.timestamps == CONFIG_TS_ABSOLUTE;
	if (keymap_apply_config(&d->km, d->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash: configuration error:\n%s\n", err);
		free(d);
		return 2;
	}
	d->km.ctx = d;
	for (int i = 0; i < ACT_COUNT; i++)
		d->km.handler[i] = on_action;
	load_theme(d);

	d->loop = loop_new();
	if (!d->loop) {
		free(d);
		return 1;
	}
	/* the first seconds are not at rest: the user looks at what starts */
	d->input_us = loop_now_us();
	so.arg = d;
	d->s = session_new(d->loop, &so, err, sizeof(err));
	if (!d->s) {
		fprintf(stderr, "kmdash: %s\n", err);
		loop_free(d->loop);
		free(d);
		return 2;
	}
	for (int i = 0; i < PANE_COUNT; i++) {
		d->pane[i].id = (enum pane_id)i;
		d->pane[i].ops = pane_ops[i];
		d->pane[i].priv = pane_ops[i]->init ? pane_ops[i]->init(d) :
						      NULL;
	}
	if (screen_open(d, err, sizeof(err)) < 0) {
		fprintf(stderr, "kmdash: %s\n", err);
		rc = 2;
		goto out;
	}
	loop_on_signal(d->loop, SIGWINCH, on_winch, d);
	loop_on_signal(d->loop, SIGTERM, on_quit_signal, d);
	loop_on_signal(d->loop, SIGHUP, on_quit_signal, d);
	loop_on_signal(d->loop, SIGINT, on_quit_signal, d);
	signal(SIGPIPE, SIG_IGN);
	dash_input(d, true);

	apply_layout(d);
	if (d->theme_err[0])
		dash_alert(d, "%s", d->theme_err);
	if (session_start(d->s, err, sizeof(err)) < 0)
		dash_alert(d, "%s", err);
	/* "watch" in the config: watching from the start */
	if (d->cfg->watch != CONFIG_WATCH_OFF &&
	    session_watch_set(d->s, d->cfg->watch, err, sizeof(err)) < 0)
		dash_alert(d, "%s", err);
	/* The first frame at once: start-up is measured to it. */
	frame(d);
	loop_run(d->loop);
out:
	screen_close(d);
	failview_close(d);
	for (int i = 0; i < PANE_COUNT; i++)
		if (d->pane[i].ops->fini)
			d->pane[i].ops->fini(d->pane[i].priv);
	session_free(d->s);
	loop_free(d->loop);
	free(d);
	return rc;
}
