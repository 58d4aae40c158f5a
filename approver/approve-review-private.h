/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Shared by the futari-approve subcommands (approve-show.c, approve-sign.c): the help texts
 * of their common options, formatted once at run time with configure's default paths.
 * Each returns a static string. */
const gchar *fut_approve_help_root(void);
const gchar *fut_approve_help_revocations(void);
const gchar *fut_approve_help_config(void);

G_END_DECLS
