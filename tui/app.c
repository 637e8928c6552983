// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash: entry point. Parses the command line and wires core to the
 * dashboard. The only place that may exit().
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <curses.h>
#include <libssh2.h>
#include <vterm.h>

#include "../core/version.h"

static void print_version(void)
{
	printf("kmdash %s\n", KMDASH_VERSION);
	printf("  ncursesw %s, libssh2 %s, libvterm %d.%d, cJSON %s\n",
	       curses_version(), libssh2_version(0), VTERM_VERSION_MAJOR,
	       VTERM_VERSION_MINOR, cJSON_Version());
}

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: kmdash [--version] [--help]\n"
		"\n"
		"A terminal dashboard for developing a Linux kernel module\n"
		"against an ARM64 target (a QEMU guest or a real board).\n"
		"\n"
		"  --version   print the version and the libraries in use\n"
		"  --help      print this help\n");
}

int main(int argc, char **argv)
{
	VTerm *vt;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		/* Prove the terminal emulator links and runs, not just loads. */
		vt = vterm_new(24, 80);
		if (!vt)
			return 1;
		vterm_free(vt);
		print_version();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		print_help(stdout);
		return 0;
	}
	if (argc > 1)
		fprintf(stderr, "kmdash: unknown argument '%s'\n\n", argv[1]);
	print_help(stderr);
	return 2;
}
