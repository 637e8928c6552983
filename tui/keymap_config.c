// SPDX-License-Identifier: GPL-2.0
#include "tui/keymap_config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/config/config.h"

int keymap_apply_config(struct keymap *km, const struct config *cfg, char *err,
			size_t errlen)
{
	const struct config_ui *ui = &cfg->ui;
	struct keymap_binding *b;
	char(*where)[PATH_MAX + 32];
	size_t n = 0;
	int r;

	keymap_init(km);
	for (size_t i = 0; i < ui->n_bindings; i++)
		n += ui->bindings[i].n_keys ? ui->bindings[i].n_keys : 1;
	if (!n)
		return 0;
	b = calloc(n, sizeof(*b));
	where = calloc(n, sizeof(*where));
	if (!b || !where) {
		free(b);
		free(where);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < ui->n_bindings; i++) {
		const struct config_binding *cb = &ui->bindings[i];

		for (size_t k = 0; k < (cb->n_keys ? cb->n_keys : 1); k++) {
			const struct jsonpos_loc *loc =
				cb->n_keys ? &cb->keys[k].loc : &cb->loc;

			snprintf(where[n], sizeof(where[n]), "%s:%d:%d",
				 cfg->path ? cfg->path : "config", loc->line,
				 loc->col);
			b[n].action = cb->action;
			b[n].key = cb->n_keys ? cb->keys[k].key : NULL;
			b[n].where = where[n];
			n++;
		}
	}
	r = keymap_apply(km, b, n, err, errlen);
	free(b);
	free(where);
	return r;
}
