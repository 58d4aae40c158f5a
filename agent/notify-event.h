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
} FutNotifyMessage;

void fut_notify_message_free(FutNotifyMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutNotifyMessage, fut_notify_message_free)

/* Returns the notification for @event (the "event" member of an event message), or NULL
 * without error for an event the user need not hear about. A malformed event is an error
 * with a one-line reason. Every string taken from the event is escaped (fut_strescape).
 * Caller frees. */
FutNotifyMessage *fut_notify_message_from_event(JsonObject *event, GError **error);

G_END_DECLS
