// SPDX-License-Identifier: GPL-2.0
/*
 * Crash events from two sources (see crash.h). Each source has one block
 * being assembled: a block starts at a line trace_line_kind() knows, ends
 * at the kernel's "---[ end" line, at the start of the next block, or when
 * no line has come for BLOCK_QUIET_MS (soft lockups and hung tasks print
 * no end line). A console block then waits CONSOLE_TWIN_MS for the same
 * block on the stream; the stream's copy has the sequence numbers and the
 * levels, so it wins.
 */
#include "core/module/crash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/loop.h"
#include "core/module/decode.h"
#include "core/module/kmsg.h"

#define MAX_EVENTS 16
#define MAX_LOCS 128
#define MAX_DECODERS 4
#define BLOCK_QUIET_MS 300
#define CONSOLE_TWIN_MS 1500
#define CONSOLE_TWIN_PANIC_MS 300
#define BLOCK_MAX_LINES 400
#define CONSOLE_LINE_MAX 2048
#define MAX_PENDING 4

/* A block being assembled, from one source. */
struct block {
	bool open;
	bool backlog;
	struct trace t;
	int64_t usec;
	uint64_t pos;
	uint64_t quiet_timer;
	/* console: the lines, written into the model if the stream lacks them */
	char *text;
	size_t len, cap;
};

/* A console block that waits for its twin on the stream. */
struct pending {
	struct crash *c;
	bool used;
	struct block b;
	uint64_t timer;
};

struct loc {
	uint64_t pos;
	char *file;
	int line;
};

struct cached_decoder {
	char path[PATH_MAX];
	struct decoder *d;
	char err[200];
};

struct crash {
	struct crash_opts o;
	char *module, *ko, *store_dir, *src_dir, *show_base, *vmlinux;
	struct kostore *store;
	char store_err[200];
	int64_t live_since;
	bool stream_live; /* a kernel-log stream runs: console twins wait */
	char loaded_id[KO_ID_MAX + 1];
	char deployed_id[KO_ID_MAX + 1];

	struct block kb; /* from the kernel-log stream */
	struct block cb; /* from the console */
	struct pending pend[MAX_PENDING];
	char cline[CONSOLE_LINE_MAX];
	size_t clen;
	bool cskip; /* inside an escape sequence of the console */
	int cesc;

	struct crash_event *ev[MAX_EVENTS];
	size_t nev;
	uint64_t next_id;

	struct loc locs[MAX_LOCS];
	size_t nlocs;

	struct cached_decoder dec[MAX_DECODERS];
	size_t ndec;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct crash *crash_new(const struct crash_opts *o)
{
	struct crash *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	c->module = strdup(o->module ? o->module : "");
	c->ko = dup_or_null(o->ko);
	c->store_dir = dup_or_null(o->store_dir);
	c->src_dir = dup_or_null(o->src_dir);
	c->show_base = dup_or_null(o->show_base);
	c->vmlinux = dup_or_null(o->vmlinux);
	c->live_since = -1;
	if (!c->module) {
		crash_free(c);
		return NULL;
	}
	/* A store that cannot be made is said once, when a decode needs it. */
	if (c->store_dir)
		c->store = kostore_open(c->store_dir, c->store_err,
					sizeof(c->store_err));
	return c;
}

static void block_reset(struct crash *c, struct block *b)
{
	if (b->quiet_timer)
		loop_cancel_timer(c->o.loop, b->quiet_timer);
	b->quiet_timer = 0;
	b->open = false;
	b->len = 0;
}

void crash_free(struct crash *c)
{
	if (!c)
		return;
	block_reset(c, &c->kb);
	block_reset(c, &c->cb);
	free(c->kb.text);
	free(c->cb.text);
	for (size_t i = 0; i < MAX_PENDING; i++) {
		if (c->pend[i].used)
			loop_cancel_timer(c->o.loop, c->pend[i].timer);
		free(c->pend[i].b.text);
	}
	for (size_t i = 0; i < c->nev; i++)
		free(c->ev[i]);
	for (size_t i = 0; i < MAX_LOCS; i++)
		free(c->locs[i].file);
	for (size_t i = 0; i < c->ndec; i++)
		decoder_free(c->dec[i].d);
	kostore_free(c->store);
	free(c->module);
	free(c->ko);
	free(c->store_dir);
	free(c->src_dir);
	free(c->show_base);
	free(c->vmlinux);
	free(c);
}

/* --- decoding ------------------------------------------------------------ */

/* A decoder for path, loaded once per session. NULL with err set. */
static struct decoder *decoder_for(struct crash *c, const char *path,
				   const char **err)
{
	struct cached_decoder *cd;
	char dir[PATH_MAX], *slash;
	struct decode_map map;
	size_t nmaps = 0;

	for (size_t i = 0; i < c->ndec; i++) {
		if (!strcmp(c->dec[i].path, path)) {
			*err = c->dec[i].err;
			return c->dec[i].d;
		}
	}
	if (c->ndec == MAX_DECODERS) {
		decoder_free(c->dec[0].d);
		memmove(&c->dec[0], &c->dec[1],
			sizeof(c->dec[0]) * (MAX_DECODERS - 1));
		c->ndec--;
	}
	cd = &c->dec[c->ndec++];
	memset(cd, 0, sizeof(*cd));
	snprintf(cd->path, sizeof(cd->path), "%s", path);
	/*
	 * The build directory (where the .ko was built) names the sources;
	 * it maps to the source directory. A kept copy lives elsewhere: the
	 * current build's directory is the one its debug info names.
	 */
	if (c->src_dir && c->ko) {
		snprintf(dir, sizeof(dir), "%s", c->ko);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			map = (struct decode_map){ dir, c->src_dir };
			nmaps = 1;
		}
	}
	cd->d = decoder_open(path, nmaps ? &map : NULL, nmaps, cd->err,
			     sizeof(cd->err));
	*err = cd->err;
	return cd->d;
}

static const char *short_id(const char *id)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%.12s", id);
	return buf;
}

int crash_ko_for(struct crash *c, const char *id, char *path, size_t cap,
		 char *why, size_t wcap)
{
	char cur[KO_ID_MAX + 1] = "", err[200];

	if (c->store && kostore_find(c->store, id, path, cap) == 0)
		return 0;
	if (c->ko && ko_build_id(c->ko, cur, err, sizeof(err)) == 0 &&
	    !strcmp(cur, id)) {
		snprintf(path, cap, "%s", c->ko);
		return 0;
	}
	snprintf(
		why, wcap,
		"the build id of the loaded module (%s) does not match %s (%s) and no copy of it was kept",
		short_id(id), c->ko ? c->ko : "the current build",
		cur[0] ? short_id(cur) : "none");
	return -ENOENT;
}

/*
 * Which file holds the running module's debug info: the kept copy of the
 * loaded module's build id, else of the one deployed in this session,
 * else the current build when it is that one. NULL with why set.
 */
static const char *module_file(struct crash *c, char *path, size_t cap,
			       char *note, size_t ncap, char *why, size_t wcap)
{
	const char *want = c->loaded_id[0] ? c->loaded_id : c->deployed_id;
	char cur[KO_ID_MAX + 1] = "", err[200];
	int n;

	if (!want[0]) {
		if (c->ko && ko_build_id(c->ko, cur, err, sizeof(err)) < 0)
			cur[0] = '\0';
		if (!c->ko || !cur[0]) {
			snprintf(why, wcap,
				 "not decoded: no build of %s to decode with",
				 c->module);
			return NULL;
		}
		snprintf(
			note, ncap,
			"decoded against %s (build id %s; the loaded module's is unknown)",
			c->ko, short_id(cur));
		return c->ko;
	}
	n = snprintf(why, wcap, "not decoded: ");
	if (crash_ko_for(c, want, path, cap, why + n, wcap - (size_t)n) < 0)
		return NULL;
	why[0] = '\0';
	if (strcmp(path, c->ko ? c->ko : ""))
		snprintf(
			note, ncap,
			"decoded against the deployed copy of %s.ko (build id %s)",
			c->module, short_id(want));
	else
		snprintf(note, ncap, "decoded against %s (build id %s)", c->ko,
			 short_id(want));
	return path;
}

static void add_loc(struct crash *c, uint64_t pos, const char *file, int line)
{
	struct loc *l = &c->locs[c->nlocs++ % MAX_LOCS];

	free(l->file);
	l->file = strdup(file);
	l->pos = pos;
	l->line = line;
}

bool crash_location_at(const struct crash *c, uint64_t pos, char *file,
		       size_t cap, int *line)
{
	for (size_t i = 0; i < MAX_LOCS; i++) {
		const struct loc *l = &c->locs[i];

		if (l->file && l->pos == pos) {
			snprintf(file, cap, "%s", l->file);
			*line = l->line;
			return true;
		}
	}
	return false;
}

static void note_line(struct crash *c, const struct crash_event *ev,
		      const char *text)
{
	kmsg_add_line(c->o.kmsg, KMSG_F_DECODED, ev->usec, 4, text,
		      strlen(text));
}

/* Frames of the module (and of the kernel, with a vmlinux) resolved. */
static void decode_event(struct crash *c, struct crash_event *ev)
{
	char path[PATH_MAX], why[256] = "", line[PATH_MAX * 2];
	const char *file = NULL, *err = "";
	struct decoder *md = NULL, *kd = NULL;
	bool any = false;

	if (trace_names_module(&ev->trace, c->module)) {
		file = module_file(c, path, sizeof(path), ev->note,
				   sizeof(ev->note), why, sizeof(why));
		if (file) {
			md = decoder_for(c, file, &err);
			if (!md)
				snprintf(why, sizeof(why), "not decoded: %s",
					 err);
		}
	}
	if (c->vmlinux) {
		kd = decoder_for(c, c->vmlinux, &err);
		if (!kd && !why[0])
			snprintf(why, sizeof(why), "kernel frames: %s", err);
	}
	if (why[0]) {
		snprintf(ev->note, sizeof(ev->note), "%s", why);
		note_line(c, ev, why);
	}
	if (!md && !kd)
		return;
	for (size_t i = 0; i < ev->trace.nframes; i++) {
		const struct trace_frame *f = &ev->trace.frames[i];
		struct decoder *d = !strcmp(f->module, c->module) ? md :
				    !f->module[0]		  ? kd :
								    NULL;
		struct decode_frame df;
		uint64_t pos;
		int n;

		if (!d || decoder_resolve(d, f, &df) < 0 || !df.nloc)
			continue;
		if (!any && md && d == md) {
			/* the top frame of the module: the banner's place */
			snprintf(ev->func, sizeof(ev->func), "%s",
				 df.loc[0].func);
			snprintf(ev->file, sizeof(ev->file), "%s",
				 df.loc[0].file);
			ev->line = df.loc[0].line;
		}
		if (d == md)
			any = true;
		n = snprintf(line, sizeof(line),
			     "%s%s+0x%" PRIx64 "/0x%" PRIx64,
			     f->role == TRACE_FRAME_PC ? "pc: " :
			     f->role == TRACE_FRAME_LR ? "lr: " :
							 "",
			     f->sym, f->off, f->size);
		if (f->module[0] && n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      " [%s]", f->module);
		if (n > 0 && (size_t)n + 4 < sizeof(line)) {
			memcpy(line + n, " -> ", 5);
			decode_format(&df, c->show_base, line + n + 4,
				      sizeof(line) - (size_t)n - 4);
		}
		pos = kmsg_add_line(c->o.kmsg, KMSG_F_DECODED, ev->usec, 4,
				    line, strlen(line));
		add_loc(c, pos, df.loc[0].file, df.loc[0].line);
	}
	if (ev->line > 0) {
		const char *shown = ev->file;
		size_t bl = c->show_base ? strlen(c->show_base) : 0;

		if (bl && !strncmp(shown, c->show_base, bl) && shown[bl] == '/')
			shown += bl + 1;
		snprintf(ev->where, sizeof(ev->where), "%s:%d (%s)", shown,
			 ev->line, ev->func);
	}
}

/* --- events ------------------------------------------------------------- */

static void emit(struct crash *c, struct block *b, enum crash_source src)
{
	struct crash_event *ev = calloc(1, sizeof(*ev));
	const char *m;

	if (!ev)
		return;
	ev->id = ++c->next_id;
	ev->source = src;
	ev->backlog = b->backlog;
	ev->usec = b->usec;
	ev->pos = b->pos;
	ev->trace = b->t;
	m = trace_module(&ev->trace);
	ev->ours = m && !strcmp(m, c->module);
	decode_event(c, ev);
	if (c->nev == MAX_EVENTS) {
		free(c->ev[0]);
		memmove(&c->ev[0], &c->ev[1],
			sizeof(c->ev[0]) * (MAX_EVENTS - 1));
		c->nev--;
	}
	c->ev[c->nev++] = ev;
	if (c->o.on_event)
		c->o.on_event(ev, c->o.arg);
}

static bool event_at(const struct crash *c, int64_t usec)
{
	if (usec < 0)
		return false;
	for (size_t i = 0; i < c->nev; i++)
		if (c->ev[i]->usec == usec)
			return true;
	return c->kb.open && c->kb.usec == usec;
}

/* Writes a console block's lines into the model, then makes its event. */
static void promote(struct crash *c, struct pending *p)
{
	const char *s = p->b.text, *end = p->b.text + p->b.len;
	bool first = true;

	if (!p->used)
		return;
	p->used = false;
	loop_cancel_timer(c->o.loop, p->timer);
	p->timer = 0;
	if (event_at(c, p->b.usec))
		return;
	while (s && s < end) {
		int64_t usec;
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s), mlen;
		size_t off = trace_strip_prefix(s, n, &usec, &mlen);
		uint64_t pos = kmsg_add_line(c->o.kmsg, KMSG_F_CONSOLE, usec,
					     first ? 0 : 4, s + off, mlen);

		if (first)
			p->b.pos = pos;
		first = false;
		s += n + 1;
	}
	emit(c, &p->b, CRASH_CONSOLE);
}

/* Console blocks waiting, oldest first: an event each, in order. */
static void promote_all(struct crash *c)
{
	struct pending *order[MAX_PENDING];
	size_t n = 0;

	for (size_t i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].used)
			order[n++] = &c->pend[i];
	for (size_t i = 1; i < n; i++)
		for (size_t k = i;
		     k > 0 && order[k]->b.usec < order[k - 1]->b.usec; k--) {
			struct pending *t = order[k];

			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		promote(c, order[i]);
}

static void twin_expired(struct loop *loop, void *arg)
{
	struct pending *p = arg;

	p->timer = 0;
	/* the ones before it in time go first: events keep their order */
	for (size_t i = 0; i < MAX_PENDING; i++) {
		struct pending *o = &p->c->pend[i];

		if (o != p && o->used && o->b.usec <= p->b.usec)
			promote(p->c, o);
	}
	promote(p->c, p);
}

static void close_block(struct crash *c, struct block *b)
{
	bool console = b == &c->cb;
	struct pending *p = NULL;

	if (b->quiet_timer)
		loop_cancel_timer(c->o.loop, b->quiet_timer);
	b->quiet_timer = 0;
	if (!b->open)
		return;
	b->open = false;
	if (!console) {
		/*
		 * The stream brought it: a console twin is the same crash.
		 * The stream's copy has the levels and sequence numbers; a
		 * stream cut by a panic may bring less of it, and then the
		 * console's whole copy is the one kept.
		 */
		for (size_t i = 0; i < MAX_PENDING; i++) {
			struct pending *t = &c->pend[i];

			if (!t->used || t->b.usec != b->usec)
				continue;
			if (t->b.t.nframes > b->t.nframes) {
				promote(c, t);
				return;
			}
			loop_cancel_timer(c->o.loop, t->timer);
			t->used = false;
		}
		/* the console's copy became the event before the stream ran */
		if (event_at(c, b->usec))
			return;
		emit(c, b, CRASH_KMSG);
		return;
	}
	/* the saved log of an earlier boot (or of before we looked) */
	if (b->backlog || event_at(c, b->usec))
		return;
	for (size_t i = 0; i < MAX_PENDING && !p; i++)
		if (!c->pend[i].used)
			p = &c->pend[i];
	if (!p) {
		/* a storm of them: the oldest waits no longer */
		promote_all(c);
		p = &c->pend[0];
	}
	free(p->b.text);
	p->c = c;
	p->used = true;
	p->b = *b;
	b->text = NULL;
	b->cap = b->len = 0;
	if (!c->stream_live) {
		promote(c, p);
		return;
	}
	/* a dead kernel sends nothing more by the stream: wait less */
	p->timer = loop_add_timer(c->o.loop,
				  p->b.t.kind == TRACE_PANIC ?
					  CONSOLE_TWIN_PANIC_MS :
					  CONSOLE_TWIN_MS,
				  twin_expired, p);
}

static void quiet_kmsg(struct loop *loop, void *arg)
{
	struct crash *c = arg;

	c->kb.quiet_timer = 0;
	close_block(c, &c->kb);
}

static void quiet_console(struct loop *loop, void *arg)
{
	struct crash *c = arg;

	c->cb.quiet_timer = 0;
	close_block(c, &c->cb);
}

static void keep_text(struct block *b, int64_t usec, const char *t, size_t n)
{
	char head[32];
	int hl = snprintf(head, sizeof(head), "[%5" PRId64 ".%06" PRId64 "] ",
			  usec / 1000000, usec % 1000000);
	size_t need = b->len + (size_t)hl + n + 1;

	if (need > b->cap) {
		size_t cap = need * 2;
		char *p = realloc(b->text, cap);

		if (!p)
			return;
		b->text = p;
		b->cap = cap;
	}
	memcpy(b->text + b->len, head, (size_t)hl);
	memcpy(b->text + b->len + hl, t, n);
	b->len += (size_t)hl + n;
	b->text[b->len++] = '\n';
}

/* One line of a source's kernel messages (the message alone). */
static void source_line(struct crash *c, struct block *b, const char *t,
			size_t n, int64_t usec, uint64_t pos, bool backlog)
{
	bool cut = false;
	enum trace_kind kind = trace_line_kind(t, n, &cut);
	bool console = b == &c->cb;

	/*
	 * Another start line inside a report that has shown no frame yet is
	 * its header (arm64: "Unable to handle ..." then "Internal error:
	 * Oops: ..."); after frames, the next report begins.
	 */
	if (b->open && (kind != TRACE_NONE || cut) && (b->t.nframes > 0 || cut))
		close_block(c, b);
	if (!b->open) {
		if (kind == TRACE_NONE && !cut)
			return;
		trace_init(&b->t);
		b->open = true;
		b->usec = usec;
		b->pos = pos;
		b->backlog = backlog;
		b->len = 0;
	}
	trace_add_line(&b->t, t, n);
	if (console)
		keep_text(b, usec, t, n);
	if (trace_line_ends(t, n) || b->t.nlines >= BLOCK_MAX_LINES) {
		close_block(c, b);
		return;
	}
	if (b->quiet_timer)
		loop_cancel_timer(c->o.loop, b->quiet_timer);
	b->quiet_timer = loop_add_timer(c->o.loop, BLOCK_QUIET_MS,
					console ? quiet_console : quiet_kmsg,
					c);
}

void crash_kmsg_record(struct crash *c, const struct kmsg_record *rec)
{
	bool backlog;

	if (rec->flags & (KMSG_F_DECODED | KMSG_F_CONSOLE))
		return; /* ours */
	if (rec->flags & KMSG_F_MARKER) {
		/* a gap or a reboot: what came before is not one block */
		close_block(c, &c->kb);
		return;
	}
	backlog = c->live_since >= 0 && rec->usec >= 0 &&
		  rec->usec < c->live_since;
	source_line(c, &c->kb, rec->text, rec->len, rec->usec, rec->pos,
		    backlog);
}

void crash_set_live_since(struct crash *c, int64_t usec)
{
	c->live_since = usec;
}

void crash_reboot(struct crash *c)
{
	close_block(c, &c->kb);
	c->live_since = -1;
	c->loaded_id[0] = '\0';
}

/* Console bytes, without escape sequences, into lines. */
static void console_line(struct crash *c, bool backlog)
{
	int64_t usec;
	size_t mlen, off;

	while (c->clen && c->cline[c->clen - 1] == '\r')
		c->clen--;
	off = trace_strip_prefix(c->cline, c->clen, &usec, &mlen);
	/* only kernel lines: a shell prompt between them changes nothing */
	if (usec >= 0)
		source_line(c, &c->cb, c->cline + off, mlen, usec, 0, backlog);
	c->clen = 0;
}

void crash_console_feed(struct crash *c, const char *buf, size_t n,
			bool backlog)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		/* ESC [ ... final, ESC ] ... BEL/ST, ESC x: dropped */
		if (c->cesc == 1) {
			c->cesc = ch == '[' ? 2 : ch == ']' ? 3 : 0;
			continue;
		}
		if (c->cesc == 2) {
			if (ch >= 0x40 && ch <= 0x7e)
				c->cesc = 0;
			continue;
		}
		if (c->cesc == 3) {
			if (ch == 7 || ch == '\\')
				c->cesc = 0;
			continue;
		}
		if (ch == 0x1b) {
			c->cesc = 1;
			continue;
		}
		if (ch == '\n') {
			console_line(c, backlog);
			continue;
		}
		if (c->clen < sizeof(c->cline))
			c->cline[c->clen++] = (char)ch;
	}
}

void crash_stream_lost(struct crash *c)
{
	/* what the console still assembles belongs to the same crash */
	if (c->cb.open && c->cb.t.ended)
		close_block(c, &c->cb);
	close_block(c, &c->kb);
	promote_all(c);
}

void crash_set_stream(struct crash *c, bool live)
{
	c->stream_live = live;
	if (!live)
		crash_stream_lost(c);
}

void crash_stream_quiet(struct crash *c)
{
	close_block(c, &c->kb);
}

bool crash_pending(const struct crash *c)
{
	for (size_t i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].used)
			return true;
	return c->cb.open;
}

void crash_set_loaded_id(struct crash *c, const char *id)
{
	const char *ids[1] = { id };

	snprintf(c->loaded_id, sizeof(c->loaded_id), "%s", id ? id : "");
	if (c->store && c->loaded_id[0])
		kostore_pin(c->store, ids, 1);
}

const char *crash_loaded_id(const struct crash *c)
{
	return c->loaded_id;
}

int crash_keep_ko(struct crash *c, const char *ko, char id[KO_ID_MAX + 1],
		  char *err, size_t errlen)
{
	int r;

	if (!c->store) {
		snprintf(err, errlen, "no store for deployed modules: %s",
			 c->store_err);
		return -ENOENT;
	}
	r = kostore_keep(c->store, ko, id, err, errlen);
	if (r == 0)
		snprintf(c->deployed_id, sizeof(c->deployed_id), "%s", id);
	return r;
}

uint64_t crash_mark(const struct crash *c)
{
	return c->next_id;
}

static int rank(enum trace_kind k)
{
	switch (k) {
	case TRACE_PANIC:
		return 4;
	case TRACE_OOPS:
	case TRACE_BUG:
		return 3;
	case TRACE_SOFTLOCKUP:
	case TRACE_HUNG_TASK:
		return 2;
	case TRACE_WARNING:
		return 1;
	default:
		return 0;
	}
}

const struct crash_event *crash_since(const struct crash *c, uint64_t mark,
				      unsigned *warnings)
{
	const struct crash_event *best = NULL;
	unsigned w = 0;

	for (size_t i = 0; i < c->nev; i++) {
		const struct crash_event *e = c->ev[i];
		int r = rank(e->trace.kind),
		    br = best ? rank(best->trace.kind) : 0;

		if (e->id <= mark || e->backlog)
			continue;
		if (e->trace.kind == TRACE_WARNING)
			w++;
		if (!best || r > br || (r == br && e->ours && !best->ours))
			best = e;
	}
	if (warnings)
		*warnings = w;
	return best;
}

const struct crash_event *crash_last(const struct crash *c)
{
	for (size_t i = c->nev; i-- > 0;)
		if (c->ev[i]->trace.kind != TRACE_WARNING)
			return c->ev[i];
	return NULL;
}

int crash_describe(const struct crash_event *ev, const char *module, char *buf,
		   size_t cap)
{
	static const char *const what[] = {
		[TRACE_NONE] = "kernel trace",
		[TRACE_OOPS] = "kernel oops",
		[TRACE_BUG] = "kernel BUG",
		[TRACE_WARNING] = "kernel warning",
		[TRACE_PANIC] = "kernel panic",
		[TRACE_SOFTLOCKUP] = "soft lockup",
		[TRACE_HUNG_TASK] = "hung task",
	};
	const char *m = trace_module(&ev->trace);
	int n;

	n = snprintf(buf, cap, "%s", what[ev->trace.kind]);
	if (m && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " in %s", m);
	if (ev->where[0] && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " at %s", ev->where);
	if (!ev->ours && module && module[0] && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " (not in %s)", module);
	if (ev->trace.panic_msg[0] && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, ": %s",
			      ev->trace.panic_msg);
	return n;
}
