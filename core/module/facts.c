// SPDX-License-Identifier: GPL-2.0
/* The target's facts for a benchmark (facts.h). */
#include "core/module/facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every line "key=value"; a file that is not there prints nothing. The
 * device tree's strings end in NUL bytes (tr removes them).
 */
static const char command[] =
	"echo release=$(uname -r); "
	"echo cores=$(grep -c '^processor' /proc/cpuinfo); "
	"sed -n -e 's/^model name[[:space:]]*: */cpu=/p' "
	"-e 's/^CPU implementer[[:space:]]*: */implementer=/p' "
	"-e 's/^CPU part[[:space:]]*: */part=/p' /proc/cpuinfo | sort -u; "
	"f=/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq; "
	"[ -r $f ] && echo khz=$(cat $f); "
	"sed -n 's/^MemTotal: *\\([0-9]*\\) kB/mem_kb=\\1/p' /proc/meminfo; "
	"[ -r /proc/device-tree/model ] && "
	"echo board=$(tr -d '\\000' </proc/device-tree/model); "
	"for z in /sys/class/thermal/thermal_zone*/temp; do "
	"[ -r $z ] && echo temp_mc=$(cat $z) && break; done; "
	"command -v vcgencmd >/dev/null 2>&1 && "
	"echo throttled=$(vcgencmd get_throttled | sed 's/.*=//'); "
	"true";

const char *facts_command(void)
{
	return command;
}

/* ARM's part numbers of the cores a Pi-class board has (MIDR). */
static const char *arm_part(unsigned long part)
{
	static const struct {
		unsigned long part;
		const char *name;
	} parts[] = {
		{ 0xd03, "Cortex-A53" },  { 0xd04, "Cortex-A35" },
		{ 0xd05, "Cortex-A55" },  { 0xd07, "Cortex-A57" },
		{ 0xd08, "Cortex-A72" },  { 0xd09, "Cortex-A73" },
		{ 0xd0a, "Cortex-A75" },  { 0xd0b, "Cortex-A76" },
		{ 0xd0c, "Neoverse-N1" }, { 0xd0d, "Cortex-A77" },
		{ 0xd41, "Cortex-A78" },  { 0xd46, "Cortex-A510" },
		{ 0xd47, "Cortex-A710" }, { 0xd4b, "Cortex-A78C" },
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].part == part)
			return parts[i].name;
	return NULL;
}

/* The value of "key=" in out, trimmed, into dst; false if none. */
static bool value_of(const char *out, const char *key, char *dst, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *l = out; l && *l;
	     l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t len = strcspn(l, "\n");

		if (len > kl && !strncmp(l, key, kl) && l[kl] == '=') {
			const char *v = l + kl + 1;

			len -= kl + 1;
			while (len && (v[len - 1] == '\r' || v[len - 1] == ' '))
				len--;
			if (!len)
				return false;
			snprintf(dst, cap, "%.*s", (int)len, v);
			return true;
		}
	}
	return false;
}

void facts_parse(const char *out, struct bench_facts *f)
{
	char v[128], impl[32];

	memset(f, 0, sizeof(*f));
	if (!value_of(out, "release", f->release, sizeof(f->release)))
		snprintf(f->release, sizeof(f->release), "n/a");
	if (value_of(out, "cores", v, sizeof(v)))
		f->cores = atoi(v);
	if (!value_of(out, "cpu", f->cpu, sizeof(f->cpu))) {
		const char *name = NULL;

		if (value_of(out, "part", v, sizeof(v)))
			name = arm_part(strtoul(v, NULL, 16));
		if (name && value_of(out, "implementer", impl, sizeof(impl)) &&
		    strtoul(impl, NULL, 16) == 0x41)
			snprintf(f->cpu, sizeof(f->cpu), "%s", name);
		else if (value_of(out, "part", v, sizeof(v)))
			snprintf(f->cpu, sizeof(f->cpu), "part %.32s", v);
		else
			snprintf(f->cpu, sizeof(f->cpu), "n/a");
	}
	if (value_of(out, "khz", v, sizeof(v)))
		snprintf(f->mhz, sizeof(f->mhz), "%u",
			 (unsigned int)(strtoul(v, NULL, 10) / 1000 % 1000000));
	else
		snprintf(f->mhz, sizeof(f->mhz), "n/a");
	if (value_of(out, "mem_kb", v, sizeof(v)))
		f->mem_kb = strtoull(v, NULL, 10);
	if (!value_of(out, "board", f->board, sizeof(f->board)))
		snprintf(f->board, sizeof(f->board), "n/a");
	if (value_of(out, "temp_mc", v, sizeof(v)))
		snprintf(f->temp_c, sizeof(f->temp_c), "%.1f",
			 strtol(v, NULL, 10) / 1000.0);
	else
		snprintf(f->temp_c, sizeof(f->temp_c), "n/a");
	if (!value_of(out, "throttled", f->throttled, sizeof(f->throttled)))
		snprintf(f->throttled, sizeof(f->throttled), "n/a");
}

bool facts_same_machine(const struct bench_facts *a,
			const struct bench_facts *b)
{
	return !strcmp(a->release, b->release) && !strcmp(a->cpu, b->cpu) &&
	       a->cores == b->cores && !strcmp(a->board, b->board) &&
	       a->mem_kb == b->mem_kb;
}

void facts_describe(const struct bench_facts *f, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s, %s x%d, %s MHz, %llu MiB, %s",
		 f->release[0] ? f->release : "n/a", f->cpu[0] ? f->cpu : "n/a",
		 f->cores, f->mhz[0] ? f->mhz : "n/a",
		 (unsigned long long)(f->mem_kb / 1024),
		 f->board[0] ? f->board : "n/a");
}
