/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "agent.h"
#include "broker.h"
#include "egresslog.h"
#include "fanwatch.h"
#include "pending.h"
#include "revstate.h"
#include "errors.h"
#include "util.h"

/* The local API's commands. Adding one means adding a row here, with who may call it: the
 * server refuses anything not in this table. */

static void
cmd_status(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(JsonObject) r = json_object_new();
	g_autoptr(GPtrArray) devices = fut_usb_store_get_devices(agent->usb);
	g_autofree gchar *keyid = fut_key_dup_id_string(agent->host_key);
	g_autofree gchar *started = g_date_time_format_iso8601(agent->started);
	gboolean all_ro = TRUE;
	guint suspicious = 0;

	/* Like every command: what is not understood is refused, not ignored (a "uid" here
	 * would otherwise look accepted; the caller is always the socket's peer). */
	if (json_object_get_size(args) != 0) {
		g_autoptr(GError) error = NULL;
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("status takes no arguments"));
		fut_api_call_return_error(call, error);
		return;
	}
	for (guint i = 0; i < devices->len; i++) {
		const FutUsbDevice *d = g_ptr_array_index(devices, i);
		all_ro = all_ro && d->readonly;
		suspicious += d->suspicious != NULL;
	}
	json_object_set_string_member(r, "version", PACKAGE_VERSION);
	json_object_set_string_member(r, "host_key_id", keyid);
	json_object_set_string_member(r, "started", started);
	json_object_set_int_member(r, "uid", fut_api_call_get_uid(call));
	json_object_set_int_member(r, "usb_devices", devices->len);
	json_object_set_int_member(r, "suspicious_devices", suspicious);
	json_object_set_boolean_member(r, "usb_readonly", all_ro);
	json_object_set_int_member(r, "registered_media",
	                           fut_media_register_get_n_entries(agent->media));
	json_object_set_boolean_member(r, "export_to_unregistered",
	                               agent->config->export_unregistered);
	json_object_set_int_member(r, "pending_requests",
	                           fut_pending_count(agent->config->state_dir,
	                                             fut_api_call_get_uid(call),
	                                             g_get_real_time() / G_USEC_PER_SEC));
	json_object_set_int_member(r, "log_next_seq", fut_egress_log_get_next_seq(agent->log));
	{
		g_autofree gchar *note = NULL;
		gint64 seq =
		    fut_revstate_status(agent->config->state_dir, agent->config->revocation_list,
		                        agent->config->org_key, &note);
		json_object_set_int_member(r, "revocation_sequence", seq);
		if (note != NULL)
			json_object_set_string_member(r, "revocation_note", note);
	}
	json_object_set_boolean_member(r, "upload_control", agent->fanwatch != NULL);
	fut_agent_taint_status(agent, r);
	if (agent->fanwatch != NULL) {
		FutFanwatchStats st;
		fut_fanwatch_get_stats(agent->fanwatch, &st);
		json_object_set_int_member(r, "upload_events", (gint64)st.events);
		json_object_set_int_member(r, "upload_denied", (gint64)st.denied);
		json_object_set_int_member(r, "upload_overflows", (gint64)st.overflows);
		json_object_set_int_member(r, "upload_deadline_answers",
		                           (gint64)st.deadline_answers);
		json_object_set_int_member(r, "upload_mounts_marked", (gint64)st.mounts_marked);
		json_object_set_int_member(r, "upload_system_files", (gint64)st.system_files);
		/* the learner's queue: opens not learnt at its bound (their pending numbers
		 * resolved as Class II), and its bound */
		json_object_set_int_member(r, "upload_learn_dropped", (gint64)st.learn_dropped);
		json_object_set_int_member(r, "upload_learn_bound", (gint64)st.learn_bound);
		/* how far behind the learner is: opens waiting for it now */
		json_object_set_int_member(r, "upload_learn_waiting", (gint64)st.learn_waiting);
		/* upload.observed written durably before the open, the opens refused because
		 * the log could not take theirs, and the flushes that wrote them */
		json_object_set_int_member(r, "upload_observed_durable",
		                           (gint64)st.observed_durable);
		json_object_set_int_member(r, "upload_observed_refused",
		                           (gint64)st.observed_refused);
		json_object_set_int_member(r, "upload_observe_commits", (gint64)st.observe_commits);
		/* fanotify alone: pipes into upload programs followed, and opens decided as an
		 * upload program's because the opener writes into one */
		json_object_set_int_member(r, "upload_pipes_followed", (gint64)st.pipes_followed);
		json_object_set_int_member(r, "upload_pipe_writers", (gint64)st.pipe_writers);
		json_object_set_int_member(r, "upload_approvals",
		                           g_hash_table_size(agent->upload_approvals));
	}
	fut_api_call_return(call, r);
}

static void
cmd_devices(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(JsonObject) r = json_object_new();
	g_autoptr(GPtrArray) devices = fut_usb_store_get_devices(agent->usb);
	JsonArray *arr;

	if (json_object_get_size(args) != 0) {
		g_autoptr(GError) error = NULL;
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("devices takes no arguments"));
		fut_api_call_return_error(call, error);
		return;
	}
	arr = json_array_new();
	for (guint i = 0; i < devices->len; i++)
		json_array_add_object_element(
		    arr, fut_usb_device_to_json(g_ptr_array_index(devices, i)));
	json_object_set_array_member(r, "devices", arr);
	fut_api_call_return(call, r);
}

/* IT's way to make the agent look at every device now instead of at the next tick. */
static void
cmd_rescan(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;

	if (json_object_get_size(args) != 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("rescan takes no arguments"));
		fut_api_call_return_error(call, error);
		return;
	}
	if (!fut_usb_store_rescan(agent->usb, &error)) {
		fut_api_call_return_error(call, error);
		return;
	}
	cmd_devices(call, args, user_data);
}

/* --- events for the desktop (futari-notify) ------------------------------------------- */

static void
subscriber_finish(FutApiCall *call, gboolean stopping)
{
	g_autoptr(JsonObject) r = json_object_new();

	json_object_set_boolean_member(r, "stopped", stopping);
	fut_api_call_return(call, r);
}

void
fut_agent_subscribers_prune(FutAgent *agent, gboolean stop)
{
	g_autoptr(JsonObject) keepalive = json_object_new();

	if (agent->subscribers == NULL)
		return;
	json_object_set_string_member(keepalive, "event", "keepalive");
	for (guint i = 0; i < agent->subscribers->len;) {
		FutApiCall *call = g_ptr_array_index(agent->subscribers, i);
		if (!stop)
			fut_api_call_send_event(call, keepalive);
		if (stop || !fut_api_call_is_connected(call)) {
			g_ptr_array_remove_index(agent->subscribers, i);
			subscriber_finish(call, stop);
			continue;
		}
		i++;
	}
}

void
fut_agent_notify(FutAgent *agent, uid_t uid, JsonObject *event)
{
	if (agent->subscribers == NULL)
		return;
	for (guint i = 0; i < agent->subscribers->len;) {
		FutApiCall *call = g_ptr_array_index(agent->subscribers, i);
		if (fut_api_call_get_uid(call) == uid)
			fut_api_call_send_event(call, event);
		if (!fut_api_call_is_connected(call)) {
			g_ptr_array_remove_index(agent->subscribers, i);
			subscriber_finish(call, FALSE);
			continue;
		}
		i++;
	}
}

void
fut_agent_notify_progress(uid_t uid, JsonObject *event, gpointer data)
{
	fut_agent_notify(data, uid, event);
}

/* The records a user's desktop shows (futari-notify, agent/notify-event.c); the others stay
 * in the log. */
static const gchar *const desktop_events[] = {
    "export.requested",
    "export.written",
    "export.refused",
    "export.failed",
    "approval.refused",
    "upload.denied",
    NULL,
};

static gboolean
is_desktop_event(const gchar *event)
{
	return event != NULL && g_strv_contains(desktop_events, event);
}

/* What the user does next, in words; NULL when the reason says it all. */
static const gchar *
next_step(const gchar *event)
{
	if (g_str_equal(event, "export.requested"))
		return _("give the request file (saved next to the file by futari export) to "
		         "your supervisor, then run: futari redeem APPROVAL-FILE");
	if (g_str_equal(event, "approval.refused"))
		return _("ask your supervisor for a new approval of the request");
	if (g_str_equal(event, "upload.denied"))
		return _("ask for approval: futari upload-request FILE --to HOST --reason TEXT");
	return NULL;
}

void
fut_agent_notify_record(FutAgent *agent, const gchar *event, JsonObject *fields)
{
	g_autoptr(JsonObject) e = json_object_new();
	g_autoptr(GList) members = NULL;
	JsonNode *subject = json_object_get_member(fields, "subject");
	JsonNode *uid = NULL;
	const gchar *step;

	if (!is_desktop_event(event) || subject == NULL || !JSON_NODE_HOLDS_OBJECT(subject))
		return;
	uid = json_object_get_member(json_node_get_object(subject), "uid");
	if (uid == NULL || !JSON_NODE_HOLDS_VALUE(uid) ||
	    json_node_get_value_type(uid) != G_TYPE_INT64 || json_node_get_int(uid) < 0 ||
	    json_node_get_int(uid) >= G_MAXUINT32)
		return;
	json_object_set_string_member(e, "event", event);
	members = json_object_get_members(fields);
	for (GList *it = members; it != NULL; it = it->next)
		if (!g_str_equal(it->data, "event"))
			json_object_set_member(
			    e, it->data, json_node_copy(json_object_get_member(fields, it->data)));
	step = next_step(event);
	if (step != NULL)
		json_object_set_string_member(e, "next_step", step);
	fut_agent_notify(agent, (uid_t)json_node_get_int(uid), e);
}

/* A copy of @node whose strings went through fut_strescape(), as the log's are. */
static JsonNode *
escaped_copy(JsonNode *node)
{
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *src = json_node_get_object(node);
		JsonObject *dst = json_object_new();
		g_autoptr(GList) members = json_object_get_members(src);
		JsonNode *r = json_node_new(JSON_NODE_OBJECT);
		g_autofree gchar *key = NULL;

		for (GList *it = members; it != NULL; it = it->next) {
			g_free(key);
			key = fut_strescape(it->data, -1);
			json_object_set_member(dst, key,
			                       escaped_copy(json_object_get_member(src, it->data)));
		}
		json_node_take_object(r, dst);
		return r;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *src = json_node_get_array(node);
		JsonArray *dst = json_array_new();
		JsonNode *r = json_node_new(JSON_NODE_ARRAY);

		for (guint i = 0; i < json_array_get_length(src); i++)
			json_array_add_element(dst, escaped_copy(json_array_get_element(src, i)));
		json_node_take_array(r, dst);
		return r;
	}
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
		g_autofree gchar *v = fut_strescape(json_node_get_string(node), -1);
		JsonNode *r = json_node_new(JSON_NODE_VALUE);
		json_node_set_string(r, v);
		return r;
	}
	return json_node_copy(node);
}

typedef struct {
	FutAgent *agent;
	gchar *event;
	JsonObject *fields;
} PendingNotice;

static void
pending_notice_free(gpointer data)
{
	PendingNotice *p = data;

	g_free(p->event);
	json_object_unref(p->fields);
	g_free(p);
}

static gboolean
pending_notice_send(gpointer data)
{
	PendingNotice *p = data;

	fut_agent_notify_record(p->agent, p->event, p->fields);
	return G_SOURCE_REMOVE;
}

void
fut_agent_notify_record_later(FutAgent *agent, const gchar *event, JsonObject *fields)
{
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonNode) copy = NULL;
	PendingNotice *p;

	if (!is_desktop_event(event))
		return;
	json_node_set_object(root, fields);
	copy = escaped_copy(root);
	p = g_new0(PendingNotice, 1);
	p->agent = agent;
	p->event = g_strdup(event);
	p->fields = json_node_dup_object(copy);
	/* Broker records come from worker threads; subscribers live in the main thread. */
	g_idle_add_full(G_PRIORITY_DEFAULT, pending_notice_send, p, pending_notice_free);
}

/* Keeps the call open and streams the caller's own events to it (docs/agent-api.md). */
static void
cmd_subscribe(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) hello = json_object_new();
	uid_t uid = fut_api_call_get_uid(call);
	guint n = 0;

	if (json_object_get_size(args) != 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("subscribe takes no arguments"));
		fut_api_call_return_error(call, error);
		return;
	}
	/* Connections whose client left count only until the next keepalive: drop them now. */
	fut_agent_subscribers_prune(agent, FALSE);
	for (guint i = 0; i < agent->subscribers->len; i++)
		n += fut_api_call_get_uid(g_ptr_array_index(agent->subscribers, i)) == uid;
	if (n >= FUT_AGENT_SUBSCRIBERS_PER_UID) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("already %d event subscriptions for this user"),
		            FUT_AGENT_SUBSCRIBERS_PER_UID);
		fut_api_call_return_error(call, error);
		return;
	}
	g_ptr_array_add(agent->subscribers, call);
	json_object_set_string_member(hello, "event", "subscribed");
	fut_api_call_send_event(call, hello);
}

const FutApiCommand fut_agent_commands[] = {
    {"status", cmd_status, FUT_API_ANY_USER, 0},
    {"devices", cmd_devices, FUT_API_ANY_USER, 0},
    {"export", fut_broker_export, FUT_API_TAKES_FD | FUT_API_PER_FILE, 0},
    {"upload-request", fut_broker_upload_request, FUT_API_TAKES_FD, 0},
    /* Up to 16 approvals of up to 16 KiB each, armoured, in one message. */
    {"redeem", fut_broker_redeem, FUT_API_ANY_USER, 320 * 1024},
    {"requests", fut_broker_requests, FUT_API_ANY_USER, 0},
    {"export-seal", fut_broker_export_seal, FUT_API_ANY_USER, 0},
    {"classify", fut_broker_classify, FUT_API_TAKES_FD, 0},
    {"label", fut_broker_label, FUT_API_TAKES_FD, 0},
    {"rescan", cmd_rescan, FUT_API_ROOT_ONLY, 0},
    {"subscribe", cmd_subscribe, FUT_API_ANY_USER, 0},
    {NULL, NULL, 0, 0},
};
