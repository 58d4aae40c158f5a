/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-approver under Xvfb, driven through GTK itself: controls are found the way a
 * keyboard user finds them, by their visible (mnemonic) labels, and activated. TEST ONLY
 * keys (tests/unit/fixtures.h) sign the requests and the approver certificate.
 *
 *   /approver/review        a request's facts are on the review page; screenshot
 *   /approver/approve       wrong passphrase refused; then approved, the file beside the
 *                           request verifies and passes fut_redeem_check(); history shows it
 *   /approver/self-approval alice's own request: Approve disabled, reason shown, refused
 *                           even when the action is forced
 *   /approver/tampered      an altered request is refused with the reason
 *   /approver/labels        every input control has a label that names it
 *   /approver/keyboard      mnemonic to the passphrase, Tab through the decision, Enter
 *                           approves
 *   /approver/content       the file beside the request: matching (text preview, Open
 *                           hands a private read-only copy to a stand-in viewer), not
 *                           matching (Approve refused), the --with-copy copy (image
 *                           preview), one chosen by the supervisor; screenshots
 *   /approver/chooser       every file chooser: over its window, starting beside the file
 *                           it names, nothing called on cancel, the path on accept, destroyed
 *
 * FUT_TEST_SCREENSHOT_DIR: where PAGE-$FUT_TEST_LANG.png go (xwd piped to FUT_TEST_CONVERT).
 * FUT_TEST_LOCALEDIR: a locale dir holding the futari catalogue (for LANGUAGE=ja). */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <cairo-pdf.h>
#include <gtk/gtk.h>
#include <gdk/x11/gdkx.h>

#include "approve-common.h"
#include "approve-evidence.h"
#include "approve-review.h"
#include "approver-chooser.h"
#include "approver-content.h"
#include "approver-history.h"
#include "approver-settings.h"
#include "approver-window.h"
#include "errors.h"
#include "fixtures.h"
#include "redeem.h"
#include "util.h"

#define ALICE_PASS "TEST ONLY alice passphrase"

static gchar *tmp;
static gchar *req_bob, *req_alice, *req_tampered;
static FutKey *root_key, *host_key;

/* --- fixtures ---------------------------------------------------------------------- */

static gint64
now(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static gchar *
write_request(const gchar *requester, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = fx_request(FUT_CLASS_II, host_key);
	g_autofree gchar *text = NULL;
	gchar *path = g_build_filename(tmp, "inbox", name, NULL);

	g_free(q->requester);
	q->requester = g_strdup(requester);
	q->created = now() - 600;
	q->expires = now() + 3 * 86400;
	g_assert_true(fut_request_sign(q, host_key, &error));
	text = fut_request_to_text(q, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	return path;
}

/* A Class II request by bob for @file_name holding @content (@len bytes), named
 * inbox/@name. */
static gchar *
write_content_request(const gchar *name, const gchar *file_name, const void *content, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = fx_request(FUT_CLASS_II, host_key);
	g_autofree gchar *text = NULL;
	gchar *path = g_build_filename(tmp, "inbox", name, NULL);

	g_free(q->file_name);
	q->file_name = g_strdup(file_name);
	q->destination.usb_asset = g_strdup("CITY-USB-0001, 総務課");
	q->size = len;
	fut_sha256(content, len, q->sha256);
	q->created = now() - 600;
	q->expires = now() + 3 * 86400;
	g_assert_true(fut_request_sign(q, host_key, &error));
	text = fut_request_to_text(q, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	return path;
}

static void
write_inbox_file(const gchar *name, const void *content, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(tmp, "inbox", name, NULL);

	g_assert_true(g_file_set_contents(path, content, (gssize)len, &error));
}

/* A Class I upload request by bob (classifier evidence: My Number). */
static gchar *
write_upload_request(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = fx_request(FUT_CLASS_I, host_key);
	g_autofree gchar *text = NULL;
	gchar *path = g_build_filename(tmp, "inbox", "bob-upload.futari-request", NULL);

	fut_destination_clear(&q->destination);
	q->destination.channel = FUT_CHANNEL_UPLOAD;
	q->destination.upload_host = g_strdup("files.example.test");
	q->destination.upload_program = g_strdup("/usr/bin/firefox-esr");
	g_free(q->class_evidence);
	q->class_evidence = g_strdup("My Number with check digit (TEST ONLY)");
	q->created = now() - 60;
	q->expires = now() + 3600;
	g_assert_true(fut_request_sign(q, host_key, &error));
	text = fut_request_to_text(q, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	return path;
}

static void
setup_fixtures(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) alice = fx_key("approver alice");
	g_autoptr(FutCertificate) cert = NULL;
	g_autoptr(FutApproverSettings) s = g_new0(FutApproverSettings, 1);
	g_autofree gchar *cert_text = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *keys = g_build_filename(tmp, "keys", NULL);
	g_autofree gchar *inbox = g_build_filename(tmp, "inbox", NULL);

	root_key = fx_key("org root");
	host_key = fx_key("host pc-test-only-01");
	g_assert_cmpint(g_mkdir_with_parents(keys, 0700), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(inbox, 0700), ==, 0);
	s->key_path = g_build_filename(keys, "alice.key", NULL);
	s->cert_path = g_build_filename(keys, "alice.futari-certificate", NULL);
	s->root_path = g_build_filename(keys, "org.pub", NULL);
	g_assert_true(fut_key_save_secret(alice, s->key_path, ALICE_PASS, 14, &error));
	g_assert_no_error(error);
	g_assert_true(fut_key_save_public(root_key, s->root_path, &error));
	cert = fx_cert("S1001", "Alice Approver (TEST ONLY)", "alice alice.adm", "info-manager",
	               1u << FUT_CLASS_II, alice, root_key, 0x11);
	cert->not_before = now() - 86400;
	cert->not_after = now() + 30 * 86400;
	g_assert_true(fut_certificate_sign(cert, root_key, &error));
	cert_text = fut_certificate_to_text(cert, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(s->cert_path, cert_text, -1, &error));
	g_assert_true(fut_approver_settings_save(s, &error));
	g_assert_no_error(error);

	req_bob = write_request("bob", "bob-report.futari-request");
	req_alice = write_request("alice", "alice-own.futari-request");
	/* An altered copy: the reason changed after the host signed it. */
	{
		g_autofree gchar *orig = NULL;
		g_autofree gchar *changed = NULL;
		g_auto(GStrv) parts = NULL;
		g_assert_true(g_file_get_contents(req_bob, &orig, NULL, &error));
		parts = g_strsplit(orig, "reason: ", 2);
		changed = g_strconcat(parts[0], "reason: X", parts[1], NULL);
		req_tampered = g_build_filename(tmp, "inbox", "tampered.futari-request", NULL);
		g_assert_true(g_file_set_contents(req_tampered, changed, -1, &error));
	}
}

/* --- driving GTK ------------------------------------------------------------------- */

static gboolean
timeout_done(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static void
spin(guint ms)
{
	gboolean done = FALSE;

	g_timeout_add(ms, timeout_done, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

static FutApproverWindow *
new_window(void)
{
	FutApproverWindow *win = fut_approver_window_new(NULL);

	gtk_window_present(GTK_WINDOW(win));
	for (guint i = 0; i < 200 && !gtk_widget_get_mapped(GTK_WIDGET(win)); i++)
		spin(10);
	g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(win)));
	return win;
}

static void
open_path(FutApproverWindow *win, const gchar *path)
{
	g_autoptr(GFile) f = g_file_new_for_path(path);

	fut_approver_window_open(win, f);
	spin(100);
}

/* Visible widgets under @w, depth first. */
static void
collect(GtkWidget *w, GPtrArray *out)
{
	if (!gtk_widget_get_visible(w))
		return;
	g_ptr_array_add(out, w);
	for (GtkWidget *c = gtk_widget_get_first_child(w); c != NULL;
	     c = gtk_widget_get_next_sibling(c))
		collect(c, out);
}

static GPtrArray *
widgets_on_page(FutApproverWindow *win)
{
	GPtrArray *out = g_ptr_array_new();

	collect(GTK_WIDGET(win), out);
	return out;
}

/* The control a keyboard user reaches with the caption @mnemonic (e.g. "_Passphrase"). */
static GtkWidget *
find_by_caption(FutApproverWindow *win, const gchar *mnemonic)
{
	g_autoptr(GPtrArray) all = widgets_on_page(win);

	for (guint i = 0; i < all->len; i++) {
		GtkWidget *w = all->pdata[i];
		if (GTK_IS_LABEL(w) &&
		    g_strcmp0(gtk_label_get_label(GTK_LABEL(w)), mnemonic) == 0 &&
		    gtk_label_get_mnemonic_widget(GTK_LABEL(w)) != NULL)
			return gtk_label_get_mnemonic_widget(GTK_LABEL(w));
	}
	g_error("no control labelled %s", mnemonic);
	return NULL;
}

static GtkWidget *
find_button(FutApproverWindow *win, const gchar *mnemonic)
{
	g_autoptr(GPtrArray) all = widgets_on_page(win);

	for (guint i = 0; i < all->len; i++) {
		GtkWidget *w = all->pdata[i];
		if (GTK_IS_BUTTON(w) &&
		    g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), mnemonic) == 0)
			return w;
	}
	g_error("no button %s", mnemonic);
	return NULL;
}

/* TRUE if some visible label on the page contains @needle. */
static gboolean
page_shows(FutApproverWindow *win, const gchar *needle)
{
	g_autoptr(GPtrArray) all = widgets_on_page(win);

	for (guint i = 0; i < all->len; i++) {
		GtkWidget *w = all->pdata[i];
		if (GTK_IS_LABEL(w) && strstr(gtk_label_get_text(GTK_LABEL(w)), needle) != NULL)
			return TRUE;
	}
	return FALSE;
}

/* Saves the window as X sees it (xwd, then ImageMagick to PNG): what a supervisor sees,
 * fonts and all. */
static void
screenshot(GtkWidget *win, const gchar *name)
{
	const gchar *dir = g_getenv("FUT_TEST_SCREENSHOT_DIR");
	const gchar *lang = g_getenv("FUT_TEST_LANG");
	const gchar *convert = g_getenv("FUT_TEST_CONVERT");
	GdkSurface *surface = gtk_native_get_surface(GTK_NATIVE(win));
	g_autofree gchar *file = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *cmd = NULL;
	gint status = 0;

	if (dir == NULL || convert == NULL || !GDK_IS_X11_SURFACE(surface))
		return;
	spin(400);
	file = g_strdup_printf("%s-%s.png", name, lang != NULL ? lang : "en");
	path = g_build_filename(dir, file, NULL);
	cmd = g_strdup_printf("sh -c 'xwd -silent -id %lu | %s xwd:- \"%s\"'",
	                      (gulong)gdk_x11_surface_get_xid(surface), convert, path);
	g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_test_message("screenshot: %s", path);
}

/* --- tests ------------------------------------------------------------------------- */

static void
test_review(void)
{
	FutApproverWindow *win = new_window();

	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "welcome");
	screenshot(GTK_WIDGET(win), "welcome");
	open_path(win, req_bob);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
	g_assert_true(page_shows(win, "bob"));
	g_assert_true(page_shows(win, "1001"));
	g_assert_true(page_shows(win, "pc-test-only-01"));
	g_assert_true(page_shows(win, "報告書 (TEST ONLY).xlsx"));
	g_assert_true(page_shows(win, "会議資料 TEST ONLY"));
	g_assert_true(page_shows(win, "TESTONLY0001"));
	/* The class evidence in the reader's language (issue 19), from the classifier's own
	 * messages: not the agent's English "label trusted.futari.class". */
	g_assert_true(page_shows(win, g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") == 0
	                                  ? "重要度分類II のラベル付き"
	                                  : "labelled Class II"));
	if (g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") == 0)
		g_assert_false(page_shows(win, "label trusted.futari.class"));
	g_assert_true(page_shows(win, _("Class II")));
	g_assert_true(page_shows(win, "…")); /* the shortened digest */
	if (g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") == 0)
		g_assert_true(page_shows(win, "申請者")); /* the catalogue is in use */
	screenshot(GTK_WIDGET(win), "review");
	/* An upload request: the host and program, the Class I badge; alice (Class II only)
	 * may not approve it and is told why. */
	{
		g_autofree gchar *up = write_upload_request();
		open_path(win, up);
		g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
		g_assert_true(page_shows(win, "files.example.test"));
		g_assert_true(page_shows(win, "/usr/bin/firefox-esr"));
		g_assert_true(page_shows(win, _("Class I")));
		g_assert_false(gtk_widget_get_sensitive(find_button(win, _("_Approve"))));
		/* it expires in an hour, before the Class I maximum of 4 h */
		if (g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") != 0)
			g_assert_true(page_shows(win, "until the request expires"));
		screenshot(GTK_WIDGET(win), "review-upload");
	}
	gtk_window_destroy(GTK_WINDOW(win));
}

/* The agent's state for the test: only the request in @data is pending. */
static FutRequestState
pending_lookup(const guint8 id[FUT_REQUEST_ID_LEN], gpointer data)
{
	return memcmp(id, data, FUT_REQUEST_ID_LEN) == 0 ? FUT_REQUEST_STATE_PENDING
	                                                 : FUT_REQUEST_STATE_UNKNOWN;
}

static void
test_approve(void)
{
	g_autoptr(GError) error = NULL;
	FutApproverWindow *win = new_window();
	g_autofree gchar *expected = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(FutApproval) a = NULL;
	g_autoptr(FutRequest) q = NULL;
	g_autoptr(FutPolicy) policy = fut_policy_new_default();
	g_autoptr(FutRevocationList) crl = fx_crl(root_key, 1, NULL, 0);
	g_autoptr(GPtrArray) history = NULL;
	g_autofree gchar *message = NULL;
	gsize len = 0;
	guint8 want[FUT_REQUEST_ID_LEN];
	FutRedeemInput in = {0};

	open_path(win, req_bob);
	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Comment"))),
	                      "OK TEST ONLY 承認");
	/* A wrong passphrase signs nothing. */
	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase"))),
	                      "not the passphrase");
	g_signal_emit_by_name(find_button(win, _("_Approve")), "clicked");
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
	g_assert_true(page_shows(win, "passphrase"));
	g_assert_cmpstr(gtk_editable_get_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase")))),
	                ==, ""); /* wiped after the attempt */
	expected = g_build_filename(tmp, "inbox", "bob-report.S1001.futari-approval", NULL);
	g_assert_false(g_file_test(expected, G_FILE_TEST_EXISTS));

	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase"))), ALICE_PASS);
	g_signal_emit_by_name(find_button(win, _("_Approve")), "clicked");
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "done");
	g_assert_cmpstr(fut_approver_window_get_output(win), ==, expected);
	g_assert_true(page_shows(win, expected)); /* the window says where */
	screenshot(GTK_WIDGET(win), "done");

	/* The file verifies with the protocol code, and the agent's rule accepts it. */
	g_assert_true(fut_file_read_bounded(expected, FUT_APPROVAL_TEXT_MAX, &text, &len, &error));
	a = fut_approval_parse(text, len, &error);
	g_assert_no_error(error);
	g_assert_true(fut_approval_verify(a, &error));
	g_assert_cmpint(a->decision, ==, FUT_DECISION_APPROVE);
	g_assert_cmpstr(a->comment, ==, "OK TEST ONLY 承認");
	/* No file was beside the request: approved without seeing it, and recorded so. */
	g_assert_cmpint(a->content_checked, ==, FUT_CONTENT_CHECK_NO);
	g_assert_cmpint(a->not_after - a->not_before, <=, 86400);
	q = fut_approve_load_request(req_bob, &error);
	g_assert_no_error(error);
	in.request = q;
	in.approvals = &a;
	in.n_approvals = 1;
	in.root_key = root_key;
	in.revocations = crl;
	in.policy = policy;
	in.now = now();
	in.host_key = host_key;
	in.lookup = pending_lookup;
	in.lookup_data = want;
	in.destination = &q->destination;
	g_assert_true(fut_request_get_id(q, want, &error));
	g_assert_cmpint(fut_redeem_check(&in, &message), ==, FUT_REFUSAL_NONE);

	/* The history holds it, and the window shows it. */
	history = fut_history_load(&error);
	g_assert_no_error(error);
	g_assert_cmpuint(history->len, ==, 1);
	g_assert_cmpstr(((FutHistoryEntry *)history->pdata[0])->decision, ==, "approve");
	g_assert_cmpstr(((FutHistoryEntry *)history->pdata[0])->requester, ==, "bob");
	g_assert_true(gtk_widget_activate_action(GTK_WIDGET(win), "win.history", NULL));
	spin(100);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "history");
	g_assert_true(page_shows(win, "報告書 (TEST ONLY).xlsx"));
	screenshot(GTK_WIDGET(win), "history");

	/* Deciding again would overwrite: refused. */
	open_path(win, req_bob);
	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase"))), ALICE_PASS);
	g_signal_emit_by_name(find_button(win, _("_Reject")), "clicked");
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
	g_assert_true(page_shows(win, "already exists"));
	gtk_window_destroy(GTK_WINDOW(win));
}

static void
test_self_approval(void)
{
	FutApproverWindow *win = new_window();
	g_autofree gchar *out =
	    g_build_filename(tmp, "inbox", "alice-own.S1001.futari-approval", NULL);
	GtkWidget *approve;

	open_path(win, req_alice);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
	approve = find_button(win, _("_Approve"));
	g_assert_false(gtk_widget_get_sensitive(approve));
	g_assert_true(page_shows(win, g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") == 0
	                                  ? "自分の申請は承認できません"
	                                  : "cannot approve your own request"));
	screenshot(GTK_WIDGET(win), "self-approval");
	/* Forced past the disabled button, the rule still holds. */
	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase"))), ALICE_PASS);
	g_action_group_activate_action(G_ACTION_GROUP(win), "approve", NULL);
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	gtk_window_destroy(GTK_WINDOW(win));
}

static void
test_tampered(void)
{
	FutApproverWindow *win = new_window();

	open_path(win, req_tampered);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "invalid");
	g_assert_true(page_shows(win, _("Do not approve this file")));
	if (g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") == 0) {
		g_assert_true(page_shows(win, "署名が不正"));
	} else {
		g_assert_true(page_shows(win, "invalid signature"));
		g_assert_true(page_shows(win, "altered"));
	}
	screenshot(GTK_WIDGET(win), "tampered");
	gtk_window_destroy(GTK_WINDOW(win));
}

/* Keyboard only: the mnemonic reaches the passphrase, Tab reaches every control of the
 * decision, and Enter in the passphrase approves. */
static void
test_keyboard(void)
{
	g_autoptr(GError) error = NULL;
	FutApproverWindow *win = new_window();
	g_autofree gchar *req = write_request("bob", "bob-keyboard.futari-request");
	g_autofree gchar *out =
	    g_build_filename(tmp, "inbox", "bob-keyboard.S1001.futari-approval", NULL);
	GtkWidget *pass, *approve, *reject, *comment;
	gboolean seen_approve = FALSE, seen_reject = FALSE, seen_pass = FALSE;
	g_autoptr(GPtrArray) all = NULL;
	GtkWidget *caption = NULL;

	open_path(win, req);
	pass = find_by_caption(win, _("_Passphrase"));
	comment = find_by_caption(win, _("_Comment"));
	approve = find_button(win, _("_Approve"));
	reject = find_button(win, _("_Reject"));
	all = widgets_on_page(win);
	for (guint i = 0; i < all->len; i++) {
		GtkWidget *w = all->pdata[i];
		if (GTK_IS_LABEL(w) && gtk_label_get_mnemonic_widget(GTK_LABEL(w)) == pass)
			caption = w;
	}
	g_assert_nonnull(caption);
	g_assert_true(gtk_widget_mnemonic_activate(caption, FALSE));
	spin(20);
	g_assert_true(gtk_widget_is_ancestor(gtk_window_get_focus(GTK_WINDOW(win)), pass) ||
	              gtk_window_get_focus(GTK_WINDOW(win)) == pass);
	/* Tab from the comment walks through the decision's controls. */
	gtk_widget_grab_focus(comment);
	for (guint i = 0; i < 12; i++) {
		GtkWidget *f;
		gtk_widget_child_focus(GTK_WIDGET(win), GTK_DIR_TAB_FORWARD);
		f = gtk_window_get_focus(GTK_WINDOW(win));
		seen_pass |= f == pass || (f != NULL && gtk_widget_is_ancestor(f, pass));
		seen_reject |= f == reject;
		seen_approve |= f == approve;
	}
	g_assert_true(seen_pass && seen_reject && seen_approve);
	gtk_editable_set_text(GTK_EDITABLE(pass), ALICE_PASS);
	g_signal_emit_by_name(pass, "activate");
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "done");
	g_assert_true(g_file_test(out, G_FILE_TEST_IS_REGULAR));
	gtk_window_destroy(GTK_WINDOW(win));
	g_assert_no_error(error);
}

/* The settings window shows the remembered files; the settings and history files refuse
 * garbage with a reason. */
static void
test_settings_and_files(void)
{
	g_autoptr(GError) error = NULL;
	FutApproverWindow *win = new_window();
	/* transfer none: the list is GTK's own (unreffing it broke every later window) */
	GListModel *tops = gtk_window_get_toplevels();
	g_autoptr(FutApproverSettings) s = fut_approver_settings_load(&error);
	g_autofree gchar *spath = fut_approver_settings_path();
	g_autofree gchar *hpath = fut_history_path();
	g_autofree gchar *saved = NULL, *hsaved = NULL;
	g_autoptr(GPtrArray) h = NULL;
	GtkWidget *dialog = NULL;
	gboolean key_shown = FALSE, cert_shown = FALSE;

	g_assert_no_error(error);
	g_assert_true(g_str_has_suffix(s->key_path, "alice.key"));
	g_assert_true(gtk_widget_activate_action(GTK_WIDGET(win), "win.settings", NULL));
	spin(200);
	for (guint i = 0; i < g_list_model_get_n_items(tops); i++) {
		g_autoptr(GtkWidget) w = g_list_model_get_item(tops, i);
		if (w != GTK_WIDGET(win) && gtk_widget_get_visible(w))
			dialog = w;
	}
	g_assert_nonnull(dialog);
	{
		g_autoptr(GPtrArray) all = g_ptr_array_new();
		collect(dialog, all);
		for (guint i = 0; i < all->len; i++) {
			GtkWidget *w = all->pdata[i];
			if (!GTK_IS_BUTTON(w) || gtk_button_get_label(GTK_BUTTON(w)) == NULL)
				continue;
			key_shown |= g_str_equal(gtk_button_get_label(GTK_BUTTON(w)), "alice.key");
			cert_shown |= g_str_equal(gtk_button_get_label(GTK_BUTTON(w)),
			                          "alice.futari-certificate");
		}
	}
	g_assert_true(key_shown && cert_shown);
	screenshot(dialog, "settings");
	gtk_window_destroy(GTK_WINDOW(dialog));
	gtk_window_destroy(GTK_WINDOW(win));

	/* A damaged settings file is an error, not silently empty settings. */
	g_assert_true(g_file_get_contents(spath, &saved, NULL, NULL));
	g_assert_true(g_file_set_contents(spath, "[approver\nkey=", -1, NULL));
	g_assert_null(fut_approver_settings_load(&error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(spath, saved, -1, NULL));

	/* With no certificate remembered, the one kept beside the key is used (as in
	 * futari-approve sign). */
	{
		g_autoptr(FutApproverSettings) nocert = fut_approver_settings_load(&error);
		FutApproverWindow *w2;
		g_assert_no_error(error);
		g_clear_pointer(&nocert->cert_path, g_free);
		g_assert_true(fut_approver_settings_save(nocert, &error));
		w2 = new_window();
		open_path(w2, req_bob);
		g_assert_true(page_shows(w2, "Alice Approver (TEST ONLY)"));
		gtk_window_destroy(GTK_WINDOW(w2));
		g_assert_true(g_file_set_contents(spath, saved, -1, NULL));
	}

	/* A history line that is not a record is named, not skipped. */
	if (!g_file_get_contents(hpath, &hsaved, NULL, NULL))
		hsaved = g_strdup("");
	{
		g_autofree gchar *bad = g_strconcat(hsaved, "{\"time\": 1}\n", NULL);
		g_assert_true(g_file_set_contents(hpath, bad, -1, NULL));
	}
	h = fut_history_load(&error);
	g_assert_null(h);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "is not a history record"));
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(hpath, hsaved, -1, NULL));
}

static void
test_labels(void)
{
	FutApproverWindow *win = new_window();
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GHashTable) labelled = g_hash_table_new(NULL, NULL);
	guint inputs = 0;

	open_path(win, req_bob);
	all = widgets_on_page(win);
	for (guint i = 0; i < all->len; i++) {
		GtkWidget *w = all->pdata[i];
		if (GTK_IS_LABEL(w) && gtk_label_get_mnemonic_widget(GTK_LABEL(w)) != NULL)
			g_hash_table_add(labelled, gtk_label_get_mnemonic_widget(GTK_LABEL(w)));
	}
	for (guint i = 0; i < all->len; i++) {
		GtkWidget *w = all->pdata[i];
		if (GTK_IS_ENTRY(w) || GTK_IS_PASSWORD_ENTRY(w) || GTK_IS_DROP_DOWN(w)) {
			inputs++;
			if (!g_hash_table_contains(labelled, w))
				g_error("a %s has no label", G_OBJECT_TYPE_NAME(w));
		}
		/* A button with no text must at least say what it does. */
		if (GTK_IS_BUTTON(w) && !GTK_IS_MENU_BUTTON(gtk_widget_get_parent(w)) &&
		    !GTK_IS_DROP_DOWN(gtk_widget_get_parent(w)) &&
		    !GTK_IS_WINDOW_CONTROLS(gtk_widget_get_parent(w)) &&
		    gtk_button_get_label(GTK_BUTTON(w)) == NULL &&
		    gtk_widget_get_tooltip_text(w) == NULL &&
		    !GTK_IS_LABEL(gtk_button_get_child(GTK_BUTTON(w))))
			g_error("a button without text or tooltip (%s in %s)",
			        G_OBJECT_TYPE_NAME(w),
			        G_OBJECT_TYPE_NAME(gtk_widget_get_parent(w)));
	}
	g_assert_cmpuint(inputs, ==, 3); /* comment, validity, passphrase */
	gtk_window_destroy(GTK_WINDOW(win));
}

static FutContentPanel *
content_panel(FutApproverWindow *win)
{
	g_autoptr(GPtrArray) all = widgets_on_page(win);

	for (guint i = 0; i < all->len; i++) {
		if (FUT_IS_CONTENT_PANEL(all->pdata[i]))
			return all->pdata[i];
	}
	g_error("no content panel on the page");
	return NULL;
}

/* Waits for the hash to finish (the progress bar runs meanwhile). */
static FutContentState
content_state(FutApproverWindow *win)
{
	FutContentPanel *panel = content_panel(win);

	for (guint i = 0; i < 500 && fut_content_panel_is_busy(panel); i++)
		spin(10);
	g_assert_false(fut_content_panel_is_busy(panel));
	spin(50);
	return fut_content_panel_get_state(panel);
}

static gchar *
text_preview(FutApproverWindow *win)
{
	g_autoptr(GPtrArray) all = widgets_on_page(win);

	for (guint i = 0; i < all->len; i++) {
		if (GTK_IS_TEXT_VIEW(all->pdata[i])) {
			GtkTextBuffer *b = gtk_text_view_get_buffer(all->pdata[i]);
			GtkTextIter s, e;
			gtk_text_buffer_get_bounds(b, &s, &e);
			return gtk_text_buffer_get_text(b, &s, &e, FALSE);
		}
	}
	return NULL;
}

static GBytes *
png_bytes(void)
{
	g_autoptr(GBytes) pixels = NULL;
	g_autoptr(GdkTexture) t = NULL;
	guint8 data[32 * 24 * 4];

	for (guint i = 0; i < sizeof data; i += 4) {
		data[i] = (guint8)(i % 251);
		data[i + 1] = 0x60;
		data[i + 2] = 0xc0;
		data[i + 3] = 0xff;
	}
	pixels = g_bytes_new(data, sizeof data);
	t = gdk_memory_texture_new(32, 24, GDK_MEMORY_R8G8B8A8, pixels, 32 * 4);
	return gdk_texture_save_to_png_bytes(t);
}

/* Findings the classifier writes are translated; anything else is shown as it is,
 * escaped. */
static void
test_evidence(void)
{
	gboolean ja = g_strcmp0(g_getenv("FUT_TEST_LANG"), "ja") == 0;
	g_autofree gchar *a = fut_approve_evidence_text(
	    "label: labelled Class II; mynumber: 3 My Number(s) with a valid check digit (first "
	    "1234********), with a My Number keyword; colour: red",
	    FUT_CLASS_II);
	g_autofree gchar *b =
	    fut_approve_evidence_text("x: marking \"秘\" found 2 time(s)\x1b[2J", FUT_CLASS_II);
	g_autofree gchar *c = fut_approve_evidence_text(NULL, FUT_CLASS_III);

	g_test_message("%s | %s | %s", a, b, c);
	g_assert_nonnull(strstr(a, ja ? "重要度分類II のラベル付き" : "labelled Class II"));
	g_assert_nonnull(strstr(a, ja ? "マイナンバー 3 件" : "3 My Number(s)"));
	g_assert_nonnull(strstr(a, "1234********"));
	g_assert_true(g_str_has_suffix(a, "; colour: red")); /* unknown: as it is */
	g_assert_null(strchr(b, '\x1b'));                    /* no match, and escaped */
	g_assert_nonnull(strstr(b, "\\x1b"));
	g_assert_nonnull(c);
}

static cairo_status_t
pdf_append(void *closure, const unsigned char *data, unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

/* A one-page A4 PDF with a heading, made with cairo. */
static GByteArray *
pdf_bytes(void)
{
	GByteArray *out = g_byte_array_new();
	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(pdf_append, out, 595, 842);
	cairo_t *cr = cairo_create(surface);

	cairo_set_source_rgb(cr, 0.65, 0.1, 0.15);
	cairo_rectangle(cr, 40, 40, 515, 120);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 36);
	cairo_move_to(cr, 40, 230);
	cairo_show_text(cr, "TEST ONLY tender 42");
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	cairo_surface_destroy(surface);
	return out;
}

static void
test_content(void)
{
	static const gchar minutes[] = "TEST ONLY minutes of the meeting\n議事録 二行目\n";
	g_autofree gchar *req_minutes = write_content_request(
	    "minutes.futari-request", "minutes.txt", minutes, strlen(minutes));
	g_autofree gchar *req_changed = write_content_request(
	    "changed.futari-request", "changed.txt", minutes, strlen(minutes));
	g_autoptr(GBytes) png = png_bytes();
	g_autoptr(GByteArray) pdf = pdf_bytes();
	g_autofree gchar *req_pdf =
	    write_content_request("tender.futari-request", "tender.pdf", pdf->data, pdf->len);
	g_autofree gchar *req_photo =
	    write_content_request("photo.futari-request", "photo.png", g_bytes_get_data(png, NULL),
	                          g_bytes_get_size(png));
	g_autofree gchar *viewer_log = g_build_filename(tmp, "viewer.log", NULL);
	g_autofree gchar *preview = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *copied = NULL;
	g_autofree gchar *original = g_build_filename(tmp, "inbox", "minutes.txt", NULL);
	g_autofree gchar *approval = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) lines = NULL;
	FutApproverWindow *win = new_window();

	write_inbox_file("minutes.txt", minutes, strlen(minutes));
	write_inbox_file("changed.txt", "TEST ONLY minutes, altered\n", 27);
	write_inbox_file("photo.futari-copy", g_bytes_get_data(png, NULL), g_bytes_get_size(png));
	write_inbox_file("tender.pdf", pdf->data, pdf->len);

	/* Matching: said prominently, previewed, and opened read-only in the viewer. */
	open_path(win, req_minutes);
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_MATCHES);
	g_assert_true(page_shows(win, _("✔ This file matches the request: it is the content you "
	                                "are asked to approve.")));
	g_assert_cmpstr(fut_content_panel_get_preview_kind(content_panel(win)), ==, "text");
	preview = text_preview(win);
	g_assert_nonnull(strstr(preview, "議事録 二行目"));
	g_assert_true(gtk_widget_get_sensitive(find_button(win, _("_Approve"))));
	/* The register's name of the stick comes first in the destination. */
	g_assert_true(page_shows(win, "CITY-USB-0001, 総務課"));
	screenshot(GTK_WIDGET(win), "content-match");
	/* While a file is hashed the progress bar shows and Approve is off. */
	fut_content_panel_check_file(content_panel(win), original);
	g_assert_true(fut_content_panel_is_busy(content_panel(win)));
	g_assert_false(gtk_widget_get_sensitive(find_button(win, _("_Approve"))));
	{
		g_autoptr(GPtrArray) all = widgets_on_page(win);
		gboolean bar = FALSE;
		for (guint i = 0; i < all->len; i++)
			bar |= GTK_IS_PROGRESS_BAR(all->pdata[i]);
		g_assert_true(bar);
	}
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_MATCHES);
	g_assert_true(gtk_widget_get_sensitive(find_button(win, _("_Approve"))));
	g_signal_emit_by_name(find_button(win, _("_Open in Viewer (Read-Only Copy)")), "clicked");
	for (guint i = 0; i < 500 && !g_file_test(viewer_log, G_FILE_TEST_EXISTS); i++)
		spin(10);
	spin(200);
	g_assert_true(g_file_get_contents(viewer_log, &log, NULL, &error));
	g_test_message("stand-in viewer: %s", log);
	lines = g_strsplit(log, "\n", -1);
	/* The viewer got a copy in a private folder, read-only, with the checked bytes. */
	g_assert_true(g_str_has_prefix(lines[0], "file="));
	g_assert_cmpstr(lines[0] + 5, !=, original);
	g_assert_true(g_str_has_suffix(lines[0], "/minutes.txt"));
	g_assert_cmpstr(lines[1], ==, "mode=400 dir=700");
	g_assert_true(g_file_get_contents(lines[0] + 5, &copied, NULL, &error));
	g_assert_cmpstr(copied, ==, minutes);

	/* Not matching: said prominently; Approve is off and refused when forced. */
	open_path(win, req_changed);
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_DIFFERS);
	g_assert_true(page_shows(win, _("✘ This file does NOT match the request. Do not "
	                                "approve: what would leave is not this file.")));
	g_assert_cmpstr(fut_content_panel_get_preview_kind(content_panel(win)), ==, "none");
	g_assert_false(gtk_widget_get_sensitive(find_button(win, _("_Approve"))));
	g_assert_false(
	    gtk_widget_get_sensitive(find_button(win, _("_Open in Viewer (Read-Only Copy)"))));
	screenshot(GTK_WIDGET(win), "content-mismatch");
	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase"))), ALICE_PASS);
	g_assert_true(gtk_widget_activate_action(GTK_WIDGET(win), "win.approve", NULL));
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "review");
	approval = g_build_filename(tmp, "inbox", "changed.S1001.futari-approval", NULL);
	g_assert_false(g_file_test(approval, G_FILE_TEST_EXISTS));
	/* The supervisor chooses the right file (as a drop would): it matches; approving
	 * records content-checked: yes. */
	fut_content_panel_check_file(content_panel(win), original);
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_MATCHES);
	gtk_editable_set_text(GTK_EDITABLE(find_by_caption(win, _("_Passphrase"))), ALICE_PASS);
	g_signal_emit_by_name(find_button(win, _("_Approve")), "clicked");
	spin(50);
	g_assert_cmpstr(fut_approver_window_get_page(win), ==, "done");
	{
		g_autofree gchar *text = NULL;
		gsize len = 0;
		g_autoptr(FutApproval) a = NULL;
		g_assert_true(
		    fut_file_read_bounded(approval, FUT_APPROVAL_TEXT_MAX, &text, &len, &error));
		a = fut_approval_parse(text, len, &error);
		g_assert_no_error(error);
		g_assert_cmpint(a->content_checked, ==, FUT_CONTENT_CHECK_YES);
	}

	/* The copy 'futari export --with-copy' puts beside the request: an image preview. */
	open_path(win, req_photo);
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_MATCHES);
	g_assert_cmpstr(fut_content_panel_get_preview_kind(content_panel(win)), ==, "image");
	screenshot(GTK_WIDGET(win), "content-image");

	/* A PDF: its first page. */
	open_path(win, req_pdf);
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_MATCHES);
	g_assert_cmpstr(fut_content_panel_get_preview_kind(content_panel(win)), ==, "pdf");
	screenshot(GTK_WIDGET(win), "content-pdf");

	/* No file beside the request: not seen, and said. */
	open_path(win, req_bob);
	g_assert_cmpint(content_state(win), ==, FUT_CONTENT_NOT_SEEN);
	g_assert_true(page_shows(win, _("You have not seen the content. If you approve, the "
	                                "approval records content-checked: no.")));
	screenshot(GTK_WIDGET(win), "content-unseen");
	gtk_window_destroy(GTK_WINDOW(win));
}

/* A stand-in for the desktop's default viewer of text files: it records what it was given
 * (the path, the file's mode and its folder's). */
/* --- the file choosers ------------------------------------------------------------- */

static void
chosen(GFile *file, const gchar *path, gpointer data)
{
	gchar **ret = data;

	g_free(*ret);
	*ret = g_strdup(path != NULL ? path : "(no path)");
}

/* A chooser made by fut_approver_chooser_new() and run, answered with @response: returns
 * the path given to the callback (NULL when it was not called); the dialog must be destroyed. */
static gchar *
run_chooser(GtkWidget *over, GtkFileChooserAction action, const gchar *start, gint response)
{
	GtkFileChooserNative *dialog = fut_approver_chooser_new(over, "TEST", action, "_OK");
	gpointer alive = dialog;
	gchar *got = NULL;

	g_assert_true(gtk_native_dialog_get_transient_for(GTK_NATIVE_DIALOG(dialog)) ==
	              (GTK_IS_WINDOW(over) ? GTK_WINDOW(over) : NULL));
	if (start != NULL)
		fut_approver_chooser_start_at(dialog, start);
	g_object_add_weak_pointer(G_OBJECT(dialog), &alive);
	fut_approver_chooser_run(dialog, chosen, &got);
	spin(100);
	/* What the supervisor sees once it is shown. */
	if (start != NULL) {
		g_autofree gchar *dir = g_path_get_dirname(start);
		g_autoptr(GFile) folder =
		    gtk_file_chooser_get_current_folder(GTK_FILE_CHOOSER(dialog));
		g_autofree gchar *folder_path = folder != NULL ? g_file_get_path(folder) : NULL;
		g_assert_cmpstr(folder_path, ==, dir);
		if (action == GTK_FILE_CHOOSER_ACTION_SAVE) {
			g_autofree gchar *base = g_path_get_basename(start);
			g_autofree gchar *name =
			    gtk_file_chooser_get_current_name(GTK_FILE_CHOOSER(dialog));
			g_assert_cmpstr(name, ==, base);
		}
	}
	g_signal_emit_by_name(dialog, "response", response);
	spin(50);
	g_assert_null(alive);
	return got;
}

static void
test_chooser(void)
{
	FutApproverWindow *win = new_window();
	g_autofree gchar *out =
	    g_build_filename(tmp, "inbox", "chooser.S1001.futari-approval", NULL);
	g_autofree gchar *got = NULL;
	GtkWidget *loose = g_object_ref_sink(gtk_label_new("not in a window"));

	got = run_chooser(GTK_WIDGET(win), GTK_FILE_CHOOSER_ACTION_SAVE, out, GTK_RESPONSE_CANCEL);
	g_assert_null(got);
	got = run_chooser(GTK_WIDGET(win), GTK_FILE_CHOOSER_ACTION_SAVE, out, GTK_RESPONSE_ACCEPT);
	g_assert_cmpstr(got, ==, out);
	g_clear_pointer(&got, g_free);
	got = run_chooser(loose, GTK_FILE_CHOOSER_ACTION_OPEN, out, GTK_RESPONSE_DELETE_EVENT);
	g_assert_null(got);
	g_object_unref(loose);
	gtk_window_destroy(GTK_WINDOW(win));
}

static void
setup_viewer(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *apps = g_build_filename(tmp, "data", "applications", NULL);
	g_autofree gchar *config = g_build_filename(tmp, "config", NULL);
	g_autofree gchar *script = g_build_filename(tmp, "standin-viewer.sh", NULL);
	g_autofree gchar *desktop = g_build_filename(apps, "futari-test-viewer.desktop", NULL);
	g_autofree gchar *mimeapps = g_build_filename(config, "mimeapps.list", NULL);
	g_autofree gchar *log = g_build_filename(tmp, "viewer.log", NULL);
	g_autofree gchar *script_text = g_strdup_printf(
	    "#!/bin/sh\n# TEST ONLY stand-in viewer\n"
	    "{ echo \"file=$1\"; echo \"mode=$(stat -c %%a \"$1\") dir=$(stat -c %%a "
	    "\"$(dirname \"$1\")\")\"; } >\"%s.tmp\" && mv \"%s.tmp\" \"%s\"\n",
	    log, log, log);
	g_autofree gchar *desktop_text = g_strdup_printf(
	    "[Desktop Entry]\nType=Application\nName=TEST ONLY viewer\nExec=\"%s\" %%f\n"
	    "MimeType=text/plain;\nNoDisplay=true\n",
	    script);

	g_assert_cmpint(g_mkdir_with_parents(apps, 0700), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(config, 0700), ==, 0);
	g_assert_true(g_file_set_contents(script, script_text, -1, &error));
	g_assert_cmpint(g_chmod(script, 0700), ==, 0);
	g_assert_true(g_file_set_contents(desktop, desktop_text, -1, &error));
	g_assert_true(g_file_set_contents(
	    mimeapps, "[Default Applications]\ntext/plain=futari-test-viewer.desktop\n", -1,
	    &error));
}

int
main(int argc, char **argv)
{
	const gchar *localedir = g_getenv("FUT_TEST_LOCALEDIR");
	int rc;

	/* Before GLib caches the user dirs. */
	tmp = g_dir_make_tmp("futari-gui-XXXXXX", NULL);
	g_assert_nonnull(tmp);
	{
		g_autofree gchar *config = g_build_filename(tmp, "config", NULL);
		g_autofree gchar *data = g_build_filename(tmp, "data", NULL);
		g_setenv("XDG_CONFIG_HOME", config, TRUE);
		g_setenv("XDG_DATA_HOME", data, TRUE);
	}
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	gtk_test_init(&argc, &argv, NULL);
	fut_approver_load_css();
	setup_fixtures();
	setup_viewer();

	g_test_add_func("/approver/review", test_review);
	g_test_add_func("/approver/approve", test_approve);
	g_test_add_func("/approver/self-approval", test_self_approval);
	g_test_add_func("/approver/tampered", test_tampered);
	g_test_add_func("/approver/labels", test_labels);
	g_test_add_func("/approver/keyboard", test_keyboard);
	g_test_add_func("/approver/settings-and-files", test_settings_and_files);
	g_test_add_func("/approver/content", test_content);
	g_test_add_func("/approver/evidence", test_evidence);
	g_test_add_func("/approver/chooser", test_chooser);
	rc = g_test_run();
	if (rc == 0) {
		g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", tmp);
		(void)!system(cmd);
	}
	return rc;
}
