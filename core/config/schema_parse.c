// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing a document against a table: the keys of each object, then each
 * row's value by its type, with every error collected at its position.
 */
#include "core/config/schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strutil.h"

void schema_ctx_init(struct schema_ctx *c, const struct jsonpos_doc *doc,
		     char *err, size_t errlen, void *user)
{
	*c = (struct schema_ctx){ .doc = doc, .user = user };
	jsonerr_init(&c->errs, doc, err, errlen);
}

/* --- errors ---------------------------------------------------------------- */

void schema_error(struct schema_ctx *c, const cJSON *item, bool at_key,
		  const char *path, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (c->n_failed < SCHEMA_MAX_FAILED)
		c->failed[c->n_failed++] = item;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		jsonerr_add(&c->errs, item, at_key, "%s: %s", path, msg);
	else
		jsonerr_add(&c->errs, item, at_key, "%s", msg);
}

const char *schema_got(const cJSON *it, char *buf, size_t cap)
{
	char *p;

	if (cJSON_IsObject(it) || cJSON_IsArray(it) || !it) {
		snprintf(buf, cap, "%s", jsonpos_type_name(it));
		return buf;
	}
	p = cJSON_PrintUnformatted(it);
	if (!p) {
		snprintf(buf, cap, "%s", jsonpos_type_name(it));
		return buf;
	}
	if (strlen(p) > 48)
		snprintf(buf, cap, "%.44s...%s", p,
			 cJSON_IsString(it) ? "\"" : "");
	else
		snprintf(buf, cap, "%s", p);
	free(p);
	return buf;
}

void schema_expected(struct schema_ctx *c, const cJSON *item, const char *path,
		     const char *what)
{
	char buf[64];

	schema_error(c, item, false, path, "expected %s, got %s", what,
		     schema_got(item, buf, sizeof(buf)));
}

bool schema_accepted(const struct schema_ctx *c, const cJSON *item)
{
	if (!item)
		return false;
	for (size_t i = 0; i < c->n_failed; i++)
		if (c->failed[i] == item)
			return false;
	/* past the record's end, trust nothing */
	return c->n_failed < SCHEMA_MAX_FAILED;
}

void schema_join(char *out, const char *path, const char *key)
{
	int n;

	if (path && *path)
		n = snprintf(out, SCHEMA_PATH_LEN, "%s.%s", path, key);
	else
		n = snprintf(out, SCHEMA_PATH_LEN, "%s", key);
	/* a path longer than SCHEMA_PATH_LEN is cut: only a message shows it */
	if (n >= SCHEMA_PATH_LEN)
		out[SCHEMA_PATH_LEN - 1] = '\0';
}

void schema_join_index(char *out, const char *path, size_t i)
{
	if (snprintf(out, SCHEMA_PATH_LEN, "%s[%zu]", path, i) >=
	    SCHEMA_PATH_LEN)
		out[SCHEMA_PATH_LEN - 1] = '\0';
}

/* --- keys ------------------------------------------------------------------ */

bool schema_is_password_key(const char *k)
{
	return k && strcasestr(k, "password");
}

static void password_error(struct schema_ctx *c, const cJSON *member,
			   const char *path)
{
	schema_error(
		c, member, true, path,
		"passwords are not supported: kmdash authenticates with SSH keys or an agent only (use identity_files or agent)");
}

void schema_passwords_below(struct schema_ctx *c, const cJSON *item,
			    const char *path)
{
	char p[SCHEMA_PATH_LEN];
	size_t i = 0;

	for (const cJSON *ch = item ? item->child : NULL; ch;
	     ch = ch->next, i++) {
		if (ch->string)
			schema_join(p, path, ch->string);
		else
			schema_join_index(p, path, i);
		if (ch->string && schema_is_password_key(ch->string))
			password_error(c, ch, p);
		schema_passwords_below(c, ch, p);
	}
}

const struct schema_row *schema_row_find(const struct schema_table *t,
					 const char *name)
{
	for (const struct schema_row *r = t->rows; r->name; r++)
		if (schema_is_key(r) && !strcmp(r->name, name))
			return r;
	return NULL;
}

/* The first member of obj called like ch, which may be ch itself. */
static const cJSON *first_of(const cJSON *obj, const cJSON *ch)
{
	for (const cJSON *q = obj->child; q != ch; q = q->next)
		if (!strcmp(q->string, ch->string))
			return q;
	return ch;
}

/* "did you mean": the nearest key, or one the name begins ("memory"). */
static const char *suggest(const char *name, const char *const *keys, size_t n)
{
	const char *best = str_closest(name, keys, n, 2), *prefix = NULL;

	for (size_t i = 0; strlen(name) >= 3 && i < n && !prefix; i++)
		if (!strncmp(keys[i], name, strlen(name)))
			prefix = keys[i];
	if (prefix && (!best || str_distance(name, best) > 1))
		return prefix;
	return best;
}

static void unknown_key(struct schema_ctx *c, const struct schema_table *t,
			const cJSON *ch, const char *path)
{
	const char *keys[64], *best;
	char list[400];
	size_t n = 0, o = 0;

	list[0] = '\0';
	for (const struct schema_row *r = t->rows; r->name && n < 64; r++) {
		if (!schema_is_key(r))
			continue;
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				      n ? ", " : "", r->name);
		if (o >= sizeof(list))
			o = sizeof(list) - 1;
		keys[n++] = r->name;
	}
	best = suggest(ch->string, keys, n);
	if (best)
		schema_error(
			c, ch, true, path,
			"unknown key (did you mean \"%s\"? expected one of: %s)",
			best, list);
	else
		schema_error(c, ch, true, path,
			     "unknown key (expected one of: %s)", list);
}

/* Unknown, duplicate and password keys of an object, in file order. */
static void check_keys(struct schema_ctx *c, const struct schema_table *t,
		       const cJSON *obj, const char *path)
{
	char p[SCHEMA_PATH_LEN];

	for (const cJSON *ch = obj->child; ch; ch = ch->next) {
		const cJSON *first = first_of(obj, ch);

		schema_join(p, path, ch->string);
		if (schema_is_password_key(ch->string)) {
			password_error(c, ch, p);
		} else if (first != ch) {
			struct jsonpos_loc l = jsonpos_key(c->doc, first);

			schema_error(
				c, ch, true, p,
				"duplicate key (first at line %d, column %d)",
				l.line, l.col);
		} else if (!schema_row_find(t, ch->string)) {
			unknown_key(c, t, ch, p);
		}
	}
}

/* --- parsing one value ------------------------------------------------------ */

static bool parse_string(struct schema_ctx *c, const struct schema_row *row,
			 char **out, const cJSON *it, const char *p)
{
	char buf[64], *s;
	bool bad;

	if (!cJSON_IsString(it)) {
		schema_error(c, it, false, p, "expected a string, got %s",
			     schema_got(it, buf, sizeof(buf)));
		return false;
	}
	if (!(row->flags & SCHEMA_EMPTY_OK) && !*it->valuestring) {
		schema_error(c, it, false, p, "expected a non-empty string");
		return false;
	}
	if (row->type != SCHEMA_PATH ||
	    ((row->flags & SCHEMA_COMMAND) && !strchr(it->valuestring, '/'))) {
		schema_set_str(c, out, it->valuestring);
		return true;
	}
	s = schema_path(c, it->valuestring, &bad);
	if (bad) {
		schema_error(c, it, false, p,
			     "cannot expand \"%s\": no such user",
			     it->valuestring);
		return false;
	}
	free(*out);
	*out = s;
	return true;
}

static bool parse_int(struct schema_ctx *c, const struct schema_row *row,
		      const void *obj, int *out, const cJSON *it, const char *p)
{
	int min = row->min, max = row->max;
	const char *note = NULL;
	char buf[64];
	double d = it->valuedouble;

	if (row->range)
		row->range(obj, &min, &max, &note);
	if (!cJSON_IsNumber(it) || d != floor(d) || d < min || d > max) {
		schema_error(c, it, false, p,
			     "expected an integer %d-%d%s, got %s", min, max,
			     note ? note : "",
			     schema_got(it, buf, sizeof(buf)));
		return false;
	}
	*out = (int)d;
	return true;
}

static bool parse_bool(struct schema_ctx *c, bool *out, const cJSON *it,
		       const char *p)
{
	char buf[64];

	if (!cJSON_IsBool(it)) {
		schema_error(c, it, false, p, "expected true or false, got %s",
			     schema_got(it, buf, sizeof(buf)));
		return false;
	}
	*out = cJSON_IsTrue(it);
	return true;
}

static bool parse_enum(struct schema_ctx *c, const struct schema_row *row,
		       int *out, const cJSON *it, const char *p)
{
	const char *const *names = row->names;
	char buf[64], list[160];
	size_t o = 0;

	for (int i = row->first; names[i]; i++) {
		if (cJSON_IsString(it) && !strcmp(it->valuestring, names[i])) {
			*out = i;
			return true;
		}
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"%s\"",
				      i == row->first ? "" :
				      names[i + 1]    ? ", " :
							" or ",
				      names[i]);
		if (o >= sizeof(list))
			o = sizeof(list) - 1;
	}
	schema_error(c, it, false, p, "expected %s, got %s", list,
		     schema_got(it, buf, sizeof(buf)));
	return false;
}

static bool parse_strv(struct schema_ctx *c, const struct schema_row *row,
		       struct config_strv *out, const cJSON *it, const char *p)
{
	char pi[SCHEMA_PATH_LEN], buf[64];
	struct config_strv sv = { 0 };
	size_t i = 0;
	bool ok = true;

	if (!cJSON_IsArray(it)) {
		schema_error(c, it, false, p, "expected an array of %s, got %s",
			     row->what, schema_got(it, buf, sizeof(buf)));
		return false;
	}
	if ((row->flags & SCHEMA_NONEMPTY) && !it->child) {
		schema_error(c, it, false, p,
			     "expected a non-empty array of %s, got []",
			     row->what);
		return false;
	}
	schema_strv_set(c, &sv, NULL);
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		schema_join_index(pi, p, i);
		if (!cJSON_IsString(e)) {
			schema_error(c, e, false, pi,
				     "expected a string, got %s",
				     schema_got(e, buf, sizeof(buf)));
			ok = false;
		} else if (row->check_each && !row->check_each(c, row, e, pi)) {
			ok = false;
		} else if (row->flags & SCHEMA_PATHS) {
			bool bad;
			char *x = schema_path(c, e->valuestring, &bad);

			if (bad) {
				schema_error(
					c, e, false, pi,
					"cannot expand \"%s\": no such user",
					e->valuestring);
				ok = false;
			} else {
				schema_strv_push(c, &sv, x);
			}
			free(x);
		} else {
			schema_strv_push(c, &sv, e->valuestring);
		}
	}
	if (!ok) {
		schema_strv_free(&sv);
		return false;
	}
	schema_strv_free(out);
	*out = sv;
	return true;
}

static bool parse_map(struct schema_ctx *c, const struct schema_row *row,
		      struct config_strv *out, const cJSON *it, const char *p)
{
	char pk[SCHEMA_PATH_LEN], buf[64];

	if (!cJSON_IsObject(it)) {
		schema_error(c, it, false, p,
			     "expected an object of %s, got %s", row->what,
			     schema_got(it, buf, sizeof(buf)));
		return false;
	}
	schema_passwords_below(c, it, p);
	schema_strv_set(c, out, NULL);
	for (const cJSON *e = it->child; e; e = e->next) {
		char *kv;

		schema_join(pk, p, e->string);
		if (schema_is_password_key(e->string))
			continue;
		if (row->check_each && !row->check_each(c, row, e, pk))
			continue;
		if (!cJSON_IsString(e)) {
			schema_error(c, e, false, pk,
				     "expected a string, got %s",
				     schema_got(e, buf, sizeof(buf)));
			continue;
		}
		kv = str_printf("%s=%s", e->string, e->valuestring);
		if (!kv)
			c->oom = true;
		else
			schema_strv_push(c, out, kv);
		free(kv);
	}
	return true;
}

static bool parse_array(struct schema_ctx *c, const struct schema_row *row,
			void *obj, const cJSON *it, const char *p)
{
	size_t *count = (size_t *)((char *)obj + row->count_offset), n = 0;
	const struct schema_table *sub = row->sub;
	char pi[SCHEMA_PATH_LEN], buf[64];
	void **arr = schema_field(obj, row);
	size_t i = 0;

	if (!cJSON_IsArray(it)) {
		schema_error(c, it, false, p, "expected an array of %s, got %s",
			     row->what, schema_got(it, buf, sizeof(buf)));
		return false;
	}
	for (const cJSON *e = it->child; e; e = e->next)
		n++;
	if (!n)
		return true;
	*arr = calloc(n, sub->size);
	if (!*arr) {
		c->oom = true;
		return false;
	}
	/* counted as they come: the hooks see the elements before them */
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		void *elem = (char *)*arr + i * sub->size;

		schema_join_index(pi, p, i);
		*count = i + 1;
		schema_defaults(c, sub, elem);
		schema_parse_object(c, sub, elem, e, pi);
	}
	return true;
}

static bool parse_value(struct schema_ctx *c, const struct schema_row *row,
			void *obj, const cJSON *it, const char *p)
{
	void *f = schema_field(obj, row);

	if (row->check && !row->check(c, row, it, p))
		return false;
	switch (row->type) {
	case SCHEMA_STRING:
	case SCHEMA_PATH:
		return parse_string(c, row, f, it, p);
	case SCHEMA_INT:
		return parse_int(c, row, obj, f, it, p);
	case SCHEMA_BOOL:
		return parse_bool(c, f, it, p);
	case SCHEMA_ENUM:
		return parse_enum(c, row, f, it, p);
	case SCHEMA_STRV:
		return parse_strv(c, row, f, it, p);
	case SCHEMA_MAP:
		return parse_map(c, row, f, it, p);
	case SCHEMA_OBJECT:
		return schema_parse_object(c, row->sub, f, it, p);
	case SCHEMA_ARRAY:
		return parse_array(c, row, obj, it, p);
	case SCHEMA_CUSTOM:
		return row->ops->parse(c, row, obj, it, p);
	}
	return false;
}

bool schema_parse_row(struct schema_ctx *c, const struct schema_row *row,
		      void *obj, const cJSON *json, const char *path)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(json, row->name);
	char p[SCHEMA_PATH_LEN];

	if (!it)
		return false;
	schema_join(p, path, row->name);
	return parse_value(c, row, obj, it, p);
}

bool schema_parse_object(struct schema_ctx *c, const struct schema_table *t,
			 void *obj, const cJSON *json, const char *path)
{
	char p[SCHEMA_PATH_LEN], buf[64];

	if (!cJSON_IsObject(json)) {
		schema_error(c, json, false, path, "expected an object, got %s",
			     schema_got(json, buf, sizeof(buf)));
		return false;
	}
	check_keys(c, t, json, path);
	if (t->prepare && !t->prepare(c, obj, json, path))
		return false;
	for (const cJSON *ch = json->child; ch; ch = ch->next) {
		const struct schema_row *row = schema_row_find(t, ch->string);

		/* unknown and repeated keys are reported already */
		if (!row || (row->flags & SCHEMA_BY_HOOK) ||
		    schema_is_password_key(ch->string) ||
		    first_of(json, ch) != ch)
			continue;
		schema_join(p, path, ch->string);
		parse_value(c, row, obj, ch, p);
	}
	if (t->finish)
		t->finish(c, obj, json, path);
	return true;
}
