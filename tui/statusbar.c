// SPDX-License-Identifier: GPL-2.0
/*
 * The status bar (target, link, VM, module, the running job with its
 * progress, the last result) and the htop-style key bar generated from
 * the keymap.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/module/build.h"
#include "core/config/config.h"
#include "core/ssh/link.h"
#include "core/base/journal.h"
#include "core/base/loop.h"
#include "core/session.h"
#include "core/vm/vm.h"
#include "tui/dash.h"

struct bar {
	struct dash *d;
	WINDOW *w;
	int x, width;
	bool cut; /* the line is full and its end says so */
};

static void put(struct bar *b, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(struct bar *b, enum theme_role role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (b->x >= b->width) {
		/* more to say than room: the last column says so */
		if (!b->cut && buf[0] && b->width > 0) {
			int e = draw_ellipsis_cols() < b->width ?
					draw_ellipsis_cols() :
					b->width;

			draw_ellipsis(b->w, 0, b->width - e, e);
		}
		b->cut = true;
		return;
	}
	draw_role(b->d, b->w, role);
	b->x += draw_text(b->w, 0, b->x, b->width - b->x, buf, strlen(buf));
}

static void sep(struct bar *b)
{
	put(b, TR_STATUS, "%s", b->d->utf8 ? " │ " : " | ");
}

enum theme_role dash_link_role(const struct link *l)
{
	if (!l)
		return TR_LINK_DOWN;
	switch (link_state(l)) {
	case LINK_UP:
		return TR_LINK_UP;
	case LINK_DEGRADED:
		return TR_LINK_DEGRADED;
	case LINK_DOWN:
		return TR_LINK_DOWN;
	default:
		return TR_LINK_CONNECTING;
	}
}

static void progress(struct bar *b, uint64_t done, uint64_t total)
{
	char bar[64];
	int n = 10, fill = total ? (int)(done * (uint64_t)n / total) : 0;

	for (int i = 0; i < n; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[n] = '\0';
	put(b, TR_STATUS, " [%s] %d%%", bar,
	    total ? (int)(done * 100 / total) : 0);
}

static void job_part(struct bar *b)
{
	struct dash *d = b->d;
	const struct job *j = session_job(d->s);
	const struct job_step *st;
	struct vm *vm = session_vm(d->s);
	char t[32];

	if (j->state == JOB_IDLE)
		return;
	sep(b);
	if (j->state != JOB_RUNNING) {
		unsigned warnings = 0;

		for (size_t i = 0; i < j->nsteps; i++)
			warnings += j->steps[i].warnings;
		draw_duration(t, sizeof(t), (j->end_us - j->start_us) / 1000);
		put(b,
		    j->state != JOB_OK ? TR_DELTA_WORSE :
		    warnings	       ? TR_LOG_WARNING :
					 TR_DELTA_BETTER,
		    "last: %s %s", j->name, job_state_name(j->state));
		if (j->state == JOB_OK && warnings)
			put(b, TR_LOG_WARNING, ", with %u kernel warning%s",
			    warnings, warnings == 1 ? "" : "s");
		/* a failure's reason is on the message line, in full */
		put(b, TR_STATUS, " %s", t);
		return;
	}
	st = j->cur < j->nsteps ? &j->steps[j->cur] : NULL;
	put(b, TR_STATUS, "%s %s", draw_spinner(d), j->name);
	if (!st)
		return;
	put(b, TR_STATUS, " > %s", job_step_name(st->kind));
	if (st->kind == JOB_BUILD) {
		draw_duration(t, sizeof(t),
			      build_elapsed_ms(session_build(d->s)));
		put(b, TR_STATUS, " %s", t);
	} else if (j->total) {
		char a[32], c[32];

		draw_bytes(a, sizeof(a), j->done);
		draw_bytes(c, sizeof(c), j->total);
		progress(b, j->done, j->total);
		put(b, TR_STATUS, " %s/%s", a, c);
	} else if (vm && vm_stage(vm) < VM_STAGE_SSH_READY &&
		   vm_stage(vm) >= VM_STAGE_LAUNCHING) {
		/* Waiting for the target: the boot stage is the progress. */
		progress(b, (uint64_t)vm_stage(vm) - VM_STAGE_LAUNCHING,
			 VM_STAGE_SSH_READY - VM_STAGE_LAUNCHING);
		put(b, TR_STATUS, " boot: %s", vm_stage_name(vm_stage(vm)));
	} else {
		draw_duration(t, sizeof(t),
			      (loop_now_us() - st->start_us) / 1000);
		put(b, TR_STATUS, " %s", t);
	}
}

/* "watching kmod/ (reload), storage_hash.c at 12:03:04" */
static void watch_part(struct bar *b)
{
	const struct session_watch *w = session_watch(b->d->s);
	char when[16] = "";
	time_t t = (time_t)w->last_unix;
	struct tm tm;

	if (w->what == CONFIG_WATCH_OFF)
		return;
	sep(b);
	put(b, TR_STATUS, "watching %s (%s)", w->shown,
	    session_watch_name(w->what));
	if (!w->saves)
		return;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	put(b, TR_STATUS, ", %s at %s", w->last, when);
}

void statusbar_draw(struct dash *d, WINDOW *w, int width)
{
	struct bar b = { d, w, 0, width, false };
	struct link *l = session_link(d->s);
	struct vm *vm = session_vm(d->s);
	const struct session_module *m = session_module(d->s);
	char mtext[256];

	draw_role(d, w, TR_STATUS);
	mvwhline(w, 0, 0, ' ', width);
	if (d->mode == DM_CONSOLE)
		put(&b, TR_BANNER,
		    " CONSOLE INPUT: keys go to the target, Ctrl-] leaves ");
	put(&b, TR_STATUS, " %s", session_name(d->s));
	sep(&b);
	put(&b, TR_STATUS, "link ");
	if (l) {
		struct link_stats ls;

		link_stats(l, &ls);
		put(&b, dash_link_role(l), "%s",
		    link_state_name(link_state(l)));
		if (ls.last_rtt_us >= 0 && link_state(l) != LINK_DOWN)
			put(&b, TR_STATUS, " %.1fms", ls.last_rtt_us / 1000.0);
	} else {
		put(&b, TR_LINK_DOWN, "none");
	}
	if (vm && vm_halted(vm)) {
		sep(&b);
		/* the link is not judged meanwhile: say why it looks still */
		put(&b, TR_LINK_DEGRADED, "%s",
		    vm_halted_by_gdb(vm) ? "VM halted by gdb" : "VM paused");
	} else if (vm) {
		sep(&b);
		put(&b, TR_STATUS, "vm %s", vm_stage_name(vm_stage(vm)));
		/* how it went: killed, powered off, stopped */
		if (vm_stage(vm) == VM_STAGE_EXITED && vm_status(vm)[0])
			put(&b, TR_LINK_DOWN, " (%s)", vm_status(vm));
	}
	sep(&b);
	session_module_text(d->s, mtext, sizeof(mtext));
	put(&b, m->crashed ? TR_LINK_DOWN : TR_STATUS, "%s", mtext);
	watch_part(&b);
	job_part(&b);
	if (journal_full(session_journal(d->s))) {
		sep(&b);
		put(&b, TR_LINK_DOWN, "journal: disk full, recording paused");
	}
	/* the session's notice is on the message line (tui/failure.c) */
	if (d->msg[0]) {
		sep(&b);
		put(&b, TR_STATUS, "%s", d->msg);
	}
	draw_role(d, w, TR_NORMAL);
}

void keybar_draw(struct dash *d, WINDOW *w, int width)
{
	struct keybar_item items[ACT_COUNT];
	enum keymap_mode mode = d->mode == DM_CONSOLE ? KM_CONSOLE : KM_NORMAL;
	int n = keymap_bar(&d->km, mode, width, items, ACT_COUNT);

	for (int i = 0; i < n; i++) {
		int kx = items[i].x, lx = kx + (int)strlen(items[i].key) + 1;

		draw_role(d, w, TR_KEYBAR_KEY);
		draw_text(w, 0, kx, width - kx, items[i].key,
			  strlen(items[i].key));
		draw_role(d, w, TR_KEYBAR_LABEL);
		draw_text(w, 0, lx, width - lx, items[i].label,
			  strlen(items[i].label));
	}
	draw_role(d, w, TR_NORMAL);
}
