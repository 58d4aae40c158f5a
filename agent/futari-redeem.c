/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari redeem: use approvals. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "errors.h"
#include "redeem.h"
#include "util.h"

#include "futari-cli.h"

#define APPROVAL_FILE_MAX (16 * 1024)

int
cmd_redeem(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) r = NULL;
	JsonArray *arr;

	if (!parse_sub_options(&argc, &argv, _("APPROVAL…"),
	                       _("Use approvals: an export is written to the stick named in its "
	                         "request; an upload is allowed for the approval's window. Give "
	                         "every approval the request needs."),
	                       NULL))
		return EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, _("Usage: futari redeem APPROVAL…\n"));
		return EXIT_USAGE;
	}
	arr = json_array_new();
	json_object_set_array_member(args, "approvals", arr);
	for (int i = 1; i < argc; i++) {
		g_autofree gchar *text = NULL;
		gsize len = 0;
		if (!fut_file_read_bounded(argv[i], APPROVAL_FILE_MAX, &text, &len, &error)) {
			fail_line_escaped(error->message); /* it names the file escaped */
			return EXIT_REFUSED;
		}
		if (strlen(text) != len || !g_utf8_validate(text, (gssize)len, NULL)) {
			g_autofree gchar *e = fut_strescape(argv[i], -1);
			g_autofree gchar *msg = g_strdup_printf(_("%s is not an approval file"), e);
			/* Refused here, before the agent: the same name as the agent would give. */
			fut_refusal_set_error(&error, FUT_REFUSAL_MALFORMED, msg);
			fail_line_escaped(error->message);
			return EXIT_REFUSED;
		}
		json_array_add_string_element(arr, text);
	}
	r = agent_call("redeem", args, -1, &error);
	if (r == NULL) {
		fail_line(error->message);
		return EXIT_REFUSED;
	}
	if (opt_json) {
		print_json(r);
		return EXIT_SUCCESS;
	}
	if (g_strcmp0(str_member(r, "channel"), "upload") == 0) {
		g_autofree gchar *name = esc(str_member(r, "name"));
		g_autofree gchar *host = esc(str_member(r, "upload_host"));
		const gchar *prog = str_member(r, "upload_program");
		g_autofree gchar *eprog = esc(prog);
		g_autoptr(GDateTime) nb =
		    g_date_time_new_from_unix_local(int_member(r, "not_before"));
		g_autoptr(GDateTime) na =
		    g_date_time_new_from_unix_local(int_member(r, "not_after"));
		g_autofree gchar *snb =
		    nb != NULL ? g_date_time_format(nb, "%Y-%m-%d %H:%M:%S") : NULL;
		g_autofree gchar *sna =
		    na != NULL ? g_date_time_format(na, "%Y-%m-%d %H:%M:%S") : NULL;
		printf(_("Approved. Class %s file %s may be uploaded to %s by %s from %s until %s "
		         "(this content, by you only).\n  SHA-256 %s\n"),
		       str_member(r, "class"), name, host,
		       g_strcmp0(prog, "*") == 0 ? _("any upload program") : eprog,
		       snb != NULL ? snb : "?", sna != NULL ? sna : "?", str_member(r, "sha256"));
		return EXIT_SUCCESS;
	}
	if (json_object_has_member(r, "files")) {
		/* one request for several files: each written, or refused with its reason */
		JsonNode *fn = json_object_get_member(r, "files");
		JsonArray *files = JSON_NODE_HOLDS_ARRAY(fn) ? json_node_get_array(fn) : NULL;
		const gchar *where = str_member(r, "asset") != NULL ? str_member(r, "asset")
		                                                    : str_member(r, "serial");
		g_autofree gchar *ewhere = esc(where);
		guint n = files != NULL ? json_array_get_length(files) : 0, bad = 0, before = 0;
		for (guint i = 0; i < n; i++) {
			JsonNode *en = json_array_get_element(files, i);
			JsonObject *o =
			    JSON_NODE_HOLDS_OBJECT(en) ? json_node_get_object(en) : NULL;
			g_autofree gchar *epath = NULL;
			if (o == NULL)
				continue;
			epath = esc(str_member(o, "path"));
			if (json_object_get_boolean_member_with_default(o, "written_before",
			                                                FALSE)) {
				printf(_("%s: written by an earlier redeem\n"), epath);
				before++;
			} else if (str_member(o, "written") != NULL) {
				g_autofree gchar *ewritten = esc(str_member(o, "written"));
				printf(_("%s: written to %s:/%s\n  SHA-256 %s\n"), epath, ewhere,
				       ewritten, str_member(o, "sha256"));
			} else {
				g_autofree gchar *msg = g_strdup_printf(
				    "%s: %s", str_member(o, "path"),
				    str_member(o, "error") != NULL ? str_member(o, "error") : "?");
				fail_line(msg);
				bad++;
			}
		}
		if (before > 0)
			printf(_("Approved. Class %s: %u of %u files written now, %u by an earlier "
			         "redeem.\n"),
			       str_member(r, "class"), n - bad - before, n, before);
		else
			printf(_("Approved. Class %s: %u of %u files written.\n"),
			       str_member(r, "class"), n - bad, n);
		if (bad > 0)
			printf(
			    ngettext(
			        "The approval still covers the file not written: once its cause "
			        "is fixed, run futari redeem again with the same approval.\n",
			        "The approval still covers the %u files not written: once their "
			        "cause is fixed, run futari redeem again with the same approval.\n",
			        bad),
			    bad);
		return bad > 0 ? EXIT_REFUSED : EXIT_SUCCESS;
	}
	{
		const gchar *where = str_member(r, "asset") != NULL ? str_member(r, "asset")
		                                                    : str_member(r, "serial");
		g_autofree gchar *ewhere = esc(where);
		g_autofree gchar *ewritten = esc(str_member(r, "written"));
		printf(_("Approved. Class %s file written to %s:/%s\n  SHA-256 %s\n"),
		       str_member(r, "class"), ewhere, ewritten, str_member(r, "sha256"));
	}
	return EXIT_SUCCESS;
}
