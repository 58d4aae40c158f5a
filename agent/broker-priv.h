/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The broker's shared job plumbing, for its files only (broker.c, broker-classify.c,
 * broker-label.c, broker-export.c, broker-upload.c, broker-redeem.c, broker-requests.c).
 * Not part of the agent's interface: other modules use broker.h. */

#include <glib.h>
#include <json-glib/json-glib.h>

#include "broker.h"
#include "export-progress.h"
#include "pending.h"
#include "spool.h"

G_BEGIN_DECLS

/* One export, upload request or redeem, shared by the main thread and one worker thread;
 * reference counted. */
typedef struct {
	gint ref;
	FutAgent *agent;
	/* The configuration when the job began: a reload (SIGHUP) retires the old one but never
	 * frees it while the agent runs, so worker threads may keep reading it. */
	const FutConfig *config;
	FutClassifier *classifier; /* likewise retired, never freed, by a reload */
	FutApiCall *call;          /* NULL once answered */
	uid_t uid;
	pid_t pid;
	gchar *login;
	gchar *exe;
	int src_fd;
	gchar *src_path;
	gchar *name;
	GStrv dir;
	gchar *reason;
	/* the destination, copied: the device may go away while the job runs */
	gchar *devnode;
	gchar *disk_devnode; /* when the volume is a partition */
	guint disk_major, disk_minor;
	guint major, minor;
	gchar *fs_type, *fs_uuid, *label;
	gchar *vid, *pid_str, *serial, *asset;
	gchar *asset_owner; /* the register's owner of the asset, for the request */
	/* upload requests (channel upload): the remote host and the program, NULL for any */
	gboolean upload;
	gchar *sha256_hex; /* the request's digest, when there is no spooled copy */
	gchar *upload_host;
	gchar *upload_program;
	/* redeem */
	gchar *request_id;
	GPtrArray *approvers;      /* certificate serials, for the log */
	GPtrArray *approver_names; /* "name (staff id)" of each, same order, for the log */
	gchar *content_checked;    /* "yes,no,…" per approver (content-checked), for the log */
	FutPendingEntry *pending;
	/* redeem of a version-2 request: the request's file being written, 1-based (marked
	 * written in the pending entry with its name); 0 for version 1 */
	guint request_file;
	/* redeem: what was approved for the file being written (the request's size and sha256
	 * for it); the write checks the stick's copy against it (fut_broker_verify_approved) */
	gboolean verify_approved;
	guint64 approved_size;
	guint8 approved_sha256[FUT_SHA256_LEN];
	/* results */
	FutSpoolEntry *spool;
	gboolean keep_spool; /* a pending request holds it */
	/* export of a folder (-R): a Class I/II file is held for the job's one request
	 * (broker-held.c) instead of a request of its own */
	gboolean hold;
	gboolean held;
	/* redeem of a version-2 request: one {path, written, sha256, size}, {path, error} or
	 * {path, written_before: true} (written by an earlier redeem) per file, the reply's
	 * "files" */
	JsonArray *file_results;
	gchar *request_text;
	gchar *klass;
	gchar *class_why;
	/* the content scan of the spooled copy, made while it was hashed (issue 18), or NULL:
	 * fut_broker_job_classify() then scans it itself */
	FutClassification *scan;
	gchar *written;     /* relative path on the medium */
	gchar *partial;     /* the file's temporary name on the medium while it is written */
	gboolean logged;    /* its export.written record was handed to the log */
	gboolean retracted; /* ... and then the file was removed: export.failed withdraws it */
	guint64 last_progress;
	gboolean holds_work;    /* holds one of the caller's work shares (fut_broker_work_begin) */
	gboolean recheck_stick; /* the write path failed: check the stick (fut_broker_job_done) */
	/* export: the caller's job, for the desktop's progress (export-progress.h), or NULL */
	FutExportJobArg *job_arg;
	gint64 last_progress_us; /* when the caller last heard of the copy */
} FutBrokerJob;

FutBrokerJob *fut_broker_job_ref(FutBrokerJob *j);
void fut_broker_job_unref(FutBrokerJob *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutBrokerJob, fut_broker_job_unref)

/* Gives back @j's share of the caller's workers reading files (once its file is read);
 * called again (or at the job's end) it does nothing. Only the job's own thread calls it. */
void fut_broker_job_end_reading(FutBrokerJob *j);
/* Each user's share of the workers reading their files (FUT_BROKER_WORK_PER_UID). */
gboolean fut_broker_work_begin(uid_t uid, GError **error);
void fut_broker_work_end(uid_t uid);

/* Sets @name to @value unless @value is NULL. */
void fut_broker_set_str(JsonObject *o, const gchar *name, const gchar *value);
/* The target of a symbolic link (/proc/self/fd/N, /proc/PID/exe), or NULL. */
gchar *fut_broker_read_link(const gchar *path);
/* Checks a descriptor a caller passed, in a worker thread (a FUSE file can make fstat wait
 * for ever): a regular file (else @not_regular is the error; NULL: not checked here) not on a
 * kernel filesystem (proc, sys, debugfs, ...: issue 16 item 8). */
gboolean fut_broker_check_source(int fd, const gchar *not_regular, GError **error);
/* The login of @uid, or "uidN". Caller frees. */
gchar *fut_broker_lookup_login(uid_t uid);
/* The "reason" argument: one line of 1 to 1024 bytes of text. */
gboolean fut_broker_get_reason(JsonObject *args, gchar **ret, GError **error);
/* Refuses a member of @args that is not in @known (NULL-terminated). */
gboolean fut_broker_args_check_known(JsonObject *args, const gchar *const *known, GError **error);

/* Emits @event for @j with its subject, object, destination and detail. */
gboolean fut_broker_job_record(FutBrokerJob *j,
                               const gchar *event,
                               const gchar *decision,
                               const gchar *reason,
                               GError **error);
/* The same, for a batch: durable with the batch's one fut_recorder_sync(), and not told to
 * the user's desktop: the caller tells the returned fields (fut_recorder_tell()) once the
 * record is true (the file has its name), or never. NULL when it could not be written. */
JsonObject *fut_broker_job_record_untold(FutBrokerJob *j,
                                         const gchar *event,
                                         const gchar *decision,
                                         const gchar *reason,
                                         GError **error);
/* Sets j->klass and j->class_why from the spooled copy and the caller's label. */
void fut_broker_job_classify(FutBrokerJob *j);
/* The progress callback of fut_spool_ingest() for a job: forwards to the caller. */
void fut_broker_spool_progress(guint64 done, guint64 total, gpointer data);
/* The caller's side of a new job: descriptor, uid, pid, login, path and program. */
void fut_broker_job_take_caller(FutBrokerJob *j, FutApiCall *call);
/* Starts a file job: agent fields, the caller's side and a work share (FALSE: refused). */
gboolean fut_broker_job_begin(FutBrokerJob *j, FutAgent *agent, FutApiCall *call, GError **error);
/* Copies the destination's identity and refuses a stick the agent does not write to. */
gboolean fut_broker_job_set_destination(FutBrokerJob *j,
                                        const FutUsbDevice *d,
                                        const FutUsbVolume *v,
                                        GError **error);
/* Runs @func for the accepted job @j in a worker thread; the reply comes from
 * fut_broker_job_done. */
/* The task of the accepted job @j, answered by fut_broker_job_done (for a caller that runs it
 * in a pool of its own). Caller unrefs. */
GTask *fut_broker_job_task(FutBrokerJob *j, FutApiCall *call);
void fut_broker_job_start(FutBrokerJob *j, FutApiCall *call, GTaskThreadFunc func);
/* The completion of a job's task: answers the caller and releases the job. */
void fut_broker_job_done(GObject *source, GAsyncResult *res, gpointer data);
/* Logs the refusal of @j (export.refused) and answers the caller; takes @error. */
void fut_broker_job_refuse(FutBrokerJob *j, FutApiCall *call, GError *error);

/* Remembers the content of a file a path rule classed (I or II) for @owner in the label
 * memory, so the owner's copies keep the class. */
/* Raises @c to the class the kernel's taint layer gives the file at @fd (a copy written from
 * Class I/II content), with a "taint" reason. */
void fut_broker_taint_evidence(FutAgent *agent, int fd, FutClassification *c);
gboolean fut_broker_remember_path_rule(FutAgent *agent,
                                       const FutClassification *c,
                                       const guint8 digest[FUT_SHA256_LEN],
                                       uid_t owner);
/* broker-write.c: the @i-th name tried for @name (0: @name; then "stem (2).ext", ...),
 * cut to at most @max bytes on a character boundary; NULL if nothing fits. Caller frees. */
gchar *fut_broker_candidate_name(const gchar *name, guint i, gsize max);
/* broker-write.c: writes the job's spooled copy to its stick through the write path. */
gboolean fut_broker_job_write(FutBrokerJob *j, GError **error);
/* broker-redeem.c: for a redeem (j->verify_approved), reads back the file flushed to the
 * stick as @name in @dfd and checks its size and SHA-256 against what was approved; FALSE
 * with the reason when they differ (the file must not be named or logged as written). TRUE
 * when @j is not a redeem. */
gboolean fut_broker_verify_approved(FutBrokerJob *j, int dfd, const gchar *name, GError **error);
/* broker-requests.c: makes, signs, logs and stores the Class I/II request for @j. */
gboolean fut_broker_job_make_request(FutBrokerJob *j, GError **error);
/* broker-held.c: keeps @j's Class I/II copy (made durable) for the one request of its job
 * (j->job_arg), made by "export-seal". */
gboolean fut_broker_job_hold(FutBrokerJob *j, GError **error);
/* broker-held.c: drops the held files of jobs not sealed within an hour. */
void fut_broker_held_purge(FutAgent *agent);

G_END_DECLS
