// SPDX-License-Identifier: GPL-2.0
/*
 * Themes: parsing (cJSON) with positioned errors, the theme search path,
 * and colour arithmetic down to what the terminal can show.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "tui/theme.h"

#include "core/base/jsonerr.h"
#include "core/base/jsonpos.h"
#include "core/base/strutil.h"

static const char *const role_names[TR_COUNT] = {
	[TR_NORMAL] = "normal",
	[TR_BORDER] = "border",
	[TR_BORDER_FOCUS] = "border.focus",
	[TR_TITLE] = "title",
	[TR_TITLE_FOCUS] = "title.focus",
	[TR_STATUS] = "status",
	[TR_KEYBAR_KEY] = "keybar.key",
	[TR_KEYBAR_LABEL] = "keybar.label",
	[TR_LOG_EMERG] = "log.emerg",
	[TR_LOG_ALERT] = "log.alert",
	[TR_LOG_CRIT] = "log.crit",
	[TR_LOG_ERR] = "log.err",
	[TR_LOG_WARNING] = "log.warning",
	[TR_LOG_NOTICE] = "log.notice",
	[TR_LOG_INFO] = "log.info",
	[TR_LOG_DEBUG] = "log.debug",
	[TR_DIAG_ERROR] = "diag.error",
	[TR_DIAG_WARNING] = "diag.warning",
	[TR_DIAG_NOTE] = "diag.note",
	[TR_GRAPH_1] = "graph.1",
	[TR_GRAPH_2] = "graph.2",
	[TR_GRAPH_3] = "graph.3",
	[TR_GRAPH_4] = "graph.4",
	[TR_GRAPH_PREV] = "graph.prev",
	[TR_LINK_UP] = "link.up",
	[TR_LINK_DEGRADED] = "link.degraded",
	[TR_LINK_DOWN] = "link.down",
	[TR_LINK_CONNECTING] = "link.connecting",
	[TR_DELTA_BETTER] = "delta.better",
	[TR_DELTA_WORSE] = "delta.worse",
	[TR_SEARCH] = "search",
	[TR_BANNER] = "banner",
};

const char *theme_role_name(enum theme_role r)
{
	if (r < 0 || r >= TR_COUNT)
		return "?";
	return role_names[r];
}

static int theme_role_find(const char *name)
{
	for (int i = 0; name && i < TR_COUNT; i++)
		if (strcmp(name, role_names[i]) == 0)
			return i;
	return -ENOENT;
}

/* --- the built-in themes ---------------------------------------------- */

enum {
	BLACK,
	RED,
	GREEN,
	YELLOW,
	BLUE,
	MAGENTA,
	CYAN,
	WHITE,
	BR_BLACK,
	BR_RED,
	BR_GREEN,
	BR_YELLOW,
	BR_BLUE,
	BR_MAGENTA,
	BR_CYAN,
	BR_WHITE,
};

#define DFLT                  \
	{                     \
		TC_DEFAULT, 0 \
	}
#define IX(c)                 \
	{                     \
		TC_INDEX, (c) \
	}
#define ST(f, b, a)     \
	{               \
		f, b, a \
	}
#define B THEME_BOLD
#define R THEME_REVERSE
#define U THEME_UNDERLINE

/* Must equal themes/default.json (tests/unit/test_theme.c checks). */
static const struct theme_style builtin_default[TR_COUNT] = {
	[TR_NORMAL] = ST(DFLT, DFLT, 0),
	[TR_BORDER] = ST(IX(BR_BLACK), DFLT, 0),
	[TR_BORDER_FOCUS] = ST(IX(BR_CYAN), DFLT, B),
	[TR_TITLE] = ST(DFLT, DFLT, B),
	[TR_TITLE_FOCUS] = ST(IX(BLACK), IX(CYAN), B),
	[TR_STATUS] = ST(IX(BR_WHITE), IX(BLUE), 0),
	[TR_KEYBAR_KEY] = ST(IX(BR_WHITE), DFLT, B),
	[TR_KEYBAR_LABEL] = ST(IX(BLACK), IX(CYAN), 0),
	[TR_LOG_EMERG] = ST(IX(BR_WHITE), IX(RED), B),
	[TR_LOG_ALERT] = ST(IX(BR_WHITE), IX(RED), B),
	[TR_LOG_CRIT] = ST(IX(BR_WHITE), IX(RED), B),
	[TR_LOG_ERR] = ST(IX(BR_RED), DFLT, B),
	[TR_LOG_WARNING] = ST(IX(BR_YELLOW), DFLT, 0),
	[TR_LOG_NOTICE] = ST(IX(BR_CYAN), DFLT, 0),
	[TR_LOG_INFO] = ST(DFLT, DFLT, 0),
	[TR_LOG_DEBUG] = ST(IX(BR_BLACK), DFLT, 0),
	[TR_DIAG_ERROR] = ST(IX(BR_RED), DFLT, B),
	[TR_DIAG_WARNING] = ST(IX(BR_YELLOW), DFLT, B),
	[TR_DIAG_NOTE] = ST(IX(CYAN), DFLT, 0),
	[TR_GRAPH_1] = ST(IX(BR_GREEN), DFLT, 0),
	[TR_GRAPH_2] = ST(IX(BR_YELLOW), DFLT, 0),
	[TR_GRAPH_3] = ST(IX(BR_MAGENTA), DFLT, 0),
	[TR_GRAPH_4] = ST(IX(BR_CYAN), DFLT, 0),
	[TR_GRAPH_PREV] = ST(IX(BR_BLACK), DFLT, 0),
	[TR_LINK_UP] = ST(IX(BR_GREEN), DFLT, B),
	[TR_LINK_DEGRADED] = ST(IX(BR_YELLOW), DFLT, B),
	[TR_LINK_DOWN] = ST(IX(BR_WHITE), IX(RED), B),
	[TR_LINK_CONNECTING] = ST(IX(CYAN), DFLT, 0),
	[TR_DELTA_BETTER] = ST(IX(BR_GREEN), DFLT, B),
	[TR_DELTA_WORSE] = ST(IX(BR_RED), DFLT, B),
	[TR_SEARCH] = ST(IX(BLACK), IX(YELLOW), 0),
	[TR_BANNER] = ST(IX(BR_WHITE), IX(RED), B),
};

/* Must equal themes/monochrome.json: attributes alone tell roles apart. */
static const struct theme_style builtin_mono[TR_COUNT] = {
	[TR_BORDER_FOCUS] = ST(DFLT, DFLT, B),
	[TR_TITLE] = ST(DFLT, DFLT, B),
	[TR_TITLE_FOCUS] = ST(DFLT, DFLT, B | R),
	[TR_STATUS] = ST(DFLT, DFLT, R),
	[TR_KEYBAR_KEY] = ST(DFLT, DFLT, B),
	[TR_KEYBAR_LABEL] = ST(DFLT, DFLT, R),
	[TR_LOG_EMERG] = ST(DFLT, DFLT, B | R),
	[TR_LOG_ALERT] = ST(DFLT, DFLT, B | R),
	[TR_LOG_CRIT] = ST(DFLT, DFLT, B | R),
	[TR_LOG_ERR] = ST(DFLT, DFLT, B),
	[TR_LOG_WARNING] = ST(DFLT, DFLT, U),
	[TR_LOG_DEBUG] = ST(DFLT, DFLT, THEME_DIM),
	[TR_DIAG_ERROR] = ST(DFLT, DFLT, B),
	[TR_DIAG_WARNING] = ST(DFLT, DFLT, U),
	[TR_GRAPH_1] = ST(DFLT, DFLT, B),
	[TR_GRAPH_PREV] = ST(DFLT, DFLT, THEME_DIM),
	[TR_LINK_UP] = ST(DFLT, DFLT, B),
	[TR_LINK_DEGRADED] = ST(DFLT, DFLT, U),
	[TR_LINK_DOWN] = ST(DFLT, DFLT, B | R),
	[TR_LINK_CONNECTING] = ST(DFLT, DFLT, THEME_DIM),
	[TR_DELTA_BETTER] = ST(DFLT, DFLT, B),
	[TR_DELTA_WORSE] = ST(DFLT, DFLT, R),
	[TR_SEARCH] = ST(DFLT, DFLT, R),
	[TR_BANNER] = ST(DFLT, DFLT, B | R),
};

void theme_builtin_default(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "default");
	memcpy(t->role, builtin_default, sizeof(t->role));
}

void theme_builtin_mono(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "monochrome");
	memcpy(t->role, builtin_mono, sizeof(t->role));
}

/* --- colours ------------------------------------------------------------ */

static const char *const color_names[16] = {
	"black",	"red",
	"green",	"yellow",
	"blue",		"magenta",
	"cyan",		"white",
	"bright-black", "bright-red",
	"bright-green", "bright-yellow",
	"bright-blue",	"bright-magenta",
	"bright-cyan",	"bright-white",
};

int theme_color_parse(const char *s, struct theme_color *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -EINVAL;
	if (strcasecmp(s, "default") == 0) {
		*out = (struct theme_color){ TC_DEFAULT, 0 };
		return 0;
	}
	for (int i = 0; i < 16; i++) {
		if (strcasecmp(s, color_names[i]) == 0) {
			*out = (struct theme_color){ TC_INDEX, (uint32_t)i };
			return 0;
		}
	}
	if (strcasecmp(s, "gray") == 0 || strcasecmp(s, "grey") == 0) {
		*out = (struct theme_color){ TC_INDEX, BR_BLACK };
		return 0;
	}
	if (s[0] == '#') {
		if (strlen(s) != 7 ||
		    strspn(s + 1, "0123456789abcdefABCDEF") != 6)
			return -EINVAL;
		*out = (struct theme_color){ TC_RGB, (uint32_t)strtoul(
							     s + 1, NULL, 16) };
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		v = strtoul(s, &end, 10);
		if (*end || v > 255)
			return -EINVAL;
		*out = (struct theme_color){ TC_INDEX, (uint32_t)v };
		return 0;
	}
	return -EINVAL;
}

static const uint32_t xterm16[16] = {
	0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
	0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
	0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

static const int cube[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };

uint32_t theme_index_rgb(int i)
{
	if (i < 0 || i > 255)
		return 0;
	if (i < 16)
		return xterm16[i];
	if (i < 232) {
		i -= 16;
		return (uint32_t)(cube[i / 36] << 16 | cube[i / 6 % 6] << 8 |
				  cube[i % 6]);
	}
	i = 8 + (i - 232) * 10;
	return (uint32_t)(i << 16 | i << 8 | i);
}

static int dist2(uint32_t a, uint32_t b)
{
	int dr = (int)(a >> 16 & 0xff) - (int)(b >> 16 & 0xff);
	int dg = (int)(a >> 8 & 0xff) - (int)(b >> 8 & 0xff);
	int db = (int)(a & 0xff) - (int)(b & 0xff);

	return dr * dr + dg * dg + db * db;
}

static int cube_step(int v)
{
	return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

int theme_rgb_to_256(uint32_t rgb)
{
	int r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
	int ci = 16 + 36 * cube_step(r) + 6 * cube_step(g) + cube_step(b);
	int avg = (r + g + b) / 3;
	int gi = 232 + (avg > 238 ? 23 : avg < 3 ? 0 : (avg - 3) / 10);

	/* 0..15 are left out: terminals redefine them (themes, Solarized). */
	return dist2(rgb, theme_index_rgb(gi)) <
			       dist2(rgb, theme_index_rgb(ci)) ?
		       gi :
		       ci;
}

int theme_rgb_to_16(uint32_t rgb, int ncolors)
{
	int r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
	int best = 0, n = ncolors >= 16 ? 16 : 8;

	/*
	 * A grey stays a grey: by plain RGB distance #808080 is nearer
	 * dark yellow than white, which reads as a wrong colour, not as
	 * a lighter or darker shade.
	 */
	if (hi - lo <= 24) {
		static const int greys[] = { 0, 8, 7, 15 };
		best = 0;
		for (int i = 0; i < 4; i++) {
			if (n == 8 && greys[i] >= 8)
				continue;
			if (dist2(rgb, xterm16[greys[i]]) <
			    dist2(rgb, xterm16[best]))
				best = greys[i];
		}
		return best;
	}
	for (int i = 1; i < n; i++)
		if (dist2(rgb, xterm16[i]) < dist2(rgb, xterm16[best]))
			best = i;
	return best;
}

enum theme_depth theme_depth_detect(const char *no_color, const char *colorterm,
				    int ncolors)
{
	if ((no_color && *no_color) || ncolors < 8)
		return TD_MONO;
	if (ncolors >= 256 && colorterm &&
	    (strcasecmp(colorterm, "truecolor") == 0 ||
	     strcasecmp(colorterm, "24bit") == 0))
		return TD_TRUE;
	if (ncolors >= 256)
		return TD_256;
	return ncolors >= 16 ? TD_16 : TD_8;
}

/* One colour at @depth; *bright set when 8 colours lose a bright one. */
static int map_color(struct theme_color c, enum theme_depth depth, int *bright)
{
	int i;

	if (c.kind == TC_DEFAULT || depth == TD_MONO)
		return -1;
	if (depth == TD_TRUE)
		return c.kind == TC_RGB ? (int)(c.v | THEME_PEN_RGB) : (int)c.v;
	if (c.kind == TC_RGB)
		i = depth == TD_256 ? theme_rgb_to_256(c.v) :
				      theme_rgb_to_16(c.v, 16);
	else
		i = (int)c.v;
	if (depth == TD_256)
		return i;
	if (i >= 16)
		i = theme_rgb_to_16(theme_index_rgb(i), 16);
	if (depth == TD_8 && i >= 8) {
		*bright = 1;
		i -= 8;
	}
	return i;
}

void theme_resolve(const struct theme *t, enum theme_depth depth,
		   struct theme_pen pens[TR_COUNT])
{
	for (int r = 0; r < TR_COUNT; r++) {
		const struct theme_style *s = &t->role[r];
		int fg_bright = 0, bg_bright = 0;

		if (depth == TD_MONO) {
			pens[r] = (struct theme_pen){ -1, -1,
						      builtin_mono[r].attrs };
			continue;
		}
		pens[r].fg = map_color(s->fg, depth, &fg_bright);
		pens[r].bg = map_color(s->bg, depth, &bg_bright);
		pens[r].attrs = s->attrs | (fg_bright ? THEME_BOLD : 0);
	}
}

/* --- parsing ------------------------------------------------------------ */

/* Every error of the file is collected (jsonerr.h), as for the config. */
struct parse {
	struct jsonerr errs;
};

/* Adds "PATH:LINE:COL: msg" at item's key (at_key) or value. */
static int fail(struct parse *ps, const cJSON *item, bool at_key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct parse *ps, const cJSON *item, bool at_key,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jsonerr_add(&ps->errs, item, at_key, "%s", msg);
	return -EINVAL;
}

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", THEME_BOLD },	      { "dim", THEME_DIM },
	{ "italic", THEME_ITALIC },   { "underline", THEME_UNDERLINE },
	{ "reverse", THEME_REVERSE },
};

static int parse_attr(const char *s, unsigned *bits)
{
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]);
	     i++) {
		if (strcasecmp(s, attr_names[i].name) == 0) {
			*bits |= attr_names[i].bit;
			return 0;
		}
	}
	return -EINVAL;
}

/* A string, or an array of strings, of attribute names. */
static int parse_attrs(const cJSON *m, unsigned *bits)
{
	const cJSON *a;

	if (cJSON_IsString(m))
		return parse_attr(m->valuestring, bits);
	if (!cJSON_IsArray(m))
		return -EINVAL;
	cJSON_ArrayForEach(a, m)
	{
		if (!cJSON_IsString(a) || parse_attr(a->valuestring, bits) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_color(struct parse *ps, const char *role, const char *which,
		       const cJSON *v, struct theme_color *out)
{
	char num[16];

	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 0 || v->valuedouble > 255 ||
		    v->valuedouble != (int)v->valuedouble)
			return fail(ps, v, false,
				    "'%s' %s: colour index %g is not 0-255",
				    role, which, v->valuedouble);
		snprintf(num, sizeof(num), "%d", v->valueint);
		return theme_color_parse(num, out);
	}
	if (!cJSON_IsString(v) || theme_color_parse(v->valuestring, out) < 0)
		return fail(ps, v, false,
			    "'%s' %s: unknown colour %s%s%s (use a name like "
			    "red or bright-red, default, 0-255 or #rrggbb)",
			    role, which, cJSON_IsString(v) ? "'" : "",
			    cJSON_IsString(v) ? v->valuestring : "of this type",
			    cJSON_IsString(v) ? "'" : "");
	return 0;
}

/* One role's style; every wrong member is reported. */
static int parse_style(struct parse *ps, const cJSON *item,
		       struct theme_style *st)
{
	const char *role = item->string;
	const cJSON *m;
	int ret = 0;

	/* "border": "blue" is short for { "fg": "blue" }. */
	if (cJSON_IsString(item)) {
		*st = (struct theme_style){ { TC_DEFAULT, 0 },
					    { TC_DEFAULT, 0 },
					    0 };
		if (theme_color_parse(item->valuestring, &st->fg) < 0)
			return fail(ps, item, false,
				    "'%s': unknown colour '%s' (use a name "
				    "like red or bright-red, default, 0-255 "
				    "or #rrggbb)",
				    role, item->valuestring);
		return 0;
	}
	if (!cJSON_IsObject(item))
		return fail(ps, item, false,
			    "'%s' must be an object like { \"fg\": \"red\", "
			    "\"bg\": \"default\", \"attrs\": [\"bold\"] }",
			    role);
	*st = (struct theme_style){ { TC_DEFAULT, 0 }, { TC_DEFAULT, 0 }, 0 };
	cJSON_ArrayForEach(m, item)
	{
		if (strcmp(m->string, "fg") == 0) {
			if (parse_color(ps, role, "fg", m, &st->fg) < 0)
				ret = -EINVAL;
		} else if (strcmp(m->string, "bg") == 0) {
			if (parse_color(ps, role, "bg", m, &st->bg) < 0)
				ret = -EINVAL;
		} else if (strcmp(m->string, "attrs") == 0) {
			if (parse_attrs(m, &st->attrs) < 0)
				ret = fail(ps, m, false,
					   "'%s' attrs: use a list of bold, "
					   "dim, italic, underline, reverse",
					   role);
		} else {
			ret = fail(ps, m, true,
				   "'%s': unknown key '%s' (a style has fg, bg "
				   "and attrs)",
				   role, m->string);
		}
	}
	return ret;
}

/* The member of obj before m with m's name, or NULL. */
static const cJSON *earlier(const cJSON *obj, const cJSON *m)
{
	for (const cJSON *p = obj->child; p != m; p = p->next)
		if (strcmp(p->string, m->string) == 0)
			return p;
	return NULL;
}

static int parse_colors(struct parse *ps, const cJSON *colors, struct theme *t)
{
	const cJSON *m;
	int ret = 0;

	cJSON_ArrayForEach(m, colors)
	{
		int r = theme_role_find(m->string);

		if (earlier(colors, m))
			ret = fail(ps, m, true, "role '%s' is given twice",
				   m->string);
		else if (r < 0)
			ret = fail(ps, m, true,
				   "unknown role '%s' (roles: normal, border, "
				   "border.focus, title, status, keybar.key, "
				   "log.err, graph.1, link.up, ...; see "
				   "themes/default.json)",
				   m->string);
		else if (parse_style(ps, m, &t->role[r]) < 0)
			ret = -EINVAL;
	}
	return ret;
}

static int parse_doc(struct parse *ps, const cJSON *root, struct theme *t)
{
	const cJSON *m, *colors = NULL;
	int ret = 0;

	if (!cJSON_IsObject(root))
		return fail(
			ps, root, false,
			"a theme is a JSON object with a \"colors\" member");
	cJSON_ArrayForEach(m, root)
	{
		if (strcmp(m->string, "colors") == 0)
			colors = m;
		else if (strcmp(m->string, "name") != 0 &&
			 strcmp(m->string, "description") != 0)
			ret = fail(ps, m, true,
				   "unknown key '%s' (a theme has name, "
				   "description and colors)",
				   m->string);
	}
	/* a missing "colors" is most likely the unknown key just reported */
	if (!colors && ret < 0)
		return ret;
	if (!cJSON_IsObject(colors))
		return fail(ps, colors ? colors : root, false,
			    "\"colors\" must be an object of roles, like "
			    "\"border\": { \"fg\": \"blue\" }");
	if (parse_colors(ps, colors, t) < 0)
		ret = -EINVAL;
	return ret;
}

int theme_parse(struct theme *t, const char *name, const char *text, size_t len,
		const char *path, char *err, size_t cap)
{
	struct jsonpos_doc *doc;
	struct parse ps;
	int ret = -EINVAL;

	theme_builtin_default(t);
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "default");
	doc = jsonpos_parse(path ? path : "theme", text, len, err, cap);
	if (doc) {
		jsonerr_init(&ps.errs, doc, err, cap);
		parse_doc(&ps, doc->root, t);
		ret = jsonerr_end(&ps.errs) ? -EINVAL : 0;
	}
	jsonpos_free(doc);
	if (ret < 0)
		theme_builtin_default(t);
	return ret;
}

/* "dir/solarized-dark.json" -> "solarized-dark" */
static void name_from_path(char *name, size_t cap, const char *path)
{
	const char *b = strrchr(path, '/'), *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	snprintf(name, cap, "%.*s",
		 (int)(dot && dot != b ? dot - b : (long)strlen(b)), b);
}

int theme_load_file(struct theme *t, const char *path, char *err, size_t cap)
{
	char name[THEME_NAME_MAX], *buf;
	FILE *f = fopen(path, "rb");
	size_t len = 0, n;
	int ret;

	if (!f) {
		ret = -errno;
		theme_builtin_default(t);
		snprintf(err, cap, "%s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	/* Theme files are small; 1 MiB is plenty and bounds a mistake. */
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		theme_builtin_default(t);
		snprintf(err, cap, "%s: out of memory", path);
		return -ENOMEM;
	}
	while ((n = fread(buf + len, 1, (1 << 20) - len, f)) > 0)
		len += n;
	fclose(f);
	name_from_path(name, sizeof(name), path);
	ret = theme_parse(t, name, buf, len, path, err, cap);
	free(buf);
	return ret;
}

/* --- where themes live -------------------------------------------------- */

static void dirs_add(struct theme_dirs *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dirs_add(struct theme_dirs *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->n >= THEME_DIRS_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->dir[d->n], sizeof(d->dir[0]), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(d->dir[0]))
		d->n++;
}

void theme_dirs_init(struct theme_dirs *d, const char *xdg_config_home,
		     const char *home, const char *exe_path)
{
	memset(d, 0, sizeof(*d));
	/* XDG: a relative XDG_CONFIG_HOME is invalid and ignored. */
	if (xdg_config_home && xdg_config_home[0] == '/')
		dirs_add(d, "%s/kmdash/themes", xdg_config_home);
	else if (home && *home)
		dirs_add(d, "%s/.config/kmdash/themes", home);
	if (exe_path && strchr(exe_path, '/')) {
		int len = (int)(strrchr(exe_path, '/') - exe_path);

		dirs_add(d, "%.*s/../share/kmdash/themes", len, exe_path);
		dirs_add(d, "%.*s/../themes", len, exe_path);
		dirs_add(d, "%.*s/../../themes", len, exe_path);
	}
}

static int name_ok(const char *name)
{
	return name && *name && name[0] != '.' && !strchr(name, '/') &&
	       strlen(name) < THEME_NAME_MAX;
}

int theme_find(const struct theme_dirs *d, const char *name, char *path,
	       size_t cap)
{
	struct stat st;

	if (!name_ok(name))
		return -EINVAL;
	for (int i = 0; i < d->n; i++) {
		int n = snprintf(path, cap, "%s/%s.json", d->dir[i], name);

		if (n > 0 && (size_t)n < cap && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int theme_list(const struct theme_dirs *d, char (*names)[THEME_NAME_MAX],
	       int max)
{
	int n = 0, out = 0;

	for (int i = 0; i < d->n; i++) {
		DIR *dir = opendir(d->dir[i]);
		struct dirent *e;

		while (dir && (e = readdir(dir)) && n < max) {
			size_t l = strlen(e->d_name);

			if (l <= 5 || l - 5 >= THEME_NAME_MAX ||
			    strcmp(e->d_name + l - 5, ".json") != 0 ||
			    e->d_name[0] == '.')
				continue;
			snprintf(names[n++], THEME_NAME_MAX, "%.*s",
				 (int)(l - 5), e->d_name);
		}
		if (dir)
			closedir(dir);
	}
	/* The two built-ins are always there, file or not. */
	if (n < max)
		snprintf(names[n++], THEME_NAME_MAX, "default");
	if (n < max)
		snprintf(names[n++], THEME_NAME_MAX, "monochrome");
	qsort(names, (size_t)n, THEME_NAME_MAX, cmp_names);
	for (int i = 0; i < n; i++)
		if (out == 0 || strcmp(names[out - 1], names[i]) != 0)
			memmove(names[out++], names[i], THEME_NAME_MAX);
	return out;
}

int theme_load(struct theme *t, const struct theme_dirs *d, const char *name,
	       char *err, size_t cap)
{
	char path[PATH_MAX + THEME_NAME_MAX + 8];
	char names[THEME_LIST_MAX][THEME_NAME_MAX];
	const char *cands[THEME_LIST_MAX], *near;
	int ret = theme_find(d, name, path, sizeof(path)), n, nnames;

	if (ret == 0)
		return theme_load_file(t, path, err, cap);
	theme_builtin_default(t);
	if (ret == -ENOENT && strcmp(name, "default") == 0)
		return 0;
	if (ret == -ENOENT && strcmp(name, "monochrome") == 0) {
		theme_builtin_mono(t);
		return 0;
	}
	if (ret == -EINVAL) {
		snprintf(err, cap,
			 "theme '%s': not a theme name (a file name without "
			 ".json, e.g. solarized-dark); using the default theme",
			 name ? name : "");
		return ret;
	}
	/*
	 * "did you mean": two edits, three in a long name (a swap of two
	 * letters is two: "solarised-drak" is three from solarized-dark).
	 */
	nnames = theme_list(d, names, THEME_LIST_MAX);
	for (int i = 0; i < nnames; i++)
		cands[i] = names[i];
	near = str_closest(name, cands, (size_t)nnames,
			   strlen(name) >= 12 ? 3 : 2);
	if (near) {
		snprintf(err, cap, "theme '%s' not found; did you mean '%s'?",
			 name, near);
		return ret;
	}
	n = snprintf(err, cap,
		     "theme '%s' not found, using the default theme (no "
		     "%s.json in",
		     name, name);
	for (int i = 0; i < d->n && n >= 0 && (size_t)n < cap; i++)
		n += snprintf(err + n, cap - (size_t)n, "%s %s", i ? "," : "",
			      d->dir[i]);
	if (n >= 0 && (size_t)n < cap)
		snprintf(err + n, cap - (size_t)n, ")");
	return ret;
}
