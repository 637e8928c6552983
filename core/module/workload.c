// SPDX-License-Identifier: GPL-2.0
/* A bench step's invocations of the benchmark program (workload.h). */
#include "core/module/workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strutil.h"

/* An option of the program, and where its value is in bench_opts. */
struct param {
	const char *name; /* the sweep's and the config's name */
	const char *flag; /* the program's option */
	size_t offset; /* an int in struct bench_opts */
	bool sweep; /* may be swept */
};

#define OPT(f) offsetof(struct bench_opts, f)

static const struct param params[] = {
	{ "threads", "--threads", OPT(threads), true },
	{ "batch", "--batch", OPT(batch), true },
	{ "value_size", "--value-size", OPT(value_size), true },
	{ "key_size", "--key-size", OPT(key_size), true },
	{ "records", "--records", OPT(records), true },
	{ "operations", "--operations", OPT(operations), false },
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

static const char *const workloads[] = { "A", "B", "C", "D", "E", "F", NULL };
static const char *const distributions[] = { "uniform", "zipfian", "latest",
					     NULL };

const char *bench_sweep_param(size_t i)
{
	for (size_t k = 0, n = 0; k < NPARAMS; k++)
		if (params[k].sweep && n++ == i)
			return params[k].name;
	return NULL;
}

const char *bench_workload_name(size_t i)
{
	return i < 6 ? workloads[i] : NULL;
}

const char *bench_distribution_name(size_t i)
{
	return i < 3 ? distributions[i] : NULL;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static int sweep_parse(const char *sweep, struct bench_plan *p, char *err,
		       size_t errlen)
{
	const char *eq = strchr(sweep, '='), *v;
	const char *names[NPARAMS + 1];
	size_t n = 0, len;

	for (size_t k = 0; k < NPARAMS; k++)
		if (params[k].sweep)
			names[n++] = params[k].name;
	names[n] = NULL;
	len = eq ? (size_t)(eq - sweep) : strlen(sweep);
	snprintf(p->param, sizeof(p->param), "%.*s", (int)len, sweep);
	if (!eq || !in_list(names, p->param)) {
		const char *near = str_closest(p->param, names, 0, 3);

		snprintf(
			err, errlen,
			"--sweep %s: sweep one of threads, batch, value_size, key_size, records as PARAM=V1,V2,...%s%s%s",
			sweep, near ? " (did you mean '" : "", near ? near : "",
			near ? "'?)" : "");
		return -EINVAL;
	}
	p->npoints = 0;
	for (v = eq + 1; *v;) {
		size_t l = strcspn(v, ",");
		char *end;
		long x = strtol(v, &end, 10);

		if (!l || end != v + l || x <= 0 || l >= BENCH_POINT_MAX ||
		    p->npoints == BENCH_MAX_POINTS) {
			snprintf(
				err, errlen,
				"--sweep %s: the values must be up to %d positive integers, comma-separated",
				sweep, BENCH_MAX_POINTS);
			return -EINVAL;
		}
		snprintf(p->points[p->npoints++], BENCH_POINT_MAX, "%.*s",
			 (int)l, v);
		v += l + (v[l] == ',');
	}
	if (!p->npoints) {
		snprintf(err, errlen, "--sweep %s: no values", sweep);
		return -EINVAL;
	}
	snprintf(p->sweep, sizeof(p->sweep), "%s", sweep);
	return 0;
}

int bench_plan_make(const struct bench_opts *o, bool baseline,
		    struct bench_plan *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (o->workload && o->workload[0] && !in_list(workloads, o->workload)) {
		snprintf(
			err, errlen,
			"unknown workload '%s': YCSB's core workloads are A, B, C, D, E and F",
			o->workload);
		return -EINVAL;
	}
	if (o->distribution && o->distribution[0] &&
	    !in_list(distributions, o->distribution)) {
		const char *near =
			str_closest(o->distribution, distributions, 0, 3);

		snprintf(
			err, errlen,
			"unknown distribution '%s': uniform, zipfian or latest%s%s%s",
			o->distribution, near ? " (did you mean '" : "",
			near ? near : "", near ? "'?)" : "");
		return -EINVAL;
	}
	p->reps = o->runs > 0 ? o->runs : BENCH_RUNS_DEFAULT;
	p->baseline = baseline;
	p->npoints = 1;
	if (o->sweep && o->sweep[0] && sweep_parse(o->sweep, p, err, errlen))
		return -EINVAL;
	p->n = (size_t)p->reps * p->npoints * (baseline ? 2 : 1);
	return 0;
}

void bench_plan_step(const struct bench_plan *p, size_t i,
		     struct bench_step *st)
{
	size_t per_rep = p->npoints * (p->baseline ? 2 : 1);
	size_t in_rep = i % per_rep;

	st->rep = (int)(i / per_rep) + 1;
	st->point = p->baseline ? in_rep / 2 : in_rep;
	st->baseline = p->baseline && in_rep % 2;
}

char **bench_plan_argv(const struct bench_plan *p, const struct bench_opts *o,
		       const char *const *base,
		       const char *const *baseline_args, size_t i)
{
	const char *words[128];
	char nums[NPARAMS + 1][24];
	struct bench_step st;
	size_t n = 0, len = 0, k;
	char **argv, *at;

	bench_plan_step(p, i, &st);
	for (k = 0; base && base[k] && n < 100; k++)
		words[n++] = base[k];
	if (o->workload && o->workload[0]) {
		words[n++] = "--workload";
		words[n++] = o->workload;
	}
	if (o->distribution && o->distribution[0]) {
		words[n++] = "--distribution";
		words[n++] = o->distribution;
	}
	for (k = 0; k < NPARAMS; k++) {
		int v = *(const int *)((const char *)o + params[k].offset);

		if (!strcmp(params[k].name, p->param))
			continue; /* the sweep's value instead */
		if (v > 0) {
			snprintf(nums[k], sizeof(nums[k]), "%d", v);
			words[n++] = params[k].flag;
			words[n++] = nums[k];
		}
	}
	if (o->duration_ms > 0) {
		snprintf(nums[NPARAMS], sizeof(nums[NPARAMS]), "%g",
			 o->duration_ms / 1000.0);
		words[n++] = "--duration";
		words[n++] = nums[NPARAMS];
	}
	for (k = 0; p->param[0] && k < NPARAMS; k++)
		if (!strcmp(params[k].name, p->param)) {
			words[n++] = params[k].flag;
			words[n++] = p->points[st.point];
		}
	for (k = 0; st.baseline && baseline_args && baseline_args[k] && n < 126;
	     k++)
		words[n++] = baseline_args[k];
	for (k = 0; k < n; k++)
		len += strlen(words[k]) + 1;
	argv = malloc((n + 1) * sizeof(*argv) + len);
	if (!argv)
		return NULL;
	at = (char *)(argv + n + 1);
	for (k = 0; k < n; k++) {
		size_t l = strlen(words[k]) + 1;

		argv[k] = memcpy(at, words[k], l);
		at += l;
	}
	argv[n] = NULL;
	return argv;
}
