// SPDX-License-Identifier: GPL-2.0
#include "core/base/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int digest_file_sha256(const char *path, char hex[DIGEST_HEX_LEN], char *err,
		       size_t errlen)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		r = -ENOMEM;
		snprintf(err, errlen, "%s: cannot set up SHA-256", path);
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	digest_hex(md, hex);
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return r;
}

void digest_hex(const unsigned char md[32], char hex[DIGEST_HEX_LEN])
{
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int digest_sha256(const void *buf, size_t len, char hex[DIGEST_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];

	if (!EVP_Digest(buf, len, md, NULL, EVP_sha256(), NULL))
		return -ENOMEM;
	digest_hex(md, hex);
	return 0;
}
