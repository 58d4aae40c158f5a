/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "token.h"

G_BEGIN_DECLS

/* What this supervisor signed, so they can answer for every decision later: one JSON object
 * per line in $XDG_DATA_HOME/futari/history.jsonl (mode 0600). Every string in it is
 * already escaped (fut_strescape), so it can be shown as it is. */

#define FUT_HISTORY_FILE_MAX (8 * 1024 * 1024)
#define FUT_HISTORY_SHOW_MAX 1000

typedef struct {
	gint64 time;     /* when it was signed */
	gchar *decision; /* "approve" or "reject" */
	gchar *request_id;
	gchar *requester;
	gchar *host;
	gchar *file;
	gchar *sha256;
	gchar *klass; /* "I", "II", "III" */
	gint64 not_after;
	gchar *comment;
	gchar *output; /* where the approval file was written */
} FutHistoryEntry;

void fut_history_entry_free(FutHistoryEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutHistoryEntry, fut_history_entry_free)

/* Returns the path of the history file. Caller frees. */
gchar *fut_history_path(void);
/* Appends one line for the signed @a on @q, written to @output, at @now. */
gboolean fut_history_append(
    const FutRequest *q, const FutApproval *a, const gchar *output, gint64 now, GError **error);
/* Returns the entries, newest first, at most FUT_HISTORY_SHOW_MAX (an array of
 * FutHistoryEntry*, owning them; empty if there is no history yet). A line that is not a
 * history record is an error naming its number: the history is evidence, not a cache. */
GPtrArray *fut_history_load(GError **error);

G_END_DECLS
