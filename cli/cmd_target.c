// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash target build: builds or refreshes the embedded target (kernel,
 * initramfs, cross-build sysroot, SSH keys) in the cache, from any
 * directory, with the recipe kmdash carries: target/build-target.sh of its
 * data directory (PREFIX/share/kmdash installed, else its source tree).
 * `make target` runs this.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/base/datadir.h"

static const char *target_verb_word(size_t i)
{
	return i == 0 ? "build" : NULL;
}

static int target_exec(struct cmd_ctx *ctx)
{
	char data[PATH_MAX], script[PATH_MAX + 64], exe[PATH_MAX];
	char *argv[2];

	if (datadir_find(data, sizeof(data)) < 0) {
		if (datadir_exe(exe, sizeof(exe)) < 0)
			snprintf(exe, sizeof(exe), "%s", ctx->exe);
		cmd_print_error(
			stderr, ctx->entry,
			"the target's recipe is not installed next to %s (no "
			"share/kmdash/" DATADIR_MARKER "): make install, or "
			"run make target in the kmdash source tree",
			exe);
		return 1;
	}
	snprintf(script, sizeof(script), "%s/" DATADIR_MARKER, data);
	argv[0] = script;
	argv[1] = NULL;
	fflush(stdout);
	execv(script, argv);
	cmd_print_error(stderr, ctx->entry, "cannot run %s: %s", script,
			strerror(errno));
	return 1;
}

const struct cmd_entry cmd_target_entry = {
	.name = "target",
	.args = "build",
	.min_args = 1,
	.max_args = 1,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = target_verb_word,
	.arg_what = "verb",
	.exec = target_exec,
	.summary = "build or refresh the embedded target",
	.help = "build makes the embedded ARM64 target from Debian packages "
		"into the cache ($KMDASH_CACHE_DIR, else "
		"$XDG_CACHE_HOME/kmdash, else ~/.cache/kmdash): the kernel, "
		"the initramfs, the cross-build sysroot with the kernel's "
		"headers, and the SSH keys. It runs the recipe kmdash "
		"carries (share/kmdash/target/ when installed), so it works "
		"from any directory. The first run downloads about 75 MB of "
		"packages; a target of the same recipe and kernel is reused "
		"without downloading a package (the package lists are "
		"refreshed once a day, or now with KMDASH_APT_REFRESH=1). "
		"make target runs it.",
};
