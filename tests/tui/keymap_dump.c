// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the help text of the default keymap, one action per line, for
 * tests/tui/keys.sh to look for on the screen.
 */
#include <stdio.h>

#include "tui/keymap.h"

int main(void)
{
	static char text[16384];
	struct keymap km;

	keymap_init(&km);
	keymap_help(&km, text, sizeof(text));
	fputs(text, stdout);
	return 0;
}
