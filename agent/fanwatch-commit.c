/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record thread of upload control: an upload program's open of a Class III file under an
 * observed path is egress, so it is allowed only once its upload.observed record is durable
 * in the log (if the log cannot be written, nothing leaves). Responders and workers hand such
 * opens here; the thread takes every open waiting at once and hands their records to
 * on_observing together, which writes them and flushes the log once (group commit), then
 * answers each open: allowed when its record is durable, denied otherwise. It never reads a
 * file and never answers any other event; the deadline thread denies an open still waiting
 * at its deadline. */
#include "config.h"

#include <glib.h>

#include "fanwatch-private.h"

/* The most records written with one flush. */
#define COMMIT_BATCH_MAX 256
/* The most opens waiting for their record (queued, or in the batch being written), each
 * holding its event's descriptor: a log that hangs (its disk stalls) must not let them take
 * every descriptor the agent has. Past it an open is refused at once. At most half the
 * learner's bound (itself half the descriptors less a reserve), so a quarter of them. */
#define COMMIT_QUEUE_MAX 4096

static guint
commit_bound(const FutFanwatch *fw)
{
	if (fw->commit_bound > 0)
		return fw->commit_bound;
	return MAX(16, MIN(COMMIT_QUEUE_MAX, fw->learn_bound / 2));
}

/* Denies @p (unless the deadline did) and follows up, which posts the denial. */
static void
refuse(FutFanwatch *fw, Pending *p, const gchar *reason)
{
	Event *ev = &p->ev;

	ev->commit = FALSE;
	ev->record = TRUE;
	ev->kind = FUT_FANWATCH_RECORD_DENIED;
	ev->reason = reason;
	if (!fw_answer(fw, p, FALSE)) {
		fw_pending_done(p);
		return;
	}
	fw_follow_up(fw, p);
}

void
fw_commit_push(FutFanwatch *fw, Pending *p)
{
	Event *ev = &p->ev;
	const gchar *no = "upload control is stopping";

	ev->kind = FUT_FANWATCH_RECORD_OBSERVED;
	ev->reason = "an upload program opened a class III file";
	ev->commit_rec = fw_record_from_event(fw, ev, g_get_real_time());
	g_mutex_lock(&fw->commit_lock);
	if (!fw->commit_quit && fw->on_observing != NULL &&
	    fw->commits.length + fw->commit_writing < commit_bound(fw)) {
		g_queue_push_tail(&fw->commits, p);
		g_cond_signal(&fw->commit_cond);
		g_mutex_unlock(&fw->commit_lock);
		return;
	}
	if (!fw->commit_quit && fw->on_observing != NULL)
		no = "too many uploads waiting for the egress log";
	g_mutex_unlock(&fw->commit_lock);
	refuse(fw, p, no);
}

static void
commit_batch(FutFanwatch *fw, Pending **batch, guint n)
{
	g_autofree const FutFanwatchRecord **recs = g_new0(const FutFanwatchRecord *, n);
	g_autofree gboolean *durable = g_new0(gboolean, n);
	g_autofree guint *at = g_new0(guint, n);
	guint m = 0, written = 0;

	for (guint i = 0; i < n; i++) {
		/* Denied at its deadline already: nothing went out, no record is due. */
		if (g_atomic_int_get(&batch[i]->answered))
			continue;
		recs[m] = batch[i]->ev.commit_rec;
		at[m++] = i;
	}
	if (m > 0)
		fw->on_observing(recs, m, durable, fw->on_observing_data);
	for (guint j = 0; j < m; j++)
		written += durable[j] ? 1 : 0;
	g_mutex_lock(&fw->lock);
	fw->stats.observe_commits += m > 0 ? 1 : 0;
	fw->stats.observed_durable += written;
	fw->stats.observed_refused += m - written;
	g_mutex_unlock(&fw->lock);

	for (guint i = 0, j = 0; i < n; i++) {
		Pending *p = batch[i];

		if (j >= m || at[j] != i) {
			fw_pending_done(p);
			continue;
		}
		if (!durable[j++]) {
			refuse(fw, p, "the egress log cannot record this upload");
			continue;
		}
		/* Only a record that was written spares later opens theirs. */
		fw_observe_note(fw, &p->ev);
		p->ev.commit = FALSE;
		p->ev.record = FALSE;
		/* FALSE: the deadline denied it while the record was written (one record too
		 * many, never one too few). */
		if (!fw_answer(fw, p, TRUE)) {
			fw_pending_done(p);
			continue;
		}
		fw_follow_up(fw, p);
	}
}

gpointer
fw_commit_main(gpointer user_data)
{
	FutFanwatch *fw = user_data;

	fw_thread_setup("fut-fan-commit", FALSE);
	for (;;) {
		Pending *batch[COMMIT_BATCH_MAX];
		Pending *p;
		guint n = 0;
		gboolean quit;

		g_mutex_lock(&fw->commit_lock);
		while (g_queue_is_empty(&fw->commits) && !fw->commit_quit)
			g_cond_wait(&fw->commit_cond, &fw->commit_lock);
		while (n < COMMIT_BATCH_MAX && (p = g_queue_pop_head(&fw->commits)) != NULL)
			batch[n++] = p;
		fw->commit_writing = n;
		quit = fw->commit_quit;
		g_mutex_unlock(&fw->commit_lock);
		if (n == 0)
			break; /* quit, nothing waits */
		if (quit) {
			for (guint i = 0; i < n; i++)
				refuse(fw, batch[i], "upload control is stopping");
			continue;
		}
		commit_batch(fw, batch, n);
		g_mutex_lock(&fw->commit_lock);
		fw->commit_writing = 0;
		g_mutex_unlock(&fw->commit_lock);
	}
	return NULL;
}

void
fw_commit_stop(FutFanwatch *fw)
{
	g_mutex_lock(&fw->commit_lock);
	fw->commit_quit = TRUE;
	g_cond_broadcast(&fw->commit_cond);
	g_mutex_unlock(&fw->commit_lock);
	if (fw->commit_thread != NULL) {
		g_thread_join(fw->commit_thread);
		fw->commit_thread = NULL;
	}
	/* A thread that never started leaves what was pushed (nothing can be: it starts before
	 * the reader) to be refused here. */
	for (Pending *p; (p = g_queue_pop_head(&fw->commits)) != NULL;)
		refuse(fw, p, "upload control is stopping");
}
