/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "writepath.h"
#include "writepath-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "errors.h"
#include "mounts.h"
#include "usbstore.h"
#include "util.h"

struct _FutWritePath {
	const FutWriteTarget *t; /* == &own */
	FutWriteTarget own;      /* the session's copy: it outlives the job that opened it */
	gchar *state_file;
	gchar *mnt;
	gchar *step;
	GArray *files;    /* FutWriteFile: the batch being written, as the state file names it */
	gchar *log_month; /* the log's month when the batch was noted, or NULL */
	FutMountWatch *watch; /* the mount tables of the last pass over every namespace */
	gboolean mounted;
};

void
fut_write_file_clear(FutWriteFile *f)
{
	g_clear_pointer(&f->partial, g_free);
	g_clear_pointer(&f->named, g_free);
}

static gboolean
state_save(FutWritePath *wp, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *data = NULL;
	gsize len;

	g_key_file_set_string(kf, STATE_GROUP, "devnode", wp->t->devnode);
	if (wp->t->disk_devnode != NULL)
		g_key_file_set_string(kf, STATE_GROUP, "disk", wp->t->disk_devnode);
	g_key_file_set_uint64(kf, STATE_GROUP, "major", wp->t->major);
	g_key_file_set_uint64(kf, STATE_GROUP, "minor", wp->t->minor);
	g_key_file_set_string(kf, STATE_GROUP, "fs-type", wp->t->fs_type);
	if (wp->t->fs_uuid != NULL)
		g_key_file_set_string(kf, STATE_GROUP, "fs-uuid", wp->t->fs_uuid);
	g_key_file_set_string(kf, STATE_GROUP, "mnt", wp->mnt);
	g_key_file_set_string(kf, STATE_GROUP, "step", wp->step);
	if (wp->log_month != NULL && wp->files->len > 0)
		g_key_file_set_string(kf, STATE_GROUP, "log-month", wp->log_month);
	for (guint i = 0; i < wp->files->len; i++) {
		const FutWriteFile *f = &g_array_index(wp->files, FutWriteFile, i);
		g_autofree gchar *pk = g_strdup_printf("partial-%u", i);
		g_autofree gchar *nk = g_strdup_printf("named-%u", i);
		g_key_file_set_string(kf, STATE_GROUP, pk, f->partial);
		if (f->named != NULL)
			g_key_file_set_string(kf, STATE_GROUP, nk, f->named);
	}
	data = g_key_file_to_data(kf, &len, NULL);
	return g_file_set_contents_full(
	    wp->state_file, data, (gssize)len,
	    G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

/* The kill -9 tests stop the agent at a chosen step: with FUTARI_TEST_PAUSE_AT=STEP in its
 * environment (which only root controls) the agent creates <state-dir>/paused-STEP and
 * waits until that file is removed (at most 60 s), then goes on, each time it reaches the
 * step; STEP@N only the N-th time (a later file of one write session). */
static void
test_pause(FutWritePath *wp, const gchar *step)
{
	static gint reached;
	const gchar *want = g_getenv("FUTARI_TEST_PAUSE_AT");
	g_autofree gchar *marker = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *wstep = NULL;
	const gchar *at;
	guint64 nth = 1;

	if (want == NULL)
		return;
	at = strchr(want, '@');
	wstep = at != NULL ? g_strndup(want, (gsize)(at - want)) : g_strdup(want);
	if (!g_str_equal(wstep, step))
		return;
	if (at != NULL && !g_ascii_string_to_unsigned(at + 1, 10, 1, 1000, &nth, NULL))
		return;
	if (at != NULL && (guint64)g_atomic_int_add(&reached, 1) + 1 != nth)
		return;
	base = g_strconcat("paused-", step, NULL);
	marker = g_build_filename(wp->t->state_dir, base, NULL);
	if (!g_file_set_contents(marker, "", 0, NULL))
		return;
	for (guint i = 0; i < 600 && g_file_test(marker, G_FILE_TEST_EXISTS); i++)
		g_usleep(100 * 1000);
	g_unlink(marker);
}

/* The steps of a batch in a session (writing, synced, named, logged) only say where the
 * agent was: recovery does the same whatever the step (it acts on the files the state names,
 * saved durably before they are created or named, and asks the log which were written), so
 * they are kept in memory and reach the state file with its next save, not with one fsync
 * each. */
static gboolean
step_is_per_file(const gchar *step)
{
	return g_str_equal(step, "writing") || g_str_equal(step, "synced") ||
	       g_str_equal(step, "named") || g_str_equal(step, "logged");
}

gboolean
fut_write_path_step(FutWritePath *wp, const gchar *step, GError **error)
{
	g_free(wp->step);
	wp->step = g_strdup(step);
	if (!step_is_per_file(step) && !state_save(wp, error))
		return FALSE;
	test_pause(wp, step);
	return TRUE;
}

void
fut_write_path_set_log_month(FutWritePath *wp, const gchar *month)
{
	g_free(wp->log_month);
	wp->log_month = g_strdup(month);
}

gboolean
fut_write_path_note_files(FutWritePath *wp, const FutWriteFile *files, guint n, GError **error)
{
	if (n > FILES_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, "too many files in one batch");
		return FALSE;
	}
	g_array_set_size(wp->files, 0);
	for (guint i = 0; i < n; i++) {
		FutWriteFile f = {g_strdup(files[i].partial), g_strdup(files[i].named)};
		g_array_append_val(wp->files, f);
	}
	return state_save(wp, error);
}

void
fut_write_path_forget_files(FutWritePath *wp)
{
	g_array_set_size(wp->files, 0);
}

/* Puts everything back: superblock read-only, BLKROSET, private mount gone. Keeps going
 * after a failure, because each later step still helps. Returns FALSE with the first error
 * when the device could not be verified read-only. */
static gboolean
restore(FutWritePath *wp, GError **error)
{
	g_autoptr(GError) first = NULL;
	gboolean ro = FALSE;

	if (wp->mounted) {
		/* Flushes and makes the superblock read-only; EBUSY if something still writes
		 * (a file open for writing through a mount the per-mount flags could not reach):
		 * checked, never ignored (issue 16 item 4). */
		if (mount(NULL, wp->mnt, NULL, MS_REMOUNT | MS_RDONLY | PRIVATE_FLAGS, NULL) < 0) {
			int e = errno;
			sync();
			g_set_error(
			    &first, FUT_ERROR, FUT_ERROR_IO,
			    _("the stick's filesystem could not be made read-only again (%s)"),
			    e == EBUSY ? _("a file on it is open for writing") : g_strerror(e));
		}
	}
	/* A device that is gone (pulled out mid-write) needs no protection. */
	if (g_file_test(wp->t->devnode, G_FILE_TEST_EXISTS))
		fut_blockdev_set_readonly(wp->t->devnode, TRUE, first == NULL ? &first : NULL);
	if (wp->t->disk_devnode != NULL && g_file_test(wp->t->disk_devnode, G_FILE_TEST_EXISTS))
		fut_blockdev_set_readonly(wp->t->disk_devnode, TRUE, first == NULL ? &first : NULL);
	if (wp->mounted) {
		if (umount2(wp->mnt, 0) < 0)
			umount2(wp->mnt, MNT_DETACH);
		wp->mounted = FALSE;
	}
	g_rmdir(wp->mnt);
	/* The flag on the device is not enough: every mount and the superblock, everywhere. */
	if (first == NULL && g_file_test(wp->t->devnode, G_FILE_TEST_EXISTS))
		fut_mounts_verify_readonly(wp->t->major, wp->t->minor, NULL, TRUE, &first);
	if (first == NULL && g_file_test(wp->t->devnode, G_FILE_TEST_EXISTS) &&
	    (!fut_blockdev_get_readonly(wp->t->devnode, &ro, &first) || !ro) && first == NULL)
		g_set_error(&first, FUT_ERROR, FUT_ERROR_IO,
		            _("the device did not become read-only again"));
	if (first != NULL) {
		g_propagate_error(error, g_steal_pointer(&first));
		return FALSE;
	}
	return TRUE;
}

/* Every other mount of the volume, in every mount namespace, read-only for its users
 * before the agent's own mount becomes writable: a copy in a user's namespace would
 * otherwise write through the superblock the agent makes writable (issue 16 item 4). */
static gboolean
protect_user_mounts(FutWritePath *wp, GError **error)
{
	/* Before a batch of an open session, the pass is repeated only when a mount table it
	 * read changed since (a mount, unmount or remount in any namespace it saw), or when it
	 * is older than FUT_WRITE_MOUNTS_RECHECK_US (a namespace made since is not watched):
	 * the pass, a stat of every process's namespace and a read of every namespace's
	 * table, twice when it changes anything, was most of a small file's cost (issue 18). */
	if (fut_mount_watch_unchanged(wp->watch, FUT_WRITE_MOUNTS_RECHECK_US))
		return TRUE;
	return fut_mounts_make_readonly_everywhere_watch(wp->t->major, wp->t->minor, wp->mnt, FALSE,
	                                                 wp->watch, error);
}

static void
write_path_free(FutWritePath *wp)
{
	g_free((gchar *)wp->own.state_dir);
	g_free((gchar *)wp->own.devnode);
	g_free((gchar *)wp->own.disk_devnode);
	g_free((gchar *)wp->own.fs_type);
	g_free((gchar *)wp->own.fs_uuid);
	g_free(wp->state_file);
	g_free(wp->mnt);
	g_free(wp->step);
	g_free(wp->log_month);
	fut_mount_watch_free(wp->watch);
	g_array_unref(wp->files);
	g_free(wp);
}

/* --- the session ------------------------------------------------------------------------
 *
 * One write path serves every export job to the same volume that is ready while it is open
 * (issue 18): the first job opens it (steps begin to rw) and writes its batch; jobs that come
 * meanwhile queue; when a batch ends, one waiting job takes every job queued with the same
 * function as the next batch and writes them together (one state save before the files are
 * created, one flush of the stick, one log sync, one save after: group commit); the job that
 * finds nobody waiting after its batch restores read-only and verifies it. Jobs only join a
 * session that is open: a session never waits for a job to come. */

typedef struct {
	FutWriteItem item;
	FutWriteFunc func;
	gboolean taken; /* in a batch being written: it can no longer time out */
	gboolean done;
} Job;

typedef struct {
	FutWritePath *wp;
	int rootfd;
	GQueue queue;     /* Job*, waiting for a batch */
	guint refs;       /* the table's and each waiter's */
	gboolean writing; /* a batch is being written (or the session is being opened) */
	guint turns;      /* batches begun: a lingering writer sees another take over */
	gboolean closing; /* read-only being restored: the next job opens a new session */
} Session;

static GMutex sessions_lock;
static GCond sessions_cond;
static GHashTable *sessions; /* dev_t -> Session */

static void
session_unref(Session *s)
{
	if (--s->refs == 0)
		g_free(s);
}

static gboolean
same_volume(const FutWriteTarget *a, const FutWriteTarget *b)
{
	return g_strcmp0(a->devnode, b->devnode) == 0 &&
	       g_strcmp0(a->disk_devnode, b->disk_devnode) == 0 &&
	       g_strcmp0(a->fs_type, b->fs_type) == 0 && g_strcmp0(a->fs_uuid, b->fs_uuid) == 0 &&
	       g_strcmp0(a->state_dir, b->state_dir) == 0;
}

static FutWritePath *
write_path_new(const FutWriteTarget *t)
{
	FutWritePath *wp = g_new0(FutWritePath, 1);
	g_autofree gchar *base = g_strdup_printf("write-%u-%u", t->major, t->minor);
	g_autofree gchar *sbase = g_strconcat(base, ".state", NULL);
	g_autofree gchar *mbase = g_strconcat("mnt-", base + 6, NULL);

	wp->own = *t;
	wp->own.state_dir = g_strdup(t->state_dir);
	wp->own.devnode = g_strdup(t->devnode);
	wp->own.disk_devnode = g_strdup(t->disk_devnode);
	wp->own.fs_type = g_strdup(t->fs_type);
	wp->own.fs_uuid = g_strdup(t->fs_uuid);
	wp->t = &wp->own;
	wp->state_file = g_build_filename(t->state_dir, sbase, NULL);
	wp->mnt = g_build_filename(t->state_dir, mbase, NULL);
	wp->files = g_array_new(FALSE, TRUE, sizeof(FutWriteFile));
	g_array_set_clear_func(wp->files, (GDestroyNotify)fut_write_file_clear);
	wp->watch = fut_mount_watch_new();
	return wp;
}

/* Steps begin to rw; returns the volume's top directory on the private mount, or -1. */
static int
session_open(FutWritePath *wp, GError **error)
{
	const FutWriteTarget *t = wp->t;
	g_autofree gchar *edev = fut_strescape(t->devnode, -1);
	int rootfd;

	if (!fut_write_path_step(wp, "begin", error))
		return -1;
	if (g_mkdir(wp->mnt, 0700) < 0 && errno != EEXIST)
		return fut_error_set_errno(error, errno, wp->mnt), -1;
	if (!protect_user_mounts(wp, error) || !fut_write_path_step(wp, "user-mounts-ro", error))
		return -1;
	/* Read-only first: a mount matching the existing (read-only) superblock. EBUSY: the
	 * superblock is still read-write or still being torn down (a user mount that kept it
	 * so has just gone, with its mount namespace, and no rescan has come since): the
	 * session lets go of the namespaces its pass keeps watched (one of them may be that
	 * one), makes the superblock read-only through the mounts that remain, and tries
	 * again, for at most about 3 s. */
	for (guint tries = 0;; tries++) {
		int e;
		if (mount(t->devnode, wp->mnt, t->fs_type, MS_RDONLY | PRIVATE_FLAGS, NULL) == 0)
			break;
		e = errno;
		if (e != EBUSY || tries >= 30) {
			fut_error_set_errno(error, e, edev);
			g_prefix_error(error, _("private mount: "));
			return -1;
		}
		fut_mount_watch_disarm(wp->watch);
		if (tries > 0)
			g_usleep(100 * 1000);
		(void)fut_mounts_make_readonly_everywhere(t->major, t->minor, wp->mnt, TRUE, NULL);
	}
	wp->mounted = TRUE;
	if (!fut_write_path_step(wp, "mounted", error))
		return -1;
	if ((t->disk_devnode != NULL &&
	     !fut_blockdev_set_readonly(t->disk_devnode, FALSE, error)) ||
	    !fut_blockdev_set_readonly(t->devnode, FALSE, error) ||
	    !fut_write_path_step(wp, "blk-rw", error))
		return -1;
	/* The agent's own mount only, then the superblock (DESIGN §6). */
	if (mount(NULL, wp->mnt, NULL, MS_REMOUNT | MS_BIND | PRIVATE_FLAGS, NULL) < 0 ||
	    mount(NULL, wp->mnt, NULL, MS_REMOUNT | PRIVATE_FLAGS, NULL) < 0) {
		fut_error_set_errno(error, errno, edev);
		g_prefix_error(error, _("making the private mount writable: "));
		return -1;
	}
	if (!fut_write_path_step(wp, "rw", error))
		return -1;
	rootfd = open(wp->mnt, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return fut_error_set_errno(error, errno, wp->mnt), -1;
	return rootfd;
}

/* Ends the session: step "written" after a good last file, read-only again and verified,
 * the state file gone unless a partial or named file is left for the next start. */
static gboolean
session_close(FutWritePath *wp, int rootfd, gboolean ok, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GError) rerr = NULL;

	if (ok && !fut_write_path_step(wp, "written", &local))
		ok = FALSE;
	if (rootfd >= 0)
		close(rootfd);
	if (!restore(wp, &rerr)) {
		if (ok)
			local = g_steal_pointer(&rerr);
		ok = FALSE;
	}
	/* A file that could not be settled stays recorded for the next start. */
	if (wp->files->len == 0)
		g_unlink(wp->state_file);
	if (wp->t->hold != NULL)
		wp->t->hold(wp->t->hold_data, wp->t, FALSE);
	if (!ok && local != NULL)
		g_propagate_error(error, g_steal_pointer(&local));
	write_path_free(wp);
	return ok;
}

static gboolean
queue_timeout(guint queue_seconds, GError **error)
{
	g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
	            _("the stick was busy with other exports for %u s: nothing was written; try "
	              "again"),
	            queue_seconds > 0 ? queue_seconds : FUT_WRITE_QUEUE_SECONDS_DEFAULT);
	return FALSE;
}

/* Takes the queued jobs with @func (at most FILES_MAX), in order, as the next batch. */
static GPtrArray *
take_batch(Session *s, FutWriteFunc func)
{
	GPtrArray *batch = g_ptr_array_new();

	for (GList *l = s->queue.head; l != NULL && batch->len < FILES_MAX;) {
		GList *next = l->next;
		Job *q = l->data;
		if (q->func == func) {
			q->taken = TRUE;
			g_ptr_array_add(batch, q);
			g_queue_delete_link(&s->queue, l);
		}
		l = next;
	}
	return batch;
}

/* Writes @batch in the open session @s (opening it first when @open). Called unlocked. */
static gboolean
run_batch(Session *s, gboolean open, GPtrArray *batch, GError **error)
{
	g_autofree FutWriteItem **items = g_new0(FutWriteItem *, batch->len + 1);
	Job *first = g_ptr_array_index(batch, 0);
	gboolean ok;

	for (guint i = 0; i < batch->len; i++)
		items[i] = &((Job *)g_ptr_array_index(batch, i))->item;
	if (open) {
		s->rootfd = session_open(s->wp, error);
		ok = s->rootfd >= 0;
	} else {
		/* A mount of the volume made since the last batch (by a user, in any
		 * namespace) is made read-only before this batch is written: a window no
		 * longer than the write of one batch. */
		ok = protect_user_mounts(s->wp, error);
	}
	ok = ok && first->func(s->wp, s->rootfd, items, batch->len, error);
	/* A failure of the session is every job's failure that has none of its own. */
	for (guint i = 0; !ok && i < batch->len; i++)
		if (items[i]->error == NULL)
			items[i]->error = g_error_copy(*error);
	return ok;
}

gboolean
fut_write_path_run(
    const FutWriteTarget *t, FutWriteFunc func, gpointer data, guint queue_seconds, GError **error)
{
	gpointer key = GUINT_TO_POINTER(makedev(t->major, t->minor));
	g_autofree gchar *edev = fut_strescape(t->devnode, -1);
	gint64 deadline =
	    g_get_monotonic_time() +
	    (gint64)(queue_seconds > 0 ? queue_seconds : FUT_WRITE_QUEUE_SECONDS_DEFAULT) *
	        G_TIME_SPAN_SECOND;
	Job self = {.item = {.data = data}, .func = func};
	Session *s;
	gboolean open = FALSE;

	if (t->fs_type == NULL || *t->fs_type == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s holds no filesystem the agent recognises"), edev);
		return FALSE;
	}
	g_mutex_lock(&sessions_lock);
	if (sessions == NULL)
		sessions = g_hash_table_new(NULL, NULL);
	for (;;) {
		s = g_hash_table_lookup(sessions, key);
		if (s == NULL) {
			FutWritePath *wp = write_path_new(t);
			/* A state file with no session: what a killed agent left, not yet cleaned
			 * (its own message, told apart from a session of another volume below).
			 */
			if (g_file_test(wp->state_file, G_FILE_TEST_EXISTS)) {
				g_mutex_unlock(&sessions_lock);
				g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
				            _("an interrupted export to %s is not settled yet: try "
				              "again in a moment"),
				            edev);
				write_path_free(wp);
				return FALSE;
			}
			s = g_new0(Session, 1);
			s->wp = wp;
			s->refs = 1;
			s->writing = TRUE;
			s->turns = 1;
			s->rootfd = -1;
			g_queue_init(&s->queue);
			g_hash_table_insert(sessions, key, s);
			g_queue_push_tail(&s->queue, &self);
			open = TRUE;
			break;
		}
		if (!same_volume(s->wp->t, t)) {
			g_mutex_unlock(&sessions_lock);
			g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
			            _("another export to %s is in progress"), edev);
			return FALSE;
		}
		if (!s->closing) {
			g_queue_push_tail(&s->queue, &self);
			s->refs++;
			/* Wait for a batch: someone else's that takes this job, or this job's
			 * turn to write one. */
			for (;;) {
				if (self.done || (!self.taken && !s->writing && !s->closing))
					break;
				/* closed with this job still queued: it goes to a new session */
				if (!self.taken && s->closing &&
				    g_hash_table_lookup(sessions, key) != s)
					break;
				if (self.taken) {
					g_cond_wait(&sessions_cond, &sessions_lock);
					continue;
				}
				if (!g_cond_wait_until(&sessions_cond, &sessions_lock, deadline) &&
				    !self.taken && !self.done) {
					g_queue_remove(&s->queue, &self);
					session_unref(s);
					g_mutex_unlock(&sessions_lock);
					return queue_timeout(queue_seconds, error);
				}
			}
			if (self.done) {
				session_unref(s);
				goto finished;
			}
			if (!s->writing && !s->closing) {
				/* Idle with this job queued: it writes the next batch (the table
				 * still holds the session); a job lingering for it learns so. */
				session_unref(s);
				s->writing = TRUE;
				s->turns++;
				g_cond_broadcast(&sessions_cond);
				break;
			}
			g_queue_remove(&s->queue, &self);
			session_unref(s);
			continue;
		}
		/* The session is closing: wait for it to go, then open a new one. */
		s->refs++;
		if (!g_cond_wait_until(&sessions_cond, &sessions_lock, deadline)) {
			session_unref(s);
			g_mutex_unlock(&sessions_lock);
			return queue_timeout(queue_seconds, error);
		}
		session_unref(s);
	}

	/* This thread writes a batch: its own job and every job queued with the same func. */
	{
		g_autoptr(GPtrArray) batch = take_batch(s, func);
		g_autoptr(GError) local = NULL;
		gboolean ok, keep;
		guint turn;

		g_mutex_unlock(&sessions_lock);
		if (open && t->hold != NULL)
			t->hold(t->hold_data, s->wp->t, TRUE);
		ok = run_batch(s, open, batch, &local);

		g_mutex_lock(&sessions_lock);
		s->writing = FALSE;
		/* Nobody waiting: the session stays open a moment for the next job, the files
		 * of a folder coming a few at a time (issue 18), with this batch's answers held
		 * (a session that then closes answers them once the stick is read-only again);
		 * a job that comes takes the turn and the session goes on. */
		turn = s->turns;
		/* held while lingering: a job that takes over may close and drop the session */
		s->refs++;
		if (ok && s->queue.length == 0 && s->wp->files->len == 0) {
			gint64 until = g_get_monotonic_time() + FUT_WRITE_LINGER_US;
			while (s->turns == turn && s->queue.length == 0 &&
			       g_cond_wait_until(&sessions_cond, &sessions_lock, until))
				;
		}
		/* Another job took the turn meanwhile: the session is its to go on with or to
		 * close, never this one's too. */
		keep = s->turns != turn || (ok && s->queue.length > 0 && s->wp->files->len == 0);
		if (!keep)
			s->closing = TRUE;
		if (keep)
			for (guint i = 0; i < batch->len; i++)
				((Job *)g_ptr_array_index(batch, i))->done = TRUE;
		g_cond_broadcast(&sessions_cond);
		/* the table still holds the session when this one closes it */
		session_unref(s);
		g_mutex_unlock(&sessions_lock);
		if (!keep) {
			g_autoptr(GError) cerr = NULL;
			/* Still in the table while it closes, so nobody opens the volume
			 * meanwhile. A failed close is every job's failure. */
			if (!session_close(s->wp, s->rootfd, ok, &cerr) && ok && cerr != NULL) {
				for (guint i = 0; i < batch->len; i++) {
					Job *q = g_ptr_array_index(batch, i);
					if (q->item.error == NULL)
						q->item.error = g_error_copy(cerr);
				}
			}
			g_mutex_lock(&sessions_lock);
			for (guint i = 0; i < batch->len; i++)
				((Job *)g_ptr_array_index(batch, i))->done = TRUE;
			g_hash_table_remove(sessions, key);
			session_unref(s);
			g_cond_broadcast(&sessions_cond);
			g_mutex_unlock(&sessions_lock);
		}
		g_mutex_lock(&sessions_lock);
	}
finished:
	g_mutex_unlock(&sessions_lock);
	if (self.item.error != NULL) {
		g_propagate_error(error, self.item.error);
		return FALSE;
	}
	return TRUE;
}
