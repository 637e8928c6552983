/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reads a kernel module's .modinfo section from the .ko file on this host:
 * what deploy needs to say "built for X, the target runs Y" before any
 * upload, and what a benchmark run records (srcversion).
 */
#ifndef KMDASH_MODINFO_H
#define KMDASH_MODINFO_H

#include <stddef.h>

struct modinfo {
	char name[64];
	char vermagic[128];
	char srcversion[64];
	char depends[256];
	char license[64];
	/* "aarch64", "x86_64", ... from the ELF header */
	char machine[16];
};

/*
 * Returns 0, or -errno with a reason in err: not readable, not an ELF
 * relocatable, no .modinfo, truncated or malformed sections.
 */
int modinfo_read(const char *path, struct modinfo *mi, char *err,
		 size_t errlen);
/* Same, from a buffer (the whole file). */
int modinfo_parse(const void *buf, size_t len, struct modinfo *mi, char *err,
		  size_t errlen);

/* The kernel release a vermagic names: its first word. */
void modinfo_vermagic_release(const char *vermagic, char *out, size_t len);

#endif
