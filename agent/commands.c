/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "agent.h"
#include "broker.h"
#include "egresslog.h"
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

const FutApiCommand fut_agent_commands[] = {
    {"status", cmd_status, FUT_API_ANY_USER, 0},
    {"devices", cmd_devices, FUT_API_ANY_USER, 0},
    {"export", fut_broker_export, FUT_API_TAKES_FD, 0},
    /* Up to 16 approvals of up to 16 KiB each, armoured, in one message. */
    {"redeem", fut_broker_redeem, FUT_API_ANY_USER, 320 * 1024},
    {"requests", fut_broker_requests, FUT_API_ANY_USER, 0},
    {"classify", fut_broker_classify, FUT_API_TAKES_FD, 0},
    {"rescan", cmd_rescan, FUT_API_ROOT_ONLY, 0},
    {NULL, NULL, 0, 0},
};
