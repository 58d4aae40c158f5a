/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <poppler.h>

#include "approver-chooser.h"
#include "approver-content.h"
#include "errors.h"
#include "util.h"

/* The preview reads at most this much text, and shows images only up to this size. */
#define TEXT_PREVIEW_MAX  (64 * 1024)
#define IMAGE_PREVIEW_MAX (32 * 1024 * 1024)

struct _FutContentPanel {
	GtkBox parent_instance;

	GtkLabel *verdict;
	GtkLabel *path_label;
	GtkProgressBar *progress;
	GtkWidget *choose_button, *open_button;
	GtkStack *preview;
	GtkTextView *text;
	GtkPicture *picture;

	FutRequest *request;
	gchar *request_path;
	gchar *path;      /* the file looked at, NULL when none */
	gchar *view_copy; /* the private read-only copy of a matching file */
	FutContentState state;
	gboolean busy;
	GCancellable *cancel;
	guint progress_source;
	const gchar *preview_kind;
	gboolean disposed; /* a hash finishing after this touches no widget */
};

G_DEFINE_TYPE(FutContentPanel, fut_content_panel, GTK_TYPE_BOX)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* What the hashing thread shares with the main loop. */
typedef struct {
	gchar *path;
	FutRequest *request;
	gint permille; /* atomic: how much is hashed */
	gboolean match;
} HashJob;

static void
hash_job_clear(gpointer data)
{
	HashJob *job = data;

	g_free(job->path);
	fut_request_free(job->request);
}

static void
hash_job_unref(gpointer data)
{
	g_atomic_rc_box_release_full(data, hash_job_clear);
}

/* Up to @max bytes from the start of @path (no symlink). */
static gboolean
read_prefix(const gchar *path, gsize max, gchar **ret_data, gsize *ret_len)
{
	g_autofree gchar *buf = g_malloc(max + 1);
	gsize len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return FALSE;
	while (len < max) {
		ssize_t n = read(fd, buf + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (gsize)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret_data = g_steal_pointer(&buf);
	*ret_len = len;
	return TRUE;
}

static void
set_verdict(FutContentPanel *panel, const gchar *text, const gchar *css)
{
	static const gchar *const all[] = {"fut-content-ok", "fut-content-bad",
	                                   "fut-content-unseen"};

	gtk_label_set_text(panel->verdict, text);
	for (guint i = 0; i < G_N_ELEMENTS(all); i++)
		gtk_widget_remove_css_class(GTK_WIDGET(panel->verdict), all[i]);
	if (css != NULL)
		gtk_widget_add_css_class(GTK_WIDGET(panel->verdict), css);
}

static void
clear_view(FutContentPanel *panel)
{
	if (panel->view_copy != NULL) {
		fut_approve_remove_view_copy(panel->view_copy);
		g_clear_pointer(&panel->view_copy, g_free);
	}
	gtk_text_buffer_set_text(gtk_text_view_get_buffer(panel->text), "", 0);
	gtk_picture_set_paintable(panel->picture, NULL);
	gtk_stack_set_visible_child_name(panel->preview, "none");
	panel->preview_kind = "none";
	gtk_widget_set_sensitive(panel->open_button, FALSE);
}

static void
set_path_label(FutContentPanel *panel)
{
	g_autofree gchar *safe = panel->path != NULL ? fut_strescape(panel->path, -1) : NULL;

	gtk_label_set_text(panel->path_label, safe != NULL ? safe : "");
	gtk_widget_set_visible(GTK_WIDGET(panel->path_label), safe != NULL);
}

/* Text (and CSV) as the supervisor would read it: UTF-8, else the Japanese Windows
 * encoding such files often come in; NULL when it is neither. */
static gchar *
preview_text(const gchar *data, gsize len)
{
	gsize n = len;

	if (!g_utf8_validate(data, (gssize)len, NULL)) {
		const gchar *end = NULL;
		/* A cut in the middle of a character at the preview limit is fine. */
		g_utf8_validate(data, (gssize)len, &end);
		if (len == TEXT_PREVIEW_MAX && (gsize)(end - data) + 4 > len)
			n = (gsize)(end - data);
		else
			return g_convert(data, (gssize)len, "UTF-8", "CP932", NULL, NULL, NULL);
	}
	return g_strndup(data, n);
}

/* The first page of a PDF, rendered to fit a 640-pixel width; NULL when it cannot be. */
static GdkTexture *
pdf_first_page(const gchar *path)
{
	g_autoptr(GFile) f = g_file_new_for_path(path);
	g_autofree gchar *uri = g_file_get_uri(f);
	/* (poppler-glib 22 has no g_autoptr cleanup functions) */
	PopplerDocument *doc = poppler_document_new_from_file(uri, NULL, NULL);
	PopplerPage *page = NULL;
	GdkTexture *texture = NULL;
	gdouble w = 0, h = 0, scale;
	gint pw = 640, ph;

	if (doc != NULL && poppler_document_get_n_pages(doc) >= 1)
		page = poppler_document_get_page(doc, 0);
	if (page != NULL)
		poppler_page_get_size(page, &w, &h);
	/* Bounded whatever the page claims. */
	if (page != NULL && w >= 1 && h >= 1 && w <= 20000 && h <= 20000) {
		cairo_surface_t *surface;
		cairo_t *cr;
		g_autoptr(GBytes) bytes = NULL;

		scale = pw / w;
		ph = MAX((gint)MIN(h * scale, 2000.0), 1);
		surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
		cr = cairo_create(surface);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_paint(cr);
		cairo_scale(cr, scale, scale);
		poppler_page_render(page, cr);
		cairo_destroy(cr);
		cairo_surface_flush(surface);
		bytes = g_bytes_new(cairo_image_surface_get_data(surface),
		                    (gsize)cairo_image_surface_get_stride(surface) * (gsize)ph);
		texture = gdk_memory_texture_new(pw, ph, GDK_MEMORY_DEFAULT, bytes,
		                                 (gsize)cairo_image_surface_get_stride(surface));
		cairo_surface_destroy(surface);
	}
	g_clear_object(&page);
	g_clear_object(&doc);
	return texture;
}

static void
show_preview(FutContentPanel *panel)
{
	g_autofree gchar *data = NULL;
	g_autofree gchar *type = NULL;
	gsize len = 0;
	gboolean uncertain = FALSE;

	if (!read_prefix(panel->view_copy, TEXT_PREVIEW_MAX, &data, &len))
		return;
	type =
	    g_content_type_guess(panel->request->file_name, (const guchar *)data, len, &uncertain);
	if (g_content_type_is_a(type, "text/plain")) {
		g_autofree gchar *text = preview_text(data, len);
		if (text == NULL)
			return;
		gtk_text_buffer_set_text(gtk_text_view_get_buffer(panel->text), text, -1);
		gtk_stack_set_visible_child_name(panel->preview, "text");
		panel->preview_kind = "text";
	} else if (g_content_type_is_a(type, "image/*") || g_str_has_prefix(type, "image/")) {
		g_autoptr(GFile) f = g_file_new_for_path(panel->view_copy);
		g_autoptr(GdkTexture) texture = NULL;
		if (panel->request->size > IMAGE_PREVIEW_MAX)
			return;
		texture = gdk_texture_new_from_file(f, NULL);
		if (texture == NULL)
			return;
		gtk_picture_set_paintable(panel->picture, GDK_PAINTABLE(texture));
		gtk_stack_set_visible_child_name(panel->preview, "image");
		panel->preview_kind = "image";
	} else if (g_content_type_is_a(type, "application/pdf") &&
	           panel->request->size <= IMAGE_PREVIEW_MAX) {
		g_autoptr(GdkTexture) texture = pdf_first_page(panel->view_copy);
		if (texture == NULL)
			return;
		gtk_picture_set_paintable(panel->picture, GDK_PAINTABLE(texture));
		gtk_stack_set_visible_child_name(panel->preview, "image");
		panel->preview_kind = "pdf";
	}
}

static void
finish(FutContentPanel *panel, FutContentState state, const gchar *error_text)
{
	panel->state = state;
	panel->busy = FALSE;
	gtk_widget_set_visible(GTK_WIDGET(panel->progress), FALSE);
	gtk_widget_set_sensitive(panel->choose_button, TRUE);
	clear_view(panel);
	if (error_text != NULL) {
		set_verdict(panel, error_text, "fut-content-bad");
	} else if (state == FUT_CONTENT_MATCHES) {
		g_autoptr(GError) error = NULL;
		set_verdict(panel,
		            _("✔ This file matches the request: it is the content you are "
		              "asked to approve."),
		            "fut-content-ok");
		/* Preview and viewer get a private copy, re-checked as it is copied: the file
		 * beside the request may change after it was hashed. */
		panel->view_copy = fut_approve_make_view_copy(panel->path, panel->request, &error);
		if (panel->view_copy == NULL) {
			g_autofree gchar *msg = g_strdup_printf(
			    _("The file can no longer be read as checked: %s"), error->message);
			panel->state = FUT_CONTENT_NOT_SEEN;
			set_verdict(panel, msg, "fut-content-bad");
		} else {
			gtk_widget_set_sensitive(panel->open_button, TRUE);
			show_preview(panel);
		}
	} else if (state == FUT_CONTENT_DIFFERS) {
		set_verdict(panel,
		            _("✘ This file does NOT match the request. Do not approve: what "
		              "would leave is not this file."),
		            "fut-content-bad");
	} else {
		set_verdict(panel,
		            _("Content not seen: no file was found beside the request. "
		              "Choose the file (or drop it here) to check it, or approve "
		              "without seeing it: the approval then records that you did "
		              "not."),
		            "fut-content-unseen");
	}
	g_signal_emit(panel, signals[SIGNAL_CHANGED], 0);
}

static gboolean
progress_tick(gpointer data)
{
	FutContentPanel *panel = data;
	HashJob *job = g_object_get_data(G_OBJECT(panel), "fut-hash-job");

	if (job != NULL)
		gtk_progress_bar_set_fraction(panel->progress,
		                              g_atomic_int_get(&job->permille) / 1000.0);
	return G_SOURCE_CONTINUE;
}

static void
job_progress(guint64 done, guint64 total, gpointer data)
{
	HashJob *job = data;

	g_atomic_int_set(&job->permille, total > 0 ? (gint)(done * 1000 / total) : 1000);
}

static void
hash_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	HashJob *job = data;
	GError *error = NULL;

	if (!fut_approve_check_content(job->path, job->request, job_progress, job, cancel,
	                               &job->match, &error))
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

static void
hash_done(GObject *source, GAsyncResult *result, gpointer data)
{
	FutContentPanel *panel = FUT_CONTENT_PANEL(source);
	HashJob *job = g_task_get_task_data(G_TASK(result));
	g_autoptr(GError) error = NULL;

	if (!g_task_propagate_boolean(G_TASK(result), &error)) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return; /* a newer check (or the panel's end) took over */
	}
	/* A result for a file no longer shown (or a panel gone) is dropped. */
	if (panel->disposed || g_strcmp0(job->path, panel->path) != 0)
		return;
	g_clear_handle_id(&panel->progress_source, g_source_remove);
	g_object_set_data(G_OBJECT(panel), "fut-hash-job", NULL);
	if (error != NULL) {
		g_autofree gchar *msg =
		    g_strdup_printf(_("The file could not be checked: %s"), error->message);
		finish(panel, FUT_CONTENT_NOT_SEEN, msg);
		return;
	}
	finish(panel, job->match ? FUT_CONTENT_MATCHES : FUT_CONTENT_DIFFERS, NULL);
}

void
fut_content_panel_check_file(FutContentPanel *panel, const gchar *path)
{
	g_autoptr(GTask) task = NULL;
	HashJob *job;

	if (panel->request == NULL || path == NULL)
		return;
	g_cancellable_cancel(panel->cancel);
	g_clear_object(&panel->cancel);
	g_clear_handle_id(&panel->progress_source, g_source_remove);
	panel->cancel = g_cancellable_new();
	g_free(panel->path);
	panel->path = g_strdup(path);
	set_path_label(panel);
	clear_view(panel);
	panel->state = FUT_CONTENT_NOT_SEEN;
	panel->busy = TRUE;
	set_verdict(panel, _("Checking the file against the request…"), NULL);
	gtk_progress_bar_set_fraction(panel->progress, 0.0);
	gtk_widget_set_visible(GTK_WIDGET(panel->progress), TRUE);
	g_signal_emit(panel, signals[SIGNAL_CHANGED], 0);

	/* One reference for the panel (progress), one for the task (the thread). */
	job = g_atomic_rc_box_new0(HashJob);
	job->path = g_strdup(path);
	job->request = fut_request_dup(panel->request);
	g_object_set_data_full(G_OBJECT(panel), "fut-hash-job", g_atomic_rc_box_acquire(job),
	                       hash_job_unref);
	task = g_task_new(panel, panel->cancel, hash_done, NULL);
	g_task_set_task_data(task, job, hash_job_unref);
	panel->progress_source = g_timeout_add(50, progress_tick, panel);
	g_task_run_in_thread(task, hash_thread);
}

void
fut_content_panel_set_request(FutContentPanel *panel,
                              const FutRequest *q,
                              const gchar *request_path)
{
	g_autofree gchar *found = NULL;

	g_cancellable_cancel(panel->cancel);
	g_clear_handle_id(&panel->progress_source, g_source_remove);
	g_object_set_data(G_OBJECT(panel), "fut-hash-job", NULL);
	g_clear_pointer(&panel->request, fut_request_free);
	g_clear_pointer(&panel->request_path, g_free);
	g_clear_pointer(&panel->path, g_free);
	set_path_label(panel);
	if (q == NULL) {
		finish(panel, FUT_CONTENT_NOT_SEEN, NULL);
		return;
	}
	panel->request = fut_request_dup(q);
	panel->request_path = g_strdup(request_path);
	found = fut_approve_find_content(request_path, q);
	if (found != NULL)
		fut_content_panel_check_file(panel, found);
	else
		finish(panel, FUT_CONTENT_NOT_SEEN, NULL);
}

FutContentState
fut_content_panel_get_state(FutContentPanel *panel)
{
	return panel->busy ? FUT_CONTENT_NOT_SEEN : panel->state;
}

gboolean
fut_content_panel_is_busy(FutContentPanel *panel)
{
	return panel->busy;
}

const gchar *
fut_content_panel_get_preview_kind(FutContentPanel *panel)
{
	return panel->preview_kind;
}

/* --- choosing, dropping, opening --------------------------------------------------- */

static void
content_chosen(GFile *file, const gchar *path, gpointer data)
{
	if (path != NULL)
		fut_content_panel_check_file(FUT_CONTENT_PANEL(data), path);
}

static void
choose_clicked(GtkButton *button, gpointer data)
{
	FutContentPanel *panel = data;
	GtkFileChooserNative *dialog =
	    fut_approver_chooser_new(GTK_WIDGET(panel), _("Choose the file to check"),
	                             GTK_FILE_CHOOSER_ACTION_OPEN, _("_Check"));

	if (panel->request_path != NULL)
		fut_approver_chooser_start_at(dialog, panel->request_path);
	fut_approver_chooser_run(dialog, content_chosen, panel);
}

static gboolean
on_drop(GtkDropTarget *target, const GValue *value, gdouble x, gdouble y, gpointer data)
{
	FutContentPanel *panel = data;
	g_autofree gchar *path = NULL;

	if (!G_VALUE_HOLDS(value, G_TYPE_FILE) || panel->request == NULL)
		return FALSE;
	path = g_file_get_path(g_value_get_object(value));
	if (path == NULL)
		return FALSE;
	fut_content_panel_check_file(panel, path);
	return TRUE;
}

static void
launched(GObject *source, GAsyncResult *result, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutContentPanel) panel = data;

	if (!g_app_info_launch_default_for_uri_finish(result, &error) && !panel->disposed) {
		g_autofree gchar *msg =
		    g_strdup_printf(_("No viewer could open the file: %s"), error->message);
		gtk_label_set_text(panel->path_label, msg);
	}
}

static void
open_clicked(GtkButton *button, gpointer data)
{
	FutContentPanel *panel = data;
	g_autoptr(GFile) f = NULL;
	g_autofree gchar *uri = NULL;

	if (panel->state != FUT_CONTENT_MATCHES || panel->view_copy == NULL)
		return;
	f = g_file_new_for_path(panel->view_copy);
	uri = g_file_get_uri(f);
	g_app_info_launch_default_for_uri_async(uri, NULL, NULL, launched, g_object_ref(panel));
}

/* --- construction ------------------------------------------------------------------ */

static void
fut_content_panel_init(FutContentPanel *panel)
{
	GtkWidget *heading = gtk_label_new(_("The file itself"));
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkDropTarget *drop;
	GtkWidget *w;

	gtk_orientable_set_orientation(GTK_ORIENTABLE(panel), GTK_ORIENTATION_VERTICAL);
	gtk_box_set_spacing(GTK_BOX(panel), 8);
	panel->preview_kind = "none";
	gtk_widget_add_css_class(heading, "heading");
	gtk_label_set_xalign(GTK_LABEL(heading), 0.0);
	gtk_box_append(GTK_BOX(panel), heading);

	w = gtk_label_new("");
	panel->verdict = GTK_LABEL(w);
	gtk_label_set_wrap(panel->verdict, TRUE);
	gtk_label_set_xalign(panel->verdict, 0.0);
	gtk_widget_add_css_class(w, "fut-content");
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
	                               _("Whether the file matches the request"), -1);
	gtk_box_append(GTK_BOX(panel), w);

	w = gtk_progress_bar_new();
	panel->progress = GTK_PROGRESS_BAR(w);
	gtk_widget_set_visible(w, FALSE);
	gtk_box_append(GTK_BOX(panel), w);

	w = gtk_label_new("");
	panel->path_label = GTK_LABEL(w);
	gtk_label_set_xalign(panel->path_label, 0.0);
	gtk_label_set_ellipsize(panel->path_label, PANGO_ELLIPSIZE_MIDDLE);
	gtk_label_set_selectable(panel->path_label, TRUE);
	gtk_widget_add_css_class(w, "dim-label");
	gtk_widget_set_visible(w, FALSE);
	gtk_box_append(GTK_BOX(panel), w);

	panel->choose_button = gtk_button_new_with_mnemonic(_("Choose _File to Check…"));
	g_signal_connect(panel->choose_button, "clicked", G_CALLBACK(choose_clicked), panel);
	panel->open_button = gtk_button_new_with_mnemonic(_("_Open in Viewer (Read-Only Copy)"));
	gtk_widget_set_tooltip_text(panel->open_button,
	                            _("Opens a private read-only copy of the checked file in "
	                              "your desktop's viewer"));
	gtk_widget_set_sensitive(panel->open_button, FALSE);
	g_signal_connect(panel->open_button, "clicked", G_CALLBACK(open_clicked), panel);
	gtk_box_append(GTK_BOX(buttons), panel->choose_button);
	gtk_box_append(GTK_BOX(buttons), panel->open_button);
	gtk_box_append(GTK_BOX(panel), buttons);

	panel->preview = GTK_STACK(gtk_stack_new());
	gtk_stack_add_named(panel->preview, gtk_box_new(GTK_ORIENTATION_VERTICAL, 0), "none");
	w = gtk_text_view_new();
	panel->text = GTK_TEXT_VIEW(w);
	gtk_text_view_set_editable(panel->text, FALSE);
	gtk_text_view_set_cursor_visible(panel->text, FALSE);
	gtk_text_view_set_monospace(panel->text, TRUE);
	gtk_text_view_set_wrap_mode(panel->text, GTK_WRAP_WORD_CHAR);
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_LABEL,
	                               _("Preview of the file"), -1);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), w);
	gtk_scrolled_window_set_min_content_height(GTK_SCROLLED_WINDOW(scroll), 140);
	gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scroll), 220);
	gtk_scrolled_window_set_propagate_natural_height(GTK_SCROLLED_WINDOW(scroll), TRUE);
	gtk_stack_add_named(panel->preview, scroll, "text");
	w = gtk_picture_new();
	panel->picture = GTK_PICTURE(w);
	gtk_picture_set_can_shrink(panel->picture, TRUE);
	gtk_widget_set_size_request(w, -1, 320);
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_LABEL,
	                               _("Preview of the file"), -1);
	gtk_stack_add_named(panel->preview, w, "image");
	gtk_stack_set_visible_child_name(panel->preview, "none");
	gtk_box_append(GTK_BOX(panel), GTK_WIDGET(panel->preview));

	drop = gtk_drop_target_new(G_TYPE_FILE, GDK_ACTION_COPY);
	g_signal_connect(drop, "drop", G_CALLBACK(on_drop), panel);
	gtk_widget_add_controller(GTK_WIDGET(panel), GTK_EVENT_CONTROLLER(drop));
}

static void
fut_content_panel_dispose(GObject *object)
{
	FutContentPanel *panel = FUT_CONTENT_PANEL(object);

	panel->disposed = TRUE;
	g_cancellable_cancel(panel->cancel);
	g_clear_object(&panel->cancel);
	g_clear_handle_id(&panel->progress_source, g_source_remove);
	if (panel->view_copy != NULL) {
		fut_approve_remove_view_copy(panel->view_copy);
		g_clear_pointer(&panel->view_copy, g_free);
	}
	G_OBJECT_CLASS(fut_content_panel_parent_class)->dispose(object);
}

static void
fut_content_panel_finalize(GObject *object)
{
	FutContentPanel *panel = FUT_CONTENT_PANEL(object);

	fut_request_free(panel->request);
	g_free(panel->request_path);
	g_free(panel->path);
	G_OBJECT_CLASS(fut_content_panel_parent_class)->finalize(object);
}

static void
fut_content_panel_class_init(FutContentPanelClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = fut_content_panel_dispose;
	G_OBJECT_CLASS(klass)->finalize = fut_content_panel_finalize;
	signals[SIGNAL_CHANGED] =
	    g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
	                 NULL, G_TYPE_NONE, 0);
}

GtkWidget *
fut_content_panel_new(void)
{
	return g_object_new(FUT_TYPE_CONTENT_PANEL, NULL);
}
