// SPDX-License-Identifier: GPL-2.0
/*
 * Themes: every shipped theme loads and is complete, the compiled-in
 * fallbacks equal their files, colours map down to 256/16/8/none, and a
 * broken theme says file, line, column and key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "tui/theme.h"

static const char *shipped[] = { "default", "light", "solarized-dark",
				 "high-contrast", "monochrome" };

/* The source tree's themes/, from where this file was compiled. */
static void themes_dir(char *buf, size_t cap)
{
	const char *f = __FILE__, *t = strstr(f, "tests/unit/");

	snprintf(buf, cap, "%.*sthemes", t ? (int)(t - f) : 0, f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void test_shipped_themes_load_and_are_complete(void **state)
{
	char dir[256], path[512], err[512] = "";
	struct theme t;

	themes_dir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		char *text;
		cJSON *root, *colors;

		snprintf(path, sizeof(path), "%s/%s.json", dir, shipped[i]);
		if (theme_load_file(&t, path, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_string_equal(t.name, shipped[i]);

		/* Complete: a shipped theme must not lean on the fallback. */
		text = slurp(path);
		root = cJSON_Parse(text);
		assert_non_null(root);
		assert_string_equal(
			cJSON_GetObjectItem(root, "name")->valuestring,
			shipped[i]);
		colors = cJSON_GetObjectItem(root, "colors");
		for (int r = 0; r < TR_COUNT; r++)
			if (!cJSON_GetObjectItem(colors, theme_role_name(r)))
				fail_msg("%s has no '%s'", path,
					 theme_role_name(r));
		cJSON_Delete(root);
		free(text);
	}
}

static void test_builtins_equal_their_files(void **state)
{
	char dir[256], path[512], err[256];
	struct theme file, builtin;

	themes_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/default.json", dir);
	assert_int_equal(theme_load_file(&file, path, err, sizeof(err)), 0);
	theme_builtin_default(&builtin);
	for (int r = 0; r < TR_COUNT; r++)
		if (memcmp(&file.role[r], &builtin.role[r],
			   sizeof(file.role[r])) != 0)
			fail_msg("default.json and the built-in differ at '%s'",
				 theme_role_name(r));

	snprintf(path, sizeof(path), "%s/monochrome.json", dir);
	assert_int_equal(theme_load_file(&file, path, err, sizeof(err)), 0);
	theme_builtin_mono(&builtin);
	for (int r = 0; r < TR_COUNT; r++)
		if (memcmp(&file.role[r], &builtin.role[r],
			   sizeof(file.role[r])) != 0)
			fail_msg(
				"monochrome.json and the built-in differ at '%s'",
				theme_role_name(r));
}

static void test_color_parse(void **state)
{
	struct theme_color c;

	assert_int_equal(theme_color_parse("red", &c), 0);
	assert_true(c.kind == TC_INDEX && c.v == 1);
	assert_int_equal(theme_color_parse("Bright-White", &c), 0);
	assert_true(c.kind == TC_INDEX && c.v == 15);
	assert_int_equal(theme_color_parse("grey", &c), 0);
	assert_true(c.kind == TC_INDEX && c.v == 8);
	assert_int_equal(theme_color_parse("default", &c), 0);
	assert_true(c.kind == TC_DEFAULT);
	assert_int_equal(theme_color_parse("#2aA198", &c), 0);
	assert_true(c.kind == TC_RGB && c.v == 0x2aa198);
	assert_int_equal(theme_color_parse("255", &c), 0);
	assert_true(c.kind == TC_INDEX && c.v == 255);

	const char *bad[] = { "",	 "redd",   "256",
			      "-1",	 "#12345", "#1234567",
			      "#gg0000", "12a",	   "bright red" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (theme_color_parse(bad[i], &c) != -EINVAL)
			fail_msg("'%s' should not parse", bad[i]);
}

static void test_nearest_256(void **state)
{
	assert_int_equal(theme_rgb_to_256(0xff0000), 196);
	assert_int_equal(theme_rgb_to_256(0x5f87af), 67);
	assert_int_equal(theme_rgb_to_256(0x808080), 244);
	assert_int_equal(theme_rgb_to_256(0x000000), 16);
	assert_int_equal(theme_rgb_to_256(0xffffff), 231);
	assert_int_equal(theme_rgb_to_256(0xeeeeee), 255);
	/* Solarized base03 is a dark grey-blue: the grey ramp is nearer. */
	assert_int_equal(theme_rgb_to_256(0x002b36), 234);
	assert_int_equal(theme_rgb_to_256(0x268bd2), 32);
	/* Every palette colour maps back to itself. */
	for (int i = 16; i < 256; i++)
		if (theme_rgb_to_256(theme_index_rgb(i)) != i)
			fail_msg("index %d (#%06x) maps to %d", i,
				 theme_index_rgb(i),
				 theme_rgb_to_256(theme_index_rgb(i)));
	assert_int_equal(theme_rgb_to_16(0xff0000, 16), 9);
	assert_int_equal(theme_rgb_to_16(0x800000, 16), 1);
	assert_int_equal(theme_rgb_to_16(0x000080, 16), 4);
	/* Orange: dark yellow (often brown) is nearer than bright yellow. */
	assert_int_equal(theme_rgb_to_16(0xff8700, 16), 3);
	assert_int_equal(theme_rgb_to_16(0xff8700, 8), 3);
	assert_int_equal(theme_rgb_to_16(0x808080, 16), 8);
	assert_int_equal(theme_rgb_to_16(0x808080, 8), 7);
}

static void test_depth_detect(void **state)
{
	assert_int_equal(theme_depth_detect(NULL, "truecolor", 256), TD_TRUE);
	assert_int_equal(theme_depth_detect(NULL, "24bit", 256), TD_TRUE);
	assert_int_equal(theme_depth_detect(NULL, NULL, 256), TD_256);
	assert_int_equal(theme_depth_detect(NULL, "truecolor", 8), TD_8);
	assert_int_equal(theme_depth_detect(NULL, "", 16), TD_16);
	assert_int_equal(theme_depth_detect(NULL, NULL, 8), TD_8);
	assert_int_equal(theme_depth_detect(NULL, NULL, 2), TD_MONO);
	assert_int_equal(theme_depth_detect(NULL, NULL, -1), TD_MONO);
	/* NO_COLOR wins over everything, whatever its value... */
	assert_int_equal(theme_depth_detect("1", "truecolor", 256), TD_MONO);
	assert_int_equal(theme_depth_detect("no", NULL, 16), TD_MONO);
	/* ...but, as no-color.org says, an empty NO_COLOR is unset. */
	assert_int_equal(theme_depth_detect("", NULL, 256), TD_256);
}

static void test_resolve_depths(void **state)
{
	const char *text =
		"{ \"colors\": {\n"
		"  \"graph.1\": { \"fg\": \"#ff8700\", \"bg\": 196 },\n"
		"  \"graph.2\": { \"fg\": \"bright-green\", \"bg\": \"blue\" },\n"
		"  \"graph.3\": { \"fg\": 67, \"attrs\": \"underline\" }\n"
		"} }";
	struct theme t;
	struct theme_pen p[TR_COUNT];
	char err[256];

	assert_int_equal(theme_parse(&t, "x", text, strlen(text), "x.json", err,
				     sizeof(err)),
			 0);
	theme_resolve(&t, TD_TRUE, p);
	assert_int_equal(p[TR_GRAPH_1].fg, 0xff8700 | THEME_PEN_RGB);
	assert_int_equal(p[TR_GRAPH_1].bg, 196);
	assert_int_equal(p[TR_GRAPH_2].fg, 10);
	assert_int_equal(p[TR_NORMAL].fg, -1);
	assert_int_equal(p[TR_NORMAL].bg, -1);

	theme_resolve(&t, TD_256, p);
	assert_int_equal(p[TR_GRAPH_1].fg, 208);
	assert_int_equal(p[TR_GRAPH_1].bg, 196);
	assert_int_equal(p[TR_GRAPH_3].fg, 67);
	assert_int_equal(p[TR_GRAPH_3].attrs, THEME_UNDERLINE);

	theme_resolve(&t, TD_16, p);
	assert_int_equal(p[TR_GRAPH_1].fg, 3);
	assert_int_equal(p[TR_GRAPH_1].bg, 9);
	assert_int_equal(p[TR_GRAPH_2].fg, 10);
	assert_int_equal(p[TR_GRAPH_2].bg, 4);
	assert_int_equal(p[TR_GRAPH_3].fg, 8); /* #5f87af is greyish */

	/* 8 colours: a bright foreground turns into bold, a background
	 * just loses its brightness. */
	theme_resolve(&t, TD_8, p);
	assert_int_equal(p[TR_GRAPH_1].fg, 3);
	assert_int_equal(p[TR_GRAPH_1].bg, 1);
	assert_int_equal(p[TR_GRAPH_1].attrs, 0);
	assert_int_equal(p[TR_GRAPH_2].fg, 2);
	assert_int_equal(p[TR_GRAPH_2].attrs, THEME_BOLD);
	assert_int_equal(p[TR_GRAPH_3].attrs, THEME_UNDERLINE | THEME_BOLD);
}

static void test_no_color_is_attributes_only(void **state)
{
	struct theme t;
	struct theme_pen p[TR_COUNT];

	theme_builtin_default(&t);
	theme_resolve(&t, theme_depth_detect("1", "truecolor", 256), p);
	for (int r = 0; r < TR_COUNT; r++) {
		assert_int_equal(p[r].fg, -1);
		assert_int_equal(p[r].bg, -1);
	}
	/* Still tells focus, errors and link state apart. */
	assert_int_equal(p[TR_BORDER_FOCUS].attrs, THEME_BOLD);
	assert_int_equal(p[TR_BORDER].attrs, 0);
	assert_int_equal(p[TR_STATUS].attrs, THEME_REVERSE);
	assert_int_equal(p[TR_LINK_DOWN].attrs, THEME_BOLD | THEME_REVERSE);
	assert_int_equal(p[TR_LINK_DEGRADED].attrs, THEME_UNDERLINE);
	assert_int_equal(p[TR_SEARCH].attrs, THEME_REVERSE);
}

static void test_partial_theme_keeps_defaults(void **state)
{
	const char *text = "{ \"name\": \"mine\", \"colors\": { \"border\": "
			   "\"blue\" } }";
	struct theme t, d;
	char err[256];

	assert_int_equal(theme_parse(&t, "mine", text, strlen(text), "m.json",
				     err, sizeof(err)),
			 0);
	theme_builtin_default(&d);
	assert_string_equal(t.name, "mine");
	assert_int_equal(t.role[TR_BORDER].fg.kind, TC_INDEX);
	assert_int_equal(t.role[TR_BORDER].fg.v, 4);
	assert_memory_equal(&t.role[TR_LOG_ERR], &d.role[TR_LOG_ERR],
			    sizeof(d.role[0]));
}

/* Parses @text expecting an error; returns it. */
static const char *broken(const char *text)
{
	static char err[4096];
	struct theme t, d;

	err[0] = '\0';
	assert_int_equal(theme_parse(&t, "bad", text, strlen(text),
				     "/home/u/.config/kmdash/themes/bad.json",
				     err, sizeof(err)),
			 -EINVAL);
	/* The default theme is used instead. */
	theme_builtin_default(&d);
	assert_memory_equal(&t, &d, sizeof(t));
	return err;
}

#define F "/home/u/.config/kmdash/themes/bad.json"

static void test_broken_theme_errors(void **state)
{
	assert_string_equal(
		broken("{\n  \"colors\": {\n    \"log.err\": { \"fg\": \"redd\" }\n  }\n}\n"),
		F ":3:24: 'log.err' fg: unknown colour 'redd' (use a name like "
		  "red or bright-red, default, 0-255 or #rrggbb)");
	assert_string_equal(
		broken("{\n  \"colors\": {\n    \"border\": {},\n    \"bordr\": { \"fg\": \"red\" }\n  }\n}\n"),
		F ":4:5: unknown role 'bordr' (roles: normal, border, "
		  "border.focus, title, status, keybar.key, log.err, graph.1, "
		  "link.up, ...; see themes/default.json)");
	assert_string_equal(
		broken("{ \"colors\": {\n  \"search\": { \"bg\": 300 } } }"),
		F ":2:21: 'search' bg: colour index 300 is not 0-255");
	assert_string_equal(
		broken("{ \"colors\": {\n  \"search\": { \"attrs\": [\"bold\", \"blink\"] } } }"),
		F ":2:24: 'search' attrs: use a list of bold, dim, italic, "
		  "underline, reverse");
	assert_string_equal(
		broken("{ \"colors\": {\n  \"search\": { \"fg\": \"red\", \"fgg\": \"red\" } } }"),
		F ":2:28: 'search': unknown key 'fgg' (a style has fg, bg and "
		  "attrs)");
	assert_string_equal(
		broken("{ \"colors\": {\n  \"search\": \"#12\" } }"),
		F ":2:13: 'search': unknown colour '#12' (use a name like red "
		  "or bright-red, default, 0-255 or #rrggbb)");
	assert_string_equal(
		broken("{\n  \"name\": \"x\",\n  \"colours\": {}\n}"),
		F ":3:3: unknown key 'colours' (a theme has name, "
		  "description and colors)");
	assert_string_equal(broken("{\n  \"colors\": [1]\n}"),
			    F ":2:13: \"colors\" must be an object of roles, "
			      "like \"border\": { \"fg\": \"blue\" }");
	assert_string_equal(broken("[]"),
			    F ":1:1: a theme is a JSON object with a "
			      "\"colors\" member");
	/* Syntax: the place where the parser gave up. */
	assert_string_equal(
		broken("{\n  \"colors\": {\n    \"border\": { \"fg\": \"red\" }\n    \"title\": {}\n  }\n}"),
		F ":4:5: syntax error: expected ',' or '}', got '\"' (missing "
		  "comma?)");
	assert_non_null(strstr(broken(""), F ":1:1: syntax error"));
	assert_string_equal(
		broken("{ \"colors\": {\n  \"title\": \"red\",\n  \"title\": \"blue\" } }"),
		F ":3:3: role 'title' is given twice");
}

/* One run shows every mistake of the file, each at its place. */
static void test_broken_theme_all_errors(void **state)
{
	assert_string_equal(
		broken("{\n"
		       "  \"colours\": {},\n"
		       "  \"colors\": {\n"
		       "    \"log.err\": { \"fg\": \"redd\", \"bg\": 300 },\n"
		       "    \"bordr\": \"blue\",\n"
		       "    \"search\": { \"attrs\": \"blink\", \"fgg\": 1 },\n"
		       "    \"title\": 5,\n"
		       "    \"log.err\": \"red\"\n"
		       "  }\n"
		       "}\n"),
		F ":2:3: unknown key 'colours' (a theme has name, description "
		  "and colors)\n" F
		  ":4:24: 'log.err' fg: unknown colour 'redd' "
		  "(use a name like red or bright-red, default, 0-255 or "
		  "#rrggbb)\n" F ":4:38: 'log.err' bg: colour index 300 is not "
		  "0-255\n" F ":5:5: unknown role 'bordr' (roles: normal, "
		  "border, border.focus, title, status, keybar.key, log.err, "
		  "graph.1, link.up, ...; see themes/default.json)\n" F
		  ":6:26: 'search' attrs: use a list of bold, dim, italic, "
		  "underline, reverse\n" F ":6:35: 'search': unknown key 'fgg' "
		  "(a style has fg, bg and attrs)\n" F ":7:14: 'title' must be "
		  "an object like { \"fg\": \"red\", \"bg\": \"default\", "
		  "\"attrs\": [\"bold\"] }\n" F ":8:5: role 'log.err' is given "
		  "twice");
}

static char tmpdir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_dirs(void **state)
{
	struct theme_dirs d;

	theme_dirs_init(&d, "/x/cfg", "/home/u", "/usr/local/bin/kmdash");
	assert_int_equal(d.n, 4);
	assert_string_equal(d.dir[0], "/x/cfg/kmdash/themes");
	assert_string_equal(d.dir[1], "/usr/local/bin/../share/kmdash/themes");
	assert_string_equal(d.dir[2], "/usr/local/bin/../themes");
	assert_string_equal(d.dir[3], "/usr/local/bin/../../themes");
	/* XDG_CONFIG_HOME unset or relative: ~/.config. */
	theme_dirs_init(&d, "rel", "/home/u", NULL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.dir[0], "/home/u/.config/kmdash/themes");
	theme_dirs_init(&d, NULL, NULL, NULL);
	assert_int_equal(d.n, 0);
}

static void test_user_themes_override_and_add(void **state)
{
	char user[128], src[256], exe[300], path[PATH_MAX + 80], err[512];
	char names[16][THEME_NAME_MAX];
	struct theme_dirs d;
	struct theme t;
	int n;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kmdash-theme-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(user, sizeof(user), "%s/kmdash", tmpdir);
	assert_int_equal(mkdir(user, 0700), 0);
	snprintf(user, sizeof(user), "%s/kmdash/themes", tmpdir);
	assert_int_equal(mkdir(user, 0700), 0);
	write_file(user, "light.json",
		   "{ \"colors\": { \"border\": { \"fg\": \"red\" } } }");
	write_file(user, "mine.json",
		   "{ \"colors\": { \"search\": \"green\" } }");
	write_file(user, "broken.json",
		   "{ \"colors\": { \"search\": \"gren\" } }");
	write_file(user, "notes.txt", "not a theme");

	/* As if the binary were build/kmdash in the source tree. */
	themes_dir(src, sizeof(src));
	snprintf(exe, sizeof(exe), "%s/../build/kmdash", src);
	theme_dirs_init(&d, tmpdir, NULL, exe);

	/* The user's light.json shadows the shipped one. */
	assert_int_equal(theme_find(&d, "light", path, sizeof(path)), 0);
	assert_non_null(strstr(path, tmpdir));
	assert_int_equal(theme_load(&t, &d, "light", err, sizeof(err)), 0);
	assert_int_equal(t.role[TR_BORDER].fg.v, 1);
	/* Shipped themes are found through the binary's location. */
	assert_int_equal(theme_find(&d, "solarized-dark", path, sizeof(path)),
			 0);
	assert_non_null(strstr(path, "/../themes/solarized-dark.json"));
	assert_int_equal(theme_load(&t, &d, "solarized-dark", err, sizeof(err)),
			 0);
	assert_int_equal(t.role[TR_NORMAL].bg.v, 0x002b36);

	n = theme_list(&d, names, 16);
	assert_int_equal(n, 7);
	assert_string_equal(names[0], "broken");
	assert_string_equal(names[1], "default");
	assert_string_equal(names[2], "high-contrast");
	assert_string_equal(names[3], "light");
	assert_string_equal(names[4], "mine");
	assert_string_equal(names[5], "monochrome");
	assert_string_equal(names[6], "solarized-dark");

	/* A broken user theme: its file and place, and the default. */
	assert_int_equal(theme_load(&t, &d, "broken", err, sizeof(err)),
			 -EINVAL);
	snprintf(path, sizeof(path),
		 "%s/kmdash/themes/broken.json:1:25: 'search': unknown colour "
		 "'gren'",
		 tmpdir);
	assert_non_null(strstr(err, path));
	assert_string_equal(t.name, "default");

	assert_int_equal(theme_load(&t, &d, "nope", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err,
			       "theme 'nope' not found, using the default "
			       "theme (no nope.json in /tmp/kmdash-theme-"));
	/* A typo: the theme it is near. */
	assert_int_equal(theme_load(&t, &d, "solarised-drak", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "theme 'solarised-drak' not found; did you "
				 "mean 'solarized-dark'?");
	assert_string_equal(t.name, "default");
	assert_int_equal(theme_load(&t, &d, "ligth", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "did you mean 'light'?"));
	assert_int_equal(theme_load(&t, &d, "monochrom", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "theme 'monochrom' not found; did you mean "
				 "'monochrome'?");
	assert_int_equal(theme_load(&t, &d, "../etc/passwd", err, sizeof(err)),
			 -EINVAL);

	/* The two built-ins work with no files at all. */
	theme_dirs_init(&d, NULL, NULL, NULL);
	assert_int_equal(theme_load(&t, &d, "default", err, sizeof(err)), 0);
	assert_int_equal(theme_load(&t, &d, "monochrome", err, sizeof(err)), 0);
	assert_int_equal(t.role[TR_STATUS].attrs, THEME_REVERSE);
	n = theme_list(&d, names, 16);
	assert_int_equal(n, 2);
	assert_int_equal(theme_load_file(&t, "/nonexistent/x.json", err,
					 sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/x.json: cannot read: No such "
				 "file or directory");

	for (size_t i = 0; i < 4; i++) {
		const char *f[] = { "light.json", "mine.json", "broken.json",
				    "notes.txt" };

		snprintf(path, sizeof(path), "%s/%s", user, f[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(user), 0);
	snprintf(path, sizeof(path), "%s/kmdash", tmpdir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(tmpdir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes_load_and_are_complete),
		cmocka_unit_test(test_builtins_equal_their_files),
		cmocka_unit_test(test_color_parse),
		cmocka_unit_test(test_nearest_256),
		cmocka_unit_test(test_depth_detect),
		cmocka_unit_test(test_resolve_depths),
		cmocka_unit_test(test_no_color_is_attributes_only),
		cmocka_unit_test(test_partial_theme_keeps_defaults),
		cmocka_unit_test(test_broken_theme_errors),
		cmocka_unit_test(test_broken_theme_all_errors),
		cmocka_unit_test(test_dirs),
		cmocka_unit_test(test_user_themes_override_and_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
