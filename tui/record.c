// SPDX-License-Identifier: GPL-2.0
/*
 * asciicast v2 writer. ncurses writes into a pipe that the dashboard
 * relays (dash.c): each chunk goes to the terminal and, timed, to the file.
 */
#include "tui/record.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/loop.h"

struct record {
	FILE *f;
	int64_t t0_us;
	char carry[4]; /* an incomplete UTF-8 sequence */
	size_t ncarry;
	int err;
};

/* Length of the UTF-8 sequence starting with byte c, 0 if invalid. */
static int u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/*
 * JSON string body for bytes of output: UTF-8 kept, control bytes as
 * \uXXXX, invalid bytes as U+FFFD. Returns how many input bytes were
 * consumed: an incomplete UTF-8 sequence at the end is left for the next
 * call. The output is NUL-terminated and cut at cap.
 */
static size_t record_escape(const char *in, size_t len, char *out, size_t cap,
			    size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len && o + 8 < cap) {
		unsigned char c = s[i];
		int n = u8len(c), k;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
			i++;
		} else if (n == 1) {
			out[o++] = (char)c;
			i++;
		} else if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			if (i + (size_t)n > len)
				break; /* the rest comes with the next write */
			for (k = 1; k < n; k++)
				if ((s[i + k] & 0xc0) != 0x80)
					break;
			if (k < n) {
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
				continue;
			}
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return i;
}

static void cast_event(struct record *r, const char *kind, const char *buf,
		       size_t len)
{
	double t = (double)(loop_now_us() - r->t0_us) / 1e6;
	char esc[8192];
	size_t done = 0, olen;

	while (done < len) {
		size_t n = record_escape(buf + done, len - done, esc,
					 sizeof(esc), &olen);

		if (n == 0)
			break;
		if (fprintf(r->f, "[%.6f, \"%s\", \"%s\"]\n", t, kind, esc) < 0)
			r->err = errno ? errno : EIO;
		done += n;
	}
}

void record_write(struct record *r, const char *buf, size_t len)
{
	char tmp[8192 + 4];

	/* The cast wants whole UTF-8 characters per event. */
	for (size_t i = 0; i < len;) {
		size_t take = len - i, n = r->ncarry, whole = 0;

		if (take > sizeof(tmp) - 4 - n)
			take = sizeof(tmp) - 4 - n;
		memcpy(tmp, r->carry, n);
		memcpy(tmp + n, buf + i, take);
		n += take;
		i += take;
		/* Keep an incomplete sequence at the end for later. */
		whole = n;
		for (size_t b = 1; b <= 3 && b <= n; b++) {
			unsigned char c = (unsigned char)tmp[n - b];

			if ((c & 0xc0) == 0x80)
				continue;
			if (u8len(c) > (int)b)
				whole = n - b;
			break;
		}
		r->ncarry = n - whole;
		memcpy(r->carry, tmp + whole, r->ncarry);
		if (whole)
			cast_event(r, "o", tmp, whole);
	}
}

struct record *record_open(const char *path, int cols, int rows, char *err,
			   size_t errlen)
{
	struct record *r = calloc(1, sizeof(*r));
	const char *term = getenv("TERM"), *shell = getenv("SHELL");

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->f = fopen(path, "we");
	if (!r->f) {
		snprintf(err, errlen, "cannot write the recording %s: %s", path,
			 strerror(errno));
		free(r);
		return NULL;
	}
	/* Whole lines reach the file as they come: a killed dashboard
	 * leaves a recording that plays up to its last frame. */
	setvbuf(r->f, NULL, _IOLBF, 0);
	r->t0_us = loop_now_us();
	fprintf(r->f,
		"{\"version\": 2, \"width\": %d, \"height\": %d, "
		"\"timestamp\": %lld, \"title\": \"kmdash\", "
		"\"env\": {\"TERM\": \"%s\", \"SHELL\": \"%s\"}}\n",
		cols, rows, (long long)time(NULL),
		term && !strpbrk(term, "\"\\") ? term : "xterm-256color",
		shell && !strpbrk(shell, "\"\\") ? shell : "/bin/sh");
	return r;
}

void record_resize(struct record *r, int cols, int rows)
{
	char sz[32];

	snprintf(sz, sizeof(sz), "%dx%d", cols, rows);
	cast_event(r, "r", sz, strlen(sz));
}

int record_close(struct record *r)
{
	int ret;

	if (!r)
		return 0;
	ret = r->err ? -r->err : 0;
	if (fclose(r->f) != 0 && !ret)
		ret = -errno;
	free(r);
	return ret;
}
