// SPDX-License-Identifier: GPL-2.0
/*
 * Target drop-ins: $XDG_CONFIG_HOME/kmdash/targets.d/NAME.json, one
 * target object each, added to the configuration's targets in name
 * order. kmdash image prepare writes one per prepared image, so a user's
 * config file is never rewritten by a program. A drop-in is parsed by
 * the same table as a target in the file, with its own file:line:col.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/fsdir.h"
#include "core/base/strutil.h"
#include "core/config/config_int.h"
#include "core/vm/image.h"

#define DROPIN_MAX 256

char *config_dropin_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = str_home_dir();

	if (x && x[0] == '/')
		return str_printf("%s/kmdash/targets.d", x);
	if (home)
		return str_printf("%s/.config/kmdash/targets.d", home);
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One drop-in, parsed as targets[n] with errors at its own positions. */
static void read_one(struct schema_ctx *c, const char *path)
{
	struct config *cfg = config_load_of(c)->cfg;
	const struct jsonpos_doc *main_doc = c->doc;
	struct config_target *arr, *t;
	struct jsonpos_doc *doc;
	char why[512], buf[64];

	doc = jsonpos_load(path, why, sizeof(why));
	if (!doc) {
		jsonerr_add_line(&c->errs, why);
		return;
	}
	if (!cJSON_IsObject(doc->root)) {
		jsonpos_errf(doc, doc->root, false, why, sizeof(why),
			     "expected one target object, got %s",
			     schema_got(doc->root, buf, sizeof(buf)));
		jsonerr_add_line(&c->errs, why);
		jsonpos_free(doc);
		return;
	}
	arr = realloc(cfg->targets, (cfg->n_targets + 1) * sizeof(*arr));
	if (!arr) {
		c->oom = true;
		jsonpos_free(doc);
		return;
	}
	cfg->targets = arr;
	t = &arr[cfg->n_targets++];
	memset(t, 0, sizeof(*t));
	config_load_of(c)->doc_first = cfg->n_targets - 1;
	c->doc = doc;
	c->errs.doc = doc;
	schema_defaults(c, &config_target_table, t);
	schema_parse_object(c, &config_target_table, t, doc->root, "");
	t->source = schema_strdup(c, path);
	c->doc = main_doc;
	c->errs.doc = main_doc;
	jsonpos_free(doc);
}

void config_read_dropins(struct schema_ctx *c)
{
	char *dir = config_dropin_dir(), *names[DROPIN_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	d = dir ? opendir(dir) : NULL;
	while (d && (e = readdir(d)) && n < DROPIN_MAX) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' || l < 6 ||
		    strcmp(e->d_name + l - 5, ".json"))
			continue;
		names[n] = str_printf("%s/%s", dir, e->d_name);
		if (names[n])
			n++;
		else
			c->oom = true;
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		read_one(c, names[i]);
		free(names[i]);
	}
	free(dir);
}

/* --- the drop-in of a prepared image ------------------------------------- */

static cJSON *image_target(const char *name, const struct image_result *r)
{
	cJSON *t = cJSON_CreateObject(), *vm, *ssh, *ids, *kmsg;

	if (!t)
		return NULL;
	cJSON_AddStringToObject(t, "name", name);
	vm = cJSON_AddObjectToObject(t, "vm");
	ssh = cJSON_AddObjectToObject(t, "ssh");
	kmsg = cJSON_AddObjectToObject(t, "kmsg");
	if (!vm || !ssh || !kmsg) {
		cJSON_Delete(t);
		return NULL;
	}
	cJSON_AddStringToObject(vm, "profile", "image");
	cJSON_AddStringToObject(vm, "image", r->image);
	cJSON_AddStringToObject(vm, "kernel", r->kernel);
	if (r->initrd[0])
		cJSON_AddStringToObject(vm, "initrd", r->initrd);
	cJSON_AddStringToObject(vm, "dtb", r->dtb);
	cJSON_AddStringToObject(vm, "append", r->append);
	cJSON_AddStringToObject(vm, "host_key", r->host_key_pub);
	cJSON_AddStringToObject(ssh, "user", r->user);
	ids = cJSON_AddArrayToObject(ssh, "identity_files");
	if (ids)
		cJSON_AddItemToArray(ids, cJSON_CreateString(r->client_key));
	/* an emulated Pi 3 is slow to answer (image.h) */
	cJSON_AddNumberToObject(ssh, "connect_timeout_ms",
				IMAGE_SSH_TIMEOUT_MS);
	cJSON_AddNumberToObject(ssh, "dead_after_ms", IMAGE_SSH_DEAD_AFTER_MS);
	/* the image's key only: an agent's keys are no business of it */
	cJSON_AddBoolToObject(ssh, "agent", false);
	/* Raspberry Pi OS's first user has sudo without a password */
	cJSON_AddBoolToObject(kmsg, "sudo", true);
	return t;
}

int config_write_image_target(const char *dir, const char *name,
			      const struct image_result *r, char *path,
			      size_t cap, char *err, size_t errlen)
{
	cJSON *t = image_target(name, r);
	char *text = t ? cJSON_Print(t) : NULL, tmp[PATH_MAX + 32];
	FILE *f;
	int rc;

	cJSON_Delete(t);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(path, cap, "%s/%s.json", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.json.tmp", dir, name);
	rc = fsdir_make(dir);
	f = rc ? NULL : fopen(tmp, "we");
	if (f) {
		fprintf(f, "%s\n", text);
		rc = ferror(f) ? -EIO : 0;
		if (fclose(f) && !rc)
			rc = -errno;
		if (!rc && rename(tmp, path) < 0)
			rc = -errno;
		if (rc)
			unlink(tmp);
	} else if (!rc) {
		rc = -errno;
	}
	free(text);
	if (rc)
		snprintf(err, errlen, "cannot write the target %s: %s", path,
			 strerror(-rc));
	return rc;
}
