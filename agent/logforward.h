/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "logrecord.h"

G_BEGIN_DECLS

/* Forwarding of egress log records and checkpoints to journald (structured fields) or to an
 * RFC 5424 syslog socket, so a central collector holds witnesses of the log's state
 * (docs/log-format.md). Forwarding is best effort and never blocks: the local log is the
 * record; a failed send is counted and reported to the caller.
 *
 * journald fields: MESSAGE (a short human line, escaped), PRIORITY, SYSLOG_IDENTIFIER,
 * FUTARI_EVENT, FUTARI_HOST, FUTARI_SEQ, FUTARI_HASH, FUTARI_RECORD (the record line), and
 * for checkpoints FUTARI_CHECKPOINT (the witness line). */

typedef struct _FutLogForward FutLogForward;

/* Returns a forwarder to the systemd journal. Fails (FUT_ERROR_NOT_SUPPORTED) when there is
 * no journal socket. Caller frees. */
FutLogForward *fut_log_forward_new_journald(GError **error);
/* Returns a forwarder to the syslog datagram socket @socket_path (NULL: /dev/log), writing
 * RFC 5424 messages with facility authpriv, APP-NAME @app_name (NULL: "futarid") and the
 * record (or, for checkpoints, the witness line) as MSG. Caller frees. */
FutLogForward *
fut_log_forward_new_syslog(const gchar *socket_path, const gchar *app_name, GError **error);
void fut_log_forward_free(FutLogForward *fwd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogForward, fut_log_forward_free)

/* Sends one record (@line, @len: its JSON line). Checkpoint records carry the witness line
 * too. Returns FALSE with a reason when the message could not be sent. */
gboolean fut_log_forward_record(
    FutLogForward *fwd, const FutLogRecord *rec, const gchar *line, gsize len, GError **error);

/* Returns the number of sends that failed so far. */
guint64 fut_log_forward_get_failures(FutLogForward *fwd);

/* Adapter for FutEgressLogOptions.record_func with @user_data a FutLogForward: forwards every
 * record (checkpoints with their witness line) and counts failures. */
void fut_log_forward_record_func(const FutLogRecord *rec,
                                 const gchar *line,
                                 gsize len,
                                 gpointer user_data);

G_END_DECLS
