/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON documents that remember where things are. cJSON builds a tree but
 * forgets positions; users editing a config or a theme need errors that say
 * file:line:col. A jsonpos_doc keeps the source text, the cJSON tree and an
 * index from every tree item to the offsets of its key and its value, made
 * by walking the text in step with the tree.
 *
 * Syntax errors come from a strict scanner that runs before cJSON and says
 * what was expected ("trailing comma before '}'", "comments are not allowed
 * in JSON", ...); anything cJSON still refuses is reported at cJSON's own
 * error position.
 *
 * Lines and columns are 1-based; columns count characters (UTF-8 code
 * points; a tab is one column), as most editors show them.
 */
#ifndef KMDASH_JSONPOS_H
#define KMDASH_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

struct jsonpos_loc {
	int line;
	int col; /* 0 when unknown */
};

struct jsonpos_entry;

struct jsonpos_doc {
	char *file; /* as given: shown in messages */
	char *text;
	size_t len;
	cJSON *root;
	/* private */
	struct jsonpos_entry *entries;
	size_t n_entries;
	size_t *line_starts;
	size_t n_lines;
};

/*
 * Parses len bytes of text (copied); file names it in messages. On a syntax
 * error returns NULL with "FILE:LINE:COL: syntax error: WHAT" in err; NULL
 * with "FILE: out of memory" on ENOMEM.
 */
struct jsonpos_doc *jsonpos_parse(const char *file, const char *text,
				  size_t len, char *err, size_t errlen);

/* Reads and parses a file; errors as above, or "FILE: cannot read: WHY". */
struct jsonpos_doc *jsonpos_load(const char *path, char *err, size_t errlen);

void jsonpos_free(struct jsonpos_doc *doc);

/* Where item's value starts; {0, 0} for an item not from this document. */
struct jsonpos_loc jsonpos_value(const struct jsonpos_doc *doc,
				 const cJSON *item);
/* Where the key of an object member starts (its value for other items). */
struct jsonpos_loc jsonpos_key(const struct jsonpos_doc *doc,
			       const cJSON *item);
/* Line and column of a byte offset into text. */
struct jsonpos_loc jsonpos_offset(const struct jsonpos_doc *doc, size_t off);

/*
 * Formats "FILE:LINE:COL: " + fmt into err, at item's key (at_key) or value.
 * Returns the length written (as snprintf, cut to errlen).
 */
int jsonpos_errf(const struct jsonpos_doc *doc, const cJSON *item, bool at_key,
		 char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * The second member of object whose key repeats an earlier one (cJSON keeps
 * both and lookups see only the first), or NULL.
 */
const cJSON *jsonpos_duplicate_key(const cJSON *object);

/* A short human description of an item's type: "a string", "an array"... */
const char *jsonpos_type_name(const cJSON *item);

#endif
