// SPDX-License-Identifier: GPL-2.0
/*
 * The target's kernel log: level colours, timestamps since boot or wall
 * clock (T), a minimum level (v) and the module's lines only (m), `/`
 * search with highlighting and n / N, follow or pause (f), a loud banner
 * on an oops / BUG / panic that names where in the module it happened,
 * with a key to jump to it (o), the decoded frames under the trace (n / N
 * walk them without a search, Enter opens the selected one in the
 * editor), and the "N messages lost" / "target rebooted" markers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/module/kmsg.h"
#include "core/session.h"
#include "tui/dash.h"

#define MAX_BODY 512

struct dmesg_view {
	bool paused;
	uint64_t top; /* first record shown while paused */
	int min_level; /* shown: level <= min_level (7: all) */
	bool module_only;
	char pat[128];
	bool has_hit;
	uint64_t hit;
	bool oops_acked;
	uint64_t oops_ack; /* the crash event whose banner o dismissed */
	bool has_sel;
	uint64_t sel; /* the selected decoded line */
};

static void *dmesg_init(struct dash *d)
{
	struct dmesg_view *v = calloc(1, sizeof(*v));

	if (v)
		v->min_level = 7;
	return v;
}

static void dmesg_fini(void *priv)
{
	free(priv);
}

static bool shown(const struct dmesg_view *v, const struct kmsg_record *r)
{
	if (r->flags & KMSG_F_OWN)
		return false;
	if (r->flags & (KMSG_F_MARKER | KMSG_F_DECODED))
		return true;
	if (r->level > v->min_level && !(r->flags & KMSG_F_OOPS))
		return false;
	if (v->module_only && !(r->flags & (KMSG_F_MODULE | KMSG_F_OOPS)))
		return false;
	return true;
}

static bool hit(const struct dmesg_view *v, const struct kmsg_record *r)
{
	return v->pat[0] && strcasestr(r->text, v->pat);
}

static void stamp(struct dash *d, const struct kmsg_record *r, char *buf,
		  size_t cap)
{
	int64_t wall = session_kmsg_wall_offset(d->s);

	if (r->usec < 0) {
		snprintf(buf, cap, "%*s", d->abs_time ? 12 : 14, "");
	} else if (d->abs_time && wall) {
		int64_t us = r->usec + wall;
		time_t t = (time_t)(us / 1000000);
		struct tm tm;

		localtime_r(&t, &tm);
		snprintf(buf, cap, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)(us / 1000 % 1000));
	} else {
		snprintf(buf, cap, "[%5lld.%06lld]",
			 (long long)(r->usec / 1000000),
			 (long long)(r->usec % 1000000));
	}
}

static void draw_record(struct dash *d, struct dmesg_view *v, WINDOW *w, int y,
			int wd, const struct kmsg_record *r)
{
	char ts[32], line[KMSG_MAX_LINE + 64];
	const char *t = r->text, *m;
	enum theme_role role;
	int x;

	if (r->flags & KMSG_F_MARKER) {
		kmsg_format(r, line, sizeof(line));
		draw_role(d, w, TR_BANNER);
		mvwhline(w, y, 0, ' ', wd);
		draw_text(w, y, 0, wd, line, strlen(line));
		draw_role(d, w, TR_NORMAL);
		return;
	}
	if (r->flags & KMSG_F_DECODED) {
		/* under the trace, indented to its text, in a source colour */
		stamp(d, r, ts, sizeof(ts));
		x = (int)strlen(ts) + 1;
		draw_role(d, w,
			  v->has_sel && v->sel == r->pos ? TR_SEARCH :
							   TR_DIAG_NOTE);
		mvwhline(w, y, 0, ' ', wd);
		draw_text(w, y, x, wd - x, r->text, r->len);
		draw_role(d, w, TR_NORMAL);
		return;
	}
	stamp(d, r, ts, sizeof(ts));
	draw_role(d, w, TR_LOG_DEBUG);
	x = draw_text(w, y, 0, wd, ts, strlen(ts)) + 1;
	role = r->flags & KMSG_F_OOPS_START ?
		       TR_BANNER :
		       (enum theme_role)(TR_LOG_EMERG + (r->level & 7));
	draw_role(d, w, role);
	if (v->has_hit && v->hit == r->pos) {
		draw_role(d, w, TR_SEARCH);
		mvwhline(w, y, x, ' ', wd - x);
	}
	/* The search pattern, highlighted wherever it occurs. */
	while (x < wd && v->pat[0] && (m = strcasestr(t, v->pat))) {
		x += draw_text(w, y, x, wd - x, t, (size_t)(m - t));
		draw_role(d, w, TR_SEARCH);
		x += draw_text(w, y, x, wd - x, m, strlen(v->pat));
		draw_role(d, w, role);
		t = m + strlen(v->pat);
	}
	draw_text(w, y, x, wd - x, t, strlen(t));
	draw_role(d, w, TR_NORMAL);
}

/*
 * "OOPS in storage_hash at kmod/storage_hash.c:291 (sh_get) - o: jump,
 * Enter: open", or what the kernel said when no frame was decoded.
 */
static void dmesg_banner(struct dash *d, const struct crash_event *ev,
			 char *buf, size_t cap)
{
	static const char *const kinds[] = {
		[TRACE_NONE] = "TRACE",
		[TRACE_OOPS] = "OOPS",
		[TRACE_BUG] = "BUG",
		[TRACE_WARNING] = "WARNING",
		[TRACE_PANIC] = "PANIC",
		[TRACE_SOFTLOCKUP] = "SOFT LOCKUP",
		[TRACE_HUNG_TASK] = "HUNG TASK",
	};
	const char *m = trace_module(&ev->trace);
	int n = snprintf(buf, cap, "%s", kinds[ev->trace.kind]);

	if (m && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " in %s", m);
	if (ev->where[0] && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n,
			 " at %s - o: jump, Enter: open", ev->where);
	else if (n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, ": %s - o: jump",
			 ev->trace.panic_msg[0] ? ev->trace.panic_msg :
						  ev->trace.title);
}

static void dmesg_draw(struct dash *d, struct pane *p, WINDOW *w, int h, int wd)
{
	struct dmesg_view *v = p->priv;
	struct kmsg *k = session_kmsg(d->s);
	uint64_t first = kmsg_first(k), end = kmsg_end(k);
	uint64_t pos[MAX_BODY];
	struct kmsg_record r;
	int body = h, y = 0, n = 0;
	const struct crash_event *ev = crash_last(session_crash(d->s));
	bool banner = ev && !(v->oops_acked && v->oops_ack == ev->id);
	bool info = v->paused || v->min_level < 7 || v->module_only ||
		    v->pat[0];

	kmsg_take_dirty(k);
	if (banner) {
		char txt[PATH_MAX + 512];

		dmesg_banner(d, ev, txt, sizeof(txt));
		draw_role(d, w, TR_BANNER);
		mvwhline(w, 0, 0, ' ', wd);
		draw_printf(w, 0, 0, wd, " %s", txt);
		draw_role(d, w, TR_NORMAL);
		y = 1;
		body--;
	}
	if (info)
		body--;
	if (body > MAX_BODY)
		body = MAX_BODY;
	if (body <= 0)
		return;
	if (!v->paused || v->top < first) {
		/* Following: the last records that pass the filters. */
		for (uint64_t i = end; i > first && n < body; i--)
			if (kmsg_get(k, i - 1, &r) && shown(v, &r))
				pos[n++] = i - 1;
		for (int a = 0, b = n - 1; a < b; a++, b--) {
			uint64_t t = pos[a];

			pos[a] = pos[b];
			pos[b] = t;
		}
	} else {
		for (uint64_t i = v->top; i < end && n < body; i++)
			if (kmsg_get(k, i, &r) && shown(v, &r))
				pos[n++] = i;
	}
	if (n == 0 && end == first) {
		draw_printf(w, y, 0, wd,
			    "no kernel log yet (waiting for the target)");
	}
	for (int i = 0; i < n; i++)
		if (kmsg_get(k, pos[i], &r))
			draw_record(d, v, w, y + i, wd, &r);
	if (info) {
		static const char *const lv[8] = { "emerg", "alert",   "crit",
						   "err",   "warning", "notice",
						   "info",  "debug" };

		draw_role(d, w, TR_STATUS);
		mvwhline(w, h - 1, 0, ' ', wd);
		draw_printf(w, h - 1, 0, wd, " %s%s%s%s%s%s%s",
			    v->paused ? "PAUSED (f follows)  " : "",
			    v->min_level < 7 ? "level <= " : "",
			    v->min_level < 7 ? lv[v->min_level] : "",
			    v->min_level < 7 ? "  " : "",
			    v->module_only ? "module only  " : "",
			    v->pat[0] ? "/" : "", v->pat);
		draw_role(d, w, TR_NORMAL);
	}
}

static void dmesg_summary(struct dash *d, struct pane *p, char *buf, size_t cap,
			  enum theme_role *role)
{
	struct kmsg *k = session_kmsg(d->s);
	struct kmsg_record r;
	const struct crash_event *ev = crash_last(session_crash(d->s));

	kmsg_take_dirty(k);
	buf[0] = '\0';
	if (ev) {
		*role = TR_BANNER;
		dmesg_banner(d, ev, buf, cap);
		return;
	}
	if (kmsg_end(k) > kmsg_first(k) && kmsg_get(k, kmsg_end(k) - 1, &r)) {
		*role = (enum theme_role)(TR_LOG_EMERG + (r.level & 7));
		snprintf(buf, cap, "%s", r.text);
	}
}

/* The next record (dir > 0) or the previous one matching the pattern. */
static bool find_hit(struct dash *d, struct dmesg_view *v, uint64_t from,
		     int dir, uint64_t *out)
{
	struct kmsg *k = session_kmsg(d->s);
	uint64_t first = kmsg_first(k), end = kmsg_end(k);
	struct kmsg_record r;

	if (dir > 0) {
		for (uint64_t i = from < first ? first : from; i < end; i++)
			if (kmsg_get(k, i, &r) && shown(v, &r) && hit(v, &r)) {
				*out = i;
				return true;
			}
	} else {
		for (uint64_t i = from > end ? end : from; i > first; i--)
			if (kmsg_get(k, i - 1, &r) && shown(v, &r) &&
			    hit(v, &r)) {
				*out = i - 1;
				return true;
			}
	}
	return false;
}

/* The next (dir > 0) or previous decoded line with a source location. */
static bool find_decoded(struct dash *d, uint64_t from, int dir, uint64_t *out)
{
	struct kmsg *k = session_kmsg(d->s);
	struct crash *c = session_crash(d->s);
	uint64_t first = kmsg_first(k), end = kmsg_end(k);
	char file[8];
	int line;

	if (dir > 0) {
		for (uint64_t i = from < first ? first : from; i < end; i++)
			if (crash_location_at(c, i, file, sizeof(file),
					      &line)) {
				*out = i;
				return true;
			}
	} else {
		for (uint64_t i = from > end ? end : from; i > first; i--)
			if (crash_location_at(c, i - 1, file, sizeof(file),
					      &line)) {
				*out = i - 1;
				return true;
			}
	}
	return false;
}

/* Enter: the selected decoded frame, else where the last crash was. */
static bool open_selected(struct dash *d, struct dmesg_view *v)
{
	const struct crash_event *ev = crash_last(session_crash(d->s));
	char file[PATH_MAX];
	int line = 0;

	if (v->has_sel && crash_location_at(session_crash(d->s), v->sel, file,
					    sizeof(file), &line)) {
		dash_open_editor(d, file, line);
		return true;
	}
	if (ev && ev->line > 0) {
		dash_open_editor(d, ev->file, ev->line);
		return true;
	}
	dash_message(d, "no decoded frame to open (o jumps to the last oops)");
	return false;
}

static void show_at(struct pane *p, struct dmesg_view *v, uint64_t pos,
		    uint64_t first)
{
	uint64_t back = (uint64_t)(p->inner_h > 6 ? p->inner_h / 3 : 1);

	v->paused = true;
	v->top = pos > first + back ? pos - back : first;
}

static bool dmesg_action(struct dash *d, struct pane *p, enum action_id a)
{
	static const int levels[] = { 7, 6, 5, 4, 3 };
	struct dmesg_view *v = p->priv;
	struct kmsg *k = session_kmsg(d->s);
	const struct kmsg_stats *st = kmsg_stats(k);
	uint64_t first = kmsg_first(k), end = kmsg_end(k), at;
	int page = p->inner_h > 2 ? p->inner_h - 1 : 1;

	switch (a) {
	case ACT_FOLLOW:
		if (v->paused) {
			v->paused = false;
		} else {
			v->paused = true;
			v->top = end > first + (uint64_t)page ?
					 end - (uint64_t)page :
					 first;
		}
		return true;
	case ACT_PAGE_UP:
		view_scroll(&v->top, &v->paused, first, end, page, page);
		return true;
	case ACT_PAGE_DOWN:
		if (!v->paused)
			return false;
		view_scroll(&v->top, &v->paused, first, end, page, -page);
		return true;
	case ACT_LOG_LEVEL: {
		size_t i;

		for (i = 0; i < 5 && levels[i] != v->min_level; i++)
			;
		v->min_level = levels[(i + 1) % 5];
		dash_message(d, "kernel log: %s",
			     v->min_level == 7 ? "every level" :
						 kmsg_level_name(v->min_level));
		return true;
	}
	case ACT_LOG_MODULE:
		v->module_only = !v->module_only;
		dash_message(d, "kernel log: %s",
			     v->module_only ? "the module's lines only" :
					      "every line");
		return true;
	case ACT_OOPS: {
		const struct crash_event *ev = crash_last(session_crash(d->s));
		uint64_t from = ev ? ev->pos : st->last_oops_pos;

		if (!ev && !st->has_oops) {
			dash_message(d,
				     "no oops, BUG or panic in the kernel log");
			return false;
		}
		v->oops_acked = ev != NULL;
		v->oops_ack = ev ? ev->id : 0;
		v->min_level = 7;
		v->module_only = false;
		/* the first decoded frame under it is selected for Enter */
		v->has_sel = find_decoded(d, from, 1, &v->sel);
		show_at(p, v, from, first);
		return true;
	}
	case ACT_CONSOLE_INPUT: /* Enter: the selected frame's source */
		return open_selected(d, v);
	case ACT_NEXT_HIT:
	case ACT_PREV_HIT:
		if (!v->pat[0]) {
			/* no search: n / N walk the decoded frames */
			if (!find_decoded(d,
					  v->has_sel ? (a == ACT_NEXT_HIT ?
								v->sel + 1 :
								v->sel) :
					  a == ACT_NEXT_HIT ? first :
							      end,
					  a == ACT_NEXT_HIT ? 1 : -1, &at)) {
				dash_message(
					d,
					"no decoded frame %s (/ searches the kernel log)",
					a == ACT_NEXT_HIT ? "below" : "above");
				return false;
			}
			v->has_sel = true;
			v->sel = at;
			show_at(p, v, at, first);
			return true;
		}
		if (!find_hit(d, v,
			      v->has_hit ? (a == ACT_NEXT_HIT ? v->hit + 1 :
								v->hit) :
			      a == ACT_NEXT_HIT ? first :
						  end,
			      a == ACT_NEXT_HIT ? 1 : -1, &at)) {
			dash_message(d, "'%s': no more matches", v->pat);
			return false;
		}
		v->has_hit = true;
		v->hit = at;
		show_at(p, v, at, first);
		return true;
	default:
		return false;
	}
}

static void dmesg_search(struct dash *d, struct pane *p, const char *pat)
{
	struct dmesg_view *v = p->priv;
	struct kmsg *k = session_kmsg(d->s);
	uint64_t at;

	snprintf(v->pat, sizeof(v->pat), "%s", pat);
	v->has_hit = false;
	if (!pat[0])
		return;
	/* The newest match first, as less does with ?. */
	if (find_hit(d, v, kmsg_end(k), -1, &at)) {
		v->has_hit = true;
		v->hit = at;
		show_at(p, v, at, kmsg_first(k));
	} else {
		dash_message(d, "'%s' is not in the kernel log", pat);
	}
}

static void dmesg_scroll(struct dash *d, struct pane *p, int lines)
{
	struct dmesg_view *v = p->priv;
	struct kmsg *k = session_kmsg(d->s);
	uint64_t first = kmsg_first(k), end = kmsg_end(k);
	int page = p->inner_h > 2 ? p->inner_h - 1 : 1;

	view_scroll(&v->top, &v->paused, first, end, page, lines);
}

const struct pane_ops pane_dmesg_ops = {
	.title = "Kernel log",
	.changes = SC_KMSG,
	.init = dmesg_init,
	.fini = dmesg_fini,
	.draw = dmesg_draw,
	.summary = dmesg_summary,
	.action = dmesg_action,
	.wheel = dmesg_scroll,
	.search = dmesg_search,
};
