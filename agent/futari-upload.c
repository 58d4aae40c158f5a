/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari upload-request: ask for approval to upload a Class I or II file. */
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
static gchar *opt_reason = NULL;
static gchar *opt_app = NULL;

int
cmd_upload_request(int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"to", 't', 0, G_OPTION_ARG_STRING, &opt_to, N_("The host the file is uploaded to"),
	     "HOST"},
	    {"app", 'a', 0, G_OPTION_ARG_FILENAME, &opt_app,
	     N_("The program that uploads it (absolute path; default: any upload program)"), "EXE"},
	    {"reason", 'r', 0, G_OPTION_ARG_STRING, &opt_reason,
	     N_("Why the file leaves the PC (shown to the approver and logged)"), "TEXT"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) r = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *ename = NULL;
	g_autofree gchar *app = NULL;
	ExportProgress ep = {NULL, FALSE};
	int fd;

	if (!parse_sub_options(&argc, &argv, _("FILE"),
	                       _("Ask for approval to upload a Class I or II file with a "
	                         "browser, mail client or transfer tool."),
	                       entries))
		return EXIT_USAGE;
	if (argc != 2 || opt_to == NULL || opt_reason == NULL) {
		fprintf(stderr, _("Usage: futari upload-request FILE --to HOST [--app EXE] "
		                  "--reason TEXT\n"));
		return EXIT_USAGE;
	}
	ename = fut_strescape(argv[1], -1);
	ep.name = ename;
	fd = open_for_export(argv[1], &error);
	if (fd < 0) {
		fail_line(error->message);
		return EXIT_REFUSED;
	}
	base = g_path_get_basename(argv[1]);
	json_object_set_string_member(args, "name", base);
	json_object_set_string_member(args, "to", opt_to);
	if (opt_app != NULL) {
		/* The approval names the program as the kernel will see it: a relative
		 * name or a symbolic link is resolved here, for the user's convenience;
		 * the agent only checks that it is absolute. */
		app = realpath(opt_app, NULL);
		if (app == NULL) {
			g_autofree gchar *eapp = fut_strescape(opt_app, -1);
			g_autofree gchar *msg =
			    g_strdup_printf(_("--app %s: %s"), eapp, g_strerror(errno));
			close(fd);
			fail_line(msg);
			return EXIT_REFUSED;
		}
		json_object_set_string_member(args, "app", app);
	}
	json_object_set_string_member(args, "reason", opt_reason);
	r = agent_call_full("upload-request", args, fd, export_progress, &ep, &error);
	close(fd);
	if (ep.shown)
		fprintf(stderr, "\n");
	if (r == NULL) {
		/* escaped once, by fail_line() */
		g_autofree gchar *msg = g_strdup_printf("%s: %s", argv[1], error->message);
		fail_line(msg);
		return EXIT_REFUSED;
	}
	if (opt_json) {
		print_json(r);
		return EXIT_SUCCESS;
	}
	if (str_member(r, "request_text") != NULL)
		return save_request(argv[1], ename, r, -2) ? EXIT_SUCCESS : EXIT_REFUSED;
	printf(_("%s: Class %s: no approval is needed; upload programs may read it.\n"), ename,
	       str_member(r, "class") != NULL ? str_member(r, "class") : "?");
	return EXIT_SUCCESS;
}
