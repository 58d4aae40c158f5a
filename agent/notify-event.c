/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "errors.h"
#include "notify-event.h"
#include "util.h"

void
fut_notify_message_free(FutNotifyMessage *m)
{
	if (m == NULL)
		return;
	g_free(m->summary);
	g_free(m->body);
	g_free(m->folder);
	g_free(m);
}

/* Returns the escaped string member @name of @obj (NULL when @obj is NULL or the member is
 * missing); FALSE when it is there but not a string. */
static gboolean
get_str(JsonObject *obj, const gchar *name, gchar **ret, GError **error)
{
	JsonNode *n;

	*ret = NULL;
	if (obj == NULL || !json_object_has_member(obj, name))
		return TRUE;
	n = json_object_get_member(obj, name);
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("event member \"%s\" is not a string"), name);
		return FALSE;
	}
	*ret = fut_strescape(json_node_get_string(n), -1);
	return TRUE;
}

static gboolean
get_obj(JsonObject *obj, const gchar *name, JsonObject **ret, GError **error)
{
	JsonNode *n;

	*ret = NULL;
	if (!json_object_has_member(obj, name))
		return TRUE;
	n = json_object_get_member(obj, name);
	if (!JSON_NODE_HOLDS_OBJECT(n)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("event member \"%s\" is not an object"), name);
		return FALSE;
	}
	*ret = json_node_get_object(n);
	return TRUE;
}

/* A folder to open must be an absolute local path; anything else gets no action. */
static gchar *
folder_of(const gchar *raw_path)
{
	if (raw_path == NULL || !g_path_is_absolute(raw_path))
		return NULL;
	return g_path_get_dirname(raw_path);
}

static const gchar *
raw_str(JsonObject *obj, const gchar *name)
{
	JsonNode *n;

	if (obj == NULL || !json_object_has_member(obj, name))
		return NULL;
	n = json_object_get_member(obj, name);
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

FutNotifyMessage *
fut_notify_message_from_event(JsonObject *event, GError **error)
{
	g_autoptr(FutNotifyMessage) m = g_new0(FutNotifyMessage, 1);
	g_autofree gchar *name = NULL, *path = NULL, *klass = NULL, *reason = NULL;
	g_autofree gchar *label = NULL, *serial = NULL, *host = NULL, *program = NULL;
	g_autofree gchar *request_file = NULL, *file = NULL, *dest = NULL, *kind = NULL;
	JsonObject *object = NULL, *destination = NULL, *detail = NULL;

	if (event == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("the event is missing"));
		return NULL;
	}
	if (!get_str(event, "event", &name, error) || !get_obj(event, "object", &object, error) ||
	    !get_obj(event, "destination", &destination, error) ||
	    !get_obj(event, "detail", &detail, error) ||
	    !get_str(event, "reason", &reason, error) || !get_str(object, "path", &path, error) ||
	    !get_str(object, "class", &klass, error) ||
	    !get_str(destination, "label", &label, error) ||
	    !get_str(destination, "serial", &serial, error) ||
	    !get_str(destination, "host", &host, error) ||
	    !get_str(destination, "program", &program, error) ||
	    !get_str(destination, "kind", &kind, error) ||
	    !get_str(detail, "request_file", &request_file, error))
		return NULL;
	if (name == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("the event has no name"));
		return NULL;
	}
	file = path != NULL ? g_path_get_basename(path) : g_strdup(_("a file"));
	if (label != NULL && label[0] != '\0')
		dest = g_strdup(label);
	else if (serial != NULL && serial[0] != '\0')
		dest = g_strdup(serial);
	else if (host != NULL && host[0] != '\0')
		dest = g_strdup(host);
	else
		dest = g_strdup(_("the device"));
	if (klass == NULL)
		klass = g_strdup("?");

	if (g_str_equal(name, "export.requested") && g_strcmp0(kind, "upload") == 0) {
		/* futari upload-request: nothing was blocked, the user asked ahead */
		m->summary = g_strdup_printf(_("Upload request for %s made"), file);
		m->body = g_strdup_printf(
		    _("Sending %s (Class %s) to %s with %s needs approval. Request saved to %s; "
		      "give it to your supervisor, then redeem the approval with \"futari "
		      "redeem\"."),
		    file, klass, host != NULL && host[0] != '\0' ? host : _("the destination"),
		    program != NULL ? program : _("this program"),
		    request_file != NULL ? request_file : _("the folder of the file"));
		m->folder = folder_of(raw_str(detail, "request_file"));
		if (m->folder == NULL)
			m->folder = folder_of(raw_str(object, "path"));
	} else if (g_str_equal(name, "export.requested")) {
		m->summary = g_strdup_printf(_("Write blocked: Class %s needs approval"), klass);
		if (request_file != NULL)
			m->body = g_strdup_printf(_("%s was not copied to %s. Request saved to %s; "
			                            "give it to your supervisor, then redeem the "
			                            "approval with \"futari redeem\"."),
			                          file, dest, request_file);
		else
			m->body =
			    g_strdup_printf(_("%s was not copied to %s. The request was saved "
			                      "next to it (\"futari requests\" lists it); give "
			                      "it to your supervisor."),
			                    file, dest);
		/* futari export saves the request beside the file when it can (agent/futari.c) */
		m->folder = folder_of(raw_str(detail, "request_file"));
		if (m->folder == NULL)
			m->folder = folder_of(raw_str(object, "path"));
	} else if (g_str_equal(name, "export.written")) {
		m->summary = g_strdup_printf(_("Exported to %s"), dest);
		m->body = g_strdup_printf(_("%s (Class %s) was written to %s."), file, klass, dest);
		m->folder = folder_of(raw_str(object, "path"));
	} else if (g_str_equal(name, "export.refused")) {
		m->summary = g_strdup_printf(_("Export of %s refused"), file);
		m->body = g_strdup_printf(_("%s was not written to %s: %s"), file, dest,
		                          reason != NULL ? reason : _("no reason given"));
		m->folder = folder_of(raw_str(object, "path"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "export.failed")) {
		m->summary = g_strdup_printf(_("Export of %s failed"), file);
		m->body = g_strdup_printf(_("%s could not be written to %s: %s"), file, dest,
		                          reason != NULL ? reason : _("no reason given"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "upload.denied")) {
		m->summary = g_strdup_printf(_("Upload of %s denied"), file);
		m->body = g_strdup_printf(
		    _("%s is Class %s: %s may not send it without approval. Ask for one with "
		      "\"futari upload-request\"."),
		    file, klass, program != NULL ? program : _("this program"));
		m->folder = folder_of(raw_str(object, "path"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "approval.refused")) {
		m->summary = g_strdup(_("Approval refused"));
		m->body = g_strdup_printf(_("The approval could not be used: %s"),
		                          reason != NULL ? reason : _("no reason given"));
		m->urgent = TRUE;
	} else {
		return NULL; /* not for the user's desktop */
	}
	return g_steal_pointer(&m);
}
