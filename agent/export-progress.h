/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The progress of a user's export job across its calls (issue 18): `futari export` sends
 * one call per file, each naming its job ({"job": {"id", "files", "bytes"}}); the agent adds
 * up what its calls have read and how they ended, and sends the user's own subscribers an
 * "export.progress" event (docs/agent-api.md) at most FUT_EXPORT_PROGRESS_EVERY_MS apart;
 * a change held back by that is sent when it is due, and the last one always. The figures are the
 * caller's own claims about its job and go only to the caller's uid: they decide nothing. Main
 * thread only. */

#define FUT_EXPORT_PROGRESS_EVERY_MS 250
/* A job nothing happened to for this long ends, as incomplete. */
#define FUT_EXPORT_PROGRESS_IDLE_S   180
#define FUT_EXPORT_JOBS_PER_UID      8
#define FUT_EXPORT_JOBS_MAX          256
#define FUT_EXPORT_JOB_MAX_FILES     1000000
#define FUT_EXPORT_JOB_MAX_BYTES     (G_GINT64_CONSTANT(1) << 53)

typedef enum {
	FUT_EXPORT_OUTCOME_WRITTEN,
	FUT_EXPORT_OUTCOME_REQUESTED,
	FUT_EXPORT_OUTCOME_REFUSED,
} FutExportOutcome;

/* The "job" argument of export, when there is one. */
typedef struct {
	gchar *id;
	guint64 files, bytes;
} FutExportJobArg;

void fut_export_job_arg_free(FutExportJobArg *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutExportJobArg, fut_export_job_arg_free)

/* Parses the optional "job" member of @args: an object of exactly "id" (8 to 64 lowercase
 * hex digits), "files" (1 to FUT_EXPORT_JOB_MAX_FILES) and "bytes" (0 to
 * FUT_EXPORT_JOB_MAX_BYTES). TRUE with *@ret NULL when there is none; FALSE with a
 * one-line reason for anything else. Caller frees *@ret. */
gboolean fut_export_job_arg_parse(JsonObject *args, FutExportJobArg **ret, GError **error);

typedef struct _FutExportJobs FutExportJobs;

/* @emit gets each event (borrowed) for the subscribers of @uid. */
typedef void (*FutExportJobsEmit)(uid_t uid, JsonObject *event, gpointer data);

FutExportJobs *fut_export_jobs_new(FutExportJobsEmit emit, gpointer data);
void fut_export_jobs_free(FutExportJobs *jobs);

/* The file @file (any pointer unique to one call while it runs) of job @arg of @uid, going
 * to @dest (a stick's label, asset or serial, raw; may be NULL), has @done bytes read.
 * A job past the limits (FUT_EXPORT_JOBS_PER_UID, FUT_EXPORT_JOBS_MAX) is not followed.
 * @now is g_get_monotonic_time(). */
void fut_export_jobs_file_progress(FutExportJobs *jobs,
                                   uid_t uid,
                                   const FutExportJobArg *arg,
                                   gconstpointer file,
                                   const gchar *dest,
                                   guint64 done,
                                   gint64 now);
/* The file @file of the job ended with @outcome after @size bytes. The job ends when as
 * many files ended as the smallest count its calls declared (the CLI only takes files out):
 * its last event has "finished": true. */
void fut_export_jobs_file_done(FutExportJobs *jobs,
                               uid_t uid,
                               const FutExportJobArg *arg,
                               gconstpointer file,
                               const gchar *dest,
                               FutExportOutcome outcome,
                               guint64 size,
                               gint64 now);
/* Sends the figures of the jobs that changed since their last event and are due (a change
 * too soon after an event waits for this, called by a timer of its own in the main loop).
 * Returns when the next one is due (g_get_monotonic_time()), or 0 when none waits. */
gint64 fut_export_jobs_flush(FutExportJobs *jobs, gint64 now);
/* Ends the jobs idle for FUT_EXPORT_PROGRESS_IDLE_S ("finished": true, "incomplete": true):
 * a file the caller never sent (it could not open it, or it stopped). */
void fut_export_jobs_expire(FutExportJobs *jobs, gint64 now);
/* How many jobs are followed (tests). */
guint fut_export_jobs_count(FutExportJobs *jobs);

G_END_DECLS
