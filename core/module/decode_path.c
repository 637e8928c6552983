// SPDX-License-Identifier: GPL-2.0
/*
 * Source paths of the debug info, back to where the sources are. kmdash
 * builds a module in a mirror of symlinks (target/kbuild.sh), so the
 * debug info names build/kmod/storage_hash.c: realpath() leads back to
 * kmod/storage_hash.c while the mirror exists; explicit maps cover a
 * build tree that is gone or was a copy (a container, another machine).
 */
#include "core/module/decode_int.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strutil.h"

/* The mapped path, or NULL when no map applies. */
static char *apply_maps(const char *path, const struct decode_map *maps,
			size_t nmaps)
{
	for (size_t i = 0; i < nmaps; i++) {
		size_t n = str_path_prefix(path, maps[i].from);

		if (n)
			return str_printf("%s%s", maps[i].to, path + n);
	}
	return NULL;
}

/*
 * The maps apply to the resolved path, else to the path as written (a
 * map names the build tree as the user knows it, which realpath() may
 * have resolved through a symlinked parent).
 */
char *decode_map_path(const char *name, const char *dir,
		      const struct decode_map *maps, size_t nmaps)
{
	char *joined, *out, real[PATH_MAX];
	bool resolved;

	if (name[0] != '/' && dir && *dir)
		joined = str_printf("%s/%s", dir, name);
	else
		joined = strdup(name);
	if (!joined)
		return NULL;
	resolved = realpath(joined, real) != NULL;
	out = resolved ? apply_maps(real, maps, nmaps) : NULL;
	if (!out)
		out = apply_maps(joined, maps, nmaps);
	if (!out)
		out = strdup(resolved ? real : joined);
	free(joined);
	return out;
}
