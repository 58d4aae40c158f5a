/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "classify" command: the class the agent would give the caller's file and why. */
#include "config.h"

#include "broker-priv.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"

typedef struct {
	FutAgent *agent;
	FutClassifier *classifier;
	int fd;
	gchar *path;
	uid_t uid; /* holds a work share */
} ClassifyJob;

static void
classify_job_free(ClassifyJob *cj)
{
	fut_broker_work_end(cj->uid);
	if (cj->fd >= 0)
		fut_api_close_passed_fd(cj->fd);
	g_free(cj->path);
	g_free(cj);
}

static void
classify_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	ClassifyJob *cj = data;
	GError *error = NULL;
	FutClassification *c;

	if (!fut_broker_check_source(cj->fd, _("only regular files can be classified"), &error)) {
		g_task_return_error(task, error);
		return;
	}
	/* The caller's own file: the classifier reads its label itself. */
	c = fut_classifier_classify_fd(cj->classifier, cj->fd, cj->path, FUT_CLASSIFY_FLAG_DIGEST);
	fut_broker_taint_evidence(cj->agent, cj->fd, c);
	if (c->has_digest) {
		struct stat st;
		if (fstat(cj->fd, &st) == 0)
			fut_broker_remember_path_rule(cj->agent, c, c->digest, st.st_uid);
	}
	g_task_return_pointer(task, c, (GDestroyNotify)fut_classification_free);
}

static void
classify_done(GObject *source, GAsyncResult *res, gpointer data)
{
	FutApiCall *call = data;
	ClassifyJob *cj = g_task_get_task_data(G_TASK(res));
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) c = g_task_propagate_pointer(G_TASK(res), &error);
	g_autofree gchar *name = cj->path != NULL ? g_path_get_basename(cj->path) : g_strdup("-");
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *text = NULL;
	JsonObject *r;

	cj->agent->reading_jobs--;
	if (c == NULL) {
		fut_api_call_return_error(call, error);
		return;
	}
	node = fut_classification_to_json(c, name);
	text = fut_classification_to_text(c, name);
	r = json_node_get_object(node);
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

	if (json_object_get_size(args) != 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("classify takes no arguments, only the open file"));
		fut_api_call_return_error(call, error);
		return;
	}
	if (!fut_broker_work_begin(fut_api_call_get_uid(call), &error)) {
		fut_api_call_return_error(call, error);
		return;
	}
	cj = g_new0(ClassifyJob, 1);
	cj->uid = fut_api_call_get_uid(call);
	cj->agent = agent;
	cj->classifier = agent->classifier;
	cj->fd = fut_api_call_steal_fd(call);
	fdlink = g_strdup_printf("/proc/self/fd/%d", cj->fd);
	cj->path = fut_broker_read_link(fdlink);
	task = g_task_new(NULL, NULL, classify_done, call);
	g_task_set_task_data(task, cj, (GDestroyNotify)classify_job_free);
	/* The thread uses the classifier and the label memory: a stopping agent waits for it. */
	agent->reading_jobs++;
	g_task_run_in_thread(task, classify_thread);
}
