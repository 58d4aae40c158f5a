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
		if (f != NULL)
			c->chosen(f, c->data);
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
fut_approver_chooser_run(GtkFileChooserNative *dialog, FutChosenFunc chosen, gpointer data)
{
	Chosen *c = g_new0(Chosen, 1);

	c->chosen = chosen;
	c->data = data;
	g_signal_connect_data(dialog, "response", G_CALLBACK(chooser_response), c, chosen_free, 0);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}
