// SPDX-License-Identifier: GPL-2.0
/*
 * The defaults that are not constants: what the embedded target's
 * target.env says (its kernel, initrd, SSH key), what the VM profile
 * decides (a VM is reached on 127.0.0.1 through its own known_hosts and
 * serial socket) and what depends on where kmdash runs. The constant
 * defaults are in the table (table.c); these are set here and nowhere
 * else, before the user's keys apply (config_target_defaults) or, when
 * they follow from the user's keys, after (config_target_derived).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strutil.h"
#include "core/config/config_int.h"

/* str_printf that marks c out of memory; the format is a literal. */
#define xprintf(c, ...) oom_check((c), str_printf(__VA_ARGS__))

static char *oom_check(struct schema_ctx *c, char *s)
{
	if (!s)
		c->oom = true;
	return s;
}

/* The built target's files, read once (core/vm/target_env.h). */
void config_read_target_env(struct schema_ctx *c)
{
	struct config *cfg = config_load_of(c)->cfg;

	cfg->target_env = xprintf(c, "%s/target/current/target.env",
				  cfg->cache_dir ? cfg->cache_dir : ".");
	if (cfg->target_env &&
	    vm_target_load(&cfg->embedded, cfg->target_env,
			   cfg->embedded_problem,
			   sizeof(cfg->embedded_problem)) == -ENOMEM)
		c->oom = true;
}

/* ~/.ssh's usual keys; the missing ones are skipped when connecting. */
static void default_identities(struct schema_ctx *c, struct config_target *t)
{
	static const char *const names[] = { "id_ed25519", "id_ecdsa",
					     "id_rsa" };
	const char *home = str_home_dir();

	schema_strv_set(c, &t->ssh.identity_files, NULL);
	t->ssh.identity_default = true;
	for (size_t i = 0; home && i < 3; i++) {
		char *p = xprintf(c, "%s/.ssh/%s", home, names[i]);

		if (p)
			schema_strv_push(c, &t->ssh.identity_files, p);
		free(p);
	}
}

/* A VM is reached through what the VM itself provides. */
static void vm_defaults(struct schema_ctx *c, struct config_target *t,
			enum config_vm_profile profile)
{
	const struct config *cfg = config_load_of(c)->cfg;
	const struct vm_target *te = &cfg->embedded;
	const char *qemu = getenv("QEMU");
	char run[PATH_MAX];

	t->vm.profile = profile;
	if (vm_run_dir(run, sizeof(run), cfg->runtime_dir, t->name) == 0)
		t->vm.run_dir = schema_strdup(c, run);
	t->vm.memory_mb = vm_machine_memory_mb(config_vm_machine(profile));
	t->vm.smp = vm_machine_smp(config_vm_machine(profile));
	if (qemu && *qemu)
		schema_set_str(c, &t->vm.qemu, qemu);
	if (t->embedded) {
		schema_set_str(c, &t->vm.kernel, te->kernel);
		schema_set_str(c, &t->vm.initrd, te->initrd);
		if (profile == CONFIG_VM_RASPI3B)
			schema_set_str(c, &t->vm.dtb, te->dtb_raspi3b);
	}
	schema_set_str(c, &t->ssh.host, "127.0.0.1");
	t->ssh.port = 0;
	t->has_serial = true;
	if (!t->vm.run_dir)
		return;
	t->ssh.known_hosts = xprintf(c, "%s/known_hosts", t->vm.run_dir);
	t->serial.socket = xprintf(c, "%s/serial.sock", t->vm.run_dir);
}

/*
 * Everything a target gets before the user's keys apply: the table's
 * constants, then what the profile and target.env decide. t->name is set.
 */
void config_target_defaults(struct schema_ctx *c, struct config_target *t,
			    enum config_vm_profile profile)
{
	const struct config *cfg = config_load_of(c)->cfg;
	const struct vm_target *te = &cfg->embedded;
	const char *build[] = { "make", "-C", cfg->repo_dir, "kmod", NULL };
	const char *home = str_home_dir();

	t->has_vm = profile != CONFIG_VM_NONE;
	t->embedded = profile == CONFIG_VM_VIRT || profile == CONFIG_VM_RASPI3B;
	schema_defaults(c, &config_target_table, t);
	if (t->has_vm) {
		vm_defaults(c, t, profile);
	} else {
		t->ssh.port = 22;
		if (home)
			t->ssh.known_hosts =
				xprintf(c, "%s/.ssh/known_hosts", home);
	}
	if (t->embedded) {
		/* the guest's own key: nothing else is authorised there */
		schema_set_str(c, &t->ssh.user, "root");
		t->ssh.agent = false;
		schema_strv_set(c, &t->ssh.identity_files, NULL);
		if (te->ssh_key)
			schema_strv_push(c, &t->ssh.identity_files,
					 te->ssh_key);
	} else {
		schema_set_str(c, &t->ssh.user,
			       profile == CONFIG_VM_IMAGE ? "pi" :
							    str_user_name());
		t->ssh.agent = true;
		default_identities(c, t);
	}
	schema_strv_set(c, &t->build.argv, build);
	t->module.sectl =
		xprintf(c, "%s/build/kmod/tools/sectl", cfg->repo_dir);
	t->module.sebench =
		xprintf(c, "%s/build/kmod/tools/sebench", cfg->repo_dir);
}

/* What follows from the user's keys: the .ko is named after the module. */
void config_target_derived(struct schema_ctx *c, struct config_target *t)
{
	const struct config *cfg = config_load_of(c)->cfg;

	if (!t->module.ko && t->module.name)
		t->module.ko = xprintf(c, "%s/build/kmod/%s.ko", cfg->repo_dir,
				       t->module.name);
}

/*
 * The target table's prepare hook: the name and the VM profile come first,
 * because the defaults depend on them.
 */
bool config_target_prepare(struct schema_ctx *c, void *obj, const cJSON *json,
			   const char *path)
{
	struct config_target *t = obj;
	const cJSON *vm = cJSON_GetObjectItemCaseSensitive(json, "vm");
	enum config_vm_profile profile = CONFIG_VM_NONE;
	char p[SCHEMA_PATH_LEN];

	if (!cJSON_GetObjectItemCaseSensitive(json, "name"))
		schema_error(c, json, false, path, "a target needs a \"name\"");
	else
		schema_parse_row(c,
				 schema_row_find(&config_target_table, "name"),
				 t, json, path);
	if (!t->name)
		t->name = schema_strdup(c, "invalid");
	if (cJSON_IsObject(vm)) {
		t->vm.profile = CONFIG_VM_VIRT;
		schema_join(p, path, "vm");
		schema_parse_row(c,
				 schema_row_find(&config_vm_table, "profile"),
				 &t->vm, vm, p);
		profile = t->vm.profile;
	}
	config_target_defaults(c, t, profile);
	return true;
}

/* No "targets": the embedded guest on QEMU virt, called "qemu". */
void config_add_embedded_target(struct schema_ctx *c)
{
	struct config *cfg = config_load_of(c)->cfg;

	cfg->targets = calloc(1, sizeof(*cfg->targets));
	if (!cfg->targets) {
		c->oom = true;
		return;
	}
	cfg->n_targets = 1;
	cfg->targets[0].name = schema_strdup(c, "qemu");
	config_target_defaults(c, &cfg->targets[0], CONFIG_VM_VIRT);
	config_target_derived(c, &cfg->targets[0]);
}
