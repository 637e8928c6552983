// SPDX-License-Identifier: GPL-2.0
/*
 * The checks one row's type cannot make: a value's own form (names, module
 * parameters, jump hosts) and rules across the members of one object
 * (either a socket or a tty; what the raspi3b machine allows). Each check
 * is one function, named by the table (table.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config_int.h"
#include "core/module/modsrc.h"
#include "core/ssh/sshconfig.h"

#define container_of(p, type, member) \
	((type *)((char *)(p)-offsetof(type, member)))

static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* --- one value ----------------------------------------------------------- */

static bool valid_name(const char *s, size_t max, bool allow_dot)
{
	size_t n = strlen(s);

	if (!n || n > max || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      (allow_dot && ch == '.')))
			return false;
	}
	return true;
}

/* A non-empty string, for the checks that judge only those. */
static bool judged(const cJSON *item)
{
	return cJSON_IsString(item) && *item->valuestring;
}

bool config_name_ok(const char *name)
{
	return valid_name(name, 64, true);
}

/* Any value: a target's name names directories, so nothing else will do. */
bool config_check_target_name(struct schema_ctx *c,
			      const struct schema_row *row, const cJSON *item,
			      const char *path)
{
	if (cJSON_IsString(item) && config_name_ok(item->valuestring))
		return true;
	schema_expected(
		c, item, path,
		"a name of letters, digits, '.', '_' or '-' (it names directories)");
	return false;
}

bool config_check_targets(struct schema_ctx *c, const struct schema_row *row,
			  const cJSON *item, const char *path)
{
	if (!cJSON_IsArray(item) || item->child)
		return true;
	schema_error(
		c, item, false, path,
		"expected at least one target (leave \"targets\" out to use the embedded QEMU target)");
	return false;
}

bool config_check_module_name(struct schema_ctx *c,
			      const struct schema_row *row, const cJSON *item,
			      const char *path)
{
	if (!judged(item) ||
	    modsrc_name_ok(item->valuestring, strlen(item->valuestring)))
		return true;
	schema_expected(c, item, path,
			"a module name (letters, digits, _ and -)");
	return false;
}

bool config_check_module_param(struct schema_ctx *c,
			       const struct schema_row *row, const cJSON *item,
			       const char *path)
{
	const char *s = item->valuestring;
	size_t n = strcspn(s, "=");
	bool ok = n > 0;

	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') ||
		     (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		     s[i] == '-' || s[i] == '.';
	if (!ok)
		schema_expected(c, item, path, row->what);
	return ok;
}

bool config_check_remote_dir(struct schema_ctx *c, const struct schema_row *row,
			     const cJSON *item, const char *path)
{
	if (!judged(item) || item->valuestring[0] == '/')
		return true;
	schema_expected(c, item, path, "an absolute path on the target");
	return false;
}

/*
 * One hop or a list "a,b" as ProxyJump takes it (b reached through a);
 * every hop is checked.
 */
bool config_check_jump_host(struct schema_ctx *c, const struct schema_row *row,
			    const cJSON *item, const char *path)
{
	char user[256], host[512];
	int port;

	if (!judged(item))
		return true;
	for (const char *s = item->valuestring;; s++) {
		if (sshconfig_parse_jump(s, user, sizeof(user), host,
					 sizeof(host), &port) < 0) {
			schema_expected(
				c, item, path,
				"[user@]host[:port] (port 1-65535), or hops of that form separated by commas");
			return false;
		}
		s = strchr(s, ',');
		if (!s)
			return true;
	}
}

bool config_check_nonempty(struct schema_ctx *c, const struct schema_row *row,
			   const cJSON *item, const char *path)
{
	if (*item->valuestring)
		return true;
	schema_expected(c, item, path, row->what);
	return false;
}

bool config_check_argv(struct schema_ctx *c, const struct schema_row *row,
		       const cJSON *item, const char *path)
{
	const cJSON *a0 = cJSON_IsArray(item) ? item->child : NULL;

	if (!cJSON_IsString(a0) || *a0->valuestring)
		return true;
	schema_error(c, a0, false, path, "the program name (argv[0]) is empty");
	return false;
}

/* bench.workload (A-F) and bench.distribution: one of their words. */
bool config_check_bench_word(struct schema_ctx *c, const struct schema_row *row,
			     const cJSON *item, const char *path)
{
	bool workload = !strcmp(row->name, "workload");
	const char *words[8], *w;
	size_t n = 0;

	while (n < 7 && (w = workload ? bench_workload_name(n) :
					bench_distribution_name(n)))
		words[n++] = w;
	words[n] = NULL;
	if (!cJSON_IsString(item))
		return true; /* the type check says so */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(item->valuestring, words[i]))
			return true;
	schema_expected(c, item, path,
			workload ? "a YCSB core workload: A, B, C, D, E or F" :
				   "uniform, zipfian or latest");
	return false;
}

/* A MAP member: its name must be an environment variable's. */
bool config_check_env_name(struct schema_ctx *c, const struct schema_row *row,
			   const cJSON *item, const char *path)
{
	const char *s = item->string;
	bool ok = *s && !(s[0] >= '0' && s[0] <= '9');

	for (size_t i = 0; ok && s[i]; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') ||
		     (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
	if (!ok)
		schema_error(
			c, item, true, path,
			"expected an environment variable name (letters, digits, _)");
	return ok;
}

static const int std_bauds[] = { 300,	  600,	   1200,    2400,    4800,
				 9600,	  19200,   38400,   57600,   115200,
				 230400,  460800,  500000,  576000,  921600,
				 1000000, 1152000, 1500000, 2000000, 2500000,
				 3000000, 3500000, 4000000, 0 };

bool config_check_baud(struct schema_ctx *c, const struct schema_row *row,
		       const cJSON *item, const char *path)
{
	for (size_t i = 0; std_bauds[i]; i++)
		if (cJSON_IsNumber(item) && item->valuedouble == std_bauds[i])
			return true;
	schema_expected(
		c, item, path,
		"a standard baud rate (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1500000, ...)");
	return false;
}

/* A VM's port may be 0: the port the started VM forwards. */
void config_ssh_port_range(const void *ssh, int *min, int *max,
			   const char **note)
{
	const struct config_target *t =
		(const void *)((const char *)ssh -
			       offsetof(struct config_target, ssh));

	if (!t->has_vm)
		return;
	*min = 0;
	*note = " (0: the port the VM forwards)";
}

/* --- across the members of one object ------------------------------------ */

void config_ssh_finish(struct schema_ctx *c, void *obj, const cJSON *json,
		       const char *path)
{
	struct config_ssh *ssh = obj;
	const cJSON *dead = member(json, "dead_after_ms");
	char p[SCHEMA_PATH_LEN];

	/* the user's list, missing files and all: no more skipping */
	if (schema_accepted(c, member(json, "identity_files")))
		ssh->identity_default = false;
	if (schema_accepted(c, dead) &&
	    ssh->dead_after_ms < ssh->probe_interval_ms) {
		schema_join(p, path, "dead_after_ms");
		schema_error(c, dead, false, p,
			     "must be at least probe_interval_ms (%d), got %d",
			     ssh->probe_interval_ms, ssh->dead_after_ms);
	}
}

void config_vm_finish(struct schema_ctx *c, void *obj, const cJSON *json,
		      const char *path)
{
	struct config_vm *vm = obj;
	enum vm_profile m = config_vm_machine(vm->profile);
	const cJSON *it;
	char p[SCHEMA_PATH_LEN];

	/* values other than these can only come from the user's keys */
	if (m != VM_PROFILE_VIRT && vm->memory_mb != vm_machine_memory_mb(m)) {
		schema_join(p, path, "memory_mb");
		schema_error(c, member(json, "memory_mb"), false, p,
			     "the %s machine has exactly %d MB, got %d",
			     vm_machine_name(m), vm_machine_memory_mb(m),
			     vm->memory_mb);
	}
	if (m != VM_PROFILE_VIRT && vm->smp != vm_machine_smp(m)) {
		schema_join(p, path, "smp");
		schema_error(c, member(json, "smp"), false, p,
			     "the %s machine has exactly %d CPUs, got %d",
			     vm_machine_name(m), vm_machine_smp(m), vm->smp);
	}
	if (vm->profile == CONFIG_VM_IMAGE) {
		const char *missing = !vm->image  ? "image" :
				      !vm->kernel ? "kernel" :
				      !vm->dtb	  ? "dtb" :
						    NULL;

		if (missing)
			schema_error(
				c, json, false, path,
				"the image profile needs image, kernel and dtb; %s is missing (take kernel8.img and bcm2710-rpi-3-b.dtb from the image's boot partition)",
				missing);
	} else if ((it = member(json, "image"))) {
		schema_join(p, path, "image");
		schema_error(
			c, it, true, p,
			"only the image profile boots a disk image (set \"profile\": \"image\")");
	}
}

/*
 * Either a socket or a tty, which replaces the VM's own socket; baud for
 * a tty only. false: the members mean nothing until that is fixed.
 */
bool config_serial_prepare(struct schema_ctx *c, void *obj, const cJSON *json,
			   const char *path)
{
	struct config_target *t =
		container_of(obj, struct config_target, serial);
	const cJSON *sock = member(json, "socket"), *tty = member(json, "tty");
	const cJSON *baud = member(json, "baud");
	char p[SCHEMA_PATH_LEN];

	if (sock && tty) {
		const cJSON *first = sock;

		/* points at whichever of the two comes first in the file */
		for (const cJSON *ch = json->child; ch; ch = ch->next)
			if (ch == sock || ch == tty)
				first = ch == sock ? tty : sock;
		schema_join(p, path, first->string);
		schema_error(
			c, first, true, p,
			"set either socket (a QEMU chardev) or tty (a serial device), not both");
		return false;
	}
	if (!sock && !tty) {
		schema_error(
			c, json, false, path,
			"expected socket (a QEMU chardev) or tty (a serial device)");
		return false;
	}
	if (baud && sock) {
		schema_join(p, path, "baud");
		schema_error(c, baud, true, p,
			     "baud applies to a tty only, not to a socket");
		return false;
	}
	free(t->serial.socket);
	free(t->serial.tty);
	t->serial = (struct config_serial){ .baud = tty ? 115200 : 0 };
	t->has_serial = true;
	return true;
}

/* Names are unique: they name directories and --target picks by them. */
static void check_unique_name(struct schema_ctx *c, struct config_target *t,
			      const cJSON *json, const char *path)
{
	const struct config_load *l = config_load_of(c);
	const struct config *cfg = l->cfg;
	const cJSON *nm = member(json, "name"), *first = json;
	size_t i = (size_t)(t - cfg->targets);
	char p[SCHEMA_PATH_LEN];

	if (!cJSON_IsString(nm))
		return;
	schema_join(p, path, "name");
	for (size_t j = 0; j < i; j++) {
		const struct config_target *o = &cfg->targets[j];
		struct jsonpos_loc loc;

		if (!o->name || strcmp(o->name, nm->valuestring))
			continue;
		/* another document's (the config file's, a drop-in's) */
		if (j < l->doc_first) {
			schema_error(
				c, nm, false, p,
				"duplicate target name \"%s\" (already a target of %s)",
				nm->valuestring,
				o->source ? o->source :
				cfg->path ? cfg->path :
					    "kmdash (the embedded target)");
			return;
		}
		/* the j-th element of the array, i - j before this one */
		for (size_t k = i; k > j; k--)
			first = first->prev;
		loc = jsonpos_value(c->doc, member(first, "name"));
		schema_error(
			c, nm, false, p,
			"duplicate target name \"%s\" (first at line %d, column %d)",
			nm->valuestring, loc.line, loc.col);
		return;
	}
}

void config_target_finish(struct schema_ctx *c, void *obj, const cJSON *json,
			  const char *path)
{
	struct config_target *t = obj;
	const cJSON *ssh = member(json, "ssh");
	char p[SCHEMA_PATH_LEN];

	schema_join(p, path, "ssh");
	if (!t->ssh.host && !member(json, "vm"))
		schema_error(
			c, ssh ? ssh : json, false, ssh ? p : path,
			"a target without \"vm\" needs ssh.host (the board's address or an ssh_config Host alias)");
	check_unique_name(c, t, json, path);
	config_target_derived(c, t);
}
