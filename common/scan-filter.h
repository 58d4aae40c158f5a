/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The scanner's vector filter: at the word automaton's root, with no number in progress,
 * it finds the next byte the scanner must look at, 16 or 32 bytes at a time. A byte must
 * be looked at when it is an ASCII digit, the UTF-8 lead of full-width digits (EF), the
 * legacy encoding's lead of full-width digits, or where a word form may start.
 *
 * Word starts are matched on their first three bytes with nibble tables (the "Teddy"
 * scheme): the forms' first three bytes (two for a form of two bytes, the third then being
 * any) are put in 8 buckets, and a position is kept when it and the next two bytes fall in
 * the same bucket's high- and low-nibble sets. That keeps every position where a form
 * starts, and some more. Passing over a position where no form starts leaves the word
 * automaton exactly where the scalar loop leaves it: with no form of one byte, a state
 * reached from there would have to be a prefix of a form starting there. The scanner still
 * checks every kept position (the boring table and the pair bitmap), so the filter only
 * decides how far to skip, never what is found. The scalar path is the reference: tests
 * run every implementation against it byte by byte. */

typedef struct {
	guint8 lo0[16];  /* bucket bits by the low nibble of the first byte */
	guint8 hi0[16];  /* ... the high nibble of the first byte */
	guint8 lo1[16];  /* ... the low nibble of the second byte */
	guint8 hi1[16];  /* ... the high nibble of the second byte */
	guint8 lo2[16];  /* ... the low nibble of the third byte */
	guint8 hi2[16];  /* ... the high nibble of the third byte */
	gboolean usable; /* FALSE when a form is one byte long: the scalar loop only */
} FutScanFilter;

/* Builds @f from the forms' starts: byte0 << 16 | byte1 << 8 | byte2, or with
 * FUT_SCAN_FILTER_ANY_THIRD set (byte2 0) for a form of two bytes; @n of them.
 * @one_byte_forms: some form is a single byte (the filter is then left unused). */
#define FUT_SCAN_FILTER_ANY_THIRD (1u << 24)
void
fut_scan_filter_build(FutScanFilter *f, const guint32 *starts, gsize n, gboolean one_byte_forms);

typedef enum {
	FUT_SCAN_FILTER_SCALAR, /* no vector filter: the byte-at-a-time loop decides */
	FUT_SCAN_FILTER_SSSE3,
	FUT_SCAN_FILTER_AVX2,
	FUT_SCAN_FILTER_AUTO, /* the best the processor has (the default) */
} FutScanFilterImpl;

/* Chooses the implementation for every scanner in the process; FALSE when the processor
 * lacks it (nothing changes). For tests and the bench. */
gboolean fut_scan_filter_set_impl(FutScanFilterImpl impl);
FutScanFilterImpl fut_scan_filter_get_impl(void);

/* What a window holds besides where to look: bit i of each set when byte i is an ASCII
 * digit, '-', ' ', or EF or the legacy lead. @digits is exact; the other three are exact at
 * least at every byte that follows a digit (an implementation may leave them 0 elsewhere,
 * as AVX2 does for a 32-byte block without digits whose first byte follows none): the
 * scanner finds digit runs, the chains they make and what follows them from these, and
 * only ever asks what follows a digit. */
typedef struct {
	guint64 digits;
	guint64 dash;
	guint64 space;
	guint64 lead;
	/* set by fut_scan_filter_window_at() for a scanner with no word holding a digit: the
	 * starts of the runs of exactly 11 or 12 digits that end inside the window */
	guint64 ids;
} FutScanMasks;

/* The window: bit i of the result is set when the scanner must look at @p[i], for
 * 0 <= i < 64 (a superset: the scanner checks each); *@m gets the window's masks. @p[0..65]
 * must be readable (the start at @p[63] reads up to @p[65]). @lead: the legacy lead byte of
 * full-width digits, kept only before a trail byte from @lo (full-width zero's) to @lo + 9;
 * 0xef for UTF-8, which is always kept. */
#define FUT_SCAN_FILTER_WINDOW 64
typedef guint64 (*FutScanFilterWindow)(
    const FutScanFilter *f, guint8 lead, guint8 lo, const guint8 *p, FutScanMasks *m);
/* The implementation chosen now, or NULL for none (the scalar loop alone): fetch it once
 * per feed. */
FutScanFilterWindow fut_scan_filter_get_window(void);

/* Of the digit runs in a window (@digits), the starts of those of exactly 11 or 12 digits
 * whose end (the byte after them) is in the window. Branch-free. */
static inline guint64
fut_scan_filter_ids(guint64 digits)
{
	const guint64 d = digits;
	const guint64 starts = d & ~(d << 1);
	/* bit i of bK: d[i..i+K-1] all set */
	const guint64 b2 = d & d >> 1;
	const guint64 b4 = b2 & b2 >> 2;
	const guint64 b8 = b4 & b4 >> 4;
	/* exactly 11 or 12: the byte after them is in the window and not a digit */
	const guint64 len11 = starts & b8 & b2 >> 8 & d >> 10 & ~(d >> 11) & (~0ull >> 11);
	const guint64 len12 = starts & b8 & b4 >> 8 & ~(d >> 12) & (~0ull >> 12);

	return len11 | len12;
}

/* Of the digit runs in a window (@digits, and @seps as the window gives them), the starts
 * of those a scanner with no word holding a digit must stop at: a run followed by '-', ' '
 * or a full-width lead (a chain or a longer number may go on), and a run that reaches the
 * window's end (its length is not known). Any other run is passed over without a stop:
 * it leaves no state behind (detect.c, non_digit()), and one of exactly 11 or 12 digits
 * among them is checked from the window's ids (fut_scan_filter_ids()) as the scanner
 * passes over it. Bit 0 counts as a start: the scanner is never inside a run when it asks.
 * Branch-free. */
static inline guint64
fut_scan_filter_runs(guint64 digits, guint64 seps)
{
	const guint64 d = digits;
	const guint64 starts = d & ~(d << 1);
	const guint64 after = ~d & (d << 1); /* the byte after a run that ends in the window */
	/* the runs followed by a separator or a lead, and the run at the window's end: marked at
	 * their last digit, then spread down through the run (Kogge-Stone, six steps) */
	guint64 f = ((after & seps) >> 1 | 1ull << 63) & d;
	guint64 m = d;

	f |= m & f >> 1;
	m &= m >> 1;
	f |= m & f >> 2;
	m &= m >> 2;
	f |= m & f >> 4;
	m &= m >> 4;
	f |= m & f >> 8;
	m &= m >> 8;
	f |= m & f >> 16;
	m &= m >> 16;
	f |= m & f >> 32;
	return starts & f;
}

/* Computes the window at @p (which needs FUT_SCAN_FILTER_WINDOW + 2 readable bytes) into
 * *@wbase, *@wmask and *@wm. @runs: no word holds a digit, so only the digit runs
 * fut_scan_filter_runs() keeps are kept, and @wm->ids says where the 11- and 12-digit runs
 * the window passes over start. */
static inline void
fut_scan_filter_window_at(const FutScanFilter *filter,
                          FutScanFilterWindow window,
                          guint8 lead,
                          guint8 lo,
                          const guint8 *p,
                          const guint8 **wbase,
                          guint64 *wmask,
                          FutScanMasks *wm,
                          gboolean runs)
{
	*wbase = p;
	*wmask = window(filter, lead, lo, p, wm);
	wm->ids = 0;
	if (runs && wm->digits != 0) {
		wm->ids = fut_scan_filter_ids(wm->digits);
		*wmask = (*wmask & ~wm->digits) |
		         fut_scan_filter_runs(wm->digits, wm->dash | wm->space | wm->lead);
	}
}

G_END_DECLS
