/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The pending store: Class I and II requests this host made and has not yet redeemed, one
 * root-only file per request (<state-dir>/pending/<request id>.pending). A redeemed request
 * stays, marked redeemed, until it expires, so an approval cannot be used twice. A
 * version-2 request (a folder's files) is redeemed file by file: each file written is marked
 * in the entry, a later redeem with the same approval writes only the others, and the entry
 * is marked redeemed once every file is written. */

#define FUT_PENDING_STATE_PENDING  "pending"
#define FUT_PENDING_STATE_REDEEMED "redeemed"

typedef struct {
	gchar *id;       /* request id, 64 lower-case hex */
	uid_t uid;       /* the requester */
	gchar *spool_id; /* version 1; "" for version 2 */
	gchar *name;     /* file name to write; "" for version 2 */
	gchar *dir;      /* folder on the stick, "" for the top; "" for version 2 */
	/* version 2 (one request for a folder's files): the spooled copies in the order of the
	 * request's files (whose paths say where each goes); NULL for version 1 */
	GStrv spool_ids;
	/* version 2: one character per file of spool_ids, '1' once that file is written (its
	 * export.written record durable, its name on the stick), else '0'; NULL for version 1 */
	gchar *written;
	gchar *request_text;
	gchar *state;
	gint64 expires; /* UTC seconds */
} FutPendingEntry;

void fut_pending_entry_free(FutPendingEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutPendingEntry, fut_pending_entry_free)

/* Stores a new entry (never overwriting), durably. */
gboolean fut_pending_add(const gchar *state_dir, const FutPendingEntry *e, GError **error);
/* Loads entry @id, or NULL (FUT_ERROR_INVALID_DATA for a malformed id, FUT_ERROR_IO when
 * there is none). Caller frees. */
FutPendingEntry *fut_pending_load(const gchar *state_dir, const gchar *id, GError **error);
/* Rewrites the state of entry @id durably. */
gboolean
fut_pending_set_state(const gchar *state_dir, const gchar *id, const gchar *state, GError **error);
/* Marks file @index (0-based) of version-2 entry @id written, durably, and the entry
 * redeemed when it was the last; a version-1 entry (@index ignored) is marked redeemed. */
gboolean
fut_pending_mark_written(const gchar *state_dir, const gchar *id, guint index, GError **error);
/* The files of @e written so far (0 for version 1). */
guint fut_pending_written_count(const FutPendingEntry *e);
/* The entries of @uid (all when @uid is (uid_t)-1), oldest first. Caller unrefs. */
GPtrArray *fut_pending_list(const gchar *state_dir, uid_t uid);
/* Pending (not redeemed, not expired at @now) entries of @uid. */
guint fut_pending_count(const gchar *state_dir, uid_t uid, gint64 now);
/* TRUE when @uid may make one more request: fewer than @max pending at @now. Else FALSE with
 * a one-line reason for the user (FUT_ERROR_REFUSED). */
gboolean fut_pending_room(const gchar *state_dir, uid_t uid, guint max, gint64 now, GError **error);
/* Removes entries expired before @now; returns them (their spool copies are the caller's to
 * remove). Caller unrefs. */
GPtrArray *fut_pending_purge(const gchar *state_dir, gint64 now);

G_END_DECLS
