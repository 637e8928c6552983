/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbuild's plan for a module directory, recorded once and replayed.
 *
 * `make -C KDIR M=DIR modules` spends a third of a one-file rebuild here
 * (0.55 s of 1.5 s) in the kernel's top-level Makefile: parsing it and
 * probing the compiler for the flags it exports to its sub-makes. Those
 * depend only on the command, the environment, the kernel tree's
 * makefiles and configuration and the tools; and for an external module
 * the top-level then runs the same few steps every time (Makefile.build
 * for DIR, scripts/modules-check.sh, Makefile.modpost, Makefile.modfinal).
 *
 * So the first build records those steps (directory, argv, environment)
 * as the top-level runs them, and later builds run them directly while a
 * fingerprint of all that decided them is unchanged. The steps still
 * decide what to rebuild from kbuild's own .cmd files, so a changed
 * header or Kbuild flag rebuilds as it would. A recording whose steps
 * are not that shape (another kbuild, or a make whose $(shell) calls run
 * at recipe level) is not kept: then the full command runs every time.
 *
 * The build job runs, through kmdash's own binary:
 *   kmdash __kbuild PLAN_DIR -- make -C KDIR ... M=DIR ...
 * and while it records, kbuild's $(MAKE) and $(CONFIG_SHELL) run
 *   kmdash __kbuild-step REC_DIR LEVEL make|shell PROG ARGS...
 */
#ifndef KMDASH_KBPLAN_H
#define KMDASH_KBPLAN_H

#include <stdbool.h>
#include <stddef.h>

#define KBPLAN_RUN "__kbuild"
#define KBPLAN_STEP "__kbuild-step"
#define KBPLAN_KEEP 16 /* plans kept per directory, the newest */

/* Whether argv is kbuild for a module directory: make -C KDIR ... M=DIR. */
bool kbplan_applies(const char *const *argv);

/*
 * The program that runs KBPLAN_RUN: set once by the kmdash binary (a
 * test program that links the core cannot run it). NULL: no plans.
 */
void kbplan_set_runner(const char *exe);
const char *kbplan_runner(void);

/*
 * What to spawn for argv: RUNNER __kbuild PLAN_DIR -- ARGV..., or NULL
 * when there is no runner, argv is not kbuild's, or the runner's or
 * plan_dir's path cannot go into a makefile unquoted. Free with
 * strv_free() (core/base/strv.h).
 */
char **kbplan_wrap(const char *plan_dir, const char *const *argv);

/* KBPLAN_RUN and KBPLAN_STEP, argv[0] being the word: an exit status. */
int kbplan_main(int argc, char **argv);

#endif
