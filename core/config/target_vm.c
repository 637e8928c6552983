// SPDX-License-Identifier: GPL-2.0
/*
 * A target's "vm" settings become what core/vm boots, here and nowhere
 * else: the dashboard's session, `kmdash vm` and the test drivers all
 * take their vm_config from config_target_vm().
 */
#include <errno.h>
#include <stdio.h>

#include "core/config/config_int.h"

int config_target_vm(const struct config *cfg, const struct config_target *t,
		     struct vm_config *vc, char *err, size_t errlen)
{
	const struct config_vm *cv = &t->vm;

	if (!t->has_vm) {
		snprintf(err, errlen, "target '%s' is not a VM", t->name);
		return -EINVAL;
	}
	/* the embedded guest boots the built target's files and keys */
	if (t->embedded && cfg->embedded_problem[0]) {
		snprintf(err, errlen, "%s", cfg->embedded_problem);
		return -ENOENT;
	}
	*vc = (struct vm_config){
		.name = t->name,
		.profile = config_vm_machine(cv->profile),
		.qemu = cv->qemu,
		.runtime_dir = cfg->runtime_dir,
		.kernel = cv->kernel,
		.initrd = cv->initrd,
		.dtb = cv->dtb,
		.image = cv->image,
		.append = cv->append && cv->append[0] ? cv->append : NULL,
		.memory_mb = cv->memory_mb,
		.smp = cv->smp,
		.extra_args = (const char *const *)cv->extra_args.v,
		.host_key_pub = cv->host_key,
		.ssh_user = t->ssh.user,
		.boot_timeout_ms = cv->boot_timeout_ms,
	};
	/* vm ssh logs in as the dashboard does: with the target's key */
	if (!t->embedded && t->ssh.identity_files.n && !t->ssh.identity_default)
		vc->ssh_key = t->ssh.identity_files.v[0];
	/* a Pi OS image needs none of it (it may borrow the Pi 3's dtb) */
	if (!cfg->embedded_problem[0])
		vm_config_from_target(vc, &cfg->embedded);
	return 0;
}
