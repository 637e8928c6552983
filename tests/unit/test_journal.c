// SPDX-License-Identifier: GPL-2.0
/*
 * The session journal: where it goes, who may read it, that each call is
 * on disk when it returns (even if kmdash is killed right after), and that
 * a failing stream is switched off with a reason instead of crashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/journal.h"

/* 2026-11-21 09:30:00 UTC */
#define START ((time_t)1795253400)

static char tmp[PATH_MAX];

static char *read_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static bool starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) == 0)
		return true;
	print_error("\"%s\" does not start with \"%s\"\n", s, prefix);
	return false;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_layout_and_permissions(void **state)
{
	struct journal_opts o = { .target = "qemu",
				  .state_dir = tmp,
				  .start = START };
	char err[256], want[PATH_MAX + 64], path[PATH_MAX + 64];
	struct journal *a, *b;

	a = journal_open(&o, err, sizeof(err));
	assert_non_null(a);
	snprintf(want, sizeof(want), "%s/qemu/20261121-093000", tmp);
	assert_string_equal(journal_dir(a), want);
	assert_int_equal(mode_of(journal_dir(a)), 0700);
	snprintf(path, sizeof(path), "%s/qemu", tmp);
	assert_int_equal(mode_of(path), 0700);
	/* the same second again: a suffix */
	b = journal_open(&o, err, sizeof(err));
	assert_non_null(b);
	snprintf(want, sizeof(want), "%s/qemu/20261121-093000-2", tmp);
	assert_string_equal(journal_dir(b), want);
	/* files appear on first use, private */
	snprintf(path, sizeof(path), "%s/build.log", journal_dir(a));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(journal_line(a, JOURNAL_BUILD, "CC x.o"), 0);
	assert_int_equal(mode_of(path), 0600);
	for (int s = 0; s < JOURNAL_NSTREAMS; s++) {
		assert_int_equal(
			journal_write(a, (enum journal_stream)s, "", 0), 0);
		assert_null(journal_error(a, (enum journal_stream)s));
	}
	assert_string_equal(journal_stream_name(JOURNAL_CONSOLE),
			    "console.raw");
	assert_string_equal(journal_stream_name(JOURNAL_KMSG), "kmsg.log");
	assert_string_equal(journal_stream_name(JOURNAL_ACTIONS),
			    "actions.log");
	assert_string_equal(journal_stream_name(JOURNAL_BENCH), "bench.jsonl");
	journal_close(a);
	journal_close(b);
}

static void test_target_name_is_one_directory(void **state)
{
	struct journal_opts o = { .target = "../../etc/x y",
				  .state_dir = tmp,
				  .start = START };
	char err[256], want[PATH_MAX + 64];
	struct journal *j = journal_open(&o, err, sizeof(err));

	assert_non_null(j);
	snprintf(want, sizeof(want), "%s/.._.._etc_x_y/20261121-093000", tmp);
	assert_string_equal(journal_dir(j), want);
	journal_close(j);
	o.target = "..";
	j = journal_open(&o, err, sizeof(err));
	snprintf(want, sizeof(want), "%s/target/20261121-093000", tmp);
	assert_string_equal(journal_dir(j), want);
	journal_close(j);
}

static void test_every_call_is_on_disk(void **state)
{
	struct journal_opts o = { .target = "disk",
				  .state_dir = tmp,
				  .start = START };
	char err[256], *s, big[5000];
	struct journal *j = journal_open(&o, err, sizeof(err));

	assert_non_null(j);
	assert_int_equal(
		journal_write(j, JOURNAL_CONSOLE, "\x1b[1mboot\r\n\0x", 12), 0);
	s = read_file(journal_dir(j), "console.raw");
	assert_memory_equal(s, "\x1b[1mboot\r\n\0x", 12);
	free(s);
	assert_int_equal(journal_line(j, JOURNAL_KMSG,
				      "[    1.000000] info   #1 hello"),
			 0);
	s = read_file(journal_dir(j), "kmsg.log");
	assert_string_equal(s, "[    1.000000] info   #1 hello\n");
	free(s);
	assert_int_equal(
		journal_printf(j, JOURNAL_BENCH, "{\"ops\":%d}", 110000), 0);
	assert_int_equal(
		journal_printf(j, JOURNAL_BENCH, "{\"ops\":%d}", 90000), 0);
	s = read_file(journal_dir(j), "bench.jsonl");
	assert_string_equal(s, "{\"ops\":110000}\n{\"ops\":90000}\n");
	free(s);
	/* a line longer than the stack buffer */
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(journal_line(j, JOURNAL_BUILD, big), 0);
	s = read_file(journal_dir(j), "build.log");
	assert_int_equal(strlen(s), sizeof(big));
	assert_int_equal(s[sizeof(big) - 1], '\n');
	free(s);
	assert_int_equal(journal_action(j, "build %s", "started"), 0);
	s = read_file(journal_dir(j), "actions.log");
	/* "YYYY-MM-DD HH:MM:SS.mmm build started\n" */
	assert_int_equal(strlen(s), 24 + strlen("build started\n"));
	assert_int_equal(s[4], '-');
	assert_int_equal(s[19], '.');
	assert_string_equal(s + 24, "build started\n");
	free(s);
	journal_close(j);
}

/* A child writes, then is killed -9: everything written is there. */
static void test_kill_9_loses_nothing(void **state)
{
	struct journal_opts o = { .target = "kill",
				  .state_dir = tmp,
				  .start = START };
	char err[256], dir[PATH_MAX], *s;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *j = journal_open(&o, err, sizeof(err));

		if (!j)
			_exit(2);
		journal_action(j, "deploy storage_hash.ko");
		journal_line(j, JOURNAL_KMSG, "record 1");
		journal_write(j, JOURNAL_CONSOLE, "login: ", 7);
		if (write(fds[1], journal_dir(j), strlen(journal_dir(j)) + 1) <
		    0)
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	close(fds[1]);
	assert_true(read(fds[0], dir, sizeof(dir)) > 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	s = read_file(dir, "kmsg.log");
	assert_string_equal(s, "record 1\n");
	free(s);
	s = read_file(dir, "console.raw");
	assert_string_equal(s, "login: ");
	free(s);
	s = read_file(dir, "actions.log");
	assert_non_null(strstr(s, " deploy storage_hash.ko\n"));
	free(s);
}

static void test_cannot_create_directory(void **state)
{
	char base[PATH_MAX + 128], file[PATH_MAX + 64], err[512],
		want[PATH_MAX + 256];
	struct journal_opts o = { .target = "t", .start = START };
	FILE *f;

	/* a file where a directory must go (root ignores permissions) */
	snprintf(file, sizeof(file), "%s/plainfile", tmp);
	f = fopen(file, "w");
	fclose(f);
	snprintf(base, sizeof(base), "%s/kmdash", file);
	o.state_dir = base;
	assert_null(journal_open(&o, err, sizeof(err)));
	snprintf(
		want, sizeof(want),
		"journal: cannot create %s/t: Not a directory (set XDG_STATE_HOME to a writable directory)",
		base);
	assert_string_equal(err, want);
	unlink(file);
}

static void test_stream_that_cannot_open(void **state)
{
	struct journal_opts o = { .target = "ro",
				  .state_dir = tmp,
				  .start = START };
	char err[256], path[PATH_MAX + 64];
	struct journal *j = journal_open(&o, err, sizeof(err));
	const char *why;

	/* build.log is a directory: the stream is off, the others work */
	snprintf(path, sizeof(path), "%s/build.log", journal_dir(j));
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(journal_line(j, JOURNAL_BUILD, "x"), -EISDIR);
	why = journal_error(j, JOURNAL_BUILD);
	assert_non_null(why);
	assert_true(starts_with(
		why,
		"build.log: cannot open: Is a directory (journal stream disabled; see "));
	assert_int_equal(journal_line(j, JOURNAL_BUILD, "y"), -EISDIR);
	assert_int_equal(journal_line(j, JOURNAL_KMSG, "fine"), 0);
	assert_null(journal_error(j, JOURNAL_KMSG));
	rmdir(path);
	journal_close(j);
}

/* A write that fails (file size limit: EFBIG) disables just that stream. */
static void test_write_error_disables_stream(void **state)
{
	struct journal_opts o = { .target = "full",
				  .state_dir = tmp,
				  .start = START };
	int fds[2], status;
	pid_t pid;
	char msg[512] = "";

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 100, 100 };
		char err[256], big[300];
		struct journal *j;
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		j = journal_open(&o, err, sizeof(err));
		if (!j || setrlimit(RLIMIT_FSIZE, &rl))
			_exit(2);
		memset(big, 'x', sizeof(big));
		journal_write(j, JOURNAL_CONSOLE, big, 60);
		rc = journal_write(j, JOURNAL_CONSOLE, big, sizeof(big));
		dprintf(fds[1], "%d|%s|%d", rc,
			journal_error(j, JOURNAL_CONSOLE),
			journal_line(j, JOURNAL_ACTIONS, "still fine"));
		journal_close(j);
		_exit(0);
	}
	close(fds[1]);
	assert_true(read(fds[0], msg, sizeof(msg) - 1) > 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(starts_with(
		msg,
		"-27|console.raw: write failed: File too large (journal stream disabled; see "));
	assert_non_null(strstr(msg, ")|0"));
}

/*
 * The disk fills (a 64 KiB tmpfs, in a mount namespace of a child): the
 * stream pauses, counts what it could not write, the other calls go on;
 * when there is room again (the tmpfs grows) the next write after the
 * retry interval puts a marker line, then the record.
 */
static void disk_full_child(const char *dir, int out)
{
	struct journal_opts o = { .target = "t",
				  .state_dir = dir,
				  .start = START };
	char err[256], line[200], *log;
	struct journal *j;
	int ok = 0, lost = 0, rc = 0;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=64k")) {
		dprintf(out, "skip: cannot mount a tmpfs (%s)",
			strerror(errno));
		_exit(0);
	}
	j = journal_open(&o, err, sizeof(err));
	if (!j)
		_exit(2);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	while (ok < 10000 && (rc = journal_line(j, JOURNAL_KMSG, line)) == 0)
		ok++;
	dprintf(out, "full %d %d|", rc, journal_full(j));
	for (; lost < 9; lost++)
		journal_line(j, JOURNAL_KMSG, "lost");
	dprintf(out, "other %d|", journal_action(j, "a"));
	if (mount("tmpfs", dir, "tmpfs", MS_REMOUNT, "size=1m"))
		_exit(3);
	dprintf(out, "soon %d|", journal_line(j, JOURNAL_KMSG, "too soon"));
	usleep(1100 * 1000);
	rc = journal_line(j, JOURNAL_KMSG, "after");
	dprintf(out, "after %d %d|", rc, journal_full(j));
	log = read_file(journal_dir(j), "kmsg.log");
	dprintf(out, "%s", log ? strstr(log, "\n-- journal") : "(none)");
	free(log);
	/* actions.log, paused by the same disk, resumed with it */
	log = read_file(journal_dir(j), "actions.log");
	dprintf(out, "|actions: %s",
		log ? strstr(log, "-- journal: recording resumed: 1 writes") :
		      "(none)");
	free(log);
	journal_close(j);
	_exit(0);
}

static void test_disk_full_pauses_then_resumes(void **state)
{
	char dir[PATH_MAX + 8], msg[4096] = "";
	int fds[2], status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/small", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		disk_full_child(dir, fds[1]);
	close(fds[1]);
	for (size_t n = 0, r; n < sizeof(msg) - 1; n += r)
		if ((r = (size_t)read(fds[0], msg + n, sizeof(msg) - 1 - n)) ==
			    0 ||
		    r == (size_t)-1)
			break;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!strncmp(msg, "skip:", 5)) {
		skip();
	}
	/* the 64 KiB filled: -ENOSPC, said by journal_full() */
	assert_true(starts_with(msg, "full -28 1|"));
	/* actions.log is on the same full disk: paused too, not failed */
	assert_non_null(strstr(msg, "|other -28|"));
	/* room again, but not tried again before a second has passed */
	assert_non_null(strstr(msg, "|soon -28|"));
	assert_non_null(strstr(msg, "|after 0 0|"));
	/*
	 * On a line of its own (after the one the full disk cut, if it cut
	 * one), the marker counts that one, the 9 "lost" and "too soon":
	 * 11 writes; then the record.
	 */
	assert_non_null(
		strstr(msg, "\n-- journal: recording resumed: 11 writes ("));
	assert_non_null(
		strstr(msg, " bytes) lost while the disk was full for "));
	assert_non_null(strstr(msg, " s --\nafter\n"));
	assert_non_null(strstr(msg, "|actions: -- journal: recording resumed"));
}

static void test_default_location(void **state)
{
	char err[256], want[PATH_MAX + 64];
	struct journal_opts o = { .target = "pi", .start = START };
	struct journal *j;

	setenv("XDG_STATE_HOME", tmp, 1);
	j = journal_open(&o, err, sizeof(err));
	snprintf(want, sizeof(want), "%s/kmdash/pi/20261121-093000", tmp);
	assert_string_equal(journal_dir(j), want);
	journal_close(j);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", tmp, 1);
	j = journal_open(&o, err, sizeof(err));
	snprintf(want, sizeof(want),
		 "%s/.local/state/kmdash/pi/20261121-093000", tmp);
	assert_string_equal(journal_dir(j), want);
	journal_close(j);
}

static int setup(void **state)
{
	snprintf(tmp, sizeof(tmp), "/tmp/kmdash-test-journal.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_permissions),
		cmocka_unit_test(test_target_name_is_one_directory),
		cmocka_unit_test(test_every_call_is_on_disk),
		cmocka_unit_test(test_kill_9_loses_nothing),
		cmocka_unit_test(test_cannot_create_directory),
		cmocka_unit_test(test_stream_that_cannot_open),
		cmocka_unit_test(test_write_error_disables_stream),
		cmocka_unit_test(test_disk_full_pauses_then_resumes),
		cmocka_unit_test(test_default_location),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
