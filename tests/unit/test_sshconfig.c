// SPDX-License-Identifier: GPL-2.0
/* ssh_config lookups against fixture files written to a private dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

#include "core/ssh/sshconfig.h"

static char dir[256];

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/kmdash-sshconfig.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char ssh[300];

	snprintf(ssh, sizeof(ssh), "%s/.ssh", dir);
	mkdir(ssh, 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int lookup(const char *file, const char *alias, struct sshconfig *c)
{
	char path[512], err[256] = "";
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	rc = sshconfig_lookup(path, alias, dir, "alice", c, err, sizeof(err));
	if (rc)
		print_message("err: %s\n", err);
	return rc;
}

static void test_first_value_wins(void **state)
{
	struct sshconfig c;

	put("c1", "# comment\n"
		  "Host pi\n"
		  "    HostName 10.0.0.7\n"
		  "    Port 2222\n"
		  "    User pi\n"
		  "    IdentityFile ~/.ssh/id_pi\n"
		  "Host *\n"
		  "    User nobody\n"
		  "    Port 22\n"
		  "    IdentityFile %d/.ssh/id_%r@%h:%p\n"
		  "    IdentitiesOnly yes\n"
		  "    UserKnownHostsFile ~/kh/%u\n");
	assert_int_equal(lookup("c1", "pi", &c), 0);
	assert_string_equal(c.hostname, "10.0.0.7");
	assert_int_equal(c.port, 2222);
	assert_string_equal(c.user, "pi");
	assert_int_equal(c.nidentity, 2);
	char want[512];

	snprintf(want, sizeof(want), "%s/.ssh/id_pi", dir);
	assert_string_equal(c.identity[0], want);
	snprintf(want, sizeof(want), "%s/.ssh/id_pi@10.0.0.7:2222", dir);
	assert_string_equal(c.identity[1], want);
	assert_int_equal(c.identities_only, 1);
	snprintf(want, sizeof(want), "%s/kh/alice", dir);
	assert_string_equal(c.known_hosts, want);

	/* Another alias only gets the catch-all block. */
	assert_int_equal(lookup("c1", "other", &c), 0);
	assert_string_equal(c.hostname, "");
	assert_int_equal(c.port, 22);
	assert_string_equal(c.user, "nobody");
	snprintf(want, sizeof(want), "%s/.ssh/id_nobody@other:22", dir);
	assert_string_equal(c.identity[0], want);
}

static void test_patterns_and_negation(void **state)
{
	struct sshconfig c;

	put("c2", "Host board-? !board-x\n"
		  "  HostName %h.lab\n"
		  "Host=*.lab,other\n"
		  "  Port=2200\n"
		  "Match host foo\n"
		  "  User matched\n"
		  "Host \"quoted one\"\n"
		  "  User q\n");
	assert_int_equal(lookup("c2", "board-1", &c), 0);
	assert_string_equal(c.hostname, "board-1.lab");
	assert_int_equal(c.port, 0);
	assert_string_equal(c.user, "");
	assert_int_equal(lookup("c2", "board-x", &c), 0);
	assert_string_equal(c.hostname, "");
	assert_int_equal(lookup("c2", "BOARD-2", &c), 0);
	assert_string_equal(c.hostname, "BOARD-2.lab");
	assert_int_equal(lookup("c2", "x.lab", &c), 0);
	assert_int_equal(c.port, 2200);
	assert_int_equal(lookup("c2", "board-12", &c), 0);
	assert_string_equal(c.hostname, "");
	assert_true(sshconfig_match_list("a*,b?c", "bxc"));
	assert_false(sshconfig_match_list("*,!bad", "bad"));
	assert_false(sshconfig_match_list("!bad", "good"));
	assert_true(sshconfig_match_list("*a*b*", "xxaxxbxx"));
}

static void test_proxyjump_and_include(void **state)
{
	struct sshconfig c;
	char u[64], h[256];
	int port;

	put(".ssh/inc.conf",
	    "Host pi\n  ProxyJump me@cloud.example:2201,second\n"
	    "  IdentitiesOnly no\n");
	put("c3", "Include ~/.ssh/inc.conf\nHost pi\n  ProxyJump other\n");
	assert_int_equal(lookup("c3", "pi", &c), 0);
	assert_string_equal(c.proxyjump, "me@cloud.example:2201,second");
	assert_int_equal(c.identities_only, 0);
	assert_int_equal(sshconfig_parse_jump(c.proxyjump, u, sizeof(u), h,
					      sizeof(h), &port),
			 0);
	assert_string_equal(u, "me");
	assert_string_equal(h, "cloud.example");
	assert_int_equal(port, 2201);
	assert_int_equal(sshconfig_parse_jump("[::1]:22", u, sizeof(u), h,
					      sizeof(h), &port),
			 0);
	assert_string_equal(u, "");
	assert_string_equal(h, "::1");
	assert_int_equal(port, 22);
	assert_int_equal(sshconfig_parse_jump("jump", u, sizeof(u), h,
					      sizeof(h), &port),
			 0);
	assert_int_equal(port, 0);
	assert_int_equal(sshconfig_parse_jump("h:99999", u, sizeof(u), h,
					      sizeof(h), &port),
			 -EINVAL);
}

static void test_errors_and_missing(void **state)
{
	struct sshconfig c;
	char err[256] = "", path[512];

	/* No file: an empty result, as with OpenSSH. */
	assert_int_equal(lookup("does-not-exist", "pi", &c), 0);
	assert_int_equal(c.identities_only, -1);
	put("c4", "Host pi\n  Port abc\n");
	snprintf(path, sizeof(path), "%s/c4", dir);
	assert_int_equal(sshconfig_lookup(path, "pi", dir, "alice", &c, err,
					  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "c4:2: bad Port 'abc'"));
	/* Include loops are cut. */
	put(".ssh/loop.conf", "Include ~/.ssh/loop.conf\n");
	put("c5", "Include loop.conf\n");
	snprintf(path, sizeof(path), "%s/c5", dir);
	assert_int_equal(sshconfig_lookup(path, "pi", dir, "alice", &c, err,
					  sizeof(err)),
			 -ELOOP);
	assert_non_null(strstr(err, "Include nested too deeply"));
	/* More patterns than the list holds: said, not written past it. */
	char many[2048] = "Host";

	for (int i = 0; i < 300; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 " h%03d", i);
	strcat(many, "\n  Port 2222\n");
	put("c6", many);
	snprintf(path, sizeof(path), "%s/c6", dir);
	assert_int_equal(sshconfig_lookup(path, "pi", dir, "alice", &c, err,
					  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "c6:1: Host line too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_value_wins),
		cmocka_unit_test(test_patterns_and_negation),
		cmocka_unit_test(test_proxyjump_and_include),
		cmocka_unit_test(test_errors_and_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
