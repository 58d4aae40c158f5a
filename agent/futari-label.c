/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari classify and label: the class of the caller's files. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "infoclass.h"
#include "util.h"

#include "futari-cli.h"

/* Sends @cmd with @args and the descriptor of @path; on failure prints one line naming the
 * file and returns NULL. */
static JsonObject *
call_with_file(const gchar *cmd, JsonObject *args, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	JsonObject *r;
	int fd = open_for_export(path, &error);

	if (fd < 0) {
		fail_line(error->message);
		return NULL;
	}
	r = agent_call(cmd, args, fd, &error);
	close(fd);
	if (r == NULL) {
		/* escaped once, by fail_line() */
		g_autofree gchar *msg = g_strdup_printf("%s: %s", path, error->message);
		fail_line(msg);
	}
	return r;
}

int
cmd_classify(int argc, char **argv)
{
	int rc = EXIT_SUCCESS;

	if (!parse_sub_options(&argc, &argv, _("FILE…"),
	                       _("Show the class the agent gives each file, and why."), NULL))
		return EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, _("Usage: futari classify FILE…\n"));
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		g_autoptr(JsonObject) r = call_with_file("classify", NULL, argv[i]);

		if (r == NULL) {
			rc = EXIT_REFUSED;
			continue;
		}
		if (opt_json) {
			json_object_remove_member(r, "text");
			print_json(r);
			continue;
		}
		/* The agent's text is already escaped (fut_classification_to_text); the
		 * check that it holds no control character is ours. */
		{
			g_autofree gchar *text = g_strdup(str_member(r, "text"));
			if (text == NULL) {
				fail_line(_("the agent sent a malformed reply"));
				rc = EXIT_REFUSED;
				continue;
			}
			for (gchar *p = text; *p != '\0'; p++) {
				if ((guchar)*p < 0x20 && *p != '\n')
					*p = '?';
			}
			printf("%s%s", text, g_str_has_suffix(text, "\n") ? "" : "\n");
		}
	}
	return rc;
}

int
cmd_label(int argc, char **argv)
{
	g_autoptr(JsonObject) args = json_object_new();
	const gchar *klass;
	int rc = EXIT_SUCCESS;

	if (!parse_sub_options(&argc, &argv, _("FILE… CLASS"),
	                       _("Set the class (I, II or III) of your files: you may raise it; "
	                         "only root lowers it."),
	                       NULL))
		return EXIT_USAGE;
	if (argc < 3) {
		fprintf(stderr, _("Usage: futari label FILE… CLASS\n"));
		return EXIT_USAGE;
	}
	klass = argv[argc - 1];
	if (fut_class_parse(klass, strlen(klass)) == FUT_CLASS_NONE) {
		g_autofree gchar *eclass = fut_strescape(klass, -1);
		g_autofree gchar *msg =
		    g_strdup_printf(_("%s: the class must be I, II or III"), eclass);
		fail_line(msg);
		return EXIT_USAGE;
	}
	json_object_set_string_member(args, "class", klass);
	for (int i = 1; i < argc - 1; i++) {
		g_autoptr(JsonObject) r = call_with_file("label", args, argv[i]);
		g_autofree gchar *ename = NULL;

		if (r == NULL) {
			rc = EXIT_REFUSED;
			continue;
		}
		if (opt_json) {
			print_json(r);
			continue;
		}
		ename = fut_strescape(argv[i], -1);
		printf(_("%s: now Class %s\n"), ename, klass);
	}
	return rc;
}
