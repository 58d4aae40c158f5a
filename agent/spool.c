/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "fastcopy.h"
#include "util.h"

/* Hashing reads this much at a time; lookups too. */
#define COPY_CHUNK   (1024 * 1024)
/* The copier's step: the quota is reserved, the limit checked and the hasher woken per
 * chunk. Large, so the kernel copies in few calls (issue 18). */
#define INGEST_CHUNK (16 * 1024 * 1024)
/* Past the size fstat gave (a file that grows), small steps: little reserved at a time. */
#define GROW_CHUNK   (64 * 1024)
/* Files up to this size are spooled in memory (FutSpoolEntry.mem) and hashed after the
 * copy, without a thread of their own: for them neither an inode nor a thread per file pays
 * (issue 18). A user's files in memory at once are bounded by their connections. */
#define MEM_MAX      (1024 * 1024)
#define SPOOL_DATA   ".data"
#define SPOOL_PART   ".part"

void
fut_spool_entry_free(FutSpoolEntry *e)
{
	if (e == NULL)
		return;
	if (e->fd >= 0)
		close(e->fd);
	if (e->quota != NULL && e->reserved > 0)
		fut_spool_quota_release(e->quota, e->uid, e->reserved);
	if (e->part != NULL)
		unlink(e->part);
	g_free(e->part);
	g_free(e->id);
	g_free(e->path);
	g_free(e->dir);
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

/* The quota of callers that pass none: entries hold reservations in it until freed. */
static FutSpoolQuota *
default_quota(void)
{
	static gsize once = 0;
	static FutSpoolQuota *q;

	if (g_once_init_enter(&once)) {
		q = fut_spool_quota_new();
		g_once_init_leave(&once, 1);
	}
	return q;
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

/* --- ingest: the copier and the hasher behind it --------------------------------------- */

typedef struct {
	int fd; /* the spooled copy */
	GMutex lock;
	GCond cond;
	guint64 ready;     /* bytes the copier has finished */
	gboolean finished; /* @ready is final */
	gboolean stop;     /* the copy failed: give up */
	gboolean ok;
	FutSha256 *sha;
} Hasher;

static gpointer
hasher_run(gpointer data)
{
	Hasher *h = data;
	g_autofree guint8 *buf = g_malloc(COPY_CHUNK);
	guint64 off = 0;

	for (;;) {
		guint64 upto;
		gboolean finished;

		g_mutex_lock(&h->lock);
		while (!h->stop && !h->finished && h->ready == off)
			g_cond_wait(&h->cond, &h->lock);
		upto = h->ready;
		finished = h->finished;
		if (h->stop) {
			g_mutex_unlock(&h->lock);
			return NULL;
		}
		g_mutex_unlock(&h->lock);
		if (finished && off == upto) {
			h->ok = TRUE;
			return NULL;
		}
		/* Bytes below @ready are written and only the agent writes the copy: what is read
		 * here is what the copy holds (from the page cache, just written). */
		while (off < upto) {
			ssize_t n =
			    pread(h->fd, buf, (gsize)MIN(upto - off, COPY_CHUNK), (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return NULL;
			fut_sha256_update(h->sha, buf, (gsize)n);
			off += (guint64)n;
		}
	}
}

static void
hasher_publish(Hasher *h, guint64 ready, gboolean finished, gboolean stop)
{
	g_mutex_lock(&h->lock);
	h->ready = ready;
	h->finished = finished;
	h->stop = stop;
	g_cond_signal(&h->cond);
	g_mutex_unlock(&h->lock);
}

/* An unnamed file in the user's spool folder for @e (or <id>.part where the filesystem has
 * no O_TMPFILE). Returns the descriptor, or -1 with @error. */
static int
disk_open(FutSpoolEntry *e, GError **error)
{
	int fd = open(e->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* No O_TMPFILE on this filesystem (EISDIR from kernels that predate it): a
		 * named partial copy, removed with the entry or at the next start. */
		g_autofree gchar *base = g_strconcat(e->id, SPOOL_PART, NULL);
		e->part = g_build_filename(e->dir, base, NULL);
		fd = open(e->part, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			g_clear_pointer(&e->part, g_free);
	}
	if (fd < 0)
		fut_error_set_errno(error, errno, _("the spool"));
	return fd;
}

/* Moves @e's first @len bytes from memory to a file on the spool's filesystem (its bytes
 * were reserved in the quota as they were copied in). */
static gboolean
mem_to_disk(FutSpoolEntry *e, guint64 len, GError **error)
{
	FutCopyMode mode = FUT_COPY_RANGE;
	guint64 in_off = 0, out_off = 0;
	int fd;

	if (!e->mem)
		return TRUE;
	fd = disk_open(e, error);
	if (fd < 0)
		return FALSE;
	while (in_off < len) {
		gssize n = fut_copy_chunk(e->fd, &in_off, fd, &out_off,
		                          (gsize)MIN(len - in_off, (guint64)INGEST_CHUNK), &mode);
		if (n <= 0) {
			close(fd);
			if (e->part != NULL) {
				unlink(e->part);
				g_clear_pointer(&e->part, g_free);
			}
			return fut_error_set_errno(error, n < 0 ? (int)-n : EIO, _("the spool"));
		}
	}
	close(e->fd);
	e->fd = fd;
	e->mem = FALSE;
	return TRUE;
}

/* Copies @src into @e (its descriptor), reserving in the quota as it goes, and publishes
 * progress to @h. Returns FALSE with @error; @e->reserved holds what was reserved. */
static gboolean
ingest_copy(FutSpoolEntry *e,
            const gchar *spool_dir,
            int src,
            guint64 size,
            guint64 max_file,
            guint64 max_uid_total,
            Hasher *h,
            FutSpoolProgress progress,
            gpointer progress_data,
            GError **error)
{
	FutCopyMode mode = FUT_COPY_RANGE;
	guint64 off = 0, out_off = 0;

	/* A reflink is a snapshot at once; what follows copies only what was added since. */
	if (size > 0 &&
	    fut_spool_quota_reserve(e->quota, spool_dir, e->uid, size, max_uid_total, NULL)) {
		struct stat st;
		if (fut_copy_clone(src, e->fd) == 0 && fstat(e->fd, &st) == 0 &&
		    (guint64)st.st_size <= size) {
			e->reserved += (guint64)st.st_size;
			fut_spool_quota_release(e->quota, e->uid, size - (guint64)st.st_size);
			off = out_off = (guint64)st.st_size;
			hasher_publish(h, off, FALSE, FALSE);
		} else {
			fut_spool_quota_release(e->quota, e->uid, size);
			/* Whatever a failed clone left: start from nothing. Only when it left
			 * something: on ext4 a truncate to zero arms the "replace by truncate"
			 * heuristic, and the next close of the copy (the scan's) would then push
			 * the whole spool copy to the disk, in the export's time and against its
			 * writes to the stick (issue 18; 0.44 s for 1 GiB here). */
			if ((fstat(e->fd, &st) < 0 || st.st_size != 0) && ftruncate(e->fd, 0) < 0)
				return fut_error_set_errno(error, errno, _("the spool"));
		}
	}
	/* Up to the size fstat gave: in the kernel, in large chunks, each reserved before it
	 * is copied (within what the first look found free). */
	while (off < size) {
		guint64 want = MIN(size - off, (guint64)INGEST_CHUNK);
		gssize n;

		if (!fut_spool_quota_reserve(e->quota, spool_dir, e->uid, want, max_uid_total,
		                             error))
			return FALSE;
		e->reserved += want;
		n = fut_copy_chunk(src, &off, e->fd, &out_off, (gsize)want, &mode);
		fut_spool_quota_release(e->quota, e->uid, want - (guint64)MAX(n, 0));
		e->reserved -= want - (guint64)MAX(n, 0);
		if (n < 0)
			return fut_error_set_errno(error, (int)-n,
			                           n == -ENOSPC || n == -EDQUOT || n == -EFBIG
			                               ? _("the spool")
			                               : _("copying the file to export"));
		/* The end as the kernel's copy sees it need not be the end reads give (FUSE,
		 * a file being written): reads decide, below. */
		if (n == 0)
			break;
		hasher_publish(h, off, FALSE, FALSE);
		if (progress != NULL)
			progress(off, size, progress_data);
	}
	/* Past it (a file that grows, or one whose size is not what it serves): read, then
	 * reserve exactly what was read, as the quota is kept for growing files (issue 16
	 * item 10), then write. */
	{
		g_autofree guint8 *buf = g_malloc(GROW_CHUNK);
		for (;;) {
			ssize_t n = pread(src, buf, GROW_CHUNK, (off_t)off);
			gsize w = 0;

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fut_error_set_errno(error, errno,
				                           _("reading the file to export"));
			if (n == 0)
				return TRUE;
			if (off + (guint64)n > max_file) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
				            _("the file grew past the export limit while it was "
				              "copied"));
				return FALSE;
			}
			if (!fut_spool_quota_reserve(e->quota, spool_dir, e->uid, (guint64)n,
			                             max_uid_total, error))
				return FALSE;
			e->reserved += (guint64)n;
			/* grown past what memory holds: on to the spool's filesystem */
			if (e->mem && off + (guint64)n > MEM_MAX) {
				if (!mem_to_disk(e, off, error))
					return FALSE;
				h->fd = e->fd;
			}
			while (w < (gsize)n) {
				ssize_t m = pwrite(e->fd, buf + w, (gsize)n - w, (off_t)(off + w));
				if (m < 0 && errno == EINTR)
					continue;
				if (m <= 0)
					return fut_error_set_errno(error, m < 0 ? errno : ENOSPC,
					                           _("the spool"));
				w += (gsize)m;
			}
			off += (guint64)n;
			hasher_publish(h, off, FALSE, FALSE);
			if (progress != NULL)
				progress(off, MAX(size, off), progress_data);
		}
	}
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
	return fut_spool_ingest_full(spool_dir, uid, src_fd, max_file, max_uid_total, quota,
	                             progress, progress_data, NULL, NULL, error);
}

FutSpoolEntry *
fut_spool_ingest_full(const gchar *spool_dir,
                      uid_t uid,
                      int src_fd,
                      guint64 max_file,
                      guint64 max_uid_total,
                      FutSpoolQuota *quota,
                      FutSpoolProgress progress,
                      gpointer progress_data,
                      FutSpoolCopied copied,
                      gpointer copied_data,
                      GError **error)
{
	g_autoptr(FutSpoolEntry) e = g_new0(FutSpoolEntry, 1);
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree gchar *dir = uid_dir(spool_dir, uid);
	Hasher h = {0};
	GThread *thread;
	guint8 rnd[16];
	struct stat st;
	gboolean ok;

	e->fd = -1;
	e->uid = uid;
	e->quota = quota != NULL ? quota : default_quota();
	if (!check_source(src_fd, &st, error))
		return NULL;
	if ((guint64)st.st_size > max_file) {
		g_autofree gchar *lim = g_format_size(max_file);
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("the file is larger than the export limit of %s"), lim);
		return NULL;
	}
	/* A first look with the size fstat gives; what counts is what is copied (below). */
	if (!fut_spool_quota_reserve(e->quota, spool_dir, uid, (guint64)st.st_size, max_uid_total,
	                             error))
		return NULL;
	fut_spool_quota_release(e->quota, uid, (guint64)st.st_size);
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fut_error_set_errno(error, errno, dir), NULL;
	if (!fut_random_bytes(rnd, sizeof(rnd), error))
		return NULL;
	e->id = fut_hex_encode(rnd, sizeof(rnd));
	/* Unnamed: nothing to clean up after a crash, nothing for anyone to open by name. A
	 * small file's copy in memory, a larger one's on the spool's filesystem. */
	e->dir = g_strdup(dir);
	if ((guint64)st.st_size <= MEM_MAX) {
		e->fd = memfd_create("futari-spool", MFD_CLOEXEC);
		e->mem = e->fd >= 0;
	}
	if (e->fd < 0 && (e->fd = disk_open(e, error)) < 0)
		return NULL;

	h.fd = e->fd;
	h.sha = sha;
	g_mutex_init(&h.lock);
	g_cond_init(&h.cond);
	/* A small file is hashed after its copy: a thread would cost more than it saves. */
	thread = e->mem ? NULL : g_thread_try_new("futari-spool-hash", hasher_run, &h, NULL);
	ok = ingest_copy(e, spool_dir, src_fd, (guint64)st.st_size, max_file, max_uid_total, &h,
	                 progress, progress_data, error);
	if (thread != NULL) {
		hasher_publish(&h, h.ready, ok, !ok);
		/* The copy is final: the caller reads it while the hasher catches up. */
		if (ok && copied != NULL) {
			int rfd = fut_spool_entry_open(e, NULL);
			if (rfd >= 0)
				copied(rfd, copied_data);
		}
		g_thread_join(thread);
	} else if (ok) {
		/* No thread to be had: hash here, after the copy. */
		hasher_publish(&h, h.ready, TRUE, FALSE);
		hasher_run(&h);
	}
	g_mutex_clear(&h.lock);
	g_cond_clear(&h.cond);
	if (!ok)
		return NULL;
	if (!h.ok) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("reading back the spooled copy failed"));
		return NULL;
	}
	e->size = h.ready;
	fut_sha256_finish(sha, e->sha256);
	return g_steal_pointer(&e);
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
	int fd;

	if (e->fd >= 0) {
		/* A description of its own (offset, read-only) for the classifier and the
		 * writer; /proc reopens even an unnamed file. */
		g_autofree gchar *self = g_strdup_printf("/proc/self/fd/%d", e->fd);
		fd = open(self, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fut_error_set_errno(error, errno, _("the spooled copy"));
		return fd;
	}
	fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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

	e->fd = -1;
	if (!id_valid(id)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("malformed spool id"));
		return NULL;
	}
	base = g_strconcat(id, SPOOL_DATA, NULL);
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
fut_spool_entry_sync(FutSpoolEntry *e, GError **error)
{
	int fd, dfd;

	/* A copy in memory goes to the spool's filesystem first, to be named there. */
	if (e->mem && !mem_to_disk(e, e->size, error))
		return FALSE;
	if (e->fd >= 0 && e->path == NULL) {
		const gchar *dir = e->dir;
		g_autofree gchar *base = g_strconcat(e->id, SPOOL_DATA, NULL);
		g_autofree gchar *path = g_build_filename(dir, base, NULL);
		g_autofree gchar *self = g_strdup_printf("/proc/self/fd/%d", e->fd);

		/* The data first, then the name: a name never points at a copy that is not
		 * on the disk (a crash in between leaves nothing). */
		if (fsync(e->fd) < 0)
			return fut_error_set_errno(error, errno, _("the spool"));
		if (e->part != NULL) {
			if (rename(e->part, path) < 0)
				return fut_error_set_errno(error, errno, path);
			g_clear_pointer(&e->part, g_free);
		} else if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0) {
			return fut_error_set_errno(error, errno, path);
		}
		e->path = g_steal_pointer(&path);
		/* Counted by fut_spool_usage() from here on: the reservation can go. */
		fut_spool_quota_release(e->quota, e->uid, e->reserved);
		e->reserved = 0;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0) {
			int err = errno;
			if (dfd >= 0)
				close(dfd);
			return fut_error_set_errno(error, err, dir);
		}
		close(dfd);
		return TRUE;
	}
	fd = fut_spool_entry_open(e, error);
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
