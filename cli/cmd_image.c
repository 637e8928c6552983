// SPDX-License-Identifier: GPL-2.0
/*
 * kmdash image prepare IMAGE: a user's Raspberry Pi OS image made into a
 * target that `kmdash --target NAME` boots (core/vm/image.h does the
 * work; the target goes into a drop-in, never into the user's config).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/base/strutil.h"
#include "core/config/config.h"
#include "core/vm/image.h"

static const char *const machines[] = { IMAGE_MACHINE, IMAGE_MACHINE_PI4,
					NULL };

static const char *machine_word(size_t i)
{
	return i < 2 ? machines[i] : NULL;
}

static const char *image_verb_word(size_t i)
{
	return i == 0 ? "prepare" : NULL;
}

static void say(void *arg, const char *line)
{
	printf("  %s\n", line);
	fflush(stdout);
}

/* "1.5 GB", "260 MB" */
static void human(uint64_t b, char *buf, size_t cap)
{
	if (b >= (UINT64_C(10) << 30))
		snprintf(buf, cap, "%.0f GB", b / 1073741824.0);
	else if (b >= (UINT64_C(1) << 30))
		snprintf(buf, cap, "%.1f GB", b / 1073741824.0);
	else
		snprintf(buf, cap, "%.0f MB", b / 1048576.0);
}

static void print_result(const char *src, const char *name,
			 const struct image_result *r)
{
	char size[32], grown[32], data[32];
	const char *dtb = strrchr(r->dtb, '/');

	human(r->size, size, sizeof(size));
	human(r->grown, grown, sizeof(grown));
	human(r->data, data, sizeof(data));
	printf("prepared %s as target '%s' in %s:\n", src, name, r->dir);
	printf("  working copy  %s: %s, grown to %s for QEMU's SD card, %s on disk (sparse)\n",
	       r->image, size, grown, data);
	printf("  boot          ssh, userconf.txt (user %s with a random password nobody needs: login is by key)\n",
	       r->user);
	printf("  root          %s/.ssh/authorized_keys (kmdash's key), host keys in /etc/ssh (first-boot regeneration masked), password login off\n",
	       r->home);
	printf("  kernel        %s (its /lib/modules); kernel8.img, %s%s copied out\n",
	       r->releases[0] ? r->releases : "?", dtb ? dtb + 1 : r->dtb,
	       r->initrd[0] ? ", initramfs8" : "");
	printf("  command line  %s\n", r->append);
}

static int image_exec(struct cmd_ctx *ctx)
{
	const char *src = ctx->argv[1], *name = ctx->opt[OPT_NAME];
	const struct config_target *clash;
	char def[80], err[2048], dropin[PATH_MAX + 64];
	struct image_result *r = calloc(1, sizeof(*r));
	char *dir = config_dropin_dir();
	struct image_opts o = {
		.src = src,
		.user = ctx->opt[OPT_USER],
		.machine = ctx->opt[OPT_MACHINE],
		.qemu = getenv("QEMU"),
		.cache_dir = ctx->cfg->cache_dir,
		.say = say,
	};
	int rc = 1;

	if (!r || !dir) {
		cmd_print_error(
			stderr, ctx->entry,
			!r ? "out of memory" :
			     "no configuration directory: set HOME or XDG_CONFIG_HOME");
		goto out;
	}
	if (!name) {
		image_default_name(src, def, sizeof(def));
		name = def;
	}
	o.name = name;
	if (!config_name_ok(name)) {
		cmd_print_error(
			stderr, ctx->entry,
			"--name takes a name of letters, digits, '.', '_' or '-' (it names directories), got '%s'",
			name);
		rc = 2;
		goto out;
	}
	/* a target of the user's own is never replaced by a drop-in */
	snprintf(dropin, sizeof(dropin), "%s/%s.json", dir, name);
	clash = config_target(ctx->cfg, name);
	if (clash && (!clash->source || strcmp(clash->source, dropin))) {
		cmd_print_error(
			stderr, ctx->entry,
			"there is a target '%s' in %s already: name this one with --name",
			name,
			clash->source  ? clash->source :
			ctx->cfg->path ? ctx->cfg->path :
					 "kmdash (the embedded target)");
		goto out;
	}
	printf("kmdash image prepare: %s as target '%s'\n", src, name);
	fflush(stdout);
	if (image_prepare(&o, r, err, sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		goto out;
	}
	if (r->already)
		printf("%s is already prepared as target '%s' (%s): nothing to do\n",
		       src, name, r->dir);
	else
		print_result(src, name, r);
	if (config_write_image_target(dir, name, r, dropin, sizeof(dropin), err,
				      sizeof(err)) < 0) {
		cmd_print_error(stderr, ctx->entry, "%s", err);
		goto out;
	}
	printf("target '%s' is in %s\n"
	       "boot it: kmdash --target %s   (or: kmdash vm start --target %s)\n"
	       "modules for it are built against its kernel, %s: see the README, \"Modules for a Raspberry Pi OS image\"\n",
	       name, dropin, name, name, r->releases[0] ? r->releases : "?");
	rc = 0;
out:
	free(r);
	free(dir);
	return rc;
}

static const struct cmd_opt image_opts[] = {
	{ "name", OPT_NAME, "NAME",
	  "the target's name (default: the image's file name without .img.xz)",
	  CMD_COMPLETE_NONE, NULL },
	{ "user", OPT_USER, "USER",
	  "the image's user kmdash logs in as (default: the first one with "
	  "uid 1000 and a home directory)",
	  CMD_COMPLETE_NONE, NULL },
	{ "machine", OPT_MACHINE, "MACHINE",
	  "the emulated board (default " IMAGE_MACHINE "; " IMAGE_MACHINE_PI4
	  " needs QEMU 9.0)",
	  CMD_COMPLETE_WORDS, machine_word },
	{ NULL, 0, NULL, NULL, CMD_COMPLETE_NONE, NULL },
};

const struct cmd_entry cmd_image_entry = {
	.name = "image",
	.args = "prepare IMAGE",
	.opts = image_opts,
	.min_args = 2,
	.max_args = 2,
	.arg_complete = CMD_COMPLETE_WORDS,
	.arg_word = image_verb_word,
	.arg_what = "verb",
	.word_args = 1,
	.flags = CMD_CONFIG,
	.exec = image_exec,
	.summary =
		"make a Raspberry Pi OS image (.img or .img.xz) a bootable target",
	.help = "prepare copies IMAGE into the cache (sparse; IMAGE itself is "
		"only read), grows the copy to a power of two for QEMU's SD "
		"card and edits it without root, loop devices or mounts: ssh "
		"and userconf.txt on the boot partition, as the headless "
		"set-up guide does with sudo; kmdash's key in the user's "
		"~/.ssh/authorized_keys, host keys kmdash knows in /etc/ssh "
		"with Raspberry Pi OS's first-boot regeneration masked, and "
		"password login off, on the root. It copies out kernel8.img, "
		"the Pi 3's device tree and initramfs8, and writes the target "
		"NAME as $XDG_CONFIG_HOME/kmdash/targets.d/NAME.json (the "
		"config file is never written): kmdash --target NAME boots it "
		"on QEMU's raspi3b and connects with strict host-key checking "
		"from the first connection.\n\n"
		"Preparing the same file again changes nothing. Needs mtools, "
		"e2fsprogs' library and ssh-keygen (make deps).",
};
