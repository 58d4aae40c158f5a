/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "egresslog.h"
#include "errors.h"
#include "util.h"

struct _FutRecorder {
	GMutex lock; /* the broker records from worker threads */
	FutRecorderSink sink;
	gpointer user_data;
	GDestroyNotify destroy;
	FutRecorderObserver observer;
	gpointer observer_data;
	gboolean (*sync)(gpointer user_data, GError **error); /* NULL: nothing to flush */
};

/* Set by fut_recorder_emit_deferred() around the sink call, in the emitting thread. */
static _Thread_local gboolean emit_deferred;

FutRecorder *
fut_recorder_new(FutRecorderSink sink, gpointer user_data, GDestroyNotify destroy)
{
	FutRecorder *rec = g_new0(FutRecorder, 1);
	rec->sink = sink;
	rec->user_data = user_data;
	rec->destroy = destroy;
	g_mutex_init(&rec->lock);
	return rec;
}

void
fut_recorder_free(FutRecorder *rec)
{
	if (rec == NULL)
		return;
	if (rec->destroy != NULL)
		rec->destroy(rec->user_data);
	g_mutex_clear(&rec->lock);
	g_free(rec);
}

gboolean
fut_recorder_emit(FutRecorder *rec, const gchar *event, JsonObject *fields, GError **error)
{
	g_autoptr(JsonObject) empty = NULL;

	gboolean ok;

	if (fields == NULL)
		fields = empty = json_object_new();
	g_mutex_lock(&rec->lock);
	ok = rec->sink(event, fields, rec->user_data, error);
	/* Only what is on record is told: a record the sink refused never happened. */
	if (ok && rec->observer != NULL)
		rec->observer(event, fields, rec->observer_data);
	g_mutex_unlock(&rec->lock);
	return ok;
}

gboolean
fut_recorder_emit_deferred(FutRecorder *rec, const gchar *event, JsonObject *fields, GError **error)
{
	gboolean ok;

	emit_deferred = TRUE;
	ok = fut_recorder_emit(rec, event, fields, error);
	emit_deferred = FALSE;
	return ok;
}

gboolean
fut_recorder_emit_untold(FutRecorder *rec, const gchar *event, JsonObject *fields, GError **error)
{
	gboolean ok;

	g_mutex_lock(&rec->lock);
	emit_deferred = TRUE;
	ok = rec->sink(event, fields, rec->user_data, error);
	emit_deferred = FALSE;
	g_mutex_unlock(&rec->lock);
	return ok;
}

void
fut_recorder_tell(FutRecorder *rec, const gchar *event, JsonObject *fields)
{
	g_mutex_lock(&rec->lock);
	if (rec->observer != NULL)
		rec->observer(event, fields, rec->observer_data);
	g_mutex_unlock(&rec->lock);
}

gboolean
fut_recorder_sync(FutRecorder *rec, GError **error)
{
	gboolean ok = TRUE;

	g_mutex_lock(&rec->lock);
	if (rec->sync != NULL)
		ok = rec->sync(rec->user_data, error);
	g_mutex_unlock(&rec->lock);
	return ok;
}

void
fut_recorder_set_observer(FutRecorder *rec, FutRecorderObserver observer, gpointer user_data)
{
	g_mutex_lock(&rec->lock);
	rec->observer = observer;
	rec->observer_data = user_data;
	g_mutex_unlock(&rec->lock);
}

/* --- the egress log -------------------------------------------------------------------- */

static const gchar *
obj_str(JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static gint64
obj_int(JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return FUT_LOG_INT_ABSENT;
	return json_node_get_int(n);
}

static JsonObject *
obj_obj(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* The login uid the kernel keeps for the session of @pid: who logged in, even after su. */
static gint64
read_loginuid(gint64 pid)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;
	guint64 v;

	if (pid <= 0)
		return FUT_LOG_INT_ABSENT;
	path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/loginuid", pid);
	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    !g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXUINT32, &v, NULL) ||
	    v == G_MAXUINT32)
		return FUT_LOG_INT_ABSENT;
	return (gint64)v;
}

static gboolean
egress_sink(const gchar *event, JsonObject *f, gpointer user_data, GError **error)
{
	FutEgressLog *log = user_data;
	g_autoptr(FutLogEvent) ev = fut_log_event_new(event);
	JsonObject *subject = obj_obj(f, "subject");
	JsonObject *object = obj_obj(f, "object");
	JsonObject *dest = obj_obj(f, "destination");
	JsonObject *detail = obj_obj(f, "detail");
	JsonNode *approvers = json_object_get_member(f, "approvers");
	FutEgressLogAppendFlags flags = FUT_EGRESS_LOG_APPEND_NONE;

	if (ev == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, "bad event name");
		return FALSE;
	}
	if (subject != NULL)
		fut_log_event_set_subject(ev, obj_int(subject, "uid"), obj_str(subject, "login"),
		                          read_loginuid(obj_int(subject, "pid")),
		                          obj_int(subject, "pid"), obj_str(subject, "exe"));
	if (object != NULL)
		fut_log_event_set_object(ev, obj_str(object, "path"), obj_int(object, "size"),
		                         obj_str(object, "sha256"), obj_str(object, "class"));
	if (dest != NULL && g_strcmp0(obj_str(dest, "kind"), "upload") == 0)
		fut_log_event_set_upload(ev, obj_str(dest, "host"), obj_str(dest, "program"));
	else if (dest != NULL)
		fut_log_event_set_usb(ev, obj_str(dest, "vid"), obj_str(dest, "pid"),
		                      obj_str(dest, "serial"), obj_str(dest, "fs_uuid"),
		                      obj_str(dest, "label"), obj_str(dest, "asset"));
	fut_log_event_set_decision(ev, obj_str(f, "decision"), obj_str(f, "reason"));
	fut_log_event_set_request(ev, obj_str(f, "request"));
	if (approvers != NULL && JSON_NODE_HOLDS_ARRAY(approvers)) {
		JsonArray *a = json_node_get_array(approvers);
		for (guint i = 0; i < json_array_get_length(a) && i < FUT_LOG_APPROVERS_MAX; i++) {
			JsonNode *n = json_array_get_element(a, i);
			if (JSON_NODE_HOLDS_VALUE(n) &&
			    json_node_get_value_type(n) == G_TYPE_STRING)
				fut_log_event_add_approver(ev, json_node_get_string(n));
		}
	}
	if (detail != NULL) {
		g_autoptr(GList) members = json_object_get_members(detail);
		guint n = 0;
		for (GList *it = members; it != NULL && n < FUT_LOG_DETAIL_MAX;
		     it = it->next, n++) {
			const gchar *k = it->data;
			if (obj_str(detail, k) != NULL)
				fut_log_event_set_detail(ev, k, obj_str(detail, k));
			else if (obj_int(detail, k) >= 0)
				fut_log_event_set_detail_int(ev, k, obj_int(detail, k));
		}
	}
	/* What reports an egress or a refusal is on disk before anyone is told. */
	if (g_str_has_prefix(event, "export.") || g_str_has_prefix(event, "approval.") ||
	    g_str_has_prefix(event, "redeem.") || g_str_has_prefix(event, "device.") ||
	    g_str_has_prefix(event, "revocation."))
		flags |= FUT_EGRESS_LOG_APPEND_DURABLE;
	/* ... or with the batch's one flush (fut_recorder_sync). */
	if (emit_deferred)
		flags &= ~FUT_EGRESS_LOG_APPEND_DURABLE;
	return fut_egress_log_append(log, ev, flags, NULL, error);
}

static gboolean
egress_sync(gpointer user_data, GError **error)
{
	return fut_egress_log_sync(user_data, error);
}

FutRecorder *
fut_recorder_new_egress_log(FutEgressLog *log)
{
	FutRecorder *rec = fut_recorder_new(egress_sink, log, NULL);

	rec->sync = egress_sync;
	return rec;
}
