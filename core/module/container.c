// SPDX-License-Identifier: GPL-2.0
#include "core/module/container.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/strutil.h"
#include "core/base/strv.h"

/* A growing NULL-terminated argv; oom sticks until the end. */
struct strv {
	char **v;
	size_t n, cap;
	bool oom;
};

static void push(struct strv *a, char *s)
{
	if (!s || a->oom) {
		a->oom = true;
		free(s);
		return;
	}
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			free(s);
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void push_str(struct strv *a, const char *s)
{
	push(a, strdup(s));
}

static char **finish(struct strv *a)
{
	if (a->oom) {
		strv_free(a->v);
		return NULL;
	}
	if (!a->v)
		a->v = calloc(1, sizeof(*a->v));
	return a->v;
}

static bool is_docker(const struct container_spec *s)
{
	const char *b = strrchr(s->engine, '/');

	return !strcmp(b ? b + 1 : s->engine, "docker");
}

char **container_run_argv(const struct container_spec *s, const char *name,
			  const char *const *cmd, const char *const *env)
{
	struct strv a = { 0 };

	push_str(&a, s->engine);
	push_str(&a, "run");
	push_str(&a, "--rm");
	push_str(&a, "--init");
	push_str(&a, "--pull=never");
	push_str(&a, "--network=none");
	push_str(&a, "--name");
	push_str(&a, name);
	/*
	 * The objects written into the mounted build tree stay the user's:
	 * Docker's daemon runs containers as root unless told; rootless
	 * podman maps the user to root unless told to keep the id.
	 */
	if (getuid() != 0 && is_docker(s))
		push(&a, str_printf("--user=%u:%u", (unsigned)getuid(),
				    (unsigned)getgid()));
	else if (getuid() != 0)
		push_str(&a, "--userns=keep-id");
	for (size_t i = 0; env && env[i]; i++) {
		push_str(&a, "-e");
		push_str(&a, env[i]);
	}
	for (size_t i = 0; s->mounts && s->mounts[i]; i++) {
		push_str(&a, "-v");
		push_str(&a, s->mounts[i]);
	}
	push_str(&a, "-w");
	push_str(&a, s->workdir);
	push_str(&a, s->image);
	for (size_t i = 0; cmd && cmd[i]; i++)
		push_str(&a, cmd[i]);
	return finish(&a);
}

char **container_kill_argv(const struct container_spec *s, const char *name)
{
	struct strv a = { 0 };

	push_str(&a, s->engine);
	push_str(&a, "kill");
	push_str(&a, name);
	return finish(&a);
}

char **container_path_maps(const struct container_spec *s)
{
	struct strv a = { 0 };

	for (size_t i = 0; s->mounts && s->mounts[i]; i++) {
		const char *m = s->mounts[i];
		const char *c = strchr(m, ':');
		size_t hn, cn;

		if (!c)
			continue;
		hn = (size_t)(c - m);
		c++;
		cn = strcspn(c, ":");
		if (hn == cn && !strncmp(m, c, hn))
			continue; /* the same path in and out */
		push(&a, str_printf("%.*s=%.*s", (int)cn, c, (int)hn, m));
	}
	return finish(&a);
}

static bool has(const char *line, const char *what)
{
	return strstr(line, what) != NULL;
}

int container_explain(const struct container_spec *s, const char *line,
		      char *out, size_t cap)
{
	const char *eng = is_docker(s) ? "Docker" : s->engine;
	const char *p;

	if (has(line, "image not known") || has(line, "No such image") ||
	    has(line, "Unable to find image") ||
	    has(line, "pull access denied")) {
		snprintf(out, cap,
			 "the image %s is not in %s's images: build it with "
			 "'make container' (or pull it), or fix "
			 "build.container.image",
			 s->image, eng);
		return 1;
	}
	if (has(line, "Cannot connect to the Docker daemon") ||
	    has(line, "connect to the Docker daemon socket") ||
	    has(line, "Cannot connect to Podman")) {
		snprintf(out, cap,
			 "%s's daemon is not reachable (%s): start it "
			 "(systemctl start %s), and check that you may use it",
			 eng, line, is_docker(s) ? "docker" : "podman.socket");
		return 1;
	}
	if (has(line, "error setting rlimit")) {
		snprintf(
			out, cap,
			"%s cannot set the container's resource limits here "
			"(no CAP_SYS_RESOURCE): set default_ulimits = [] under "
			"[containers] in containers.conf (CONTAINERS_CONF)",
			eng);
		return 1;
	}
	if (has(line, "cgroups") && has(line, "not supported")) {
		snprintf(out, cap,
			 "%s's runtime cannot manage cgroups here: set runtime "
			 "= \"runc\" under [engine] in containers.conf",
			 eng);
		return 1;
	}
	if (has(line, "container-init binary not found") ||
	    has(line, "catatonit")) {
		snprintf(out, cap,
			 "%s's --init needs catatonit: install it (make deps "
			 "does)",
			 eng);
		return 1;
	}
	p = strstr(line, "executable file not found");
	if (p) {
		snprintf(out, cap,
			 "the build command is not in the image %s: install it "
			 "there, or fix build.argv",
			 s->image);
		return 1;
	}
	if (has(line, "statfs ") || has(line, "invalid mount config") ||
	    has(line, "bind source path does not exist")) {
		snprintf(out, cap,
			 "a directory to mount into the container does not "
			 "exist (%s): fix build.container.mounts",
			 line);
		return 1;
	}
	return 0;
}

const char *container_exit_words(int code)
{
	switch (code) {
	case 125:
		return "the engine could not run the container";
	case 126:
		return "the build command in the container cannot be run";
	case 127:
		return "the build command is not in the container";
	default:
		return NULL;
	}
}
