// SPDX-License-Identifier: GPL-2.0
/* The `?` overlay: every action of the keymap table, as bound now. */
#include <stdio.h>
#include <string.h>

#include "tui/dash.h"

void help_draw(struct dash *d, WINDOW *w, int h, int wd)
{
	static char text[16384];
	const char *p, *nl;
	int y = 1, line = 0;

	keymap_help(&d->km, text, sizeof(text));
	draw_role(d, w, TR_BORDER_FOCUS);
	draw_box(d, w);
	draw_role(d, w, TR_TITLE_FOCUS);
	draw_printf(w, 0, 2, wd - 4, " kmdash keys: Esc closes, PgDn scrolls ");
	draw_role(d, w, TR_NORMAL);
	for (p = text; *p && y < h - 1; p = nl + 1, line++) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (line >= d->overlay_top) {
			/* group headings have no indent */
			draw_role(d, w, *p != ' ' ? TR_TITLE : TR_NORMAL);
			draw_text(w, y++, 2, wd - 4, p, (size_t)(nl - p));
		}
		if (!*nl)
			break;
	}
	if (y < h - 1) {
		draw_role(d, w, TR_BORDER);
		draw_printf(
			w, h - 2, 2, wd - 4,
			"theme %s (t: next) - ui.keys in the config remaps keys - man kmdash",
			d->theme.name);
	}
	draw_role(d, w, TR_NORMAL);
}
