/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "content-private.h"

/* One stream inside a container (a zip entry, a file in a tar, a decompressed stream):
 * sniffed on its first bytes, then streamed through a decoder (text, binary) or gathered
 * whole for a nested container, never more than the archive limit. */

struct _EntrySink {
	Ctx *ctx;
	gchar *name;
	guint depth;
	GByteArray *head;
	Decoder *dec;
	gboolean whole; /* a container: gathered whole */
};

gboolean
content_take_budget(Ctx *ctx, gsize n, const gchar *container)
{
	if (n > ctx->budget_left) {
		content_problem(ctx, "zip-bomb",
		                _("%s: decompresses to more than the limit of %llu MiB"), container,
		                (unsigned long long)(ctx->budget_total / MIB));
		ctx->abort = TRUE;
		return FALSE;
	}
	ctx->budget_left -= n;
	return TRUE;
}

EntrySink *
content_entry_new(Ctx *ctx, const gchar *shown_name, guint depth)
{
	EntrySink *e = g_new0(EntrySink, 1);

	e->ctx = ctx;
	e->name = g_strdup(shown_name);
	e->depth = depth;
	e->head = g_byte_array_new();
	return e;
}

gboolean
content_entry_feed(EntrySink *e, const guint8 *data, gsize len)
{
	Ctx *ctx = e->ctx;

	if (!content_take_budget(ctx, len, e->name))
		return FALSE;
	if (e->dec != NULL) {
		content_decoder_feed(e->dec, data, len);
		return TRUE;
	}
	if (len > G_MAXUINT - e->head->len ||
	    (e->whole && e->head->len + len > ctx->cl->archive_limit)) {
		content_problem(ctx, "too-large", _("%s: nested archive larger than %llu MiB"),
		                e->name, (unsigned long long)(ctx->cl->archive_limit / MIB));
		return FALSE;
	}
	g_byte_array_append(e->head, data, (guint)len);
	if (!e->whole && e->head->len >= SNIFF_LEN) {
		const gchar *what = NULL;
		Kind k = content_sniff(e->head->data, e->head->len, FALSE, &what);
		if (content_opaque(ctx, k, what, e->name))
			return FALSE;
		e->whole = content_kind_whole(k);
		if (!e->whole) {
			e->dec = content_decoder_new(ctx, k);
			content_decoder_feed(e->dec, e->head->data, e->head->len);
			g_byte_array_set_size(e->head, 0);
		}
	}
	return TRUE;
}

void
content_entry_finish(EntrySink *e, gboolean failed)
{
	if (e->dec != NULL) {
		B64Extract *b64;

		if (e->dec->probing && !failed)
			content_probe_report(e->ctx, &e->dec->probe, e->name);
		b64 = content_decoder_end(e->dec);
		/* base64 runs in the entry's text: as deep as the entry's own text */
		if (failed)
			content_b64_free(b64);
		else
			content_b64_finish(b64, e->depth + 1);
	} else if (!failed) {
		/* short entries, and containers: classified from memory */
		content_scan_buffer(e->ctx, e->head->data, e->head->len, e->depth + 1, e->name);
	}
	g_byte_array_unref(e->head);
	g_free(e->name);
	g_free(e);
}
