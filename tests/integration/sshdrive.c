// SPDX-License-Identifier: GPL-2.0
/*
 * sshdrive: a small CLI over core/ssh/ssh, core/ssh/sftp and core/ssh/link for the
 * integration tests. It drives the SSH layer alone, against any sshd and
 * with options (jump hosts, agents, timeouts, a host key policy) that
 * kmdash takes from its configuration, and prints what a user would see:
 * state transitions with reasons, command output, upload results.
 *
 *   sshdrive [options] connect | exec CMD | stream CMD MS | upload LOCAL
 *            REMOTE | trust | link [SECONDS] | bench-upload LOCAL REMOTE |
 *            bench-put LOCAL REMOTE | upload-cancel LOCAL REMOTE MS |
 *            rshell TIMEOUT_MS CMD...
 *   (bench-put: the SFTP write alone, no verify: what `sftp put` does)
 *   options: -H host -p port -l user -i identity (repeat) -k known_hosts
 *            -J jump -A (agent) -F ssh_config -C (use ~/.ssh/config)
 *            -t connect_timeout_ms -b backoff_max_ms -r (reconnect)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ssh/link.h"
#include "core/base/loop.h"
#include "core/ssh/rshell.h"
#include "core/ssh/sftp.h"
#include "core/ssh/upload.h"
#include "core/ssh/ssh.h"

static struct loop *loop;
static struct ssh_session *sess;
static struct link *lnk;
static const char *cmd;
static char **args;
static int nargs;
static int result = 1;
static bool started_op;
static struct ssh_op *stream_op;
static int64_t t0;
static bool reconnect;

static const char *state_name(enum ssh_state st)
{
	static const char *const n[] = { "IDLE", "CONNECTING", "UP", "DOWN" };

	return n[st];
}

static void finish(int rc)
{
	result = rc;
	loop_stop(loop);
}

static void exec_done(void *arg, int rc, const struct ssh_exec_result *r,
		      const char *msg)
{
	if (rc) {
		printf("exec error: %s\n", msg);
		finish(1);
		return;
	}
	printf("--- stdout (%zu bytes)\n%s", r->out_len, r->out);
	printf("--- stderr (%zu bytes)\n%s", r->err_len, r->err);
	printf("--- exit %d%s%s\n", r->exit_status,
	       r->exit_signal ? " signal " : "",
	       r->exit_signal ? r->exit_signal : "");
	finish(0);
}

static void stream_data(void *arg, const char *buf, size_t len)
{
	static bool pid_shown;

	if (!pid_shown && ssh_stream_pid(stream_op)) {
		pid_shown = true;
		printf("pid: %d\n", (int)ssh_stream_pid(stream_op));
	}
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

static void stream_end(void *arg, int rc, int status, const char *msg)
{
	if (rc)
		printf("stream error: %s\n", msg);
	else
		printf("stream ended: exit %d\n", status);
	finish(rc ? 1 : 0);
}

static void quit_cb(struct loop *l, void *arg)
{
	finish(0);
}

static void cancel_cb(struct loop *l, void *arg)
{
	printf("pid: %d\ncancelled\n", (int)ssh_stream_pid(stream_op));
	fflush(stdout);
	ssh_op_cancel(stream_op);
	/* leave the loop time to close the channel (and kill by PID) */
	loop_add_timer(loop, 3000, quit_cb, NULL);
}

static int64_t t_up, t_written;
/* upload: an SFTP channel and the shell that verifies */
static struct sftp_conn *sconn;
static struct upload *up;

static void progress(void *arg, uint64_t done, uint64_t total)
{
	static uint64_t last;

	if (done == total)
		t_written = loop_now_us();
	if (!strncmp(cmd, "bench-", 6))
		return;

	if (done == total || done - last >= (4u << 20)) {
		printf("progress: %llu/%llu\n", (unsigned long long)done,
		       (unsigned long long)total);
		last = done;
	}
}

static void upload_done(void *arg, int rc, const char *msg)
{
	double secs = (double)(loop_now_us() - t0) / 1e6;

	printf("upload %s: %s\n", rc ? "error" : "ok", msg);
	if (!rc && !strcmp(cmd, "bench-upload")) {
		struct ssh_stats st;

		ssh_session_stats(sess, &st);
		printf("seconds: %.3f (connect %.3f, write %.3f, verify+rename %.3f after the writes)\n",
		       secs, (double)(t_up - t0) / 1e6,
		       (double)(t_written - t_up) / 1e6,
		       (double)(loop_now_us() - t_written) / 1e6);
	}
	finish(rc ? 1 : 0);
}

static void put_done(void *arg, int rc, const struct sftp_put_result *r,
		     const char *msg)
{
	if (rc) {
		printf("upload error: %s\n", msg);
		finish(1);
		return;
	}
	printf("put %llu bytes (remote %llu), sha256 %s\n",
	       (unsigned long long)r->size, (unsigned long long)r->remote_size,
	       r->sha);
	printf("seconds: %.3f (connect %.3f, write %.3f, close %.3f after the writes)\n",
	       (double)(loop_now_us() - t0) / 1e6, (double)(t_up - t0) / 1e6,
	       (double)(t_written - t_up) / 1e6,
	       (double)(loop_now_us() - t_written) / 1e6);
	finish(0);
}

/* upload-cancel: the user cancels; the loop then runs a second on. */
static void upload_cancel_cb(struct loop *l, void *arg)
{
	printf("cancelling the upload\n");
	fflush(stdout);
	upload_free(up);
	up = NULL;
	loop_add_timer(loop, 1000, quit_cb, NULL);
}

/* rshell: every command through one remote shell, in order. */
static struct rshell *rsh;
static int rsh_left;

static void rshell_done(void *arg, int rc, int status, const char *out,
			size_t len, const char *msg)
{
	int i = (int)(intptr_t)arg;

	if (rc < 0)
		printf("--- [%d] error: %s\n", i, msg);
	else
		printf("--- [%d] exit %d (%zu bytes)\n%s\n--- [%d] end\n", i,
		       status, len, out, i);
	fflush(stdout);
	if (--rsh_left == 0)
		finish(0);
}

static void start_op(void)
{
	char err[512];

	started_op = true;
	if (!strcmp(cmd, "connect")) {
		finish(0);
	} else if (!strcmp(cmd, "exec")) {
		ssh_exec(sess, args[0], exec_done, NULL);
	} else if (!strcmp(cmd, "stream")) {
		stream_op = ssh_stream_open(sess, args[0], SSH_STREAM_PTY,
					    stream_data, stream_end, NULL);
		loop_add_timer(loop, atoi(args[1]), cancel_cb, NULL);
	} else if (!strcmp(cmd, "bench-put")) {
		t_up = loop_now_us();
		sconn = sftp_conn_new(sess);
		if (!sconn || !sftp_put(sconn, args[0], args[1], -1, progress,
					put_done, NULL, err, sizeof(err))) {
			printf("upload error: %s\n", err);
			finish(1);
		}
	} else if (!strcmp(cmd, "upload") || !strcmp(cmd, "bench-upload") ||
		   !strcmp(cmd, "upload-cancel")) {
		t_up = loop_now_us();
		rsh = rshell_new(loop, sess);
		sconn = sftp_conn_new(sess);
		up = rsh && sconn ? upload_new(sconn, rsh) : NULL;
		if (up)
			upload_listen(up, progress, upload_done, NULL);
		if (!up ||
		    upload_add(up, args[0], args[1], -1, err, sizeof(err)) ||
		    upload_start(up, err, sizeof(err))) {
			printf("upload error: %s\n", err);
			finish(1);
		} else if (!strcmp(cmd, "upload-cancel")) {
			loop_add_timer(loop, atoi(args[2]), upload_cancel_cb,
				       NULL);
		}
	} else if (!strcmp(cmd, "trust")) {
		printf("already trusted\n");
		finish(0);
	} else if (!strcmp(cmd, "rshell")) {
		rsh = rshell_new(loop, sess);
		rsh_left = nargs - 1;
		for (int i = 1; i < nargs; i++)
			rshell_run(rsh, args[i], atoi(args[0]), rshell_done,
				   (void *)(intptr_t)i);
	}
}

static void on_state(struct ssh_session *s, enum ssh_state st, enum ssh_why why,
		     const char *msg, void *arg)
{
	char type[80], fp[KH_FP_LEN], err[512];

	printf("state: %s%s%s\n", state_name(st), *msg ? ": " : "", msg);
	fflush(stdout);
	if (st == SSH_UP && !started_op) {
		start_op();
	} else if (st == SSH_DOWN && !strcmp(cmd, "trust") &&
		   why == SSH_E_HOSTKEY_UNKNOWN) {
		ssh_session_presented_key(s, type, sizeof(type), fp);
		printf("presented: %s %s\n", type, fp);
		/* the test plays the user who compared the fingerprint */
		if (ssh_trust_host_key(s, err, sizeof(err))) {
			printf("trust error: %s\n", err);
			finish(1);
			return;
		}
		printf("trusted\n");
		ssh_session_reconnect_now(s);
	} else if (st == SSH_DOWN && !started_op && !reconnect) {
		finish(1);
	}
}

static void on_link(struct link *l, enum link_state st, enum link_reason r,
		    const char *msg, void *arg)
{
	struct link_stats ls;

	link_stats(l, &ls);
	printf("link: %s%s%s%s%s (reconnects %u)\n", link_state_name(st),
	       r ? " [" : "", link_reason_text(r), r ? "]" : "", *msg ? "" : "",
	       ls.reconnects);
	if (*msg)
		printf("  reason: %s\n", msg);
	fflush(stdout);
}

static void stats_sig(struct loop *l, int signo, void *arg)
{
	struct link_stats ls;
	int32_t samples[8];
	size_t n;

	if (signo == SIGTERM || signo == SIGINT) {
		finish(0);
		return;
	}
	link_stats(lnk, &ls);
	n = link_rtt_samples(lnk, samples, 8);
	printf("stats: state %s uptime_ms %lld reconnects %u bytes_in %llu bytes_out %llu probes %llu/%llu rtt_us last %d min %d avg %d max %d samples %zu\n",
	       link_state_name(link_state(lnk)), (long long)ls.uptime_ms,
	       ls.reconnects, (unsigned long long)ls.bytes_in,
	       (unsigned long long)ls.bytes_out,
	       (unsigned long long)ls.probes_answered,
	       (unsigned long long)ls.probes_sent, ls.last_rtt_us,
	       ls.min_rtt_us, ls.avg_rtt_us, ls.max_rtt_us, n);
	if (*ls.last_error)
		printf("  last error: %s\n", ls.last_error);
	fflush(stdout);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: sshdrive [-H host] [-p port] [-l user] [-i key]... [-k known_hosts] [-J jump] [-A] [-F config] [-C] [-t ms] [-b ms] [-r]\n"
		"                connect | exec CMD | stream CMD MS | upload LOCAL REMOTE | trust | link [SECONDS] | bench-upload LOCAL REMOTE | bench-put LOCAL REMOTE | upload-cancel LOCAL REMOTE MS\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct ssh_params p = { .use_agent = false };
	char err[1024];
	int c, nident = 0, secs = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "H:p:l:i:k:J:AF:Ct:b:r")) != -1) {
		switch (c) {
		case 'H':
			p.host = optarg;
			break;
		case 'p':
			p.port = atoi(optarg);
			break;
		case 'l':
			p.user = optarg;
			break;
		case 'i':
			if (nident < SSH_MAX_IDENTITIES)
				p.identity[nident++] = optarg;
			break;
		case 'k':
			p.known_hosts = optarg;
			break;
		case 'J':
			p.jump = optarg;
			break;
		case 'A':
			p.use_agent = true;
			break;
		case 'F':
			p.ssh_config = optarg;
			p.use_ssh_config = true;
			break;
		case 'C':
			p.use_ssh_config = true;
			break;
		case 't':
			p.connect_timeout_ms = atoi(optarg);
			break;
		case 'b':
			p.backoff_max_ms = atoi(optarg);
			break;
		case 'r':
			p.reconnect = true;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || !p.host)
		return usage();
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if ((!strcmp(cmd, "exec") && nargs < 1) ||
	    (!strcmp(cmd, "stream") && nargs < 2) ||
	    ((!strcmp(cmd, "upload") || !strncmp(cmd, "bench-", 6)) &&
	     nargs < 2) ||
	    (!strcmp(cmd, "upload-cancel") && nargs < 3) ||
	    (!strcmp(cmd, "rshell") && nargs < 2))
		return usage();
	loop = loop_new();
	loop_on_signal(loop, SIGTERM, stats_sig, NULL);
	loop_on_signal(loop, SIGINT, stats_sig, NULL);
	if (!strcmp(cmd, "link")) {
		struct link_params lp = { .probe_interval_ms = 500,
					  .degraded_after_ms = 1500,
					  .down_after_ms = 3000 };

		if (!p.backoff_max_ms)
			p.backoff_max_ms = 1000;
		/* the link drops a dead connection for it to come back */
		p.reconnect = true;
		secs = nargs ? atoi(args[0]) : 0;
		sess = ssh_session_new(loop, &p, NULL, NULL, err, sizeof(err));
		lnk = sess ? link_new(loop, sess, &lp, on_link, NULL) : NULL;
		if (!lnk) {
			printf("error: %s\n", sess ? "out of memory" : err);
			ssh_session_free(sess);
			return 1;
		}
		loop_on_signal(loop, SIGUSR1, stats_sig, NULL);
		if (secs)
			loop_add_timer(loop, secs * 1000, quit_cb, NULL);
		ssh_session_start(sess);
		loop_run(loop);
		stats_sig(loop, SIGUSR1, NULL);
		link_free(lnk);
		ssh_session_free(sess);
		loop_free(loop);
		return 0;
	}
	if (!strcmp(cmd, "trust"))
		p.reconnect = false;
	reconnect = p.reconnect;
	sess = ssh_session_new(loop, &p, on_state, NULL, err, sizeof(err));
	if (!sess) {
		printf("error: %s\n", err);
		return 1;
	}
	t0 = loop_now_us();
	ssh_session_start(sess);
	loop_run(loop);
	{
		struct ssh_stats st;

		ssh_session_stats(sess, &st);
		printf("bytes: in %llu out %llu\n",
		       (unsigned long long)st.bytes_in,
		       (unsigned long long)st.bytes_out);
	}
	upload_free(up);
	sftp_conn_free(sconn);
	rshell_free(rsh);
	ssh_session_free(sess);
	loop_free(loop);
	return result;
}
