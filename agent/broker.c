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
#include "fanwatch.h"
#include "fsname.h"
#include "logrecord.h"
#include "pending.h"
#include "redeem.h"
#include "token.h"
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
	/* The configuration when the job began: a reload (SIGHUP) retires the old one but never
	 * frees it while the agent runs, so worker threads may keep reading it. */
	const FutConfig *config;
	FutClassifier *classifier; /* likewise retired, never freed, by a reload */
	FutApiCall *call;          /* NULL once answered */
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
	gchar *disk_devnode; /* when the volume is a partition */
	guint disk_major, disk_minor;
	guint major, minor;
	gchar *fs_type, *fs_uuid, *label;
	gchar *vid, *pid_str, *serial, *asset;
	/* upload requests (channel upload): the remote host and the program, NULL for any */
	gboolean upload;
	gchar *sha256_hex; /* the request's digest, when there is no spooled copy */
	gchar *upload_host;
	gchar *upload_program;
	/* redeem */
	gchar *request_id;
	GPtrArray *approvers; /* certificate serials, for the log */
	FutPendingEntry *pending;
	/* results */
	FutSpoolEntry *spool;
	gboolean keep_spool; /* a pending request holds it */
	gchar *request_text;
	gchar *klass;
	gchar *class_why;
	gchar *written; /* relative path on the medium */
	guint64 last_progress;
	guint64 reserved;    /* spool bytes reserved for this job (agent->spool_reserved) */
	gboolean holds_work; /* holds one of the caller's work shares (work_begin) */
} ExportJob;

static ExportJob *
job_ref(ExportJob *j)
{
	g_atomic_int_inc(&j->ref);
	return j;
}

static void work_end(uid_t uid);

static void
job_unref(ExportJob *j)
{
	if (!g_atomic_int_dec_and_test(&j->ref))
		return;
	if (j->holds_work)
		work_end(j->uid);
	if (j->src_fd >= 0)
		close(j->src_fd);
	g_free(j->login);
	g_free(j->exe);
	g_free(j->src_path);
	g_free(j->name);
	g_strfreev(j->dir);
	g_free(j->reason);
	g_free(j->devnode);
	g_free(j->disk_devnode);
	g_free(j->fs_type);
	g_free(j->fs_uuid);
	g_free(j->label);
	g_free(j->vid);
	g_free(j->pid_str);
	g_free(j->serial);
	g_free(j->asset);
	g_free(j->upload_host);
	g_free(j->upload_program);
	g_free(j->sha256_hex);
	if (j->spool != NULL) {
		if (!j->keep_spool)
			fut_spool_entry_remove(j->spool);
		fut_spool_entry_free(j->spool);
	}
	g_free(j->request_id);
	if (j->approvers != NULL)
		g_ptr_array_unref(j->approvers);
	fut_pending_entry_free(j->pending);
	g_free(j->request_text);
	g_free(j->klass);
	g_free(j->class_why);
	g_free(j->written);
	g_free(j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExportJob, job_unref)

static gchar *
read_link(const gchar *path)
{
	return g_file_read_link(path, NULL);
}

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
	} else {
		set_str(object, "sha256", j->sha256_hex);
	}
	set_str(object, "class", j->klass);
	if (j->upload) {
		json_object_set_string_member(dest, "kind", "upload");
		set_str(dest, "host", j->upload_host);
		set_str(dest, "program", j->upload_program);
	} else {
		json_object_set_string_member(dest, "kind", "usb");
	}
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
	set_str(f, "request", j->request_id);
	if (j->approvers != NULL && j->approvers->len > 0) {
		JsonArray *a = json_array_new();
		for (guint i = 0; i < j->approvers->len; i++)
			json_array_add_string_element(a, g_ptr_array_index(j->approvers, i));
		json_object_set_array_member(f, "approvers", a);
	}
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

/* The file's own label: read from the caller's file, since the spooled copy has none. A
 * label that cannot be read, or is not exactly I, II or III, counts as Class II (DESIGN §6).
 * Returns NONE when the file has no label. */
static FutClass
read_label(int fd, gchar **ret_why)
{
	gchar buf[17];
	ssize_t n = fgetxattr(fd, FUT_CLASSIFY_XATTR, buf, sizeof(buf));
	FutClass c;

	if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
		return FUT_CLASS_NONE;
	if (n < 0) {
		*ret_why = g_strdup_printf("label: unreadable label (%s)", g_strerror(errno));
		return FUT_CLASS_II;
	}
	c = fut_class_parse(buf, (gsize)n);
	if (c == FUT_CLASS_NONE) {
		*ret_why = g_strdup("label: unreadable label (not I, II or III)");
		return FUT_CLASS_II;
	}
	*ret_why = g_strdup_printf("label: labelled Class %s", fut_class_name(c));
	return c;
}

/* Classifies the spooled copy (content, label memory, and path rules on the path the kernel
 * gave for the caller's file) and adds the caller's file label: the class is the strictest.
 * The evidence is one short line for the request and the log. */
static void
job_classify(ExportJob *j)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) c = NULL;
	g_autoptr(GString) why = g_string_new(NULL);
	g_autofree gchar *label_why = NULL;
	FutClass label = read_label(j->src_fd, &label_why);
	FutClass klass;
	int fd = fut_spool_entry_open(j->spool, &error);

	if (fd < 0) {
		j->klass = g_strdup("II");
		j->class_why = g_strdup_printf("unreadable: %s", error->message);
		return;
	}
	c = fut_classifier_classify_fd(j->classifier, fd, j->src_path, FUT_CLASSIFY_FLAG_NONE);
	close(fd);
	klass = fut_class_max(c->klass, label);
	if (label_why != NULL)
		g_string_append(why, label_why);
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (why->len > 0)
			g_string_append(why, "; ");
		g_string_append_printf(why, "%s: %s", e->rule, e->description);
	}
	if (why->len == 0)
		g_string_append(why, "no finding");
	j->klass = g_strdup(fut_class_name(klass));
	j->class_why = g_strndup(why->str, 480);
	if (!g_utf8_validate(j->class_why, -1, NULL)) {
		/* cut in the middle of a character: drop the tail */
		const gchar *end = NULL;
		g_utf8_validate(j->class_why, -1, &end);
		j->class_why[end - j->class_why] = '\0';
	}
}

/* --- each user's share of the workers --------------------------------------------------- */

/* A worker reading a file a user handed over can be made to wait for ever (a FUSE
 * filesystem of theirs: tests/integration/fault-stalled-file.sh), and the user's client may
 * leave meanwhile and ask again. Without a bound one user could so take every worker
 * thread GLib would start. Each user has FUT_BROKER_WORK_PER_UID workers reading their
 * files (classify, label, export, upload-request) at a time; more are refused until one
 * ends. A share ends when its job is freed, in whichever thread that happens. */
static GMutex work_lock;
static GHashTable *work_per_uid; /* uid -> workers in use */

static gboolean
work_begin(uid_t uid, GError **error)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&work_lock);
	guint n;

	if (work_per_uid == NULL)
		work_per_uid = g_hash_table_new(NULL, NULL);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(work_per_uid, GUINT_TO_POINTER(uid)));
	if (n >= FUT_BROKER_WORK_PER_UID) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("you already have %u requests in progress whose files are still "
		              "being read; wait for one to finish"),
		            n);
		return FALSE;
	}
	g_hash_table_insert(work_per_uid, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n + 1));
	return TRUE;
}

static void
work_end(uid_t uid)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&work_lock);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(work_per_uid, GUINT_TO_POINTER(uid)));

	if (n <= 1)
		g_hash_table_remove(work_per_uid, GUINT_TO_POINTER(uid));
	else
		g_hash_table_insert(work_per_uid, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n - 1));
}

typedef struct {
	FutClassifier *classifier;
	int fd;
	gchar *path;
	uid_t uid; /* holds a work share */
} ClassifyJob;

static void
classify_job_free(ClassifyJob *cj)
{
	work_end(cj->uid);
	if (cj->fd >= 0)
		close(cj->fd);
	g_free(cj->path);
	g_free(cj);
}

static void
classify_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	ClassifyJob *cj = data;
	/* The caller's own file: the classifier reads its label itself. */
	FutClassification *c =
	    fut_classifier_classify_fd(cj->classifier, cj->fd, cj->path, FUT_CLASSIFY_FLAG_DIGEST);
	g_task_return_pointer(task, c, (GDestroyNotify)fut_classification_free);
}

static void
classify_done(GObject *source, GAsyncResult *res, gpointer data)
{
	FutApiCall *call = data;
	ClassifyJob *cj = g_task_get_task_data(G_TASK(res));
	g_autoptr(FutClassification) c = g_task_propagate_pointer(G_TASK(res), NULL);
	g_autofree gchar *name = cj->path != NULL ? g_path_get_basename(cj->path) : g_strdup("-");
	g_autoptr(JsonNode) node = fut_classification_to_json(c, name);
	g_autofree gchar *text = fut_classification_to_text(c, name);
	JsonObject *r = json_node_get_object(node);

	json_object_set_string_member(r, "text", text);
	fut_api_call_return(call, r);
}

void
fut_broker_classify(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GTask) task = NULL;
	ClassifyJob *cj;
	g_autofree gchar *fdlink = NULL;
	struct stat st;
	int fd = fut_api_call_get_fd(call);

	if (json_object_get_size(args) != 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("classify takes no arguments, only the open file"));
		fut_api_call_return_error(call, error);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("only regular files can be classified"));
		fut_api_call_return_error(call, error);
		return;
	}
	if (!work_begin(fut_api_call_get_uid(call), &error)) {
		fut_api_call_return_error(call, error);
		return;
	}
	cj = g_new0(ClassifyJob, 1);
	cj->uid = fut_api_call_get_uid(call);
	cj->classifier = agent->classifier;
	cj->fd = fut_api_call_steal_fd(call);
	fdlink = g_strdup_printf("/proc/self/fd/%d", cj->fd);
	cj->path = read_link(fdlink);
	task = g_task_new(NULL, NULL, classify_done, call);
	g_task_set_task_data(task, cj, (GDestroyNotify)classify_job_free);
	g_task_run_in_thread(task, classify_thread);
}

/* --- label ----------------------------------------------------------------------------- */

typedef struct {
	FutAgent *agent;
	FutClassifier *classifier;
	int fd;
	uid_t uid;
	FutClass want;
	gchar *path;
	/* results */
	FutClass was;
	gboolean has_digest;
	guint8 digest[FUT_SHA256_LEN];
} LabelJob;

static void
label_job_free(LabelJob *lj)
{
	work_end(lj->uid);
	if (lj->fd >= 0)
		close(lj->fd);
	g_free(lj->path);
	g_free(lj);
}

/* The owner may raise the class (or keep it); only root lowers it. The current class is
 * what the classifier gives (label, label memory, content), so an owner cannot lower a
 * file whose content alone makes it stricter either. */
static void
label_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	LabelJob *lj = data;
	g_autoptr(FutClassification) c = NULL;
	GError *error = NULL;
	struct stat st;

	if (fstat(lj->fd, &st) < 0) {
		fut_error_set_errno(&error, errno, _("reading the file"));
		g_task_return_error(task, error);
		return;
	}
	c = fut_classifier_classify_fd(lj->classifier, lj->fd, lj->path, FUT_CLASSIFY_FLAG_DIGEST);
	lj->was = c->klass;
	lj->has_digest = c->has_digest;
	memcpy(lj->digest, c->digest, FUT_SHA256_LEN);
	if (lj->uid != 0) {
		if (st.st_uid != lj->uid) {
			g_task_return_new_error(task, FUT_ERROR, FUT_ERROR_REFUSED,
			                        _("only the file's owner or root can label it"));
			return;
		}
		if (fut_class_max(lj->want, lj->was) != lj->want) {
			g_task_return_new_error(
			    task, FUT_ERROR, FUT_ERROR_REFUSED,
			    _("the file is Class %s: only root can lower its class to %s"),
			    fut_class_name(lj->was), fut_class_name(lj->want));
			return;
		}
	}
	if (!fut_classify_write_label(lj->fd, lj->want, &error)) {
		g_task_return_error(task, error);
		return;
	}
	/* Exact copies keep the class; a file whose content was not wholly read (too large)
	 * keeps only its own label. */
	if (lj->has_digest &&
	    !fut_labelstore_record(lj->agent->labels, lj->digest, lj->want, &error)) {
		g_task_return_error(task, error);
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static void
label_done(GObject *source, GAsyncResult *res, gpointer data)
{
	FutApiCall *call = data;
	LabelJob *lj = g_task_get_task_data(G_TASK(res));
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) lerr = NULL;
	g_autoptr(JsonObject) f = json_object_new();
	g_autoptr(JsonObject) r = json_object_new();
	JsonObject *subject = json_object_new();
	JsonObject *object = json_object_new();
	JsonObject *detail = json_object_new();
	gboolean ok = g_task_propagate_boolean(G_TASK(res), &error);
	g_autofree gchar *name = lj->path != NULL ? g_path_get_basename(lj->path) : g_strdup("-");

	json_object_set_int_member(subject, "uid", lj->uid);
	set_str(object, "path", lj->path);
	if (lj->has_digest) {
		g_autofree gchar *hex = fut_hex_encode(lj->digest, FUT_SHA256_LEN);
		json_object_set_string_member(object, "sha256", hex);
	}
	json_object_set_string_member(object, "class", fut_class_name(lj->want));
	if (lj->was != FUT_CLASS_NONE)
		json_object_set_string_member(detail, "previous_class", fut_class_name(lj->was));
	json_object_set_object_member(f, "subject", subject);
	json_object_set_object_member(f, "object", object);
	json_object_set_object_member(f, "detail", detail);
	json_object_set_string_member(f, "decision", ok ? "allow" : "deny");
	if (!ok)
		json_object_set_string_member(f, "reason", error->message);
	if (!fut_recorder_emit(lj->agent->recorder, FUT_LOG_EV_LABEL_CHANGED, f, &lerr))
		g_warning("label: %s", lerr->message);
	if (!ok) {
		fut_api_call_return_error(call, error);
		return;
	}
	/* Upload control may hold this file, or copies of it, as judged Class III: judge again. */
	if (lj->agent->fanwatch != NULL) {
		g_autoptr(GError) ferr = NULL;
		if (!fut_fanwatch_relabelled(lj->agent->fanwatch, &ferr))
			g_warning("label: upload control: %s", ferr->message);
	}
	{
		g_autofree gchar *ename = fut_strescape(name, -1);
		json_object_set_string_member(r, "file", ename);
	}
	json_object_set_string_member(r, "class", fut_class_name(lj->want));
	json_object_set_string_member(r, "previous_class", fut_class_name(lj->was));
	fut_api_call_return(call, r);
}

void
fut_broker_label(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GTask) task = NULL;
	g_autofree gchar *fdlink = NULL;
	LabelJob *lj;
	struct stat st;
	const gchar *klass = NULL;
	FutClass want = FUT_CLASS_NONE;
	int fd = fut_api_call_get_fd(call);

	if (json_object_get_size(args) == 1 && json_object_has_member(args, "class")) {
		JsonNode *n = json_object_get_member(args, "class");
		if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
			klass = json_node_get_string(n);
	}
	if (klass != NULL)
		want = fut_class_parse(klass, strlen(klass));
	if (want == FUT_CLASS_NONE) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("label takes the open file and one argument, class: I, II or III"));
		fut_api_call_return_error(call, error);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("only regular files can be labelled"));
		fut_api_call_return_error(call, error);
		return;
	}
	if (!work_begin(fut_api_call_get_uid(call), &error)) {
		fut_api_call_return_error(call, error);
		return;
	}
	lj = g_new0(LabelJob, 1);
	lj->agent = agent;
	lj->classifier = agent->classifier;
	lj->uid = fut_api_call_get_uid(call);
	lj->want = want;
	lj->fd = fut_api_call_steal_fd(call);
	fdlink = g_strdup_printf("/proc/self/fd/%d", lj->fd);
	lj->path = read_link(fdlink);
	task = g_task_new(NULL, NULL, label_done, call);
	g_task_set_task_data(task, lj, (GDestroyNotify)label_job_free);
	g_task_run_in_thread(task, label_thread);
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
		if (!job_record(j, "export.written", "allow", NULL, error)) {
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
			job_record(j, "export.failed", NULL, (*error)->message, &lerr);
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

static gboolean write_job(ExportJob *j, GError **error);
static void release_spool(ExportJob *j);
static gboolean make_request(ExportJob *j, GError **error);
static gboolean
job_set_destination(ExportJob *j, const FutUsbDevice *d, const FutUsbVolume *v, GError **error);

static void
export_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	ExportJob *j = data;
	g_autoptr(GError) error = NULL;

	j->spool =
	    fut_spool_ingest(j->config->spool_dir, j->uid, j->src_fd, j->config->max_export_bytes,
	                     j->config->spool_bytes_per_uid, spool_progress, j, &error);
	if (j->spool == NULL) {
		g_autoptr(GError) lerr = NULL;
		job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	job_classify(j);
	if (!g_str_equal(j->klass, "III")) {
		g_autoptr(GError) lerr = NULL;
		if (!make_request(j, &error)) {
			job_record(j, "export.refused", "deny", error->message, &lerr);
			g_task_return_error(task, g_steal_pointer(&error));
			return;
		}
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (!write_job(j, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static gboolean
write_job(ExportJob *j, GError **error)
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
		job_record(j, "export.failed", NULL, (*error)->message, &lerr);
		return FALSE;
	}
	return TRUE;
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
		set_str(r, "class_evidence", j->class_why);
		set_str(r, "written", j->written);
		set_str(r, "request_id", j->request_id);
		set_str(r, "request_text", j->request_text);
		json_object_set_string_member(r, "sha256", hex);
		json_object_set_int_member(r, "size", (gint64)j->spool->size);
		set_str(r, "asset", j->asset);
		set_str(r, "serial", j->serial);
		set_str(r, "label", j->label);
		json_object_set_string_member(r, "channel", j->upload ? "upload" : "usb");
		set_str(r, "upload_host", j->upload_host);
		set_str(r, "upload_program", j->upload_program);
		fut_api_call_return(call, r);
	}
	if (j->pending != NULL && j->request_id != NULL)
		g_hash_table_remove(j->agent->redeeming, j->request_id);
	release_spool(j);
	g_atomic_int_add(&j->agent->active_jobs, -1);
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

/* Exports of one user copy into the spool in parallel: each checks the quota against what
 * is on disk plus what the others have reserved, so together they cannot exceed it. Main
 * thread only. */
static gboolean
reserve_spool(ExportJob *j, GError **error)
{
	GHashTable *res = j->agent->spool_reserved;
	guint64 held = GPOINTER_TO_SIZE(g_hash_table_lookup(res, GUINT_TO_POINTER(j->uid)));
	struct stat st;

	if (fstat(j->src_fd, &st) < 0)
		return fut_error_set_errno(error, errno, _("the file to export"));
	if (fut_spool_usage(j->config->spool_dir, j->uid) + held + (guint64)st.st_size >
	    j->config->spool_bytes_per_uid) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("your exports in progress and waiting for approval already use the "
		              "spool space allowed: wait, redeem or let old requests expire"));
		return FALSE;
	}
	j->reserved = (guint64)st.st_size;
	g_hash_table_insert(res, GUINT_TO_POINTER(j->uid), GSIZE_TO_POINTER(held + j->reserved));
	return TRUE;
}

static void
release_spool(ExportJob *j)
{
	GHashTable *res = j->agent->spool_reserved;
	guint64 held = GPOINTER_TO_SIZE(g_hash_table_lookup(res, GUINT_TO_POINTER(j->uid)));

	if (j->reserved == 0)
		return;
	held -= MIN(held, j->reserved);
	if (held == 0)
		g_hash_table_remove(res, GUINT_TO_POINTER(j->uid));
	else
		g_hash_table_insert(res, GUINT_TO_POINTER(j->uid), GSIZE_TO_POINTER(held));
	j->reserved = 0;
}

/* Fills the caller's side of a new job: the descriptor it passed, who it is (from the
 * socket, never from the message), the kernel's name for the file it opened (path rules
 * and logs use this, not a path the client could make up) and its program. */
static void
job_take_caller(ExportJob *j, FutApiCall *call)
{
	g_autofree gchar *fdlink = NULL;
	g_autofree gchar *exelink = NULL;

	j->src_fd = fut_api_call_steal_fd(call);
	j->uid = fut_api_call_get_uid(call);
	j->pid = fut_api_call_get_pid(call);
	j->login = lookup_login(j->uid);
	fdlink = g_strdup_printf("/proc/self/fd/%d", j->src_fd);
	exelink = g_strdup_printf("/proc/%d/exe", (int)j->pid);
	j->src_path = read_link(fdlink);
	j->exe = read_link(exelink);
}

/* Refuses a member of @args that is not in @known (NULL-terminated). */
static gboolean
args_check_known(JsonObject *args, const gchar *const *known, GError **error)
{
	g_autoptr(GList) members = json_object_get_members(args);

	for (GList *it = members; it != NULL; it = it->next) {
		if (!g_strv_contains(known, it->data)) {
			g_autofree gchar *em = fut_strescape(it->data, -1);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("unknown argument '%s'"), em);
			return FALSE;
		}
	}
	return TRUE;
}

/* Runs @func for the accepted job @j in a worker thread; the reply comes from export_done. */
static void
job_start(ExportJob *j, FutApiCall *call, GTaskThreadFunc func)
{
	g_autoptr(GTask) task = NULL;

	j->call = call;
	g_atomic_int_inc(&j->agent->active_jobs);
	task = g_task_new(NULL, NULL, export_done, job_ref(j));
	g_task_set_task_data(task, job_ref(j), (GDestroyNotify)job_unref);
	g_task_run_in_thread(task, func);
}

/* Logs the refusal of @j (export.refused) and answers the caller; takes @error. */
static void
job_refuse(ExportJob *j, FutApiCall *call, GError *error)
{
	g_autoptr(GError) owned = error;
	g_autoptr(GError) lerr = NULL;

	if (!job_record(j, "export.refused", "deny", owned->message, &lerr))
		g_prefix_error(&owned, _("(and the log failed) "));
	fut_api_call_return_error(call, owned);
}

void
fut_broker_export(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(ExportJob) j = g_new0(ExportJob, 1);
	g_autoptr(GError) error = NULL;
	const gchar *name = NULL, *to = NULL, *dir = NULL;
	const FutUsbDevice *d;
	const FutUsbVolume *v;

	j->ref = 1;
	j->agent = agent;
	j->config = agent->config;
	j->classifier = agent->classifier;
	job_take_caller(j, call);
	if (!work_begin(j->uid, &error))
		goto refuse;
	j->holds_work = TRUE;

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "dir", FALSE, &dir, &error) ||
	    !get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to", "dir", "reason", NULL};
		if (!args_check_known(args, known, &error))
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
	if (!job_set_destination(j, d, v, &error))
		goto refuse;
	if (!reserve_spool(j, &error))
		goto refuse;
	job_start(j, call, export_thread);
	return;
refuse:
	job_refuse(j, call, g_steal_pointer(&error));
}

/* --- upload requests ----------------------------------------------------------------- */

static void
upload_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	ExportJob *j = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) lerr = NULL;

	/* Through the spool, as an export: the bytes hashed are the bytes classified, within
	 * the same limits. The copy goes once the request is made. */
	j->spool =
	    fut_spool_ingest(j->config->spool_dir, j->uid, j->src_fd, j->config->max_export_bytes,
	                     j->config->spool_bytes_per_uid, spool_progress, j, &error);
	if (j->spool == NULL) {
		job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	job_classify(j);
	if (g_str_equal(j->klass, "III")) {
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (!make_request(j, &error)) {
		job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/* A host name or address as a person types it: 1-253 characters of letters, digits and
 * . - _ : [ ] (IPv6 literals), no spaces or controls. The agent cannot see where a program
 * connects; the host is for the approver and the log. */
static gboolean
upload_host_valid(const gchar *h)
{
	gsize n = strlen(h);

	if (n == 0 || n > 253)
		return FALSE;
	for (const gchar *p = h; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr(".-_:[]", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

void
fut_broker_upload_request(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(ExportJob) j = g_new0(ExportJob, 1);
	g_autoptr(GError) error = NULL;
	const gchar *name = NULL, *to = NULL, *app = NULL;
	struct stat st;

	j->ref = 1;
	j->agent = agent;
	j->config = agent->config;
	j->classifier = agent->classifier;
	j->upload = TRUE;
	job_take_caller(j, call);
	if (!work_begin(j->uid, &error))
		goto refuse;
	j->holds_work = TRUE;

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "app", FALSE, &app, &error) ||
	    !get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to", "app", "reason", NULL};
		if (!args_check_known(args, known, &error))
			goto refuse;
	}
	if (!upload_host_valid(to)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("--to must be a host name or address (letters, digits, . - _ : [ ]; "
		              "at most 253)"));
		goto refuse;
	}
	j->upload_host = g_strdup(to);
	if (app != NULL) {
		gboolean bad = app[0] != '/' || strlen(app) > FUT_TEXT_MAX ||
		               !g_utf8_validate(app, -1, NULL) || strstr(app, "/../") != NULL ||
		               g_str_has_suffix(app, "/..");
		for (const gchar *p = app; !bad && *p != '\0'; p++)
			bad = (guchar)*p < 0x20 || *p == 0x7f;
		if (bad) {
			g_set_error(
			    &error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			    _("--app must be the absolute path of the program's executable"));
			goto refuse;
		}
		j->upload_program = g_strdup(app);
	}
	/* The name is only shown to the approver: the same rules as an exported name. */
	j->name = fut_fsname_sanitize(name, &error);
	if (j->name == NULL)
		goto refuse;
	if (fstat(j->src_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("only a regular file can be uploaded"));
		goto refuse;
	}
	if (agent->fanwatch == NULL) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("upload control is not configured on this PC: uploads need no "
		              "approval here"));
		goto refuse;
	}
	if (!reserve_spool(j, &error))
		goto refuse;
	job_start(j, call, upload_thread);
	return;
refuse:
	job_refuse(j, call, g_steal_pointer(&error));
}

/* --- Class I and II: requests --------------------------------------------------------- */

/* Requests are made in worker threads: the pending count is checked and the new request
 * added under this lock, or requests made at the same time would all pass the check. */
static GMutex request_lock;

static gboolean
make_request(ExportJob *j, GError **error)
{
	FutAgent *agent = j->agent;
	g_autoptr(FutRequest) req = fut_request_new();
	g_autoptr(FutPendingEntry) e = g_new0(FutPendingEntry, 1);
	g_autoptr(GString) dir = g_string_new(NULL);
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&request_lock);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (fut_pending_count(j->config->state_dir, j->uid, now) >= j->config->pending_per_uid) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("you already have %u requests waiting for approval: redeem them "
		              "or let them expire first"),
		            j->config->pending_per_uid);
		return FALSE;
	}
	req->host = g_strdup(agent->host);
	req->requester = g_strdup(j->login);
	req->uid = j->uid;
	if (j->upload) {
		req->destination.channel = FUT_CHANNEL_UPLOAD;
		req->destination.upload_host = g_strdup(j->upload_host);
		/* The format needs a program; "any upload program" is written as "*". */
		req->destination.upload_program = g_strdup(
		    j->upload_program != NULL ? j->upload_program : FUT_UPLOAD_ANY_PROGRAM);
	} else {
		req->destination.channel = FUT_CHANNEL_USB;
		req->destination.usb_vendor = g_strdup(j->vid != NULL ? j->vid : "");
		req->destination.usb_product = g_strdup(j->pid_str != NULL ? j->pid_str : "");
		req->destination.usb_serial = g_strdup(j->serial != NULL ? j->serial : "");
		req->destination.usb_fs_uuid = g_strdup(j->fs_uuid != NULL ? j->fs_uuid : "");
		req->destination.usb_label = g_strdup(j->label != NULL ? j->label : "");
	}
	req->file_name = g_strdup(j->name);
	req->size = j->spool->size;
	memcpy(req->sha256, j->spool->sha256, FUT_SHA256_LEN);
	req->klass = fut_class_from_string(j->klass);
	req->class_evidence = g_strndup(j->class_why, FUT_EVIDENCE_MAX);
	req->reason = g_strdup(j->reason);
	req->created = now;
	req->expires = now + (gint64)j->config->request_lifetime_hours * 3600;
	if (!fut_request_set_random_nonce(req, error) ||
	    !fut_request_sign(req, agent->host_key, error))
		return FALSE;
	j->request_text = fut_request_to_text(req, error);
	if (j->request_text == NULL)
		return FALSE;
	j->request_id = fut_request_dup_id_string(req);
	for (guint i = 0; j->dir != NULL && j->dir[i] != NULL; i++) {
		if (i > 0)
			g_string_append_c(dir, '/');
		g_string_append(dir, j->dir[i]);
	}
	e->id = g_strdup(j->request_id);
	e->uid = j->uid;
	e->spool_id = g_strdup(j->spool->id);
	e->name = g_strdup(j->name);
	e->dir = g_strdup(dir->str);
	e->request_text = g_strdup(j->request_text);
	e->state = g_strdup(FUT_PENDING_STATE_PENDING);
	e->expires = req->expires;
	/* Logged first: a request nobody can find in the log must not exist. */
	if (!job_record(j, "export.requested", NULL, j->reason, error))
		return FALSE;
	/* An upload request needs no copy: the approval names the content by its digest and
	 * the listener checks the digest of what the program opens. */
	if (!j->upload && !fut_spool_entry_sync(j->spool, error))
		return FALSE;
	if (!fut_pending_add(j->config->state_dir, e, error))
		return FALSE;
	j->keep_spool = !j->upload;
	return TRUE;
}

static FutRequestState
lookup_request_state(const guint8 id[FUT_REQUEST_ID_LEN], gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autofree gchar *hex = fut_hex_encode(id, FUT_REQUEST_ID_LEN);
	g_autoptr(FutPendingEntry) e = fut_pending_load(agent->config->state_dir, hex, NULL);

	if (e == NULL)
		return FUT_REQUEST_STATE_UNKNOWN;
	if (g_str_equal(e->state, FUT_PENDING_STATE_REDEEMED)) {
		/* An upload approval is a window, not a single use: redeeming it again only
		 * activates the same window again (after an agent restart, whose approval table
		 * starts empty), never a longer one. A USB export is written once. */
		g_autoptr(FutRequest) req =
		    fut_request_parse(e->request_text, strlen(e->request_text), NULL);
		if (req != NULL && req->destination.channel == FUT_CHANNEL_UPLOAD)
			return FUT_REQUEST_STATE_PENDING;
		return FUT_REQUEST_STATE_REDEEMED;
	}
	return FUT_REQUEST_STATE_PENDING;
}

/* Finds the attached volume with the identity in the request. */
static gboolean
find_request_destination(FutAgent *agent,
                         const FutRequest *req,
                         const FutUsbDevice **ret_dev,
                         const FutUsbVolume **ret_vol)
{
	g_autoptr(GPtrArray) devices = fut_usb_store_get_devices(agent->usb);
	const FutDestination *want = &req->destination;

	for (guint i = 0; i < devices->len; i++) {
		const FutUsbDevice *d = g_ptr_array_index(devices, i);
		if (g_strcmp0(d->serial, want->usb_serial) != 0 ||
		    g_strcmp0(d->vid, want->usb_vendor) != 0 ||
		    g_strcmp0(d->pid, want->usb_product) != 0)
			continue;
		for (guint k = 0; k < d->volumes->len; k++) {
			const FutUsbVolume *v = g_ptr_array_index(d->volumes, k);
			if (g_strcmp0(v->fs_uuid != NULL ? v->fs_uuid : "", want->usb_fs_uuid) ==
			    0) {
				*ret_dev = d;
				*ret_vol = v;
				return TRUE;
			}
		}
	}
	return FALSE;
}

static FutRevocationList *
load_revocations(const gchar *path, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL;
	if (!fut_file_read_bounded(path, FUT_REVOCATION_TEXT_MAX, &text, &len, error))
		return NULL;
	return fut_revocation_list_parse(text, len, error);
}

static void
redeem_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	ExportJob *j = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) req =
	    fut_request_parse(j->pending->request_text, strlen(j->pending->request_text), &error);

	if (req == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	/* The spooled copy is hashed again: the bytes written are the bytes approved. */
	j->spool = fut_spool_lookup(j->config->spool_dir, j->uid, j->pending->spool_id, &error);
	if (j->spool == NULL || j->spool->size != req->size ||
	    memcmp(j->spool->sha256, req->sha256, FUT_SHA256_LEN) != 0) {
		g_autoptr(GError) lerr = NULL;
		if (error == NULL)
			g_set_error(&error, FUT_ERROR, FUT_ERROR_IO,
			            _("the spooled copy no longer matches the request"));
		j->keep_spool = TRUE;
		job_record(j, "export.failed", NULL, error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (!write_job(j, &error)) {
		/* The request stays pending: the user may retry with the same approval. */
		j->keep_spool = TRUE;
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static gboolean
job_set_destination(ExportJob *j, const FutUsbDevice *d, const FutUsbVolume *v, GError **error)
{
	j->devnode = g_strdup(v->devnode);
	if (g_strcmp0(v->devnode, d->devnode) != 0) {
		j->disk_devnode = g_strdup(d->devnode);
		j->disk_major = d->major;
		j->disk_minor = d->minor;
	}
	j->major = v->major;
	j->minor = v->minor;
	j->fs_type = g_strdup(v->fs_type);
	/* A redeem has already named the stick from its request (for refusal records). */
	g_free(j->fs_uuid);
	g_free(j->label);
	g_free(j->vid);
	g_free(j->pid_str);
	g_free(j->serial);
	j->fs_uuid = g_strdup(v->fs_uuid);
	j->label = g_strdup(v->fs_label);
	j->vid = g_strdup(d->vid);
	j->pid_str = g_strdup(d->pid);
	j->serial = g_strdup(d->serial);
	j->asset = g_strdup(d->asset_id);
	if (d->suspicious != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("this stick also acts as a keyboard or network device (%s): futari "
		              "never writes to it; tell IT"),
		            d->suspicious);
		return FALSE;
	}
	if (!d->readonly) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("the stick could not be made read-only, so the agent will not write "
		              "to it; tell IT"));
		return FALSE;
	}
	if (d->asset_id == NULL && !j->config->export_unregistered) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("this stick is not in the media register: exports go only to "
		              "registered sticks (ask IT to register it)"));
		return FALSE;
	}
	return TRUE;
}

/* Redeems an upload request: checks the approvals and activates them in the listener for
 * their window. There is no device to compare: the destination "attached now" is the
 * request's own (host, program). The agent cannot see which host a program talks to; what
 * it enforces is the content (digest), the requester (uid), the program and the window, at
 * every open. Returns the result, or NULL with @error and the event to log in @ret_event
 * (NULL when the log itself failed). */
static JsonObject *
redeem_upload(
    FutAgent *agent, ExportJob *j, FutRedeemInput *in, const gchar **ret_event, GError **error)
{
	const FutRequest *req = in->request;
	g_autofree gchar *message = NULL;
	FutFanwatchApproval fa = {0};
	JsonObject *r;
	FutRefusal refusal;
	gint64 nb = G_MININT64, na = req->expires;

	*ret_event = "approval.refused";
	j->upload = TRUE;
	j->upload_host = g_strdup(req->destination.upload_host);
	j->upload_program = g_strdup(req->destination.upload_program);
	j->sha256_hex = fut_hex_encode(req->sha256, FUT_SHA256_LEN);
	if (agent->fanwatch == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("upload control is not running on this PC (ask IT)"));
		return NULL;
	}
	in->destination = &req->destination;
	refusal = fut_redeem_check(in, &message);
	if (refusal != FUT_REFUSAL_NONE) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED, "%s (%s)",
		            message != NULL ? message : _("refused"),
		            fut_refusal_to_string(refusal));
		return NULL;
	}
	/* Every approval must hold: the window is their intersection, within the request's
	 * life. */
	for (guint i = 0; i < in->n_approvals; i++) {
		nb = MAX(nb, in->approvals[i]->not_before);
		na = MIN(na, in->approvals[i]->not_after);
	}
	*ret_event = NULL;
	if (!job_record(j, "redeem.accepted", "allow", message, error)) {
		g_prefix_error(error, _("the log cannot be written, nothing was activated: "));
		return NULL;
	}
	*ret_event = "export.failed";
	fa.id = j->request_id;
	memcpy(fa.sha256, req->sha256, FUT_SHA256_LEN);
	fa.uid = req->uid;
	fa.program =
	    g_strcmp0(j->upload_program, FUT_UPLOAD_ANY_PROGRAM) == 0 ? NULL : j->upload_program;
	fa.not_before = nb;
	fa.not_after = na;
	if (!fut_fanwatch_add_approval(agent->fanwatch, &fa, error))
		return NULL;
	if (!fut_pending_set_state(agent->config->state_dir, j->request_id,
	                           FUT_PENDING_STATE_REDEEMED, error)) {
		fut_fanwatch_remove_approval(agent->fanwatch, j->request_id);
		return NULL;
	}
	g_hash_table_replace(agent->upload_approvals, g_strdup(j->request_id),
	                     g_memdup2(&na, sizeof(na)));
	r = json_object_new();
	json_object_set_string_member(r, "channel", "upload");
	json_object_set_string_member(r, "class", j->klass);
	json_object_set_string_member(r, "request_id", j->request_id);
	json_object_set_string_member(r, "name", j->name);
	json_object_set_string_member(r, "sha256", j->sha256_hex);
	json_object_set_int_member(r, "size", (gint64)req->size);
	json_object_set_string_member(r, "upload_host", j->upload_host);
	json_object_set_string_member(r, "upload_program", j->upload_program);
	json_object_set_int_member(r, "not_before", nb);
	json_object_set_int_member(r, "not_after", na);
	return r;
}

void
fut_broker_redeem(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(ExportJob) j = g_new0(ExportJob, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) approvals =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_approval_free);
	g_autoptr(FutRequest) req = NULL;
	g_autoptr(FutKey) root = NULL;
	g_autoptr(FutRevocationList) crl = NULL;
	g_autofree gchar *message = NULL;
	g_autofree gchar *exelink = NULL;
	g_autoptr(GTask) task = NULL;
	const FutUsbDevice *d = NULL;
	const FutUsbVolume *v = NULL;
	FutDestination now_dest = {0};
	FutRedeemInput in = {0};
	FutRefusal refusal;
	JsonNode *an = json_object_get_member(args, "approvals");
	const gchar *event = "approval.refused";
	JsonArray *arr;

	j->ref = 1;
	j->agent = agent;
	j->config = agent->config;
	j->src_fd = -1;
	j->uid = fut_api_call_get_uid(call);
	j->pid = fut_api_call_get_pid(call);
	j->login = lookup_login(j->uid);
	exelink = g_strdup_printf("/proc/%d/exe", (int)j->pid);
	j->exe = read_link(exelink);
	j->approvers = g_ptr_array_new_with_free_func(g_free);

	if (json_object_get_size(args) != 1 || an == NULL || !JSON_NODE_HOLDS_ARRAY(an)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("redeem takes one argument, 'approvals': a list of approval texts"));
		goto refuse;
	}
	arr = json_node_get_array(an);
	if (json_array_get_length(arr) == 0 ||
	    json_array_get_length(arr) > FUT_REDEEM_MAX_APPROVALS) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("give 1 to %d approval files"), FUT_REDEEM_MAX_APPROVALS);
		goto refuse;
	}
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *n = json_array_get_element(arr, i);
		const gchar *text;
		FutApproval *a;
		if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
			g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("approvals must be texts"));
			goto refuse;
		}
		text = json_node_get_string(n);
		a = fut_approval_parse(text, strlen(text), &error);
		if (a == NULL) {
			g_prefix_error(&error, _("approval %u: "), i + 1);
			goto refuse;
		}
		g_ptr_array_add(approvals, a);
		if (a->cert != NULL)
			g_ptr_array_add(j->approvers, fut_certificate_dup_serial_string(a->cert));
	}
	{
		const FutApproval *first = g_ptr_array_index(approvals, 0);
		j->request_id = fut_hex_encode(first->request_id, FUT_REQUEST_ID_LEN);
	}
	j->pending = fut_pending_load(agent->config->state_dir, j->request_id, NULL);
	if (j->pending == NULL) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("this approval is for a request this PC did not make, or one that "
		              "has expired"));
		goto refuse;
	}
	if (j->pending->uid != j->uid) {
		g_clear_pointer(&j->pending, fut_pending_entry_free);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("only the person who made the request can redeem it"));
		goto refuse;
	}
	if (g_hash_table_contains(agent->redeeming, j->request_id)) {
		g_clear_pointer(&j->pending, fut_pending_entry_free);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("this request is being redeemed right now"));
		goto refuse;
	}
	req = fut_request_parse(j->pending->request_text, strlen(j->pending->request_text), &error);
	if (req == NULL)
		goto refuse;
	j->name = g_strdup(j->pending->name);
	j->dir = fut_fsname_split_dir(j->pending->dir, &error);
	j->klass = g_strdup(fut_class_to_string(req->klass));
	j->reason = g_strdup(req->reason);
	/* Refusal records name the file and the stick the request was for, so the monthly
	 * report can list them (without these it counted an unknown device); an accepted redeem
	 * then takes the identity of the device attached now. */
	j->src_path = g_strdup(req->file_name);
	if (req->destination.channel == FUT_CHANNEL_USB) {
		j->vid = g_strdup(req->destination.usb_vendor);
		j->pid_str = g_strdup(req->destination.usb_product);
		j->serial = g_strdup(req->destination.usb_serial);
		j->fs_uuid = g_strdup(req->destination.usb_fs_uuid);
		j->label = g_strdup(req->destination.usb_label);
	}
	if (j->dir == NULL)
		goto refuse;
	root = fut_key_load_public(agent->config->org_key, &error);
	if (root == NULL) {
		g_prefix_error(&error, _("the organisation key is not installed (ask IT): "));
		goto refuse;
	}
	crl = load_revocations(agent->config->revocation_list, &error);
	if (crl == NULL && error != NULL) {
		g_prefix_error(&error, _("the revocation list is unusable (ask IT): "));
		goto refuse;
	}
	in.request = req;
	in.approvals = (FutApproval *const *)approvals->pdata;
	in.n_approvals = approvals->len;
	in.root_key = root;
	in.revocations = crl;
	in.policy = agent->config->policy;
	in.now = g_get_real_time() / G_USEC_PER_SEC;
	in.host_key = agent->host_key;
	in.lookup = lookup_request_state;
	in.lookup_data = agent;
	if (req->destination.channel == FUT_CHANNEL_UPLOAD) {
		g_autoptr(JsonObject) r = redeem_upload(agent, j, &in, &event, &error);
		if (r == NULL && event == NULL)
			goto refuse_unlogged;
		if (r == NULL)
			goto refuse;
		g_clear_pointer(&j->pending, fut_pending_entry_free);
		fut_api_call_return(call, r);
		return;
	}
	if (!find_request_destination(agent, req, &d, &v)) {
		g_autofree gchar *eserial = fut_strescape(req->destination.usb_serial, -1);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("plug in the stick named in the request (serial %s) and try again"),
		            eserial);
		goto refuse;
	}
	now_dest.channel = FUT_CHANNEL_USB;
	now_dest.usb_vendor = d->vid;
	now_dest.usb_product = d->pid;
	now_dest.usb_serial = d->serial;
	now_dest.usb_fs_uuid = v->fs_uuid;
	now_dest.usb_label = v->fs_label;
	in.destination = &now_dest;
	refusal = fut_redeem_check(&in, &message);
	if (refusal != FUT_REFUSAL_NONE) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED, "%s (%s)",
		            message != NULL ? message : _("refused"),
		            fut_refusal_to_string(refusal));
		goto refuse;
	}
	event = "export.refused";
	if (!job_set_destination(j, d, v, &error))
		goto refuse;
	if (!job_record(j, "redeem.accepted", "allow", message, &error)) {
		g_prefix_error(&error, _("the log cannot be written, nothing was exported: "));
		goto refuse_unlogged;
	}
	g_hash_table_add(agent->redeeming, g_strdup(j->request_id));
	j->call = call;
	g_atomic_int_inc(&agent->active_jobs);
	task = g_task_new(NULL, NULL, export_done, job_ref(j));
	g_task_set_task_data(task, job_ref(j), (GDestroyNotify)job_unref);
	g_task_run_in_thread(task, redeem_thread);
	return;
refuse:
	/* Not ours to clear from the redeeming set. */
	g_clear_pointer(&j->pending, fut_pending_entry_free);
	{
		g_autoptr(GError) lerr = NULL;
		if (!job_record(j, event, "deny", error->message, &lerr))
			g_prefix_error(&error, _("(and the log failed) "));
	}
refuse_unlogged:
	g_clear_pointer(&j->pending, fut_pending_entry_free);
	fut_api_call_return_error(call, error);
}

void
fut_broker_requests(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	uid_t uid = fut_api_call_get_uid(call);
	g_autoptr(GPtrArray) list = fut_pending_list(agent->config->state_dir, uid);
	g_autoptr(JsonObject) r = json_object_new();
	JsonArray *arr = json_array_new();
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (json_object_get_size(args) != 0) {
		g_autoptr(GError) error = g_error_new(FUT_ERROR, FUT_ERROR_INVALID_DATA,
		                                      _("requests takes no arguments"));
		json_array_unref(arr);
		fut_api_call_return_error(call, error);
		return;
	}
	for (guint i = 0; i < list->len; i++) {
		const FutPendingEntry *e = g_ptr_array_index(list, i);
		g_autoptr(FutRequest) req =
		    fut_request_parse(e->request_text, strlen(e->request_text), NULL);
		JsonObject *o = json_object_new();
		json_object_set_string_member(o, "id", e->id);
		json_object_set_string_member(o, "state", e->expires < now ? "expired" : e->state);
		json_object_set_string_member(o, "name", e->name);
		json_object_set_string_member(o, "dir", e->dir);
		json_object_set_int_member(o, "expires", e->expires);
		if (req != NULL) {
			g_autofree gchar *hex = fut_hex_encode(req->sha256, FUT_SHA256_LEN);
			json_object_set_string_member(o, "class", fut_class_to_string(req->klass));
			json_object_set_int_member(o, "size", (gint64)req->size);
			json_object_set_string_member(o, "sha256", hex);
			json_object_set_string_member(
			    o, "channel", fut_channel_to_string(req->destination.channel));
			if (req->destination.channel == FUT_CHANNEL_UPLOAD) {
				json_object_set_string_member(o, "upload_host",
				                              req->destination.upload_host);
				json_object_set_string_member(o, "upload_program",
				                              req->destination.upload_program);
			} else {
				json_object_set_string_member(o, "serial",
				                              req->destination.usb_serial);
				json_object_set_string_member(o, "label",
				                              req->destination.usb_label);
			}
			json_object_set_int_member(o, "created", req->created);
		}
		json_array_add_object_element(arr, o);
	}
	json_object_set_array_member(r, "requests", arr);
	fut_api_call_return(call, r);
}

void
fut_broker_purge(FutAgent *agent)
{
	g_autoptr(GPtrArray) gone =
	    fut_pending_purge(agent->config->state_dir, g_get_real_time() / G_USEC_PER_SEC);

	for (guint i = 0; i < gone->len; i++) {
		const FutPendingEntry *e = g_ptr_array_index(gone, i);
		g_autoptr(FutSpoolEntry) s = g_new0(FutSpoolEntry, 1);
		g_autofree gchar *u = g_strdup_printf("%u", (guint)e->uid);
		g_autofree gchar *base = g_strconcat(e->spool_id, ".data", NULL);
		s->path = g_build_filename(agent->config->spool_dir, u, base, NULL);
		fut_spool_entry_remove(s);
	}
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
