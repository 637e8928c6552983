// SPDX-License-Identifier: GPL-2.0
/* Link health: session states mapped to reasons, plus the RTT probe. */
#include "core/ssh/link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/loop.h"

struct link {
	struct loop *loop;
	struct ssh_session *s; /* probed, not owned */
	struct ssh_watch *watch;
	struct link_params p;
	link_change_fn fn;
	void *arg;

	enum link_state state;
	enum link_reason reason;
	char msg[1600];
	char last_error[512];
	/* why the target itself stopped answering, until it is up again */
	char cause[256];

	struct ssh_op *probe;
	uint64_t timer;
	char line[64];
	size_t line_len;
	uint64_t seq; /* last probe sent */
	bool outstanding;
	int64_t sent_us;
	uint64_t sent, answered;

	int32_t *samples;
	size_t nsamples, head; /* ring: head = next write */
	int32_t last_rtt;
	link_sample_fn sample_fn;
	void *sample_arg;
};

static const char *const state_names[] = { "CONNECTING", "UP", "DEGRADED",
					   "DOWN" };

const char *link_state_name(enum link_state st)
{
	return (unsigned)st < 4 ? state_names[st] : "?";
}

const char *link_reason_text(enum link_reason r)
{
	switch (r) {
	case LINK_R_NONE:
		return "";
	case LINK_R_TUNNEL_CLOSED:
		return "tunnel port closed";
	case LINK_R_BOARD_GONE:
		return "board behind the tunnel is gone";
	case LINK_R_UNREACHABLE:
		return "host unreachable";
	case LINK_R_AUTH:
		return "auth failed";
	case LINK_R_HOSTKEY_UNKNOWN:
		return "host key unknown";
	case LINK_R_HOSTKEY_CHANGED:
		return "host key changed";
	case LINK_R_JUMP:
		return "jump host failed";
	case LINK_R_PROBE_LATE:
		return "probe unanswered";
	case LINK_R_PROBE_SLOW:
		return "slow link";
	case LINK_R_PROBE_DEAD:
		return "link dead";
	case LINK_R_LOST:
		return "connection lost";
	case LINK_R_CRASHED:
		return "target crashed";
	default:
		return "error";
	}
}

static void set_state(struct link *l, enum link_state st, enum link_reason r,
		      const char *msg)
{
	bool changed = st != l->state || r != l->reason;

	l->state = st;
	l->reason = r;
	snprintf(l->msg, sizeof(l->msg), "%s", msg ? msg : "");
	if (msg && *msg && (st == LINK_DOWN || st == LINK_DEGRADED))
		snprintf(l->last_error, sizeof(l->last_error), "%s", msg);
	if (changed && l->fn)
		l->fn(l, st, r, l->msg, l->arg);
}

static void probe_stop(struct link *l)
{
	if (l->timer)
		loop_cancel_timer(l->loop, l->timer);
	l->timer = 0;
	if (l->probe)
		ssh_op_cancel(l->probe);
	l->probe = NULL;
	l->outstanding = false;
	l->line_len = 0;
}

static void add_sample(struct link *l, int32_t us)
{
	l->samples[l->head] = us;
	l->head = (l->head + 1) % l->p.nsamples;
	if (l->nsamples < l->p.nsamples)
		l->nsamples++;
	l->last_rtt = us;
}

static void probe_line(struct link *l, const char *line)
{
	char msg[128];
	int32_t rtt;

	if (!l->outstanding || strtoull(line, NULL, 10) != l->seq)
		return;
	rtt = (int32_t)(loop_target_now_us(l->loop) - l->sent_us);
	l->outstanding = false;
	l->answered++;
	add_sample(l, rtt);
	if (l->sample_fn)
		l->sample_fn(l, l->sample_arg);
	if (rtt / 1000 > l->p.slow_rtt_ms) {
		snprintf(msg, sizeof(msg), "probe round trip %d ms (> %d ms)",
			 rtt / 1000, l->p.slow_rtt_ms);
		set_state(l, LINK_DEGRADED, LINK_R_PROBE_SLOW, msg);
	} else if (l->state != LINK_UP) {
		set_state(l, LINK_UP, LINK_R_NONE, NULL);
	}
}

static void probe_data(void *arg, const char *buf, size_t len)
{
	struct link *l = arg;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			l->line[l->line_len] = '\0';
			if (l->line_len)
				probe_line(l, l->line);
			l->line_len = 0;
		} else if (l->line_len < sizeof(l->line) - 1) {
			l->line[l->line_len++] = buf[i];
		}
	}
}

static void probe_end(void *arg, int rc, int status, const char *msg)
{
	struct link *l = arg;

	/* The cat went away with the session up: reopen at the next tick. */
	l->probe = NULL;
	l->outstanding = false;
}

static void probe_open(struct link *l)
{
	l->line_len = 0;
	l->probe =
		ssh_stream_open(l->s, "exec cat", 0, probe_data, probe_end, l);
}

static void probe_tick(struct loop *loop, void *arg)
{
	struct link *l = arg;
	char buf[32], msg[160];
	int64_t late_ms;
	int n;

	l->timer = loop_add_target_timer(l->loop, l->p.probe_interval_ms,
					 probe_tick, l);
	if (!l->probe) {
		probe_open(l);
		return;
	}
	if (l->outstanding) {
		late_ms = (loop_target_now_us(l->loop) - l->sent_us) / 1000;
		if (late_ms >= l->p.down_after_ms) {
			snprintf(
				msg, sizeof(msg),
				"no answer to the link probe for %lld ms: the link is dead; reconnecting",
				(long long)late_ms);
			probe_stop(l);
			set_state(l, LINK_DOWN, LINK_R_PROBE_DEAD, msg);
			ssh_session_drop(l->s, msg);
			return;
		}
		if (late_ms >= l->p.degraded_after_ms) {
			snprintf(msg, sizeof(msg),
				 "no answer to the link probe for %lld ms",
				 (long long)late_ms);
			set_state(l, LINK_DEGRADED, LINK_R_PROBE_LATE, msg);
		}
		return;
	}
	n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)++l->seq);
	if (ssh_stream_write(l->probe, buf, (size_t)n) == 0) {
		l->outstanding = true;
		l->sent_us = loop_target_now_us(l->loop);
		l->sent++;
	}
}

static enum link_reason reason_of(enum ssh_why why)
{
	switch (why) {
	case SSH_E_REFUSED:
		return LINK_R_TUNNEL_CLOSED;
	case SSH_E_NO_BANNER:
		return LINK_R_BOARD_GONE;
	case SSH_E_CONNECT_TIMEOUT:
		return LINK_R_UNREACHABLE;
	case SSH_E_AUTH:
		return LINK_R_AUTH;
	case SSH_E_HOSTKEY_UNKNOWN:
		return LINK_R_HOSTKEY_UNKNOWN;
	case SSH_E_HOSTKEY_CHANGED:
		return LINK_R_HOSTKEY_CHANGED;
	case SSH_E_JUMP:
		return LINK_R_JUMP;
	case SSH_E_LOST:
		return LINK_R_LOST;
	case SSH_E_DROPPED:
		return LINK_R_PROBE_DEAD;
	default:
		return LINK_R_OTHER;
	}
}

static void session_state(struct ssh_session *s, enum ssh_state st,
			  enum ssh_why why, const char *msg, void *arg)
{
	struct link *l = arg;

	switch (st) {
	case SSH_UP:
		l->cause[0] = '\0';
		probe_stop(l);
		/*
		 * First, before the users of the link queue their channels
		 * (set_state below): nothing can make the probe wait.
		 */
		probe_open(l);
		l->timer = loop_add_target_timer(
			l->loop, l->p.probe_interval_ms, probe_tick, l);
		set_state(l, LINK_UP, LINK_R_NONE, NULL);
		break;
	case SSH_DOWN:
		probe_stop(l);
		/* the probe already said why it dropped the session */
		if (why == SSH_E_DROPPED && l->state == LINK_DOWN)
			break;
		/* a crashed target's retries fail; the crash is the reason */
		if (l->cause[0]) {
			set_state(l, LINK_DOWN, LINK_R_CRASHED, l->cause);
			break;
		}
		set_state(l, LINK_DOWN, reason_of(why), msg);
		break;
	case SSH_CONNECTING:
		/* retries stay DOWN with their reason until one succeeds */
		if (l->state != LINK_DOWN)
			set_state(l, LINK_CONNECTING, LINK_R_NONE, NULL);
		break;
	default:
		break;
	}
}

struct link *link_new(struct loop *loop, struct ssh_session *s,
		      const struct link_params *lp, link_change_fn fn,
		      void *arg)
{
	struct link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (lp)
		l->p = *lp;
	if (l->p.probe_interval_ms <= 0)
		l->p.probe_interval_ms = 1000;
	if (l->p.degraded_after_ms <= 0)
		l->p.degraded_after_ms = 2000;
	if (l->p.down_after_ms <= 0)
		l->p.down_after_ms = 5000;
	if (l->p.slow_rtt_ms <= 0)
		l->p.slow_rtt_ms = 500;
	if (!l->p.nsamples)
		l->p.nsamples = 120;
	l->samples = calloc(l->p.nsamples, sizeof(*l->samples));
	l->loop = loop;
	l->s = s;
	l->arg = arg;
	l->last_rtt = -1;
	l->state = LINK_CONNECTING;
	l->watch = l->samples ? ssh_session_watch(s, session_state, l) : NULL;
	if (!l->watch) {
		free(l->samples);
		free(l);
		return NULL;
	}
	/* Where the session already is: the link starts there, untold. */
	session_state(s, ssh_session_state(s), ssh_session_why(s),
		      ssh_session_error(s), l);
	l->fn = fn;
	return l;
}

void link_on_sample(struct link *l, link_sample_fn fn, void *arg)
{
	l->sample_fn = fn;
	l->sample_arg = arg;
}

void link_free(struct link *l)
{
	if (!l)
		return;
	probe_stop(l);
	ssh_session_unwatch(l->s, l->watch);
	free(l->samples);
	free(l);
}

enum link_state link_state(const struct link *l)
{
	return l->state;
}

enum link_reason link_reason(const struct link *l)
{
	return l->reason;
}

void link_set_cause(struct link *l, const char *cause)
{
	snprintf(l->cause, sizeof(l->cause), "%s", cause);
	probe_stop(l);
	set_state(l, LINK_DOWN, LINK_R_CRASHED, l->cause);
	ssh_session_drop(l->s, l->cause);
}

const char *link_message(const struct link *l)
{
	return l->msg;
}

void link_stats(const struct link *l, struct link_stats *out)
{
	struct ssh_stats st;
	int64_t sum = 0;

	ssh_session_stats(l->s, &st);
	memset(out, 0, sizeof(*out));
	out->uptime_ms = st.up_since_ms ? loop_now_ms() - st.up_since_ms : 0;
	out->reconnects = st.reconnects;
	out->bytes_in = st.bytes_in;
	out->bytes_out = st.bytes_out;
	out->last_rtt_us = l->last_rtt;
	out->min_rtt_us = out->max_rtt_us = out->avg_rtt_us = -1;
	for (size_t i = 0; i < l->nsamples; i++) {
		int32_t v = l->samples[i];

		if (out->min_rtt_us < 0 || v < out->min_rtt_us)
			out->min_rtt_us = v;
		if (v > out->max_rtt_us)
			out->max_rtt_us = v;
		sum += v;
	}
	if (l->nsamples)
		out->avg_rtt_us = (int32_t)(sum / (int64_t)l->nsamples);
	out->probes_sent = l->sent;
	out->probes_answered = l->answered;
	snprintf(out->last_error, sizeof(out->last_error), "%s", l->last_error);
}

size_t link_rtt_samples(const struct link *l, int32_t *out, size_t max)
{
	size_t n = l->nsamples < max ? l->nsamples : max;
	size_t start = (l->head + l->p.nsamples - l->nsamples) % l->p.nsamples;

	/* the newest n */
	start = (start + l->nsamples - n) % l->p.nsamples;
	for (size_t i = 0; i < n; i++)
		out[i] = l->samples[(start + i) % l->p.nsamples];
	return n;
}
