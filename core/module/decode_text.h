/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pasted kernel trace, decoded: the text of `kmdash decode`. Reads any
 * mix of log lines (a serial console, dmesg, /dev/kmsg records, syslog,
 * a bug report; any number of blocks), and writes every line back, made
 * safe for a terminal, with the decoded source line under each frame.
 *
 * Which file decodes a module's frames: with --ko that file alone;
 * otherwise the configured .ko and the copies kept at deploy time
 * (core/module/kostore.h), the first (configured first, then the newest
 * copy) whose functions fit every frame of the trace. The output says
 * which file and build id it used, and why each frame it could not decode
 * was not.
 */
#ifndef KMDASH_DECODE_TEXT_H
#define KMDASH_DECODE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/module/decode.h"

struct decode_text_opts {
	const char *ko; /* the module's .ko (NULL: none) */
	bool ko_only; /* the user named it: no other candidate */
	const char *store_dir; /* kept copies, NULL: none */
	const char *vmlinux; /* a debug vmlinux for the kernel's frames */
	const struct decode_map *maps;
	size_t nmaps;
	const char *base; /* paths shown relative to it; NULL: absolute */
};

struct decode_text_stats {
	size_t frames; /* frame lines read */
	size_t module_frames; /* of them, in a module */
	size_t decoded; /* frames decoded (module or kernel) */
	size_t failed; /* module frames not decoded */
};

/*
 * 0 when every frame of a module was decoded, 1 when some were not (each
 * says why in the output), -errno with err when in could not be read.
 */
int decode_text(FILE *in, FILE *out, const struct decode_text_opts *o,
		struct decode_text_stats *st, char *err, size_t errlen);

#endif
