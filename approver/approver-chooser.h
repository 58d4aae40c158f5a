/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The desktop's file chooser, asked for one file. Every chooser of futari-approver (open a
 * request, save a decision, pick a key or certificate, pick the file to check) goes through
 * here, so each one answers, closes and is freed the same way. */

/* Called with the file accepted and its local path (NULL for a file that has none); not
 * called when the chooser is cancelled or gives no file. */
typedef void (*FutChosenFunc)(GFile *file, const gchar *path, gpointer data);

/* Returns a new chooser over the window @widget is in (over none when it is in no window),
 * not shown yet: the caller may add filters or a starting folder, then runs it with
 * fut_approver_chooser_run(). */
GtkFileChooserNative *fut_approver_chooser_new(GtkWidget *widget,
                                               const gchar *title,
                                               GtkFileChooserAction action,
                                               const gchar *accept_label);
/* Starts @dialog in the folder of @path; a save dialog also offers @path's own name. */
void fut_approver_chooser_start_at(GtkFileChooserNative *dialog, const gchar *path);
/* Shows @dialog, taking it over: calls @chosen with the file and @data once a file is
 * accepted, then destroys and frees the dialog, whatever the answer. */
void fut_approver_chooser_run(GtkFileChooserNative *dialog, FutChosenFunc chosen, gpointer data);

G_END_DECLS
