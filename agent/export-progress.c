/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The progress of a user's export job across its calls, for the desktop (export-progress.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "errors.h"
#include "util.h"

#include "export-progress.h"

/* Bytes of the stick's name sent to the desktop (a filesystem label is far shorter). */
#define DEST_MAX 256

void
fut_export_job_arg_free(FutExportJobArg *a)
{
	if (a == NULL)
		return;
	g_free(a->id);
	g_free(a);
}

static gboolean
bad_job(GError **error, const gchar *why)
{
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("\"job\": %s"), why);
	return FALSE;
}

/* An integer member from @lo to @hi, or FALSE. */
static gboolean
get_count(JsonObject *o, const gchar *name, gint64 lo, gint64 hi, guint64 *ret)
{
	JsonNode *n = json_object_get_member(o, name);
	gint64 v;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return FALSE;
	v = json_node_get_int(n);
	if (v < lo || v > hi)
		return FALSE;
	*ret = (guint64)v;
	return TRUE;
}

gboolean
fut_export_job_arg_parse(JsonObject *args, FutExportJobArg **ret, GError **error)
{
	g_autoptr(FutExportJobArg) a = g_new0(FutExportJobArg, 1);
	JsonNode *n = json_object_get_member(args, "job");
	JsonObject *o;
	JsonNode *idn;
	const gchar *id;
	gsize len;

	*ret = NULL;
	if (n == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT(n))
		return bad_job(error, _("must be an object"));
	o = json_node_get_object(n);
	if (json_object_get_size(o) != 3)
		return bad_job(error, _("must hold exactly \"id\", \"files\" and \"bytes\""));
	idn = json_object_get_member(o, "id");
	if (idn == NULL || !JSON_NODE_HOLDS_VALUE(idn) ||
	    json_node_get_value_type(idn) != G_TYPE_STRING)
		return bad_job(error, _("\"id\" must be a string"));
	id = json_node_get_string(idn);
	len = strlen(id);
	if (len < 8 || len > 64 || strspn(id, "0123456789abcdef") != len)
		return bad_job(error, _("\"id\" must be 8 to 64 lowercase hex digits"));
	if (!get_count(o, "files", 1, FUT_EXPORT_JOB_MAX_FILES, &a->files))
		return bad_job(error, _("\"files\" must be a whole number from 1 to 1000000"));
	if (!get_count(o, "bytes", 0, FUT_EXPORT_JOB_MAX_BYTES, &a->bytes))
		return bad_job(error, _("\"bytes\" must be a whole number from 0 to 2^53"));
	a->id = g_strdup(id);
	*ret = g_steal_pointer(&a);
	return TRUE;
}

typedef struct {
	uid_t uid;
	gchar *id;
	gchar *dest;
	guint64 files, bytes; /* as the latest call declared them */
	guint64 files_done, bytes_finished;
	guint written, requested, refused;
	GHashTable *running; /* file -> guint64* bytes read */
	gint64 start, last_emit, last_seen;
	gboolean pending; /* changed since its last event (too soon to send) */
} Job;

struct _FutExportJobs {
	GHashTable *jobs; /* "uid:id" -> Job* */
	FutExportJobsEmit emit;
	gpointer data;
	guint flush_id; /* sends the pending figures when they are due */
};

static void
job_free(gpointer data)
{
	Job *j = data;

	g_free(j->id);
	g_free(j->dest);
	g_hash_table_unref(j->running);
	g_free(j);
}

FutExportJobs *
fut_export_jobs_new(FutExportJobsEmit emit, gpointer data)
{
	FutExportJobs *jobs = g_new0(FutExportJobs, 1);

	jobs->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, job_free);
	jobs->emit = emit;
	jobs->data = data;
	return jobs;
}

void
fut_export_jobs_free(FutExportJobs *jobs)
{
	if (jobs == NULL)
		return;
	if (jobs->flush_id != 0)
		g_source_remove(jobs->flush_id);
	g_hash_table_unref(jobs->jobs);
	g_free(jobs);
}

guint
fut_export_jobs_count(FutExportJobs *jobs)
{
	return g_hash_table_size(jobs->jobs);
}

static gchar *
job_key(uid_t uid, const gchar *id)
{
	return g_strdup_printf("%u:%s", (guint)uid, id);
}

/* The job of @arg, made when there is room; NULL when it is not followed. */
static Job *
job_get(FutExportJobs *jobs, uid_t uid, const FutExportJobArg *arg, const gchar *dest, gint64 now)
{
	g_autofree gchar *key = job_key(uid, arg->id);
	Job *j = g_hash_table_lookup(jobs->jobs, key);
	GHashTableIter it;
	gpointer v;
	guint mine = 0;

	if (j == NULL) {
		if (g_hash_table_size(jobs->jobs) >= FUT_EXPORT_JOBS_MAX)
			return NULL;
		g_hash_table_iter_init(&it, jobs->jobs);
		while (g_hash_table_iter_next(&it, NULL, &v))
			mine += ((Job *)v)->uid == uid;
		if (mine >= FUT_EXPORT_JOBS_PER_UID)
			return NULL;
		j = g_new0(Job, 1);
		j->uid = uid;
		j->id = g_strdup(arg->id);
		j->running = g_hash_table_new_full(NULL, NULL, NULL, g_free);
		j->start = now;
		j->files = arg->files;
		j->bytes = arg->bytes;
		g_hash_table_insert(jobs->jobs, g_steal_pointer(&key), j);
	}
	/* The CLI only ever takes files out (one it could not open), and calls sent before
	 * that may end after it: the smallest figures are the latest. */
	j->files = MIN(j->files, arg->files);
	j->bytes = MIN(j->bytes, arg->bytes);
	/* As it is (only made valid UTF-8 for JSON, and bounded): futari-notify escapes it
	 * once, where it is shown. Escaped here too, a backslash or a control character
	 * reached the desktop escaped twice ("\\x1b"). */
	if (j->dest == NULL && dest != NULL) {
		g_autofree gchar *valid = g_utf8_make_valid(dest, -1);
		const gchar *end = valid + MIN(strlen(valid), (gsize)DEST_MAX);
		if (*end != '\0')
			end = g_utf8_find_prev_char(valid, end + 1);
		j->dest = g_strndup(valid, (gsize)(end - valid));
	}
	j->last_seen = now;
	return j;
}

static void
job_emit(FutExportJobs *jobs, Job *j, gboolean finished, gboolean incomplete, gint64 now)
{
	g_autoptr(JsonObject) e = json_object_new();
	JsonObject *dest = json_object_new();
	guint64 done = j->bytes_finished;
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, j->running);
	while (g_hash_table_iter_next(&it, NULL, &v))
		done += *(guint64 *)v;
	json_object_set_string_member(e, "event", "export.progress");
	json_object_set_string_member(e, "job", j->id);
	json_object_set_int_member(e, "files", (gint64)j->files);
	json_object_set_int_member(e, "files_done", (gint64)j->files_done);
	json_object_set_int_member(e, "bytes", (gint64)j->bytes);
	json_object_set_int_member(e, "bytes_done", (gint64)MIN(done, (guint64)G_MAXINT64));
	json_object_set_int_member(e, "written", j->written);
	json_object_set_int_member(e, "requested", j->requested);
	json_object_set_int_member(e, "refused", j->refused);
	json_object_set_int_member(e, "elapsed_ms", (now - j->start) / 1000);
	if (j->dest != NULL)
		json_object_set_string_member(dest, "label", j->dest);
	json_object_set_object_member(e, "destination", dest);
	json_object_set_boolean_member(e, "finished", finished);
	if (incomplete)
		json_object_set_boolean_member(e, "incomplete", TRUE);
	j->last_emit = now;
	j->pending = FALSE;
	jobs->emit(j->uid, e, jobs->data);
}

static gint64
due_at(const Job *j)
{
	return j->last_emit == 0 ? 0 : j->last_emit + FUT_EXPORT_PROGRESS_EVERY_MS * 1000;
}

static gboolean
due(const Job *j, gint64 now)
{
	return j->last_emit == 0 || now >= due_at(j);
}

static gboolean
on_flush(gpointer data)
{
	FutExportJobs *jobs = data;
	gint64 now = g_get_monotonic_time();
	gint64 next;

	jobs->flush_id = 0;
	next = fut_export_jobs_flush(jobs, now);
	if (next != 0)
		jobs->flush_id = g_timeout_add((guint)((next - now + 999) / 1000), on_flush, jobs);
	return G_SOURCE_REMOVE;
}

/* Sends @j's figures now when they are due, or once they are: a change is never held back
 * for good (the CLI may send nothing for a long time after it, and the desktop would show
 * figures older than what was done). */
static void
job_changed(FutExportJobs *jobs, Job *j, gint64 now)
{
	if (due(j, now)) {
		job_emit(jobs, j, FALSE, FALSE, now);
		return;
	}
	j->pending = TRUE;
	if (jobs->flush_id == 0)
		jobs->flush_id =
		    g_timeout_add((guint)((due_at(j) - now + 999) / 1000), on_flush, jobs);
}

gint64
fut_export_jobs_flush(FutExportJobs *jobs, gint64 now)
{
	GHashTableIter it;
	gpointer v;
	gint64 next = 0;

	g_hash_table_iter_init(&it, jobs->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Job *j = v;
		if (!j->pending)
			continue;
		if (due(j, now))
			job_emit(jobs, j, FALSE, FALSE, now);
		else if (next == 0 || due_at(j) < next)
			next = due_at(j);
	}
	return next;
}

void
fut_export_jobs_file_progress(FutExportJobs *jobs,
                              uid_t uid,
                              const FutExportJobArg *arg,
                              gconstpointer file,
                              const gchar *dest,
                              guint64 done,
                              gint64 now)
{
	Job *j;
	guint64 *slot;

	if (arg == NULL || (j = job_get(jobs, uid, arg, dest, now)) == NULL)
		return;
	slot = g_hash_table_lookup(j->running, file);
	if (slot == NULL) {
		slot = g_new0(guint64, 1);
		g_hash_table_insert(j->running, (gpointer)file, slot);
	}
	*slot = done;
	job_changed(jobs, j, now);
}

void
fut_export_jobs_file_done(FutExportJobs *jobs,
                          uid_t uid,
                          const FutExportJobArg *arg,
                          gconstpointer file,
                          const gchar *dest,
                          FutExportOutcome outcome,
                          guint64 size,
                          gint64 now)
{
	g_autofree gchar *key = NULL;
	Job *j;

	if (arg == NULL || (j = job_get(jobs, uid, arg, dest, now)) == NULL)
		return;
	g_hash_table_remove(j->running, file);
	j->files_done++;
	j->bytes_finished += size;
	if (outcome == FUT_EXPORT_OUTCOME_WRITTEN)
		j->written++;
	else if (outcome == FUT_EXPORT_OUTCOME_REQUESTED)
		j->requested++;
	else
		j->refused++;
	if (j->files_done < j->files) {
		job_changed(jobs, j, now);
		return;
	}
	job_emit(jobs, j, TRUE, FALSE, now);
	key = job_key(uid, arg->id);
	g_hash_table_remove(jobs->jobs, key);
}

void
fut_export_jobs_expire(FutExportJobs *jobs, gint64 now)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, jobs->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Job *j = v;
		if (now - j->last_seen < (gint64)FUT_EXPORT_PROGRESS_IDLE_S * G_USEC_PER_SEC)
			continue;
		job_emit(jobs, j, TRUE, TRUE, now);
		g_hash_table_iter_remove(&it);
	}
}
