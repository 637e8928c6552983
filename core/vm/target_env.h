/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded target's target.env, as target/build-target.sh writes it:
 * KEY=VALUE lines, the value bare or in double quotes (nothing is escaped
 * inside them), '#' starting a comment line; keys not listed here are
 * skipped. This is the file's one reader in C: the config's defaults, the
 * VM's boot files and `kmdash config --target-env` all use what it read.
 */
#ifndef KMDASH_TARGET_ENV_H
#define KMDASH_TARGET_ENV_H

#include <stddef.h>

#include "core/vm/vm.h"

struct vm_target {
	char *kver; /* KVER: the kernel release */
	char *kdir; /* KDIR: its headers, for cross-builds */
	char *kernel; /* IMAGE */
	char *initrd; /* INITRD */
	char *dtb_raspi3b; /* DTB_RASPI3B */
	char *ssh_key; /* SSH_KEY: the client key the guest trusts */
	char *host_key_pub; /* HOST_KEY_PUB: the guest's host key */
	char *virt_modules; /* VIRT_NET_MODULES: /init loads them on virt */
	char *raspi_modules; /* RASPI_NET_MODULES: on raspi3b */
	char *ready_marker; /* READY_MARKER: /init prints it once SSH is up */
};

/*
 * Reads every key above from path into t (zeroed first). 0; -ENOENT when
 * the file cannot be read, -EINVAL when a key is missing, -ENOMEM; err
 * then says what to do, and t holds nothing.
 */
int vm_target_load(struct vm_target *t, const char *path, char *err,
		   size_t errlen);
void vm_target_free(struct vm_target *t);

/*
 * The i-th key ("KVER") with its value in t in *value (NULL when t was
 * not loaded); NULL after the last key. In the file's order.
 */
const char *vm_target_key(const struct vm_target *t, size_t i,
			  const char **value);

/*
 * Fills what the config left NULL from the built target, for c's machine:
 * kernel, initrd, dtb, NIC modules, keys and the ready marker. A user's
 * Pi OS image (VM_PROFILE_RPIOS) has its own kernel and keys and prints
 * no marker: it takes only the Pi 3's dtb.
 */
void vm_config_from_target(struct vm_config *c, const struct vm_target *t);

/*
 * The embedded target of c on another machine (VM_PROFILE_VIRT or
 * VM_PROFILE_RASPI3B): what belongs to a machine (its dtb, NIC modules,
 * memory and CPUs) becomes that machine's; the kernel, initrd, command
 * line and extra arguments stay.
 */
void vm_config_set_machine(struct vm_config *c, enum vm_profile machine,
			   const struct vm_target *t);

#endif
