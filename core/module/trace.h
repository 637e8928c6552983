/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text of a kernel trace: an oops, BUG, WARNING or panic block, a
 * soft-lockup or hung-task report. What kind it is, what it says, which
 * task it hit and which frames it names. Pure parsing of lines as the
 * kernel printed them, wherever they came from: a /dev/kmsg record, a line
 * of the serial console, a trace pasted from a bug report. The kernel log
 * model (core/module/kmsg.h) and the console both find blocks with
 * trace_line_kind(); the decoder (core/module/decode.h) resolves frames.
 *
 * Frame lines (arm64 and x86 print the same shape):
 *   " sh_do_op+0x16c/0xc80 [storage_hash]"      a call-trace frame
 *   "pc : sh_do_op+0x16c/0xc80 [storage_hash]"   where it faulted (arm64)
 *   "lr : sh_ioctl+0x1f0/0x2a0 [storage_hash]"   the link register (arm64)
 *   "RIP: 0010:sh_get+0x2b/0x90 [storage_hash]"  where it faulted (x86)
 *   " ? sh_put+0x10/0x40 [storage_hash]"         an unreliable guess (x86)
 */
#ifndef KMDASH_TRACE_H
#define KMDASH_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trace_kind {
	TRACE_NONE = 0,
	TRACE_OOPS, /* "Unable to handle kernel ...", "Internal error: ..." */
	TRACE_BUG, /* "kernel BUG at ...", "BUG: ..." */
	TRACE_WARNING, /* "WARNING: CPU: ..." */
	TRACE_PANIC, /* "Kernel panic - not syncing: ..." */
	/* "watchdog: BUG: soft lockup - CPU#0 stuck ...", and RCU's stall
	 * report ("rcu: INFO: rcu_sched self-detected stall on CPU") */
	TRACE_SOFTLOCKUP,
	TRACE_HUNG_TASK, /* "INFO: task insmod:123 blocked for more ..." */
};

enum trace_frame_role {
	TRACE_FRAME_CALL, /* a return address: the call is one insn before */
	TRACE_FRAME_PC, /* where it stopped: the address itself */
	TRACE_FRAME_LR, /* arm64's link register: a return address */
};

#define TRACE_SYM_MAX 128
#define TRACE_MOD_MAX 64

struct trace_frame {
	enum trace_frame_role role;
	bool unreliable; /* x86's " ? " frames */
	char sym[TRACE_SYM_MAX];
	uint64_t off, size;
	char module[TRACE_MOD_MAX]; /* "" in the kernel proper */
	size_t line; /* index of the block line it was read from */
	/*
	 * pc frames: the faulting instruction's bytes in memory order, from
	 * the block's "Code:" line (arm64 "(b9000001)", x86 "<0f> 0b ...";
	 * little-endian targets), for telling same-named functions apart.
	 * insn_len 0: not printed.
	 */
	uint8_t insn[16];
	uint8_t insn_len;
};

#define TRACE_MAX_FRAMES 64
#define TRACE_TITLE_MAX 256

struct trace {
	enum trace_kind kind;
	/* the block's first line that says what happened, as printed */
	char title[TRACE_TITLE_MAX];
	/* a panic's own words ("Fatal exception", "Oops: Fatal exception") */
	char panic_msg[TRACE_TITLE_MAX];
	char comm[32]; /* the task it hit ("sebench"), "" if not printed */
	int pid; /* 0 if not printed */
	char taint[32]; /* "G      D    O", "" if not printed */
	struct trace_frame frames[TRACE_MAX_FRAMES];
	size_t nframes;
	size_t nlines; /* lines added */
	bool ended; /* "---[ end trace" (or end Kernel panic) seen */
};

/*
 * Which kind of block text starts, if any. "------------[ cut here ]----"
 * starts a block whose kind the next line tells: *cut_here is set and
 * TRACE_NONE returned. text is the message alone (no log prefix).
 */
enum trace_kind trace_line_kind(const char *text, size_t len, bool *cut_here);
/* "---[ end trace ...]---" or "---[ end Kernel panic ...]---". */
bool trace_line_ends(const char *text, size_t len);

/*
 * The message of a line as a console, dmesg or a bug report shows it:
 * skips "<4>", "4,123,456,-;", "[  112.700123] ", "[T123] ", syslog's
 * "Mon DD HH:MM:SS host kernel: " and a trailing "\r". *usec gets the
 * printk timestamp when there was one, else -1. Returns the offset of the
 * message; *msg_len its length.
 */
size_t trace_strip_prefix(const char *line, size_t len, int64_t *usec,
			  size_t *msg_len);

/* One frame line (see above); false if the text is not one. */
bool trace_parse_frame(const char *text, size_t len, struct trace_frame *f);

void trace_init(struct trace *t);
/*
 * Adds the next line of a block (the message alone). The first line sets
 * kind and title; later ones the task, taint, panic message and frames.
 */
void trace_add_line(struct trace *t, const char *text, size_t len);

/*
 * The module the trace is attributed to: the faulting pc's module, else
 * the first reliable call frame in a module (a WARNING's "at ... [mod]"
 * line counts as its pc). NULL when only the kernel proper is named.
 */
const char *trace_module(const struct trace *t);
/* Whether any frame names module (in any role). */
bool trace_names_module(const struct trace *t, const char *module);
/* "oops", "BUG", "warning", "panic", "soft lockup", "hung task" */
const char *trace_kind_name(enum trace_kind k);

#endif
