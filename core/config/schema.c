// SPDX-License-Identifier: GPL-2.0
/*
 * The values a table describes: strings, lists and paths, and the walks
 * that set the defaults, print and free them.
 */
#include "core/config/schema.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/strutil.h"

/* --- strings and lists ------------------------------------------------------ */

char *schema_strdup(struct schema_ctx *c, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		c->oom = true;
	return d;
}

void schema_set_str(struct schema_ctx *c, char **dst, const char *s)
{
	char *d = schema_strdup(c, s);

	free(*dst);
	*dst = d;
}

void schema_strv_free(struct config_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* An empty list is a NULL-terminated array too: argv users need one. */
static void strv_terminate(struct schema_ctx *c, struct config_strv *sv)
{
	if (sv->v)
		return;
	sv->v = calloc(1, sizeof(char *));
	if (!sv->v)
		c->oom = true;
}

void schema_strv_push(struct schema_ctx *c, struct config_strv *sv,
		      const char *s)
{
	char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));

	if (!v) {
		c->oom = true;
		return;
	}
	sv->v = v;
	v[sv->n] = schema_strdup(c, s);
	if (!v[sv->n])
		return;
	v[++sv->n] = NULL;
}

void schema_strv_set(struct schema_ctx *c, struct config_strv *sv,
		     const char *const *list)
{
	schema_strv_free(sv);
	for (size_t i = 0; list && list[i]; i++)
		schema_strv_push(c, sv, list[i]);
	strv_terminate(c, sv);
}

/* --- paths ----------------------------------------------------------------- */

/* "~" and "~/x" become $HOME/x, "~user/x" that user's home. */
static char *expand_tilde(struct schema_ctx *c, const char *p, bool *bad_user)
{
	const char *rest, *home;
	char user[64], *s;
	struct passwd *pw;
	size_t n;

	*bad_user = false;
	if (p[0] != '~')
		return schema_strdup(c, p);
	rest = strchr(p, '/');
	n = rest ? (size_t)(rest - p - 1) : strlen(p + 1);
	if (!rest)
		rest = "";
	if (n == 0) {
		home = str_home_dir();
	} else {
		if (n >= sizeof(user)) {
			*bad_user = true;
			return NULL;
		}
		memcpy(user, p + 1, n);
		user[n] = '\0';
		pw = getpwnam(user);
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home) {
		*bad_user = true;
		return NULL;
	}
	s = str_printf("%s%s", home, rest);
	if (!s)
		c->oom = true;
	return s;
}

/*
 * The directory of the config file into dir: absolute (a file given as
 * "sub/config.json" is where it was when it was read). false: none.
 */
static bool doc_dir(const struct schema_ctx *c, char *dir, size_t cap)
{
	const char *file = c->doc ? c->doc->file : NULL;
	const char *slash = file ? strrchr(file, '/') : NULL;
	char cwd[PATH_MAX];
	int n;

	if (!file)
		return false;
	if (file[0] == '/')
		n = snprintf(dir, cap, "%.*s",
			     slash == file ? 1 : (int)(slash - file), file);
	else if (!getcwd(cwd, sizeof(cwd)))
		return false;
	else if (slash)
		n = snprintf(dir, cap, "%s/%.*s", cwd, (int)(slash - file),
			     file);
	else
		n = snprintf(dir, cap, "%s", cwd);
	return n > 0 && (size_t)n < cap;
}

char *schema_path(struct schema_ctx *c, const char *raw, bool *bad_user)
{
	char *p = expand_tilde(c, raw, bad_user), *joined;
	char dir[PATH_MAX];

	if (!p || p[0] == '/' || !doc_dir(c, dir, sizeof(dir)))
		return p;
	/* "./x" and "x" alike: DIR/x */
	joined = str_printf("%s/%s", dir,
			    p[0] == '.' && p[1] == '/' ? p + 2 : p);
	free(p);
	if (!joined)
		c->oom = true;
	return joined;
}

/* --- defaults, print, free --------------------------------------------------- */

void schema_defaults(struct schema_ctx *c, const struct schema_table *t,
		     void *obj)
{
	for (const struct schema_row *r = t->rows; r->name; r++) {
		void *f = schema_field(obj, r);

		if (r->flags & SCHEMA_BY_HOOK)
			continue;
		switch (r->type) {
		case SCHEMA_STRING:
		case SCHEMA_PATH:
			if (r->default_str)
				schema_set_str(c, f, r->default_str);
			break;
		case SCHEMA_INT:
		case SCHEMA_ENUM:
			*(int *)f = (int)r->default_num;
			break;
		case SCHEMA_BOOL:
			*(bool *)f = r->default_num;
			break;
		case SCHEMA_STRV:
		case SCHEMA_MAP:
			schema_strv_set(c, f, r->default_strv);
			break;
		case SCHEMA_OBJECT:
			if (!(r->flags & SCHEMA_PRESENT) ||
			    *(bool *)((char *)obj + r->present_offset))
				schema_defaults(c, r->sub, f);
			break;
		case SCHEMA_ARRAY:
		case SCHEMA_CUSTOM:
			break;
		}
	}
}

static void print_map(cJSON *o, const char *k, const struct config_strv *sv)
{
	cJSON *m = cJSON_AddObjectToObject(o, k);

	for (size_t i = 0; m && i < sv->n; i++) {
		const char *kv = sv->v[i], *eq = strchr(kv, '=');
		char *name = eq ? strndup(kv, (size_t)(eq - kv)) : NULL;

		if (name)
			cJSON_AddStringToObject(m, name, eq + 1);
		free(name);
	}
}

static void print_row(const struct schema_row *r, const void *obj, cJSON *o)
{
	const void *f = schema_cfield(obj, r);
	const struct config_strv *sv = f;
	/* ARRAY: the elements and their count */
	const char *const *elems = f;
	const size_t *count =
		(const size_t *)((const char *)obj + r->count_offset);
	size_t size = r->sub ? r->sub->size : 0;
	cJSON *a;

	switch (r->type) {
	case SCHEMA_STRING:
	case SCHEMA_PATH:
		if (*(char *const *)f)
			cJSON_AddStringToObject(o, r->name, *(char *const *)f);
		break;
	case SCHEMA_INT:
		if (*(const int *)f || !(r->flags & SCHEMA_OMIT_ZERO))
			cJSON_AddNumberToObject(o, r->name, *(const int *)f);
		break;
	case SCHEMA_BOOL:
		cJSON_AddBoolToObject(o, r->name, *(const bool *)f);
		break;
	case SCHEMA_ENUM:
		cJSON_AddStringToObject(o, r->name, r->names[*(const int *)f]);
		break;
	case SCHEMA_STRV:
		/* an empty one that may not be is unset: derived on reload */
		if (!sv->n && (r->flags & SCHEMA_NONEMPTY))
			break;
		a = cJSON_AddArrayToObject(o, r->name);
		for (size_t i = 0; a && i < sv->n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
		break;
	case SCHEMA_MAP:
		print_map(o, r->name, sv);
		break;
	case SCHEMA_OBJECT:
		if (!(r->flags & SCHEMA_PRESENT) ||
		    *(const bool *)((const char *)obj + r->present_offset))
			cJSON_AddItemToObject(o, r->name,
					      schema_print(r->sub, f));
		break;
	case SCHEMA_ARRAY:
		a = cJSON_AddArrayToObject(o, r->name);
		for (size_t i = 0; a && i < *count; i++)
			cJSON_AddItemToArray(
				a, schema_print(r->sub, *elems + i * size));
		break;
	case SCHEMA_CUSTOM:
		r->ops->print(r, obj, o);
		break;
	}
}

cJSON *schema_print(const struct schema_table *t, const void *obj)
{
	cJSON *o = cJSON_CreateObject();

	for (const struct schema_row *r = t->rows; o && r->name; r++)
		if (schema_is_key(r))
			print_row(r, obj, o);
	return o;
}

void schema_free(const struct schema_table *t, void *obj)
{
	for (const struct schema_row *r = t->rows; r->name; r++) {
		void *f = schema_field(obj, r);
		size_t *count;
		char **arr;

		switch (r->type) {
		case SCHEMA_STRING:
		case SCHEMA_PATH:
			free(*(char **)f);
			*(char **)f = NULL;
			break;
		case SCHEMA_STRV:
		case SCHEMA_MAP:
			schema_strv_free(f);
			break;
		case SCHEMA_OBJECT:
			schema_free(r->sub, f);
			break;
		case SCHEMA_ARRAY:
			count = (size_t *)((char *)obj + r->count_offset);
			arr = f;
			for (size_t i = 0; *arr && i < *count; i++)
				schema_free(r->sub, *arr + i * r->sub->size);
			free(*arr);
			*arr = NULL;
			*count = 0;
			break;
		case SCHEMA_CUSTOM:
			if (r->ops->free)
				r->ops->free(r, obj);
			break;
		case SCHEMA_INT:
		case SCHEMA_BOOL:
		case SCHEMA_ENUM:
			break;
		}
	}
}
