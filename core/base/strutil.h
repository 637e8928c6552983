/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small string helpers that several rooms need: a formatted allocation,
 * the user's home and name, the "did you mean" of every parser of
 * names (config keys, actions, commands, options, themes), path prefixes.
 */
#ifndef KMDASH_STRUTIL_H
#define KMDASH_STRUTIL_H

#include <stddef.h>

/* A new string as printf formats it; NULL when out of memory. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* $HOME, else the password database's; NULL when neither says. */
const char *str_home_dir(void);
/* $USER, else the password database's, else "root". */
const char *str_user_name(void);
/*
 * kmdash's state directory: $XDG_STATE_HOME/kmdash (when absolute), else
 * ~/.local/state/kmdash. malloc'ed; NULL without a home.
 */
char *str_state_dir(void);

/*
 * Edit distance (insertions, deletions, substitutions); SIZE_MAX when a
 * string is longer than 64 bytes (names are short).
 */
size_t str_distance(const char *a, const char *b);

/*
 * The candidate closest to name, when it is at most max_dist edits away
 * (and nearer than the name is long: "x" does not suggest "q"); NULL
 * otherwise. cands is a NULL-terminated list, or n entries when n > 0.
 */
const char *str_closest(const char *name, const char *const *cands, size_t n,
			size_t max_dist);

/*
 * The length of prefix when it starts path at a component boundary
 * ("/a/b" starts "/a/b" and "/a/b/c", not "/a/bc"; trailing slashes of
 * prefix ignored), else 0. For mapping one tree's paths onto another's.
 */
size_t str_path_prefix(const char *path, const char *prefix);

#endif
