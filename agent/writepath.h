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
 *   4. the caller's function writes (O_CREAT|O_EXCL|O_NOFOLLOW, fsync);
 *   5. the superblock is made read-only again, BLKROSET is set, the private mount goes.
 *
 * Before each step a state file (<state-dir>/write-MAJ-MIN.state, written durably) records
 * where the operation is, so an agent killed at any point restores read-only on its next
 * start (fut_write_path_recover) and removes the partial file it left. */

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

/* Writes what it must below @rootfd (the volume's top directory, opened O_DIRECTORY on the
 * private read-write mount). Before creating a file it calls fut_write_path_note_partial()
 * so a crash can be cleaned up. On failure it removes what it created. */
typedef gboolean (*FutWriteFunc)(FutWritePath *wp, int rootfd, gpointer data, GError **error);

/* Runs @func inside the write path for @target. Jobs for the same volume that call this
 * while a write session is open for it join that session and run in turn (one private
 * mount, one protect/restore for all of them); the job that finds nobody waiting after its
 * own file closes it: read-only again and verified before it returns. Returns FALSE when
 * any step failed;
 * the device is read-only again in every case that the kernel allows (a device pulled out
 * mid-write has nothing left to protect). */
gboolean
fut_write_path_run(const FutWriteTarget *target, FutWriteFunc func, gpointer data, GError **error);

/* Records @relpath (relative to the volume's top) as a file being written, so recovery
 * removes it if the agent dies before fut_write_path_note_partial(wp, NULL). */
gboolean fut_write_path_note_partial(FutWritePath *wp, const gchar *relpath, GError **error);

/* Clears the partial and the named file in one durable save: the file is logged. */
gboolean fut_write_path_note_done(FutWritePath *wp, GError **error);

/* Records @relpath as the file's final name from just before its rename until the log holds
 * the export (then NULL): recovery removes a file that was named but never logged. */
gboolean fut_write_path_note_named(FutWritePath *wp, const gchar *relpath, GError **error);

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
	gchar *partial; /* relative path of a partial file to remove, or NULL */
	gchar *named;   /* relative path of a named but unlogged file to remove, or NULL */
} FutWriteLeftover;

void fut_write_leftover_free(FutWriteLeftover *l);

/* Called at start, before USB enforcement begins: for every state file, unmounts the private
 * mount (after making it read-only) and sets BLKROSET on the volume if it still exists.
 * Returns the leftovers (FutWriteLeftover); those without a partial file are done and their
 * state files removed. Caller unrefs. */
GPtrArray *fut_write_path_recover(const gchar *state_dir, GError **error);

/* Removes the partial file of @l through the write path (the volume must be attached with
 * the same filesystem UUID), then removes the state file. */
gboolean
fut_write_path_clean_leftover(const gchar *state_dir, const FutWriteLeftover *l, GError **error);

G_END_DECLS
