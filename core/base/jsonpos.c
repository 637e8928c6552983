// SPDX-License-Identifier: GPL-2.0
/*
 * JSON with positions: a strict scanner for syntax errors with useful
 * messages, cJSON for the tree, and a second walk over the text in step
 * with the tree to index where each item's key and value start.
 */
#include "core/base/jsonpos.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cJSON stops at 1000; deeper than this is no config or theme. */
#define JSONPOS_MAX_DEPTH 512
/* Refuse to read anything bigger: a config is a few KiB. */
#define JSONPOS_MAX_FILE (16u << 20)

struct jsonpos_entry {
	const cJSON *item;
	size_t key_off; /* SIZE_MAX: not an object member */
	size_t val_off;
};

struct scan {
	const char *s;
	size_t len;
	size_t pos;
	int depth;
	bool failed;
	size_t err_off;
	char msg[200];
};

static bool at_end(const struct scan *sc)
{
	return sc->pos >= sc->len;
}

static unsigned char cur(const struct scan *sc)
{
	return at_end(sc) ? 0 : (unsigned char)sc->s[sc->pos];
}

static void skip_ws(struct scan *sc)
{
	while (!at_end(sc) && (cur(sc) == ' ' || cur(sc) == '\t' ||
			       cur(sc) == '\n' || cur(sc) == '\r'))
		sc->pos++;
}

/* "'x'", "end of input", "byte 0x01", "'é'" for the character at pos. */
static void describe(const struct scan *sc, size_t pos, char *buf, size_t cap)
{
	unsigned char c;
	size_t n = 1;

	if (pos >= sc->len) {
		snprintf(buf, cap, "end of input");
		return;
	}
	c = (unsigned char)sc->s[pos];
	if (c >= 0x20 && c < 0x7f) {
		snprintf(buf, cap, "'%c'", c);
		return;
	}
	if (c >= 0xc2 && c <= 0xf4) {
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (pos + n <= sc->len) {
			snprintf(buf, cap, "'%.*s'", (int)n, sc->s + pos);
			return;
		}
	}
	snprintf(buf, cap, "byte 0x%02x", c);
}

static int fail(struct scan *sc, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct scan *sc, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (sc->failed)
		return -1;
	sc->failed = true;
	sc->err_off = off;
	va_start(ap, fmt);
	vsnprintf(sc->msg, sizeof(sc->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Something that is not a value where a value must be. */
static int fail_value(struct scan *sc)
{
	char what[32];
	size_t n = 0;

	describe(sc, sc->pos, what, sizeof(what));
	if (at_end(sc))
		return fail(sc, sc->pos,
			    "unexpected end of input, expected a value");
	if (cur(sc) == '/')
		return fail(sc, sc->pos, "comments are not allowed in JSON");
	if (cur(sc) == '\'')
		return fail(
			sc, sc->pos,
			"strings must be in double quotes (\"...\"), not single quotes");
	while (sc->pos + n < sc->len && (((sc->s[sc->pos + n] | 0x20) >= 'a' &&
					  (sc->s[sc->pos + n] | 0x20) <= 'z') ||
					 sc->s[sc->pos + n] == '_'))
		n++;
	if (n)
		return fail(
			sc, sc->pos,
			"unknown word '%.*s', expected a value (strings must be in double quotes)",
			(int)(n > 40 ? 40 : n), sc->s + sc->pos);
	return fail(sc, sc->pos, "expected a value, got %s", what);
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int scan_string(struct scan *sc)
{
	size_t start = sc->pos;

	sc->pos++;
	for (;;) {
		unsigned char c;

		if (at_end(sc))
			return fail(sc, start, "unterminated string");
		c = cur(sc);
		if (c == '"') {
			sc->pos++;
			return 0;
		}
		if (c == '\n' || c == '\r')
			return fail(
				sc, start,
				"unterminated string (a line break inside a string is written \\n)");
		if (c < 0x20)
			return fail(
				sc, sc->pos,
				"control character (byte 0x%02x) in a string: write it as \\u%04x",
				c, c);
		if (c != '\\') {
			sc->pos++;
			continue;
		}
		sc->pos++;
		if (at_end(sc))
			return fail(sc, start, "unterminated string");
		c = cur(sc);
		if (c == 'u') {
			for (int i = 1; i <= 4; i++)
				if (sc->pos + (size_t)i >= sc->len ||
				    !is_hex((unsigned char)
						    sc->s[sc->pos + (size_t)i]))
					return fail(
						sc, sc->pos - 1,
						"invalid \\u escape: expected 4 hex digits");
			sc->pos += 5;
		} else if (strchr("\"\\/bfnrt", c) && c) {
			sc->pos++;
		} else {
			char what[32];

			describe(sc, sc->pos, what, sizeof(what));
			return fail(
				sc, sc->pos - 1,
				"invalid escape in a string: backslash followed by %s (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
				what);
		}
	}
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int scan_number(struct scan *sc)
{
	size_t start = sc->pos;

	if (cur(sc) == '-')
		sc->pos++;
	if (cur(sc) == '0') {
		sc->pos++;
	} else if (is_digit(cur(sc))) {
		while (is_digit(cur(sc)))
			sc->pos++;
	} else {
		return fail(sc, start,
			    "invalid number: expected a digit after '-'");
	}
	if (cur(sc) == '.') {
		sc->pos++;
		if (!is_digit(cur(sc)))
			return fail(
				sc, start,
				"invalid number: expected a digit after '.'");
		while (is_digit(cur(sc)))
			sc->pos++;
	}
	if (cur(sc) == 'e' || cur(sc) == 'E') {
		sc->pos++;
		if (cur(sc) == '+' || cur(sc) == '-')
			sc->pos++;
		if (!is_digit(cur(sc)))
			return fail(
				sc, start,
				"invalid number: expected a digit in the exponent");
		while (is_digit(cur(sc)))
			sc->pos++;
	}
	if (!at_end(sc) &&
	    (is_digit(cur(sc)) || cur(sc) == '.' ||
	     ((cur(sc) | 0x20) >= 'a' && (cur(sc) | 0x20) <= 'z')))
		return fail(
			sc, start,
			"invalid number (no leading zeros, one '.', digits only)");
	return 0;
}

static int scan_value(struct scan *sc);

/* The members of an object or the elements of an array. */
static int scan_container(struct scan *sc, bool object)
{
	char close = object ? '}' : ']';
	size_t open = sc->pos, comma = SIZE_MAX;
	char what[32];

	if (++sc->depth > JSONPOS_MAX_DEPTH)
		return fail(sc, sc->pos, "nested deeper than %d levels",
			    JSONPOS_MAX_DEPTH);
	sc->pos++;
	skip_ws(sc);
	if (cur(sc) == (unsigned char)close) {
		sc->pos++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(sc);
		if (comma != SIZE_MAX && cur(sc) == (unsigned char)close)
			return fail(sc, comma, "trailing comma before '%c'",
				    close);
		if (object) {
			if (cur(sc) != '"') {
				describe(sc, sc->pos, what, sizeof(what));
				if (at_end(sc))
					return fail(
						sc, open,
						"unterminated object: no '}' for this '{'");
				if (cur(sc) == '/')
					return fail(
						sc, sc->pos,
						"comments are not allowed in JSON");
				return fail(
					sc, sc->pos,
					"expected a key in double quotes, got %s",
					what);
			}
			if (scan_string(sc))
				return -1;
			skip_ws(sc);
			if (cur(sc) != ':') {
				describe(sc, sc->pos, what, sizeof(what));
				return fail(
					sc, sc->pos,
					"expected ':' after the key, got %s",
					what);
			}
			sc->pos++;
		}
		skip_ws(sc);
		if (object || !at_end(sc)) {
			if (scan_value(sc))
				return -1;
		} else {
			return fail(sc, open,
				    "unterminated array: no ']' for this '['");
		}
		skip_ws(sc);
		if (cur(sc) == ',') {
			comma = sc->pos++;
			continue;
		}
		if (cur(sc) == (unsigned char)close) {
			sc->pos++;
			sc->depth--;
			return 0;
		}
		if (at_end(sc))
			return fail(sc, open,
				    "unterminated %s: no '%c' for this '%c'",
				    object ? "object" : "array", close,
				    object ? '{' : '[');
		describe(sc, sc->pos, what, sizeof(what));
		if (cur(sc) == '/')
			return fail(sc, sc->pos,
				    "comments are not allowed in JSON");
		return fail(sc, sc->pos, "expected ',' or '%c', got %s%s",
			    close, what,
			    cur(sc) == '"' || cur(sc) == '{' ||
					    cur(sc) == '[' ||
					    is_digit(cur(sc)) ?
				    " (missing comma?)" :
				    "");
	}
}

static bool is_word_char(unsigned char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || is_digit(c) ||
	       c == '_';
}

static int scan_literal(struct scan *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->len - sc->pos >= n && !memcmp(sc->s + sc->pos, word, n) &&
	    (sc->pos + n == sc->len ||
	     !is_word_char((unsigned char)sc->s[sc->pos + n]))) {
		sc->pos += n;
		return 0;
	}
	return fail_value(sc);
}

static int scan_value(struct scan *sc)
{
	skip_ws(sc);
	switch (cur(sc)) {
	case '{':
		return scan_container(sc, true);
	case '[':
		return scan_container(sc, false);
	case '"':
		return scan_string(sc);
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	default:
		if (!at_end(sc) && (cur(sc) == '-' || is_digit(cur(sc))))
			return scan_number(sc);
		return fail_value(sc);
	}
}

static size_t skip_bom(const char *s, size_t len)
{
	return len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) ? 3 : 0;
}

static int scan_document(struct scan *sc)
{
	char what[32];

	sc->pos = skip_bom(sc->s, sc->len);
	skip_ws(sc);
	if (at_end(sc))
		return fail(sc, sc->pos,
			    "empty document, expected a JSON value");
	if (scan_value(sc))
		return -1;
	skip_ws(sc);
	if (!at_end(sc)) {
		describe(sc, sc->pos, what, sizeof(what));
		return fail(sc, sc->pos,
			    "unexpected %s after the end of the JSON value",
			    what);
	}
	return 0;
}

/* --- the index ---------------------------------------------------------- */

static size_t count_items(const cJSON *item)
{
	size_t n = 1;

	for (const cJSON *c = item->child; c; c = c->next)
		n += count_items(c);
	return n;
}

static void skip_number_text(struct scan *sc)
{
	while (!at_end(sc) && strchr("+-.0123456789eE", cur(sc)))
		sc->pos++;
}

/*
 * The text is known to be valid and to be what cJSON parsed, so the walk
 * only needs to step over tokens; children come in text order.
 */
static void walk(struct scan *sc, struct jsonpos_doc *doc, const cJSON *item,
		 size_t key_off)
{
	struct jsonpos_entry *e = &doc->entries[doc->n_entries++];

	skip_ws(sc);
	e->item = item;
	e->key_off = key_off;
	e->val_off = sc->pos;
	if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
		sc->pos++;
		skip_ws(sc);
		for (const cJSON *c = item->child; c; c = c->next) {
			size_t k = SIZE_MAX;

			skip_ws(sc);
			if (cJSON_IsObject(item)) {
				k = sc->pos;
				scan_string(sc);
				skip_ws(sc);
				sc->pos++; /* ':' */
			}
			walk(sc, doc, c, k);
			skip_ws(sc);
			if (c->next)
				sc->pos++; /* ',' */
		}
		skip_ws(sc);
		sc->pos++; /* the closing bracket */
	} else if (cJSON_IsString(item)) {
		scan_string(sc);
	} else if (cJSON_IsNumber(item)) {
		skip_number_text(sc);
	} else if (cJSON_IsTrue(item) || cJSON_IsNull(item)) {
		sc->pos += 4;
	} else if (cJSON_IsFalse(item)) {
		sc->pos += 5;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct jsonpos_entry *)a)->item;
	uintptr_t y = (uintptr_t)((const struct jsonpos_entry *)b)->item;

	return x < y ? -1 : x > y;
}

static int build_lines(struct jsonpos_doc *doc)
{
	size_t n = 1, i;

	for (i = 0; i < doc->len; i++)
		n += doc->text[i] == '\n';
	doc->line_starts = malloc(n * sizeof(*doc->line_starts));
	if (!doc->line_starts)
		return -ENOMEM;
	doc->line_starts[0] = 0;
	doc->n_lines = 1;
	for (i = 0; i < doc->len; i++)
		if (doc->text[i] == '\n')
			doc->line_starts[doc->n_lines++] = i + 1;
	return 0;
}

struct jsonpos_loc jsonpos_offset(const struct jsonpos_doc *doc, size_t off)
{
	size_t lo = 0, hi = doc->n_lines, start;
	struct jsonpos_loc loc;

	if (off > doc->len)
		off = doc->len;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (doc->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	start = doc->line_starts[lo];
	if (lo == 0)
		start += skip_bom(doc->text, doc->len);
	loc.line = (int)lo + 1;
	loc.col = 1;
	/* count characters, not bytes: skip UTF-8 continuation bytes */
	for (size_t i = start; i < off; i++)
		if (((unsigned char)doc->text[i] & 0xc0) != 0x80)
			loc.col++;
	return loc;
}

static const struct jsonpos_entry *find(const struct jsonpos_doc *doc,
					const cJSON *item)
{
	struct jsonpos_entry key = { .item = item };

	if (!doc || !item || !doc->entries)
		return NULL;
	return bsearch(&key, doc->entries, doc->n_entries, sizeof(key),
		       entry_cmp);
}

struct jsonpos_loc jsonpos_value(const struct jsonpos_doc *doc,
				 const cJSON *item)
{
	const struct jsonpos_entry *e = find(doc, item);

	if (!e)
		return (struct jsonpos_loc){ 0, 0 };
	return jsonpos_offset(doc, e->val_off);
}

struct jsonpos_loc jsonpos_key(const struct jsonpos_doc *doc, const cJSON *item)
{
	const struct jsonpos_entry *e = find(doc, item);

	if (!e)
		return (struct jsonpos_loc){ 0, 0 };
	return jsonpos_offset(doc,
			      e->key_off != SIZE_MAX ? e->key_off : e->val_off);
}

void jsonpos_free(struct jsonpos_doc *doc)
{
	if (!doc)
		return;
	cJSON_Delete(doc->root);
	free(doc->entries);
	free(doc->line_starts);
	free(doc->text);
	free(doc->file);
	free(doc);
}

struct jsonpos_doc *jsonpos_parse(const char *file, const char *text,
				  size_t len, char *err, size_t errlen)
{
	struct jsonpos_doc *doc = calloc(1, sizeof(*doc));
	struct scan sc = { 0 };
	const char *end = NULL;
	struct jsonpos_loc loc;

	if (errlen)
		err[0] = '\0';
	if (!doc)
		goto nomem;
	doc->file = strdup(file ? file : "<json>");
	doc->text = malloc(len + 1);
	if (!doc->file || !doc->text)
		goto nomem;
	memcpy(doc->text, text, len);
	doc->text[len] = '\0';
	doc->len = len;
	if (build_lines(doc))
		goto nomem;

	sc.s = doc->text;
	sc.len = len;
	if (scan_document(&sc)) {
		loc = jsonpos_offset(doc, sc.err_off);
		snprintf(err, errlen, "%s:%d:%d: syntax error: %s", doc->file,
			 loc.line, loc.col, sc.msg);
		jsonpos_free(doc);
		return NULL;
	}
	/*
	 * cJSON wants the terminating NUL inside the length when it must
	 * check that nothing follows the value.
	 */
	doc->root = cJSON_ParseWithLengthOpts(doc->text, len + 1, &end, 1);
	if (!doc->root) {
		char what[32];

		if (!end)
			end = cJSON_GetErrorPtr();
		if (!end || end < doc->text || end > doc->text + len)
			end = doc->text;
		describe(&sc, (size_t)(end - doc->text), what, sizeof(what));
		loc = jsonpos_offset(doc, (size_t)(end - doc->text));
		snprintf(
			err, errlen,
			"%s:%d:%d: syntax error: the JSON parser stopped at %s",
			doc->file, loc.line, loc.col, what);
		jsonpos_free(doc);
		return NULL;
	}
	doc->entries = calloc(count_items(doc->root), sizeof(*doc->entries));
	if (!doc->entries)
		goto nomem;
	sc = (struct scan){ .s = doc->text, .len = len };
	sc.pos = skip_bom(doc->text, len);
	walk(&sc, doc, doc->root, SIZE_MAX);
	qsort(doc->entries, doc->n_entries, sizeof(*doc->entries), entry_cmp);
	return doc;

nomem:
	snprintf(err, errlen, "%s: out of memory", file ? file : "<json>");
	jsonpos_free(doc);
	return NULL;
}

struct jsonpos_doc *jsonpos_load(const char *path, char *err, size_t errlen)
{
	struct jsonpos_doc *doc;
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read: not a regular file",
			 path);
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > JSONPOS_MAX_FILE) {
		snprintf(
			err, errlen,
			"%s: cannot read: %lld bytes is too big for a JSON document (limit %u)",
			path, (long long)st.st_size, JSONPOS_MAX_FILE);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0 || (len += (size_t)n) > (size_t)st.st_size)
			break;
	}
	close(fd);
	if (len > (size_t)st.st_size)
		len = (size_t)st.st_size; /* grew while we read: take a prefix */
	doc = jsonpos_parse(path, buf, len, err, errlen);
	free(buf);
	return doc;
}

int jsonpos_errf(const struct jsonpos_doc *doc, const cJSON *item, bool at_key,
		 char *err, size_t errlen, const char *fmt, ...)
{
	struct jsonpos_loc loc = at_key ? jsonpos_key(doc, item) :
					  jsonpos_value(doc, item);
	va_list ap;
	int n;

	if (loc.line)
		n = snprintf(err, errlen, "%s:%d:%d: ", doc->file, loc.line,
			     loc.col);
	else
		n = snprintf(err, errlen, "%s: ", doc->file);
	if (n < 0 || (size_t)n >= errlen)
		return n;
	va_start(ap, fmt);
	n += vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return n;
}

const cJSON *jsonpos_duplicate_key(const cJSON *object)
{
	if (!cJSON_IsObject(object))
		return NULL;
	for (const cJSON *c = object->child; c; c = c->next)
		for (const cJSON *p = object->child; p != c; p = p->next)
			if (c->string && p->string &&
			    !strcmp(c->string, p->string))
				return c;
	return NULL;
}

const char *jsonpos_type_name(const cJSON *item)
{
	if (!item)
		return "nothing";
	if (cJSON_IsObject(item))
		return "an object";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNull(item))
		return "null";
	return "an unknown value";
}
