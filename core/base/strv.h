/* SPDX-License-Identifier: GPL-2.0 */
/* NULL-ended arrays of strings that their holder owns: argv, env. */
#ifndef KMDASH_STRV_H
#define KMDASH_STRV_H

/* A copy of v (NULL: an empty array), or NULL when out of memory. */
char **strv_copy(const char *const *v);
/* Frees the strings and the array; NULL is nothing to free. */
void strv_free(char **v);

#endif
