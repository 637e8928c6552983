/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A local program run to its end, for the commands that wait for it
 * (kmdash image prepare runs mtools, ssh-keygen, qemu --version): the
 * same child machinery as the build (core/base/proc.h), argv only, on a
 * loop of its own.
 */
#ifndef KMDASH_PROC_RUN_H
#define KMDASH_PROC_RUN_H

#include <stddef.h>

#include "core/base/proc.h"

/*
 * Runs argv (env: extra "NAME=value" entries, or NULL) with stdin from
 * /dev/null, stdout and stderr into out (NUL-terminated, cut to outcap;
 * out may be NULL). 0 once it ran, its end in *res; -errno when it could
 * not start, with why in err ("command 'mcopy' not found: ...").
 */
int proc_run(const char *const *argv, const char *const *env, char *out,
	     size_t outcap, struct proc_result *res, char *err, size_t errlen);

/* The first line of a program's output, for messages (at most 200 bytes). */
void proc_run_first_line(const char *out, char *buf, size_t cap);

#endif
