/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "agent.h"
#include "broker.h"
#include "egresslog.h"
#include "fanwatch.h"
#include "pending.h"
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
	json_object_set_boolean_member(r, "upload_control", agent->fanwatch != NULL);
	if (agent->fanwatch != NULL) {
		FutFanwatchStats st;
		fut_fanwatch_get_stats(agent->fanwatch, &st);
		json_object_set_int_member(r, "upload_events", (gint64)st.events);
		json_object_set_int_member(r, "upload_denied", (gint64)st.denied);
		json_object_set_int_member(r, "upload_overflows", (gint64)st.overflows);
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
	JsonArray *arr = json_array_new();

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
    {"export", fut_broker_export, FUT_API_TAKES_FD, 0},
    {"upload-request", fut_broker_upload_request, FUT_API_TAKES_FD, 0},
    /* Up to 16 approvals of up to 16 KiB each, armoured, in one message. */
    {"redeem", fut_broker_redeem, FUT_API_ANY_USER, 320 * 1024},
    {"requests", fut_broker_requests, FUT_API_ANY_USER, 0},
    {"classify", fut_broker_classify, FUT_API_TAKES_FD, 0},
    {"rescan", cmd_rescan, FUT_API_ROOT_ONLY, 0},
    {"subscribe", cmd_subscribe, FUT_API_ANY_USER, 0},
    {NULL, NULL, 0, 0},
};
