/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "agentconf.h"
#include "classify.h"
#include "labelstore.h"
#include "api.h"
#include "crypto.h"
#include "mediareg.h"
#include "recorder.h"
#include "usbstore.h"

G_BEGIN_DECLS

/* The running agent's state, shared by futarid.c and the command handlers. Owned by
 * futarid.c's main(). */
typedef struct {
	FutConfig *config;
	FutMediaRegister *media;
	FutUsbStore *usb;
	FutRecorder *recorder;
	struct _FutEgressLog *log;
	struct _FutLogForward *forward;
	guint tick_id;
	gint active_jobs;      /* exports running in worker threads */
	gint reading_jobs;     /* classify and label jobs in worker threads (main thread only) */
	GHashTable *redeeming; /* request ids being redeemed now (main thread only) */
	gchar *host;           /* this host's name in requests and the log */
	GPtrArray *retired_configs;         /* replaced by reloads, still read by running exports */
	struct _FutSpoolQuota *spool_quota; /* spool bytes reserved by copies being made */
	FutLabelStore *labels;              /* the label memory, shared by every classifier */
	FutClassifier *classifier;          /* from the current configuration */
	GPtrArray *retired_classifiers;     /* replaced by reloads, still used by running jobs */
	FutKey *host_key;
	/* Upload control (NULL when agent.conf has no [upload] group): the fanotify listener,
	 * and the upload approvals activated in it by redeem (request id -> not_after, in
	 * unix seconds, as gint64*; main thread only) so the tick can drop ended ones. */
	struct _FutFanwatch *fanwatch;
	GHashTable *upload_approvals;
	/* The BPF LSM process taint (agent/taint.h) when [upload] is on and the kernel runs
	 * it; else NULL and taint_error says why (escaped when shown). */
	struct _FutTaint *taint;
	gchar *taint_error;
	/* uid -> gint64*: when that user's desktop last heard of a refused send (main thread) */
	GHashTable *taint_notices;
	GPtrArray *subscribers; /* FutApiCall* of "subscribe" calls (main thread only) */
	/* export jobs followed for their export.progress events (main thread only) */
	struct _FutExportJobs *export_jobs;
	FutApiServer *api;
	GMainLoop *loop;
	GDateTime *started;
} FutAgent;

/* At most this many "subscribe" calls per uid. */
#define FUT_AGENT_SUBSCRIBERS_PER_UID 4

/* Sends @event (borrowed) to every subscriber whose uid is @uid (commands.c). */
void fut_agent_notify(FutAgent *agent, uid_t uid, JsonObject *event);
/* Sends the record @event with @fields (borrowed, in the shape fut_recorder_emit() takes,
 * strings already escaped) to the subscribers of the record's subject.uid, as
 * {"event": @event, subject, object, destination, decision, reason, request, detail, …,
 * next_step?}; nothing when @event is not one a desktop shows or the record has no subject
 * uid. Main thread only (commands.c). */
void fut_agent_notify_record(FutAgent *agent, const gchar *event, JsonObject *fields);
/* The same from any thread, for a FutRecorderObserver: escapes a copy of @fields (raw, as
 * the broker records them) and sends it from the main loop. */
void fut_agent_notify_record_later(FutAgent *agent, const gchar *event, JsonObject *fields);
/* The FutExportJobsEmit of agent->export_jobs: fut_agent_notify with @data the agent. */
void fut_agent_notify_progress(uid_t uid, JsonObject *event, gpointer data);
/* Sends a keepalive to every subscriber and finishes the calls whose client is gone; with
 * @stop, finishes them all (the agent is stopping). */
void fut_agent_subscribers_prune(FutAgent *agent, gboolean stop);

/* The BPF LSM process taint (uploadtaint.c). Start: FALSE with @error when the kernel or
 * the build cannot run it (the agent then runs on fanotify alone). */
gboolean fut_agent_taint_start(FutAgent *agent, GError **error);
void fut_agent_taint_stop(FutAgent *agent);
/* fanwatch's on_approved: lets the approved program send the content (BPF taint layer). */
gboolean fut_agent_taint_approved(
    int fd, guint32 uid, const gchar *exe, const gchar *request_id, gpointer user_data);
/* The upload approval @request_id is active until @not_after (unix seconds, inclusive): the
 * taint layer ends what it allows under it then, in the kernel. Call before the listener
 * learns the approval. */
void fut_agent_taint_window(FutAgent *agent, const gchar *request_id, gint64 not_after);
/* fanwatch's on_pending, on_resolved and on_settled: not yet classified versions (pending marks).
 */
gboolean fut_agent_taint_pending(int fd, guint64 seq, gpointer user_data);
void fut_agent_taint_resolved(int fd, guint64 seq, guint file_class, gpointer user_data);
void fut_agent_taint_settled(int fd, guint64 below, gpointer user_data);
/* Withdraws what the approval @request_id allowed in the taint layer (its window ended). */
void fut_agent_taint_withdraw(FutAgent *agent, const gchar *request_id);
/* "bpf-lsm+fanotify", "bpf-lsm", "fanotify" or "none". */
const gchar *fut_agent_enforcement(const FutAgent *agent);
/* Adds upload_enforcement, bpf_lsm, taint_* and bpf_lsm_reason to a status reply. */
void fut_agent_taint_status(FutAgent *agent, JsonObject *r);

/* futarid's only way to print (futarid.c): one line on standard error, @level one of the
 * FUT_AGENT_LOG_* prefixes (journald reads them as the syslog priority). Messages are
 * escaped by their callers. */
#define FUT_AGENT_LOG_ERR     "<3>"
#define FUT_AGENT_LOG_WARNING "<4>"
#define FUT_AGENT_LOG_INFO    "<6>"
void fut_agent_say(const gchar *level, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

/* Upload control's wiring (agent-upload.c). Start: creates and starts the listener from
 * [upload]; FALSE with @error when it is configured and cannot run (the agent then does
 * not start: fail closed). Expire: drops upload approvals whose window has ended. */
gboolean fut_agent_upload_start(FutAgent *agent, GError **error);
void fut_agent_upload_expire(FutAgent *agent);

/* The stop (agent-stop.c). Wait: lets classify and label jobs answer, for at most 10 s.
 * Clear: frees everything, the listener and the taint before the log closes; what a job
 * still reading a stalled file uses stays allocated until the process ends. */
void fut_agent_wait_readers(FutAgent *agent);
void fut_agent_clear(FutAgent *agent);

/* The fixed command table of the local API (commands.c), ending in {NULL}. */
extern const FutApiCommand fut_agent_commands[];

G_END_DECLS
