// SPDX-License-Identifier: GPL-2.0
/* known_hosts: lookup with line numbers, append, SHA256 fingerprints. */
#include "core/ssh/knownhosts.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ssh/sshconfig.h"

static void host_field(char *dst, size_t cap, const char *host, int port)
{
	if (port && port != 22)
		snprintf(dst, cap, "[%s]:%d", host, port);
	else
		snprintf(dst, cap, "%s", host);
}

/* Decodes base64 into out; returns the length or -1. */
static int b64_decode(const char *in, unsigned char *out, size_t cap)
{
	size_t n = strlen(in);
	int len;

	if (n == 0 || n % 4 || n / 4 * 3 > cap)
		return -1;
	len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (len < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (in[n - 1] == '=')
		len--;
	if (in[n - 2] == '=')
		len--;
	return len;
}

void knownhosts_fingerprint(const unsigned char *blob, size_t len,
			    char out[KH_FP_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char b64[48];
	int n;

	SHA256(blob, len, md);
	n = EVP_EncodeBlock((unsigned char *)b64, md, sizeof(md));
	while (n > 0 && b64[n - 1] == '=')
		n--;
	b64[n] = '\0';
	snprintf(out, KH_FP_LEN, "SHA256:%s", b64);
}

void knownhosts_blob_type(const unsigned char *blob, size_t len, char *out,
			  size_t cap)
{
	uint32_t n;

	if (len < 4)
		goto unknown;
	n = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
	    (uint32_t)blob[2] << 8 | blob[3];
	if (n == 0 || n > len - 4 || n >= cap || n > 64)
		goto unknown;
	/*
	 * The server chose these bytes, and they are written into
	 * known_hosts between spaces: a name as RFC 4251 allows it
	 * (printable ASCII, no space or comma), or a newline in it would
	 * add an entry for another host.
	 */
	for (uint32_t i = 0; i < n; i++)
		if (blob[4 + i] <= ' ' || blob[4 + i] > '~' ||
		    blob[4 + i] == ',')
			goto unknown;
	memcpy(out, blob + 4, n);
	out[n] = '\0';
	return;
unknown:
	snprintf(out, cap, "unknown");
}

/* |1|base64(salt)|base64(hmac-sha1(salt, host)) */
static bool hashed_match(const char *field, const char *host)
{
	char copy[256], *salt64, *hash64;
	unsigned char salt[64], hash[64], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int slen, hlen;

	if (strlen(field) >= sizeof(copy))
		return false;
	strcpy(copy, field + 3);
	salt64 = copy;
	hash64 = strchr(copy, '|');
	if (!hash64)
		return false;
	*hash64++ = '\0';
	slen = b64_decode(salt64, salt, sizeof(salt));
	hlen = b64_decode(hash64, hash, sizeof(hash));
	if (slen <= 0 || hlen != 20)
		return false;
	if (!HMAC(EVP_sha1(), salt, slen, (const unsigned char *)host,
		  strlen(host), md, &mdlen))
		return false;
	return mdlen == 20 && !memcmp(md, hash, 20);
}

static bool host_matches(const char *field, const char *host)
{
	if (!strncmp(field, "|1|", 3))
		return hashed_match(field, host);
	return sshconfig_match_list(field, host);
}

/*
 * Calls fn for each entry of path that names host:port. Returns -errno if
 * the file exists but cannot be read, 0 otherwise.
 */
typedef bool (*entry_fn)(int line, const char *type, const char *key64,
			 void *arg);

static int each_entry(const char *path, const char *host, int port, entry_fn fn,
		      void *arg)
{
	char hf[300], line[16384];
	FILE *f = fopen(path, "re");
	int lineno = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	host_field(hf, sizeof(hf), host, port);
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *hosts, *type, *key, *save;

		lineno++;
		s += strspn(s, " \t");
		/* @cert-authority / @revoked lines are not plain keys. */
		if (*s == '#' || *s == '\n' || !*s || *s == '@')
			continue;
		hosts = strtok_r(s, " \t\r\n", &save);
		type = strtok_r(NULL, " \t\r\n", &save);
		key = strtok_r(NULL, " \t\r\n", &save);
		if (!hosts || !type || !key || !host_matches(hosts, hf))
			continue;
		if (!fn(lineno, type, key, arg))
			break;
	}
	fclose(f);
	return 0;
}

struct check_ctx {
	const unsigned char *blob;
	size_t len;
	struct kh_check *out;
	bool any, match;
};

static bool check_entry(int line, const char *type, const char *key64,
			void *arg)
{
	struct check_ctx *c = arg;
	unsigned char key[8192];
	int n = b64_decode(key64, key, sizeof(key));

	if (n == (int)c->len && !memcmp(key, c->blob, c->len)) {
		c->match = true;
		return false;
	}
	if (!c->any) {
		c->any = true;
		c->out->line = line;
		snprintf(c->out->stale_type, sizeof(c->out->stale_type), "%s",
			 type);
		if (n > 0)
			knownhosts_fingerprint(key, (size_t)n,
					       c->out->stale_fp);
		else
			snprintf(c->out->stale_fp, KH_FP_LEN, "(unreadable)");
	}
	return true;
}

int knownhosts_check(const char *path, const char *host, int port,
		     const unsigned char *blob, size_t len,
		     struct kh_check *out, char *err, size_t errlen)
{
	struct check_ctx c = { blob, len, out, false, false };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = each_entry(path, host, port, check_entry, &c);
	if (rc) {
		snprintf(err, errlen, "cannot read known_hosts %s: %s", path,
			 strerror(-rc));
		return rc;
	}
	out->result = c.match ? KH_MATCH : c.any ? KH_CHANGED : KH_NOTFOUND;
	return 0;
}

struct types_ctx {
	char *out;
	size_t cap;
};

static bool types_entry(int line, const char *type, const char *key64,
			void *arg)
{
	struct types_ctx *c = arg;
	size_t n = strlen(c->out);
	const char *p = c->out;

	/* skip duplicates */
	while ((p = strstr(p, type))) {
		size_t tl = strlen(type);

		if ((p == c->out || p[-1] == ',') && (!p[tl] || p[tl] == ','))
			return true;
		p += tl;
	}
	if (n + strlen(type) + 2 < c->cap)
		snprintf(c->out + n, c->cap - n, "%s%s", n ? "," : "", type);
	return true;
}

void knownhosts_types(const char *path, const char *host, int port, char *out,
		      size_t cap)
{
	struct types_ctx c = { out, cap };

	out[0] = '\0';
	each_entry(path, host, port, types_entry, &c);
}

int knownhosts_add(const char *path, const char *host, int port,
		   const unsigned char *blob, size_t len, char *err,
		   size_t errlen)
{
	char hf[300], type[80], *b64, *dir, *slash;
	char last = '\n';
	int fd, rc = 0;
	FILE *f;

	knownhosts_blob_type(blob, len, type, sizeof(type));
	host_field(hf, sizeof(hf), host, port);
	b64 = malloc(len / 3 * 4 + 8);
	dir = strdup(path);
	if (!b64 || !dir) {
		rc = -ENOMEM;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, blob, (int)len);
	/* A missing ~/.ssh is created as OpenSSH would (0700). */
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write known_hosts %s: %s", path,
			 strerror(errno));
		goto out;
	}
	if (lseek(fd, -1, SEEK_END) >= 0 && read(fd, &last, 1) != 1)
		last = '\n';
	f = fdopen(fd, "a");
	if (!f) {
		rc = -errno;
		close(fd);
		goto out;
	}
	fprintf(f, "%s%s %s %s\n", last == '\n' ? "" : "\n", hf, type, b64);
	if (fclose(f)) {
		rc = -errno;
		snprintf(err, errlen, "cannot write known_hosts %s: %s", path,
			 strerror(errno));
	}
out:
	free(b64);
	free(dir);
	return rc;
}
