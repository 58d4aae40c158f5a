/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define FUT_SCAN_FILTER_X86 1
#include <immintrin.h>
#endif

#include "scan-filter.h"

#define N_BUCKETS 8

/* A set of starts as six nibble masks (bit n: nibble n occurs). */
typedef struct {
	guint16 lo0, hi0, lo1, hi1, lo2, hi2;
} Group;

/* Bits set in @v, without a library call (no popcnt instruction is assumed). */
static inline guint
bits16(guint16 v)
{
	static const guint8 nibble[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};

	return (guint)nibble[v & 15] + nibble[v >> 4 & 15] + nibble[v >> 8 & 15] + nibble[v >> 12];
}

/* How many starts the group's nibble sets let through: what merging costs in stray hits. */
static guint
group_cost(const Group *g)
{
	return bits16(g->lo0) * bits16(g->hi0) * bits16(g->lo1) * bits16(g->hi1) * bits16(g->lo2) *
	       bits16(g->hi2);
}

static Group
group_merge(const Group *a, const Group *b)
{
	Group m = {a->lo0 | b->lo0, a->hi0 | b->hi0, a->lo1 | b->lo1,
	           a->hi1 | b->hi1, a->lo2 | b->lo2, a->hi2 | b->hi2};
	return m;
}

void
fut_scan_filter_build(FutScanFilter *f, const guint32 *starts, gsize n, gboolean one_byte_forms)
{
	g_autofree Group *groups = g_new0(Group, n + 1);
	g_autofree guint *cost = g_new0(guint, n + 1);
	guint n_groups = 0;

	memset(f, 0, sizeof(*f));
	f->usable = !one_byte_forms;
	/* one group per first two bytes: the third bytes after them are usually few */
	for (gsize i = 0; i < n; i++) {
		guint b0 = starts[i] >> 16 & 0xff;
		guint b1 = starts[i] >> 8 & 0xff;
		guint b2 = starts[i] & 0xff;
		Group g = {(guint16)(1u << (b0 & 15)), (guint16)(1u << (b0 >> 4)),
		           (guint16)(1u << (b1 & 15)), (guint16)(1u << (b1 >> 4)),
		           (guint16)(1u << (b2 & 15)), (guint16)(1u << (b2 >> 4))};
		guint k = 0;
		if (starts[i] & FUT_SCAN_FILTER_ANY_THIRD)
			g.lo2 = g.hi2 = 0xffff;
		while (k < n_groups && !(groups[k].lo0 == g.lo0 && groups[k].hi0 == g.hi0 &&
		                         groups[k].lo1 == g.lo1 && groups[k].hi1 == g.hi1))
			k++;
		if (k == n_groups)
			groups[n_groups++] = g;
		else
			groups[k] = group_merge(&groups[k], &g);
	}
	/* then merge the two groups whose union lets the fewest extra pairs through, until
	 * the groups fit the buckets */
	while (n_groups > N_BUCKETS) {
		guint bi = 0;
		guint bj = 1;
		gint64 best = G_MAXINT64;
		for (guint i = 0; i < n_groups; i++)
			cost[i] = group_cost(&groups[i]);
		for (guint i = 0; i < n_groups; i++) {
			for (guint j = i + 1; j < n_groups; j++) {
				Group m = group_merge(&groups[i], &groups[j]);
				gint64 c = (gint64)group_cost(&m) - cost[i] - cost[j];
				if (c < best) {
					best = c;
					bi = i;
					bj = j;
				}
			}
		}
		groups[bi] = group_merge(&groups[bi], &groups[bj]);
		groups[bj] = groups[--n_groups];
	}
	for (guint k = 0; k < n_groups; k++) {
		for (guint nib = 0; nib < 16; nib++) {
			guint8 bit = (guint8)(1u << k);
			if (groups[k].lo0 & (1u << nib))
				f->lo0[nib] |= bit;
			if (groups[k].hi0 & (1u << nib))
				f->hi0[nib] |= bit;
			if (groups[k].lo1 & (1u << nib))
				f->lo1[nib] |= bit;
			if (groups[k].hi1 & (1u << nib))
				f->hi1[nib] |= bit;
			if (groups[k].lo2 & (1u << nib))
				f->lo2[nib] |= bit;
			if (groups[k].hi2 & (1u << nib))
				f->hi2[nib] |= bit;
		}
	}
}

typedef FutScanFilterWindow SkipFunc;

#ifdef FUT_SCAN_FILTER_X86
/* One 16-byte block at bit @at of the window: the result's bit i set when p[i] is a digit,
 * EF, @ld before a byte from @lo to @lo + 9, or p[i..i+2] fall in one bucket; @m's masks
 * for the same bytes. */
__attribute__((target("ssse3"))) static inline guint64
block_ssse3(const guint8 *p, const __m128i *tab, __m128i ld, __m128i lo, FutScanMasks *m, guint at)
{
	const __m128i nib = _mm_set1_epi8(0x0f);
	__m128i v0 = _mm_loadu_si128((const __m128i *)p);
	__m128i v1 = _mm_loadu_si128((const __m128i *)(p + 1));
	__m128i v2 = _mm_loadu_si128((const __m128i *)(p + 2));
	__m128i a =
	    _mm_and_si128(_mm_shuffle_epi8(tab[0], _mm_and_si128(v0, nib)),
	                  _mm_shuffle_epi8(tab[1], _mm_and_si128(_mm_srli_epi16(v0, 4), nib)));
	__m128i b =
	    _mm_and_si128(_mm_shuffle_epi8(tab[2], _mm_and_si128(v1, nib)),
	                  _mm_shuffle_epi8(tab[3], _mm_and_si128(_mm_srli_epi16(v1, 4), nib)));
	__m128i c =
	    _mm_and_si128(_mm_shuffle_epi8(tab[4], _mm_and_si128(v2, nib)),
	                  _mm_shuffle_epi8(tab[5], _mm_and_si128(_mm_srli_epi16(v2, 4), nib)));
	__m128i t = _mm_sub_epi8(v0, _mm_set1_epi8('0'));
	/* the legacy lead only before a full-width digit's trail byte */
	__m128i u = _mm_sub_epi8(v1, lo);
	__m128i is_ld = _mm_cmpeq_epi8(v0, ld);
	__m128i is_ef = _mm_cmpeq_epi8(v0, _mm_set1_epi8((gchar)0xef));
	__m128i fw = _mm_and_si128(is_ld, _mm_cmpeq_epi8(_mm_min_epu8(u, _mm_set1_epi8(9)), u));
	__m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
	__m128i special = _mm_or_si128(dig, _mm_or_si128(is_ef, fw));

	m->digits |= (guint64)(guint)_mm_movemask_epi8(dig) << at;
	m->dash |= (guint64)(guint)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, _mm_set1_epi8('-'))) << at;
	m->space |= (guint64)(guint)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, _mm_set1_epi8(' '))) << at;
	m->lead |= (guint64)(guint)_mm_movemask_epi8(_mm_or_si128(is_ef, is_ld)) << at;
	return (guint64)((~(guint)_mm_movemask_epi8(_mm_cmpeq_epi8(
	                      _mm_and_si128(_mm_and_si128(a, b), c), _mm_setzero_si128())) |
	                  (guint)_mm_movemask_epi8(special)) &
	                 0xffff)
	       << at;
}

__attribute__((target("ssse3"))) static guint64
window_ssse3(const FutScanFilter *f, guint8 lead, guint8 lo, const guint8 *p, FutScanMasks *m)
{
	const __m128i tab[6] = {
	    _mm_loadu_si128((const __m128i *)f->lo0), _mm_loadu_si128((const __m128i *)f->hi0),
	    _mm_loadu_si128((const __m128i *)f->lo1), _mm_loadu_si128((const __m128i *)f->hi1),
	    _mm_loadu_si128((const __m128i *)f->lo2), _mm_loadu_si128((const __m128i *)f->hi2)};
	const __m128i ld = _mm_set1_epi8((gchar)lead);
	const __m128i lo0 = _mm_set1_epi8((gchar)lo);

	memset(m, 0, sizeof(*m));
	return block_ssse3(p, tab, ld, lo0, m, 0) | block_ssse3(p + 16, tab, ld, lo0, m, 16) |
	       block_ssse3(p + 32, tab, ld, lo0, m, 32) | block_ssse3(p + 48, tab, ld, lo0, m, 48);
}

__attribute__((target("avx2"))) static inline guint32
block_avx2(const guint8 *p,
           const __m256i *tab,
           __m256i ld,
           __m256i lo,
           guint32 *digits,
           guint32 *dash,
           guint32 *space,
           guint32 *leads,
           gboolean after_digit)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i v0 = _mm256_loadu_si256((const __m256i *)p);
	__m256i v1 = _mm256_loadu_si256((const __m256i *)(p + 1));
	__m256i v2 = _mm256_loadu_si256((const __m256i *)(p + 2));
	__m256i a = _mm256_and_si256(
	    _mm256_shuffle_epi8(tab[0], _mm256_and_si256(v0, nib)),
	    _mm256_shuffle_epi8(tab[1], _mm256_and_si256(_mm256_srli_epi16(v0, 4), nib)));
	__m256i b = _mm256_and_si256(
	    _mm256_shuffle_epi8(tab[2], _mm256_and_si256(v1, nib)),
	    _mm256_shuffle_epi8(tab[3], _mm256_and_si256(_mm256_srli_epi16(v1, 4), nib)));
	__m256i c = _mm256_and_si256(
	    _mm256_shuffle_epi8(tab[4], _mm256_and_si256(v2, nib)),
	    _mm256_shuffle_epi8(tab[5], _mm256_and_si256(_mm256_srli_epi16(v2, 4), nib)));
	__m256i t = _mm256_sub_epi8(v0, _mm256_set1_epi8('0'));
	/* the legacy lead only before a full-width digit's trail byte */
	__m256i u = _mm256_sub_epi8(v1, lo);
	__m256i is_ld = _mm256_cmpeq_epi8(v0, ld);
	__m256i is_ef = _mm256_cmpeq_epi8(v0, _mm256_set1_epi8((gchar)0xef));
	__m256i fw =
	    _mm256_and_si256(is_ld, _mm256_cmpeq_epi8(_mm256_min_epu8(u, _mm256_set1_epi8(9)), u));
	__m256i dig = _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8(9)), t);
	__m256i special = _mm256_or_si256(dig, _mm256_or_si256(is_ef, fw));

	*digits = (guint32)_mm256_movemask_epi8(dig);
	/* what follows digits matters only in a block with digits, or in one whose first byte
	 * follows the previous block's last digit (@after_digit): a run ending there may go on
	 * past the block into a separator or a full-width digit */
	if (*digits != 0 || after_digit) {
		*dash = (guint32)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, _mm256_set1_epi8('-')));
		*space =
		    (guint32)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, _mm256_set1_epi8(' ')));
		*leads = (guint32)_mm256_movemask_epi8(_mm256_or_si256(is_ef, is_ld));
	} else {
		*dash = *space = *leads = 0;
	}
	return ~(guint32)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	           _mm256_and_si256(_mm256_and_si256(a, b), c), _mm256_setzero_si256())) |
	       (guint32)_mm256_movemask_epi8(special);
}

__attribute__((target("avx2"))) static guint64
window_avx2(const FutScanFilter *f, guint8 lead, guint8 lo, const guint8 *p, FutScanMasks *m)
{
#define TAB(t) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(t)))
	const __m256i tab[6] = {TAB(f->lo0), TAB(f->hi0), TAB(f->lo1),
	                        TAB(f->hi1), TAB(f->lo2), TAB(f->hi2)};
#undef TAB
	const __m256i ld = _mm256_set1_epi8((gchar)lead);
	const __m256i lo0 = _mm256_set1_epi8((gchar)lo);
	guint32 d[2], e[2], s[2], l[2];
	guint64 r = block_avx2(p, tab, ld, lo0, &d[0], &e[0], &s[0], &l[0], FALSE);

	r |= (guint64)block_avx2(p + 32, tab, ld, lo0, &d[1], &e[1], &s[1], &l[1], d[0] >> 31)
	     << 32;

	m->digits = (guint64)d[0] | (guint64)d[1] << 32;
	m->dash = (guint64)e[0] | (guint64)e[1] << 32;
	m->space = (guint64)s[0] | (guint64)s[1] << 32;
	m->lead = (guint64)l[0] | (guint64)l[1] << 32;
	return r;
}
#endif

static SkipFunc skip_func;
static FutScanFilterImpl skip_impl;

static gboolean
impl_supported(FutScanFilterImpl impl)
{
	switch (impl) {
	case FUT_SCAN_FILTER_SCALAR:
		return TRUE;
#ifdef FUT_SCAN_FILTER_X86
	case FUT_SCAN_FILTER_SSSE3:
		return __builtin_cpu_supports("ssse3");
	case FUT_SCAN_FILTER_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
	default:
		return FALSE;
	}
}

static void
set_impl(FutScanFilterImpl impl)
{
	SkipFunc fn = NULL;

#ifdef FUT_SCAN_FILTER_X86
	if (impl == FUT_SCAN_FILTER_AVX2)
		fn = window_avx2;
	else if (impl == FUT_SCAN_FILTER_SSSE3)
		fn = window_ssse3;
#endif
	g_atomic_pointer_set(&skip_func, fn);
	g_atomic_int_set((gint *)&skip_impl, (gint)impl);
}

static SkipFunc
get_skip(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
#ifdef FUT_SCAN_FILTER_X86
		__builtin_cpu_init();
#endif
		set_impl(impl_supported(FUT_SCAN_FILTER_AVX2)    ? FUT_SCAN_FILTER_AVX2
		         : impl_supported(FUT_SCAN_FILTER_SSSE3) ? FUT_SCAN_FILTER_SSSE3
		                                                 : FUT_SCAN_FILTER_SCALAR);
		g_once_init_leave(&done, 1);
	}
	return g_atomic_pointer_get(&skip_func);
}

gboolean
fut_scan_filter_set_impl(FutScanFilterImpl impl)
{
	(void)get_skip();
	if (impl == FUT_SCAN_FILTER_AUTO)
		impl = impl_supported(FUT_SCAN_FILTER_AVX2)    ? FUT_SCAN_FILTER_AVX2
		       : impl_supported(FUT_SCAN_FILTER_SSSE3) ? FUT_SCAN_FILTER_SSSE3
		                                               : FUT_SCAN_FILTER_SCALAR;
	if (!impl_supported(impl))
		return FALSE;
	set_impl(impl);
	return TRUE;
}

FutScanFilterImpl
fut_scan_filter_get_impl(void)
{
	(void)get_skip();
	return (FutScanFilterImpl)g_atomic_int_get((gint *)&skip_impl);
}

FutScanFilterWindow
fut_scan_filter_get_window(void)
{
	return get_skip();
}
