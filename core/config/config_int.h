/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to core/config/: the kmdash table (table.c) and the functions
 * its rows and hooks name, each in the file of its concern.
 */
#ifndef KMDASH_CONFIG_INT_H
#define KMDASH_CONFIG_INT_H

#include "core/config/schema.h"

/* What the hooks need while a config loads (schema_ctx.user). */
struct config_load {
	struct config *cfg;
	/* the first target of the document being parsed (drop-ins) */
	size_t doc_first;
};

static inline struct config_load *config_load_of(struct schema_ctx *c)
{
	return c->user;
}

/*
 * module.name while no module is known (its problem says why): shown where
 * a name is, never printed by config_print(), since it is not a name.
 */
#define CONFIG_NO_MODULE_NAME "(no module)"

/* The QEMU machine core/vm boots for a VM profile (not CONFIG_VM_NONE). */
static inline enum vm_profile config_vm_machine(enum config_vm_profile p)
{
	return p == CONFIG_VM_RASPI3B ? VM_PROFILE_RASPI3B :
	       p == CONFIG_VM_IMAGE   ? VM_PROFILE_RPIOS :
					VM_PROFILE_VIRT;
}

/* table.c */
extern const struct schema_table config_root_table;
extern const struct schema_table config_target_table;
extern const struct schema_table config_vm_table;
extern const struct schema_table config_container_table;

/* validate.c: checks of one value (rows' check and check_each) */
bool config_check_target_name(struct schema_ctx *c,
			      const struct schema_row *row, const cJSON *item,
			      const char *path);
bool config_check_targets(struct schema_ctx *c, const struct schema_row *row,
			  const cJSON *item, const char *path);
bool config_check_module_name(struct schema_ctx *c,
			      const struct schema_row *row, const cJSON *item,
			      const char *path);
bool config_check_module_param(struct schema_ctx *c,
			       const struct schema_row *row, const cJSON *item,
			       const char *path);
bool config_check_remote_dir(struct schema_ctx *c, const struct schema_row *row,
			     const cJSON *item, const char *path);
bool config_check_jump_host(struct schema_ctx *c, const struct schema_row *row,
			    const cJSON *item, const char *path);
bool config_check_nonempty(struct schema_ctx *c, const struct schema_row *row,
			   const cJSON *item, const char *path);
bool config_check_argv(struct schema_ctx *c, const struct schema_row *row,
		       const cJSON *item, const char *path);
bool config_check_env_name(struct schema_ctx *c, const struct schema_row *row,
			   const cJSON *item, const char *path);
bool config_check_bench_word(struct schema_ctx *c, const struct schema_row *row,
			     const cJSON *item, const char *path);
bool config_check_baud(struct schema_ctx *c, const struct schema_row *row,
		       const cJSON *item, const char *path);
void config_ssh_port_range(const void *ssh, int *min, int *max,
			   const char **note);

/* container.c: build.container and build.path_map */
bool config_check_mount(struct schema_ctx *c, const struct schema_row *row,
			const cJSON *item, const char *path);
bool config_check_abs(struct schema_ctx *c, const struct schema_row *row,
		      const cJSON *item, const char *path);
bool config_check_path_map(struct schema_ctx *c, const struct schema_row *row,
			   const cJSON *item, const char *path);
bool config_container_prepare(struct schema_ctx *c, void *obj,
			      const cJSON *json, const char *path);
void config_container_finish(struct schema_ctx *c, void *obj, const cJSON *json,
			     const char *path);
/*
 * The container's mounts as they run: the build tree (out, or the
 * module's sources src for a command of the user's) at workdir, the
 * sources the mirror links to read-only, then the config's (by default
 * the kernel tree kdir's, read-only at its own path).
 */
void config_container_derive(struct schema_ctx *c, struct config_build *b,
			     const char *src, const char *out, bool kbuild);

/* validate.c: checks across the members of one object (tables' hooks) */
void config_ssh_finish(struct schema_ctx *c, void *obj, const cJSON *json,
		       const char *path);
void config_vm_finish(struct schema_ctx *c, void *obj, const cJSON *json,
		      const char *path);
bool config_serial_prepare(struct schema_ctx *c, void *obj, const cJSON *json,
			   const char *path);
void config_target_finish(struct schema_ctx *c, void *obj, const cJSON *json,
			  const char *path);

/* defaults.c: the defaults that depend on target.env and the profile */
void config_read_target_env(struct schema_ctx *c);
bool config_target_prepare(struct schema_ctx *c, void *obj, const cJSON *json,
			   const char *path);
void config_target_defaults(struct schema_ctx *c, struct config_target *t,
			    enum config_vm_profile profile);
void config_target_derived(struct schema_ctx *c, struct config_target *t);
void config_add_embedded_target(struct schema_ctx *c);

/* dropin.c: the targets of targets.d */
void config_read_dropins(struct schema_ctx *c);

/* keys.c: ui.keys, an object of action: [keys] kept with positions */
extern const struct schema_ops config_keys_ops;

/* config.c: the document level */
extern const struct schema_ops config_default_target_ops;
void config_root_finish(struct schema_ctx *c, void *obj, const cJSON *json,
			const char *path);

#endif
