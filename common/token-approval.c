/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"
#include "fields.h"
#include "token-fields.h"
#include "util.h"

/* The approval (docs/formats.md §6.4): one approver's decision on one request, the approver's
 * certificate embedded, signed by the approver key. */

static const gchar *const approval_keys[] = {"version",         "request",   "decision",
                                             "not-before",      "not-after", "comment",
                                             "content-checked", "signature", NULL};

const gchar *
fut_content_check_to_string(FutContentCheck check)
{
	switch (check) {
	case FUT_CONTENT_CHECK_YES:
		return "yes";
	case FUT_CONTENT_CHECK_NO:
		return "no";
	case FUT_CONTENT_CHECK_UNRECORDED:
	default:
		return NULL;
	}
}

FutApproval *
fut_approval_new(void)
{
	return g_new0(FutApproval, 1);
}

void
fut_approval_free(FutApproval *a)
{
	if (a == NULL)
		return;
	g_free(a->comment);
	fut_certificate_free(a->cert);
	g_free(a);
}

static gboolean
approval_body(const FutApproval *a, GString *body, GError **error)
{
	g_autoptr(GString) cert = NULL;
	g_auto(GStrv) lines = NULL;
	GError *local = NULL;

	if (fut_decision_to_string(a->decision) == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'decision': must be approve or reject"));
		return FALSE;
	}
	if (!fut_tok_check_time_order(a->not_before, a->not_after, &local))
		return fut_tok_field_error(error, local, "not-after");
	if (!fut_tok_check_text(a->comment, FUT_TEXT_MAX, TRUE, &local))
		return fut_tok_field_error(error, local, "comment");
	if (a->content_checked != FUT_CONTENT_CHECK_UNRECORDED &&
	    fut_content_check_to_string(a->content_checked) == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'content-checked': must be yes or no"));
		return FALSE;
	}
	if (a->cert == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the approval has no certificate"));
		return FALSE;
	}
	cert = fut_tok_certificate_full_body(a->cert, error);
	if (cert == NULL) {
		g_prefix_error(error, _("embedded certificate: "));
		return FALSE;
	}
	fut_fields_append(body, "version", FUT_TOK_FORMAT_VERSION);
	fut_tok_put_hex(body, "request", a->request_id, FUT_REQUEST_ID_LEN);
	fut_fields_append(body, "decision", fut_decision_to_string(a->decision));
	fut_tok_put_time(body, "not-before", a->not_before);
	fut_tok_put_time(body, "not-after", a->not_after);
	fut_tok_put_text(body, "comment", a->comment);
	/* Optional, so approvals signed before it existed still read the same; when present
	 * the signature covers it, so neither its value nor its absence can be changed. */
	if (a->content_checked != FUT_CONTENT_CHECK_UNRECORDED)
		fut_fields_append(body, "content-checked",
		                  fut_content_check_to_string(a->content_checked));
	/* The certificate travels inside the approval, each of its lines prefixed, so the
	 * root's signature over it stays checkable and a reader sees who signed. */
	lines = g_strsplit(cert->str, "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		g_string_append(body, FUT_TOK_CERT_PREFIX);
		g_string_append(body, lines[i]);
		g_string_append_c(body, '\n');
	}
	return TRUE;
}

gboolean
fut_approval_sign(FutApproval *a, const FutKey *approver_key, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);
	guint8 pub[FUT_ED25519_PUBLIC_LEN];

	if (a->cert == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the approval has no certificate"));
		return FALSE;
	}
	fut_key_get_public(approver_key, pub);
	if (memcmp(pub, a->cert->public_key, sizeof(pub)) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the key does not belong to the certificate (wrong key or wrong "
		              "certificate file)"));
		return FALSE;
	}
	if (!approval_body(a, body, error))
		return FALSE;
	return fut_tok_sign_body(FUT_DOMAIN_APPROVAL, body, approver_key, &a->signature, error);
}

static GString *
approval_full_body(const FutApproval *a, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!a->signature.present) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the approval is not signed"));
		return NULL;
	}
	if (!approval_body(a, body, error))
		return NULL;
	fut_tok_put_signature(body, &a->signature);
	return g_steal_pointer(&body);
}

gchar *
fut_approval_to_text(const FutApproval *a, GError **error)
{
	g_autoptr(GString) body = approval_full_body(a, error);

	if (body == NULL)
		return NULL;
	return fut_armor_encode_text(FUT_LABEL_APPROVAL, body->str);
}

FutApproval *
fut_approval_parse(const gchar *text, gsize len, GError **error)
{
	g_autofree gchar *body =
	    fut_tok_decode_envelope(text, len, FUT_LABEL_APPROVAL, FUT_APPROVAL_TEXT_MAX, error);
	g_autoptr(FutFieldReader) r = NULL;
	g_autoptr(FutApproval) a = fut_approval_new();
	g_autoptr(GString) again = NULL;
	g_autofree gchar *cert_body_text = NULL;
	const gchar *raw;
	guint cert_line;

	if (body == NULL)
		return NULL;
	r = fut_field_reader_new(body, approval_keys, error);
	if (r == NULL || !fut_tok_read_version(r, error) ||
	    !fut_tok_read_hex(r, "request", a->request_id, FUT_REQUEST_ID_LEN, error))
		return NULL;
	raw = fut_field_reader_take(r, "decision", error);
	if (raw == NULL)
		return NULL;
	a->decision = fut_decision_from_string(raw);
	if (a->decision == FUT_DECISION_INVALID) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
		                       _("must be approve or reject"));
		return NULL;
	}
	if (!fut_tok_read_time(r, "not-before", &a->not_before, error) ||
	    !fut_tok_read_time(r, "not-after", &a->not_after, error) ||
	    !fut_tok_read_text(r, "comment", FUT_TEXT_MAX, TRUE, &a->comment, error))
		return NULL;
	if (fut_field_reader_next_is(r, "content-checked")) {
		raw = fut_field_reader_take(r, "content-checked", error);
		if (raw == NULL)
			return NULL;
		if (g_str_equal(raw, "yes")) {
			a->content_checked = FUT_CONTENT_CHECK_YES;
		} else if (g_str_equal(raw, "no")) {
			a->content_checked = FUT_CONTENT_CHECK_NO;
		} else {
			fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
			                       _("must be yes or no"));
			return NULL;
		}
		/* The certificate lines come next and are read by prefix: a repeated line
		 * would otherwise be reported as a missing certificate. */
		if (fut_field_reader_next_is(r, "content-checked")) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("line %u: duplicate field 'content-checked'"),
			            fut_field_reader_line(r));
			return NULL;
		}
	}
	cert_line = fut_field_reader_line(r);
	cert_body_text = fut_field_reader_take_prefixed(r, FUT_TOK_CERT_PREFIX);
	if (cert_body_text[0] == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("line %u: missing the embedded certificate (cert.* lines)"),
		            cert_line);
		return NULL;
	}
	a->cert = fut_tok_certificate_parse_body(cert_body_text, error);
	if (a->cert == NULL) {
		g_prefix_error(error, _("embedded certificate starting at line %u: "), cert_line);
		return NULL;
	}
	if (!fut_tok_read_signature(r, &a->signature, NULL, error))
		return NULL;
	again = approval_full_body(a, error);
	if (again == NULL || !fut_tok_check_canonical(body, again, error))
		return NULL;
	return g_steal_pointer(&a);
}

gboolean
fut_approval_verify(const FutApproval *a, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(FutKey) key = NULL;

	if (!approval_body(a, body, error))
		return FALSE;
	key = fut_certificate_get_key(a->cert, error);
	if (key == NULL)
		return FALSE;
	return fut_tok_verify_body(FUT_DOMAIN_APPROVAL, body, key, &a->signature, _("the approval"),
	                           error);
}
