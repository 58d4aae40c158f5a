/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "infoclass.h"

G_BEGIN_DECLS

/* Returns the request's class evidence (written by the agent in English: "label: labelled
 * Class II; mynumber: 3 My Number(s) …") in the reader's language, escaped for display.
 * Each "; "-separated finding the classifier is known to write is translated with the
 * classifier's own message; anything else is shown as it is. @klass is the request's class
 * (an old-style "label trusted.futari.class" names none). Caller frees. */
gchar *fut_approve_evidence_text(const gchar *evidence, FutClass klass);

G_END_DECLS
