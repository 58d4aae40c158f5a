/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "content-private.h"

/* Base64 text in a text stream: a roster run through base64(1) or `openssl base64`, a JSON
 * or HTML field holding a file. Its bytes are letters and digits that say nothing to the
 * scanner, so a copy written that way came out Class III. A stream whose first 64 KiB are at
 * least half base64 (in runs of B64_MIN_RUN characters or more, with both cases of letters)
 * is watched while it is scanned as text: every run of base64 long enough to be data is
 * decoded, and after the text each run is classified as a stream of its own
 * (content_scan_buffer(): a zip, a gzip stream, text in any encoding, base64 again), one
 * level deeper. */

#define B64_MIN_RUN  32  /* characters: shorter runs are words, hashes, identifiers */
#define B64_MIN_LINE 16  /* a run goes on over a line break after a line this long... */
#define B64_RUNS_MAX 256 /* runs decoded per stream; more are counted, not scanned */

struct _B64Extract {
	Ctx *ctx;
	guint32 quad;   /* bits of the characters not yet decoded */
	guint quad_len; /* 0..3 characters in @quad */
	guint64 run_chars;
	guint line_len;
	gboolean line_pure; /* the line so far is base64 only */
	gboolean padded;    /* '=' seen: the run has ended, more '=' are its padding */
	GByteArray *cur;    /* what the current run decodes to */
	GPtrArray *runs;    /* GByteArray *: runs of at least B64_MIN_RUN characters */
	guint64 runs_dropped;
	guint64 kept; /* bytes in @runs */
	gboolean too_large;
};

static gint
b64_value(guint8 c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62; /* '-' and '_': the URL-safe alphabet */
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

gboolean
content_b64_dominant(const guint8 *d, gsize len)
{
	gsize total = 0, in_runs = 0, run = 0;
	gboolean upper = FALSE, lower = FALSE;

	for (gsize i = 0; i < len; i++) {
		guint8 c = d[i];

		if (b64_value(c) >= 0 || c == '=') {
			upper = upper || (c >= 'A' && c <= 'Z');
			lower = lower || (c >= 'a' && c <= 'z');
			run++;
		} else if (c != '\n' && c != '\r') {
			/* (a line break inside a block of base64 lines does not end it) */
			if (run >= B64_MIN_RUN)
				in_runs += run;
			run = 0;
		}
		if (c != '\n' && c != '\r')
			total++;
		/* ordinary text gives up within the first pages */
		if (i == 8191 && in_runs == 0 && run < B64_MIN_RUN)
			return FALSE;
	}
	if (run >= B64_MIN_RUN)
		in_runs += run;
	/* a list of numbers is all digits: both cases of letters and long runs are what base64
	 * of data has and a CSV or a hex dump has not; at least half the text is in long runs */
	return upper && lower && in_runs > 0 && in_runs * 2 >= total;
}

B64Extract *
content_b64_new(Ctx *ctx)
{
	B64Extract *b = g_new0(B64Extract, 1);

	b->ctx = ctx;
	b->line_pure = TRUE;
	b->cur = g_byte_array_new();
	b->runs = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	return b;
}

static void
put(B64Extract *b, const guint8 *bytes, guint n)
{
	if (b->too_large)
		return;
	if (b->kept + b->cur->len + n > b->ctx->cl->archive_limit) {
		b->too_large = TRUE;
		g_byte_array_set_size(b->cur, 0);
		return;
	}
	g_byte_array_append(b->cur, bytes, n);
}

/* The run ends here: kept when it was long enough, dropped otherwise. */
static void
end_run(B64Extract *b)
{
	if (b->run_chars >= B64_MIN_RUN && b->cur->len > 0 && !b->too_large) {
		if (b->runs->len < B64_RUNS_MAX) {
			b->kept += b->cur->len;
			g_ptr_array_add(b->runs, b->cur);
			b->cur = g_byte_array_new();
		} else {
			b->runs_dropped++;
		}
	}
	g_byte_array_set_size(b->cur, 0);
	b->quad = 0;
	b->quad_len = 0;
	b->run_chars = 0;
	b->padded = FALSE;
}

static void
take_char(B64Extract *b, gint v)
{
	b->quad = (b->quad << 6) | (guint32)v;
	b->run_chars++;
	if (++b->quad_len == 4) {
		guint8 out[3] = {(guint8)(b->quad >> 16), (guint8)(b->quad >> 8), (guint8)b->quad};

		put(b, out, 3);
		b->quad = 0;
		b->quad_len = 0;
	}
}

/* '=': the bits of a partial group are the run's last bytes. */
static void
take_pad(B64Extract *b)
{
	if (!b->padded) {
		if (b->quad_len == 2) {
			guint8 out = (guint8)(b->quad >> 4);

			put(b, &out, 1);
		} else if (b->quad_len == 3) {
			guint8 out[2] = {(guint8)(b->quad >> 10), (guint8)(b->quad >> 2)};

			put(b, out, 2);
		}
		b->quad_len = 0;
		b->padded = TRUE;
	}
}

void
content_b64_feed(B64Extract *b, const guint8 *d, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		guint8 c = d[i];
		gint v = b64_value(c);

		if (v >= 0) {
			if (b->padded)
				end_run(b); /* data after the padding: a new run */
			take_char(b, v);
			b->line_len++;
		} else if (c == '=') {
			take_pad(b);
			b->line_len++;
		} else if (c == '\n') {
			/* base64(1) and MIME wrap their lines at a multiple of four characters:
			 * the run goes on; a short or odd line (a word, a header) ends it */
			if (!(b->line_pure && b->line_len >= B64_MIN_LINE && b->line_len % 4 == 0))
				end_run(b);
			b->line_len = 0;
			b->line_pure = TRUE;
		} else if (c == '\r') {
			/* CRLF line ends: the '\n' decides */
		} else {
			end_run(b);
			b->line_pure = FALSE;
			b->line_len = 0;
		}
	}
}

void
content_b64_finish(B64Extract *b, guint depth)
{
	Ctx *ctx = b->ctx;

	end_run(b);
	if (b->too_large)
		content_problem(ctx, "too-large",
		                _("base64 text in the file decodes to more than %llu MiB"),
		                (unsigned long long)(ctx->cl->archive_limit / MIB));
	if (b->runs->len > 0 && depth > ctx->cl->archive_max_depth)
		content_problem(ctx, "unsupported",
		                _("base64 text nested more than %u levels deep is not decoded"),
		                ctx->cl->archive_max_depth);
	else if (b->runs->len > 0)
		content_evidence(ctx, "base64", FUT_CLASS_NONE, b->runs->len,
		                 _("%u run(s) of base64 text decoded and scanned%s"), b->runs->len,
		                 b->runs_dropped > 0 ? _(" (more were not)") : "");
	for (guint i = 0; depth <= ctx->cl->archive_max_depth && i < b->runs->len && !ctx->abort;
	     i++) {
		GByteArray *run = g_ptr_array_index(b->runs, i);

		if (!content_take_budget(ctx, run->len, _("base64 text")))
			break;
		content_scan_buffer(ctx, run->data, run->len, depth, _("base64 text in the file"));
	}
	content_b64_free(b);
}

void
content_b64_free(B64Extract *b)
{
	g_ptr_array_unref(b->runs);
	g_byte_array_unref(b->cur);
	g_free(b);
}
