/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"
#include "fields.h"
#include "token-fields.h"
#include "util.h"

/* The revocation list (docs/formats.md §6.2): revoked certificate serials, signed by the root. */

static const gchar *const crl_keys[] = {"version", "sequence",  "issued",
                                        "revoked", "signature", NULL};

FutRevocationList *
fut_revocation_list_new(void)
{
	FutRevocationList *l = g_new0(FutRevocationList, 1);

	l->serials = g_array_new(FALSE, TRUE, FUT_SERIAL_LEN);
	return l;
}

void
fut_revocation_list_free(FutRevocationList *l)
{
	if (l == NULL)
		return;
	g_array_unref(l->serials);
	g_free(l);
}

gboolean
fut_serial_parse(const gchar *s, guint8 ret_serial[FUT_SERIAL_LEN], GError **error)
{
	if (!fut_hex_decode(s, ret_serial, FUT_SERIAL_LEN, error)) {
		g_prefix_error(error, _("not a certificate serial (16 lower-case hex digits): "));
		return FALSE;
	}
	return TRUE;
}

static const guint8 *
serial_at(const FutRevocationList *l, guint i)
{
	return (const guint8 *)l->serials->data + (gsize)i * FUT_SERIAL_LEN;
}

gboolean
fut_revocation_list_add(FutRevocationList *l, const guint8 serial[FUT_SERIAL_LEN])
{
	guint i = 0;

	while (i < l->serials->len) {
		gint c = memcmp(serial_at(l, i), serial, FUT_SERIAL_LEN);
		if (c == 0)
			return FALSE;
		if (c > 0)
			break;
		i++;
	}
	g_array_insert_vals(l->serials, i, serial, 1);
	return TRUE;
}

gboolean
fut_revocation_list_contains(const FutRevocationList *l, const guint8 serial[FUT_SERIAL_LEN])
{
	for (guint i = 0; i < l->serials->len; i++) {
		if (memcmp(serial_at(l, i), serial, FUT_SERIAL_LEN) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
crl_body(const FutRevocationList *l, GString *body, GError **error)
{
	GError *local = NULL;

	if (l->sequence > FUT_TOK_SEQUENCE_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, _("sequence number too large"));
		return FALSE;
	}
	if (!fut_tok_check_time(l->issued, &local))
		return fut_tok_field_error(error, local, "issued");
	if (l->serials->len > FUT_REVOCATION_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("the list holds %u serials, more than the limit of %d"),
		            l->serials->len, FUT_REVOCATION_MAX);
		return FALSE;
	}
	fut_fields_append(body, "version", FUT_TOK_FORMAT_VERSION);
	fut_tok_put_uint(body, "sequence", l->sequence);
	fut_tok_put_time(body, "issued", l->issued);
	for (guint i = 0; i < l->serials->len; i++) {
		if (i > 0 && memcmp(serial_at(l, i - 1), serial_at(l, i), FUT_SERIAL_LEN) >= 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("revoked serials must be sorted and unique"));
			return FALSE;
		}
		fut_tok_put_hex(body, "revoked", serial_at(l, i), FUT_SERIAL_LEN);
	}
	return TRUE;
}

gboolean
fut_revocation_list_sign(FutRevocationList *l, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!crl_body(l, body, error))
		return FALSE;
	return fut_tok_sign_body(FUT_DOMAIN_REVOCATION, body, root, &l->signature, error);
}

static GString *
crl_full_body(const FutRevocationList *l, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!l->signature.present) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the revocation list is not signed"));
		return NULL;
	}
	if (!crl_body(l, body, error))
		return NULL;
	fut_tok_put_signature(body, &l->signature);
	return g_steal_pointer(&body);
}

gchar *
fut_revocation_list_to_text(const FutRevocationList *l, GError **error)
{
	g_autoptr(GString) body = crl_full_body(l, error);

	if (body == NULL)
		return NULL;
	return fut_armor_encode_text(FUT_LABEL_REVOCATION, body->str);
}

FutRevocationList *
fut_revocation_list_parse(const gchar *text, gsize len, GError **error)
{
	g_autofree gchar *body = fut_tok_decode_envelope(text, len, FUT_LABEL_REVOCATION,
	                                                 FUT_REVOCATION_TEXT_MAX, error);
	g_autoptr(FutFieldReader) r = NULL;
	g_autoptr(FutRevocationList) l = fut_revocation_list_new();
	g_autoptr(GString) again = NULL;

	if (body == NULL)
		return NULL;
	r = fut_field_reader_new(body, crl_keys, error);
	if (r == NULL || !fut_tok_read_version(r, error) ||
	    !fut_tok_read_uint(r, "sequence", FUT_TOK_SEQUENCE_MAX, &l->sequence, error) ||
	    !fut_tok_read_time(r, "issued", &l->issued, error))
		return NULL;
	while (fut_field_reader_next_is(r, "revoked")) {
		guint8 serial[FUT_SERIAL_LEN];
		if (!fut_tok_read_hex(r, "revoked", serial, FUT_SERIAL_LEN, error))
			return NULL;
		if (l->serials->len >= FUT_REVOCATION_MAX) {
			fut_field_reader_error(r, error, FUT_ERROR_TOO_LARGE,
			                       _("more than %d revoked serials"),
			                       FUT_REVOCATION_MAX);
			return NULL;
		}
		if (l->serials->len > 0 &&
		    memcmp(serial_at(l, l->serials->len - 1), serial, FUT_SERIAL_LEN) >= 0) {
			fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
			                       _("revoked serials must be sorted and unique"));
			return NULL;
		}
		g_array_append_vals(l->serials, serial, 1);
	}
	if (!fut_tok_read_signature(r, &l->signature, NULL, error))
		return NULL;
	again = crl_full_body(l, error);
	if (again == NULL || !fut_tok_check_canonical(body, again, error))
		return NULL;
	return g_steal_pointer(&l);
}

gboolean
fut_revocation_list_verify(const FutRevocationList *l, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!crl_body(l, body, error))
		return FALSE;
	return fut_tok_verify_body(FUT_DOMAIN_REVOCATION, body, root, &l->signature,
	                           _("the revocation list"), error);
}
