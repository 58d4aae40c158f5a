/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "infoclass.h"

G_BEGIN_DECLS

/* The words futari-approver shows for times, sizes, classes and errors. Each returns a
 * new string the caller frees, except fut_approver_class_name(). */

/* "2026-12-03 09:15 JST", or "?" for a time that cannot be shown. */
gchar *fut_approver_format_local_time(gint64 t);
/* "22 bytes" or "1.2 MB (1234567 bytes)": the exact count is what the digest covers. */
gchar *fut_approver_size_text(guint64 size);
/* The translated name of class @k (static). */
const gchar *fut_approver_class_name(FutClass k);
/* Returns a one-line error message as a sentence: capital first letter, full stop. */
gchar *fut_approver_sentence(const gchar *msg);

G_END_DECLS
