/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"
#include "fields.h"
#include "token-fields.h"
#include "util.h"

/* --- value checks, shared by the writers and the readers ------------------------------- */

gboolean
fut_tok_check_text(const gchar *v, gsize max, gboolean allow_empty, GError **error)
{
	gsize n = strlen(fut_tok_nz(v));

	if (n > max) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("value has %zu bytes, more than the limit of %zu"), n, max);
		return FALSE;
	}
	if (n == 0 && !allow_empty) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("value must not be empty"));
		return FALSE;
	}
	return TRUE;
}

static gboolean
token_char(gchar c, gboolean role)
{
	if (role)
		return g_ascii_islower(c) || g_ascii_isdigit(c) || c == '-';
	return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '@' || c == '$' || c == '+' ||
	       c == '-';
}

gboolean
fut_tok_check_token(const gchar *v, gboolean role, GError **error)
{
	gsize max = role ? FUT_TOK_ROLE_MAX : FUT_TOKEN_MAX;

	if (!fut_tok_check_text(v, max, FALSE, error))
		return FALSE;
	for (const gchar *p = v; *p != '\0'; p++) {
		if (!token_char(*p, role)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            role
			                ? _("a role may hold only a-z, 0-9 and '-'")
			                : _("a login or id may hold only A-Z, a-z, 0-9 and . _ @ $ "
			                    "+ -"));
			return FALSE;
		}
	}
	return TRUE;
}

/* Checks a space-separated list of tokens (one string per element). */
gboolean
fut_tok_check_list(GPtrArray *list, guint max_count, gboolean role, GError **error)
{
	if (list == NULL || list->len == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("list must not be empty"));
		return FALSE;
	}
	if (list->len > max_count) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("list has %u entries, more than the limit of %u"), list->len,
		            max_count);
		return FALSE;
	}
	for (guint i = 0; i < list->len; i++) {
		if (!fut_tok_check_token(list->pdata[i], role, error))
			return FALSE;
		for (guint k = 0; k < i; k++) {
			if (g_str_equal(list->pdata[i], list->pdata[k])) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("list holds an entry twice"));
				return FALSE;
			}
		}
	}
	return TRUE;
}

gboolean
fut_tok_check_time(gint64 t, GError **error)
{
	g_autofree gchar *s = fut_time_format(t);
	gint64 back = 0;

	/* Round-trip through the text form so out-of-range times are refused here. */
	if (!fut_time_parse(s, &back, NULL) || back != t) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("time is outside the years 2000 to 9999"));
		return FALSE;
	}
	return TRUE;
}

gboolean
fut_tok_check_time_order(gint64 first, gint64 second, GError **error)
{
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;

	if (!fut_tok_check_time(first, error) || !fut_tok_check_time(second, error))
		return FALSE;
	a = fut_time_format(first);
	b = fut_time_format(second);
	if (second <= first) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("end time %s is not after start time %s"), b, a);
		return FALSE;
	}
	return TRUE;
}

/* --- writers ------------------------------------------------------------------------ */

void
fut_tok_put_text(GString *body, const gchar *key, const gchar *v)
{
	g_autofree gchar *raw = fut_field_escape(fut_tok_nz(v));

	fut_fields_append(body, key, raw);
}

void
fut_tok_put_time(GString *body, const gchar *key, gint64 t)
{
	g_autofree gchar *raw = fut_time_format(t);

	fut_fields_append(body, key, raw);
}

void
fut_tok_put_uint(GString *body, const gchar *key, guint64 v)
{
	g_autofree gchar *raw = g_strdup_printf("%" G_GUINT64_FORMAT, v);

	fut_fields_append(body, key, raw);
}

void
fut_tok_put_hex(GString *body, const gchar *key, const guint8 *data, gsize len)
{
	g_autofree gchar *raw = fut_hex_encode(data, len);

	fut_fields_append(body, key, raw);
}

void
fut_tok_put_b64(GString *body, const gchar *key, const guint8 *data, gsize len)
{
	g_autofree gchar *raw = g_base64_encode(data, len);

	fut_fields_append(body, key, raw);
}

void
fut_tok_put_list(GString *body, const gchar *key, GPtrArray *list)
{
	g_autoptr(GString) raw = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++) {
		if (i > 0)
			g_string_append_c(raw, ' ');
		g_string_append(raw, list->pdata[i]);
	}
	fut_fields_append(body, key, raw->str);
}

void
fut_tok_put_signature(GString *body, const FutSignature *sig)
{
	g_autofree gchar *id = fut_hex_encode(sig->key_id, FUT_KEY_ID_LEN);
	g_autofree gchar *b64 = g_base64_encode(sig->sig, FUT_ED25519_SIG_LEN);
	g_autofree gchar *raw = g_strconcat(id, " ", b64, NULL);

	fut_fields_append(body, "signature", raw);
}

/* Prefixes an error from a value check with the field name. */
gboolean
fut_tok_field_error(GError **error, GError *local, const gchar *key)
{
	g_propagate_prefixed_error(error, local, _("field '%s': "), key);
	return FALSE;
}

/* --- readers ------------------------------------------------------------------------ */

static gboolean
reader_fail(FutFieldReader *r, GError **error, GError *local)
{
	fut_field_reader_error(r, error, local->code, "%s", local->message);
	g_error_free(local);
	return FALSE;
}

gboolean
fut_tok_read_text(FutFieldReader *r,
                  const gchar *key,
                  gsize max,
                  gboolean allow_empty,
                  gchar **ret,
                  GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	g_autofree gchar *v = NULL;
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	/* Bound the work before decoding: an escaped byte takes at most three. */
	if (strlen(raw) > max * 3 || !fut_field_unescape(raw, &v, &local) ||
	    !fut_tok_check_text(v, max, allow_empty, &local))
		return reader_fail(r, error,
		                   local != NULL
		                       ? local
		                       : g_error_new(FUT_ERROR, FUT_ERROR_TOO_LARGE,
		                                     _("value is longer than %zu bytes"), max));
	g_free(*ret);
	*ret = g_steal_pointer(&v);
	return TRUE;
}

gboolean
fut_tok_read_token(FutFieldReader *r, const gchar *key, gchar **ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!fut_tok_check_token(raw, FALSE, &local))
		return reader_fail(r, error, local);
	g_free(*ret);
	*ret = g_strdup(raw);
	return TRUE;
}

gboolean
fut_tok_read_list(FutFieldReader *r,
                  const gchar *key,
                  guint max_count,
                  gboolean role,
                  GPtrArray *list,
                  GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	g_auto(GStrv) parts = NULL;
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (strlen(raw) > (gsize)max_count * (FUT_TOKEN_MAX + 1))
		return reader_fail(r, error,
		                   g_error_new(FUT_ERROR, FUT_ERROR_TOO_LARGE,
		                               _("list is longer than the limit")));
	g_ptr_array_set_size(list, 0);
	parts = g_strsplit(raw, " ", -1);
	for (guint i = 0; parts[i] != NULL; i++)
		g_ptr_array_add(list, g_strdup(parts[i]));
	if (!fut_tok_check_list(list, max_count, role, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

gboolean
fut_tok_read_time(FutFieldReader *r, const gchar *key, gint64 *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!fut_time_parse(raw, ret, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

gboolean
fut_tok_read_uint(FutFieldReader *r, const gchar *key, guint64 max, guint64 *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!fut_uint_parse(raw, max, ret, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

gboolean
fut_tok_read_hex(FutFieldReader *r, const gchar *key, guint8 *out, gsize len, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!fut_hex_decode(raw, out, len, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

static gboolean
decode_b64_fixed(const gchar *raw, guint8 *out, gsize len, GError **error)
{
	g_autofree guint8 *data = NULL;
	gsize n = 0;

	if (strlen(raw) != (len + 2) / 3 * 4) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("expected %zu bytes in base64 (%zu characters)"), len,
		            (len + 2) / 3 * 4);
		return FALSE;
	}
	if (!fut_base64_decode_strict(raw, strlen(raw), &data, &n, error))
		return FALSE;
	if (n != len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("expected %zu bytes in base64"), len);
		return FALSE;
	}
	memcpy(out, data, len);
	return TRUE;
}

gboolean
fut_tok_read_b64(FutFieldReader *r, const gchar *key, guint8 *out, gsize len, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!decode_b64_fixed(raw, out, len, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

gboolean
fut_tok_read_version(FutFieldReader *r, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, "version", error);

	if (raw == NULL)
		return FALSE;
	if (!g_str_equal(raw, FUT_TOK_FORMAT_VERSION)) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
		                       _("unsupported format version (this program reads "
		                         "version %s)"),
		                       FUT_TOK_FORMAT_VERSION);
		return FALSE;
	}
	return TRUE;
}

/* Reads the signature line, which must be the last one; @ret_signed_len is the length of
 * the body bytes before it. */
gboolean
fut_tok_read_signature(FutFieldReader *r, FutSignature *sig, gsize *ret_signed_len, GError **error)
{
	gsize off = fut_field_reader_offset(r);
	const gchar *raw = fut_field_reader_take(r, "signature", error);
	const gchar *sp;
	g_autofree gchar *id = NULL;
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	sp = strchr(raw, ' ');
	if (sp == NULL) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
		                       _("expected \"<key id> <base64 signature>\""));
		return FALSE;
	}
	id = g_strndup(raw, (gsize)(sp - raw));
	if (!fut_hex_decode(id, sig->key_id, FUT_KEY_ID_LEN, &local) ||
	    !decode_b64_fixed(sp + 1, sig->sig, FUT_ED25519_SIG_LEN, &local))
		return reader_fail(r, error, local);
	sig->present = TRUE;
	if (!fut_field_reader_finish(r, error))
		return FALSE;
	if (ret_signed_len != NULL)
		*ret_signed_len = off;
	return TRUE;
}

/* --- signing ------------------------------------------------------------------------ */

GByteArray *
fut_tok_signed_message(const gchar *domain, const gchar *body, gsize len)
{
	GByteArray *msg = g_byte_array_sized_new((guint)(strlen(domain) + 1 + len));

	g_byte_array_append(msg, (const guint8 *)domain, (guint)strlen(domain) + 1);
	g_byte_array_append(msg, (const guint8 *)body, (guint)len);
	return msg;
}

gboolean
fut_tok_sign_body(const gchar *domain,
                  const GString *body,
                  const FutKey *key,
                  FutSignature *ret_sig,
                  GError **error)
{
	g_autoptr(GByteArray) msg = fut_tok_signed_message(domain, body->str, body->len);
	FutSignature sig = {0};

	if (!fut_key_has_private(key)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("cannot sign: the key has no private part"));
		return FALSE;
	}
	if (!fut_key_sign(key, msg->data, msg->len, sig.sig, error))
		return FALSE;
	fut_key_get_id(key, sig.key_id);
	sig.present = TRUE;
	*ret_sig = sig;
	return TRUE;
}

gboolean
fut_tok_verify_body(const gchar *domain,
                    const GString *body,
                    const FutKey *key,
                    const FutSignature *sig,
                    const gchar *what,
                    GError **error)
{
	g_autoptr(GByteArray) msg = NULL;
	guint8 id[FUT_KEY_ID_LEN];

	if (!sig->present) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE, _("%s is not signed"), what);
		return FALSE;
	}
	fut_key_get_id(key, id);
	if (memcmp(id, sig->key_id, FUT_KEY_ID_LEN) != 0) {
		g_autofree gchar *have = fut_hex_encode(sig->key_id, FUT_KEY_ID_LEN);
		g_autofree gchar *want = fut_hex_encode(id, FUT_KEY_ID_LEN);
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
		            _("%s is signed by key %s, not by the expected key %s"), what, have,
		            want);
		return FALSE;
	}
	msg = fut_tok_signed_message(domain, body->str, body->len);
	if (!fut_key_verify(key, msg->data, msg->len, sig->sig, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
		            _("%s has an invalid signature (altered or forged)"), what);
		return FALSE;
	}
	return TRUE;
}

/* Refuses a parsed body that the writer would not write byte for byte. With strict field
 * readers this should never trigger; it is the last line of defence against two spellings
 * of one object. */
gboolean
fut_tok_check_canonical(const gchar *body, const GString *again, GError **error)
{
	if (!g_str_equal(body, again->str)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the object is not in canonical form"));
		return FALSE;
	}
	return TRUE;
}

/* Common first step of every parser: the envelope, with a clear message when a file of
 * one type is given where another is expected. */
gchar *
fut_tok_decode_envelope(const gchar *text, gsize len, const gchar *label, gsize max, GError **error)
{
	g_autofree gchar *body = NULL;

	if (!fut_armor_decode_text(text, len, label, max, &body, error))
		return NULL;
	return g_steal_pointer(&body);
}
