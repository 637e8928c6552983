/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The headless commands: kmdash run|status|check|dmesg|vm|trust|config|
 * decode.
 * Each returns the process exit status; app.c exits with it.
 */
#ifndef KMDASH_CLI_H
#define KMDASH_CLI_H

#include <stdbool.h>

struct config;

struct cli_global {
	const char *config_path; /* --config */
	const char *target; /* --target */
	bool json; /* --json */
};

/* 0 ok, 1 a step/check failed, 2 usage or config error. */
int cli_main(const struct cli_global *g, int argc, char **argv);

/* kmdash decode [--ko FILE] [FILE] (tui/cli_decode.c). */
int cli_decode(const struct cli_global *g, const struct config *cfg, int argc,
	       char **argv);

/* Loads the configuration, printing every error; NULL on failure. */
struct config *cli_load_config(const struct cli_global *g);

#endif
