// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON lines of any module's benchmark program (kmod/README.md; sebench
 * is one): {"type":"start"|"sample"|"summary", ...}. Unknown fields
 * are ignored so the tool can grow; a line that is not a JSON object with a
 * known type is counted as bad and skipped, never fatal.
 */
#include "core/module/bench.h"

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
	struct bench_run *runs;
	size_t nruns, max_runs;
	bool running;
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

struct bench *bench_new(size_t max_runs)
{
	struct bench *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->max_runs = max_runs ? max_runs : 1;
	b->runs = calloc(b->max_runs, sizeof(*b->runs));
	b->line = malloc(LINE_MAX_BYTES);
	if (!b->runs || !b->line) {
		bench_free(b);
		return NULL;
	}
	return b;
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
	for (size_t i = 0; i < b->nruns; i++)
		run_clear(&b->runs[i]);
	free(b->runs);
	free(b->line);
	free(b);
}

/* A new slot at the end, dropping the oldest run when full. */
static struct bench_run *push_run(struct bench *b)
{
	if (b->nruns == b->max_runs) {
		run_clear(&b->runs[0]);
		memmove(b->runs, b->runs + 1,
			(b->max_runs - 1) * sizeof(*b->runs));
		b->nruns--;
	}
	memset(&b->runs[b->nruns], 0, sizeof(*b->runs));
	return &b->runs[b->nruns++];
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
	r->state = BENCH_RUNNING;
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

/*
 * What was measured, in words: a program's own "workload", else sebench's
 * fields (threads, batch, sizes, mix).
 */
static void describe_workload(const cJSON *o, struct bench_run *r)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "engine");
	const cJSON *mix = cJSON_GetObjectItemCaseSensitive(o, "mix");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "workload");

	if (cJSON_IsString(e))
		snprintf(r->engine, sizeof(r->engine), "%s", e->valuestring);
	if (cJSON_IsString(w)) {
		snprintf(r->workload, sizeof(r->workload), "%s, %s",
			 r->engine[0] ? r->engine : "?", w->valuestring);
		return;
	}
	snprintf(
		r->workload, sizeof(r->workload),
		"%s, %g threads, batch %g, %g B keys, %g B values, %g keys, mix %g/%g/%g",
		r->engine[0] ? r->engine : "?", num(o, "threads"),
		num(o, "batch"), num(o, "key_size"), num(o, "value_size"),
		num(o, "keys"), num(mix, "get"), num(mix, "put"),
		num(mix, "del"));
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

static void bad_line(struct bench *b, const char *line, size_t len)
{
	b->bad++;
}

static void take_line(struct bench *b, const char *line, size_t len)
{
	struct bench_run *r = &b->runs[b->nruns - 1];
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
		const cJSON *err =
			cJSON_GetObjectItemCaseSensitive(o, "errors");

		if (!r->workload[0])
			describe_workload(o, r);
		read_rates(o, r->summary);
		r->elapsed_s = num(o, "elapsed_s");
		r->errors = cJSON_IsNumber(err) ? (uint64_t)err->valuedouble :
						  0;
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
				bad_line(b, b->line, b->linelen);
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
	r = &b->runs[b->nruns - 1];
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
			 r->has_summary ? "sebench failed" :
					  "no summary line from sebench");
	b->dirty = true;
}

size_t bench_nruns(const struct bench *b)
{
	return b->nruns;
}

const struct bench_run *bench_run_at(const struct bench *b, size_t i)
{
	return i < b->nruns ? &b->runs[i] : NULL;
}

const struct bench_run *bench_latest(const struct bench *b)
{
	return b->nruns ? &b->runs[b->nruns - 1] : NULL;
}

const struct bench_run *bench_previous(const struct bench *b,
				       const struct bench_run *run)
{
	size_t i;

	if (!run)
		return NULL;
	for (i = 0; i < b->nruns && &b->runs[i] != run; i++)
		;
	while (i-- > 0) {
		const struct bench_run *p = &b->runs[i];

		if (p->state == BENCH_DONE &&
		    !strcmp(p->workload, run->workload))
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

int bench_history_append(const struct bench_run *run, const char *path)
{
	cJSON *o = cJSON_CreateObject(), *samples;
	char *text;
	int fd, r = 0;
	size_t len;

	cJSON_AddNumberToObject(o, "started", (double)run->started);
	cJSON_AddStringToObject(o, "commit", run->commit);
	cJSON_AddStringToObject(o, "build_id", run->build_id);
	cJSON_AddStringToObject(o, "engine", run->engine);
	cJSON_AddStringToObject(o, "workload", run->workload);
	cJSON_AddStringToObject(o, "state",
				run->state == BENCH_DONE ? "done" : "failed");
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
	text = cJSON_PrintUnformatted(o);
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

static void string_into(const cJSON *o, const char *key, char *dst, size_t cap)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	snprintf(dst, cap, "%s", cJSON_IsString(s) ? s->valuestring : "");
}

static void load_run(struct bench *b, const cJSON *o)
{
	struct bench_run *r = push_run(b);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");
	const cJSON *s;

	r->started = (int64_t)num(o, "started");
	string_into(o, "commit", r->commit, sizeof(r->commit));
	string_into(o, "build_id", r->build_id, sizeof(r->build_id));
	string_into(o, "engine", r->engine, sizeof(r->engine));
	string_into(o, "workload", r->workload, sizeof(r->workload));
	string_into(o, "msg", r->msg, sizeof(r->msg));
	r->state = cJSON_IsString(st) && !strcmp(st->valuestring, "done") ?
			   BENCH_DONE :
			   BENCH_FAILED;
	r->elapsed_s = num(o, "elapsed_s");
	r->errors = (uint64_t)(isnan(num(o, "errors")) ? 0 : num(o, "errors"));
	metrics_read(cJSON_GetObjectItemCaseSensitive(o, "summary"),
		     r->summary);
	r->has_summary = !isnan(r->summary[BM_TOTAL]);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "samples"))
	{
		struct bench_sample smp = { .t = num(s, "t") };

		metrics_read(s, smp.v);
		add_sample(r, &smp);
	}
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

		if (cJSON_IsObject(o) &&
		    cJSON_IsString(
			    cJSON_GetObjectItemCaseSensitive(o, "workload")))
			load_run(b, o);
		else
			bad_line(b, line, (size_t)n);
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
	b->dirty = true;
	return 0;
}
