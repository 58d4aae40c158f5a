/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload control follows the mount table: the filesystem that holds a folder matching the
 * configured patterns (a tmpfs on /tmp or /dev/shm, /run/user/UID, /run/lock on /run's tmpfs,
 * /tmp on the root filesystem) is marked as soon as it appears, so a copy there is seen like
 * one in the home directory. A user's own FUSE filesystem is never marked from here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fanwatch-private.h"
#include "util.h"

#define MOUNTINFO_MAX (4 * 1024 * 1024)

static gchar *
read_mountinfo(int fd)
{
	GString *buf = g_string_new(NULL);

	if (lseek(fd, 0, SEEK_SET) != 0) {
		g_string_free(buf, TRUE);
		return NULL;
	}
	for (;;) {
		gchar chunk[16384];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf->len + (gsize)MAX(n, 0) > MOUNTINFO_MAX) {
			g_string_free(buf, TRUE);
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(buf, chunk, n);
	}
	return g_string_free(buf, FALSE);
}

gboolean
fw_parse_mountinfo_line(const gchar *line,
                        gchar **ret_mountpoint,
                        gchar **ret_fstype,
                        gchar **ret_superopts)
{
	g_auto(GStrv) f = g_strsplit(line, " ", -1);
	guint n = g_strv_length(f);
	guint sep = 0;

	/* id parent maj:min root mountpoint options [optional fields...] - fstype source opts */
	for (guint i = 6; i < n && sep == 0; i++) {
		if (strcmp(f[i], "-") == 0)
			sep = i;
	}
	if (sep == 0 || sep + 3 >= n || f[4][0] != '/' || f[sep + 1][0] == '\0')
		return FALSE;
	*ret_mountpoint = fut_mountinfo_unescape(f[4]);
	*ret_fstype = g_strdup(f[sep + 1]);
	*ret_superopts = g_strdup(f[sep + 3]);
	return TRUE;
}

/* A FUSE filesystem whose daemon is not root's: the kernel's own open of each event's file
 * (before the agent sees the event) goes to that daemon, which may never answer, and the
 * agent's reading of events would wait with it. Such a filesystem is not marked from the
 * mount table (an administrator may still list it in filesystems). */
gboolean
fw_is_user_fuse(const gchar *fstype, const gchar *superopts)
{
	g_auto(GStrv) opts = NULL;

	if (!g_str_has_prefix(fstype, "fuse"))
		return FALSE;
	opts = g_strsplit(superopts, ",", -1);
	for (guint i = 0; opts[i] != NULL; i++) {
		if (strcmp(opts[i], "user_id=0") == 0)
			return FALSE;
	}
	return TRUE;
}

/* Forgets the filesystems marked before that are no longer mounted: the kernel gives a new
 * tmpfs (the next login's /run/user/UID) the device number of one unmounted before, and
 * that new filesystem has no mark. @present: the devices in the mount table now. */
static void
forget_unmounted(FutFanwatch *fw, GHashTable *present)
{
	GHashTableIter it;
	gpointer key;

	g_mutex_lock(&fw->lock);
	g_hash_table_iter_init(&it, fw->marked_devs);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		if (!g_hash_table_contains(present, key)) {
			g_hash_table_remove(fw->fuse_devs, key);
			g_hash_table_iter_remove(&it);
		}
	}
	g_mutex_unlock(&fw->lock);
}

#define MOUNT_OTHER     GINT_TO_POINTER(1)
#define MOUNT_USER_FUSE GINT_TO_POINTER(2)

/* Marks the filesystem that holds @path now, unless that is a user's FUSE filesystem. The
 * path is opened O_PATH (no open of the file itself reaches its filesystem) and its mount
 * is told by the kernel (statx's mount id, without asking the filesystem), not guessed from
 * the table: a user who owns a watched mount point (/run/user/UID) and mounts their own FUSE
 * over it gets the FUSE filesystem's mount here, and it is not marked. @mounts: mount id to
 * whether it is a user's FUSE mount (MOUNT_USER_FUSE or MOUNT_OTHER), from the table read
 * just before; a mount newer than that read is left for the next scan (its change wakes the
 * scanner again). */
static gboolean
watch_checked(FutFanwatch *fw, const gchar *path, GHashTable *mounts)
{
	struct statx sx;
	gpointer kind;
	gboolean ok;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return FALSE;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) != 0 ||
	    (sx.stx_mask & STATX_MNT_ID) == 0) {
		close(fd);
		return FALSE;
	}
	kind = g_hash_table_lookup(mounts, &(guint64){sx.stx_mnt_id});
	if (kind != MOUNT_OTHER) {
		close(fd);
		return FALSE;
	}
	/* "." from the descriptor is the folder it holds, not a mount made on it since. */
	ok = fw_watch_fs_at(fw, fd, ".");
	close(fd);
	return ok;
}

static void
watch_and_count(FutFanwatch *fw, const gchar *path, GHashTable *mounts)
{
	guint before;

	g_mutex_lock(&fw->lock);
	before = g_hash_table_size(fw->marked_devs);
	g_mutex_unlock(&fw->lock);
	if (!watch_checked(fw, path, mounts))
		return;
	g_mutex_lock(&fw->lock);
	if (g_hash_table_size(fw->marked_devs) > before)
		fw->stats.mounts_marked++;
	g_mutex_unlock(&fw->lock);
}

static void
scan_text(FutFanwatch *fw, const gchar *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) present =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GHashTable) mounts =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 4);
		g_autofree gchar *mp = NULL;
		g_autofree gchar *fstype = NULL;
		g_autofree gchar *opts = NULL;
		guint maj, min;
		guint64 id;
		gchar *end = NULL;

		if (g_strv_length(f) >= 3 && sscanf(f[2], "%u:%u", &maj, &min) == 2) {
			guint64 dev = (guint64)makedev(maj, min);
			g_hash_table_add(present, g_memdup2(&dev, sizeof dev));
		}
		if (f[0] == NULL || !g_ascii_isdigit(f[0][0]))
			continue;
		id = g_ascii_strtoull(f[0], &end, 10);
		if (end == NULL || *end != '\0' ||
		    !fw_parse_mountinfo_line(lines[i], &mp, &fstype, &opts))
			continue;
		g_hash_table_replace(mounts, g_memdup2(&id, sizeof id),
		                     fw_is_user_fuse(fstype, opts) ? MOUNT_USER_FUSE : MOUNT_OTHER);
	}
	if (g_hash_table_size(present) > 0)
		forget_unmounted(fw, present);

	/* The filesystem holding each folder that matches, mount point or not: a tmpfs mounted
	 * on /run/user/UID later on, /run/lock on /run's tmpfs, /tmp on the root filesystem when
	 * /home is a partition of its own (fw_watch_fs_at() skips a filesystem marked already). A
	 * pattern is expanded by reading the folders above its last part; none of those is a
	 * user's (patterns name system folders), so nothing here waits on a user's daemon. */
	for (guint i = 0; fw->mount_patterns[i] != NULL; i++) {
		const gchar *pat = fw->mount_patterns[i];
		glob_t g;

		if (strpbrk(pat, "*?[") == NULL) {
			watch_and_count(fw, pat, mounts);
			continue;
		}
		memset(&g, 0, sizeof g);
		if (glob(pat, GLOB_NOSORT | GLOB_NOESCAPE | GLOB_PERIOD, NULL, &g) == 0) {
			for (gsize j = 0; j < g.gl_pathc; j++)
				watch_and_count(fw, g.gl_pathv[j], mounts);
		}
		globfree(&g);
	}
}

void
fw_mounts_scan(FutFanwatch *fw)
{
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	g_autofree gchar *text = NULL;

	if (fd < 0)
		return;
	text = read_mountinfo(fd);
	close(fd);
	if (text != NULL)
		scan_text(fw, text);
}

/* The kernel flags /proc/self/mountinfo with POLLPRI when the mount table changes. */
gpointer
fw_mounts_main(gpointer user_data)
{
	FutFanwatch *fw = user_data;
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		struct pollfd p[2] = {
		    {.fd = fd, .events = POLLPRI},
		    {.fd = fw->mounts_quit[0], .events = POLLIN},
		};
		g_autofree gchar *text = NULL;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0)
			break;
		if ((p[0].revents & (POLLPRI | POLLERR)) == 0)
			continue;
		text = read_mountinfo(fd);
		if (text != NULL)
			scan_text(fw, text);
	}
	close(fd);
	return NULL;
}
