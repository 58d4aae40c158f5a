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

/* The window: bit i of the result is set when the scanner must look at @p[i], for
 * 0 <= i < 64 (a superset: the scanner checks each). @p[0..65] must be readable (the
 * start at @p[63] reads up to @p[65]). @lead: the legacy lead byte of full-width digits,
 * kept only before a trail byte from @lo (full-width zero's) to @lo + 9; 0xef for UTF-8,
 * which is always kept. */
#define FUT_SCAN_FILTER_WINDOW 64
typedef guint64 (*FutScanFilterWindow)(const FutScanFilter *f,
                                       guint8 lead,
                                       guint8 lo,
                                       const guint8 *p);
/* The implementation chosen now, or NULL for none (the scalar loop alone): fetch it once
 * per feed. */
FutScanFilterWindow fut_scan_filter_get_window(void);

/* The next position from @p (< @end) the filter keeps, through the window at *@wbase
 * (computed afresh when @p has left it), or where too few bytes are left for a window. */
static inline const guint8 *
fut_scan_filter_next(const FutScanFilter *filter,
                     FutScanFilterWindow window,
                     guint8 lead,
                     guint8 lo,
                     const guint8 *p,
                     const guint8 *end,
                     const guint8 **wbase,
                     guint64 *wmask)
{
	for (;;) {
		guint64 m;
		if (*wbase == NULL || p >= *wbase + FUT_SCAN_FILTER_WINDOW) {
			if (end - p < FUT_SCAN_FILTER_WINDOW + 2)
				return p;
			*wbase = p;
			*wmask = window(filter, lead, lo, p);
		}
		m = *wmask >> (p - *wbase);
		if (m != 0)
			return p + __builtin_ctzll(m);
		p = *wbase + FUT_SCAN_FILTER_WINDOW;
	}
}

G_END_DECLS
