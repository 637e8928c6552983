// SPDX-License-Identifier: GPL-2.0
/*
 * gdb's scripts and symbol files from the live target: one query for the
 * build ids and the module's sections, /proc/kallsyms once per kernel
 * build, then files (core/module/gdbprep.h).
 */
#include "core/module/gdbprep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsdir.h"
#include "core/base/quote.h"
#include "core/base/strutil.h"
#include "core/module/crash.h"
#include "core/module/gdbinit.h"
#include "core/module/gdbsyms.h"
#include "core/module/kostore.h"
#include "core/ssh/ssh.h"

#define MAX_SECTIONS 96
/* a kernel built with every symbol in kallsyms has ~10 MB of them */
#define KALLSYMS_CAP (64u << 20)
#define GDBINIT_FILE "gdbinit"
#define MODULE_FILE "module.gdb"

struct gdbprep {
	struct gdbprep_opts o; /* strings owned */
	struct ssh_session *s;
	struct ssh_op *op;
	bool busy;
	gdbprep_fn fn;
	void *arg;

	/* what the query said */
	char kernel_id[KO_ID_MAX + 1];
	char first[32]; /* kallsyms' first address: KASLR would change it */
	char module_id[KO_ID_MAX + 1];
	struct gdb_section secs[MAX_SECTIONS];
	size_t nsecs;

	char *ksyms; /* /proc/kallsyms as it streams */
	size_t klen, kcap;
	bool ktoo_big;

	char note[768];
	char path[PATH_MAX + 16]; /* the gdbinit */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct gdbprep *gdbprep_new(const struct gdbprep_opts *o)
{
	struct gdbprep *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->o = *o;
	g->o.target = dup_or_null(o->target);
	g->o.module = dup_or_null(o->module);
	g->o.ko = dup_or_null(o->ko);
	g->o.socket = dup_or_null(o->socket);
	g->o.run_dir = dup_or_null(o->run_dir);
	g->o.cache_dir = dup_or_null(o->cache_dir);
	g->o.kernel_image = dup_or_null(o->kernel_image);
	if (!g->o.target || !g->o.module || !g->o.socket || !g->o.run_dir ||
	    !g->o.cache_dir) {
		gdbprep_free(g);
		return NULL;
	}
	return g;
}

static void stop(struct gdbprep *g)
{
	if (g->op)
		ssh_op_cancel(g->op);
	g->op = NULL;
	free(g->ksyms);
	g->ksyms = NULL;
	g->klen = g->kcap = 0;
	g->busy = false;
}

void gdbprep_free(struct gdbprep *g)
{
	if (!g)
		return;
	stop(g);
	free((char *)g->o.target);
	free((char *)g->o.module);
	free((char *)g->o.ko);
	free((char *)g->o.socket);
	free((char *)g->o.run_dir);
	free((char *)g->o.cache_dir);
	free((char *)g->o.kernel_image);
	free(g);
}

void gdbprep_set_session(struct gdbprep *g, struct ssh_session *s)
{
	if (g->busy && g->s != s) {
		gdbprep_fn fn = g->fn;

		stop(g);
		if (fn)
			fn(g->arg, -ENOTCONN, NULL,
			   "the connection to the target was lost");
	}
	g->s = s;
}

int gdbprep_argv(const char **argv, size_t cap, const char *gdbinit,
		 char *const *extra, size_t nextra)
{
	size_t n = 0;

	if (cap < nextra + 5)
		return -E2BIG;
	argv[n++] = GDB_PROGRAM;
	argv[n++] = "-q";
	argv[n++] = "-x";
	argv[n++] = gdbinit;
	for (size_t i = 0; i < nextra; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return (int)n;
}

/* --- the end -------------------------------------------------------------- */

static void finish(struct gdbprep *g, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish(struct gdbprep *g, int rc, const char *fmt, ...)
{
	gdbprep_fn fn = g->fn;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->op = NULL;
	stop(g);
	if (fn)
		fn(g->arg, rc, rc ? NULL : g->path, msg);
}

/* text into path, whole or not at all */
static int write_text(const char *path, const char *text)
{
	char tmp[PATH_MAX + 32];
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -EIO;
	if (close(fd) < 0 && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static void note_add(struct gdbprep *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_add(struct gdbprep *g, const char *fmt, ...)
{
	size_t n = strlen(g->note);
	va_list ap;

	if (n && n + 2 < sizeof(g->note)) {
		memcpy(g->note + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(g->note + n, sizeof(g->note) - n, fmt, ap);
	va_end(ap);
}

/* --- the module ------------------------------------------------------------- */

/* As many copies as the store keeps of the .ko files: the oldest go. */
static void trim_copies(const char *dir)
{
	char oldest[PATH_MAX + 260], path[PATH_MAX + 260];
	struct dirent *e;
	struct stat st;
	time_t t = 0;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 4 || strcmp(e->d_name + l - 3, ".ko"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0)
			continue;
		n++;
		if (!t || st.st_mtime < t) {
			t = st.st_mtime;
			snprintf(oldest, sizeof(oldest), "%s", path);
		}
	}
	if (d)
		closedir(d);
	if (n > KOSTORE_KEEP)
		unlink(oldest);
}

/* FNV-1a of the layout: which section lies where. */
static uint64_t layout_hash(const struct gdb_section *secs, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)secs[i].name;
		uint64_t a = secs[i].addr;

		for (; *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
		for (int b = 0; b < 8; b++, a >>= 8)
			h = (h ^ (a & 0xff)) * 0x100000001b3ull;
	}
	return h;
}

/*
 * The symbol copy of the loaded module in the cache, from the .ko that
 * was deployed, for its build id and the layout of this load (secs: what
 * the kernel lists; the allocated ones are kept). Made once per load, a
 * second gdb reuses it. 0 with its path, or -errno with why.
 */
static int module_copy(struct gdbprep *g, const char *id,
		       struct gdb_section *secs, size_t *n, char *copy,
		       size_t cap, char *why, size_t wcap)
{
	char ko[PATH_MAX];
	struct stat st;
	int rc;

	rc = crash_ko_for(g->o.crash, id, ko, sizeof(ko), why, wcap);
	if (!rc)
		rc = gdbsyms_alloc_sections(ko, secs, n, why, wcap);
	if (rc)
		return rc;
	rc = fsdir_make(g->o.cache_dir);
	if (rc) {
		snprintf(why, wcap, "cannot make %s: %s", g->o.cache_dir,
			 strerror(-rc));
		return rc;
	}
	snprintf(copy, cap, "%s/%s-%016llx.ko", g->o.cache_dir, id,
		 (unsigned long long)layout_hash(secs, *n));
	if (stat(copy, &st) == 0)
		return 0;
	rc = gdbsyms_module(ko, copy, secs, *n, why, wcap);
	if (!rc)
		trim_copies(g->o.cache_dir);
	return rc;
}

/*
 * module.gdb for the module of build id id ("": not loaded) at secs;
 * note says what it holds. 0 or -errno.
 */
static int write_module_script(struct gdbprep *g, const char *id,
			       struct gdb_section *secs, size_t n, char *note,
			       size_t ncap)
{
	char copy[PATH_MAX + 80], why[PATH_MAX + 200] = "", path[PATH_MAX + 16];
	const char *ko = NULL;
	char *text;
	int rc;

	if (!id[0]) {
		snprintf(why, sizeof(why), "%s is not loaded", g->o.module);
	} else if (module_copy(g, id, secs, &n, copy, sizeof(copy), why,
			       sizeof(why)) == 0) {
		if (!gdbinit_path_ok(copy))
			snprintf(
				why, sizeof(why),
				"gdb cannot take the path %s (a blank or quote in it): set XDG_STATE_HOME to a plain path",
				copy);
		else
			ko = copy;
	}
	text = gdbinit_module_text(g->o.module, ko, id, secs, n, why);
	if (!text && ko) {
		snprintf(why, sizeof(why), "the kernel lists no .text of %s",
			 g->o.module);
		ko = NULL;
		text = gdbinit_module_text(g->o.module, NULL, NULL, NULL, 0,
					   why);
	}
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/" MODULE_FILE, g->o.run_dir);
	rc = write_text(path, text);
	free(text);
	if (rc)
		return rc;
	if (ko)
		snprintf(note, ncap, "%s (build id %.12s) at its %zu sections",
			 g->o.module, id, n);
	else
		snprintf(note, ncap, "no symbols of %s: %s", g->o.module, why);
	return 0;
}

int gdbprep_write_module(struct gdbprep *g, const char *id,
			 const char *sections, char *note, size_t ncap)
{
	struct gdb_section secs[MAX_SECTIONS];
	const char *p = sections ? sections : "";
	size_t n = 0;

	while (*p && n < MAX_SECTIONS) {
		size_t len = strcspn(p, "\n");
		char line[PATH_MAX];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (gdbinit_parse_section(line, &secs[n]) == 0)
			n++;
		p += len + (p[len] == '\n');
	}
	return write_module_script(g, id ? id : "", secs, n, note, ncap);
}

/* --- the gdbinit ------------------------------------------------------------ */

/*
 * The build directory is a mirror of links to the sources
 * (target/kbuild.sh): where its first link to a source file leads is the
 * source directory. 0, or -ENOENT (built in place, or no links).
 */
static int source_dir(const char *build, char *out, size_t cap)
{
	char path[PATH_MAX + 260], real[PATH_MAX], *slash;
	DIR *d = opendir(build);
	struct dirent *e;
	struct stat st;
	int rc = -ENOENT;

	while (d && rc && (e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 3 || strcmp(e->d_name + l - 2, ".c"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", build, e->d_name);
		if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode) ||
		    !realpath(path, real))
			continue;
		slash = strrchr(real, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (strcmp(real, build)) {
			snprintf(out, cap, "%s", real);
			rc = 0;
		}
	}
	if (d)
		closedir(d);
	return rc;
}

static void write_gdbinit(struct gdbprep *g, const char *ksyms)
{
	char build[PATH_MAX], src[PATH_MAX], module[PATH_MAX + 16], *slash;
	struct gdbinit gi = {
		.target = g->o.target,
		.module = g->o.module,
		.socket = g->o.socket,
		.kernel_syms = ksyms,
		.module_script = module,
	};
	char *text;
	int rc;

	snprintf(module, sizeof(module), "%s/" MODULE_FILE, g->o.run_dir);
	if (g->o.ko && realpath(g->o.ko, build) &&
	    (slash = strrchr(build, '/'))) {
		*slash = '\0';
		if (source_dir(build, src, sizeof(src)) == 0 &&
		    gdbinit_path_ok(build) && gdbinit_path_ok(src)) {
			gi.build_dir = build;
			gi.source_dir = src;
		}
	}
	text = gdbinit_text(&gi);
	snprintf(g->path, sizeof(g->path), "%s/" GDBINIT_FILE, g->o.run_dir);
	rc = text ? write_text(g->path, text) : -ENOMEM;
	free(text);
	if (rc) {
		finish(g, rc, "cannot write %s: %s", g->path, strerror(-rc));
		return;
	}
	finish(g, 0, "%s", g->note);
}

/* --- the kernel's symbols ---------------------------------------------------- */

static void kernel_file(const struct gdbprep *g, char *out, size_t cap)
{
	snprintf(out, cap, "%s/kernel-%s-%s.elf", g->o.cache_dir,
		 g->kernel_id[0] ? g->kernel_id : "unknown", g->first);
}

static void on_ksyms_data(void *arg, const char *buf, size_t len)
{
	struct gdbprep *g = arg;

	if (g->ktoo_big || g->klen + len + 1 > KALLSYMS_CAP) {
		g->ktoo_big = true;
		return;
	}
	if (g->klen + len + 1 > g->kcap) {
		size_t cap = g->kcap ? g->kcap : 1u << 20;
		char *p;

		while (cap < g->klen + len + 1)
			cap *= 2;
		p = realloc(g->ksyms, cap);
		if (!p) {
			g->ktoo_big = true;
			return;
		}
		g->ksyms = p;
		g->kcap = cap;
	}
	memcpy(g->ksyms + g->klen, buf, len);
	g->klen += len;
}

static void on_ksyms_end(void *arg, int rc, int status, const char *msg)
{
	struct gdbprep *g = arg;
	char path[PATH_MAX + 200], note[160], err[PATH_MAX + 128];
	int r;

	g->op = NULL;
	if (rc < 0 || status || g->ktoo_big || !g->klen) {
		finish(g, rc < 0 ? rc : -EIO,
		       "cannot read the target's /proc/kallsyms: %s",
		       rc < 0 ? msg :
		       g->ktoo_big ?
				"more than 64 MiB" :
				"cat failed (is /proc/kallsyms readable?)");
		return;
	}
	kernel_file(g, path, sizeof(path));
	r = gdbsyms_kernel(g->ksyms, g->klen, g->o.kernel_image, g->kernel_id,
			   path, note, sizeof(note), err, sizeof(err));
	if (r) {
		note_add(g, "no kernel symbols: %s", err);
		write_gdbinit(g, NULL);
		return;
	}
	note_add(g, "%s", note);
	write_gdbinit(g, path);
}

static void kernel_symbols(struct gdbprep *g)
{
	char path[PATH_MAX + 200];
	struct stat st;

	kernel_file(g, path, sizeof(path));
	if (!gdbinit_path_ok(path)) {
		note_add(
			g,
			"no kernel symbols: gdb cannot take the path %s (a blank or quote in it)",
			path);
		write_gdbinit(g, NULL);
		return;
	}
	/* without its build id the kernel could be another: made anew */
	if (g->kernel_id[0] && stat(path, &st) == 0) {
		note_add(g, "the kernel's symbols (cached)");
		write_gdbinit(g, path);
		return;
	}
	/* once per kernel build: ~2 MB, 0.3 s on the emulated target */
	g->op = ssh_stream_open(g->s, "exec cat /proc/kallsyms", 0,
				on_ksyms_data, on_ksyms_end, g);
	if (!g->op)
		finish(g, -EIO, "cannot ask the target for /proc/kallsyms");
}

/* --- the query ------------------------------------------------------------- */

static void query_line(struct gdbprep *g, char *line)
{
	struct gdb_section sec;

	if (!strncmp(line, "kernel ", 7)) {
		ko_build_id_from_hexdump(line + 7, g->kernel_id);
	} else if (!strncmp(line, "first ", 6)) {
		snprintf(g->first, sizeof(g->first), "%.*s",
			 (int)strspn(line + 6, "0123456789abcdef"), line + 6);
	} else if (!strncmp(line, "buildid ", 8)) {
		ko_build_id_from_hexdump(line + 8, g->module_id);
	} else if (gdbinit_parse_section(line, &sec) == 0 &&
		   g->nsecs < MAX_SECTIONS) {
		g->secs[g->nsecs++] = sec;
	}
}

static void on_query(void *arg, int rc, const struct ssh_exec_result *r,
		     const char *msg)
{
	struct gdbprep *g = arg;
	char *copy, *line, *save;
	int err;

	g->op = NULL;
	if (rc < 0) {
		finish(g, rc, "cannot ask the target: %s", msg);
		return;
	}
	g->kernel_id[0] = g->first[0] = g->module_id[0] = '\0';
	g->nsecs = 0;
	copy = strdup(r->out);
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		query_line(g, line);
	free(copy);
	err = fsdir_make(g->o.cache_dir);
	if (!err)
		err = write_module_script(g, g->module_id, g->secs, g->nsecs,
					  g->note, sizeof(g->note));
	if (err) {
		finish(g, err, "cannot write gdb's files in %s and %s: %s",
		       g->o.cache_dir, g->o.run_dir, strerror(-err));
		return;
	}
	kernel_symbols(g);
}

int gdbprep_run(struct gdbprep *g, gdbprep_fn fn, void *arg)
{
	char q[512], *cmd;

	if (g->busy)
		return -EBUSY;
	if (!g->s)
		return -ENOTCONN;
	if (quote_sh(q, sizeof(q), g->o.module) < 0)
		return -ENAMETOOLONG;
	/*
	 * The kernel's build id and first symbol key its symbol file; the
	 * module's build id picks the .ko, its sections place it.
	 */
	if (asprintf(
		    &cmd,
		    "echo kernel $(od -An -v -tx1 /sys/kernel/notes 2>/dev/null); echo first $(head -n 1 /proc/kallsyms); m=/sys/module/%s; if [ -d \"$m/sections\" ]; then echo buildid $(od -An -v -tx1 \"$m/notes/.note.gnu.build-id\" 2>/dev/null); grep -r . \"$m/sections/\" 2>/dev/null; fi; true",
		    q) < 0)
		return -ENOMEM;
	g->op = ssh_exec(g->s, cmd, on_query, g);
	free(cmd);
	if (!g->op)
		return -EIO;
	g->busy = true;
	g->fn = fn;
	g->arg = arg;
	g->note[0] = '\0';
	g->ktoo_big = false;
	return 0;
}
