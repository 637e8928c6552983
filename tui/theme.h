/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Colour themes: JSON files mapping roles (pane border, log levels, graph
 * series, link states, ...) to foreground, background and attributes, and
 * the mapping of those colours to what the terminal can show (truecolor,
 * 256, 16, 8, none). Pure: parsing and colour arithmetic only; the curses
 * side (colour pairs) is tui/theme_curses.h.
 */
#ifndef KMDASH_THEME_H
#define KMDASH_THEME_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

enum theme_role {
	TR_NORMAL,
	TR_BORDER,
	TR_BORDER_FOCUS,
	TR_TITLE,
	TR_TITLE_FOCUS,
	TR_STATUS,
	TR_KEYBAR_KEY,
	TR_KEYBAR_LABEL,
	TR_LOG_EMERG, /* TR_LOG_EMERG + syslog priority 0..7 */
	TR_LOG_ALERT,
	TR_LOG_CRIT,
	TR_LOG_ERR,
	TR_LOG_WARNING,
	TR_LOG_NOTICE,
	TR_LOG_INFO,
	TR_LOG_DEBUG,
	TR_DIAG_ERROR,
	TR_DIAG_WARNING,
	TR_DIAG_NOTE,
	TR_GRAPH_1, /* TR_GRAPH_1 + graph colour slot 0..3 */
	TR_GRAPH_2,
	TR_GRAPH_3,
	TR_GRAPH_4,
	TR_GRAPH_PREV, /* the previous run, overlaid */
	TR_LINK_UP,
	TR_LINK_DEGRADED,
	TR_LINK_DOWN,
	TR_LINK_CONNECTING,
	TR_DELTA_BETTER,
	TR_DELTA_WORSE,
	TR_SEARCH,
	TR_BANNER, /* kernel oops/panic banner */
	TR_COUNT,
};

enum theme_color_kind {
	TC_DEFAULT, /* the terminal's own foreground/background */
	TC_INDEX, /* 0..255: the terminal palette */
	TC_RGB, /* 0xRRGGBB */
};

struct theme_color {
	enum theme_color_kind kind;
	uint32_t v;
};

#define THEME_BOLD 0x01u
#define THEME_DIM 0x02u
#define THEME_ITALIC 0x04u
#define THEME_UNDERLINE 0x08u
#define THEME_REVERSE 0x10u

struct theme_style {
	struct theme_color fg, bg;
	unsigned attrs;
};

#define THEME_NAME_MAX 64
/* Themes listed at most (the built-ins, the shipped ones, the user's). */
#define THEME_LIST_MAX 32

struct theme {
	char name[THEME_NAME_MAX];
	struct theme_style role[TR_COUNT];
};

/* The role's key in theme files: "border.focus", "log.err", "graph.prev". */
const char *theme_role_name(enum theme_role r);

/* The compiled-in copies of themes/default.json and monochrome.json. */
void theme_builtin_default(struct theme *t);
void theme_builtin_mono(struct theme *t);

/*
 * Parses a theme. Roles left out keep the built-in default's style, so a
 * user theme can change three roles and nothing else. Every error is
 * reported, one per line, each naming its place (core/base/jsonerr.h):
 * "PATH:LINE:COL: 'log.err': unknown colour 'redd' (...)"; @t is then the
 * built-in default. Returns 0 or -EINVAL.
 */
int theme_parse(struct theme *t, const char *name, const char *text, size_t len,
		const char *path, char *err, size_t cap);
/* Reads and parses @path; "PATH: cannot read: WHY" when it cannot. */
int theme_load_file(struct theme *t, const char *path, char *err, size_t cap);

/* Parses one colour: "red", "bright-red", "default", "#rrggbb", "0".."255". */
int theme_color_parse(const char *s, struct theme_color *out);

/* --- where themes live ------------------------------------------------ */

#define THEME_DIRS_MAX 4

struct theme_dirs {
	int n;
	char dir[THEME_DIRS_MAX][PATH_MAX];
};

/*
 * In lookup order: $XDG_CONFIG_HOME/kmdash/themes (or
 * ~/.config/kmdash/themes), then next to the binary: EXE/../share/kmdash/
 * themes (installed), EXE/../themes and EXE/../../themes (the source tree:
 * build/kmdash, build/asan/kmdash). Any argument may be NULL.
 */
void theme_dirs_init(struct theme_dirs *d, const char *xdg_config_home,
		     const char *home, const char *exe_path);
/* The first DIR/NAME.json that exists; -ENOENT, or -EINVAL for a bad name. */
int theme_find(const struct theme_dirs *d, const char *name, char *path,
	       size_t cap);
/* Every theme name available, sorted, each once (for the `t` key). */
int theme_list(const struct theme_dirs *d, char (*names)[THEME_NAME_MAX],
	       int max);
/*
 * Loads theme @name from the dirs. "default" and "monochrome" need no
 * file. On any error @t is the built-in default and @err says why.
 */
int theme_load(struct theme *t, const struct theme_dirs *d, const char *name,
	       char *err, size_t cap);

/* --- what the terminal can show --------------------------------------- */

enum theme_depth {
	TD_MONO, /* attributes only */
	TD_8,
	TD_16,
	TD_256,
	TD_TRUE, /* 24-bit */
};

/*
 * NO_COLOR set and not empty (no-color.org) -> mono; fewer than 8 colours
 * -> mono; COLORTERM truecolor/24bit with >= 256 colours -> truecolor;
 * else 256, 16 or 8 from the terminal's colour count.
 */
enum theme_depth theme_depth_detect(const char *no_color, const char *colorterm,
				    int ncolors);

/* A resolved colour: -1 = default, else a palette index, or RGB | flag. */
#define THEME_PEN_RGB 0x1000000
struct theme_pen {
	int fg, bg;
	unsigned attrs;
};

/*
 * Maps every role to what @depth can show. Mono takes its attributes from
 * the built-in monochrome theme (colour themes lean on colour to tell
 * roles apart). In 8 colours a bright foreground becomes bold.
 */
void theme_resolve(const struct theme *t, enum theme_depth depth,
		   struct theme_pen pens[TR_COUNT]);

/* Nearest xterm-256 index (16..255: cube and grey ramp) to an RGB value. */
int theme_rgb_to_256(uint32_t rgb);
/* Nearest of the 16 (or first 8) xterm default colours. */
int theme_rgb_to_16(uint32_t rgb, int ncolors);
/* The RGB value of an xterm-256 palette index (xterm's defaults). */
uint32_t theme_index_rgb(int index);

#endif
