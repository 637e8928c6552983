// SPDX-License-Identifier: GPL-2.0
/*
 * The target's kernel log: level colours, timestamps since boot or wall
 * clock (T), a minimum level (v) and the module's lines only (m), `/`
 * search with highlighting and n / N, follow or pause (f), a loud banner
 * on an oops / BUG / panic that names where in the module it happened,
 * with a key to jump to it (o), the decoded frames under the trace (n / N
 * walk them without a search, Enter opens the selected one in the
 * editor), and the "N messages lost" / "target rebooted" markers. Long
 * lines wrap (W cuts them instead) under a short time stamp in a narrow
 * pane: the view scrolls by rows, a wrapped record being several.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/module/kmsg.h"
#include "core/session.h"
#include "tui/dash.h"

#define MAX_BODY 512
/* Narrower than this, the time stamps are short ("  27.360"). */
#define WIDE_COLS 80
#define COMPACT_COLS 8
/* Matches of the search highlighted in one record. */
#define MAX_MATCHES 64

struct dmesg_view {
	bool paused;
	uint64_t top; /* first record shown while paused */
	int top_row; /* ... from this row of it (a wrapped record) */
	bool cut; /* long lines cut instead of wrapped (W) */
	int body, wd; /* the rows and columns of the last draw */
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

/* The time stamp's columns: compact in a narrow pane. */
static int stamp_cols(const struct dash *d, int wd)
{
	if (wd < WIDE_COLS)
		return COMPACT_COLS;
	return d->abs_time ? 12 : 14;
}

static void stamp(struct dash *d, const struct kmsg_record *r, int wd,
		  char *buf, size_t cap)
{
	int64_t wall = session_kmsg_wall_offset(d->s);
	bool compact = wd < WIDE_COLS;

	if (r->usec < 0) {
		snprintf(buf, cap, "%*s", stamp_cols(d, wd), "");
	} else if (d->abs_time && wall) {
		int64_t us = r->usec + wall;
		time_t t = (time_t)(us / 1000000);
		struct tm tm;

		localtime_r(&t, &tm);
		if (compact)
			snprintf(buf, cap, "%02d:%02d:%02d", tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
		else
			snprintf(buf, cap, "%02d:%02d:%02d.%03d", tm.tm_hour,
				 tm.tm_min, tm.tm_sec, (int)(us / 1000 % 1000));
	} else if (compact) {
		snprintf(buf, cap, "%4lld.%03lld",
			 (long long)(r->usec / 1000000),
			 (long long)(r->usec / 1000 % 1000));
	} else {
		snprintf(buf, cap, "[%5lld.%06lld]",
			 (long long)(r->usec / 1000000),
			 (long long)(r->usec % 1000000));
	}
}

/* Where a record's text starts: after its stamp; markers at the edge. */
static int text_col(const struct dash *d, const struct kmsg_record *r, int wd)
{
	int x = r->flags & KMSG_F_MARKER ? 0 : stamp_cols(d, wd) + 1;

	/* so narrow that the stamp would leave nothing: text from the edge */
	return x < wd - 4 ? x : 0;
}

static const char *record_text(const struct kmsg_record *r, char *buf,
			       size_t cap, size_t *len)
{
	if (r->flags & KMSG_F_MARKER) {
		kmsg_format(r, buf, cap);
		*len = strlen(buf);
		return buf;
	}
	*len = r->len;
	return r->text;
}

/* The rows a record takes: one when cut, else its text wrapped. */
static int record_rows(const struct dash *d, const struct dmesg_view *v,
		       const struct kmsg_record *r, int wd)
{
	char buf[256];
	size_t len;
	const char *t;
	int n;

	if (v->cut || (r->flags & KMSG_F_MARKER))
		return 1;
	t = record_text(r, buf, sizeof(buf), &len);
	n = draw_rows(t, len, wd - text_col(d, r, wd), false);
	return n > 0 ? n : 1;
}

/* The rows of the shown record at pos; 0 when it is not shown. */
static int rows_at(struct dash *d, struct dmesg_view *v, uint64_t pos, int wd)
{
	struct kmsg_record r;

	if (!kmsg_get(session_kmsg(d->s), pos, &r) || !shown(v, &r))
		return 0;
	return record_rows(d, v, &r, wd);
}

/*
 * Text from s[from, to) at (y, x), the search matches in the search
 * colour. Returns the columns drawn.
 */
static int draw_matched(struct dash *d, WINDOW *w, int y, int x, int maxw,
			const char *s, size_t from, size_t to,
			const size_t (*m)[2], int nm, enum theme_role role)
{
	int cols = 0;

	while (from < to && cols < maxw) {
		size_t next = to;
		bool in = false;

		for (int i = 0; i < nm; i++) {
			if (m[i][0] <= from && from < m[i][1]) {
				in = true;
				next = m[i][1] < to ? m[i][1] : to;
				break;
			}
			if (m[i][0] > from && m[i][0] < next)
				next = m[i][0];
		}
		draw_role(d, w, in ? TR_SEARCH : role);
		cols += draw_text(w, y, x + cols, maxw - cols, s + from,
				  next - from);
		from = next;
	}
	draw_role(d, w, role);
	return cols;
}

/*
 * Draws the record's rows from skip on, at most max of them, from row y;
 * returns the rows drawn.
 */
static int draw_record(struct dash *d, struct dmesg_view *v, WINDOW *w, int y,
		       int wd, const struct kmsg_record *r, int skip, int max)
{
	char ts[32], buf[256];
	size_t len, at = 0, m[MAX_MATCHES][2];
	const char *t = record_text(r, buf, sizeof(buf), &len), *p;
	int x = text_col(d, r, wd), tw = wd - x, rows, row, drawn = 0, nm = 0;
	enum theme_role role;

	if (r->flags & KMSG_F_MARKER) {
		if (skip > 0 || max < 1)
			return 0;
		draw_role(d, w, TR_BANNER);
		mvwhline(w, y, 0, ' ', wd);
		draw_text(w, y, 0, wd, t, len);
		draw_role(d, w, TR_NORMAL);
		return 1;
	}
	if (r->flags & KMSG_F_DECODED)
		/* under the trace, indented to its text, in a source colour */
		role = v->has_sel && v->sel == r->pos ? TR_SEARCH :
							TR_DIAG_NOTE;
	else if (r->flags & KMSG_F_OOPS_START)
		role = TR_BANNER;
	else
		role = (enum theme_role)(TR_LOG_EMERG + (r->level & 7));
	/* The search pattern, highlighted wherever it occurs. */
	for (p = t;
	     v->pat[0] && nm < MAX_MATCHES && (p = strcasestr(p, v->pat));
	     p += strlen(v->pat)) {
		m[nm][0] = (size_t)(p - t);
		m[nm][1] = m[nm][0] + strlen(v->pat);
		nm++;
	}
	rows = record_rows(d, v, r, wd);
	for (row = 0; row < rows && drawn < max; row++) {
		int c, yy = y + drawn;
		size_t n;

		if (v->cut) {
			/* one row: what fits, and "…" when that is not all */
			n = draw_width(t, len) <= tw ?
				    len :
				    draw_break(t, len,
					       tw - draw_ellipsis_cols(), false,
					       &c);
		} else {
			n = draw_break(t + at, len - at, tw, false, &c);
		}
		if (row >= skip) {
			if (x && row == 0 && !(r->flags & KMSG_F_DECODED)) {
				stamp(d, r, wd, ts, sizeof(ts));
				draw_role(d, w, TR_LOG_DEBUG);
				draw_text(w, yy, 0, x - 1, ts, strlen(ts));
			}
			draw_role(d, w, role);
			if (v->has_hit && v->hit == r->pos) {
				draw_role(d, w, TR_SEARCH);
				mvwhline(w, yy, x, ' ', tw);
			} else if (r->flags & KMSG_F_DECODED) {
				mvwhline(w, yy, 0, ' ', wd);
			}
			draw_role(d, w, role);
			c = draw_matched(d, w, yy, x, tw, t, at, at + n,
					 (const size_t(*)[2])m, nm, role);
			if (v->cut && n < len)
				draw_ellipsis(w, yy, x + c, tw - c);
			drawn++;
		}
		at = draw_next_row(t, len, at + n, false);
	}
	draw_role(d, w, TR_NORMAL);
	return drawn;
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

/* --- what is on screen, in rows of wrapped records ------------------------ */

/* One shown record: its position, and the rows of it skipped at the top. */
struct shown_rec {
	uint64_t pos;
	int skip;
};

/*
 * The records that fill body rows: following, the newest ones (the first
 * of them cut at the top when it does not fit whole); paused, from
 * (top, top_row) on. Returns how many.
 */
static int visible(struct dash *d, struct dmesg_view *v, int body, int wd,
		   struct shown_rec *out)
{
	struct kmsg *k = session_kmsg(d->s);
	uint64_t first = kmsg_first(k), end = kmsg_end(k);
	int n = 0, rows = 0;

	if (body > MAX_BODY)
		body = MAX_BODY;
	if (v->paused && v->top < first) {
		v->top = first;
		v->top_row = 0;
	}
	if (!v->paused) {
		for (uint64_t i = end; i > first && rows < body; i--) {
			int r = rows_at(d, v, i - 1, wd);

			if (!r)
				continue;
			out[n].pos = i - 1;
			out[n].skip = rows + r > body ? rows + r - body : 0;
			rows += r;
			n++;
		}
		for (int a = 0, b = n - 1; a < b; a++, b--) {
			struct shown_rec t = out[a];

			out[a] = out[b];
			out[b] = t;
		}
		return n;
	}
	for (uint64_t i = v->top; i < end && rows < body && n < MAX_BODY; i++) {
		int r = rows_at(d, v, i, wd), skip;

		if (!r)
			continue;
		skip = i == v->top ? v->top_row : 0;
		if (skip >= r)
			skip = r - 1;
		out[n].pos = i;
		out[n].skip = skip;
		rows += r - skip;
		n++;
	}
	return n;
}

/* Following: pins the view where it is, to scroll from there. */
static void pin(struct dash *d, struct dmesg_view *v)
{
	struct shown_rec rec[MAX_BODY];
	int n;

	if (v->paused)
		return;
	n = visible(d, v, v->body, v->wd, rec);
	v->top = n ? rec[0].pos : kmsg_first(session_kmsg(d->s));
	v->top_row = n ? rec[0].skip : 0;
	v->paused = true;
}

/* The shown record before (dir < 0) or after pos; false at the ends. */
static bool step_rec(struct dash *d, struct dmesg_view *v, uint64_t pos,
		     int dir, uint64_t *out, int *rows)
{
	struct kmsg *k = session_kmsg(d->s);
	uint64_t first = kmsg_first(k), end = kmsg_end(k);

	if (dir < 0) {
		for (uint64_t i = pos; i > first; i--)
			if ((*rows = rows_at(d, v, i - 1, v->wd))) {
				*out = i - 1;
				return true;
			}
	} else {
		for (uint64_t i = pos + 1; i < end; i++)
			if ((*rows = rows_at(d, v, i, v->wd))) {
				*out = i;
				return true;
			}
	}
	return false;
}

/* Rows from (top, top_row) to the end, counted up to limit. */
static int rows_below(struct dash *d, struct dmesg_view *v, int limit)
{
	struct kmsg *k = session_kmsg(d->s);
	uint64_t end = kmsg_end(k);
	int rows = -v->top_row;

	for (uint64_t i = v->top; i < end && rows <= limit; i++)
		rows += rows_at(d, v, i, v->wd);
	return rows;
}

/*
 * Scrolls by rows (> 0: back in time). The first scroll pins the view
 * where it follows the tail; scrolled back down to the end, it follows
 * again.
 */
static void scroll_rows(struct dash *d, struct dmesg_view *v, int lines)
{
	uint64_t pos;
	int rows;

	pin(d, v);
	for (; lines > 0; lines--) {
		if (v->top_row > 0) {
			v->top_row--;
		} else if (step_rec(d, v, v->top, -1, &pos, &rows)) {
			v->top = pos;
			v->top_row = rows - 1;
		} else {
			break;
		}
	}
	for (; lines < 0; lines++) {
		int r = rows_at(d, v, v->top, v->wd);

		if (v->top_row + 1 < r) {
			v->top_row++;
		} else if (step_rec(d, v, v->top, 1, &pos, &rows)) {
			v->top = pos;
			v->top_row = 0;
		} else {
			break;
		}
	}
	if (rows_below(d, v, v->body) <= v->body)
		v->paused = false;
}

static void dmesg_draw(struct dash *d, struct pane *p, WINDOW *w, int h, int wd)
{
	struct dmesg_view *v = p->priv;
	struct kmsg *k = session_kmsg(d->s);
	struct shown_rec rec[MAX_BODY];
	struct kmsg_record r;
	int body = h, y = 0, n;
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
	v->body = body > 0 ? body : 1;
	v->wd = wd;
	if (body <= 0)
		return;
	n = visible(d, v, body, wd, rec);
	if (n == 0 && kmsg_end(k) == kmsg_first(k))
		draw_printf(w, y, 0, wd,
			    "no kernel log yet (waiting for the target)");
	for (int i = 0; i < n && y < h; i++)
		if (kmsg_get(k, rec[i].pos, &r))
			y += draw_record(d, v, w, y, wd, &r, rec[i].skip,
					 body - (y - (banner ? 1 : 0)));
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

/* Paused with pos a third down the pane (its first row). */
static void show_at(struct dash *d, struct pane *p, struct dmesg_view *v,
		    uint64_t pos)
{
	int back = p->inner_h > 6 ? p->inner_h / 3 : 1;

	v->paused = true;
	v->top = pos;
	v->top_row = 0;
	if (!v->wd)
		v->wd = p->inner_w;
	if (!v->body)
		v->body = p->inner_h > 1 ? p->inner_h - 1 : 1;
	for (uint64_t at; back > 0; back--) {
		int rows;

		if (v->top_row > 0) {
			v->top_row--;
		} else if (step_rec(d, v, v->top, -1, &at, &rows)) {
			v->top = at;
			v->top_row = rows - 1;
		} else {
			break;
		}
	}
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
		if (v->paused)
			v->paused = false;
		else
			pin(d, v);
		return true;
	case ACT_LOG_WRAP:
		/* following goes on; paused, the record on top stays there */
		v->cut = !v->cut;
		v->top_row = 0;
		if (v->paused && rows_below(d, v, v->body) <= v->body)
			v->paused = false;
		dash_message(d, "kernel log: long lines %s",
			     v->cut ? "cut" : "wrap");
		return true;
	case ACT_PAGE_UP:
		scroll_rows(d, v, page);
		return true;
	case ACT_PAGE_DOWN:
		if (!v->paused)
			return false;
		scroll_rows(d, v, -page);
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
		show_at(d, p, v, from);
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
			show_at(d, p, v, at);
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
		show_at(d, p, v, at);
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
		show_at(d, p, v, at);
	} else {
		dash_message(d, "'%s' is not in the kernel log", pat);
	}
}

static void dmesg_scroll(struct dash *d, struct pane *p, int lines)
{
	scroll_rows(d, p->priv, lines);
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
