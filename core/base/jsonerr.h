/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one error policy of kmdash's JSON files (the config, themes): every
 * error is reported, not just the first, so one run shows everything to
 * fix. Each is one line, "FILE:LINE:COL: message", in the order found; past
 * JSONERR_MAX lines one more says how many were left out.
 */
#ifndef KMDASH_JSONERR_H
#define KMDASH_JSONERR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/jsonpos.h"

#define JSONERR_MAX 20

struct jsonerr {
	const struct jsonpos_doc *doc;
	char *buf; /* the lines, NUL-terminated, cut to cap */
	size_t cap;
	size_t used;
	unsigned int n; /* errors reported, kept or not */
};

/* Starts an empty list that writes into buf (cap bytes). */
void jsonerr_init(struct jsonerr *e, const struct jsonpos_doc *doc, char *buf,
		  size_t cap);

/* Adds "FILE:LINE:COL: " + fmt at item's key (at_key) or value. */
void jsonerr_add(struct jsonerr *e, const cJSON *item, bool at_key,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds a line already formatted (an error of another document). */
void jsonerr_add_line(struct jsonerr *e, const char *line);

/* Ends the list ("FILE: ... and N more errors"); returns the count. */
unsigned int jsonerr_end(struct jsonerr *e);

#endif
