/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "approve-content.h"
#include "token.h"

G_BEGIN_DECLS

/* The "file itself" part of the review page: finds the file beside the request (or takes
 * one the supervisor chooses or drops), hashes it off the main thread with a progress bar,
 * and says prominently whether it matches the request. A matching file gets a quick
 * preview (text and CSV, images, a PDF's first page) from a private read-only copy, and "Open"
 * hands that copy to the desktop's default viewer. Emits "changed" when the verdict changes. */

#define FUT_TYPE_CONTENT_PANEL (fut_content_panel_get_type())
G_DECLARE_FINAL_TYPE(FutContentPanel, fut_content_panel, FUT, CONTENT_PANEL, GtkBox)

GtkWidget *fut_content_panel_new(void);
/* Shows @q (copied) and looks for its file beside @request_path; NULL clears. */
void fut_content_panel_set_request(FutContentPanel *panel,
                                   const FutRequest *q,
                                   const gchar *request_path);
/* Checks @path against the request (hashing in the background). */
void fut_content_panel_check_file(FutContentPanel *panel, const gchar *path);
/* The verdict so far: MATCHES only once the whole file hashed to the request's digest. */
FutContentState fut_content_panel_get_state(FutContentPanel *panel);
/* TRUE while a file is being hashed. */
gboolean fut_content_panel_is_busy(FutContentPanel *panel);
/* What the preview shows: "none", "text", "image" or "pdf" (its first page). */
const gchar *fut_content_panel_get_preview_kind(FutContentPanel *panel);

G_END_DECLS
