// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON lines of any module's benchmark program (kmod/README.md; sebench
 * is one): {"type":"start"|"sample"|"summary", ...}. Unknown fields
 * are ignored so the tool can grow; a line that is not a JSON object with a
 * known type is counted as bad and skipped, never fatal.
 */
#include "core/module/bench.h"

#include "core/base/strutil.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 65536

struct bench {
	/* rings: the oldest at [head], n of them */
	struct bench_run *runs;
	size_t run_head, nruns, max_runs;
	uint64_t run_seq; /* runs begun so far: the next one's seq */
	struct bench_set *sets;
	size_t set_head, nsets, max_sets;
	bool keep_samples;
	bool running;
	struct bench_set *set_running;
	/* while loading: the set whose runs come before its own line */
	char load_set[BENCH_ID_MAX];
	uint64_t load_seq0;
	size_t load_n;
	char *line;
	size_t linelen;
	bool overlong;
	uint64_t bad;
	bool dirty;
};

static const char *const metric_names[BM_COUNT] = {
	[BM_GET] = "get",     [BM_PUT] = "put", [BM_DEL] = "del",
	[BM_TOTAL] = "total", [BM_P50] = "p50", [BM_P99] = "p99",
	[BM_P999] = "p999",
};

const char *bench_metric_name(enum bench_metric m)
{
	return metric_names[m];
}

bool bench_metric_is_latency(enum bench_metric m)
{
	return m >= BM_P50;
}

char *bench_history_path(const char *target)
{
	char *dir = str_state_dir(), *path;

	if (!dir)
		return NULL;
	path = str_printf("%s/%s/bench-history.jsonl", dir, target);
	free(dir);
	return path;
}

struct bench *bench_new_sized(size_t max_runs, size_t max_sets,
			      bool keep_samples)
{
	struct bench *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->max_runs = max_runs ? max_runs : 1;
	b->max_sets = max_sets ? max_sets : 1;
	b->keep_samples = keep_samples;
	b->runs = calloc(b->max_runs, sizeof(*b->runs));
	b->sets = calloc(b->max_sets, sizeof(*b->sets));
	b->line = malloc(LINE_MAX_BYTES);
	if (!b->runs || !b->sets || !b->line) {
		bench_free(b);
		return NULL;
	}
	return b;
}

struct bench *bench_new(size_t max_runs)
{
	return bench_new_sized(max_runs, max_runs, true);
}

static void run_clear(struct bench_run *r)
{
	free(r->samples);
	memset(r, 0, sizeof(*r));
}

void bench_free(struct bench *b)
{
	if (!b)
		return;
	for (size_t i = 0; b->runs && i < b->max_runs; i++)
		free(b->runs[i].samples);
	free(b->runs);
	free(b->sets);
	free(b->line);
	free(b);
}

static struct bench_run *run_slot(const struct bench *b, size_t i)
{
	return &b->runs[(b->run_head + i) % b->max_runs];
}

/* A new run at the end, in place of the oldest when full. */
static struct bench_run *push_run(struct bench *b)
{
	struct bench_run *r;

	if (b->nruns == b->max_runs) {
		r = run_slot(b, 0);
		b->run_head = (b->run_head + 1) % b->max_runs;
		b->nruns--;
	} else {
		r = run_slot(b, b->nruns);
	}
	run_clear(r);
	b->nruns++;
	r->seq = b->run_seq++;
	return r;
}

static struct bench_set *set_slot(const struct bench *b, size_t i)
{
	return &b->sets[(b->set_head + i) % b->max_sets];
}

static struct bench_set *push_set(struct bench *b)
{
	struct bench_set *s;

	if (b->nsets == b->max_sets) {
		s = set_slot(b, 0);
		if (s == b->set_running)
			b->set_running = NULL;
		b->set_head = (b->set_head + 1) % b->max_sets;
		b->nsets--;
	} else {
		s = set_slot(b, b->nsets);
	}
	memset(s, 0, sizeof(*s));
	b->nsets++;
	return s;
}

static void nan_fill(double *v)
{
	for (int m = 0; m < BM_COUNT; m++)
		v[m] = NAN;
}

struct bench_run *bench_run_begin(struct bench *b, const char *commit,
				  const char *build_id)
{
	struct bench_run *r = push_run(b);

	r->started = (int64_t)time(NULL);
	snprintf(r->commit, sizeof(r->commit), "%s", commit ? commit : "");
	snprintf(r->build_id, sizeof(r->build_id), "%s",
		 build_id ? build_id : "");
	nan_fill(r->summary);
	r->elapsed_s = NAN;
	r->state = BENCH_RUNNING;
	if (b->set_running) {
		struct bench_set *s = b->set_running;

		snprintf(r->set, sizeof(r->set), "%s", s->id);
		if (!s->nruns)
			s->run_seq0 = r->seq;
		s->nruns++;
	}
	b->running = true;
	b->linelen = 0;
	b->overlong = false;
	b->dirty = true;
	return r;
}

static double num(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

/*
 * A count or a Unix time: a number in [0, 2^63), else 0. Converting a
 * double out of an integer's range (NaN, 1e300, -1) is undefined, and
 * these come from the target's sebench or from a history file.
 */
static uint64_t count(double v)
{
	return v >= 0 && v < 0x1p63 ? (uint64_t)v : 0;
}

/* ops_s and lat_us of a sample or summary into v. */
static void read_rates(const cJSON *o, double *v)
{
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(o, "ops_s");
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(o, "lat_us");

	v[BM_GET] = num(ops, "get");
	v[BM_PUT] = num(ops, "put");
	v[BM_DEL] = num(ops, "del");
	v[BM_TOTAL] = num(ops, "total");
	v[BM_P50] = num(lat, "p50");
	v[BM_P99] = num(lat, "p99");
	v[BM_P999] = num(lat, "p999");
}

/* A number of the program's line, printed when it has it. */
static int add_part(char *buf, size_t cap, int n, const char *fmt, double v)
{
	if (isnan(v) || n < 0 || (size_t)n >= cap)
		return n;
	return n + snprintf(buf + n, cap - (size_t)n, fmt, n ? ", " : "", v);
}

/*
 * What was measured, in words: the program's own "workload", else
 * sebench's fields ("YCSB A, zipfian 0.99, 1 thread, batch 1, 16 B keys,
 * 64 B values, 10000 records"), the swept parameter left out: it is the
 * run's point.
 */
static void describe_workload(const cJSON *o, struct bench_run *r)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "engine");
	const cJSON *mix = cJSON_GetObjectItemCaseSensitive(o, "mix");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "workload");
	const cJSON *pre = cJSON_GetObjectItemCaseSensitive(o, "preset");
	const cJSON *dist = cJSON_GetObjectItemCaseSensitive(o, "distribution");
	char *buf = r->workload;
	size_t cap = sizeof(r->workload);
	double threads = num(o, "threads"), recs = num(o, "records");
	int n = 0;

	if (cJSON_IsString(e))
		snprintf(r->engine, sizeof(r->engine), "%s", e->valuestring);
	if (cJSON_IsString(w)) {
		snprintf(buf, cap, "%s", w->valuestring);
		return;
	}
	buf[0] = '\0';
	if (isnan(recs))
		recs = num(o, "keys");
	if (cJSON_IsString(pre))
		n = snprintf(buf, cap, "YCSB %s", pre->valuestring);
	else if (cJSON_IsObject(mix))
		n = snprintf(buf, cap, "mix %g/%g/%g", num(mix, "get"),
			     num(mix, "put"), num(mix, "del"));
	if (cJSON_IsString(dist) && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, "%s%s", n ? ", " : "",
			      dist->valuestring);
	if (cJSON_IsString(dist) && !isnan(num(o, "theta")) && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " %g", num(o, "theta"));
	if (strcmp(r->param, "threads"))
		n = add_part(buf, cap, n,
			     threads == 1 ? "%s%g thread" : "%s%g threads",
			     threads);
	if (strcmp(r->param, "batch"))
		n = add_part(buf, cap, n, "%sbatch %g", num(o, "batch"));
	if (strcmp(r->param, "key_size"))
		n = add_part(buf, cap, n, "%s%g B keys", num(o, "key_size"));
	if (strcmp(r->param, "value_size"))
		n = add_part(buf, cap, n, "%s%g B values",
			     num(o, "value_size"));
	if (strcmp(r->param, "records"))
		n = add_part(buf, cap, n, "%s%g records", recs);
	if (num(o, "operations") > 0)
		add_part(buf, cap, n, "%s%g ops", num(o, "operations"));
}

static void add_sample(struct bench_run *r, const struct bench_sample *s)
{
	if (r->nsamples == r->capsamples) {
		size_t cap = r->capsamples ? r->capsamples * 2 : 64;
		struct bench_sample *p;

		if (r->nsamples >= BENCH_MAX_SAMPLES) {
			/* Keep the newest: a very long run scrolls. */
			memmove(r->samples, r->samples + 1,
				(r->nsamples - 1) * sizeof(*s));
			r->samples[r->nsamples - 1] = *s;
			return;
		}
		if (cap > BENCH_MAX_SAMPLES)
			cap = BENCH_MAX_SAMPLES;
		p = realloc(r->samples, cap * sizeof(*p));
		if (!p)
			return;
		r->samples = p;
		r->capsamples = cap;
	}
	r->samples[r->nsamples++] = *s;
}

/* Counted; a line of text is kept: it is the program's error, often. */
static void bad_line(struct bench *b, const char *line, size_t len)
{
	struct bench_run *r = b->nruns ? run_slot(b, b->nruns - 1) : NULL;

	bool words = false;

	b->bad++;
	len = strnlen(line, len);
	if (!r || r->state != BENCH_RUNNING || !len || line[0] == '{')
		return;
	for (size_t i = 0; i < len && !words; i++)
		words = (line[i] >= 'a' && line[i] <= 'z') ||
			(line[i] >= 'A' && line[i] <= 'Z');
	if (!words)
		return;
	snprintf(r->said, sizeof(r->said), "%.*s", (int)len, line);
	/* control characters (a pty's) would garble a message */
	for (char *c = r->said; *c; c++)
		if ((unsigned char)*c < ' ')
			*c = ' ';
}

static void take_line(struct bench *b, const char *line, size_t len)
{
	struct bench_run *r = run_slot(b, b->nruns - 1);
	const cJSON *type;
	cJSON *o;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return;
	o = cJSON_ParseWithLength(line, len);
	type = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsObject(o) || !cJSON_IsString(type)) {
		bad_line(b, line, len);
		cJSON_Delete(o);
		return;
	}
	if (!strcmp(type->valuestring, "start")) {
		describe_workload(o, r);
	} else if (!strcmp(type->valuestring, "sample")) {
		struct bench_sample s = { .t = num(o, "t") };

		read_rates(o, s.v);
		if (isnan(s.t))
			bad_line(b, line, len);
		else
			add_sample(r, &s);
	} else if (!strcmp(type->valuestring, "summary")) {
		if (!r->workload[0])
			describe_workload(o, r);
		read_rates(o, r->summary);
		r->elapsed_s = num(o, "elapsed_s");
		r->errors = count(num(o, "errors"));
		r->has_summary = true;
	} else {
		bad_line(b, line, len);
	}
	cJSON_Delete(o);
	b->dirty = true;
}

void bench_feed(struct bench *b, const char *buf, size_t len)
{
	if (!b->running || !b->nruns)
		return;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (b->overlong)
				bad_line(b, b->line, 0);
			else
				take_line(b, b->line, b->linelen);
			b->linelen = 0;
			b->overlong = false;
			continue;
		}
		if (b->linelen < LINE_MAX_BYTES)
			b->line[b->linelen++] = buf[i];
		else
			b->overlong = true;
	}
}

void bench_run_end(struct bench *b, bool ok, const char *msg)
{
	struct bench_run *r;

	if (!b->running || !b->nruns)
		return;
	r = run_slot(b, b->nruns - 1);
	/* A last line without its newline is truncated output: bad. */
	if (b->linelen)
		bad_line(b, b->line, b->linelen);
	b->linelen = 0;
	b->running = false;
	r->state = ok && r->has_summary ? BENCH_DONE : BENCH_FAILED;
	if (msg && msg[0])
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	else if (r->state == BENCH_FAILED)
		snprintf(r->msg, sizeof(r->msg), "%s",
			 r->has_summary ? "the benchmark program failed" :
					  "no summary line from the benchmark");
	b->dirty = true;
}

size_t bench_nruns(const struct bench *b)
{
	return b->nruns;
}

const struct bench_run *bench_run_at(const struct bench *b, size_t i)
{
	return i < b->nruns ? run_slot(b, i) : NULL;
}

const struct bench_run *bench_latest(const struct bench *b)
{
	return b->nruns ? run_slot(b, b->nruns - 1) : NULL;
}

const struct bench_run *bench_latest_module(const struct bench *b)
{
	for (size_t i = b->nruns; i-- > 0;)
		if (!run_slot(b, i)->baseline)
			return run_slot(b, i);
	return NULL;
}

const struct bench_run *bench_run_by_seq(const struct bench *b, uint64_t seq)
{
	uint64_t first;

	if (!b->nruns)
		return NULL;
	first = run_slot(b, 0)->seq;
	if (seq < first || seq - first >= b->nruns)
		return NULL;
	return run_slot(b, (size_t)(seq - first));
}

/* A run to compare with: it ended well, and so did its set. */
static bool run_sound(const struct bench *b, const struct bench_run *r)
{
	const struct bench_set *s;

	if (r->state != BENCH_DONE)
		return false;
	if (!r->set[0])
		return true;
	s = bench_set_of(b, r);
	return s && s->state == BENCH_DONE;
}

const struct bench_run *bench_previous(const struct bench *b,
				       const struct bench_run *run)
{
	if (!run || bench_run_by_seq(b, run->seq) != run)
		return NULL;
	for (size_t i = (size_t)(run->seq - run_slot(b, 0)->seq); i-- > 0;) {
		const struct bench_run *p = run_slot(b, i);

		if (run_sound(b, p) && !strcmp(p->engine, run->engine) &&
		    !strcmp(p->workload, run->workload) &&
		    !strcmp(p->param, run->param) &&
		    !strcmp(p->point, run->point))
			return p;
	}
	return NULL;
}

void bench_compare(const struct bench_run *prev, const struct bench_run *cur,
		   double delta_pct[BM_COUNT], bool better[BM_COUNT])
{
	for (int m = 0; m < BM_COUNT; m++) {
		double a = prev ? prev->summary[m] : NAN;
		double c = cur ? cur->summary[m] : NAN;

		if (!prev || !cur || isnan(a) || isnan(c) || a == 0) {
			delta_pct[m] = NAN;
			better[m] = false;
			continue;
		}
		delta_pct[m] = (c - a) / a * 100.0;
		better[m] = bench_metric_is_latency(m) ? c < a : c > a;
	}
}

uint64_t bench_bad_lines(const struct bench *b)
{
	return b->bad;
}

bool bench_take_dirty(struct bench *b)
{
	bool d = b->dirty;

	b->dirty = false;
	return d;
}

/* --- sets ------------------------------------------------------------------ */

struct bench_set *bench_set_begin(struct bench *b, const char *id)
{
	struct bench_set *s = push_set(b);

	snprintf(s->id, sizeof(s->id), "%s", id);
	s->started = (int64_t)time(NULL);
	s->state = BENCH_RUNNING;
	b->set_running = s;
	b->dirty = true;
	return s;
}

struct bench_set *bench_set_running(struct bench *b)
{
	return b->set_running;
}

void bench_set_end(struct bench *b, bool ok, const char *msg)
{
	struct bench_set *s = b->set_running;
	bool all = true;

	if (!s)
		return;
	if (b->running)
		bench_run_end(b, false, msg);
	for (size_t i = 0; i < s->nruns; i++) {
		const struct bench_run *r = bench_set_run(b, s, i);

		all &= r && r->state == BENCH_DONE;
	}
	s->state = ok && all && s->nruns ? BENCH_DONE : BENCH_FAILED;
	if (msg && msg[0])
		snprintf(s->msg, sizeof(s->msg), "%s", msg);
	else if (s->state == BENCH_FAILED)
		snprintf(s->msg, sizeof(s->msg), "%s",
			 s->nruns ? "a run of it failed" : "nothing ran");
	b->set_running = NULL;
	b->dirty = true;
}

size_t bench_nsets(const struct bench *b)
{
	return b->nsets;
}

const struct bench_set *bench_set_at(const struct bench *b, size_t i)
{
	return i < b->nsets ? set_slot(b, i) : NULL;
}

const struct bench_set *bench_set_latest(const struct bench *b)
{
	return b->nsets ? set_slot(b, b->nsets - 1) : NULL;
}

const struct bench_set *bench_set_of(const struct bench *b,
				     const struct bench_run *run)
{
	if (!run || !run->set[0])
		return NULL;
	for (size_t i = b->nsets; i-- > 0;) {
		const struct bench_set *s = set_slot(b, i);

		if (run->seq >= s->run_seq0 &&
		    run->seq < s->run_seq0 + s->nruns &&
		    !strcmp(s->id, run->set))
			return s;
	}
	return NULL;
}

const struct bench_run *bench_set_run(const struct bench *b,
				      const struct bench_set *set, size_t i)
{
	if (!set || i >= set->nruns)
		return NULL;
	return bench_run_by_seq(b, set->run_seq0 + i);
}

/* --- history --------------------------------------------------------- */

static cJSON *metrics_json(const double *v)
{
	cJSON *o = cJSON_CreateObject();

	for (int m = 0; m < BM_COUNT; m++)
		if (!isnan(v[m]))
			cJSON_AddNumberToObject(o, metric_names[m], v[m]);
	return o;
}

static void metrics_read(const cJSON *o, double *v)
{
	for (int m = 0; m < BM_COUNT; m++)
		v[m] = num(o, metric_names[m]);
}

/* Appends one JSON line, in one write. 0 or -errno. */
static int append_line(cJSON *o, const char *path)
{
	char *text = cJSON_PrintUnformatted(o);
	int fd, r = 0;
	size_t len;

	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	text[len++] = '\n'; /* replaces the NUL: written by length */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		r = -errno;
	else if (write(fd, text, len) != (ssize_t)len)
		r = -EIO;
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

static const char *state_name(enum bench_run_state st)
{
	return st == BENCH_DONE ? "done" : "failed";
}

int bench_history_append(const struct bench_run *run, const char *path)
{
	cJSON *o = cJSON_CreateObject(), *samples;

	cJSON_AddNumberToObject(o, "started", (double)run->started);
	cJSON_AddStringToObject(o, "commit", run->commit);
	cJSON_AddStringToObject(o, "build_id", run->build_id);
	cJSON_AddStringToObject(o, "engine", run->engine);
	cJSON_AddStringToObject(o, "workload", run->workload);
	if (run->set[0]) {
		cJSON_AddStringToObject(o, "set", run->set);
		cJSON_AddNumberToObject(o, "rep", run->rep);
		cJSON_AddBoolToObject(o, "baseline", run->baseline);
	}
	if (run->param[0]) {
		cJSON_AddStringToObject(o, "param", run->param);
		cJSON_AddStringToObject(o, "point", run->point);
	}
	cJSON_AddStringToObject(o, "state", state_name(run->state));
	cJSON_AddStringToObject(o, "msg", run->msg);
	cJSON_AddNumberToObject(o, "elapsed_s",
				isnan(run->elapsed_s) ? 0 : run->elapsed_s);
	cJSON_AddNumberToObject(o, "errors", (double)run->errors);
	cJSON_AddItemToObject(o, "summary", metrics_json(run->summary));
	samples = cJSON_AddArrayToObject(o, "samples");
	for (size_t i = 0; i < run->nsamples; i++) {
		cJSON *s = metrics_json(run->samples[i].v);

		cJSON_AddNumberToObject(s, "t", run->samples[i].t);
		cJSON_AddItemToArray(samples, s);
	}
	return append_line(o, path);
}

cJSON *bench_facts_json(const struct bench_facts *f)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "release", f->release);
	cJSON_AddStringToObject(o, "cpu", f->cpu);
	cJSON_AddNumberToObject(o, "cores", f->cores);
	cJSON_AddStringToObject(o, "mhz", f->mhz);
	cJSON_AddNumberToObject(o, "mem_kb", (double)f->mem_kb);
	cJSON_AddStringToObject(o, "board", f->board);
	cJSON_AddStringToObject(o, "temp_c", f->temp_c);
	cJSON_AddStringToObject(o, "throttled", f->throttled);
	return o;
}

int bench_set_append(const struct bench *b, const struct bench_set *set,
		     const char *path)
{
	cJSON *o;
	int r = 0;

	for (size_t i = 0; i < set->nruns && !r; i++) {
		const struct bench_run *run = bench_set_run(b, set, i);

		if (run)
			r = bench_history_append(run, path);
	}
	if (r)
		return r;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "set");
	cJSON_AddStringToObject(o, "id", set->id);
	cJSON_AddNumberToObject(o, "started", (double)set->started);
	cJSON_AddStringToObject(o, "state", state_name(set->state));
	cJSON_AddStringToObject(o, "msg", set->msg);
	cJSON_AddStringToObject(o, "workload", set->workload);
	cJSON_AddStringToObject(o, "sweep", set->sweep);
	cJSON_AddNumberToObject(o, "reps", set->reps);
	cJSON_AddBoolToObject(o, "baseline", set->baseline);
	cJSON_AddNumberToObject(o, "runs", (double)set->nruns);
	cJSON_AddStringToObject(o, "commit", set->commit);
	cJSON_AddBoolToObject(o, "dirty", set->dirty);
	cJSON_AddStringToObject(o, "diff_hash", set->diff_hash);
	cJSON_AddStringToObject(o, "git_note", set->git_note);
	cJSON_AddStringToObject(o, "target", set->target);
	cJSON_AddStringToObject(o, "kmdash", set->kmdash);
	cJSON_AddItemToObject(o, "before", bench_facts_json(&set->before));
	cJSON_AddItemToObject(o, "after", bench_facts_json(&set->after));
	return append_line(o, path);
}

static void string_into(const cJSON *o, const char *key, char *dst, size_t cap)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	snprintf(dst, cap, "%s", cJSON_IsString(s) ? s->valuestring : "");
}

static enum bench_run_state state_read(const cJSON *o)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");

	return cJSON_IsString(st) && !strcmp(st->valuestring, "done") ?
		       BENCH_DONE :
		       BENCH_FAILED;
}

static void load_run(struct bench *b, const cJSON *o)
{
	struct bench_run *r = push_run(b);
	const cJSON *s;

	r->started = (int64_t)count(num(o, "started"));
	string_into(o, "commit", r->commit, sizeof(r->commit));
	string_into(o, "build_id", r->build_id, sizeof(r->build_id));
	string_into(o, "engine", r->engine, sizeof(r->engine));
	string_into(o, "workload", r->workload, sizeof(r->workload));
	string_into(o, "set", r->set, sizeof(r->set));
	string_into(o, "param", r->param, sizeof(r->param));
	string_into(o, "point", r->point, sizeof(r->point));
	string_into(o, "msg", r->msg, sizeof(r->msg));
	r->rep = isnan(num(o, "rep")) ? 0 : (int)num(o, "rep");
	r->baseline =
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "baseline"));
	r->state = state_read(o);
	r->elapsed_s = num(o, "elapsed_s");
	r->errors = count(num(o, "errors"));
	metrics_read(cJSON_GetObjectItemCaseSensitive(o, "summary"),
		     r->summary);
	r->has_summary = !isnan(r->summary[BM_TOTAL]);
	if (r->set[0]) {
		if (strcmp(b->load_set, r->set)) {
			snprintf(b->load_set, sizeof(b->load_set), "%s",
				 r->set);
			b->load_seq0 = r->seq;
			b->load_n = 0;
		}
		b->load_n++;
	}
	if (!b->keep_samples)
		return;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "samples"))
	{
		struct bench_sample smp = { .t = num(s, "t") };

		metrics_read(s, smp.v);
		add_sample(r, &smp);
	}
}

static void facts_read(const cJSON *o, struct bench_facts *f)
{
	string_into(o, "release", f->release, sizeof(f->release));
	string_into(o, "cpu", f->cpu, sizeof(f->cpu));
	string_into(o, "mhz", f->mhz, sizeof(f->mhz));
	string_into(o, "board", f->board, sizeof(f->board));
	string_into(o, "temp_c", f->temp_c, sizeof(f->temp_c));
	string_into(o, "throttled", f->throttled, sizeof(f->throttled));
	f->cores = isnan(num(o, "cores")) ? 0 : (int)num(o, "cores");
	f->mem_kb = isnan(num(o, "mem_kb")) ? 0 : (uint64_t)num(o, "mem_kb");
}

static void load_set(struct bench *b, const cJSON *o)
{
	struct bench_set *s = push_set(b);
	const cJSON *dirty = cJSON_GetObjectItemCaseSensitive(o, "dirty");
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(o, "baseline");

	string_into(o, "id", s->id, sizeof(s->id));
	s->started = (int64_t)num(o, "started");
	s->state = state_read(o);
	string_into(o, "msg", s->msg, sizeof(s->msg));
	string_into(o, "workload", s->workload, sizeof(s->workload));
	string_into(o, "sweep", s->sweep, sizeof(s->sweep));
	s->reps = isnan(num(o, "reps")) ? 0 : (int)num(o, "reps");
	s->baseline = cJSON_IsTrue(base);
	string_into(o, "commit", s->commit, sizeof(s->commit));
	s->dirty = cJSON_IsTrue(dirty);
	string_into(o, "diff_hash", s->diff_hash, sizeof(s->diff_hash));
	string_into(o, "git_note", s->git_note, sizeof(s->git_note));
	string_into(o, "target", s->target, sizeof(s->target));
	string_into(o, "kmdash", s->kmdash, sizeof(s->kmdash));
	facts_read(cJSON_GetObjectItemCaseSensitive(o, "before"), &s->before);
	facts_read(cJSON_GetObjectItemCaseSensitive(o, "after"), &s->after);
	/* its runs came just before it */
	if (!strcmp(b->load_set, s->id)) {
		s->run_seq0 = b->load_seq0;
		s->nruns = b->load_n;
	} else {
		s->run_seq0 = b->run_seq;
	}
	b->load_set[0] = '\0';
}

int bench_history_load(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *o = cJSON_ParseWithLength(line, (size_t)n);
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");

		if (cJSON_IsObject(o) && cJSON_IsString(type) &&
		    !strcmp(type->valuestring, "set"))
			load_set(b, o);
		else if (cJSON_IsObject(o) &&
			 cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
				 o, "workload")))
			load_run(b, o);
		else
			b->bad++;
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
	b->dirty = true;
	return 0;
}
