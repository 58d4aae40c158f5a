/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "label" command: sets a file's label and remembers its content's class. */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "fanwatch.h"
#include "logrecord.h"
#include "token.h"
#include "util.h"

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
	gchar *fanwatch_error;
} LabelJob;

static void
label_job_free(LabelJob *lj)
{
	fut_broker_work_end(lj->uid);
	if (lj->fd >= 0)
		fut_api_close_passed_fd(lj->fd);
	g_free(lj->path);
	g_free(lj->fanwatch_error);
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

	if (!fut_broker_check_source(lj->fd, _("only regular files can be labelled"), &error) ||
	    fstat(lj->fd, &st) < 0) {
		if (error == NULL)
			fut_error_set_errno(&error, errno, _("reading the file"));
		g_task_return_error(task, error);
		return;
	}
	c = fut_classifier_classify_fd(lj->classifier, lj->fd, lj->path, FUT_CLASSIFY_FLAG_DIGEST);
	lj->was = c->klass;
	lj->has_digest = c->has_digest;
	if (c->has_digest)
		fut_broker_remember_path_rule(lj->agent, c, c->digest, st.st_uid);
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
	    !(lj->uid == 0 ? fut_labelstore_record(lj->agent->labels, lj->digest, lj->want, &error)
	                   : fut_labelstore_record_for(lj->agent->labels, lj->digest, lj->want,
	                                               (guint32)lj->uid, &error))) {
		g_task_return_error(task, error);
		return;
	}
	/* Upload control may hold this file, or copies of it, as judged Class III: judge again.
	 * Here, not on the main loop (issue 16 item 9). */
	if (lj->agent->fanwatch != NULL) {
		g_autoptr(GError) ferr = NULL;
		if (!fut_fanwatch_relabelled(lj->agent->fanwatch, &ferr))
			lj->fanwatch_error = fut_strescape(ferr->message, -1);
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

	lj->agent->reading_jobs--;
	json_object_set_int_member(subject, "uid", lj->uid);
	fut_broker_set_str(object, "path", lj->path);
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
	if (lj->fanwatch_error != NULL)
		g_warning("label: upload control: %s", lj->fanwatch_error);
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
	const gchar *klass = NULL;
	FutClass want = FUT_CLASS_NONE;

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
	if (!fut_broker_work_begin(fut_api_call_get_uid(call), &error)) {
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
	lj->path = fut_broker_read_link(fdlink);
	task = g_task_new(NULL, NULL, label_done, call);
	g_task_set_task_data(task, lj, (GDestroyNotify)label_job_free);
	/* The thread uses the classifier, the label memory and upload control: a stopping agent
	 * waits for it. */
	agent->reading_jobs++;
	g_task_run_in_thread(task, label_thread);
}
