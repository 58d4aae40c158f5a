/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What test-scan and test-scan-differential share: the scanner's word list. */

#include <glib.h>

#include "detect.h"

/* Three words: a marking, the My Number context word, and a marking inside the first. */
static inline FutScanWords *
make_words(void)
{
	FutScanWords *w = fut_scan_words_new();
	g_assert_cmpint(fut_scan_words_add(w, "取扱注意", FUT_WORD_MARKING, NULL), ==, 0);
	g_assert_cmpint(fut_scan_words_add(w, "個人番号", FUT_WORD_MYNUMBER_CONTEXT, NULL), ==, 1);
	g_assert_cmpint(fut_scan_words_add(w, "注意", FUT_WORD_MARKING, NULL), ==, 2);
	fut_scan_words_build(w);
	return w;
}
