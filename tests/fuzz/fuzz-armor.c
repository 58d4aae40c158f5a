/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the armour envelope, strict base64 and the public-key file parser. */
#include "config.h"

#include <stdio.h>

#include "armor.h"
#include "crypto.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *text = (const gchar *)data;
	g_autofree gchar *label = fut_armor_peek_label(text, size);
	g_autofree gchar *body = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(FutKey) key = NULL;
	g_autofree guint8 *raw = NULL;
	gsize raw_len = 0;

	if (label != NULL && fut_armor_decode_text(text, size, label, 65536, &body, NULL)) {
		/* a decoded body encodes back to the same envelope */
		g_autofree gchar *again = fut_armor_encode_text(label, body);
		fuzz_check_same(data, size, again);
	}
	if (label != NULL)
		bytes = fut_armor_decode_bytes(text, size, label, 65536, NULL);
	if (bytes != NULL) {
		g_autofree gchar *again = fut_armor_encode_bytes(
		    label, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
		fuzz_check_same(data, size, again);
	}
	key = fut_key_import_public(text, size, NULL);
	if (fut_base64_decode_strict(text, size, &raw, &raw_len, NULL)) {
		g_autofree gchar *again = g_base64_encode(raw, raw_len);
		if (strlen(again) != size || memcmp(again, data, size) != 0)
			abort();
	}
	return 0;
}
