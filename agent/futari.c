/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari: the staff member's command line. Talks to futarid over the local API; never
 * decides anything itself. Exit status: 0 success, 1 refused or invalid, 2 usage. One file
 * per subcommand (futari-export.c, futari-status.c, ...); futari-call.c talks to the agent. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "futari-cli.h"
#include "util.h"

typedef int (*SubcommandFunc)(int argc, char **argv);

typedef struct {
	const gchar *name;
	SubcommandFunc func;
	const gchar *summary;
} Subcommand;

static const Subcommand subcommands[] = {
    {"status", cmd_status, N_("show whether the agent is enforcing")},
    {"devices", cmd_devices, N_("list USB storage devices")},
    {"export", cmd_export, N_("export files to a USB stick")},
    {"upload-request", cmd_upload_request, N_("ask for approval to upload a file")},
    {"redeem", cmd_redeem, N_("use an approval (write to the stick, or allow the upload)")},
    {"requests", cmd_requests, N_("list your export and upload requests")},
    {"classify", cmd_classify, N_("show the class of files")},
    {"label", cmd_label, N_("set the class of your files (raise only, unless root)")},
    {NULL, NULL, NULL},
};

static void
usage(FILE *out)
{
	fprintf(out, _("Usage: futari COMMAND [OPTIONS…]\n\nCommands:\n"));
	for (const Subcommand *s = subcommands; s->name != NULL; s++)
		fprintf(out, "  %-16s %s\n", s->name, _(s->summary));
	fprintf(out, _("\nRun 'futari COMMAND --help' for the options of a command.\n"));
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
	    g_str_equal(argv[1], "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	for (const Subcommand *s = subcommands; s->name != NULL; s++) {
		if (g_str_equal(argv[1], s->name))
			return s->func(argc - 1, argv + 1);
	}
	{
		g_autofree gchar *e = fut_strescape(argv[1], -1);
		fprintf(stderr, _("futari: unknown command '%s'\n"), e);
	}
	usage(stderr);
	return EXIT_USAGE;
}
