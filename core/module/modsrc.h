/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A kernel module's source directory as kbuild reads it, found the way
 * kernel developers work: the nearest directory upwards that has a Kbuild,
 * or a Makefile listing modules (obj-m, obj-$(CONFIG_...)). The modules'
 * names come from those lines: "obj-m += foo.o bar.o" builds foo.ko and
 * bar.ko, whatever objects each is made of ("foo-y := a.o b.o").
 */
#ifndef KMDASH_MODSRC_H
#define KMDASH_MODSRC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define MODSRC_MAX_NAMES 16
#define MODSRC_NAME_MAX 64
/* The longest module name kmdash takes (the config's limit). */
#define MODSRC_NAME_LEN 56

/* What a search looked for, for messages that say so. */
#define MODSRC_LOOKED_FOR \
	"a Kbuild, or a Makefile with obj-m or obj-$(CONFIG_...)"

struct modsrc {
	char dir[PATH_MAX]; /* absolute, symlinks resolved */
	char file[PATH_MAX + 16]; /* the Kbuild or Makefile read */
	size_t n; /* module names found, in file order */
	char names[MODSRC_MAX_NAMES][MODSRC_NAME_MAX];
	/*
	 * a line names modules through variables ("obj-m += $(M).o"), or
	 * with a word that is no module name (modsrc_name_ok)
	 */
	bool unnamed;
};

/*
 * Reads dir's Kbuild, else its Makefile. 0 with m filled (m->n may be 0
 * when the names are variables, or a Kbuild lists none); -ENOENT when dir
 * has neither a Kbuild nor a Makefile listing modules, -errno when dir
 * cannot be read; err says which and what was looked for.
 */
int modsrc_read(const char *dir, struct modsrc *m, char *err, size_t errlen);

/*
 * The nearest module directory from start upwards. The search stops at a
 * kernel tree's root (a module of the tree is found, the tree is not
 * one) and after stop (the home directory; NULL: none). -ENOENT with err
 * naming where it looked and for what.
 */
int modsrc_find(const char *start, const char *stop, struct modsrc *m,
		char *err, size_t errlen);

/* dir is the root of a kernel tree (a Makefile and scripts/Makefile.build). */
bool modsrc_is_kernel_root(const char *dir);

/*
 * The len bytes at s are a module name kmdash takes (from obj-m or the
 * config): 1 to MODSRC_NAME_LEN letters, digits, _ and -, not starting
 * with -. Anything else is a path or a word no module has.
 */
bool modsrc_name_ok(const char *s, size_t len);

/* The names as "a, b, c" ("" for none). */
void modsrc_names_text(const struct modsrc *m, char *buf, size_t cap);

/* Index of name among m's names, or -1. */
int modsrc_name_index(const struct modsrc *m, const char *name);

#endif
