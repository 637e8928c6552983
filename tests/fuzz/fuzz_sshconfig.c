// SPDX-License-Identifier: GPL-2.0
/*
 * ~/.ssh/config: the file through sshconfig_lookup() of
 * core/ssh/sshconfig.c for a few aliases (patterns, Match, Include of
 * other files of ~/.ssh, %-tokens), and each ProxyJump found through
 * sshconfig_parse_jump().
 *
 * HOME is private. An Include of an absolute path (or through ~/) would
 * read the whole machine: such inputs are skipped, relative Includes stay
 * inside the private ~/.ssh.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/ssh/sshconfig.h"
#include "tests/fuzz/fuzz.h"

static const char *const aliases[] = { "target", "pi.lab", "10.0.2.15" };
static char home[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(home, sizeof(home), "%s/home", fuzz_dir());
	return 0;
}

static bool reaches_outside(const uint8_t *data, size_t size)
{
	static const char kw[] = "include";

	if (!memchr(data, '/', size))
		return false;
	for (size_t i = 0; i + sizeof(kw) - 1 <= size; i++)
		if (!strncasecmp((const char *)data + i, kw, sizeof(kw) - 1))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	struct sshconfig sc;
	char err[512], user[SSHCONFIG_STR], host[SSHCONFIG_STR];
	int port;

	if (reaches_outside(data, size))
		return -1; /* not added to the corpus */
	path = fuzz_file("home/.ssh/config", data, size);
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		err[0] = '\0';
		if (sshconfig_lookup(path, aliases[i], home, "dev", &sc, err,
				     sizeof(err))) {
			fuzz_assert(err[0] != '\0', "a refused file says why");
			continue;
		}
		fuzz_assert(sc.nidentity >= 0 &&
				    sc.nidentity <= SSHCONFIG_MAX_IDENTITIES,
			    "identities");
		fuzz_assert(sc.port >= 0 && sc.port <= 65535, "port");
		if (sc.proxyjump[0] &&
		    !sshconfig_parse_jump(sc.proxyjump, user, sizeof(user),
					  host, sizeof(host), &port))
			fuzz_assert(host[0] && port >= 0 && port <= 65535,
				    "a jump host parsed has a host");
		if (sc.hostname[0])
			sshconfig_match_list(sc.hostname, aliases[i]);
	}
	return 0;
}
