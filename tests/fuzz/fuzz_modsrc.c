// SPDX-License-Identifier: GPL-2.0
/*
 * A module's Kbuild or Makefile, as a checkout from anywhere brings it:
 * the file through modsrc_read() of core/module/modsrc.c. Every name it
 * returns must be one the config takes back (modsrc_name_ok): the config
 * prints it, the status bar and `kmdash status` show it, paths and the
 * target's insmod are built from it.
 *
 * Input: a flag byte (bit 0: the file is the Makefile, else the Kbuild),
 * then the file.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/module/modsrc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	bool makefile = fuzz_take(&in) & 1;
	const char *file = makefile ? "m/Makefile" : "m/Kbuild";
	char dir[PATH_MAX], other[PATH_MAX], err[PATH_MAX + 256];
	char names[MODSRC_MAX_NAMES * (MODSRC_NAME_MAX + 2)];
	struct modsrc m;
	int r;

	snprintf(dir, sizeof(dir), "%s/m", fuzz_dir());
	/* the other file of the last input would be read instead */
	snprintf(other, sizeof(other), "%s/%s", fuzz_dir(),
		 makefile ? "m/Kbuild" : "m/Makefile");
	unlink(other);
	fuzz_file(file, in.p, in.n);

	err[0] = '\0';
	r = modsrc_read(dir, &m, err, sizeof(err));
	fuzz_assert(r == 0 || (r < 0 && err[0]),
		    "a directory refused says why");
	if (r < 0)
		return 0;
	fuzz_assert(m.n <= MODSRC_MAX_NAMES, "at most MODSRC_MAX_NAMES");
	fuzz_assert(!strcmp(m.file + strlen(m.file) - strlen(file) + 1,
			    file + 1),
		    "the file read is the one written");
	for (size_t i = 0; i < m.n; i++) {
		fuzz_assert(modsrc_name_ok(m.names[i], strlen(m.names[i])),
			    "a name from obj-m is a module name");
		fuzz_assert(modsrc_name_index(&m, m.names[i]) == (int)i,
			    "each name once");
	}
	modsrc_names_text(&m, names, sizeof(names));
	fuzz_assert(m.n || !names[0], "no names: an empty list");
	return 0;
}
