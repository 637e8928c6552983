// SPDX-License-Identifier: GPL-2.0
/*
 * Config loading: defaults (from the embedded target's target.env and the
 * environment), then the user's JSON on top, validated member by member.
 * Every error is collected with its file:line:col so one run of kmdash
 * shows everything to fix.
 */
#include "core/config/config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ssh/sshconfig.h"

#define MAX_ERRORS 20
#define PATH_LEN 160

struct ctx {
	struct jsonpos_doc *doc;
	struct config *cfg;
	char *err;
	size_t errlen;
	size_t used;
	unsigned int n_errors;
	bool oom;
};

static const char *const graph_names[] = { "auto", "braille", "block", "ascii",
					   NULL };
static const char *const ts_names[] = { "relative", "absolute", NULL };
static const char *const profile_names[] = { "none", "virt", "raspi3b", "image",
					     NULL };

const char *config_graph_name(enum config_graph g)
{
	return graph_names[g];
}

const char *config_profile_name(enum config_vm_profile p)
{
	return profile_names[p];
}

/* --- errors ------------------------------------------------------------- */

static void add_error(struct ctx *c, const cJSON *item, bool at_key,
		      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add_error(struct ctx *c, const cJSON *item, bool at_key,
		      const char *path, const char *fmt, ...)
{
	char msg[384], line[640];
	va_list ap;
	int n;

	if (c->n_errors++ >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		jsonpos_errf(c->doc, item, at_key, line, sizeof(line), "%s: %s",
			     path, msg);
	else
		jsonpos_errf(c->doc, item, at_key, line, sizeof(line), "%s",
			     msg);
	if (c->used >= c->errlen)
		return;
	n = snprintf(c->err + c->used, c->errlen - c->used, "%s%s",
		     c->used ? "\n" : "", line);
	if (n > 0)
		c->used += (size_t)n;
	if (c->used > c->errlen)
		c->used = c->errlen;
}

/* What the user wrote, for "got ...": a short JSON scalar or a type. */
static const char *got(const cJSON *it, char *buf, size_t cap)
{
	char *p;

	if (cJSON_IsObject(it) || cJSON_IsArray(it) || !it) {
		snprintf(buf, cap, "%s", jsonpos_type_name(it));
		return buf;
	}
	p = cJSON_PrintUnformatted(it);
	if (!p) {
		snprintf(buf, cap, "%s", jsonpos_type_name(it));
		return buf;
	}
	if (strlen(p) > 48)
		snprintf(buf, cap, "%.44s...%s", p,
			 cJSON_IsString(it) ? "\"" : "");
	else
		snprintf(buf, cap, "%s", p);
	free(p);
	return buf;
}

static void join(char *out, const char *path, const char *key)
{
	int n;

	if (path && *path)
		n = snprintf(out, PATH_LEN, "%s.%s", path, key);
	else
		n = snprintf(out, PATH_LEN, "%s", key);
	/* a path longer than PATH_LEN is cut: only a message shows it */
	if (n >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static void join_index(char *out, const char *path, size_t i)
{
	/* a path longer than PATH_LEN is cut: only a message shows it */
	if (snprintf(out, PATH_LEN, "%s[%zu]", path, i) >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

/* --- small helpers ------------------------------------------------------- */

static char *xstrdup(struct ctx *c, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		c->oom = true;
	return d;
}

static void set_str(struct ctx *c, char **dst, const char *s)
{
	char *d = xstrdup(c, s);

	free(*dst);
	*dst = d;
}

static char *xasprintf(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *xasprintf(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->oom = true;
		return NULL;
	}
	return s;
}

static void strv_free(struct config_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

static void strv_push(struct ctx *c, struct config_strv *sv, const char *s)
{
	char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));

	if (!v) {
		c->oom = true;
		return;
	}
	sv->v = v;
	v[sv->n] = xstrdup(c, s);
	if (!v[sv->n])
		return;
	v[++sv->n] = NULL;
}

static void strv_set(struct ctx *c, struct config_strv *sv,
		     const char *const *list)
{
	strv_free(sv);
	for (size_t i = 0; list[i]; i++)
		strv_push(c, sv, list[i]);
	if (!sv->v) {
		sv->v = calloc(1, sizeof(char *));
		if (!sv->v)
			c->oom = true;
	}
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

static const char *user_name(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "root";
}

/*
 * "~" and "~/x" become $HOME/x, "~user/x" that user's home. NULL with
 * *bad_user set when the user does not exist.
 */
static char *expand_tilde(struct ctx *c, const char *p, bool *bad_user)
{
	const char *rest, *home;
	char user[64];
	struct passwd *pw;
	size_t n;

	*bad_user = false;
	if (p[0] != '~')
		return xstrdup(c, p);
	rest = strchr(p, '/');
	n = rest ? (size_t)(rest - p - 1) : strlen(p + 1);
	if (!rest)
		rest = "";
	if (n == 0) {
		home = home_dir();
	} else {
		if (n >= sizeof(user)) {
			*bad_user = true;
			return NULL;
		}
		memcpy(user, p + 1, n);
		user[n] = '\0';
		pw = getpwnam(user);
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home) {
		*bad_user = true;
		return NULL;
	}
	return xasprintf(c, "%s%s", home, rest);
}

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

/* Edit distance, for "did you mean": keys are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[33], row[33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = row[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);

			row[j] = del < ins ? del : ins;
			if (sub < row[j])
				row[j] = sub;
		}
		memcpy(prev, row, sizeof(row));
	}
	return prev[lb];
}

/* --- checks of one object's keys ---------------------------------------- */

static bool is_password_key(const char *k)
{
	return k && strcasestr(k, "password");
}

static void check_password_key(struct ctx *c, const cJSON *member,
			       const char *path)
{
	add_error(
		c, member, true, path,
		"passwords are not supported: kmdash authenticates with SSH keys or an agent only (use identity_files or agent)");
}

/* Password keys anywhere below a free-form object (env, ui.keys). */
static void check_passwords_below(struct ctx *c, const cJSON *item,
				  const char *path)
{
	char p[PATH_LEN];
	size_t i = 0;

	for (const cJSON *ch = item ? item->child : NULL; ch;
	     ch = ch->next, i++) {
		if (ch->string)
			join(p, path, ch->string);
		else
			join_index(p, path, i);
		if (ch->string && is_password_key(ch->string))
			check_password_key(c, ch, p);
		check_passwords_below(c, ch, p);
	}
}

/*
 * Unknown, duplicate and password keys of obj. Returns false if obj is not
 * an object (reported).
 */
static bool check_object(struct ctx *c, const cJSON *obj, const char *path,
			 const char *const *allowed)
{
	char p[PATH_LEN], buf[64];

	if (!cJSON_IsObject(obj)) {
		add_error(c, obj, false, path, "expected an object, got %s",
			  got(obj, buf, sizeof(buf)));
		return false;
	}
	for (const cJSON *ch = obj->child; ch; ch = ch->next) {
		const cJSON *first = NULL;
		const char *best = NULL;
		size_t best_d = 3, i;
		char list[400];
		size_t o = 0;

		join(p, path, ch->string);
		if (is_password_key(ch->string)) {
			check_password_key(c, ch, p);
			continue;
		}
		for (const cJSON *q = obj->child; q != ch; q = q->next)
			if (!strcmp(q->string, ch->string)) {
				first = q;
				break;
			}
		if (first) {
			struct jsonpos_loc l = jsonpos_key(c->doc, first);

			add_error(c, ch, true, p,
				  "duplicate key (first at line %d, column %d)",
				  l.line, l.col);
			continue;
		}
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], ch->string))
				break;
		if (allowed[i])
			continue;
		list[0] = '\0';
		for (i = 0; allowed[i]; i++) {
			size_t d = distance(allowed[i], ch->string);

			/* "memory" for "memory_mb" */
			if (strlen(ch->string) >= 3 &&
			    !strncmp(allowed[i], ch->string,
				     strlen(ch->string)))
				d = 1;

			if (d < best_d) {
				best_d = d;
				best = allowed[i];
			}
			o += (size_t)snprintf(list + o, sizeof(list) - o,
					      "%s%s", i ? ", " : "",
					      allowed[i]);
			if (o >= sizeof(list))
				o = sizeof(list) - 1;
		}
		if (best)
			add_error(
				c, ch, true, p,
				"unknown key (did you mean \"%s\"? expected one of: %s)",
				best, list);
		else
			add_error(c, ch, true, p,
				  "unknown key (expected one of: %s)", list);
	}
	return true;
}

/* --- typed getters: leave *out alone when key is absent ----------------- */

static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bool get_string(struct ctx *c, const cJSON *obj, const char *key,
		       const char *path, bool allow_empty, char **out)
{
	const cJSON *it = member(obj, key);
	char p[PATH_LEN], buf[64];

	if (!it)
		return false;
	join(p, path, key);
	if (!cJSON_IsString(it)) {
		add_error(c, it, false, p, "expected a string, got %s",
			  got(it, buf, sizeof(buf)));
		return false;
	}
	if (!allow_empty && !*it->valuestring) {
		add_error(c, it, false, p, "expected a non-empty string");
		return false;
	}
	set_str(c, out, it->valuestring);
	return true;
}

static bool get_path(struct ctx *c, const cJSON *obj, const char *key,
		     const char *path, char **out)
{
	char *raw = NULL, *exp, p[PATH_LEN];
	bool bad;

	if (!get_string(c, obj, key, path, false, &raw))
		return false;
	exp = expand_tilde(c, raw, &bad);
	if (bad) {
		join(p, path, key);
		add_error(c, member(obj, key), false, p,
			  "cannot expand \"%s\": no such user", raw);
		free(raw);
		return false;
	}
	free(raw);
	free(*out);
	*out = exp;
	return true;
}

static bool get_bool(struct ctx *c, const cJSON *obj, const char *key,
		     const char *path, bool *out)
{
	const cJSON *it = member(obj, key);
	char p[PATH_LEN], buf[64];

	if (!it)
		return false;
	if (!cJSON_IsBool(it)) {
		join(p, path, key);
		add_error(c, it, false, p, "expected true or false, got %s",
			  got(it, buf, sizeof(buf)));
		return false;
	}
	*out = cJSON_IsTrue(it);
	return true;
}

static bool get_int(struct ctx *c, const cJSON *obj, const char *key,
		    const char *path, int min, int max, const char *note,
		    int *out)
{
	const cJSON *it = member(obj, key);
	char p[PATH_LEN], buf[64];
	double d;

	if (!it)
		return false;
	d = it->valuedouble;
	if (!cJSON_IsNumber(it) || d != floor(d) || d < min || d > max) {
		join(p, path, key);
		add_error(c, it, false, p,
			  "expected an integer %d-%d%s, got %s", min, max,
			  note ? note : "", got(it, buf, sizeof(buf)));
		return false;
	}
	*out = (int)d;
	return true;
}

static bool get_enum(struct ctx *c, const cJSON *obj, const char *key,
		     const char *path, const char *const *names, int first,
		     int *out)
{
	const cJSON *it = member(obj, key);
	char p[PATH_LEN], buf[64], list[160];
	size_t o = 0;

	if (!it)
		return false;
	for (int i = first; names[i]; i++) {
		if (cJSON_IsString(it) && !strcmp(it->valuestring, names[i])) {
			*out = i;
			return true;
		}
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"%s\"",
				      i == first   ? "" :
				      names[i + 1] ? ", " :
						     " or ",
				      names[i]);
	}
	join(p, path, key);
	add_error(c, it, false, p, "expected %s, got %s", list,
		  got(it, buf, sizeof(buf)));
	return false;
}

typedef bool (*str_check_fn)(const char *s);

/*
 * An array of strings. nonempty: at least one element. check (optional)
 * validates each element, with what naming the expected form.
 */
static bool get_strv(struct ctx *c, const cJSON *obj, const char *key,
		     const char *path, bool nonempty, bool paths,
		     str_check_fn check, const char *what,
		     struct config_strv *out)
{
	const cJSON *it = member(obj, key);
	char p[PATH_LEN], pi[PATH_LEN], buf[64];
	struct config_strv sv = { 0 };
	size_t i = 0;
	bool ok = true;

	if (!it)
		return false;
	join(p, path, key);
	if (!cJSON_IsArray(it)) {
		add_error(c, it, false, p, "expected an array of %s, got %s",
			  what, got(it, buf, sizeof(buf)));
		return false;
	}
	if (nonempty && !it->child) {
		add_error(c, it, false, p,
			  "expected a non-empty array of %s, got []", what);
		return false;
	}
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		join_index(pi, p, i);
		if (!cJSON_IsString(e)) {
			add_error(c, e, false, pi, "expected a string, got %s",
				  got(e, buf, sizeof(buf)));
			ok = false;
		} else if (check && !check(e->valuestring)) {
			add_error(c, e, false, pi, "expected %s, got %s", what,
				  got(e, buf, sizeof(buf)));
			ok = false;
		} else if (paths) {
			bool bad;
			char *x = expand_tilde(c, e->valuestring, &bad);

			if (bad) {
				add_error(c, e, false, pi,
					  "cannot expand \"%s\": no such user",
					  e->valuestring);
				ok = false;
			} else {
				strv_push(c, &sv, x);
			}
			free(x);
		} else {
			strv_push(c, &sv, e->valuestring);
		}
	}
	if (!ok) {
		strv_free(&sv);
		return false;
	}
	if (!sv.v) {
		sv.v = calloc(1, sizeof(char *));
		if (!sv.v)
			c->oom = true;
	}
	strv_free(out);
	*out = sv;
	return true;
}

static bool nonempty_str(const char *s)
{
	return *s;
}

static bool module_param(const char *s)
{
	size_t n = strcspn(s, "=");

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* --- target.env and locations ------------------------------------------- */

static char *env_dir(struct ctx *c, const char *var, const char *xdg,
		     const char *fallback_below_home, const char *sub)
{
	const char *v = getenv(var), *home;

	if (v && *v)
		return xstrdup(c, v);
	v = xdg ? getenv(xdg) : NULL;
	if (v && v[0] == '/')
		return xasprintf(c, "%s/%s", v, sub);
	home = home_dir();
	if (!home)
		return NULL;
	return xasprintf(c, "%s/%s/%s", home, fallback_below_home, sub);
}

char *config_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = home_dir();
	char *s = NULL;

	if (x && x[0] == '/') {
		if (asprintf(&s, "%s/kmdash/config.json", x) < 0)
			return NULL;
	} else if (home) {
		if (asprintf(&s, "%s/.config/kmdash/config.json", home) < 0)
			return NULL;
	}
	return s;
}

struct target_env {
	char *image, *initrd, *dtb_raspi3b, *ssh_key, *host_key_pub;
};

/* KEY=VALUE lines as written by target/build-target.sh. */
static void read_target_env(struct ctx *c, struct target_env *te)
{
	struct config *cfg = c->cfg;
	char line[1024];
	FILE *f;

	cfg->target_env = xasprintf(c, "%s/target/current/target.env",
				    cfg->cache_dir ? cfg->cache_dir : ".");
	if (!cfg->target_env)
		return;
	f = fopen(cfg->target_env, "re");
	if (!f) {
		snprintf(
			cfg->embedded_problem, sizeof(cfg->embedded_problem),
			"the embedded target is not built (%s: %s): run 'make target'",
			cfg->target_env, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v, **dst = NULL;
		size_t n;

		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		n = strcspn(v, "\n");
		v[n] = '\0';
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		if (!strcmp(line, "KVER"))
			dst = &cfg->kver;
		else if (!strcmp(line, "KDIR"))
			dst = &cfg->kdir;
		else if (!strcmp(line, "READY_MARKER"))
			dst = &cfg->ready_marker;
		else if (!strcmp(line, "IMAGE"))
			dst = &te->image;
		else if (!strcmp(line, "INITRD"))
			dst = &te->initrd;
		else if (!strcmp(line, "DTB_RASPI3B"))
			dst = &te->dtb_raspi3b;
		else if (!strcmp(line, "SSH_KEY"))
			dst = &te->ssh_key;
		else if (!strcmp(line, "HOST_KEY_PUB"))
			dst = &te->host_key_pub;
		if (dst)
			set_str(c, dst, v);
	}
	fclose(f);
	if (!te->image || !te->ssh_key)
		snprintf(cfg->embedded_problem, sizeof(cfg->embedded_problem),
			 "%s lacks IMAGE or SSH_KEY: run 'make target' again",
			 cfg->target_env);
}

static void target_env_free(struct target_env *te)
{
	free(te->image);
	free(te->initrd);
	free(te->dtb_raspi3b);
	free(te->ssh_key);
	free(te->host_key_pub);
}

/* --- defaults ------------------------------------------------------------ */

static void target_clear(struct config_target *t)
{
	free(t->name);
	free(t->ssh.host);
	free(t->ssh.user);
	strv_free(&t->ssh.identity_files);
	free(t->ssh.known_hosts);
	free(t->ssh.jump_host);
	free(t->ssh.jump_user);
	free(t->ssh.jump_hostname);
	free(t->vm.image);
	free(t->vm.kernel);
	free(t->vm.initrd);
	free(t->vm.dtb);
	free(t->vm.append);
	free(t->vm.qemu);
	strv_free(&t->vm.extra_args);
	free(t->vm.run_dir);
	free(t->serial.socket);
	free(t->serial.tty);
	strv_free(&t->build.argv);
	free(t->build.dir);
	strv_free(&t->build.env);
	free(t->module.name);
	free(t->module.ko);
	strv_free(&t->module.params);
	strv_free(&t->module.strip);
	free(t->module.remote_dir);
	free(t->kernel_vmlinux);
	free(t->module.sectl);
	free(t->module.sebench);
	strv_free(&t->bench_args);
	*t = (struct config_target){ 0 };
}

static void default_identities(struct ctx *c, struct config_target *t)
{
	const char *home = home_dir();
	static const char *const names[] = { "id_ed25519", "id_ecdsa",
					     "id_rsa" };

	strv_free(&t->ssh.identity_files);
	t->ssh.identity_default = true;
	t->ssh.identity_files.v = calloc(1, sizeof(char *));
	if (!t->ssh.identity_files.v) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; home && i < 3; i++) {
		char *p = xasprintf(c, "%s/.ssh/%s", home, names[i]);

		if (p)
			strv_push(c, &t->ssh.identity_files, p);
		free(p);
	}
}

/*
 * Everything a target gets before the user's keys apply; what depends on
 * the profile is decided here. name is set already.
 */
static void target_defaults(struct ctx *c, struct config_target *t,
			    enum config_vm_profile profile,
			    const struct target_env *te)
{
	struct config *cfg = c->cfg;
	const char *const no_args[] = { NULL };
	const char *build[] = { "make", "-C", cfg->repo_dir, "kmod", NULL };
	/* like make modules_install INSTALL_MOD_STRIP=1 */
	static const char *const strip[] = { "aarch64-linux-gnu-strip",
					     "--strip-debug", NULL };
	const char *home = home_dir();

	t->has_vm = profile != CONFIG_VM_NONE;
	t->embedded = profile == CONFIG_VM_VIRT || profile == CONFIG_VM_RASPI3B;
	t->ssh.connect_timeout_ms = 5000;
	t->ssh.probe_interval_ms = 1000;
	t->ssh.dead_after_ms = 5000;
	t->ssh.ssh_config = false;
	if (t->has_vm) {
		t->vm.profile = profile;
		t->vm.run_dir =
			xasprintf(c, "%s/vm-%s", cfg->runtime_dir, t->name);
		set_str(c, &t->vm.qemu, "qemu-system-aarch64");
		set_str(c, &t->vm.append, "");
		strv_set(c, &t->vm.extra_args, no_args);
		t->vm.memory_mb = 1024;
		t->vm.smp = profile == CONFIG_VM_VIRT ? 2 : 4;
		if (t->embedded) {
			set_str(c, &t->vm.kernel, te->image);
			set_str(c, &t->vm.initrd, te->initrd);
			if (profile == CONFIG_VM_RASPI3B)
				set_str(c, &t->vm.dtb, te->dtb_raspi3b);
		}
		set_str(c, &t->ssh.host, "127.0.0.1");
		t->ssh.port = 0;
		t->ssh.known_hosts =
			t->vm.run_dir ?
				xasprintf(c, "%s/known_hosts", t->vm.run_dir) :
				NULL;
		t->has_serial = true;
		t->serial.socket =
			t->vm.run_dir ?
				xasprintf(c, "%s/serial.sock", t->vm.run_dir) :
				NULL;
	} else {
		t->ssh.port = 22;
		if (home)
			t->ssh.known_hosts =
				xasprintf(c, "%s/.ssh/known_hosts", home);
	}
	if (t->embedded) {
		/* the guest's own key: nothing else is authorised there */
		set_str(c, &t->ssh.user, "root");
		t->ssh.agent = false;
		strv_set(c, &t->ssh.identity_files, no_args);
		if (te->ssh_key)
			strv_push(c, &t->ssh.identity_files, te->ssh_key);
	} else {
		set_str(c, &t->ssh.user,
			profile == CONFIG_VM_IMAGE ? "pi" : user_name());
		t->ssh.agent = true;
		default_identities(c, t);
	}
	strv_set(c, &t->build.argv, build);
	strv_set(c, &t->build.env, no_args);
	set_str(c, &t->module.name, "storage_hash");
	strv_set(c, &t->module.params, no_args);
	set_str(c, &t->module.remote_dir, "/tmp/kmdash");
	t->module.load_timeout_ms = 10000;
	strv_set(c, &t->module.strip, strip);
	t->module.sectl =
		xasprintf(c, "%s/build/kmod/tools/sectl", cfg->repo_dir);
	t->module.sebench =
		xasprintf(c, "%s/build/kmod/tools/sebench", cfg->repo_dir);
	strv_set(c, &t->bench_args, no_args);
}

/* --- one target ----------------------------------------------------------- */

static const int std_bauds[] = { 300,	  600,	   1200,    2400,    4800,
				 9600,	  19200,   38400,   57600,   115200,
				 230400,  460800,  500000,  576000,  921600,
				 1000000, 1152000, 1500000, 2000000, 2500000,
				 3000000, 3500000, 4000000, 0 };

/*
 * jump_host is one hop or a list "a,b" as ProxyJump takes it (b reached
 * through a); each hop is checked, the parts kept are the first hop's.
 */
static bool parse_jump(struct ctx *c, struct config_target *t, const cJSON *it,
		       const char *p)
{
	char buf[64], user[256], host[512];
	int port;

	for (const char *s = t->ssh.jump_host;; s++) {
		if (sshconfig_parse_jump(s, user, sizeof(user), host,
					 sizeof(host), &port) < 0) {
			add_error(
				c, it, false, p,
				"expected [user@]host[:port] (port 1-65535), or hops of that form separated by commas, got %s",
				got(it, buf, sizeof(buf)));
			return false;
		}
		if (s == t->ssh.jump_host) {
			free(t->ssh.jump_user);
			free(t->ssh.jump_hostname);
			t->ssh.jump_user = *user ? strdup(user) : NULL;
			t->ssh.jump_hostname = strdup(host);
			t->ssh.jump_port = port ? port : 22;
			if (!t->ssh.jump_hostname ||
			    (*user && !t->ssh.jump_user))
				c->oom = true;
		}
		s = strchr(s, ',');
		if (!s)
			return true;
	}
}

static void parse_ssh(struct ctx *c, struct config_target *t, const cJSON *ssh,
		      const char *path)
{
	static const char *const keys[] = { "host",
					    "port",
					    "user",
					    "identity_files",
					    "known_hosts",
					    "jump_host",
					    "agent",
					    "ssh_config",
					    "connect_timeout_ms",
					    "probe_interval_ms",
					    "dead_after_ms",
					    NULL };
	char p[PATH_LEN];

	if (!check_object(c, ssh, path, keys))
		return;
	get_string(c, ssh, "host", path, false, &t->ssh.host);
	if (t->has_vm)
		get_int(c, ssh, "port", path, 0, 65535,
			" (0: the port the VM forwards)", &t->ssh.port);
	else
		get_int(c, ssh, "port", path, 1, 65535, NULL, &t->ssh.port);
	get_string(c, ssh, "user", path, false, &t->ssh.user);
	if (get_strv(c, ssh, "identity_files", path, false, true, nonempty_str,
		     "file names", &t->ssh.identity_files))
		t->ssh.identity_default = false;
	get_path(c, ssh, "known_hosts", path, &t->ssh.known_hosts);
	if (get_string(c, ssh, "jump_host", path, false, &t->ssh.jump_host)) {
		join(p, path, "jump_host");
		if (!parse_jump(c, t, member(ssh, "jump_host"), p)) {
			free(t->ssh.jump_host);
			t->ssh.jump_host = NULL;
		}
	}
	get_bool(c, ssh, "agent", path, &t->ssh.agent);
	get_bool(c, ssh, "ssh_config", path, &t->ssh.ssh_config);
	get_int(c, ssh, "connect_timeout_ms", path, 100, 600000, NULL,
		&t->ssh.connect_timeout_ms);
	get_int(c, ssh, "probe_interval_ms", path, 100, 600000, NULL,
		&t->ssh.probe_interval_ms);
	if (get_int(c, ssh, "dead_after_ms", path, 100, 3600000, NULL,
		    &t->ssh.dead_after_ms) &&
	    t->ssh.dead_after_ms < t->ssh.probe_interval_ms) {
		join(p, path, "dead_after_ms");
		add_error(c, member(ssh, "dead_after_ms"), false, p,
			  "must be at least probe_interval_ms (%d), got %d",
			  t->ssh.probe_interval_ms, t->ssh.dead_after_ms);
	}
}

static void parse_vm(struct ctx *c, struct config_target *t, const cJSON *vm,
		     const char *path)
{
	bool pi = t->vm.profile != CONFIG_VM_VIRT;
	char p[PATH_LEN];

	get_path(c, vm, "image", path, &t->vm.image);
	get_path(c, vm, "kernel", path, &t->vm.kernel);
	get_path(c, vm, "initrd", path, &t->vm.initrd);
	get_path(c, vm, "dtb", path, &t->vm.dtb);
	get_string(c, vm, "append", path, true, &t->vm.append);
	if (get_int(c, vm, "memory_mb", path, 64, 1048576, NULL,
		    &t->vm.memory_mb) &&
	    pi && t->vm.memory_mb != 1024) {
		join(p, path, "memory_mb");
		add_error(c, member(vm, "memory_mb"), false, p,
			  "the raspi3b machine has exactly 1024 MB, got %d",
			  t->vm.memory_mb);
	}
	if (get_int(c, vm, "smp", path, 1, 512, NULL, &t->vm.smp) && pi &&
	    t->vm.smp != 4) {
		join(p, path, "smp");
		add_error(c, member(vm, "smp"), false, p,
			  "the raspi3b machine has exactly 4 CPUs, got %d",
			  t->vm.smp);
	}
	get_path(c, vm, "qemu", path, &t->vm.qemu);
	get_strv(c, vm, "extra_args", path, false, false, NULL, "strings",
		 &t->vm.extra_args);
	if (t->vm.profile == CONFIG_VM_IMAGE) {
		const char *missing = !t->vm.image  ? "image" :
				      !t->vm.kernel ? "kernel" :
				      !t->vm.dtb    ? "dtb" :
						      NULL;

		if (missing)
			add_error(
				c, vm, false, path,
				"the image profile needs image, kernel and dtb; %s is missing (take kernel8.img and bcm2710-rpi-3-b.dtb from the image's boot partition)",
				missing);
	} else if (member(vm, "image")) {
		join(p, path, "image");
		add_error(
			c, member(vm, "image"), true, p,
			"only the image profile boots a disk image (set \"profile\": \"image\")");
	}
}

static void parse_serial(struct ctx *c, struct config_target *t, const cJSON *s,
			 const char *path)
{
	static const char *const keys[] = { "socket", "tty", "baud", NULL };
	const cJSON *sock = member(s, "socket"), *tty = member(s, "tty");
	const cJSON *baud = member(s, "baud");
	char p[PATH_LEN], buf[64];

	if (!check_object(c, s, path, keys))
		return;
	if (sock && tty) {
		const cJSON *second = sock;

		/* point at whichever comes second in the file */
		for (const cJSON *ch = s->child; ch; ch = ch->next)
			if (ch == sock || ch == tty)
				second = ch == sock ? tty : sock;
		join(p, path, second->string);
		add_error(
			c, second, true, p,
			"set either socket (a QEMU chardev) or tty (a serial device), not both");
		return;
	}
	if (!sock && !tty) {
		add_error(
			c, s, false, path,
			"expected socket (a QEMU chardev) or tty (a serial device)");
		return;
	}
	free(t->serial.socket);
	free(t->serial.tty);
	t->serial.socket = NULL;
	t->serial.tty = NULL;
	t->serial.baud = 0;
	t->has_serial = true;
	get_path(c, s, "socket", path, &t->serial.socket);
	get_path(c, s, "tty", path, &t->serial.tty);
	if (tty)
		t->serial.baud = 115200;
	if (baud && sock) {
		join(p, path, "baud");
		add_error(c, baud, true, p,
			  "baud applies to a tty only, not to a socket");
	} else if (baud) {
		size_t i;

		join(p, path, "baud");
		for (i = 0; std_bauds[i]; i++)
			if (cJSON_IsNumber(baud) &&
			    baud->valuedouble == std_bauds[i])
				break;
		if (std_bauds[i])
			t->serial.baud = std_bauds[i];
		else
			add_error(
				c, baud, false, p,
				"expected a standard baud rate (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1500000, ...), got %s",
				got(baud, buf, sizeof(buf)));
	}
}

static bool env_name(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void parse_build(struct ctx *c, struct config_target *t, const cJSON *b,
			const char *path)
{
	static const char *const keys[] = { "argv", "dir", "env", NULL };
	const cJSON *env = member(b, "env");
	char p[PATH_LEN], pk[PATH_LEN], buf[64];

	if (!check_object(c, b, path, keys))
		return;
	if (member(b, "argv")) {
		const cJSON *a = member(b, "argv");

		join(p, path, "argv");
		if (cJSON_IsArray(a) && a->child && cJSON_IsString(a->child) &&
		    !*a->child->valuestring)
			add_error(c, a->child, false, p,
				  "the program name (argv[0]) is empty");
		else
			get_strv(c, b, "argv", path, true, false, NULL,
				 "strings (the build command)", &t->build.argv);
	}
	get_path(c, b, "dir", path, &t->build.dir);
	if (!env)
		return;
	join(p, path, "env");
	if (!cJSON_IsObject(env)) {
		add_error(
			c, env, false, p,
			"expected an object of NAME: \"value\" strings, got %s",
			got(env, buf, sizeof(buf)));
		return;
	}
	check_passwords_below(c, env, p);
	strv_free(&t->build.env);
	strv_set(c, &t->build.env, (const char *const[]){ NULL });
	for (const cJSON *e = env->child; e; e = e->next) {
		join(pk, p, e->string);
		if (is_password_key(e->string))
			continue;
		if (!env_name(e->string, strlen(e->string))) {
			add_error(
				c, e, true, pk,
				"expected an environment variable name (letters, digits, _)");
		} else if (!cJSON_IsString(e)) {
			add_error(c, e, false, pk, "expected a string, got %s",
				  got(e, buf, sizeof(buf)));
		} else {
			char *kv = xasprintf(c, "%s=%s", e->string,
					     e->valuestring);

			if (kv)
				strv_push(c, &t->build.env, kv);
			free(kv);
		}
	}
}

static void parse_module(struct ctx *c, struct config_target *t, const cJSON *m,
			 const char *path)
{
	static const char *const keys[] = { "name",	  "ko",	   "params",
					    "remote_dir", "tools", "strip",
					    "load_timeout_ms", NULL };
	static const char *const tool_keys[] = { "sectl", "sebench", NULL };
	const cJSON *it;
	char p[PATH_LEN], buf[64];

	if (!check_object(c, m, path, keys))
		return;
	if (get_string(c, m, "name", path, false, &t->module.name) &&
	    !valid_name(t->module.name, 56, false)) {
		join(p, path, "name");
		add_error(
			c, member(m, "name"), false, p,
			"expected a module name (letters, digits, _ and -), got %s",
			got(member(m, "name"), buf, sizeof(buf)));
	}
	get_path(c, m, "ko", path, &t->module.ko);
	get_strv(c, m, "params", path, false, false, module_param,
		 "NAME=VALUE module parameters", &t->module.params);
	if (get_string(c, m, "remote_dir", path, false,
		       &t->module.remote_dir) &&
	    t->module.remote_dir[0] != '/') {
		join(p, path, "remote_dir");
		add_error(c, member(m, "remote_dir"), false, p,
			  "expected an absolute path on the target, got %s",
			  got(member(m, "remote_dir"), buf, sizeof(buf)));
	}
	get_strv(c, m, "strip", path, false, false, NULL,
		 "strings (the strip command, [] for none)", &t->module.strip);
	get_int(c, m, "load_timeout_ms", path, 1000, 3600000, NULL,
		&t->module.load_timeout_ms);
	it = member(m, "tools");
	if (it) {
		join(p, path, "tools");
		if (check_object(c, it, p, tool_keys)) {
			get_path(c, it, "sectl", p, &t->module.sectl);
			get_path(c, it, "sebench", p, &t->module.sebench);
		}
	}
}

static void parse_target(struct ctx *c, const cJSON *obj, const char *path,
			 struct config_target *t, const struct target_env *te)
{
	static const char *const keys[] = { "name",   "ssh",   "vm",
					    "serial", "build", "module",
					    "kmsg",   "bench", "kernel", NULL };
	static const char *const vm_keys[] = { "profile",    "image", "kernel",
					       "initrd",     "dtb",   "append",
					       "memory_mb",  "smp",   "qemu",
					       "extra_args", NULL };
	static const char *const kmsg_keys[] = { "sudo", NULL };
	static const char *const bench_keys[] = { "args", NULL };
	static const char *const kernel_keys[] = { "vmlinux", NULL };
	const cJSON *vm, *it;
	char p[PATH_LEN], buf[64];
	int profile = CONFIG_VM_NONE;
	bool ko_set = false;

	if (!check_object(c, obj, path, keys))
		return;
	it = member(obj, "name");
	join(p, path, "name");
	if (!it) {
		add_error(c, obj, false, path, "a target needs a \"name\"");
	} else if (!cJSON_IsString(it) ||
		   !valid_name(it->valuestring, 64, true)) {
		add_error(
			c, it, false, p,
			"expected a name of letters, digits, '.', '_' or '-' (it names directories), got %s",
			got(it, buf, sizeof(buf)));
	}
	t->name = xstrdup(c, cJSON_IsString(it) && valid_name(it->valuestring,
							      64, true) ?
				     it->valuestring :
				     "invalid");
	vm = member(obj, "vm");
	join(p, path, "vm");
	if (vm && check_object(c, vm, p, vm_keys)) {
		profile = CONFIG_VM_VIRT;
		get_enum(c, vm, "profile", p, profile_names, CONFIG_VM_VIRT,
			 &profile);
	}
	target_defaults(c, t, (enum config_vm_profile)profile, te);
	if (vm && cJSON_IsObject(vm))
		parse_vm(c, t, vm, p);

	it = member(obj, "ssh");
	join(p, path, "ssh");
	if (it)
		parse_ssh(c, t, it, p);
	if (!t->ssh.host && !vm)
		add_error(
			c, it ? it : obj, false, it ? p : path,
			"a target without \"vm\" needs ssh.host (the board's address or an ssh_config Host alias)");
	it = member(obj, "serial");
	join(p, path, "serial");
	if (it)
		parse_serial(c, t, it, p);
	it = member(obj, "build");
	join(p, path, "build");
	if (it)
		parse_build(c, t, it, p);
	it = member(obj, "module");
	join(p, path, "module");
	if (it) {
		parse_module(c, t, it, p);
		ko_set = cJSON_IsObject(it) && member(it, "ko");
	}
	if (!ko_set && t->module.name)
		t->module.ko = xasprintf(c, "%s/build/kmod/%s.ko",
					 c->cfg->repo_dir, t->module.name);
	it = member(obj, "kmsg");
	join(p, path, "kmsg");
	if (it && check_object(c, it, p, kmsg_keys))
		get_bool(c, it, "sudo", p, &t->kmsg_sudo);
	it = member(obj, "kernel");
	join(p, path, "kernel");
	if (it && check_object(c, it, p, kernel_keys))
		get_path(c, it, "vmlinux", p, &t->kernel_vmlinux);
	it = member(obj, "bench");
	join(p, path, "bench");
	if (it && check_object(c, it, p, bench_keys))
		get_strv(c, it, "args", p, false, false, NULL,
			 "strings (sebench arguments)", &t->bench_args);
}

/* --- ui ------------------------------------------------------------------ */

static void parse_keys(struct ctx *c, const cJSON *keys, const char *path)
{
	struct config_ui *ui = &c->cfg->ui;
	char p[PATH_LEN], pi[PATH_LEN], buf[64];
	size_t n = 0;

	if (!cJSON_IsObject(keys)) {
		add_error(
			c, keys, false, path,
			"expected an object of action: [\"key\", ...], got %s",
			got(keys, buf, sizeof(buf)));
		return;
	}
	check_passwords_below(c, keys, path);
	for (const cJSON *a = keys->child; a; a = a->next)
		n++;
	ui->bindings = calloc(n ? n : 1, sizeof(*ui->bindings));
	if (!ui->bindings) {
		c->oom = true;
		return;
	}
	for (const cJSON *a = keys->child; a; a = a->next) {
		struct config_binding *b;
		size_t i = 0, nk = 0;

		join(p, path, a->string);
		if (is_password_key(a->string))
			continue;
		if (!*a->string) {
			add_error(c, a, true, p, "expected an action name");
			continue;
		}
		if (!cJSON_IsArray(a) && !cJSON_IsString(a)) {
			add_error(
				c, a, false, p,
				"expected an array of key names like [\"b\", \"F5\"], got %s",
				got(a, buf, sizeof(buf)));
			continue;
		}
		for (const cJSON *e = cJSON_IsArray(a) ? a->child : a; e;
		     e = cJSON_IsArray(a) ? e->next : NULL, i++) {
			join_index(pi, p, i);
			if (!cJSON_IsString(e) || !*e->valuestring) {
				add_error(
					c, e, false, cJSON_IsArray(a) ? pi : p,
					"expected a key name like \"b\", \"C-x\" or \"F5\", got %s",
					got(e, buf, sizeof(buf)));
				continue;
			}
			nk++;
		}
		b = &ui->bindings[ui->n_bindings++];
		b->action = xstrdup(c, a->string);
		b->loc = jsonpos_key(c->doc, a);
		b->keys = calloc(nk ? nk : 1, sizeof(*b->keys));
		if (!b->keys) {
			c->oom = true;
			continue;
		}
		for (const cJSON *e = cJSON_IsArray(a) ? a->child : a; e;
		     e = cJSON_IsArray(a) ? e->next : NULL) {
			if (!cJSON_IsString(e) || !*e->valuestring)
				continue;
			b->keys[b->n_keys].key = xstrdup(c, e->valuestring);
			b->keys[b->n_keys++].loc = jsonpos_value(c->doc, e);
		}
	}
}

static void parse_ui(struct ctx *c, const cJSON *ui)
{
	static const char *const keys[] = { "theme", "graph", "keys",
					    "timestamps", NULL };
	int v;

	if (!check_object(c, ui, "ui", keys))
		return;
	get_path(c, ui, "theme", "ui", &c->cfg->ui.theme);
	if (get_enum(c, ui, "graph", "ui", graph_names, 0, &v))
		c->cfg->ui.graph = (enum config_graph)v;
	if (get_enum(c, ui, "timestamps", "ui", ts_names, 0, &v))
		c->cfg->ui.timestamps = (enum config_timestamps)v;
	if (member(ui, "keys"))
		parse_keys(c, member(ui, "keys"), "ui.keys");
}

/* --- the document ----------------------------------------------------------- */

static void add_embedded_target(struct ctx *c, const struct target_env *te)
{
	struct config *cfg = c->cfg;

	cfg->targets = calloc(1, sizeof(*cfg->targets));
	if (!cfg->targets) {
		c->oom = true;
		return;
	}
	cfg->n_targets = 1;
	cfg->targets[0].name = xstrdup(c, "qemu");
	target_defaults(c, &cfg->targets[0], CONFIG_VM_VIRT, te);
	cfg->targets[0].module.ko = xasprintf(c, "%s/build/kmod/%s.ko",
					      cfg->repo_dir,
					      cfg->targets[0].module.name);
}

static void parse_root(struct ctx *c, const cJSON *root,
		       const struct target_env *te)
{
	static const char *const keys[] = { "default_target", "targets", "ui",
					    NULL };
	struct config *cfg = c->cfg;
	const cJSON *targets, *dt;
	char buf[64], p[PATH_LEN], pn[PATH_LEN];
	size_t n = 0, i;

	if (!cJSON_IsObject(root)) {
		add_error(c, root, false, NULL,
			  "expected a JSON object at the top level, got %s",
			  got(root, buf, sizeof(buf)));
		return;
	}
	check_object(c, root, "", keys);
	targets = member(root, "targets");
	if (!targets) {
		add_embedded_target(c, te);
	} else if (!cJSON_IsArray(targets)) {
		add_error(c, targets, false, "targets",
			  "expected an array of targets, got %s",
			  got(targets, buf, sizeof(buf)));
	} else if (!targets->child) {
		add_error(
			c, targets, false, "targets",
			"expected at least one target (leave \"targets\" out to use the embedded QEMU target)");
	} else {
		for (const cJSON *t = targets->child; t; t = t->next)
			n++;
		cfg->targets = calloc(n, sizeof(*cfg->targets));
		if (!cfg->targets) {
			c->oom = true;
			return;
		}
		i = 0;
		for (const cJSON *t = targets->child; t; t = t->next, i++) {
			join_index(p, "targets", i);
			parse_target(c, t, p, &cfg->targets[i], te);
			cfg->n_targets = i + 1;
			for (size_t j = 0; j < i; j++) {
				const cJSON *first, *nm = member(t, "name");
				struct jsonpos_loc l;
				size_t k = 0;

				if (!nm || !cJSON_IsString(nm) ||
				    strcmp(cfg->targets[j].name,
					   nm->valuestring))
					continue;
				first = targets->child;
				while (k++ < j)
					first = first->next;
				l = jsonpos_value(c->doc,
						  member(first, "name"));
				join(pn, p, "name");
				add_error(
					c, nm, false, pn,
					"duplicate target name \"%s\" (first at line %d, column %d)",
					nm->valuestring, l.line, l.col);
				break;
			}
		}
	}
	dt = member(root, "default_target");
	if (dt && !cJSON_IsString(dt)) {
		add_error(c, dt, false, "default_target",
			  "expected a target name, got %s",
			  got(dt, buf, sizeof(buf)));
	} else if (dt && cfg->n_targets) {
		char names[200];
		size_t o = 0;

		for (i = 0; i < cfg->n_targets; i++)
			if (!strcmp(cfg->targets[i].name, dt->valuestring))
				break;
		if (i < cfg->n_targets) {
			cfg->default_target = i;
		} else {
			names[0] = '\0';
			for (size_t j = 0;
			     j < cfg->n_targets && o < sizeof(names); j++)
				o += (size_t)snprintf(names + o,
						      sizeof(names) - o, "%s%s",
						      j ? ", " : "",
						      cfg->targets[j].name);
			add_error(c, dt, false, "default_target",
				  "no target named \"%s\" (targets: %s)",
				  dt->valuestring, names);
		}
	}
	if (member(root, "ui"))
		parse_ui(c, member(root, "ui"));
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_targets; i++)
		target_clear(&cfg->targets[i]);
	free(cfg->targets);
	for (size_t i = 0; i < cfg->ui.n_bindings; i++) {
		for (size_t k = 0; k < cfg->ui.bindings[i].n_keys; k++)
			free(cfg->ui.bindings[i].keys[k].key);
		free(cfg->ui.bindings[i].keys);
		free(cfg->ui.bindings[i].action);
	}
	free(cfg->ui.bindings);
	free(cfg->ui.theme);
	free(cfg->path);
	free(cfg->repo_dir);
	free(cfg->cache_dir);
	free(cfg->runtime_dir);
	free(cfg->target_env);
	free(cfg->kver);
	free(cfg->kdir);
	free(cfg->ready_marker);
	free(cfg);
}

struct config *config_load(const struct config_opts *opts, char *err,
			   size_t errlen)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct ctx c = { .cfg = cfg, .err = err, .errlen = errlen };
	struct target_env te = { 0 };
	char cwd[PATH_MAX], tmp[64];
	char *path = NULL;

	if (errlen)
		err[0] = '\0';
	if (!cfg)
		goto oom;
	if (opts && opts->repo_dir)
		cfg->repo_dir = xstrdup(&c, opts->repo_dir);
	else
		cfg->repo_dir =
			xstrdup(&c, getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	cfg->cache_dir = env_dir(&c, "KMDASH_CACHE_DIR", "XDG_CACHE_HOME",
				 ".cache", "kmdash");
	cfg->runtime_dir = env_dir(&c, "KMDASH_RUNTIME_DIR", "XDG_RUNTIME_DIR",
				   "", "kmdash");
	if (!getenv("KMDASH_RUNTIME_DIR") && !getenv("XDG_RUNTIME_DIR")) {
		/* as target/common.sh: /tmp/kmdash-UID/kmdash */
		free(cfg->runtime_dir);
		snprintf(tmp, sizeof(tmp), "/tmp/kmdash-%u/kmdash",
			 (unsigned int)getuid());
		cfg->runtime_dir = xstrdup(&c, tmp);
	}
	if (!cfg->repo_dir || !cfg->runtime_dir || c.oom)
		goto oom;
	read_target_env(&c, &te);

	path = opts && opts->path ? strdup(opts->path) : config_default_path();
	if (!path ||
	    (!(opts && opts->path) && access(path, F_OK) && errno == ENOENT)) {
		/* no config at all: the embedded target alone */
		free(path);
		add_embedded_target(&c, &te);
		if (c.oom)
			goto oom;
		target_env_free(&te);
		return cfg;
	}
	cfg->path = path;
	c.doc = jsonpos_load(path, err, errlen);
	if (!c.doc)
		goto fail;
	parse_root(&c, c.doc->root, &te);
	if (c.oom)
		goto oom;
	if (c.n_errors) {
		if (c.n_errors > MAX_ERRORS && c.used < errlen)
			snprintf(err + c.used, errlen - c.used,
				 "\n%s: ... and %u more errors", path,
				 c.n_errors - MAX_ERRORS);
		goto fail;
	}
	jsonpos_free(c.doc);
	target_env_free(&te);
	return cfg;
oom:
	snprintf(err, errlen, "%s: out of memory while loading the config",
		 path ? path : "config");
fail:
	jsonpos_free(c.doc);
	target_env_free(&te);
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

/* --- printing ----------------------------------------------------------------- */

static void put_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

static void put_strv(cJSON *o, const char *k, const struct config_strv *sv)
{
	cJSON *a = cJSON_AddArrayToObject(o, k);

	for (size_t i = 0; a && i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
}

static void print_target(cJSON *arr, const struct config_target *t)
{
	cJSON *o = cJSON_CreateObject(), *s, *m;

	if (!o)
		return;
	cJSON_AddItemToArray(arr, o);
	put_str(o, "name", t->name);
	s = cJSON_AddObjectToObject(o, "ssh");
	put_str(s, "host", t->ssh.host);
	cJSON_AddNumberToObject(s, "port", t->ssh.port);
	put_str(s, "user", t->ssh.user);
	put_strv(s, "identity_files", &t->ssh.identity_files);
	put_str(s, "known_hosts", t->ssh.known_hosts);
	put_str(s, "jump_host", t->ssh.jump_host);
	cJSON_AddBoolToObject(s, "agent", t->ssh.agent);
	cJSON_AddBoolToObject(s, "ssh_config", t->ssh.ssh_config);
	cJSON_AddNumberToObject(s, "connect_timeout_ms",
				t->ssh.connect_timeout_ms);
	cJSON_AddNumberToObject(s, "probe_interval_ms",
				t->ssh.probe_interval_ms);
	cJSON_AddNumberToObject(s, "dead_after_ms", t->ssh.dead_after_ms);
	if (t->has_vm) {
		s = cJSON_AddObjectToObject(o, "vm");
		put_str(s, "profile", profile_names[t->vm.profile]);
		put_str(s, "image", t->vm.image);
		put_str(s, "kernel", t->vm.kernel);
		put_str(s, "initrd", t->vm.initrd);
		put_str(s, "dtb", t->vm.dtb);
		put_str(s, "append", t->vm.append);
		cJSON_AddNumberToObject(s, "memory_mb", t->vm.memory_mb);
		cJSON_AddNumberToObject(s, "smp", t->vm.smp);
		put_str(s, "qemu", t->vm.qemu);
		put_strv(s, "extra_args", &t->vm.extra_args);
	}
	if (t->has_serial) {
		s = cJSON_AddObjectToObject(o, "serial");
		put_str(s, "socket", t->serial.socket);
		put_str(s, "tty", t->serial.tty);
		if (t->serial.tty)
			cJSON_AddNumberToObject(s, "baud", t->serial.baud);
	}
	s = cJSON_AddObjectToObject(o, "build");
	put_strv(s, "argv", &t->build.argv);
	put_str(s, "dir", t->build.dir);
	m = cJSON_AddObjectToObject(s, "env");
	for (size_t i = 0; m && i < t->build.env.n; i++) {
		const char *kv = t->build.env.v[i], *eq = strchr(kv, '=');
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - kv), kv);
		cJSON_AddStringToObject(m, name, eq + 1);
	}
	s = cJSON_AddObjectToObject(o, "module");
	put_str(s, "name", t->module.name);
	put_str(s, "ko", t->module.ko);
	put_strv(s, "params", &t->module.params);
	put_str(s, "remote_dir", t->module.remote_dir);
	put_strv(s, "strip", &t->module.strip);
	m = cJSON_AddObjectToObject(s, "tools");
	put_str(m, "sectl", t->module.sectl);
	put_str(m, "sebench", t->module.sebench);
	cJSON_AddNumberToObject(s, "load_timeout_ms", t->module.load_timeout_ms);
	s = cJSON_AddObjectToObject(o, "kernel");
	put_str(s, "vmlinux", t->kernel_vmlinux);
	s = cJSON_AddObjectToObject(o, "kmsg");
	cJSON_AddBoolToObject(s, "sudo", t->kmsg_sudo);
	s = cJSON_AddObjectToObject(o, "bench");
	put_strv(s, "args", &t->bench_args);
}

char *config_print(const struct config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *arr, *ui, *keys;
	char *out;

	if (!root)
		return NULL;
	if (cfg->n_targets)
		put_str(root, "default_target",
			cfg->targets[cfg->default_target].name);
	arr = cJSON_AddArrayToObject(root, "targets");
	for (size_t i = 0; arr && i < cfg->n_targets; i++)
		print_target(arr, &cfg->targets[i]);
	ui = cJSON_AddObjectToObject(root, "ui");
	put_str(ui, "theme", cfg->ui.theme);
	put_str(ui, "graph", graph_names[cfg->ui.graph]);
	put_str(ui, "timestamps", ts_names[cfg->ui.timestamps]);
	keys = cJSON_AddObjectToObject(ui, "keys");
	for (size_t i = 0; keys && i < cfg->ui.n_bindings; i++) {
		const struct config_binding *b = &cfg->ui.bindings[i];
		cJSON *a = cJSON_AddArrayToObject(keys, b->action);

		for (size_t k = 0; a && k < b->n_keys; k++)
			cJSON_AddItemToArray(
				a, cJSON_CreateString(b->keys[k].key));
	}
	out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}
