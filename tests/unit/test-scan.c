/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "detect.h"
#include "errors.h"
#include "test-classify-util.h"
#include "test-scan-util.h"

/* --- check digits -------------------------------------------------------------------- */

static void
test_mynumber_check_digit(void)
{
	static const gchar *const valid[] = {MN1, MN2, MN3, "379474484458", "000000000000"};
	static const gchar *const invalid[] = {
	    "123456789010", "123456789019",  "983205673210", "983205673241", /* swap */
	    "12345678901",  "1234567890180", "12345678901a", "",
	};

	for (guint i = 0; i < G_N_ELEMENTS(valid); i++)
		g_assert_true(fut_mynumber_is_valid(valid[i], strlen(valid[i])));
	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++)
		g_assert_false(fut_mynumber_is_valid(invalid[i], strlen(invalid[i])));
	g_assert_false(fut_mynumber_is_valid(NULL, 12));
	g_assert_false(fut_mynumber_is_valid("１２３４５６７８９０１８", 12));
}

/* The formula, independently: every payload has exactly one check digit; a remainder of 0
 * or 1 gives 0. Also: the detector is not "any 12 digits": about 1 in 10 random numbers
 * pass, never all of them. */
static void
test_mynumber_exactly_one(void)
{
	static const guint w[] = {6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
	GRand *r = g_rand_new_with_seed(42);
	guint passing = 0;
	gboolean saw_zero_rule = FALSE;

	for (guint t = 0; t < 2000; t++) {
		gchar n[13];
		guint sum = 0;
		guint hits = 0;
		for (guint i = 0; i < 11; i++) {
			n[i] = (gchar)('0' + g_rand_int_range(r, 0, 10));
			sum += (guint)(n[i] - '0') * w[i];
		}
		n[12] = '\0';
		for (gchar c = '0'; c <= '9'; c++) {
			n[11] = c;
			if (fut_mynumber_is_valid(n, 12)) {
				hits++;
				if (sum % 11 <= 1) {
					g_assert_cmpint(c, ==, '0');
					saw_zero_rule = TRUE;
				} else {
					g_assert_cmpint(c - '0', ==, 11 - sum % 11);
				}
			}
		}
		g_assert_cmpuint(hits, ==, 1);
		n[11] = (gchar)('0' + g_rand_int_range(r, 0, 10));
		passing += fut_mynumber_is_valid(n, 12);
	}
	g_assert_true(saw_zero_rule);
	g_assert_cmpuint(passing, >, 100);
	g_assert_cmpuint(passing, <, 320);
	g_rand_free(r);
}

static void
test_resident_check_digit(void)
{
	/* cross-checked against sample resident records in public test data */
	static const gchar *const valid[] = {RC1, "24846016224", "25208017643"};
	static const gchar *const invalid[] = {"24727059607", "24846016225",  "25208017644",
	                                       "2472705960",  "247270596080", "2472705960x"};

	for (guint i = 0; i < G_N_ELEMENTS(valid); i++)
		g_assert_true(fut_resident_code_is_valid(valid[i], strlen(valid[i])));
	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++)
		g_assert_false(fut_resident_code_is_valid(invalid[i], strlen(invalid[i])));
}

static void
test_mask(void)
{
	g_autofree gchar *m = fut_mask_digits(MN1);
	g_assert_cmpstr(m, ==, "1234********");
}

/* --- the scanner --------------------------------------------------------------------- */

static const gchar scan_text[] =
    "個人番号: " MN1 ", " MN2 "\n" /* two valid */
    "invalid 123456789019 and 1234567890180 (13 digits)\n"
    "card 1234-5678-9018 and 1234 5678 9018, not 2024-1234-5678-9018 nor 1234-5678 9018\n"
    "full width １２３４５６７８９０１８ and code " RC1 "\n"
    "取扱注意 取扱注意 注意\n"
    "x" MN3;

static void
scan_all(const FutScanWords *w, FutScanner *s, gsize piece)
{
	gsize len = strlen(scan_text);

	fut_scanner_init(s, w);
	for (gsize off = 0; off < len; off += piece)
		fut_scanner_feed(s, (const guint8 *)scan_text + off, MIN(piece, len - off));
	fut_scanner_finish(s);
}

static void
test_scanner_counts(void)
{
	g_autoptr(FutScanWords) w = make_words();
	FutScanner s;

	scan_all(w, &s, strlen(scan_text));
	/* MN1, MN2, two card forms, full width, MN3 at the end */
	g_assert_cmpuint(s.mynumber_valid, ==, 6);
	g_assert_cmpuint(s.mynumber_invalid, ==, 1);
	g_assert_cmpuint(s.resident_valid, ==, 1);
	g_assert_cmpstr(s.mynumber_first, ==, MN1);
	g_assert_cmpuint(s.word_counts[0], ==, 2);
	g_assert_cmpuint(s.word_counts[1], ==, 1);
	g_assert_cmpuint(s.word_counts[2], ==, 3); /* inside both 取扱注意 and alone */
}

/* Chunk boundaries change nothing: every piece size from 1 byte up gives the same counts. */
static void
test_scanner_chunks(void)
{
	g_autoptr(FutScanWords) w = make_words();
	FutScanner whole;

	scan_all(w, &whole, strlen(scan_text));
	for (gsize piece = 1; piece <= 64; piece++) {
		FutScanner s;
		scan_all(w, &s, piece);
		g_assert_cmpuint(s.mynumber_valid, ==, whole.mynumber_valid);
		g_assert_cmpuint(s.mynumber_invalid, ==, whole.mynumber_invalid);
		g_assert_cmpuint(s.resident_valid, ==, whole.resident_valid);
		for (guint i = 0; i < 3; i++)
			g_assert_cmpuint(s.word_counts[i], ==, whole.word_counts[i]);
	}
	/* and without words */
	for (gsize piece = 1; piece <= 7; piece++) {
		FutScanner s;
		scan_all(NULL, &s, piece);
		g_assert_cmpuint(s.mynumber_valid, ==, 6);
	}
}

/* Twelve zeros are a placeholder, never counted. A run inside a hexadecimal string (SHA-256 lists,
 * keys, primes in programs: /usr/bin/ssh held three "My Numbers", all in its Diffie-Hellman primes)
 * is not checked; one next to a letter that is no part of a hex string still is. Each case whole,
 * in one-byte feeds (the context then comes from the feed before) and in every two-piece split. */
static guint64
scan_valid(const gchar *text, FutScanText enc, gsize piece)
{
	FutScanner s;
	gsize len = strlen(text);

	fut_scanner_init(&s, NULL);
	fut_scanner_set_text(&s, enc);
	for (gsize off = 0; off < len; off += piece)
		fut_scanner_feed(&s, (const guint8 *)text + off, MIN(piece, len - off));
	fut_scanner_finish(&s);
	return s.mynumber_valid + s.resident_valid;
}

static void
test_scanner_hex(void)
{
	static const struct {
		const gchar *text;
		FutScanText enc;
		guint64 valid;
	} cases[] = {
	    /* in hex strings: a letter after, or a letter with a hex character before it */
	    {"9f86d0818" MN1 "e7fa,", FUT_SCAN_TEXT_UTF8, 0},
	    {"sha256 " MN2 "cafe\n", FUT_SCAN_TEXT_UTF8, 0},
	    {"d5" MN3 "\n", FUT_SCAN_TEXT_UTF8, 0},
	    {"0xFF" MN1 " ", FUT_SCAN_TEXT_UTF8, 0},
	    {"ab" RC1 ",", FUT_SCAN_TEXT_UTF8, 0},
	    /* the limit: ア's trail byte 'A' and a letter b read as hex, as in any encoding */
	    {"\x83\x41"
	     "b" MN1 ",",
	     FUT_SCAN_TEXT_CP932, 0},
	    /* not in one */
	    {"個人番号:" MN1 ",", FUT_SCAN_TEXT_UTF8, 1},
	    {"No." MN2 "\n", FUT_SCAN_TEXT_UTF8, 1},
	    {"x" MN3 "x", FUT_SCAN_TEXT_UTF8, 1},
	    {",a" MN1 ",", FUT_SCAN_TEXT_UTF8, 1}, /* one letter before, nothing hex before it */
	    {"\x83\x41" MN1 ",", FUT_SCAN_TEXT_CP932, 1}, /* ア: 83 41, trail byte 'A' */
	    {"\x83\x41" MN1 ",", FUT_SCAN_TEXT_UTF8, 1},
	    {"1234-5678-901a", FUT_SCAN_TEXT_UTF8, 0}, /* not the card form's chain either */
	    {MN1 "-", FUT_SCAN_TEXT_UTF8, 1},
	    /* twelve zeros: a placeholder, whatever the check digit says */
	    {"個人番号:000000000000,", FUT_SCAN_TEXT_UTF8, 0},
	    {"0000-0000-0000", FUT_SCAN_TEXT_UTF8, 0},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = strlen(cases[i].text);
		g_test_message("case %u", i);
		g_assert_cmpuint(scan_valid(cases[i].text, cases[i].enc, len), ==, cases[i].valid);
		g_assert_cmpuint(scan_valid(cases[i].text, cases[i].enc, 1), ==, cases[i].valid);
		for (gsize cut = 1; cut < len; cut++) {
			FutScanner s;
			fut_scanner_init(&s, NULL);
			fut_scanner_set_text(&s, cases[i].enc);
			fut_scanner_feed(&s, (const guint8 *)cases[i].text, cut);
			fut_scanner_feed(&s, (const guint8 *)cases[i].text + cut, len - cut);
			fut_scanner_finish(&s);
			g_assert_cmpuint(s.mynumber_valid + s.resident_valid, ==, cases[i].valid);
		}
	}
}

static void
test_scanner_words_garbage(void)
{
	g_autoptr(FutScanWords) w = fut_scan_words_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *longw = g_strnfill(FUT_SCAN_WORD_MAX_LEN + 1, 'a');

	g_assert_cmpint(fut_scan_words_add(w, "", FUT_WORD_MARKING, &error), ==, -1);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_cmpint(fut_scan_words_add(w, longw, FUT_WORD_MARKING, &error), ==, -1);
	g_clear_error(&error);
	g_assert_cmpint(fut_scan_words_add(w, "a\tb", FUT_WORD_MARKING, &error), ==, -1);
	g_clear_error(&error);
	g_assert_cmpint(fut_scan_words_add(w, "\xff\xfe", FUT_WORD_MARKING, &error), ==, -1);
	g_clear_error(&error);
	g_assert_cmpint(fut_scan_words_add(w, "秘", FUT_WORD_MARKING, &error), ==, 0);
	g_assert_cmpint(fut_scan_words_add(w, "秘", FUT_WORD_MARKING, &error), ==, -1);
	g_assert_nonnull(strstr(error->message, "twice"));
	g_clear_error(&error);
	for (guint i = 1; i < FUT_SCAN_WORDS_MAX; i++) {
		g_autofree gchar *s = g_strdup_printf("w%u", i);
		g_assert_cmpint(fut_scan_words_add(w, s, FUT_WORD_MARKING, NULL), ==, (gint)i);
	}
	g_assert_cmpint(fut_scan_words_add(w, "one-too-many", FUT_WORD_MARKING, &error), ==, -1);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scan/mynumber/check-digit", test_mynumber_check_digit);
	g_test_add_func("/scan/mynumber/exactly-one", test_mynumber_exactly_one);
	g_test_add_func("/scan/resident/check-digit", test_resident_check_digit);
	g_test_add_func("/scan/mask", test_mask);
	g_test_add_func("/scan/scanner/counts", test_scanner_counts);
	g_test_add_func("/scan/scanner/chunks", test_scanner_chunks);
	g_test_add_func("/scan/scanner/words-garbage", test_scanner_words_garbage);
	g_test_add_func("/scan/scanner/hex", test_scanner_hex);
	return g_test_run();
}
