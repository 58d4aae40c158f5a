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

gboolean
fw_files_lookup(FutFanwatch *fw, const Ident *id, FileEntry *ret)
{
	Key key = {id->dev, id->ino};
	FileEntry *e;
	gboolean found = FALSE;

	g_mutex_lock(&fw->lock);
	e = g_hash_table_lookup(fw->files, &key);
	if (e != NULL && fw_ident_equal(&e->id, id)) {
		*ret = *e;
		found = TRUE;
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

static void
files_store(FutFanwatch *fw, const FileEntry *entry)
{
	Key key = {entry->id.dev, entry->id.ino};

	g_mutex_lock(&fw->lock);
	if (g_hash_table_size(fw->files) >= FILES_MAX)
		g_hash_table_remove_all(fw->files);
	g_hash_table_replace(fw->files, g_memdup2(&key, sizeof key),
	                     g_memdup2(entry, sizeof *entry));
	g_mutex_unlock(&fw->lock);
}

/* Returns the class of the file open at @fd whose identity is @id, from the cache or the
 * classifier. Anything the classifier cannot say is Class II. */
static guint classify_now(FutFanwatch *fw, int fd, const Ident *id, const gchar *path);

guint
fw_file_class(FutFanwatch *fw, int fd, const Ident *id, const gchar *path)
{
	FileEntry e = {0};

	if (fw_files_lookup(fw, id, &e))
		return e.file_class;
	return classify_now(fw, fd, id, path);
}

/* What an upload program's open may take from the cache: only the class and digest of a file
 * no unprivileged user can rewrite. A user's own file can be rewritten through a shared
 * writable mmap() without its size or times changing in a way the identity sees (the times
 * are coarse, and a write fault on a page already dirty does not touch them), so for it the
 * upload decision classifies and hashes the content it is about to hand over, every time. */
static gboolean
upload_cache_ok(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

void
fw_resolve_seq(FutFanwatch *fw, guint64 seq, guint file_class, int fd)
{
	if (seq == 0 || fw->on_resolved == NULL)
		return;
	/* Once per class: the learner's classification resolves the number by the version
	 * (classify_now()) and then by its event (learn_for_taint()), with the same class. */
	if (!fw_seq_table_resolving(fw->seqs, seq, file_class))
		return;
	fw->on_resolved(fd, seq, file_class, fw->on_pending_data);
}

/* Classifies the file open at @fd now, and caches the result for its identity. A pending
 * number the version @id was given is resolved with the class found. */
static guint classify_version(FutFanwatch *fw, int fd, const Ident *id, const gchar *path);

static guint
classify_now(FutFanwatch *fw, int fd, const Ident *id, const gchar *path)
{
	guint cls = classify_version(fw, fd, id, path);

	if (fw->seqs != NULL)
		fw_resolve_seq(fw, fw_seq_table_take(fw->seqs, id), cls, fd);
	return cls;
}

/* A version being classified: whoever needs the same version meanwhile waits for this
 * result instead of reading the file again (issue 14: the learner and an upload decision
 * classified the same version side by side, a 200 MiB file twice). */
typedef struct {
	gint ref; /* under fw->lock */
	gboolean done;
	guint file_class;
} Scan;

/* Runs the classifier, unless the version @id is being classified already: then waits for
 * that result (the classifier has its own deadline, so the wait ends). Returns FALSE when
 * the classifier failed or answered outside I-III. */
static gboolean
classify_shared(FutFanwatch *fw, int fd, const Ident *id, const gchar *path, guint *ret_class)
{
	g_autoptr(GError) error = NULL;
	Scan *scan;
	guint cls = 0;
	gboolean ok;

	g_mutex_lock(&fw->lock);
	scan = g_hash_table_lookup(fw->scanning, id);
	if (scan != NULL) {
		scan->ref++;
		fw->stats.classify_shared++;
		while (!scan->done)
			g_cond_wait(&fw->scanned, &fw->lock);
		cls = scan->file_class;
		if (--scan->ref == 0)
			g_free(scan);
		g_mutex_unlock(&fw->lock);
		*ret_class = cls;
		return cls != 0;
	}
	scan = g_new0(Scan, 1);
	scan->ref = 1;
	g_hash_table_insert(fw->scanning, g_memdup2(id, sizeof *id), scan);
	fw->stats.classified++;
	g_mutex_unlock(&fw->lock);

	ok = fw->classify != NULL && fw->classify(fd, path, &cls, fw->classify_data, &error) &&
	     cls >= FUT_FANWATCH_CLASS_I && cls <= FUT_FANWATCH_CLASS_III;

	g_mutex_lock(&fw->lock);
	scan->done = TRUE;
	scan->file_class = ok ? cls : 0; /* 0: the waiters treat it as a failure too */
	g_hash_table_remove(fw->scanning, id);
	if (--scan->ref == 0)
		g_free(scan);
	g_cond_broadcast(&fw->scanned);
	g_mutex_unlock(&fw->lock);
	*ret_class = cls;
	return ok;
}

static guint
classify_version(FutFanwatch *fw, int fd, const Ident *id, const gchar *path)
{
	FileEntry e = {0};
	guint cls = 0;
	gboolean ok;
	Ident after;

	ok = classify_shared(fw, fd, id, path, &cls);
	if (!ok)
		cls = FUT_FANWATCH_CLASS_II; /* not cached: the classifier may do better later */
	if (cls != FUT_FANWATCH_CLASS_III && fw->on_classified != NULL)
		fw->on_classified(fd, cls, fw->on_classified_data);
	if (!ok)
		return cls;
	/* Content that changed while it was read was not what we judged. */
	if (!fw_fd_ident(fd, &after) || !fw_ident_equal(&after, id))
		return MIN(cls, FUT_FANWATCH_CLASS_II);
	e.id = *id;
	e.file_class = cls;
	files_store(fw, &e);
	return cls;
}

gboolean
fw_file_digest(
    FutFanwatch *fw, int fd, const Ident *id, gboolean use_cache, guint8 ret_digest[FUT_SHA256_LEN])
{
	FileEntry e = {0};
	g_autoptr(FutSha256) ctx = NULL;
	g_autofree guint8 *buf = NULL;
	guint64 off = 0;
	Ident after;

	if (use_cache && fw_files_lookup(fw, id, &e) && e.has_sha256) {
		memcpy(ret_digest, e.sha256, FUT_SHA256_LEN);
		return TRUE;
	}
	if (id->size > fw->digest_max)
		return FALSE;
	ctx = fut_sha256_new();
	buf = g_malloc(HASH_CHUNK);
	for (;;) {
		ssize_t n = pread(fd, buf, HASH_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		if (n == 0)
			break;
		fut_sha256_update(ctx, buf, (gsize)n);
		off += (guint64)n;
		if (off > fw->digest_max)
			return FALSE;
	}
	fut_sha256_finish(ctx, ret_digest);
	if (off != id->size || !fw_fd_ident(fd, &after) || !fw_ident_equal(&after, id))
		return FALSE;
	/* Keep the class already cached for this version, if any. */
	g_mutex_lock(&fw->lock);
	{
		Key key = {id->dev, id->ino};
		FileEntry *c = g_hash_table_lookup(fw->files, &key);
		if (c != NULL && fw_ident_equal(&c->id, id)) {
			c->has_sha256 = TRUE;
			memcpy(c->sha256, ret_digest, FUT_SHA256_LEN);
		}
	}
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

/* Under an observed path, and (unless observe_hidden) not in a hidden folder or file below
 * it: a browser's or mail client's own profile (~/.mozilla, ~/.config/chromium, ~/.cache)
 * is opened by the program itself by the hundred, and recording each would drown the log
 * in its own housekeeping. */
gboolean
fw_under_observe(FutFanwatch *fw, const gchar *path)
{
	for (guint i = 0; path != NULL && fw->observe != NULL && fw->observe[i] != NULL; i++) {
		const gchar *rest = fw_path_below(path, fw->observe[i]);
		if (rest != NULL && (fw->observe_hidden || strstr(rest, "/.") == NULL))
			return TRUE;
	}
	return FALSE;
}

/* The pair a record stands for: the user, the program and the file. Another user's open of
 * the same file by the same program is their own egress and gets its own record. NULL when
 * the user cannot be read: never deduplicated. */
static gchar *
observe_key(Event *ev)
{
	if (!ev->have_uid && fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		ev->have_uid = TRUE;
	if (!ev->have_uid)
		return NULL;
	return g_strdup_printf("%" G_GUINT32_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
	                       ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
	                       ev->uid, ev->exe_key.dev, ev->exe_key.ino, (guint64)ev->st.st_dev,
	                       (guint64)ev->st.st_ino);
}

gboolean
fw_observe_recorded(FutFanwatch *fw, Event *ev)
{
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *key = observe_key(ev);
	gpointer last;
	gboolean found;

	if (key == NULL)
		return FALSE;
	g_mutex_lock(&fw->lock);
	found = g_hash_table_lookup_extended(fw->observed, key, NULL, &last) &&
	        now - *(gint64 *)last < (gint64)fw->observe_interval_s * G_USEC_PER_SEC;
	g_mutex_unlock(&fw->lock);
	return found;
}

void
fw_observe_note(FutFanwatch *fw, Event *ev)
{
	gint64 now = g_get_monotonic_time();
	gchar *key = observe_key(ev);

	if (key == NULL)
		return;
	g_mutex_lock(&fw->lock);
	/* Forgetting only costs records: the next open of each pair is recorded again. */
	if (g_hash_table_size(fw->observed) >= OBSERVED_MAX)
		g_hash_table_remove_all(fw->observed);
	g_hash_table_replace(fw->observed, key, g_memdup2(&now, sizeof now));
	g_mutex_unlock(&fw->lock);
}

/* Deduplicates and rate-limits upload.observed (without on_observing: the record is
 * written after the answer, and past the rate not at all). */
gboolean
fw_observe_allowed(FutFanwatch *fw, Event *ev)
{
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *key = observe_key(ev);
	gpointer last;
	gboolean ok = FALSE;

	g_mutex_lock(&fw->lock);
	if (key != NULL && g_hash_table_lookup_extended(fw->observed, key, NULL, &last) &&
	    now - *(gint64 *)last < (gint64)fw->observe_interval_s * G_USEC_PER_SEC)
		goto out;
	if (now - fw->observe_window >= 60 * G_USEC_PER_SEC) {
		fw->observe_window = now;
		fw->observe_count = 0;
	}
	if (fw->observe_count >= fw->observe_per_minute)
		goto out;
	fw->observe_count++;
	if (key != NULL && g_hash_table_size(fw->observed) >= OBSERVED_MAX)
		g_hash_table_remove_all(fw->observed);
	if (key != NULL)
		g_hash_table_replace(fw->observed, g_steal_pointer(&key),
		                     g_memdup2(&now, sizeof now));
	ok = TRUE;
out:
	g_mutex_unlock(&fw->lock);
	return ok;
}

static gboolean
deny(Event *ev, const gchar *reason)
{
	ev->record = TRUE;
	ev->kind = FUT_FANWATCH_RECORD_DENIED;
	ev->reason = reason;
	return FALSE;
}

static FwVerdict
deny_verdict(Event *ev, const gchar *reason)
{
	deny(ev, reason);
	return FW_VERDICT_DENY;
}

/* An upload program's open of a Class III file. Under an observed path it is egress that
 * must be on record: with on_observing the open is allowed only once its upload.observed is
 * durable (ev->commit: the record thread), unless one of the same program and file was
 * written within the interval. */
static void
class_iii(FutFanwatch *fw, Event *ev)
{
	/* An empty file carries nothing out (a download being created is one). */
	ev->observe = ev->st.st_size > 0 && fw_under_observe(fw, ev->path);
	ev->mark = !ev->observe;
	/* The user a record is deduplicated by, read while the opener waits for its answer
	 * (afterwards it may be gone: without on_observing the record is made after the
	 * answer). */
	if (ev->observe && !ev->have_uid && fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		ev->have_uid = TRUE;
	ev->commit = ev->observe && fw->on_observing != NULL && !fw_observe_recorded(fw, ev);
}

/* An upload program opens a file whose content is Class III. The kernel's taint layer may
 * know it as a copy of Class I/II content: written by a process that had read such a file
 * (cp of a labelled file, base64, xz, a script), whatever its own bytes look like. Browsers
 * and mail clients are never tainted themselves (they stay on deny-at-open), so their open
 * of such a copy is decided as one of the original: TRUE, with ev->file_class raised. */
static gboolean
taint_raised(FutFanwatch *fw, Event *ev)
{
	guint cls;

	if (fw->taint_class == NULL)
		return FALSE;
	cls = fw->taint_class(ev->fd, fw->on_pending_data);
	if (cls != FUT_FANWATCH_CLASS_I && cls != FUT_FANWATCH_CLASS_II)
		return FALSE;
	ev->file_class = cls;
	ev->tainted_copy = TRUE;
	return TRUE;
}

/* The approval check once the class is known to be I or II. @hash: may read the file. */
static FwVerdict
check_approval(FutFanwatch *fw, Event *ev, gboolean hash)
{
	const gchar *no =
	    ev->tainted_copy
	        ? (ev->file_class == FUT_FANWATCH_CLASS_I
	               ? "written from class I content (kernel taint), no approval"
	               : "written from class II content (kernel taint), no approval")
	        : (ev->file_class == FUT_FANWATCH_CLASS_I ? "class I file, no approval"
	                                                  : "class II file, no approval");
	Ident id = fw_ident_of(&ev->st);

	if (!ev->have_uid) {
		if (!fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
			return deny_verdict(ev, "the requester cannot be identified");
		ev->have_uid = TRUE;
	}
	/* Hashing a large file costs a worker for a while: only hash when an approval could
	 * match at all. */
	if (!fw_approval_possible(fw, ev))
		return deny_verdict(ev, no);
	if (!ev->has_sha256) {
		FileEntry e;
		if (upload_cache_ok(&ev->st) && fw_files_lookup(fw, &id, &e) && e.has_sha256) {
			memcpy(ev->sha256, e.sha256, FUT_SHA256_LEN);
			ev->has_sha256 = TRUE;
		} else if (!hash) {
			return FW_VERDICT_WORK;
		} else if (!fw_file_digest(fw, ev->fd, &id, upload_cache_ok(&ev->st), ev->sha256)) {
			return deny_verdict(ev, "the content cannot be hashed to check approvals");
		} else {
			ev->has_sha256 = TRUE;
		}
	}
	ev->approval_id = fw_approval_find(fw, ev);
	if (ev->approval_id == NULL)
		return deny_verdict(ev, no);
	/* Writing the record durably and telling the taint layer (which opens the program's
	 * file and updates a kernel map) are a worker's job, never a responder's (@hash is
	 * FALSE on the responder). */
	if ((fw->on_allowing != NULL || fw->on_approved != NULL) && !hash) {
		g_clear_pointer(&ev->approval_id, g_free);
		return FW_VERDICT_WORK;
	}
	ev->kind = FUT_FANWATCH_RECORD_ALLOWED;
	ev->reason = "an active upload approval covers this content, requester and program";
	ev->record = TRUE;
	/* The record first: when the log cannot take it, nothing is let through, not even to
	 * the kernel's taint layer. */
	if (fw->on_allowing != NULL) {
		g_autofree gchar *keep_id = g_strdup(ev->approval_id);
		g_autoptr(FutFanwatchRecord) rec = fw_record_from_event(fw, ev, g_get_real_time());

		ev->approval_id = g_steal_pointer(&keep_id);
		if (!fw->on_allowing(rec, fw->on_allowing_data)) {
			g_clear_pointer(&ev->approval_id, g_free);
			return deny_verdict(ev, "the egress log cannot record this upload");
		}
		ev->record = FALSE;
	}
	if (fw->on_approved != NULL &&
	    !fw->on_approved(ev->fd, ev->uid, ev->exe, ev->approval_id, fw->on_approved_data)) {
		g_clear_pointer(&ev->approval_id, g_free);
		return deny_verdict(ev, "the approval cannot be given to the kernel's taint layer");
	}
	return FW_VERDICT_ALLOW;
}

/* Reads only /proc and the attributes the kernel has cached for the event's file; opens
 * nothing on a watched filesystem, reads no file content; logs nothing. */
FwVerdict
fw_decide_fast(FutFanwatch *fw, Event *ev)
{
	if (ev->pid == fw->self) {
		ev->self = TRUE;
		return FW_VERDICT_ALLOW;
	}
	if (!fw_identify(fw, ev)) {
		guint64 starttime = 0;
		guint32 flags = 0;
		/* Kernel threads have no executable and upload nothing. */
		if (fut_procinfo_read_stat(ev->pid, &starttime, &flags, NULL) &&
		    (flags & FUT_PROCINFO_PF_KTHREAD) != 0)
			return FW_VERDICT_ALLOW;
		deny(ev, "the opening process cannot be identified");
		return FW_VERDICT_DENY;
	}
	if (ev->identify_deep)
		return FW_VERDICT_IDENTIFY;
	return fw_decide_opener(fw, ev);
}

gboolean
fw_mark_pending(FutFanwatch *fw, Event *ev)
{
	FileEntry e;
	Ident id;
	guint64 seq;

	guint64 below;

	if (fw->on_pending == NULL || ev->pending_seq != 0)
		return TRUE;
	/* Before the statx: every number given so far went to a version no newer than the
	 * one this statx sees. */
	below = fw_seq_table_next(fw->seqs);
	if (!fw_fd_stat(ev->fd, &ev->st))
		return FALSE;
	ev->have_st = TRUE;
	/* FUSE files are never classified for the taint (their daemon may never answer the
	 * learner): they are not covered, see docs/upload-control.md. */
	if (!S_ISREG(ev->st.st_mode) || fw_on_fuse(fw, &ev->st))
		return TRUE;
	id = fw_ident_of(&ev->st);
	if (fw_files_lookup(fw, &id, &e)) {
		/* Known: an older version's number left on the inode must not reach this
		 * reader (its own event resolves it as Class II when the version changed). */
		if (fw->on_settled != NULL && below > 1)
			fw->on_settled(ev->fd, below, fw->on_pending_data);
		return TRUE;
	}
	/* The system's own files are never classified, so never pending: on a watched root
	 * filesystem every process maps a dozen libraries, and pending numbers for them all
	 * overflowed the kernel's per-process record (a process that cannot record what it
	 * read is taken as tainted). The learner gives them their ignore mark. */
	if (ev->st.st_uid == 0 && (ev->st.st_mode & (S_IWGRP | S_IWOTH)) == 0) {
		g_autofree gchar *path = fw_fd_path(ev->fd);
		ev->system = fw_system_file(fw, ev->fd, &ev->st, path);
		if (ev->system)
			return TRUE;
	}
	seq = fw_seq_table_assign(fw->seqs, &id);
	if (!fw->on_pending(ev->fd, seq, fw->on_pending_data))
		return FALSE;
	ev->pending_seq = seq;
	ev->pending_id = id;
	g_mutex_lock(&fw->lock);
	fw->stats.pending++;
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

FwVerdict
fw_decide_opener(FutFanwatch *fw, Event *ev)
{
	FileEntry e;
	Ident id;

	/* Without the taint layer: a process writing into a pipe an upload program reads opens
	 * as that program (fanwatch-pipe.c). */
	if (!ev->upload && fw_pipes_active(fw) && fw_pipe_feeder(fw, ev) == FW_FEEDER_UNKNOWN) {
		deny(ev, "a pipe into an upload program is followed and the opening process's "
		         "descriptors cannot be listed");
		return FW_VERDICT_DENY;
	}
	if (!ev->upload) {
		if (!fw_mark_pending(fw, ev)) {
			deny(ev, "the file's class is not known yet and the kernel's taint layer "
			         "cannot be told to hold its readers");
			return FW_VERDICT_DENY;
		}
		ev->learn = TRUE;
		return FW_VERDICT_ALLOW;
	}
	if (!fw_fd_stat(ev->fd, &ev->st)) {
		deny(ev, "the file cannot be examined");
		return FW_VERDICT_DENY;
	}
	ev->have_st = TRUE;
	/* A named FIFO it opens: followed as a pipe it reads (a worker). */
	if (S_ISFIFO(ev->st.st_mode) && fw->follow_pipes && ev->feeding == 0)
		return FW_VERDICT_WORK;
	if (!S_ISREG(ev->st.st_mode))
		return FW_VERDICT_ALLOW;
	id = fw_ident_of(&ev->st);
	ev->path = fw_fd_path(ev->fd);
	if (fw_system_file(fw, ev->fd, &ev->st, ev->path)) {
		/* not read, not recorded; an ignore mark spares its next opens */
		ev->file_class = FUT_FANWATCH_CLASS_III;
		ev->mark = TRUE;
		return FW_VERDICT_ALLOW;
	}
	if (upload_cache_ok(&ev->st) && fw_files_lookup(fw, &id, &e)) {
		ev->file_class = e.file_class;
		if (e.file_class == FUT_FANWATCH_CLASS_III && !taint_raised(fw, ev)) {
			class_iii(fw, ev);
			return ev->commit ? FW_VERDICT_RECORD : FW_VERDICT_ALLOW;
		}
		return check_approval(fw, ev, FALSE);
	}
	/* Reading a file on a user's FUSE filesystem waits on that user's daemon for as long
	 * as it likes (and hangs a worker for ever): its class cannot be decided. */
	if (fw_on_fuse(fw, &ev->st)) {
		deny(ev, "a file on a FUSE filesystem: its class cannot be decided");
		return FW_VERDICT_DENY;
	}
	return FW_VERDICT_WORK;
}

/* A TRUE return with ev->commit set: allowed once the record thread has made its
 * upload.observed durable. */
gboolean
fw_decide_slow(FutFanwatch *fw, Event *ev)
{
	Ident id = fw_ident_of(&ev->st);

	if (S_ISFIFO(ev->st.st_mode)) {
		g_autofree gchar *link = fw_fd_path(ev->fd);
		if (link == NULL)
			return deny(ev, "a FIFO it opens cannot be examined");
		return fw_pipe_follow(fw, ev, ev->fd, link, 0);
	}
	if (ev->file_class == 0)
		ev->file_class = upload_cache_ok(&ev->st) ? fw_file_class(fw, ev->fd, &id, ev->path)
		                                          : classify_now(fw, ev->fd, &id, ev->path);
	if (ev->file_class == FUT_FANWATCH_CLASS_III && !taint_raised(fw, ev)) {
		class_iii(fw, ev);
		return TRUE;
	}
	return check_approval(fw, ev, TRUE) == FW_VERDICT_ALLOW;
}

/* With the kernel side on (on_classified): classify every regular file another program
 * opens, on its first open, so that a Class I/II inode is marked for the taint before long
 * and the pending number the open gave it (fw_mark_pending()) is resolved: the opener is
 * not held, but whoever read through that open cannot send to the network until then (see
 * docs/upload-control.md). Files on FUSE are not read here: their daemon may never answer,
 * and the one learner would wait for the scan's deadline on each. Ignore marks as below,
 * only on files no unprivileged user can rewrite unseen. */
static void
learn_for_taint(FutFanwatch *fw, Event *ev)
{
	Ident id;
	g_autofree gchar *path = NULL;
	guint cls;

	/* Returning with ev->pending_seq set resolves it as Class II when the event ends. */
	if (!fw_fd_stat(ev->fd, &ev->st) || !S_ISREG(ev->st.st_mode) || fw_on_fuse(fw, &ev->st))
		return;
	id = fw_ident_of(&ev->st);
	path = fw_fd_path(ev->fd);
	/* told on the reply path already (fw_mark_pending()), or asked now */
	cls = ev->system || fw_system_file(fw, ev->fd, &ev->st, path)
	          ? FUT_FANWATCH_CLASS_III
	          : fw_file_class(fw, ev->fd, &id, path);
	/* Only the class of the very version the number was given to resolves it. A file
	 * rewritten since the open (Class I content read, then Class III written over it
	 * before the learner came) says nothing of what was read: the number is left to
	 * the end of the event, which makes it Class II. */
	if (ev->pending_seq != 0 && fw_ident_equal(&id, &ev->pending_id)) {
		fw_resolve_seq(fw, ev->pending_seq, cls, ev->fd);
		ev->pending_seq = 0;
	}
	if (cls != FUT_FANWATCH_CLASS_III)
		return;
	if (!fw->no_ignore_marks && fw_mark_safe(fw, ev->fd, &ev->st) &&
	    !fw_under_observe(fw, path))
		fw_set_ignore_mark(fw, ev->fd, &id);
}

/* After a non-upload program's open was allowed: learn the class of small files opened a
 * second time so that a Class III file gets an ignore mark and later opens skip userspace.
 * Runs in the learner thread. */
void
fw_learn(FutFanwatch *fw, Event *ev)
{
	FileEntry e;
	Ident id;
	g_autofree gchar *path = NULL;

	if (fw->on_classified != NULL) {
		learn_for_taint(fw, ev);
		return;
	}
	if (fw->no_ignore_marks)
		return;
	if (!fw_fd_stat(ev->fd, &ev->st) || !fw_mark_safe(fw, ev->fd, &ev->st))
		return;
	id = fw_ident_of(&ev->st);
	path = fw_fd_path(ev->fd);
	if (fw_system_file(fw, ev->fd, &ev->st, path)) {
		fw_set_ignore_mark(fw, ev->fd, &id);
		return;
	}
	if (fw_files_lookup(fw, &id, &e)) {
		/* We only see an event for a cached Class III file when its mark was evicted. */
		if (e.file_class == FUT_FANWATCH_CLASS_III) {
			if (!fw_under_observe(fw, path))
				fw_set_ignore_mark(fw, ev->fd, &id);
		}
		return;
	}
	if (id.size > fw->learn_max)
		return;
	/* Learn on the second open: most files opened once are never opened again, and the
	 * classification and the mark would cost more than the one event they save. Opens
	 * that shared this one's place in the queue count. */
	if (ev->learn_dups == 0) {
		Key key = {id.dev, id.ino};
		gboolean first;

		g_mutex_lock(&fw->lock);
		first = !g_hash_table_contains(fw->seen, &key);
		if (first) {
			if (g_hash_table_size(fw->seen) >= SEEN_MAX)
				g_hash_table_remove_all(fw->seen);
			g_hash_table_add(fw->seen, g_memdup2(&key, sizeof key));
		} else {
			g_hash_table_remove(fw->seen, &key);
		}
		g_mutex_unlock(&fw->lock);
		if (first)
			return;
	}
	if (fw_under_observe(fw, path))
		return;
	if (fw_file_class(fw, ev->fd, &id, path) == FUT_FANWATCH_CLASS_III)
		fw_set_ignore_mark(fw, ev->fd, &id);
}
