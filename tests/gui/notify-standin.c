/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEST ONLY: a stand-in desktop notification server for tests/gui/notify.sh. It owns
 * org.freedesktop.Notifications on the session bus, answers like a real server that
 * supports body markup and actions, and appends every Notify call to OUTFILE as one JSON
 * line {app, summary, body, actions, urgency, id, replaces, value?}: "id" is the id it
 * answered (the one replaced, or a new one), "value" the progress hint when there is one;
 * and every CloseNotification call as one line "ID" in OUTFILE.closed (libnotify closes
 * the notifications still open when the client exits).
 * It writes READYFILE once it owns the name.
 *
 *   notify-standin OUTFILE READYFILE */
#include "config.h"

#include <stdio.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

static const gchar xml[] =
    "<node><interface name='org.freedesktop.Notifications'>"
    "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/>"
    "<arg type='i' direction='in'/><arg type='u' direction='out'/></method>"
    "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
    "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
    "<method name='GetServerInformation'><arg type='s' direction='out'/>"
    "<arg type='s' direction='out'/><arg type='s' direction='out'/>"
    "<arg type='s' direction='out'/></method>"
    "<signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
    "<signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
    "</interface></node>";

static const gchar *out_path, *ready_path;
static guint next_id = 1;

static guint32
record(GVariant *params)
{
	const gchar *app, *icon, *summary, *body;
	guint32 replaces;
	gint32 timeout;
	g_autoptr(GVariantIter) actions = NULL;
	g_autoptr(GVariant) hints = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *line = NULL;
	const gchar *action;
	guchar urgency = 1;
	gint32 value = -1;
	guint32 id;
	FILE *f;

	g_variant_get(params, "(&su&s&s&sas@a{sv}i)", &app, &replaces, &icon, &summary, &body,
	              &actions, &hints, &timeout);
	g_variant_lookup(hints, "urgency", "y", &urgency);
	g_variant_lookup(hints, "value", "i", &value);
	id = replaces != 0 ? replaces : next_id++;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "app");
	json_builder_add_string_value(b, app);
	json_builder_set_member_name(b, "summary");
	json_builder_add_string_value(b, summary);
	json_builder_set_member_name(b, "body");
	json_builder_add_string_value(b, body);
	json_builder_set_member_name(b, "actions");
	json_builder_begin_array(b);
	while (g_variant_iter_next(actions, "&s", &action))
		json_builder_add_string_value(b, action);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "urgency");
	json_builder_add_int_value(b, urgency);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, id);
	json_builder_set_member_name(b, "replaces");
	json_builder_add_int_value(b, replaces);
	if (value >= 0) {
		json_builder_set_member_name(b, "value");
		json_builder_add_int_value(b, value);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	line = json_generator_to_data(gen, NULL);
	f = fopen(out_path, "ae");
	if (f != NULL) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
	return id;
}

static void
call(GDBusConnection *c,
     const gchar *sender,
     const gchar *path,
     const gchar *iface,
     const gchar *method,
     GVariant *params,
     GDBusMethodInvocation *inv,
     gpointer data)
{
	if (g_str_equal(method, "Notify")) {
		guint32 id = record(params);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", id));
	} else if (g_str_equal(method, "CloseNotification")) {
		g_autofree gchar *closed_path = g_strconcat(out_path, ".closed", NULL);
		guint32 id = 0;
		FILE *f = fopen(closed_path, "ae");
		g_variant_get(params, "(u)", &id);
		if (f != NULL) {
			fprintf(f, "%u\n", id);
			fclose(f);
		}
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (g_str_equal(method, "GetCapabilities")) {
		const gchar *caps[] = {"body", "body-markup", "actions", NULL};
		g_dbus_method_invocation_return_value(inv, g_variant_new("(^as)", caps));
	} else if (g_str_equal(method, "GetServerInformation")) {
		g_dbus_method_invocation_return_value(
		    inv, g_variant_new("(ssss)", "futari-test-standin", "futari", "0", "1.2"));
	} else {
		g_dbus_method_invocation_return_value(inv, NULL);
	}
}

static const GDBusInterfaceVTable vtable = {call, NULL, NULL, {0}};

static void
acquired(GDBusConnection *c, const gchar *name, gpointer data)
{
	g_file_set_contents(ready_path, "ready\n", -1, NULL);
}

static void
bus(GDBusConnection *c, const gchar *name, gpointer data)
{
	GDBusNodeInfo *info = g_dbus_node_info_new_for_xml(xml, NULL);

	g_dbus_connection_register_object(c, "/org/freedesktop/Notifications", info->interfaces[0],
	                                  &vtable, NULL, NULL, NULL);
	g_dbus_node_info_unref(info);
}

static void
lost(GDBusConnection *c, const gchar *name, gpointer data)
{
	g_printerr("notify-standin: cannot own %s\n", name);
	exit(1);
}

int
main(int argc, char **argv)
{
	GMainLoop *loop;

	if (argc != 3) {
		g_printerr("usage: notify-standin OUTFILE READYFILE\n");
		return 2;
	}
	out_path = argv[1];
	ready_path = argv[2];
	g_bus_own_name(G_BUS_TYPE_SESSION, "org.freedesktop.Notifications",
	               G_BUS_NAME_OWNER_FLAGS_NONE, bus, acquired, lost, NULL, NULL);
	loop = g_main_loop_new(NULL, FALSE);
	g_main_loop_run(loop);
	return 0;
}
