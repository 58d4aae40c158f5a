/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "policy.h"
#include "token.h"

G_BEGIN_DECLS

/* The reviewing subcommands of futari-approve. Each takes the arguments after the command
 * name (argv[0] is the command) and returns the exit status. */
gint fut_approve_cmd_show(gint argc, gchar **argv);
gint fut_approve_cmd_sign(gint argc, gchar **argv);
gint fut_approve_cmd_reject(gint argc, gchar **argv);

/* The review and decision logic shared by futari-approve and the futari-approver window:
 * one set of rules, whichever front end a supervisor uses. None of these print. */

/* Returns @s escaped for display (fut_strescape), or "(none)" for NULL or "". Caller
 * frees. */
gchar *fut_approve_escape(const gchar *s);
/* Version-2 requests (several files): the bytes of all the files (version 1: its size); what
 * the request is for in one escaped line (the file name, or "3 files (FIRST, …)"); and the
 * files one per entry, escaped: "K. PATH (N bytes, Class C)" and an indented "SHA-256 HEX"
 * line ("" for version 1). Caller frees the strings. */
guint64 fut_approve_request_size(const FutRequest *q);
gchar *fut_approve_request_subject(const FutRequest *q);
gchar *fut_approve_files_text(const FutRequest *q);
/* Returns "in 2 d 3 h"-style text for @secs from now, or "EXPIRED". Caller frees. */
gchar *fut_approve_format_remaining(gint64 secs);
/* Returns one translated line describing the destination, strings escaped. Caller frees. */
gchar *fut_approve_destination_text(const FutDestination *d);
/* Returns the title of @role ("information manager" for info-manager, translated), or
 * @role itself for a role the policy does not name. Static or borrowed. */
const gchar *fut_approve_role_name(const gchar *role);
/* Returns the titles of @roles joined by @separator. Caller frees. */
gchar *fut_approve_roles_text(GStrv roles, const gchar *separator);
/* Returns what the class policy asks for @klass in one translated line. Caller frees. */
gchar *fut_approve_rule_text(const FutPolicy *policy, FutClass klass);
/* Checks @c against the organisation root key at @root_path (or the default one). TRUE
 * with @ret_status saying how it was checked ("signed by the organisation root key" or
 * "not checked (...)" when no root key is known); FALSE if the check failed. */
gboolean fut_approve_check_cert_root(const FutCertificate *c,
                                     const gchar *root_path,
                                     gchar **ret_status,
                                     GError **error);
/* TRUE if the holder of @c may give @decision on @q at @now: the certificate is valid,
 * the request has not expired and, to approve, the requester is not one of the holder's
 * logins, the class needs approval, the certificate lists the class and holds one of its
 * roles. Otherwise FALSE with a one-line reason (FUT_ERROR_REFUSED). */
gboolean fut_approve_may_decide(const FutRequest *q,
                                const FutCertificate *c,
                                const FutPolicy *policy,
                                FutDecision decision,
                                gint64 now,
                                GError **error);
/* Returns a new unsigned approval (or rejection) of @q by @c, valid from a little before
 * @now for @valid_for seconds (0 or less: the class maximum), capped at the class maximum
 * (@ret_capped, may be NULL, says whether it was) and at the request's expiry. Does not
 * call fut_approve_may_decide(). Caller frees. */
FutApproval *fut_approve_decision_new(const FutRequest *q,
                                      const FutCertificate *c,
                                      const FutPolicy *policy,
                                      FutDecision decision,
                                      gint64 valid_for,
                                      const gchar *comment,
                                      gint64 now,
                                      gboolean *ret_capped,
                                      GError **error);
/* Unlocks the secret key at @key_path with @passphrase just for this signature, signs @a
 * and returns its armoured text. The key is freed before returning. Caller frees. */
gchar *fut_approve_sign_with_key_file(FutApproval *a,
                                      const gchar *key_path,
                                      const gchar *passphrase,
                                      GError **error);
/* Returns the default output path: beside the request, named after it and the approver's
 * staff id ("x.futari-request" -> "x.S1001.futari-approval"). Caller frees. */
gchar *fut_approve_default_output(const gchar *request_path, const FutCertificate *c);

/* Returns where keygen tells people to keep the certificate: NAME.key ->
 * NAME.futari-certificate in the same directory. Caller frees. */
gchar *fut_approve_default_certificate(const gchar *key_path);

G_END_DECLS
