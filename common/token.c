/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "token-fields.h"
#include "token.h"

/* The small shared pieces of the signed objects: enums, destinations, the label peek.
 * Each object has its own file: token-cert.c, token-revocation.c, token-request.c,
 * token-approval.c, on the typed field layer token-fields.c. */

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
	g_free(d->usb_asset);
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
	d->usb_asset = g_strdup(s->usb_asset);
	d->usb_vendor = g_strdup(s->usb_vendor);
	d->usb_product = g_strdup(s->usb_product);
	d->usb_serial = g_strdup(s->usb_serial);
	d->usb_fs_uuid = g_strdup(s->usb_fs_uuid);
	d->usb_label = g_strdup(s->usb_label);
	d->upload_host = g_strdup(s->upload_host);
	d->upload_program = g_strdup(s->upload_program);
}

gboolean
fut_destination_equal(const FutDestination *a, const FutDestination *b)
{
	if (a->channel != b->channel)
		return FALSE;
	if (a->channel == FUT_CHANNEL_USB)
		return g_str_equal(fut_tok_nz(a->usb_vendor), fut_tok_nz(b->usb_vendor)) &&
		       g_str_equal(fut_tok_nz(a->usb_product), fut_tok_nz(b->usb_product)) &&
		       g_str_equal(fut_tok_nz(a->usb_serial), fut_tok_nz(b->usb_serial)) &&
		       g_str_equal(fut_tok_nz(a->usb_fs_uuid), fut_tok_nz(b->usb_fs_uuid)) &&
		       g_str_equal(fut_tok_nz(a->usb_label), fut_tok_nz(b->usb_label));
	if (a->channel == FUT_CHANNEL_UPLOAD)
		return g_str_equal(fut_tok_nz(a->upload_host), fut_tok_nz(b->upload_host)) &&
		       g_str_equal(fut_tok_nz(a->upload_program), fut_tok_nz(b->upload_program));
	return FALSE;
}

/* --- armour label --------------------------------------------------------------------- */

gchar *
fut_token_peek_label(const gchar *text, gsize len)
{
	return fut_armor_peek_label(text, len);
}
