/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content detectors: the check digits and the streaming scanner (the word automaton it
 * runs is built in detect-words.c). */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <glib.h>

#include "detect-private.h"
#include "scan-filter.h"

/* Both check digits are the same modulus-11 scheme written in two ordinances:
 *   check = 11 - (sum(Pn * Qn) mod 11), or 0 when the remainder is 0 or 1,
 *   Pn = the n-th digit counting from the least significant digit of the payload,
 *   Qn = n + 1 for 1 <= n <= 6, n - 5 for n >= 7.
 * My Number: 11-digit payload (総務省令第八十五号 第五条); resident-register code: 10-digit
 * payload (平成14年総務省告示第436号). */
static gint
mod11_check_digit(const gchar *payload, gsize len)
{
	guint sum = 0;

	for (gsize n = 1; n <= len; n++) {
		guint p = (guint)(payload[len - n] - '0');
		guint q = n <= 6 ? (guint)n + 1 : (guint)n - 5;
		sum += p * q;
	}
	sum %= 11;
	return sum <= 1 ? 0 : (gint)(11 - sum);
}

static gboolean
all_ascii_digits(const gchar *s, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FALSE;
	}
	return TRUE;
}

gboolean
fut_mynumber_is_valid(const gchar *digits, gsize len)
{
	if (digits == NULL || len != FUT_MYNUMBER_LEN || !all_ascii_digits(digits, len))
		return FALSE;
	return mod11_check_digit(digits, len - 1) == digits[len - 1] - '0';
}

gboolean
fut_resident_code_is_valid(const gchar *digits, gsize len)
{
	if (digits == NULL || len != FUT_RESIDENT_CODE_LEN || !all_ascii_digits(digits, len))
		return FALSE;
	return mod11_check_digit(digits, len - 1) == digits[len - 1] - '0';
}

gchar *
fut_mask_digits(const gchar *digits)
{
	gsize len = strlen(digits);
	gchar *out = g_strdup(digits);

	for (gsize i = 4; i < len; i++)
		out[i] = '*';
	return out;
}

/* --- the scanner --------------------------------------------------------------------- */

/* For a scanner without words: only digits and the full-width lead byte are of interest. */
static const guint8 *
no_words_boring(void)
{
	static guint8 table[256];
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		for (guint b = 0; b < 256; b++)
			table[b] = !(b >= '0' && b <= '9') && b != 0xef ? 1 : 0;
		g_once_init_leave(&done, 1);
	}
	return table;
}

/* Without words only digits and full-width leads stop the filter: its pair tables are
 * empty. */
static const FutScanFilter no_words_filter = {.usable = TRUE};

void
fut_scanner_init(FutScanner *scan, const FutScanWords *words)
{
	g_return_if_fail(words == NULL || words->built);
	memset(scan, 0, sizeof(*scan));
	scan->words = words;
	scan->chain_ok = TRUE;
	scan->boring = words != NULL ? words->boring : no_words_boring();
	scan->legacy_lead = 0xef; /* none: the UTF-8 lead stands in */
}

void
fut_scanner_set_text(FutScanner *scan, FutScanText text)
{
	const guint8 *base = scan->words != NULL ? scan->words->boring : no_words_boring();

	if (text == FUT_SCAN_TEXT_UTF8) {
		scan->boring = base;
		scan->legacy_lead = 0xef;
		return;
	}
	scan->legacy_lead = text == FUT_SCAN_TEXT_CP932 ? 0x82 : 0xa3;
	scan->legacy_lo = text == FUT_SCAN_TEXT_CP932 ? 0x4f : 0xb0;
	memcpy(scan->boring_own, base, 256);
	scan->boring_own[scan->legacy_lead] = 0;
	scan->boring = scan->boring_own;
}

/* The scanner's runs are digits already: the check without the argument checks, for the
 * two lengths there are, unrolled (a loop's exit was a mispredicted branch per number). */
static inline gboolean
mod11_tail(guint sum, const gchar *last)
{
	sum %= 11;
	return (sum <= 1 ? 0 : 11 - sum) == (guint)(*last - '0');
}

#define D(i) ((guint)(d[i] - '0'))
static inline gboolean
mynumber_ok(const gchar *d)
{
	/* weights from the most significant digit: Qn for n = 11 .. 1 */
	return mod11_tail(6 * D(0) + 5 * D(1) + 4 * D(2) + 3 * D(3) + 2 * D(4) + 7 * D(5) +
	                      6 * D(6) + 5 * D(7) + 4 * D(8) + 3 * D(9) + 2 * D(10),
	                  d + 11);
}

static inline gboolean
resident_ok(const gchar *d)
{
	return mod11_tail(5 * D(0) + 4 * D(1) + 3 * D(2) + 2 * D(3) + 7 * D(4) + 6 * D(5) +
	                      5 * D(6) + 4 * D(7) + 3 * D(8) + 2 * D(9),
	                  d + 10);
}
#undef D

static void
check_mynumber(FutScanner *scan, const gchar *digits)
{
	/* twelve zeros pass the check digit, and are a form's placeholder (or a table of
	 * zeros in a program), never a number anyone was given: not counted at all */
	if (G_UNLIKELY(memcmp(digits, "000000000000", FUT_MYNUMBER_LEN) == 0))
		return;
	if (mynumber_ok(digits)) {
		if (scan->mynumber_valid++ == 0)
			memcpy(scan->mynumber_first, digits, FUT_MYNUMBER_LEN);
	} else {
		scan->mynumber_invalid++;
	}
}

static void
check_resident(FutScanner *scan, const gchar *digits)
{
	if (resident_ok(digits) && scan->resident_valid++ == 0)
		memcpy(scan->resident_first, digits, FUT_RESIDENT_CODE_LEN);
}

static inline gboolean
hex_letter(guint8 b)
{
	return (guint8)((b | 0x20) - 'a') < 6;
}

/* A run of digits inside a hexadecimal string (a hash, a key, a prime in a program, a hex
 * dump) is no identifier anyone wrote: it touches an ASCII letter a-f, either right after
 * it, or right before it with a hexadecimal character before that letter (a single letter
 * before may be a Shift_JIS trail byte: "ア" is 83 41). Such runs are not checked. */
static inline gboolean
in_hex(guint8 b2, guint8 b1, guint8 after)
{
	return hex_letter(after) ||
	       (hex_letter(b1) && (hex_letter(b2) || (b2 >= '0' && b2 <= '9')));
}

/* The byte @k (1 or 2) places before @at, in this feed or at the end of the last one. */
static inline guint8
byte_back(const FutScanner *scan, const guint8 *at, gsize k)
{
	gsize in = (gsize)(at - scan->feed_start);

	return in >= k ? at[-(gssize)k] : scan->tail[k - in - 1];
}

/* A run of exactly @n (11 or 12) ASCII digits at @at, in the bytes being fed, with the byte
 * after it there too: checked unless it lies in a hexadecimal string. */
static inline void
check_id_at(FutScanner *scan, const guint8 *at, gsize n)
{
	if (in_hex(byte_back(scan, at, 2), byte_back(scan, at, 1), at[n]))
		return;
	if (n == FUT_MYNUMBER_LEN)
		check_mynumber(scan, (const gchar *)at);
	else
		check_resident(scan, (const gchar *)at);
}

static void
end_chain(FutScanner *scan)
{
	if (scan->chain_ok && scan->chain_len == 3)
		check_mynumber(scan, scan->chain);
	scan->chain_len = 0;
	scan->chain_ok = TRUE;
	scan->chain_sep = 0;
	scan->after_sep = FALSE;
}

/* A run of digits ended at a character that is not a digit; @c is that character if it
 * is ASCII, else 0. "dddd-dddd-dddd" and "dddd dddd dddd" are how a My Number is printed
 * on the card, so runs of four joined by one separator form a chain. */
static void
end_run(FutScanner *scan, guint8 c)
{
	if (scan->run_len == FUT_MYNUMBER_LEN || scan->run_len == FUT_RESIDENT_CODE_LEN) {
		if (in_hex(scan->run_b2, scan->run_b1, c))
			;
		else if (scan->run_len == FUT_MYNUMBER_LEN)
			check_mynumber(scan, scan->run);
		else
			check_resident(scan, scan->run);
	}
	if (scan->run_len == 4 && scan->chain_len < 3)
		memcpy(scan->chain + scan->chain_len * 4, scan->run, 4);
	else
		scan->chain_ok = FALSE;
	if (scan->chain_len < 4)
		scan->chain_len++;
	scan->run_len = 0;
	if ((c == '-' || c == ' ') && (scan->chain_sep == 0 || scan->chain_sep == (gchar)c)) {
		scan->chain_sep = (gchar)c;
		scan->after_sep = TRUE;
	} else {
		end_chain(scan);
	}
}

static inline void
add_digit(FutScanner *scan, gchar d)
{
	scan->after_sep = FALSE;
	if (scan->run_len < sizeof(scan->run))
		scan->run[scan->run_len] = d;
	if (scan->run_len < 255)
		scan->run_len++;
}

/* A character that is not a digit; @c is its byte if ASCII, else 0. */
static inline void
non_digit(FutScanner *scan, guint8 c)
{
	if (scan->run_len > 0) {
		guint n = scan->run_len;
		/* most runs (dates, amounts, phone parts) can be nothing: no call */
		if (n != 4 && n != FUT_RESIDENT_CODE_LEN && n != FUT_MYNUMBER_LEN &&
		    scan->chain_len == 0 && c != '-' && c != ' ') {
			scan->run_len = 0;
			return;
		}
		end_run(scan, c);
	} else if (scan->after_sep)
		end_chain(scan);
}

static inline void
count_words(FutScanner *scan, guint64 m)
{
	while (m != 0) {
		scan->word_counts[__builtin_ctzll(m)]++;
		m &= m - 1;
	}
}

static inline gboolean
is_digit(guint8 b)
{
	return b >= '0' && b <= '9';
}

/* The end of a run of ASCII digits starting at @q: 16 bytes at a time with SSE2 (part of
 * every x86-64), then byte by byte. */
static inline const guint8 *
digit_run_end(const guint8 *q, const guint8 *end)
{
#ifdef __SSE2__
	const __m128i zero = _mm_set1_epi8('0');
	const __m128i nine = _mm_set1_epi8(9);

	while (end - q >= 16) {
		__m128i t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)q), zero);
		/* digit: t <= 9 unsigned */
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, nine), t));
		if (m != 0xffff)
			return q + __builtin_ctz(~m);
		q += 16;
	}
#endif
	while (q < end && is_digit(*q))
		q++;
	return q;
}

/* digit_run_end() with the filter's digit mask @dmask of the window at @wbase (NULL for
 * none): inside the window the run's end is the first clear bit, found without a load. */
static inline const guint8 *
digit_run_end_mask(const guint8 *q, const guint8 *end, const guint8 *wbase, guint64 dmask)
{
	if (wbase != NULL && q >= wbase && q < wbase + FUT_SCAN_FILTER_WINDOW) {
		guint off = (guint)(q - wbase);
		guint64 rest = ~(dmask >> off);
		if (rest != 0) {
			guint n = (guint)__builtin_ctzll(rest);
			if (off + n < FUT_SCAN_FILTER_WINDOW)
				return q + n;
		}
		/* digits up to the window's end: on from there */
		return digit_run_end(wbase + FUT_SCAN_FILTER_WINDOW, end);
	}
	return digit_run_end(q, end);
}

/* The numbers starting at the digit @p, from the fast path (no number in progress, the
 * automaton at its root, no word holding a digit): a run, or a chain of runs joined by one
 * '-' or ' ', is taken whole and its identifiers are checked where they lie, with exactly
 * the effect fut_scanner_feed()'s byte-at-a-time path has (the differential test holds the
 * two together). Returns where to go on, or NULL when the numbers may go on past @end or
 * into a full-width digit: then the byte-at-a-time path takes them. */
static const guint8 *
digits_in_place(FutScanner *scan,
                const guint8 *p,
                const guint8 *end,
                guint8 lead,
                const guint8 *boring,
                const guint8 *wbase,
                guint64 dmask)
{
	const guint8 *chain[3];
	/* where the first runs start and end, for the second pass */
	const guint8 *run_at[8];
	const guint8 *run_end[8];
	const guint8 *q = p;
	const guint8 *stop;
	guint8 sep = 0;
	guint runs = 0;
	gboolean chain_ok = TRUE;
	gboolean ids = FALSE;

	/* first pass: where the numbers end; nothing is changed yet */
	for (;;) {
		const guint8 *e = digit_run_end_mask(q + 1, end, wbase, dmask);
		gsize n = (gsize)(e - q);
		guint8 c;
		if (e == end)
			return NULL;
		c = *e;
		if (c == 0xef || c == lead)
			return NULL;
		if (n == 4 && runs < 3)
			chain[runs] = q;
		else
			chain_ok = FALSE;
		ids |= n == FUT_MYNUMBER_LEN || n == FUT_RESIDENT_CODE_LEN;
		if (runs < G_N_ELEMENTS(run_at)) {
			run_at[runs] = q;
			run_end[runs] = e;
		}
		runs++;
		if ((c != '-' && c != ' ') || (sep != 0 && c != sep)) {
			stop = e;
			break;
		}
		/* a separator that starts a word would move the automaton */
		if (boring[c] != 1 || e + 1 == end)
			return NULL;
		sep = c;
		if (!is_digit(e[1])) {
			if (e[1] == 0xef || e[1] == lead)
				return NULL;
			stop = e + 1;
			break;
		}
		q = e + 1;
	}
	/* second pass: the checks, in the order the byte-at-a-time path makes them */
	for (guint r = 0; ids && r < MIN(runs, G_N_ELEMENTS(run_at)); r++) {
		gsize n = (gsize)(run_end[r] - run_at[r]);
		if (n == FUT_MYNUMBER_LEN || n == FUT_RESIDENT_CODE_LEN)
			check_id_at(scan, run_at[r], n);
	}
	/* a chain of more runs than that: the rest found again */
	for (q = runs > G_N_ELEMENTS(run_at) ? run_end[G_N_ELEMENTS(run_at) - 1] + 1 : stop;
	     ids && q < stop;) {
		const guint8 *e = digit_run_end(q + 1, stop);
		gsize n = (gsize)(e - q);
		if (n == FUT_MYNUMBER_LEN || n == FUT_RESIDENT_CODE_LEN)
			check_id_at(scan, q, n);
		q = e + 1;
	}
	if (chain_ok && runs == 3) {
		gchar digits[FUT_MYNUMBER_LEN];
		for (guint i = 0; i < 3; i++)
			memcpy(digits + i * 4, chain[i], 4);
		check_mynumber(scan, digits);
	}
	return stop;
}

/* The runs of exactly 11 or 12 digits that start in [@from, @to) of the window at @wbase
 * (@to < 64), from the window's masks (@ids their starts, @d the digits), in order: those
 * of a chain whose first run is not four digits long (so it is no "dddd-dddd-dddd" card
 * form). */
static inline void
chain_ids(FutScanner *scan, const guint8 *wbase, guint64 ids, guint64 d, guint from, guint to)
{
	ids &= ((1ull << to) - 1) >> from << from;
	while (ids != 0) {
		guint s = (guint)__builtin_ctzll(ids);
		/* the run ends in the window: bit s + 11 is in it */
		check_id_at(scan, wbase + s,
		            d >> (s + 11) & 1 ? FUT_MYNUMBER_LEN : FUT_RESIDENT_CODE_LEN);
		ids &= ids - 1;
	}
}

/* A digit run starting at @p, at the automaton's root with no number in progress and no
 * word holding a digit, found from the filter's masks @wm of the window at @wbase (which
 * holds @p): where the run ends is the first clear digit bit from @p on. Settled here,
 * its identifiers checked where they lie:
 *   - a run that ends inside the window at a byte that is neither a chain separator nor a
 *     full-width lead: it leaves no state (a run of four outside a chain ends the chain it
 *     would have started);
 *   - a chain (runs joined by one '-', or by one ' ') whose first run is not four long,
 *     such as a phone number "03-1234-5678": it cannot be the card form, so only its runs
 *     of 11 or 12 digits count. It ends at the first byte that is neither a digit nor its
 *     separator between two digits (a separator of the other kind, two in a row, one
 *     before a non-digit all end a chain, as in end_run()), which must lie in the window
 *     and be neither a full-width lead nor its separator (full-width digits after it
 *     would join the chain); its separators must start no word (@dash_ok, @space_ok).
 * What the byte after a run is comes from the masks, never loaded.
 * Returns where to go on, or NULL when digits_in_place() or the byte-at-a-time path must
 * take it. */
static G_ALWAYS_INLINE inline const guint8 *
run_from_mask(FutScanner *scan,
              const guint8 *p,
              const guint8 *wbase,
              const FutScanMasks *wm,
              gboolean dash_ok,
              gboolean space_ok)
{
	const guint64 d = wm->digits;
	guint off = (guint)(p - wbase);
	guint64 rest = ~(d >> off);
	guint64 sep;
	guint n;
	guint e;
	gboolean is_dash;

	if (rest == 0)
		return NULL; /* 64 digits: the window holds no end */
	n = (guint)__builtin_ctzll(rest);
	e = off + n;
	if (e >= FUT_SCAN_FILTER_WINDOW)
		return NULL; /* may go on past the window */
	/* the byte after the run, from the masks (exact there: it follows a digit), not
	 * loaded */
	if (wm->lead >> e & 1)
		return NULL;
	if (!((wm->dash | wm->space) >> e & 1)) {
		if (n == FUT_MYNUMBER_LEN || n == FUT_RESIDENT_CODE_LEN)
			check_id_at(scan, p, n);
		return p + n;
	}
	is_dash = wm->dash >> e & 1;
	sep = is_dash ? wm->dash : wm->space;
	if (n == 4 || !(is_dash ? dash_ok : space_ok))
		return NULL;
	/* the chain: digits, and its separator where it lies between two digits */
	rest = ~((d | (sep & d >> 1 & d << 1)) >> off);
	if (rest == 0)
		return NULL;
	n = (guint)__builtin_ctzll(rest);
	e = off + n;
	/* its separator at the end may go on into full-width digits, which would join the
	 * chain: digits_in_place() decides. The byte there follows a digit (a separator in
	 * the chain lies between two), so the masks are exact there too. */
	if (e >= FUT_SCAN_FILTER_WINDOW || ((wm->lead | sep) >> e & 1))
		return NULL;
	chain_ids(scan, wbase, wm->ids, d, off, off + n);
	return p + n;
}

/* The next position from @p (< @end) the filter keeps, through the window at *@wbase
 * (computed afresh when @p has left it, with its masks in *@wm), or where too few bytes are
 * left for a window. The 11- and 12-digit runs passed over (with @runs, no word holding a
 * digit: they are no stops) are checked on the way, in order. */
static G_ALWAYS_INLINE inline const guint8 *
next_stop(FutScanner *scan,
          const FutScanFilter *filter,
          FutScanFilterWindow window,
          guint8 lead,
          guint8 lo,
          const guint8 *p,
          const guint8 *end,
          const guint8 **wbase,
          guint64 *wmask,
          FutScanMasks *wm,
          gboolean runs)
{
	for (;;) {
		guint off;
		guint64 m;
		guint64 passed;
		if (*wbase == NULL || p >= *wbase + FUT_SCAN_FILTER_WINDOW) {
			if (end - p < FUT_SCAN_FILTER_WINDOW + 2)
				return p;
			fut_scan_filter_window_at(filter, window, lead, lo, p, wbase, wmask, wm,
			                          runs);
		}
		off = (guint)(p - *wbase);
		m = *wmask >> off;
		/* the ids from @p up to the stop (m - 1 & ~m: the bits below m's lowest), or
		 * to the window's end */
		passed = wm->ids >> off;
		if (m != 0)
			passed &= (m - 1) & ~m;
		while (passed != 0) {
			guint s = (guint)__builtin_ctzll(passed);
			/* the run ends in the window: bit s + 11 is in it */
			check_id_at(scan, p + s,
			            wm->digits >> (off + s + 11) & 1 ? FUT_MYNUMBER_LEN
			                                             : FUT_RESIDENT_CODE_LEN);
			passed &= passed - 1;
		}
		if (m != 0)
			return p + __builtin_ctzll(m);
		p = *wbase + FUT_SCAN_FILTER_WINDOW;
	}
}

/* At the automaton's root: @p neither starts a word nor is part of a number, or starts
 * words but none together with the next byte (then the automaton would be back at the
 * root at the next byte, exactly as if @p were skipped). */
static inline gboolean
skippable(const guint8 *p, const guint8 *end, const guint8 *boring, const guint8 *bigram)
{
	guint8 k = boring[*p];

	return k == 1 ||
	       (k == 2 && p + 1 < end && !(bigram[(p[0] << 8 | p[1]) >> 3] & (1 << (p[1] & 7))));
}

/* A legacy lead byte of full-width digits (boring 0 in that encoding) that is not before
 * a full-width digit's trail: with no number in progress it changes nothing there, so it
 * may be skipped when the table without it (@base_boring) would skip it. */
static inline gboolean
lead_skippable(const guint8 *p,
               const guint8 *end,
               guint8 lead,
               guint8 lo,
               const guint8 *base_boring,
               const guint8 *bigram)
{
	return *p == lead && lead != 0xef && p + 1 < end && (guint8)(p[1] - lo) > 9 &&
	       skippable(p, end, base_boring, bigram);
}

void
fut_scanner_feed(FutScanner *scan, const guint8 *data, gsize len)
{
	const FutScanWords *w = scan->words;
	const guint16 *delta = w != NULL ? w->delta : NULL;
	const guint64 *output = w != NULL ? w->output : NULL;
	const guint first_output = w != NULL ? w->first_output : G_MAXUINT;
	const guint8 *boring = scan->boring;
	const guint8 *bigram = w != NULL ? w->bigram : NULL;
	const guint8 lead = scan->legacy_lead;
	/* when no word holds a digit, a digit always takes the automaton back to its root */
	const gboolean digit_free = w == NULL || w->digit_free;
	const FutScanFilter *filter = w != NULL ? &w->filter : &no_words_filter;
	const guint8 *base_boring = w != NULL ? w->boring : no_words_boring();
	const guint8 lo = scan->legacy_lo;
	/* chain separators that start no word (run_from_mask()) */
	const gboolean dash_ok = boring['-'] == 1;
	const gboolean space_ok = boring[' '] == 1;
	const FutScanFilterWindow window = filter->usable ? fut_scan_filter_get_window() : NULL;
	/* the filter's last window: bit i set when wbase[i] must be looked at */
	const guint8 *wbase = NULL;
	guint64 wmask = 0;
	FutScanMasks wm = {0}; /* and what its bytes are */
	const guint8 *p = data;
	const guint8 *end = len > 0 ? data + len : data;
	guint ac = scan->ac_state;

	if (len == 0)
		return; /* and data may be NULL */
	scan->bytes += len;
	scan->feed_start = data;
	while (p < end) {
		guint8 b;

		/* Idle (no number in progress): only the word automaton has work, and only
		 * until the next digit or full-width lead byte. Without words every other
		 * byte is boring, so the automaton is never touched. */
		if (scan->run_len == 0 && !scan->after_sep && scan->fw_state == 0) {
			while (p < end) {
				if (ac == 0) {
					/* At the root, a byte that starts words but does not start
					 * one together with the next byte leads back to the root
					 * at the next byte, exactly as if it were skipped: the big
					 * transition table is touched only for real candidates. */
					if (window != NULL) {
						/* the bytes the test would skip, a window at a
						 * time; it still judges where the filter stops */
						while (p < end) {
							p = next_stop(scan, filter, window, lead,
							              lo, p, end, &wbase, &wmask,
							              &wm, digit_free);
							if (digit_free && is_digit(*p) &&
							    scan->chain_len == 0 && wbase != NULL &&
							    p < wbase + FUT_SCAN_FILTER_WINDOW) {
								const guint8 *q = run_from_mask(
								    scan, p, wbase, &wm, dash_ok,
								    space_ok);
								/* a run the window cuts: once more,
								 * in a window from its start */
								if (q == NULL && p != wbase &&
								    end - p >=
								        FUT_SCAN_FILTER_WINDOW +
								            2) {
									fut_scan_filter_window_at(
									    filter, window, lead,
									    lo, p, &wbase, &wmask,
									    &wm, digit_free);
									q = run_from_mask(
									    scan, p, wbase, &wm,
									    dash_ok, space_ok);
								}
								if (q != NULL) {
									p = q;
									continue;
								}
								break;
							}
							if (!skippable(p, end, boring, bigram) &&
							    !lead_skippable(p, end, lead, lo,
							                    base_boring, bigram))
								break;
							p++;
						}
					} else {
						while (p < end && skippable(p, end, boring, bigram))
							p++;
					}
					if (p == end)
						break;
					/* A run of ASCII digits that can be nothing — not 4, 11 or
					 * 12 long, not followed by a chain separator or a
					 * full-width digit — leaves no state: it is passed over
					 * whole (dates, amounts, ids). At the root with no word
					 * holding a digit, digits keep the automaton at the root.
					 */
					if (digit_free && is_digit(*p) && scan->chain_len == 0) {
						const guint8 *q = digits_in_place(
						    scan, p, end, lead, boring, wbase, wm.digits);
						if (q != NULL) {
							p = q;
							continue;
						}
					}
				}
				b = *p;
				if (is_digit(b) || b == 0xef || b == lead)
					break;
				ac = delta[(gsize)ac * 256 + b];
				if (G_UNLIKELY(ac >= first_output))
					count_words(scan, output[ac]);
				p++;
			}
			if (p == end)
				break;
		}
		b = *p++;

		if (delta != NULL) {
			ac = delta[(gsize)ac * 256 + b];
			if (G_UNLIKELY(ac >= first_output))
				count_words(scan, output[ac]);
		}

		/* Full-width digits are EF BC 90..99 in UTF-8, 82 4F..58 in Shift_JIS, A3
		 * B0..B9 in EUC-JP. */
		if (scan->fw_state == 3) {
			scan->fw_state = 0;
			if (b >= scan->legacy_lo && b <= scan->legacy_lo + 9) {
				if (scan->run_len == 0)
					scan->run_b1 = scan->run_b2 = 0;
				add_digit(scan, (gchar)('0' + (b - scan->legacy_lo)));
				continue;
			}
			non_digit(scan, 0);
		} else if (scan->fw_state == 1) {
			if (b == 0xbc) {
				scan->fw_state = 2;
				continue;
			}
			scan->fw_state = 0;
			non_digit(scan, 0);
		} else if (scan->fw_state == 2) {
			scan->fw_state = 0;
			if (b >= 0x90 && b <= 0x99) {
				if (scan->run_len == 0)
					scan->run_b1 = scan->run_b2 = 0;
				add_digit(scan, (gchar)('0' + (b - 0x90)));
				continue;
			}
			non_digit(scan, 0);
		}

		if (is_digit(b)) {
			if (scan->run_len == 0) {
				scan->run_b1 = byte_back(scan, p - 1, 1);
				scan->run_b2 = byte_back(scan, p - 1, 2);
			}
			add_digit(scan, (gchar)b);
			if (digit_free) {
				/* the rest of the run in one go */
				const guint8 *q = digit_run_end(p, end);
				gsize n = (gsize)(q - p);
				if (scan->run_len < sizeof(scan->run))
					memcpy(scan->run + scan->run_len, p,
					       MIN(n, sizeof(scan->run) - scan->run_len));
				scan->run_len = (guint)MIN(scan->run_len + n, 255);
				p = q;
				ac = 0;
			}
		} else if (b == 0xef) {
			scan->fw_state = 1;
		} else if (b == lead) {
			scan->fw_state = 3;
		} else {
			non_digit(scan, b < 0x80 ? b : 0);
		}
	}
	scan->ac_state = ac;
	scan->tail[1] = len >= 2 ? data[len - 2] : scan->tail[0];
	scan->tail[0] = data[len - 1];
}

void
fut_scanner_finish(FutScanner *scan)
{
	if (scan->fw_state != 0) {
		scan->fw_state = 0;
		non_digit(scan, 0);
	}
	non_digit(scan, 0);
	end_chain(scan);
}
