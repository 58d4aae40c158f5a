/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari status, devices and requests: what the agent says about itself, the sticks and
 * the caller's requests. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "util.h"

#include "futari-cli.h"

int
cmd_status(int argc, char **argv)
{
	g_autoptr(JsonObject) r = NULL;
	int rc = call_without_args(&argc, &argv, "status",
	                           _("Show whether the agent is enforcing."), &r);

	if (rc >= 0)
		return rc;
	printf(_("agent:            running (version %s, since %s)\n"), str_member(r, "version"),
	       str_member(r, "started"));
	printf(_("host key:         %s\n"), str_member(r, "host_key_id"));
	printf(_("USB storage:      %u attached, %s\n"), (guint)int_member(r, "usb_devices"),
	       bool_member(r, "usb_readonly") ? _("all read-only")
	                                      : _("NOT all read-only: tell IT at once"));
	if (int_member(r, "suspicious_devices") > 0)
		printf(_("suspicious:       %u device(s) also act as keyboard or network: "
		         "never written\n"),
		       (guint)int_member(r, "suspicious_devices"));
	printf(_("your requests:    %u waiting for approval (see 'futari requests')\n"),
	       (guint)int_member(r, "pending_requests"));
	if (bool_member(r, "upload_control"))
		/* %lld, not G_GINT64_FORMAT: a macro inside the msgid cuts it for xgettext. */
		printf(_("upload control:   on (%lld opens answered, %lld denied, %lld approvals "
		         "active)\n"),
		       (long long)int_member(r, "upload_events"),
		       (long long)int_member(r, "upload_denied"),
		       (long long)int_member(r, "upload_approvals"));
	else
		printf(_("upload control:   off (not configured)\n"));
	{
		const gchar *enf = str_member(r, "upload_enforcement");

		if (g_strcmp0(enf, "bpf-lsm+fanotify") == 0)
			printf(_("enforcement:      BPF LSM process taint and fanotify (%lld "
			         "processes "
			         "tainted, %lld sends refused)\n"),
			       (long long)int_member(r, "taint_tainted"),
			       (long long)int_member(r, "taint_denied"));
		else if (g_strcmp0(enf, "fanotify") == 0)
			printf(_("enforcement:      fanotify only (no BPF LSM: %s)\n"),
			       str_member(r, "bpf_lsm_reason") != NULL
			           ? str_member(r, "bpf_lsm_reason")
			           : _("unknown"));
		else if (enf != NULL && g_strcmp0(enf, "none") != 0)
			printf(_("enforcement:      %s\n"), enf);
	}
	printf(_("egress log:       %u records\n"), (guint)int_member(r, "log_next_seq"));
	if (json_object_has_member(r, "revocation_sequence") &&
	    int_member(r, "revocation_sequence") >= 0)
		printf(_("revocations:      list %lld in force\n"),
		       (long long)int_member(r, "revocation_sequence"));
	else
		printf(_("revocations:      no list in force\n"));
	if (str_member(r, "revocation_note") != NULL) {
		g_autofree gchar *note = fut_strescape(str_member(r, "revocation_note"), -1);
		printf(_("                  %s\n"), note);
	}
	printf(_("registered media: %u%s\n"), (guint)int_member(r, "registered_media"),
	       bool_member(r, "export_to_unregistered") ? _(" (exports allowed to any stick)")
	                                                : _(" (exports only to these)"));
	return EXIT_SUCCESS;
}

int
cmd_devices(int argc, char **argv)
{
	g_autoptr(JsonObject) r = NULL;
	JsonArray *arr;
	int rc = call_without_args(&argc, &argv, "devices",
	                           _("List the USB storage devices the agent knows."), &r);

	if (rc >= 0)
		return rc;
	if (!json_object_has_member(r, "devices") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(r, "devices"))) {
		fail_line(_("the agent sent a malformed reply"));
		return EXIT_REFUSED;
	}
	arr = json_object_get_array_member(r, "devices");
	if (json_array_get_length(arr) == 0) {
		printf(_("No USB storage attached.\n"));
		return EXIT_SUCCESS;
	}
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonObject *d = json_array_get_object_element(arr, i);
		g_autofree gchar *vendor = esc(str_member(d, "vendor"));
		g_autofree gchar *product = esc(str_member(d, "product"));
		g_autofree gchar *serial = esc(str_member(d, "serial"));
		g_autofree gchar *vid = esc(str_member(d, "vid"));
		g_autofree gchar *pid = esc(str_member(d, "pid"));
		g_autofree gchar *asset = esc(str_member(d, "asset_id"));
		g_autofree gchar *owner = esc(str_member(d, "owner"));
		g_autofree gchar *size = g_format_size((guint64)int_member(d, "capacity"));
		JsonArray *vols;

		printf("%s  %s %s  %s:%s  serial %s  %s  %s\n", str_member(d, "devnode"), vendor,
		       product, vid, pid, serial, size,
		       bool_member(d, "readonly") ? _("read-only") : _("WRITABLE"));
		if (str_member(d, "asset_id") != NULL)
			printf(_("    registered as %s (%s)\n"), asset, owner);
		else
			printf(_("    not in the media register: exports to it are refused\n"));
		if (str_member(d, "suspicious") != NULL) {
			g_autofree gchar *why = esc(str_member(d, "suspicious"));
			printf(_("    SUSPICIOUS: %s; it will never be written\n"), why);
		}
		if (!JSON_NODE_HOLDS_ARRAY(json_object_get_member(d, "volumes")))
			continue;
		vols = json_object_get_array_member(d, "volumes");
		for (guint j = 0; j < json_array_get_length(vols); j++) {
			JsonObject *v = json_array_get_object_element(vols, j);
			g_autofree gchar *fs = esc(str_member(v, "fs_type"));
			g_autofree gchar *label = esc(str_member(v, "fs_label"));
			g_autofree gchar *uuid = esc(str_member(v, "fs_uuid"));
			printf(_("    %s  %s  label %s  uuid %s\n"), str_member(v, "devnode"), fs,
			       label, uuid);
		}
	}
	return EXIT_SUCCESS;
}

int
cmd_requests(int argc, char **argv)
{
	g_autoptr(JsonObject) r = NULL;
	JsonArray *arr;
	int rc = call_without_args(&argc, &argv, "requests", _("List your export requests."), &r);

	if (rc >= 0)
		return rc;
	if (!JSON_NODE_HOLDS_ARRAY(json_object_get_member(r, "requests"))) {
		fail_line(_("the agent sent a malformed reply"));
		return EXIT_REFUSED;
	}
	arr = json_object_get_array_member(r, "requests");
	if (json_array_get_length(arr) == 0) {
		printf(_("You have no export requests.\n"));
		return EXIT_SUCCESS;
	}
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonObject *q = json_array_get_object_element(arr, i);
		g_autofree gchar *name = esc(str_member(q, "name"));
		g_autofree gchar *serial = esc(str_member(q, "serial"));
		/* a folder's one request: its first file and how many more */
		if (int_member(q, "files") > 1) {
			gchar *more =
			    int_member(q, "written") > 0
			        ? g_strdup_printf(_("%s and %u more files, %u written"), name,
			                          (guint)(int_member(q, "files") - 1),
			                          (guint)int_member(q, "written"))
			        : g_strdup_printf(_("%s and %u more files"), name,
			                          (guint)(int_member(q, "files") - 1));
			g_free(name);
			name = more;
		}
		g_autoptr(GDateTime) exp =
		    g_date_time_new_from_unix_local(int_member(q, "expires"));
		g_autofree gchar *sexp =
		    exp != NULL ? g_date_time_format(exp, "%Y-%m-%d %H:%M") : NULL;
		g_autofree gchar *id =
		    g_strndup(str_member(q, "id") != NULL ? str_member(q, "id") : "", 16);
		if (g_strcmp0(str_member(q, "channel"), "upload") == 0) {
			g_autofree gchar *host = esc(str_member(q, "upload_host"));
			g_autofree gchar *prog = esc(str_member(q, "upload_program"));
			printf(_("%s  %-8s Class %-3s %s -> upload to %s by %s (expires %s)\n"), id,
			       str_member(q, "state"),
			       str_member(q, "class") != NULL ? str_member(q, "class") : "?", name,
			       host, prog, sexp != NULL ? sexp : "?");
			continue;
		}
		printf(_("%s  %-8s Class %-3s %s -> stick %s (expires %s)\n"), id,
		       str_member(q, "state"),
		       str_member(q, "class") != NULL ? str_member(q, "class") : "?", name, serial,
		       sexp != NULL ? sexp : "?");
	}
	return EXIT_SUCCESS;
}
