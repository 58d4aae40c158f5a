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

static gchar *
duration_label(gint64 secs)
{
	if (secs % 86400 == 0)
		return g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE, "%d day", "%d days", (gulong)(secs / 86400)),
		    (gint)(secs / 86400));
	if (secs % 3600 == 0)
		return g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE, "%d hour", "%d hours", (gulong)(secs / 3600)),
		    (gint)(secs / 3600));
	return g_strdup_printf(
	    g_dngettext(GETTEXT_PACKAGE, "%d minute", "%d minutes", (gulong)(secs / 60)),
	    (gint)(secs / 60));
}

/* The choices of validity: common durations below the class maximum, and the maximum. */
static void
fill_validity(FutApproverWindow *win, gint64 max, gint64 expires, gint64 now)
{
	static const gint64 choices[] = {3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400};
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GtkStringList) model = NULL;
	/* No approval outlives its request (fut_approve_decision_new caps it): say so rather
	 * than offer days the request does not have. */
	gboolean request_first = expires - now > 0 && expires - now < max;
	gint64 limit = request_first ? expires - now : max;

	g_array_set_size(win->validity_secs, 0);
	for (guint i = 0; i < G_N_ELEMENTS(choices); i++) {
		if (choices[i] >= limit)
			break;
		g_ptr_array_add(names, duration_label(choices[i]));
		g_array_append_val(win->validity_secs, choices[i]);
	}
	if (request_first) {
		g_autofree gchar *until = fut_approver_format_local_time(expires);
		g_ptr_array_add(names, g_strdup_printf(_("until the request expires (%s)"), until));
	} else {
		g_autofree gchar *d = duration_label(max);
		g_ptr_array_add(names, g_strdup_printf(_("%s (the most this class allows)"), d));
	}
	g_array_append_val(win->validity_secs, max);
	g_ptr_array_add(names, NULL);
	model = gtk_string_list_new((const gchar *const *)names->pdata);
	gtk_drop_down_set_model(win->validity, G_LIST_MODEL(model));
	gtk_drop_down_set_selected(win->validity, win->validity_secs->len - 1);
}

static void
set_output(FutApproverWindow *win, const gchar *path)
{
	g_autofree gchar *safe = NULL;

	g_free(win->output);
	win->output = g_strdup(path);
	safe = path != NULL ? fut_strescape(path, -1) : g_strdup(_("(choose a place)"));
	gtk_label_set_text(win->output_label, safe);
	gtk_widget_set_tooltip_text(GTK_WIDGET(win->output_label), safe);
}

void
fut_approver_window_set_status(FutApproverWindow *win, const gchar *text, gboolean is_error)
{
	gtk_label_set_text(win->status, text != NULL ? text : "");
	gtk_widget_set_visible(GTK_WIDGET(win->status), text != NULL && text[0] != '\0');
	if (is_error)
		gtk_widget_add_css_class(GTK_WIDGET(win->status), "error");
	else
		gtk_widget_remove_css_class(GTK_WIDGET(win->status), "error");
}

/* Shows who signs and whether they may; Approve is offered only when the rules allow it. */
void
fut_approver_window_refresh_decision(FutApproverWindow *win)
{
	g_autoptr(GError) approve_error = NULL;
	g_autoptr(GError) reject_error = NULL;
	gboolean may_approve = FALSE, may_reject = FALSE;

	if (win->cert != NULL) {
		g_autofree gchar *name = fut_approve_escape(win->cert->name);
		g_autofree gchar *id = fut_approve_escape(win->cert->staff_id);
		g_autofree gchar *text =
		    g_strdup_printf(_("%s (%s); certificate %s"), name, id, win->cert_status);
		gtk_label_set_text(win->approver, text);
	} else {
		gtk_label_set_text(win->approver, win->cert_problem);
	}
	if (win->request == NULL)
		return;
	if (win->cert != NULL) {
		gint64 now = fut_approve_now();
		may_approve = fut_approve_may_decide(win->request, win->cert, win->policy,
		                                     FUT_DECISION_APPROVE, now, &approve_error);
		may_reject = fut_approve_may_decide(win->request, win->cert, win->policy,
		                                    FUT_DECISION_REJECT, now, &reject_error);
	}
	/* A file that does not match is a reason not to approve; one not seen is said. */
	{
		FutContentState cs = fut_content_panel_get_state(win->content);
		gboolean busy = fut_content_panel_is_busy(win->content);
		if (cs == FUT_CONTENT_DIFFERS || busy)
			may_approve = FALSE;
		gtk_label_set_text(win->content_note,
		                   busy ? _("Wait until the file is checked.")
		                   : cs == FUT_CONTENT_MATCHES
		                       ? _("You checked the content: the approval records "
		                           "content-checked: yes.")
		                   : cs == FUT_CONTENT_DIFFERS
		                       ? _("The file does not match the request: do not approve.")
		                       : _("You have not seen the content. If you approve, the "
		                           "approval records content-checked: no."));
		gtk_widget_remove_css_class(GTK_WIDGET(win->content_note), "error");
		if (cs != FUT_CONTENT_MATCHES && !busy)
			gtk_widget_add_css_class(GTK_WIDGET(win->content_note), "error");
	}
	gtk_widget_set_sensitive(win->approve_button, may_approve);
	gtk_widget_set_sensitive(win->reject_button, may_reject);
	if (win->cert == NULL) {
		gtk_label_set_text(win->banner, win->cert_problem);
		gtk_widget_set_visible(GTK_WIDGET(win->banner), TRUE);
	} else if (approve_error != NULL) {
		g_autofree gchar *msg = fut_approver_sentence(approve_error->message);
		gtk_label_set_text(win->banner, msg);
		gtk_widget_set_visible(GTK_WIDGET(win->banner), TRUE);
	} else {
		gtk_widget_set_visible(GTK_WIDGET(win->banner), FALSE);
	}
	if (win->cert != NULL && win->request_path != NULL && win->output == NULL) {
		g_autofree gchar *out = fut_approve_default_output(win->request_path, win->cert);
		set_output(win, out);
	}
}

void
fut_approver_window_show_request(FutApproverWindow *win)
{
	const FutRequest *q = win->request;
	const FutClassRule *rule = fut_policy_get_rule(win->policy, q->klass);
	gint64 now = fut_approve_now();
	g_autofree gchar *id = fut_request_dup_id_string(q);
	g_autoptr(FutKey) host_key = fut_key_new_public(q->host_key, NULL);
	g_autofree gchar *host_id =
	    host_key != NULL ? fut_key_dup_id_string(host_key) : g_strdup("?");
	g_autofree gchar *requester = fut_approve_escape(q->requester);
	g_autofree gchar *host = fut_approve_escape(q->host);
	/* A version-2 request: every file, escaped, each with its size, class and digest. */
	g_autofree gchar *file =
	    q->version == 2 ? fut_approve_files_text(q) : fut_approve_escape(q->file_name);
	g_autofree gchar *evidence =
	    q->version == 2 ? g_strdup_printf(_("the highest class of its %u files"), q->files->len)
	                    : fut_approve_evidence_text(q->class_evidence, q->klass);
	g_autofree gchar *reason = fut_approve_escape(q->reason);
	g_autofree gchar *dest = fut_approve_destination_text(&q->destination);
	g_autofree gchar *created = fut_approver_format_local_time(q->created);
	g_autofree gchar *exp = fut_approver_format_local_time(q->expires);
	g_autofree gchar *left = fut_approve_format_remaining(q->expires - now);
	g_autofree gchar *policy = fut_approve_rule_text(win->policy, q->klass);
	g_autofree gchar *size = fut_approver_size_text(fut_approve_request_size(q));
	g_autofree gchar *t = NULL, *sig = NULL, *who = NULL, *expires = NULL, *short_sha = NULL;
	static const gchar *const badge_css[] = {"fut-class-i", "fut-class-ii", "fut-class-iii"};

	g_free(win->sha_hex);
	win->sha_hex = NULL;
	if (q->version == 2) {
		short_sha = g_strdup(_("one for each file, listed with it"));
		t = g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE, "%s asks to copy %u file to a USB storage device",
		                "%s asks to copy %u files to a USB storage device", q->files->len),
		    requester, q->files->len);
	} else {
		win->sha_hex = fut_hex_encode(q->sha256, FUT_SHA256_LEN);
		short_sha = g_strdup_printf("%.8s…%s", win->sha_hex, win->sha_hex + 56);
		t = g_strdup_printf(q->destination.channel == FUT_CHANNEL_USB
		                        ? _("%s asks to copy a file to a USB storage device")
		                        : _("%s asks to upload a file"),
		                    requester);
	}
	gtk_label_set_text(win->title, t);
	who = g_strdup_printf(_("%s (uid %u)"), requester, q->uid);
	gtk_label_set_text(win->requester, who);
	gtk_label_set_text(win->host, host);
	sig = g_strdup_printf(_("Valid: signed by the key of this computer (key id %s)"), host_id);
	gtk_label_set_text(win->signature, sig);
	gtk_label_set_text(win->file, file);
	gtk_label_set_text(win->size, size);
	gtk_label_set_text(win->sha, short_sha);
	gtk_widget_set_tooltip_text(GTK_WIDGET(win->sha), win->sha_hex);
	gtk_label_set_text(win->klass, fut_approver_class_name(q->klass));
	for (guint i = 0; i < G_N_ELEMENTS(badge_css); i++)
		gtk_widget_remove_css_class(GTK_WIDGET(win->klass), badge_css[i]);
	if (q->klass >= FUT_CLASS_I && q->klass <= FUT_CLASS_III)
		gtk_widget_add_css_class(GTK_WIDGET(win->klass), badge_css[q->klass - 1]);
	gtk_label_set_text(win->evidence, evidence);
	gtk_label_set_text(win->destination, dest);
	gtk_label_set_text(win->reason, reason);
	gtk_label_set_text(win->created, created);
	expires = g_strdup_printf("%s (%s)", exp, left);
	gtk_label_set_text(win->expires, expires);
	if (q->expires <= now)
		gtk_widget_add_css_class(GTK_WIDGET(win->expires), "error");
	else
		gtk_widget_remove_css_class(GTK_WIDGET(win->expires), "error");
	gtk_label_set_text(win->policy_text, policy);
	gtk_label_set_text(win->request_id, id);
	/* A selectable label that had focus keeps its selection; start clean. */
	{
		GtkLabel *const facts[] = {
		    win->requester, win->host,        win->signature,   win->file,   win->size,
		    win->sha,       win->evidence,    win->destination, win->reason, win->created,
		    win->expires,   win->policy_text, win->request_id};
		for (guint i = 0; i < G_N_ELEMENTS(facts); i++)
			gtk_label_select_region(facts[i], 0, 0);
	}

	gtk_editable_set_text(GTK_EDITABLE(win->comment), "");
	gtk_editable_set_text(GTK_EDITABLE(win->passphrase), "");
	fut_content_panel_set_request(win->content, q, win->request_path);
	fill_validity(win, rule != NULL ? rule->max_validity : 3600, q->expires, now);
	fut_approver_window_set_status(win, NULL, FALSE);
	fut_approver_window_refresh_decision(win);
	fut_approver_window_show_page(win, PAGE_REVIEW);
	gtk_widget_grab_focus(GTK_WIDGET(win->comment));
}

static void
passphrase_activated(GtkPasswordEntry *entry, gpointer data)
{
	FutApproverWindow *win = data;

	if (gtk_widget_get_sensitive(win->approve_button))
		fut_approver_window_decide(win, FUT_DECISION_APPROVE);
}

static void
copy_sha(GtkButton *button, gpointer data)
{
	FutApproverWindow *win = data;

	if (win->sha_hex == NULL)
		return;
	gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(button)), win->sha_hex);
	fut_approver_window_set_status(win, _("The full SHA-256 digest was copied."), FALSE);
}

static void
output_chosen(GFile *file, const gchar *path, gpointer data)
{
	if (path != NULL)
		set_output(FUT_APPROVER_WINDOW(data), path);
}

static void
choose_output(GtkButton *button, gpointer data)
{
	FutApproverWindow *win = data;
	GtkFileChooserNative *dialog = fut_approver_chooser_new(
	    GTK_WIDGET(win), _("Save the Decision As"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"));

	if (win->output != NULL)
		fut_approver_chooser_start_at(dialog, win->output);
	fut_approver_chooser_run(dialog, output_chosen, win);
}

GtkWidget *
fut_approver_window_build_review(FutApproverWindow *win)
{
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
	GtkWidget *facts = gtk_grid_new();
	GtkWidget *decision = gtk_grid_new();
	GtkWidget *frame_label = fut_approver_label_new(_("Your decision"), "heading");
	GtkWidget *sha_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	GtkWidget *class_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *out_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	GtkWidget *out_button = gtk_button_new_with_mnemonic(_("C_hoose…"));
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	GtkWidget *w;
	gint r = 0;

	gtk_widget_set_margin_top(box, 24);
	gtk_widget_set_margin_bottom(box, 24);
	gtk_widget_set_margin_start(box, 24);
	gtk_widget_set_margin_end(box, 24);

	w = fut_approver_label_new("", "title-2");
	win->title = GTK_LABEL(w);
	gtk_box_append(GTK_BOX(box), w);

	gtk_grid_set_row_spacing(GTK_GRID(facts), 8);
	gtk_grid_set_column_spacing(GTK_GRID(facts), 12);
	win->requester = fut_approver_add_fact(GTK_GRID(facts), r++, _("Requester"));
	win->host = fut_approver_add_fact(GTK_GRID(facts), r++, _("Computer"));
	win->signature = fut_approver_add_fact(GTK_GRID(facts), r++, _("Computer signature"));
	win->file = fut_approver_add_fact(GTK_GRID(facts), r++, _("File"));
	win->size = fut_approver_add_fact(GTK_GRID(facts), r++, _("Size"));
	/* The digest and its copy button share a row. */
	win->sha = fut_approver_add_fact(GTK_GRID(facts), r++, _("SHA-256"));
	g_object_ref(win->sha);
	gtk_grid_remove(GTK_GRID(facts), GTK_WIDGET(win->sha));
	gtk_widget_set_hexpand(GTK_WIDGET(win->sha), FALSE);
	gtk_label_set_wrap(win->sha, FALSE);
	gtk_widget_add_css_class(GTK_WIDGET(win->sha), "monospace");
	win->sha_copy = gtk_button_new_from_icon_name("edit-copy-symbolic");
	gtk_widget_add_css_class(win->sha_copy, "flat");
	gtk_widget_set_valign(win->sha_copy, GTK_ALIGN_CENTER);
	gtk_widget_set_tooltip_text(win->sha_copy, _("Copy the full SHA-256 digest"));
	fut_approver_set_accessible_label(win->sha_copy, _("Copy the full SHA-256 digest"));
	g_signal_connect(win->sha_copy, "clicked", G_CALLBACK(copy_sha), win);
	gtk_box_append(GTK_BOX(sha_box), GTK_WIDGET(win->sha));
	gtk_box_append(GTK_BOX(sha_box), win->sha_copy);
	g_object_unref(win->sha);
	gtk_grid_attach(GTK_GRID(facts), sha_box, 1, r - 1, 1, 1);
	/* The class: a coloured badge, then the classifier's evidence. */
	win->klass = fut_approver_add_fact(GTK_GRID(facts), r++, _("Class"));
	g_object_ref(win->klass);
	gtk_grid_remove(GTK_GRID(facts), GTK_WIDGET(win->klass));
	gtk_widget_set_hexpand(GTK_WIDGET(win->klass), FALSE);
	gtk_widget_set_valign(GTK_WIDGET(win->klass), GTK_ALIGN_START);
	gtk_widget_add_css_class(GTK_WIDGET(win->klass), "fut-badge");
	gtk_box_append(GTK_BOX(class_box), GTK_WIDGET(win->klass));
	g_object_unref(win->klass);
	gtk_grid_attach(GTK_GRID(facts), class_box, 1, r - 1, 1, 1);
	win->evidence = fut_approver_add_fact(GTK_GRID(facts), r++, _("Why this class"));
	win->destination = fut_approver_add_fact(GTK_GRID(facts), r++, _("Destination"));
	win->reason = fut_approver_add_fact(GTK_GRID(facts), r++, _("Reason given"));
	win->created = fut_approver_add_fact(GTK_GRID(facts), r++, _("Requested"));
	win->expires = fut_approver_add_fact(GTK_GRID(facts), r++, _("Request expires"));
	win->policy_text = fut_approver_add_fact(GTK_GRID(facts), r++, _("Policy"));
	win->request_id = fut_approver_add_fact(GTK_GRID(facts), r++, _("Request ID"));
	gtk_widget_add_css_class(GTK_WIDGET(win->request_id), "monospace");
	gtk_widget_add_css_class(GTK_WIDGET(win->request_id), "dim-label");
	gtk_box_append(GTK_BOX(box), facts);

	gtk_box_append(GTK_BOX(box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
	win->content = FUT_CONTENT_PANEL(fut_content_panel_new());
	g_signal_connect_swapped(win->content, "changed",
	                         G_CALLBACK(fut_approver_window_refresh_decision), win);
	gtk_box_append(GTK_BOX(box), GTK_WIDGET(win->content));

	w = fut_approver_label_new("", "fut-banner");
	gtk_widget_set_visible(w, FALSE);
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
	                               _("Why you cannot approve"), -1);
	win->banner = GTK_LABEL(w);
	gtk_box_append(GTK_BOX(box), w);

	gtk_box_append(GTK_BOX(box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
	gtk_box_append(GTK_BOX(box), frame_label);
	gtk_grid_set_row_spacing(GTK_GRID(decision), 10);
	gtk_grid_set_column_spacing(GTK_GRID(decision), 12);
	r = 0;
	w = fut_approver_label_new("", NULL);
	win->approver = GTK_LABEL(w);
	{
		GtkWidget *cap = gtk_label_new(_("Signed by"));
		gtk_widget_add_css_class(cap, "dim-label");
		gtk_label_set_xalign(GTK_LABEL(cap), 1.0);
		gtk_accessible_update_relation(GTK_ACCESSIBLE(w),
		                               GTK_ACCESSIBLE_RELATION_LABELLED_BY, cap, NULL, -1);
		gtk_grid_attach(GTK_GRID(decision), cap, 0, r, 1, 1);
		gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	}
	w = gtk_entry_new();
	win->comment = GTK_ENTRY(w);
	gtk_entry_set_max_length(win->comment, 300);
	gtk_entry_set_placeholder_text(win->comment,
	                               _("Optional: a note for the requester and the log"));
	gtk_widget_set_hexpand(w, TRUE);
	gtk_grid_attach(GTK_GRID(decision), fut_approver_mnemonic_caption(_("_Comment"), w), 0, r,
	                1, 1);
	gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	w = gtk_drop_down_new(NULL, NULL);
	win->validity = GTK_DROP_DOWN(w);
	gtk_grid_attach(GTK_GRID(decision), fut_approver_mnemonic_caption(_("_Valid for"), w), 0, r,
	                1, 1);
	gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	w = fut_approver_label_new("", NULL);
	win->output_label = GTK_LABEL(w);
	gtk_label_set_wrap(win->output_label, FALSE);
	gtk_label_set_ellipsize(win->output_label, PANGO_ELLIPSIZE_MIDDLE);
	gtk_label_set_selectable(win->output_label, TRUE);
	gtk_widget_set_hexpand(w, TRUE);
	gtk_box_append(GTK_BOX(out_box), w);
	gtk_box_append(GTK_BOX(out_box), out_button);
	fut_approver_set_accessible_label(out_button, _("Choose where to save the decision"));
	g_signal_connect(out_button, "clicked", G_CALLBACK(choose_output), win);
	{
		GtkWidget *cap = gtk_label_new(_("Save to"));
		gtk_label_set_xalign(GTK_LABEL(cap), 1.0);
		gtk_accessible_update_relation(GTK_ACCESSIBLE(win->output_label),
		                               GTK_ACCESSIBLE_RELATION_LABELLED_BY, cap, NULL, -1);
		gtk_grid_attach(GTK_GRID(decision), cap, 0, r, 1, 1);
		gtk_grid_attach(GTK_GRID(decision), out_box, 1, r++, 1, 1);
	}
	w = gtk_password_entry_new();
	win->passphrase = GTK_PASSWORD_ENTRY(w);
	gtk_password_entry_set_show_peek_icon(win->passphrase, TRUE);
	g_signal_connect(w, "activate", G_CALLBACK(passphrase_activated), win);
	gtk_grid_attach(GTK_GRID(decision), fut_approver_mnemonic_caption(_("_Passphrase"), w), 0,
	                r, 1, 1);
	gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	gtk_box_append(GTK_BOX(box), decision);

	w = fut_approver_label_new("", NULL);
	win->status = GTK_LABEL(w);
	gtk_widget_set_visible(w, FALSE);
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
	                               _("Result of the last action"), -1);
	gtk_box_append(GTK_BOX(box), w);

	w = fut_approver_label_new("", NULL);
	win->content_note = GTK_LABEL(w);
	gtk_label_set_xalign(win->content_note, 1.0);
	gtk_box_append(GTK_BOX(box), w);

	gtk_widget_set_halign(buttons, GTK_ALIGN_END);
	win->reject_button = gtk_button_new_with_mnemonic(_("_Reject"));
	gtk_widget_add_css_class(win->reject_button, "destructive-action");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(win->reject_button), "win.reject");
	win->approve_button = gtk_button_new_with_mnemonic(_("_Approve"));
	gtk_widget_add_css_class(win->approve_button, "suggested-action");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(win->approve_button), "win.approve");
	gtk_box_append(GTK_BOX(buttons), win->reject_button);
	gtk_box_append(GTK_BOX(buttons), win->approve_button);
	gtk_box_append(GTK_BOX(box), buttons);

	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER,
	                               GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), box);
	return scroll;
}
