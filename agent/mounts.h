/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The mount table (/proc/self/mountinfo), read bounded. */

#define FUT_MOUNTINFO_MAX        (4 * 1024 * 1024)
/* At most this many mount namespaces are looked at (each has its own table). */
#define FUT_MOUNT_NAMESPACES_MAX 4096

typedef struct {
	guint mount_id;
	guint major, minor;
	gchar *root;        /* path inside the filesystem */
	gchar *mount_point; /* unescaped */
	gchar *options;     /* per-mount options (ro/rw, nosuid, ...) */
	gchar *fs_type;
	gchar *source;
	gchar *super_options; /* the superblock's options (ro/rw, ...) */
	pid_t ns_pid;         /* a process in the mount namespace it was seen in; 0: ours */
} FutMount;

void fut_mount_free(FutMount *m);

/* Parses mountinfo text. Returns an array of FutMount; malformed lines are refused. */
GPtrArray *fut_mounts_parse(const gchar *text, gsize len, GError **error);

/* Returns the mounts of the block device @major:@minor from /proc/self/mountinfo. Caller
 * unrefs. */
GPtrArray *fut_mounts_for_device(guint major, guint minor, GError **error);

/* Returns the mounts of @major:@minor in every mount namespace on the system (walking
 * /proc/<pid>/mountinfo, one process per namespace), with ns_pid set for those not in ours:
 * a user's namespace may hold a writable mount made before enforcement (issue 16 item 4).
 * Caller unrefs. */
GPtrArray *fut_mounts_for_device_everywhere(guint major, guint minor, GError **error);

/* Makes every mount of @major:@minor read-only in every mount namespace (the per-mount
 * flag; in other namespaces from a child that joins them) but the one at @except in ours
 * (may be NULL), and with @superblock the superblock too; then verifies it with
 * fut_mounts_verify_readonly(). Fails (EBUSY: a file open for writing) when any could not
 * be. */
gboolean fut_mounts_make_readonly_everywhere(
    guint major, guint minor, const gchar *except, gboolean superblock, GError **error);

/* TRUE when no mount of @major:@minor in any namespace (but @except in ours) is writable:
 * neither its per-mount flag nor (with @superblock) its superblock says rw. */
gboolean fut_mounts_verify_readonly(
    guint major, guint minor, const gchar *except, gboolean superblock, GError **error);

/* Makes the mount at @mount_point read-only for its own users (a per-mount flag, like
 * `mount -o remount,bind,ro`), keeping its nosuid, nodev, noexec and atime flags. */
gboolean fut_mount_set_readonly(const gchar *mount_point, GError **error);

/* TRUE when @path is a mount point in this mount namespace. */
gboolean fut_mounts_is_mount_point(const gchar *path);

G_END_DECLS
