/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The serial console as a terminal screen (libvterm's parser and state
 * under a grid of our own) plus a bounded scrollback. Feeding bytes only
 * updates the model and marks rows dirty; the dashboard reads cells and
 * clears the dirty marks when it has drawn.
 *
 * Terminal answers (busybox ash asks ESC[6n after every prompt) go to the
 * reply callback: wire it to the serial line. Every raw byte fed also goes
 * to the sink callback (the session journal).
 */
#ifndef KMDASH_CONSOLE_H
#define KMDASH_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vterm_keycodes.h>

struct console;

struct console_config {
	int rows, cols; /* 0: 24 x 80 */
	size_t sb_lines; /* scrollback bound in lines; 0: 10000 */
	size_t sb_bytes; /* and in bytes; 0: 16 MiB */
	/*
	 * LF also returns the carriage (ESC[20h): for sources without a tty
	 * (a pipe, a log file). The QEMU serial console is a tty in the
	 * guest and needs it off.
	 */
	bool newline_mode;
};

enum console_color_kind {
	CONSOLE_COLOR_DEFAULT,
	CONSOLE_COLOR_INDEX, /* index: 0-15 ANSI, 16-255 the 256 palette */
	CONSOLE_COLOR_RGB,
};

struct console_color {
	uint8_t kind; /* enum console_color_kind */
	uint8_t index;
	uint8_t r, g, b;
};

enum {
	CONSOLE_ATTR_BOLD = 1 << 0,
	CONSOLE_ATTR_UNDERLINE = 1 << 1,
	CONSOLE_ATTR_ITALIC = 1 << 2,
	CONSOLE_ATTR_BLINK = 1 << 3,
	CONSOLE_ATTR_REVERSE = 1 << 4,
	CONSOLE_ATTR_STRIKE = 1 << 5,
};

#define CONSOLE_MAX_CHARS 6
/* The right half of a wide character. */
#define CONSOLE_WIDE_RIGHT ((uint32_t)-1)

struct console_cell {
	/* chars[0] == 0: empty; == CONSOLE_WIDE_RIGHT: right half of wide */
	uint32_t chars[CONSOLE_MAX_CHARS];
	int width; /* 1, or 2 for the left half of a wide character */
	unsigned int attrs; /* CONSOLE_ATTR_* */
	struct console_color fg, bg;
};

typedef void (*console_bytes_fn)(const char *buf, size_t n, void *arg);

struct console *console_new(const struct console_config *cfg);
void console_free(struct console *c);
void console_set_reply(struct console *c, console_bytes_fn fn, void *arg);
void console_set_sink(struct console *c, console_bytes_fn fn, void *arg);

/* Bytes from the line (any split: UTF-8 and escapes may straddle). */
void console_feed(struct console *c, const char *buf, size_t n);
/*
 * The bytes a terminal sends for a key (VTERM_KEY_*, with VTERM_MOD_*
 * modifiers) or a character, as libvterm encodes them for the modes the
 * line has set: application cursor keys (DECCKM, ESC[?1h) turn Up into
 * ESC O A, as vi and less expect. Returns the length written to buf, or
 * -ENOSPC. Nothing is sent: the caller writes the bytes to the line.
 */
int console_encode_key(struct console *c, VTermKey key, VTermModifier mod,
		       char *buf, size_t cap);
int console_encode_char(struct console *c, uint32_t ch, VTermModifier mod,
			char *buf, size_t cap);

/*
 * Keeps the content. Fewer rows: blank rows below the cursor go first,
 * then lines off the top into the scrollback; the cursor line stays in
 * view. 0, -EINVAL (a size below 1 or above 10000), or -ENOMEM (then
 * nothing changed).
 */
int console_resize(struct console *c, int rows, int cols);

int console_rows(const struct console *c);
int console_cols(const struct console *c);
/* 0, or -ERANGE outside the screen. */
int console_cell(const struct console *c, int row, int col,
		 struct console_cell *out);
/* A row as UTF-8, trailing blanks cut; returns the length. */
size_t console_row_text(const struct console *c, int row, char *buf,
			size_t cap);
void console_cursor(const struct console *c, int *row, int *col, bool *visible);

/* Dirty marks: rows the screen changed, cursor moves, new scrollback. */
bool console_dirty(const struct console *c);
bool console_row_dirty(const struct console *c, int row);
void console_clear_dirty(struct console *c);

/*
 * Scrollback: lines pushed off the top, oldest first, addressed by a
 * sequence number that keeps counting across evictions (like core/base/ring).
 */
uint64_t console_sb_first(const struct console *c);
uint64_t console_sb_end(const struct console *c);
/* Cells stored for that line (trailing blanks are not), or -ENOENT. */
int console_sb_width(const struct console *c, uint64_t seq);
/* Beyond the stored width: a blank cell. -ENOENT if evicted. */
int console_sb_cell(const struct console *c, uint64_t seq, int col,
		    struct console_cell *out);
size_t console_sb_text(const struct console *c, uint64_t seq, char *buf,
		       size_t cap);

#endif
