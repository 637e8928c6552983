// SPDX-License-Identifier: GPL-2.0
/*
 * A .ko file: the whole file through modinfo_parse() of
 * core/module/modinfo.c (ELF32/64, either byte order, every offset
 * checked), the function modinfo_read() runs on a file's bytes; then its
 * vermagic against a target's release, as deploy does before an upload.
 */
#include <string.h>

#include "core/module/modexplain.h"
#include "core/module/modinfo.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modinfo mi;
	char err[256], rel[64], msg[512];
	int r = modinfo_parse(data, size, &mi, err, sizeof(err));

	fuzz_assert(r == 0 || (r < 0 && err[0]), "a refused .ko says why");
	fuzz_assert(memchr(mi.name, '\0', sizeof(mi.name)) &&
			    memchr(mi.vermagic, '\0', sizeof(mi.vermagic)) &&
			    memchr(mi.srcversion, '\0',
				   sizeof(mi.srcversion)) &&
			    memchr(mi.depends, '\0', sizeof(mi.depends)) &&
			    memchr(mi.license, '\0', sizeof(mi.license)) &&
			    memchr(mi.machine, '\0', sizeof(mi.machine)),
		    "modinfo fields are strings");
	if (r)
		return 0;
	fuzz_assert(mi.vermagic[0] != '\0', "a module has a vermagic");
	modinfo_vermagic_release(mi.vermagic, rel, sizeof(rel));
	fuzz_assert(!strchr(rel, ' '), "a release is one word");
	modexplain_vermagic(mi.vermagic, "6.1.0-56-arm64", msg, sizeof(msg));
	return 0;
}
