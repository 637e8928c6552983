// SPDX-License-Identifier: GPL-2.0
/*
 * A build in a container: the engine's argv (what stops the container on
 * a cancel: --rm, --init, a name of kmdash's; no registry fetch), the
 * kill by that name, the mounts as path maps, the engine's errors in
 * words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "core/base/strv.h"
#include "core/module/container.h"

static const char *const mounts[] = { "/cache/build/pi/m-1:/workspace",
				      "/src/m:/src/m:ro",
				      "/sysroot:/sysroot:ro", NULL };
static const struct container_spec podman = {
	.engine = "podman",
	.image = "localhost/kmdash-cross",
	.mounts = mounts,
	.workdir = "/workspace",
};

static bool has(char **v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* The index of s in v, or -1. */
static long at(char **v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], s))
			return (long)i;
	return -1;
}

static void test_run_argv(void **state)
{
	const char *const cmd[] = { "make", "-C", "/k", "M=/workspace", NULL };
	const char *const env[] = { "KCFLAGS=-g", NULL };
	char **v = container_run_argv(&podman, "kmdash-build-1-1", cmd, env);
	long img;

	assert_non_null(v);
	assert_string_equal(v[0], "podman");
	assert_string_equal(v[1], "run");
	assert_true(has(v, "--rm"));
	assert_true(has(v, "--init"));
	assert_true(has(v, "--pull=never"));
	assert_true(has(v, "--network=none"));
	assert_int_equal(at(v, "--name") + 1, at(v, "kmdash-build-1-1"));
	assert_int_equal(at(v, "-e") + 1, at(v, "KCFLAGS=-g"));
	assert_int_equal(at(v, "-w") + 1, at(v, "/workspace"));
	for (size_t i = 0; mounts[i]; i++) {
		assert_true(at(v, mounts[i]) > 0);
		assert_string_equal(v[at(v, mounts[i]) - 1], "-v");
	}
	/* the image, then the command as given */
	img = at(v, "localhost/kmdash-cross");
	assert_true(img > 0);
	for (size_t i = 0; cmd[i]; i++)
		assert_string_equal(v[img + 1 + (long)i], cmd[i]);
	assert_null(v[img + 5]);
	/* as root nothing maps the user; as a user the files stay theirs */
	assert_int_equal(has(v, "--userns=keep-id"), getuid() != 0);
	strv_free(v);
}

static void test_kill_argv(void **state)
{
	char **v = container_kill_argv(&podman, "kmdash-build-7-2");

	assert_non_null(v);
	assert_string_equal(v[0], "podman");
	assert_string_equal(v[1], "kill");
	assert_string_equal(v[2], "kmdash-build-7-2");
	assert_null(v[3]);
	strv_free(v);
}

static void test_path_maps(void **state)
{
	char **m = container_path_maps(&podman);

	assert_non_null(m);
	/* only the mounts whose paths differ */
	assert_string_equal(m[0], "/workspace=/cache/build/pi/m-1");
	assert_null(m[1]);
	strv_free(m);
}

static void test_explain(void **state)
{
	struct container_spec docker = podman;
	char out[512];

	docker.engine = "docker";
	assert_int_equal(container_explain(&podman,
					   "Error: localhost/kmdash-cross: "
					   "image not known",
					   out, sizeof(out)),
			 1);
	assert_string_equal(out, "the image localhost/kmdash-cross is not in "
				 "podman's images: build it with 'make "
				 "container' (or pull it), or fix "
				 "build.container.image");
	assert_int_equal(
		container_explain(
			&docker,
			"docker: Cannot connect to the Docker daemon "
			"at unix:///var/run/docker.sock. Is the docker "
			"daemon running?",
			out, sizeof(out)),
		1);
	assert_non_null(strstr(out, "Docker's daemon is not reachable"));
	assert_non_null(strstr(out, "systemctl start docker"));
	assert_int_equal(
		container_explain(
			&podman,
			"Error: runc: runc create failed: error "
			"setting rlimits for ready process: error "
			"setting rlimit type 7: operation not permitted",
			out, sizeof(out)),
		1);
	assert_non_null(strstr(out, "default_ulimits = []"));
	/* a line of the build's own is none of the engine's */
	assert_int_equal(container_explain(&podman, "  CC [M]  /workspace/x.o",
					   out, sizeof(out)),
			 0);
	assert_non_null(container_exit_words(125));
	assert_null(container_exit_words(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_argv),
		cmocka_unit_test(test_kill_argv),
		cmocka_unit_test(test_path_maps),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
