// SPDX-License-Identifier: GPL-2.0
/*
 * target.env's reader. The keys are a table (name, field) so that loading,
 * checking, freeing and listing cannot disagree about which keys exist.
 */
#include "core/vm/target_env.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(f) offsetof(struct vm_target, f)

static const struct {
	const char *key;
	size_t off;
} keys[] = {
	{ "KVER", T(kver) },
	{ "KDIR", T(kdir) },
	{ "IMAGE", T(kernel) },
	{ "INITRD", T(initrd) },
	{ "DTB_RASPI3B", T(dtb_raspi3b) },
	{ "SSH_KEY", T(ssh_key) },
	{ "HOST_KEY_PUB", T(host_key_pub) },
	{ "VIRT_NET_MODULES", T(virt_modules) },
	{ "RASPI_NET_MODULES", T(raspi_modules) },
	{ "READY_MARKER", T(ready_marker) },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char **slot(struct vm_target *t, size_t i)
{
	return (char **)((char *)t + keys[i].off);
}

const char *vm_target_key(const struct vm_target *t, size_t i,
			  const char **value)
{
	if (i >= NKEYS)
		return NULL;
	*value = *(char *const *)((const char *)t + keys[i].off);
	return keys[i].key;
}

void vm_target_free(struct vm_target *t)
{
	for (size_t i = 0; i < NKEYS; i++)
		free(*slot(t, i));
	memset(t, 0, sizeof(*t));
}

/* The value of a line cut at its '=': bare, or in double quotes. */
static char *value_of(char *v)
{
	size_t n = strcspn(v, "\r\n");

	v[n] = '\0';
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v++;
	}
	return strdup(v);
}

int vm_target_load(struct vm_target *t, const char *path, char *err,
		   size_t errlen)
{
	char line[4096];
	bool oom = false;
	FILE *f;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "re");
	if (!f) {
		snprintf(
			err, errlen,
			"the embedded target is not built (%s: %s): run 'kmdash target build'",
			path, strerror(errno));
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < NKEYS; i++) {
			if (strcmp(line, keys[i].key))
				continue;
			/* the last one counts, as when a shell sources it */
			free(*slot(t, i));
			*slot(t, i) = value_of(eq + 1);
			oom |= !*slot(t, i);
		}
	}
	fclose(f);
	if (oom) {
		snprintf(err, errlen, "%s: out of memory while reading it",
			 path);
		vm_target_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (!*slot(t, i)) {
			snprintf(
				err, errlen,
				"%s has no %s: rebuild the target with 'kmdash target build'",
				path, keys[i].key);
			vm_target_free(t);
			return -EINVAL;
		}
	}
	return 0;
}

void vm_config_from_target(struct vm_config *c, const struct vm_target *t)
{
	if (c->profile == VM_PROFILE_RPIOS) {
		if (!c->dtb)
			c->dtb = t->dtb_raspi3b;
		return;
	}
	if (!c->kernel)
		c->kernel = t->kernel;
	if (!c->initrd)
		c->initrd = t->initrd;
	if (!c->dtb && c->profile == VM_PROFILE_RASPI3B)
		c->dtb = t->dtb_raspi3b;
	if (!c->net_modules)
		c->net_modules = c->profile == VM_PROFILE_VIRT ?
					 t->virt_modules :
					 t->raspi_modules;
	if (!c->ssh_key)
		c->ssh_key = t->ssh_key;
	if (!c->host_key_pub)
		c->host_key_pub = t->host_key_pub;
	if (!c->ready_marker)
		c->ready_marker = t->ready_marker;
}

void vm_config_set_machine(struct vm_config *c, enum vm_profile machine,
			   const struct vm_target *t)
{
	c->profile = machine;
	c->dtb = NULL;
	c->net_modules = NULL;
	c->memory_mb = 0;
	c->smp = 0;
	vm_config_from_target(c, t);
}
