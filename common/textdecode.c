/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "content-private.h"

#define ICONV_STAGE (64 * 1024)
#define ICONV_OUT   (64 * 1024)

/* Text into the scanner. UTF-8, Shift_JIS (CP932) and EUC-JP are scanned as they are: the
 * scanner knows digits and words in all three (detect.c), so no conversion is paid for.
 * UTF-16 and ISO-2022-JP are converted to UTF-8 with iconv, streamed in pieces; a
 * character cut at the end of a piece waits for the next. */

static void
open_iconv(Decoder *dec, const gchar *from)
{
	dec->cd = g_iconv_open("UTF-8", from);
	if (dec->cd == (GIConv)-1) {
		content_problem(dec->ctx, "unreadable", _("the system cannot convert %s text"),
		                from);
		return;
	}
	dec->stage = g_malloc(ICONV_STAGE);
	dec->out = g_malloc(ICONV_OUT);
}

/* Text to the scanner, and to the base64 watch (base64scan.c), which so sees text after
 * any conversion: base64 in UTF-16 or in RTF is base64 there. */
static void
to_scanner(Decoder *dec, const guint8 *text, gsize len)
{
	guint64 at = dec->passed;

	if (dec->b64 != NULL)
		content_b64_feed(dec->b64, text, len);
	dec->passed += len;
	if (dec->scan_stop != 0) {
		if (at >= dec->scan_stop)
			return;
		len = (gsize)MIN((guint64)len, dec->scan_stop - at);
	}
	fut_scanner_feed(&dec->ctx->scan, text, len);
}

gboolean
content_decoder_passes_through(const Decoder *dec)
{
	return !dec->undecided && dec->cd == (GIConv)-1 && dec->rtf == NULL && !dec->probing;
}

static void
rtf_sink(const guint8 *text, gsize len, gpointer user_data)
{
	to_scanner(user_data, text, len);
}

static void
set_text(Decoder *dec, Kind kind)
{
	/* RTF's \'hh bytes are in its code page: Shift_JIS from Japanese Word */
	fut_scanner_set_text(&dec->ctx->scan, kind == KIND_CP932 || kind == KIND_RTF
	                                          ? FUT_SCAN_TEXT_CP932
	                                      : kind == KIND_EUCJP ? FUT_SCAN_TEXT_EUCJP
	                                                           : FUT_SCAN_TEXT_UTF8);
}

Decoder *
content_decoder_new(Ctx *ctx, Kind kind)
{
	Decoder *dec = g_new0(Decoder, 1);

	dec->ctx = ctx;
	dec->staged = 0;
	dec->invalid = 0;
	dec->cd = (GIConv)-1;
	dec->probing = kind == KIND_BINARY;
	const gchar *from = kind == KIND_UTF16       ? "UTF-16"
	                    : kind == KIND_UTF16LE   ? "UTF-16LE"
	                    : kind == KIND_UTF16BE   ? "UTF-16BE"
	                    : kind == KIND_ISO2022JP ? "ISO-2022-JP"
	                                             : NULL;

	if (from != NULL)
		open_iconv(dec, from);
	set_text(dec, kind);
	/* valid UTF-8 in the first bytes (often plain ASCII) says little about the rest */
	dec->undecided = kind == KIND_UTF8;
	dec->b64 = content_b64_new(ctx);
	if (kind == KIND_RTF) {
		dec->rtf = g_new0(FutRtfText, 1);
		fut_rtf_text_init(dec->rtf, rtf_sink, dec);
	}
	return dec;
}

/* How many bytes of @data are ASCII other than ESC (which starts ISO-2022-JP): 16 at a
 * time with SSE2, which ASCII text (code, English, a CSV of numbers) goes through whole. */
static gsize
plain_ascii(const guint8 *data, gsize len)
{
	gsize i = 0;

#if defined(__SSE2__)
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(data + i));

		if ((_mm_movemask_epi8(v) |
		     _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x1b)))) != 0)
			break;
	}
#endif
	while (i < len && data[i] < 0x80 && data[i] != 0x1b)
		i++;
	return i;
}

/* ASCII so far; at the first byte that is not, the rest is sniffed (a Shift_JIS part after
 * 64 KiB of ASCII is Shift_JIS). Returns how many bytes of @data were plain. */
static gsize
decide(Decoder *dec, const guint8 *data, gsize len)
{
	const gchar *what = NULL;
	gsize i = 0;
	Kind k;

	i = plain_ascii(data, len);
	if (i == len)
		return len;
	dec->undecided = FALSE;
	/* within the first bytes, which the stream was sniffed on (@data's first byte is
	 * at fed - len): UTF-8 it is */
	if (dec->fed - len + i < SNIFF_LEN)
		return i;
	k = content_sniff(data + i, MIN(len - i, SNIFF_LEN), FALSE, &what);
	if (k == KIND_ISO2022JP) {
		/* the escape sequences switch the converter: start it before the first */
		open_iconv(dec, "ISO-2022-JP");
	} else if (k == KIND_CP932 || k == KIND_EUCJP) {
		set_text(dec, k);
	}
	return i;
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

		to_scanner(dec, dec->out, ICONV_OUT - outleft);
		if (rc != (gsize)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL && !final)
			break; /* a character cut at the end: keep it for the next piece */
		/* an invalid sequence: a separator keeps numbers on either side apart */
		dec->invalid++;
		to_scanner(dec, (const guint8 *)" ", 1);
		in++;
		inleft--;
	}
	memmove(dec->stage, in, inleft);
	dec->staged = inleft;
}

void
content_decoder_feed(Decoder *dec, const guint8 *data, gsize len)
{
	if (len == 0)
		return; /* and data may be NULL */
	dec->fed += len;
	if (dec->probing)
		content_probe_feed(&dec->probe, data, len);
	if (dec->rtf != NULL) {
		fut_rtf_text_feed(dec->rtf, data, len);
		return;
	}
	if (dec->undecided) {
		gsize plain = decide(dec, data, len);
		to_scanner(dec, data, plain);
		data += plain;
		len -= plain;
	}
	if (dec->cd == (GIConv)-1) {
		to_scanner(dec, data, len);
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

B64Extract *
content_decoder_end(Decoder *dec)
{
	B64Extract *b64;

	if (dec->cd != (GIConv)-1) {
		decoder_convert(dec, TRUE);
		g_iconv_close(dec->cd);
	}
	fut_scanner_feed(&dec->ctx->scan, (const guint8 *)"\n", 1);
	fut_scanner_set_text(&dec->ctx->scan, FUT_SCAN_TEXT_UTF8);
	b64 = g_steal_pointer(&dec->b64);
	g_free(dec->rtf);
	g_free(dec->stage);
	g_free(dec->out);
	g_free(dec);
	return b64;
}

void
content_decoder_free(Decoder *dec)
{
	/* nothing decoded on the side is scanned */
	content_b64_free(content_decoder_end(dec));
}
