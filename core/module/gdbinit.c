// SPDX-License-Identifier: GPL-2.0
/* The text of kmdash's gdb scripts (core/module/gdbinit.h). */
#include "core/module/gdbinit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * add-symbol-file lists every section address it was given: quiet, and
 * no "(y or n)"; errors still show. with restores each setting after.
 */
#define QUIETLY                                                       \
	"with logging file /dev/null -- with logging redirect on -- " \
	"with logging enabled on -- with confirm off -- "

bool gdbinit_path_ok(const char *path)
{
	if (!path || path[0] != '/')
		return false;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'\\`$#", *p))
			return false;
	return true;
}

/* A growing text. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0,
		      fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if (!t->s || t->len + (size_t)n >= t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		char *s;

		while (cap <= t->len + (size_t)n)
			cap *= 2;
		s = realloc(t->s, cap);
		if (!s) {
			t->oom = true;
			return;
		}
		t->s = s;
		t->cap = cap;
		va_start(ap, fmt);
		vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
	}
	t->len += (size_t)n;
}

static char *done(struct text *t)
{
	if (t->oom) {
		free(t->s);
		return NULL;
	}
	return t->s;
}

char *gdbinit_text(const struct gdbinit *g)
{
	struct text t = { 0 };

	add(&t,
	    "# kmdash: gdb on the kernel of target '%s' and its module %s.\n"
	    "# Written by kmdash for g and kmdash gdb, again each time: edit "
	    "your\n"
	    "# ~/.gdbinit instead (gdb read it before this file).\n"
	    "set architecture aarch64\n"
	    "# the sources, not the build directory's links to them\n"
	    "set filename-display absolute\n",
	    g->target, g->module);
	if (g->build_dir && g->source_dir)
		add(&t, "set substitute-path %s %s\n", g->build_dir,
		    g->source_dir);
	add(&t, "set $kmdash_module_text = 0\n");
	if (g->kernel_syms)
		add(&t,
		    "# the kernel's functions, from its /proc/kallsyms, for bt\n" QUIETLY
		    "add-symbol-file %s\n",
		    g->kernel_syms);
	add(&t,
	    "source %s\n"
	    "define " GDBINIT_RELOAD "\n"
	    "source %s\n"
	    "end\n"
	    "document " GDBINIT_RELOAD "\n"
	    "Load %s's symbols again, at the addresses of its last load.\n"
	    "kmdash writes them when it loads the module while gdb is "
	    "attached\n"
	    "(r in the dashboard, kmdash run reload). Breakpoints set by "
	    "function\n"
	    "name move with them.\n"
	    "end\n"
	    "target remote %s\n",
	    g->module_script, g->module_script, g->module, g->socket);
	return done(&t);
}

static const struct gdb_section *find(const struct gdb_section *secs, size_t n,
				      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(secs[i].name, name))
			return &secs[i];
	return NULL;
}

char *gdbinit_module_text(const char *module, const char *ko, const char *id,
			  const struct gdb_section *secs, size_t n,
			  const char *why)
{
	const struct gdb_section *text = find(secs, n, ".text");
	struct text t = { 0 };

	add(&t,
	    "# kmdash: %s's symbols at its live addresses (" GDBINIT_RELOAD
	    " reads this)\n"
	    "if $kmdash_module_text != 0\n"
	    "  " QUIETLY "remove-symbol-file -a $kmdash_module_text\n"
	    "  set $kmdash_module_text = 0\n"
	    "end\n",
	    module);
	if (!ko) {
		add(&t, "echo kmdash: no symbols of %s: %s\\n\n", module,
		    why ? why : "it is not loaded");
		return done(&t);
	}
	if (!text) {
		free(t.s);
		return NULL;
	}
	add(&t, "# build id %s\n", id ? id : "unknown");
	add(&t, QUIETLY "add-symbol-file %s 0x%" PRIx64, ko, text->addr);
	for (size_t i = 0; i < n; i++)
		if (&secs[i] != text)
			add(&t, " -s %s 0x%" PRIx64, secs[i].name,
			    secs[i].addr);
	add(&t,
	    "\nset $kmdash_module_text = 0x%" PRIx64 "\n"
	    "echo kmdash: %s's symbols loaded: .text at 0x%" PRIx64
	    ", %zu sections\\n\n",
	    text->addr, module, text->addr, n);
	return done(&t);
}

int gdbinit_parse_section(const char *line, struct gdb_section *out)
{
	const char *name = strstr(line, "/sections/"), *colon;
	char *end;
	size_t len;

	if (!name)
		return -EINVAL;
	name += strlen("/sections/");
	colon = strchr(name, ':');
	if (!colon)
		return -EINVAL;
	len = (size_t)(colon - name);
	if (!len || len >= sizeof(out->name))
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == '/')
			return -EINVAL;
	memcpy(out->name, name, len);
	out->name[len] = '\0';
	errno = 0;
	out->addr = strtoull(colon + 1, &end, 16);
	if (errno || end == colon + 1 || !out->addr ||
	    (*end && *end != '\n' && *end != '\r'))
		return -EINVAL;
	return 0;
}
