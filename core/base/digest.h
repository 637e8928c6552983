/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 of a local file, as sha256sum prints it (OpenSSL's EVP). */
#ifndef KMDASH_DIGEST_H
#define KMDASH_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 65 /* 64 hex digits + NUL */

/* 0, or -errno with "PATH: why" in err. */
int digest_file_sha256(const char *path, char hex[DIGEST_HEX_LEN], char *err,
		       size_t errlen);

/* SHA-256 of len bytes in memory, in hex. 0, or -ENOMEM. */
int digest_sha256(const void *buf, size_t len, char hex[DIGEST_HEX_LEN]);
/* A finished SHA-256 (32 bytes) in hex, as sha256sum prints it. */
void digest_hex(const unsigned char md[32], char hex[DIGEST_HEX_LEN]);

#endif
