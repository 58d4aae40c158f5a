/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approve-evidence.h"
#include "approver-history.h"
#include "approver-text.h"
#include "approver-widgets.h"
#include "approver-window-private.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

/* The supervisor's identity and the signing: the only part of the window that reads the
 * passphrase and unlocks the secret key (for one signature, then wiped). */

void
fut_approver_window_load_identity(FutApproverWindow *win)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutApproverSettings) s = fut_approver_settings_load(&error);

	g_clear_pointer(&win->cert, fut_certificate_free);
	g_clear_pointer(&win->cert_problem, g_free);
	g_clear_pointer(&win->cert_status, g_free);
	g_clear_pointer(&win->policy, fut_policy_free);
	if (s == NULL) {
		win->cert_problem = g_strdup(error->message);
		s = g_new0(FutApproverSettings, 1);
		g_clear_error(&error);
	}
	g_clear_pointer(&win->settings, fut_approver_settings_free);
	win->settings = g_steal_pointer(&s);

	win->policy = fut_approve_load_policy(win->settings->config_path, &error);
	if (win->policy == NULL) {
		win->cert_problem = g_strdup(error->message);
		win->policy = fut_policy_new_default();
		return;
	}
	if (win->cert_problem != NULL)
		return;
	if (win->settings->key_path != NULL && win->settings->cert_path == NULL) {
		/* as futari-approve sign: the certificate kept beside the key */
		g_autofree gchar *beside = fut_approve_default_certificate(win->settings->key_path);
		if (g_file_test(beside, G_FILE_TEST_IS_REGULAR))
			win->settings->cert_path = g_steal_pointer(&beside);
	}
	if (win->settings->key_path == NULL || win->settings->cert_path == NULL) {
		win->cert_problem =
		    g_strdup(_("Choose your key and certificate in Settings first."));
		return;
	}
	win->cert = fut_approve_load_certificate(win->settings->cert_path, &error);
	if (win->cert == NULL ||
	    !fut_approve_check_cert_root(win->cert, win->settings->root_path, &win->cert_status,
	                                 &error) ||
	    !fut_approve_check_not_revoked(win->cert, NULL, win->settings->root_path, &error)) {
		g_clear_pointer(&win->cert, fut_certificate_free);
		win->cert_problem =
		    g_strdup_printf(_("Your certificate cannot be used: %s"), error->message);
	}
}

static void
show_done(FutApproverWindow *win, FutDecision decision, const FutApproval *a, const gchar *warn)
{
	g_autofree gchar *safe = fut_strescape(win->written, -1);
	g_autofree gchar *until = fut_approver_format_local_time(a->not_after);
	g_autofree gchar *body = NULL;

	gtk_label_set_text(win->done_title, decision == FUT_DECISION_APPROVE
	                                        ? _("Request approved")
	                                        : _("Request rejected"));
	gtk_image_set_from_icon_name(win->done_icon, decision == FUT_DECISION_APPROVE
	                                                 ? "emblem-ok-symbolic"
	                                                 : "action-unavailable-symbolic");
	if (decision == FUT_DECISION_APPROVE)
		body = g_strdup_printf(_("The approval was saved to\n%s\n\nGive this file to the "
		                         "requester. It is valid until %s.%s%s"),
		                       safe, until, warn != NULL ? "\n\n" : "",
		                       warn != NULL ? warn : "");
	else
		body = g_strdup_printf(_("The rejection was saved to\n%s\n\nGive this file to the "
		                         "requester.%s%s"),
		                       safe, warn != NULL ? "\n\n" : "", warn != NULL ? warn : "");
	gtk_label_set_text(win->done_body, body);
	fut_approver_window_show_page(win, PAGE_DONE);
}

void
fut_approver_window_decide(FutApproverWindow *win, FutDecision decision)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutApproval) a = NULL;
	g_autoptr(FutSecret) pass = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *warn = NULL;
	guint sel = gtk_drop_down_get_selected(win->validity);
	gint64 valid_for = 0;
	gint64 now = fut_approve_now();

	if (win->request == NULL)
		return;
	if (win->cert == NULL) {
		fut_approver_window_set_status(win, win->cert_problem, TRUE);
		return;
	}
	/* Checked again here, not only when the buttons were made sensitive. */
	if (!fut_approve_may_decide(win->request, win->cert, win->policy, decision, now, &error)) {
		g_autofree gchar *msg = fut_approver_sentence(error->message);
		fut_approver_window_set_status(win, msg, TRUE);
		return;
	}
	if (win->output == NULL) {
		fut_approver_window_set_status(win, _("Choose where to save the decision."), TRUE);
		return;
	}
	if (g_file_test(win->output, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)) {
		g_autofree gchar *safe = fut_strescape(win->output, -1);
		g_autofree gchar *msg = g_strdup_printf(_("%s already exists: you may have decided "
		                                          "this request already. Choose another "
		                                          "place to save a new decision."),
		                                        safe);
		fut_approver_window_set_status(win, msg, TRUE);
		return;
	}
	if (gtk_editable_get_text(GTK_EDITABLE(win->passphrase))[0] == '\0') {
		fut_approver_window_set_status(win, _("Enter the passphrase of your key."), TRUE);
		gtk_widget_grab_focus(GTK_WIDGET(win->passphrase));
		return;
	}
	if (decision == FUT_DECISION_APPROVE &&
	    (fut_content_panel_is_busy(win->content) ||
	     fut_content_panel_get_state(win->content) == FUT_CONTENT_DIFFERS)) {
		fut_approver_window_set_status(
		    win,
		    fut_content_panel_is_busy(win->content)
		        ? _("Wait until the file is checked.")
		        : _("The file does not match the request: do not approve."),
		    TRUE);
		return;
	}
	if (sel < win->validity_secs->len)
		valid_for = g_array_index(win->validity_secs, gint64, sel);
	a = fut_approve_decision_new(win->request, win->cert, win->policy, decision, valid_for,
	                             gtk_editable_get_text(GTK_EDITABLE(win->comment)), now, NULL,
	                             &error);
	if (a == NULL) {
		fut_approver_window_set_status(win, error->message, TRUE);
		return;
	}
	a->content_checked = fut_content_panel_get_state(win->content) == FUT_CONTENT_MATCHES
	                         ? FUT_CONTENT_CHECK_YES
	                         : FUT_CONTENT_CHECK_NO;
	/* The passphrase is copied only for the signature, then wiped, and the entry emptied
	 * (GtkPasswordEntry keeps its text in non-pageable memory it wipes). */
	pass = g_strdup(gtk_editable_get_text(GTK_EDITABLE(win->passphrase)));
	gtk_editable_set_text(GTK_EDITABLE(win->passphrase), "");
	text = fut_approve_sign_with_key_file(a, win->settings->key_path, pass, &error);
	g_clear_pointer(&pass, fut_secret_free);
	if (text == NULL) {
		fut_approver_window_set_status(win, error->message, TRUE);
		gtk_widget_grab_focus(GTK_WIDGET(win->passphrase));
		return;
	}
	if (!fut_file_write_new(win->output, text, strlen(text), 0644, &error)) {
		g_autofree gchar *msg = g_strdup_printf(
		    _("Could not save the decision: %s. Choose another place to save it."),
		    error->message);
		fut_approver_window_set_status(win, msg, TRUE);
		return;
	}
	g_free(win->written);
	win->written = g_strdup(win->output);
	if (!fut_history_append(win->request, a, win->written, now, &error))
		warn =
		    g_strdup_printf(_("It could not be added to your history: %s"), error->message);
	show_done(win, decision, a, warn);
}
