/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

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
	g_autofree gchar *layer = NULL, *pending = NULL, *call = NULL;
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
	    !get_str(detail, "request_file", &request_file, error) ||
	    !get_str(detail, "layer", &layer, error) ||
	    !get_str(detail, "classification", &pending, error) ||
	    !get_str(detail, "call", &call, error))
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
	} else if (g_str_equal(name, "upload.denied") && path == NULL && g_str_equal(klass, "?")) {
		/* no file behind it (a splice from a pipe into a network socket, refused for
		 * every program): what was refused, and why */
		m->summary = g_strdup(_("Sending to the network refused"));
		m->body = g_strdup_printf(_("%s may not send to the network this way: %s"),
		                          program != NULL ? program : _("this program"),
		                          reason != NULL ? reason : _("no reason given"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "upload.denied") && g_strcmp0(layer, "bpf-lsm") == 0 &&
	           (g_strcmp0(call, "exempt-read") == 0 ||
	            g_strcmp0(call, "exempt-receive") == 0)) {
		/* a browser or mail client (never tainted: it sends what it reads) may not take in
		 * classified content through a copy or from a local program */
		m->summary = g_strdup_printf(_("Reading content from %s refused"), file);
		m->body = g_strdup_printf(
		    _("%s sends what it reads, and what it tried to read came from %s (Class %s): "
		      "a copy written from it, or a program on this PC that read it. Ask for an "
		      "approval with \"futari upload-request\"."),
		    program != NULL ? program : _("this program"), file, klass);
		m->folder = folder_of(raw_str(object, "path"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "upload.denied") && g_strcmp0(layer, "bpf-lsm") == 0 &&
	           g_strcmp0(call, "exempt-feed") == 0) {
		/* a program that read classified content tried to hand it to a browser or mail
		 * client through a pipe or a local connection the browser reads */
		m->summary = g_strdup_printf(_("Passing %s to a browser refused"), file);
		m->body = g_strdup_printf(
		    _("%s read %s (Class %s) and tried to pass it to %s, which sends what it "
		      "reads. Ask for an approval with \"futari upload-request\"."),
		    program != NULL ? program : _("this program"), file, klass, dest);
		m->folder = folder_of(raw_str(object, "path"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "upload.denied") && g_strcmp0(layer, "bpf-lsm") == 0 &&
	           g_strcmp0(call, "read") == 0) {
		/* a FUSE filesystem's server may not read classified content: its answers would
		 * reach its readers unchecked */
		m->summary = g_strdup_printf(_("Reading %s refused"), file);
		m->body = g_strdup_printf(
		    _("%s serves files to other programs (a FUSE filesystem), so it may not read "
		      "%s: what it read would reach them unchecked."),
		    program != NULL ? program : _("this program"), file);
		m->folder = folder_of(raw_str(object, "path"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "upload.denied") && g_strcmp0(layer, "bpf-lsm") == 0 &&
	           g_strcmp0(pending, "pending") == 0) {
		/* read before the agent classified it: refused until it has (a moment) */
		m->summary = g_strdup_printf(_("Sending %s refused"), file);
		m->body = g_strdup_printf(
		    _("%s read %s before futari had classified it, so it may not send to %s yet. "
		      "Try again in a moment."),
		    program != NULL ? program : _("this program"), file, dest);
		m->folder = folder_of(raw_str(object, "path"));
		m->urgent = TRUE;
	} else if (g_str_equal(name, "upload.denied") && g_strcmp0(layer, "bpf-lsm") == 0) {
		/* the BPF taint: the program read the file and may not send anything anywhere
		 * (network, a share, a USB device) until it exits */
		m->summary = g_strdup_printf(_("Sending %s refused"), file);
		m->body = g_strdup_printf(
		    _("%s read %s (Class %s), so it may not send to %s, nor anywhere else off this "
		      "PC, until it exits. Ask for an approval with \"futari upload-request\"."),
		    program != NULL ? program : _("this program"), file, klass, dest);
		m->folder = folder_of(raw_str(object, "path"));
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

void
fut_notify_progress_free(FutNotifyProgress *p)
{
	if (p == NULL)
		return;
	g_free(p->job);
	g_free(p->dest);
	g_free(p);
}

static gboolean
get_count(JsonObject *obj, const gchar *name, guint64 *ret, GError **error)
{
	JsonNode *n = json_object_get_member(obj, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("event member \"%s\" is not a count"), name);
		return FALSE;
	}
	*ret = (guint64)json_node_get_int(n);
	return TRUE;
}

static gboolean
get_flag(JsonObject *obj, const gchar *name, gboolean *ret, GError **error)
{
	JsonNode *n = json_object_get_member(obj, name);

	*ret = FALSE;
	if (n == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("event member \"%s\" is not true or false"), name);
		return FALSE;
	}
	*ret = json_node_get_boolean(n);
	return TRUE;
}

FutNotifyProgress *
fut_notify_progress_from_event(JsonObject *event, GError **error)
{
	g_autoptr(FutNotifyProgress) p = g_new0(FutNotifyProgress, 1);
	JsonObject *destination = NULL;
	const gchar *name = raw_str(event, "event");
	const gchar *job = raw_str(event, "job");
	guint64 elapsed = 0;

	if (g_strcmp0(name, "export.progress") != 0)
		return NULL;
	if (job == NULL || *job == '\0' || strlen(job) > 64 ||
	    strspn(job, "0123456789abcdef") != strlen(job)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("export.progress without a job id"));
		return NULL;
	}
	if (!get_count(event, "files", &p->files, error) ||
	    !get_count(event, "files_done", &p->files_done, error) ||
	    !get_count(event, "bytes", &p->bytes, error) ||
	    !get_count(event, "bytes_done", &p->bytes_done, error) ||
	    !get_count(event, "written", &p->written, error) ||
	    !get_count(event, "requested", &p->requested, error) ||
	    !get_count(event, "refused", &p->refused, error) ||
	    !get_count(event, "elapsed_ms", &elapsed, error) ||
	    !get_flag(event, "finished", &p->finished, error) ||
	    !get_flag(event, "incomplete", &p->incomplete, error) ||
	    !get_obj(event, "destination", &destination, error) ||
	    !get_str(destination, "label", &p->dest, error))
		return NULL;
	p->job = g_strdup(job);
	p->elapsed_ms = (gint64)MIN(elapsed, (guint64)G_MAXINT64);
	return g_steal_pointer(&p);
}

static gchar *
format_secs(guint64 s)
{
	if (s >= 3600)
		return g_strdup_printf("%u:%02u:%02u", (guint)(s / 3600), (guint)(s / 60 % 60),
		                       (guint)(s % 60));
	return g_strdup_printf("%u:%02u", (guint)(s / 60), (guint)(s % 60));
}

/* A count for a message (the agent's are far below 2^32). */
static guint
u32(guint64 v)
{
	return (guint)MIN(v, (guint64)G_MAXUINT);
}

FutNotifyMessage *
fut_notify_progress_message(const FutNotifyProgress *p)
{
	g_autoptr(FutNotifyMessage) m = g_new0(FutNotifyMessage, 1);
	const gchar *dest = p->dest != NULL && *p->dest != '\0' ? p->dest : _("the stick");
	guint64 done = MIN(p->bytes_done, p->bytes);
	g_autofree gchar *sdone = g_format_size(done);
	g_autofree gchar *stotal = g_format_size(p->bytes);

	if (p->finished) {
		g_autofree gchar *swritten = g_format_size(p->bytes_done);
		if (p->incomplete)
			m->summary = g_strdup_printf(_("Export to %s stopped"), dest);
		else if (p->refused > 0)
			m->summary = g_strdup_printf(_("Export to %s finished: %u refused"), dest,
			                             u32(p->refused));
		else if (p->requested > 0)
			m->summary =
			    g_strdup_printf(_("Export to %s finished: approval needed"), dest);
		else
			m->summary = g_strdup_printf(_("Exported to %s"), dest);
		m->body = g_strdup_printf(_("%u of %u files done (%s): %u written, %u waiting for "
		                            "approval, %u refused."),
		                          u32(p->files_done), u32(p->files), swritten,
		                          u32(p->written), u32(p->requested), u32(p->refused));
		m->urgent = p->refused > 0 || p->incomplete;
		return g_steal_pointer(&m);
	}
	{
		gdouble secs = (gdouble)p->elapsed_ms / 1000.0;
		gdouble rate = secs > 0.2 ? (gdouble)done / secs : 0.0;
		g_autofree gchar *srate = g_format_size((guint64)rate);
		g_autofree gchar *sleft =
		    rate > 0 && p->bytes > done
		        ? format_secs((guint64)((gdouble)(p->bytes - done) / rate))
		        : g_strdup("-:--");

		m->summary = g_strdup_printf(_("Exporting to %s"), dest);
		m->body =
		    g_strdup_printf(_("%u of %u files, %s of %s, %s/s, %s left"),
		                    u32(p->files_done), u32(p->files), sdone, stotal, srate, sleft);
		m->has_value = TRUE;
		if (p->bytes > 0)
			m->value = (guint)(done * 100 / p->bytes);
		else if (p->files > 0)
			m->value = (guint)(MIN(p->files_done, p->files) * 100 / p->files);
	}
	return g_steal_pointer(&m);
}
