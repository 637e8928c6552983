/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the target is, for a benchmark's history: kernel release, CPU
 * model, cores, clock, memory, the board (/proc/device-tree/model), and on
 * a Raspberry Pi the temperature and the throttling state
 * (/sys/class/thermal, vcgencmd get_throttled); "n/a" where the target
 * has none (QEMU has no thermal zone and no cpufreq). One remote command,
 * read by one parser: both here.
 */
#ifndef KMDASH_FACTS_H
#define KMDASH_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/module/bench.h"

/* The POSIX sh command (busybox ash too) that prints "key=value" lines. */
const char *facts_command(void);
/* Its output into f; what it lacks is "n/a" (cores, memory: 0). */
void facts_parse(const char *out, struct bench_facts *f);
/*
 * The two describe the same machine (kernel, CPU, cores, board, memory):
 * results of one may be judged against the other's.
 */
bool facts_same_machine(const struct bench_facts *a,
			const struct bench_facts *b);
/* "6.1.0-57-arm64, Cortex-A53 x2, n/a MHz, 977 MiB, linux,dummy-virt" */
void facts_describe(const struct bench_facts *f, char *buf, size_t cap);

#endif
