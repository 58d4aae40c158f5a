/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The export write path (DESIGN §6). The only way futari writes to USB storage:
 *
 *   1. every existing mount of the filesystem gets the per-mount read-only flag (users keep
 *      EROFS through it for the whole operation);
 *   2. the agent mounts the volume read-only on a root-only directory in its state dir;
 *   3. BLKROSET is cleared on the volume, the agent's mount alone is made read-write
 *      (per-mount flag, then the superblock);
 *   4. the caller's function writes a batch of files (O_CREAT|O_EXCL|O_NOFOLLOW, one flush);
 *   5. the superblock is made read-only again, BLKROSET is set, the private mount goes.
 *
 * Before each step a state file (<state-dir>/write-MAJ-MIN.state, written durably) records
 * where the operation is, so an agent killed at any point restores read-only on its next
 * start (fut_write_path_recover) and settles the files it left (fut_write_path_clean_leftover). */

typedef struct _FutWriteTarget {
	const gchar *state_dir;
	const gchar *devnode; /* the volume: a partition, or the whole disk */
	guint major, minor;
	/* The whole disk when the volume is a partition, else NULL: the kernel counts a
	 * partition read-only while its disk is, so both are cleared and both restored. */
	const gchar *disk_devnode;
	guint disk_major, disk_minor; /* of @disk_devnode */
	const gchar *fs_type;         /* as udev reports it (ext4, vfat, exfat...) */
	const gchar *fs_uuid;         /* may be NULL */
	/* Called with TRUE before a write session opens the volume and with FALSE once it is
	 * read-only again (the USB store's busy mark); may be NULL. @hold_data must outlive
	 * the session. */
	void (*hold)(gpointer hold_data, const struct _FutWriteTarget *t, gboolean busy);
	gpointer hold_data;
} FutWriteTarget;

typedef struct _FutWritePath FutWritePath;

/* One file of a write session: its temporary name while it is written, and its final name
 * once one is chosen (NULL before), both relative to the volume's top. */
typedef struct {
	gchar *partial;
	gchar *named;
} FutWriteFile;

/* One caller's job in a write session: @data as given to fut_write_path_run(), and the
 * job's own failure (set by the batch function; NULL: the job succeeded). */
typedef struct {
	gpointer data;
	GError *error;
} FutWriteItem;

/* Writes the @n jobs @items below @rootfd (the volume's top directory, opened O_DIRECTORY
 * on the private read-write mount) as one batch (group commit, issue 18). Before creating a
 * file it names it with fut_write_path_note_files() so a crash can be cleaned up; on failure
 * it removes what it created. A job that fails alone gets its item's error; returns FALSE
 * (with @error, which every job without its own error then gets) when the session itself
 * failed. */
typedef gboolean (*FutWriteFunc)(
    FutWritePath *wp, int rootfd, FutWriteItem *const *items, guint n, GError **error);

/* Before each batch of an open session every mount of the volume in every namespace is
 * made read-only again; the pass over every namespace is repeated when a mount table it
 * read changed, and at least this often (a namespace made after it is not watched). */
#define FUT_WRITE_MOUNTS_RECHECK_US (G_USEC_PER_SEC / 2)

/* How long a session with nobody waiting stays open for the next job before it closes. */
#define FUT_WRITE_LINGER_US (25 * 1000)

/* How long a job waits for its turn in a busy write session by default (seconds). */
#define FUT_WRITE_QUEUE_SECONDS_DEFAULT 300

/* Runs @func for @data inside the write path for @target. Jobs for the same volume that
 * call this while a write session is open for it queue in that session (one private mount,
 * one protect/restore for all of them); whichever waiting job gets the turn next runs @func
 * once for every job queued with the same @func (a batch); the one that finds nobody
 * waiting after its batch closes the session: read-only again and verified before it
 * returns. A job that waited @queue_seconds (0: the default) without its turn is refused
 * with a reason. Returns FALSE when any step of the job failed; the device is read-only
 * again in every case that the kernel allows (a device pulled out mid-write has nothing
 * left to protect). */
gboolean fut_write_path_run(const FutWriteTarget *target,
                            FutWriteFunc func,
                            gpointer data,
                            guint queue_seconds,
                            GError **error);

/* Replaces the files the state file names with @files (@n of them; copied) and saves the
 * state durably, once for the whole batch: recovery then knows every temporary and final
 * name a crash could leave. @n == 0: the batch is done (every file is logged or removed). */
gboolean
fut_write_path_note_files(FutWritePath *wp, const FutWriteFile *files, guint n, GError **error);

/* The batch is settled (every file logged and named, or removed): forgets its files without
 * a save of its own, one flush less per batch. The next save writes the state without them:
 * the next batch's names (saved before it creates anything) or the session's last step. A
 * crash before that finds only settled files named: recovery repeats the rename of a logged
 * one (a no-op) and removes the others by names no later file can have taken. */
void fut_write_path_forget_files(FutWritePath *wp);

/* Marks the start of a step in the state file (and honours FUTARI_TEST_PAUSE_AT, see
 * docs/agent.md). */
gboolean fut_write_path_step(FutWritePath *wp, const gchar *step, GError **error);

/* A write path that did not finish (the agent died): what recovery found. */
typedef struct {
	gchar *state_file;
	gchar *devnode;
	gchar *disk_devnode; /* or NULL */
	guint major, minor;
	gchar *fs_type;
	gchar *fs_uuid;
	gchar *step;
	/* the files the session was writing (partial and, when chosen, final names) */
	FutWriteFile *files;
	guint n_files;
	/* the log's month ("YYYY-MM") when the batch was noted, or NULL (unknown: every
	 * month is read) */
	gchar *log_month;
} FutWriteLeftover;

void fut_write_leftover_free(FutWriteLeftover *l);

/* Called at start, before USB enforcement begins: for every state file, unmounts the private
 * mount (after making it read-only) and sets BLKROSET on the volume if it still exists.
 * Returns the leftovers (FutWriteLeftover); those without files are done and their state
 * files removed. Caller unrefs. */
GPtrArray *fut_write_path_recover(const gchar *state_dir, GError **error);

/* Says whether the log holds the export of @f (its export.written record, not withdrawn),
 * looking from @log_month (the leftover's, or NULL: every month): recovery then keeps the
 * file, else removes it. */
typedef gboolean (*FutWriteLoggedFunc)(const FutWriteFile *f,
                                       const gchar *log_month,
                                       gpointer user_data);

/* Whether the egress log in @log_dir holds the export.written record of the file written
 * under the temporary name @partial (its base name is compared with detail.partial) and no
 * export.failed record after it that withdraws it (detail.retracts), reading every month
 * file from @since_month ("YYYY-MM"; NULL or not a month: every month) to the newest, so a
 * batch begun months before the crash is still found. A log that cannot be read answers
 * TRUE: recovery never removes a file the log may say was written. */
gboolean
fut_write_log_holds_written(const gchar *log_dir, const gchar *since_month, const gchar *partial);

/* The object.path of every file the egress log in @log_dir says was written for request
 * @request_id (export.written records carrying it, less those an export.failed record
 * withdraws), reading every month file from @since_month ("YYYY-MM"; NULL: every month) on.
 * A redeem asks it so that a file whose record is durable but whose mark in the pending
 * entry was not saved (the agent killed in between) is not written twice. NULL with @error
 * when the log cannot be read (the caller refuses rather than guess). Caller unrefs. */
GHashTable *fut_write_log_request_written(const gchar *log_dir,
                                          const gchar *since_month,
                                          const gchar *request_id,
                                          GError **error);

/* The month ("YYYY-MM") of the log file being written now, saved with the next
 * fut_write_path_note_files(): every record of the batch is in that month file or a later
 * one. NULL: unknown. */
void fut_write_path_set_log_month(FutWritePath *wp, const gchar *month);

/* Settles the files of @l through the write path (the volume must be attached with the same
 * filesystem UUID), then removes the state file: a file the log holds the export of
 * (@logged) keeps its final name (its rename is completed if the agent died before it);
 * every other file the session created is removed. Never removes a file the log says was
 * written. Stores in @ret_kept how many files were kept (may be NULL). */
gboolean fut_write_path_clean_leftover(const gchar *state_dir,
                                       const FutWriteLeftover *l,
                                       FutWriteLoggedFunc logged,
                                       gpointer logged_data,
                                       guint *ret_kept,
                                       GError **error);

G_END_DECLS
