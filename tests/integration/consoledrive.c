// SPDX-License-Identifier: GPL-2.0
/*
 * Drives core/console/serial + core/console/console for the shell tests: the serial line
 * feeds the console screen, the console's terminal answers go back to the
 * line, as the dashboard will wire them.
 *
 *   consoledrive (--unix PATH | --tty PATH) [--baud N] [--newline]
 *                [--size ROWSxCOLS] [--retry MS] STEP...
 *
 * Steps: wait-connected[:S], wait-disconnected[:S], send:TEXT (\r \n \e
 * escapes), wait-screen:TEXT[:S], dump, sleep:MS. State changes print as
 * "serial STATE: REASON"; a failed step prints "error: ..." and exits 1.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console/console.h"
#include "core/base/loop.h"
#include "core/console/serial.h"

static struct console *con;
static struct serial *ser;
static size_t sunk, replied;

static void on_data(struct serial *s, const char *buf, size_t n, void *arg)
{
	console_feed(con, buf, n);
}

static void on_state(struct serial *s, enum serial_state st, const char *reason,
		     void *arg)
{
	printf("serial %s: %s\n", serial_state_name(st), reason);
	fflush(stdout);
}

static void on_reply(const char *buf, size_t n, void *arg)
{
	replied += n;
	serial_write(ser, buf, n);
}

static void on_sink(const char *buf, size_t n, void *arg)
{
	sunk += n;
}

static bool screen_has(const char *text)
{
	char row[4096];

	for (int r = 0; r < console_rows(con); r++) {
		console_row_text(con, r, row, sizeof(row));
		if (strstr(row, text))
			return true;
	}
	return false;
}

static void dump(void)
{
	char row[4096];
	int cr, cc;

	console_cursor(con, &cr, &cc, NULL);
	printf("--- screen (cursor %d,%d, %zu bytes in, %zu answered)\n", cr,
	       cc, sunk, replied);
	for (int r = 0; r < console_rows(con); r++) {
		console_row_text(con, r, row, sizeof(row));
		printf("|%s\n", row);
	}
	printf("---\n");
}

/* "TEXT:SECS" -> TEXT, SECS (only if the suffix is all digits). */
static int take_timeout(char *arg, int def)
{
	char *colon = strrchr(arg, ':');

	if (!colon || !colon[1] ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return def;
	*colon = '\0';
	return atoi(colon + 1);
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in;
			continue;
		}
		in++;
		out[n++] = *in == 'r' ? '\r' :
			   *in == 'n' ? '\n' :
			   *in == 'e' ? '\033' :
					*in;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct serial_config sc = { 0 };
	struct console_config cc = { 0 };
	struct loop *loop;
	int i = 1, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--newline")) {
			cc.newline_mode = true;
			continue;
		}
		if (i + 1 >= argc)
			break;
		if (!strcmp(o, "--unix")) {
			sc.kind = SERIAL_UNIX;
			sc.path = argv[++i];
		} else if (!strcmp(o, "--tty")) {
			sc.kind = SERIAL_TTY;
			sc.path = argv[++i];
		} else if (!strcmp(o, "--baud")) {
			sc.baud = atoi(argv[++i]);
		} else if (!strcmp(o, "--retry")) {
			sc.retry_ms = atoi(argv[++i]);
		} else if (!strcmp(o, "--size")) {
			if (sscanf(argv[++i], "%dx%d", &cc.rows, &cc.cols) != 2)
				return 2;
		} else {
			printf("error: unknown option %s\n", o);
			return 2;
		}
	}
	if (!sc.path) {
		printf("error: --unix PATH or --tty PATH is needed\n");
		return 2;
	}
	loop = loop_new();
	con = console_new(&cc);
	ser = serial_new(loop, &sc);
	console_set_reply(con, on_reply, NULL);
	console_set_sink(con, on_sink, NULL);
	serial_set_callbacks(ser, on_data, on_state, NULL);
	if (serial_open(ser) < 0) {
		printf("error: %s\n", serial_reason(ser));
		return 1;
	}

	for (; i < argc && !rc; i++) {
		char step[4096], buf[4096];
		int secs;
		int64_t end;
		enum serial_state want = SERIAL_CONNECTED;
		bool done = false;

		snprintf(step, sizeof(step), "%s", argv[i]);
		if (!strncmp(step, "send:", 5)) {
			size_t n = unescape(step + 5, buf);

			if (serial_write(ser, buf, n) < 0) {
				printf("error: %s: not connected (%s)\n", step,
				       serial_reason(ser));
				rc = 1;
			}
			continue;
		}
		if (!strcmp(step, "dump")) {
			dump();
			continue;
		}
		if (!strncmp(step, "sleep:", 6)) {
			end = loop_now_ms() + atoi(step + 6);
			while (loop_now_ms() < end)
				loop_run_once(loop, end - loop_now_ms());
			continue;
		}
		secs = take_timeout(step, 30);
		end = loop_now_ms() + secs * 1000LL;
		if (!strcmp(step, "wait-disconnected"))
			want = SERIAL_DISCONNECTED;
		else if (strcmp(step, "wait-connected") &&
			 strncmp(step, "wait-screen:", 12)) {
			printf("error: unknown step '%s'\n", argv[i]);
			rc = 2;
			break;
		}
		while (!done && loop_now_ms() < end) {
			if (!strncmp(step, "wait-screen:", 12))
				done = screen_has(step + 12);
			else
				done = serial_state(ser) == want;
			if (!done)
				loop_run_once(loop, end - loop_now_ms());
		}
		if (!done) {
			printf("error: %s: not seen in %d s\n", argv[i], secs);
			dump();
			rc = 1;
		} else if (!strncmp(step, "wait-screen:", 12)) {
			printf("screen-has %s\n", step + 12);
		}
	}
	printf("bytes %zu answered %zu connects %u\n", sunk, replied,
	       serial_connects(ser));
	serial_free(ser);
	console_free(con);
	loop_free(loop);
	return rc;
}
