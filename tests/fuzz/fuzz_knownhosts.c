// SPDX-License-Identifier: GPL-2.0
/*
 * known_hosts, and the host key a server sends: the file through
 * knownhosts_check() and knownhosts_types() of core/ssh/knownhosts.c for
 * a few hosts and ports (plain, hashed, patterns, [host]:port), and the
 * input also taken as the key blob a server sent: its type and
 * fingerprint, appended with knownhosts_add(), after which the check must
 * find it.
 */
#include <stdio.h>
#include <string.h>

#include "core/ssh/knownhosts.h"
#include "tests/fuzz/fuzz.h"

/* The ed25519 key of tests/fuzz/seeds.sh's known_hosts seeds. */
static const unsigned char ed25519_blob[] = {
	0,   0,	  0,  11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5',
	'1', '9', 0,  0,  0,   32,  1,	 2,   3,   4,	5,   6,	  7,
	8,   9,	  10, 11, 12,  13,  14,	 15,  16,  17,	18,  19,  20,
	21,  22,  23, 24, 25,  26,  27,	 28,  29,  30,	31,  32
};

static const struct {
	const char *host;
	int port;
} hosts[] = { { "127.0.0.1", 2222 }, { "pi.lab", 22 }, { "10.0.2.15", 0 } };

static bool one_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static void server_blob(const uint8_t *data, size_t size)
{
	char type[80], fp[KH_FP_LEN], err[512], path[4096];
	struct kh_check kc;

	knownhosts_blob_type(data, size, type, sizeof(type));
	fuzz_assert(one_word(type), "a key type is one word");
	knownhosts_fingerprint(data, size, fp);
	fuzz_assert(!strncmp(fp, "SHA256:", 7), "fingerprint");
	snprintf(path, sizeof(path), "%s", fuzz_file("added", "", 0));
	fuzz_assert(!knownhosts_add(path, "127.0.0.1", 2222, data, size, err,
				    sizeof(err)),
		    "knownhosts_add");
	fuzz_assert(!knownhosts_check(path, "127.0.0.1", 2222, data, size, &kc,
				      err, sizeof(err)),
		    "knownhosts_check");
	/* the key file holds at most 8 KiB blobs: bigger is no host key */
	if (size && size <= 6144)
		fuzz_assert(kc.result == KH_MATCH,
			    "a key just added is found again");
	fuzz_assert(!knownhosts_check(path, "pi.lab", 22, ed25519_blob,
				      sizeof(ed25519_blob), &kc, err,
				      sizeof(err)) &&
			    kc.result == KH_NOTFOUND,
		    "a key added for one host names no other host");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("known_hosts", data, size);
	char err[512], types[256];
	struct kh_check kc;

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		fuzz_assert(!knownhosts_check(path, hosts[i].host,
					      hosts[i].port, ed25519_blob,
					      sizeof(ed25519_blob), &kc, err,
					      sizeof(err)),
			    "knownhosts_check reads a file it can open");
		fuzz_assert(kc.result != KH_CHANGED || kc.line > 0,
			    "a stale key has its line");
		knownhosts_types(path, hosts[i].host, hosts[i].port, types,
				 sizeof(types));
		fuzz_assert(strlen(types) < sizeof(types), "types fit");
	}
	server_blob(data, size);
	return 0;
}
