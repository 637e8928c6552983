// SPDX-License-Identifier: GPL-2.0
/*
 * QMP: what QEMU's monitor socket sends (a greeting, returns, errors,
 * events; one JSON object per CRLF line), in any split, through the pure
 * parser of core/vm/qmp.c and the readers of its messages.
 *
 * Input: a split byte, then the stream.
 */
#include <string.h>

#include "core/vm/qmp.h"
#include "tests/fuzz/fuzz.h"

struct run {
	struct qmp_parser p;
	int delivered;
};

static void on_msg(const struct qmp_msg *msg, void *arg)
{
	const char *status;

	switch (msg->kind) {
	case QMP_RETURN:
		status = qmp_status_of(msg);
		fuzz_assert(!status || strlen(status) < 1 << 20, "status");
		break;
	case QMP_ERROR:
		fuzz_assert(msg->err_class && msg->err_desc, "error words");
		break;
	case QMP_EVENT:
		fuzz_assert(msg->event != NULL, "event name");
		break;
	case QMP_GREETING:
		break;
	}
}

static void feed(const void *piece, size_t len, void *arg)
{
	struct run *r = arg;
	int n = qmp_parser_feed(&r->p, piece, len, on_msg, NULL);

	fuzz_assert(n >= 0, "qmp_parser_feed");
	r->delivered += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t split = fuzz_take(&in);
	struct run r = { .delivered = 0 };

	qmp_parser_init(&r.p);
	fuzz_split(in.p, in.n, split, split, feed, &r);
	fuzz_assert(memchr(r.p.err, '\0', sizeof(r.p.err)) != NULL,
		    "the parser's error is a string");
	qmp_parser_free(&r.p);
	return 0;
}
