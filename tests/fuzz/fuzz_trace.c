// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel trace text as the kernel log, the serial console or a bug report
 * carries it, through the parser of core/module/trace.c: each line's log
 * prefix stripped (trace_strip_prefix), its block kind (trace_line_kind,
 * trace_line_ends) and frame (trace_parse_frame); the blocks found built
 * up with trace_init/trace_add_line and attributed (trace_module).
 */
#include <string.h>

#include "core/module/trace.h"
#include "tests/fuzz/fuzz.h"

/* The kernel log gives up on a block that never ends (kmsg.c). */
#define BLOCK_MAX_LINES 400

static struct trace t;

static bool is_string(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void check_frame(const struct trace_frame *f)
{
	fuzz_assert(is_string(f->sym, sizeof(f->sym)) &&
			    is_string(f->module, sizeof(f->module)),
		    "frame names are strings");
	fuzz_assert(f->insn_len <= sizeof(f->insn), "instruction bytes");
	fuzz_assert(f->role <= TRACE_FRAME_LR, "frame role");
}

static void finish(void)
{
	const char *mod = trace_module(&t);

	fuzz_assert(t.nframes <= TRACE_MAX_FRAMES, "frames held");
	for (size_t i = 0; i < t.nframes; i++) {
		check_frame(&t.frames[i]);
		fuzz_assert(t.frames[i].line < t.nlines,
			    "a frame's line is one of the block's");
	}
	fuzz_assert(is_string(t.title, sizeof(t.title)) &&
			    is_string(t.panic_msg, sizeof(t.panic_msg)) &&
			    is_string(t.comm, sizeof(t.comm)) &&
			    is_string(t.taint, sizeof(t.taint)),
		    "trace fields are strings");
	fuzz_assert(!mod || strlen(mod) < TRACE_MOD_MAX, "trace_module");
	fuzz_assert(!mod || trace_names_module(&t, mod),
		    "the module a trace is put on is one of its frames'");
	fuzz_assert(trace_kind_name(t.kind) != NULL, "kind name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	bool in_block = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p), off, mlen;
		struct trace_frame f;
		int64_t usec;
		bool cut;
		enum trace_kind kind;

		off = trace_strip_prefix(p, len, &usec, &mlen);
		fuzz_assert(off <= len && mlen <= len - off,
			    "the message is inside the line");
		fuzz_assert(usec >= -1, "a printk time, or -1");
		kind = trace_line_kind(p + off, mlen, &cut);
		if (trace_parse_frame(p + off, mlen, &f))
			check_frame(&f);
		if (!in_block && (kind != TRACE_NONE || cut)) {
			trace_init(&t);
			in_block = true;
		}
		if (in_block) {
			trace_add_line(&t, p + off, mlen);
			if (trace_line_ends(p + off, mlen) ||
			    t.nlines >= BLOCK_MAX_LINES) {
				finish();
				in_block = false;
			}
		}
		p += len + 1;
	}
	if (in_block)
		finish();
	return 0;
}
