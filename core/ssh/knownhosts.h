/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OpenSSH known_hosts files, read and appended by kmdash itself: libssh2's
 * checker cannot say which line holds a stale key, and the user must be
 * told exactly that. Plain and hashed (|1|salt|hmac) host fields, pattern
 * lists with wildcards and negation, "[host]:port" for ports other than 22.
 */
#ifndef KMDASH_KNOWNHOSTS_H
#define KMDASH_KNOWNHOSTS_H

#include <stddef.h>

enum kh_result {
	KH_MATCH,
	KH_NOTFOUND, /* no entry for this host: a new key */
	KH_CHANGED, /* entries exist, none holds this key */
};

#define KH_FP_LEN 64 /* "SHA256:" + 43 base64 chars + NUL */

struct kh_check {
	enum kh_result result;
	int line; /* the first stale entry (KH_CHANGED) */
	char stale_type[64];
	char stale_fp[KH_FP_LEN];
};

/*
 * Looks for host:port with key blob (SSH wire format, as from
 * libssh2_session_hostkey) in path. A missing file is KH_NOTFOUND.
 * Returns 0 or -errno (unreadable file) with a reason in err.
 */
int knownhosts_check(const char *path, const char *host, int port,
		     const unsigned char *blob, size_t len,
		     struct kh_check *out, char *err, size_t errlen);

/*
 * Comma-separated key types recorded for host:port, first seen first, for
 * LIBSSH2_METHOD_HOSTKEY ("" when none).
 */
void knownhosts_types(const char *path, const char *host, int port, char *out,
		      size_t cap);

/* Appends "host keytype base64" (creating the file 0600). */
int knownhosts_add(const char *path, const char *host, int port,
		   const unsigned char *blob, size_t len, char *err,
		   size_t errlen);

/* "SHA256:..." as OpenSSH prints it (unpadded base64 of the digest). */
void knownhosts_fingerprint(const unsigned char *blob, size_t len,
			    char out[KH_FP_LEN]);

/* The key type named inside blob ("ssh-ed25519"...), or "unknown". */
void knownhosts_blob_type(const unsigned char *blob, size_t len, char *out,
			  size_t cap);

#endif
