/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The write of export jobs to the stick (group commit, issue 18; used by export and redeem),
 * and the clean-up of writes interrupted by a crash. */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "egresslog.h"
#include "errors.h"
#include "fastcopy.h"
#include "fsname.h"
#include "logrecord.h"
#include "util.h"
#include "writepath.h"

/* One step of the copy to the stick, and of its early writeback. */
#define WRITE_CHUNK (32 * 1024 * 1024)
#define NAME_TRIES  100

/* --- the write ------------------------------------------------------------------------- */

/* The longest prefix of @s, at most @max bytes, that ends on a character boundary. */
static gsize
utf8_cut(const gchar *s, gsize len, gsize max)
{
	const gchar *end;

	if (len <= max)
		return len;
	end = s + max;
	/* back to the start of the character @end is in, unless it starts one */
	while (end > s && ((guchar)*end & 0xc0) == 0x80)
		end--;
	return (gsize)(end - s);
}

/* The @i-th name tried for @name: name, "stem (2).ext", "stem (3).ext", ..., with the stem
 * cut (on a character boundary) so the whole fits in @max bytes, the filesystem's name
 * limit (issue 16 item 5: a 251-byte stem plus " (2)" did not). */
gchar *
fut_broker_candidate_name(const gchar *name, guint i, gsize max)
{
	g_autofree gchar *suffix = i == 0 ? g_strdup("") : g_strdup_printf(" (%u)", i + 1);
	const gchar *dot = strrchr(name, '.');
	gsize stem_len, ext_len, room;

	if (max <= strlen(suffix))
		return NULL;
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem_len = (gsize)(dot - name);
	ext_len = strlen(dot);
	/* An extension too long to keep with a one-byte stem is cut as part of the stem. */
	if (ext_len + strlen(suffix) + 1 > max) {
		stem_len += ext_len;
		ext_len = 0;
		dot = name + stem_len;
	}
	room = max - strlen(suffix) - ext_len;
	stem_len = utf8_cut(name, stem_len, room);
	if (stem_len == 0)
		return NULL;
	return g_strdup_printf("%.*s%s%s", (int)stem_len, name, suffix, dot);
}

/* Copies the spooled copy to the stick inside the kernel, in large chunks, and asks for each
 * chunk but the last's writeback to start at once, so the stick writes while the next chunk
 * is copied and the one flush at the end finds little left to do (issue 18). Its digest was
 * computed when it was spooled (or recomputed at redeem); the spool is root's, so only the
 * size is checked here. A redeem checks more after the flush: the file is read back from the
 * stick and its SHA-256 compared with the approved one before it is logged or named
 * (broker-redeem.c). */
static gboolean
copy_spool(int in, int out, guint64 size, GError **error)
{
	FutCopyMode mode = FUT_COPY_RANGE;
	guint64 in_off = 0, out_off = 0;
	guint8 probe;
	ssize_t extra;

	while (in_off < size) {
		guint64 from = out_off;
		gssize n = fut_copy_chunk(in, &in_off, out, &out_off,
		                          (gsize)MIN(size - in_off, (guint64)WRITE_CHUNK), &mode);
		if (n == -ENOSPC) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("the stick is full"));
			return FALSE;
		}
		if (n < 0)
			return fut_error_set_errno(error, (int)-n, _("writing to the stick"));
		if (n == 0)
			break;
		/* Only a hint: the flush of the batch is what makes the file durable. Not for
		 * the last chunk (the whole of a small file): the batch's syncfs comes right
		 * after and writes back every file of the batch in one pass, where a hint
		 * submitted each small file's blocks on their own. */
		if (in_off < size)
			sync_file_range(out, (off64_t)from, (off64_t)(out_off - from),
			                SYNC_FILE_RANGE_WRITE);
	}
	do
		extra = pread(in, &probe, 1, (off_t)in_off);
	while (extra < 0 && errno == EINTR);
	if (in_off != size || extra != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("the spooled copy changed: export stopped"));
		return FALSE;
	}
	return TRUE;
}

static int
open_dirs(int rootfd, GStrv dir, GString *rel, GError **error)
{
	int dfd = dup(rootfd);

	if (dfd < 0)
		return fut_error_set_errno(error, errno, "dup"), -1;
	for (guint i = 0; dir != NULL && dir[i] != NULL; i++) {
		int next;
		if (mkdirat(dfd, dir[i], 0755) == 0) {
			/* the agent's umask is 0077; readable by all as on any stick (errors
			 * ignored: FAT has no modes) */
			if (fchmodat(dfd, dir[i], 0755, 0) < 0) {
				/* FAT */
			}
		} else if (errno != EEXIST) {
			int e = errno;
			close(dfd);
			return fut_error_set_errno(error, e, dir[i]), -1;
		}
		next = openat(dfd, dir[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (next < 0)
			return fut_error_set_errno(error, errno, dir[i]), -1;
		dfd = next;
		g_string_append(rel, dir[i]);
		g_string_append_c(rel, '/');
	}
	return dfd;
}

/* One job of a batch on its way to the stick. */
typedef struct {
	FutBrokerJob *j;
	FutWriteItem *item;
	int dfd;        /* the file's folder on the stick */
	gchar *rel;     /* that folder below the top, "" or ending in '/' */
	gchar *partial; /* base name while it is written */
	gchar *named;   /* final base name, once chosen */
	gboolean alive; /* still on its way (no error) */
	gboolean renamed;
	JsonObject *told; /* its export.written record, for the desktop once the file is named */
} Staged;

static void
staged_clear(Staged *st)
{
	if (st->dfd >= 0)
		close(st->dfd);
	g_free(st->rel);
	g_free(st->partial);
	g_free(st->named);
	g_clear_pointer(&st->told, json_object_unref);
}

/* Takes @st out of the batch with @error: its file goes, by whichever name it has. */
static void
staged_fail(Staged *st, GError *error)
{
	if (st->item->error == NULL)
		st->item->error = error;
	else
		g_error_free(error);
	if (st->alive && st->partial != NULL) {
		const gchar *name = st->renamed ? st->named : st->partial;
		/* its export.written record is (or may be) in the log already: the
		 * export.failed record the caller writes withdraws it (docs/formats.md), but
		 * only when the file is durably gone; a file that could not be removed may
		 * still be on the stick, and its record stands */
		gboolean gone = unlinkat(st->dfd, name, 0) == 0 && fsync(st->dfd) == 0;

		st->j->retracted = st->j->logged && gone;
	}
	st->alive = FALSE;
	g_clear_pointer(&st->j->written, g_free);
}

static void
staged_fail_errno(Staged *st, int e, const gchar *what)
{
	GError *error = NULL;

	fut_error_set_errno(&error, e, what);
	staged_fail(st, error);
}

/* The files of the batch as the state file names them. */
static gboolean
note_batch(FutWritePath *wp, Staged *st, guint n, GError **error)
{
	g_autoptr(GArray) files = g_array_new(FALSE, TRUE, sizeof(FutWriteFile));
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < n; i++) {
		FutWriteFile f = {0};
		if (st[i].partial == NULL)
			continue;
		f.partial = g_strconcat(st[i].rel, st[i].partial, NULL);
		g_ptr_array_add(keep, f.partial);
		if (st[i].alive && st[i].named != NULL) {
			f.named = g_strconcat(st[i].rel, st[i].named, NULL);
			g_ptr_array_add(keep, f.named);
		}
		g_array_append_val(files, f);
	}
	return fut_write_path_note_files(wp, (FutWriteFile *)(gpointer)files->data, files->len,
	                                 error);
}

/* Creates @st's file under its temporary name and copies the spooled copy into it, with no
 * flush of its own: the batch flushes the stick once. */
static void
stage_write(FutWritePath *wp, Staged *st)
{
	GError *error = NULL;
	int out, in;

	out = openat(st->dfd, st->partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	             0644);
	if (out < 0) {
		int e = errno;
		g_clear_pointer(&st->partial, g_free); /* not ours to remove */
		staged_fail_errno(st, e, _("creating the file on the stick"));
		return;
	}
	/* not 0600 from the agent's umask: the stick's file is for people on other PCs */
	if (fchmod(out, 0644) < 0) {
		/* FAT has no modes */
	}
	fut_write_path_step(wp, "writing", NULL);
	in = fut_spool_entry_open(st->j->spool, &error);
	if (in < 0 || !copy_spool(in, out, st->j->spool->size, &error)) {
		if (in >= 0)
			close(in);
		close(out);
		staged_fail(st, error);
		return;
	}
	close(in);
	if (close(out) < 0) {
		staged_fail_errno(st, errno, _("writing to the stick"));
		return;
	}
}

/* Chooses @st's final name: the first candidate that is free on the stick and not taken by
 * an earlier file of the batch (@taken: "rel/name" strings). The agent's mount is the only
 * writable one, so a name free now is still free at the rename. */
static void
stage_name(Staged *st, GHashTable *taken)
{
	gsize name_max = FUT_FSNAME_MAX;
	struct statfs sfs;

	if (fstatfs(st->dfd, &sfs) == 0 && sfs.f_namelen > 0)
		name_max = MIN(name_max, (gsize)sfs.f_namelen);
	for (guint i = 0; i < NAME_TRIES; i++) {
		g_autofree gchar *cand = fut_broker_candidate_name(st->j->name, i, name_max);
		g_autofree gchar *cand_rel = NULL;
		if (cand == NULL)
			break;
		cand_rel = g_strconcat(st->rel, cand, NULL);
		if (g_hash_table_contains(taken, cand_rel))
			continue;
		/* Only ENOENT says the name is free: any other answer is no answer. */
		if (faccessat(st->dfd, cand, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (errno != ENOENT) {
			staged_fail_errno(st, errno, _("looking for a free name on the stick"));
			return;
		}
		st->named = g_steal_pointer(&cand);
		g_free(st->j->written);
		st->j->written = g_strdup(cand_rel);
		g_hash_table_add(taken, g_steal_pointer(&cand_rel));
		return;
	}
	staged_fail(st, g_error_new(FUT_ERROR, FUT_ERROR_EXISTS,
	                            _("too many files named like this on the stick: use --dir")));
}

/* Writes a batch of export jobs to the stick (group commit, issue 18), with the guarantees
 * of one file at a time: every file's temporary and final names are chosen and in the
 * durable write state before any file is created (one save of the state per batch, not one
 * before the files and one after the flush); the files are written without a flush each,
 * then the stick is flushed once (syncfs); the export.written records are appended and
 * flushed to the disk once; only then do the files take their names (the durable log record
 * comes before the name), and their folders are flushed. A kill at any point: recovery
 * removes every file the log holds no export of, by either name (a final name is only ever
 * taken by a rename after the record), and completes the rename of every file it does
 * (fut_broker_clean_leftovers). */
static gboolean
export_write_batch(
    FutWritePath *wp, int rootfd, FutWriteItem *const *items, guint n, GError **error)
{
	g_autofree Staged *st = g_new0(Staged, n);
	g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) synced = g_hash_table_new(g_str_hash, g_str_equal);
	FutRecorder *recorder = NULL;
	gboolean ok = FALSE, any = FALSE;

	for (guint i = 0; i < n; i++) {
		g_autoptr(GString) rel = g_string_new(NULL);
		guint8 rnd[8];
		st[i].j = items[i]->data;
		st[i].item = items[i];
		st[i].dfd = open_dirs(rootfd, st[i].j->dir, rel, &items[i]->error);
		st[i].rel = g_string_free(g_steal_pointer(&rel), FALSE);
		recorder = st[i].j->agent->recorder;
		if (st[i].dfd < 0 || !fut_random_bytes(rnd, sizeof(rnd), &items[i]->error))
			continue;
		{
			g_autofree gchar *hex = fut_hex_encode(rnd, sizeof(rnd));
			st[i].partial = g_strconcat(".futari-partial-", hex, NULL);
		}
		g_free(st[i].j->partial);
		st[i].j->partial = g_strdup(st[i].partial);
		st[i].alive = TRUE;
		any = TRUE;
	}
	if (!any) {
		ok = TRUE;
		goto out;
	}
	/* 1. the final names: free on the stick now, and the agent's mount is the only
	 * writable one, so still free at the rename (a name chosen for a file that then fails
	 * stays unused; an earlier file of the batch by the same name may make a later one
	 * "name (1)") */
	for (guint i = 0; i < n; i++)
		if (st[i].alive)
			stage_name(&st[i], taken);
	/* every temporary and final name on record before any file is created, with the log's
	 * month now: the batch's records are in that month file or a later one */
	{
		FutAgent *agent = st[0].j->agent;
		g_autofree gchar *cur =
		    agent->log != NULL ? fut_egress_log_dup_current_path(agent->log) : NULL;
		g_autofree gchar *cur_base = cur != NULL ? g_path_get_basename(cur) : NULL;
		gchar month[8];
		fut_write_path_set_log_month(
		    wp,
		    cur_base != NULL && fut_egress_log_file_month(cur_base, month) ? month : NULL);
	}
	if (!note_batch(wp, st, n, error)) {
		/* nothing was created: each file fails with the save's error, and its record
		 * names no final name (staged_fail drops it) */
		for (guint i = 0; i < n; i++)
			if (st[i].alive)
				staged_fail(&st[i], g_error_copy(*error));
		goto out;
	}
	/* 2. the files, no flush each */
	for (guint i = 0; i < n; i++)
		if (st[i].alive)
			stage_write(wp, &st[i]);
	/* 3. one flush of the stick for all of them */
	if (syncfs(rootfd) < 0) {
		int e = errno;
		for (guint i = 0; i < n; i++)
			if (st[i].alive)
				staged_fail_errno(&st[i], e, _("flushing the files to the stick"));
	}
	fut_write_path_step(wp, "synced", NULL);
	/* 3b. an approved file: what reached the stick is what was approved (broker-redeem.c) */
	for (guint i = 0; i < n; i++) {
		GError *verr = NULL;
		if (st[i].alive &&
		    !fut_broker_verify_approved(st[i].j, st[i].dfd, st[i].partial, &verr))
			staged_fail(&st[i], verr);
	}
	/* 4. the final names were on record before the files (step 1) */
	fut_write_path_step(wp, "named", NULL);
	/* 5. the log: every record written, then one flush */
	for (guint i = 0; i < n; i++) {
		GError *lerr = NULL;
		if (!st[i].alive)
			continue;
		st[i].told =
		    fut_broker_job_record_untold(st[i].j, "export.written", "allow", NULL, &lerr);
		if (st[i].told == NULL) {
			g_prefix_error(&lerr,
			               _("the log cannot be written, nothing was exported: "));
			staged_fail(&st[i], lerr);
			continue;
		}
		/* from here the log holds the record (or will, with the flush), even when a
		 * later step fails */
		st[i].j->logged = TRUE;
	}
	if (!fut_recorder_sync(recorder, error)) {
		g_prefix_error(error, _("the log cannot be written, nothing was exported: "));
		for (guint i = 0; i < n; i++)
			if (st[i].alive)
				staged_fail(&st[i], g_error_copy(*error));
		g_clear_error(error);
	}
	fut_write_path_step(wp, "logged", NULL);
	/* 6. the names; a rename that fails is that file's export.failed (by the caller) */
	for (guint i = 0; i < n; i++) {
		if (!st[i].alive)
			continue;
		if (renameat2(st[i].dfd, st[i].partial, st[i].dfd, st[i].named, RENAME_NOREPLACE) <
		    0) {
			staged_fail_errno(&st[i], errno, _("naming the file on the stick"));
			continue;
		}
		st[i].renamed = TRUE;
	}
	for (guint i = 0; i < n; i++) {
		if (!st[i].alive || g_hash_table_contains(synced, st[i].rel))
			continue;
		fsync(st[i].dfd);
		g_hash_table_add(synced, st[i].rel);
	}
	/* 7. the point of no return for an approval: it cannot be used again for this file (a
	 * version-2 request's other files stay redeemable until each is written) */
	for (guint i = 0; i < n; i++) {
		FutBrokerJob *j = st[i].j;
		GError *perr = NULL;
		if (!st[i].alive || j->pending == NULL)
			continue;
		if (!fut_pending_mark_written(j->config->state_dir, j->request_id,
		                              j->request_file > 0 ? j->request_file - 1 : G_MAXUINT,
		                              &perr)) {
			g_prefix_error(&perr, _("cannot mark the request redeemed, the file was "
			                        "removed from the stick: "));
			staged_fail(&st[i], perr);
		}
	}
	/* 8. the desktop hears of the files that have their names (a file removed after its
	 * record never was: its export.failed record says so) */
	for (guint i = 0; i < n; i++)
		if (st[i].alive && st[i].told != NULL)
			fut_recorder_tell(recorder, "export.written", st[i].told);
	ok = TRUE;
out:
	for (guint i = 0; i < n; i++) {
		if (st[i].dfd >= 0 && st[i].alive)
			continue;
		if (items[i]->error == NULL)
			items[i]->error = g_error_new(FUT_ERROR, FUT_ERROR_IO, "%s",
			                              _("the write session failed"));
	}
	/* 9. the batch is settled: every file logged and named, or removed; the state says so
	 * with its next save (the next batch's, or the session's last step) */
	if (ok)
		fut_write_path_forget_files(wp);
	for (guint i = 0; i < n; i++)
		staged_clear(&st[i]);
	return ok;
}

/* The USB store leaves a volume (and its disk) alone while a write session has it. */
static void
hold_stick(gpointer data, const FutWriteTarget *t, gboolean busy)
{
	FutUsbStore *usb = data;

	fut_usb_store_set_busy(usb, t->major, t->minor, busy);
	if (t->disk_devnode != NULL)
		fut_usb_store_set_busy(usb, t->disk_major, t->disk_minor, busy);
}

gboolean
fut_broker_job_write(FutBrokerJob *j, GError **error)
{
	FutWriteTarget t = {0};
	gboolean ok;

	t.state_dir = j->config->state_dir;
	t.devnode = j->devnode;
	t.disk_devnode = j->disk_devnode;
	t.disk_major = j->disk_major;
	t.disk_minor = j->disk_minor;
	t.major = j->major;
	t.minor = j->minor;
	t.fs_type = j->fs_type;
	t.fs_uuid = j->fs_uuid;
	t.hold = hold_stick;
	t.hold_data = j->agent->usb;
	ok = fut_write_path_run(&t, export_write_batch, j, j->config->export_queue_seconds, error);
	/* A write path that ended well verified every mount of the stick read-only itself, or
	 * left the stick to a session whose last job does. */
	j->recheck_stick = !ok;
	if (!ok) {
		g_autoptr(GError) lerr = NULL;
		fut_broker_job_record(j, "export.failed", NULL, (*error)->message, &lerr);
		return FALSE;
	}
	return TRUE;
}

static gboolean
volume_attached(FutAgent *agent, const FutWriteLeftover *l)
{
	g_autoptr(GPtrArray) devices = fut_usb_store_get_devices(agent->usb);

	for (guint i = 0; i < devices->len; i++) {
		const FutUsbDevice *d = g_ptr_array_index(devices, i);
		for (guint k = 0; k < d->volumes->len; k++) {
			const FutUsbVolume *v = g_ptr_array_index(d->volumes, k);
			if (v->major == l->major && v->minor == l->minor &&
			    g_strcmp0(v->fs_uuid, l->fs_uuid) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

/* FutWriteLoggedFunc: whether the egress log holds the export of @f, found by the random
 * temporary name its export.written record carries (detail.partial), from the month the
 * batch began in. */
static gboolean
log_holds_written(const FutWriteFile *f, const gchar *log_month, gpointer data)
{
	FutAgent *agent = data;

	return fut_write_log_holds_written(agent->config->log_dir, log_month, f->partial);
}

void
fut_broker_clean_leftovers(FutAgent *agent, GPtrArray *leftovers)
{
	/* Copies an agent that stopped was making into the spool: nobody waits for them. */
	fut_spool_remove_partial(agent->config->spool_dir);
	for (guint i = 0; leftovers != NULL && i < leftovers->len; i++) {
		const FutWriteLeftover *l = g_ptr_array_index(leftovers, i);
		g_autoptr(JsonObject) f = json_object_new();
		g_autoptr(JsonObject) detail = json_object_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) lerr = NULL;
		g_autofree gchar *reason = NULL;
		guint kept = 0;
		gboolean ok = TRUE;

		fut_broker_set_str(detail, "devnode", l->devnode);
		fut_broker_set_str(detail, "step", l->step);
		json_object_set_int_member(detail, "files", l->n_files);
		if (l->n_files > 0) {
			fut_broker_set_str(detail, "partial", l->files[0].partial);
			fut_broker_set_str(detail, "named", l->files[0].named);
		}
		json_object_set_object_member(f, "detail", json_object_ref(detail));
		if (l->n_files > 0 && !volume_attached(agent, l)) {
			/* Another stick may now sit on that device node: touch nothing. */
			g_set_error(&error, FUT_ERROR, FUT_ERROR_IO,
			            _("interrupted export: the stick is gone, a partial file "
			              "may remain on it"));
			g_unlink(l->state_file);
			ok = FALSE;
		} else if (l->n_files > 0) {
			fut_usb_store_set_busy(agent->usb, l->major, l->minor, TRUE);
			ok = fut_write_path_clean_leftover(agent->config->state_dir, l,
			                                   log_holds_written, agent, &kept, &error);
			fut_usb_store_set_busy(agent->usb, l->major, l->minor, FALSE);
		}
		if (!ok)
			reason = g_strdup(error->message);
		else if (kept > 0)
			reason = g_strdup_printf("write path interrupted; read-only restored, %u "
			                         "logged file(s) kept, unlogged files removed",
			                         kept);
		else
			reason = g_strdup(
			    "write path interrupted; read-only restored, unlogged files removed");
		json_object_set_string_member(f, "reason", reason);
		fut_recorder_emit(agent->recorder, "export.failed", f, &lerr);
	}
}
