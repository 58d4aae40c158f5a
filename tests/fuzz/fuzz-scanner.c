/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the content scanner (common/detect.c, detect-split.c). The first byte picks a
 * chunk size (its value mod 13, plus one) and the text's encoding (its value / 13, mod 3: UTF-8,
 * Shift_JIS, EUC-JP); the text is scanned byte at a time with the scalar filter (the plain
 * reference path, which no fast path sees), then whole and in chunks through every vector
 * filter the processor has, and the counts must all be the same (the scanner's whole state
 * lives in FutScanner, so a split anywhere changes nothing, and the fast paths change only
 * how fast); and the text split after a line end into two scanners, the second started
 * from the two bytes before it (fut_scanner_init_after_line()) and appended, counts the
 * same. */
#include "config.h"

#include "detect.h"
#include "fuzz-common.h"
#include "scan-filter.h"

static FutScanWords *words;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		const gchar *word;
		FutWordRole role;
	} list[] = {
	    {"取扱注意", FUT_WORD_MARKING},
	    {"秘", FUT_WORD_MARKING},
	    {"関係者外秘", FUT_WORD_MARKING},
	    {"個人番号", FUT_WORD_MYNUMBER_CONTEXT},
	    {"マイナンバー", FUT_WORD_MYNUMBER_CONTEXT},
	    {"住民票コード", FUT_WORD_RESIDENT_CONTEXT},
	    {"abcab", FUT_WORD_MARKING},
	    {"bca", FUT_WORD_MARKING},
	};

	(void)argc;
	(void)argv;
	words = fut_scan_words_new();
	for (guint i = 0; i < G_N_ELEMENTS(list); i++) {
		if (fut_scan_words_add(words, list[i].word, list[i].role, NULL) < 0)
			abort();
	}
	fut_scan_words_build(words);
	return 0;
}

static void
scan(FutScanner *s, FutScanText text, const uint8_t *data, size_t size, size_t chunk)
{
	fut_scanner_init(s, words);
	fut_scanner_set_text(s, text);
	for (size_t off = 0; off < size; off += chunk)
		fut_scanner_feed(s, data + off, MIN(chunk, size - off));
	fut_scanner_finish(s);
}

static int
same(const FutScanner *a, const FutScanner *b)
{
	return a->mynumber_valid == b->mynumber_valid &&
	       a->mynumber_invalid == b->mynumber_invalid &&
	       a->resident_valid == b->resident_valid && a->bytes == b->bytes &&
	       strcmp(a->mynumber_first, b->mynumber_first) == 0 &&
	       strcmp(a->resident_first, b->resident_first) == 0 &&
	       memcmp(a->word_counts, b->word_counts, sizeof(a->word_counts)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const FutScanFilterImpl impls[] = {FUT_SCAN_FILTER_SCALAR, FUT_SCAN_FILTER_SSSE3,
	                                          FUT_SCAN_FILTER_AVX2};
	FutScanner ref;
	size_t chunk;
	FutScanText text;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 13 + 1;
	text = (FutScanText)(data[0] / 13 % 3);
	data++;
	size--;
	fut_scan_filter_set_impl(FUT_SCAN_FILTER_SCALAR);
	scan(&ref, text, data, size, 1);
	if (ref.bytes != size)
		abort();
	for (size_t k = 0; k < G_N_ELEMENTS(impls); k++) {
		FutScanner a, b;
		if (!fut_scan_filter_set_impl(impls[k]))
			continue;
		scan(&a, text, data, size, size > 0 ? size : 1);
		scan(&b, text, data, size, chunk);
		if (!same(&a, &ref)) {
			fprintf(stderr,
			        "whole scan (filter %d) differs from the byte-at-a-time scan\n",
			        (int)impls[k]);
			abort();
		}
		if (!same(&b, &ref)) {
			fprintf(stderr,
			        "chunked scan (filter %d) differs from the byte-at-a-time scan\n",
			        (int)impls[k]);
			abort();
		}
	}
	fut_scan_filter_set_impl(FUT_SCAN_FILTER_AUTO);
	/* two scanners on one text (detect-split.c): split after each of the first line ends,
	 * the second part started from the two bytes before it and appended: the same counts
	 * as one scanner over the whole */
	for (size_t i = 1, splits = 0; i < size && splits < 8; i++) {
		FutScanner head, tail;
		uint8_t prev[2];

		if (data[i] != '\n')
			continue;
		splits++;
		prev[0] = data[i - 1];
		prev[1] = '\n';
		fut_scanner_init(&head, words);
		fut_scanner_set_text(&head, text);
		fut_scanner_feed(&head, data, i + 1);
		if (!fut_scanner_init_after_line(&tail, &head, prev))
			abort();
		fut_scanner_feed(&tail, data + i + 1, size - i - 1);
		fut_scanner_append(&head, &tail);
		fut_scanner_finish(&head);
		if (!same(&head, &ref)) {
			fprintf(stderr, "a scan split after the line end at %zu differs\n", i);
			abort();
		}
	}
	/* a reported first identifier has its check digit */
	if (ref.mynumber_valid > 0 && !fut_mynumber_is_valid(ref.mynumber_first, FUT_MYNUMBER_LEN))
		abort();
	if (ref.resident_valid > 0 &&
	    !fut_resident_code_is_valid(ref.resident_first, FUT_RESIDENT_CODE_LEN))
		abort();
	return 0;
}
