/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

#define COPY_CHUNK (1024 * 1024)
#define SPOOL_DATA ".data"
#define SPOOL_PART ".part"

void
fut_spool_entry_free(FutSpoolEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->id);
	g_free(e->path);
	g_free(e);
}

static gchar *
uid_dir(const gchar *spool_dir, uid_t uid)
{
	g_autofree gchar *u = g_strdup_printf("%u", (guint)uid);
	return g_build_filename(spool_dir, u, NULL);
}

guint64
fut_spool_usage(const gchar *spool_dir, uid_t uid)
{
	g_autofree gchar *dir = uid_dir(spool_dir, uid);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint64 total = 0;

	if (d == NULL)
		return 0;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = NULL;
		struct stat st;
		/* Copies being made (.part) are counted by the quota's reservations. */
		if (!g_str_has_suffix(name, SPOOL_DATA))
			continue;
		p = g_build_filename(dir, name, NULL);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (guint64)st.st_size;
	}
	return total;
}

/* --- the quota across parallel copies ------------------------------------------------- */

struct _FutSpoolQuota {
	GMutex lock;
	GHashTable *in_flight; /* uid -> bytes reserved by copies being made */
};

FutSpoolQuota *
fut_spool_quota_new(void)
{
	FutSpoolQuota *q = g_new0(FutSpoolQuota, 1);
	g_mutex_init(&q->lock);
	q->in_flight = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	return q;
}

void
fut_spool_quota_free(FutSpoolQuota *q)
{
	if (q == NULL)
		return;
	g_hash_table_unref(q->in_flight);
	g_mutex_clear(&q->lock);
	g_free(q);
}

static guint64 *
in_flight_locked(FutSpoolQuota *q, uid_t uid)
{
	guint64 *v = g_hash_table_lookup(q->in_flight, GUINT_TO_POINTER(uid));
	if (v == NULL) {
		v = g_new0(guint64, 1);
		g_hash_table_insert(q->in_flight, GUINT_TO_POINTER(uid), v);
	}
	return v;
}

guint64
fut_spool_quota_in_flight(FutSpoolQuota *q, uid_t uid)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&q->lock);
	guint64 *v = g_hash_table_lookup(q->in_flight, GUINT_TO_POINTER(uid));
	return v != NULL ? *v : 0;
}

gboolean
fut_spool_quota_reserve(FutSpoolQuota *q,
                        const gchar *spool_dir,
                        uid_t uid,
                        guint64 bytes,
                        guint64 max_uid_total,
                        GError **error)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&q->lock);
	guint64 *v = in_flight_locked(q, uid);
	guint64 used = fut_spool_usage(spool_dir, uid);

	if (used > max_uid_total || *v > max_uid_total - used ||
	    bytes > max_uid_total - used - *v) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("your exports in progress and waiting for approval already use the "
		              "spool space allowed: wait, redeem or let old requests expire"));
		return FALSE;
	}
	*v += bytes;
	return TRUE;
}

void
fut_spool_quota_release(FutSpoolQuota *q, uid_t uid, guint64 bytes)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&q->lock);
	guint64 *v = in_flight_locked(q, uid);

	*v -= MIN(*v, bytes);
	if (*v == 0)
		g_hash_table_remove(q->in_flight, GUINT_TO_POINTER(uid));
}

static gboolean
check_source(int fd, struct stat *st, GError **error)
{
	int fl;

	if (fstat(fd, st) < 0)
		return fut_error_set_errno(error, errno, _("the file to export"));
	if (S_ISDIR(st->st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("a directory cannot be exported: export the files in it"));
		return FALSE;
	}
	if (!S_ISREG(st->st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("only regular files can be exported (not a FIFO, device or socket)"));
		return FALSE;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("the file was not opened for reading"));
		return FALSE;
	}
	return TRUE;
}

FutSpoolEntry *
fut_spool_ingest(const gchar *spool_dir,
                 uid_t uid,
                 int src_fd,
                 guint64 max_file,
                 guint64 max_uid_total,
                 FutSpoolQuota *quota,
                 FutSpoolProgress progress,
                 gpointer progress_data,
                 GError **error)
{
	g_autoptr(FutSpoolQuota) own = quota == NULL ? fut_spool_quota_new() : NULL;
	g_autoptr(FutSpoolEntry) e = g_new0(FutSpoolEntry, 1);
	g_autofree gchar *part = NULL;
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree gchar *dir = uid_dir(spool_dir, uid);
	g_autofree guint8 *buf = NULL;
	guint8 rnd[16];
	struct stat st;
	guint64 off = 0, reserved = 0;
	int out;

	if (quota == NULL)
		quota = own;
	if (!check_source(src_fd, &st, error))
		return NULL;
	if ((guint64)st.st_size > max_file) {
		g_autofree gchar *lim = g_format_size(max_file);
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("the file is larger than the export limit of %s"), lim);
		return NULL;
	}
	/* A first look with the size fstat gives; what counts is what is copied (below). */
	if (!fut_spool_quota_reserve(quota, spool_dir, uid, (guint64)st.st_size, max_uid_total,
	                             error))
		return NULL;
	fut_spool_quota_release(quota, uid, (guint64)st.st_size);
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fut_error_set_errno(error, errno, dir), NULL;
	if (!fut_random_bytes(rnd, sizeof(rnd), error))
		return NULL;
	e->id = fut_hex_encode(rnd, sizeof(rnd));
	e->uid = uid;
	{
		g_autofree gchar *base = g_strconcat(e->id, SPOOL_DATA, NULL);
		g_autofree gchar *pbase = g_strconcat(e->id, SPOOL_PART, NULL);
		e->path = g_build_filename(dir, base, NULL);
		part = g_build_filename(dir, pbase, NULL);
	}
	out = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return fut_error_set_errno(error, errno, part), NULL;
	buf = g_malloc(COPY_CHUNK);
	for (;;) {
		ssize_t n = pread(src_fd, buf, COPY_CHUNK, (off_t)off);
		gsize w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fut_error_set_errno(error, errno, _("reading the file to export"));
			goto fail;
		}
		if (n == 0)
			break;
		/* The file may grow while it is copied: the limits hold for what is read, and
		 * the quota for what all of the user's copies have read (issue 16 item 10). */
		if (off + (guint64)n > max_file) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("the file grew past the export limit while it was copied"));
			goto fail;
		}
		if (!fut_spool_quota_reserve(quota, spool_dir, uid, (guint64)n, max_uid_total,
		                             error))
			goto fail;
		reserved += (guint64)n;
		fut_sha256_update(sha, buf, (gsize)n);
		while (w < (gsize)n) {
			ssize_t m = write(out, buf + w, (gsize)n - w);
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0) {
				fut_error_set_errno(error, m < 0 ? errno : ENOSPC, _("the spool"));
				goto fail;
			}
			w += (gsize)m;
		}
		off += (guint64)n;
		if (progress != NULL)
			progress(off, (guint64)st.st_size, progress_data);
	}
	/* Not fsynced here: a Class III copy lives for seconds. fut_spool_entry_sync() makes a
	 * copy durable before a request that waits for approval points at it. */
	if (close(out) < 0) {
		out = -1;
		fut_error_set_errno(error, errno, _("the spool"));
		goto fail;
	}
	out = -1;
	/* Counted by fut_spool_usage() from here on: the reservation can go. */
	if (rename(part, e->path) < 0) {
		fut_error_set_errno(error, errno, _("the spool"));
		goto fail;
	}
	fut_spool_quota_release(quota, uid, reserved);
	e->size = off;
	fut_sha256_finish(sha, e->sha256);
	return g_steal_pointer(&e);
fail:
	if (out >= 0)
		close(out);
	unlink(part);
	fut_spool_quota_release(quota, uid, reserved);
	return NULL;
}

void
fut_spool_remove_partial(const gchar *spool_dir)
{
	g_autoptr(GDir) top = g_dir_open(spool_dir, 0, NULL);
	const gchar *u;

	while (top != NULL && (u = g_dir_read_name(top)) != NULL) {
		g_autofree gchar *dir = g_build_filename(spool_dir, u, NULL);
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		const gchar *name;
		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *p = NULL;
			if (!g_str_has_suffix(name, SPOOL_PART))
				continue;
			p = g_build_filename(dir, name, NULL);
			unlink(p);
		}
	}
}

static gboolean
id_valid(const gchar *id)
{
	if (id == NULL || strlen(id) != 32)
		return FALSE;
	for (const gchar *p = id; *p != '\0'; p++) {
		if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
			return FALSE;
	}
	return TRUE;
}

int
fut_spool_entry_open(const FutSpoolEntry *e, GError **error)
{
	int fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fut_error_set_errno(error, errno, e->path);
	return fd;
}

FutSpoolEntry *
fut_spool_lookup(const gchar *spool_dir, uid_t uid, const gchar *id, GError **error)
{
	g_autoptr(FutSpoolEntry) e = g_new0(FutSpoolEntry, 1);
	g_autofree gchar *dir = uid_dir(spool_dir, uid);
	g_autofree gchar *base = NULL;
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = NULL;
	int fd;

	if (!id_valid(id)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("malformed spool id"));
		return NULL;
	}
	base = g_strconcat(id, ".data", NULL);
	e->id = g_strdup(id);
	e->uid = uid;
	e->path = g_build_filename(dir, base, NULL);
	fd = fut_spool_entry_open(e, error);
	if (fd < 0)
		return NULL;
	buf = g_malloc(COPY_CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fut_error_set_errno(error, errno, e->path);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		fut_sha256_update(sha, buf, (gsize)n);
		e->size += (guint64)n;
	}
	close(fd);
	fut_sha256_finish(sha, e->sha256);
	return g_steal_pointer(&e);
}

void
fut_spool_entry_remove(const FutSpoolEntry *e)
{
	if (e != NULL && e->path != NULL)
		unlink(e->path);
}

gboolean
fut_spool_entry_sync(const FutSpoolEntry *e, GError **error)
{
	int fd = fut_spool_entry_open(e, error);

	if (fd < 0)
		return FALSE;
	if (fsync(fd) < 0) {
		int err = errno;
		close(fd);
		return fut_error_set_errno(error, err, e->path);
	}
	close(fd);
	return TRUE;
}
