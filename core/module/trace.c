// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel trace text: block starts, log prefixes, frame lines and the
 * block's task, taint and frames. Pure string work, no allocation.
 *
 * How the kernel words a block's first line decides its kind. x86 prints
 * a page fault as "BUG: kernel NULL pointer dereference" or "BUG: unable
 * to handle page fault": that is the same event as arm64's "Unable to
 * handle kernel ...", an oops, and is classified as one; every other
 * "BUG: " line (scheduling while atomic, KASAN, ...) is a BUG, except the
 * soft lockup, which has a kind of its own.
 */
#include "core/module/trace.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && !memcmp(s, prefix, pl);
}

static const char *find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* --- block starts and ends ---------------------------------------------- */

struct kind_prefix {
	const char *prefix;
	enum trace_kind kind;
};

/* In order: the first prefix that matches decides (longer ones first). */
static const struct kind_prefix kind_prefixes[] = {
	{ "watchdog: BUG: soft lockup", TRACE_SOFTLOCKUP },
	{ "BUG: soft lockup", TRACE_SOFTLOCKUP }, /* before "watchdog: " */
	{ "BUG: kernel NULL pointer dereference", TRACE_OOPS }, /* x86 */
	{ "BUG: unable to handle ", TRACE_OOPS }, /* x86 page faults */
	{ "Unable to handle kernel ", TRACE_OOPS }, /* arm, arm64 */
	{ "Internal error: ", TRACE_OOPS }, /* arm, arm64 */
	{ "Oops: ", TRACE_OOPS },
	{ "Oops ", TRACE_OOPS },
	{ "general protection fault", TRACE_OOPS }, /* x86 */
	{ "kernel BUG at ", TRACE_BUG },
	{ "BUG: ", TRACE_BUG },
	{ "WARNING: CPU: ", TRACE_WARNING },
	{ "WARNING: at ", TRACE_WARNING },
	{ "Kernel panic - not syncing", TRACE_PANIC },
};

#define CUT_HERE "------------[ cut here ]------------"

/* "INFO: task insmod:123 blocked for more than 120 seconds." */
static bool hung_task(const char *t, size_t n)
{
	return starts(t, n, "INFO: task ") &&
	       find(t, n, " blocked for more than ");
}

/*
 * "rcu: INFO: rcu_sched self-detected stall on CPU": a CPU stuck in the
 * kernel, as a soft lockup, reported by RCU about 20 s before the
 * watchdog's own report (measured: 21 s against 44 s in the guest).
 */
static bool rcu_stall(const char *t, size_t n)
{
	return starts(t, n, "rcu: INFO: ") && find(t, n, " stall");
}

enum trace_kind trace_line_kind(const char *text, size_t len, bool *cut_here)
{
	if (cut_here)
		*cut_here = starts(text, len, CUT_HERE);
	if (starts(text, len, CUT_HERE))
		return TRACE_NONE;
	if (hung_task(text, len))
		return TRACE_HUNG_TASK;
	if (rcu_stall(text, len))
		return TRACE_SOFTLOCKUP;
	for (size_t i = 0; i < sizeof(kind_prefixes) / sizeof(*kind_prefixes);
	     i++)
		if (starts(text, len, kind_prefixes[i].prefix))
			return kind_prefixes[i].kind;
	return TRACE_NONE;
}

bool trace_line_ends(const char *text, size_t len)
{
	return starts(text, len, "---[ end trace") ||
	       starts(text, len, "---[ end Kernel panic");
}

const char *trace_kind_name(enum trace_kind k)
{
	switch (k) {
	case TRACE_OOPS:
		return "oops";
	case TRACE_BUG:
		return "BUG";
	case TRACE_WARNING:
		return "warning";
	case TRACE_PANIC:
		return "panic";
	case TRACE_SOFTLOCKUP:
		return "soft lockup";
	case TRACE_HUNG_TASK:
		return "hung task";
	default:
		return "none";
	}
}

/* --- log prefixes ---------------------------------------------------------- */

/* Digits at *p (advancing it); false if none, or too many for 64 bits. */
static bool digits(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || !isdigit((unsigned char)*s))
		return false;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	if (out)
		*out = v;
	return true;
}

/* /dev/kmsg's "PRI,SEQ,USEC,FLAGS[,...];" */
static const char *skip_kmsg(const char *p, const char *end, int64_t *usec)
{
	const char *semi;
	uint64_t us;

	if (!digits(&p, end, NULL) || p >= end || *p++ != ',' ||
	    !digits(&p, end, NULL) || p >= end || *p++ != ',' ||
	    !digits(&p, end, &us) || us > INT64_MAX || p >= end || *p != ',')
		return NULL;
	semi = memchr(p, ';', (size_t)(end - p));
	if (!semi)
		return NULL;
	*usec = (int64_t)us;
	return semi + 1;
}

/* "<4>" */
static const char *skip_level(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || *p != '<' || !digits(&q, end, NULL) || q >= end ||
	    *q != '>')
		return NULL;
	return q + 1;
}

/* "[  112.700123]" (and the one space after it) */
static const char *skip_time(const char *p, const char *end, int64_t *usec)
{
	const char *q = p + 1, *frac;
	uint64_t sec, us;

	if (p >= end || *p != '[')
		return NULL;
	while (q < end && *q == ' ')
		q++;
	if (!digits(&q, end, &sec) || q >= end || *q++ != '.')
		return NULL;
	frac = q;
	/* what fits an int64_t of microseconds, as printk prints it */
	if (!digits(&q, end, &us) || q - frac > 6 || q >= end || *q != ']' ||
	    sec > INT64_MAX / 1000000 - 1)
		return NULL;
	for (ptrdiff_t i = q - frac; i < 6; i++)
		us *= 10;
	*usec = (int64_t)(sec * 1000000 + us);
	return q + 1;
}

/* CONFIG_PRINTK_CALLER's "[T123]" / "[  C1]" */
static const char *skip_caller(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || *p != '[')
		return NULL;
	while (q < end && *q == ' ')
		q++;
	if (q >= end || (*q != 'T' && *q != 'C'))
		return NULL;
	q++;
	if (!digits(&q, end, NULL) || q >= end || *q != ']')
		return NULL;
	return q + 1;
}

/* syslog's "Dec  5 10:00:00 host kernel: " or an ISO-8601 stamp */
static const char *skip_syslog(const char *p, const char *end)
{
	const char *k = find(p, (size_t)(end - p), " kernel: ");
	bool month = end - p > 16 && isupper((unsigned char)p[0]) &&
		     islower((unsigned char)p[1]) &&
		     islower((unsigned char)p[2]) && p[3] == ' ' &&
		     p[9] == ':' && p[12] == ':';
	bool iso = end - p > 20 && isdigit((unsigned char)p[0]) &&
		   p[4] == '-' && p[7] == '-' && p[10] == 'T';

	/* the stamp and the host name come before, never a space too many */
	if (!k || k - p > 80 || (!month && !iso))
		return NULL;
	return k + strlen(" kernel: ");
}

size_t trace_strip_prefix(const char *line, size_t len, int64_t *usec,
			  size_t *msg_len)
{
	const char *p = line, *end = line + len, *q;
	int64_t us = -1;

	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if ((q = skip_syslog(p, end)))
		p = q;
	if ((q = skip_kmsg(p, end, &us)) || (q = skip_level(p, end)))
		p = q;
	if ((q = skip_time(p, end, &us))) {
		p = q;
		if ((q = skip_caller(p, end)))
			p = q;
		if (p < end && *p == ' ')
			p++;
	} else if ((q = skip_caller(p, end))) {
		p = q;
		if (p < end && *p == ' ')
			p++;
	}
	if (usec)
		*usec = us;
	if (msg_len)
		*msg_len = (size_t)(end - p);
	return (size_t)(p - line);
}

/* --- frames ------------------------------------------------------------------ */

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static bool hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (end - s < 3 || s[0] != '0' || s[1] != 'x' ||
	    !isxdigit((unsigned char)s[2]))
		return false;
	for (s += 2; s < end && isxdigit((unsigned char)*s); s++) {
		int c = tolower((unsigned char)*s);

		v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	*p = s;
	*out = v;
	return true;
}

/* The role prefixes a frame line may have, and what they mean. */
static const char *skip_role(const char *p, const char *end,
			     enum trace_frame_role *role)
{
	static const struct {
		const char *prefix;
		enum trace_frame_role role;
	} roles[] = {
		{ "pc : ", TRACE_FRAME_PC }, /* arm64 */
		{ "lr : ", TRACE_FRAME_LR },
		{ "PC is at ", TRACE_FRAME_PC }, /* arm */
		{ "LR is at ", TRACE_FRAME_LR },
		{ "RIP: ", TRACE_FRAME_PC }, /* x86, "RIP: 0010:" */
		{ "EIP: ", TRACE_FRAME_PC },
	};

	*role = TRACE_FRAME_CALL;
	for (size_t i = 0; i < sizeof(roles) / sizeof(*roles); i++) {
		size_t n = strlen(roles[i].prefix);

		if ((size_t)(end - p) < n || memcmp(p, roles[i].prefix, n))
			continue;
		*role = roles[i].role;
		p = skip_blanks(p + n, end);
		/* x86's code segment "0010:" */
		if (end - p > 5 && isxdigit((unsigned char)p[0]) && p[4] == ':')
			p += 5;
		return p;
	}
	return p;
}

/* Older kernels' raw addresses: "[<ffffffff81234567>] " (any number). */
static const char *skip_addresses(const char *p, const char *end)
{
	while (end - p > 4 && p[0] == '[' && p[1] == '<') {
		const char *q = memchr(p, '>', (size_t)(end - p));

		if (!q || q + 1 >= end || q[1] != ']')
			break;
		p = skip_blanks(q + 2, end);
	}
	return p;
}

/* " [storage_hash]" or " [storage_hash abcdef...]" (a build id) */
static const char *parse_module(const char *p, const char *end,
				struct trace_frame *f)
{
	const char *q = skip_blanks(p, end), *name;
	size_t n;

	if (q >= end || *q != '[')
		return p;
	name = ++q;
	while (q < end &&
	       (isalnum((unsigned char)*q) || *q == '_' || *q == '-'))
		q++;
	n = (size_t)(q - name);
	if (!n || n >= sizeof(f->module) || q >= end)
		return p;
	if (*q == ' ')
		q = memchr(q, ']', (size_t)(end - q));
	if (!q || *q != ']')
		return p;
	memcpy(f->module, name, n);
	f->module[n] = '\0';
	return q + 1;
}

/* "sym+0xoff/0xsize"; returns the end, or NULL. */
static const char *parse_symoff(const char *p, const char *end,
				struct trace_frame *f)
{
	const char *s = p;
	size_t n;

	while (s < end && *s != '+' && *s != ' ' && *s != '/' && *s != '[')
		s++;
	n = (size_t)(s - p);
	if (!n || n >= sizeof(f->sym) || s >= end || *s != '+')
		return NULL;
	memcpy(f->sym, p, n);
	f->sym[n] = '\0';
	s++;
	if (!hex(&s, end, &f->off) || s >= end || *s++ != '/' ||
	    !hex(&s, end, &f->size))
		return NULL;
	return s;
}

/* Nothing but blanks and markers such as newer arm64's "(P)" may follow. */
static bool only_markers(const char *p, const char *end,
			 enum trace_frame_role *role)
{
	p = skip_blanks(p, end);
	if (end - p >= 3 && p[0] == '(' && p[2] == ')') {
		if (p[1] == 'P')
			*role = TRACE_FRAME_PC;
		p = skip_blanks(p + 3, end);
	}
	return p == end;
}

bool trace_parse_frame(const char *text, size_t len, struct trace_frame *f)
{
	const char *p = text, *end = text + len;
	struct trace_frame fr = { 0 };

	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	p = skip_role(skip_blanks(p, end), end, &fr.role);
	p = skip_addresses(p, end);
	if (end - p >= 2 && p[0] == '?' && p[1] == ' ') {
		fr.unreliable = true;
		p = skip_blanks(p + 2, end);
	}
	p = parse_symoff(p, end, &fr);
	if (!p)
		return false;
	p = parse_module(p, end, &fr);
	if (!only_markers(p, end, &fr.role))
		return false;
	*f = fr;
	return true;
}

/* --- a whole block ----------------------------------------------------------- */

void trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
}

static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* "comm:pid" ending at end (the soft lockup's "[insmod:123]"). */
static void set_task(struct trace *t, const char *s, const char *end)
{
	const char *colon = NULL;

	for (const char *q = s; q < end; q++)
		if (*q == ':')
			colon = q;
	if (!colon || colon == s || t->comm[0])
		return;
	copy_text(t->comm, sizeof(t->comm), s, (size_t)(colon - s));
	t->pid = atoi(colon + 1);
}

/* The task of a soft lockup or hung task, named in the first line. */
static void title_task(struct trace *t, const char *text, size_t len)
{
	const char *end = text + len, *s, *e;

	if (t->kind == TRACE_SOFTLOCKUP) {
		s = memchr(text, '[', len);
		while (s && (e = memchr(s, ']', (size_t)(end - s)))) {
			const char *next =
				memchr(s + 1, '[', (size_t)(end - s - 1));

			if (!next) {
				set_task(t, s + 1, e);
				break;
			}
			s = next;
		}
	} else if (t->kind == TRACE_HUNG_TASK) {
		s = text + strlen("INFO: task ");
		e = find(s, (size_t)(end - s), " blocked for");
		if (e)
			set_task(t, s, e);
	}
}

/* A WARNING's first line names where it fired: "... at FILE:LINE sym+..." */
static void title_frame(struct trace *t, const char *text, size_t len)
{
	const char *end = text + len, *at = find(text, len, " at "), *sp;
	struct trace_frame f;

	if (t->kind != TRACE_WARNING || !at)
		return;
	sp = memchr(at + 4, ' ', (size_t)(end - at - 4));
	if (!sp || !trace_parse_frame(sp, (size_t)(end - sp), &f))
		return;
	f.role = TRACE_FRAME_PC;
	f.line = t->nlines;
	if (t->nframes < TRACE_MAX_FRAMES)
		t->frames[t->nframes++] = f;
}

/* "CPU: 0 PID: 118 Comm: insmod Tainted: G           OE      6.1.0 ..." */
static void cpu_line(struct trace *t, const char *text, size_t len)
{
	const char *end = text + len, *pid, *comm, *stop, *taint;

	if (!starts(text, len, "CPU: ") || t->comm[0])
		return;
	pid = find(text, len, " PID: ");
	comm = find(text, len, " Comm: ");
	if (!pid || !comm)
		return;
	t->pid = atoi(pid + 6);
	comm += 7;
	/* comm may hold spaces: it ends where the taint field begins */
	stop = find(comm, (size_t)(end - comm), " Tainted: ");
	if (!stop)
		stop = find(comm, (size_t)(end - comm), " Not tainted");
	if (!stop)
		stop = memchr(comm, ' ', (size_t)(end - comm));
	copy_text(t->comm, sizeof(t->comm), comm,
		  (size_t)((stop ? stop : end) - comm));
	if (!stop || !starts(stop, (size_t)(end - stop), " Tainted: "))
		return;
	/* the flags are letters and blanks; the release starts with a digit */
	taint = stop + strlen(" Tainted: ");
	for (stop = taint; stop < end && !isdigit((unsigned char)*stop); stop++)
		;
	while (stop > taint && stop[-1] == ' ')
		stop--;
	copy_text(t->taint, sizeof(t->taint), taint, (size_t)(stop - taint));
}

/* One hex group of the Code: line; its bytes in memory order (LE). */
static size_t code_group(const char *p, size_t n, uint8_t *out, size_t cap)
{
	uint64_t v = 0;
	size_t bytes = n / 2;

	if (!n || n % 2 || bytes > 8 || bytes > cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)p[i]);

		if (!isxdigit(c))
			return 0;
		v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	for (size_t i = 0; i < bytes; i++)
		out[i] = (uint8_t)(v >> (8 * i));
	return bytes;
}

/*
 * "Code: 52800021 f9422000 (b9000001)" (arm64: the word in parentheses
 * is at pc) or "Code: 48 8b 07 <0f> 0b 31 c0" (x86: the bytes from the
 * one in angle brackets on). The bytes at pc go to the pc frames.
 */
static void code_line(struct trace *t, const char *text, size_t len)
{
	const char *p = text + 6, *end = text + len;
	uint8_t insn[16];
	size_t n = 0;
	bool at_pc = false;

	if (!starts(text, len, "Code: "))
		return;
	while (p < end && n < sizeof(insn)) {
		const char *w = skip_blanks(p, end), *e = w;

		while (e < end && *e != ' ')
			e++;
		if (w == e)
			break;
		if (*w == '(' || *w == '<')
			at_pc = true;
		if (at_pc) {
			size_t bare = (size_t)(e - w) -
				      (*w == '(' || *w == '<' ? 2 : 0);
			const char *b = w + (*w == '(' || *w == '<');
			size_t got =
				code_group(b, bare, insn + n, sizeof(insn) - n);

			if (!got)
				break;
			n += got;
			if (*w == '(') /* arm: the one word */
				break;
		}
		p = e;
	}
	for (size_t i = 0; i < t->nframes && n; i++)
		if (t->frames[i].role == TRACE_FRAME_PC &&
		    !t->frames[i].insn_len) {
			memcpy(t->frames[i].insn, insn, n);
			t->frames[i].insn_len = (uint8_t)n;
		}
}

static void first_line(struct trace *t, const char *text, size_t len)
{
	t->kind = trace_line_kind(text, len, NULL);
	if (t->kind == TRACE_NONE)
		return;
	copy_text(t->title, sizeof(t->title), text, len);
	title_task(t, text, len);
	title_frame(t, text, len);
}

/*
 * arm64's call trace starts with the pc itself ("pc : f+0x1c", then
 * " f+0x1c"): that line is no return address.
 */
static bool repeats_pc(const struct trace *t, const struct trace_frame *f)
{
	for (size_t i = 0; i < t->nframes; i++) {
		const struct trace_frame *p = &t->frames[i];

		if (p->role == TRACE_FRAME_PC && p->off == f->off &&
		    !strcmp(p->sym, f->sym) && !strcmp(p->module, f->module))
			return true;
	}
	return false;
}

void trace_add_line(struct trace *t, const char *text, size_t len)
{
	struct trace_frame f;
	static const char panic[] = "Kernel panic - not syncing: ";

	while (len && (text[len - 1] == '\r' || text[len - 1] == '\n'))
		len--;
	if (t->kind == TRACE_NONE)
		first_line(t, text, len);
	/* the panic that ends an oops (panic_on_oops), or a panic's own */
	if (starts(text, len, panic) && !t->panic_msg[0])
		copy_text(t->panic_msg, sizeof(t->panic_msg),
			  text + strlen(panic), len - strlen(panic));
	cpu_line(t, text, len);
	code_line(t, text, len);
	if (trace_line_ends(text, len))
		t->ended = true;
	else if (trace_parse_frame(text, len, &f) &&
		 t->nframes < TRACE_MAX_FRAMES) {
		f.line = t->nlines;
		if (repeats_pc(t, &f))
			f.role = TRACE_FRAME_PC;
		t->frames[t->nframes++] = f;
	}
	t->nlines++;
}

const char *trace_module(const struct trace *t)
{
	/* the first pc named decides, even in the kernel proper... */
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].role == TRACE_FRAME_PC) {
			if (t->frames[i].module[0])
				return t->frames[i].module;
			break;
		}
	/* ...where the first reliable caller in a module is to blame */
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].role == TRACE_FRAME_CALL &&
		    !t->frames[i].unreliable && t->frames[i].module[0])
			return t->frames[i].module;
	return NULL;
}

bool trace_names_module(const struct trace *t, const char *module)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (!strcmp(t->frames[i].module, module))
			return true;
	return false;
}
