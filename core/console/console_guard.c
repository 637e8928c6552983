// SPDX-License-Identifier: GPL-2.0
/*
 * What reaches libvterm 0.1.4 from the line. Its parser and its UTF-8
 * decoder trust their input more than a board's serial console deserves:
 * every byte passes through here first, and console_feed() writes what
 * comes out. Found by fuzzing (tests/fuzz/fuzz_console.c), confirmed
 * against an ASan build of Debian's libvterm 0.1.4 source.
 *
 * CSI arguments: libvterm keeps 16 and does not count the separators. A
 * 17th ';' or ':' writes past its array into the parser's callback
 * pointers, with a value the digits choose: the board could point them
 * anywhere. Nor does it bound a value: 20 digits overflow its long, and
 * counts near 2^31 overflow its int cursor arithmetic. A sequence with
 * more than 16 arguments or one above 65535 (no screen is that big) is
 * cancelled (CAN) and the rest of it dropped: it does nothing.
 *
 * UTF-8: a run of text that starts inside an unfinished sequence makes
 * the decoder write one code point past the end of its array on the
 * stack, and a character split across two writes decodes or not
 * depending on what came before it in the write (after ASCII, two
 * U+FFFD: a UART read splits gcc's quotes). So libvterm gets whole, valid
 * UTF-8 only: a sequence cut by the end of a feed is held until its last
 * byte comes; one that is broken off (by any byte that does not continue
 * it), overlong, a surrogate or beyond U+10FFFF, and a stray continuation
 * byte, become U+FFFD, as libvterm shows them when they arrive in one
 * piece. So do the C1 controls U+0080-U+009F: libvterm gives them a
 * width of -1, the cursor moves left off the screen, and an HTS there
 * (ESC H) writes before its tab stop array. libvterm also decodes a whole run of text with the decoder its
 * first byte picks: ASCII after UTF-8 in the same write escapes the G0
 * charset (DEC line drawing, ESC ( 0), ASCII in a write of its own does
 * not. So a write ends there.
 *
 * OSC and DCS strings: libvterm keeps 64 bytes of a string that spans
 * writes, and an ESC \ split between two writes makes it copy from
 * (size_t)-1 bytes of the second; its DECRQSS answer for a setting it does
 * not know has a broken format ("%.s" for "%.*s"), which reads address
 * 1-16 and kills kmdash (ESC P $ q x ESC \ from the board is enough).
 * Nothing of a string is of use here (titles and the clipboard are not the
 * board's to set, kmdash asks nothing of it): strings are dropped whole,
 * libvterm never sees one. C0 controls inside one still act, as in
 * libvterm.
 *
 * REP (CSI n b) repeats the last character, in a loop that advances by
 * its width: before any text, or after a combining mark that had no
 * character to join, that width is 0 and the loop never ends (kmdash
 * hangs). REP is passed only after a character known to be at least one
 * column wide: ASCII, U+FFFD, or a code point from ranges with no
 * combining marks (Latin-1 and Latin Extended, punctuation, arrows,
 * symbols, box drawing, CJK, Hangul, full-width forms); else it is
 * cancelled.
 *
 * The screen is then the same however the reads cut the stream, but for
 * one limit of libvterm left as it is: combining marks that come in a
 * later write than their character are joined to it, except in the last
 * column (the cursor waiting to wrap), where they go to the next line.
 * Holding every last character of a read back until the next one would
 * cost more (a prompt would wait for the next byte) than the rare mark
 * at the margin is worth.
 */
#include "core/console/console_int.h"

#include <string.h>

/* libvterm's CSI_ARGS_MAX */
#define VT_CSI_ARGS 16
#define CSI_ARG_LIMIT 65535
#define CAN 0x18

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static bool intermediate(unsigned char b)
{
	return b >= 0x20 && b <= 0x2f;
}

/*
 * Code points that are surely one or two columns wide in libvterm (its
 * table of combining marks, unicode.c, has none of them): what REP may
 * repeat.
 */
static bool spacing(uint32_t cp)
{
	static const uint32_t ranges[][2] = {
		{ 0x20, 0x7e },	    { 0xa0, 0x2ff },	{ 0x2010, 0x2027 },
		{ 0x2030, 0x205e }, { 0x2190, 0x2bff }, { 0x4e00, 0x9fff },
		{ 0xac00, 0xd7a3 }, { 0xff01, 0xff60 }, { 0xfffd, 0xfffd },
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return true;
	return false;
}

static bool csi_arg_byte(unsigned char b)
{
	return (b >= '0' && b <= '9') || b == ';' || b == ':';
}

/* A digit or separator of a CSI sequence: false if libvterm cannot take it. */
static bool csi_arg(struct console_guard *g, unsigned char b)
{
	if (b == ';' || b == ':') {
		g->arg = 0;
		return ++g->argi < VT_CSI_ARGS;
	}
	g->arg = g->arg * 10 + (b - '0');
	return g->arg <= CSI_ARG_LIMIT;
}

/*
 * One byte for libvterm, following its parser's state (parser.c): out
 * gets it, CAN instead of what libvterm must not see the rest of, or
 * nothing while a cancelled sequence or a string goes by.
 */
static void put(struct console_guard *g, char *out, size_t *o, unsigned char b)
{
	bool dropping = g->vt == GVT_DROP_STRING || g->vt == GVT_DROP_ESC;

	if (b == 0x00 || b == 0x7f) { /* ignored in every state */
	} else if (b == CAN || b == 0x1a) {
		g->vt = GVT_NORMAL;
	} else if (b == 0x1b) {
		if (g->vt == GVT_DROP_STRING) {
			g->vt = GVT_DROP_ESC; /* ST, or the end of the string */
			return;
		}
		g->vt = GVT_ESC;
	} else if (b == 0x07 && dropping) {
		if (g->vt == GVT_DROP_STRING) {
			g->vt = GVT_NORMAL; /* BEL ends a string */
			return;
		}
	} else if (b >= 0x20) { /* other C0 controls change no state */
		switch (g->vt) {
		case GVT_ESC:
			if (b == 'P' || b == ']') {
				out[(*o)++] = CAN; /* forget the ESC */
				g->vt = GVT_DROP_STRING;
				return;
			}
			if (b == '[')
				g->vt = GVT_CSI_LEADER;
			else if (b >= 0x30 && b <= 0x7e)
				g->vt = GVT_NORMAL;
			/* intermediates and bytes >= 0x80 keep it in ESC */
			break;
		case GVT_CSI_LEADER:
			if (b >= 0x3c && b <= 0x3f)
				break;
			g->argi = 0;
			g->arg = 0;
			g->vt = GVT_CSI_ARGS;
			/* fallthrough */
		case GVT_CSI_ARGS:
			if (csi_arg_byte(b)) {
				if (csi_arg(g, b))
					break;
				out[(*o)++] = CAN; /* libvterm back to normal */
				g->vt = GVT_DROP_ARGS;
				return;
			}
			g->vt = GVT_CSI_INTERMED;
			/* fallthrough */
		case GVT_CSI_INTERMED:
			if (intermediate(b))
				break;
			g->vt = GVT_NORMAL; /* the final byte, or invalid */
			if (b == 'b' && !g->rep_ok) {
				out[(*o)++] = CAN; /* REP: see above */
				return;
			}
			break;
		case GVT_DROP_ARGS:
			if (csi_arg_byte(b))
				return;
			g->vt = GVT_DROP_INTERMED;
			/* fallthrough */
		case GVT_DROP_INTERMED:
			if (!intermediate(b))
				g->vt = GVT_NORMAL;
			return;
		case GVT_DROP_STRING:
			return;
		case GVT_DROP_ESC:
			if (b == '\\') {
				g->vt = GVT_NORMAL; /* ST */
				return;
			}
			/* the string is left for an escape sequence */
			out[(*o)++] = 0x1b;
			g->vt = GVT_ESC;
			put(g, out, o, b);
			return;
		case GVT_NORMAL:
			if (b <= 0x7e)
				g->rep_ok = true; /* ASCII text */
			break;
		}
	}
	out[(*o)++] = (char)b;
}

/* A character from UTF-8 (n bytes); REP may repeat it if it is text. */
static void put_char(struct console_guard *g, char *out, size_t *o,
		     const unsigned char *s, int n, uint32_t cp)
{
	bool text = g->vt == GVT_NORMAL;

	for (int i = 0; i < n; i++)
		put(g, out, o, s[i]);
	if (text)
		g->rep_ok = spacing(cp);
}

static void put_replacement(struct console_guard *g, char *out, size_t *o)
{
	put_char(g, out, o, (const unsigned char *)replacement,
		 sizeof(replacement) - 1, 0xfffd);
}

/*
 * The length of the sequence a lead byte starts, as libvterm counts it
 * (up to six bytes); 0 for a byte that starts none.
 */
static int utf8_seq_len(unsigned char b)
{
	if (b >= 0xc0 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf7)
		return 4;
	if (b >= 0xf8 && b <= 0xfb)
		return 5;
	if (b >= 0xfc && b <= 0xfd)
		return 6;
	return 0;
}

/*
 * The code point of a whole sequence if it is one libvterm may print:
 * the shortest form, not a surrogate nor a C1 control; else 0.
 */
static uint32_t utf8_char(const unsigned char *s, int n)
{
	static const uint32_t least[] = { 0, 0, 0xa0, 0x800, 0x10000 };
	uint32_t cp = s[0] & (0x7f >> n);

	if (n > 4)
		return 0; /* beyond U+10FFFF */
	for (int i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return cp;
}

size_t console_guard(struct console_guard *g, const unsigned char *in, size_t n,
		     char *out, size_t *used)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		unsigned char b = in[i];
		uint32_t cp;

		if (g->utf8_len) {
			if ((b & 0xc0) == 0x80) {
				g->utf8[g->utf8_len++] = b;
				if (g->utf8_len < g->utf8_need)
					continue;
				cp = utf8_char(g->utf8, g->utf8_len);
				if (cp)
					put_char(g, out, &o, g->utf8,
						 g->utf8_len, cp);
				else
					put_replacement(g, out, &o);
				g->utf8_len = 0;
				continue;
			}
			/* broken off: b starts afresh */
			put_replacement(g, out, &o);
			g->utf8_len = 0;
		}
		if (b < 0x80) {
			if (o && (out[o - 1] & 0x80))
				break; /* from UTF-8 to ASCII: a new write */
			put(g, out, &o, b);
		} else if ((g->utf8_need = utf8_seq_len(b))) {
			g->utf8[0] = b;
			g->utf8_len = 1;
		} else {
			put_replacement(g, out, &o);
		}
	}
	*used = i;
	return o;
}
