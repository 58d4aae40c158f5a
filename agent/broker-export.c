/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "export" command and the write to the stick (also used by redeem), and the clean-up
 * of exports interrupted by a crash. */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "fastcopy.h"
#include "fsname.h"
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
 * chunk's writeback to start at once, so the stick writes while the next chunk is copied and
 * the one fsync at the end finds little left to do (issue 18). Its digest was computed when it
 * was spooled (or recomputed at redeem); the spool is root's, so only the size is checked
 * again here. */
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
		/* Only a hint: the fsync below is what makes the file durable. */
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

static gboolean
export_write_cb(FutWritePath *wp, int rootfd, gpointer data, GError **error)
{
	FutBrokerJob *j = data;
	g_autoptr(GString) rel = g_string_new(NULL);
	g_autofree gchar *partial = NULL;
	g_autofree gchar *partial_rel = NULL;
	g_autofree gchar *named = NULL;
	gsize name_max = FUT_FSNAME_MAX;
	struct statfs sfs;
	guint8 rnd[8];
	int dfd, out = -1, in = -1;
	gboolean ok = FALSE;

	dfd = open_dirs(rootfd, j->dir, rel, error);
	if (dfd < 0)
		return FALSE;
	if (!fut_random_bytes(rnd, sizeof(rnd), error))
		goto out;
	{
		g_autofree gchar *hex = fut_hex_encode(rnd, sizeof(rnd));
		partial = g_strconcat(".futari-partial-", hex, NULL);
	}
	partial_rel = g_strconcat(rel->str, partial, NULL);
	if (!fut_write_path_note_partial(wp, partial_rel, error))
		goto out;
	out = openat(dfd, partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		fut_error_set_errno(error, errno, _("creating the file on the stick"));
		goto out;
	}
	/* not 0600 from the agent's umask: the stick's file is for people on other PCs */
	if (fchmod(out, 0644) < 0) {
		/* FAT has no modes */
	}
	if (!fut_write_path_step(wp, "writing", error))
		goto out;
	in = fut_spool_entry_open(j->spool, error);
	if (in < 0 || !copy_spool(in, out, j->spool->size, error))
		goto out;
	if (fsync(out) < 0) {
		fut_error_set_errno(error, errno, _("flushing the file to the stick"));
		goto out;
	}
	close(out);
	out = -1;
	if (!fut_write_path_step(wp, "synced", error))
		goto out;
	/* The file takes its name with renameat2(RENAME_NOREPLACE); export.written and the
	 * request's redeemed mark follow a successful rename (issue 16 item 5), so neither a
	 * false record nor a burned approval comes of a name that could not be taken. From the
	 * rename until the log holds the export, the write state names the file, so an agent
	 * killed in between removes it at restart (the log has no export of it). */
	if (fstatfs(dfd, &sfs) == 0 && sfs.f_namelen > 0)
		name_max = MIN(name_max, (gsize)sfs.f_namelen);
	for (guint i = 0; i < NAME_TRIES && named == NULL; i++) {
		g_autofree gchar *cand = fut_broker_candidate_name(j->name, i, name_max);
		g_autofree gchar *cand_rel = NULL;
		if (cand == NULL)
			break;
		/* Only ENOENT says the name is free: any other answer is no answer. */
		if (faccessat(dfd, cand, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (errno != ENOENT) {
			fut_error_set_errno(error, errno,
			                    _("looking for a free name on the stick"));
			goto out;
		}
		cand_rel = g_strconcat(rel->str, cand, NULL);
		if (!fut_write_path_note_named(wp, cand_rel, error))
			goto out;
		if (renameat2(dfd, partial, dfd, cand, RENAME_NOREPLACE) < 0) {
			int e = errno;
			if (e == EEXIST && fut_write_path_note_named(wp, NULL, error))
				continue;
			if (e != EEXIST)
				fut_error_set_errno(error, e, _("naming the file on the stick"));
			goto out;
		}
		named = g_steal_pointer(&cand);
		g_free(j->written);
		j->written = g_steal_pointer(&cand_rel);
	}
	if (named == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
		            _("too many files named like this on the stick: use --dir"));
		goto out;
	}
	fsync(dfd);
	if (!fut_write_path_step(wp, "named", error))
		goto out;
	if (!fut_broker_job_record(j, "export.written", "allow", NULL, error)) {
		g_prefix_error(error, _("the log cannot be written, nothing was exported: "));
		goto out;
	}
	/* The point of no return for an approval: it cannot be used again. */
	if (j->pending != NULL && !fut_pending_set_state(j->config->state_dir, j->request_id,
	                                                 FUT_PENDING_STATE_REDEEMED, error)) {
		g_autoptr(GError) lerr = NULL;
		g_prefix_error(error, _("cannot mark the request redeemed, the file was removed "
		                        "from the stick: "));
		fut_broker_job_record(j, "export.failed", NULL, (*error)->message, &lerr);
		goto out;
	}
	ok = fut_write_path_note_done(wp, error);
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (!ok && partial != NULL) {
		/* Disk full, stick pulled, log failed: the file goes, by whichever name it has. */
		if (unlinkat(dfd, named != NULL ? named : partial, 0) == 0 || errno == ENOENT) {
			fsync(dfd);
			fut_write_path_note_named(wp, NULL, NULL);
			fut_write_path_note_partial(wp, NULL, NULL);
		}
		g_clear_pointer(&j->written, g_free);
	}
	close(dfd);
	return ok;
}

/* The spooled copy is complete: its content is scanned here while another thread still
 * hashes it (issue 18). The copy is the agent's and final, so the scan sees the bytes the
 * digest covers. */
static void
export_scan_copied(int fd, gpointer data)
{
	FutBrokerJob *j = data;

	g_clear_pointer(&j->scan, fut_classification_free);
	j->scan =
	    fut_classifier_classify_fd(j->classifier, fd, j->src_path, FUT_CLASSIFY_FLAG_NONE);
	close(fd);
}

static void
export_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	FutBrokerJob *j = data;
	g_autoptr(GError) error = NULL;

	/* The caller's file is looked at here, never on the main loop (issue 16 item 9). */
	if (fut_broker_check_source(j->src_fd, NULL, &error))
		j->spool = fut_spool_ingest_full(
		    j->config->spool_dir, j->uid, j->src_fd, j->config->max_export_bytes,
		    j->config->spool_bytes_per_uid, j->agent->spool_quota,
		    fut_broker_spool_progress, j, export_scan_copied, j, &error);
	if (j->spool == NULL) {
		g_autoptr(GError) lerr = NULL;
		fut_broker_job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	fut_broker_job_classify(j);
	if (!g_str_equal(j->klass, "III")) {
		g_autoptr(GError) lerr = NULL;
		if (!fut_broker_job_make_request(j, &error)) {
			fut_broker_job_record(j, "export.refused", "deny", error->message, &lerr);
			g_task_return_error(task, g_steal_pointer(&error));
			return;
		}
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (!fut_broker_job_write(j, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
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
	ok = fut_write_path_run(&t, export_write_cb, j, error);
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

/* Picks the volume to write: the one the user named by label or mount point, or the only
 * one with a filesystem. */
static const FutUsbVolume *
pick_volume(const FutUsbDevice *d, const gchar *spec, GError **error)
{
	const FutUsbVolume *only = NULL;
	guint n = 0;

	for (guint i = 0; i < d->volumes->len; i++) {
		const FutUsbVolume *v = g_ptr_array_index(d->volumes, i);
		if (v->fs_type == NULL)
			continue;
		if (g_strcmp0(v->fs_label, spec) == 0)
			return v;
		only = v;
		n++;
	}
	if (n == 1)
		return only;
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            n == 0 ? _("the stick holds no filesystem the agent recognises")
	                   : _("the stick holds several filesystems: name one by its label"));
	return NULL;
}

void
fut_broker_export(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutBrokerJob) j = g_new0(FutBrokerJob, 1);
	g_autoptr(GError) error = NULL;
	const gchar *name = NULL, *to = NULL, *dir = NULL;
	const FutUsbDevice *d;
	const FutUsbVolume *v;

	if (!fut_broker_job_begin(j, agent, call, &error))
		goto refuse;

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "dir", FALSE, &dir, &error) ||
	    !fut_broker_get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to", "dir", "reason", "job", NULL};
		if (!fut_broker_args_check_known(args, known, &error) ||
		    !fut_export_job_arg_parse(args, &j->job_arg, &error))
			goto refuse;
	}
	j->name = fut_fsname_sanitize(name, &error);
	if (j->name == NULL)
		goto refuse;
	j->dir = fut_fsname_split_dir(dir, &error);
	if (j->dir == NULL)
		goto refuse;
	d = fut_usb_store_find(agent->usb, to, &error);
	if (d == NULL)
		goto refuse;
	v = pick_volume(d, to, &error);
	if (v == NULL)
		goto refuse;
	if (!fut_broker_job_set_destination(j, d, v, &error))
		goto refuse;
	fut_broker_job_start(j, call, export_thread);
	return;
refuse:
	fut_broker_job_refuse(j, call, g_steal_pointer(&error));
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
		gboolean ok = TRUE;

		fut_broker_set_str(detail, "devnode", l->devnode);
		fut_broker_set_str(detail, "step", l->step);
		fut_broker_set_str(detail, "partial", l->partial);
		fut_broker_set_str(detail, "named", l->named);
		json_object_set_object_member(f, "detail", json_object_ref(detail));
		if ((l->partial != NULL || l->named != NULL) && !volume_attached(agent, l)) {
			/* Another stick may now sit on that device node: touch nothing. */
			g_set_error(&error, FUT_ERROR, FUT_ERROR_IO,
			            _("interrupted export: the stick is gone, a partial file "
			              "may remain on it"));
			g_unlink(l->state_file);
			ok = FALSE;
		} else if (l->partial != NULL || l->named != NULL) {
			fut_usb_store_set_busy(agent->usb, l->major, l->minor, TRUE);
			ok = fut_write_path_clean_leftover(agent->config->state_dir, l, &error);
			fut_usb_store_set_busy(agent->usb, l->major, l->minor, FALSE);
		}
		json_object_set_string_member(
		    f, "reason",
		    !ok ? error->message
		    : l->named != NULL
		        ? "write path interrupted; read-only restored, unlogged file removed"
		        : "write path interrupted; read-only restored, partial file removed");
		fut_recorder_emit(agent->recorder, "export.failed", f, &lerr);
	}
}
