/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The months of one host verified in parallel: each month's own checks (records, chain
 * inside the month, tree, checkpoints and their signature, witnesses) by a worker with a
 * verifier of its own; then, in order, what links a month to the one before (its first
 * record against the chain so far) and what is counted once per log. The findings come out
 * in the order a reading one month after another gives them. */
#include "config.h"

#include <string.h>

#include "crypto.h"
#include "logverify-priv.h"

void
logv_month_done(Verifier *v, gboolean newest)
{
	/* A month that is over ends with its rotation checkpoint. */
	if (!newest && v->month->records > 0 && v->month->unsigned_tail > 0)
		logv_add_finding(v, "month-unsealed", 0, v->month->last_seq,
		                 "%s does not end with a valid checkpoint: %" G_GUINT64_FORMAT
		                 " record(s) at its end are unsigned (truncated?)",
		                 v->month->month, v->month->unsigned_tail);
	if (newest && v->month->unsigned_tail > 0)
		g_ptr_array_add(v->res->notes,
		                g_strdup_printf("%" G_GUINT64_FORMAT
		                                " record(s) after the last checkpoint of %s are "
		                                "not yet signed (only a witness taken later "
		                                "can vouch for them)",
		                                v->month->unsigned_tail, v->month->month));
}

typedef struct {
	Verifier v;
	const gchar *name;
	const gchar *next_name;
	int dirfd;
	struct Jobs *jobs;
} MonthJob;

typedef struct Jobs {
	GMutex lock;
	GCond cond;
	guint left;
} Jobs;

static void
month_job_run(gpointer data, gpointer user_data)
{
	MonthJob *j = data;
	Jobs *jobs = j->jobs;

	(void)user_data;
	logv_verify_file(&j->v, j->dirfd, j->name, j->next_name);
	/* pool threads may outlive the run: leave no OpenSSL state behind */
	fut_crypto_thread_done();
	g_mutex_lock(&jobs->lock);
	jobs->left--;
	g_cond_signal(&jobs->cond);
	g_mutex_unlock(&jobs->lock);
}

/* One pool for the process, as many threads as CPUs, whatever the number of hosts being
 * verified at once (a host waiting for its months computes nothing). */
static GThreadPool *
month_pool(guint max_threads)
{
	static GThreadPool *pool;
	static gsize once;

	if (g_once_init_enter(&once)) {
		guint n = max_threads > 1 ? max_threads : MAX(1, (guint)g_get_num_processors());
		pool = g_thread_pool_new(month_job_run, NULL, (gint)n, FALSE, NULL);
		g_once_init_leave(&once, 1);
	}
	return pool;
}

/* The worker's verifier: what the months before found (host, key, pinned key, witnesses),
 * nothing of the chain; its findings, notes and counters in a result of its own. */
static void
job_init(MonthJob *j, const Verifier *v)
{
	Verifier *w = &j->v;
	FutLogHostResult *part = logv_result_new(v->res->dir);

	part->host = g_strdup(v->res->host);
	part->have_key = v->res->have_key;
	memcpy(part->pub, v->res->pub, FUT_ED25519_PUBLIC_LEN);
	w->opts = v->opts;
	w->res = part;
	w->pinned = v->pinned;
	memcpy(w->pinned_pub, v->pinned_pub, FUT_ED25519_PUBLIC_LEN);
	w->now_us = v->now_us;
	w->newest_time_us = G_MININT64;
	w->last_seq = -1;
	memcpy(w->newest_month, v->newest_month, sizeof(w->newest_month));
	if (v->host_witnesses != NULL)
		w->host_witnesses = g_ptr_array_ref(v->host_witnesses);
	w->verified = logv_verified_new();
	w->pending = logv_pending_new();
	w->arena = fut_log_record_arena_new();
	w->deferred = TRUE;
	w->key_finding_at = -1;
}

static void
job_clear(MonthJob *j)
{
	Verifier *w = &j->v;

	g_clear_pointer(&w->host_witnesses, g_ptr_array_unref);
	g_clear_pointer(&w->verified, g_hash_table_unref);
	g_array_unref(w->pending);
	fut_log_record_arena_free(w->arena);
	g_free(w->prev_month);
	g_free(w->start_file);
	fut_log_host_result_free(w->res);
}

/* Moves the findings [from, to) of @part to @v's result, leaving out the once-per-log key
 * finding when the log already has one. */
static void
move_findings(Verifier *v, const Verifier *w, gpointer *f, guint from, guint to, GPtrArray *drop)
{
	for (guint i = from; i < to; i++) {
		if ((gint)i == w->key_finding_at && v->key_findings > 0)
			g_ptr_array_add(drop, f[i]);
		else
			g_ptr_array_add(v->res->findings, f[i]);
	}
}

/* Adds month @j to @v as if @v had read it after the months before. */
static void
merge(Verifier *v, MonthJob *j)
{
	Verifier *w = &j->v;
	FutLogHostResult *part = w->res;
	FutLogMonthSummary *m = g_ptr_array_steal_index(part->months, 0);
	gsize n = 0;
	gpointer *f = g_ptr_array_steal(part->findings, &n);
	guint link_at = w->first_seen ? MIN(w->link_at, (guint)n) : (guint)n;
	GHashTableIter it;
	gpointer key;

	g_ptr_array_add(v->res->months, m);
	v->month = m;
	move_findings(v, w, f, 0, link_at, part->findings);
	if (w->first_seen)
		logv_check_first(v, w->first_seq, w->first_prev, w->first_time_us,
		                 w->first_clock_jump, w->first_line);
	move_findings(v, w, f, link_at, (guint)n, part->findings);
	g_free(f);
	f = g_ptr_array_steal(part->notes, &n);
	for (gsize i = 0; i < n; i++)
		g_ptr_array_add(v->res->notes, f[i]);
	g_free(f);

	v->key_findings += w->key_findings;
	v->valid_checkpoints += w->valid_checkpoints;
	v->newest_time_us = MAX(v->newest_time_us, w->newest_time_us);
	v->res->key_pinned |= part->key_pinned;
	v->res->records += part->records;
	v->res->gaps_unclean += part->gaps_unclean;
	v->res->gaps_overflow += part->gaps_overflow;
	v->res->gaps_torn += part->gaps_torn;
	v->res->gaps_clock += part->gaps_clock;
	v->res->witnesses_checked += part->witnesses_checked;
	v->res->signatures_checked += part->signatures_checked;
	g_hash_table_iter_init(&it, w->verified);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		g_hash_table_iter_steal(&it);
		if (g_hash_table_contains(v->verified, key))
			fut_log_checkpoint_free(key);
		else
			g_hash_table_add(v->verified, key);
	}
	if (w->have_prev) {
		v->have_prev = TRUE;
		v->last_seq = w->last_seq;
		memcpy(v->last_hash, w->last_hash, FUT_SHA256_LEN);
		v->last_time_us = w->last_time_us;
	}
	g_free(v->prev_month);
	v->prev_month = g_strdup(m->month);
}

void
logv_verify_months_parallel(Verifier *v, int dirfd, GPtrArray *names, guint from)
{
	guint n = names->len - from;
	g_autofree MonthJob *jobs = g_new0(MonthJob, n);
	GThreadPool *pool = month_pool(v->opts->max_threads);
	Jobs done = {.left = n};

	g_mutex_init(&done.lock);
	g_cond_init(&done.cond);
	for (guint i = 0; i < n; i++) {
		guint k = from + i;
		job_init(&jobs[i], v);
		jobs[i].name = g_ptr_array_index(names, k);
		jobs[i].next_name = k + 1 < names->len ? g_ptr_array_index(names, k + 1) : NULL;
		jobs[i].dirfd = dirfd;
		jobs[i].jobs = &done;
		g_thread_pool_push(pool, &jobs[i], NULL);
	}
	g_mutex_lock(&done.lock);
	while (done.left > 0)
		g_cond_wait(&done.cond, &done.lock);
	g_mutex_unlock(&done.lock);
	for (guint i = 0; i < n; i++) {
		if (jobs[i].v.diverged)
			logv_verify_file(v, dirfd, jobs[i].name, jobs[i].next_name);
		else
			merge(v, &jobs[i]), v->res->months_parallel++;
		logv_month_done(v, from + i == names->len - 1);
		job_clear(&jobs[i]);
	}
	g_mutex_clear(&done.lock);
	g_cond_clear(&done.cond);
}
