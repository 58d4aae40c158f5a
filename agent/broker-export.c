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
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "fsname.h"
#include "util.h"
#include "writepath.h"

#define COPY_CHUNK (1024 * 1024)
#define NAME_TRIES 100

/* --- the write ------------------------------------------------------------------------- */

static gchar *
candidate_name(const gchar *name, guint i)
{
	const gchar *dot;

	if (i == 0)
		return g_strdup(name);
	dot = strrchr(name, '.');
	if (dot == NULL || dot == name)
		return g_strdup_printf("%s (%u)", name, i + 1);
	return g_strdup_printf("%.*s (%u)%s", (int)(dot - name), name, i + 1, dot);
}

/* Copies the spooled copy to the stick. Its digest was computed when it was spooled (or
 * recomputed at redeem); the spool is root's, so only the size is checked again here. */
static gboolean
copy_spool(int in, int out, guint64 size, GError **error)
{
	g_autofree guint8 *buf = g_malloc(COPY_CHUNK);
	guint64 total = 0;

	for (;;) {
		ssize_t n = read(in, buf, COPY_CHUNK);
		gsize w = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fut_error_set_errno(error, errno, _("reading the spool"));
		if (n == 0)
			break;
		total += (guint64)n;
		while (w < (gsize)n) {
			ssize_t m = write(out, buf + w, (gsize)n - w);
			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0 && errno == ENOSPC) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("the stick is full"));
				return FALSE;
			}
			if (m <= 0)
				return fut_error_set_errno(error, m < 0 ? errno : EIO,
				                           _("writing to the stick"));
			w += (gsize)m;
		}
	}
	if (total != size) {
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
	/* No egress without its record: the file gets its visible name only once the log
	 * holds the export. */
	for (guint i = 0; i < NAME_TRIES; i++) {
		g_autofree gchar *cand = candidate_name(j->name, i);
		g_free(j->written);
		j->written = g_strconcat(rel->str, cand, NULL);
		if (faccessat(dfd, cand, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (!fut_broker_job_record(j, "export.written", "allow", NULL, error)) {
			g_prefix_error(error,
			               _("the log cannot be written, nothing was exported: "));
			goto out;
		}
		/* The point of no return for an approval: it cannot be used again. */
		if (j->pending != NULL &&
		    !fut_pending_set_state(j->config->state_dir, j->request_id,
		                           FUT_PENDING_STATE_REDEEMED, error)) {
			g_autoptr(GError) lerr = NULL;
			g_prefix_error(error, _("cannot mark the request redeemed, nothing was "
			                        "exported: "));
			fut_broker_job_record(j, "export.failed", NULL, (*error)->message, &lerr);
			goto out;
		}
		if (renameat2(dfd, partial, dfd, cand, RENAME_NOREPLACE) < 0) {
			int e = errno;
			g_autoptr(GError) lerr = NULL;
			fut_error_set_errno(error, e, _("naming the file on the stick"));
			fut_broker_job_record(j, "export.failed", NULL, (*error)->message, &lerr);
			goto out;
		}
		fsync(dfd);
		ok = fut_write_path_note_partial(wp, NULL, error);
		goto out;
	}
	g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
	            _("too many files named like this on the stick: use --dir"));
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (!ok && partial != NULL) {
		/* Disk full, stick pulled, log failed: the partial file goes. */
		if (unlinkat(dfd, partial, 0) == 0 || errno == ENOENT) {
			fsync(dfd);
			fut_write_path_note_partial(wp, NULL, NULL);
		}
		g_clear_pointer(&j->written, g_free);
	}
	close(dfd);
	return ok;
}

static void
export_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	FutBrokerJob *j = data;
	g_autoptr(GError) error = NULL;

	j->spool =
	    fut_spool_ingest(j->config->spool_dir, j->uid, j->src_fd, j->config->max_export_bytes,
	                     j->config->spool_bytes_per_uid, fut_broker_spool_progress, j, &error);
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

gboolean
fut_broker_job_write(FutBrokerJob *j, GError **error)
{
	FutWriteTarget t = {0};
	gboolean ok;

	t.state_dir = j->config->state_dir;
	t.devnode = j->devnode;
	t.disk_devnode = j->disk_devnode;
	t.major = j->major;
	t.minor = j->minor;
	t.fs_type = j->fs_type;
	t.fs_uuid = j->fs_uuid;
	fut_usb_store_set_busy(j->agent->usb, j->major, j->minor, TRUE);
	if (j->disk_devnode != NULL)
		fut_usb_store_set_busy(j->agent->usb, j->disk_major, j->disk_minor, TRUE);
	ok = fut_write_path_run(&t, export_write_cb, j, error);
	if (j->disk_devnode != NULL)
		fut_usb_store_set_busy(j->agent->usb, j->disk_major, j->disk_minor, FALSE);
	fut_usb_store_set_busy(j->agent->usb, j->major, j->minor, FALSE);
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

	j->ref = 1;
	j->agent = agent;
	j->config = agent->config;
	j->classifier = agent->classifier;
	fut_broker_job_take_caller(j, call);
	if (!fut_broker_work_begin(j->uid, &error))
		goto refuse;
	j->holds_work = TRUE;

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "dir", FALSE, &dir, &error) ||
	    !fut_broker_get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to", "dir", "reason", NULL};
		if (!fut_broker_args_check_known(args, known, &error))
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
	if (!fut_broker_job_reserve_spool(j, &error))
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
		json_object_set_object_member(f, "detail", json_object_ref(detail));
		if (l->partial != NULL && !volume_attached(agent, l)) {
			/* Another stick may now sit on that device node: touch nothing. */
			g_set_error(&error, FUT_ERROR, FUT_ERROR_IO,
			            _("interrupted export: the stick is gone, a partial file "
			              "may remain on it"));
			g_unlink(l->state_file);
			ok = FALSE;
		} else if (l->partial != NULL) {
			fut_usb_store_set_busy(agent->usb, l->major, l->minor, TRUE);
			ok = fut_write_path_clean_leftover(agent->config->state_dir, l, &error);
			fut_usb_store_set_busy(agent->usb, l->major, l->minor, FALSE);
		}
		json_object_set_string_member(f, "reason",
		                              ok ? "write path interrupted; read-only restored, "
		                                   "partial file removed"
		                                 : error->message);
		fut_recorder_emit(agent->recorder, "export.failed", f, &lerr);
	}
}
