// SPDX-License-Identifier: GPL-2.0
/*
 * Config loading at the document level: where the files are, the
 * defaults, then the user's JSON on top, parsed, printed and freed by the
 * table (table.c) through the schema engine (schema.c). Every error is
 * collected with its file:line:col so one run of kmdash shows everything
 * to fix.
 */
#include "core/config/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/datadir.h"
#include "core/base/strutil.h"
#include "core/config/config_int.h"
#include "core/module/modsrc.h"

static char *xprintf_dir(struct schema_ctx *c, const char *dir, const char *sub)
{
	char *s = str_printf("%s%s", dir, sub);

	if (!s)
		c->oom = true;
	return s;
}

/* --- where things are ------------------------------------------------------ */

static char *env_dir(struct schema_ctx *c, const char *var, const char *xdg,
		     const char *fallback_below_home, const char *sub)
{
	const char *v = getenv(var), *home;
	char *s;

	if (v && *v)
		return schema_strdup(c, v);
	v = xdg ? getenv(xdg) : NULL;
	if (v && v[0] == '/') {
		s = str_printf("%s/%s", v, sub);
	} else {
		home = str_home_dir();
		if (!home)
			return NULL;
		s = str_printf("%s/%s/%s", home, fallback_below_home, sub);
	}
	if (!s)
		c->oom = true;
	return s;
}

char *config_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = str_home_dir();

	if (x && x[0] == '/')
		return str_printf("%s/kmdash/config.json", x);
	if (home)
		return str_printf("%s/.config/kmdash/config.json", home);
	return NULL;
}

/* A kmdash source tree: the data files and the sources. */
static bool is_checkout(const char *dir)
{
	char p[PATH_MAX + 64], q[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/" DATADIR_MARKER, dir);
	snprintf(q, sizeof(q), "%s/core/session.c", dir);
	return access(p, F_OK) == 0 && access(q, F_OK) == 0;
}

/* The kmdash checkout that here is in, or NULL. */
static char *find_checkout(struct schema_ctx *c, const char *here)
{
	char p[PATH_MAX];

	if (!here || !realpath(here, p))
		return NULL;
	for (;;) {
		char *slash = strrchr(p, '/');

		if (is_checkout(p))
			return schema_strdup(c, p);
		if (!slash || slash == p)
			return NULL;
		*slash = '\0';
	}
}

/*
 * The module the command line names (--module, relative to where kmdash
 * runs; --example), else the one found from there upwards.
 */
static void locate_module(struct schema_ctx *c, struct config *cfg,
			  const struct config_opts *opts, const char *here)
{
	struct modsrc m;
	char err[PATH_MAX + 256];

	if (opts && opts->module_dir) {
		cfg->module_explicit = true;
		cfg->module_arg =
			opts->module_dir[0] == '/' || !here ?
				schema_strdup(c, opts->module_dir) :
				str_printf("%s/%s", here, opts->module_dir);
		if (!cfg->module_arg)
			c->oom = true;
		return;
	}
	if (opts && opts->example) {
		cfg->module_explicit = true;
		if (cfg->data_dir)
			cfg->module_arg =
				xprintf_dir(c, cfg->data_dir, "/kmod");
		else
			cfg->module_search = schema_strdup(
				c, "the storage_hash example is not installed: "
				   "no share/kmdash next to this kmdash "
				   "(make install)");
		return;
	}
	if (!here)
		return;
	if (modsrc_find(here, str_home_dir(), &m, err, sizeof(err)) == 0)
		cfg->module_arg = schema_strdup(c, m.dir);
	else
		cfg->module_search = schema_strdup(c, err);
}

/* where things are; false when out of memory */
static bool locate(struct schema_ctx *c, struct config *cfg,
		   const struct config_opts *opts)
{
	char cwd[PATH_MAX], run[PATH_MAX], data[PATH_MAX];
	const char *here = opts && opts->cwd ? opts->cwd :
					       getcwd(cwd, sizeof(cwd));

	if (opts && opts->repo_dir)
		cfg->repo_dir = schema_strdup(c, opts->repo_dir);
	else
		cfg->repo_dir = find_checkout(c, here);
	if (datadir_find(data, sizeof(data)) == 0)
		cfg->data_dir = schema_strdup(c, data);
	locate_module(c, cfg, opts, here);
	cfg->cache_dir = env_dir(c, "KMDASH_CACHE_DIR", "XDG_CACHE_HOME",
				 ".cache", "kmdash");
	/* the VM's rule: where `kmdash vm` and the session look */
	if (vm_runtime_base(run, sizeof(run)) == 0)
		cfg->runtime_dir = schema_strdup(c, run);
	return cfg->runtime_dir && !c->oom;
}

/* --- the document ------------------------------------------------------------ */

/* default_target names one of the targets: parsed once they are. */
static bool default_target_parse(struct schema_ctx *c,
				 const struct schema_row *row, void *obj,
				 const cJSON *dt, const char *path)
{
	struct config *cfg = obj;
	char names[200];
	size_t o = 0;

	if (!cJSON_IsString(dt)) {
		schema_expected(c, dt, path, "a target name");
		return false;
	}
	if (!cfg->n_targets)
		return false;
	names[0] = '\0';
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const char *name = cfg->targets[i].name;

		if (!name)
			continue;
		if (!strcmp(name, dt->valuestring)) {
			cfg->default_target = i;
			return true;
		}
		if (o < sizeof(names))
			o += (size_t)snprintf(names + o, sizeof(names) - o,
					      "%s%s", o ? ", " : "", name);
	}
	schema_error(c, dt, false, path, "no target named \"%s\" (targets: %s)",
		     dt->valuestring, names);
	return false;
}

static void default_target_print(const struct schema_row *row, const void *obj,
				 cJSON *parent)
{
	const struct config *cfg = obj;

	if (cfg->n_targets)
		cJSON_AddStringToObject(parent, row->name,
					cfg->targets[cfg->default_target].name);
}

const struct schema_ops config_default_target_ops = {
	.parse = default_target_parse,
	.print = default_target_print,
};

void config_root_finish(struct schema_ctx *c, void *obj, const cJSON *json,
			const char *path)
{
	if (!cJSON_GetObjectItemCaseSensitive(json, "targets"))
		config_add_embedded_target(c);
	/* before default_target, which may name one of them */
	config_read_dropins(c);
	schema_parse_row(c,
			 schema_row_find(&config_root_table, "default_target"),
			 obj, json, path);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	schema_free(&config_root_table, cfg);
	vm_target_free(&cfg->embedded);
	free(cfg);
}

struct config *config_load(const struct config_opts *opts, char *err,
			   size_t errlen)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct config_load l = { .cfg = cfg };
	struct jsonpos_doc *doc = NULL;
	struct schema_ctx c;
	char *path = NULL, buf[64];

	schema_ctx_init(&c, NULL, err, errlen, &l);
	if (!cfg || !locate(&c, cfg, opts))
		goto oom;
	config_read_target_env(&c);
	schema_defaults(&c, &config_root_table, cfg);

	path = opts && opts->path ? strdup(opts->path) : config_default_path();
	if (!path ||
	    (!(opts && opts->path) && access(path, F_OK) && errno == ENOENT)) {
		/* no config at all: the embedded target alone */
		free(path);
		path = NULL;
		config_add_embedded_target(&c);
		config_read_dropins(&c);
		if (c.oom)
			goto oom;
		if (c.errs.n)
			goto fail;
		return cfg;
	}
	cfg->path = path;
	doc = jsonpos_load(path, err, errlen);
	if (!doc)
		goto fail;
	if (c.oom)
		goto oom;
	schema_ctx_init(&c, doc, err, errlen, &l);
	if (!cJSON_IsObject(doc->root))
		schema_error(&c, doc->root, false, NULL,
			     "expected a JSON object at the top level, got %s",
			     schema_got(doc->root, buf, sizeof(buf)));
	else
		schema_parse_object(&c, &config_root_table, cfg, doc->root, "");
	if (c.oom)
		goto oom;
	if (jsonerr_end(&c.errs))
		goto fail;
	jsonpos_free(doc);
	return cfg;
oom:
	snprintf(err, errlen, "%s: out of memory while loading the config",
		 path ? path : "config");
fail:
	jsonpos_free(doc);
	config_free(cfg);
	return NULL;
}

const struct config_target *config_target(const struct config *cfg,
					  const char *name)
{
	if (!cfg || !cfg->n_targets)
		return NULL;
	if (!name)
		return &cfg->targets[cfg->default_target];
	for (size_t i = 0; i < cfg->n_targets; i++)
		if (!strcmp(cfg->targets[i].name, name))
			return &cfg->targets[i];
	return NULL;
}

char *config_print(const struct config *cfg)
{
	cJSON *root = schema_print(&config_root_table, cfg);
	cJSON *targets = cJSON_GetObjectItem(root, "targets");
	char *out;

	/* an unknown module's stand-in name is no value: left to be found */
	for (size_t i = 0; i < cfg->n_targets; i++)
		if (!strcmp(cfg->targets[i].module.name, CONFIG_NO_MODULE_NAME))
			cJSON_DeleteItemFromObject(
				cJSON_GetObjectItem(cJSON_GetArrayItem(targets,
								       (int)i),
						    "module"),
				"name");
	out = root ? cJSON_Print(root) : NULL;

	cJSON_Delete(root);
	return out;
}
