/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approver-chooser.h"
#include "approver-widgets.h"
#include "approver-window-private.h"
#include "errors.h"

/* The window itself: its pages, header bar, actions, opening a request and drops. The
 * pages are built in approver-review-page.c and approver-history-page.c, the signing is in
 * approver-decide.c and Settings in approver-settings-dialog.c. */

G_DEFINE_TYPE(FutApproverWindow, fut_approver_window, GTK_TYPE_APPLICATION_WINDOW)

void
fut_approver_window_show_page(FutApproverWindow *win, const gchar *name)
{
	gtk_stack_set_visible_child_name(win->stack, name);
	if (!g_str_equal(name, PAGE_HISTORY))
		gtk_toggle_button_set_active(win->history_button, FALSE);
}

static void
open_chosen(GFile *file, const gchar *path, gpointer data)
{
	fut_approver_window_open(FUT_APPROVER_WINDOW(data), file);
}

static void
open_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	FutApproverWindow *win = data;
	GtkFileChooserNative *dialog = fut_approver_chooser_new(
	    GTK_WIDGET(win), _("Open a Request"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"));
	GtkFileFilter *filter = gtk_file_filter_new();
	GtkFileFilter *all = gtk_file_filter_new();

	gtk_file_filter_set_name(filter, _("Export requests"));
	gtk_file_filter_add_mime_type(filter, "application/x-futari-request");
	gtk_file_filter_add_pattern(filter, "*.futari-request");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
	gtk_file_filter_set_name(all, _("All files"));
	gtk_file_filter_add_pattern(all, "*");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), all);
	g_object_unref(filter);
	g_object_unref(all);
	fut_approver_chooser_run(dialog, open_chosen, win);
}

static gboolean
on_drop(GtkDropTarget *target, const GValue *value, gdouble x, gdouble y, gpointer data)
{
	FutApproverWindow *win = data;
	GFile *f;
	g_autofree gchar *name = NULL;

	if (!G_VALUE_HOLDS(value, G_TYPE_FILE))
		return FALSE;
	f = g_value_get_object(value);
	name = g_file_get_basename(f);
	/* While a request is reviewed, any other file dropped is the file to check. */
	if (win->request != NULL && g_strcmp0(fut_approver_window_get_page(win), "review") == 0 &&
	    (name == NULL || !g_str_has_suffix(name, ".futari-request"))) {
		g_autofree gchar *path = g_file_get_path(f);
		if (path == NULL)
			return FALSE;
		fut_content_panel_check_file(win->content, path);
		return TRUE;
	}
	fut_approver_window_open(win, f);
	return TRUE;
}

void
fut_approver_window_open(FutApproverWindow *win, GFile *gfile)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_file_get_path(gfile);
	g_autoptr(FutRequest) q = NULL;

	g_clear_pointer(&win->request, fut_request_free);
	g_clear_pointer(&win->request_path, g_free);
	g_clear_pointer(&win->output, g_free);
	if (path == NULL) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_IO,
		            _("only local files can be opened; save the request first"));
	} else {
		q = fut_approve_load_request(path, &error);
	}
	if (q == NULL) {
		g_autofree gchar *msg = g_strdup_printf(
		    _("%s\n\nThis file is not a request you can approve: it may have been altered "
		      "after the computer signed it, or it is not a futari request. Ask the "
		      "requester to make a new request."),
		    error->message);
		gtk_label_set_text(win->invalid_body, msg);
		fut_approver_window_show_page(win, PAGE_INVALID);
		return;
	}
	win->request = g_steal_pointer(&q);
	win->request_path = g_steal_pointer(&path);
	fut_approver_window_show_request(win);
}

static void
approve_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	fut_approver_window_decide(FUT_APPROVER_WINDOW(data), FUT_DECISION_APPROVE);
}

static void
reject_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	fut_approver_window_decide(FUT_APPROVER_WINDOW(data), FUT_DECISION_REJECT);
}

static void
settings_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	fut_approver_window_show_settings(FUT_APPROVER_WINDOW(data));
}

static void
history_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	FutApproverWindow *win = data;

	gtk_toggle_button_set_active(win->history_button,
	                             !gtk_toggle_button_get_active(win->history_button));
}

static void
open_folder_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	FutApproverWindow *win = data;
	g_autofree gchar *dir = NULL;
	g_autoptr(GFile) f = NULL;
	g_autofree gchar *uri = NULL;

	if (win->written == NULL)
		return;
	dir = g_path_get_dirname(win->written);
	f = g_file_new_for_path(dir);
	uri = g_file_get_uri(f);
	gtk_show_uri(GTK_WINDOW(win), uri, GDK_CURRENT_TIME);
}

static void
copy_path_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	FutApproverWindow *win = data;

	if (win->written != NULL)
		gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(win)), win->written);
}

static void
about_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	const gchar *authors[] = {"the futari authors", NULL};

	gtk_show_about_dialog(GTK_WINDOW(data), "program-name", _("Futari Approver"), "version",
	                      PACKAGE_VERSION, "logo-icon-name", "io.github.futari.Approver",
	                      "comments",
	                      _("Review and sign export requests: a second person's approval "
	                        "before classified files leave the office."),
	                      "license-type", GTK_LICENSE_GPL_2_0, "authors", authors, NULL);
}

static const GActionEntry win_actions[] = {
    {"open", open_activated, NULL, NULL, NULL, {0}},
    {"approve", approve_activated, NULL, NULL, NULL, {0}},
    {"reject", reject_activated, NULL, NULL, NULL, {0}},
    {"settings", settings_activated, NULL, NULL, NULL, {0}},
    {"history", history_activated, NULL, NULL, NULL, {0}},
    {"open-folder", open_folder_activated, NULL, NULL, NULL, {0}},
    {"copy-path", copy_path_activated, NULL, NULL, NULL, {0}},
    {"about", about_activated, NULL, NULL, NULL, {0}},
};

static void
fut_approver_window_init(FutApproverWindow *win)
{
	GtkWidget *header = gtk_header_bar_new();
	GtkWidget *open = gtk_button_new_from_icon_name("document-open-symbolic");
	GtkWidget *history = gtk_toggle_button_new();
	GtkWidget *menu_button = gtk_menu_button_new();
	g_autoptr(GMenu) menu = g_menu_new();
	GtkWidget *stack = gtk_stack_new();
	GtkWidget *page, *done_buttons;
	GtkDropTarget *drop;

	win->validity_secs = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_action_map_add_action_entries(G_ACTION_MAP(win), win_actions, G_N_ELEMENTS(win_actions),
	                                win);
	gtk_window_set_title(GTK_WINDOW(win), _("Futari Approver"));
	gtk_window_set_icon_name(GTK_WINDOW(win), "io.github.futari.Approver");
	gtk_window_set_default_size(GTK_WINDOW(win), 760, 900);

	gtk_actionable_set_action_name(GTK_ACTIONABLE(open), "win.open");
	gtk_widget_set_tooltip_text(open, _("Open a request (Ctrl+O)"));
	fut_approver_set_accessible_label(open, _("Open a request"));
	gtk_button_set_icon_name(GTK_BUTTON(history), "document-open-recent-symbolic");
	gtk_widget_set_tooltip_text(history, _("What you have signed (Ctrl+H)"));
	fut_approver_set_accessible_label(history, _("History of your decisions"));
	g_signal_connect(history, "toggled", G_CALLBACK(fut_approver_window_history_toggled), win);
	win->history_button = GTK_TOGGLE_BUTTON(history);
	g_menu_append(menu, _("_Settings"), "win.settings");
	g_menu_append(menu, _("_About Futari Approver"), "win.about");
	gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(menu_button), G_MENU_MODEL(menu));
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(menu_button), "open-menu-symbolic");
	gtk_widget_set_tooltip_text(menu_button, _("Main menu"));
	fut_approver_set_accessible_label(menu_button, _("Main menu"));
	gtk_header_bar_pack_start(GTK_HEADER_BAR(header), open);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(header), menu_button);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(header), history);
	gtk_window_set_titlebar(GTK_WINDOW(win), header);

	win->stack = GTK_STACK(stack);
	gtk_stack_set_transition_type(win->stack, GTK_STACK_TRANSITION_TYPE_NONE);
	{
		GtkLabel *body = NULL;
		GtkWidget *ob = fut_approver_button_with_action(_("_Open Request…"), "win.open");
		GtkIconTheme *theme = gtk_icon_theme_get_for_display(gdk_display_get_default());
		/* The application icon when installed; a stock one when run from the tree. */
		const gchar *icon = gtk_icon_theme_has_icon(theme, "io.github.futari.Approver")
		                        ? "io.github.futari.Approver"
		                        : "document-open-symbolic";
		page = fut_approver_status_page(icon, _("Open an export request"), &body, NULL);
		gtk_label_set_text(body,
		                   _("Open the .futari-request file you were sent, or drop it "
		                     "on this window. You will see who asks to take which file "
		                     "where, and why, before you decide."));
		gtk_widget_add_css_class(ob, "suggested-action");
		gtk_widget_add_css_class(ob, "pill");
		gtk_box_append(GTK_BOX(page), ob);
	}
	gtk_stack_add_named(win->stack, page, PAGE_WELCOME);
	page = fut_approver_status_page("dialog-warning-symbolic", _("Do not approve this file"),
	                                &win->invalid_body, NULL);
	gtk_box_append(GTK_BOX(page),
	               fut_approver_button_with_action(_("_Open Another Request…"), "win.open"));
	gtk_stack_add_named(win->stack, page, PAGE_INVALID);
	gtk_stack_add_named(win->stack, fut_approver_window_build_review(win), PAGE_REVIEW);
	page = fut_approver_status_page("emblem-ok-symbolic", "", &win->done_body, &win->done_icon);
	win->done_title = g_object_get_data(G_OBJECT(page), "title");
	done_buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	gtk_widget_set_halign(done_buttons, GTK_ALIGN_CENTER);
	gtk_box_append(GTK_BOX(done_buttons),
	               fut_approver_button_with_action(_("Open _Folder"), "win.open-folder"));
	gtk_box_append(GTK_BOX(done_buttons),
	               fut_approver_button_with_action(_("_Copy Path"), "win.copy-path"));
	gtk_box_append(GTK_BOX(done_buttons),
	               fut_approver_button_with_action(_("_Open Another Request…"), "win.open"));
	gtk_box_append(GTK_BOX(page), done_buttons);
	gtk_stack_add_named(win->stack, page, PAGE_DONE);
	gtk_stack_add_named(win->stack, fut_approver_window_build_history(win), PAGE_HISTORY);
	gtk_window_set_child(GTK_WINDOW(win), stack);
	gtk_stack_set_visible_child_name(win->stack, PAGE_WELCOME);

	drop = gtk_drop_target_new(G_TYPE_FILE, GDK_ACTION_COPY);
	g_signal_connect(drop, "drop", G_CALLBACK(on_drop), win);
	gtk_widget_add_controller(GTK_WIDGET(win), GTK_EVENT_CONTROLLER(drop));

	fut_approver_window_load_identity(win);
	fut_approver_window_refresh_decision(win);
}

static void
fut_approver_window_finalize(GObject *object)
{
	FutApproverWindow *win = FUT_APPROVER_WINDOW(object);

	g_array_unref(win->validity_secs);
	g_free(win->page_before_history);
	fut_approver_settings_free(win->settings);
	fut_certificate_free(win->cert);
	g_free(win->cert_problem);
	g_free(win->cert_status);
	fut_policy_free(win->policy);
	fut_request_free(win->request);
	g_free(win->request_path);
	g_free(win->sha_hex);
	g_free(win->output);
	g_free(win->written);
	G_OBJECT_CLASS(fut_approver_window_parent_class)->finalize(object);
}

static void
fut_approver_window_class_init(FutApproverWindowClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = fut_approver_window_finalize;
}

FutApproverWindow *
fut_approver_window_new(GtkApplication *app)
{
	return g_object_new(FUT_TYPE_APPROVER_WINDOW, "application", app, NULL);
}

const gchar *
fut_approver_window_get_page(FutApproverWindow *win)
{
	return gtk_stack_get_visible_child_name(win->stack);
}

const gchar *
fut_approver_window_get_output(FutApproverWindow *win)
{
	return win->written;
}

void
fut_approver_load_css(void)
{
	static gboolean done = FALSE;
	GtkCssProvider *css;

	if (done)
		return;
	done = TRUE;
	css = gtk_css_provider_new();
	/* Badge colours keep white text above 4.5:1 contrast. */
	gtk_css_provider_load_from_data(
	    css,
	    ".fut-badge { border-radius: 999px; padding: 2px 12px; font-weight: bold; "
	    "color: white; }\n"
	    ".fut-class-i { background-color: #a51d2d; }\n"
	    ".fut-class-ii { background-color: #9c4a00; }\n"
	    ".fut-class-iii { background-color: #1f7a4d; }\n"
	    ".fut-banner { background-color: alpha(#c01c28, 0.12); border-radius: 8px; "
	    "padding: 10px 12px; color: #a51d2d; }\n"
	    ".fut-content { border-radius: 8px; padding: 12px 14px; font-weight: bold; "
	    "font-size: 1.15em; }\n"
	    ".fut-content-ok { background-color: #1f7a4d; color: white; }\n"
	    ".fut-content-bad { background-color: #a51d2d; color: white; }\n"
	    ".fut-content-unseen { background-color: alpha(#9c4a00, 0.15); color: #7a3a00; }\n",
	    -1);
	gtk_style_context_add_provider_for_display(gdk_display_get_default(),
	                                           GTK_STYLE_PROVIDER(css),
	                                           GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	g_object_unref(css);
}
