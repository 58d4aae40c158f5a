/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The reviewing subcommands of futari-approve. Each takes the arguments after the command
 * name (argv[0] is the command) and returns the exit status. */
gint fut_approve_cmd_show(gint argc, gchar **argv);
gint fut_approve_cmd_sign(gint argc, gchar **argv);
gint fut_approve_cmd_reject(gint argc, gchar **argv);

G_END_DECLS
