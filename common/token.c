/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"
#include "fields.h"
#include "token.h"
#include "util.h"

#define FORMAT_VERSION "1"
#define ROLE_MAX       32
#define UID_MAX        G_GUINT64_CONSTANT(4294967294) /* (uid_t)-1 is never a user */
#define SIZE_MAX_VALUE G_GUINT64_CONSTANT(9223372036854775807)
#define SEQUENCE_MAX   G_GUINT64_CONSTANT(9223372036854775807)
#define CERT_PREFIX    "cert."

/* --- small enums --------------------------------------------------------------------- */

const gchar *
fut_class_to_string(FutClass klass)
{
	switch (klass) {
	case FUT_CLASS_I:
		return "I";
	case FUT_CLASS_II:
		return "II";
	case FUT_CLASS_III:
		return "III";
	default:
		return NULL;
	}
}

FutClass
fut_class_from_string(const gchar *s)
{
	if (g_strcmp0(s, "I") == 0)
		return FUT_CLASS_I;
	if (g_strcmp0(s, "II") == 0)
		return FUT_CLASS_II;
	if (g_strcmp0(s, "III") == 0)
		return FUT_CLASS_III;
	return FUT_CLASS_INVALID;
}

const gchar *
fut_channel_to_string(FutChannel channel)
{
	switch (channel) {
	case FUT_CHANNEL_USB:
		return "usb";
	case FUT_CHANNEL_UPLOAD:
		return "upload";
	default:
		return NULL;
	}
}

FutChannel
fut_channel_from_string(const gchar *s)
{
	if (g_strcmp0(s, "usb") == 0)
		return FUT_CHANNEL_USB;
	if (g_strcmp0(s, "upload") == 0)
		return FUT_CHANNEL_UPLOAD;
	return FUT_CHANNEL_INVALID;
}

const gchar *
fut_decision_to_string(FutDecision decision)
{
	switch (decision) {
	case FUT_DECISION_APPROVE:
		return "approve";
	case FUT_DECISION_REJECT:
		return "reject";
	default:
		return NULL;
	}
}

FutDecision
fut_decision_from_string(const gchar *s)
{
	if (g_strcmp0(s, "approve") == 0)
		return FUT_DECISION_APPROVE;
	if (g_strcmp0(s, "reject") == 0)
		return FUT_DECISION_REJECT;
	return FUT_DECISION_INVALID;
}

/* --- destination --------------------------------------------------------------------- */

void
fut_destination_clear(FutDestination *d)
{
	g_free(d->usb_vendor);
	g_free(d->usb_product);
	g_free(d->usb_serial);
	g_free(d->usb_fs_uuid);
	g_free(d->usb_label);
	g_free(d->upload_host);
	g_free(d->upload_program);
	memset(d, 0, sizeof(*d));
}

void
fut_destination_copy(FutDestination *d, const FutDestination *s)
{
	d->channel = s->channel;
	d->usb_vendor = g_strdup(s->usb_vendor);
	d->usb_product = g_strdup(s->usb_product);
	d->usb_serial = g_strdup(s->usb_serial);
	d->usb_fs_uuid = g_strdup(s->usb_fs_uuid);
	d->usb_label = g_strdup(s->usb_label);
	d->upload_host = g_strdup(s->upload_host);
	d->upload_program = g_strdup(s->upload_program);
}

static const gchar *
nz(const gchar *s)
{
	return s != NULL ? s : "";
}

gboolean
fut_destination_equal(const FutDestination *a, const FutDestination *b)
{
	if (a->channel != b->channel)
		return FALSE;
	if (a->channel == FUT_CHANNEL_USB)
		return g_str_equal(nz(a->usb_vendor), nz(b->usb_vendor)) &&
		       g_str_equal(nz(a->usb_product), nz(b->usb_product)) &&
		       g_str_equal(nz(a->usb_serial), nz(b->usb_serial)) &&
		       g_str_equal(nz(a->usb_fs_uuid), nz(b->usb_fs_uuid)) &&
		       g_str_equal(nz(a->usb_label), nz(b->usb_label));
	if (a->channel == FUT_CHANNEL_UPLOAD)
		return g_str_equal(nz(a->upload_host), nz(b->upload_host)) &&
		       g_str_equal(nz(a->upload_program), nz(b->upload_program));
	return FALSE;
}

/* --- value checks, shared by the writers and the readers ------------------------------- */

static gboolean
check_text(const gchar *v, gsize max, gboolean allow_empty, GError **error)
{
	gsize n = strlen(nz(v));

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

static gboolean
check_token(const gchar *v, gboolean role, GError **error)
{
	gsize max = role ? ROLE_MAX : FUT_TOKEN_MAX;

	if (!check_text(v, max, FALSE, error))
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
static gboolean
check_list(GPtrArray *list, guint max_count, gboolean role, GError **error)
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
		if (!check_token(list->pdata[i], role, error))
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

static gboolean
check_time(gint64 t, GError **error)
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

static gboolean
check_time_order(gint64 first, gint64 second, GError **error)
{
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;

	if (!check_time(first, error) || !check_time(second, error))
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

static void
put_text(GString *body, const gchar *key, const gchar *v)
{
	g_autofree gchar *raw = fut_field_escape(nz(v));

	fut_fields_append(body, key, raw);
}

static void
put_time(GString *body, const gchar *key, gint64 t)
{
	g_autofree gchar *raw = fut_time_format(t);

	fut_fields_append(body, key, raw);
}

static void
put_uint(GString *body, const gchar *key, guint64 v)
{
	g_autofree gchar *raw = g_strdup_printf("%" G_GUINT64_FORMAT, v);

	fut_fields_append(body, key, raw);
}

static void
put_hex(GString *body, const gchar *key, const guint8 *data, gsize len)
{
	g_autofree gchar *raw = fut_hex_encode(data, len);

	fut_fields_append(body, key, raw);
}

static void
put_b64(GString *body, const gchar *key, const guint8 *data, gsize len)
{
	g_autofree gchar *raw = g_base64_encode(data, len);

	fut_fields_append(body, key, raw);
}

static void
put_list(GString *body, const gchar *key, GPtrArray *list)
{
	g_autoptr(GString) raw = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++) {
		if (i > 0)
			g_string_append_c(raw, ' ');
		g_string_append(raw, list->pdata[i]);
	}
	fut_fields_append(body, key, raw->str);
}

static void
put_signature(GString *body, const FutSignature *sig)
{
	g_autofree gchar *id = fut_hex_encode(sig->key_id, FUT_KEY_ID_LEN);
	g_autofree gchar *b64 = g_base64_encode(sig->sig, FUT_ED25519_SIG_LEN);
	g_autofree gchar *raw = g_strconcat(id, " ", b64, NULL);

	fut_fields_append(body, "signature", raw);
}

/* Prefixes an error from a value check with the field name. */
static gboolean
field_error(GError **error, GError *local, const gchar *key)
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

static gboolean
read_text(FutFieldReader *r,
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
	    !check_text(v, max, allow_empty, &local))
		return reader_fail(r, error,
		                   local != NULL
		                       ? local
		                       : g_error_new(FUT_ERROR, FUT_ERROR_TOO_LARGE,
		                                     _("value is longer than %zu bytes"), max));
	g_free(*ret);
	*ret = g_steal_pointer(&v);
	return TRUE;
}

static gboolean
read_token(FutFieldReader *r, const gchar *key, gchar **ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!check_token(raw, FALSE, &local))
		return reader_fail(r, error, local);
	g_free(*ret);
	*ret = g_strdup(raw);
	return TRUE;
}

static gboolean
read_list(FutFieldReader *r,
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
	if (!check_list(list, max_count, role, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

static gboolean
read_time(FutFieldReader *r, const gchar *key, gint64 *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!fut_time_parse(raw, ret, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

static gboolean
read_uint(FutFieldReader *r, const gchar *key, guint64 max, guint64 *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!fut_uint_parse(raw, max, ret, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

static gboolean
read_hex(FutFieldReader *r, const gchar *key, guint8 *out, gsize len, GError **error)
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

static gboolean
read_b64(FutFieldReader *r, const gchar *key, guint8 *out, gsize len, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, key, error);
	GError *local = NULL;

	if (raw == NULL)
		return FALSE;
	if (!decode_b64_fixed(raw, out, len, &local))
		return reader_fail(r, error, local);
	return TRUE;
}

static gboolean
read_version(FutFieldReader *r, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, "version", error);

	if (raw == NULL)
		return FALSE;
	if (!g_str_equal(raw, FORMAT_VERSION)) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
		                       _("unsupported format version (this program reads "
		                         "version %s)"),
		                       FORMAT_VERSION);
		return FALSE;
	}
	return TRUE;
}

/* Reads the signature line, which must be the last one; @ret_signed_len is the length of
 * the body bytes before it. */
static gboolean
read_signature(FutFieldReader *r, FutSignature *sig, gsize *ret_signed_len, GError **error)
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

static GByteArray *
signed_message(const gchar *domain, const gchar *body, gsize len)
{
	GByteArray *msg = g_byte_array_sized_new((guint)(strlen(domain) + 1 + len));

	g_byte_array_append(msg, (const guint8 *)domain, (guint)strlen(domain) + 1);
	g_byte_array_append(msg, (const guint8 *)body, (guint)len);
	return msg;
}

static gboolean
sign_body(const gchar *domain,
          const GString *body,
          const FutKey *key,
          FutSignature *ret_sig,
          GError **error)
{
	g_autoptr(GByteArray) msg = signed_message(domain, body->str, body->len);
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

static gboolean
verify_body(const gchar *domain,
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
	msg = signed_message(domain, body->str, body->len);
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
static gboolean
check_canonical(const gchar *body, const GString *again, GError **error)
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
static gchar *
decode_envelope(const gchar *text, gsize len, const gchar *label, gsize max, GError **error)
{
	g_autofree gchar *body = NULL;

	if (!fut_armor_decode_text(text, len, label, max, &body, error))
		return NULL;
	return g_steal_pointer(&body);
}

gchar *
fut_token_peek_label(const gchar *text, gsize len)
{
	return fut_armor_peek_label(text, len);
}

/* --- certificate -------------------------------------------------------------------- */

static const gchar *const cert_keys[] = {"version",    "serial",    "staff-id",  "name",
                                         "logins",     "roles",     "classes",   "key",
                                         "not-before", "not-after", "signature", NULL};

FutCertificate *
fut_certificate_new(void)
{
	FutCertificate *c = g_new0(FutCertificate, 1);

	c->logins = g_ptr_array_new_with_free_func(g_free);
	c->roles = g_ptr_array_new_with_free_func(g_free);
	return c;
}

void
fut_certificate_free(FutCertificate *c)
{
	if (c == NULL)
		return;
	g_free(c->staff_id);
	g_free(c->name);
	g_ptr_array_unref(c->logins);
	g_ptr_array_unref(c->roles);
	g_free(c);
}

static void
strv_array_copy(GPtrArray *dst, GPtrArray *src)
{
	for (guint i = 0; i < src->len; i++)
		g_ptr_array_add(dst, g_strdup(src->pdata[i]));
}

FutCertificate *
fut_certificate_dup(const FutCertificate *c)
{
	FutCertificate *d = fut_certificate_new();

	memcpy(d->serial, c->serial, sizeof(d->serial));
	d->staff_id = g_strdup(c->staff_id);
	d->name = g_strdup(c->name);
	strv_array_copy(d->logins, c->logins);
	strv_array_copy(d->roles, c->roles);
	d->classes = c->classes;
	memcpy(d->public_key, c->public_key, sizeof(d->public_key));
	d->not_before = c->not_before;
	d->not_after = c->not_after;
	d->signature = c->signature;
	return d;
}

#define CLASS_BITS ((1u << FUT_CLASS_I) | (1u << FUT_CLASS_II) | (1u << FUT_CLASS_III))

static gboolean
cert_body(const FutCertificate *c, GString *body, GError **error)
{
	g_autoptr(GString) classes = g_string_new(NULL);
	GError *local = NULL;

	if (!check_token(c->staff_id, FALSE, &local))
		return field_error(error, local, "staff-id");
	if (!check_text(c->name, FUT_NAME_MAX, FALSE, &local))
		return field_error(error, local, "name");
	if (!check_list(c->logins, FUT_CERT_MAX_LOGINS, FALSE, &local))
		return field_error(error, local, "logins");
	if (!check_list(c->roles, FUT_CERT_MAX_ROLES, TRUE, &local))
		return field_error(error, local, "roles");
	if (c->classes == 0 || (c->classes & ~CLASS_BITS) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'classes': must name one or more of I, II, III"));
		return FALSE;
	}
	if (!check_time_order(c->not_before, c->not_after, &local))
		return field_error(error, local, "not-after");
	for (FutClass k = FUT_CLASS_I; k <= FUT_CLASS_III; k++) {
		if ((c->classes & (1u << k)) == 0)
			continue;
		if (classes->len > 0)
			g_string_append_c(classes, ' ');
		g_string_append(classes, fut_class_to_string(k));
	}
	fut_fields_append(body, "version", FORMAT_VERSION);
	put_hex(body, "serial", c->serial, FUT_SERIAL_LEN);
	fut_fields_append(body, "staff-id", c->staff_id);
	put_text(body, "name", c->name);
	put_list(body, "logins", c->logins);
	put_list(body, "roles", c->roles);
	fut_fields_append(body, "classes", classes->str);
	put_b64(body, "key", c->public_key, FUT_ED25519_PUBLIC_LEN);
	put_time(body, "not-before", c->not_before);
	put_time(body, "not-after", c->not_after);
	return TRUE;
}

gboolean
fut_certificate_sign(FutCertificate *c, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!cert_body(c, body, error))
		return FALSE;
	return sign_body(FUT_DOMAIN_CERTIFICATE, body, root, &c->signature, error);
}

/* The full body, signature line included. */
static GString *
cert_full_body(const FutCertificate *c, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!c->signature.present) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the certificate is not signed"));
		return NULL;
	}
	if (!cert_body(c, body, error))
		return NULL;
	put_signature(body, &c->signature);
	return g_steal_pointer(&body);
}

gchar *
fut_certificate_to_text(const FutCertificate *c, GError **error)
{
	g_autoptr(GString) body = cert_full_body(c, error);

	if (body == NULL)
		return NULL;
	return fut_armor_encode_text(FUT_LABEL_CERTIFICATE, body->str);
}

static gboolean
read_classes(FutFieldReader *r, guint *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, "classes", error);
	g_auto(GStrv) parts = NULL;
	guint bits = 0;
	FutClass last = FUT_CLASS_INVALID;

	if (raw == NULL)
		return FALSE;
	parts = g_strsplit(raw, " ", 4);
	for (guint i = 0; parts[i] != NULL; i++) {
		FutClass k = fut_class_from_string(parts[i]);
		if (k == FUT_CLASS_INVALID || k <= last) {
			fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
			                       _("expected one or more of I, II, III in this "
			                         "order, separated by one space"));
			return FALSE;
		}
		bits |= 1u << k;
		last = k;
	}
	*ret = bits;
	return TRUE;
}

static FutCertificate *
cert_parse_body(const gchar *body, GError **error)
{
	g_autoptr(FutFieldReader) r = fut_field_reader_new(body, cert_keys, error);
	g_autoptr(FutCertificate) c = fut_certificate_new();
	g_autoptr(GString) again = NULL;

	if (r == NULL)
		return NULL;
	if (!read_version(r, error) || !read_hex(r, "serial", c->serial, FUT_SERIAL_LEN, error) ||
	    !read_token(r, "staff-id", &c->staff_id, error) ||
	    !read_text(r, "name", FUT_NAME_MAX, FALSE, &c->name, error) ||
	    !read_list(r, "logins", FUT_CERT_MAX_LOGINS, FALSE, c->logins, error) ||
	    !read_list(r, "roles", FUT_CERT_MAX_ROLES, TRUE, c->roles, error) ||
	    !read_classes(r, &c->classes, error) ||
	    !read_b64(r, "key", c->public_key, FUT_ED25519_PUBLIC_LEN, error) ||
	    !read_time(r, "not-before", &c->not_before, error) ||
	    !read_time(r, "not-after", &c->not_after, error) ||
	    !read_signature(r, &c->signature, NULL, error))
		return NULL;
	again = cert_full_body(c, error);
	if (again == NULL || !check_canonical(body, again, error))
		return NULL;
	return g_steal_pointer(&c);
}

FutCertificate *
fut_certificate_parse(const gchar *text, gsize len, GError **error)
{
	g_autofree gchar *body =
	    decode_envelope(text, len, FUT_LABEL_CERTIFICATE, FUT_CERT_TEXT_MAX, error);

	if (body == NULL)
		return NULL;
	return cert_parse_body(body, error);
}

gboolean
fut_certificate_verify(const FutCertificate *c, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);
	guint8 id[FUT_KEY_ID_LEN];

	if (!cert_body(c, body, error))
		return FALSE;
	fut_key_get_id(root, id);
	if (c->signature.present && memcmp(id, c->signature.key_id, FUT_KEY_ID_LEN) != 0) {
		g_autofree gchar *have = fut_hex_encode(c->signature.key_id, FUT_KEY_ID_LEN);
		g_autofree gchar *want = fut_hex_encode(id, FUT_KEY_ID_LEN);
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
		            _("the certificate is from another root key (%s, this organisation's "
		              "root is %s)"),
		            have, want);
		return FALSE;
	}
	return verify_body(FUT_DOMAIN_CERTIFICATE, body, root, &c->signature, _("the certificate"),
	                   error);
}

FutKey *
fut_certificate_get_key(const FutCertificate *c, GError **error)
{
	return fut_key_new_public(c->public_key, error);
}

gboolean
fut_certificate_has_login(const FutCertificate *c, const gchar *login)
{
	for (guint i = 0; i < c->logins->len; i++) {
		if (g_str_equal(c->logins->pdata[i], login))
			return TRUE;
	}
	return FALSE;
}

gboolean
fut_certificate_has_role(const FutCertificate *c, const gchar *role)
{
	for (guint i = 0; i < c->roles->len; i++) {
		if (g_str_equal(c->roles->pdata[i], role))
			return TRUE;
	}
	return FALSE;
}

gboolean
fut_certificate_may_approve(const FutCertificate *c, FutClass klass)
{
	return klass >= FUT_CLASS_I && klass <= FUT_CLASS_III && (c->classes & (1u << klass)) != 0;
}

gchar *
fut_certificate_dup_serial_string(const FutCertificate *c)
{
	return fut_hex_encode(c->serial, FUT_SERIAL_LEN);
}

/* --- revocation list ---------------------------------------------------------------- */

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

	if (l->sequence > SEQUENCE_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, _("sequence number too large"));
		return FALSE;
	}
	if (!check_time(l->issued, &local))
		return field_error(error, local, "issued");
	if (l->serials->len > FUT_REVOCATION_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("the list holds %u serials, more than the limit of %d"),
		            l->serials->len, FUT_REVOCATION_MAX);
		return FALSE;
	}
	fut_fields_append(body, "version", FORMAT_VERSION);
	put_uint(body, "sequence", l->sequence);
	put_time(body, "issued", l->issued);
	for (guint i = 0; i < l->serials->len; i++) {
		if (i > 0 && memcmp(serial_at(l, i - 1), serial_at(l, i), FUT_SERIAL_LEN) >= 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("revoked serials must be sorted and unique"));
			return FALSE;
		}
		put_hex(body, "revoked", serial_at(l, i), FUT_SERIAL_LEN);
	}
	return TRUE;
}

gboolean
fut_revocation_list_sign(FutRevocationList *l, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!crl_body(l, body, error))
		return FALSE;
	return sign_body(FUT_DOMAIN_REVOCATION, body, root, &l->signature, error);
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
	put_signature(body, &l->signature);
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
	g_autofree gchar *body =
	    decode_envelope(text, len, FUT_LABEL_REVOCATION, FUT_REVOCATION_TEXT_MAX, error);
	g_autoptr(FutFieldReader) r = NULL;
	g_autoptr(FutRevocationList) l = fut_revocation_list_new();
	g_autoptr(GString) again = NULL;

	if (body == NULL)
		return NULL;
	r = fut_field_reader_new(body, crl_keys, error);
	if (r == NULL || !read_version(r, error) ||
	    !read_uint(r, "sequence", SEQUENCE_MAX, &l->sequence, error) ||
	    !read_time(r, "issued", &l->issued, error))
		return NULL;
	while (fut_field_reader_next_is(r, "revoked")) {
		guint8 serial[FUT_SERIAL_LEN];
		if (!read_hex(r, "revoked", serial, FUT_SERIAL_LEN, error))
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
	if (!read_signature(r, &l->signature, NULL, error))
		return NULL;
	again = crl_full_body(l, error);
	if (again == NULL || !check_canonical(body, again, error))
		return NULL;
	return g_steal_pointer(&l);
}

gboolean
fut_revocation_list_verify(const FutRevocationList *l, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!crl_body(l, body, error))
		return FALSE;
	return verify_body(FUT_DOMAIN_REVOCATION, body, root, &l->signature,
	                   _("the revocation list"), error);
}

/* --- request ------------------------------------------------------------------------ */

static const gchar *const request_keys[] = {
    "version",        "host",        "host-key",       "requester",  "uid",
    "channel",        "file",        "size",           "sha256",     "class",
    "class-evidence", "usb-vendor",  "usb-product",    "usb-serial", "usb-fs-uuid",
    "usb-label",      "upload-host", "upload-program", "reason",     "created",
    "expires",        "nonce",       "signature",      NULL};

FutRequest *
fut_request_new(void)
{
	return g_new0(FutRequest, 1);
}

void
fut_request_free(FutRequest *q)
{
	if (q == NULL)
		return;
	g_free(q->host);
	g_free(q->requester);
	fut_destination_clear(&q->destination);
	g_free(q->file_name);
	g_free(q->class_evidence);
	g_free(q->reason);
	g_free(q);
}

FutRequest *
fut_request_dup(const FutRequest *q)
{
	FutRequest *d = g_new0(FutRequest, 1);

	*d = *q;
	d->host = g_strdup(q->host);
	d->requester = g_strdup(q->requester);
	fut_destination_copy(&d->destination, &q->destination);
	d->file_name = g_strdup(q->file_name);
	d->class_evidence = g_strdup(q->class_evidence);
	d->reason = g_strdup(q->reason);
	return d;
}

gboolean
fut_request_set_random_nonce(FutRequest *q, GError **error)
{
	return fut_random_bytes(q->nonce, FUT_NONCE_LEN, error);
}

static gboolean
request_body(const FutRequest *q, GString *body, GError **error)
{
	const FutDestination *d = &q->destination;
	GError *local = NULL;

	if (!check_text(q->host, FUT_NAME_MAX, FALSE, &local))
		return field_error(error, local, "host");
	if (!check_token(q->requester, FALSE, &local))
		return field_error(error, local, "requester");
	if (q->uid > UID_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("field 'uid': invalid"));
		return FALSE;
	}
	if (fut_channel_to_string(d->channel) == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'channel': must be usb or upload"));
		return FALSE;
	}
	if (!check_text(q->file_name, FUT_TEXT_MAX, FALSE, &local))
		return field_error(error, local, "file");
	if (q->size > SIZE_MAX_VALUE) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, _("field 'size': too large"));
		return FALSE;
	}
	if (fut_class_to_string(q->klass) == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'class': must be I, II or III"));
		return FALSE;
	}
	if (!check_text(q->class_evidence, FUT_EVIDENCE_MAX, TRUE, &local))
		return field_error(error, local, "class-evidence");
	if (d->channel == FUT_CHANNEL_USB) {
		const gchar *usb[] = {d->usb_vendor, d->usb_product, d->usb_serial, d->usb_fs_uuid,
		                      d->usb_label};
		const gchar *names[] = {"usb-vendor", "usb-product", "usb-serial", "usb-fs-uuid",
		                        "usb-label"};
		for (guint i = 0; i < G_N_ELEMENTS(usb); i++) {
			if (!check_text(usb[i], FUT_NAME_MAX, TRUE, &local))
				return field_error(error, local, names[i]);
		}
		/* A device named by nothing could be any device. */
		if (nz(d->usb_serial)[0] == '\0' && nz(d->usb_fs_uuid)[0] == '\0') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("a USB destination needs a serial or a filesystem UUID"));
			return FALSE;
		}
	} else {
		if (!check_text(d->upload_host, FUT_NAME_MAX, FALSE, &local))
			return field_error(error, local, "upload-host");
		if (!check_text(d->upload_program, FUT_TEXT_MAX, FALSE, &local))
			return field_error(error, local, "upload-program");
	}
	if (!check_text(q->reason, FUT_TEXT_MAX, FALSE, &local))
		return field_error(error, local, "reason");
	if (!check_time_order(q->created, q->expires, &local))
		return field_error(error, local, "expires");

	fut_fields_append(body, "version", FORMAT_VERSION);
	put_text(body, "host", q->host);
	put_b64(body, "host-key", q->host_key, FUT_ED25519_PUBLIC_LEN);
	fut_fields_append(body, "requester", q->requester);
	put_uint(body, "uid", q->uid);
	fut_fields_append(body, "channel", fut_channel_to_string(d->channel));
	put_text(body, "file", q->file_name);
	put_uint(body, "size", q->size);
	put_hex(body, "sha256", q->sha256, FUT_SHA256_LEN);
	fut_fields_append(body, "class", fut_class_to_string(q->klass));
	put_text(body, "class-evidence", q->class_evidence);
	if (d->channel == FUT_CHANNEL_USB) {
		put_text(body, "usb-vendor", d->usb_vendor);
		put_text(body, "usb-product", d->usb_product);
		put_text(body, "usb-serial", d->usb_serial);
		put_text(body, "usb-fs-uuid", d->usb_fs_uuid);
		put_text(body, "usb-label", d->usb_label);
	} else {
		put_text(body, "upload-host", d->upload_host);
		put_text(body, "upload-program", d->upload_program);
	}
	put_text(body, "reason", q->reason);
	put_time(body, "created", q->created);
	put_time(body, "expires", q->expires);
	put_hex(body, "nonce", q->nonce, FUT_NONCE_LEN);
	return TRUE;
}

gboolean
fut_request_sign(FutRequest *q, const FutKey *host_key, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	fut_key_get_public(host_key, q->host_key);
	if (!request_body(q, body, error))
		return FALSE;
	return sign_body(FUT_DOMAIN_REQUEST, body, host_key, &q->signature, error);
}

static GString *
request_full_body(const FutRequest *q, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!q->signature.present) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the request is not signed"));
		return NULL;
	}
	if (!request_body(q, body, error))
		return NULL;
	put_signature(body, &q->signature);
	return g_steal_pointer(&body);
}

gchar *
fut_request_to_text(const FutRequest *q, GError **error)
{
	g_autoptr(GString) body = request_full_body(q, error);

	if (body == NULL)
		return NULL;
	return fut_armor_encode_text(FUT_LABEL_REQUEST, body->str);
}

static gboolean
read_channel(FutFieldReader *r, FutChannel *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, "channel", error);

	if (raw == NULL)
		return FALSE;
	*ret = fut_channel_from_string(raw);
	if (*ret == FUT_CHANNEL_INVALID) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
		                       _("must be usb or upload"));
		return FALSE;
	}
	return TRUE;
}

static gboolean
read_class(FutFieldReader *r, FutClass *ret, GError **error)
{
	const gchar *raw = fut_field_reader_take(r, "class", error);

	if (raw == NULL)
		return FALSE;
	*ret = fut_class_from_string(raw);
	if (*ret == FUT_CLASS_INVALID) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA, _("must be I, II or III"));
		return FALSE;
	}
	return TRUE;
}

FutRequest *
fut_request_parse(const gchar *text, gsize len, GError **error)
{
	g_autofree gchar *body =
	    decode_envelope(text, len, FUT_LABEL_REQUEST, FUT_REQUEST_TEXT_MAX, error);
	g_autoptr(FutFieldReader) r = NULL;
	g_autoptr(FutRequest) q = fut_request_new();
	g_autoptr(GString) again = NULL;
	FutDestination *d = &q->destination;
	guint64 v = 0;

	if (body == NULL)
		return NULL;
	r = fut_field_reader_new(body, request_keys, error);
	if (r == NULL || !read_version(r, error) ||
	    !read_text(r, "host", FUT_NAME_MAX, FALSE, &q->host, error) ||
	    !read_b64(r, "host-key", q->host_key, FUT_ED25519_PUBLIC_LEN, error) ||
	    !read_token(r, "requester", &q->requester, error) ||
	    !read_uint(r, "uid", UID_MAX, &v, error))
		return NULL;
	q->uid = (guint32)v;
	if (!read_channel(r, &d->channel, error) ||
	    !read_text(r, "file", FUT_TEXT_MAX, FALSE, &q->file_name, error) ||
	    !read_uint(r, "size", SIZE_MAX_VALUE, &q->size, error) ||
	    !read_hex(r, "sha256", q->sha256, FUT_SHA256_LEN, error) ||
	    !read_class(r, &q->klass, error) ||
	    !read_text(r, "class-evidence", FUT_EVIDENCE_MAX, TRUE, &q->class_evidence, error))
		return NULL;
	if (d->channel == FUT_CHANNEL_USB) {
		if (!read_text(r, "usb-vendor", FUT_NAME_MAX, TRUE, &d->usb_vendor, error) ||
		    !read_text(r, "usb-product", FUT_NAME_MAX, TRUE, &d->usb_product, error) ||
		    !read_text(r, "usb-serial", FUT_NAME_MAX, TRUE, &d->usb_serial, error) ||
		    !read_text(r, "usb-fs-uuid", FUT_NAME_MAX, TRUE, &d->usb_fs_uuid, error) ||
		    !read_text(r, "usb-label", FUT_NAME_MAX, TRUE, &d->usb_label, error))
			return NULL;
	} else {
		if (!read_text(r, "upload-host", FUT_NAME_MAX, FALSE, &d->upload_host, error) ||
		    !read_text(r, "upload-program", FUT_TEXT_MAX, FALSE, &d->upload_program, error))
			return NULL;
	}
	if (!read_text(r, "reason", FUT_TEXT_MAX, FALSE, &q->reason, error) ||
	    !read_time(r, "created", &q->created, error) ||
	    !read_time(r, "expires", &q->expires, error) ||
	    !read_hex(r, "nonce", q->nonce, FUT_NONCE_LEN, error) ||
	    !read_signature(r, &q->signature, NULL, error))
		return NULL;
	again = request_full_body(q, error);
	if (again == NULL || !check_canonical(body, again, error))
		return NULL;
	return g_steal_pointer(&q);
}

gboolean
fut_request_verify(const FutRequest *q, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(FutKey) key = NULL;

	if (!request_body(q, body, error))
		return FALSE;
	key = fut_key_new_public(q->host_key, error);
	if (key == NULL)
		return FALSE;
	return verify_body(FUT_DOMAIN_REQUEST, body, key, &q->signature, _("the request"), error);
}

gboolean
fut_request_get_id(const FutRequest *q, guint8 ret_id[FUT_REQUEST_ID_LEN], GError **error)
{
	g_autoptr(GString) body = request_full_body(q, error);
	g_autoptr(GByteArray) msg = NULL;

	if (body == NULL)
		return FALSE;
	msg = signed_message(FUT_DOMAIN_REQUEST_ID, body->str, body->len);
	fut_sha256(msg->data, msg->len, ret_id);
	return TRUE;
}

gchar *
fut_request_dup_id_string(const FutRequest *q)
{
	guint8 id[FUT_REQUEST_ID_LEN];

	if (!fut_request_get_id(q, id, NULL))
		return NULL;
	return fut_hex_encode(id, sizeof(id));
}

/* --- approval ----------------------------------------------------------------------- */

static const gchar *const approval_keys[] = {"version",   "request", "decision",  "not-before",
                                             "not-after", "comment", "signature", NULL};

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
	if (!check_time_order(a->not_before, a->not_after, &local))
		return field_error(error, local, "not-after");
	if (!check_text(a->comment, FUT_TEXT_MAX, TRUE, &local))
		return field_error(error, local, "comment");
	if (a->cert == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the approval has no certificate"));
		return FALSE;
	}
	cert = cert_full_body(a->cert, error);
	if (cert == NULL) {
		g_prefix_error(error, _("embedded certificate: "));
		return FALSE;
	}
	fut_fields_append(body, "version", FORMAT_VERSION);
	put_hex(body, "request", a->request_id, FUT_REQUEST_ID_LEN);
	fut_fields_append(body, "decision", fut_decision_to_string(a->decision));
	put_time(body, "not-before", a->not_before);
	put_time(body, "not-after", a->not_after);
	put_text(body, "comment", a->comment);
	/* The certificate travels inside the approval, each of its lines prefixed, so the
	 * root's signature over it stays checkable and a reader sees who signed. */
	lines = g_strsplit(cert->str, "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		g_string_append(body, CERT_PREFIX);
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
	return sign_body(FUT_DOMAIN_APPROVAL, body, approver_key, &a->signature, error);
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
	put_signature(body, &a->signature);
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
	    decode_envelope(text, len, FUT_LABEL_APPROVAL, FUT_APPROVAL_TEXT_MAX, error);
	g_autoptr(FutFieldReader) r = NULL;
	g_autoptr(FutApproval) a = fut_approval_new();
	g_autoptr(GString) again = NULL;
	g_autofree gchar *cert_body_text = NULL;
	const gchar *raw;
	guint cert_line;

	if (body == NULL)
		return NULL;
	r = fut_field_reader_new(body, approval_keys, error);
	if (r == NULL || !read_version(r, error) ||
	    !read_hex(r, "request", a->request_id, FUT_REQUEST_ID_LEN, error))
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
	if (!read_time(r, "not-before", &a->not_before, error) ||
	    !read_time(r, "not-after", &a->not_after, error) ||
	    !read_text(r, "comment", FUT_TEXT_MAX, TRUE, &a->comment, error))
		return NULL;
	cert_line = fut_field_reader_line(r);
	cert_body_text = fut_field_reader_take_prefixed(r, CERT_PREFIX);
	if (cert_body_text[0] == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("line %u: missing the embedded certificate (cert.* lines)"),
		            cert_line);
		return NULL;
	}
	a->cert = cert_parse_body(cert_body_text, error);
	if (a->cert == NULL) {
		g_prefix_error(error, _("embedded certificate starting at line %u: "), cert_line);
		return NULL;
	}
	if (!read_signature(r, &a->signature, NULL, error))
		return NULL;
	again = approval_full_body(a, error);
	if (again == NULL || !check_canonical(body, again, error))
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
	return verify_body(FUT_DOMAIN_APPROVAL, body, key, &a->signature, _("the approval"), error);
}
