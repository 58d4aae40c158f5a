/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "jsonesc.h"
#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

void
fw_sink_unref(Sink *s)
{
	if (g_atomic_int_dec_and_test(&s->ref))
		g_free(s);
}

const gchar *
fut_fanwatch_record_kind_to_string(FutFanwatchRecordKind kind)
{
	switch (kind) {
	case FUT_FANWATCH_RECORD_DENIED:
		return "upload.denied";
	case FUT_FANWATCH_RECORD_ALLOWED:
		return "upload.allowed";
	case FUT_FANWATCH_RECORD_OBSERVED:
		return "upload.observed";
	case FUT_FANWATCH_RECORD_GAP:
		return "gap";
	}
	return "unknown";
}

void
fut_fanwatch_record_free(FutFanwatchRecord *rec)
{
	if (rec == NULL)
		return;
	g_free(rec->exe);
	g_free(rec->comm);
	g_free(rec->path);
	g_free(rec->approval_id);
	g_free(rec);
}

static const gchar *
class_name(guint c)
{
	switch (c) {
	case FUT_FANWATCH_CLASS_I:
		return "I";
	case FUT_FANWATCH_CLASS_II:
		return "II";
	case FUT_FANWATCH_CLASS_III:
		return "III";
	default:
		return NULL;
	}
}

static gchar *
login_of(guint32 uid)
{
	struct passwd pw, *res = NULL;
	gchar buf[1024];

	if (uid == G_MAXUINT32 || getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) != 0 ||
	    res == NULL)
		return NULL;
	return g_strdup(pw.pw_name);
}

FutLogEvent *
fut_fanwatch_record_to_log_event(const FutFanwatchRecord *rec)
{
	FutLogEvent *ev;
	g_autofree gchar *login = NULL;
	g_autofree gchar *hex = NULL;

	if (rec->kind == FUT_FANWATCH_RECORD_GAP) {
		ev = fut_log_event_new_gap(rec->gap_kind, rec->reason);
		fut_log_event_set_detail_int(ev, "count", (gint64)MIN(rec->gap_count, G_MAXINT64));
		return ev;
	}
	ev = fut_log_event_new(fut_fanwatch_record_kind_to_string(rec->kind));
	login = login_of(rec->uid);
	fut_log_event_set_subject(
	    ev, rec->uid == G_MAXUINT32 ? FUT_LOG_INT_ABSENT : (gint64)rec->uid, login,
	    rec->loginuid == G_MAXUINT32 ? FUT_LOG_INT_ABSENT : (gint64)rec->loginuid,
	    rec->pid > 0 ? (gint64)rec->pid : FUT_LOG_INT_ABSENT, rec->exe);
	if (rec->has_sha256)
		hex = fut_hex_encode(rec->sha256, sizeof rec->sha256);
	fut_log_event_set_object(ev, rec->path,
	                         rec->size <= G_MAXINT64 ? (gint64)rec->size : FUT_LOG_INT_ABSENT,
	                         hex, class_name(rec->file_class));
	fut_log_event_set_upload(ev, NULL, rec->exe);
	fut_log_event_set_decision(
	    ev, rec->allowed ? FUT_LOG_DECISION_ALLOW : FUT_LOG_DECISION_DENY, rec->reason);
	if (rec->approval_id != NULL)
		fut_log_event_set_request(ev, rec->approval_id);
	if (rec->comm != NULL)
		fut_log_event_set_detail(ev, "comm", rec->comm);
	if (rec->program_match != NULL)
		fut_log_event_set_detail(ev, "program_match", rec->program_match);
	fut_log_event_set_detail_int(ev, "dev", (gint64)MIN(rec->dev, G_MAXINT64));
	fut_log_event_set_detail_int(ev, "ino", (gint64)MIN(rec->ino, G_MAXINT64));
	if (rec->inherited_fd > 0) {
		/* not opened by the program: inherited when it started (fanwatch-exec.c) */
		fut_log_event_set_detail(ev, "call", "exec");
		fut_log_event_set_detail_int(ev, "inherited_fd", (gint64)rec->inherited_fd - 1);
	}
	if (rec->inherited_fd < 0) {
		/* the command line the program was started with (fanwatch-argv.c) */
		fut_log_event_set_detail(ev, "call", "exec");
		fut_log_event_set_detail(ev, "source", "argv");
	}
	if (rec->pipe_reader > 0) {
		/* held or opened by a process writing into the upload program's pipe */
		fut_log_event_set_detail(ev, "call", "pipe");
		fut_log_event_set_detail_int(ev, "reader_pid", (gint64)rec->pipe_reader);
	}
	return ev;
}

JsonObject *
fut_fanwatch_record_to_fields(const FutFanwatchRecord *rec)
{
	JsonObject *f = json_object_new();
	JsonObject *detail = json_object_new();
	g_autofree gchar *login = NULL;

	if (rec->kind == FUT_FANWATCH_RECORD_GAP) {
		fut_json_set_escaped(detail, "kind", rec->gap_kind);
		json_object_set_int_member(detail, "count",
		                           (gint64)MIN(rec->gap_count, G_MAXINT64));
		fut_json_set_escaped(f, "reason", rec->reason);
		json_object_set_object_member(f, "detail", detail);
		return f;
	}
	{
		JsonObject *subject = json_object_new();
		if (rec->uid != G_MAXUINT32)
			json_object_set_int_member(subject, "uid", rec->uid);
		login = login_of(rec->uid);
		fut_json_set_escaped(subject, "login", login);
		if (rec->loginuid != G_MAXUINT32)
			json_object_set_int_member(subject, "loginuid", rec->loginuid);
		if (rec->pid > 0)
			json_object_set_int_member(subject, "pid", rec->pid);
		fut_json_set_escaped(subject, "exe", rec->exe);
		json_object_set_object_member(f, "subject", subject);
	}
	{
		JsonObject *object = json_object_new();
		fut_json_set_escaped(object, "path", rec->path);
		if (rec->size <= G_MAXINT64)
			json_object_set_int_member(object, "size", (gint64)rec->size);
		if (rec->has_sha256) {
			g_autofree gchar *hex = fut_hex_encode(rec->sha256, sizeof rec->sha256);
			json_object_set_string_member(object, "sha256", hex);
		}
		if (class_name(rec->file_class) != NULL)
			json_object_set_string_member(object, "class", class_name(rec->file_class));
		json_object_set_object_member(f, "object", object);
	}
	{
		JsonObject *dest = json_object_new();
		json_object_set_string_member(dest, "kind", "upload");
		fut_json_set_escaped(dest, "program", rec->exe);
		json_object_set_object_member(f, "destination", dest);
	}
	json_object_set_string_member(
	    f, "decision", rec->allowed ? FUT_LOG_DECISION_ALLOW : FUT_LOG_DECISION_DENY);
	fut_json_set_escaped(f, "reason", rec->reason);
	fut_json_set_escaped(f, "request", rec->approval_id);
	fut_json_set_escaped(detail, "comm", rec->comm);
	fut_json_set_escaped(detail, "program_match", rec->program_match);
	json_object_set_int_member(detail, "dev", (gint64)MIN(rec->dev, G_MAXINT64));
	json_object_set_int_member(detail, "ino", (gint64)MIN(rec->ino, G_MAXINT64));
	json_object_set_object_member(f, "detail", detail);
	return f;
}

typedef struct {
	Sink *sink;
	FutFanwatchRecord *rec;
} Delivery;

static gboolean
deliver_cb(gpointer p)
{
	Delivery *d = p;

	if (!g_atomic_int_get(&d->sink->cancelled))
		d->sink->func(d->rec, d->sink->data);
	return G_SOURCE_REMOVE;
}

static void
delivery_free(gpointer p)
{
	Delivery *d = p;

	g_atomic_int_add(&d->sink->pending, -1);
	fut_fanwatch_record_free(d->rec);
	fw_sink_unref(d->sink);
	g_free(d);
}

static void
post_one(FutFanwatch *fw, FutFanwatchRecord *rec)
{
	Delivery *d = g_new0(Delivery, 1);

	g_atomic_int_inc(&fw->sink->ref);
	g_atomic_int_inc(&fw->sink->pending);
	d->sink = fw->sink;
	d->rec = rec;
	g_main_context_invoke_full(fw->record_ctx, G_PRIORITY_DEFAULT, deliver_cb, d,
	                           delivery_free);
}

/* Hands @rec (owned) to the agent. The queue of records in flight is bounded: a record that
 * does not fit is counted, and the count reaches the log as a gap as soon as there is room. */
void
fw_post_record(FutFanwatch *fw, FutFanwatchRecord *rec)
{
	if (fw->sink->func == NULL) {
		fut_fanwatch_record_free(rec);
		return;
	}
	if (g_atomic_int_get(&fw->sink->pending) >= RECORDS_MAX - 1) {
		fw->dropped_unreported++;
		g_mutex_lock(&fw->lock);
		fw->stats.records_dropped++;
		g_mutex_unlock(&fw->lock);
		fut_fanwatch_record_free(rec);
		return;
	}
	if (fw->dropped_unreported > 0) {
		FutFanwatchRecord *gap = g_new0(FutFanwatchRecord, 1);
		gap->kind = FUT_FANWATCH_RECORD_GAP;
		gap->time_us = g_get_real_time();
		gap->uid = G_MAXUINT32;
		gap->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
		gap->gap_kind = "records-dropped";
		gap->gap_count = fw->dropped_unreported;
		gap->reason = "the agent did not consume upload records fast enough";
		fw->dropped_unreported = 0;
		post_one(fw, gap);
	}
	post_one(fw, rec);
}

FutFanwatchRecord *
fw_record_from_event(FutFanwatch *fw, Event *ev, gint64 now_us)
{
	FutFanwatchRecord *rec = g_new0(FutFanwatchRecord, 1);

	rec->kind = ev->kind;
	rec->time_us = now_us;
	rec->pid = ev->pid;
	rec->uid = G_MAXUINT32;
	/* read once and kept in the event (with the user it names: have_uid never stands
	 * without uid) */
	if (!ev->have_uid && fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		ev->have_uid = TRUE;
	if (ev->have_uid)
		rec->uid = ev->uid;
	if (!fut_procinfo_read_loginuid(ev->pid, &rec->loginuid, NULL))
		rec->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
	rec->exe = ev->exe != NULL ? g_strdup(ev->exe) : fut_procinfo_read_exe(ev->pid, NULL);
	rec->comm = fut_procinfo_read_comm(ev->pid, NULL);
	rec->program_match = ev->match;
	rec->path = g_strdup(ev->path);
	if (ev->have_st) {
		rec->dev = (guint64)ev->st.st_dev;
		rec->ino = (guint64)ev->st.st_ino;
		rec->size = (guint64)ev->st.st_size;
	}
	rec->file_class = ev->file_class;
	rec->has_sha256 = ev->has_sha256;
	memcpy(rec->sha256, ev->sha256, FUT_SHA256_LEN);
	rec->allowed = ev->kind != FUT_FANWATCH_RECORD_DENIED;
	rec->reason = ev->reason;
	rec->approval_id = g_steal_pointer(&ev->approval_id);
	rec->pipe_reader = ev->feeding;
	return rec;
}
