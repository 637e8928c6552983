// SPDX-License-Identifier: GPL-2.0
/*
 * The action log's shell command lines (core/module/actionlog.h): a VM
 * reached through its runtime ssh_config, a board through ssh's options,
 * QMP as JSON; and, run by /bin/sh with ssh and scp standing in as shell
 * functions, every command hands the exact remote words over, whatever
 * they hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/module/actionlog.h"

static const struct action_ssh vm = {
	.ssh_config = "/run/kmdash/vm-qemu/ssh_config",
};

static void test_vm_load(void **state)
{
	const char *argv[] = { "insmod", "/tmp/kmdash/storage_hash.ko",
			       "max_bytes=67108864", NULL };
	char *remote = action_remote(&vm, argv, true);
	char *cmd = action_ssh_command(&vm, remote);

	assert_string_equal(
		cmd,
		"ssh -F /run/kmdash/vm-qemu/ssh_config kmdash-target 'insmod /tmp/kmdash/storage_hash.ko max_bytes=67108864'");
	free(remote);
	free(cmd);
}

static void test_board(void **state)
{
	struct action_ssh pi = { .host = "192.168.1.50",
				 .port = 2222,
				 .user = "pi",
				 .jump = "me@build.example.com",
				 .sudo = true };
	const char *argv[] = { "rmmod", "storage_hash", NULL };
	const char *files[] = { "/home/me/m.ko", NULL };
	char *remote = action_remote(&pi, argv, true);
	char *cmd = action_ssh_command(&pi, remote), *json;

	assert_string_equal(
		cmd,
		"ssh -p 2222 -J me@build.example.com pi@192.168.1.50 'sudo -n rmmod storage_hash'");
	free(cmd);
	cmd = action_scp_command(&pi, files, "/home/pi/kmdash");
	assert_string_equal(
		cmd,
		"scp -P 2222 -J me@build.example.com /home/me/m.ko pi@192.168.1.50:/home/pi/kmdash/");
	free(cmd);
	cmd = action_qmp_command("/run/vm-qemu/qmp.sock", "system_reset",
				 &json);
	assert_string_equal(json, "{\"execute\":\"system_reset\"}");
	assert_string_equal(
		cmd,
		"printf '%s\\n' '{\"execute\":\"qmp_capabilities\"}' '{\"execute\":\"system_reset\"}' | socat - UNIX-CONNECT:/run/vm-qemu/qmp.sock");
	free(json);
	free(cmd);
	free(remote);
}

/*
 * The command run by sh with ssh a function that runs its last word as
 * the remote shell would (sh -c): what the "target" printed.
 */
static void through_sh(const char *cmd, char *out, size_t cap)
{
	char *script;
	const char *argv[4] = { "sh", "-c", NULL, NULL };
	int fds[2];
	size_t n = 0;
	pid_t pid;

	assert_true(asprintf(&script,
			     "ssh() { for a; do :; done; sh -c \"$a\"; }; %s",
			     cmd) > 0);
	argv[2] = script;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv("/bin/sh", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	for (ssize_t r; (r = read(fds[0], out + n, cap - 1 - n)) > 0;)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	waitpid(pid, NULL, 0);
	free(script);
}

static void test_hostile_words_arrive(void **state)
{
	const char *words[] = { "printf", "[%s]",
				"it's",	  "$(touch /tmp/kmdash-pwned)",
				"a b",	  "`id`",
				"x=y",	  "'\\''",
				NULL };
	char out[512];
	char *remote = action_remote(&vm, words, false);
	char *cmd = action_ssh_command(&vm, remote);

	through_sh(cmd, out, sizeof(out));
	assert_string_equal(
		out,
		"[it's][$(touch /tmp/kmdash-pwned)][a b][`id`][x=y]['\\'']");
	assert_int_equal(access("/tmp/kmdash-pwned", F_OK), -1);
	free(remote);
	free(cmd);
}

static void test_bounded(void **state)
{
	struct actionlog *al = actionlog_new(3);

	for (int i = 0; i < 5; i++) {
		char what[16];

		snprintf(what, sizeof(what), "a%d", i);
		assert_non_null(actionlog_add(al, AK_LOAD, what, "true", NULL));
	}
	assert_int_equal(actionlog_count(al), 3);
	assert_int_equal(actionlog_total(al), 5);
	assert_string_equal(actionlog_at(al, 0)->what, "a2");
	assert_string_equal(actionlog_at(al, 2)->what, "a4");
	assert_null(actionlog_at(al, 3));
	assert_string_equal(action_kind_name(AK_UNLOAD), "unload");
	actionlog_free(al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_load),
		cmocka_unit_test(test_board),
		cmocka_unit_test(test_hostile_words_arrive),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
