/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The config's ui.keys applied to a keymap, each binding's position in the
 * file kept for its errors: what the dashboard starts with and what
 * `kmdash check` checks.
 */
#ifndef KMDASH_KEYMAP_CONFIG_H
#define KMDASH_KEYMAP_CONFIG_H

#include <stddef.h>

#include "tui/keymap.h"

struct config;

/*
 * keymap_init(km), then the config's bindings (keymap_apply): 0, or
 * -EINVAL with every error in err, one per line, as
 * "FILE:LINE:COL: what is wrong, what to do" (-ENOMEM: out of memory).
 */
int keymap_apply_config(struct keymap *km, const struct config *cfg, char *err,
			size_t errlen);

#endif
