/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fixtures of test-approver (TEST ONLY keys, requests in an inbox) and the helpers
 * that drive GTK the way a keyboard user does. */
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
#include "test-approver.h"
#include "util.h"

gchar *tmp;
gchar *req_bob, *req_alice, *req_tampered;
FutKey *root_key, *host_key;

gint64
now(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

gchar *
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
gchar *
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

void
write_inbox_file(const gchar *name, const void *content, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(tmp, "inbox", name, NULL);

	g_assert_true(g_file_set_contents(path, content, (gssize)len, &error));
}

/* A Class I upload request by bob (classifier evidence: My Number). */
gchar *
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

/* A version-2 request (one request for a folder's files, issue 18): three files, one of
 * them Class I. */
gchar *
write_folder_request(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = fx_request(FUT_CLASS_II, host_key);
	g_autofree gchar *text = NULL;
	gchar *path = g_build_filename(tmp, "inbox", "bob-folder.futari-request", NULL);
	static const gchar *const paths[] = {"名簿 TEST ONLY/a.csv", "名簿 TEST ONLY/sub/b.csv",
	                                     "名簿 TEST ONLY/c.xlsx"};

	g_clear_pointer(&q->file_name, g_free);
	g_clear_pointer(&q->class_evidence, g_free);
	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		guint8 sha[FUT_SHA256_LEN];
		fut_sha256(paths[i], strlen(paths[i]), sha);
		fut_request_add_file(q, paths[i], 100 + i, sha,
		                     i == 1 ? FUT_CLASS_I : FUT_CLASS_II);
	}
	q->klass = FUT_CLASS_I;
	q->created = now() - 60;
	q->expires = now() + 3600;
	g_assert_true(fut_request_sign(q, host_key, &error));
	text = fut_request_to_text(q, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	return path;
}

void
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

static gboolean
timeout_done(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

void
spin(guint ms)
{
	gboolean done = FALSE;

	g_timeout_add(ms, timeout_done, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

FutApproverWindow *
new_window(void)
{
	FutApproverWindow *win = fut_approver_window_new(NULL);

	gtk_window_present(GTK_WINDOW(win));
	for (guint i = 0; i < 200 && !gtk_widget_get_mapped(GTK_WIDGET(win)); i++)
		spin(10);
	g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(win)));
	return win;
}

void
open_path(FutApproverWindow *win, const gchar *path)
{
	g_autoptr(GFile) f = g_file_new_for_path(path);

	fut_approver_window_open(win, f);
	spin(100);
}

/* Visible widgets under @w, depth first. */
void
collect(GtkWidget *w, GPtrArray *out)
{
	if (!gtk_widget_get_visible(w))
		return;
	g_ptr_array_add(out, w);
	for (GtkWidget *c = gtk_widget_get_first_child(w); c != NULL;
	     c = gtk_widget_get_next_sibling(c))
		collect(c, out);
}

GPtrArray *
widgets_on_page(FutApproverWindow *win)
{
	GPtrArray *out = g_ptr_array_new();

	collect(GTK_WIDGET(win), out);
	return out;
}

/* The control a keyboard user reaches with the caption @mnemonic (e.g. "_Passphrase"). */
GtkWidget *
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

GtkWidget *
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
gboolean
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
void
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
