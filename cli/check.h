/* SPDX-License-Identifier: GPL-2.0 */
/* kmdash check, which kmdash init runs too once it wrote a config. */
#ifndef KMDASH_CHECK_H
#define KMDASH_CHECK_H

struct cmd_ctx;
struct config;

/*
 * Checks cfg's target (ctx's --target) and prints a line for each thing
 * checked. The exit status: 1 when a problem is an error, 0 otherwise, 2
 * without that target.
 */
int check_run(struct cmd_ctx *ctx, const struct config *cfg);

#endif
