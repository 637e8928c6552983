// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash check: everything kmdash needs, each a line: the configuration,
 * the module's directory and its obj-m, its build, the .ko with its
 * vermagic against the target's release, the benchmark program and the
 * tools, the theme and the keys, the VM, the connection and the host key.
 * A problem is one line that says what to do; an error makes the exit
 * status 1.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/check.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/base/datadir.h"
#include "core/config/config.h"
#include "core/module/modexplain.h"
#include "core/module/modinfo.h"
#include "core/module/modsrc.h"
#include "core/session.h"
#include "core/ssh/link.h"
#include "core/ssh/ssh.h"
#include "core/vm/vm.h"
#include "tui/keymap_config.h"
#include "tui/theme.h"

enum level { OK, NOTE, WARN, ERR };

struct check {
	struct cli c; /* first: cli_run_until's callbacks get the cli */
	const struct config_target *t;
	bool no_session; /* it could not start: said on stderr */
	int errors, warnings;
};

static void say(struct check *k, const char *what, enum level lv,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "module    error: ..." */
static void say(struct check *k, const char *what, enum level lv,
		const char *fmt, ...)
{
	static const char *const prefix[] = { "ok: ", "",
					      "warning: ", "error: " };
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%-9s %s%s\n", what, prefix[lv], msg);
	if (lv == ERR)
		k->errors++;
	if (lv == WARN)
		k->warnings++;
}

/* A program as execvp finds it: a path, or a name in PATH. */
static bool program_found(const char *prog)
{
	const char *path = getenv("PATH");
	char p[PATH_MAX];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (const char *s = path ? path : "/usr/bin:/bin"; *s;) {
		size_t n = strcspn(s, ":");

		snprintf(p, sizeof(p), "%.*s/%s", (int)n, s, prog);
		if (n && access(p, X_OK) == 0)
			return true;
		s += n + (s[n] == ':');
	}
	return false;
}

/* --- what needs no target --------------------------------------------------- */

static void check_module(struct check *k)
{
	const struct config_target *t = k->t;
	struct modsrc m;
	char err[PATH_MAX + 256], names[MODSRC_MAX_NAMES * MODSRC_NAME_MAX];

	if (t->module.problem) {
		say(k, "module", ERR, "%s", t->module.problem);
		return;
	}
	if (!t->module.dir ||
	    modsrc_read(t->module.dir, &m, err, sizeof(err))) {
		say(k, "module", OK, "%s (module.ko given: %s)", t->module.name,
		    t->module.ko);
		return;
	}
	modsrc_names_text(&m, names, sizeof(names));
	say(k, "module", OK, "%s%s in %s (obj-m of %s: %s)", t->module.name,
	    t->module.example ? ", the storage_hash example," : "", m.dir,
	    strrchr(m.file, '/') + 1, names);
}

/* CROSS_COMPILE=PREFIX among the build's arguments: PREFIX, or NULL. */
static const char *cross_prefix(const struct config_target *t)
{
	for (size_t i = 0; i < t->build.argv.n; i++)
		if (!strncmp(t->build.argv.v[i], "CROSS_COMPILE=", 14))
			return t->build.argv.v[i] + 14;
	return NULL;
}

/*
 * A build in a container needs the engine here; make and the compiler
 * are the image's.
 */
static void check_container(struct check *k)
{
	const struct config_container *c = &k->t->build.container;
	const char *engine = config_engine_names[c->engine];

	if (!program_found(engine)) {
		say(k, "build", ERR,
		    "the container engine '%s' is not installed (make deps "
		    "installs podman), or set build.container.engine",
		    engine);
		return;
	}
	say(k, "build", OK, "%s in %s %s (make container builds it)%s%s",
	    k->t->build.argv.v[0], engine, c->image,
	    k->t->build.kdir ? ", against " : "",
	    k->t->build.kdir ? k->t->build.kdir : "");
}

static void check_build(struct check *k)
{
	const struct config_target *t = k->t;
	const char *cross = cross_prefix(t);
	char mk[PATH_MAX + 16], gcc[256];

	if (t->build.missing) {
		/* the module's own problem is said once, above */
		if (!t->module.problem ||
		    strcmp(t->build.missing, t->module.problem))
			say(k, "build", ERR, "%s", t->build.missing);
		return;
	}
	if (t->build.container.present) {
		check_container(k);
		return;
	}
	if (!program_found(t->build.argv.v[0])) {
		say(k, "build", ERR,
		    "the build command '%s' is not installed (make deps "
		    "installs make and the cross compiler; or fix build.argv)",
		    t->build.argv.v[0]);
		return;
	}
	snprintf(mk, sizeof(mk), "%s/Makefile",
		 t->build.kdir ? t->build.kdir : "");
	if (t->build.kdir && access(mk, R_OK)) {
		say(k, "build", ERR,
		    "%s is not a prepared kernel tree (no Makefile): kmdash "
		    "target build, or set build.kdir to your kernel's tree "
		    "(make modules_prepare there)",
		    t->build.kdir);
		return;
	}
	snprintf(gcc, sizeof(gcc), "%sgcc", cross ? cross : "");
	if (cross && !program_found(gcc)) {
		say(k, "build", ERR,
		    "%s is not installed: make deps (it installs "
		    "gcc-aarch64-linux-gnu), or fix build.argv's CROSS_COMPILE",
		    gcc);
		return;
	}
	if (t->build.kdir && t->build.mirror_dst)
		say(k, "build", OK, "kbuild against %s, objects in %s",
		    t->build.kdir, t->build.mirror_dst);
	else
		say(k, "build", OK, "%s (build.argv)", t->build.argv.v[0]);
}

/* The .ko: there, and for the release the target runs (when known). */
static void check_ko(struct check *k, const char *release, const char *whose)
{
	const struct config_target *t = k->t;
	struct modinfo mi;
	char err[512], why[512], built[128];

	if (!t->module.ko)
		return; /* the module's line said why */
	if (access(t->module.ko, F_OK)) {
		say(k, "ko", ERR, "%s is not built yet: kmdash run build (b)",
		    t->module.ko);
		return;
	}
	if (modinfo_read(t->module.ko, &mi, err, sizeof(err)) < 0) {
		say(k, "ko", ERR, "%s: rebuild it (kmdash run build)", err);
		return;
	}
	modinfo_vermagic_release(mi.vermagic, built, sizeof(built));
	if (!release || !release[0]) {
		say(k, "ko", OK,
		    "%s, built for %s (the target's release is not known: it is not reachable)",
		    t->module.ko, built);
		return;
	}
	if (modexplain_vermagic(mi.vermagic, release, why, sizeof(why)) !=
	    MODERR_NONE) {
		say(k, "ko", ERR, "%s: %s (%s): kmdash run build%s",
		    t->module.ko, why, whose,
		    t->embedded ? "" :
				  ", against the board's kernel (build.kdir)");
		return;
	}
	say(k, "ko", OK, "%s, built for %s as the target runs", t->module.ko,
	    release);
}

/* A local program that goes to the target: there and executable. */
static void check_program(struct check *k, const char *what, const char *path,
			  const char *fix)
{
	struct stat st;

	if (stat(path, &st) < 0)
		say(k, what, ERR, "%s does not exist: %s", path, fix);
	else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		say(k, what, ERR, "%s is not an executable file: chmod +x it",
		    path);
	else
		say(k, what, OK, "%s (uploaded with the module)", path);
}

static void check_bench(struct check *k)
{
	const struct config_target *t = k->t;
	const char *built = t->module.example ? "kmdash run build builds it" :
						"build it, or fix bench.argv";

	if (!t->bench_argv.n)
		say(k, "bench", NOTE,
		    "none: B says how to add one (bench.argv in the config: "
		    "a program that prints the JSON lines of kmod/README.md)");
	else if (strchr(t->bench_argv.v[0], '/'))
		check_program(k, "bench", t->bench_argv.v[0], built);
	else
		say(k, "bench", NOTE, "'%s' on the target (not checked here)",
		    t->bench_argv.v[0]);
	if (t->module.sectl)
		check_program(k, "tools", t->module.sectl,
			      "kmdash run build builds it");
}

static void check_theme(struct check *k, const struct config *cfg)
{
	struct theme_dirs dirs;
	struct theme th;
	char exe[PATH_MAX], err[2048];

	if (!cfg->ui.theme) {
		say(k, "theme", OK, "default (built in)");
		return;
	}
	theme_dirs_init(&dirs, getenv("XDG_CONFIG_HOME"), getenv("HOME"),
			datadir_exe(exe, sizeof(exe)) == 0 ? exe : NULL);
	if (theme_load(&th, &dirs, cfg->ui.theme, err, sizeof(err)) < 0) {
		/* a broken file's errors come one per line: each says where */
		for (char *l = strtok(err, "\n"); l; l = strtok(NULL, "\n"))
			say(k, "theme", ERR, "%s: fix ui.theme in %s", l,
			    cfg->path ? cfg->path : "the config");
		return;
	}
	say(k, "theme", OK, "%s", cfg->ui.theme);
}

static void check_keys(struct check *k, const struct config *cfg)
{
	struct keymap km;
	char err[4096];

	if (keymap_apply_config(&km, cfg, err, sizeof(err)) == 0) {
		say(k, "keys", OK, "%s",
		    cfg->ui.n_bindings ? "ui.keys applied" : "the defaults");
		return;
	}
	for (char *l = strtok(err, "\n"); l; l = strtok(NULL, "\n"))
		say(k, "keys", ERR, "%s", l);
}

/* --- the target ----------------------------------------------------------- */

static bool module_known(struct cli *c)
{
	struct link *l = session_link(c->s);

	return !l || link_state(l) != LINK_UP ||
	       session_module(c->s)->state != MOD_UNKNOWN;
}

static void check_host_key(struct check *k, bool up)
{
	const struct config_target *t = k->t;
	struct ssh_session *ss = session_ssh(k->c.s);

	if (up) {
		say(k, "host key", OK, "verified (%s)", t->ssh.known_hosts);
		return;
	}
	switch (ss ? ssh_session_why(ss) : SSH_OK) {
	case SSH_E_HOSTKEY_UNKNOWN:
		say(k, "host key", ERR,
		    "not known: kmdash trust %s shows its fingerprint and "
		    "adds it to %s",
		    t->name, t->ssh.known_hosts);
		break;
	case SSH_E_HOSTKEY_CHANGED:
		say(k, "host key", ERR,
		    "changed, refused: if the target was reinstalled, remove "
		    "its line from %s, then kmdash trust %s",
		    t->ssh.known_hosts, t->name);
		break;
	default:
		say(k, "host key", NOTE, "not checked (no connection)");
		break;
	}
}

/*
 * Connects as status does (the VM is not booted for a check), until the
 * link has settled and, when it is up, the module's state is known.
 */
static void connect_target(struct check *k)
{
	const struct config_target *t = k->t;
	struct session_opts so = { 0 };

	if (t->embedded && k->c.cfg->embedded_problem[0])
		return;
	if (cli_open_session(&k->c, &so)) {
		k->no_session = true;
		return;
	}
	cli_run_until(&k->c, cli_link_settled,
		      t->ssh.connect_timeout_ms + 2000);
	if (session_link(k->c.s) && link_state(session_link(k->c.s)) == LINK_UP)
		cli_run_until(&k->c, module_known, 5000);
}

/* The release the target runs: its own word, else the embedded's. */
static const char *target_release(struct check *k, const char **whose)
{
	const struct config *cfg = k->c.cfg;

	if (k->c.s && session_module(k->c.s)->release[0]) {
		*whose = "the target runs it";
		return session_module(k->c.s)->release;
	}
	if (k->t->embedded && cfg->embedded.kver) {
		*whose = "the embedded target's kernel";
		return cfg->embedded.kver;
	}
	*whose = "";
	return NULL;
}

/* The VM, the link and the host key. */
static void report_target(struct check *k)
{
	const struct config *cfg = k->c.cfg;
	struct link *l = k->c.s ? session_link(k->c.s) : NULL;
	struct vm *vm = k->c.s ? session_vm(k->c.s) : NULL;
	bool up = l && link_state(l) == LINK_UP;

	if (k->t->embedded && cfg->embedded_problem[0]) {
		say(k, "target", ERR, "%s", cfg->embedded_problem);
		return;
	}
	if (k->no_session) {
		say(k, "link", ERR, "no session (said above)");
		return;
	}
	if (vm && !l) {
		say(k, "vm", NOTE,
		    "not running: the dashboard and kmdash run boot it "
		    "(kmdash vm start)");
		say(k, "link", NOTE, "not checked: the VM is not running");
		return;
	}
	if (vm)
		say(k, "vm", OK, "%s (pid %d, port %d)",
		    vm_stage_name(vm_stage(vm)), (int)vm_pid(vm), vm_port(vm));
	if (up)
		say(k, "link", OK, "UP (%s)",
		    ssh_session_target(session_ssh(k->c.s)));
	else
		say(k, "link", ERR, "%s: %s",
		    l ? link_state_name(link_state(l)) : "none",
		    l && link_message(l)[0] ? link_message(l) :
					      "no answer (ssh.host, ssh.port)");
	check_host_key(k, up);
}

int check_run(struct cmd_ctx *ctx, const struct config *cfg)
{
	struct check k = { 0 };
	const char *release, *whose;
	int rc;

	cli_init(&k.c, ctx);
	k.c.cfg = cfg;
	k.t = config_target(cfg, k.c.target);
	if (!k.t) {
		cmd_print_error(stderr, &cmd_check_entry,
				"no target named '%s' in %s", k.c.target,
				cfg->path ? cfg->path : "the configuration");
		return 2;
	}
	connect_target(&k);
	release = target_release(&k, &whose);
	say(&k, "config", OK, "%s",
	    cfg->path ? cfg->path :
			"none, the built-in defaults (kmdash init writes one)");
	say(&k, "target", NOTE, "%s (%s)", k.t->name,
	    k.t->embedded ? "the embedded VM" :
	    k.t->has_vm	  ? "a VM" :
			    "a board over SSH");
	check_module(&k);
	check_build(&k);
	check_ko(&k, release, whose);
	check_bench(&k);
	check_theme(&k, cfg);
	check_keys(&k, cfg);
	report_target(&k);
	cli_close(&k.c);
	rc = k.errors ? 1 : 0;
	if (k.errors || k.warnings)
		printf("check: %d error%s, %d warning%s\n", k.errors,
		       k.errors == 1 ? "" : "s", k.warnings,
		       k.warnings == 1 ? "" : "s");
	else
		printf("check: ok\n");
	return rc;
}

static int check_exec(struct cmd_ctx *ctx)
{
	return check_run(ctx, ctx->cfg);
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.flags = CMD_CONFIG,
	.exec = check_exec,
	.summary = "check the configuration, the module, the target",
	.help = "Checks everything kmdash needs, one line each: the "
		"configuration; the module's directory and the names its "
		"obj-m lists; its build (the kernel tree and the cross "
		"compiler); the .ko, built and with its vermagic against "
		"the release the target runs; the benchmark program and the "
		"tools uploaded with the module; the theme and the keys (a "
		"misspelled name gets \"did you mean\"); the VM; the "
		"connection and the host key. Each problem is one line that "
		"says what to do. The exit status is 1 when any is an error, "
		"2 when the configuration cannot be read.",
};
