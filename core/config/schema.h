/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A JSON schema as data, in the manner of tmux's options-table.c: a table
 * of rows (name, type, offset into a struct, limits, allowed names,
 * default, one line of documentation) drives parsing with file:line:col
 * errors, the defaults, printing and freeing, and the "did you mean" of an
 * unknown key. Adding a key is adding a row (and the field it fills).
 *
 * Objects nest: a row of type SCHEMA_OBJECT names the table of its
 * members, whose offsets are relative to the sub-struct at the row's
 * offset (0: the same struct, for a JSON object that groups fields of the
 * parent, as "kmsg": { "sudo" } does). What one row cannot say (a check
 * across members, a value needed before the defaults) is said by a table's
 * hooks or a row's check function, each one function.
 *
 * Parsing an object: its keys are checked first (unknown, duplicate and
 * password keys: kmdash never stores passwords), then its prepare hook
 * runs, then its members are parsed in file order, then its finish hook.
 * Every error is collected (core/base/jsonerr.h) as
 * "FILE:LINE:COL: PATH: what is wrong and what is expected".
 */
#ifndef KMDASH_SCHEMA_H
#define KMDASH_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/jsonerr.h"
#include "core/config/config.h"

enum schema_type {
	SCHEMA_STRING, /* char *; "" only with SCHEMA_EMPTY_OK */
	SCHEMA_PATH, /* char *, resolved by schema_path() */
	SCHEMA_INT, /* int in [min, max] */
	SCHEMA_BOOL, /* bool */
	SCHEMA_ENUM, /* an enum (int): the index of one of names[first..] */
	SCHEMA_STRV, /* struct config_strv: an array of strings */
	SCHEMA_MAP, /* struct config_strv of "NAME=VALUE": an object of strings */
	SCHEMA_OBJECT, /* the members of sub, in a struct at offset */
	SCHEMA_ARRAY, /* an array of sub objects: pointer at offset, count */
	SCHEMA_CUSTOM, /* parsed, printed and freed by ops */
};

/* Row flags. */
#define SCHEMA_EMPTY_OK 0x01 /* STRING: "" is a value */
#define SCHEMA_NONEMPTY 0x02 /* STRV: at least one element (none: unset) */
#define SCHEMA_PATHS 0x04 /* STRV: each element is a path (schema_path) */
#define SCHEMA_OMIT_ZERO 0x08 /* INT: not printed when 0 (not applicable) */
#define SCHEMA_PRESENT 0x10 /* OBJECT: bool at present_offset says it is */
/*
 * Parsed by the table's prepare or finish hook, because other values
 * depend on it or it depends on them; the member loop only knows the key.
 */
#define SCHEMA_BY_HOOK 0x20
/* Not a key: a value the code derives, kept in the struct; freed only. */
#define SCHEMA_INTERNAL 0x40
/*
 * PATH: a program, as execvp takes it: a bare name is looked up in PATH
 * (kept as written), only a name with a '/' is a path.
 */
#define SCHEMA_COMMAND 0x80

struct schema_ctx;
struct schema_row;

/*
 * A special check of a value, before it is stored: reports what is wrong
 * (schema_error) and returns false to keep the value out. A row's check
 * sees the JSON value before its type is checked; check_each sees each
 * element of a STRV once it is a string, or each member of a MAP before
 * its value is (to judge the name).
 */
typedef bool (*schema_check_fn)(struct schema_ctx *c,
				const struct schema_row *row, const cJSON *item,
				const char *path);

/* An INT's limits when they depend on where the object is. */
typedef void (*schema_range_fn)(const void *obj, int *min, int *max,
				const char **note);

/* A value no row type describes. obj is the struct the row's offset is in. */
struct schema_ops {
	/* Stores item into obj; false (reported) when it does not. */
	bool (*parse)(struct schema_ctx *c, const struct schema_row *row,
		      void *obj, const cJSON *item, const char *path);
	void (*print)(const struct schema_row *row, const void *obj,
		      cJSON *parent);
	void (*free)(const struct schema_row *row, void *obj); /* or NULL */
};

struct schema_table;

struct schema_row {
	const char *name;
	enum schema_type type;
	unsigned int flags;
	size_t offset;

	int min, max; /* INT */
	schema_range_fn range; /* INT: limits that depend (NULL: min, max) */
	const char *const *names; /* ENUM: NULL-terminated */
	int first; /* ENUM: the first name a user may write */
	/* STRV, MAP, ARRAY: what the elements are ("file names") */
	const char *what;

	long default_num; /* INT, BOOL, ENUM */
	const char *default_str; /* STRING, PATH (NULL: none) */
	const char *const *default_strv; /* STRV (NULL: []) */

	const struct schema_table *sub; /* OBJECT, ARRAY */
	size_t count_offset; /* ARRAY: its size_t count */
	size_t present_offset; /* OBJECT with SCHEMA_PRESENT */

	schema_check_fn check, check_each;
	const struct schema_ops *ops; /* CUSTOM */

	const char *text; /* one line of documentation */
};

struct schema_table {
	const struct schema_row *rows; /* ended by a row without a name */
	size_t size; /* of the struct (ARRAY elements) */
	/*
	 * Before the members: parses SCHEMA_BY_HOOK rows others depend on
	 * and sets defaults. false: the members are not parsed (an error
	 * was reported that makes them meaningless).
	 */
	bool (*prepare)(struct schema_ctx *c, void *obj, const cJSON *json,
			const char *path);
	/* After the members: checks across them, values derived from them. */
	void (*finish)(struct schema_ctx *c, void *obj, const cJSON *json,
		       const char *path);
};

/* Where a row's value is in obj. */
static inline void *schema_field(void *obj, const struct schema_row *r)
{
	return (char *)obj + r->offset;
}

static inline const void *schema_cfield(const void *obj,
					const struct schema_row *r)
{
	return (const char *)obj + r->offset;
}

/* A row the user can write (not a SCHEMA_INTERNAL one). */
static inline bool schema_is_key(const struct schema_row *r)
{
	return !(r->flags & SCHEMA_INTERNAL);
}

#define SCHEMA_PATH_LEN 160
#define SCHEMA_MAX_FAILED 64

struct schema_ctx {
	const struct jsonpos_doc *doc;
	struct jsonerr errs;
	void *user; /* the caller's, for its hooks */
	bool oom;
	/* the items an error was reported at: schema_accepted() */
	const cJSON *failed[SCHEMA_MAX_FAILED];
	size_t n_failed;
};

/* Starts parsing doc, errors into err (see jsonerr.h). */
void schema_ctx_init(struct schema_ctx *c, const struct jsonpos_doc *doc,
		     char *err, size_t errlen, void *user);

/* Parses json (an object) into obj: keys, prepare, members, finish. */
bool schema_parse_object(struct schema_ctx *c, const struct schema_table *t,
			 void *obj, const cJSON *json, const char *path);
/*
 * Parses one row from the object json into obj (for hooks). Returns true
 * when the key is there and its value was stored.
 */
bool schema_parse_row(struct schema_ctx *c, const struct schema_row *row,
		      void *obj, const cJSON *json, const char *path);

/* Sets every row's default (recursing into present objects). */
void schema_defaults(struct schema_ctx *c, const struct schema_table *t,
		     void *obj);
/* The object as JSON: every row but SCHEMA_INTERNAL ones, in table order. */
cJSON *schema_print(const struct schema_table *t, const void *obj);
/* Frees what the rows own and zeroes them; obj itself is the caller's. */
void schema_free(const struct schema_table *t, void *obj);

/* The row called name (not an internal one), or NULL. */
const struct schema_row *schema_row_find(const struct schema_table *t,
					 const char *name);

/* Reports "PATH: message" at item's key (at_key) or value. */
void schema_error(struct schema_ctx *c, const cJSON *item, bool at_key,
		  const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Reports "PATH: expected WHAT, got VALUE". */
void schema_expected(struct schema_ctx *c, const cJSON *item, const char *path,
		     const char *what);
/* kmdash never stores passwords: a key that names one is an error. */
bool schema_is_password_key(const char *key);
/* Reports every password key anywhere below a free-form object (maps). */
void schema_passwords_below(struct schema_ctx *c, const cJSON *item,
			    const char *path);
/* item is there and no error was reported at it. */
bool schema_accepted(const struct schema_ctx *c, const cJSON *item);
/* What the user wrote, for "got ...": a short JSON scalar or a type. */
const char *schema_got(const cJSON *item, char *buf, size_t cap);
/* out = "path.key" (or "key"); cut at SCHEMA_PATH_LEN. */
void schema_join(char *out, const char *path, const char *key);
/* out = "path[i]" */
void schema_join_index(char *out, const char *path, size_t i);

/*
 * The one place a path from a config becomes a path kmdash uses: "~" and
 * "~user" are expanded; a relative path is taken relative to the config
 * file's directory (c->doc's), never to the directory kmdash runs in.
 * NULL with *bad_user when that user does not exist (or out of memory,
 * c->oom set).
 */
char *schema_path(struct schema_ctx *c, const char *raw, bool *bad_user);

/* A copy of s (NULL for NULL); c->oom on failure. */
char *schema_strdup(struct schema_ctx *c, const char *s);
/* Replaces *dst by a copy of s. */
void schema_set_str(struct schema_ctx *c, char **dst, const char *s);
/* Appends a copy of s; sv->v stays NULL-terminated. */
void schema_strv_push(struct schema_ctx *c, struct config_strv *sv,
		      const char *s);
/* Sets sv to a copy of the NULL-terminated list (NULL: empty). */
void schema_strv_set(struct schema_ctx *c, struct config_strv *sv,
		     const char *const *list);
void schema_strv_free(struct config_strv *sv);

#endif
