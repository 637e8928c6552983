// SPDX-License-Identifier: GPL-2.0
/*
 * The build: its live output with gcc's colours kept, diagnostics counted
 * and highlighted, a spinner and the elapsed time while it runs, the
 * result line when it ends; n / N walk the errors and warnings, their notes
 * with them (the counts are what n / N walk). Before the first build of
 * the session, the .ko already built, if there is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/config/config.h"
#include "core/module/build.h"
#include "core/module/diag.h"
#include "core/base/ring.h"
#include "core/session.h"
#include "tui/dash.h"

struct build_view {
	bool paused; /* scrolled: new lines do not move the view */
	uint64_t top; /* first line shown while paused */
	long sel; /* selected diagnostic, -1: none */
	uint64_t sel_seq;
};

static void *build_init(struct dash *d)
{
	struct build_view *v = calloc(1, sizeof(*v));

	if (v)
		v->sel = -1;
	return v;
}

static void build_fini(void *priv)
{
	free(priv);
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

/* "3 min ago" */
static void age(char *buf, size_t cap, time_t then)
{
	long long s = (long long)(time(NULL) - then);

	if (s < 5)
		snprintf(buf, cap, "just now");
	else if (s < 60)
		snprintf(buf, cap, "%lld s ago", s);
	else if (s < 3600)
		snprintf(buf, cap, "%lld min ago", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, cap, "%lld h ago", s / 3600);
	else
		snprintf(buf, cap, "%lld days ago", s / 86400);
}

/*
 * A build from before this session: the .ko at the configured path
 * ("built 3 min ago, ok, storage_hash.ko 39 KiB"); false if there is none.
 */
static bool existing_build(struct dash *d, char *buf, size_t cap)
{
	const char *ko = session_target(d->s)->module.ko;
	const char *base = ko ? strrchr(ko, '/') : NULL;
	char when[32], size[32];
	struct stat st;

	if (!ko || stat(ko, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	age(when, sizeof(when), st.st_mtime);
	draw_bytes(size, sizeof(size), (uint64_t)st.st_size);
	snprintf(buf, cap, "built %s, ok, %s %s", when, base ? base + 1 : ko,
		 size);
	return true;
}

static void header(struct dash *d, WINDOW *w, int wd)
{
	struct build *b = session_build(d->s);
	enum build_state st = build_state(b);
	char t[32];
	int x = 0;

	draw_duration(t, sizeof(t), build_elapsed_ms(b));
	if (st == BUILD_RUNNING) {
		draw_role(d, w, TR_TITLE);
		x = draw_printf(w, 0, 0, wd, "%s building %s ", draw_spinner(d),
				t);
		draw_role(d, w, TR_NORMAL);
		x += draw_printf(w, 0, x, wd - x, "%s", build_step(b));
	} else if (st == BUILD_IDLE) {
		char before[PATH_MAX + 64];

		if (existing_build(d, before, sizeof(before))) {
			draw_role(d, w, TR_DELTA_BETTER);
			x = draw_printf(w, 0, 0, wd, "%s", before);
			draw_role(d, w, TR_NORMAL);
		} else {
			x = draw_printf(
				w, 0, 0, wd,
				"not built yet: b builds, a runs the cycle");
		}
	} else {
		draw_role(d, w,
			  st == BUILD_OK ? TR_DELTA_BETTER : TR_DELTA_WORSE);
		x = draw_printf(w, 0, 0, wd, "%s", build_result(b));
		draw_role(d, w, TR_NORMAL);
	}
	if (build_errors(b) || build_warnings(b)) {
		char c[64];
		int cw;

		snprintf(c, sizeof(c), " %u error%s %u warning%s",
			 build_errors(b), build_errors(b) == 1 ? "" : "s",
			 build_warnings(b), build_warnings(b) == 1 ? "" : "s");
		cw = (int)strlen(c);
		if (x + cw < wd) {
			draw_role(d, w,
				  build_errors(b) ? TR_DIAG_ERROR :
						    TR_DIAG_WARNING);
			draw_text(w, 0, wd - cw, cw, c, (size_t)cw);
			draw_role(d, w, TR_NORMAL);
		}
	}
}

/*
 * The selected diagnostic's number among those n / N walk (errors and
 * warnings: its notes go with it), as the header counts them.
 */
static unsigned diag_rank(const struct build *b, size_t sel)
{
	unsigned rank = 1;

	for (size_t i = 0; i < sel; i++)
		if (build_diag(b, i)->sev != DIAG_SEV_NOTE)
			rank++;
	return rank;
}

/* " (+2 notes)": the notes gcc printed after it. */
static const char *notes_text(const struct build *b, size_t sel, char *buf,
			      size_t cap)
{
	unsigned n = 0;

	for (size_t i = sel + 1;
	     i < build_diag_count(b) && build_diag(b, i)->sev == DIAG_SEV_NOTE;
	     i++)
		n++;
	if (n)
		snprintf(buf, cap, " (+%u note%s)", n, n == 1 ? "" : "s");
	else
		buf[0] = '\0';
	return buf;
}

static void build_draw(struct dash *d, struct pane *p, WINDOW *w, int h, int wd)
{
	struct build_view *v = p->priv;
	struct build *b = session_build(d->s);
	const struct ring *r = build_ring(b);
	uint64_t first = ring_first_seq(r), end = ring_end_seq(r), start;
	int body = h - 1, y = 1;
	const struct diag *sel = NULL;
	char plain[1024], notes[32];

	header(d, w, wd);
	if (v->sel >= 0 && (size_t)v->sel < build_diag_count(b))
		sel = build_diag(b, (size_t)v->sel);
	/* A new build: the number now names another diagnostic. */
	if (!sel || sel->seq != v->sel_seq) {
		sel = NULL;
		v->sel = -1;
	}
	if (sel)
		body--; /* the selected diagnostic, spelled out at the bottom */
	if (body <= 0)
		return;
	if (!v->paused || v->top < first)
		start = end > first + (uint64_t)body ? end - (uint64_t)body :
						       first;
	else
		start = v->top;
	for (uint64_t s = start; s < end && y < 1 + body; s++, y++) {
		const struct ring_line *l = ring_get(r, s);

		if (!l)
			continue;
		if (sel && s == sel->seq) {
			size_t n = diag_strip_ansi(l->text, l->len, plain,
						   sizeof(plain));

			draw_role(d, w, TR_SEARCH);
			mvwhline(w, y, 0, ' ', wd);
			draw_text(w, y, 0, wd, plain, n);
			draw_role(d, w, TR_NORMAL);
		} else if (memchr(l->text, 0x1b, l->len)) {
			draw_ansi(d, w, y, 0, wd, l->text, l->len);
		} else {
			draw_role(d, w, kind_role(l->tag));
			draw_text(w, y, 0, wd, l->text, l->len);
			draw_role(d, w, TR_NORMAL);
		}
	}
	if (sel) {
		const char *file = sel->at_line > 0 ? sel->at_src :
				   sel->src[0]	    ? sel->src :
						      sel->file;
		int line = sel->at_line > 0 ? sel->at_line : sel->line;
		int col = sel->at_line > 0 ? sel->at_col : sel->col;

		draw_role(d, w,
			  sel->sev >= DIAG_SEV_ERROR ? TR_DIAG_ERROR :
						       TR_DIAG_WARNING);
		draw_printf(w, h - 1, 0, wd, "[%u/%u] %s:%d:%d: %s%s",
			    diag_rank(b, (size_t)v->sel),
			    build_errors(b) + build_warnings(b), file, line,
			    col, sel->message,
			    notes_text(b, (size_t)v->sel, notes,
				       sizeof(notes)));
		draw_role(d, w, TR_NORMAL);
	}
}

static void build_summary(struct dash *d, struct pane *p, char *buf, size_t cap,
			  enum theme_role *role)
{
	struct build *b = session_build(d->s);
	char t[32];

	switch (build_state(b)) {
	case BUILD_RUNNING:
		draw_duration(t, sizeof(t), build_elapsed_ms(b));
		snprintf(buf, cap, "%s building %s, %u errors %u warnings",
			 draw_spinner(d), t, build_errors(b),
			 build_warnings(b));
		break;
	case BUILD_IDLE:
		if (existing_build(d, buf, cap))
			*role = TR_DELTA_BETTER;
		else
			snprintf(buf, cap, "not built yet");
		break;
	default:
		*role = build_state(b) == BUILD_OK ? TR_DELTA_BETTER :
						     TR_DELTA_WORSE;
		snprintf(buf, cap, "%s", build_result(b));
	}
}

static bool build_action(struct dash *d, struct pane *p, enum action_id a)
{
	struct build_view *v = p->priv;
	struct build *b = session_build(d->s);
	const struct ring *r = build_ring(b);
	int page = p->inner_h > 3 ? p->inner_h - 2 : 1;
	uint64_t first = ring_first_seq(r), end = ring_end_seq(r);
	long i;

	switch (a) {
	case ACT_NEXT_HIT:
	case ACT_PREV_HIT:
		i = -1;
		if (v->sel >= 0)
			i = build_diag_find(b, v->sel_seq,
					    a == ACT_NEXT_HIT ? 1 : -1);
		else if (a == ACT_PREV_HIT)
			i = build_diag_find(b, end, -1);
		else
			for (size_t k = 0; k < build_diag_count(b) && i < 0;
			     k++)
				if (build_diag(b, k)->sev != DIAG_SEV_NOTE)
					i = (long)k;
		if (i < 0) {
			dash_message(d, "no %s error or warning",
				     a == ACT_NEXT_HIT ? "next" : "previous");
			return false;
		}
		v->sel = i;
		v->sel_seq = build_diag(b, (size_t)i)->seq;
		v->paused = true;
		v->top = v->sel_seq > first + (uint64_t)(page / 3) ?
				 v->sel_seq - (uint64_t)(page / 3) :
				 first;
		return true;
	case ACT_PAGE_UP:
		view_scroll(&v->top, &v->paused, first, end, page, page);
		return true;
	case ACT_PAGE_DOWN:
		if (!v->paused)
			return false;
		view_scroll(&v->top, &v->paused, first, end, page, -page);
		return true;
	case ACT_FOLLOW:
		v->paused = false;
		v->sel = -1;
		return true;
	case ACT_CONSOLE_INPUT: { /* Enter: the selected diagnostic's line */
		const struct diag *g =
			v->sel >= 0 && (size_t)v->sel < build_diag_count(b) ?
				build_diag(b, (size_t)v->sel) :
				NULL;

		if (!g || g->seq != v->sel_seq) {
			dash_message(
				d,
				"no diagnostic selected (n selects the next)");
			return false;
		}
		dash_open_editor(d,
				 g->at_line > 0 ? g->at_src :
				 g->src[0]	? g->src :
						  g->file,
				 g->at_line > 0 ? g->at_line : g->line);
		return true;
	}
	default:
		return false;
	}
}

static void build_scroll(struct dash *d, struct pane *p, int lines)
{
	struct build_view *v = p->priv;
	const struct ring *r = build_ring(session_build(d->s));
	uint64_t first = ring_first_seq(r), end = ring_end_seq(r);
	int page = p->inner_h > 3 ? p->inner_h - 2 : 1;

	view_scroll(&v->top, &v->paused, first, end, page, lines);
}

const struct pane_ops pane_build_ops = {
	.title = "Build",
	.changes = SC_BUILD,
	.init = build_init,
	.fini = build_fini,
	.draw = build_draw,
	.summary = build_summary,
	.action = build_action,
	.wheel = build_scroll,
};
