// SPDX-License-Identifier: GPL-2.0
/*
 * A small ssh_config reader. Unknown keywords are ignored (OpenSSH has
 * ~100 and a dashboard needs 7); Match blocks other than "Match all" are
 * treated as not matching, which errs towards OpenSSH's defaults.
 */
#include "core/ssh/sshconfig.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_DEPTH 8

/* Copies with truncation (snprintf "%s" trips -Wformat-truncation). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct ctx {
	const char *alias;
	const char *home;
	struct sshconfig *out;
	char *err;
	size_t errlen;
};

/* Glob with '*' and '?', case-insensitive as hostnames are. */
static bool match_one(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			while (p[1] == '*')
				p++;
			if (!p[1])
				return true;
			for (; *s; s++)
				if (match_one(p + 1, s))
					return true;
			return false;
		}
		if (!*s)
			return false;
		if (*p != '?' &&
		    tolower((unsigned char)*p) != tolower((unsigned char)*s))
			return false;
	}
	return !*s;
}

bool sshconfig_match_list(const char *list, const char *host)
{
	char pat[SSHCONFIG_STR];
	bool positive = false;

	while (*list) {
		size_t n = strcspn(list, ", \t");

		if (n && n < sizeof(pat)) {
			memcpy(pat, list, n);
			pat[n] = '\0';
			if (pat[0] == '!') {
				if (match_one(pat + 1, host))
					return false;
			} else if (match_one(pat, host)) {
				positive = true;
			}
		}
		list += n;
		list += strspn(list, ", \t");
	}
	return positive;
}

int sshconfig_parse_jump(const char *spec, char *user, size_t ulen, char *host,
			 size_t hlen, int *port)
{
	char hop[SSHCONFIG_STR];
	size_t n = strcspn(spec, ",");
	char *h = hop, *at, *colon;

	if (!n || n >= sizeof(hop))
		return -EINVAL;
	memcpy(hop, spec, n);
	hop[n] = '\0';
	user[0] = '\0';
	*port = 0;
	if (!strncmp(hop, "ssh://", 6))
		h += 6;
	if (strpbrk(h, " \t\n/"))
		return -EINVAL;
	at = strrchr(h, '@');
	if (at) {
		*at = '\0';
		if (at == h || strlen(h) >= ulen)
			return -EINVAL;
		strcpy(user, h);
		h = at + 1;
	}
	if (*h == '[') {
		char *end = strchr(h, ']');

		if (!end)
			return -EINVAL;
		if (end[1] && end[1] != ':')
			return -EINVAL;
		*end = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		h++;
	} else {
		colon = strrchr(h, ':');
		if (colon)
			*colon = '\0';
	}
	if (colon) {
		char *e;
		long p = strtol(colon + 1, &e, 10);

		if (*e || p <= 0 || p > 65535)
			return -EINVAL;
		*port = (int)p;
	}
	if (!*h || strlen(h) >= hlen)
		return -EINVAL;
	strcpy(host, h);
	return 0;
}

/* Splits the next argument (whitespace separated, "double quoted"). */
static char *next_arg(char **sp)
{
	char *s = *sp, *start;

	s += strspn(s, " \t");
	if (!*s)
		return NULL;
	if (*s == '"') {
		start = ++s;
		s = strchr(s, '"');
		if (!s)
			return NULL;
	} else {
		start = s;
		s += strcspn(s, " \t");
	}
	if (*s)
		*s++ = '\0';
	*sp = s;
	return start;
}

static void set_str(char *dst, const char *v)
{
	if (!dst[0])
		copy_str(dst, SSHCONFIG_STR, v);
}

static int read_file(struct ctx *c, const char *path, int depth, bool *active,
		     bool must_exist);

static int do_include(struct ctx *c, char *args, int depth, bool *active)
{
	char *a, pattern[SSHCONFIG_STR * 2];
	glob_t g;
	int rc = 0;

	while ((a = next_arg(&args))) {
		if (a[0] == '~' && a[1] == '/')
			snprintf(pattern, sizeof(pattern), "%s%s", c->home,
				 a + 1);
		else if (a[0] == '/')
			snprintf(pattern, sizeof(pattern), "%s", a);
		else
			snprintf(pattern, sizeof(pattern), "%s/.ssh/%s",
				 c->home, a);
		if (glob(pattern, 0, NULL, &g))
			continue;
		for (size_t i = 0; i < g.gl_pathc && !rc; i++)
			rc = read_file(c, g.gl_pathv[i], depth + 1, active,
				       false);
		globfree(&g);
		if (rc)
			return rc;
	}
	return 0;
}

static int do_line(struct ctx *c, const char *path, int lineno, char *line,
		   int depth, bool *active)
{
	struct sshconfig *o = c->out;
	char *kw, *rest, *v;

	line += strspn(line, " \t");
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line || *line == '#')
		return 0;
	kw = line;
	line += strcspn(line, " \t=");
	if (*line) {
		*line++ = '\0';
		line += strspn(line, " \t");
		if (*line == '=')
			line++;
	}
	rest = line;
	if (!strcasecmp(kw, "Host")) {
		char list[SSHCONFIG_STR * 2] = "";
		size_t n = 0, vl;

		while ((v = next_arg(&rest))) {
			vl = strlen(v);
			if (n + vl + 2 > sizeof(list)) {
				snprintf(
					c->err, c->errlen,
					"%s:%d: Host line too long (more than %zu bytes of patterns): split it into several Host blocks",
					path, lineno, sizeof(list) - 1);
				return -EINVAL;
			}
			memcpy(list + n, v, vl);
			n += vl;
			list[n++] = ',';
			list[n] = '\0';
		}
		*active = sshconfig_match_list(list, c->alias);
		return 0;
	}
	if (!strcasecmp(kw, "Match")) {
		v = next_arg(&rest);
		*active = v && !strcasecmp(v, "all");
		return 0;
	}
	if (!strcasecmp(kw, "Include")) {
		if (!*active)
			return 0;
		if (depth >= MAX_DEPTH) {
			snprintf(c->err, c->errlen,
				 "%s:%d: Include nested too deeply", path,
				 lineno);
			return -ELOOP;
		}
		return do_include(c, rest, depth, active);
	}
	if (!*active)
		return 0;
	v = next_arg(&rest);
	if (!v)
		return 0;
	if (!strcasecmp(kw, "HostName")) {
		set_str(o->hostname, v);
	} else if (!strcasecmp(kw, "User")) {
		set_str(o->user, v);
	} else if (!strcasecmp(kw, "Port")) {
		char *e;
		long p = strtol(v, &e, 10);

		if (*e || p <= 0 || p > 65535) {
			snprintf(c->err, c->errlen,
				 "%s:%d: bad Port '%s' (want 1-65535)", path,
				 lineno, v);
			return -EINVAL;
		}
		if (!o->port)
			o->port = (int)p;
	} else if (!strcasecmp(kw, "IdentityFile")) {
		if (o->nidentity < SSHCONFIG_MAX_IDENTITIES)
			copy_str(o->identity[o->nidentity++], SSHCONFIG_STR, v);
	} else if (!strcasecmp(kw, "ProxyJump")) {
		set_str(o->proxyjump, v);
	} else if (!strcasecmp(kw, "IdentitiesOnly")) {
		if (o->identities_only < 0)
			o->identities_only = !strcasecmp(v, "yes");
	} else if (!strcasecmp(kw, "UserKnownHostsFile")) {
		set_str(o->known_hosts, v);
	}
	return 0;
}

static int read_file(struct ctx *c, const char *path, int depth, bool *active,
		     bool must_exist)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	int lineno = 0, rc = 0;

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(c->err, c->errlen, "cannot read ssh config %s: %s",
			 path, strerror(errno));
		return -errno;
	}
	while (!rc && fgets(line, sizeof(line), f))
		rc = do_line(c, path, ++lineno, line, depth, active);
	fclose(f);
	return rc;
}

/* Expands ~ and %-tokens of src into dst (cap SSHCONFIG_STR). */
static void expand(char *dst, const char *src, const char *home,
		   const char *luser, const char *host, const char *ruser,
		   int port)
{
	char tmp[SSHCONFIG_STR * 2];
	size_t n = 0;

	tmp[0] = '\0';
	if (src[0] == '~' && (src[1] == '/' || !src[1])) {
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s", home);
		src++;
	}
	for (; *src && n < sizeof(tmp) - 8; src++) {
		const char *add = NULL;
		char pbuf[16];

		if (*src != '%' || !src[1]) {
			tmp[n++] = *src;
			continue;
		}
		switch (*++src) {
		case 'd':
			add = home;
			break;
		case 'u':
			add = luser;
			break;
		case 'h':
			add = host;
			break;
		case 'r':
			add = ruser;
			break;
		case 'p':
			snprintf(pbuf, sizeof(pbuf), "%d", port ? port : 22);
			add = pbuf;
			break;
		case '%':
			add = "%";
			break;
		default: /* unknown token: keep it verbatim */
			tmp[n++] = '%';
			tmp[n++] = *src;
			continue;
		}
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%s", add);
		if (n >= sizeof(tmp))
			n = sizeof(tmp) - 1;
	}
	tmp[n] = '\0';
	copy_str(dst, SSHCONFIG_STR, tmp);
}

int sshconfig_lookup(const char *path, const char *alias, const char *home,
		     const char *local_user, struct sshconfig *out, char *err,
		     size_t errlen)
{
	struct ctx c = { alias, home, out, err, errlen };
	char defpath[SSHCONFIG_STR * 2], host[SSHCONFIG_STR];
	struct passwd *pw = NULL;
	bool active = true;
	int rc;

	memset(out, 0, sizeof(*out));
	out->identities_only = -1;
	if (!home)
		home = getenv("HOME");
	if (!home || !local_user)
		pw = getpwuid(getuid());
	if (!home)
		home = pw ? pw->pw_dir : "/";
	if (!local_user)
		local_user = pw ? pw->pw_name : "root";
	c.home = home;
	if (!path) {
		snprintf(defpath, sizeof(defpath), "%s/.ssh/config", home);
		path = defpath;
	}
	rc = read_file(&c, path, 0, &active, false);
	if (rc)
		return rc;
	/* HostName may use %h for the alias; the rest use the final host. */
	if (out->hostname[0]) {
		expand(host, out->hostname, home, local_user, alias, "", 0);
		copy_str(out->hostname, SSHCONFIG_STR, host);
	} else {
		copy_str(host, sizeof(host), alias);
	}
	for (int i = 0; i < out->nidentity; i++)
		expand(out->identity[i], out->identity[i], home, local_user,
		       host, out->user[0] ? out->user : local_user, out->port);
	if (out->known_hosts[0])
		expand(out->known_hosts, out->known_hosts, home, local_user,
		       host, out->user[0] ? out->user : local_user, out->port);
	return 0;
}
