/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The broker's shared job plumbing: a job's life, its log fields, classification of the
 * spooled copy, each user's share of the workers, the spool reservation and the destination. */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "taint.h"
#include "token.h"
#include "util.h"

#define REASON_MAX        1024
#define PROGRESS_EVERY    (64 * 1024 * 1024)
/* ... or this often, whichever comes first (the desktop's progress, issue 18) */
#define PROGRESS_EVERY_US (FUT_EXPORT_PROGRESS_EVERY_MS * 1000)

FutBrokerJob *
fut_broker_job_ref(FutBrokerJob *j)
{
	g_atomic_int_inc(&j->ref);
	return j;
}

void
fut_broker_job_end_reading(FutBrokerJob *j)
{
	if (j->holds_work)
		fut_broker_work_end(j->uid);
	j->holds_work = FALSE;
}

void
fut_broker_job_unref(FutBrokerJob *j)
{
	if (!g_atomic_int_dec_and_test(&j->ref))
		return;
	fut_broker_job_end_reading(j);
	if (j->src_fd >= 0)
		fut_api_close_passed_fd(j->src_fd);
	fut_export_job_arg_free(j->job_arg);
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
	g_free(j->asset_owner);
	g_free(j->upload_host);
	g_free(j->upload_program);
	g_free(j->sha256_hex);
	g_clear_pointer(&j->scan, fut_classification_free);
	if (j->spool != NULL) {
		if (!j->keep_spool)
			fut_spool_entry_remove(j->spool);
		fut_spool_entry_free(j->spool);
	}
	g_free(j->request_id);
	if (j->approvers != NULL)
		g_ptr_array_unref(j->approvers);
	if (j->approver_names != NULL)
		g_ptr_array_unref(j->approver_names);
	g_free(j->content_checked);
	if (j->file_results != NULL)
		json_array_unref(j->file_results);
	fut_pending_entry_free(j->pending);
	g_free(j->request_text);
	g_free(j->klass);
	g_free(j->class_why);
	g_free(j->written);
	g_free(j->partial);
	g_free(j);
}

gchar *
fut_broker_read_link(const gchar *path)
{
	return g_file_read_link(path, NULL);
}

/* Filesystems whose files are the kernel's view of processes, devices and itself: read with
 * the agent's credentials they tell what the caller may not know (/proc/<futarid>/stat,
 * /proc/<pid>/environ of another user's process via a descriptor passed by a program that
 * could open it, debugfs, tracefs, securityfs...). None holds a document to export. */
static const struct {
	unsigned long magic;
	const gchar *name;
} kernel_fs[] = {
    {0x9fa0, "proc"},        {0x62656572, "sysfs"},       {0x64626720, "debugfs"},
    {0x74726163, "tracefs"}, {0x73636673, "securityfs"},  {0x62656570, "configfs"},
    {0xcafe4a11, "bpf"},     {0x27e0eb, "cgroup"},        {0x63677270, "cgroup2"},
    {0x6165676c, "pstore"},  {0xde5e81e4, "efivarfs"},    {0xf97cff8c, "selinuxfs"},
    {0x43415d53, "smackfs"}, {0x42494e4d, "binfmt_misc"}, {0x65735543, "fusectl"},
    {0x6e736673, "nsfs"},    {0x67596969, "rpc_pipefs"},  {0x5345434d, "secretmem"},
    {0x1cd1, "devpts"},      {0x09041934, "anon_inode"},  {0x50495045, "pipefs"},
    {0x534f434b, "sockfs"},  {0x444d4142, "dma-buf"},     {0x19800202, "mqueue"},
};

gboolean
fut_broker_check_source(int fd, const gchar *not_regular, GError **error)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fut_error_set_errno(error, errno, _("the file"));
	if (!S_ISREG(st.st_mode)) {
		/* the caller refuses it in its own words */
		if (not_regular == NULL)
			return TRUE;
		g_set_error_literal(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, not_regular);
		return FALSE;
	}
	if (fstatfs(fd, &sfs) < 0)
		return fut_error_set_errno(error, errno, _("the file"));
	for (gsize i = 0; i < G_N_ELEMENTS(kernel_fs); i++) {
		if ((unsigned long)sfs.f_type == kernel_fs[i].magic) {
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_PERMISSION,
			    _("the file is on %s, a kernel filesystem: the agent does not read "
			      "such files for anyone"),
			    kernel_fs[i].name);
			return FALSE;
		}
	}
	return TRUE;
}

/* --- event fields ---------------------------------------------------------------------- */

void
fut_broker_set_str(JsonObject *o, const gchar *name, const gchar *value)
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
	fut_broker_set_str(dest, "vid", dev->vid);
	fut_broker_set_str(dest, "pid", dev->pid);
	fut_broker_set_str(dest, "serial", dev->serial);
	if (vol != NULL) {
		fut_broker_set_str(dest, "fs_uuid", vol->fs_uuid);
		fut_broker_set_str(dest, "label", vol->fs_label);
		fut_broker_set_str(detail, "fs_type", vol->fs_type);
	}
	fut_broker_set_str(dest, "asset", dev->asset_id);
	fut_broker_set_str(detail, "devnode", dev->devnode);
	fut_broker_set_str(detail, "vendor", dev->vendor);
	fut_broker_set_str(detail, "product", dev->model);
	fut_broker_set_str(detail, "owner", dev->owner);
	fut_broker_set_str(detail, "suspicious", dev->suspicious);
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
job_fields(FutBrokerJob *j, const gchar *event, const gchar *decision, const gchar *reason)
{
	JsonObject *f = json_object_new();
	JsonObject *subject = json_object_new();
	JsonObject *object = json_object_new();
	JsonObject *dest = json_object_new();
	JsonObject *detail = json_object_new();

	json_object_set_int_member(subject, "uid", j->uid);
	fut_broker_set_str(subject, "login", j->login);
	json_object_set_int_member(subject, "pid", j->pid);
	fut_broker_set_str(subject, "exe", j->exe);
	fut_broker_set_str(object, "path", j->src_path);
	if (j->spool != NULL) {
		g_autofree gchar *hex = fut_hex_encode(j->spool->sha256, FUT_SHA256_LEN);
		json_object_set_int_member(object, "size", (gint64)j->spool->size);
		json_object_set_string_member(object, "sha256", hex);
	} else {
		fut_broker_set_str(object, "sha256", j->sha256_hex);
	}
	fut_broker_set_str(object, "class", j->klass);
	if (j->upload) {
		json_object_set_string_member(dest, "kind", "upload");
		fut_broker_set_str(dest, "host", j->upload_host);
		fut_broker_set_str(dest, "program", j->upload_program);
	} else {
		json_object_set_string_member(dest, "kind", "usb");
	}
	fut_broker_set_str(dest, "vid", j->vid);
	fut_broker_set_str(dest, "pid", j->pid_str);
	fut_broker_set_str(dest, "serial", j->serial);
	fut_broker_set_str(dest, "fs_uuid", j->fs_uuid);
	fut_broker_set_str(dest, "label", j->label);
	fut_broker_set_str(dest, "asset", j->asset);
	fut_broker_set_str(detail, "class_evidence", j->class_why);
	fut_broker_set_str(detail, "written", j->written);
	/* the temporary name: recovery finds the record of a batch's file by it, and an
	 * export.failed record that withdraws the export.written record names it too */
	if (g_strcmp0(event, "export.written") == 0)
		fut_broker_set_str(detail, "partial", j->partial);
	else if (j->retracted && g_strcmp0(event, "export.failed") == 0) {
		fut_broker_set_str(detail, "partial", j->partial);
		json_object_set_string_member(detail, "retracts", "export.written");
	}
	fut_broker_set_str(detail, "requester_reason", j->reason);
	/* The people behind the approver ids, as their certificates name them at redeem
	 * (docs/log-format.md): approver_1 .. approver_16, in the order of "approvers". */
	for (guint i = 0; j->approver_names != NULL && i < j->approver_names->len; i++) {
		g_autofree gchar *key = g_strdup_printf("approver_%u", i + 1);
		fut_broker_set_str(detail, key, g_ptr_array_index(j->approver_names, i));
	}
	fut_broker_set_str(detail, "content_checked", j->content_checked);
	json_object_set_object_member(f, "subject", subject);
	json_object_set_object_member(f, "object", object);
	json_object_set_object_member(f, "destination", dest);
	json_object_set_object_member(f, "detail", detail);
	fut_broker_set_str(f, "decision", decision);
	fut_broker_set_str(f, "reason", reason);
	fut_broker_set_str(f, "request", j->request_id);
	if (j->approvers != NULL && j->approvers->len > 0) {
		JsonArray *a = json_array_new();
		for (guint i = 0; i < j->approvers->len; i++)
			json_array_add_string_element(a, g_ptr_array_index(j->approvers, i));
		json_object_set_array_member(f, "approvers", a);
	}
	return f;
}

gboolean
fut_broker_job_record(
    FutBrokerJob *j, const gchar *event, const gchar *decision, const gchar *reason, GError **error)
{
	g_autoptr(JsonObject) f = job_fields(j, event, decision, reason);
	return fut_recorder_emit(j->agent->recorder, event, f, error);
}

JsonObject *
fut_broker_job_record_untold(
    FutBrokerJob *j, const gchar *event, const gchar *decision, const gchar *reason, GError **error)
{
	g_autoptr(JsonObject) f = job_fields(j, event, decision, reason);

	if (!fut_recorder_emit_untold(j->agent->recorder, event, f, error))
		return NULL;
	return g_steal_pointer(&f);
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
/* The kernel's taint layer knows the file at @fd as written by a process that had read Class
 * I/II content (a copy by cp, base64, xz or a script of a labelled or classified file): @c
 * is raised to that class, whatever the file's own bytes look like, with a "taint" reason
 * (first: it is the strictest). Without the taint layer, or with no mark: nothing. */
void
fut_broker_taint_evidence(FutAgent *agent, int fd, FutClassification *c)
{
	guint32 dev = 0;
	guint64 ino = 0;
	guint tc;
	FutClass t;
	g_autofree gchar *origin = NULL;
	g_autofree gchar *desc = NULL;

	if (agent->taint == NULL)
		return;
	tc = fut_taint_file_class(agent->taint, fd, &dev, &ino);
	if (tc != FUT_CLASS_I && tc != FUT_CLASS_II)
		return;
	t = (FutClass)tc;
	if (fut_class_max(c->klass, t) == c->klass)
		return;
	origin = fut_taint_origin_path(agent->taint, dev, ino);
	if (origin != NULL) {
		g_autofree gchar *safe = fut_strescape(origin, -1);
		desc = g_strdup_printf("written by a process that had read Class %s content (%s)",
		                       fut_class_name(t), safe);
	} else {
		desc = g_strdup_printf("written by a process that had read Class %s content",
		                       fut_class_name(t));
	}
	g_ptr_array_insert(c->evidence, 0, fut_evidence_new("taint", t, 1, desc));
	c->klass = t;
}

void
fut_broker_job_classify(FutBrokerJob *j)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) c = NULL;
	g_autoptr(GString) why = g_string_new(NULL);
	g_autofree gchar *label_why = NULL;
	FutClass label = read_label(j->src_fd, &label_why);
	FutClass klass;
	struct stat st;
	int fd;

	if (j->scan != NULL) {
		c = g_steal_pointer(&j->scan);
	} else {
		fd = fut_spool_entry_open(j->spool, &error);
		if (fd < 0) {
			j->klass = g_strdup("II");
			j->class_why = g_strdup_printf("unreadable: %s", error->message);
			return;
		}
		c = fut_classifier_classify_fd(j->classifier, fd, j->src_path,
		                               FUT_CLASSIFY_FLAG_NONE);
		close(fd);
	}
	fut_broker_taint_evidence(j->agent, j->src_fd, c);
	klass = fut_class_max(c->klass, label);
	if (label_why != NULL)
		g_string_append(why, label_why);
	/* The copy is root's: the label memory's entries of the caller's file's owner are
	 * looked up here (issue 16 item 7), and a path rule's class remembered for them. */
	if (fstat(j->src_fd, &st) == 0)
		fut_broker_remember_path_rule(j->agent, c, j->spool->sha256, st.st_uid);
	if (fstat(j->src_fd, &st) == 0 && st.st_uid != 0) {
		FutClass own = fut_labelstore_lookup_owner(j->agent->labels, j->spool->sha256,
		                                           (guint32)st.st_uid);
		if (fut_class_max(own, c->klass) != c->klass) {
			klass = fut_class_max(klass, own);
			if (why->len > 0)
				g_string_append(why, "; ");
			g_string_append_printf(why,
			                       "label-memory: same content as a file its owner "
			                       "labelled Class %s",
			                       fut_class_name(own));
		}
	}
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

/* A path rule binds once the agent has seen the file under the rule's path: its content is
 * remembered in the label memory for the file's owner (root's entry for a root-owned file),
 * so the owner's copies elsewhere, or the same file through a bind mount of the owner's,
 * keep the class (issue 16 item 6). Scoped to the owner like a user's label, so a rule on
 * a folder users can write to cannot make everyone's identical files Class II. A copy made
 * before the agent saw the file, or by another user, is not covered (docs/threat-model.md
 * §4). Returns TRUE when an entry was added or was there. */
gboolean
fut_broker_remember_path_rule(FutAgent *agent,
                              const FutClassification *c,
                              const guint8 digest[FUT_SHA256_LEN],
                              uid_t owner)
{
	FutClass rule = FUT_CLASS_NONE, have;
	g_autoptr(GError) error = NULL;

	for (guint i = 0; c != NULL && i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (g_str_equal(e->rule, "path-rule"))
			rule = fut_class_max(rule, e->klass);
	}
	if (rule != FUT_CLASS_I && rule != FUT_CLASS_II)
		return FALSE;
	have = fut_labelstore_lookup_owner(agent->labels, digest, (guint32)owner);
	if (have != FUT_CLASS_NONE && fut_class_max(have, rule) == have)
		return TRUE;
	/* A full store or quota: the rule still holds at its path; copies are not covered. */
	return fut_labelstore_record_for(agent->labels, digest, rule, (guint32)owner, &error);
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

gboolean
fut_broker_work_begin(uid_t uid, GError **error)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&work_lock);
	guint n;

	if (work_per_uid == NULL)
		work_per_uid = g_hash_table_new(NULL, NULL);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(work_per_uid, GUINT_TO_POINTER(uid)));
	if (n >= FUT_BROKER_WORK_PER_UID) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_BUSY,
		            _("you already have %u requests in progress whose files are still "
		              "being read; wait for one to finish"),
		            n);
		return FALSE;
	}
	g_hash_table_insert(work_per_uid, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n + 1));
	return TRUE;
}

void
fut_broker_work_end(uid_t uid)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&work_lock);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(work_per_uid, GUINT_TO_POINTER(uid)));

	if (n <= 1)
		g_hash_table_remove(work_per_uid, GUINT_TO_POINTER(uid));
	else
		g_hash_table_insert(work_per_uid, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n - 1));
}

/* --- the job --------------------------------------------------------------------------- */

typedef struct {
	FutBrokerJob *job;
	guint64 done, total;
} Progress;

/* The stick as the desktop names it. */
static const gchar *
job_dest(const FutBrokerJob *j)
{
	if (j->label != NULL && *j->label != '\0')
		return j->label;
	return j->asset != NULL ? j->asset : j->serial;
}

/* The end of a call of an export job, for the desktop's progress (export-progress.h). */
static void
job_progress_end(FutBrokerJob *j, FutExportOutcome outcome)
{
	if (j->job_arg == NULL || j->agent == NULL || j->agent->export_jobs == NULL)
		return;
	fut_export_jobs_file_done(j->agent->export_jobs, j->uid, j->job_arg, j, job_dest(j),
	                          outcome, j->spool != NULL ? j->spool->size : 0,
	                          g_get_monotonic_time());
}

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
		/* Only while the call runs: once answered, its file is counted done. */
		if (p->job->job_arg != NULL && p->job->agent->export_jobs != NULL)
			fut_export_jobs_file_progress(p->job->agent->export_jobs, p->job->uid,
			                              p->job->job_arg, p->job, job_dest(p->job),
			                              p->done, g_get_monotonic_time());
	}
	fut_broker_job_unref(p->job);
	g_free(p);
	return G_SOURCE_REMOVE;
}

void
fut_broker_spool_progress(guint64 done, guint64 total, gpointer data)
{
	FutBrokerJob *j = data;
	Progress *p;
	gint64 now = g_get_monotonic_time();

	if (done - j->last_progress < PROGRESS_EVERY && done != total &&
	    now - j->last_progress_us < PROGRESS_EVERY_US)
		return;
	j->last_progress = done;
	j->last_progress_us = now;
	p = g_new0(Progress, 1);
	p->job = fut_broker_job_ref(j);
	p->done = done;
	p->total = total;
	g_idle_add_full(G_PRIORITY_DEFAULT, progress_idle, p, NULL);
}

void
fut_broker_job_done(GObject *source, GAsyncResult *res, gpointer data)
{
	FutBrokerJob *j = data;
	g_autoptr(GError) error = NULL;
	FutApiCall *call = g_steal_pointer(&j->call);

	if (!g_task_propagate_boolean(G_TASK(res), &error)) {
		fut_api_call_return_error(call, error);
		job_progress_end(j, FUT_EXPORT_OUTCOME_REFUSED);
	} else if (j->file_results != NULL) {
		/* a version-2 request redeemed: what became of each of its files */
		g_autoptr(JsonObject) r = json_object_new();
		json_object_set_string_member(r, "class", j->klass);
		fut_broker_set_str(r, "request_id", j->request_id);
		fut_broker_set_str(r, "asset", j->asset);
		fut_broker_set_str(r, "serial", j->serial);
		fut_broker_set_str(r, "label", j->label);
		json_object_set_string_member(r, "channel", "usb");
		json_object_set_array_member(r, "files", json_array_ref(j->file_results));
		fut_api_call_return(call, r);
	} else {
		g_autoptr(JsonObject) r = json_object_new();
		g_autofree gchar *hex = fut_hex_encode(j->spool->sha256, FUT_SHA256_LEN);
		json_object_set_string_member(r, "class", j->klass);
		fut_broker_set_str(r, "class_evidence", j->class_why);
		fut_broker_set_str(r, "written", j->written);
		fut_broker_set_str(r, "request_id", j->request_id);
		fut_broker_set_str(r, "request_text", j->request_text);
		json_object_set_string_member(r, "sha256", hex);
		json_object_set_int_member(r, "size", (gint64)j->spool->size);
		fut_broker_set_str(r, "asset", j->asset);
		fut_broker_set_str(r, "serial", j->serial);
		fut_broker_set_str(r, "label", j->label);
		json_object_set_string_member(r, "channel", j->upload ? "upload" : "usb");
		fut_broker_set_str(r, "upload_host", j->upload_host);
		fut_broker_set_str(r, "upload_program", j->upload_program);
		if (j->held)
			json_object_set_boolean_member(r, "held", TRUE);
		fut_api_call_return(call, r);
		job_progress_end(j, j->request_text != NULL || j->held
		                        ? FUT_EXPORT_OUTCOME_REQUESTED
		                        : FUT_EXPORT_OUTCOME_WRITTEN);
	}
	if (j->pending != NULL && j->request_id != NULL)
		g_hash_table_remove(j->agent->redeeming, j->request_id);
	/* After a failed write (a closing remount refused, a mount left writable...) the stick is
	 * looked at again everywhere: what stays writable is recorded (device.readonly-failed)
	 * and the stick refused until it is read-only again (issue 16 item 4). */
	if (j->recheck_stick) {
		g_autoptr(GError) rerr = NULL;
		fut_usb_store_reassert(j->agent->usb, &rerr);
	}
	g_atomic_int_add(&j->agent->active_jobs, -1);
	fut_broker_job_unref(j);
}

gchar *
fut_broker_lookup_login(uid_t uid)
{
	struct passwd pw, *res = NULL;
	gchar buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return g_strdup_printf("uid%u", (guint)uid);
	return g_strdup(res->pw_name);
}

gboolean
fut_broker_get_reason(JsonObject *args, gchar **ret, GError **error)
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

/* Fills the caller's side of a new job: the descriptor it passed, who it is (from the
 * socket, never from the message), the kernel's name for the file it opened (path rules
 * and logs use this, not a path the client could make up) and its program. */
void
fut_broker_job_take_caller(FutBrokerJob *j, FutApiCall *call)
{
	g_autofree gchar *fdlink = NULL;
	g_autofree gchar *exelink = NULL;

	j->src_fd = fut_api_call_steal_fd(call);
	j->uid = fut_api_call_get_uid(call);
	j->pid = fut_api_call_get_pid(call);
	j->login = fut_broker_lookup_login(j->uid);
	fdlink = g_strdup_printf("/proc/self/fd/%d", j->src_fd);
	exelink = g_strdup_printf("/proc/%d/exe", (int)j->pid);
	j->src_path = fut_broker_read_link(fdlink);
	j->exe = fut_broker_read_link(exelink);
}

/* The start every file job shares (export, upload request): the agent's fields, the caller's
 * side, and one of the caller's work shares (refused past their share). */
gboolean
fut_broker_job_begin(FutBrokerJob *j, FutAgent *agent, FutApiCall *call, GError **error)
{
	j->ref = 1;
	j->agent = agent;
	j->config = agent->config;
	j->classifier = agent->classifier;
	fut_broker_job_take_caller(j, call);
	if (!fut_broker_work_begin(j->uid, error))
		return FALSE;
	j->holds_work = TRUE;
	return TRUE;
}

/* Refuses a member of @args that is not in @known (NULL-terminated). */
gboolean
fut_broker_args_check_known(JsonObject *args, const gchar *const *known, GError **error)
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

GTask *
fut_broker_job_task(FutBrokerJob *j, FutApiCall *call)
{
	GTask *task;

	j->call = call;
	g_atomic_int_inc(&j->agent->active_jobs);
	task = g_task_new(NULL, NULL, fut_broker_job_done, fut_broker_job_ref(j));
	g_task_set_task_data(task, fut_broker_job_ref(j), (GDestroyNotify)fut_broker_job_unref);
	return task;
}

/* Runs @func for the accepted job @j in a worker thread; the reply comes from fut_broker_job_done.
 */
void
fut_broker_job_start(FutBrokerJob *j, FutApiCall *call, GTaskThreadFunc func)
{
	g_autoptr(GTask) task = fut_broker_job_task(j, call);

	g_task_run_in_thread(task, func);
}

/* Logs the refusal of @j (export.refused) and answers the caller; takes @error. */
void
fut_broker_job_refuse(FutBrokerJob *j, FutApiCall *call, GError *error)
{
	g_autoptr(GError) owned = error;
	g_autoptr(GError) lerr = NULL;

	/* "busy" is a refusal the client waits out and sends again before anything of the
	 * file was looked at: not a decision about the file, so no export.refused record. */
	if (!g_error_matches(owned, FUT_ERROR, FUT_ERROR_BUSY) &&
	    !fut_broker_job_record(j, "export.refused", "deny", owned->message, &lerr))
		g_prefix_error(&owned, _("(and the log failed) "));
	fut_api_call_return_error(call, owned);
	job_progress_end(j, FUT_EXPORT_OUTCOME_REFUSED);
}

gboolean
fut_broker_job_set_destination(FutBrokerJob *j,
                               const FutUsbDevice *d,
                               const FutUsbVolume *v,
                               GError **error)
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
	j->asset_owner = g_strdup(d->owner);
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
