// SPDX-License-Identifier: GPL-2.0
/*
 * The console model over libvterm (0.1.4 API: the VTermColor union, no
 * sb_clear). Callbacks only record: damage marks rows in a bitmap, pushed
 * lines go compactly into a core/ring, terminal answers go to the line.
 */
#include "console.h"
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <vterm.h>

/* One scrollback cell: 16 bytes; only the base character is kept. */
struct sb_cell {
	uint32_t ch;
	uint8_t width, attrs;
	uint8_t fg[4], bg[4]; /* kind, then index or r g b */
	uint8_t pad[2];
};

struct console {
	VTerm *vt;
	VTermScreen *screen;
	int rows, cols;
	uint64_t *dirty; /* one bit per row */
	bool cursor_dirty, sb_dirty;
	VTermPos cursor;
	bool cursor_visible;
	struct ring *sb;
	struct sb_cell *packbuf;
	int packcap;
	console_bytes_fn reply, sink;
	void *reply_arg, *sink_arg;
};

static size_t dirty_words(int rows)
{
	return ((size_t)rows + 63) / 64;
}

static void mark_rows(struct console *c, int from, int to)
{
	if (from < 0)
		from = 0;
	for (int r = from; r < to && r < c->rows; r++)
		c->dirty[r / 64] |= 1ULL << (r % 64);
}

static int on_damage(VTermRect rect, void *user)
{
	mark_rows(user, rect.start_row, rect.end_row);
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos old, int visible, void *user)
{
	struct console *c = user;

	c->cursor = pos;
	c->cursor_visible = visible;
	c->cursor_dirty = true;
	return 1;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct console *c = user;

	if (prop == VTERM_PROP_CURSORVISIBLE) {
		c->cursor_visible = val->boolean;
		c->cursor_dirty = true;
	}
	return 1;
}

static void pack_color(uint8_t out[4], const VTermColor *col, bool fg)
{
	memset(out, 0, 4);
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(col) :
		 VTERM_COLOR_IS_DEFAULT_BG(col))
		out[0] = CONSOLE_COLOR_DEFAULT;
	else if (VTERM_COLOR_IS_INDEXED(col)) {
		out[0] = CONSOLE_COLOR_INDEX;
		out[1] = col->indexed.idx;
	} else {
		out[0] = CONSOLE_COLOR_RGB;
		out[1] = col->rgb.red;
		out[2] = col->rgb.green;
		out[3] = col->rgb.blue;
	}
}

static struct console_color unpack_color(const uint8_t in[4])
{
	struct console_color col = { .kind = in[0] };

	if (in[0] == CONSOLE_COLOR_INDEX)
		col.index = in[1];
	else if (in[0] == CONSOLE_COLOR_RGB) {
		col.r = in[1];
		col.g = in[2];
		col.b = in[3];
	}
	return col;
}

static unsigned int pack_attrs(const VTermScreenCellAttrs *a)
{
	return (a->bold ? CONSOLE_ATTR_BOLD : 0) |
	       (a->underline ? CONSOLE_ATTR_UNDERLINE : 0) |
	       (a->italic ? CONSOLE_ATTR_ITALIC : 0) |
	       (a->blink ? CONSOLE_ATTR_BLINK : 0) |
	       (a->reverse ? CONSOLE_ATTR_REVERSE : 0) |
	       (a->strike ? CONSOLE_ATTR_STRIKE : 0);
}

static bool sb_cell_blank(const struct sb_cell *s)
{
	return (s->ch == 0 || s->ch == ' ') && !s->attrs &&
	       s->fg[0] == CONSOLE_COLOR_DEFAULT &&
	       s->bg[0] == CONSOLE_COLOR_DEFAULT;
}

static int on_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	struct console *c = user;
	int n = cols;

	if (cols > c->packcap) {
		struct sb_cell *p =
			realloc(c->packbuf, (size_t)cols * sizeof(*p));

		if (!p)
			return 0;
		c->packbuf = p;
		c->packcap = cols;
	}
	for (int i = 0; i < cols; i++) {
		struct sb_cell *s = &c->packbuf[i];

		memset(s, 0, sizeof(*s));
		s->ch = cells[i].chars[0];
		s->width = (uint8_t)cells[i].width;
		s->attrs = (uint8_t)pack_attrs(&cells[i].attrs);
		pack_color(s->fg, &cells[i].fg, true);
		pack_color(s->bg, &cells[i].bg, false);
	}
	/* Most console lines are short: blank tails are not stored. */
	while (n > 0 && sb_cell_blank(&c->packbuf[n - 1]))
		n--;
	ring_push(c->sb, (const char *)c->packbuf,
		  (size_t)n * sizeof(struct sb_cell), (uint32_t)cols);
	c->sb_dirty = true;
	return 1;
}

static void on_output(const char *s, size_t len, void *user)
{
	struct console *c = user;

	if (c->reply)
		c->reply(s, len, c->reply_arg);
}

static const VTermScreenCallbacks screen_cbs = {
	.damage = on_damage,
	.movecursor = on_movecursor,
	.settermprop = on_settermprop,
	.sb_pushline = on_sb_pushline,
};

struct console *console_new(const struct console_config *cfg)
{
	struct console *c = calloc(1, sizeof(*c));
	int rows = cfg && cfg->rows > 0 ? cfg->rows : 24;
	int cols = cfg && cfg->cols > 0 ? cfg->cols : 80;
	size_t lines = cfg && cfg->sb_lines ? cfg->sb_lines : 10000;
	size_t bytes = cfg && cfg->sb_bytes ? cfg->sb_bytes : 8u << 20;

	if (!c)
		return NULL;
	c->vt = vterm_new(rows, cols);
	c->sb = ring_new(lines, bytes);
	c->dirty = calloc(dirty_words(rows), sizeof(uint64_t));
	if (!c->vt || !c->sb || !c->dirty) {
		console_free(c);
		return NULL;
	}
	c->rows = rows;
	c->cols = cols;
	c->cursor_visible = true;
	vterm_set_utf8(c->vt, 1);
	vterm_output_set_callback(c->vt, on_output, c);
	c->screen = vterm_obtain_screen(c->vt);
	vterm_screen_set_callbacks(c->screen, &screen_cbs, c);
	/* One merged damage rect per feed instead of one per cell. */
	vterm_screen_set_damage_merge(c->screen, VTERM_DAMAGE_SCREEN);
	vterm_screen_reset(c->screen, 1);
	if (cfg && cfg->newline_mode) {
		static const char lnm[] = "\033[20h";

		vterm_input_write(c->vt, lnm, sizeof(lnm) - 1);
	}
	mark_rows(c, 0, rows);
	return c;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->vt)
		vterm_free(c->vt);
	ring_free(c->sb);
	free(c->dirty);
	free(c->packbuf);
	free(c);
}

void console_set_reply(struct console *c, console_bytes_fn fn, void *arg)
{
	c->reply = fn;
	c->reply_arg = arg;
}

void console_set_sink(struct console *c, console_bytes_fn fn, void *arg)
{
	c->sink = fn;
	c->sink_arg = arg;
}

void console_feed(struct console *c, const char *buf, size_t n)
{
	if (!n)
		return;
	if (c->sink)
		c->sink(buf, n, c->sink_arg);
	vterm_input_write(c->vt, buf, n);
	vterm_screen_flush_damage(c->screen);
}

int console_resize(struct console *c, int rows, int cols)
{
	uint64_t *d;

	if (rows <= 0 || cols <= 0)
		return -EINVAL;
	d = calloc(dirty_words(rows), sizeof(uint64_t));
	if (!d)
		return -ENOMEM;
	free(c->dirty);
	c->dirty = d;
	c->rows = rows;
	c->cols = cols;
	vterm_set_size(c->vt, rows, cols);
	vterm_screen_flush_damage(c->screen);
	mark_rows(c, 0, rows);
	c->cursor_dirty = true;
	return 0;
}

int console_rows(const struct console *c)
{
	return c->rows;
}

int console_cols(const struct console *c)
{
	return c->cols;
}

static struct console_color screen_color(const VTermColor *col, bool fg)
{
	uint8_t packed[4];

	pack_color(packed, col, fg);
	return unpack_color(packed);
}

int console_cell(const struct console *c, int row, int col,
		 struct console_cell *out)
{
	VTermScreenCell cell;
	VTermPos pos = { .row = row, .col = col };

	memset(out, 0, sizeof(*out));
	if (row < 0 || row >= c->rows || col < 0 || col >= c->cols ||
	    !vterm_screen_get_cell(c->screen, pos, &cell))
		return -ERANGE;
	memcpy(out->chars, cell.chars, sizeof(out->chars));
	out->width = cell.width;
	out->attrs = pack_attrs(&cell.attrs);
	out->fg = screen_color(&cell.fg, true);
	out->bg = screen_color(&cell.bg, false);
	return 0;
}

/* UTF-8 of one code point; returns bytes written (0 if no room). */
static size_t utf8_put(char *buf, size_t cap, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (n > cap)
		return 0;
	memcpy(buf, tmp, n);
	return n;
}

/* Appends a cell's text; tracks the length up to the last non-blank. */
static void text_cell(char *buf, size_t cap, size_t *len, size_t *keep,
		      const uint32_t *chars, int nchars)
{
	if (chars[0] == CONSOLE_WIDE_RIGHT)
		return;
	if (chars[0] == 0) {
		*len += utf8_put(buf + *len, cap - *len, ' ');
		return;
	}
	for (int i = 0; i < nchars && chars[i]; i++)
		*len += utf8_put(buf + *len, cap - *len, chars[i]);
	if (chars[0] != ' ')
		*keep = *len;
}

size_t console_row_text(const struct console *c, int row, char *buf, size_t cap)
{
	size_t len = 0, keep = 0;
	struct console_cell cell;

	if (!cap)
		return 0;
	for (int col = 0; col < c->cols; col++) {
		if (console_cell(c, row, col, &cell) < 0)
			break;
		text_cell(buf, cap - 1, &len, &keep, cell.chars,
			  CONSOLE_MAX_CHARS);
	}
	buf[keep] = '\0';
	return keep;
}

void console_cursor(const struct console *c, int *row, int *col, bool *visible)
{
	if (row)
		*row = c->cursor.row;
	if (col)
		*col = c->cursor.col;
	if (visible)
		*visible = c->cursor_visible;
}

bool console_dirty(const struct console *c)
{
	if (c->cursor_dirty || c->sb_dirty)
		return true;
	for (size_t i = 0; i < dirty_words(c->rows); i++)
		if (c->dirty[i])
			return true;
	return false;
}

bool console_row_dirty(const struct console *c, int row)
{
	if (row < 0 || row >= c->rows)
		return false;
	return c->dirty[row / 64] & (1ULL << (row % 64));
}

void console_clear_dirty(struct console *c)
{
	memset(c->dirty, 0, dirty_words(c->rows) * sizeof(uint64_t));
	c->cursor_dirty = c->sb_dirty = false;
}

uint64_t console_sb_first(const struct console *c)
{
	return ring_first_seq(c->sb);
}

uint64_t console_sb_end(const struct console *c)
{
	return ring_end_seq(c->sb);
}

int console_sb_width(const struct console *c, uint64_t seq)
{
	const struct ring_line *l = ring_get(c->sb, seq);

	return l ? (int)(l->len / sizeof(struct sb_cell)) : -ENOENT;
}

int console_sb_cell(const struct console *c, uint64_t seq, int col,
		    struct console_cell *out)
{
	const struct ring_line *l = ring_get(c->sb, seq);
	const struct sb_cell *s;

	memset(out, 0, sizeof(*out));
	out->width = 1;
	if (!l)
		return -ENOENT;
	if (col < 0 || (size_t)col >= l->len / sizeof(struct sb_cell))
		return 0;
	s = (const struct sb_cell *)l->text + col;
	out->chars[0] = s->ch;
	out->width = s->width;
	out->attrs = s->attrs;
	out->fg = unpack_color(s->fg);
	out->bg = unpack_color(s->bg);
	return 0;
}

size_t console_sb_text(const struct console *c, uint64_t seq, char *buf,
		       size_t cap)
{
	const struct ring_line *l = ring_get(c->sb, seq);
	size_t len = 0, keep = 0;

	if (!cap)
		return 0;
	if (l) {
		const struct sb_cell *s = (const struct sb_cell *)l->text;

		for (size_t i = 0; i < l->len / sizeof(*s); i++)
			text_cell(buf, cap - 1, &len, &keep, &s[i].ch, 1);
	}
	buf[keep] = '\0';
	return keep;
}
