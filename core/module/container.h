/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A build inside a container engine (podman, docker): the engine's argv
 * around the build command, the container's paths mapped back to the
 * host's, the engine's own kill, and the engine's errors in words.
 *
 * The container runs with --rm (nothing left after it), --init (a real
 * PID 1 that forwards signals and reaps make's children), --pull=never (a
 * missing image is an error, never a registry fetch), --network=none (a
 * build needs no network) and a name kmdash chose: killing the engine's
 * client does not stop a container (docker run's classic), so a cancel
 * asks the engine to kill that name.
 */
#ifndef KMDASH_CONTAINER_H
#define KMDASH_CONTAINER_H

#include <stddef.h>

struct container_spec {
	const char *engine; /* "podman" or "docker": a program in PATH */
	const char *image;
	/* "HOST:CONTAINER[:OPTIONS]" as -v takes them; NULL-terminated */
	const char *const *mounts;
	const char *workdir; /* where the command runs, in the container */
};

/*
 * The engine's argv: ENGINE run ... --name NAME ... -e ENV... -v MOUNTS...
 * -w WORKDIR IMAGE CMD... (malloc'ed, NULL-terminated; strv_free).
 * NULL when out of memory.
 */
char **container_run_argv(const struct container_spec *s, const char *name,
			  const char *const *cmd, const char *const *env);
/* ENGINE kill NAME: stops the container at once (--rm then removes it). */
char **container_kill_argv(const struct container_spec *s, const char *name);

/*
 * "CONTAINER=HOST" for every mount whose container path is not the host's
 * (NULL-terminated, malloc'ed), for core/module/diag.h's maps.
 */
char **container_path_maps(const struct container_spec *s);

/*
 * A line of the engine's own (not the build's) in words a user can act
 * on, into out: the image is missing, the daemon is down, the runtime
 * failed. 0 when the line is none of those.
 */
int container_explain(const struct container_spec *s, const char *line,
		      char *out, size_t cap);

/*
 * The engine exited with its own error code (125: it could not run the
 * container; 126/127: the command in it could not run): words, or NULL.
 */
const char *container_exit_words(int code);

#endif
