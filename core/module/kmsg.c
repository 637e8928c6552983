// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel log parser and model. Lines are assembled from arbitrary chunks,
 * parsed in one pass, deduplicated against a small memory of recent
 * sequence numbers, classified (oops blocks, module lines) and pushed into
 * a ring. Each ring line holds a fixed binary header followed by the text,
 * so one ring gives both the metadata and the byte cap.
 */
#include "core/module/kmsg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/ring.h"
#include "core/base/termsafe.h"
#include "core/module/trace.h"

/* Remembered (seq, time, text hash) of the latest records, for replays. */
#define MEM_SIZE 4096
/* Replayed records held back until we know whether they are duplicates. */
#define PENDING_MAX_BYTES (1u << 20)
/* A block that never ends stops after this many records. */
#define BLOCK_MAX_LINES 400
/* Seq going forward while time goes back this much: a new boot. */
#define REBOOT_BACKSTEP_US 1000000
#define RAW_HASHES 16

struct hdr {
	uint64_t seq;
	int64_t usec;
	uint32_t flags;
	uint8_t level;
	uint8_t facility;
	uint8_t pad[2];
};

struct mem_slot {
	uint64_t seq;
	int64_t usec;
	uint64_t hash;
	bool valid;
};

struct pending {
	struct hdr h;
	char *text;
	size_t len;
	uint64_t hash;
};

struct kmsg {
	struct ring *ring;
	char *module; /* "name:" */
	size_t module_len;
	kmsg_record_fn fn;
	void *fn_arg;
	bool dirty;
	struct kmsg_stats st;

	/* the line being assembled */
	char line[KMSG_MAX_LINE];
	size_t line_len;
	bool line_cut;

	/* sequence tracking */
	bool have_last;
	uint64_t last_seq;
	int64_t last_usec;
	struct mem_slot *mem;
	bool in_replay;
	struct pending *pend;
	size_t n_pend, cap_pend, pend_bytes;
	uint64_t pend_dropped;

	/* dmesg -r: no seq, deduplicated by time */
	int64_t raw_last_usec;
	uint64_t raw_hashes[RAW_HASHES];
	size_t n_raw_hashes;

	char *boot_id;

	/* the open oops/BUG/WARNING/panic block */
	bool in_block;
	enum kmsg_block block_kind; /* NONE while only "cut here" was seen */
	unsigned int block_lines;
	uint64_t block_pos, block_seq;

	/* the sanitized text of the line being parsed, 4x for \xNN */
	char text[KMSG_MAX_LINE * 4 + 8];
	/* header + text, as pushed into the ring */
	char scratch[KMSG_MAX_LINE * 4 + sizeof(struct hdr) + 8];
};

static const char *const level_names[] = { "emerg", "alert",  "crit", "err",
					   "warn",  "notice", "info", "debug" };

const char *kmsg_level_name(int level)
{
	return level >= 0 && level < 8 ? level_names[level] : "?";
}

static uint64_t hash_text(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

struct kmsg *kmsg_new(const struct kmsg_opts *opts)
{
	struct kmsg *k = calloc(1, sizeof(*k));
	size_t lines = opts && opts->max_records ? opts->max_records : 20000;
	size_t bytes = opts && opts->max_bytes ? opts->max_bytes : 4u << 20;

	if (!k)
		return NULL;
	k->ring = ring_new(lines, bytes);
	k->mem = calloc(MEM_SIZE, sizeof(*k->mem));
	if (!k->ring || !k->mem ||
	    (opts && opts->module && kmsg_set_module(k, opts->module))) {
		kmsg_free(k);
		return NULL;
	}
	k->raw_last_usec = -1;
	return k;
}

static void pending_clear(struct kmsg *k)
{
	for (size_t i = 0; i < k->n_pend; i++)
		free(k->pend[i].text);
	k->n_pend = 0;
	k->pend_bytes = 0;
}

void kmsg_free(struct kmsg *k)
{
	if (!k)
		return;
	pending_clear(k);
	free(k->pend);
	ring_free(k->ring);
	free(k->mem);
	free(k->module);
	free(k->boot_id);
	free(k);
}

int kmsg_set_module(struct kmsg *k, const char *name)
{
	char *m = NULL;

	if (name && *name && asprintf(&m, "%s:", name) < 0)
		return -ENOMEM;
	free(k->module);
	k->module = m;
	k->module_len = m ? strlen(m) : 0;
	return 0;
}

void kmsg_on_record(struct kmsg *k, kmsg_record_fn fn, void *arg)
{
	k->fn = fn;
	k->fn_arg = arg;
}

uint64_t kmsg_first(const struct kmsg *k)
{
	return ring_first_seq(k->ring);
}

uint64_t kmsg_end(const struct kmsg *k)
{
	return ring_end_seq(k->ring);
}

bool kmsg_get(const struct kmsg *k, uint64_t pos, struct kmsg_record *out)
{
	const struct ring_line *l = ring_get(k->ring, pos);
	struct hdr h;

	if (!l || l->len < sizeof(h))
		return false;
	memcpy(&h, l->text, sizeof(h));
	out->pos = pos;
	out->seq = h.seq;
	out->usec = h.usec;
	out->level = h.level;
	out->facility = h.facility;
	out->flags = h.flags;
	out->text = l->text + sizeof(h);
	out->len = l->len - sizeof(h);
	return true;
}

const struct kmsg_stats *kmsg_stats(const struct kmsg *k)
{
	return &k->st;
}

bool kmsg_take_dirty(struct kmsg *k)
{
	bool d = k->dirty;

	k->dirty = false;
	return d;
}

/* --- adding records -------------------------------------------------------- */

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && !memcmp(s, prefix, pl);
}

static bool has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

static void count_block(struct kmsg *k, enum kmsg_block kind)
{
	switch (kind) {
	case KMSG_BLOCK_OOPS:
		k->st.oopses++;
		break;
	case KMSG_BLOCK_BUG:
		k->st.bugs++;
		break;
	case KMSG_BLOCK_WARNING:
		k->st.warnings++;
		break;
	case KMSG_BLOCK_PANIC:
		k->st.panics++;
		break;
	default:
		break;
	}
}

/*
 * Which kind of block a line starts, if any ("cut here": unknown yet), as
 * trace_line_kind() tells. Soft-lockup and hung-task reports print no
 * "---[ end" line, so they open no block here.
 */
static enum kmsg_block block_start(const char *t, size_t n, bool *cut)
{
	switch (trace_line_kind(t, n, cut)) {
	case TRACE_OOPS:
		return KMSG_BLOCK_OOPS;
	case TRACE_BUG:
		return KMSG_BLOCK_BUG;
	case TRACE_WARNING:
		return KMSG_BLOCK_WARNING;
	case TRACE_PANIC:
		return KMSG_BLOCK_PANIC;
	default:
		return KMSG_BLOCK_NONE;
	}
}

static void note_oops(struct kmsg *k, enum kmsg_block kind)
{
	if (kind == KMSG_BLOCK_NONE || kind == KMSG_BLOCK_WARNING)
		return;
	k->st.has_oops = true;
	k->st.last_oops_pos = k->block_pos;
	k->st.last_oops_seq = k->block_seq;
	k->st.last_oops_kind = kind;
}

/* Flags and counters of an accepted (non-marker) record. */
static uint32_t classify(struct kmsg *k, const char *t, size_t n, uint64_t pos,
			 uint64_t seq)
{
	uint32_t f = 0;
	bool cut;
	enum kmsg_block kind = block_start(t, n, &cut);

	if (!k->in_block && (cut || kind != KMSG_BLOCK_NONE)) {
		/* the jump target is the first line, "cut here" included */
		k->in_block = true;
		k->block_kind = kind;
		k->block_lines = 0;
		k->block_pos = pos;
		k->block_seq = seq;
		f |= KMSG_F_OOPS_START;
		count_block(k, kind);
		note_oops(k, kind);
	} else if (k->in_block && kind != KMSG_BLOCK_NONE) {
		if (k->block_kind == KMSG_BLOCK_NONE) {
			/* after "cut here": now we know what it is */
			k->block_kind = kind;
			count_block(k, kind);
			note_oops(k, kind);
		} else if (kind == KMSG_BLOCK_PANIC &&
			   k->block_kind != KMSG_BLOCK_PANIC) {
			/* the panic that follows an oops (panic_on_oops) */
			k->st.panics++;
		}
	}
	if (k->in_block) {
		f |= KMSG_F_OOPS;
		if (trace_line_ends(t, n) ||
		    ++k->block_lines >= BLOCK_MAX_LINES)
			k->in_block = false;
	}
	if (k->module && starts(t, n, k->module)) {
		f |= KMSG_F_MODULE;
		k->st.module_lines++;
	}
	if (has(t, n, "loading out-of-tree module taints kernel") ||
	    has(t, n, "module verification failed")) {
		f |= KMSG_F_TAINT;
		k->st.taints++;
	}
	return f;
}

static void push(struct kmsg *k, struct hdr *h, const char *text, size_t len)
{
	struct kmsg_record rec;
	uint64_t pos = ring_end_seq(k->ring);

	/* written by kmdash itself into /dev/kmsg: user facility */
	if (h->facility == 1 && starts(text, len, "kmdash: "))
		h->flags |= KMSG_F_OWN;
	if (!(h->flags & (KMSG_F_MARKER | KMSG_F_DECODED))) {
		h->flags |= classify(k, text, len, pos, h->seq);
		k->st.records++;
		k->st.by_level[h->level & 7]++;
	}
	if (sizeof(*h) + len > sizeof(k->scratch))
		len = sizeof(k->scratch) - sizeof(*h);
	memcpy(k->scratch, h, sizeof(*h));
	memcpy(k->scratch + sizeof(*h), text, len);
	if (ring_push(k->ring, k->scratch, sizeof(*h) + len, h->level))
		return;
	/* a kept oops start may have been evicted already: nothing to fix */
	k->dirty = true;
	if (k->fn && kmsg_get(k, pos, &rec))
		k->fn(&rec, k->fn_arg);
}

static void push_marker(struct kmsg *k, uint32_t flag, const char *text)
{
	struct hdr h = { .usec = -1, .flags = flag, .level = 4 };

	push(k, &h, text, strlen(text));
}

static void remember(struct kmsg *k, uint64_t seq, int64_t usec, uint64_t hash)
{
	struct mem_slot *m = &k->mem[seq % MEM_SIZE];

	*m = (struct mem_slot){ seq, usec, hash, true };
	k->have_last = true;
	k->last_seq = seq;
	k->last_usec = usec;
}

static void forget_all(struct kmsg *k)
{
	memset(k->mem, 0, MEM_SIZE * sizeof(*k->mem));
	k->have_last = false;
	k->in_replay = false;
	k->raw_last_usec = -1;
	k->n_raw_hashes = 0;
	k->in_block = false;
}

static void reboot(struct kmsg *k)
{
	forget_all(k);
	k->st.reboots++;
	push_marker(k, KMSG_F_REBOOT, "target rebooted");
}

/* A replayed record that looks like a duplicate; kept until we know. */
static void hold(struct kmsg *k, const struct hdr *h, const char *text,
		 size_t len, uint64_t hash)
{
	struct pending *p;

	k->st.duplicates++;
	if (k->pend_bytes + len > PENDING_MAX_BYTES || k->n_pend >= MEM_SIZE) {
		k->pend_dropped++;
		return;
	}
	if (k->n_pend == k->cap_pend) {
		size_t cap = k->cap_pend ? k->cap_pend * 2 : 64;
		struct pending *np = realloc(k->pend, cap * sizeof(*np));

		if (!np)
			return;
		k->pend = np;
		k->cap_pend = cap;
	}
	p = &k->pend[k->n_pend];
	p->text = malloc(len ? len : 1);
	if (!p->text)
		return;
	memcpy(p->text, text, len);
	p->len = len;
	p->h = *h;
	p->hash = hash;
	k->n_pend++;
	k->pend_bytes += len;
}

static void add_seq_record(struct kmsg *k, struct hdr *h, const char *text,
			   size_t len)
{
	uint64_t hash = hash_text(text, len);
	struct mem_slot *m;

	if (!k->have_last) {
		remember(k, h->seq, h->usec, hash);
		push(k, h, text, len);
		return;
	}
	if (h->seq > k->last_seq) {
		if (k->in_replay) {
			/* the replay caught up: what it held were duplicates */
			k->in_replay = false;
			pending_clear(k);
		}
		/* (usec and last_usec are 0..INT64_MAX: no overflow this way) */
		if (h->usec < k->last_usec - REBOOT_BACKSTEP_US) {
			reboot(k);
		} else if (h->seq > k->last_seq + 1) {
			uint64_t n = h->seq - k->last_seq - 1;
			char msg[64];

			k->st.lost += n;
			snprintf(msg, sizeof(msg), "%" PRIu64 " message%s lost",
				 n, n == 1 ? "" : "s");
			push_marker(k, KMSG_F_LOST, msg);
		}
		remember(k, h->seq, h->usec, hash);
		push(k, h, text, len);
		return;
	}
	m = &k->mem[h->seq % MEM_SIZE];
	if (m->valid && m->seq == h->seq &&
	    (m->usec != h->usec || m->hash != hash)) {
		/*
		 * Same number, another record: a new boot. What the replay
		 * held back so far belongs to it.
		 */
		size_t n = k->n_pend;
		struct pending *p = k->pend;

		k->pend = NULL;
		k->n_pend = k->cap_pend = k->pend_bytes = 0;
		k->st.duplicates -= n;
		reboot(k);
		for (size_t i = 0; i < n; i++) {
			remember(k, p[i].h.seq, p[i].h.usec, p[i].hash);
			push(k, &p[i].h, p[i].text, p[i].len);
			free(p[i].text);
		}
		free(p);
		remember(k, h->seq, h->usec, hash);
		push(k, h, text, len);
		return;
	}
	k->in_replay = true;
	hold(k, h, text, len, hash);
}

static void add_raw_record(struct kmsg *k, struct hdr *h, const char *text,
			   size_t len)
{
	uint64_t hash;

	if (h->usec < 0) {
		push(k, h, text, len);
		return;
	}
	hash = hash_text(text, len);
	if (h->usec < k->raw_last_usec) {
		k->st.duplicates++;
		return;
	}
	if (h->usec == k->raw_last_usec) {
		for (size_t i = 0; i < k->n_raw_hashes; i++)
			if (k->raw_hashes[i] == hash) {
				k->st.duplicates++;
				return;
			}
	} else {
		k->n_raw_hashes = 0;
		k->raw_last_usec = h->usec;
	}
	if (k->n_raw_hashes < RAW_HASHES)
		k->raw_hashes[k->n_raw_hashes++] = hash;
	push(k, h, text, len);
}

/* --- parsing ----------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t kmsg_sanitize(const char *in, size_t n, bool kernel_escapes, char *out)
{
	char *dec = out + 3 * n; /* decoded, in place: termsafe.h allows it */
	size_t dn = 0;

	for (size_t i = 0; i < n; i++) {
		if (kernel_escapes && in[i] == '\\' && i + 3 < n &&
		    in[i + 1] == 'x' && hexval(in[i + 2]) >= 0 &&
		    hexval(in[i + 3]) >= 0) {
			dec[dn++] = (char)(hexval(in[i + 2]) * 16 +
					   hexval(in[i + 3]));
			i += 3;
		} else {
			dec[dn++] = in[i];
		}
	}
	/* The decoded bytes sit at the end of out's 4 * n, as allowed. */
	memmove(out + 4 * n - dn, dec, dn);
	return termsafe_escape(out + 4 * n - dn, dn, 0, out);
}

static bool parse_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

/* PRI,SEQ,USEC,FLAGS[,...];text */
static bool parse_kmsg(const char *s, size_t n, struct hdr *h,
		       const char **text)
{
	const char *p = s, *end = s + n, *semi;
	uint64_t pri, seq, usec;

	if (!parse_u64(&p, end, &pri) || p >= end || *p++ != ',' ||
	    !parse_u64(&p, end, &seq) || p >= end || *p++ != ',' ||
	    !parse_u64(&p, end, &usec) || p >= end || *p++ != ',')
		return false;
	semi = memchr(p, ';', (size_t)(end - p));
	if (!semi || pri > 2047 || usec > INT64_MAX)
		return false;
	for (const char *f = p; f < semi && *f != ','; f++)
		if (*f == 'c' || *f == '+')
			h->flags |= KMSG_F_CONT;
	h->level = (uint8_t)(pri & 7);
	h->facility = (uint8_t)(pri >> 3);
	h->seq = seq;
	h->usec = (int64_t)usec;
	*text = semi + 1;
	return true;
}

/* <PRI>[ SEC.USEC] text, or <PRI>text without a timestamp */
static bool parse_dmesg_r(const char *s, size_t n, struct hdr *h,
			  const char **text)
{
	const char *p = s + 1, *end = s + n, *q;
	uint64_t pri, sec, usec;

	if (!n || s[0] != '<' || !parse_u64(&p, end, &pri) || p >= end ||
	    *p++ != '>' || pri > 2047)
		return false;
	h->level = (uint8_t)(pri & 7);
	h->facility = (uint8_t)(pri >> 3);
	h->usec = -1;
	h->flags |= KMSG_F_NOSEQ;
	*text = p;
	if (p >= end || *p != '[')
		return true;
	q = p + 1;
	while (q < end && *q == ' ')
		q++;
	if (!parse_u64(&q, end, &sec) || q >= end || *q++ != '.')
		return true;
	p = q;
	if (!parse_u64(&q, end, &usec) || q - p != 6 || q >= end ||
	    *q++ != ']' || sec > INT64_MAX / 1000000 - 1)
		return true;
	h->usec = (int64_t)(sec * 1000000 + usec);
	if (q < end && *q == ' ')
		q++;
	*text = q;
	return true;
}

static void parse_line(struct kmsg *k, const char *s, size_t n, bool cut)
{
	struct hdr h = { .usec = -1 };
	const char *text;
	/* not scratch: a marker may be pushed before this record */
	char *out = k->text;
	size_t len;

	while (n && s[n - 1] == '\r')
		n--;
	if (!n)
		return;
	if (cut) {
		h.flags |= KMSG_F_TRUNCATED;
		k->st.truncated++;
	}
	if (s[0] == ' ' && k->have_last) {
		/* a dictionary line (" SUBSYSTEM=...") of the last record */
		k->st.dict_lines++;
		return;
	}
	if (parse_kmsg(s, n, &h, &text)) {
		len = kmsg_sanitize(text, n - (size_t)(text - s), true, out);
		add_seq_record(k, &h, out, len);
		return;
	}
	if (parse_dmesg_r(s, n, &h, &text)) {
		len = kmsg_sanitize(text, n - (size_t)(text - s), false, out);
		add_raw_record(k, &h, out, len);
		return;
	}
	h.level = 6;
	h.flags |= KMSG_F_RAW;
	k->st.raw++;
	len = kmsg_sanitize(s, n, false, out);
	push(k, &h, out, len);
}

void kmsg_feed(struct kmsg *k, const void *buf, size_t len)
{
	const char *p = buf, *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t chunk = (size_t)((nl ? nl : end) - p);
		size_t room = KMSG_MAX_LINE - k->line_len;

		if (chunk > room) {
			k->line_cut = true;
			chunk = room;
		}
		memcpy(k->line + k->line_len, p, chunk);
		k->line_len += chunk;
		if (!nl)
			return;
		parse_line(k, k->line, k->line_len, k->line_cut);
		k->line_len = 0;
		k->line_cut = false;
		p = nl + 1;
	}
}

uint64_t kmsg_add_line(struct kmsg *k, uint32_t flags, int64_t usec, int level,
		       const char *text, size_t len)
{
	struct hdr h = { .usec = usec,
			 .flags = (flags & (KMSG_F_CONSOLE | KMSG_F_DECODED)) |
				  KMSG_F_NOSEQ,
			 .level = (uint8_t)(level & 7) };
	uint64_t pos = ring_end_seq(k->ring);

	if (len > KMSG_MAX_LINE) {
		len = KMSG_MAX_LINE;
		h.flags |= KMSG_F_TRUNCATED;
	}
	len = kmsg_sanitize(text, len, false, k->text);
	push(k, &h, k->text, len);
	return pos;
}

void kmsg_flush(struct kmsg *k)
{
	if (k->line_len)
		parse_line(k, k->line, k->line_len, k->line_cut);
	k->line_len = 0;
	k->line_cut = false;
}

void kmsg_restart(struct kmsg *k)
{
	k->line_len = 0;
	k->line_cut = false;
}

int kmsg_set_boot_id(struct kmsg *k, const char *boot_id)
{
	bool changed;
	char *id;

	if (!boot_id || !*boot_id)
		return 0;
	changed = k->boot_id && strcmp(k->boot_id, boot_id);
	if (k->boot_id && !changed)
		return 0;
	id = strdup(boot_id);
	if (!id)
		return -ENOMEM;
	free(k->boot_id);
	k->boot_id = id;
	if (!changed)
		return 0;
	pending_clear(k);
	reboot(k);
	return 1;
}

int kmsg_format(const struct kmsg_record *rec, char *buf, size_t cap)
{
	if (rec->flags & KMSG_F_MARKER)
		return snprintf(buf, cap, "-- %.*s --", (int)rec->len,
				rec->text);
	if (rec->flags & KMSG_F_RAW)
		return snprintf(buf, cap, "[raw] %.*s", (int)rec->len,
				rec->text);
	if (rec->flags & KMSG_F_DECODED)
		return snprintf(buf, cap, "%15s %-6s %.*s", "", "decode",
				(int)rec->len, rec->text);
	if (rec->flags & KMSG_F_CONSOLE)
		return snprintf(buf, cap,
				"[%5" PRId64 ".%06" PRId64
				"] %-6s (console) %.*s",
				rec->usec / 1000000, rec->usec % 1000000,
				kmsg_level_name(rec->level), (int)rec->len,
				rec->text);
	if (rec->usec < 0)
		return snprintf(buf, cap, "[ ] %-6s %.*s",
				kmsg_level_name(rec->level), (int)rec->len,
				rec->text);
	if (rec->flags & KMSG_F_NOSEQ)
		return snprintf(buf, cap,
				"[%5" PRId64 ".%06" PRId64 "] %-6s %.*s",
				rec->usec / 1000000, rec->usec % 1000000,
				kmsg_level_name(rec->level), (int)rec->len,
				rec->text);
	return snprintf(buf, cap,
			"[%5" PRId64 ".%06" PRId64 "] %-6s #%" PRIu64 " %.*s",
			rec->usec / 1000000, rec->usec % 1000000,
			kmsg_level_name(rec->level), rec->seq, (int)rec->len,
			rec->text);
}
