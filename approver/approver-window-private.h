/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Inside FutApproverWindow: the fields and the functions its parts share. Only the
 * approver-window*.c, approver-review-page.c, approver-decide.c, approver-history-page.c and
 * approver-settings-dialog.c files include this; everyone else uses approver-window.h. */

#include <gtk/gtk.h>

#include "approve-review.h"
#include "approver-content.h"
#include "approver-settings.h"
#include "approver-window.h"
#include "policy.h"
#include "token.h"

G_BEGIN_DECLS

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

/* approver-window.c: shows page @name (one of PAGE_*), leaving the history toggle off
 * unless it is the history page. */
void fut_approver_window_show_page(FutApproverWindow *win, const gchar *name);

/* approver-decide.c: the certificate, key and policy of the supervisor; the signing. */
/* (Re)loads the settings, the policy and the certificate; sets cert_problem when the
 * certificate cannot be used. */
void fut_approver_window_load_identity(FutApproverWindow *win);
/* Checks the rules again, unlocks the key with the passphrase entered, signs @decision,
 * saves it and shows the done page; any refusal goes to the status line. */
void fut_approver_window_decide(FutApproverWindow *win, FutDecision decision);

/* approver-review-page.c: the review page. */
/* Returns the review page, its widgets stored in @win. */
GtkWidget *fut_approver_window_build_review(FutApproverWindow *win);
/* Shows win->request on the review page and switches to it. */
void fut_approver_window_show_request(FutApproverWindow *win);
/* Shows who signs and whether they may; Approve is offered only when the rules allow it. */
void fut_approver_window_refresh_decision(FutApproverWindow *win);
/* Shows @text (NULL: nothing) in the status line, as an error when @is_error. */
void fut_approver_window_set_status(FutApproverWindow *win, const gchar *text, gboolean is_error);

/* approver-history-page.c: the history page. */
/* Returns the history page, its widgets stored in @win. */
GtkWidget *fut_approver_window_build_history(FutApproverWindow *win);
/* The history toggle button's "toggled" handler (@data is the window). */
void fut_approver_window_history_toggled(GtkToggleButton *button, gpointer data);

/* approver-settings-dialog.c: the Settings dialog. */
/* Shows the Settings dialog over @win. */
void fut_approver_window_show_settings(FutApproverWindow *win);

G_END_DECLS
