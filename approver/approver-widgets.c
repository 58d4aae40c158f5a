/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approver-widgets.h"

GtkWidget *
fut_approver_label_new(const gchar *text, const gchar *css)
{
	GtkWidget *l = gtk_label_new(text);

	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
	gtk_label_set_xalign(GTK_LABEL(l), 0.0);
	if (css != NULL)
		gtk_widget_add_css_class(l, css);
	return l;
}

void
fut_approver_set_accessible_label(GtkWidget *w, const gchar *text)
{
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* A row of the facts grid: a dim caption and a selectable value labelled by it. */
GtkLabel *
fut_approver_add_fact(GtkGrid *grid, gint row, const gchar *caption)
{
	GtkWidget *k = gtk_label_new(caption);
	GtkWidget *v = fut_approver_label_new("", NULL);

	gtk_widget_add_css_class(k, "dim-label");
	gtk_label_set_xalign(GTK_LABEL(k), 1.0);
	gtk_label_set_yalign(GTK_LABEL(k), 0.0);
	gtk_widget_set_valign(k, GTK_ALIGN_START);
	gtk_label_set_selectable(GTK_LABEL(v), TRUE);
	/* Selectable with the mouse, but not a stop for Tab: the keyboard goes straight to
	 * the controls, and a focused label would show all its text selected. */
	gtk_widget_set_focusable(v, FALSE);
	gtk_widget_set_hexpand(v, TRUE);
	gtk_accessible_update_relation(GTK_ACCESSIBLE(v), GTK_ACCESSIBLE_RELATION_LABELLED_BY, k,
	                               NULL, -1);
	gtk_grid_attach(grid, k, 0, row, 1, 1);
	gtk_grid_attach(grid, v, 1, row, 1, 1);
	return GTK_LABEL(v);
}

/* A caption with a mnemonic for an input control, which it labels. */
GtkWidget *
fut_approver_mnemonic_caption(const gchar *text, GtkWidget *target)
{
	GtkWidget *l = gtk_label_new_with_mnemonic(text);

	gtk_label_set_xalign(GTK_LABEL(l), 1.0);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), target);
	gtk_accessible_update_relation(GTK_ACCESSIBLE(target), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
	                               l, NULL, -1);
	return l;
}

GtkWidget *
fut_approver_status_page(const gchar *icon,
                         const gchar *title,
                         GtkLabel **ret_body,
                         GtkImage **ret_icon)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *img = gtk_image_new_from_icon_name(icon);
	GtkWidget *t = fut_approver_label_new(title, "title-1");
	GtkWidget *b = fut_approver_label_new("", NULL);

	gtk_widget_set_valign(box, GTK_ALIGN_CENTER);
	gtk_widget_set_halign(box, GTK_ALIGN_CENTER);
	gtk_widget_set_margin_start(box, 36);
	gtk_widget_set_margin_end(box, 36);
	gtk_image_set_pixel_size(GTK_IMAGE(img), 96);
	gtk_widget_add_css_class(img, "dim-label");
	gtk_label_set_xalign(GTK_LABEL(t), 0.5);
	gtk_label_set_justify(GTK_LABEL(t), GTK_JUSTIFY_CENTER);
	gtk_label_set_xalign(GTK_LABEL(b), 0.5);
	gtk_label_set_justify(GTK_LABEL(b), GTK_JUSTIFY_CENTER);
	gtk_label_set_max_width_chars(GTK_LABEL(b), 60);
	gtk_box_append(GTK_BOX(box), img);
	gtk_box_append(GTK_BOX(box), t);
	gtk_box_append(GTK_BOX(box), b);
	if (ret_body != NULL)
		*ret_body = GTK_LABEL(b);
	if (ret_icon != NULL)
		*ret_icon = GTK_IMAGE(img);
	g_object_set_data(G_OBJECT(box), "title", t);
	return box;
}

GtkWidget *
fut_approver_button_with_action(const gchar *mnemonic, const gchar *action)
{
	GtkWidget *b = gtk_button_new_with_mnemonic(mnemonic);

	gtk_actionable_set_action_name(GTK_ACTIONABLE(b), action);
	gtk_widget_set_halign(b, GTK_ALIGN_CENTER);
	return b;
}
