// SPDX-License-Identifier: GPL-2.0
/*
 * sectl: put, get, del, stats and clear on /dev/storage-hash from the command
 * line. Exit status: 0 done, 1 the operation failed (missing key, no space,
 * ...), 2 usage error, 3 the device cannot be used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shdev.h"

static const char *prog = "sectl";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sectl [-d DEVICE] COMMAND\n"
		"  put KEY VALUE     store VALUE under KEY (VALUE '-': read stdin)\n"
		"  get [--raw] KEY   print the value (--raw: exactly its bytes, no newline)\n"
		"  del KEY           delete KEY\n"
		"  stats [--json]    print the module's counters\n"
		"  clear             delete every key\n"
		"  version           print the uapi version of the tools and the module\n"
		"DEVICE defaults to $STORAGE_HASH_DEVICE or " STORAGE_HASH_DEVICE
		".\n"
		"exit status: 0 done, 1 the operation failed, 2 usage, 3 device unusable\n");
}

/* Says why an operation failed, in words that point at the fix. */
static int op_failed(const char *op, const char *key, int err, int fd)
{
	struct sh_stats s;

	switch (-err) {
	case ENOENT:
		fprintf(stderr, "%s: %s '%s': no such key\n", prog, op, key);
		break;
	case ENOSPC:
		if (shdev_stats(fd, &s))
			memset(&s, 0, sizeof(s));
		fprintf(stderr,
			"%s: %s '%s': no space: the store holds %llu of max_bytes=%llu bytes (module parameter)\n",
			prog, op, key, (unsigned long long)s.bytes_used,
			(unsigned long long)s.max_bytes);
		break;
	case EMSGSIZE:
		if (shdev_stats(fd, &s))
			memset(&s, 0, sizeof(s));
		fprintf(stderr,
			"%s: %s '%s': too long: keys hold 1..%d bytes, values at most max_value_len=%llu bytes\n",
			prog, op, key, SH_KEY_MAX,
			(unsigned long long)s.max_value_len);
		break;
	case EINVAL:
		fprintf(stderr, "%s: %s: invalid request (empty key?)\n", prog,
			op);
		break;
	default:
		fprintf(stderr, "%s: %s '%s': %s\n", prog, op, key,
			strerror(-err));
	}
	return SH_EXIT_FAILED;
}

static char *read_stdin(size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(0, buf + n, cap - n);
		if (r == 0) {
			*len = n;
			return buf;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			n += r;
	}
	free(buf);
	return NULL;
}

static int cmd_put(int fd, const char *key, const char *val)
{
	size_t len = strlen(val);
	char *in = NULL;
	int err;

	if (!strcmp(val, "-")) {
		in = read_stdin(&len);
		if (!in) {
			fprintf(stderr,
				"%s: put: cannot read the value from stdin: %s\n",
				prog, strerror(errno));
			return SH_EXIT_FAILED;
		}
		val = in;
	}
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	err = shdev_put(fd, key, strlen(key), val, len);
	free(in);
	return err ? op_failed("put", key, err, fd) : SH_EXIT_OK;
}

static int cmd_get(int fd, const char *key, int raw)
{
	uint32_t cap = 4096, len;
	char *buf = NULL;
	int err;

	for (;;) {
		char *nb = realloc(buf, cap ? cap : 1);

		if (!nb) {
			free(buf);
			fprintf(stderr, "%s: get: out of memory\n", prog);
			return SH_EXIT_FAILED;
		}
		buf = nb;
		len = cap;
		err = shdev_get(fd, key, strlen(key), buf, &len);
		if (err != -ENOSPC || len <= cap)
			break;
		cap = len; /* the value grew: ask again with its length */
	}
	if (err) {
		free(buf);
		return op_failed("get", key, err, fd);
	}
	if (fwrite(buf, 1, len, stdout) != len || (!raw && putchar('\n') < 0) ||
	    fflush(stdout)) {
		free(buf);
		fprintf(stderr, "%s: get: cannot write to stdout\n", prog);
		return SH_EXIT_FAILED;
	}
	free(buf);
	return SH_EXIT_OK;
}

static int cmd_stats(int fd, int json)
{
	struct sh_stats s;
	int err = shdev_stats(fd, &s);

	if (err)
		return op_failed("stats", "", err, fd);
	if (json) {
		printf("{\"uapi_version\":%u,\"key_max\":%u", s.version,
		       s.key_max);
#define STAT_JSON(n) printf(",\"" #n "\":%llu", (unsigned long long)s.n);
		SH_STATS_FIELDS(STAT_JSON)
		printf("}\n");
	} else {
		printf("%-14s %u\n%-14s %u\n", "uapi_version", s.version,
		       "key_max", s.key_max);
#define STAT_TEXT(n) printf("%-14s %llu\n", #n, (unsigned long long)s.n);
		SH_STATS_FIELDS(STAT_TEXT)
	}
	return SH_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *cmd;
	int i = 1, fd, rc, n;

	if (argc > 2 && !strcmp(argv[1], "-d")) {
		dev = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage(stderr);
		return SH_EXIT_USAGE;
	}
	cmd = argv[i++];
	n = argc - i;
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		usage(stdout);
		return SH_EXIT_OK;
	}
	if (!(!strcmp(cmd, "put") && n == 2) &&
	    !(!strcmp(cmd, "get") && n == 1) &&
	    !(!strcmp(cmd, "get") && n == 2 && !strcmp(argv[i], "--raw")) &&
	    !(!strcmp(cmd, "del") && n == 1) &&
	    !(!strcmp(cmd, "stats") && n == 0) &&
	    !(!strcmp(cmd, "stats") && n == 1 && !strcmp(argv[i], "--json")) &&
	    !(!strcmp(cmd, "clear") && n == 0) &&
	    !(!strcmp(cmd, "version") && n == 0)) {
		fprintf(stderr,
			"%s: bad command line: '%s' with %d argument(s)\n",
			prog, cmd, n);
		usage(stderr);
		return SH_EXIT_USAGE;
	}
	fd = shdev_open(dev, prog);
	if (fd < 0)
		return SH_EXIT_DEVICE;
	if (!strcmp(cmd, "put")) {
		rc = cmd_put(fd, argv[i], argv[i + 1]);
	} else if (!strcmp(cmd, "get")) {
		rc = n == 2 ? cmd_get(fd, argv[i + 1], 1) :
			      cmd_get(fd, argv[i], 0);
	} else if (!strcmp(cmd, "del")) {
		rc = shdev_del(fd, argv[i], strlen(argv[i]));
		rc = rc ? op_failed("del", argv[i], rc, fd) : SH_EXIT_OK;
	} else if (!strcmp(cmd, "stats")) {
		rc = cmd_stats(fd, n == 1);
	} else if (!strcmp(cmd, "clear")) {
		rc = shdev_clear(fd);
		rc = rc ? op_failed("clear", "", rc, fd) : SH_EXIT_OK;
	} else {
		printf("tools uapi %d, module uapi %d\n",
		       STORAGE_HASH_UAPI_VERSION, STORAGE_HASH_UAPI_VERSION);
		rc = SH_EXIT_OK;
	}
	close(fd);
	return rc;
}
