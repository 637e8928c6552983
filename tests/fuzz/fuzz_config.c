// SPDX-License-Identifier: GPL-2.0
/*
 * The config file: JSON with positions through config_load() of
 * core/config/ (the schema table, every error at its file:line:col), the
 * keys of ui.keys through keymap_apply_config() of tui/keymap_config.c,
 * and the promise of config.h that config_print()'s output is itself a
 * valid config: printed, loaded again and printed again, it is the same
 * text.
 *
 * The environment is private: HOME, the cache (the config fixtures' own
 * embedded target, for the defaults it brings) and the runtime dir.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "tests/fuzz/fuzz.h"
#include "tui/keymap_config.h"

#define FIXTURE_CACHE "tests/fixtures/config/cache"

static char err[16384];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char home[PATH_MAX], cache[PATH_MAX];

	snprintf(home, sizeof(home), "%s/home", fuzz_dir());
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	setenv("KMDASH_RUNTIME_DIR", fuzz_dir(), 1);
	if (realpath(FIXTURE_CACHE, cache))
		setenv("KMDASH_CACHE_DIR", cache, 1);
	else
		setenv("KMDASH_CACHE_DIR", fuzz_dir(), 1);
	return 0;
}

static struct config *load(const char *path)
{
	struct config_opts opts = { .path = path, .repo_dir = "/src/kmdash" };

	return config_load(&opts, err, sizeof(err));
}

static void keys(const struct config *cfg)
{
	struct keymap km;
	int r;

	keymap_init(&km);
	r = keymap_apply_config(&km, cfg, err, sizeof(err));
	fuzz_assert(r == 0 || (r == -EINVAL && err[0]),
		    "refused ui.keys say why");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg, *again;
	char *text, *text2;

	cfg = load(fuzz_file("config.json", data, size));
	if (!cfg) {
		fuzz_assert(err[0] != '\0', "a refused config says why");
		return 0;
	}
	fuzz_assert(config_target(cfg, NULL) != NULL, "a default target");
	keys(cfg);
	text = config_print(cfg);
	fuzz_assert(text != NULL, "config_print");
	again = load(fuzz_file("printed.json", text, strlen(text)));
	if (!again)
		fprintf(stderr, "%s\n--- printed:\n%s\n", err, text);
	fuzz_assert(again != NULL, "config_print's output loads");
	text2 = config_print(again);
	if (strcmp(text, text2))
		fprintf(stderr, "--- printed:\n%s\n--- printed again:\n%s\n",
			text, text2);
	fuzz_assert(!strcmp(text, text2), "config_print is a fixed point");
	free(text);
	free(text2);
	config_free(again);
	config_free(cfg);
	return 0;
}
