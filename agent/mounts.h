/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The mount table (/proc/self/mountinfo), read bounded. */

#define FUT_MOUNTINFO_MAX (4 * 1024 * 1024)

typedef struct {
	guint mount_id;
	guint major, minor;
	gchar *root;        /* path inside the filesystem */
	gchar *mount_point; /* unescaped */
	gchar *options;     /* per-mount options (ro/rw, nosuid, ...) */
	gchar *fs_type;
	gchar *source;
} FutMount;

void fut_mount_free(FutMount *m);

/* Parses mountinfo text. Returns an array of FutMount; malformed lines are refused. */
GPtrArray *fut_mounts_parse(const gchar *text, gsize len, GError **error);

/* Returns the mounts of the block device @major:@minor from /proc/self/mountinfo. Caller
 * unrefs. */
GPtrArray *fut_mounts_for_device(guint major, guint minor, GError **error);

/* Makes the mount at @mount_point read-only for its own users (a per-mount flag, like
 * `mount -o remount,bind,ro`), keeping its nosuid, nodev, noexec and atime flags. */
gboolean fut_mount_set_readonly(const gchar *mount_point, GError **error);

/* TRUE when @path is a mount point in this mount namespace. */
gboolean fut_mounts_is_mount_point(const gchar *path);

G_END_DECLS
