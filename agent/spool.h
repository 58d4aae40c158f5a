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

typedef struct _FutSpoolQuota FutSpoolQuota;

typedef struct {
	gchar *id;   /* 32 lower-case hex characters */
	gchar *path; /* the copy's name in the spool, or NULL while it has none (below) */
	uid_t uid;
	guint64 size;
	guint8 sha256[FUT_SHA256_LEN];
	/* private: a copy made by fut_spool_ingest() is an unnamed file (O_TMPFILE) held by
	 * this descriptor, gone with it (and with the agent, whatever kills it), and counted in
	 * @quota by @reserved bytes until fut_spool_entry_sync() names it. -1 otherwise. */
	int fd;
	/* private: where the spool's filesystem has no O_TMPFILE (NFS, vfat), the copy is
	 * made under this name instead (<id>.part: removed with the entry, at the agent's next
	 * start if it was killed, and renamed to <id>.data by fut_spool_entry_sync()). */
	gchar *part;
	/* private: a small file's copy is held in memory instead (a memfd, @mem): no inode to
	 * create and free on the spool's filesystem per file, the cost that dominated a folder
	 * of small files (issue 18). Moved to an unnamed file on the spool's filesystem when it
	 * grows past FUT_SPOOL_MEM_MAX or must outlive the agent (fut_spool_entry_sync). */
	gboolean mem;
	gchar *dir; /* the user's spool folder */
	FutSpoolQuota *quota;
	guint64 reserved;
} FutSpoolEntry;

void fut_spool_entry_free(FutSpoolEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutSpoolEntry, fut_spool_entry_free)

/* Called now and then while copying, with bytes copied so far. */
typedef void (*FutSpoolProgress)(guint64 done, guint64 total, gpointer user_data);

/* Each user's spool quota across copies made at the same time (in several threads): the
 * copies in the spool (<id>.data) plus the bytes reserved by copies being made (<id>.part),
 * reserved as they are read, not from the size fstat gave at the start (a file can grow).
 * Thread-safe. */
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

/* Copies the file open at @src_fd (from offset 0; its offset is untouched) into the spool
 * of @uid: a reflink where the file and the spool share a filesystem that can (FICLONE),
 * else copied inside the kernel in large chunks (copy_file_range, sendfile), while another
 * thread hashes the copy behind the copier (issue 18), so the digest is that of the spooled
 * bytes. Refuses anything but a regular file opened for reading, a file over @max_file
 * bytes, and a copy that would take @uid's spool over @max_uid_total bytes counting the
 * copies other threads are making and holding under @quota (NULL: one quota for the whole
 * process, which must then outlive the entry). The copy is an unnamed file, not fsynced: a
 * Class III export reads it back from the page cache and it disappears with the entry; one
 * that must outlive a reboot is named and made durable by fut_spool_entry_sync(). On
 * failure nothing is left in the spool. Caller frees. */
FutSpoolEntry *fut_spool_ingest(const gchar *spool_dir,
                                uid_t uid,
                                int src_fd,
                                guint64 max_file,
                                guint64 max_uid_total,
                                FutSpoolQuota *quota,
                                FutSpoolProgress progress,
                                gpointer progress_data,
                                GError **error);

/* Called by fut_spool_ingest_full() once the copy is complete and will not change, while its
 * SHA-256 is still being computed on another thread: @fd is the copy, opened read-only for
 * the callee (who closes it), so the copy can be read (classified) while it is hashed. */
typedef void (*FutSpoolCopied)(int fd, gpointer user_data);

/* fut_spool_ingest() with @copied (may be NULL) called in the calling thread before the
 * digest is final; returns when both are done. */
FutSpoolEntry *fut_spool_ingest_full(const gchar *spool_dir,
                                     uid_t uid,
                                     int src_fd,
                                     guint64 max_file,
                                     guint64 max_uid_total,
                                     FutSpoolQuota *quota,
                                     FutSpoolProgress progress,
                                     gpointer progress_data,
                                     FutSpoolCopied copied,
                                     gpointer copied_data,
                                     GError **error);

/* Returns the spooled entry @id of @uid (size and digest recomputed from the copy, so a
 * changed copy is noticed), or NULL. Caller frees. */
FutSpoolEntry *fut_spool_lookup(const gchar *spool_dir, uid_t uid, const gchar *id, GError **error);

/* Opens the copy read-only (its own file offset; O_NOFOLLOW for a named copy). Returns -1
 * with @error on failure. */
int fut_spool_entry_open(const FutSpoolEntry *e, GError **error);

/* Makes the copy durable: names an unnamed copy <id>.data in the spool (from then on it
 * counts in fut_spool_usage(), and its reservation in the quota goes), fsyncs it and the
 * folder. */
gboolean fut_spool_entry_sync(FutSpoolEntry *e, GError **error);

/* Removes the copy's name, if it has one (an unnamed copy goes when the entry is freed). */
void fut_spool_entry_remove(const FutSpoolEntry *e);

/* Returns the bytes held in @uid's spool (complete copies). */
guint64 fut_spool_usage(const gchar *spool_dir, uid_t uid);

/* Removes copies left half made by an agent that stopped (at start). */
void fut_spool_remove_partial(const gchar *spool_dir);

G_END_DECLS
