// SPDX-License-Identifier: GPL-2.0
/*
 * Reads what a program wrote to its terminal (tmux pipe-pane's raw copy)
 * and reports every control sequence a hostile target could use against
 * the developer's terminal: OSC (clipboard, title), DCS, APC, PM, SOS,
 * tmux's window-name ESC k, CSI that asks the terminal to answer (DSR,
 * DA, window reports, DECRQM, XTVERSION), C1 controls raw or in UTF-8
 * form, and invalid UTF-8. It decodes on its own, trusting nothing of
 * kmdash's.
 *
 *   termscan [--strict] FILE
 *
 * --strict, for line output (the command line): no escape sequence at all
 * but kmdash's progress line's "\r ESC [ K"; no control byte but newline,
 * tab and a "\r" before a newline (the tty's) or the progress line. Without it (the dashboard): what ncurses draws with
 * (cursor moves, SGR, modes, scrolling, charsets) passes. Exit 0 when
 * clean, 1 with each finding on stdout, 2 on usage errors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char *buf;
static size_t len;
static int findings;

static void report(size_t at, const char *what)
{
	if (findings++ < 20) {
		printf("offset %zu: %s:", at, what);
		for (size_t i = at; i < len && i < at + 24; i++)
			printf(buf[i] >= 0x21 && buf[i] < 0x7f ? " %c" :
								 " %02x",
			       buf[i]);
		printf("\n");
	}
}

/* A UTF-8 character at i: its length, 0 if invalid; *cp its value. */
static size_t utf8_at(size_t i, unsigned *cp)
{
	unsigned char c = buf[i];
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 :
		   c >= 0xe0		  ? 3 :
		   c >= 0xc2 && c <= 0xdf ? 2 :
					    0;
	unsigned v, min = n == 4 ? 0x10000 : n == 3 ? 0x800 : 0x80;

	if (!n || i + n > len)
		return 0;
	v = c & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		if ((buf[i + k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (buf[i + k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* CSI at i (ESC [ ...): its length; judged by its final byte. */
static size_t csi(size_t i, bool strict)
{
	size_t k = i + 2;
	bool private_gt = k < len && (buf[k] == '>' || buf[k] == '=');
	unsigned char fin;

	while (k < len && buf[k] >= 0x20 && buf[k] <= 0x3f)
		k++;
	while (k < len && buf[k] >= 0x20 && buf[k] <= 0x2f)
		k++;
	if (k >= len) {
		report(i, "unterminated CSI");
		return len - i;
	}
	fin = buf[k];
	if (strict) {
		if (!(fin == 'K' && k == i + 2 && i > 0 && buf[i - 1] == '\r'))
			report(i, "escape sequence in line output");
	} else if (fin == 't' &&
		   (!strncmp((const char *)buf + i + 2, "22;", 3) ||
		    !strncmp((const char *)buf + i + 2, "23;", 3))) {
		/* ncurses' smcup/rmcup: the title saved and restored */
	} else if (strchr("nctpqxu", fin) || (private_gt && fin == 'm') ||
		   fin < 0x40 || fin > 0x7e) {
		/* answers into the input, window reports, queries */
		report(i, "CSI that queries the terminal");
	}
	return k + 1 - i;
}

static void scan(bool strict)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = buf[i];
		unsigned cp;
		size_t n;

		if (c == 0x1b) {
			unsigned char t = i + 1 < len ? buf[i + 1] : 0;

			if (t == '[') {
				i += csi(i, strict);
				continue;
			}
			if (strchr("]P_^Xk", t) && t)
				report(i, t == ']' ? "OSC" :
					  t == 'P' ? "DCS" :
					  t == 'k' ? "tmux window name" :
						     "APC/PM/SOS string");
			else if (strict || !t || !strchr("()=>78MDEc", t))
				report(i, "escape sequence");
			i += 2;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			/* ncurses moves with \r \n \b; a line has \n \t */
			bool ok = c == '\n' || c == '\t' || c == '\r' ||
				  (!strict && (c == '\b' || c == 0x0e ||
					       c == 0x0f || c == 0x07));

			/* the tty's \r\n, or before the progress line */
			if (strict && c == '\r' &&
			    !(i + 1 < len && strchr("\n\x1b[", buf[i + 1])))
				ok = false;
			if (!ok)
				report(i, "control byte");
			i++;
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		n = utf8_at(i, &cp);
		if (!n) {
			report(i,
			       c <= 0x9f ? "C1 control byte" : "invalid UTF-8");
			i++;
			continue;
		}
		if (cp >= 0x80 && cp <= 0x9f)
			report(i, "C1 control in UTF-8");
		i += n;
	}
}

int main(int argc, char **argv)
{
	bool strict = argc == 3 && !strcmp(argv[1], "--strict");
	const char *path = argv[argc - 1];
	size_t cap = 1 << 20;
	unsigned char *b;
	FILE *f;
	size_t n;

	if (argc != 2 && !strict) {
		fprintf(stderr, "usage: termscan [--strict] FILE\n");
		return 2;
	}
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	b = malloc(cap);
	while (b && (n = fread(b + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *nb = realloc(b, cap *= 2);

			if (!nb)
				free(b);
			b = nb;
		}
	}
	fclose(f);
	if (!b)
		return 2;
	buf = b;
	scan(strict);
	if (findings)
		printf("%d finding%s in %zu bytes of %s\n", findings,
		       findings == 1 ? "" : "s", len, path);
	free(b);
	return findings ? 1 : 0;
}
