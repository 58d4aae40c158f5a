/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "upload-request" command: a Class I/II file a user wants to upload. */
#include "config.h"

#include "broker-priv.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "fsname.h"

/* --- upload requests ----------------------------------------------------------------- */

static void
upload_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	FutBrokerJob *j = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) lerr = NULL;

	/* Through the spool, as an export: the bytes hashed are the bytes classified, within
	 * the same limits. The copy goes once the request is made. */
	if (fut_broker_check_source(j->src_fd, _("only a regular file can be uploaded"), &error))
		j->spool =
		    fut_spool_ingest(j->config->spool_dir, j->uid, j->src_fd,
		                     j->config->max_export_bytes, j->config->spool_bytes_per_uid,
		                     j->agent->spool_quota, fut_broker_spool_progress, j, &error);
	if (j->spool == NULL) {
		fut_broker_job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	fut_broker_job_classify(j);
	if (g_str_equal(j->klass, "III")) {
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (!fut_broker_job_make_request(j, &error)) {
		fut_broker_job_record(j, "export.refused", "deny", error->message, &lerr);
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
	g_autoptr(FutBrokerJob) j = g_new0(FutBrokerJob, 1);
	g_autoptr(GError) error = NULL;
	const gchar *name = NULL, *to = NULL, *app = NULL;

	j->upload = TRUE;
	if (!fut_broker_job_begin(j, agent, call, &error))
		goto refuse;

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "app", FALSE, &app, &error) ||
	    !fut_broker_get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to", "app", "reason", NULL};
		if (!fut_broker_args_check_known(args, known, &error))
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
	if (agent->fanwatch == NULL) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("upload control is not configured on this PC: uploads need no "
		              "approval here"));
		goto refuse;
	}
	fut_broker_job_start(j, call, upload_thread);
	return;
refuse:
	fut_broker_job_refuse(j, call, g_steal_pointer(&error));
}
