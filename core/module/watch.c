// SPDX-License-Identifier: GPL-2.0
/*
 * inotify on a module's source tree. One watch per directory; a directory
 * made later is watched from its creation on (and counts as a change: a
 * checkout may bring sources in it). Events come in bursts; one timer
 * ends a burst, re-armed by each event.
 */
#include "core/module/watch.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/module/mirror.h"

/* Deeper than this only through a symlink loop. */
#define WATCH_MAX_DEPTH 16
#define WATCH_MAX_OPEN 16

#define DIR_EVENTS                                                        \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
	 IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |    \
	 IN_ONLYDIR)

struct wdir {
	int wd;
	char *rel; /* "" for the top, "sub/dir" below it */
};

/* A source written to and not closed yet: the save is not over. */
struct open_file {
	char rel[PATH_MAX];
	int64_t since_ms;
};

struct watch {
	struct loop *loop;
	struct watch_opts o;
	char dir[PATH_MAX];
	int fd;
	struct wdir *dirs;
	size_t ndirs, capdirs;
	struct open_file open[WATCH_MAX_OPEN];
	size_t nopen;
	bool in_burst;
	struct watch_burst burst;
	uint64_t timer;
};

bool watch_is_source(const char *name)
{
	static const char *const names[] = { "Kbuild", "Makefile", "Kconfig" };
	static const char *const suffixes[] = { ".c", ".h", ".S" };
	size_t n = strlen(name);

	/* hidden files (.file.swp, .#file), *.mod.c and the like */
	if (mirror_is_output(name))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t m = strlen(suffixes[i]);

		if (n > m && !strcmp(name + n - m, suffixes[i]))
			return true;
	}
	return false;
}

static struct wdir *dir_of(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

static void forget_dir(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		if (w->dirs[i].wd != wd)
			continue;
		free(w->dirs[i].rel);
		w->dirs[i] = w->dirs[--w->ndirs];
		return;
	}
}

static int join(char *dst, size_t cap, const char *a, const char *b)
{
	int n = snprintf(dst, cap, "%s%s%s", a, a[0] && b[0] ? "/" : "", b);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Watches dir/rel and the directories below it. */
static int add_tree(struct watch *w, const char *rel, int depth, char *err,
		    size_t errlen)
{
	char path[PATH_MAX];
	struct wdir *d;
	DIR *dp;
	struct dirent *e;
	int wd;

	if (depth > WATCH_MAX_DEPTH || join(path, sizeof(path), w->dir, rel))
		return 0;
	wd = inotify_add_watch(w->fd, path, DIR_EVENTS);
	if (wd < 0) {
		int r = -errno;

		snprintf(err, errlen, "cannot watch %s: %s%s", path,
			 strerror(errno),
			 errno == ENOSPC ?
				 " (raise fs.inotify.max_user_watches)" :
				 "");
		return r;
	}
	d = dir_of(w, wd);
	if (!d) {
		if (w->ndirs == w->capdirs) {
			size_t cap = w->capdirs ? w->capdirs * 2 : 8;
			struct wdir *p = realloc(w->dirs, cap * sizeof(*p));

			if (!p)
				goto nomem;
			w->dirs = p;
			w->capdirs = cap;
		}
		d = &w->dirs[w->ndirs];
		d->rel = strdup(rel);
		if (!d->rel)
			goto nomem;
		d->wd = wd;
		w->ndirs++;
	}
	dp = opendir(path);
	while (dp && (e = readdir(dp))) {
		char sub[PATH_MAX], full[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' ||
		    join(sub, sizeof(sub), rel, e->d_name) ||
		    join(full, sizeof(full), w->dir, sub) ||
		    stat(full, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (add_tree(w, sub, depth + 1, err, errlen) < 0) {
			closedir(dp);
			return -1;
		}
	}
	if (dp)
		closedir(dp);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory watching %s", path);
	return -ENOMEM;
}

static void open_drop(struct watch *w, const char *rel)
{
	for (size_t i = 0; i < w->nopen; i++)
		if (!strcmp(w->open[i].rel, rel)) {
			w->open[i] = w->open[--w->nopen];
			return;
		}
}

static void open_note(struct watch *w, const char *rel)
{
	for (size_t i = 0; i < w->nopen; i++)
		if (!strcmp(w->open[i].rel, rel))
			return;
	if (w->nopen == WATCH_MAX_OPEN)
		return;
	snprintf(w->open[w->nopen].rel, sizeof(w->open[0].rel), "%s", rel);
	w->open[w->nopen++].since_ms = loop_now_ms();
}

/* Milliseconds until the oldest file still open stops holding the burst. */
static int64_t open_hold_ms(struct watch *w)
{
	int64_t now = loop_now_ms(), hold = 0;

	for (size_t i = 0; i < w->nopen;) {
		int64_t left = w->open[i].since_ms + WATCH_OPEN_MAX_MS - now;

		if (left <= 0) {
			w->open[i] = w->open[--w->nopen];
			continue;
		}
		if (left > hold)
			hold = left;
		i++;
	}
	return hold;
}

static void settled(struct loop *loop, void *arg)
{
	struct watch *w = arg;
	int64_t hold = open_hold_ms(w);
	struct watch_burst b;

	w->timer = 0;
	/* an editor still writing: its close re-arms the timer */
	if (hold > 0) {
		w->timer = loop_add_timer(loop, hold, settled, w);
		return;
	}
	b = w->burst;
	memset(&w->burst, 0, sizeof(w->burst));
	w->in_burst = false;
	if (w->o.on_settled)
		w->o.on_settled(w->o.arg, &b);
}

static void changed(struct watch *w, const char *rel)
{
	struct watch_burst *b = &w->burst;
	bool named = false;

	if (!w->in_burst) {
		w->in_burst = true;
		if (w->o.on_begin)
			w->o.on_begin(w->o.arg);
	}
	for (size_t i = 0; rel && i < b->nfiles; i++)
		named |= !strcmp(b->files[i], rel);
	if (rel && !named) {
		b->count++;
		if (b->nfiles < WATCH_MAX_FILES)
			snprintf(b->files[b->nfiles++], sizeof(b->files[0]),
				 "%s", rel);
	}
	loop_cancel_timer(w->loop, w->timer);
	w->timer = loop_add_timer(w->loop, w->o.settle_ms, settled, w);
}

static void on_event(struct watch *w, const struct inotify_event *ev)
{
	struct wdir *d;
	char rel[PATH_MAX];

	if (ev->mask & IN_Q_OVERFLOW) {
		w->burst.overflow = true;
		changed(w, NULL);
		return;
	}
	if (ev->mask & IN_IGNORED) {
		forget_dir(w, ev->wd);
		return;
	}
	d = dir_of(w, ev->wd);
	if (!d || !ev->len || ev->name[0] == '.' ||
	    join(rel, sizeof(rel), d->rel, ev->name))
		return;
	if (ev->mask & IN_ISDIR) {
		char err[PATH_MAX + 64];

		if (!(ev->mask &
		      (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)))
			return;
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			add_tree(w, rel, 1, err, sizeof(err));
		changed(w, rel);
		return;
	}
	if (!watch_is_source(ev->name))
		return;
	if (ev->mask & (IN_MODIFY | IN_CREATE))
		open_note(w, rel);
	if (ev->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM))
		open_drop(w, rel);
	changed(w, rel);
}

static void on_readable(struct loop *loop, int fd, short revents, void *arg)
{
	struct watch *w = arg;
	char buf[16384]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			on_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}

struct watch *watch_new(struct loop *loop, const struct watch_opts *o,
			char *err, size_t errlen)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (errlen)
		err[0] = '\0';
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->loop = loop;
	w->o = *o;
	if (!w->o.settle_ms)
		w->o.settle_ms = WATCH_SETTLE_MS;
	w->fd = -1;
	if (!o->dir || !realpath(o->dir, w->dir)) {
		snprintf(err, errlen, "cannot watch %s: %s",
			 o->dir ? o->dir : "(no module directory)",
			 o->dir ? strerror(errno) : "name one");
		free(w);
		return NULL;
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		snprintf(err, errlen, "cannot watch %s: inotify: %s%s", w->dir,
			 strerror(errno),
			 errno == EMFILE ?
				 " (raise fs.inotify.max_user_instances)" :
				 "");
		free(w);
		return NULL;
	}
	if (add_tree(w, "", 0, err, errlen) < 0 ||
	    loop_add_fd(loop, w->fd, POLLIN, on_readable, w) < 0) {
		if (!err[0])
			snprintf(err, errlen, "cannot watch %s", w->dir);
		watch_free(w);
		return NULL;
	}
	return w;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	loop_cancel_timer(w->loop, w->timer);
	if (w->fd >= 0) {
		loop_del_fd(w->loop, w->fd);
		close(w->fd);
	}
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].rel);
	free(w->dirs);
	free(w);
}

const char *watch_dir(const struct watch *w)
{
	return w->dir;
}
