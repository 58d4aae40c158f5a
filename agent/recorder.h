/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where the agent's events (device.attach, device.detach, device.readonly, export.*) go.
 * One small interface so every event passes through one place: the hash-chained egress log
 * (common/egresslog.h) in the agent, anything else in tests. A sink that fails makes
 * fut_recorder_emit() fail, and callers that are about to let data leave must then stop:
 * no egress without a log record. */

typedef gboolean (*FutRecorderSink)(const gchar *event,
                                    JsonObject *fields,
                                    gpointer user_data,
                                    GError **error);

typedef struct _FutRecorder FutRecorder;

/* Told of each record after the sink accepted it, in the emitting thread with the recorder's
 * lock held: it must not block and must not emit. @fields are borrowed. */
typedef void (*FutRecorderObserver)(const gchar *event, JsonObject *fields, gpointer user_data);

/* Returns a recorder that hands every event to @sink. Caller frees. */
FutRecorder *fut_recorder_new(FutRecorderSink sink, gpointer user_data, GDestroyNotify destroy);
void fut_recorder_free(FutRecorder *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutRecorder, fut_recorder_free)

/* Sets the one observer of @rec (NULL: none); @user_data must outlive the recorder. The
 * agent uses it to tell a user's desktop about that user's records (futari-notify). */
void fut_recorder_set_observer(FutRecorder *rec, FutRecorderObserver observer, gpointer user_data);

typedef struct _FutEgressLog FutEgressLog;

/* Returns a recorder that appends every event to the hash-chained egress log @log
 * (borrowed: it must outlive the recorder). Records of egress decisions (export.*,
 * approval.*, redeem.*) are appended durably. Caller frees. */
FutRecorder *fut_recorder_new_egress_log(FutEgressLog *log);

/* Records @event with @fields (borrowed; may be NULL). Returns FALSE when the sink failed.
 * Thread-safe. The fields follow the egress log's record shape (docs/log-format.md):
 * "subject" {uid, login, pid, exe}, "object" {path, size, sha256, class}, "destination"
 * {kind, vid, pid, serial, fs_uuid, label, asset}, "decision", "reason", "request",
 * "approvers" [...], and "detail" {...} for everything else. */
gboolean
fut_recorder_emit(FutRecorder *rec, const gchar *event, JsonObject *fields, GError **error);

/* As fut_recorder_emit(), but a record the sink would flush to the disk at once waits for
 * fut_recorder_sync(): a batch of records made durable by one flush (group commit, issue 18).
 * The record is written at once (it survives the agent being killed). */
gboolean fut_recorder_emit_deferred(FutRecorder *rec,
                                    const gchar *event,
                                    JsonObject *fields,
                                    GError **error);

/* As fut_recorder_emit_deferred(), but the observer is not told: the caller tells it with
 * fut_recorder_tell() once what the record says is true (an export.written record is in the
 * log before its file has its name; the desktop hears of it after, issue 18). */
gboolean
fut_recorder_emit_untold(FutRecorder *rec, const gchar *event, JsonObject *fields, GError **error);

/* Hands @fields of a record emitted untold to the observer. */
void fut_recorder_tell(FutRecorder *rec, const gchar *event, JsonObject *fields);

/* Makes every record emitted so far durable. Returns FALSE when the sink could not. */
gboolean fut_recorder_sync(FutRecorder *rec, GError **error);

G_END_DECLS
