/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the content scanner (common/detect.c). The first byte picks a chunk
 * size; the text is scanned once whole and once in chunks, and the counts must be the same
 * (the scanner's whole state lives in FutScanner, so a split anywhere changes nothing). */
#include "config.h"

#include "detect.h"
#include "fuzz-common.h"

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
scan(FutScanner *s, const uint8_t *data, size_t size, size_t chunk)
{
	fut_scanner_init(s, words);
	for (size_t off = 0; off < size; off += chunk)
		fut_scanner_feed(s, data + off, MIN(chunk, size - off));
	fut_scanner_finish(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FutScanner a, b;
	size_t chunk;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 13 + 1;
	data++;
	size--;
	scan(&a, data, size, size > 0 ? size : 1);
	scan(&b, data, size, chunk);
	if (a.mynumber_valid != b.mynumber_valid || a.mynumber_invalid != b.mynumber_invalid ||
	    a.resident_valid != b.resident_valid || a.bytes != b.bytes || a.bytes != size ||
	    strcmp(a.mynumber_first, b.mynumber_first) != 0 ||
	    strcmp(a.resident_first, b.resident_first) != 0 ||
	    memcmp(a.word_counts, b.word_counts, sizeof(a.word_counts)) != 0) {
		fprintf(stderr, "chunked scan differs from whole scan\n");
		abort();
	}
	/* a reported first identifier has its check digit */
	if (a.mynumber_valid > 0 && !fut_mynumber_is_valid(a.mynumber_first, FUT_MYNUMBER_LEN))
		abort();
	if (a.resident_valid > 0 &&
	    !fut_resident_code_is_valid(a.resident_first, FUT_RESIDENT_CODE_LEN))
		abort();
	return 0;
}
