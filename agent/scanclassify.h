/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "classify.h"
#include "scanpool.h"

G_BEGIN_DECLS

/* The classifier's content scan, out of process (issue 17). The classifier (classify.h)
 * still decides in the agent: it reads the root-only label, hashes the file for the label
 * memory and the requests, and matches the path rules, none of which parses the file. Its
 * content scan (fut_content_scan_fd(), content.h) is what parses, and futarid puts it
 * behind the worker pool (scanpool.h) with fut_scan_attach() on every classifier it builds,
 * so broker jobs, `futari classify` and upload control all use the same workers. */

/* Installs @pool (taken; freed by fut_scan_uninstall()). */
void fut_scan_install(FutScanPool *pool);
/* Waits for the scans running now (each ends by its deadline) and stops every worker;
 * later content scans come out Class II. */
void fut_scan_uninstall(void);

/* Makes @classifier scan content through the installed pool. Call before the classifier is
 * shared between threads. */
void fut_scan_attach(FutClassifier *classifier);

/* A reload: the installed pool's workers take the [classify] group of @kf. */
void fut_scan_reconfigure(GKeyFile *kf);

G_END_DECLS
