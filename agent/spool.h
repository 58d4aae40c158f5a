/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "crypto.h"

G_BEGIN_DECLS

/* The spool: the agent's own root-only copies of files being exported. The agent hashes and
 * classifies its copy, and writes that copy to the medium later, never the user's file
 * again, so the bytes approved are the bytes written (DESIGN §5). Layout:
 * <spool-dir>/<uid>/<id>.data, directories 0700, files 0600, all root's. */

typedef struct {
	gchar *id;   /* 32 lower-case hex characters */
	gchar *path; /* the copy */
	uid_t uid;
	guint64 size;
	guint8 sha256[FUT_SHA256_LEN];
} FutSpoolEntry;

void fut_spool_entry_free(FutSpoolEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutSpoolEntry, fut_spool_entry_free)

/* Called now and then while copying, with bytes copied so far. */
typedef void (*FutSpoolProgress)(guint64 done, guint64 total, gpointer user_data);

/* Each user's spool quota across copies made at the same time (in several threads): the
 * copies in the spool (<id>.data) plus the bytes reserved by copies being made (<id>.part),
 * reserved as they are read, not from the size fstat gave at the start (a file can grow).
 * Thread-safe. */
typedef struct _FutSpoolQuota FutSpoolQuota;
FutSpoolQuota *fut_spool_quota_new(void);
void fut_spool_quota_free(FutSpoolQuota *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutSpoolQuota, fut_spool_quota_free)
/* Reserves @bytes more for @uid, or refuses (FUT_ERROR_TOO_LARGE) when the spool and the
 * reservations would pass @max_uid_total. */
gboolean fut_spool_quota_reserve(FutSpoolQuota *q,
                                 const gchar *spool_dir,
                                 uid_t uid,
                                 guint64 bytes,
                                 guint64 max_uid_total,
                                 GError **error);
void fut_spool_quota_release(FutSpoolQuota *q, uid_t uid, guint64 bytes);
/* The bytes reserved now for @uid. */
guint64 fut_spool_quota_in_flight(FutSpoolQuota *q, uid_t uid);

/* Copies the file open at @src_fd (read with pread from offset 0; its offset is untouched)
 * into the spool of @uid while hashing it. Refuses anything but a regular file opened for
 * reading, a file over @max_file bytes, and a copy that would take @uid's spool over
 * @max_uid_total bytes counting the copies other threads are making under @quota (NULL: this
 * copy only). The copy is <id>.part until complete. On failure nothing is left in the
 * spool. Caller frees. */
FutSpoolEntry *fut_spool_ingest(const gchar *spool_dir,
                                uid_t uid,
                                int src_fd,
                                guint64 max_file,
                                guint64 max_uid_total,
                                FutSpoolQuota *quota,
                                FutSpoolProgress progress,
                                gpointer progress_data,
                                GError **error);

/* Returns the spooled entry @id of @uid (size and digest recomputed from the copy, so a
 * changed copy is noticed), or NULL. Caller frees. */
FutSpoolEntry *fut_spool_lookup(const gchar *spool_dir, uid_t uid, const gchar *id, GError **error);

/* Opens the copy read-only (O_NOFOLLOW). Returns -1 with @error on failure. */
int fut_spool_entry_open(const FutSpoolEntry *e, GError **error);

/* Makes the copy durable (fsync). */
gboolean fut_spool_entry_sync(const FutSpoolEntry *e, GError **error);

/* Removes the copy. */
void fut_spool_entry_remove(const FutSpoolEntry *e);

/* Returns the bytes held in @uid's spool (complete copies). */
guint64 fut_spool_usage(const gchar *spool_dir, uid_t uid);

/* Removes copies left half made by an agent that stopped (at start). */
void fut_spool_remove_partial(const gchar *spool_dir);

G_END_DECLS
