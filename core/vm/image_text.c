// SPDX-License-Identifier: GPL-2.0
/*
 * The text a Raspberry Pi OS image is prepared from, read without side
 * effects (unit-tested): cmdline.txt, /etc/passwd, QEMU's version line,
 * the image's file name.
 */
#include "core/vm/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmdline.txt's words that do not belong on QEMU's command line. */
static bool dropped(const char *w, size_t n)
{
	static const char *const prefixes[] = {
		"console=", /* serial0 is the firmware's alias; ours is added */
		"splash",
		"plymouth.",
		/* Raspberry Pi Imager's first-run script, which reboots */
		"systemd.run=",
		"systemd.run_success_action=",
		"systemd.unit=kernel-command-line.target",
	};

	if (n == 5 && !strncmp(w, "quiet", 5))
		return true;
	/* the first-boot script re-ids the disk: root=PARTUUID breaks */
	if (n > 5 && !strncmp(w, "init=", 5) && memmem(w, n, "firstboot", 9))
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n >= strlen(prefixes[i]) &&
		    !strncmp(w, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

int image_boot_cmdline(const char *txt, char *out, size_t cap)
{
	const char *p = txt;
	bool root = false, nokaslr = false;
	size_t len;

	len = (size_t)snprintf(out, cap, "%s", VM_RASPI_CONSOLE);
	while (*p) {
		size_t n;

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		if (!n)
			break;
		root |= n > 5 && !strncmp(p, "root=", 5);
		nokaslr |= n == 7 && !strncmp(p, "nokaslr", 7);
		if (!dropped(p, n) && len < cap)
			len += (size_t)snprintf(out + len, cap - len, " %.*s",
						(int)n, p);
		p += n;
	}
	/* KASLR under emulation forces page-table isolation (FACTS.md) */
	if (!nokaslr && len < cap)
		len += (size_t)snprintf(out + len, cap - len, " nokaslr");
	if (len >= cap)
		return -ENAMETOOLONG;
	return root ? 0 : -EINVAL;
}

/* The field'th ':'-separated field of a passwd line, into buf. */
static void field(const char *line, int nth, char *buf, size_t cap)
{
	const char *p = line;

	for (int i = 0; i < nth && p; i++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, cap, "%.*s", (int)strcspn(p, ":\n"), p);
}

int image_find_user(const char *passwd, const char *want,
		    bool (*has_home)(const char *home, void *arg), void *arg,
		    struct image_user *u)
{
	const char *line = passwd;

	for (; line && *line; line = strchr(line, '\n'), line += !!line) {
		char name[64], uid[16], gid[16];
		unsigned long n;
		char *end;

		if (*line == '#' || *line == '\n')
			continue;
		field(line, 0, name, sizeof(name));
		field(line, 2, uid, sizeof(uid));
		field(line, 3, gid, sizeof(gid));
		n = strtoul(uid, &end, 10);
		if (!name[0] || !uid[0] || *end)
			continue;
		if (want ? strcmp(name, want) : n != 1000)
			continue;
		snprintf(u->name, sizeof(u->name), "%s", name);
		u->uid = (unsigned int)n;
		u->gid = (unsigned int)strtoul(gid, NULL, 10);
		field(line, 5, u->home, sizeof(u->home));
		if (u->home[0] == '/' && (!has_home || has_home(u->home, arg)))
			return 0;
		/* the named user has no home: no other will do */
		if (want)
			return -ENOTDIR;
	}
	return -ENOENT;
}

uint64_t image_pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n && p < (UINT64_C(1) << 63))
		p <<= 1;
	return p;
}

int image_qemu_version_parse(const char *text, int *major, int *minor,
			     char *version, size_t cap)
{
	const char *p = strstr(text, "version ");

	if (!p || sscanf(p + 8, "%d.%d", major, minor) != 2)
		return -EINVAL;
	snprintf(version, cap, "%.*s", (int)strcspn(p + 8, " \n("), p + 8);
	return 0;
}

void image_default_name(const char *src, char *buf, size_t cap)
{
	static const char *const suffixes[] = { ".xz", ".img" };
	const char *base = strrchr(src, '/');
	size_t n, o = 0;

	base = base ? base + 1 : src;
	n = strlen(base);
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(suffixes[i]);

		if (n > l && !strncmp(base + n - l, suffixes[i], l))
			n -= l;
	}
	/* names a directory: letters, digits, '.', '_', '-'; at most 64 */
	for (size_t i = 0; i < n && o + 1 < cap && o < 64; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			  c == '-';

		if (!o && (c == '.' || c == '-'))
			continue;
		buf[o++] = ok ? c : '-';
	}
	buf[o] = '\0';
	if (!o)
		snprintf(buf, cap, "rpi");
}
