// SPDX-License-Identifier: GPL-2.0
/*
 * The config schema is data: a key is a row of a table, and the engine
 * that config_load(), config_print() and config_free() run on kmdash's
 * table (core/config/table.c) does the rest. Here a table of the test's
 * own, over a struct of its own, gets one more row appended at run time,
 * with no other code touched; the new key is then parsed, defaulted,
 * printed, freed and suggested for a misspelling. tests/run.sh unit also
 * runs this program under valgrind (a build without ASan).
 *
 * The other row types are here too, so that the engine's every type is
 * exercised on a table that is not kmdash's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/schema.h"

struct demo_item {
	char *id;
	bool on;
};

struct demo_box {
	int level;
	char *label;
	char *motd; /* the field of the new key */
};

struct demo {
	char *greeting;
	int retries;
	int colour;
	struct config_strv tags;
	struct config_strv env;
	char *home;
	struct demo_box box;
	struct demo_item *items;
	size_t n_items;
};

static const char *const colour_names[] = { "red", "green", "blue", NULL };
static const char *const default_tags[] = { "a", "b", NULL };

static const struct schema_row item_rows[] = {
	{ .name = "id",
	  .type = SCHEMA_STRING,
	  .offset = offsetof(struct demo_item, id),
	  .text = "The item's name." },
	{ .name = "on",
	  .type = SCHEMA_BOOL,
	  .offset = offsetof(struct demo_item, on),
	  .default_num = true,
	  .text = "Whether it is on." },
	{ 0 },
};

static const struct schema_table item_table = {
	.rows = item_rows,
	.size = sizeof(struct demo_item),
};

/* The box as it is before the new key: room for one more row. */
static struct schema_row box_rows[4] = {
	{ .name = "level",
	  .type = SCHEMA_INT,
	  .offset = offsetof(struct demo_box, level),
	  .min = 1,
	  .max = 9,
	  .default_num = 5,
	  .text = "How high." },
	{ .name = "label",
	  .type = SCHEMA_STRING,
	  .offset = offsetof(struct demo_box, label),
	  .default_str = "box",
	  .text = "What it says." },
};

static const struct schema_table box_table = { .rows = box_rows };

/* The new key: one row, a default, a line of documentation. */
static const struct schema_row motd_row = {
	.name = "motd",
	.type = SCHEMA_STRING,
	.offset = offsetof(struct demo_box, motd),
	.default_str = "hello",
	.text = "The message of the day.",
};

static const struct schema_row demo_rows[] = {
	{ .name = "greeting",
	  .type = SCHEMA_STRING,
	  .offset = offsetof(struct demo, greeting),
	  .default_str = "hi",
	  .text = "A string." },
	{ .name = "retries",
	  .type = SCHEMA_INT,
	  .offset = offsetof(struct demo, retries),
	  .min = 0,
	  .max = 10,
	  .default_num = 3,
	  .text = "An integer with limits." },
	{ .name = "colour",
	  .type = SCHEMA_ENUM,
	  .offset = offsetof(struct demo, colour),
	  .names = colour_names,
	  .default_num = 2,
	  .text = "One of some names." },
	{ .name = "tags",
	  .type = SCHEMA_STRV,
	  .offset = offsetof(struct demo, tags),
	  .what = "tag names",
	  .default_strv = default_tags,
	  .text = "A list of strings." },
	{ .name = "env",
	  .type = SCHEMA_MAP,
	  .offset = offsetof(struct demo, env),
	  .what = "NAME: \"value\" strings",
	  .text = "A map of strings." },
	{ .name = "home",
	  .type = SCHEMA_PATH,
	  .offset = offsetof(struct demo, home),
	  .text = "A path." },
	{ .name = "box",
	  .type = SCHEMA_OBJECT,
	  .offset = offsetof(struct demo, box),
	  .sub = &box_table,
	  .text = "An object." },
	{ .name = "items",
	  .type = SCHEMA_ARRAY,
	  .offset = offsetof(struct demo, items),
	  .count_offset = offsetof(struct demo, n_items),
	  .what = "items",
	  .sub = &item_table,
	  .text = "An array of objects." },
	{ 0 },
};

static const struct schema_table demo_table = { .rows = demo_rows };

/*
 * Parses text as "demo.json" into d (defaults first). Returns the number
 * of errors; err holds them.
 */
static unsigned int load(const char *text, struct demo *d, char *err,
			 size_t errlen)
{
	struct jsonpos_doc *doc;
	struct schema_ctx c;
	unsigned int n;

	memset(d, 0, sizeof(*d));
	schema_ctx_init(&c, NULL, err, errlen, NULL);
	schema_defaults(&c, &demo_table, d);
	doc = jsonpos_parse("demo.json", text, strlen(text), err, errlen);
	assert_non_null(doc);
	schema_ctx_init(&c, doc, err, errlen, NULL);
	schema_parse_object(&c, &demo_table, d, doc->root, "");
	n = jsonerr_end(&c.errs);
	assert_false(c.oom);
	jsonpos_free(doc);
	return n;
}

/* The effective values as config --print shows them. */
static char *print(const struct demo *d)
{
	cJSON *o = schema_print(&demo_table, d);
	char *s = cJSON_Print(o);

	cJSON_Delete(o);
	assert_non_null(s);
	return s;
}

static void add_motd_row(void)
{
	box_rows[2] = motd_row;
}

static void remove_motd_row(void)
{
	memset(&box_rows[2], 0, sizeof(box_rows[2]));
}

static void test_without_the_row_the_key_is_unknown(void **state)
{
	char err[1024];
	struct demo d;

	assert_int_equal(load("{ \"box\": { \"motd\": \"hey\" } }", &d, err,
			      sizeof(err)),
			 1);
	assert_string_equal(
		err,
		"demo.json:1:12: box.motd: unknown key (expected one of: level, label)");
	schema_free(&demo_table, &d);
}

static void test_new_row_is_defaulted_and_printed(void **state)
{
	char err[1024], *p;
	struct demo d;

	add_motd_row();
	assert_int_equal(load("{}", &d, err, sizeof(err)), 0);
	assert_string_equal(d.box.motd, "hello");
	p = print(&d);
	assert_non_null(strstr(p, "\"motd\":\t\"hello\""));
	free(p);
	schema_free(&demo_table, &d);
	assert_null(d.box.motd);
	remove_motd_row();
}

static void test_new_row_is_parsed_printed_and_freed(void **state)
{
	char err[1024], *p;
	struct demo d;

	add_motd_row();
	assert_int_equal(load("{ \"box\": { \"motd\": \"good morning\" } }", &d,
			      err, sizeof(err)),
			 0);
	assert_string_equal(d.box.motd, "good morning");
	assert_string_equal(d.box.label, "box");
	p = print(&d);
	assert_non_null(strstr(p, "\"motd\":\t\"good morning\""));
	free(p);
	/* its type is checked like any string's */
	schema_free(&demo_table, &d);
	assert_null(d.box.motd);
	assert_int_equal(
		load("{ \"box\": { \"motd\": 7 } }", &d, err, sizeof(err)), 1);
	assert_string_equal(
		err, "demo.json:1:20: box.motd: expected a string, got 7");
	schema_free(&demo_table, &d);
	remove_motd_row();
}

static void test_new_row_is_suggested(void **state)
{
	char err[1024];
	struct demo d;

	add_motd_row();
	assert_int_equal(load("{ \"box\": { \"mtod\": \"hey\" } }", &d, err,
			      sizeof(err)),
			 1);
	assert_string_equal(
		err,
		"demo.json:1:12: box.mtod: unknown key (did you mean \"motd\"? expected one of: level, label, motd)");
	schema_free(&demo_table, &d);
	remove_motd_row();
}

/* Every type, with the user's values, prints back to what loads again. */
static void test_every_type_round_trips(void **state)
{
	const char *text =
		"{ \"greeting\": \"yo\", \"retries\": 0, \"colour\": \"red\",\n"
		"  \"tags\": [], \"env\": { \"A\": \"1\", \"B\": \"x=y\" },\n"
		"  \"home\": \"~/h\", \"box\": { \"level\": 9 },\n"
		"  \"items\": [ { \"id\": \"one\" }, { \"id\": \"two\", "
		"\"on\": false } ] }";
	char err[1024], *p, *q;
	struct demo d, e;

	setenv("HOME", "/home/tester", 1);
	assert_int_equal(load(text, &d, err, sizeof(err)), 0);
	assert_string_equal(d.greeting, "yo");
	assert_int_equal(d.retries, 0);
	assert_int_equal(d.colour, 0);
	assert_int_equal(d.tags.n, 0);
	assert_non_null(d.tags.v);
	assert_null(d.tags.v[0]);
	assert_int_equal(d.env.n, 2);
	assert_string_equal(d.env.v[1], "B=x=y");
	assert_string_equal(d.home, "/home/tester/h");
	assert_int_equal(d.box.level, 9);
	assert_int_equal(d.n_items, 2);
	assert_string_equal(d.items[1].id, "two");
	assert_true(d.items[0].on);
	assert_false(d.items[1].on);
	p = print(&d);
	assert_int_equal(load(p, &e, err, sizeof(err)), 0);
	q = print(&e);
	assert_string_equal(p, q);
	free(p);
	free(q);
	schema_free(&demo_table, &d);
	schema_free(&demo_table, &e);
	assert_null(d.items);
	assert_int_equal(d.n_items, 0);
}

/* Every mistake at once, each with its place, in file order. */
static void test_every_error_is_reported(void **state)
{
	const char *text = "{ \"retries\": 11, \"colour\": \"pink\",\n"
			   "  \"tags\": [\"a\", 2], \"env\": { \"A\": 1 },\n"
			   "  \"items\": [ { \"id\": \"\", \"of\": true } ],\n"
			   "  \"retries\": 1, \"db_password\": \"x\" }";
	char err[2048];
	struct demo d;

	assert_int_equal(load(text, &d, err, sizeof(err)), 8);
	assert_string_equal(
		err,
		"demo.json:4:3: retries: duplicate key (first at line 1, column 3)\n"
		"demo.json:4:17: db_password: passwords are not supported: kmdash authenticates with SSH keys or an agent only (use identity_files or agent)\n"
		"demo.json:1:14: retries: expected an integer 0-10, got 11\n"
		"demo.json:1:28: colour: expected \"red\", \"green\" or \"blue\", got \"pink\"\n"
		"demo.json:2:17: tags[1]: expected a string, got 2\n"
		"demo.json:2:35: env.A: expected a string, got 1\n"
		"demo.json:3:26: items[0].of: unknown key (did you mean \"on\"? expected one of: id, on)\n"
		"demo.json:3:22: items[0].id: expected a non-empty string");
	schema_free(&demo_table, &d);
}

/* kmdash's own table: every key has its line of documentation, once. */
static int check_table(const struct schema_table *t, const char *path)
{
	int bad = 0;

	for (const struct schema_row *r = t->rows; r->name; r++) {
		if (!schema_is_key(r))
			continue;
		if (!r->text || !*r->text) {
			print_error("%s.%s has no documentation\n", path,
				    r->name);
			bad++;
		}
		if (schema_row_find(t, r->name) != r) {
			print_error("%s.%s is in its table twice\n", path,
				    r->name);
			bad++;
		}
		if (r->sub)
			bad += check_table(r->sub, r->name);
	}
	return bad;
}

static void test_kmdash_keys_are_documented(void **state)
{
	assert_int_equal(check_table(config_schema(), "config"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_the_row_the_key_is_unknown),
		cmocka_unit_test(test_new_row_is_defaulted_and_printed),
		cmocka_unit_test(test_new_row_is_parsed_printed_and_freed),
		cmocka_unit_test(test_new_row_is_suggested),
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_every_error_is_reported),
		cmocka_unit_test(test_kmdash_keys_are_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
