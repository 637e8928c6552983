// SPDX-License-Identifier: GPL-2.0
/*
 * What insmod and rmmod say on the target (busybox or kmod wording, any
 * exit status) and the kernel log lines printed meanwhile, through
 * modexplain() of core/module/modexplain.c; and a module's vermagic
 * against the target's `uname -r` through modexplain_vermagic().
 *
 * Input: an op byte (load or unload, the message buffer's size), the exit
 * status, then "MODULE\0OUTPUT\0KMSG LINE\nKMSG LINE...", missing parts
 * empty. The module name is the config's, not the target's: kept short.
 */
#include <stdlib.h>
#include <string.h>

#include "core/module/modexplain.h"
#include "tests/fuzz/fuzz.h"

#define MAX_KMSG 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t op = fuzz_take(&in), status = fuzz_take(&in);
	char *text = malloc(in.n + 1), *module, *output, *kmsg_text, *s;
	const char *kmsg[MAX_KMSG];
	size_t nkmsg = 0, cap = op & 0x2 ? 16 : 512;
	char *msg = malloc(cap);
	enum moderr e;

	fuzz_assert(text && msg, "malloc");
	memcpy(text, in.p, in.n);
	text[in.n] = '\0';
	module = text;
	output = module + strlen(module);
	if (output < text + in.n)
		output++;
	kmsg_text = output + strlen(output);
	if (kmsg_text < text + in.n)
		kmsg_text++;
	if (strlen(module) > 55)
		module[55] = '\0';
	for (s = kmsg_text; *s && nkmsg < MAX_KMSG;) {
		kmsg[nkmsg++] = s;
		s += strcspn(s, "\n");
		if (*s)
			*s++ = '\0';
	}

	e = modexplain(op & 1 ? MODOP_UNLOAD : MODOP_LOAD, module, status,
		       output, op & 0x4 ? NULL : kmsg, op & 0x4 ? 0 : nkmsg,
		       msg, cap);
	fuzz_assert(e >= MODERR_NONE && e <= MODERR_OTHER, "an error class");
	fuzz_assert(memchr(msg, '\0', cap) != NULL, "the explanation fits");
	e = modexplain_vermagic(module, output, msg, cap);
	fuzz_assert(e == MODERR_NONE || e == MODERR_VERMAGIC,
		    "vermagic: match or mismatch");
	fuzz_assert(memchr(msg, '\0', cap) != NULL, "the explanation fits");
	free(msg);
	free(text);
	return 0;
}
