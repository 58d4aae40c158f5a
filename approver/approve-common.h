/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "policy.h"
#include "token.h"
#include "util.h"

G_BEGIN_DECLS

/* Helpers shared by the futari-approve subcommands. Unlike common/, these print: they are
 * part of the main program. */

#define FUT_EXIT_OK      0
#define FUT_EXIT_REFUSED 1 /* refused or invalid input, one line on stderr */
#define FUT_EXIT_USAGE   2

/* Where the organisation root public key and the agent config (with its [approval] class
 * policy group) live when not given on the command line. */
#define FUT_APPROVE_DEFAULT_ROOT        SYSCONFDIR "/futari/org.pub"
#define FUT_APPROVE_DEFAULT_CONFIG      SYSCONFDIR "/futari/agent.conf"
#define FUT_APPROVE_POLICY_GROUP        "approval"
/* The revocation list the agents use (agent.conf's revocation-list default) */
#define FUT_APPROVE_DEFAULT_REVOCATIONS SYSCONFDIR "/futari/revocations.futari-revocation"

/* Prints "futari-approve: <message>" to stderr and returns FUT_EXIT_REFUSED. Takes @error. */
gint fut_approve_fail(GError *error);
/* Prints a usage error and a hint to use --help; returns FUT_EXIT_USAGE. */
gint fut_approve_usage(const gchar *command, const gchar *message);
/* Refuses to run as root (approver keys never live on the root side) unless @allow_root. */
gboolean fut_approve_check_root(gboolean allow_root, GError **error);
/* Returns a passphrase: the first line of @file if not NULL, else read from the terminal
 * without echo (twice when @confirm). Caller frees with fut_secret_free. */
FutSecret *fut_approve_read_passphrase(const gchar *file,
                                       const gchar *prompt,
                                       gboolean confirm,
                                       GError **error);
/* Reads a small text file (refusing more than @max bytes). */
gchar *fut_approve_read_file(const gchar *path, gsize max, gsize *ret_len, GError **error);
/* Writes @text to a new file @path (never overwriting), or to stdout when @path is NULL
 * or "-". */
gboolean fut_approve_write_output(const gchar *path, const gchar *text, GError **error);
/* Reads and parses a request and checks its host signature. */
FutRequest *fut_approve_load_request(const gchar *path, GError **error);
FutCertificate *fut_approve_load_certificate(const gchar *path, GError **error);
/* Returns the root key from @path, or from the default path if @path is NULL and that file
 * exists; NULL without error when neither. */
FutKey *fut_approve_load_root(const gchar *path, GError **error);
/* Returns the class policy from the [approval] group of @path (or the default config if it
 * exists, or the built-in defaults). */
FutPolicy *fut_approve_load_policy(const gchar *path, GError **error);
/* Refuses @cert when the revocation list at @path (or the default list, when @path is NULL
 * and that file exists) names its serial: an approval signed with it would be refused by
 * every agent. The list is checked against the root key of @root_path (or the default)
 * when there is one. TRUE when not revoked, or when no list is given and none is
 * installed. */
gboolean fut_approve_check_not_revoked(const FutCertificate *cert,
                                       const gchar *path,
                                       const gchar *root_path,
                                       GError **error);
/* The current UTC time in seconds. */
gint64 fut_approve_now(void);
/* Returns "2026-11-26 09:00 UTC"-style text for @t. Caller frees. */
gchar *fut_approve_format_time(gint64 t);

G_END_DECLS
