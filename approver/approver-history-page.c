/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approver-history.h"
#include "approver-text.h"
#include "approver-widgets.h"
#include "approver-window-private.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

static GtkWidget *
history_row(const FutHistoryEntry *e)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	g_autofree gchar *when = fut_approver_format_local_time(e->time);
	g_autofree gchar *until = fut_approver_format_local_time(e->not_after);
	g_autofree gchar *head = NULL, *line2 = NULL, *line3 = NULL;
	gboolean approved = g_str_equal(e->decision, "approve");
	FutClass k = fut_class_from_string(e->klass);

	head = g_strdup_printf("%s  %s  %s", when, approved ? _("Approved") : _("Rejected"),
	                       fut_approver_class_name(k));
	line2 = g_strdup_printf(_("%s from %s: %s (SHA-256 %.16s…)"), e->requester, e->host,
	                        e->file, e->sha256);
	line3 = approved ? g_strdup_printf(_("Valid until %s; saved to %s"), until, e->output)
	                 : g_strdup_printf(_("Saved to %s"), e->output);
	gtk_widget_set_margin_top(box, 8);
	gtk_widget_set_margin_bottom(box, 8);
	gtk_widget_set_margin_start(box, 12);
	gtk_widget_set_margin_end(box, 12);
	gtk_box_append(GTK_BOX(box), fut_approver_label_new(head, "heading"));
	gtk_box_append(GTK_BOX(box), fut_approver_label_new(line2, NULL));
	gtk_box_append(GTK_BOX(box), fut_approver_label_new(line3, "dim-label"));
	if (e->comment[0] != '\0') {
		g_autofree gchar *c = g_strdup_printf(_("Comment: %s"), e->comment);
		gtk_box_append(GTK_BOX(box), fut_approver_label_new(c, "dim-label"));
	}
	return box;
}

static void
load_history(FutApproverWindow *win)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = fut_history_load(&error);
	GtkWidget *child;

	while ((child = gtk_widget_get_first_child(GTK_WIDGET(win->history_list))) != NULL)
		gtk_list_box_remove(win->history_list, child);
	if (entries == NULL) {
		gtk_label_set_text(win->history_status, error->message);
		return;
	}
	if (entries->len == 0) {
		gtk_label_set_text(
		    win->history_status,
		    _("You have not approved or rejected anything with this program yet."));
		return;
	}
	{
		g_autofree gchar *path = fut_history_path();
		g_autofree gchar *safe = fut_strescape(path, -1);
		g_autofree gchar *msg = g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE, "%u decision, newest first (kept in %s)",
		                "%u decisions, newest first (kept in %s)", entries->len),
		    entries->len, safe);
		gtk_label_set_text(win->history_status, msg);
	}
	for (guint i = 0; i < entries->len; i++)
		gtk_list_box_append(win->history_list, history_row(entries->pdata[i]));
}

void
fut_approver_window_history_toggled(GtkToggleButton *button, gpointer data)
{
	FutApproverWindow *win = data;
	const gchar *now = gtk_stack_get_visible_child_name(win->stack);

	if (gtk_toggle_button_get_active(button)) {
		if (!g_str_equal(now, PAGE_HISTORY)) {
			g_free(win->page_before_history);
			win->page_before_history = g_strdup(now);
		}
		load_history(win);
		gtk_stack_set_visible_child_name(win->stack, PAGE_HISTORY);
	} else if (g_str_equal(now, PAGE_HISTORY)) {
		gtk_stack_set_visible_child_name(win->stack, win->page_before_history != NULL
		                                                 ? win->page_before_history
		                                                 : PAGE_WELCOME);
	}
}

GtkWidget *
fut_approver_window_build_history(FutApproverWindow *win)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *list = gtk_list_box_new();
	GtkWidget *title = fut_approver_label_new(_("What you have signed"), "title-2");
	GtkWidget *st = fut_approver_label_new("", "dim-label");

	gtk_widget_set_margin_top(box, 24);
	gtk_widget_set_margin_bottom(box, 24);
	gtk_widget_set_margin_start(box, 24);
	gtk_widget_set_margin_end(box, 24);
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(list), GTK_SELECTION_NONE);
	gtk_widget_add_css_class(list, "boxed-list");
	gtk_accessible_update_relation(GTK_ACCESSIBLE(list), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
	                               title, NULL, -1);
	gtk_widget_set_vexpand(scroll, TRUE);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), list);
	gtk_box_append(GTK_BOX(box), title);
	gtk_box_append(GTK_BOX(box), st);
	gtk_box_append(GTK_BOX(box), scroll);
	win->history_list = GTK_LIST_BOX(list);
	win->history_status = GTK_LABEL(st);
	return box;
}
