/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "content-private.h"

#define ICONV_STAGE (64 * 1024)
#define ICONV_OUT   (64 * 1024)

/* Text in CP932 or UTF-16 converted to UTF-8 into the scanner, streamed in pieces; a
 * character cut at the end of a piece waits for the next. */

Decoder *
content_decoder_new(Ctx *ctx, Kind kind)
{
	Decoder *dec = g_new0(Decoder, 1);

	dec->ctx = ctx;
	dec->staged = 0;
	dec->invalid = 0;
	dec->cd = (GIConv)-1;
	const gchar *from = kind == KIND_CP932     ? "CP932"
	                    : kind == KIND_UTF16   ? "UTF-16"
	                    : kind == KIND_UTF16LE ? "UTF-16LE"
	                    : kind == KIND_UTF16BE ? "UTF-16BE"
	                                           : NULL;

	if (from != NULL) {
		dec->cd = g_iconv_open("UTF-8", from);
		if (dec->cd == (GIConv)-1)
			content_problem(ctx, "unreadable", _("the system cannot convert %s text"), from);
	}
	if (dec->cd != (GIConv)-1) {
		dec->stage = g_malloc(ICONV_STAGE);
		dec->out = g_malloc(ICONV_OUT);
	}
	return dec;
}

static void
decoder_convert(Decoder *dec, gboolean final)
{
	gchar *in = (gchar *)dec->stage;
	gsize inleft = dec->staged;

	while (inleft > 0) {
		gchar *out = (gchar *)dec->out;
		gsize outleft = ICONV_OUT;
		gsize rc = g_iconv(dec->cd, &in, &inleft, &out, &outleft);
		int e = errno;

		fut_scanner_feed(&dec->ctx->scan, dec->out, ICONV_OUT - outleft);
		if (rc != (gsize)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL && !final)
			break; /* a character cut at the end: keep it for the next piece */
		/* an invalid sequence: a separator keeps numbers on either side apart */
		dec->invalid++;
		fut_scanner_feed(&dec->ctx->scan, (const guint8 *)" ", 1);
		in++;
		inleft--;
	}
	memmove(dec->stage, in, inleft);
	dec->staged = inleft;
}

void
content_decoder_feed(Decoder *dec, const guint8 *data, gsize len)
{
	if (dec->cd == (GIConv)-1) {
		fut_scanner_feed(&dec->ctx->scan, data, len);
		return;
	}
	while (len > 0) {
		gsize n = MIN(len, ICONV_STAGE - dec->staged);
		memcpy(dec->stage + dec->staged, data, n);
		dec->staged += n;
		data += n;
		len -= n;
		decoder_convert(dec, FALSE);
		if (dec->staged == ICONV_STAGE) {
			/* cannot happen with real encodings (a character is a few bytes);
			 * drop rather than loop */
			dec->invalid++;
			dec->staged = 0;
		}
	}
}

void
content_decoder_free(Decoder *dec)
{
	if (dec->cd != (GIConv)-1) {
		decoder_convert(dec, TRUE);
		g_iconv_close(dec->cd);
	}
	fut_scanner_feed(&dec->ctx->scan, (const guint8 *)"\n", 1);
	g_free(dec->stage);
	g_free(dec->out);
	g_free(dec);
}

