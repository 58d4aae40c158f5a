/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approver-chooser.h"

typedef struct {
	FutChosenFunc chosen;
	gpointer data;
} Chosen;

static void
chosen_free(gpointer data, GClosure *closure)
{
	g_free(data);
}

static void
chooser_response(GtkNativeDialog *dialog, gint response, gpointer data)
{
	Chosen *c = data;

	if (response == GTK_RESPONSE_ACCEPT) {
		g_autoptr(GFile) f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
		g_autofree gchar *path = f != NULL ? g_file_get_path(f) : NULL;
		if (f != NULL)
			c->chosen(f, path, c->data);
	}
	/* The signal holds a reference until this returns; @c goes with the dialog. */
	gtk_native_dialog_destroy(dialog);
	g_object_unref(dialog);
}

GtkFileChooserNative *
fut_approver_chooser_new(GtkWidget *widget,
                         const gchar *title,
                         GtkFileChooserAction action,
                         const gchar *accept_label)
{
	GtkRoot *root = gtk_widget_get_root(widget);

	return gtk_file_chooser_native_new(title, GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL,
	                                   action, accept_label, _("_Cancel"));
}

void
fut_approver_chooser_start_at(GtkFileChooserNative *dialog, const gchar *path)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(GFile) folder = g_file_new_for_path(dir);

	gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(dialog), folder, NULL);
	if (gtk_file_chooser_get_action(GTK_FILE_CHOOSER(dialog)) == GTK_FILE_CHOOSER_ACTION_SAVE) {
		g_autofree gchar *base = g_path_get_basename(path);
		gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), base);
	}
}

void
fut_approver_chooser_run(GtkFileChooserNative *dialog, FutChosenFunc chosen, gpointer data)
{
	Chosen *c = g_new0(Chosen, 1);

	c->chosen = chosen;
	c->data = data;
	g_signal_connect_data(dialog, "response", G_CALLBACK(chooser_response), c, chosen_free, 0);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}
