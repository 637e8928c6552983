// SPDX-License-Identifier: GPL-2.0
/*
 * kbuild's plan: which commands it applies to, the plan file, its key,
 * its fingerprint and its shape (see kbplan.h).
 */
#include "core/module/kbplan.h"
#include "core/base/strv.h"
#include "core/module/kbplan_int.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLAN_FORMAT 1
#define PLAN_MAX_BYTES (8 << 20)

static char *runner;

void kbplan_set_runner(const char *exe)
{
	free(runner);
	runner = exe ? strdup(exe) : NULL;
}

const char *kbplan_runner(void)
{
	return runner;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

bool kbplan_applies(const char *const *argv)
{
	const char *base;
	bool kdir = false, m = false;

	if (!argv || !argv[0])
		return false;
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (strcmp(base, "make") && strcmp(base, "gmake"))
		return false;
	for (size_t i = 1; argv[i]; i++) {
		if (!strcmp(argv[i], "-C") && argv[i + 1])
			kdir = true, i++;
		else if (starts(argv[i], "M=") && argv[i][2])
			m = true;
		else if (!strcmp(argv[i], "-f") || starts(argv[i], "--file") ||
			 starts(argv[i], "--makefile") ||
			 !strcmp(argv[i], "-n"))
			return false; /* not the top-level as kbuild runs it */
	}
	return kdir && m;
}

/* Goes into a makefile and a shell word as it is. */
static bool plain_path(const char *s)
{
	if (!s || *s != '/')
		return false;
	for (; *s; s++)
		if (!strchr("/._+-", *s) && !(*s >= '0' && *s <= '9') &&
		    !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z'))
			return false;
	return true;
}

char **kbplan_wrap(const char *plan_dir, const char *const *argv)
{
	size_t n = 0, k = 0;
	const char **v;
	char **copy;

	if (!runner || !plain_path(runner) || !plain_path(plan_dir) ||
	    !kbplan_applies(argv))
		return NULL;
	while (argv[n])
		n++;
	v = calloc(n + 5, sizeof(*v));
	if (!v)
		return NULL;
	v[k++] = runner;
	v[k++] = KBPLAN_RUN;
	v[k++] = plan_dir;
	v[k++] = "--";
	for (size_t i = 0; i < n; i++)
		v[k++] = argv[i];
	copy = strv_copy(v);
	free(v);
	return copy;
}

void kbplan_step_clear(struct kbplan_step *s)
{
	free(s->dir);
	strv_free(s->argv);
	strv_free(s->env);
	memset(s, 0, sizeof(*s));
}

void kbplan_free(struct kbplan *p)
{
	if (!p)
		return;
	free(p->kdir);
	for (size_t i = 0; i < p->nfiles * 2; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->nsteps; i++)
		kbplan_step_clear(&p->steps[i]);
	free(p->steps);
	free(p);
}

const char *kbplan_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* --- the key ---------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s) + 1; /* with its NUL: "a","b" is not "ab" */

	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kbplan_key(const char *cwd, char *const *argv, char *const *env,
	       char hex[DIGEST_HEX_LEN])
{
	struct buf b = { 0 };
	size_t n = 0;
	char **sorted;
	int r;

	while (env && env[n])
		n++;
	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	if (n) {
		memcpy(sorted, env, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), by_string);
	}
	put(&b, "kmdash kbuild plan");
	put(&b, cwd);
	for (size_t i = 0; argv[i]; i++)
		put(&b, argv[i]);
	put(&b, ""); /* the environment starts */
	for (size_t i = 0; i < n; i++)
		put(&b, sorted[i]);
	free(sorted);
	r = b.oom ? -ENOMEM : digest_sha256(b.p, b.len, hex);
	free(b.p);
	return r;
}

/* --- the plan file ----------------------------------------------------- */

static cJSON *strv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && v && v[i]; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(v[i]))) {
			cJSON_Delete(a);
			return NULL;
		}
	return a;
}

static char **json_strv(const cJSON *a)
{
	int n = cJSON_GetArraySize(a);
	char **v;

	if (!cJSON_IsArray(a))
		return NULL;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (int i = 0; i < n; i++) {
		const cJSON *s = cJSON_GetArrayItem(a, i);

		if (!cJSON_IsString(s) || !(v[i] = strdup(s->valuestring))) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

static cJSON *step_json(const struct kbplan_step *s)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "dir", s->dir) ||
	    !cJSON_AddBoolToObject(o, "shell", s->shell) ||
	    !cJSON_AddItemToObject(o, "argv", strv_json(s->argv)) ||
	    !cJSON_AddItemToObject(o, "env", strv_json(s->env))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int json_step(const cJSON *o, struct kbplan_step *s)
{
	const cJSON *dir = cJSON_GetObjectItemCaseSensitive(o, "dir");

	memset(s, 0, sizeof(*s));
	if (!cJSON_IsString(dir))
		return -EINVAL;
	s->dir = strdup(dir->valuestring);
	s->shell = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "shell"));
	s->argv = json_strv(cJSON_GetObjectItemCaseSensitive(o, "argv"));
	s->env = json_strv(cJSON_GetObjectItemCaseSensitive(o, "env"));
	if (!s->dir || !s->argv || !s->argv[0] || !s->env) {
		kbplan_step_clear(s);
		return -EINVAL;
	}
	return 0;
}

/* Written under a temporary name, then renamed: readers see all or none. */
static int write_json(const char *path, cJSON *o)
{
	char tmp[PATH_MAX];
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	size_t n;
	FILE *f;
	int r = 0;

	if (!text)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		free(text);
		return -ENAMETOOLONG;
	}
	f = fopen(tmp, "wx");
	if (!f) {
		r = -errno;
		free(text);
		return r;
	}
	n = strlen(text);
	if (fwrite(text, 1, n, f) != n)
		r = -EIO;
	if (fclose(f) && !r)
		r = -errno;
	free(text);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static cJSON *read_json(const char *path)
{
	struct stat st;
	char *text;
	cJSON *o = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size > PLAN_MAX_BYTES ||
	    !(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	if (read(fd, text, (size_t)st.st_size) == st.st_size) {
		text[st.st_size] = '\0';
		o = cJSON_Parse(text);
	}
	free(text);
	close(fd);
	return o;
}

int kbplan_step_write(const char *path, const struct kbplan_step *s)
{
	cJSON *o = step_json(s);
	int r = write_json(path, o);

	cJSON_Delete(o);
	return r;
}

int kbplan_step_read(const char *path, struct kbplan_step *s)
{
	cJSON *o = read_json(path);
	int r = o ? json_step(o, s) : -EINVAL;

	cJSON_Delete(o);
	return r;
}

int kbplan_save(const struct kbplan *p, const char *path)
{
	cJSON *o = cJSON_CreateObject(), *files, *steps;
	int r;

	files = cJSON_AddArrayToObject(o, "files");
	steps = cJSON_AddArrayToObject(o, "steps");
	if (!cJSON_AddNumberToObject(o, "kmdash_kbuild_plan", PLAN_FORMAT) ||
	    !cJSON_AddStringToObject(o, "kdir", p->kdir) ||
	    !cJSON_AddNumberToObject(o, "recorded", (double)p->recorded) ||
	    !files || !steps) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nfiles * 2; i++)
		if (!cJSON_AddItemToArray(files,
					  cJSON_CreateString(p->files[i]))) {
			cJSON_Delete(o);
			return -ENOMEM;
		}
	for (size_t i = 0; i < p->nsteps; i++)
		if (!cJSON_AddItemToArray(steps, step_json(&p->steps[i]))) {
			cJSON_Delete(o);
			return -ENOMEM;
		}
	r = write_json(path, o);
	cJSON_Delete(o);
	return r;
}

struct kbplan *kbplan_load(const char *path)
{
	cJSON *o = read_json(path);
	const cJSON *fmt, *kdir, *rec, *steps, *s;
	struct kbplan *p;
	size_t n;

	if (!o)
		return NULL;
	fmt = cJSON_GetObjectItemCaseSensitive(o, "kmdash_kbuild_plan");
	kdir = cJSON_GetObjectItemCaseSensitive(o, "kdir");
	rec = cJSON_GetObjectItemCaseSensitive(o, "recorded");
	steps = cJSON_GetObjectItemCaseSensitive(o, "steps");
	p = calloc(1, sizeof(*p));
	if (!p || !cJSON_IsNumber(fmt) || fmt->valuedouble != PLAN_FORMAT ||
	    !cJSON_IsString(kdir) || !cJSON_IsNumber(rec) ||
	    !cJSON_IsArray(steps))
		goto bad;
	p->kdir = strdup(kdir->valuestring);
	p->recorded = (long long)rec->valuedouble;
	p->files = json_strv(cJSON_GetObjectItemCaseSensitive(o, "files"));
	if (!p->kdir || !p->files)
		goto bad;
	for (n = 0; p->files[n]; n++)
		;
	if (n % 2)
		goto bad;
	p->nfiles = n / 2;
	p->steps = calloc((size_t)cJSON_GetArraySize(steps) + 1,
			  sizeof(*p->steps));
	if (!p->steps)
		goto bad;
	cJSON_ArrayForEach(s, steps)
	{
		if (json_step(s, &p->steps[p->nsteps]) < 0)
			goto bad;
		p->nsteps++;
	}
	cJSON_Delete(o);
	return p;
bad:
	cJSON_Delete(o);
	kbplan_free(p);
	return NULL;
}

/* --- the fingerprint ---------------------------------------------------- */

/* What a file is now: it changes when the file is replaced or written. */
static void stamp(const char *path, char *out, size_t cap)
{
	struct stat st;

	if (stat(path, &st) < 0)
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%llu %llu %lld %lld.%09ld",
			 (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino, (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static int add_file(struct kbplan *p, const char *path)
{
	char st[128], **files;

	for (size_t i = 0; i < p->nfiles; i++)
		if (!strcmp(p->files[2 * i], path))
			return 0;
	files = realloc(p->files,
			(p->nfiles + 1) * 2 * sizeof(*files) + sizeof(*files));
	if (!files)
		return -ENOMEM;
	p->files = files;
	stamp(path, st, sizeof(st));
	files[2 * p->nfiles] = strdup(path);
	files[2 * p->nfiles + 1] = strdup(st);
	files[2 * p->nfiles + 2] = NULL;
	if (!files[2 * p->nfiles] || !files[2 * p->nfiles + 1]) {
		free(files[2 * p->nfiles]);
		free(files[2 * p->nfiles + 1]);
		files[2 * p->nfiles] = NULL;
		return -ENOMEM;
	}
	p->nfiles++;
	return 0;
}

/*
 * A directory and the regular files in it (not below): its own stamp
 * changes when a file is added, removed or renamed there.
 */
static int add_dir(struct kbplan *p, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int r = add_file(p, dir);

	if (r < 0 || !(d = opendir(dir)))
		return r;
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			    (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		r = add_file(p, path);
	}
	closedir(d);
	return r;
}

/* The program a word of CC="..." runs, found as execvp would. */
static int add_tool(struct kbplan *p, const char *word, const char *path_env)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *dir = path_env;

	if (strchr(word, '/'))
		return add_file(p, realpath(word, real) ? real : word);
	while (dir && *dir) {
		const char *end = strchr(dir, ':');
		int n = (int)(end ? (size_t)(end - dir) : strlen(dir));

		if (snprintf(path, sizeof(path), "%.*s/%s", n ? n : 1,
			     n ? dir : ".", word) < (int)sizeof(path) &&
		    !access(path, X_OK))
			return add_file(p, realpath(path, real) ? real : path);
		dir = end ? end + 1 : NULL;
	}
	return add_file(p, word); /* "-": found later, it changes the plan */
}

int kbplan_fingerprint(struct kbplan *p)
{
	/* the tools kbuild's top-level names and probes */
	static const char *const tools[] = { "CC",	"LD",	   "AR",
					     "NM",	"OBJCOPY", "OBJDUMP",
					     "READELF", "STRIP",   "HOSTCC",
					     "HOSTCXX", "HOSTLD",  "HOSTAR" };
	/* the makefiles and configuration it reads, below the two trees */
	static const char *const objtree_dirs[] = { "", "/include/generated" };
	/* not include/config/: a file per option, for the sub-makes' deps */
	static const char *const objtree_files[] = {
		"/include/config/auto.conf", "/include/config/auto.conf.cmd",
		"/include/config/kernel.release"
	};
	static const char *const srctree_dirs[] = { "", "/scripts",
						    "/scripts/include" };
	char *const *env = p->nsteps ? p->steps[0].env : NULL;
	const char *src = kbplan_env_get(env, "abs_srctree");
	const char *arch = kbplan_env_get(env, "SRCARCH");
	const char *path_env = kbplan_env_get(env, "PATH");
	char dir[PATH_MAX];
	int r = 0;

	if (!src)
		src = p->kdir;
	for (size_t i = 0;
	     !r && i < sizeof(objtree_dirs) / sizeof(*objtree_dirs); i++) {
		snprintf(dir, sizeof(dir), "%s%s", p->kdir, objtree_dirs[i]);
		r = add_dir(p, dir);
	}
	for (size_t i = 0;
	     !r && i < sizeof(objtree_files) / sizeof(*objtree_files); i++) {
		snprintf(dir, sizeof(dir), "%s%s", p->kdir, objtree_files[i]);
		r = add_file(p, dir);
	}
	for (size_t i = 0;
	     !r && i < sizeof(srctree_dirs) / sizeof(*srctree_dirs); i++) {
		snprintf(dir, sizeof(dir), "%s%s", src, srctree_dirs[i]);
		r = add_dir(p, dir);
	}
	if (!r && arch) {
		snprintf(dir, sizeof(dir), "%s/arch/%s", src, arch);
		r = add_dir(p, dir);
	}
	for (size_t i = 0; !r && i < sizeof(tools) / sizeof(*tools); i++) {
		const char *v = kbplan_env_get(env, tools[i]);
		char word[PATH_MAX];
		int n = 0;

		/* its words: "ccache gcc" runs both */
		while (!r && v && sscanf(v, " %4095s%n", word, &n) == 1) {
			r = add_tool(p, word, path_env);
			v += n;
			if (strcmp(word, "ccache"))
				break;
		}
	}
	return r;
}

bool kbplan_fresh(const struct kbplan *p)
{
	char st[128];

	for (size_t i = 0; i < p->nfiles; i++) {
		stamp(p->files[2 * i], st, sizeof(st));
		if (strcmp(st, p->files[2 * i + 1]))
			return false;
	}
	/* a file added to a directory changed the directory's stamp */
	return p->nfiles > 0;
}

/* --- the shape ---------------------------------------------------------- */

/* The file after -f (or --file=, --makefile=) in a make argv, or NULL. */
static const char *makefile_of(char *const *argv)
{
	for (size_t i = 1; argv[i]; i++) {
		if (!strcmp(argv[i], "-f") && argv[i + 1])
			return argv[i + 1];
		if (starts(argv[i], "--file="))
			return argv[i] + strlen("--file=");
		if (starts(argv[i], "--makefile="))
			return argv[i] + strlen("--makefile=");
	}
	return NULL;
}

/* "DIR/scripts/NAME" with DIR the kernel's source tree: NAME, or NULL. */
static const char *in_scripts(const char *path, const char *srctree)
{
	size_t n = strlen(srctree);

	if (!path || strncmp(path, srctree, n) ||
	    !starts(path + n, "/scripts/"))
		return NULL;
	path += n + strlen("/scripts/");
	return strchr(path, '/') ? NULL : path;
}

bool kbplan_shape_ok(const struct kbplan *p, char *why, size_t whylen)
{
	bool build = false, modpost = false;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct kbplan_step *s = &p->steps[i];
		const char *src = kbplan_env_get(s->env, "abs_srctree");
		const char *ext = kbplan_env_get(s->env, "KBUILD_EXTMOD");
		const char *name;

		if (!src || !ext) {
			snprintf(why, whylen,
				 "step %zu has no abs_srctree or KBUILD_EXTMOD",
				 i + 1);
			return false;
		}
		if (s->shell) {
			if (!in_scripts(s->argv[1], src)) {
				snprintf(
					why, whylen,
					"step %zu runs %s, not a kbuild script",
					i + 1,
					s->argv[1] ? s->argv[1] : "a shell");
				return false;
			}
			continue;
		}
		name = in_scripts(makefile_of(s->argv), src);
		if (name && !strcmp(name, "Makefile.build") && i == 0) {
			char obj[PATH_MAX];
			bool found = false;

			snprintf(obj, sizeof(obj), "obj=%s", ext);
			for (size_t k = 1; s->argv[k]; k++)
				found |= !strcmp(s->argv[k], obj);
			build = found;
		} else if (name && !strcmp(name, "Makefile.modpost") && build) {
			modpost = true;
		} else if (!name || strcmp(name, "Makefile.modfinal") ||
			   !modpost) {
			snprintf(why, whylen,
				 "step %zu is make -f %s, not one of kbuild's "
				 "module steps in order",
				 i + 1, makefile_of(s->argv) ?: "(none)");
			return false;
		}
	}
	if (!build || !modpost) {
		snprintf(why, whylen,
			 "no Makefile.build for the module or no "
			 "modpost among its steps");
		return false;
	}
	return true;
}

/* --- the environment of a replayed step --------------------------------- */

/*
 * MAKEFLAGS=" -j2 --jobserver-auth=3,4 -- M=..." names the top-level's
 * jobserver pipes, which a replay has not: without them, make's own -jN
 * starts its own. Words are separated by unescaped spaces.
 */
char *kbplan_env_for_replay(const char *entry)
{
	size_t n = strlen(entry);
	char *out, *o;
	const char *s;
	bool vars = false;

	if (!starts(entry, "MAKEFLAGS=") && !starts(entry, "MFLAGS="))
		return strdup(entry);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	s = strchr(entry, '=') + 1;
	memcpy(out, entry, (size_t)(s - entry));
	o = out + (s - entry);
	while (*s) {
		const char *w = s;
		size_t len;

		while (*s && *s != ' ')
			s += s[0] == '\\' && s[1] ? 2 : 1;
		len = (size_t)(s - w);
		if (len == 2 && !strncmp(w, "--", 2))
			vars = true;
		if (vars || (!starts(w, "--jobserver-auth=") &&
			     !starts(w, "--jobserver-fds=") &&
			     !starts(w, "--jobserver-style="))) {
			memcpy(o, w, len);
			o += len;
			if (*s == ' ')
				*o++ = ' ';
		}
		if (*s == ' ')
			s++;
	}
	*o = '\0';
	return out;
}
