/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-approver, the file itself and the file choosers:
 *
 *   /approver/evidence      the classifier's evidence for a Class I upload request
 *   /approver/content       the file beside the request: matching (text preview, Open
 *                           hands a private read-only copy to a stand-in viewer), not
 *                           matching (Approve refused), the --with-copy copy (image
 *                           preview), one chosen by the supervisor; screenshots
 *   /approver/chooser       every file chooser: over its window, starting beside the file
 *                           it names, nothing called on cancel, the path on accept, destroyed
 */
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
void
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

void
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

void
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

void
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
