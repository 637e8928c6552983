// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostic parser. Plain string matching, no regex: the formats are few
 * and fixed, and a build log can be many thousand lines.
 */
#include "core/module/diag.h"

#include "core/base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ESC 0x1b

static void copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

size_t diag_ansi_len(const char *s, size_t len, bool *sgr)
{
	size_t i = 2;

	*sgr = false;
	if (len < 2)
		return len;
	if (s[1] == '[') {
		/* CSI: parameters, intermediates, one final byte. */
		bool params = true;

		for (; i < len && ((unsigned char)s[i] < 0x40 ||
				   (unsigned char)s[i] > 0x7e);
		     i++)
			params = params && ((s[i] >= '0' && s[i] <= '9') ||
					    s[i] == ';' || s[i] == ':');
		if (i >= len)
			return len;
		*sgr = params && s[i] == 'm';
		return i + 1;
	}
	if (s[1] == ']') {
		/* OSC (gcc's option URLs): up to BEL or ESC \. */
		while (i < len && s[i] != '\a' &&
		       !(s[i] == ESC && i + 1 < len && s[i + 1] == '\\'))
			i++;
		if (i >= len)
			return len;
		return i + (s[i] == '\a' ? 1 : 2);
	}
	return 2;
}

size_t diag_strip_ansi(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, n = 0;
	bool sgr;

	while (i < len) {
		if (in[i] == ESC) {
			i += diag_ansi_len(in + i, len - i, &sgr);
			continue;
		}
		if (n + 1 < cap)
			out[n++] = in[i];
		i++;
	}
	if (cap)
		out[n] = '\0';
	return n;
}

/* abs with the first map whose FROM prefixes it applied, in place. */
static void apply_maps(char *abs, size_t cap, const char *const *maps)
{
	char from[PATH_MAX], tail[PATH_MAX];

	for (size_t i = 0; maps && maps[i]; i++) {
		const char *eq = strchr(maps[i], '=');
		size_t n;

		if (!eq || (size_t)(eq - maps[i]) >= sizeof(from))
			continue;
		memcpy(from, maps[i], (size_t)(eq - maps[i]));
		from[eq - maps[i]] = '\0';
		n = str_path_prefix(abs, from);
		if (!n)
			continue;
		snprintf(tail, sizeof(tail), "%s", abs + n);
		snprintf(abs, cap, "%s%s", eq + 1, tail);
		return;
	}
}

void diag_map_path(const char *path, const char *base, const char *const *maps,
		   char *out, size_t cap)
{
	char abs[PATH_MAX], *real;
	struct stat st;

	if (!path[0]) {
		out[0] = '\0';
		return;
	}
	if (path[0] != '/' && base && base[0])
		snprintf(abs, sizeof(abs), "%s/%s", base, path);
	else
		snprintf(abs, sizeof(abs), "%s", path);
	apply_maps(abs, sizeof(abs), maps);
	/* Only the mirror's symlinks are mapped: other paths stay as is. */
	if (lstat(abs, &st) == 0 && S_ISLNK(st.st_mode)) {
		real = realpath(abs, NULL);
		if (real) {
			snprintf(out, cap, "%s", real);
			free(real);
			return;
		}
	}
	snprintf(out, cap, "%s", abs);
}

const char *diag_sev_name(enum diag_sev sev)
{
	switch (sev) {
	case DIAG_SEV_NOTE:
		return "note";
	case DIAG_SEV_WARNING:
		return "warning";
	case DIAG_SEV_ERROR:
		return "error";
	case DIAG_SEV_FATAL:
		return "fatal error";
	}
	return "?";
}

void diag_parser_init(struct diag_parser *p, const char *cwd)
{
	memset(p, 0, sizeof(*p));
	if (cwd)
		snprintf(p->cwd, sizeof(p->cwd), "%s", cwd);
}

void diag_parser_free(struct diag_parser *p)
{
	free(p->buf);
	p->buf = NULL;
	p->cap = 0;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* The directory relative paths are taken from. */
static const char *base_dir(const struct diag_parser *p)
{
	return p->ndirs ? p->dirs[p->ndirs - 1] : p->cwd;
}

/* "make", "make[2]", "/usr/bin/make", "gmake": make's own lines. */
static size_t make_prefix(const char *s)
{
	const char *c = strchr(s, ':');
	const char *name;
	size_t n;

	if (!c)
		return 0;
	for (name = c; name > s && name[-1] != '/'; name--)
		;
	n = (size_t)(c - name);
	if ((n == 4 && starts(name, "make")) ||
	    (n == 5 && starts(name, "gmake")) ||
	    (n > 5 && starts(name, "make[") && name[n - 1] == ']'))
		return (size_t)(c - s) + 1;
	return 0;
}

/* The directory in "Entering directory '/x'", in any quoting style. */
static bool quoted_dir(const char *s, char *out, size_t cap)
{
	const char *b = s, *e;
	size_t n;

	while (*b && *b != '\'' && *b != '`' && !starts(b, "\xe2\x80\x98"))
		b++;
	if (!*b)
		return false;
	b += *b == '\'' || *b == '`' ? 1 : 3; /* U+2018 is 3 bytes */
	n = strlen(b);
	e = b + n;
	if (ends(b, n, "\xe2\x80\x99"))
		e -= 3;
	else if (n && (e[-1] == '\'' || e[-1] == '`'))
		e--;
	copy(out, cap, b, (size_t)(e - b));
	return true;
}

static enum diag_kind make_line(struct diag_parser *p, const char *s,
				struct diag_line *out)
{
	char dir[DIAG_PATH_MAX];
	struct diag *d = &out->diag;

	while (*s == ' ')
		s++;
	if (starts(s, "Entering directory")) {
		if (quoted_dir(s, dir, sizeof(dir)) &&
		    p->ndirs < DIAG_DIR_DEPTH)
			snprintf(p->dirs[p->ndirs++], DIAG_PATH_MAX, "%s", dir);
		return DIAG_PLAIN;
	}
	if (starts(s, "Leaving directory")) {
		if (p->ndirs)
			p->ndirs--;
		return DIAG_PLAIN;
	}
	if (starts(s, "warning: ")) {
		/* "make: warning:  Clock skew detected." */
		s += strlen("warning: ");
		while (*s == ' ')
			s++;
		out->has_diag = true;
		d->sev = DIAG_SEV_WARNING;
		d->origin = DIAG_FROM_MAKE;
		copy(d->message, sizeof(d->message), s, strlen(s));
		return DIAG_WARNING;
	}
	if (!starts(s, "***"))
		return DIAG_PLAIN;
	s += 3;
	while (*s == ' ')
		s++;
	/* "*** [file:line: target] Error 2": the failure is said earlier. */
	if (*s == '[') {
		out->consequence = true;
		return DIAG_ERROR;
	}
	if (starts(s, "Deleting file"))
		return DIAG_NOTE;
	out->has_diag = true;
	d->sev = DIAG_SEV_ERROR;
	d->origin = DIAG_FROM_MAKE;
	copy(d->message, sizeof(d->message), s, strlen(s));
	return DIAG_ERROR;
}

/* kbuild's quiet output: two spaces, an upper-case tag, spaces, a path. */
static bool is_progress(const char *s)
{
	const char *t = s + 2;

	if (s[0] != ' ' || s[1] != ' ' || !isupper((unsigned char)*t))
		return false;
	while (isupper((unsigned char)*t) || isdigit((unsigned char)*t) ||
	       *t == '_' || *t == '-')
		t++;
	if (t - s < 4)
		return false;
	if (starts(t, " [M]") || starts(t, " [U]"))
		t += 4;
	if (*t != ' ')
		return false;
	while (*t == ' ')
		t++;
	return *t && *t != ':';
}

/* gcc's source excerpt: "   12 |   code" and "      |   ^~~". */
static bool is_excerpt(const char *s)
{
	while (*s == ' ')
		s++;
	while (isdigit((unsigned char)*s))
		s++;
	while (*s == ' ')
		s++;
	return *s == '|' || *s == '+';
}

/* Strips trailing ":" or "," and spaces in place, returns the length. */
static size_t trim_end(char *s, size_t n)
{
	while (n && (s[n - 1] == ':' || s[n - 1] == ',' || s[n - 1] == ' '))
		s[--n] = '\0';
	return n;
}

/*
 * Splits "path:line:col", "path:line" or "path" (n bytes at loc) into d.
 * Returns false when it does not look like a location at all.
 */
static bool parse_location(const char *loc, size_t n, struct diag *d)
{
	int nums[2] = { 0, 0 }, k = 0;
	size_t end = n;

	while (k < 2) {
		size_t i = end, digits;

		while (i > 0 && isdigit((unsigned char)loc[i - 1]))
			i--;
		digits = end - i;
		if (!digits || digits > 9 || i == 0 || loc[i - 1] != ':')
			break;
		nums[k++] = atoi(loc + i);
		end = i - 1;
	}
	if (!end || memchr(loc, ' ', end))
		return false;
	copy(d->file, sizeof(d->file), loc, end);
	d->line = k == 2 ? nums[1] : k == 1 ? nums[0] : 0;
	d->col = k == 2 ? nums[0] : 0;
	return true;
}

/* Moves a trailing " [-Wflag]" from the message into option. */
static void split_option(struct diag *d)
{
	size_t n = strlen(d->message);
	char *b;

	if (!n || d->message[n - 1] != ']')
		return;
	b = strrchr(d->message, '[');
	if (!b || b == d->message || b[-1] != ' ' || b[1] != '-')
		return;
	copy(d->option, sizeof(d->option), b + 1,
	     (size_t)(d->message + n - 1 - b - 1));
	b[-1] = '\0';
}

/* The basename of a tool prefix ("/usr/bin/ld" -> "ld"). */
static const char *tool_name(const char *tool)
{
	const char *slash = strrchr(tool, '/');

	return slash ? slash + 1 : tool;
}

/* ld, ld.bfd, ld.lld, aarch64-linux-gnu-ld, collect2 (gcc's ld wrapper). */
static bool is_linker(const char *tool)
{
	const char *name = tool_name(tool);
	const char *dash = strrchr(name, '-');

	if (dash)
		name = dash + 1;
	return !strcmp(name, "ld") || starts(name, "ld.") ||
	       !strcmp(name, "lld") || !strcmp(name, "collect2");
}

static const struct {
	const char *tag;
	enum diag_sev sev;
} sevs[] = {
	{ ": fatal error: ", DIAG_SEV_FATAL },
	{ ": error: ", DIAG_SEV_ERROR },
	{ ": warning: ", DIAG_SEV_WARNING },
	{ ": note: ", DIAG_SEV_NOTE },
};

static enum diag_kind kind_of(enum diag_sev sev)
{
	return sev == DIAG_SEV_NOTE    ? DIAG_NOTE :
	       sev == DIAG_SEV_WARNING ? DIAG_WARNING :
					 DIAG_ERROR;
}

/* "file:line:col: severity: message" and "tool: severity: message". */
static bool compiler_line(char *s, struct diag_line *out)
{
	struct diag *d = &out->diag;
	const char *hit = NULL;
	size_t best = 0;
	char *msg;

	for (size_t i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++) {
		const char *h = strstr(s, sevs[i].tag);

		if (h && (!hit || h < hit)) {
			hit = h;
			best = i;
		}
	}
	if (!hit || hit == s)
		return false;
	msg = (char *)hit + strlen(sevs[best].tag);
	d->sev = sevs[best].sev;
	if (!parse_location(s, (size_t)(hit - s), d))
		return false;
	copy(d->message, sizeof(d->message), msg, strlen(msg));
	split_option(d);
	if (d->line) {
		d->origin = DIAG_FROM_COMPILER;
	} else {
		/* "gcc: error: x.c: No such file", "ld: warning: ...". */
		d->origin = is_linker(d->file) ? DIAG_FROM_LINKER :
						 DIAG_FROM_TOOL;
		if (!strcmp(tool_name(d->file), "collect2") &&
		    starts(d->message, "ld returned")) {
			/* The linker's own errors were printed before. */
			out->consequence = true;
			return true;
		}
		d->file[0] = '\0';
	}
	out->has_diag = true;
	return true;
}

/*
 * ld without a severity: "[ld: ]file.c:(.text+0x9): undefined reference
 * to `f'", "ld: cannot find -lfoo: No such file or directory".
 */
static bool linker_line(char *s, const char *fn, struct diag_line *out)
{
	static const char *const msgs[] = { "undefined reference to ",
					    "multiple definition of ",
					    "cannot find -l" };
	struct diag *d = &out->diag;
	char *c = strstr(s, ": ");
	char *at = NULL;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]) && !at; i++)
		at = strstr(s, msgs[i]);
	if (!at)
		return false;
	/* Drop "ld: " (the linker's name) in front of the location. */
	if (c && c < at) {
		*c = '\0';
		if (is_linker(s) && !strchr(s, '('))
			s = c + 2;
		else
			*c = ':';
	}
	d->sev = DIAG_SEV_ERROR;
	d->origin = DIAG_FROM_LINKER;
	copy(d->message, sizeof(d->message), at, strlen(at));
	snprintf(d->function, sizeof(d->function), "%s", fn);
	if (at > s + 2 && at[-2] == ':' && at[-1] == ' ') {
		char loc[DIAG_PATH_MAX];
		char *paren;

		copy(loc, sizeof(loc), s, (size_t)(at - 2 - s));
		/* "file.c:(.text+0x9)": a section offset, not a line. */
		paren = strstr(loc, ":(");
		if (paren)
			*paren = '\0';
		if (!parse_location(loc, strlen(loc), d))
			d->file[0] = '\0';
		d->col = 0;
	}
	out->has_diag = true;
	return true;
}

/* "ERROR: modpost: "sym" [/b/m.ko] undefined!", WARNING:, FATAL:. */
static bool modpost_line(const char *s, struct diag_line *out)
{
	static const struct {
		const char *tag;
		enum diag_sev sev;
	} tags[] = { { "ERROR: ", DIAG_SEV_ERROR },
		     { "WARNING: ", DIAG_SEV_WARNING },
		     { "FATAL: ", DIAG_SEV_FATAL } };
	struct diag *d = &out->diag;
	const char *msg = NULL, *b, *e;

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (starts(s, tags[i].tag)) {
			msg = s + strlen(tags[i].tag);
			d->sev = tags[i].sev;
		}
	}
	if (!msg || !starts(msg, "modpost: "))
		return false;
	msg += strlen("modpost: ");
	d->origin = DIAG_FROM_MODPOST;
	copy(d->message, sizeof(d->message), msg, strlen(msg));
	b = strstr(msg, " [");
	e = b ? strchr(b, ']') : NULL;
	if (b && e)
		copy(d->file, sizeof(d->file), b + 2, (size_t)(e - b - 2));
	out->has_diag = true;
	return true;
}

/* "file: In function 'f':" with ASCII or typographic quotes. */
static bool function_context(struct diag_parser *p, char *s, size_t n)
{
	char *in = strstr(s, ": In ");
	char *q;

	char *top = strstr(s, ": At top level:");

	if (top) {
		p->function[0] = '\0';
		copy(p->func_file, sizeof(p->func_file), s, (size_t)(top - s));
		return true;
	}
	if (!in || !ends(s, n, ":"))
		return false;
	copy(p->func_file, sizeof(p->func_file), s, (size_t)(in - s));
	s[--n] = '\0';
	if (ends(s, n, "\xe2\x80\x99"))
		s[n -= 3] = '\0';
	else if (n && s[n - 1] == '\'')
		s[--n] = '\0';
	q = strstr(in, "\xe2\x80\x98");
	if (q) {
		q += 3;
	} else {
		q = strchr(in, '\'');
		q = q ? q + 1 : s + n;
	}
	copy(p->function, sizeof(p->function), q, strlen(q));
	return true;
}

/* ld: "/usr/bin/ld: main.o: in function `main':". */
static bool linker_context(struct diag_parser *p, const char *s, size_t n)
{
	const char *in = strstr(s, ": in function `");

	if (!in || !ends(s, n, "':"))
		return false;
	in += strlen(": in function `");
	copy(p->function, sizeof(p->function), in, (size_t)(s + n - 2 - in));
	return true;
}

static void attach_context(struct diag_parser *p, struct diag *d)
{
	if (d->origin != DIAG_FROM_COMPILER)
		return;
	snprintf(d->function, sizeof(d->function), "%s", p->function);
	/*
	 * gcc prints an include chain once, before the first diagnostic
	 * in the included file; it holds for the later ones in that file.
	 */
	if (p->in_chain) {
		snprintf(p->chain_file, sizeof(p->chain_file), "%s", d->file);
		p->in_chain = false;
	}
	if (p->chain[0] && !strcmp(p->chain_file, d->file))
		snprintf(d->included_from, sizeof(d->included_from), "%s",
			 p->chain);
}

static void reset_context(struct diag_parser *p)
{
	p->function[0] = '\0';
	p->func_file[0] = '\0';
	p->chain[0] = '\0';
	p->chain_file[0] = '\0';
	p->in_chain = false;
}

enum diag_kind diag_parse_line(struct diag_parser *p, const char *line,
			       size_t len, struct diag_line *out)
{
	char *s;
	size_t n, mk;

	memset(out, 0, sizeof(*out));
	if (len + 1 > p->cap) {
		size_t cap = len + 1 < 256 ? 256 : len + 1;
		char *b = realloc(p->buf, cap);

		if (!b) {
			out->plain = "";
			return DIAG_PLAIN;
		}
		p->buf = b;
		p->cap = cap;
	}
	n = diag_strip_ansi(line, len, p->buf, p->cap);
	s = p->buf;
	out->plain = s;
	out->plain_len = n;
	out->kind = DIAG_PLAIN;

	if (is_progress(s)) {
		reset_context(p);
		return out->kind = DIAG_PROGRESS;
	}
	if (is_excerpt(s) || starts(s, "Skipping BTF generation"))
		return out->kind;
	mk = make_prefix(s);
	if (mk) {
		/* Before make's "file:line: ***": make's own lines. */
		reset_context(p);
		out->kind = make_line(p, s + mk, out);
		goto done;
	}
	if (starts(s, "In file included from ")) {
		char *inc = s + strlen("In file included from ");

		n = trim_end(inc, strlen(inc));
		copy(p->chain, sizeof(p->chain), inc, n);
		p->in_chain = true;
		goto done;
	}
	if (p->in_chain && starts(s, "  ") && strstr(s, "from "))
		return out->kind;
	if (function_context(p, s, n) || linker_context(p, s, n))
		goto done;
	if (modpost_line(s, out)) {
		out->kind = kind_of(out->diag.sev);
		goto done;
	}
	if (strstr(s, ": *** ")) {
		/* "Makefile:3: *** missing separator.  Stop." */
		char *stars = strstr(s, ": *** ");

		*stars = '\0';
		if (parse_location(s, strlen(s), &out->diag)) {
			out->has_diag = true;
			out->diag.sev = DIAG_SEV_ERROR;
			out->diag.origin = DIAG_FROM_MAKE;
			copy(out->diag.message, sizeof(out->diag.message),
			     stars + 6, strlen(stars + 6));
			out->kind = DIAG_ERROR;
			goto done;
		}
		*stars = ':';
	}
	if (compiler_line(s, out)) {
		out->kind = kind_of(out->diag.sev);
		attach_context(p, &out->diag);
		goto done;
	}
	if (linker_line(s, p->function, out)) {
		out->kind = DIAG_ERROR;
		goto done;
	}
	if (starts(s, "cc1: ") && strstr(s, "treated as errors"))
		out->kind = DIAG_NOTE;
	return out->kind;
done:
	/* Plain text again for the caller, after the in-place edits. */
	diag_strip_ansi(line, len, p->buf, p->cap);
	if (out->has_diag)
		diag_map_path(out->diag.file, base_dir(p), p->maps,
			      out->diag.src, sizeof(out->diag.src));
	return out->kind;
}
