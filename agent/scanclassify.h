/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "classify.h"
#include "labelstore.h"
#include "scanpool.h"

G_BEGIN_DECLS

/* The agent's classification with the content parsed out of process (issue 17). The class
 * of a file is still the strictest of its label, the label memory, the path rules and its
 * content (common/classify.h); here the agent, as root, reads the label xattr, hashes the
 * file for the label memory and matches the path rules (none of which parses the file),
 * while a futari-scan-worker (scanpool.h) parses the content. The hash runs once the
 * worker has answered (never for a file the worker could not read).
 *
 * futarid installs the pool once (fut_scan_install) and registers each FutClassifier it
 * builds with the configuration it was built from (fut_scan_register); broker jobs and the
 * upload listener then call fut_scan_classify_fd() with the classifier they hold. Without
 * an installed pool (unit tests that link the broker) the classifier runs in process. */

/* Installs @pool (taken; freed by fut_scan_uninstall) and the label memory @store
 * (borrowed). */
void fut_scan_install(FutScanPool *pool, FutLabelStore *store);
/* Stops every worker; later classifications run nowhere and come out Class II. */
void fut_scan_uninstall(void);

/* A reload: the installed pool's workers take the [classify] group of @kf. */
void fut_scan_reconfigure(GKeyFile *kf);

/* Remembers what the agent itself checks for @classifier: the path rules of @kf. Fails
 * with the reason if they do not parse (fut_classifier_new already accepted them). */
gboolean fut_scan_register(FutClassifier *classifier, GKeyFile *kf, GError **error);

/* fut_classifier_classify_fd() with the content parsed by a worker. Never fails. */
FutClassification *
fut_scan_classify_fd(FutClassifier *classifier, int fd, const gchar *path, FutClassifyFlags flags);

/* The plain-callback shape (fanwatch): @user_data is the FutClassifier. */
gboolean fut_scan_classify_fd_cb(
    int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error);

G_END_DECLS
