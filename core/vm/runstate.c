// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's run state: the watcher on the event monitor writes it, every
 * kmdash on the VM follows the file (core/vm/runstate_int.h).
 */
#include "core/vm/runstate_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "core/base/loop.h"
#include "core/vm/qmp.h"

struct runstate {
	struct loop *loop;
	char run[PATH_MAX];
	char gdb_sock[PATH_MAX];
	runstate_fn fn;
	void *arg;

	char status[32];
	bool gdb;

	int ino_fd;
	struct qmp *qmp; /* the event monitor: held, or waited for */
	bool watching; /* ours: the greeting came */
	int pidfd; /* the watcher, when QEMU's queue was full */
	uint64_t later; /* the closed client is let go outside its callback */
};

bool runstate_socket_has_client(const char *path)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[PATH_MAX + 128];
	size_t plen = strlen(path);
	bool found = false;

	/* "Num RefCount Protocol Flags Type St Inode Path": St 03 connected */
	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned int st = 0;
		int path_at = 0;
		size_t n;

		if (sscanf(line, "%*s %*s %*s %*s %*s %x %*s %n", &st,
			   &path_at) < 1 ||
		    !path_at)
			continue;
		n = strcspn(line + path_at, "\n");
		found = st == 3 && n == plen &&
			!memcmp(line + path_at, path, plen);
	}
	if (f)
		fclose(f);
	return found;
}

int runstate_read(const char *run_dir, char *status, size_t cap, bool *gdb)
{
	char path[PATH_MAX + 16], buf[128], st[32], g[8];
	int fd, n;
	long pid;

	snprintf(path, sizeof(path), "%s/" RUNSTATE_FILE, run_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%31s %7s %ld", st, g, &pid) != 3)
		return -EINVAL;
	snprintf(status, cap, "%s", st);
	*gdb = !strcmp(g, "gdb");
	return (int)pid;
}

static void set(struct runstate *rs, const char *status, bool gdb)
{
	if (!strcmp(rs->status, status) && rs->gdb == gdb)
		return;
	snprintf(rs->status, sizeof(rs->status), "%s", status);
	rs->gdb = gdb;
	rs->fn(rs->arg, rs->status, rs->gdb);
}

/* The watcher's news for everyone: written aside, then renamed over. */
static void publish(struct runstate *rs, const char *status)
{
	char tmp[PATH_MAX + 32], path[PATH_MAX + 16], line[96];
	bool gdb = runstate_socket_has_client(rs->gdb_sock);
	int fd, n;

	n = snprintf(line, sizeof(line), "%s %s %d\n", status,
		     gdb ? "gdb" : "-", (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s/." RUNSTATE_FILE ".%d", rs->run,
		 (int)getpid());
	snprintf(path, sizeof(path), "%s/" RUNSTATE_FILE, rs->run);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n || close(fd) < 0 ||
		    rename(tmp, path) < 0)
			unlink(tmp);
	}
	set(rs, status, gdb);
}

static void follow_file(struct runstate *rs)
{
	char st[32];
	bool gdb;

	if (runstate_read(rs->run, st, sizeof(st), &gdb) > 0)
		set(rs, st, gdb);
}

static void on_status(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct runstate *rs = arg;
	const char *s = m ? qmp_status_of(m) : NULL;

	if (s)
		publish(rs, s);
}

static void ask_status(struct runstate *rs)
{
	qmp_command(rs->qmp, "query-status", NULL, on_status, rs);
}

static void on_event(struct qmp *q, const struct qmp_msg *m, void *arg)
{
	struct runstate *rs = arg;

	/* STOP does not say why (paused, debug): ask */
	if (!strcmp(m->event, "RESUME"))
		publish(rs, "running");
	else if (!strcmp(m->event, "STOP") || !strcmp(m->event, "RESET"))
		ask_status(rs);
}

static void watch_for_watcher(struct runstate *rs);

static void after_close(struct loop *loop, void *arg)
{
	struct runstate *rs = arg;

	rs->later = 0;
	watch_for_watcher(rs);
}

static void on_qmp_state(struct qmp *q, enum qmp_state st, void *arg)
{
	struct runstate *rs = arg;

	if (st == QMP_READY) {
		rs->watching = true;
		ask_status(rs);
	}
	/* QEMU turned us away: wait for the watcher (not from in here) */
	if (st == QMP_CLOSED && !rs->watching && !rs->later)
		rs->later = loop_add_timer(rs->loop, 0, after_close, rs);
}

static void try_watch(struct runstate *rs)
{
	char path[PATH_MAX + 16];

	if (rs->qmp)
		return;
	snprintf(path, sizeof(path), "%s/" RUNSTATE_EVENTS_SOCKET, rs->run);
	rs->qmp = qmp_new(rs->loop, path);
	if (!rs->qmp)
		return;
	qmp_set_callbacks(rs->qmp, on_event, on_qmp_state, rs);
	/* Connected is not yet ours: QEMU may have us in its queue. */
	if (qmp_connect(rs->qmp) == -EAGAIN)
		watch_for_watcher(rs);
}

static void drop_pidfd(struct runstate *rs)
{
	if (rs->pidfd >= 0) {
		loop_del_fd(rs->loop, rs->pidfd);
		close(rs->pidfd);
		rs->pidfd = -1;
	}
}

static void on_watcher_exit(struct loop *loop, int fd, short revents, void *arg)
{
	struct runstate *rs = arg;

	drop_pidfd(rs);
	try_watch(rs);
}

/*
 * QEMU's queue was full: the watcher named in the file is waited for
 * (pidfd); without a file yet, its first change is.
 */
static void watch_for_watcher(struct runstate *rs)
{
	char st[32];
	bool gdb;
	int pid;

	if (rs->qmp) {
		struct qmp *q = rs->qmp;

		rs->qmp = NULL;
		qmp_set_callbacks(q, NULL, NULL, NULL);
		qmp_free(q);
	}
	if (rs->pidfd >= 0)
		return;
	pid = runstate_read(rs->run, st, sizeof(st), &gdb);
	if (pid <= 0 || pid == (int)getpid())
		return;
	rs->pidfd = pidfd_open(pid, 0);
	if (rs->pidfd < 0) {
		/* gone already: the socket may be free */
		if (errno == ESRCH)
			try_watch(rs);
		return;
	}
	if (loop_add_fd(rs->loop, rs->pidfd, POLLIN, on_watcher_exit, rs) < 0)
		drop_pidfd(rs);
}

static void on_inotify(struct loop *loop, int fd, short revents, void *arg)
{
	struct runstate *rs = arg;
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len && !strcmp(e->name, RUNSTATE_FILE))
				ours = true;
			p += sizeof(*e) + e->len;
		}
	}
	if (!ours || rs->watching)
		return;
	follow_file(rs);
	/* a watcher appeared while the queue was full: wait for it */
	if (!rs->qmp && rs->pidfd < 0)
		watch_for_watcher(rs);
}

struct runstate *runstate_new(struct loop *loop, const char *run_dir,
			      const char *gdb_sock, runstate_fn fn, void *arg)
{
	struct runstate *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->loop = loop;
	rs->fn = fn;
	rs->arg = arg;
	rs->pidfd = -1;
	snprintf(rs->run, sizeof(rs->run), "%s", run_dir);
	snprintf(rs->gdb_sock, sizeof(rs->gdb_sock), "%s", gdb_sock);
	rs->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rs->ino_fd < 0 ||
	    inotify_add_watch(rs->ino_fd, run_dir, IN_MOVED_TO) < 0 ||
	    loop_add_fd(loop, rs->ino_fd, POLLIN, on_inotify, rs) < 0) {
		if (rs->ino_fd >= 0)
			close(rs->ino_fd);
		free(rs);
		return NULL;
	}
	follow_file(rs);
	try_watch(rs);
	return rs;
}

void runstate_free(struct runstate *rs)
{
	if (!rs)
		return;
	loop_cancel_timer(rs->loop, rs->later);
	drop_pidfd(rs);
	if (rs->qmp) {
		qmp_set_callbacks(rs->qmp, NULL, NULL, NULL);
		qmp_free(rs->qmp);
	}
	loop_del_fd(rs->loop, rs->ino_fd);
	close(rs->ino_fd);
	free(rs);
}
