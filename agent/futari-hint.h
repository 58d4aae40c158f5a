/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where `futari` saved a request, for the user's own futari-notify (issue 19): the agent
 * does not know the path (the CLI writes the request, as the user, after the agent's
 * reply), so the CLI leaves it under the user's runtime folder by request id:
 * $XDG_RUNTIME_DIR/futari/requests/<id>, 0600 in a 0700 folder, one absolute path. The
 * notifier reads it for the export.requested event of that id, then removes it. */
#ifndef FUTARI_HINT_H
#define FUTARI_HINT_H

#include <glib.h>

/* Best effort: FALSE when it could not be left (the notifier then names the file's folder). */
gboolean fut_request_hint_write(const gchar *request_id, const gchar *request_path);
/* The path left for @request_id (absolute, UTF-8, no control character), removed from the
 * runtime folder; NULL when there is none or it is not such a path. */
gchar *fut_request_hint_take(const gchar *request_id);

#endif
