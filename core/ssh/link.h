/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Link (tunnel) health of one target: an operation on the target's SSH
 * session that says, in one state and one reason, whether the connection
 * can be used and if not, why: tunnel port closed, board behind the tunnel
 * gone, auth failed, host key unknown/changed, dead link. RTT comes from a
 * persistent `cat` channel: a line written and timed until it echoes back,
 * once per probe interval (the only periodic wake-up). A probe unanswered
 * for too long drops the connection, which the session then reconnects.
 */
#ifndef KMDASH_LINK_H
#define KMDASH_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "core/ssh/ssh.h"

enum link_state {
	LINK_CONNECTING, /* first attempt */
	LINK_UP,
	LINK_DEGRADED, /* up, but the probe is late or slow */
	LINK_DOWN, /* retrying with backoff (see the reason) */
};

enum link_reason {
	LINK_R_NONE,
	LINK_R_TUNNEL_CLOSED, /* TCP refused */
	LINK_R_BOARD_GONE, /* TCP open, no SSH banner behind it */
	LINK_R_UNREACHABLE, /* TCP connect timed out */
	LINK_R_AUTH,
	LINK_R_HOSTKEY_UNKNOWN,
	LINK_R_HOSTKEY_CHANGED,
	LINK_R_JUMP,
	LINK_R_PROBE_LATE, /* degraded: probe unanswered */
	LINK_R_PROBE_SLOW, /* degraded: RTT above slow_rtt_ms */
	LINK_R_PROBE_DEAD, /* down: probe unanswered too long, reconnecting */
	LINK_R_LOST, /* the connection broke */
	LINK_R_CRASHED, /* the target's kernel died (link_set_cause) */
	LINK_R_OTHER,
};

struct link_params {
	int probe_interval_ms; /* 0: 1000 */
	int degraded_after_ms; /* probe unanswered this long; 0: 2000 */
	int down_after_ms; /* ... and this long: drop and reconnect; 0: 5000 */
	int slow_rtt_ms; /* 0: 500 */
	unsigned nsamples; /* RTT samples kept; 0: 120 */
};

struct link;

typedef void (*link_change_fn)(struct link *l, enum link_state state,
			       enum link_reason reason, const char *msg,
			       void *arg);

/*
 * Watches and probes s, which its owner made with ssh_params.reconnect
 * (a dead link is dropped to come back) and starts. The link starts in
 * s's state; fn is told the changes after. NULL when out of memory.
 */
struct link *link_new(struct loop *loop, struct ssh_session *s,
		      const struct link_params *lp, link_change_fn fn,
		      void *arg);
/* Before the session it watches. */
void link_free(struct link *l);

/*
 * fn runs at each answered probe, after its sample is added (before a
 * state change it causes is told): who shows the RTT redraws then, in
 * the probe's own wake-up, and needs no clock of its own.
 */
typedef void (*link_sample_fn)(struct link *l, void *arg);
void link_on_sample(struct link *l, link_sample_fn fn, void *arg);

enum link_state link_state(const struct link *l);
enum link_reason link_reason(const struct link *l);
const char *link_message(const struct link *l);
/*
 * What kmdash learned elsewhere about why the target stopped answering
 * ("kernel panic: Fatal exception", from the serial console): the link
 * goes DOWN at once with it as the reason, and keeps it through the failed
 * retries until the target answers again.
 */
void link_set_cause(struct link *l, const char *cause);
const char *link_state_name(enum link_state st);
/* e.g. "tunnel port closed", "board behind the tunnel is gone" */
const char *link_reason_text(enum link_reason r);

struct link_stats {
	int64_t uptime_ms; /* 0 when not up */
	unsigned reconnects;
	uint64_t bytes_in, bytes_out;
	int32_t last_rtt_us; /* -1: none yet */
	int32_t min_rtt_us, max_rtt_us, avg_rtt_us; /* over the samples */
	uint64_t probes_sent, probes_answered;
	char last_error[512]; /* kept after recovery */
};
void link_stats(const struct link *l, struct link_stats *out);
/* Copies up to max RTT samples (µs), oldest first; returns the count. */
size_t link_rtt_samples(const struct link *l, int32_t *out, size_t max);

#endif
