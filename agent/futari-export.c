/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari export: files to a USB stick. */
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

static gchar *opt_to = NULL;
static gchar *opt_dir = NULL;
static gchar *opt_reason = NULL;
static gboolean opt_with_copy = FALSE;

int
cmd_export(int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"to", 't', 0, G_OPTION_ARG_STRING, &opt_to,
	     N_("The stick: its serial, label, register asset id or mount point"), "DEVICE"},
	    {"dir", 'd', 0, G_OPTION_ARG_STRING, &opt_dir, N_("A folder on the stick"), "DIR"},
	    {"reason", 'r', 0, G_OPTION_ARG_STRING, &opt_reason,
	     N_("Why the file leaves the PC (shown to the approver and logged)"), "TEXT"},
	    {"with-copy", 0, 0, G_OPTION_ARG_NONE, &opt_with_copy,
	     N_("When approval is needed, put a copy of the exact bytes beside the request for "
	        "the supervisor to see"),
	     NULL},
	    {NULL}};
	int rc = EXIT_SUCCESS;

	if (!parse_sub_options(&argc, &argv, _("FILE…"),
	                       _("Export files to a USB stick. Class III files are written at "
	                         "once; Class I and II files need a supervisor's approval."),
	                       entries))
		return EXIT_USAGE;
	if (argc < 2 || opt_to == NULL || opt_reason == NULL) {
		fprintf(stderr, _("Usage: futari export FILE… --to DEVICE [--dir D] --reason "
		                  "TEXT [--with-copy]\n"));
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) args = json_object_new();
		g_autoptr(JsonObject) r = NULL;
		g_autofree gchar *base = g_path_get_basename(argv[i]);
		g_autofree gchar *ename = fut_strescape(argv[i], -1);
		ExportProgress ep = {ename, FALSE};
		int fd = open_for_export(argv[i], &error);

		if (fd < 0) {
			fail_line(error->message);
			rc = EXIT_REFUSED;
			continue;
		}
		json_object_set_string_member(args, "name", base);
		json_object_set_string_member(args, "to", opt_to);
		if (opt_dir != NULL)
			json_object_set_string_member(args, "dir", opt_dir);
		json_object_set_string_member(args, "reason", opt_reason);
		r = agent_call_full("export", args, fd, export_progress, &ep, &error);
		if (ep.shown)
			fprintf(stderr, "\n");
		if (r == NULL) {
			g_autofree gchar *msg = g_strdup_printf("%s: %s", ename, error->message);
			close(fd);
			fail_line(msg);
			rc = EXIT_REFUSED;
			continue;
		}
		if (opt_json) {
			close(fd);
			print_json(r);
			continue;
		}
		if (str_member(r, "request_text") != NULL) {
			if (!save_request(argv[i], ename, r, opt_with_copy ? fd : -1))
				rc = EXIT_REFUSED;
			close(fd);
			continue;
		}
		close(fd);
		{
			const gchar *where = str_member(r, "asset") != NULL
			                         ? str_member(r, "asset")
			                         : str_member(r, "serial");
			g_autofree gchar *ewhere = esc(where);
			g_autofree gchar *ewritten = esc(str_member(r, "written"));
			printf(_("%s: Class %s, written to %s:/%s\n  SHA-256 %s\n"), ename,
			       str_member(r, "class"), ewhere, ewritten, str_member(r, "sha256"));
		}
	}
	return rc;
}
