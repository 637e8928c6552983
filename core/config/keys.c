// SPDX-License-Identifier: GPL-2.0
/*
 * ui.keys: { "action": ["key", ...] } (or one "key"), kept in order with
 * where each name was written, so that tui/keymap.c, which knows the
 * actions and key names, can say file:line:col about them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/config/config_int.h"

/* The array's elements, or the one string written instead of an array. */
static const cJSON *first_key(const cJSON *a)
{
	return cJSON_IsArray(a) ? a->child : a;
}

static const cJSON *next_key(const cJSON *a, const cJSON *e)
{
	return cJSON_IsArray(a) ? e->next : NULL;
}

/* The valid key names of one action, counted and reported. */
static size_t check_binding(struct schema_ctx *c, const cJSON *a, const char *p)
{
	char pi[SCHEMA_PATH_LEN], buf[64];
	size_t i = 0, n = 0;

	for (const cJSON *e = first_key(a); e; e = next_key(a, e), i++) {
		schema_join_index(pi, p, i);
		if (cJSON_IsString(e) && *e->valuestring) {
			n++;
			continue;
		}
		schema_error(
			c, e, false, cJSON_IsArray(a) ? pi : p,
			"expected a key name like \"b\", \"C-x\" or \"F5\", got %s",
			schema_got(e, buf, sizeof(buf)));
	}
	return n;
}

static void add_binding(struct schema_ctx *c, struct config_binding *b,
			const cJSON *a, size_t nk)
{
	b->action = schema_strdup(c, a->string);
	b->loc = jsonpos_key(c->doc, a);
	b->keys = calloc(nk ? nk : 1, sizeof(*b->keys));
	if (!b->keys) {
		c->oom = true;
		return;
	}
	for (const cJSON *e = first_key(a); e; e = next_key(a, e)) {
		if (!cJSON_IsString(e) || !*e->valuestring)
			continue;
		b->keys[b->n_keys].key = schema_strdup(c, e->valuestring);
		b->keys[b->n_keys++].loc = jsonpos_value(c->doc, e);
	}
}

static bool keys_parse(struct schema_ctx *c, const struct schema_row *row,
		       void *obj, const cJSON *keys, const char *path)
{
	struct config_ui *ui = obj;
	char p[SCHEMA_PATH_LEN], buf[64];
	size_t n = 0;

	if (!cJSON_IsObject(keys)) {
		schema_error(
			c, keys, false, path,
			"expected an object of action: [\"key\", ...], got %s",
			schema_got(keys, buf, sizeof(buf)));
		return false;
	}
	schema_passwords_below(c, keys, path);
	for (const cJSON *a = keys->child; a; a = a->next)
		n++;
	ui->bindings = calloc(n ? n : 1, sizeof(*ui->bindings));
	if (!ui->bindings) {
		c->oom = true;
		return false;
	}
	for (const cJSON *a = keys->child; a; a = a->next) {
		size_t nk;

		schema_join(p, path, a->string);
		if (schema_is_password_key(a->string))
			continue;
		if (!*a->string) {
			schema_error(c, a, true, p, "expected an action name");
			continue;
		}
		if (!cJSON_IsArray(a) && !cJSON_IsString(a)) {
			schema_error(
				c, a, false, p,
				"expected an array of key names like [\"b\", \"F5\"], got %s",
				schema_got(a, buf, sizeof(buf)));
			continue;
		}
		nk = check_binding(c, a, p);
		add_binding(c, &ui->bindings[ui->n_bindings++], a, nk);
	}
	return true;
}

static void keys_print(const struct schema_row *row, const void *obj,
		       cJSON *parent)
{
	const struct config_ui *ui = obj;
	cJSON *keys = cJSON_AddObjectToObject(parent, row->name);

	for (size_t i = 0; keys && i < ui->n_bindings; i++) {
		const struct config_binding *b = &ui->bindings[i];
		cJSON *a = cJSON_AddArrayToObject(keys, b->action);

		for (size_t k = 0; a && k < b->n_keys; k++)
			cJSON_AddItemToArray(
				a, cJSON_CreateString(b->keys[k].key));
	}
}

static void keys_free(const struct schema_row *row, void *obj)
{
	struct config_ui *ui = obj;

	for (size_t i = 0; i < ui->n_bindings; i++) {
		for (size_t k = 0; k < ui->bindings[i].n_keys; k++)
			free(ui->bindings[i].keys[k].key);
		free(ui->bindings[i].keys);
		free(ui->bindings[i].action);
	}
	free(ui->bindings);
	ui->bindings = NULL;
	ui->n_bindings = 0;
}

const struct schema_ops config_keys_ops = {
	.parse = keys_parse,
	.print = keys_print,
	.free = keys_free,
};
