// SPDX-License-Identifier: GPL-2.0
#include "core/base/jsonerr.h"

#include <stdarg.h>
#include <stdio.h>

void jsonerr_init(struct jsonerr *e, const struct jsonpos_doc *doc, char *buf,
		  size_t cap)
{
	*e = (struct jsonerr){ .doc = doc, .buf = buf, .cap = cap };
	if (cap)
		buf[0] = '\0';
}

/* Appends s (after a line break unless first), cut to the buffer. */
static void append(struct jsonerr *e, const char *s)
{
	int n;

	if (e->used >= e->cap)
		return;
	n = snprintf(e->buf + e->used, e->cap - e->used, "%s%s",
		     e->used ? "\n" : "", s);
	if (n > 0)
		e->used += (size_t)n;
	if (e->used > e->cap)
		e->used = e->cap;
}

void jsonerr_add(struct jsonerr *e, const cJSON *item, bool at_key,
		 const char *fmt, ...)
{
	char msg[640], line[800];
	va_list ap;

	if (e->n++ >= JSONERR_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jsonpos_errf(e->doc, item, at_key, line, sizeof(line), "%s", msg);
	append(e, line);
}

void jsonerr_add_line(struct jsonerr *e, const char *line)
{
	if (e->n++ < JSONERR_MAX)
		append(e, line);
}

unsigned int jsonerr_end(struct jsonerr *e)
{
	char line[640];

	if (e->n > JSONERR_MAX) {
		snprintf(line, sizeof(line), "%s: ... and %u more errors",
			 e->doc ? e->doc->file : "config", e->n - JSONERR_MAX);
		append(e, line);
	}
	return e->n;
}
