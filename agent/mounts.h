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

/* Which mount tables changed since a pass over every namespace (issue 18): the write path
 * repeats the pass before each batch only when one did, or when the last one is older than
 * it allows, not on every batch. A FutMountWatch keeps the mountinfo of every namespace the
 * pass read open (at most FUT_MOUNT_WATCH_MAX; past that it stays unarmed); the kernel
 * flags such a file for poll() (POLLPRI) when a mount of its namespace is added, removed or
 * remounted. A namespace made after the pass is not among them: hence the age limit. */
#define FUT_MOUNT_WATCH_MAX 256
typedef struct _FutMountWatch FutMountWatch;
FutMountWatch *fut_mount_watch_new(void);
void fut_mount_watch_free(FutMountWatch *w);
/* Closes every table @w keeps (no namespace stays held by it) and unarms it. */
void fut_mount_watch_disarm(FutMountWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutMountWatch, fut_mount_watch_free)
/* TRUE when @w was armed by a pass that succeeded less than @max_age_us ago and no table it
 * keeps changed since; FALSE otherwise (also when @w is NULL or unarmed). */
gboolean fut_mount_watch_unchanged(FutMountWatch *w, gint64 max_age_us);

/* fut_mounts_make_readonly_everywhere(), arming @watch (may be NULL) when it succeeds:
 * with the tables of its own pass when it found nothing writable, else with those of the
 * verifying pass after its changes. A failure leaves @watch unarmed. */
gboolean fut_mounts_make_readonly_everywhere_watch(guint major,
                                                   guint minor,
                                                   const gchar *except,
                                                   gboolean superblock,
                                                   FutMountWatch *watch,
                                                   GError **error);

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
