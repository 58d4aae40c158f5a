/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the OOXML text extractor (common/xmltext.c). The first byte picks a
 * chunk size; the rest is fed once whole and once in chunks of that size, and both runs
 * must give the same text and the same verdict (the state machine may be split anywhere). */
#include "config.h"

#include "fuzz-common.h"
#include "xmltext.h"

static void
collect(const guint8 *text, gsize len, gpointer user_data)
{
	if (len == 0 || len > FUT_XML_TEXT_OUT)
		abort();
	g_string_append_len(user_data, (const gchar *)text, (gssize)len);
}

static gboolean
extract(const uint8_t *data, size_t size, size_t chunk, GString *out)
{
	FutXmlText x;
	g_autoptr(GError) error = NULL;
	gboolean ok;

	fut_xml_text_init(&x, collect, out);
	for (size_t off = 0; off < size; off += chunk)
		fut_xml_text_feed(&x, data + off, MIN(chunk, size - off));
	ok = fut_xml_text_finish(&x, &error);
	if (ok != (error == NULL))
		abort();
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GString) whole = g_string_new(NULL);
	g_autoptr(GString) parts = g_string_new(NULL);
	size_t chunk;
	gboolean ok1, ok2;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	ok1 = extract(data, size, size > 0 ? size : 1, whole);
	ok2 = extract(data, size, chunk, parts);
	if (ok1 != ok2 || !g_string_equal(whole, parts)) {
		fprintf(stderr, "chunked extraction differs from whole extraction\n");
		abort();
	}
	return 0;
}
