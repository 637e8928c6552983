// SPDX-License-Identifier: GPL-2.0
/* Terminal-safe text: what may be written as it is, and \xNN for the rest. */
#include "core/base/termsafe.h"

#include <stdlib.h>
#include <string.h>

bool termsafe_cp(uint32_t cp)
{
	if (cp == '\t')
		return true;
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return false;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return false;
	return cp <= 0x10ffff;
}

/*
 * The second byte's range for each lead byte keeps the decoding strict:
 * no overlong forms (E0 80 9B would otherwise be an ESC to a lax
 * decoder), no surrogates (ED A0..), nothing above U+10FFFF (F4 90..).
 */
static int utf8_need(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

int termsafe_char(const char *s, size_t n, unsigned flags, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo, hi;
	uint32_t v;
	int need;

	if (!n)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		if (u[0] == '\n')
			return (flags & TERMSAFE_NEWLINE) ? 1 : 0;
		return termsafe_cp(u[0]) ? 1 : 0;
	}
	need = utf8_need(u[0], &lo, &hi);
	if (!need)
		return 0;
	v = u[0] & (0x7f >> need);
	for (int i = 1; i < need; i++) {
		if ((size_t)i >= n)
			return -1;
		if (u[i] < (i == 1 ? lo : 0x80) || u[i] > (i == 1 ? hi : 0xbf))
			return 0;
		v = v << 6 | (u[i] & 0x3f);
	}
	if (!termsafe_cp(v))
		return 0;
	*cp = v;
	return need;
}

size_t termsafe_complete(const char *s, size_t n)
{
	uint32_t cp;

	/* a character is at most 4 bytes: its start is among the last 3 */
	for (size_t back = 1; back <= 3 && back <= n; back++) {
		unsigned char c = (unsigned char)s[n - back];

		if ((c & 0xc0) == 0x80)
			continue; /* a continuation byte: look further */
		if (termsafe_char(s + n - back, back, 0, &cp) < 0)
			return n - back;
		return n;
	}
	return n;
}

static const char hex[] = "0123456789abcdef";

static bool printable_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t termsafe_escape(const char *in, size_t n, unsigned flags, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		uint32_t cp;
		int len;

		/* Most text is printable ASCII: a run at a time. */
		if (printable_ascii((unsigned char)in[i])) {
			size_t j = i + 1;

			while (j < n && printable_ascii((unsigned char)in[j]))
				j++;
			memmove(out + o, in + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		len = termsafe_char(in + i, n - i, flags, &cp);

		if (len > 0) {
			/* memmove: in may be the tail of out */
			memmove(out + o, in + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		} else {
			unsigned char c = (unsigned char)in[i++];

			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

char *termsafe_dup(const char *in, size_t n, unsigned flags)
{
	char *out = malloc(TERMSAFE_MAX(n) + 1);

	if (!out)
		return NULL;
	out[termsafe_escape(in, n, flags, out)] = '\0';
	return out;
}
