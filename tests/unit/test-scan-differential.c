/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scanner's fast paths (vector filters, numbers checked in place, chunked feeds)
 * against its byte-at-a-time path and against the check-digit formulas: random texts,
 * random word sets, and every offset around the places where a window or a chunk ends. */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "detect.h"
#include "errors.h"
#include "scan-filter.h"
#include "test-classify-util.h"
#include "test-scan-util.h"

/* The fast paths (numbers checked in place, vector scans) against the byte-at-a-time
 * path, which a feed of one byte at a time always takes: random text made of the pieces
 * the scanner cares about (runs of every length, chains with both separators and mixed
 * ones, full-width digits in all three encodings, words, kanji, a word that starts with a
 * separator) must give the same counts and the same first numbers both ways. */
static void
scan_pieces(const FutScanWords *w, FutScanText text, const GString *in, gsize piece, FutScanner *s)
{
	fut_scanner_init(s, w);
	fut_scanner_set_text(s, text);
	for (gsize off = 0; off < in->len; off += piece)
		fut_scanner_feed(s, (const guint8 *)in->str + off, MIN(piece, in->len - off));
	fut_scanner_finish(s);
}

/* @a found what @b found: counts, first numbers, word counts. */
static void
assert_same_counts(const FutScanner *a, const FutScanner *b)
{
	g_assert_cmpuint(a->mynumber_valid, ==, b->mynumber_valid);
	g_assert_cmpuint(a->mynumber_invalid, ==, b->mynumber_invalid);
	g_assert_cmpuint(a->resident_valid, ==, b->resident_valid);
	g_assert_cmpmem(a->mynumber_first, FUT_MYNUMBER_LEN, b->mynumber_first, FUT_MYNUMBER_LEN);
	g_assert_cmpmem(a->resident_first, FUT_RESIDENT_CODE_LEN, b->resident_first,
	                FUT_RESIDENT_CODE_LEN);
	g_assert_cmpmem(a->word_counts, sizeof(a->word_counts), b->word_counts,
	                sizeof(b->word_counts));
}

static const FutScanFilterImpl impls[] = {FUT_SCAN_FILTER_SCALAR, FUT_SCAN_FILTER_SSSE3,
                                          FUT_SCAN_FILTER_AVX2};

/* The whole text in one feed (the fast path, through each vector filter the processor has)
 * against one byte per feed (the byte-at-a-time path, which no filter ever sees: a window
 * needs more than 64 bytes left). */
static void
assert_fast_as_slow(const FutScanWords *words, FutScanText text, const GString *text_in)
{
	/* the text ends right before a page nobody may read: a filter that reads past the
	 * end of what it is fed crashes here */
	gsize page = (gsize)sysconf(_SC_PAGESIZE);
	gsize span = (text_in->len + page - 1) / page * page;
	guint8 *map =
	    mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	GString in_at_end;
	GString *in = &in_at_end;
	FutScanner slow;

	g_assert_true(map != MAP_FAILED);
	g_assert_cmpint(mprotect(map + span, page, PROT_NONE), ==, 0);
	if (text_in->len > 0)
		memcpy(map + span - text_in->len, text_in->str, text_in->len);
	in_at_end.str = (gchar *)map + span - text_in->len;
	in_at_end.len = text_in->len;

	fut_scan_filter_set_impl(FUT_SCAN_FILTER_SCALAR);
	scan_pieces(words, text, in, 1, &slow);
	for (guint k = 0; k < G_N_ELEMENTS(impls); k++) {
		FutScanner fast;
		if (!fut_scan_filter_set_impl(impls[k]))
			continue;
		scan_pieces(words, text, in, in->len, &fast);
		assert_same_counts(&fast, &slow);
	}
	fut_scan_filter_set_impl(FUT_SCAN_FILTER_AUTO);
	/* Two scanners at once (detect-split.c): split after every line end the text has, the
	 * second part started in the state after its two bytes before, and appended to the
	 * first: the same counts, first numbers and state as one scanner over the whole. */
	for (gsize i = 1; i < in->len; i++) {
		FutScanner head, tail;
		guint8 prev[2];

		if (in->str[i] != '\n')
			continue;
		prev[0] = (guint8)in->str[i - 1];
		prev[1] = '\n';
		fut_scanner_init(&head, words);
		fut_scanner_set_text(&head, text);
		fut_scanner_feed(&head, (const guint8 *)in->str, i + 1);
		g_assert_true(fut_scanner_init_after_line(&tail, &head, prev));
		fut_scanner_feed(&tail, (const guint8 *)in->str + i + 1, in->len - i - 1);
		fut_scanner_append(&head, &tail);
		fut_scanner_finish(&head);
		assert_same_counts(&head, &slow);
		g_assert_cmpuint(head.bytes, ==, slow.bytes);
		g_assert_cmpuint(head.ac_state, ==, slow.ac_state);
		g_assert_cmpuint(head.run_len, ==, slow.run_len);
		g_assert_cmpuint(head.chain_len, ==, slow.chain_len);
		g_assert_cmpint(head.after_sep, ==, slow.after_sep);
	}
	munmap(map, span + page);
}

static void
test_scanner_random_differential(void)
{
	static const gchar *const bits[] = {
	    "-", " ", ",", "\n", "x", "--", "  ", "- ", "\xef\xbc\x91", "\xef\xbc\x95", "\xef\xbc",
	    "\xef", "\x82\x54", "\x82\x4f", "\x82", "\xa3\xb3", "\xa3", "個人番号", "取扱注意",
	    "注意", "山田", "\x8c\xc2", "-a",
	    /* hexadecimal context: letters a-f alone and in pairs, and a Shift_JIS kana whose
	     * trail byte is 'A' (83 41) */
	    "a", "E", "fc", "9f", "\x83\x41",
	    /* four full-width digits: a chain part in UTF-8, Shift_JIS, EUC-JP */
	    "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94", "\x82\x50\x82\x51\x82\x52\x82\x53",
	    "\xa3\xb1\xa3\xb2\xa3\xb3\xa3\xb4",
	    /* long stretches the vector filter passes over, and words inside them at every
	     * offset of a window */
	    "山田太郎中央区本町北区緑町南区港町鈴木一郎佐藤花子", "abcdefghijklmnopqrstuvwxyz",
	    "会議資料の取扱注意について", "\x8e\x52\x93\x63\x91\xbe\x98\x59\x8e\xe6\x88\xb5",
	    "\xbb\xb3\xc5\xc4\xc2\xc0\xcf\xba\xbc\xe8\xb0\xb7"};
	g_autoptr(FutScanWords) w = make_words();
	g_autoptr(FutScanWords) wd = fut_scan_words_new();
	GRand *rand = g_rand_new_with_seed(17);

	/* a word that starts with a separator: chains must leave the fast path */
	g_assert_cmpint(fut_scan_words_add(wd, "-a", FUT_WORD_MARKING, NULL), ==, 0);
	g_assert_cmpint(fut_scan_words_add(wd, " x", FUT_WORD_MARKING, NULL), ==, 1);
	fut_scan_words_build(wd);
	for (guint round = 0; round < 600; round++) {
		g_autoptr(GString) in = g_string_new(NULL);
		guint parts = (guint)g_rand_int_range(rand, 1, 120);
		const FutScanWords *words = round % 3 == 0 ? NULL : round % 3 == 1 ? w : wd;
		FutScanText text = (FutScanText)(round / 3 % 3);

		for (guint i = 0; i < parts; i++) {
			gint kind = g_rand_int_range(rand, 0, 6);
			if (kind == 5) {
				/* a long chain: 6 to 12 runs joined by one separator, with
				 * identifiers anywhere in it */
				static const gint lens[] = {1, 4, 4, 11, 12};
				gint n = g_rand_int_range(rand, 6, 13);
				gchar sep = g_rand_boolean(rand) ? '-' : ' ';
				for (gint k = 0; k < n; k++) {
					gint l =
					    lens[g_rand_int_range(rand, 0, G_N_ELEMENTS(lens))];
					if (k > 0)
						g_string_append_c(in, sep);
					for (gint d = 0; d < l; d++)
						g_string_append_c(
						    in,
						    (gchar)('0' + g_rand_int_range(rand, 0, 10)));
				}
			} else if (kind == 0) {
				/* a card-form chain: 2 to 4 groups of four digits, ASCII or
				 * full-width in the round's encoding, joined by separators
				 * that are mostly the same */
				gint groups = g_rand_int_range(rand, 2, 5);
				gchar sep = g_rand_boolean(rand) ? '-' : ' ';
				for (gint gi = 0; gi < groups; gi++) {
					if (gi > 0)
						g_string_append_c(in,
						                  g_rand_int_range(rand, 0, 8) == 0
						                      ? (sep == '-' ? ' ' : '-')
						                      : sep);
					for (gint k = 0; k < 4; k++) {
						gint d = g_rand_int_range(rand, 0, 10);
						if (g_rand_int_range(rand, 0, 4) != 0)
							g_string_append_c(in, (gchar)('0' + d));
						else if (text == FUT_SCAN_TEXT_UTF8)
							g_string_append_printf(in, "\xef\xbc%c",
							                       0x90 + d);
						else if (text == FUT_SCAN_TEXT_CP932)
							g_string_append_printf(in, "\x82%c",
							                       0x4f + d);
						else
							g_string_append_printf(in, "\xa3%c",
							                       0xb0 + d);
					}
				}
			} else if (kind == 1) {
				g_string_append_c(in, g_rand_boolean(rand) ? '-' : ' ');
			} else if (kind < 4) {
				/* digits: mostly the lengths that matter */
				static const gint lens[] = {1,  3,  4,  4,  4,  5, 10,
				                            11, 11, 12, 12, 13, 20};
				gint n = lens[g_rand_int_range(rand, 0, G_N_ELEMENTS(lens))];
				for (gint k = 0; k < n; k++)
					g_string_append_c(
					    in, (gchar)('0' + g_rand_int_range(rand, 0, 10)));
			} else {
				g_string_append(
				    in, bits[g_rand_int_range(rand, 0, G_N_ELEMENTS(bits))]);
			}
		}
		assert_fast_as_slow(words, text, in);
	}
	g_rand_free(rand);
}

/* The filter's buckets are built from the words: random word sets (kana, kanji, Latin,
 * digits, separators; UTF-8 with their Shift_JIS and EUC-JP forms) over texts made of the
 * same characters, the words whole and cut, in every encoding. */
static void
test_filter_random_words(void)
{
	static const gunichar alphabet[] = {
	    0x3042, 0x3044, 0x3046, 0x304b, 0x3055, 0x3093, 0x30a2, 0x30de, 0x30fc, 0x4e00,
	    0x4eba, 0x500b, 0x53f7, 0x756a, 0x79d8, 0x6975, 0x6ce8, 0x610f, 0x3000, 0xff11,
	    0xff62, 'a',    'Z',    '-',    ' ',    '0',    '7',    '(',    0xe9,   0x20ac};
	GRand *rand = g_rand_new_with_seed(71);

	for (guint round = 0; round < 300; round++) {
		g_autoptr(FutScanWords) w = fut_scan_words_new();
		g_autoptr(GPtrArray) forms = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GString) in = g_string_new(NULL);
		guint n_words = (guint)g_rand_int_range(rand, 1, 40);
		FutScanText text = (FutScanText)(round % 3);

		for (guint i = 0; i < n_words; i++) {
			GString *word = g_string_new(NULL);
			gint chars = g_rand_int_range(rand, 1, 5);
			for (gint k = 0; k < chars; k++)
				g_string_append_unichar(
				    word,
				    alphabet[g_rand_int_range(rand, 0, G_N_ELEMENTS(alphabet))]);
			/* one-byte words turn the filter off: keep them rare */
			if (word->len == 1 && g_rand_int_range(rand, 0, 8) != 0)
				g_string_append_unichar(word, 0x79d8);
			if (fut_scan_words_add(w, word->str, (FutWordRole)(i % 3), NULL) >= 0) {
				gchar *sj =
				    g_convert(word->str, -1, "CP932", "UTF-8", NULL, NULL, NULL);
				gchar *eu =
				    g_convert(word->str, -1, "EUC-JP", "UTF-8", NULL, NULL, NULL);
				if (sj != NULL)
					g_ptr_array_add(forms, sj);
				if (eu != NULL)
					g_ptr_array_add(forms, eu);
				g_ptr_array_add(forms, g_strdup(word->str));
			}
			g_string_free(word, TRUE);
		}
		fut_scan_words_build(w);
		while (in->len < (gsize)g_rand_int_range(rand, 1, 2000)) {
			gint kind = g_rand_int_range(rand, 0, 6);
			if (kind == 0 && forms->len > 0) {
				const gchar *f =
				    g_ptr_array_index(forms, g_rand_int_range(rand, 0, forms->len));
				gsize len = strlen(f);
				/* whole, or cut short */
				g_string_append_len(
				    in, f,
				    g_rand_boolean(rand)
				        ? (gssize)len
				        : (gssize)g_rand_int_range(rand, 1, (gint)len + 1));
			} else if (kind == 1) {
				gint n = g_rand_int_range(rand, 1, 14);
				for (gint k = 0; k < n; k++)
					g_string_append_c(
					    in, (gchar)('0' + g_rand_int_range(rand, 0, 10)));
			} else if (kind == 2) {
				g_string_append_c(in, (gchar)g_rand_int_range(rand, 1, 256));
			} else {
				g_string_append_unichar(
				    in,
				    alphabet[g_rand_int_range(rand, 0, G_N_ELEMENTS(alphabet))]);
			}
		}
		assert_fast_as_slow(w, text, in);
	}
	g_rand_free(rand);
}

/* --- the boundary differential test ------------------------------------------------- */

/* Digits, separators and words placed at every offset around the places where the fast
 * scanner's view of the text changes — its 16- and 32-byte blocks, its 64-byte windows, the
 * end of what one feed holds — and checked against the plain byte-at-a-time path (the scalar
 * implementation fed one byte at a time, which no fast path ever sees) through every vector
 * filter the processor has, whole and in chunks of several sizes. The fuzz finding this was
 * written for: nine ASCII digits ending a 32-byte half of a window, then full-width digits
 * (one 12-digit number) and no ASCII digit in the rest of the window. */

/* Digit @d (0-9) in @text's full-width form. */
static void
append_fw_digit(GString *s, FutScanText text, guint d)
{
	if (text == FUT_SCAN_TEXT_UTF8)
		g_string_append_printf(s, "\xef\xbc%c", 0x90 + d);
	else if (text == FUT_SCAN_TEXT_CP932)
		g_string_append_printf(s, "\x82%c", 0x4f + d);
	else
		g_string_append_printf(s, "\xa3%c", 0xb0 + d);
}

/* @utf8 in @text's encoding (converted once per string and encoding). */
static void
append_in(GString *s, FutScanText text, const gchar *utf8)
{
	static const gchar *const names[] = {"UTF-8", "CP932", "EUC-JP"};
	static GHashTable *converted[3];
	const gchar *c;

	if (converted[text] == NULL)
		converted[text] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c = g_hash_table_lookup(converted[text], utf8);
	if (c == NULL) {
		gchar *conv = g_convert(utf8, -1, names[text], "UTF-8", NULL, NULL, NULL);
		g_assert_nonnull(conv);
		g_hash_table_insert(converted[text], g_strdup(utf8), conv);
		c = conv;
	}
	g_string_append(s, c);
}

/* Digits @digits, the first @ascii of them ASCII and the rest full-width (or, with
 * @fw_first, the first @ascii full-width and the rest ASCII). */
static void
append_digits(GString *s, FutScanText text, const gchar *digits, gsize ascii, gboolean fw_first)
{
	for (gsize i = 0; digits[i] != '\0'; i++) {
		gboolean fw = fw_first ? i < ascii : i >= ascii;
		if (fw)
			append_fw_digit(s, text, (guint)(digits[i] - '0'));
		else
			g_string_append_c(s, digits[i]);
	}
}

static gboolean
same_counts(const FutScanner *a, const FutScanner *b)
{
	return a->mynumber_valid == b->mynumber_valid &&
	       a->mynumber_invalid == b->mynumber_invalid &&
	       a->resident_valid == b->resident_valid && a->bytes == b->bytes &&
	       memcmp(a->mynumber_first, b->mynumber_first, sizeof(a->mynumber_first)) == 0 &&
	       memcmp(a->resident_first, b->resident_first, sizeof(a->resident_first)) == 0 &&
	       memcmp(a->word_counts, b->word_counts, sizeof(a->word_counts)) == 0;
}

/* The byte-at-a-time reference for @in, then every filter and chunk size against it; on a
 * difference, the case is named and the text shown in hex. */
static void
assert_boundaries(const FutScanWords *words, FutScanText text, const GString *in, const gchar *what)
{
	static const gsize chunks[] = {0 /* whole */, 7, 16, 32, 64, 65, 67};
	FutScanner ref;

	fut_scan_filter_set_impl(FUT_SCAN_FILTER_SCALAR);
	scan_pieces(words, text, in, 1, &ref);
	for (guint k = 0; k < G_N_ELEMENTS(impls); k++) {
		if (!fut_scan_filter_set_impl(impls[k]))
			continue;
		for (guint c = 0; c < G_N_ELEMENTS(chunks); c++) {
			FutScanner s;
			gsize piece = chunks[c] != 0 ? chunks[c] : in->len;
			scan_pieces(words, text, in, piece, &s);
			if (!same_counts(&s, &ref)) {
				g_autoptr(GString) hex = g_string_new(NULL);
				for (gsize i = 0; i < in->len; i++)
					g_string_append_printf(hex, "%02x", (guint8)in->str[i]);
				g_printerr("differs from the byte-at-a-time path: %s, text %u, "
				           "filter %u, chunk %" G_GSIZE_FORMAT
				           ": my numbers %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
				           " valid/invalid (reference %" G_GUINT64_FORMAT
				           "/%" G_GUINT64_FORMAT "), resident %" G_GUINT64_FORMAT
				           " (reference %" G_GUINT64_FORMAT ")\n  %s\n",
				           what, text, impls[k], piece, s.mynumber_valid,
				           s.mynumber_invalid, ref.mynumber_valid,
				           ref.mynumber_invalid, s.resident_valid,
				           ref.resident_valid, hex->str);
				g_assert_true(same_counts(&s, &ref));
			}
		}
	}
	fut_scan_filter_set_impl(FUT_SCAN_FILTER_AUTO);
}

/* What a case puts at its offset. */
typedef struct {
	const gchar *name;
	void (*append)(GString *s, FutScanText text, guint variant);
	guint variants;
} BoundaryItem;

/* A number of 8 to 14 digits (My Number digits when 12 long, a resident code's when 11),
 * ASCII, full-width, or ASCII then full-width and the other way round at each split, then
 * one of the bytes that may follow a run. */
static const gchar *const run_followers[] = {",", "-", " ", "x", "山", "\n 個人番号", ""};
#define RUN_SPLITS 9
static void
append_run(GString *s, FutScanText text, guint v)
{
	static const gchar *const digits[] = {"31415926", "314159265",     "3141592653",    RC1,
	                                      MN1,        "3141592653589", "31415926535897"};
	guint follower = v % G_N_ELEMENTS(run_followers);
	guint split = v / G_N_ELEMENTS(run_followers) % RUN_SPLITS;
	const gchar *d = digits[v / G_N_ELEMENTS(run_followers) / RUN_SPLITS];
	gsize len = strlen(d);
	/* ASCII digits first: all, none, 1, 2, 3, len-3, len-2, len-1; then full-width first: 3 */
	static const gint first[RUN_SPLITS] = {-1, 0, 1, 2, 3, -4, -3, -2, 3};
	gsize ascii = first[split] == -1  ? len
	              : first[split] >= 0 ? (gsize)first[split]
	                                  : len + 1 + first[split];

	append_digits(s, text, d, ascii, split == RUN_SPLITS - 1);
	append_in(s, text, run_followers[follower]);
}

/* The card form (three groups of four), and chains around it: each group ASCII or
 * full-width, '-' or ' ', three or four groups, and a phone number with a My Number in it. */
static void
append_card(GString *s, FutScanText text, guint v)
{
	static const gchar *const groups[] = {"9832", "0567", "3214", "1234"};
	guint fw = v % 16;
	gchar sep = v / 16 % 2 == 0 ? '-' : ' ';
	guint n = v / 32 % 2 == 0 ? 3 : 4;

	for (guint g = 0; g < n; g++) {
		if (g > 0)
			g_string_append_c(s, sep);
		append_digits(s, text, groups[g], fw >> g & 1 ? 0 : 4, FALSE);
	}
	g_string_append_c(s, ',');
	if (v / 64 == 1) {
		g_string_append_printf(s, "03%c" MN1 "%c45 ", sep, sep);
		append_digits(s, text, "0312", fw & 1 ? 0 : 2, FALSE);
		g_string_append_c(s, sep);
		append_digits(s, text, MN1, fw & 2 ? 6 : 12, FALSE);
		g_string_append_c(s, ',');
	}
}

/* A word, whole, cut by the offset only: the keyword in the case's encoding, spaced
 * markings, and a number right after it. */
static void
append_word(GString *s, FutScanText text, guint v)
{
	static const gchar *const ws[] = {"個人番号",       "取扱注意", "注意",
	                                  "取　扱　注　意", "取扱注",   "個人番号" MN1,
	                                  "注意注意注意"};

	append_in(s, text, ws[v % G_N_ELEMENTS(ws)]);
}

static const BoundaryItem boundary_items[] = {
    {"digit run", append_run, G_N_ELEMENTS(run_followers) * RUN_SPLITS * 7},
    {"card form", append_card, 128},
    {"word", append_word, 7},
};

static void
test_scanner_boundary_differential(void)
{
	g_autoptr(FutScanWords) w = make_words();
	/* what follows the item: no ASCII digit in the rest of the window (ASCII letters,
	 * kanji), or more numbers */
	static const gchar *const tails[] = {"x", "山田", "、", "1"};
	guint cases = 0;

	for (guint t = 0; t < 3; t++) {
		FutScanText text = (FutScanText)t;
		for (guint it = 0; it < G_N_ELEMENTS(boundary_items); it++) {
			const BoundaryItem *item = &boundary_items[it];
			for (guint v = 0; v < item->variants; v++) {
				/* the item starting at every offset up to two windows and a
				 * half, so it ends at every offset around each boundary */
				for (guint off = 0; off <= 150; off++) {
					g_autoptr(GString) in = g_string_new(NULL);
					g_autofree gchar *what = NULL;
					guint tail = (v + off) % G_N_ELEMENTS(tails);
					for (guint k = 0; k < off; k++)
						g_string_append_c(in, 'x');
					item->append(in, text, v);
					/* the last follower of a run is the end of the text */
					if (!(item->append == append_run &&
					      v % G_N_ELEMENTS(run_followers) ==
					          G_N_ELEMENTS(run_followers) - 1)) {
						while (in->len < off + 160)
							append_in(in, text, tails[tail]);
					}
					what = g_strdup_printf("%s %u at offset %u", item->name, v,
					                       off);
					assert_boundaries(w, text, in, what);
					/* and without words, where only digits stop the filter */
					if (off % 5 == 0)
						assert_boundaries(NULL, text, in, what);
					cases++;
				}
			}
		}
	}
	g_test_message("%u texts", cases);
}

/* The digit runs a window keeps, against a plain walk over the bits: every run start of
 * exactly 11 or 12 digits, of a run followed by a separator or lead, and of the run at the
 * window's end; nothing else. */
static void
test_filter_runs_reference(void)
{
	GRand *rand = g_rand_new_with_seed(1712);

	for (guint round = 0; round < 200000; round++) {
		guint64 d = 0;
		guint64 seps = 0;
		guint64 want = 0;
		/* runs of every length, dense or sparse, so that 11 and 12 are common */
		for (guint i = 0; i < 64;) {
			guint len = (guint)g_rand_int_range(rand, 0, round % 2 == 0 ? 15 : 70);
			for (guint k = 0; k < len && i < 64; k++, i++)
				d |= 1ull << i;
			if (i < 64 && g_rand_int_range(rand, 0, 3) == 0)
				seps |= 1ull << i;
			i += (guint)g_rand_int_range(rand, 1, 3);
		}
		/* stray separator bits under digits must not matter */
		seps |= d & ((guint64)g_rand_int(rand) << 32 | g_rand_int(rand));
		for (guint s = 0; s < 64; s++) {
			guint e = s;
			if (!(d >> s & 1) || (s > 0 && (d >> (s - 1) & 1)))
				continue;
			while (e < 64 && (d >> e & 1))
				e++;
			if (e == 64 || (seps >> e & 1))
				want |= 1ull << s;
		}
		if (fut_scan_filter_runs(d, seps) != want) {
			g_test_message("digits %016" G_GINT64_MODIFIER
			               "x seps %016" G_GINT64_MODIFIER "x",
			               d, seps);
			g_assert_cmphex(fut_scan_filter_runs(d, seps), ==, want);
		}
	}
	g_rand_free(rand);
}

/* Texts made of digit runs of every length (past a window's 64 bytes too) between every
 * kind of byte that may follow a run: the runs the filter passes over must be the runs the
 * byte-at-a-time path finds nothing in. */
static void
test_scanner_digit_runs(void)
{
	static const gchar *const between[] = {
	    ",",        "-",        " ",       "x",        "\n",
	    "--",       "- ",       "-x",      " x",       "\xef\xbc\x91",
	    "\xef",     "\x82\x54", "\x82",    "\xa3\xb3", "\xa3",
	    "個人番号", "山田",     "取扱注意"};
	g_autoptr(FutScanWords) w = make_words();
	GRand *rand = g_rand_new_with_seed(1713);

	for (guint round = 0; round < 900; round++) {
		g_autoptr(GString) in = g_string_new(NULL);
		guint parts = (guint)g_rand_int_range(rand, 1, 200);
		FutScanText text = (FutScanText)(round % 3);

		for (guint i = 0; i < parts; i++) {
			/* mostly the lengths that matter, sometimes longer than a window */
			static const gint lens[] = {1,  2,  3,  4,  4,  7,  10,
			                            11, 11, 12, 12, 13, 63, 65};
			gint n = g_rand_int_range(rand, 0, 4) == 0
			             ? g_rand_int_range(rand, 1, 140)
			             : lens[g_rand_int_range(rand, 0, G_N_ELEMENTS(lens))];
			for (gint k = 0; k < n; k++)
				g_string_append_c(in, (gchar)('0' + g_rand_int_range(rand, 0, 10)));
			g_string_append(in,
			                between[g_rand_int_range(rand, 0, G_N_ELEMENTS(between))]);
		}
		assert_fast_as_slow(round % 2 == 0 ? NULL : w, text, in);
	}
	g_rand_free(rand);
}

/* The scanner's check digits (computed on the digits where they lie, in vector lanes)
 * against fut_mynumber_is_valid() and fut_resident_code_is_valid() (the ordinance's loop):
 * random 12-digit numbers, 11-digit codes and card forms, a tenth of each made valid, the
 * counts and the first valid ones the same through every filter, whole and byte by byte
 * (the text ending at a page nobody may read). */
static void
test_scanner_check_digits_reference(void)
{
	static const gchar *const seps[] = {",", "\n", " x ", "山"};
	GRand *rand = g_rand_new_with_seed(1717);

	for (guint round = 0; round < 60; round++) {
		g_autoptr(GString) in = g_string_new(NULL);
		guint mn_valid = 0;
		guint mn_invalid = 0;
		guint rc_valid = 0;
		gchar mn_first[FUT_MYNUMBER_LEN + 1] = "";
		gchar rc_first[FUT_RESIDENT_CODE_LEN + 1] = "";

		for (guint i = 0; i < 200; i++) {
			gint kind = g_rand_int_range(rand, 0, 3);
			guint len = kind == 1 ? FUT_RESIDENT_CODE_LEN : FUT_MYNUMBER_LEN;
			gchar n[FUT_MYNUMBER_LEN + 1] = "";
			for (guint k = 0; k < len; k++)
				n[k] = (gchar)('0' + g_rand_int_range(rand, 0, 10));
			/* a tenth made valid: the last digit that passes */
			for (gchar c = '0'; g_rand_int_range(rand, 0, 10) == 0 && c <= '9'; c++) {
				n[len - 1] = c;
				if (len == FUT_MYNUMBER_LEN ? fut_mynumber_is_valid(n, len)
				                            : fut_resident_code_is_valid(n, len))
					break;
			}
			if (len == FUT_MYNUMBER_LEN && fut_mynumber_is_valid(n, len)) {
				if (mn_valid++ == 0)
					memcpy(mn_first, n, len);
			} else if (len == FUT_MYNUMBER_LEN) {
				mn_invalid++;
			} else if (fut_resident_code_is_valid(n, len) && rc_valid++ == 0) {
				memcpy(rc_first, n, len);
			}
			if (kind == 2)
				g_string_append_printf(in, "%.4s-%.4s-%.4s", n, n + 4, n + 8);
			else
				g_string_append(in, n);
			if (i + 1 < 200 || round % 2 == 0)
				g_string_append(
				    in, seps[g_rand_int_range(rand, 0, G_N_ELEMENTS(seps))]);
		}
		for (guint k = 0; k < G_N_ELEMENTS(impls); k++) {
			FutScanner s;
			if (!fut_scan_filter_set_impl(impls[k]))
				continue;
			scan_pieces(NULL, FUT_SCAN_TEXT_UTF8, in, in->len, &s);
			g_assert_cmpuint(s.mynumber_valid, ==, mn_valid);
			g_assert_cmpuint(s.mynumber_invalid, ==, mn_invalid);
			g_assert_cmpuint(s.resident_valid, ==, rc_valid);
			g_assert_cmpmem(s.mynumber_first, FUT_MYNUMBER_LEN, mn_first,
			                FUT_MYNUMBER_LEN);
			g_assert_cmpmem(s.resident_first, FUT_RESIDENT_CODE_LEN, rc_first,
			                FUT_RESIDENT_CODE_LEN);
		}
		fut_scan_filter_set_impl(FUT_SCAN_FILTER_AUTO);
		assert_fast_as_slow(NULL, FUT_SCAN_TEXT_UTF8, in);
	}
	g_rand_free(rand);
}

static void
test_filter_impls(void)
{
	g_assert_true(fut_scan_filter_set_impl(FUT_SCAN_FILTER_SCALAR));
	g_assert_cmpint(fut_scan_filter_get_impl(), ==, FUT_SCAN_FILTER_SCALAR);
	for (guint k = 0; k < G_N_ELEMENTS(impls); k++) {
		if (fut_scan_filter_set_impl(impls[k]))
			g_assert_cmpint(fut_scan_filter_get_impl(), ==, impls[k]);
		else
			g_test_message("implementation %u: not on this processor", impls[k]);
	}
	g_assert_true(fut_scan_filter_set_impl(FUT_SCAN_FILTER_AUTO));
	g_assert_cmpint(fut_scan_filter_get_impl(), !=, FUT_SCAN_FILTER_AUTO);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scan/scanner/random-differential", test_scanner_random_differential);
	g_test_add_func("/scan/filter/random-words", test_filter_random_words);
	g_test_add_func("/scan/filter/impls", test_filter_impls);
	g_test_add_func("/scan/scanner/boundary-differential", test_scanner_boundary_differential);
	g_test_add_func("/scan/filter/runs-reference", test_filter_runs_reference);
	g_test_add_func("/scan/scanner/digit-runs", test_scanner_digit_runs);
	g_test_add_func("/scan/scanner/check-digits-reference",
	                test_scanner_check_digits_reference);
	return g_test_run();
}
