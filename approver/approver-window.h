/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The futari-approver main window: open a request, review every fact of it, approve or
 * reject it with the supervisor's key, and see the history of what was signed. It uses the
 * same review and decision rules as futari-approve (approve-review.h). */

#define FUT_TYPE_APPROVER_WINDOW (fut_approver_window_get_type())
G_DECLARE_FINAL_TYPE(
    FutApproverWindow, fut_approver_window, FUT, APPROVER_WINDOW, GtkApplicationWindow)

/* Returns a new window of @app (may be NULL in tests). */
FutApproverWindow *fut_approver_window_new(GtkApplication *app);
/* Reads, verifies and shows the request in @file; a file that fails the checks is shown
 * as a refusal page with the reason. */
void fut_approver_window_open(FutApproverWindow *win, GFile *file);
/* The name of the page shown: "welcome", "invalid", "review", "done" or "history". */
const gchar *fut_approver_window_get_page(FutApproverWindow *win);
/* Where the last decision was written (NULL before one is written). Owned by @win. */
const gchar *fut_approver_window_get_output(FutApproverWindow *win);

/* The application's style sheet (class badges, banners); safe to call more than once. */
void fut_approver_load_css(void);

G_END_DECLS
