/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What futari-notify tells the user about one agent event (docs/agent-api-events.md): a
 * pure mapping from the event message to the text of a desktop notification, kept apart
 * from libnotify so it can be tested without a session. */

typedef struct {
	gchar *summary; /* one line, plain text */
	gchar *body;    /* plain text (the caller escapes it for markup-capable servers) */
	gchar *folder;  /* a local folder the "Open Folder" action opens, or NULL */
	gboolean urgent;
	gboolean has_value; /* a progress bar: the "value" hint of the notification spec */
	guint value;        /* 0 to 100 */
} FutNotifyMessage;

void fut_notify_message_free(FutNotifyMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutNotifyMessage, fut_notify_message_free)

/* Returns the notification for @event (the "event" member of an event message), or NULL
 * without error for an event the user need not hear about. A malformed event is an error
 * with a one-line reason. Every string taken from the event is escaped (fut_strescape).
 * Caller frees. */
FutNotifyMessage *fut_notify_message_from_event(JsonObject *event, GError **error);

/* An "export.progress" event (docs/agent-api.md): the agent's sum of one export job. */
typedef struct {
	gchar *job;  /* the job's id (lowercase hex) */
	gchar *dest; /* the stick, escaped, or NULL */
	guint64 files, files_done, bytes, bytes_done;
	guint64 written, requested, refused;
	gint64 elapsed_ms;
	gboolean finished, incomplete;
} FutNotifyProgress;

void fut_notify_progress_free(FutNotifyProgress *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutNotifyProgress, fut_notify_progress_free)

/* Returns the progress in @event, or NULL without error when it is another event; a
 * malformed one is an error with a one-line reason. Caller frees. */
FutNotifyProgress *fut_notify_progress_from_event(JsonObject *event, GError **error);

/* The notification for @p: while it runs "Exporting to STICK" with files, bytes, MB/s and
 * time left and a progress value; when it finished, what was written, is waiting for
 * approval or was refused (urgent when something was refused or it stopped). */
FutNotifyMessage *fut_notify_progress_message(const FutNotifyProgress *p);

G_END_DECLS
