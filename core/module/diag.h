/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gcc / kbuild / make / ld / modpost diagnostic parser, fed one line at
 * a time (without the newline). It keeps the context gcc prints around
 * diagnostics ("In function", "In file included from", make's "Entering
 * directory") and classifies every line so the build pane can colour it
 * and n/N can jump between errors and warnings.
 *
 * Kbuild prints absolute paths into the build directory, whose sources are
 * symlinks to the real tree (target/kbuild.sh): src is the file to open,
 * with the symlink resolved.
 */
#ifndef KMDASH_DIAG_H
#define KMDASH_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kind of a line; also the tag of build log lines in the ring. */
enum diag_kind {
	DIAG_PLAIN = 0,
	DIAG_PROGRESS, /* kbuild "  CC [M]  path" */
	DIAG_NOTE,
	DIAG_WARNING,
	DIAG_ERROR, /* includes make's "*** [...] Error 1" consequences */
};

enum diag_sev {
	DIAG_SEV_NOTE,
	DIAG_SEV_WARNING,
	DIAG_SEV_ERROR,
	DIAG_SEV_FATAL, /* gcc "fatal error:", modpost "FATAL:" */
};

enum diag_origin {
	DIAG_FROM_COMPILER, /* file:line:col: severity: message */
	DIAG_FROM_TOOL, /* "gcc: error: ...", "ld: warning: ..." */
	DIAG_FROM_LINKER, /* undefined reference, cannot find -lx */
	DIAG_FROM_MODPOST, /* ERROR: modpost: "sym" [x.ko] undefined! */
	DIAG_FROM_MAKE, /* make: *** No rule to make target ... */
};

#define DIAG_PATH_MAX 512
#define DIAG_TEXT_MAX 512

struct diag {
	enum diag_sev sev;
	enum diag_origin origin;
	char file[DIAG_PATH_MAX]; /* as printed; "" when none */
	char src[DIAG_PATH_MAX]; /* the file to open (symlink resolved) */
	int line, col; /* 0: not given */
	char message[DIAG_TEXT_MAX]; /* without the [-Wflag] */
	char option[80]; /* "-Wunused-variable", or "" */
	char function[128]; /* from "In function 'f':", or "" */
	char included_from[DIAG_PATH_MAX]; /* "file:line" of the includer */
	/*
	 * For a diagnostic inside a macro of a header (pr_info's format
	 * checked in kern_levels.h): where the macro is used in the file
	 * being compiled, from gcc's "in expansion of macro" notes. The
	 * place to open when set (at_line > 0); filled by the build job.
	 */
	char at_src[DIAG_PATH_MAX];
	int at_line, at_col;
	uint64_t seq; /* the line's sequence number in the build log */
};

struct diag_line {
	enum diag_kind kind;
	bool has_diag; /* diag is filled */
	bool consequence; /* an error that only repeats an earlier one */
	struct diag diag;
	const char *plain; /* the line without colours; valid until next */
	size_t plain_len;
};

#define DIAG_DIR_DEPTH 8

struct diag_parser {
	char cwd[DIAG_PATH_MAX]; /* where the build runs, for relative paths */
	char dirs[DIAG_DIR_DEPTH][DIAG_PATH_MAX]; /* make -C / Entering */
	int ndirs;
	char function[128];
	char func_file[DIAG_PATH_MAX]; /* the file of "file: In function" */
	char chain[DIAG_PATH_MAX]; /* the latest include chain's includer */
	char chain_file[DIAG_PATH_MAX]; /* the file it was printed for */
	bool in_chain;
	/*
	 * "FROM=TO" path prefixes (borrowed, NULL-terminated, or NULL): a
	 * build in a container prints its own paths (/workspace/x.c), the
	 * file to open is the host's.
	 */
	const char *const *maps;
	char *buf; /* the stripped line */
	size_t cap;
};

/* cwd may be NULL (relative paths then stay relative). */
void diag_parser_init(struct diag_parser *p, const char *cwd);
void diag_parser_free(struct diag_parser *p);

/* Parses one line (colours allowed, no newline). */
enum diag_kind diag_parse_line(struct diag_parser *p, const char *line,
			       size_t len, struct diag_line *out);

/*
 * Copies in without ANSI escape sequences (CSI colours, OSC links such as
 * gcc's option URLs). Returns the length written (out is NUL-terminated;
 * cap >= 1).
 */
size_t diag_strip_ansi(const char *in, size_t len, char *out, size_t cap);

/*
 * The escape sequence at s (s[0] is ESC), at most len bytes: its length
 * (all of len when it is cut off), and whether it is an SGR, ESC [ params
 * m, whose parameters are the bytes from s + 2 to the final 'm'.
 */
size_t diag_ansi_len(const char *s, size_t len, bool *sgr);

/*
 * The file to open for a path the build printed: relative paths are taken
 * from base (if any), then the first of maps ("FROM=TO", NULL-terminated,
 * or NULL) whose FROM prefixes it gives the host's path, then symlinks
 * are resolved (kbuild's mirror of the sources).
 */
void diag_map_path(const char *path, const char *base, const char *const *maps,
		   char *out, size_t cap);

const char *diag_sev_name(enum diag_sev sev); /* "error", "warning", ... */

#endif
