/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "content-private.h"

/* Base64 text in a text stream: a roster run through base64(1) or `openssl base64`, a JSON
 * or HTML field holding a file, a mail body pasted after a page of other text; and plain hex
 * (`xxd -p`), which the same watch finds (end_hex_run()). Its bytes are letters and digits
 * that say nothing to the scanner, so a copy written that way came out Class III. Every text a
 * decoder hands the scanner (content_decoder_feed(): UTF-8, Shift_JIS and EUC-JP as they are,
 * UTF-16 and ISO-2022-JP after conversion, RTF's text, binary data) is watched here as well. Each
 * run of base64 long enough to be data (at least B64_MIN_RUN characters with both cases of letters)
 * is decoded, and after the text each run is classified as a stream of its own
 * (content_scan_buffer(): a zip, a gzip stream, text in any encoding, base64 again), one level
 * deeper.
 *
 * Most text has no such run, and the watch must not cost the scanner its speed. So the
 * watch runs in two modes. While it "looks", it only checks 16-byte blocks for one made
 * entirely of base64 letters (vector compares, 32 bytes at a time with AVX2): any run of 31
 * characters or more fills at least one block, whatever its position, and ordinary text (words, CSV
 * fields, Japanese) fills none. At such a block it goes back to where the run began (at most 15
 * bytes, kept across calls) and "decodes" character by character from there, until a 4 KiB
 * window ends outside any run; then it looks again. The first version only watched a
 * stream whose first 64 KiB were mostly base64, and a licence text in front of the roster
 * walked around it. */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "scan-filter.h"

#define B64_MIN_RUN  32   /* characters: shorter runs are words, hashes, identifiers */
#define HEX_MIN_RUN  48   /* hex digits: longer than a SHA-1 (git's 40), 24 bytes */
#define B64_LONG_RUN 64   /* a shorter run is kept only when it decodes to text */
#define B64_MIN_LINE 16   /* a run goes on over a line break after a line this long... */
#define B64_WINDOW   4096 /* decoding goes on at least this far once started */
#define B64_BACK     16   /* bytes kept from the end of the last call, to go back into */
#define B64_CHUNK    32   /* characters over which a run's mixing is counted... */
#define B64_MIXED    12   /* ...how many changes of kind (upper, lower, digit) it needs */
#define B64_CASE     3    /* ...and letters of each case (a Change-Id, "I" and hex, has one) */
#define B64_LEVELS   3    /* base64 inside base64 decoded this deep; deeper is Class II */

typedef gsize (*FindBlock)(const guint8 *d, gsize len);

struct _B64Extract {
	Ctx *ctx;
	FindBlock find_block;
	gboolean decoding;     /* decoding character by character; FALSE: looking for a block */
	gsize window_left;     /* while decoding: bytes before the next chance to look again */
	guint8 back[B64_BACK]; /* the last bytes fed, oldest first */
	guint back_len;
	GByteArray *vals; /* the current run's characters, as their 6-bit values */
	guint64 run_chars;
	gboolean run_changes; /* one of its chunks changes kind as data does (end_run()) */
	gboolean run_hex;     /* every character so far is a hex digit */
	guint hex_runs;       /* runs decoded as hex, of those in @ends */
	guint chunk_chars, chunk_changes;
	guint chunk_upper, chunk_lower; /* letters of each case in the chunk */
	gint prev_kind; /* of the last character: 0 upper, 1 lower, 2 digit, 3 a sign */
	guint line_len;
	gboolean line_pure; /* the line so far is base64 only */
	gboolean padded;    /* '=' seen: the run has ended, more '=' are its padding */
	GByteArray *out;    /* what the kept runs decode to, one after another */
	GArray *ends;       /* gsize: where each kept run ends in @out */
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

/* The offset of the first 16-byte block of @d made entirely of base64 letters (both
 * alphabets), or @len when there is none; a last part shorter than a block is not looked
 * at (it is kept in back[] and the next call's first block finds a run that goes on).
 * Three forms, chosen with the scanner's (scan-filter.c): AVX2, SSE2 and a scalar loop;
 * they find the same block. */
static gsize
find_block_scalar(const guint8 *d, gsize len)
{
	for (gsize i = 0; i + 16 <= len; i += 16) {
		guint j = 0;

		while (j < 16 && b64_value(d[i + j]) >= 0)
			j++;
		if (j == 16)
			return i;
	}
	return len;
}

#if defined(__x86_64__) || defined(__i386__)
/* A byte range as one signed compare: x - lo + 0x80 < n - 128 exactly for lo <= x < lo + n. */
#define IN_RANGE(add, set1, cmpgt, v, lo, n)                                                       \
	cmpgt(set1((gchar)(-128 + (n))), add(v, set1((gchar)(0x80 - (lo)))))

__attribute__((target("sse2"))) static gsize
find_block_sse2(const guint8 *d, gsize len)
{
	gsize i = 0;

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		__m128i ok;

		/* a byte from 0x80 up (Japanese text) rules the block out at once */
		if (_mm_movemask_epi8(v) != 0)
			continue;
		ok = IN_RANGE(_mm_add_epi8, _mm_set1_epi8, _mm_cmpgt_epi8,
		              _mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
		ok = _mm_or_si128(
		    ok, IN_RANGE(_mm_add_epi8, _mm_set1_epi8, _mm_cmpgt_epi8, v, '0', 10));
		ok = _mm_or_si128(ok, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
		                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('/'))));
		ok = _mm_or_si128(ok, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
		                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
		if (_mm_movemask_epi8(ok) == 0xffff)
			return i;
	}
	return i + find_block_scalar(d + i, len - i);
}

__attribute__((target("avx2"))) static gsize
find_block_avx2(const guint8 *d, gsize len)
{
	gsize i = 0;

	for (; i + 32 <= len; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(d + i));
		guint32 high = (guint32)_mm256_movemask_epi8(v);
		__m256i ok;
		guint32 m;

		/* a byte from 0x80 up (Japanese text) in each half rules both out at once */
		if ((high & 0xffff) != 0 && (high >> 16) != 0)
			continue;
		ok = IN_RANGE(_mm256_add_epi8, _mm256_set1_epi8, _mm256_cmpgt_epi8,
		              _mm256_or_si256(v, _mm256_set1_epi8(0x20)), 'a', 26);

		ok = _mm256_or_si256(
		    ok, IN_RANGE(_mm256_add_epi8, _mm256_set1_epi8, _mm256_cmpgt_epi8, v, '0', 10));
		ok = _mm256_or_si256(ok,
		                     _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('+')),
		                                     _mm256_cmpeq_epi8(v, _mm256_set1_epi8('/'))));
		ok = _mm256_or_si256(ok,
		                     _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')),
		                                     _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_'))));
		m = (guint32)_mm256_movemask_epi8(ok);
		if ((m & 0xffff) == 0xffff)
			return i;
		if ((m >> 16) == 0xffff)
			return i + 16;
	}
	return i + find_block_sse2(d + i, len - i);
}
#endif

static FindBlock
choose_find_block(void)
{
	switch (fut_scan_filter_get_impl()) {
#if defined(__x86_64__) || defined(__i386__)
	case FUT_SCAN_FILTER_AVX2:
		return find_block_avx2;
	case FUT_SCAN_FILTER_SSSE3:
		return find_block_sse2;
#endif
	default:
		return find_block_scalar;
	}
}

B64Extract *
content_b64_new(Ctx *ctx)
{
	B64Extract *b = g_new0(B64Extract, 1);

	b->ctx = ctx;
	b->find_block = choose_find_block();
	b->line_pure = TRUE;
	b->prev_kind = -1;
	b->run_hex = TRUE;
	b->out = g_byte_array_new();
	b->vals = g_byte_array_new();
	b->ends = g_array_new(FALSE, FALSE, sizeof(gsize));
	return b;
}

/* Decodes @n 6-bit values onto @out: three bytes for four, one for a last two, two for a
 * last three (the run ended at '=' or at its end). */
static void
decode_vals(GByteArray *out, const guint8 *v, gsize n)
{
	gsize i = 0;

	for (; i + 4 <= n; i += 4) {
		guint32 q = (guint32)v[i] << 18 | (guint32)v[i + 1] << 12 | (guint32)v[i + 2] << 6 |
		            v[i + 3];
		guint8 o[3] = {(guint8)(q >> 16), (guint8)(q >> 8), (guint8)q};

		g_byte_array_append(out, o, 3);
	}
	if (n - i >= 2) {
		guint32 q = (guint32)v[i] << 18 | (guint32)v[i + 1] << 12 |
		            (n - i == 3 ? (guint32)v[i + 2] << 6 : 0);
		guint8 o[2] = {(guint8)(q >> 16), (guint8)(q >> 8)};

		g_byte_array_append(out, o, n - i == 3 ? 2 : 1);
	}
}

/* Valid UTF-8, but for a character cut at the end (a head of a run, a run that ends early). */
static gboolean
utf8_text(const guint8 *p, gsize n)
{
	const gchar *end = NULL;

	if (g_utf8_validate_len((const gchar *)p, n, &end))
		return TRUE;
	return (const guint8 *)end + 3 >= p + n &&
	       g_utf8_get_char_validated(end, (gssize)(p + n - (const guint8 *)end)) ==
	           (gunichar)-2;
}

/* A short run's bytes are text: no control character but tab and line ends, and valid
 * UTF-8, Shift_JIS (CP932) or EUC-JP. The bytes of an identifier or a path taken for base64
 * are practically never all three. */
static gboolean
looks_like_text(const guint8 *p, gsize n)
{
	gboolean sjis = TRUE, euc = TRUE;

	for (gsize i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] == 0x7f)
			return FALSE;
	if (utf8_text(p, n))
		return TRUE;
	for (gsize i = 0; i < n && sjis; i++) {
		guint8 c = p[i];

		if (c < 0x80 || (c >= 0xa1 && c <= 0xdf))
			continue;
		sjis = ((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc)) &&
		       (i + 1 == n || (p[i + 1] >= 0x40 && p[i + 1] <= 0xfc && p[i + 1] != 0x7f));
		i++;
	}
	for (gsize i = 0; i < n && euc && !sjis; i++) {
		guint8 c = p[i];

		if (c < 0x80)
			continue;
		euc = ((c >= 0xa1 && c <= 0xfe) || c == 0x8e) &&
		      (i + 1 == n || (p[i + 1] >= 0xa1 && p[i + 1] <= 0xfe));
		i++;
	}
	return sjis || euc;
}

/* How well decoded bytes (a run's first ones) look like the start of something: 2 for UTF-8
 * text or a format the classifier reads, 1 for Shift_JIS or EUC-JP text (noise passes those
 * more often), 0 for neither. start_score(): of a base64 run decoded from its character
 * @shift on. */
static guint
head_score(const guint8 *head, gsize n)
{
	static const struct {
		const gchar *magic;
		guint len;
	} magics[] = {
	    {"PK\3\4", 4},
	    {"\x1f\x8b", 2},
	    {"\xfd"
	     "7zXZ",
	     6},
	    {"BZh", 3},
	    {"\x28\xb5\x2f\xfd", 4},
	    {"7z\xbc\xaf", 4},
	    {"%PDF", 4},
	    {"\xd0\xcf\x11\xe0", 4},
	    {"{\\rtf", 5},
	    {"\xff\xfe", 2},
	    {"\xfe\xff", 2},
	};

	for (guint i = 0; i < G_N_ELEMENTS(magics); i++)
		if (n >= magics[i].len && memcmp(head, magics[i].magic, magics[i].len) == 0)
			return 2;
	if (n < 8 || !looks_like_text(head, n))
		return 0;
	return utf8_text(head, n) ? 2 : 1;
}

static guint
start_score(const guint8 *v, gsize n, guint shift)
{
	g_autoptr(GByteArray) head = g_byte_array_new();

	decode_vals(head, v + shift, MIN(n - shift, 64) / 4 * 4);
	return head_score(head->data, head->len);
}

/* Where the run's data begins. Base64 with letters glued in front ("co" + the roster's
 * base64: text cut mid-word, or put there on purpose) decodes to noise from its first
 * character. The first of the four offsets whose first bytes score best is taken (the
 * run's first character when none scores). */
static guint
run_shift(const guint8 *v, gsize n)
{
	guint best = 0, best_score = 0;

	if (n < B64_MIN_RUN)
		return 0;
	for (guint shift = 0; shift < 4 && best_score < 2; shift++) {
		guint score = start_score(v, n, shift);

		if (score > best_score) {
			best = shift;
			best_score = score;
		}
	}
	return best;
}

/* A base64 value that is a hex digit, as the digit; -1 for none. */
static gint
hex_of(guint8 v)
{
	if (v < 6)
		return v + 10; /* A-F */
	if (v >= 26 && v < 32)
		return v - 26 + 10; /* a-f */
	if (v >= 52 && v < 62)
		return v - 52; /* 0-9 */
	return -1;
}

/* A run of hex digits that is not base64 of data (`xxd -p`, `od`-less dumps, a hexlified
 * field): decoded two digits a byte, and kept only when its first bytes are text or the
 * start of a known format, so a digest (random bytes) or a long number (bytes under 0x20)
 * costs nothing. A digit glued in front is tried as base64's letters are. */
static void
end_hex_run(B64Extract *b)
{
	gsize start = b->out->len;

	for (guint shift = 0; shift < 2; shift++) {
		guint8 head[48];
		gsize n = 0;

		for (gsize i = shift; i + 1 < b->vals->len && n < sizeof(head); i += 2)
			head[n++] =
			    (guint8)(hex_of(b->vals->data[i]) << 4 | hex_of(b->vals->data[i + 1]));
		/* Shift_JIS or EUC-JP only on a full head: random bytes pass for them too
		 * often (a SHA-256 digest is 32 bytes; a SHA-512 one passes about 1 in 1,000) */
		guint score = head_score(head, n);

		if (score == 0 || (score == 1 && n < sizeof(head)))
			continue;
		for (gsize i = shift; i + 1 < b->vals->len; i += 2) {
			guint8 byte =
			    (guint8)(hex_of(b->vals->data[i]) << 4 | hex_of(b->vals->data[i + 1]));

			g_byte_array_append(b->out, &byte, 1);
		}
		if (b->out->len > start) {
			gsize end = b->out->len;

			g_array_append_val(b->ends, end);
			b->hex_runs++;
		}
		return;
	}
}

/* The run ends here: kept when it is long enough and looks like base64 of data, dropped
 * otherwise. One of its chunks of B64_CHUNK characters must change between upper case, lower
 * case and digits as base64 of data does (at about 6 characters in 10, against 1 or 2 for
 * words and paths) and have several letters of each case (a hex digest, a Gerrit Change-Id,
 * a long number or an upper-case code has not); one such chunk keeps the run, so a run
 * padded with zeros ("AAAA…") counts by its other chunks. A run shorter than B64_LONG_RUN
 * (at most 47 bytes) must also decode to text: CamelCase identifiers of that length are
 * common in text and their bytes are not text, and what such a run could carry that
 * matters is a line of text. A long CamelCase path decoded by mistake costs the evidence
 * line: its bytes are scanned and say nothing. */
static void
end_run(B64Extract *b)
{
	if (b->run_chars >= B64_MIN_RUN && b->run_changes && !b->too_large) {
		guint shift = run_shift(b->vals->data, b->vals->len);
		gsize start = b->out->len;

		decode_vals(b->out, b->vals->data + shift, b->vals->len - shift);
		if (b->out->len > start &&
		    (b->run_chars >= B64_LONG_RUN ||
		     looks_like_text(b->out->data + start, b->out->len - start))) {
			gsize end = b->out->len;

			g_array_append_val(b->ends, end);
		} else {
			g_byte_array_set_size(b->out, (guint)start);
		}
	} else if (b->run_chars >= HEX_MIN_RUN && b->run_hex && !b->too_large) {
		end_hex_run(b);
	}
	g_byte_array_set_size(b->vals, 0);
	b->run_hex = TRUE;
	b->run_chars = 0;
	b->run_changes = FALSE;
	b->chunk_chars = 0;
	b->chunk_changes = 0;
	b->chunk_upper = 0;
	b->chunk_lower = 0;
	b->prev_kind = -1;
	b->padded = FALSE;
}

/* Counts the kind of one character into the current chunk. */
static void
count_kind(B64Extract *b, gint v)
{
	gint kind = v < 26 ? 0 : v < 52 ? 1 : v < 62 ? 2 : 3;

	b->chunk_upper += kind == 0;
	b->chunk_lower += kind == 1;
	if (kind != 3 && b->prev_kind >= 0 && b->prev_kind != 3 && kind != b->prev_kind)
		b->chunk_changes++;
	b->prev_kind = kind;
	if (++b->chunk_chars == B64_CHUNK) {
		b->run_changes =
		    b->run_changes || (b->chunk_upper >= B64_CASE && b->chunk_lower >= B64_CASE &&
		                       b->chunk_changes >= B64_MIXED);
		b->chunk_chars = 0;
		b->chunk_changes = 0;
		b->chunk_upper = 0;
		b->chunk_lower = 0;
	}
}

static void
take_char(B64Extract *b, gint v)
{
	guint8 c = (guint8)v;

	b->run_chars++;
	count_kind(b, v);
	b->run_hex = b->run_hex && hex_of(c) >= 0;
	if (b->too_large)
		return;
	/* what the kept runs and this one decode to stays within the archive limit (three
	 * bytes for four characters as base64, two as hex) */
	if (b->out->len + (b->vals->len + 1) / 4 * 3 > b->ctx->cl->archive_limit) {
		b->too_large = TRUE;
		g_byte_array_set_size(b->vals, 0);
		return;
	}
	g_byte_array_append(b->vals, &c, 1);
}

/* '=': the run's data has ended; more '=' are its padding. */
static void
take_pad(B64Extract *b)
{
	b->padded = TRUE;
	b->run_hex = FALSE;
}

/* Character by character. */
static void
decode(B64Extract *b, const guint8 *d, gsize len)
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

/* Keeps the last bytes fed, for a run whose first characters came in the last call. */
static void
keep_back(B64Extract *b, const guint8 *d, gsize len)
{
	if (len >= B64_BACK) {
		memcpy(b->back, d + len - B64_BACK, B64_BACK);
		b->back_len = B64_BACK;
		return;
	}
	if (b->back_len + len > B64_BACK) {
		guint drop = b->back_len + (guint)len - B64_BACK;

		memmove(b->back, b->back + drop, b->back_len - drop);
		b->back_len -= drop;
	}
	memcpy(b->back + b->back_len, d, len);
	b->back_len += (guint)len;
}

/* A block of base64 at @d + @at: decoding starts where its run began, at most B64_BACK
 * bytes before (the first full block of a run starts within 15 characters of its start),
 * on a fresh line. */
static void
start_decoding(B64Extract *b, const guint8 *d, gsize at)
{
	guint back = 0; /* bytes of back[] to decode first */
	gsize from = at;

	while (from > 0 && at - from < B64_BACK && b64_value(d[from - 1]) >= 0)
		from--;
	if (from == 0 && at < B64_BACK)
		while (back < b->back_len && at + back < B64_BACK &&
		       b64_value(b->back[b->back_len - back - 1]) >= 0)
			back++;
	end_run(b);
	b->line_len = 0;
	b->line_pure = TRUE;
	b->decoding = TRUE;
	b->window_left = B64_WINDOW;
	decode(b, b->back + b->back_len - back, back);
	decode(b, d + from, at - from);
}

void
content_b64_feed(B64Extract *b, const guint8 *d, gsize len)
{
	gsize i = 0;

	while (i < len) {
		if (b->decoding) {
			gsize n = MIN(len - i, b->window_left);

			decode(b, d + i, n);
			i += n;
			b->window_left -= n;
			/* the window is over outside any run: look again */
			if (b->window_left == 0 && b->run_chars == 0 && !b->padded)
				b->decoding = FALSE;
			else if (b->window_left == 0)
				b->window_left = B64_WINDOW;
		} else {
			gsize at = i + b->find_block(d + i, len - i);

			if (at >= len)
				break;
			start_decoding(b, d, at);
			i = at;
		}
	}
	keep_back(b, d, len);
}

void
content_b64_finish(B64Extract *b, guint depth)
{
	Ctx *ctx = b->ctx;
	guint runs;
	gsize from = 0;

	end_run(b);
	runs = b->ends->len;
	if (b->too_large)
		content_problem(ctx, "too-large",
		                _("base64 text in the file decodes to more than %llu MiB"),
		                (unsigned long long)(ctx->cl->archive_limit / MIB));
	if (runs > 0 && ctx->b64_level >= B64_LEVELS) {
		content_problem(ctx, "unsupported",
		                _("base64 text nested more than %u levels deep is not decoded"),
		                B64_LEVELS);
		content_b64_free(b);
		return;
	}
	if (runs > b->hex_runs)
		content_evidence(ctx, "base64", FUT_CLASS_NONE, runs - b->hex_runs,
		                 _("%u run(s) of base64 text decoded and scanned"),
		                 runs - b->hex_runs);
	if (b->hex_runs > 0)
		content_evidence(ctx, "base64", FUT_CLASS_NONE, b->hex_runs,
		                 _("%u run(s) of hex digits decoded and scanned"), b->hex_runs);
	/* Decoded text is smaller than its base64: it nests no deeper into archives (@depth
	 * is the stream's own), and only the levels of base64 are bounded. Each run is a
	 * stream of its own: a zip or an xz stream is found at its start. */
	ctx->b64_level++;
	for (guint i = 0; i < runs && !ctx->abort; i++) {
		gsize end = g_array_index(b->ends, gsize, i);

		if (!content_take_budget(ctx, end - from, _("base64 text")))
			break;
		content_scan_buffer(ctx, b->out->data + from, end - from, depth,
		                    _("base64 text in the file"));
		from = end;
	}
	ctx->b64_level--;
	content_b64_free(b);
}

void
content_b64_free(B64Extract *b)
{
	if (b == NULL)
		return;
	g_byte_array_unref(b->out);
	g_byte_array_unref(b->vals);
	g_array_unref(b->ends);
	g_free(b);
}
