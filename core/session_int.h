/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between core/session.c and the session's other files (watch mode,
 * core/session_watch.c): nothing a front end calls.
 */
#ifndef KMDASH_SESSION_INT_H
#define KMDASH_SESSION_INT_H

struct loop;
struct session;
struct swatch;

/* Tells the front end (session_opts.on_change). */
void session_changed(struct session *s, unsigned changes);
struct swatch *session_swatch(const struct session *s);

struct swatch *swatch_new(struct session *s, struct loop *loop);
void swatch_free(struct swatch *w);
/* The session's job ended: a save that came meanwhile runs now. */
void swatch_job_ended(struct swatch *w);

#endif
