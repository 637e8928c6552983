// SPDX-License-Identifier: GPL-2.0
/*
 * Failures are never hidden. The message line above the key bar says what
 * failed, in full, where the eye is: a failed job's step and reason, an
 * error the dashboard met (a theme that did not load, a VM that would not
 * start), or the session's notice while the target is not reachable. It
 * wraps to two rows at any width; what still does not fit ends in "…",
 * and the failure key (`!`) opens the overlay with all of it: the step's
 * message, the compiler output of a build, the decoded trace of a crash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/ring.h"
#include "core/config/config.h"
#include "core/module/build.h"
#include "core/module/crash.h"
#include "core/module/diag.h"
#include "core/module/kmsg.h"
#include "core/session.h"
#include "core/ssh/link.h"
#include "tui/dash.h"

/* The overlay's lines of build output or kernel log, at most. */
#define FAILVIEW_MAX_LINES 20000
/* Lines of output shown above the first error. */
#define FAILVIEW_CONTEXT 3

static void set_alert(struct dash *d, bool failure, const char *text,
		      const char *shorter)
{
	snprintf(d->alert, sizeof(d->alert), "%s", text);
	snprintf(d->alert_short, sizeof(d->alert_short), "%s",
		 shorter ? shorter : "");
	d->alert_failure = failure;
	d->msgline_dirty = true;
	dash_schedule(d);
}

void dash_alert(struct dash *d, const char *fmt, ...)
{
	char text[sizeof(d->alert)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	set_alert(d, false, text, NULL);
}

void failure_job_started(struct dash *d)
{
	const struct crash *c = session_crash(d->s);

	d->job_busy = true;
	d->job_crash_mark = c ? crash_mark(c) : 0;
	/* the new job is the news now; its own failure will say itself */
	if (d->alert_failure)
		set_alert(d, false, "", NULL);
}

void failure_job_done(struct dash *d, const struct job *job)
{
	const struct job_step *f = NULL;
	const struct crash_event *ev;
	struct dash_failure *fl = &d->fail;
	char t[32], text[sizeof(d->alert)], shorter[sizeof(d->alert)];

	d->job_busy = false;
	if (job->state != JOB_FAILED)
		return;
	for (size_t i = 0; i < job->nsteps && !f; i++)
		if (job->steps[i].state == JOB_FAILED)
			f = &job->steps[i];
	memset(fl, 0, sizeof(*fl));
	fl->set = true;
	snprintf(fl->job, sizeof(fl->job), "%s", job->name);
	if (f) {
		fl->kind = f->kind;
		fl->ms = (f->end_us - f->start_us) / 1000;
		snprintf(fl->msg, sizeof(fl->msg), "%s", f->msg);
	} else {
		fl->kind = JOB_BUILD;
		fl->ms = (job->end_us - job->start_us) / 1000;
	}
	ev = session_crash(d->s) ?
		     crash_since(session_crash(d->s), d->job_crash_mark, NULL) :
		     NULL;
	if (ev && ev->trace.kind != TRACE_WARNING) {
		fl->crash = true;
		fl->crash_pos = ev->pos;
		crash_describe(ev, session_target(d->s)->module.name,
			       fl->crash_text, sizeof(fl->crash_text));
		snprintf(fl->crash_note, sizeof(fl->crash_note), "%s",
			 ev->note);
	}
	draw_duration(t, sizeof(t), fl->ms);
	if (!f) {
		snprintf(text, sizeof(text), "%s failed after %s", job->name,
			 t);
		set_alert(d, true, text, NULL);
		return;
	}
	snprintf(text, sizeof(text), "%s failed after %s: %s",
		 job_step_name(f->kind), t, f->msg);
	snprintf(shorter, sizeof(shorter), "%s failed: %s",
		 job_step_name(f->kind), f->msg);
	set_alert(d, true, text, shorter);
}

/* --- the message line -------------------------------------------------- */

/* What the line says now, and in which colour; NULL: nothing. */
static const char *line_text(struct dash *d, int width, enum theme_role *role)
{
	struct link *l = session_link(d->s);
	const char *n = session_notice(d->s);

	if (d->alert[0]) {
		*role = TR_DELTA_WORSE;
		/* the long form when it fits, else the short one */
		if (d->alert_short[0] &&
		    draw_rows(d->alert, sizeof(d->alert), width, true) >
			    LAYOUT_MSG_MAX_ROWS)
			return d->alert_short;
		return d->alert;
	}
	if (n[0] && !(l && link_state(l) == LINK_UP)) {
		*role = TR_LOG_WARNING;
		return n;
	}
	return NULL;
}

int msgline_rows(struct dash *d, int width)
{
	enum theme_role role;
	const char *t = line_text(d, width, &role);
	int rows;

	if (!t || !t[0])
		return 0;
	rows = draw_rows(t, strlen(t), width, true);
	return rows > LAYOUT_MSG_MAX_ROWS ? LAYOUT_MSG_MAX_ROWS : rows;
}

void msgline_draw(struct dash *d, WINDOW *w, int rows, int width)
{
	enum theme_role role = TR_NORMAL;
	const char *t = line_text(d, width, &role);
	char hint[64], key[KEYMAP_KEY_NAME_MAX];
	size_t len, at = 0;

	werase(w);
	if (!t)
		return;
	len = strlen(t);
	/* where it has room: which key shows all of a failure */
	hint[0] = '\0';
	if (d->alert_failure && d->km.keys[ACT_FAILURE][0]) {
		keymap_key_name(d->km.keys[ACT_FAILURE][0], key, sizeof(key));
		snprintf(hint, sizeof(hint), "  [%s: all of it]", key);
	}
	draw_role(d, w, role);
	for (int y = 0; y < rows && at < len; y++) {
		int cols;
		size_t n;

		if (y == rows - 1) {
			/* the last row: the rest, cut with "…" if it must be */
			int rest = draw_width(t + at, len - at);

			cols = draw_text(w, y, 0, width, t + at, len - at);
			if (hint[0] && rest == cols &&
			    cols + draw_width(hint, strlen(hint)) <= width) {
				draw_role(d, w, TR_KEYBAR_LABEL);
				draw_text(w, y, cols, width - cols, hint,
					  strlen(hint));
			}
			break;
		}
		n = draw_break(t + at, len - at, width, true, &cols);
		draw_text(w, y, 0, width, t + at, n);
		at = draw_next_row(t, len, at + n, true);
	}
	draw_role(d, w, TR_NORMAL);
}

/* --- the overlay ----------------------------------------------------------- */

static void fv_add(struct dash *d, enum theme_role role, bool words,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fv_add(struct dash *d, enum theme_role role, bool words,
		   const char *fmt, ...)
{
	struct failview_line *n;
	char *text;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n = realloc(d->fv, (d->nfv + 1) * sizeof(*n));
	if (!n) {
		free(text);
		return;
	}
	d->fv = n;
	d->fv[d->nfv++] = (struct failview_line){ text, role, words };
}

static enum theme_role kind_role(uint32_t kind)
{
	switch (kind) {
	case DIAG_ERROR:
		return TR_DIAG_ERROR;
	case DIAG_WARNING:
		return TR_DIAG_WARNING;
	case DIAG_NOTE:
		return TR_DIAG_NOTE;
	default:
		return TR_NORMAL;
	}
}

/* The build's output, colours as the build pane's; top at its first error. */
static void add_build(struct dash *d)
{
	struct build *b = session_build(d->s);
	const struct ring *r = build_ring(b);
	uint64_t first = ring_first_seq(r), end = ring_end_seq(r), err = end;
	char plain[2048];

	for (size_t i = 0; i < build_diag_count(b); i++)
		if (build_diag(b, i)->sev >= DIAG_SEV_ERROR) {
			err = build_diag(b, i)->seq;
			break;
		}
	if (end - first > FAILVIEW_MAX_LINES)
		first = end - FAILVIEW_MAX_LINES;
	fv_add(d, TR_TITLE, false,
	       "The build's output (%s):", build_command(b));
	for (uint64_t s = first; s < end; s++) {
		const struct ring_line *l = ring_get(r, s);

		if (!l)
			continue;
		if (s == err)
			d->overlay_top =
				(int)d->nfv > FAILVIEW_CONTEXT ?
					(int)d->nfv - FAILVIEW_CONTEXT :
					0;
		diag_strip_ansi(l->text, l->len, plain, sizeof(plain));
		fv_add(d, kind_role(l->tag), false, "%s", plain);
	}
}

/* The crash's block in the kernel log, with the frames decoded under it. */
static void add_crash(struct dash *d)
{
	const struct dash_failure *fl = &d->fail;
	struct kmsg *k = session_kmsg(d->s);
	uint64_t end = kmsg_end(k), pos = fl->crash_pos;
	char line[KMSG_MAX_LINE + 64];
	struct kmsg_record r;
	int n = 0;

	fv_add(d, TR_BANNER, true, "%s", fl->crash_text);
	if (fl->crash_note[0])
		fv_add(d, TR_DIAG_NOTE, true, "%s", fl->crash_note);
	fv_add(d, TR_NORMAL, false, "%s", "");
	if (pos < kmsg_first(k)) {
		fv_add(d, TR_NORMAL, true,
		       "(its lines have left the kernel log's memory; the session journal keeps them)");
		return;
	}
	fv_add(d, TR_TITLE, false, "The trace, decoded:");
	for (uint64_t i = pos; i < end && n < FAILVIEW_MAX_LINES; i++) {
		if (!kmsg_get(k, i, &r))
			continue;
		/* the block itself, up to the next one; its decoded lines */
		if (i > pos && (r.flags & KMSG_F_OOPS_START))
			break;
		if (r.flags & KMSG_F_DECODED) {
			fv_add(d, TR_DIAG_NOTE, false, "    %s", r.text);
		} else if (r.flags & KMSG_F_OOPS) {
			kmsg_format(&r, line, sizeof(line));
			fv_add(d, TR_LOG_EMERG + (r.level & 7), false, "%s",
			       line);
		} else {
			continue;
		}
		n++;
	}
}

void failview_close(struct dash *d)
{
	for (size_t i = 0; i < d->nfv; i++)
		free(d->fv[i].text);
	free(d->fv);
	d->fv = NULL;
	d->nfv = 0;
	if (d->overlay == OV_FAILURE)
		d->overlay = OV_NONE;
}

bool failview_open(struct dash *d)
{
	const struct dash_failure *fl = &d->fail;
	char t[32];

	failview_close(d);
	if (!fl->set) {
		dash_message(d, "nothing has failed yet");
		return false;
	}
	d->overlay_top = 0;
	draw_duration(t, sizeof(t), fl->ms);
	fv_add(d, TR_TITLE, true, "%s failed: %s failed after %s", fl->job,
	       job_step_name(fl->kind), t);
	fv_add(d, TR_DELTA_WORSE, true, "%s", fl->msg);
	fv_add(d, TR_NORMAL, false, "%s", "");
	if (fl->crash)
		add_crash(d);
	else if (fl->kind == JOB_BUILD)
		add_build(d);
	d->overlay = OV_FAILURE;
	return true;
}

/* Rows a line takes at width wd. */
static int line_rows(const struct failview_line *l, int wd)
{
	int r = draw_rows(l->text, strlen(l->text), wd, l->words);

	return r ? r : 1;
}

void failview_draw(struct dash *d, WINDOW *w, int h, int wd)
{
	char key[KEYMAP_KEY_NAME_MAX] = "!";
	int y = 1, tw = wd - 4;

	if (d->km.keys[ACT_FAILURE][0])
		keymap_key_name(d->km.keys[ACT_FAILURE][0], key, sizeof(key));
	draw_role(d, w, TR_BORDER_FOCUS);
	draw_box(d, w);
	draw_role(d, w, TR_TITLE_FOCUS);
	draw_printf(w, 0, 2, wd - 4,
		    " the last failure: Esc or %s closes, PgDn scrolls ", key);
	if (d->overlay_top >= (int)d->nfv)
		d->overlay_top = d->nfv ? (int)d->nfv - 1 : 0;
	d->overlay_shown = 0;
	for (size_t i = (size_t)d->overlay_top; i < d->nfv && y < h - 1; i++) {
		const struct failview_line *l = &d->fv[i];
		size_t len = strlen(l->text), at = 0;
		int rows = line_rows(l, tw);

		int r;

		draw_role(d, w, l->role);
		for (r = 0; r < rows && y < h - 1; r++, y++) {
			int cols;
			size_t n = draw_break(l->text + at, len - at, tw,
					      l->words, &cols);

			draw_text(w, y, 2, tw, l->text + at, n);
			at = draw_next_row(l->text, len, at + n, l->words);
		}
		if (r == rows)
			d->overlay_shown++;
	}
	draw_role(d, w, TR_NORMAL);
}
