// SPDX-License-Identifier: GPL-2.0
/*
 * Build ids (from the .ko, from the target's sysfs note as `od` prints
 * it) and the store of deployed copies: exact bytes, one copy per id,
 * the newest KOSTORE_KEEP and the pinned ones kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/module/decode.h"
#include "core/module/kostore.h"

static char ko[PATH_MAX], tmp[512];

static int setup(void **state)
{
	const char *b = getenv("BUILD");

	snprintf(ko, sizeof(ko), "%s/tests/fixtures/kmod_crash/crashmod.ko",
		 b && *b ? b : "build");
	snprintf(tmp, sizeof(tmp), "%s/kmdash-kostore.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd);
}

/* Skipped without the fixtures (make check), never in CI. */
static void need_ko(void)
{
	const char *ci = getenv("CI");

	if (access(ko, R_OK) && !(ci && !strcmp(ci, "true"))) {
		print_message("SKIP: %s is missing (make fixtures)\n", ko);
		skip();
	}
	if (access(ko, R_OK))
		fail_msg("%s is missing: run 'make fixtures'", ko);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd))
		fail_msg("failed: %s", cmd);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void id_of(const char *path, char id[KO_ID_MAX + 1])
{
	char err[512];

	if (ko_build_id(path, id, err, sizeof(err)))
		fail_msg("%s", err);
}

/* --- build ids ------------------------------------------------------------- */

static void test_build_id(void **state)
{
	char id[KO_ID_MAX + 1], err[512], path[PATH_MAX + 32];
	struct decoder *d;

	need_ko();
	id_of(ko, id);
	assert_int_equal(strlen(id), KO_ID_HEX);
	/* libelf's note and libdwfl's agree */
	d = decoder_open(ko, NULL, 0, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(decoder_build_id(d), id);
	decoder_free(d);

	/* the strip kmdash applies before upload keeps the note */
	snprintf(path, sizeof(path), "%s/stripped.ko", tmp);
	run("aarch64-linux-gnu-strip --strip-debug -o '%s' '%s'", path, ko);
	{
		char sid[KO_ID_MAX + 1];

		id_of(path, sid);
		assert_string_equal(sid, id);
	}
	snprintf(path, sizeof(path), "%s/noid.ko", tmp);
	run("aarch64-linux-gnu-objcopy --remove-section .note.gnu.build-id "
	    "'%s' '%s'",
	    ko, path);
	assert_int_equal(ko_build_id(path, id, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "has no GNU build id note"));
	assert_int_equal(ko_build_id("Makefile", id, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "Makefile is not an ELF file"));
	assert_int_equal(ko_build_id("/nonexistent.ko", id, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot open /nonexistent.ko"));
}

/*
 * The target prints /sys/module/NAME/notes/.note.gnu.build-id with
 * `od -An -v -tx1`: the same note section, extracted here from the .ko.
 */
static void test_build_id_from_hexdump(void **state)
{
	char id[KO_ID_MAX + 1], got[KO_ID_MAX + 1], note[PATH_MAX + 16];
	char dump[PATH_MAX + 16], *text, be[256];
	size_t len;

	need_ko();
	id_of(ko, id);
	snprintf(note, sizeof(note), "%s/note.bin", tmp);
	snprintf(dump, sizeof(dump), "%s/note.od", tmp);
	run("aarch64-linux-gnu-objcopy -O binary "
	    "--only-section=.note.gnu.build-id '%s' '%s'",
	    ko, note);
	run("od -An -v -tx1 '%s' > '%s'", note, dump);
	text = slurp(dump, &len);
	assert_int_equal(ko_build_id_from_hexdump(text, got), 0);
	assert_string_equal(got, id);
	free(text);

	/* xxd -p's run of digits, and a big-endian target's note */
	assert_int_equal(ko_build_id_from_hexdump("04000000080000000300000047"
						  "4e5500deadbeef00112233",
						  got),
			 0);
	assert_string_equal(got, "deadbeef00112233");
	snprintf(be, sizeof(be),
		 "00 00 00 04 00 00 00 02 00 00 00 03 "
		 "47 4e 55 00 ab cd\n");
	assert_int_equal(ko_build_id_from_hexdump(be, got), 0);
	assert_string_equal(got, "abcd");

	/* the kernel's /sys/kernel/notes: the build id after another note */
	assert_int_equal(
		ko_build_id_from_hexdump("06 00 00 00 04 00 00 00 00 01 00 00 "
					 "4c 69 6e 75 78 00 00 00 01 02 03 04 "
					 "04 00 00 00 04 00 00 00 03 00 00 00 "
					 "47 4e 55 00 fe ed fa ce "
					 "04 00 00 00 04 00 00 00 01 00 00 00 "
					 "58 65 6e 00 00 00 00 00\n",
					 got),
		0);
	assert_string_equal(got, "feedface");
	/* a note that claims more than is there */
	assert_int_equal(
		ko_build_id_from_hexdump("06 00 00 00 40 00 00 00 00 01 00 00 "
					 "4c 69 6e 75 78 00 00 00 01 02 03 04",
					 got),
		-EINVAL);

	assert_int_equal(ko_build_id_from_hexdump("", got), -EINVAL);
	assert_int_equal(ko_build_id_from_hexdump("04 00 00 00", got), -EINVAL);
	/* not type 3, not "GNU", cut short, odd digits, not hex */
	assert_int_equal(ko_build_id_from_hexdump("04000000020000000100000047"
						  "4e5500abcd",
						  got),
			 -EINVAL);
	assert_int_equal(ko_build_id_from_hexdump("04000000020000000300000041"
						  "4e5500abcd",
						  got),
			 -EINVAL);
	assert_int_equal(ko_build_id_from_hexdump("04000000140000000300000047"
						  "4e5500abcd",
						  got),
			 -EINVAL);
	assert_int_equal(ko_build_id_from_hexdump("4 00 00 00", got), -EINVAL);
	assert_int_equal(ko_build_id_from_hexdump("cat: no such file", got),
			 -EINVAL);
}

/* --- the store --------------------------------------------------------------- */

static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_keep_and_find(void **state)
{
	char dir[PATH_MAX], err[512], id[KO_ID_MAX + 1], path[PATH_MAX];
	char *a, *b;
	size_t la, lb;
	struct kostore *ks;
	struct stat st;
	struct timespec before;

	need_ko();
	snprintf(dir, sizeof(dir), "%s/state/qemu/ko", tmp);
	ks = kostore_open(dir, err, sizeof(err));
	assert_non_null(ks);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(kostore_keep(ks, ko, id, err, sizeof(err)), 0);
	assert_int_equal(kostore_find(ks, id, path, sizeof(path)), 0);
	a = slurp(ko, &la);
	b = slurp(path, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);

	/* the same build again: still one copy, now the newest */
	assert_int_equal(stat(path, &st), 0);
	before = st.st_mtim;
	usleep(20000);
	assert_int_equal(kostore_keep(ks, ko, id, err, sizeof(err)), 0);
	assert_int_equal(count_files(dir), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_mtim.tv_sec > before.tv_sec ||
		    st.st_mtim.tv_nsec > before.tv_nsec);

	assert_int_equal(kostore_find(ks, "0123abcd", path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(kostore_find(ks, "../../etc/passwd", path,
				      sizeof(path)),
			 -ENOENT);
	assert_int_equal(kostore_keep(ks, "/nonexistent.ko", id, err,
				      sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent.ko"));
	kostore_free(ks);
}

/* A copy of the .ko with its build id's first bytes replaced by n. */
static void variant(const char *id, unsigned int n, char *out, size_t cap)
{
	uint8_t raw[KO_ID_MAX / 2];
	size_t len, idlen = strlen(id) / 2;
	char *buf = slurp(ko, &len), *at;
	FILE *f;

	for (size_t i = 0; i < idlen; i++)
		sscanf(id + 2 * i, "%2hhx", &raw[i]);
	at = memmem(buf, len, raw, idlen);
	assert_non_null(at);
	memcpy(at, &n, sizeof(n));
	snprintf(out, cap, "%s/variant-%u.ko", tmp, n);
	f = fopen(out, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

static void test_trim(void **state)
{
	char dir[PATH_MAX], err[512], id[KO_ID_MAX + 1], path[PATH_MAX];
	char ids[KOSTORE_KEEP + 2][KO_ID_MAX + 1], old[PATH_MAX + 16];
	const char *pin[1];
	struct kostore *ks;
	struct timespec ago[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };
	int fd;

	need_ko();
	id_of(ko, id);
	snprintf(dir, sizeof(dir), "%s/trim", tmp);
	ks = kostore_open(dir, err, sizeof(err));
	assert_non_null(ks);
	/* a crash's leftover temporary copy, long ago */
	snprintf(old, sizeof(old), "%s/.keep.abcdef", dir);
	fd = open(old, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, old, ago, 0), 0);

	for (unsigned int i = 0; i < KOSTORE_KEEP + 2; i++) {
		variant(id, i, path, sizeof(path));
		assert_int_equal(
			kostore_keep(ks, path, ids[i], err, sizeof(err)), 0);
		if (i == 0) { /* the oldest is loaded somewhere: pinned */
			pin[0] = ids[0];
			kostore_pin(ks, pin, 1);
		}
		usleep(2000); /* distinct mtimes */
	}
	assert_int_equal(count_files(dir), KOSTORE_KEEP + 1);
	assert_int_equal(kostore_find(ks, ids[0], path, sizeof(path)), 0);
	assert_int_equal(kostore_find(ks, ids[1], path, sizeof(path)), -ENOENT);
	assert_int_equal(
		kostore_find(ks, ids[KOSTORE_KEEP + 1], path, sizeof(path)), 0);
	assert_int_not_equal(access(old, F_OK), 0);
	kostore_free(ks);
}

static void test_default_dir(void **state)
{
	char *dir;

	setenv("XDG_STATE_HOME", "/x/state", 1);
	dir = kostore_default_dir("qemu");
	assert_string_equal(dir, "/x/state/kmdash/qemu/ko");
	free(dir);
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/home/me", 1);
	dir = kostore_default_dir("pi");
	assert_string_equal(dir, "/home/me/.local/state/kmdash/pi/ko");
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_build_id_from_hexdump),
		cmocka_unit_test(test_keep_and_find),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_default_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
