/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the parts of test-approver: fixtures and GTK driving (test-approver-util.c),
 * the content and chooser tests (test-approver-content.c). */

#include <gtk/gtk.h>

#include "approver-window.h"
#include "token.h"

#define ALICE_PASS "TEST ONLY alice passphrase"

extern gchar *tmp;
extern gchar *req_bob, *req_alice, *req_tampered;
extern FutKey *root_key, *host_key;

gint64 now(void);
gchar *write_request(const gchar *requester, const gchar *name);
/* A Class II request by bob for @file_name holding @content (@len bytes), named
 * inbox/@name. */
gchar *
write_content_request(const gchar *name, const gchar *file_name, const void *content, gsize len);
void write_inbox_file(const gchar *name, const void *content, gsize len);
/* A Class I upload request by bob (classifier evidence: My Number). */
gchar *write_upload_request(void);
gchar *write_folder_request(void);
void setup_fixtures(void);
void spin(guint ms);
FutApproverWindow *new_window(void);
void open_path(FutApproverWindow *win, const gchar *path);
/* Visible widgets under @w, depth first. */
void collect(GtkWidget *w, GPtrArray *out);
GPtrArray *widgets_on_page(FutApproverWindow *win);
/* The control a keyboard user reaches with the caption @mnemonic (e.g. "_Passphrase"). */
GtkWidget *find_by_caption(FutApproverWindow *win, const gchar *mnemonic);
GtkWidget *find_button(FutApproverWindow *win, const gchar *mnemonic);
/* TRUE if some visible label on the page contains @needle. */
gboolean page_shows(FutApproverWindow *win, const gchar *needle);
/* Saves the window as X sees it (xwd, then ImageMagick to PNG): what a supervisor sees,
 * fonts and all. */
void screenshot(GtkWidget *win, const gchar *name);
void setup_viewer(void);

void test_content(void);
void test_evidence(void);
void test_chooser(void);
