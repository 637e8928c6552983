/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmdash status --json`: everything the text says, as one object with
 * fixed words for states, for scripts and CI.
 */
#ifndef KMDASH_STATUS_JSON_H
#define KMDASH_STATUS_JSON_H

struct cJSON;
struct cli;

/* The object for the session of c (open and settled); NULL on ENOMEM. */
struct cJSON *status_json(const struct cli *c);

#endif
