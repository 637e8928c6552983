// SPDX-License-Identifier: GPL-2.0
/*
 * `kmdash decode`: the whole input is read first (a "Code:" line after
 * the frames tells the pc's instruction, and the file that decodes a
 * module is the one that fits all of its frames), split into blocks as
 * the kernel log model does (trace_line_kind()), then written back with
 * the decode under each frame.
 */
#include "core/module/decode_text.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/strutil.h"
#include "core/module/kmsg.h"
#include "core/module/trace.h"

/* A block of the input, or the lines between blocks. */
struct seg {
	struct trace t;
	bool cut; /* opened by "cut here": its kind comes next */
};

struct tline {
	char *text;
	size_t len;
	size_t seg;
	size_t frame;
	bool has_frame;
};

/* The file chosen for a module's frames, or why there is none. */
struct modsel {
	char name[TRACE_MOD_MAX];
	struct decoder *d;
	bool fits_all;
	char why[512];
};

struct dt {
	const struct decode_text_opts *o;
	FILE *out;
	struct tline *lines;
	size_t nlines, cap_lines;
	struct seg *segs;
	size_t nsegs, cap_segs;
	struct modsel *mods;
	size_t nmods;
	struct decoder *vmlinux;
	char vmlinux_why[512];
	size_t kernel_frames;
	struct decode_text_stats st;
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	void *np;

	if (n < *cap)
		return p;
	np = realloc(p, (*cap ? *cap * 2 : 64) * size);
	if (np)
		*cap = *cap ? *cap * 2 : 64;
	return np;
}

/* --- reading ----------------------------------------------------------------- */

static struct seg *new_seg(struct dt *x, bool cut)
{
	struct seg *ns = grow(x->segs, &x->cap_segs, x->nsegs, sizeof(*ns));

	if (!ns)
		return NULL;
	x->segs = ns;
	trace_init(&ns[x->nsegs].t);
	ns[x->nsegs].cut = cut;
	return &ns[x->nsegs++];
}

/*
 * Whether msg opens a new block: a block start outside a block, after one
 * ended, or after a soft-lockup or hung-task report (those print no end).
 */
static bool opens_block(const struct seg *s, const char *msg, size_t n,
			bool *cut)
{
	enum trace_kind k = trace_line_kind(msg, n, cut);

	if (k == TRACE_NONE && !*cut)
		return false;
	if (!s || s->t.ended)
		return true;
	if (s->t.kind == TRACE_NONE)
		return !s->cut;
	return s->t.kind == TRACE_SOFTLOCKUP || s->t.kind == TRACE_HUNG_TASK;
}

/* The segment msg belongs to; NULL when out of memory. */
static struct seg *seg_for(struct dt *x, const char *msg, size_t n)
{
	struct seg *s = x->nsegs ? &x->segs[x->nsegs - 1] : NULL;
	bool cut;

	if (opens_block(s, msg, n, &cut))
		return new_seg(x, cut);
	if (!s || s->t.ended || s->t.nframes == TRACE_MAX_FRAMES)
		return new_seg(x, false);
	return s;
}

static int add_line(struct dt *x, char *text, size_t len)
{
	struct tline *l;
	struct seg *s;
	size_t msg_len, off = trace_strip_prefix(text, len, NULL, &msg_len);
	size_t before;

	l = grow(x->lines, &x->cap_lines, x->nlines, sizeof(*l));
	if (!l)
		return -ENOMEM;
	x->lines = l;
	s = seg_for(x, text + off, msg_len);
	if (!s)
		return -ENOMEM;
	l = &x->lines[x->nlines++];
	*l = (struct tline){ .text = text, .len = len };
	l->seg = (size_t)(s - x->segs);
	before = s->t.nframes;
	trace_add_line(&s->t, text + off, msg_len);
	if (s->t.nframes > before) {
		l->has_frame = true;
		l->frame = s->t.nframes - 1;
	}
	return 0;
}

static int read_all(struct dt *x, FILE *in, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&buf, &cap, in)) >= 0) {
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		/* a NUL in the line is a byte like another (not its end) */
		char *line = malloc((size_t)n + 1);

		if (line) {
			memcpy(line, buf, (size_t)n);
			line[n] = '\0';
		}
		if (!line || add_line(x, line, (size_t)n)) {
			free(line);
			free(buf);
			snprintf(err, errlen,
				 "out of memory reading the trace");
			return -ENOMEM;
		}
	}
	free(buf);
	if (ferror(in)) {
		snprintf(err, errlen, "cannot read the trace: %s",
			 strerror(errno));
		return -EIO;
	}
	return 0;
}

static const struct trace_frame *frame_of(const struct dt *x,
					  const struct tline *l)
{
	return l->has_frame ? &x->segs[l->seg].t.frames[l->frame] : NULL;
}

/* --- choosing the file for each module --------------------------------------- */

/* How many of the module's frames f fits, and how many it has. */
static size_t count_fits(struct dt *x, struct decoder *d, const char *mod,
			 size_t *total)
{
	size_t fit = 0;

	*total = 0;
	for (size_t i = 0; i < x->nlines; i++) {
		const struct trace_frame *f = frame_of(x, &x->lines[i]);

		if (!f || strcmp(f->module, mod))
			continue;
		(*total)++;
		fit += decoder_match(d, f) == 0;
	}
	return fit;
}

struct kept_file {
	char *path;
	time_t mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct kept_file *x = a, *y = b;

	return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

/* The copies in the store, newest first; NULL-terminated. */
static char **store_files(const char *dir)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct kept_file *k = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	char **out;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stat st;
		char *p;

		if (e->d_name[0] == '.' || len < 4 ||
		    strcmp(e->d_name + len - 3, ".ko") ||
		    !(p = str_printf("%s/%s", dir, e->d_name)))
			continue;
		struct kept_file *nk = grow(k, &cap, n, sizeof(*k));

		if (!nk || stat(p, &st)) {
			free(p);
			continue;
		}
		k = nk;
		k[n++] = (struct kept_file){ p, st.st_mtime };
	}
	if (d)
		closedir(d);
	if (n) /* qsort's array may not be NULL, even empty */
		qsort(k, n, sizeof(*k), newest_first);
	out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if (out)
			out[i] = k[i].path;
		else
			free(k[i].path);
	free(k);
	return out;
}

/* Tries one file for m: keeps it if it fits better than the last. */
static bool try_file(struct dt *x, struct modsel *m, const char *path,
		     size_t *best)
{
	char err[512];
	struct decoder *d =
		decoder_open(path, x->o->maps, x->o->nmaps, err, sizeof(err));
	size_t total, fit;

	if (!d) {
		if (!m->d)
			snprintf(m->why, sizeof(m->why), "%s", err);
		return false;
	}
	if (strcmp(decoder_module(d), m->name)) {
		if (!m->d)
			snprintf(m->why, sizeof(m->why),
				 "%s is module %s, not %s", path,
				 decoder_module(d), m->name);
		decoder_free(d);
		return false;
	}
	fit = count_fits(x, d, m->name, &total);
	if (m->d && fit <= *best) {
		decoder_free(d);
		return false;
	}
	decoder_free(m->d);
	m->d = d;
	*best = fit;
	m->fits_all = fit == total;
	return m->fits_all;
}

static void choose_file(struct dt *x, struct modsel *m)
{
	char **kept = x->o->ko_only ? NULL : store_files(x->o->store_dir);
	size_t best = 0;

	snprintf(m->why, sizeof(m->why), "no .ko for module %s", m->name);
	if (!(x->o->ko && try_file(x, m, x->o->ko, &best)))
		for (size_t i = 0; kept && kept[i]; i++)
			if (try_file(x, m, kept[i], &best))
				break;
	if (!m->d && !x->o->ko_only)
		snprintf(m->why + strlen(m->why),
			 sizeof(m->why) - strlen(m->why),
			 ": give its .ko with --ko FILE");
	for (size_t i = 0; kept && kept[i]; i++)
		free(kept[i]);
	free(kept);
}

static struct modsel *module_named(struct dt *x, const char *name)
{
	for (size_t i = 0; i < x->nmods; i++)
		if (!strcmp(x->mods[i].name, name))
			return &x->mods[i];
	return NULL;
}

static int choose_files(struct dt *x)
{
	x->mods = calloc(x->nlines + 1, sizeof(*x->mods));
	if (!x->mods)
		return -ENOMEM;
	for (size_t i = 0; i < x->nlines; i++) {
		const struct trace_frame *f = frame_of(x, &x->lines[i]);
		struct modsel *m;

		if (!f || !f->module[0] || module_named(x, f->module))
			continue;
		m = &x->mods[x->nmods++];
		snprintf(m->name, sizeof(m->name), "%s", f->module);
		choose_file(x, m);
	}
	if (x->o->vmlinux)
		x->vmlinux = decoder_open(x->o->vmlinux, x->o->maps,
					  x->o->nmaps, x->vmlinux_why,
					  sizeof(x->vmlinux_why));
	return 0;
}

/* --- writing -------------------------------------------------------------------- */

/* Text from the input or the debug info, safe for a terminal. */
static void put_safe(struct dt *x, const char *s, size_t n)
{
	char *safe = malloc(4 * n + 1);

	if (!safe)
		return;
	fwrite(safe, 1, kmsg_sanitize(s, n, false, safe), x->out);
	free(safe);
}

/* One line of kmdash's own, made safe (its parts come from files). */
static void say(struct dt *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct dt *x, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	put_safe(x, s, strlen(s));
	fputc('\n', x->out);
	free(s);
}

static void say_files(struct dt *x)
{
	for (size_t i = 0; i < x->nmods; i++) {
		struct modsel *m = &x->mods[i];
		const char *id = m->d ? decoder_build_id(m->d) : "";

		if (!m->d)
			say(x, "kmdash decode: %s: %s", m->name, m->why);
		else
			say(x,
			    "kmdash decode: %s: decoded with %s (build id %s)%s",
			    m->name, decoder_path(m->d), *id ? id : "none",
			    m->fits_all ?
				    "" :
				    "; some frames do not fit it: the trace comes from another build");
	}
}

static void put_decode(struct dt *x, struct decoder *d,
		       const struct trace_frame *f)
{
	struct decode_frame df;
	int rc = decoder_resolve(d, f, &df);
	char buf[4096];

	decode_format(&df, x->o->base, buf, sizeof(buf));
	say(x, "    -> %s%s", buf,
	    df.ambiguous ?
		    " (ambiguous: another function of that name fits too)" :
		    "");
	if (rc)
		x->st.failed += f->module[0] != '\0';
	else
		x->st.decoded++;
}

static void put_frame(struct dt *x, const struct trace_frame *f)
{
	struct modsel *m;

	x->st.frames++;
	if (!f->module[0]) {
		x->kernel_frames++;
		if (x->vmlinux)
			put_decode(x, x->vmlinux, f);
		return;
	}
	x->st.module_frames++;
	m = module_named(x, f->module);
	if (m && m->d) {
		put_decode(x, m->d, f);
		return;
	}
	x->st.failed++;
	say(x, "    -> not decoded: %s", m ? m->why : "?");
}

static void say_kernel(struct dt *x)
{
	const char *why = x->vmlinux_why;

	if (!x->kernel_frames || x->vmlinux)
		return;
	if (!x->o->vmlinux)
		why = "set kernel.vmlinux in the config to a debug vmlinux (Debian: linux-image-*-dbg) to decode them";
	say(x,
	    "kmdash decode: %zu frame%s in the kernel proper left as printed: %s",
	    x->kernel_frames, x->kernel_frames == 1 ? "" : "s", why);
}

static void write_all(struct dt *x)
{
	say_files(x);
	for (size_t i = 0; i < x->nlines; i++) {
		const struct trace_frame *f = frame_of(x, &x->lines[i]);

		put_safe(x, x->lines[i].text, x->lines[i].len);
		fputc('\n', x->out);
		if (f)
			put_frame(x, f);
	}
	say_kernel(x);
	if (!x->st.module_frames)
		say(x, "kmdash decode: no frame of a module in the input");
}

static void free_dt(struct dt *x)
{
	for (size_t i = 0; i < x->nlines; i++)
		free(x->lines[i].text);
	for (size_t i = 0; i < x->nmods; i++)
		decoder_free(x->mods[i].d);
	decoder_free(x->vmlinux);
	free(x->mods);
	free(x->lines);
	free(x->segs);
}

int decode_text(FILE *in, FILE *out, const struct decode_text_opts *o,
		struct decode_text_stats *st, char *err, size_t errlen)
{
	struct dt x = { .o = o, .out = out };
	int rc = read_all(&x, in, err, errlen);

	if (!rc && (rc = choose_files(&x)))
		snprintf(err, errlen, "out of memory");
	if (!rc) {
		write_all(&x);
		rc = x.st.failed ? 1 : 0;
	}
	if (st)
		*st = x.st;
	free_dt(&x);
	return rc;
}
