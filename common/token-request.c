/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"
#include "fields.h"
#include "token-fields.h"
#include "util.h"

/* The export request (docs/formats.md §6.3): made and signed by the agent with the host key. */

static const gchar *const request_keys[] = {
    "version",        "host",      "host-key",    "requester",      "uid",
    "channel",        "file",      "size",        "sha256",         "class",
    "class-evidence", "usb-asset", "usb-vendor",  "usb-product",    "usb-serial",
    "usb-fs-uuid",    "usb-label", "upload-host", "upload-program", "reason",
    "created",        "expires",   "nonce",       "signature",      NULL};

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
	if (q->files != NULL)
		g_ptr_array_unref(q->files);
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
	d->files = fut_tok_request_files_dup(q->files);
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

	if (!fut_tok_check_text(q->host, FUT_NAME_MAX, FALSE, &local))
		return fut_tok_field_error(error, local, "host");
	if (!fut_tok_check_token(q->requester, FALSE, &local))
		return fut_tok_field_error(error, local, "requester");
	if (q->uid > FUT_TOK_UID_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("field 'uid': invalid"));
		return FALSE;
	}
	if (fut_channel_to_string(d->channel) == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'channel': must be usb or upload"));
		return FALSE;
	}
	if (q->version > 2) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'version': unsupported version"));
		return FALSE;
	}
	if (q->version == 2) {
		if (!fut_tok_request_files_check(q, error))
			return FALSE;
	} else {
		if (q->files != NULL && q->files->len > 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("a version-1 request names one file, not a list"));
			return FALSE;
		}
		if (!fut_tok_check_text(q->file_name, FUT_TEXT_MAX, FALSE, &local))
			return fut_tok_field_error(error, local, "file");
		if (q->size > FUT_TOK_SIZE_MAX) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("field 'size': too large"));
			return FALSE;
		}
		if (fut_class_to_string(q->klass) == NULL) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("field 'class': must be I, II or III"));
			return FALSE;
		}
		if (!fut_tok_check_text(q->class_evidence, FUT_EVIDENCE_MAX, TRUE, &local))
			return fut_tok_field_error(error, local, "class-evidence");
	}
	if (d->channel == FUT_CHANNEL_USB) {
		const gchar *usb[] = {d->usb_vendor, d->usb_product, d->usb_serial, d->usb_fs_uuid,
		                      d->usb_label};
		const gchar *names[] = {"usb-vendor", "usb-product", "usb-serial", "usb-fs-uuid",
		                        "usb-label"};
		for (guint i = 0; i < G_N_ELEMENTS(usb); i++) {
			if (!fut_tok_check_text(usb[i], FUT_NAME_MAX, TRUE, &local))
				return fut_tok_field_error(error, local, names[i]);
		}
		if (d->usb_asset != NULL && d->usb_asset[0] != '\0' &&
		    !fut_tok_check_text(d->usb_asset, FUT_NAME_MAX, FALSE, &local))
			return fut_tok_field_error(error, local, "usb-asset");
		/* A device named by nothing could be any device. */
		if (fut_tok_nz(d->usb_serial)[0] == '\0' && fut_tok_nz(d->usb_fs_uuid)[0] == '\0') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("a USB destination needs a serial or a filesystem UUID"));
			return FALSE;
		}
	} else {
		if (!fut_tok_check_text(d->upload_host, FUT_NAME_MAX, FALSE, &local))
			return fut_tok_field_error(error, local, "upload-host");
		if (!fut_tok_check_text(d->upload_program, FUT_TEXT_MAX, FALSE, &local))
			return fut_tok_field_error(error, local, "upload-program");
	}
	if (!fut_tok_check_text(q->reason, FUT_TEXT_MAX, FALSE, &local))
		return fut_tok_field_error(error, local, "reason");
	if (!fut_tok_check_time_order(q->created, q->expires, &local))
		return fut_tok_field_error(error, local, "expires");

	fut_fields_append(body, "version", q->version == 2 ? "2" : FUT_TOK_FORMAT_VERSION);
	fut_tok_put_text(body, "host", q->host);
	fut_tok_put_b64(body, "host-key", q->host_key, FUT_ED25519_PUBLIC_LEN);
	fut_fields_append(body, "requester", q->requester);
	fut_tok_put_uint(body, "uid", q->uid);
	fut_fields_append(body, "channel", fut_channel_to_string(d->channel));
	if (q->version == 2) {
		fut_tok_request_files_put(q, body);
		fut_fields_append(body, "class", fut_class_to_string(q->klass));
	} else {
		fut_tok_put_text(body, "file", q->file_name);
		fut_tok_put_uint(body, "size", q->size);
		fut_tok_put_hex(body, "sha256", q->sha256, FUT_SHA256_LEN);
		fut_fields_append(body, "class", fut_class_to_string(q->klass));
		fut_tok_put_text(body, "class-evidence", q->class_evidence);
	}
	if (d->channel == FUT_CHANNEL_USB) {
		/* Optional: requests from agents without a register name read the same. */
		if (d->usb_asset != NULL && d->usb_asset[0] != '\0')
			fut_tok_put_text(body, "usb-asset", d->usb_asset);
		fut_tok_put_text(body, "usb-vendor", d->usb_vendor);
		fut_tok_put_text(body, "usb-product", d->usb_product);
		fut_tok_put_text(body, "usb-serial", d->usb_serial);
		fut_tok_put_text(body, "usb-fs-uuid", d->usb_fs_uuid);
		fut_tok_put_text(body, "usb-label", d->usb_label);
	} else {
		fut_tok_put_text(body, "upload-host", d->upload_host);
		fut_tok_put_text(body, "upload-program", d->upload_program);
	}
	fut_tok_put_text(body, "reason", q->reason);
	fut_tok_put_time(body, "created", q->created);
	fut_tok_put_time(body, "expires", q->expires);
	fut_tok_put_hex(body, "nonce", q->nonce, FUT_NONCE_LEN);
	/* Room for the signature line and the armour within the limit a reader takes. */
	if (body->len + 512 > (q->version == 2 ? FUT_REQUEST_V2_TEXT_MAX : FUT_REQUEST_TEXT_MAX)) {
		g_set_error(
		    error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		    _("the request would be larger than a reader takes (%u bytes)"),
		    (guint)(q->version == 2 ? FUT_REQUEST_V2_TEXT_MAX : FUT_REQUEST_TEXT_MAX));
		return FALSE;
	}
	return TRUE;
}

gboolean
fut_request_sign(FutRequest *q, const FutKey *host_key, GError **error)
{
	g_autoptr(GString) body = g_string_new(NULL);

	fut_key_get_public(host_key, q->host_key);
	if (!request_body(q, body, error))
		return FALSE;
	return fut_tok_sign_body(FUT_DOMAIN_REQUEST, body, host_key, &q->signature, error);
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
	fut_tok_put_signature(body, &q->signature);
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
	g_autofree gchar *body = NULL;
	g_autoptr(FutFieldReader) r = NULL;
	g_autoptr(FutRequest) q = fut_request_new();
	g_autoptr(GString) again = NULL;
	FutDestination *d = &q->destination;
	gboolean v2;
	guint64 v = 0;

	/* Version 2 (a list of files) may be longer; anything else keeps version 1's limit. */
	if (len <= FUT_REQUEST_TEXT_MAX) {
		body = fut_tok_decode_envelope(text, len, FUT_LABEL_REQUEST, FUT_REQUEST_TEXT_MAX,
		                               error);
	} else {
		body = fut_tok_decode_envelope(text, len, FUT_LABEL_REQUEST,
		                               FUT_REQUEST_V2_TEXT_MAX, NULL);
		if (body == NULL || !g_str_has_prefix(body, "version: 2\n")) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("input has %zu bytes, more than the limit of %zu (%zu for a "
			              "well-formed version-2 request)"),
			            len, (gsize)FUT_REQUEST_TEXT_MAX,
			            (gsize)FUT_REQUEST_V2_TEXT_MAX);
			return NULL;
		}
	}
	if (body == NULL)
		return NULL;
	v2 = g_str_has_prefix(body, "version: 2\n");
	r = fut_field_reader_new(body, v2 ? fut_tok_request_v2_keys(request_keys) : request_keys,
	                         error);
	if (r == NULL)
		return NULL;
	if (v2) {
		q->version = 2;
		if (fut_field_reader_take(r, "version", error) == NULL)
			return NULL;
	} else if (!fut_tok_read_version(r, error)) {
		return NULL;
	}
	if (!fut_tok_read_text(r, "host", FUT_NAME_MAX, FALSE, &q->host, error) ||
	    !fut_tok_read_b64(r, "host-key", q->host_key, FUT_ED25519_PUBLIC_LEN, error) ||
	    !fut_tok_read_token(r, "requester", &q->requester, error) ||
	    !fut_tok_read_uint(r, "uid", FUT_TOK_UID_MAX, &v, error))
		return NULL;
	q->uid = (guint32)v;
	if (!read_channel(r, &d->channel, error))
		return NULL;
	if (v2) {
		if (fut_field_reader_next_is(r, "file")) {
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			    _("field 'version': 2, but the request names one file as version "
			      "1 does"));
			return NULL;
		}
		if (!fut_tok_request_files_read(r, q, error) || !read_class(r, &q->klass, error))
			return NULL;
	} else if (!fut_tok_read_text(r, "file", FUT_TEXT_MAX, FALSE, &q->file_name, error) ||
	           !fut_tok_read_uint(r, "size", FUT_TOK_SIZE_MAX, &q->size, error) ||
	           !fut_tok_read_hex(r, "sha256", q->sha256, FUT_SHA256_LEN, error) ||
	           !read_class(r, &q->klass, error) ||
	           !fut_tok_read_text(r, "class-evidence", FUT_EVIDENCE_MAX, TRUE,
	                              &q->class_evidence, error)) {
		return NULL;
	}
	if (d->channel == FUT_CHANNEL_USB) {
		if (fut_field_reader_next_is(r, "usb-asset") &&
		    !fut_tok_read_text(r, "usb-asset", FUT_NAME_MAX, FALSE, &d->usb_asset, error))
			return NULL;
		if (!fut_tok_read_text(r, "usb-vendor", FUT_NAME_MAX, TRUE, &d->usb_vendor,
		                       error) ||
		    !fut_tok_read_text(r, "usb-product", FUT_NAME_MAX, TRUE, &d->usb_product,
		                       error) ||
		    !fut_tok_read_text(r, "usb-serial", FUT_NAME_MAX, TRUE, &d->usb_serial,
		                       error) ||
		    !fut_tok_read_text(r, "usb-fs-uuid", FUT_NAME_MAX, TRUE, &d->usb_fs_uuid,
		                       error) ||
		    !fut_tok_read_text(r, "usb-label", FUT_NAME_MAX, TRUE, &d->usb_label, error))
			return NULL;
	} else {
		if (!fut_tok_read_text(r, "upload-host", FUT_NAME_MAX, FALSE, &d->upload_host,
		                       error) ||
		    !fut_tok_read_text(r, "upload-program", FUT_TEXT_MAX, FALSE, &d->upload_program,
		                       error))
			return NULL;
	}
	if (!fut_tok_read_text(r, "reason", FUT_TEXT_MAX, FALSE, &q->reason, error) ||
	    !fut_tok_read_time(r, "created", &q->created, error) ||
	    !fut_tok_read_time(r, "expires", &q->expires, error) ||
	    !fut_tok_read_hex(r, "nonce", q->nonce, FUT_NONCE_LEN, error) ||
	    !fut_tok_read_signature(r, &q->signature, NULL, error))
		return NULL;
	again = request_full_body(q, error);
	if (again == NULL || !fut_tok_check_canonical(body, again, error))
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
	return fut_tok_verify_body(FUT_DOMAIN_REQUEST, body, key, &q->signature, _("the request"),
	                           error);
}

gboolean
fut_request_get_id(const FutRequest *q, guint8 ret_id[FUT_REQUEST_ID_LEN], GError **error)
{
	g_autoptr(GString) body = request_full_body(q, error);
	g_autoptr(GByteArray) msg = NULL;

	if (body == NULL)
		return FALSE;
	msg = fut_tok_signed_message(FUT_DOMAIN_REQUEST_ID, body->str, body->len);
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
