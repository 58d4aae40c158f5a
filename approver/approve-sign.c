/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "approve-common.h"
#include "approve-content.h"
#include "approve-review.h"
#include "approve-review-private.h"
#include "errors.h"
#include "fields.h"

/* futari-approve sign and reject, and the one place of the review library that unlocks a
 * supervisor's secret key (fut_approve_sign_with_key_file(), also used by the window). */

gchar *
fut_approve_sign_with_key_file(FutApproval *a,
                               const gchar *key_path,
                               const gchar *passphrase,
                               GError **error)
{
	/* The key lives only inside this function: it is freed (and wiped by the crypto
	 * core) before the text is returned. */
	g_autoptr(FutKey) key = fut_key_load_secret(key_path, passphrase, error);

	if (key == NULL || !fut_approval_sign(a, key, error))
		return NULL;
	g_clear_pointer(&key, fut_key_free);
	return fut_approval_to_text(a, error);
}

static gint
decide(gint argc, gchar **argv, FutDecision decision)
{
	const gchar *cmd = decision == FUT_DECISION_APPROVE ? "sign" : "reject";
	g_autofree gchar *key_path = NULL;
	g_autofree gchar *cert_path = NULL;
	g_autofree gchar *valid_for = NULL;
	g_autofree gchar *comment = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *root_path = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *pass_file = NULL;
	g_autofree gchar *revocations = NULL;
	g_autofree gchar *content_file = NULL;
	g_autofree gchar *content_path = NULL;
	FutContentState content = FUT_CONTENT_NOT_SEEN;
	gboolean allow_root = FALSE;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(FutRequest) q = NULL;
	g_autoptr(FutCertificate) c = NULL;
	g_autoptr(FutPolicy) policy = NULL;
	g_autoptr(FutSecret) pass = NULL;
	g_autoptr(FutApproval) a = NULL;
	gboolean capped = FALSE;
	g_autofree gchar *status = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *id = NULL;
	GError *error = NULL;
	gint64 now = fut_approve_now();
	gint64 dur = 0;
	GOptionEntry entries[] = {
	    {"key", 0, 0, G_OPTION_ARG_FILENAME, &key_path, N_("Your secret key (from keygen)"),
	     N_("FILE")},
	    {"cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_path,
	     N_("Your certificate from the security manager (default: KEY with .key replaced by "
	        ".futari-certificate)"),
	     N_("FILE")},
	    {"valid-for", 0, 0, G_OPTION_ARG_STRING, &valid_for,
	     N_("How long the decision is valid (default and maximum: the class maximum)"),
	     N_("DURATION")},
	    {"comment", 0, 0, G_OPTION_ARG_STRING, &comment, N_("A comment for the requester"),
	     N_("TEXT")},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out,
	     N_("Where to write it (default: beside the request)"), N_("FILE")},
	    {"file", 0, 0, G_OPTION_ARG_FILENAME, &content_file,
	     N_("The file you looked at: it must match the request, and the decision records "
	        "content-checked: yes (without it: no)"),
	     N_("FILE")},
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &root_path, fut_approve_help_root(), N_("FILE")},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &config, fut_approve_help_config(), N_("FILE")},
	    {"revocations", 0, 0, G_OPTION_ARG_FILENAME, &revocations,
	     fut_approve_help_revocations(), N_("FILE")},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &pass_file,
	     N_("Read the passphrase from the first line of FILE (for scripts)"), N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, &allow_root, N_("Allow running as root"), NULL},
	    {NULL}};

	ctx = g_option_context_new(_("REQUEST"));
	g_option_context_set_summary(
	    ctx, decision == FUT_DECISION_APPROVE
	             ? _("Approve an export request with your key. Review it first with "
	                 "\"futari-approve show REQUEST\". You cannot approve your own requests.")
	             : _("Reject an export request with your key; the requester and the log see "
	                 "your comment."));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return fut_approve_usage(cmd, error->message);
	if (argc != 2)
		return fut_approve_usage(cmd, _("give exactly one request file"));
	if (key_path == NULL)
		return fut_approve_usage(cmd, _("--key is needed"));
	if (cert_path == NULL) {
		/* keygen tells people to keep the certificate beside the key */
		cert_path = fut_approve_default_certificate(key_path);
		if (!g_file_test(cert_path, G_FILE_TEST_EXISTS)) {
			g_autofree gchar *safe = fut_strescape(cert_path, -1);
			g_autofree gchar *msg = g_strdup_printf(
			    _("--cert is needed (there is no %s beside the key)"), safe);
			return fut_approve_usage(cmd, msg);
		}
	}
	if (valid_for != NULL && !fut_duration_parse(valid_for, &dur, &error)) {
		g_prefix_error(&error, "--valid-for: ");
		return fut_approve_usage(cmd, error->message);
	}
	if (comment != NULL && strlen(comment) > FUT_TEXT_MAX)
		return fut_approve_usage(cmd, _("--comment is too long"));
	if (!fut_approve_check_root(allow_root, &error))
		return fut_approve_fail(error);

	q = fut_approve_load_request(argv[1], &error);
	if (q == NULL)
		return fut_approve_fail(error);
	c = fut_approve_load_certificate(cert_path, &error);
	if (c == NULL || !fut_approve_check_cert_root(c, root_path, &status, &error) ||
	    !fut_approve_check_not_revoked(c, revocations, root_path, &error))
		return fut_approve_fail(error);
	policy = fut_approve_load_policy(config, &error);
	if (policy == NULL)
		return fut_approve_fail(error);
	if (!fut_approve_may_decide(q, c, policy, decision, now, &error))
		return fut_approve_fail(error);
	if (content_file != NULL) {
		if (!fut_approve_review_content(argv[1], q, content_file, &content, &content_path,
		                                &error))
			return fut_approve_fail(error);
		/* Approving a file that is not the requested one is refused; rejecting is
		 * always possible, and then records that the content was not confirmed. */
		if (content == FUT_CONTENT_DIFFERS && decision == FUT_DECISION_APPROVE) {
			g_autofree gchar *verdict = fut_approve_content_text(content, content_path);
			g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED, "%s", verdict);
			return fut_approve_fail(error);
		}
	}
	a = fut_approve_decision_new(q, c, policy, decision, valid_for != NULL ? dur : 0, comment,
	                             now, &capped, &error);
	if (a == NULL)
		return fut_approve_fail(error);
	a->content_checked =
	    content == FUT_CONTENT_MATCHES ? FUT_CONTENT_CHECK_YES : FUT_CONTENT_CHECK_NO;
	if (capped) {
		g_autofree gchar *m =
		    fut_duration_format(fut_policy_get_rule(policy, q->klass)->max_validity);
		g_printerr(_("Note: validity capped at %s, the maximum for Class %s.\n"), m,
		           fut_class_to_string(q->klass));
	}

	pass = fut_approve_read_passphrase(pass_file, _("Passphrase of your key: "), FALSE, &error);
	if (pass == NULL)
		return fut_approve_fail(error);
	text = fut_approve_sign_with_key_file(a, key_path, pass, &error);
	if (text == NULL)
		return fut_approve_fail(error);
	if (out == NULL)
		out = fut_approve_default_output(argv[1], c);
	if (!fut_approve_write_output(out, text, &error))
		return fut_approve_fail(error);
	id = fut_request_dup_id_string(q);
	{
		g_autofree gchar *file = fut_approve_request_subject(q);
		g_autofree gchar *requester = fut_strescape(q->requester, -1);
		g_autofree gchar *until = fut_approve_format_time(a->not_after);
		g_autofree gchar *safe_out = fut_strescape(out, -1);
		id[16] = '\0';
		if (decision == FUT_DECISION_APPROVE)
			g_printerr(_("Approved request %s (%s, %s, Class %s) until %s.\n"), id,
			           requester, file, fut_class_to_string(q->klass), until);
		else
			g_printerr(_("Rejected request %s (%s, %s, Class %s).\n"), id, requester,
			           file, fut_class_to_string(q->klass));
		if (content == FUT_CONTENT_MATCHES) {
			g_autofree gchar *safe_file = fut_strescape(content_path, -1);
			g_printerr(_("Content checked: %s matches the request (recorded as "
			             "content-checked: yes).\n"),
			           safe_file);
		} else {
			g_printerr(_("Content not checked (recorded as content-checked: no); give "
			             "--file FILE to check the file against the request.\n"));
		}
		if (!g_str_equal(out, "-"))
			g_printerr(_("Wrote %s; give it to the requester.\n"), safe_out);
		if (status != NULL && g_str_has_prefix(status, _("not checked")))
			g_printerr(_("Note: your certificate was %s.\n"), status);
	}
	return FUT_EXIT_OK;
}

gint
fut_approve_cmd_sign(gint argc, gchar **argv)
{
	return decide(argc, argv, FUT_DECISION_APPROVE);
}

gint
fut_approve_cmd_reject(gint argc, gchar **argv)
{
	return decide(argc, argv, FUT_DECISION_REJECT);
}
