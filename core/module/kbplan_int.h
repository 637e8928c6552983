/* SPDX-License-Identifier: GPL-2.0 */
/* kbuild's plan: the model (kbplan.c) that the processes (kbplan_run.c) use. */
#ifndef KMDASH_KBPLAN_INT_H
#define KMDASH_KBPLAN_INT_H

#include "core/base/digest.h"

#include <stdbool.h>
#include <stddef.h>

/* One step the top-level Makefile ran: a sub-make or a kbuild script. */
struct kbplan_step {
	char *dir;
	char **argv;
	char **env;
	bool shell; /* through $(CONFIG_SHELL); else $(MAKE) */
};

struct kbplan {
	char *kdir; /* where the steps run: the top-level's directory */
	long long recorded; /* when, in seconds since the epoch */
	/* "PATH" then its stamp, for everything that decided the steps */
	char **files;
	size_t nfiles; /* pairs */
	struct kbplan_step *steps;
	size_t nsteps;
};

void kbplan_free(struct kbplan *p);
void kbplan_step_clear(struct kbplan_step *s);

/* The plan's name for a command in a directory and environment. */
int kbplan_key(const char *cwd, char *const *argv, char *const *env,
	       char hex[DIGEST_HEX_LEN]);

/* NULL when missing or unreadable (then it is recorded again). */
struct kbplan *kbplan_load(const char *path);
/* Written whole under a temporary name, then renamed. 0 or -errno. */
int kbplan_save(const struct kbplan *p, const char *path);

int kbplan_step_write(const char *path, const struct kbplan_step *s);
int kbplan_step_read(const char *path, struct kbplan_step *s);

/*
 * The stamps of the kernel tree's makefiles and configuration and of the
 * tools the steps' environment names (CC, LD, ...): into p->files.
 * 0 or -ENOMEM.
 */
int kbplan_fingerprint(struct kbplan *p);
/* Whether every stamp is still what it was. */
bool kbplan_fresh(const struct kbplan *p);

/*
 * Whether the steps are an external module's build as kbuild runs it:
 * Makefile.build for the module directory first, then scripts and
 * Makefile.modpost / Makefile.modfinal, all from the kernel's scripts/.
 * Else why not, in why.
 */
bool kbplan_shape_ok(const struct kbplan *p, char *why, size_t whylen);

/* NAME=value with make's jobserver taken out of MAKEFLAGS and MFLAGS. */
char *kbplan_env_for_replay(const char *entry);

/* The value of NAME in env, or NULL. */
const char *kbplan_env_get(char *const *env, const char *name);

#endif
