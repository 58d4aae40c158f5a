/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

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

gboolean
fw_fd_ident(int fd, Ident *ret)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
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

gboolean
fw_path_under(const gchar *path, const gchar *prefix)
{
	gsize n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n) != 0)
		return FALSE;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && prefix[0] == '/');
}
