/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approve-review.h"
#include "approve-evidence.h"
#include "approver-chooser.h"
#include "approver-content.h"
#include "approver-history.h"
#include "approver-settings.h"
#include "approver-window.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

#define PAGE_WELCOME "welcome"
#define PAGE_INVALID "invalid"
#define PAGE_REVIEW  "review"
#define PAGE_DONE    "done"
#define PAGE_HISTORY "history"

struct _FutApproverWindow {
	GtkApplicationWindow parent_instance;

	GtkStack *stack;
	GtkToggleButton *history_button;
	gchar *page_before_history;

	/* invalid page */
	GtkLabel *invalid_body;

	/* review page */
	GtkLabel *title;
	GtkLabel *requester, *host, *signature, *file, *size, *sha, *klass, *evidence;
	GtkLabel *destination, *reason, *created, *expires, *policy_text, *request_id;
	GtkWidget *sha_copy;
	FutContentPanel *content;
	GtkLabel *content_note;
	GtkLabel *banner;
	GtkLabel *approver;
	GtkEntry *comment;
	GtkDropDown *validity;
	GArray *validity_secs; /* gint64 per drop-down item */
	GtkLabel *output_label;
	GtkPasswordEntry *passphrase;
	GtkLabel *status;
	GtkWidget *approve_button, *reject_button;

	/* done page */
	GtkImage *done_icon;
	GtkLabel *done_title, *done_body;

	/* history page */
	GtkListBox *history_list;
	GtkLabel *history_status;

	FutApproverSettings *settings;
	FutCertificate *cert;
	gchar *cert_problem; /* why the certificate cannot be used, or NULL */
	gchar *cert_status;
	FutPolicy *policy;
	FutRequest *request;
	gchar *request_path;
	gchar *sha_hex;
	gchar *output; /* where the decision will be written */
	gchar *written;
};

G_DEFINE_TYPE(FutApproverWindow, fut_approver_window, GTK_TYPE_APPLICATION_WINDOW)

static void refresh_decision(FutApproverWindow *win);

/* --- small widget helpers ---------------------------------------------------------- */

static GtkWidget *
label_new(const gchar *text, const gchar *css)
{
	GtkWidget *l = gtk_label_new(text);

	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
	gtk_label_set_xalign(GTK_LABEL(l), 0.0);
	if (css != NULL)
		gtk_widget_add_css_class(l, css);
	return l;
}

static void
set_accessible_label(GtkWidget *w, const gchar *text)
{
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* A row of the facts grid: a dim caption and a selectable value labelled by it. */
static GtkLabel *
add_fact(GtkGrid *grid, gint row, const gchar *caption)
{
	GtkWidget *k = gtk_label_new(caption);
	GtkWidget *v = label_new("", NULL);

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
static GtkWidget *
mnemonic_caption(const gchar *text, GtkWidget *target)
{
	GtkWidget *l = gtk_label_new_with_mnemonic(text);

	gtk_label_set_xalign(GTK_LABEL(l), 1.0);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), target);
	gtk_accessible_update_relation(GTK_ACCESSIBLE(target), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
	                               l, NULL, -1);
	return l;
}

static GtkWidget *
status_page(const gchar *icon, const gchar *title, GtkLabel **ret_body, GtkImage **ret_icon)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *img = gtk_image_new_from_icon_name(icon);
	GtkWidget *t = label_new(title, "title-1");
	GtkWidget *b = label_new("", NULL);

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

static GtkWidget *
button_with_action(const gchar *mnemonic, const gchar *action)
{
	GtkWidget *b = gtk_button_new_with_mnemonic(mnemonic);

	gtk_actionable_set_action_name(GTK_ACTIONABLE(b), action);
	gtk_widget_set_halign(b, GTK_ALIGN_CENTER);
	return b;
}

static gchar *
format_local_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

	if (dt == NULL)
		return g_strdup("?");
	return g_date_time_format(dt, "%Y-%m-%d %H:%M %Z");
}

/* "22 bytes" or "1.2 MB (1234567 bytes)": the exact count is what the digest covers. */
static gchar *
size_text(guint64 size)
{
	g_autofree gchar *n = g_strdup_printf("%" G_GUINT64_FORMAT, size);
	g_autofree gchar *bytes = g_strdup_printf(_("%s bytes"), n);
	g_autofree gchar *human = NULL;

	if (size < 1000)
		return g_steal_pointer(&bytes);
	human = g_format_size(size);
	return g_strdup_printf("%s (%s)", human, bytes);
}

static const gchar *
class_name(FutClass k)
{
	switch (k) {
	case FUT_CLASS_I:
		return _("Class I");
	case FUT_CLASS_II:
		return _("Class II");
	case FUT_CLASS_III:
		return _("Class III");
	default:
		return _("Unknown class");
	}
}

/* Returns a one-line error message as a sentence: capital first letter, full stop. */
static gchar *
sentence(const gchar *msg)
{
	GString *s = g_string_new(NULL);
	gunichar c = g_utf8_get_char(msg);

	if (c != 0) {
		g_string_append_unichar(s, g_unichar_toupper(c));
		g_string_append(s, g_utf8_next_char(msg));
	}
	/* Only Latin text gets a full stop; a translation ends as its language does. */
	if (s->len > 0 && (g_ascii_isalnum(s->str[s->len - 1]) || s->str[s->len - 1] == ')' ||
	                   s->str[s->len - 1] == '"'))
		g_string_append_c(s, '.');
	return g_string_free(s, FALSE);
}

static void
show_page(FutApproverWindow *win, const gchar *name)
{
	gtk_stack_set_visible_child_name(win->stack, name);
	if (!g_str_equal(name, PAGE_HISTORY))
		gtk_toggle_button_set_active(win->history_button, FALSE);
}

/* --- certificate and policy -------------------------------------------------------- */

static void
load_identity(FutApproverWindow *win)
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

/* --- review page ------------------------------------------------------------------- */

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
		g_autofree gchar *until = format_local_time(expires);
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

static void
set_status(FutApproverWindow *win, const gchar *text, gboolean is_error)
{
	gtk_label_set_text(win->status, text != NULL ? text : "");
	gtk_widget_set_visible(GTK_WIDGET(win->status), text != NULL && text[0] != '\0');
	if (is_error)
		gtk_widget_add_css_class(GTK_WIDGET(win->status), "error");
	else
		gtk_widget_remove_css_class(GTK_WIDGET(win->status), "error");
}

/* Shows who signs and whether they may; Approve is offered only when the rules allow it. */
static void
refresh_decision(FutApproverWindow *win)
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
		g_autofree gchar *msg = sentence(approve_error->message);
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

static void
show_request(FutApproverWindow *win)
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
	g_autofree gchar *file = fut_approve_escape(q->file_name);
	g_autofree gchar *evidence = fut_approve_evidence_text(q->class_evidence, q->klass);
	g_autofree gchar *reason = fut_approve_escape(q->reason);
	g_autofree gchar *dest = fut_approve_destination_text(&q->destination);
	g_autofree gchar *created = format_local_time(q->created);
	g_autofree gchar *exp = format_local_time(q->expires);
	g_autofree gchar *left = fut_approve_format_remaining(q->expires - now);
	g_autofree gchar *policy = fut_approve_rule_text(win->policy, q->klass);
	g_autofree gchar *size = size_text(q->size);
	g_autofree gchar *t = NULL, *sig = NULL, *who = NULL, *expires = NULL, *short_sha = NULL;
	static const gchar *const badge_css[] = {"fut-class-i", "fut-class-ii", "fut-class-iii"};

	g_free(win->sha_hex);
	win->sha_hex = fut_hex_encode(q->sha256, FUT_SHA256_LEN);
	short_sha = g_strdup_printf("%.8s…%s", win->sha_hex, win->sha_hex + 56);
	t = g_strdup_printf(q->destination.channel == FUT_CHANNEL_USB
	                        ? _("%s asks to copy a file to a USB storage device")
	                        : _("%s asks to upload a file"),
	                    requester);
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
	gtk_label_set_text(win->klass, class_name(q->klass));
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
	set_status(win, NULL, FALSE);
	refresh_decision(win);
	show_page(win, PAGE_REVIEW);
	gtk_widget_grab_focus(GTK_WIDGET(win->comment));
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
		show_page(win, PAGE_INVALID);
		return;
	}
	win->request = g_steal_pointer(&q);
	win->request_path = g_steal_pointer(&path);
	show_request(win);
}

/* --- deciding ---------------------------------------------------------------------- */

static void
show_done(FutApproverWindow *win, FutDecision decision, const FutApproval *a, const gchar *warn)
{
	g_autofree gchar *safe = fut_strescape(win->written, -1);
	g_autofree gchar *until = format_local_time(a->not_after);
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
	show_page(win, PAGE_DONE);
}

static void
decide(FutApproverWindow *win, FutDecision decision)
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
		set_status(win, win->cert_problem, TRUE);
		return;
	}
	/* Checked again here, not only when the buttons were made sensitive. */
	if (!fut_approve_may_decide(win->request, win->cert, win->policy, decision, now, &error)) {
		g_autofree gchar *msg = sentence(error->message);
		set_status(win, msg, TRUE);
		return;
	}
	if (win->output == NULL) {
		set_status(win, _("Choose where to save the decision."), TRUE);
		return;
	}
	if (g_file_test(win->output, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)) {
		g_autofree gchar *safe = fut_strescape(win->output, -1);
		g_autofree gchar *msg = g_strdup_printf(_("%s already exists: you may have decided "
		                                          "this request already. Choose another "
		                                          "place to save a new decision."),
		                                        safe);
		set_status(win, msg, TRUE);
		return;
	}
	if (gtk_editable_get_text(GTK_EDITABLE(win->passphrase))[0] == '\0') {
		set_status(win, _("Enter the passphrase of your key."), TRUE);
		gtk_widget_grab_focus(GTK_WIDGET(win->passphrase));
		return;
	}
	if (decision == FUT_DECISION_APPROVE &&
	    (fut_content_panel_is_busy(win->content) ||
	     fut_content_panel_get_state(win->content) == FUT_CONTENT_DIFFERS)) {
		set_status(win,
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
		set_status(win, error->message, TRUE);
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
		set_status(win, error->message, TRUE);
		gtk_widget_grab_focus(GTK_WIDGET(win->passphrase));
		return;
	}
	if (!fut_file_write_new(win->output, text, strlen(text), 0644, &error)) {
		g_autofree gchar *msg = g_strdup_printf(
		    _("Could not save the decision: %s. Choose another place to save it."),
		    error->message);
		set_status(win, msg, TRUE);
		return;
	}
	g_free(win->written);
	win->written = g_strdup(win->output);
	if (!fut_history_append(win->request, a, win->written, now, &error))
		warn =
		    g_strdup_printf(_("It could not be added to your history: %s"), error->message);
	show_done(win, decision, a, warn);
}

static void
approve_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	decide(FUT_APPROVER_WINDOW(data), FUT_DECISION_APPROVE);
}

static void
reject_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	decide(FUT_APPROVER_WINDOW(data), FUT_DECISION_REJECT);
}

static void
passphrase_activated(GtkPasswordEntry *entry, gpointer data)
{
	FutApproverWindow *win = data;

	if (gtk_widget_get_sensitive(win->approve_button))
		decide(win, FUT_DECISION_APPROVE);
}

static void
copy_sha(GtkButton *button, gpointer data)
{
	FutApproverWindow *win = data;

	if (win->sha_hex == NULL)
		return;
	gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(button)), win->sha_hex);
	set_status(win, _("The full SHA-256 digest was copied."), FALSE);
}

/* --- file choosers ----------------------------------------------------------------- */

static void
open_chosen(GFile *file, gpointer data)
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

static void
output_chosen(GFile *file, gpointer data)
{
	g_autofree gchar *path = g_file_get_path(file);

	if (path != NULL)
		set_output(FUT_APPROVER_WINDOW(data), path);
}

static void
choose_output(GtkButton *button, gpointer data)
{
	FutApproverWindow *win = data;
	GtkFileChooserNative *dialog = fut_approver_chooser_new(
	    GTK_WIDGET(win), _("Save the Decision As"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"));

	if (win->output != NULL) {
		g_autofree gchar *dir = g_path_get_dirname(win->output);
		g_autofree gchar *base = g_path_get_basename(win->output);
		g_autoptr(GFile) folder = g_file_new_for_path(dir);
		gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(dialog), folder, NULL);
		gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), base);
	}
	fut_approver_chooser_run(dialog, output_chosen, win);
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

/* --- settings ---------------------------------------------------------------------- */

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
path_chosen(GFile *file, gpointer data)
{
	PathChoice *pc = data;
	g_autofree gchar *path = g_file_get_path(file);
	g_autoptr(GError) error = NULL;

	if (path == NULL)
		return;
	fut_approver_settings_set(G_STRUCT_MEMBER_P(pc->win->settings, pc->field), path);
	update_path_button(pc->button, path);
	if (!fut_approver_settings_save(pc->win->settings, &error))
		set_status(pc->win, error->message, TRUE);
	g_clear_pointer(&pc->win->output, g_free);
	load_identity(pc->win);
	refresh_decision(pc->win);
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
	gtk_grid_attach(grid, mnemonic_caption(caption, button), 0, row, 1, 1);
	gtk_grid_attach(grid, button, 1, row, 1, 1);
}

static void
settings_activated(GSimpleAction *action, GVariant *param, gpointer data)
{
	FutApproverWindow *win = data;
	GtkWidget *dialog = gtk_window_new();
	GtkWidget *header = gtk_header_bar_new();
	GtkWidget *grid = gtk_grid_new();
	GtkWidget *hint = label_new(
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

/* --- history ----------------------------------------------------------------------- */

static GtkWidget *
history_row(const FutHistoryEntry *e)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	g_autofree gchar *when = format_local_time(e->time);
	g_autofree gchar *until = format_local_time(e->not_after);
	g_autofree gchar *head = NULL, *line2 = NULL, *line3 = NULL;
	gboolean approved = g_str_equal(e->decision, "approve");
	FutClass k = fut_class_from_string(e->klass);

	head = g_strdup_printf("%s  %s  %s", when, approved ? _("Approved") : _("Rejected"),
	                       class_name(k));
	line2 = g_strdup_printf(_("%s from %s: %s (SHA-256 %.16s…)"), e->requester, e->host,
	                        e->file, e->sha256);
	line3 = approved ? g_strdup_printf(_("Valid until %s; saved to %s"), until, e->output)
	                 : g_strdup_printf(_("Saved to %s"), e->output);
	gtk_widget_set_margin_top(box, 8);
	gtk_widget_set_margin_bottom(box, 8);
	gtk_widget_set_margin_start(box, 12);
	gtk_widget_set_margin_end(box, 12);
	gtk_box_append(GTK_BOX(box), label_new(head, "heading"));
	gtk_box_append(GTK_BOX(box), label_new(line2, NULL));
	gtk_box_append(GTK_BOX(box), label_new(line3, "dim-label"));
	if (e->comment[0] != '\0') {
		g_autofree gchar *c = g_strdup_printf(_("Comment: %s"), e->comment);
		gtk_box_append(GTK_BOX(box), label_new(c, "dim-label"));
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

static void
history_toggled(GtkToggleButton *button, gpointer data)
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

/* --- construction ------------------------------------------------------------------ */

static GtkWidget *
build_review(FutApproverWindow *win)
{
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
	GtkWidget *facts = gtk_grid_new();
	GtkWidget *decision = gtk_grid_new();
	GtkWidget *frame_label = label_new(_("Your decision"), "heading");
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

	w = label_new("", "title-2");
	win->title = GTK_LABEL(w);
	gtk_box_append(GTK_BOX(box), w);

	gtk_grid_set_row_spacing(GTK_GRID(facts), 8);
	gtk_grid_set_column_spacing(GTK_GRID(facts), 12);
	win->requester = add_fact(GTK_GRID(facts), r++, _("Requester"));
	win->host = add_fact(GTK_GRID(facts), r++, _("Computer"));
	win->signature = add_fact(GTK_GRID(facts), r++, _("Computer signature"));
	win->file = add_fact(GTK_GRID(facts), r++, _("File"));
	win->size = add_fact(GTK_GRID(facts), r++, _("Size"));
	/* The digest and its copy button share a row. */
	win->sha = add_fact(GTK_GRID(facts), r++, _("SHA-256"));
	g_object_ref(win->sha);
	gtk_grid_remove(GTK_GRID(facts), GTK_WIDGET(win->sha));
	gtk_widget_set_hexpand(GTK_WIDGET(win->sha), FALSE);
	gtk_label_set_wrap(win->sha, FALSE);
	gtk_widget_add_css_class(GTK_WIDGET(win->sha), "monospace");
	win->sha_copy = gtk_button_new_from_icon_name("edit-copy-symbolic");
	gtk_widget_add_css_class(win->sha_copy, "flat");
	gtk_widget_set_valign(win->sha_copy, GTK_ALIGN_CENTER);
	gtk_widget_set_tooltip_text(win->sha_copy, _("Copy the full SHA-256 digest"));
	set_accessible_label(win->sha_copy, _("Copy the full SHA-256 digest"));
	g_signal_connect(win->sha_copy, "clicked", G_CALLBACK(copy_sha), win);
	gtk_box_append(GTK_BOX(sha_box), GTK_WIDGET(win->sha));
	gtk_box_append(GTK_BOX(sha_box), win->sha_copy);
	g_object_unref(win->sha);
	gtk_grid_attach(GTK_GRID(facts), sha_box, 1, r - 1, 1, 1);
	/* The class: a coloured badge, then the classifier's evidence. */
	win->klass = add_fact(GTK_GRID(facts), r++, _("Class"));
	g_object_ref(win->klass);
	gtk_grid_remove(GTK_GRID(facts), GTK_WIDGET(win->klass));
	gtk_widget_set_hexpand(GTK_WIDGET(win->klass), FALSE);
	gtk_widget_set_valign(GTK_WIDGET(win->klass), GTK_ALIGN_START);
	gtk_widget_add_css_class(GTK_WIDGET(win->klass), "fut-badge");
	gtk_box_append(GTK_BOX(class_box), GTK_WIDGET(win->klass));
	g_object_unref(win->klass);
	gtk_grid_attach(GTK_GRID(facts), class_box, 1, r - 1, 1, 1);
	win->evidence = add_fact(GTK_GRID(facts), r++, _("Why this class"));
	win->destination = add_fact(GTK_GRID(facts), r++, _("Destination"));
	win->reason = add_fact(GTK_GRID(facts), r++, _("Reason given"));
	win->created = add_fact(GTK_GRID(facts), r++, _("Requested"));
	win->expires = add_fact(GTK_GRID(facts), r++, _("Request expires"));
	win->policy_text = add_fact(GTK_GRID(facts), r++, _("Policy"));
	win->request_id = add_fact(GTK_GRID(facts), r++, _("Request ID"));
	gtk_widget_add_css_class(GTK_WIDGET(win->request_id), "monospace");
	gtk_widget_add_css_class(GTK_WIDGET(win->request_id), "dim-label");
	gtk_box_append(GTK_BOX(box), facts);

	gtk_box_append(GTK_BOX(box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
	win->content = FUT_CONTENT_PANEL(fut_content_panel_new());
	g_signal_connect_swapped(win->content, "changed", G_CALLBACK(refresh_decision), win);
	gtk_box_append(GTK_BOX(box), GTK_WIDGET(win->content));

	w = label_new("", "fut-banner");
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
	w = label_new("", NULL);
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
	gtk_grid_attach(GTK_GRID(decision), mnemonic_caption(_("_Comment"), w), 0, r, 1, 1);
	gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	w = gtk_drop_down_new(NULL, NULL);
	win->validity = GTK_DROP_DOWN(w);
	gtk_grid_attach(GTK_GRID(decision), mnemonic_caption(_("_Valid for"), w), 0, r, 1, 1);
	gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	w = label_new("", NULL);
	win->output_label = GTK_LABEL(w);
	gtk_label_set_wrap(win->output_label, FALSE);
	gtk_label_set_ellipsize(win->output_label, PANGO_ELLIPSIZE_MIDDLE);
	gtk_label_set_selectable(win->output_label, TRUE);
	gtk_widget_set_hexpand(w, TRUE);
	gtk_box_append(GTK_BOX(out_box), w);
	gtk_box_append(GTK_BOX(out_box), out_button);
	set_accessible_label(out_button, _("Choose where to save the decision"));
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
	gtk_grid_attach(GTK_GRID(decision), mnemonic_caption(_("_Passphrase"), w), 0, r, 1, 1);
	gtk_grid_attach(GTK_GRID(decision), w, 1, r++, 1, 1);
	gtk_box_append(GTK_BOX(box), decision);

	w = label_new("", NULL);
	win->status = GTK_LABEL(w);
	gtk_widget_set_visible(w, FALSE);
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
	                               _("Result of the last action"), -1);
	gtk_box_append(GTK_BOX(box), w);

	w = label_new("", NULL);
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

static GtkWidget *
build_history(FutApproverWindow *win)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *list = gtk_list_box_new();
	GtkWidget *title = label_new(_("What you have signed"), "title-2");
	GtkWidget *st = label_new("", "dim-label");

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
	set_accessible_label(open, _("Open a request"));
	gtk_button_set_icon_name(GTK_BUTTON(history), "document-open-recent-symbolic");
	gtk_widget_set_tooltip_text(history, _("What you have signed (Ctrl+H)"));
	set_accessible_label(history, _("History of your decisions"));
	g_signal_connect(history, "toggled", G_CALLBACK(history_toggled), win);
	win->history_button = GTK_TOGGLE_BUTTON(history);
	g_menu_append(menu, _("_Settings"), "win.settings");
	g_menu_append(menu, _("_About Futari Approver"), "win.about");
	gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(menu_button), G_MENU_MODEL(menu));
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(menu_button), "open-menu-symbolic");
	gtk_widget_set_tooltip_text(menu_button, _("Main menu"));
	set_accessible_label(menu_button, _("Main menu"));
	gtk_header_bar_pack_start(GTK_HEADER_BAR(header), open);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(header), menu_button);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(header), history);
	gtk_window_set_titlebar(GTK_WINDOW(win), header);

	win->stack = GTK_STACK(stack);
	gtk_stack_set_transition_type(win->stack, GTK_STACK_TRANSITION_TYPE_NONE);
	{
		GtkLabel *body = NULL;
		GtkWidget *ob = button_with_action(_("_Open Request…"), "win.open");
		GtkIconTheme *theme = gtk_icon_theme_get_for_display(gdk_display_get_default());
		/* The application icon when installed; a stock one when run from the tree. */
		const gchar *icon = gtk_icon_theme_has_icon(theme, "io.github.futari.Approver")
		                        ? "io.github.futari.Approver"
		                        : "document-open-symbolic";
		page = status_page(icon, _("Open an export request"), &body, NULL);
		gtk_label_set_text(body,
		                   _("Open the .futari-request file you were sent, or drop it "
		                     "on this window. You will see who asks to take which file "
		                     "where, and why, before you decide."));
		gtk_widget_add_css_class(ob, "suggested-action");
		gtk_widget_add_css_class(ob, "pill");
		gtk_box_append(GTK_BOX(page), ob);
	}
	gtk_stack_add_named(win->stack, page, PAGE_WELCOME);
	page = status_page("dialog-warning-symbolic", _("Do not approve this file"),
	                   &win->invalid_body, NULL);
	gtk_box_append(GTK_BOX(page), button_with_action(_("_Open Another Request…"), "win.open"));
	gtk_stack_add_named(win->stack, page, PAGE_INVALID);
	gtk_stack_add_named(win->stack, build_review(win), PAGE_REVIEW);
	page = status_page("emblem-ok-symbolic", "", &win->done_body, &win->done_icon);
	win->done_title = g_object_get_data(G_OBJECT(page), "title");
	done_buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	gtk_widget_set_halign(done_buttons, GTK_ALIGN_CENTER);
	gtk_box_append(GTK_BOX(done_buttons),
	               button_with_action(_("Open _Folder"), "win.open-folder"));
	gtk_box_append(GTK_BOX(done_buttons), button_with_action(_("_Copy Path"), "win.copy-path"));
	gtk_box_append(GTK_BOX(done_buttons),
	               button_with_action(_("_Open Another Request…"), "win.open"));
	gtk_box_append(GTK_BOX(page), done_buttons);
	gtk_stack_add_named(win->stack, page, PAGE_DONE);
	gtk_stack_add_named(win->stack, build_history(win), PAGE_HISTORY);
	gtk_window_set_child(GTK_WINDOW(win), stack);
	gtk_stack_set_visible_child_name(win->stack, PAGE_WELCOME);

	drop = gtk_drop_target_new(G_TYPE_FILE, GDK_ACTION_COPY);
	g_signal_connect(drop, "drop", G_CALLBACK(on_drop), win);
	gtk_widget_add_controller(GTK_WIDGET(win), GTK_EVENT_CONTROLLER(drop));

	load_identity(win);
	refresh_decision(win);
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
