/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approve-evidence.h"
#include "approver-chooser.h"
#include "approver-text.h"
#include "approver-widgets.h"
#include "approver-window-private.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

typedef struct {
	FutApproverWindow *win;
	/* An offset, not a pointer: load_identity() replaces win->settings. */
	gsize field;
	GtkButton *button;
} PathChoice;

static void
update_path_button(GtkButton *button, const gchar *path)
{
	g_autofree gchar *safe = path != NULL ? fut_strescape(path, -1) : NULL;
	g_autofree gchar *base = path != NULL ? g_path_get_basename(path) : NULL;
	g_autofree gchar *sbase = base != NULL ? fut_strescape(base, -1) : NULL;

	gtk_button_set_label(button, sbase != NULL ? sbase : _("(none)"));
	gtk_widget_set_tooltip_text(GTK_WIDGET(button), safe);
}

static void
path_chosen(GFile *file, const gchar *path, gpointer data)
{
	PathChoice *pc = data;
	g_autoptr(GError) error = NULL;

	if (path == NULL)
		return;
	fut_approver_settings_set(G_STRUCT_MEMBER_P(pc->win->settings, pc->field), path);
	update_path_button(pc->button, path);
	if (!fut_approver_settings_save(pc->win->settings, &error))
		fut_approver_window_set_status(pc->win, error->message, TRUE);
	g_clear_pointer(&pc->win->output, g_free);
	fut_approver_window_load_identity(pc->win);
	fut_approver_window_refresh_decision(pc->win);
}

static void
choose_path(GtkButton *button, PathChoice *pc)
{
	GtkFileChooserNative *dialog = fut_approver_chooser_new(
	    GTK_WIDGET(button), _("Choose a File"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Select"));

	fut_approver_chooser_run(dialog, path_chosen, pc);
}

static void
path_choice_free(gpointer data, GClosure *closure)
{
	g_free(data);
}

static void
add_path_row(GtkGrid *grid, gint row, FutApproverWindow *win, const gchar *caption, gsize field)
{
	GtkWidget *button = gtk_button_new_with_label("");
	PathChoice *pc = g_new0(PathChoice, 1);

	pc->win = win;
	pc->field = field;
	pc->button = GTK_BUTTON(button);
	update_path_button(GTK_BUTTON(button), G_STRUCT_MEMBER(gchar *, win->settings, field));
	gtk_widget_set_hexpand(button, TRUE);
	g_signal_connect_data(button, "clicked", G_CALLBACK(choose_path), pc, path_choice_free, 0);
	gtk_grid_attach(grid, fut_approver_mnemonic_caption(caption, button), 0, row, 1, 1);
	gtk_grid_attach(grid, button, 1, row, 1, 1);
}

void
fut_approver_window_show_settings(FutApproverWindow *win)
{
	GtkWidget *dialog = gtk_window_new();
	GtkWidget *header = gtk_header_bar_new();
	GtkWidget *grid = gtk_grid_new();
	GtkWidget *hint = fut_approver_label_new(
	    _("Your secret key stays in its file, encrypted with your passphrase; it is unlocked "
	      "only to sign a decision. These paths are remembered for next time."),
	    "dim-label");

	gtk_window_set_title(GTK_WINDOW(dialog), _("Settings"));
	gtk_window_set_titlebar(GTK_WINDOW(dialog), header);
	gtk_window_set_transient_for(GTK_WINDOW(dialog), GTK_WINDOW(win));
	gtk_window_set_modal(GTK_WINDOW(dialog), TRUE);
	{
		/* Escape closes it, as a dialog would. */
		GtkEventController *keys = gtk_shortcut_controller_new();
		gtk_shortcut_controller_add_shortcut(
		    GTK_SHORTCUT_CONTROLLER(keys),
		    gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_Escape, 0),
		                     gtk_named_action_new("window.close")));
		gtk_widget_add_controller(dialog, keys);
	}
	gtk_window_set_default_size(GTK_WINDOW(dialog), 520, -1);
	gtk_grid_set_row_spacing(GTK_GRID(grid), 12);
	gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
	gtk_widget_set_margin_top(grid, 18);
	gtk_widget_set_margin_bottom(grid, 18);
	gtk_widget_set_margin_start(grid, 18);
	gtk_widget_set_margin_end(grid, 18);
	add_path_row(GTK_GRID(grid), 0, win, _("Secret _key:"),
	             G_STRUCT_OFFSET(FutApproverSettings, key_path));
	add_path_row(GTK_GRID(grid), 1, win, _("_Certificate:"),
	             G_STRUCT_OFFSET(FutApproverSettings, cert_path));
	add_path_row(GTK_GRID(grid), 2, win, _("Organisation _root key:"),
	             G_STRUCT_OFFSET(FutApproverSettings, root_path));
	add_path_row(GTK_GRID(grid), 3, win, _("_Policy configuration:"),
	             G_STRUCT_OFFSET(FutApproverSettings, config_path));
	gtk_grid_attach(GTK_GRID(grid), hint, 0, 4, 2, 1);
	gtk_window_set_child(GTK_WINDOW(dialog), grid);
	gtk_window_present(GTK_WINDOW(dialog));
}
