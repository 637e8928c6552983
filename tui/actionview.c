// SPDX-License-Identifier: GPL-2.0
/*
 * The action log (L): every action kmdash did, newest at the bottom, each
 * with the shell command line that does the same, to copy and paste
 * (core/module/actionlog.h); a QMP command also as its JSON. It opens at
 * the end; PgUp/PgDn scroll, L or Esc closes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/module/actionlog.h"
#include "core/session.h"
#include "tui/dash.h"

/* Rows of one entry: its heading, its command, its QMP JSON. */
static int entry_rows(const struct action_entry *e, int width)
{
	int n = 1 + draw_rows(e->command, strlen(e->command), width, false);

	if (e->qmp)
		n += draw_rows(e->qmp, strlen(e->qmp), width - 6, false);
	return n;
}

/* Draws the entry from its row `skip` on, at y; the rows drawn. */
static int entry_draw(struct dash *d, WINDOW *w, int y, int skip, int rows,
		      int wd, const struct action_entry *e)
{
	char when[16], head[256];
	time_t t = (time_t)(e->at_ms / 1000);
	struct tm tm;
	int drawn = 0, width = wd - 4, row = 0;
	size_t at = 0, len = strlen(e->command);

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(head, sizeof(head), "%s %-7s %s", when,
		 action_kind_name(e->kind), e->what);
	if (row++ >= skip && drawn < rows) {
		draw_role(d, w, TR_TITLE);
		draw_printf(w, y + drawn++, 1, wd - 2, "%s", head);
	}
	draw_role(d, w, TR_NORMAL);
	/* the command at any character: a line to copy, not prose */
	while (at < len && drawn < rows) {
		int cols;
		size_t n = draw_break(e->command + at, len - at, width, false,
				      &cols);

		if (row++ >= skip)
			draw_text(w, y + drawn++, 3, width, e->command + at, n);
		at = draw_next_row(e->command, len, at + n, false);
	}
	if (e->qmp && drawn < rows && row >= skip) {
		draw_role(d, w, TR_BORDER);
		draw_printf(w, y + drawn++, 3, width, "QMP: %s", e->qmp);
		draw_role(d, w, TR_NORMAL);
	}
	return drawn;
}

void actionview_draw(struct dash *d, WINDOW *w, int h, int wd)
{
	const struct actionlog *al = session_actionlog(d->s);
	size_t n = al ? actionlog_count(al) : 0;
	int body = h - 3, total = 0, top, y = 2, skipped = 0;

	draw_box(d, w);
	draw_role(d, w, TR_TITLE);
	draw_printf(
		w, 0, 2, wd - 4,
		" Action log: %zu actions, each as a shell command (L or Esc closes) ",
		n);
	draw_role(d, w, TR_NORMAL);
	if (!n) {
		draw_printf(
			w, 2, 2, wd - 4,
			"nothing done yet: b, d, l, u, B, a and s show theirs here");
		return;
	}
	for (size_t i = 0; i < n; i++)
		total += entry_rows(actionlog_at(al, i), wd - 4);
	top = d->overlay_top;
	if (top < 0 || top > total - body)
		top = total - body > 0 ? total - body : 0;
	d->overlay_top = top;
	d->overlay_shown = body;
	for (size_t i = 0; i < n && y < 2 + body; i++) {
		const struct action_entry *e = actionlog_at(al, i);
		int rows = entry_rows(e, wd - 4);

		if (skipped + rows <= top) {
			skipped += rows;
			continue;
		}
		y += entry_draw(d, w, y, top - skipped > 0 ? top - skipped : 0,
				2 + body - y, wd, e);
		skipped = top;
	}
}
