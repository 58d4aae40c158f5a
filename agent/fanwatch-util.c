/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

void
fw_thread_setup(const gchar *name, gboolean background)
{
	static __thread gboolean done;

	if (done)
		return;
	done = TRUE;
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
	/* raising a thread's own nice value needs no privilege */
	if (background)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), NICE_BACKGROUND);
}

guint
fw_key_hash(gconstpointer p)
{
	const Key *k = p;
	return g_int64_hash(&k->ino) ^ (g_int64_hash(&k->dev) * 31u);
}

gboolean
fw_key_equal(gconstpointer a, gconstpointer b)
{
	const Key *x = a, *y = b;
	return x->dev == y->dev && x->ino == y->ino;
}

guint
fw_ident_hash(gconstpointer p)
{
	const Ident *i = p;
	guint64 h = i->ino * 0x9e3779b97f4a7c15ULL ^ i->dev ^ (i->size << 7) ^
	            (guint64)i->mtime_ns ^ ((guint64)i->ctime_ns << 3);
	return (guint)(h ^ (h >> 32));
}

gboolean
fw_ident_equal0(gconstpointer a, gconstpointer b)
{
	return fw_ident_equal(a, b);
}

Ident
fw_ident_of(const struct stat *st)
{
	Ident id = {
	    .dev = (guint64)st->st_dev,
	    .ino = (guint64)st->st_ino,
	    .size = (guint64)st->st_size,
	    .mtime_ns =
	        (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec,
	    .ctime_ns =
	        (gint64)st->st_ctim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_ctim.tv_nsec,
	};
	return id;
}

gboolean
fw_ident_equal(const Ident *a, const Ident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static void
stat_from_statx(const struct statx *sx, struct stat *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->st_dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
	ret->st_ino = (ino_t)sx->stx_ino;
	ret->st_mode = sx->stx_mode;
	ret->st_nlink = sx->stx_nlink;
	ret->st_uid = sx->stx_uid;
	ret->st_gid = sx->stx_gid;
	ret->st_size = (off_t)sx->stx_size;
	ret->st_mtim.tv_sec = sx->stx_mtime.tv_sec;
	ret->st_mtim.tv_nsec = sx->stx_mtime.tv_nsec;
	ret->st_ctim.tv_sec = sx->stx_ctime.tv_sec;
	ret->st_ctim.tv_nsec = sx->stx_ctime.tv_nsec;
}

/* statx() with AT_STATX_DONT_SYNC: a network or FUSE filesystem answers from what the
 * kernel has cached instead of asking its server (or a user's daemon that never answers). */
static gboolean
statx_nosync(int dirfd, const gchar *path, int flags, struct stat *ret)
{
	struct statx sx;

	if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx) != 0)
		return FALSE;
	if ((sx.stx_mask & (STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_MTIME |
	                    STATX_CTIME | STATX_UID)) !=
	    (STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_MTIME | STATX_CTIME |
	     STATX_UID))
		return FALSE;
	stat_from_statx(&sx, ret);
	return TRUE;
}

gboolean
fw_fd_stat(int fd, struct stat *ret)
{
	return statx_nosync(fd, "", AT_EMPTY_PATH, ret);
}

gboolean
fw_path_stat(const gchar *path, struct stat *ret)
{
	return statx_nosync(AT_FDCWD, path, 0, ret);
}

gboolean
fw_fd_ident(int fd, Ident *ret)
{
	struct stat st;

	if (!fw_fd_stat(fd, &st))
		return FALSE;
	*ret = fw_ident_of(&st);
	return TRUE;
}

gchar *
fw_fd_path(int fd)
{
	gchar link[64];
	gchar target[PATH_MAX];
	ssize_t n;

	g_snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof target);
	if (n < 0 || (gsize)n >= sizeof target)
		return NULL;
	return g_strndup(target, (gsize)n);
}

const gchar *
fw_path_below(const gchar *path, const gchar *prefix)
{
	gsize n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/' ? path : NULL;
	if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path + n;
}

gboolean
fw_path_under(const gchar *path, const gchar *prefix)
{
	return fw_path_below(path, prefix) != NULL;
}

#define MOUNTINFO_MAX (4 * 1024 * 1024)

/* Returns the file system type (mountinfo's field after " - ") of the mount whose device
 * is @dev, or NULL. Reads /proc/self/mountinfo: no file system is asked anything. */
gchar *
fw_fstype_of_dev(guint64 dev)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gsize len = 0;
	int fd;
	GString *buf;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = g_string_new(NULL);
	for (;;) {
		gchar chunk[8192];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf->len + (gsize)n > MOUNTINFO_MAX)
			break;
		g_string_append_len(buf, chunk, n);
	}
	close(fd);
	len = buf->len;
	text = g_string_free(buf, FALSE);
	if (len == 0)
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", -1);
		guint maj, min;
		const gchar *sep;

		if (g_strv_length(f) < 3 || sscanf(f[2], "%u:%u", &maj, &min) != 2 ||
		    (guint64)makedev(maj, min) != dev)
			continue;
		sep = strstr(lines[i], " - ");
		if (sep == NULL)
			continue;
		sep += 3;
		return g_strndup(sep, strcspn(sep, " "));
	}
	return NULL;
}

gboolean
fw_dev_watched(FutFanwatch *fw, guint64 dev)
{
	gboolean watched;

	g_mutex_lock(&fw->lock);
	watched = g_hash_table_contains(fw->marked_devs, &dev);
	g_mutex_unlock(&fw->lock);
	return watched;
}

gboolean
fw_on_fuse(FutFanwatch *fw, const struct stat *st)
{
	guint64 dev = (guint64)st->st_dev;
	gboolean fuse;

	g_mutex_lock(&fw->lock);
	fuse = g_hash_table_contains(fw->fuse_devs, &dev);
	g_mutex_unlock(&fw->lock);
	return fuse;
}
