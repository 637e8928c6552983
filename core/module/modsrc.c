// SPDX-License-Identifier: GPL-2.0
/*
 * Module source directories. Only the lines that list modules are read
 * (no make is run): kbuild's own syntax for them is small, and a name
 * built from variables is reported as such rather than guessed.
 */
#include "core/module/modsrc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The longest logical line kept (continuations joined). */
#define LINE_MAX_LEN 4096

static bool is_file(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

bool modsrc_is_kernel_root(const char *dir)
{
	return is_file(dir, "Makefile") &&
	       is_file(dir, "scripts/Makefile.build");
}

/*
 * "obj-m", "obj-$(CONFIG_FOO)" or "obj-${CONFIG_FOO}" at s: the length of
 * the variable's name, 0 if s is none of them.
 */
static size_t module_var(const char *s)
{
	const char *p;
	char close;

	if (strncmp(s, "obj-", 4))
		return 0;
	p = s + 4;
	if (*p == 'm')
		return (size_t)(p + 1 - s);
	if (p[0] != '$' || (p[1] != '(' && p[1] != '{'))
		return 0;
	close = p[1] == '(' ? ')' : '}';
	if (strncmp(p + 2, "CONFIG_", 7))
		return 0;
	for (p += 9; isalnum((unsigned char)*p) || *p == '_'; p++)
		;
	return *p == close ? (size_t)(p + 1 - s) : 0;
}

bool modsrc_name_ok(const char *s, size_t len)
{
	if (!len || len > MODSRC_NAME_LEN || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		/* ASCII whatever the locale: it is the kernel's alphabet */
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static void add_name(struct modsrc *m, const char *w, size_t len)
{
	if (len < 3 || strncmp(w + len - 2, ".o", 2))
		return; /* a subdirectory ("sub/") or not an object */
	len -= 2;
	/* $(VAR), a path, or bytes no name has: said, never guessed */
	if (!modsrc_name_ok(w, len)) {
		m->unnamed = true;
		return;
	}
	if (m->n == MODSRC_MAX_NAMES)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->names[i]) == len && !strncmp(m->names[i], w, len))
			return;
	memcpy(m->names[m->n], w, len);
	m->names[m->n++][len] = '\0';
}

/* One logical line: true when it lists modules (names go into m). */
static bool take_line(struct modsrc *m, char *line)
{
	char *s = line, *hash = strchr(line, '#');
	size_t v;

	if (hash)
		*hash = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	v = module_var(s);
	if (!v)
		return false;
	s += v;
	while (*s == ' ' || *s == '\t')
		s++;
	/* =, :=, ::=, +=, ?= */
	if (*s == '+' || *s == '?')
		s++;
	while (*s == ':')
		s++;
	if (*s != '=')
		return false;
	s++;
	for (;;) {
		size_t len;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		len = strcspn(s, " \t\r\n");
		add_name(m, s, len);
		s += len;
	}
	return true;
}

/* The lines of path; true when one lists modules. -errno when unreadable. */
static int read_file(const char *path, struct modsrc *m)
{
	char buf[LINE_MAX_LEN], part[LINE_MAX_LEN];
	size_t used = 0;
	bool listed = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(part, sizeof(part), f)) {
		size_t len = strcspn(part, "\n");
		bool cont;

		part[len] = '\0';
		cont = len && part[len - 1] == '\\';
		if (cont)
			part[--len] = ' ';
		if (used + len + 1 < sizeof(buf)) {
			memcpy(buf + used, part, len + 1);
			used += len;
		}
		if (cont)
			continue;
		listed |= take_line(m, buf);
		used = 0;
		buf[0] = '\0';
	}
	if (used)
		listed |= take_line(m, buf);
	fclose(f);
	return listed;
}

int modsrc_read(const char *dir, struct modsrc *m, char *err, size_t errlen)
{
	char real[PATH_MAX];
	struct stat st;
	int r;

	memset(m, 0, sizeof(*m));
	if (!realpath(dir, real) || stat(real, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "module directory %s: %s", dir,
			 strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "module directory %s is not a directory",
			 dir);
		return -ENOTDIR;
	}
	snprintf(m->dir, sizeof(m->dir), "%s", real);
	/* kbuild reads Kbuild in preference to Makefile */
	if (is_file(real, "Kbuild")) {
		snprintf(m->file, sizeof(m->file), "%s/Kbuild", real);
		r = read_file(m->file, m);
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", m->file,
				 strerror(-r));
			return r;
		}
		return 0;
	}
	if (is_file(real, "Makefile")) {
		snprintf(m->file, sizeof(m->file), "%s/Makefile", real);
		r = read_file(m->file, m);
		if (r > 0)
			return 0;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", m->file,
				 strerror(-r));
			return r;
		}
	}
	m->file[0] = '\0';
	snprintf(err, errlen,
		 "no kernel module in %s: it has no " MODSRC_LOOKED_FOR, real);
	return -ENOENT;
}

int modsrc_find(const char *start, const char *stop, struct modsrc *m,
		char *err, size_t errlen)
{
	char p[PATH_MAX], home[PATH_MAX], why[PATH_MAX + 64];
	bool have_home = stop && realpath(stop, home);

	if (!realpath(start, p)) {
		int e = errno;

		snprintf(err, errlen, "cannot look for a module from %s: %s",
			 start, strerror(e));
		return -e;
	}
	for (;;) {
		char *slash;

		if (modsrc_is_kernel_root(p)) {
			snprintf(why, sizeof(why),
				 "up to the kernel tree at %s", p);
			break;
		}
		if (modsrc_read(p, m, err, errlen) == 0)
			return 0;
		if (have_home && !strcmp(p, home)) {
			snprintf(why, sizeof(why), "up to %s", p);
			break;
		}
		slash = strrchr(p, '/');
		if (!slash || !strcmp(p, "/")) {
			snprintf(why, sizeof(why), "up to /");
			break;
		}
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	memset(m, 0, sizeof(*m));
	if (!realpath(start, p))
		snprintf(p, sizeof(p), "%s", start);
	snprintf(
		err, errlen,
		"no kernel module in %s or its parents (%s): looked for " MODSRC_LOOKED_FOR,
		p, why);
	return -ENOENT;
}

void modsrc_names_text(const struct modsrc *m, char *buf, size_t cap)
{
	size_t o = 0;

	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < m->n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "",
				      m->names[i]);
}

int modsrc_name_index(const struct modsrc *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name))
			return (int)i;
	return -1;
}
