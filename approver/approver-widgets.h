/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The small widgets futari-approver's pages are built from, each labelled for screen
 * readers the same way. */

/* Returns a new wrapping, left-aligned label with CSS class @css (may be NULL). */
GtkWidget *fut_approver_label_new(const gchar *text, const gchar *css);
/* Sets the accessible label of @w. */
void fut_approver_set_accessible_label(GtkWidget *w, const gchar *text);
/* Adds a row of a facts grid: a dim caption and a selectable value labelled by it. Returns
 * the value label (owned by @grid). */
GtkLabel *fut_approver_add_fact(GtkGrid *grid, gint row, const gchar *caption);
/* Returns a caption with a mnemonic for the input control @target, which it labels. */
GtkWidget *fut_approver_mnemonic_caption(const gchar *text, GtkWidget *target);
/* Returns a centred page: a large icon, a title and a body label (*@ret_body) whose icon
 * is *@ret_icon (either may be NULL); the title label is the box's "title" data. */
GtkWidget *fut_approver_status_page(const gchar *icon,
                                    const gchar *title,
                                    GtkLabel **ret_body,
                                    GtkImage **ret_icon);
/* Returns a centred button with @mnemonic that activates @action. */
GtkWidget *fut_approver_button_with_action(const gchar *mnemonic, const gchar *action);

G_END_DECLS
