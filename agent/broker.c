/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "fsname.h"
#include "spool.h"
#include "util.h"
#include "writepath.h"

#define REASON_MAX     1024
#define LABEL_XATTR    "trusted.futari.class"
#define PROGRESS_EVERY (64 * 1024 * 1024)
#define COPY_CHUNK     (1024 * 1024)
#define NAME_TRIES     100

typedef struct {
	gint ref;
	FutAgent *agent;
	FutApiCall *call; /* NULL once answered */
	uid_t uid;
	pid_t pid;
	gchar *login;
	gchar *exe;
	int src_fd;
	gchar *src_path;
	gchar *name;
	GStrv dir;
	gchar *reason;
	/* the destination, copied: the device may go away while the job runs */
	gchar *devnode;
	guint major, minor;
	gchar *fs_type, *fs_uuid, *label;
	gchar *vid, *pid_str, *serial, *asset;
	/* results */
	FutSpoolEntry *spool;
	gchar *klass;
	gchar *class_why;
	gchar *written; /* relative path on the medium */
	guint64 last_progress;
} ExportJob;

static ExportJob *
job_ref(ExportJob *j)
{
	g_atomic_int_inc(&j->ref);
	return j;
}

static void
job_unref(ExportJob *j)
{
	if (!g_atomic_int_dec_and_test(&j->ref))
		return;
	if (j->src_fd >= 0)
		close(j->src_fd);
	g_free(j->login);
	g_free(j->exe);
	g_free(j->src_path);
	g_free(j->name);
	g_strfreev(j->dir);
	g_free(j->reason);
	g_free(j->devnode);
	g_free(j->fs_type);
	g_free(j->fs_uuid);
	g_free(j->label);
	g_free(j->vid);
	g_free(j->pid_str);
	g_free(j->serial);
	g_free(j->asset);
	if (j->spool != NULL) {
		fut_spool_entry_remove(j->spool);
		fut_spool_entry_free(j->spool);
	}
	g_free(j->klass);
	g_free(j->class_why);
	g_free(j->written);
	g_free(j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExportJob, job_unref)

/* --- event fields ---------------------------------------------------------------------- */

static void
set_str(JsonObject *o, const gchar *name, const gchar *value)
{
	if (value != NULL)
		json_object_set_string_member(o, name, value);
}

JsonObject *
fut_broker_device_fields(const FutUsbDevice *dev, const FutUsbVolume *vol, const gchar *why)
{
	JsonObject *f = json_object_new();
	JsonObject *dest = json_object_new();
	JsonObject *detail = json_object_new();

	if (vol == NULL && dev->volumes->len > 0)
		vol = g_ptr_array_index(dev->volumes, 0);
	json_object_set_string_member(dest, "kind", "usb");
	set_str(dest, "vid", dev->vid);
	set_str(dest, "pid", dev->pid);
	set_str(dest, "serial", dev->serial);
	if (vol != NULL) {
		set_str(dest, "fs_uuid", vol->fs_uuid);
		set_str(dest, "label", vol->fs_label);
		set_str(detail, "fs_type", vol->fs_type);
	}
	set_str(dest, "asset", dev->asset_id);
	set_str(detail, "devnode", dev->devnode);
	set_str(detail, "vendor", dev->vendor);
	set_str(detail, "product", dev->model);
	set_str(detail, "owner", dev->owner);
	set_str(detail, "suspicious", dev->suspicious);
	json_object_set_int_member(detail, "capacity", (gint64)dev->capacity);
	json_object_set_string_member(detail, "registered", dev->asset_id != NULL ? "yes" : "no");
	json_object_set_string_member(detail, "readonly", dev->readonly ? "yes" : "no");
	json_object_set_object_member(f, "destination", dest);
	json_object_set_object_member(f, "detail", detail);
	if (why != NULL)
		json_object_set_string_member(f, "reason", why);
	return f;
}

static JsonObject *
job_fields(ExportJob *j, const gchar *decision, const gchar *reason)
{
	JsonObject *f = json_object_new();
	JsonObject *subject = json_object_new();
	JsonObject *object = json_object_new();
	JsonObject *dest = json_object_new();
	JsonObject *detail = json_object_new();

	json_object_set_int_member(subject, "uid", j->uid);
	set_str(subject, "login", j->login);
	json_object_set_int_member(subject, "pid", j->pid);
	set_str(subject, "exe", j->exe);
	set_str(object, "path", j->src_path);
	if (j->spool != NULL) {
		g_autofree gchar *hex = fut_hex_encode(j->spool->sha256, FUT_SHA256_LEN);
		json_object_set_int_member(object, "size", (gint64)j->spool->size);
		json_object_set_string_member(object, "sha256", hex);
	}
	set_str(object, "class", j->klass);
	json_object_set_string_member(dest, "kind", "usb");
	set_str(dest, "vid", j->vid);
	set_str(dest, "pid", j->pid_str);
	set_str(dest, "serial", j->serial);
	set_str(dest, "fs_uuid", j->fs_uuid);
	set_str(dest, "label", j->label);
	set_str(dest, "asset", j->asset);
	set_str(detail, "class_evidence", j->class_why);
	set_str(detail, "written", j->written);
	set_str(detail, "requester_reason", j->reason);
	json_object_set_object_member(f, "subject", subject);
	json_object_set_object_member(f, "object", object);
	json_object_set_object_member(f, "destination", dest);
	json_object_set_object_member(f, "detail", detail);
	set_str(f, "decision", decision);
	set_str(f, "reason", reason);
	return f;
}

static gboolean
job_record(
    ExportJob *j, const gchar *event, const gchar *decision, const gchar *reason, GError **error)
{
	g_autoptr(JsonObject) f = job_fields(j, decision, reason);
	return fut_recorder_emit(j->agent->recorder, event, f, error);
}

/* --- classification (interim) ---------------------------------------------------------- */

/* The root-only label decides until the classifier is wired in; a label that cannot be
 * read counts as Class II (DESIGN §6: what cannot be read is Class II). */
static void
job_classify(ExportJob *j)
{
	gchar buf[16];
	ssize_t n = fgetxattr(j->src_fd, LABEL_XATTR, buf, sizeof(buf) - 1);

	if (n < 0 && (errno == ENODATA || errno == ENOTSUP)) {
		j->klass = g_strdup("III");
		j->class_why = g_strdup("no classification label");
		return;
	}
	if (n < 0) {
		j->klass = g_strdup("II");
		j->class_why = g_strdup_printf("label unreadable: %s", g_strerror(errno));
		return;
	}
	buf[n] = '\0';
	if (g_str_equal(buf, "I") || g_str_equal(buf, "II") || g_str_equal(buf, "III")) {
		j->klass = g_strdup(buf);
		j->class_why = g_strdup("label");
	} else {
		j->klass = g_strdup("II");
		j->class_why = g_strdup("malformed label");
	}
}

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

static gboolean
copy_verified(int in, int out, const guint8 want[FUT_SHA256_LEN], guint64 size, GError **error)
{
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = g_malloc(COPY_CHUNK);
	guint8 got[FUT_SHA256_LEN];
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
		fut_sha256_update(sha, buf, (gsize)n);
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
	fut_sha256_finish(sha, got);
	if (total != size || memcmp(got, want, FUT_SHA256_LEN) != 0) {
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
		if (mkdirat(dfd, dir[i], 0755) < 0 && errno != EEXIST) {
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
	ExportJob *j = data;
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
	if (!fut_write_path_step(wp, "writing", error))
		goto out;
	in = fut_spool_entry_open(j->spool, error);
	if (in < 0 || !copy_verified(in, out, j->spool->sha256, j->spool->size, error))
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
		if (!job_record(j, "export.written", "allow", NULL, error)) {
			g_prefix_error(error,
			               _("the log cannot be written, nothing was exported: "));
			goto out;
		}
		if (renameat2(dfd, partial, dfd, cand, RENAME_NOREPLACE) < 0) {
			int e = errno;
			g_autoptr(GError) lerr = NULL;
			fut_error_set_errno(error, e, _("naming the file on the stick"));
			job_record(j, "export.failed", NULL, (*error)->message, &lerr);
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

/* --- the job --------------------------------------------------------------------------- */

typedef struct {
	ExportJob *job;
	guint64 done, total;
} Progress;

static gboolean
progress_idle(gpointer data)
{
	Progress *p = data;

	if (p->job->call != NULL) {
		g_autoptr(JsonObject) o = json_object_new();
		json_object_set_string_member(o, "stage", "copy");
		json_object_set_int_member(o, "done", (gint64)p->done);
		json_object_set_int_member(o, "total", (gint64)p->total);
		fut_api_call_send_progress(p->job->call, o);
	}
	job_unref(p->job);
	g_free(p);
	return G_SOURCE_REMOVE;
}

static void
spool_progress(guint64 done, guint64 total, gpointer data)
{
	ExportJob *j = data;
	Progress *p;

	if (done - j->last_progress < PROGRESS_EVERY && done != total)
		return;
	j->last_progress = done;
	p = g_new0(Progress, 1);
	p->job = job_ref(j);
	p->done = done;
	p->total = total;
	g_idle_add_full(G_PRIORITY_DEFAULT, progress_idle, p, NULL);
}

static void
export_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	ExportJob *j = data;
	g_autoptr(GError) error = NULL;
	FutWriteTarget t = {0};
	gboolean ok;

	j->spool = fut_spool_ingest(
	    j->agent->config->spool_dir, j->uid, j->src_fd, j->agent->config->max_export_bytes,
	    j->agent->config->spool_bytes_per_uid, spool_progress, j, &error);
	if (j->spool == NULL) {
		g_autoptr(GError) lerr = NULL;
		job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	job_classify(j);
	if (!g_str_equal(j->klass, "III")) {
		g_autoptr(GError) lerr = NULL;
		/* Requests for Class I and II come with the approval protocol. */
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("Class %s: approval needed, and this agent cannot make approval "
		              "requests yet; nothing was exported"),
		            j->klass);
		job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	t.state_dir = j->agent->config->state_dir;
	t.devnode = j->devnode;
	t.major = j->major;
	t.minor = j->minor;
	t.fs_type = j->fs_type;
	t.fs_uuid = j->fs_uuid;
	fut_usb_store_set_busy(j->agent->usb, j->major, j->minor, TRUE);
	ok = fut_write_path_run(&t, export_write_cb, j, &error);
	fut_usb_store_set_busy(j->agent->usb, j->major, j->minor, FALSE);
	if (!ok) {
		g_autoptr(GError) lerr = NULL;
		job_record(j, "export.failed", NULL, error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static void
export_done(GObject *source, GAsyncResult *res, gpointer data)
{
	ExportJob *j = data;
	g_autoptr(GError) error = NULL;
	FutApiCall *call = g_steal_pointer(&j->call);

	if (!g_task_propagate_boolean(G_TASK(res), &error)) {
		fut_api_call_return_error(call, error);
	} else {
		g_autoptr(JsonObject) r = json_object_new();
		g_autofree gchar *hex = fut_hex_encode(j->spool->sha256, FUT_SHA256_LEN);
		json_object_set_string_member(r, "class", j->klass);
		json_object_set_string_member(r, "class_evidence", j->class_why);
		json_object_set_string_member(r, "written", j->written);
		json_object_set_string_member(r, "sha256", hex);
		json_object_set_int_member(r, "size", (gint64)j->spool->size);
		set_str(r, "asset", j->asset);
		set_str(r, "serial", j->serial);
		set_str(r, "label", j->label);
		fut_api_call_return(call, r);
	}
	job_unref(j);
}

static gchar *
lookup_login(uid_t uid)
{
	struct passwd pw, *res = NULL;
	gchar buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return g_strdup_printf("uid%u", (guint)uid);
	return g_strdup(res->pw_name);
}

static gchar *
read_link(const gchar *path)
{
	return g_file_read_link(path, NULL);
}

static gboolean
get_reason(JsonObject *args, gchar **ret, GError **error)
{
	const gchar *reason = NULL;

	if (!fut_api_get_string(args, "reason", TRUE, &reason, error))
		return FALSE;
	if (*reason == '\0' || strlen(reason) > REASON_MAX || !g_utf8_validate(reason, -1, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("--reason must be 1 to %d bytes of text"), REASON_MAX);
		return FALSE;
	}
	for (const gchar *p = reason; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("--reason must be one line without control characters"));
			return FALSE;
		}
	}
	*ret = g_strdup(reason);
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
	g_autoptr(ExportJob) j = g_new0(ExportJob, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GTask) task = NULL;
	const gchar *name = NULL, *to = NULL, *dir = NULL;
	const FutUsbDevice *d;
	const FutUsbVolume *v;
	g_autofree gchar *fdlink = NULL;
	g_autofree gchar *exelink = NULL;

	j->ref = 1;
	j->agent = agent;
	j->src_fd = fut_api_call_steal_fd(call);
	j->uid = fut_api_call_get_uid(call);
	j->pid = fut_api_call_get_pid(call);
	j->login = lookup_login(j->uid);
	fdlink = g_strdup_printf("/proc/self/fd/%d", j->src_fd);
	exelink = g_strdup_printf("/proc/%d/exe", (int)j->pid);
	/* The kernel's name for what the caller opened: path rules and logs use this, not a
	 * path the client could make up. */
	j->src_path = read_link(fdlink);
	j->exe = read_link(exelink);

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "dir", FALSE, &dir, &error) ||
	    !get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to", "dir", "reason", NULL};
		g_autoptr(GList) members = json_object_get_members(args);
		for (GList *it = members; it != NULL; it = it->next) {
			if (!g_strv_contains(known, it->data)) {
				g_autofree gchar *em = fut_strescape(it->data, -1);
				g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("unknown argument '%s'"), em);
				goto refuse;
			}
		}
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
	j->devnode = g_strdup(v->devnode);
	j->major = v->major;
	j->minor = v->minor;
	j->fs_type = g_strdup(v->fs_type);
	j->fs_uuid = g_strdup(v->fs_uuid);
	j->label = g_strdup(v->fs_label);
	j->vid = g_strdup(d->vid);
	j->pid_str = g_strdup(d->pid);
	j->serial = g_strdup(d->serial);
	j->asset = g_strdup(d->asset_id);
	if (d->suspicious != NULL) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("this stick also acts as a keyboard or network device (%s): futari "
		              "never writes to it; tell IT"),
		            d->suspicious);
		goto refuse;
	}
	if (!d->readonly) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("the stick could not be made read-only, so the agent will not write "
		              "to it; tell IT"));
		goto refuse;
	}
	if (d->asset_id == NULL && !agent->config->export_unregistered) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("this stick is not in the media register: exports go only to "
		              "registered sticks (ask IT to register it)"));
		goto refuse;
	}
	j->call = call;
	task = g_task_new(NULL, NULL, export_done, job_ref(j));
	g_task_set_task_data(task, job_ref(j), (GDestroyNotify)job_unref);
	g_task_run_in_thread(task, export_thread);
	return;
refuse : {
	g_autoptr(GError) lerr = NULL;
	if (!job_record(j, "export.refused", "deny", error->message, &lerr))
		g_prefix_error(&error, _("(and the log failed) "));
}
	fut_api_call_return_error(call, error);
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

		set_str(detail, "devnode", l->devnode);
		set_str(detail, "step", l->step);
		set_str(detail, "partial", l->partial);
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
