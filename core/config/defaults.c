// SPDX-License-Identifier: GPL-2.0
/*
 * The defaults that are not constants: what the embedded target's
 * target.env says (its kernel, initrd, SSH key), what the VM profile
 * decides (a VM is reached on 127.0.0.1 through its own known_hosts and
 * serial socket) and what depends on where kmdash runs. The constant
 * defaults are in the table (table.c); these are set here and nowhere
 * else, before the user's keys apply (config_target_defaults) or, when
 * they follow from the user's keys, after (config_target_derived): the
 * module (its directory, name and .ko), its build and its benchmark.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/strutil.h"
#include "core/config/config_int.h"
#include "core/module/modsrc.h"

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
}

/* --- the module, its build and its benchmark -------------------------------- */

/* What names a module: its directory's Kbuild or Makefile. */
struct module_src {
	bool known; /* src was read */
	struct modsrc src;
	bool in_checkout; /* the example of the kmdash checkout kmdash runs in */
};

/* A stable tag of a directory (FNV-1a): its own build tree in the cache. */
static unsigned int dir_tag(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* dir/sub, resolved, equals real. */
static bool is_dir(const char *dir, const char *sub, const char *real)
{
	char p[PATH_MAX + 16], r[PATH_MAX];

	if (!dir)
		return false;
	snprintf(p, sizeof(p), "%s%s", dir, sub);
	return realpath(p, r) && !strcmp(r, real);
}

static void set_problem(struct schema_ctx *c, struct config_target *t,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_problem(struct schema_ctx *c, struct config_target *t,
			const char *fmt, ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;

	if (t->module.problem)
		return; /* the first says why */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->module.problem = schema_strdup(c, msg);
}

/*
 * Which directory: --module or --example, else the config's module.dir,
 * else the one found from where kmdash runs, else the example of the
 * kmdash checkout kmdash runs in.
 */
static void find_module(struct schema_ctx *c, struct config_target *t,
			struct module_src *ms)
{
	const struct config *cfg = config_load_of(c)->cfg;
	char err[PATH_MAX + 256], repo_kmod[PATH_MAX];
	const char *dir = NULL;

	if (cfg->module_explicit)
		dir = cfg->module_arg;
	else if (t->module.dir)
		dir = t->module.dir;
	else if (cfg->module_arg)
		dir = cfg->module_arg;
	else if (cfg->repo_dir) {
		snprintf(repo_kmod, sizeof(repo_kmod), "%s/kmod",
			 cfg->repo_dir);
		dir = repo_kmod;
	}
	if (!dir) {
		set_problem(c, t,
			    "%s: cd into your module's directory, or name it "
			    "(--module DIR, or module.dir in the config), or "
			    "try the storage_hash example (--example)",
			    cfg->module_search ? cfg->module_search :
						 "no kernel module");
		return;
	}
	if (modsrc_read(dir, &ms->src, err, sizeof(err)) < 0) {
		set_problem(c, t, "%s", err);
		return;
	}
	ms->known = true;
	schema_set_str(c, &t->module.dir, ms->src.dir);
	ms->in_checkout = is_dir(cfg->repo_dir, "/kmod", ms->src.dir);
	t->module.example = ms->in_checkout ||
			    is_dir(cfg->data_dir, "/kmod", ms->src.dir);
}

/* The module's name: the config's, else obj-m's one name. */
static void name_module(struct schema_ctx *c, struct config_target *t,
			const struct module_src *ms)
{
	const struct modsrc *m = &ms->src;
	char names[MODSRC_MAX_NAMES * (MODSRC_NAME_MAX + 2)];

	modsrc_names_text(m, names, sizeof(names));
	if (ms->known && t->module.name && m->n &&
	    modsrc_name_index(m, t->module.name) < 0)
		set_problem(c, t,
			    "module.name \"%s\" is not a module %s builds "
			    "(obj-m: %s)",
			    t->module.name, m->file, names);
	else if (ms->known && !t->module.name && m->n == 1)
		t->module.name = schema_strdup(c, m->names[0]);
	else if (ms->known && !t->module.name && m->n > 1)
		set_problem(c, t,
			    "%s builds several modules (%s): say which with "
			    "module.name in the config",
			    m->file, names);
	else if (ms->known && !t->module.name)
		set_problem(c, t,
			    "cannot tell the module's name from %s (no obj-m "
			    "line names a .o): set module.name in the config",
			    m->file[0] ? m->file : m->dir);
	if (!t->module.name && t->module.ko) {
		/* an explicit .ko names it */
		const char *b = strrchr(t->module.ko, '/');
		const char *base = b ? b + 1 : t->module.ko;
		size_t n = strcspn(base, ".");

		/* else none: the problem already says why it is needed */
		if (modsrc_name_ok(base, n))
			t->module.name = xprintf(c, "%.*s", (int)n, base);
	}
	if (!t->module.name)
		t->module.name = schema_strdup(c, CONFIG_NO_MODULE_NAME);
}

/*
 * Where the module's objects go: CACHE/build/TARGET/DIR-TAG, a mirror of
 * its sources made before every build, whatever the build command (a
 * printed config's explicit argv builds there too). NULL: no cache.
 */
static char *build_out(struct schema_ctx *c, const struct config_target *t,
		       const struct module_src *ms)
{
	const struct config *cfg = config_load_of(c)->cfg;
	const char *base = strrchr(ms->src.dir, '/');

	if (!cfg->cache_dir)
		return NULL;
	return xprintf(c, "%s/build/%s/%s-%08x", cfg->cache_dir, t->name,
		       base ? base + 1 : ms->src.dir, dir_tag(ms->src.dir));
}

/* -jN for the host's CPUs ("" on one): a header change rebuilds many. */
static char *make_jobs(struct schema_ctx *c)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 1 ? xprintf(c, "-j%ld", n) : NULL;
}

/*
 * kbuild for the module directory against the target's kernel, into out
 * (in a container: out is mounted at its workdir): make -C KDIR M=OUT,
 * nothing around it (no outer make, no shell).
 */
static void kbuild_module(struct schema_ctx *c, struct config_target *t,
			  const char *out)
{
	const struct config *cfg = config_load_of(c)->cfg;
	const struct config_container *k = &t->build.container;
	char *m, *jobs;

	/* the embedded target's headers, unless the config names a tree */
	if (!t->build.kdir)
		t->build.kdir = schema_strdup(c, cfg->embedded.kdir);
	if (!t->build.kdir) {
		t->build.missing = xprintf(
			c,
			"no kernel to build %s against: the embedded target "
			"is not built (kmdash target build), or set build.kdir "
			"to your kernel tree (%s)",
			t->module.name, cfg->embedded_problem);
		return;
	}
	m = xprintf(c, "M=%s", k->present ? k->workdir : out);
	jobs = make_jobs(c);
	if (m) {
		const char *argv[] = { "make",
				       "-C",
				       t->build.kdir,
				       m,
				       "ARCH=arm64",
				       "CROSS_COMPILE=aarch64-linux-gnu-",
				       jobs ? jobs : "modules",
				       jobs ? "modules" : NULL,
				       NULL };

		schema_strv_set(c, &t->build.argv, argv);
	}
	free(m);
	free(jobs);
	if (!t->module.ko)
		t->module.ko = xprintf(c, "%s/%s.ko", out, t->module.name);
	/* the example's Kbuild builds its tools (userprogs) too */
	if (t->module.example && !t->module.sectl)
		t->module.sectl = xprintf(c, "%s/tools/sectl", out);
	if (t->module.example && !t->module.sebench)
		t->module.sebench = xprintf(c, "%s/tools/sebench", out);
}

/* The build command and the .ko, unless the config says them. */
static void build_module(struct schema_ctx *c, struct config_target *t,
			 const struct module_src *ms)
{
	const struct config *cfg = config_load_of(c)->cfg;
	bool kbuild = false;
	char *out = NULL;

	if (ms->in_checkout) {
		/*
		 * kmdash's own tree builds its example where `make kmod`
		 * does (build/kmod/), with kbuild called directly: the
		 * outer make and its script are no part of the loop.
		 */
		out = xprintf(c, "%s/build/kmod", cfg->repo_dir);
		if (out) {
			/* whatever the command: a printed config builds alike */
			schema_set_str(c, &t->build.mirror_src, ms->src.dir);
			schema_set_str(c, &t->build.mirror_dst, out);
		}
		if (!t->build.argv.n && out) {
			kbuild = true;
			kbuild_module(c, t, out);
		}
		if (!t->module.ko)
			t->module.ko = xprintf(c, "%s/build/kmod/%s.ko",
					       cfg->repo_dir, t->module.name);
		if (!t->module.sectl)
			t->module.sectl = xprintf(
				c, "%s/build/kmod/tools/sectl", cfg->repo_dir);
		if (!t->module.sebench)
			t->module.sebench =
				xprintf(c, "%s/build/kmod/tools/sebench",
					cfg->repo_dir);
	} else if (ms->known && !t->module.problem) {
		out = build_out(c, t, ms);
		if (out) {
			schema_set_str(c, &t->build.mirror_src, ms->src.dir);
			schema_set_str(c, &t->build.mirror_dst, out);
		}
		if (!t->build.argv.n && !out)
			t->build.missing = schema_strdup(
				c, "no cache directory for the build: set HOME "
				   "or KMDASH_CACHE_DIR");
		else if (!t->build.argv.n) {
			kbuild = true;
			kbuild_module(c, t, out);
		} else if (!t->module.ko)
			/* the user's build command: kbuild's place */
			t->module.ko = xprintf(c, "%s/%s.ko", ms->src.dir,
					       t->module.name);
	}
	config_container_derive(c, &t->build, ms->known ? ms->src.dir : NULL,
				out, kbuild);
	free(out);
	/* kbuild on the host, whoever wrote the command (core/module/kbplan.h) */
	if (t->build.kbuild_plan && !t->build.container.present &&
	    cfg->cache_dir && !t->build.plan_dir)
		t->build.plan_dir =
			xprintf(c, "%s/kbuild-plans", cfg->cache_dir);
	/* a command of the user's runs in the module's directory */
	if (ms->known && !ms->in_checkout && !t->build.dir)
		t->build.dir = schema_strdup(c, ms->src.dir);
	if (!t->build.argv.n && !t->build.missing)
		t->build.missing = schema_strdup(
			c, t->module.problem ?
				   t->module.problem :
				   "no build command: set build.argv");
	if (!t->module.ko && !t->module.problem)
		set_problem(c, t,
			    "no .ko for %s: set module.ko to where your build "
			    "command writes it",
			    t->module.name);
}

/* The benchmark: the config's, else the example's sebench. */
static void bench_module(struct schema_ctx *c, struct config_target *t)
{
	char *prog;
	bool bad;

	if (!t->bench_argv.n && t->module.sebench) {
		const char *argv[] = { t->module.sebench, NULL };
		const char *user[] = { "--engine", "user", NULL };

		schema_strv_set(c, &t->bench_argv, argv);
		const struct bench_opts *o = &t->bench_opts;

		/* sebench has a baseline */
		if (!t->bench_baseline.n)
			schema_strv_set(c, &t->bench_baseline, user);
		/* YCSB A, a second a run, unless the config says how */
		if (!t->bench_args.n && !o->workload && !o->distribution &&
		    !o->records && !o->operations && !o->key_size &&
		    !o->value_size && !o->threads && !o->batch &&
		    !o->duration_ms) {
			t->bench_opts.workload = xprintf(c, "A");
			t->bench_opts.duration_ms = 1000;
		}
		return;
	}
	/* a local program: relative to the config file, as every path */
	if (!t->bench_argv.n || !strchr(t->bench_argv.v[0], '/') ||
	    t->bench_argv.v[0][0] == '/')
		return;
	prog = schema_path(c, t->bench_argv.v[0], &bad);
	if (prog) {
		free(t->bench_argv.v[0]);
		t->bench_argv.v[0] = prog;
	}
}

/* What follows from the user's keys: the module, its build, its bench. */
void config_target_derived(struct schema_ctx *c, struct config_target *t)
{
	struct module_src ms = { 0 };

	find_module(c, t, &ms);
	name_module(c, t, &ms);
	build_module(c, t, &ms);
	bench_module(c, t);
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
