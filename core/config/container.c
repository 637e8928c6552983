// SPDX-License-Identifier: GPL-2.0
/*
 * build.container and build.path_map: their checks, and the mounts a
 * container build runs with (what kmdash's own build needs, then the
 * config's).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strutil.h"
#include "core/config/config_int.h"

bool config_check_abs(struct schema_ctx *c, const struct schema_row *row,
		      const cJSON *item, const char *path)
{
	(void)row;
	if (!cJSON_IsString(item) || item->valuestring[0] == '/')
		return true;
	schema_expected(c, item, path, "an absolute path in the container");
	return false;
}

/* "HOST:CONTAINER[:OPTIONS]", as -v takes it. */
bool config_check_mount(struct schema_ctx *c, const struct schema_row *row,
			const cJSON *item, const char *path)
{
	const char *s = item->valuestring, *colon = strchr(s, ':');

	(void)row;
	if (colon && colon > s && colon[1] == '/')
		return true;
	schema_expected(c, item, path,
			"\"HOST:CONTAINER[:OPTIONS]\" with an absolute "
			"CONTAINER path (\"/src/linux:/usr/src/linux:ro\")");
	return false;
}

/* A path_map member: "/container/path": "/host/path". */
bool config_check_path_map(struct schema_ctx *c, const struct schema_row *row,
			   const cJSON *item, const char *path)
{
	const char *from = item->string;

	(void)row;
	if (from[0] != '/' || strchr(from, '=')) {
		schema_error(c, item, true, path,
			     "expected an absolute path the build prints "
			     "(without '='), e.g. \"/workspace\"");
		return false;
	}
	if (cJSON_IsString(item) && item->valuestring[0] != '/') {
		schema_expected(c, item, path,
				"the absolute host path it stands for");
		return false;
	}
	return true;
}

bool config_container_prepare(struct schema_ctx *c, void *obj,
			      const cJSON *json, const char *path)
{
	struct config_container *k = obj;

	(void)json;
	(void)path;
	k->present = true;
	schema_defaults(c, &config_container_table, k);
	return true;
}

void config_container_finish(struct schema_ctx *c, void *obj, const cJSON *json,
			     const char *path)
{
	struct config_container *k = obj;

	if (!k->image) {
		schema_error(c, json, false, path,
			     "a container build needs an \"image\" (make "
			     "container builds localhost/kmdash-cross)");
		return;
	}
	/* HOST as every path of the config: "~", relative to the file */
	for (size_t i = 0; i < k->mounts.n; i++) {
		char *m = k->mounts.v[i], *colon = strchr(m, ':');
		char *host, *full;
		bool bad = false;

		*colon = '\0';
		host = schema_path(c, m, &bad);
		*colon = ':';
		if (!host)
			continue;
		full = str_printf("%s%s", host, colon);
		free(host);
		if (!full) {
			c->oom = true;
			return;
		}
		free(k->mounts.v[i]);
		k->mounts.v[i] = full;
	}
}

/*
 * What a kernel tree needs mounted: Debian's headers packages refer to
 * their siblings (the -common tree, linux-kbuild) by absolute path, so
 * the root they were unpacked in (SYSROOT of SYSROOT/usr/src/NAME);
 * another tree, itself.
 */
static char *kernel_mount(const char *kdir)
{
	char real[PATH_MAX];
	const char *at;

	if (!realpath(kdir, real))
		snprintf(real, sizeof(real), "%s", kdir);
	at = strstr(real, "/usr/src/");
	if (at && at > real)
		return str_printf("%.*s:%.*s:ro", (int)(at - real), real,
				  (int)(at - real), real);
	return str_printf("%s:%s:ro", real, real);
}

/* Appends m (owned), or marks c out of memory. */
static void push_owned(struct schema_ctx *c, struct config_strv *sv, char *m)
{
	if (!m)
		c->oom = true;
	else
		schema_strv_push(c, sv, m);
	free(m);
}

void config_container_derive(struct schema_ctx *c, struct config_build *b,
			     const char *src, const char *out, bool kbuild)
{
	struct config_container *k = &b->container;
	if (!k->present)
		return;
	if (!k->mounts.n && b->kdir)
		push_owned(c, &k->mounts, kernel_mount(b->kdir));
	if (kbuild && out && src) {
		push_owned(c, &k->run_mounts,
			   str_printf("%s:%s", out, k->workdir));
		push_owned(c, &k->run_mounts, str_printf("%s:%s:ro", src, src));
	} else if (src) {
		push_owned(c, &k->run_mounts,
			   str_printf("%s:%s", src, k->workdir));
	}
	for (size_t i = 0; i < k->mounts.n; i++)
		schema_strv_push(c, &k->run_mounts, k->mounts.v[i]);
}
