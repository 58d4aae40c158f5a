/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-approver: the supervisor's window for reviewing and signing export requests.
 *
 *   futari-approver [--key FILE] [--cert FILE] [--root FILE] [--config FILE] [REQUEST…]
 *
 * Files given on the command line (or by double-click, through the MIME type) open each in
 * a window. --key, --cert, --root and --config are remembered in the user's config dir. */
#include "config.h"

#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approver-settings.h"
#include "approver-window.h"

#define APP_ID "io.github.futari.Approver"

static void
activate(GApplication *app)
{
	FutApproverWindow *win;

	fut_approver_load_css();
	win = fut_approver_window_new(GTK_APPLICATION(app));
	gtk_window_present(GTK_WINDOW(win));
}

static void
open_files(GApplication *app, GFile **files, gint n_files, const gchar *hint)
{
	fut_approver_load_css();
	for (gint i = 0; i < n_files; i++) {
		FutApproverWindow *win = fut_approver_window_new(GTK_APPLICATION(app));
		fut_approver_window_open(win, files[i]);
		gtk_window_present(GTK_WINDOW(win));
	}
}

/* Runs in the launching process: remembers the paths given, then lets the (possibly
 * already running) primary instance open the windows. */
static gint
handle_local_options(GApplication *app, GVariantDict *options, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutApproverSettings) s = NULL;
	const gchar *key = NULL, *cert = NULL, *root = NULL, *config = NULL;
	gboolean allow_root = FALSE;

	g_variant_dict_lookup(options, "allow-root", "b", &allow_root);
	if (!fut_approve_check_root(allow_root, &error)) {
		g_printerr("futari-approver: %s\n", error->message);
		return FUT_EXIT_REFUSED;
	}
	g_variant_dict_lookup(options, "key", "^&ay", &key);
	g_variant_dict_lookup(options, "cert", "^&ay", &cert);
	g_variant_dict_lookup(options, "root", "^&ay", &root);
	g_variant_dict_lookup(options, "config", "^&ay", &config);
	if (key == NULL && cert == NULL && root == NULL && config == NULL)
		return -1;
	s = fut_approver_settings_load(&error);
	if (s == NULL) {
		g_printerr("futari-approver: %s\n", error->message);
		return FUT_EXIT_REFUSED;
	}
	{
		g_autofree gchar *k = key != NULL ? g_canonicalize_filename(key, NULL) : NULL;
		g_autofree gchar *c = cert != NULL ? g_canonicalize_filename(cert, NULL) : NULL;
		g_autofree gchar *r = root != NULL ? g_canonicalize_filename(root, NULL) : NULL;
		g_autofree gchar *f = config != NULL ? g_canonicalize_filename(config, NULL) : NULL;
		if (k != NULL)
			fut_approver_settings_set(&s->key_path, k);
		if (c != NULL)
			fut_approver_settings_set(&s->cert_path, c);
		if (r != NULL)
			fut_approver_settings_set(&s->root_path, r);
		if (f != NULL)
			fut_approver_settings_set(&s->config_path, f);
	}
	if (!fut_approver_settings_save(s, &error)) {
		g_printerr("futari-approver: %s\n", error->message);
		return FUT_EXIT_REFUSED;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	g_autoptr(GtkApplication) app = NULL;
	const GOptionEntry entries[] = {
	    {"key", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Your secret key (remembered)"),
	     N_("FILE")},
	    {"cert", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Your certificate (remembered)"),
	     N_("FILE")},
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, NULL,
	     N_("Organisation root public key (remembered)"), N_("FILE")},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, NULL,
	     N_("Config with the [approval] class policy (remembered)"), N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Allow running as root"), NULL},
	    {NULL}};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_set_prgname("futari-approver");
	g_set_application_name(_("Futari Approver"));
	umask(077);

	app = gtk_application_new(APP_ID, G_APPLICATION_HANDLES_OPEN);
	g_application_add_main_option_entries(G_APPLICATION(app), entries);
	g_application_set_option_context_parameter_string(G_APPLICATION(app), _("[REQUEST…]"));
	g_application_set_option_context_summary(
	    G_APPLICATION(app),
	    _("Review export requests and approve or reject them with your key."));
	g_signal_connect(app, "handle-local-options", G_CALLBACK(handle_local_options), NULL);
	g_signal_connect(app, "activate", G_CALLBACK(activate), NULL);
	g_signal_connect(app, "open", G_CALLBACK(open_files), NULL);
	{
		const gchar *open_accels[] = {"<Control>o", NULL};
		const gchar *history_accels[] = {"<Control>h", NULL};
		const gchar *settings_accels[] = {"<Control>comma", NULL};
		const gchar *close_accels[] = {"<Control>w", "<Control>q", NULL};
		gtk_application_set_accels_for_action(app, "win.open", open_accels);
		gtk_application_set_accels_for_action(app, "win.history", history_accels);
		gtk_application_set_accels_for_action(app, "win.settings", settings_accels);
		gtk_application_set_accels_for_action(app, "window.close", close_accels);
	}
	return g_application_run(G_APPLICATION(app), argc, argv);
}
