/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"
#include "fields.h"
#include "token-fields.h"
#include "util.h"

/* An approver's certificate (docs/formats.md §6.1): identity and rights,
 * signed by the organisation root. */

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

	if (!fut_tok_check_token(c->staff_id, FALSE, &local))
		return fut_tok_field_error(error, local, "staff-id");
	if (!fut_tok_check_text(c->name, FUT_NAME_MAX, FALSE, &local))
		return fut_tok_field_error(error, local, "name");
	if (!fut_tok_check_list(c->logins, FUT_CERT_MAX_LOGINS, FALSE, &local))
		return fut_tok_field_error(error, local, "logins");
	if (!fut_tok_check_list(c->roles, FUT_CERT_MAX_ROLES, TRUE, &local))
		return fut_tok_field_error(error, local, "roles");
	if (c->classes == 0 || (c->classes & ~CLASS_BITS) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'classes': must name one or more of I, II, III"));
		return FALSE;
	}
	if (!fut_tok_check_time_order(c->not_before, c->not_after, &local))
		return fut_tok_field_error(error, local, "not-after");
	for (FutClass k = FUT_CLASS_I; k <= FUT_CLASS_III; k++) {
		if ((c->classes & (1u << k)) == 0)
			continue;
		if (classes->len > 0)
			g_string_append_c(classes, ' ');
		g_string_append(classes, fut_class_to_string(k));
	}
	fut_fields_append(body, "version", FUT_TOK_FORMAT_VERSION);
	fut_tok_put_hex(body, "serial", c->serial, FUT_SERIAL_LEN);
	fut_fields_append(body, "staff-id", c->staff_id);
	fut_tok_put_text(body, "name", c->name);
	fut_tok_put_list(body, "logins", c->logins);
	fut_tok_put_list(body, "roles", c->roles);
	fut_fields_append(body, "classes", classes->str);
	fut_tok_put_b64(body, "key", c->public_key, FUT_ED25519_PUBLIC_LEN);
	fut_tok_put_time(body, "not-before", c->not_before);
	fut_tok_put_time(body, "not-after", c->not_after);
	return TRUE;
}

gboolean
fut_certificate_sign(FutCertificate *c, const FutKey *root, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!cert_body(c, body, error))
		return FALSE;
	return fut_tok_sign_body(FUT_DOMAIN_CERTIFICATE, body, root, &c->signature, error);
}

/* The full body, signature line included. */
GString *
fut_tok_certificate_full_body(const FutCertificate *c, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	if (!c->signature.present) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the certificate is not signed"));
		return NULL;
	}
	if (!cert_body(c, body, error))
		return NULL;
	fut_tok_put_signature(body, &c->signature);
	return g_steal_pointer(&body);
}

gchar *
fut_certificate_to_text(const FutCertificate *c, GError **error)
{
	g_autoptr(GString) body = fut_tok_certificate_full_body(c, error);

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

FutCertificate *
fut_tok_certificate_parse_body(const gchar *body, GError **error)
{
	g_autoptr(FutFieldReader) r = fut_field_reader_new(body, cert_keys, error);
	g_autoptr(FutCertificate) c = fut_certificate_new();
	g_autoptr(GString) again = NULL;

	if (r == NULL)
		return NULL;
	if (!fut_tok_read_version(r, error) ||
	    !fut_tok_read_hex(r, "serial", c->serial, FUT_SERIAL_LEN, error) ||
	    !fut_tok_read_token(r, "staff-id", &c->staff_id, error) ||
	    !fut_tok_read_text(r, "name", FUT_NAME_MAX, FALSE, &c->name, error) ||
	    !fut_tok_read_list(r, "logins", FUT_CERT_MAX_LOGINS, FALSE, c->logins, error) ||
	    !fut_tok_read_list(r, "roles", FUT_CERT_MAX_ROLES, TRUE, c->roles, error) ||
	    !read_classes(r, &c->classes, error) ||
	    !fut_tok_read_b64(r, "key", c->public_key, FUT_ED25519_PUBLIC_LEN, error) ||
	    !fut_tok_read_time(r, "not-before", &c->not_before, error) ||
	    !fut_tok_read_time(r, "not-after", &c->not_after, error) ||
	    !fut_tok_read_signature(r, &c->signature, NULL, error))
		return NULL;
	again = fut_tok_certificate_full_body(c, error);
	if (again == NULL || !fut_tok_check_canonical(body, again, error))
		return NULL;
	return g_steal_pointer(&c);
}

FutCertificate *
fut_certificate_parse(const gchar *text, gsize len, GError **error)
{
	g_autofree gchar *body =
	    fut_tok_decode_envelope(text, len, FUT_LABEL_CERTIFICATE, FUT_CERT_TEXT_MAX, error);

	if (body == NULL)
		return NULL;
	return fut_tok_certificate_parse_body(body, error);
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
	return fut_tok_verify_body(FUT_DOMAIN_CERTIFICATE, body, root, &c->signature,
	                           _("the certificate"), error);
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
