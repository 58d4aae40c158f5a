/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "agent.h"
#include "broker.h"
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

const FutApiCommand fut_agent_commands[] = {
    {"status", cmd_status, FUT_API_ANY_USER, 0},
    {"devices", cmd_devices, FUT_API_ANY_USER, 0},
    {"export", fut_broker_export, FUT_API_TAKES_FD, 0},
    {NULL, NULL, 0, 0},
};
