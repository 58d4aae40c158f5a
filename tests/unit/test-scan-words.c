/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The word automaton against a naive count: for random word sets over a small alphabet
 * (words that are prefixes, suffixes and inner parts of each other, so every kind of
 * failure link is needed) and random texts over the same alphabet, in UTF-8, Shift_JIS and
 * EUC-JP, the scanner's count of each word must be the number of positions where one of
 * the word's forms ends, counted by comparing every form at every position. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "detect.h"
#include "scan-filter.h"

/* ASCII letters (one-byte forms turn the vector filter off), kana and kanji (three bytes in
 * UTF-8, two in Shift_JIS and EUC-JP), and a full-width space (spaced markings) */
static const gchar *const alphabet[] = {"a", "b", "ab", "ア", "イ", "秘", "極", "\u3000"};

static gchar *
random_string(GRand *r, guint min_tokens, guint max_tokens, guint n_alpha)
{
	GString *s = g_string_new(NULL);
	guint n = (guint)g_rand_int_range(r, (gint32)min_tokens, (gint32)max_tokens + 1);

	for (guint i = 0; i < n; i++)
		g_string_append(s, alphabet[g_rand_int_range(r, 0, (gint32)n_alpha)]);
	return g_string_free(s, FALSE);
}

/* The word's forms as the builder makes them (detect-words.c, add_forms()): as written
 * and, for a marking of 2 to 6 characters without an ASCII space, spaced out with U+3000
 * and with ' '; each also in CP932 and EUC-JP. Duplicates do no harm here: a position
 * counts once. */
static void
add_forms(GPtrArray *forms, const gchar *word, FutWordRole role)
{
	static const gchar *const encodings[] = {"CP932", "EUC-JP"};
	g_autoptr(GPtrArray) utf8 = g_ptr_array_new_with_free_func(g_free);
	glong chars = g_utf8_strlen(word, -1);

	g_ptr_array_add(utf8, g_strdup(word));
	if (role == FUT_WORD_MARKING && chars >= 2 && chars <= 6 && strchr(word, ' ') == NULL) {
		static const gchar *const spaces[] = {"\u3000", " "};
		for (guint k = 0; k < G_N_ELEMENTS(spaces); k++) {
			GString *sp = g_string_new(NULL);
			for (const gchar *p = word; *p != '\0'; p = g_utf8_next_char(p)) {
				if (p != word)
					g_string_append(sp, spaces[k]);
				g_string_append_len(sp, p, g_utf8_next_char(p) - p);
			}
			g_ptr_array_add(utf8, g_string_free(sp, FALSE));
		}
	}
	for (guint i = 0; i < utf8->len; i++) {
		const gchar *w = g_ptr_array_index(utf8, i);
		g_ptr_array_add(forms, g_strdup(w));
		for (guint e = 0; e < G_N_ELEMENTS(encodings); e++) {
			gsize len = 0;
			gchar *c = g_convert(w, -1, encodings[e], "UTF-8", NULL, &len, NULL);
			if (c != NULL && len > 0 && strlen(c) == len)
				g_ptr_array_add(forms, c);
			else
				g_free(c);
		}
	}
}

static guint64
naive_count(const GPtrArray *forms, const guint8 *text, gsize len)
{
	guint64 n = 0;

	for (gsize end = 1; end <= len; end++) {
		for (guint f = 0; f < forms->len; f++) {
			const gchar *form = g_ptr_array_index(forms, f);
			gsize fl = strlen(form);
			if (fl <= end && memcmp(text + end - fl, form, fl) == 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

static void
scan_words(const FutScanWords *w,
           FutScanText enc,
           const guint8 *text,
           gsize len,
           gsize piece,
           FutScanner *ret)
{
	fut_scanner_init(ret, w);
	fut_scanner_set_text(ret, enc);
	for (gsize off = 0; off < len; off += piece)
		fut_scanner_feed(ret, text + off, MIN(piece, len - off));
	fut_scanner_finish(ret);
}

static void
test_words_naive(void)
{
	static const FutScanText encs[] = {FUT_SCAN_TEXT_UTF8, FUT_SCAN_TEXT_CP932,
	                                   FUT_SCAN_TEXT_EUCJP};
	static const gchar *const enc_names[] = {"UTF-8", "CP932", "EUC-JP"};
	GRand *r = g_rand_new_with_seed(17);
	guint64 matched = 0;

	for (guint set = 0; set < 300; set++) {
		g_autoptr(FutScanWords) w = fut_scan_words_new();
		g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
		GPtrArray *forms[FUT_SCAN_WORDS_MAX] = {NULL};
		/* half the sets without the one-byte letters, so the vector filter runs */
		guint first = set % 2 == 0 ? 0 : 3;
		guint n_words = (guint)g_rand_int_range(r, 1, 13);
		g_autofree gchar *utf8 = NULL;

		for (guint i = 0; i < n_words; i++) {
			g_autofree gchar *s = NULL;
			FutWordRole role =
			    g_rand_boolean(r) ? FUT_WORD_MARKING : FUT_WORD_MYNUMBER_CONTEXT;
			GString *g = g_string_new(NULL);
			guint tokens = (guint)g_rand_int_range(r, 1, 5);
			for (guint k = 0; k < tokens; k++)
				g_string_append(g, alphabet[g_rand_int_range(
				                       r, (gint32)first, G_N_ELEMENTS(alphabet))]);
			s = g_string_free(g, FALSE);
			if (fut_scan_words_add(w, s, role, NULL) < 0)
				continue;
			forms[words->len] = g_ptr_array_new_with_free_func(g_free);
			add_forms(forms[words->len], s, role);
			g_ptr_array_add(words, g_steal_pointer(&s));
		}
		fut_scan_words_build(w);
		utf8 = random_string(r, 50, 400, G_N_ELEMENTS(alphabet));
		for (guint e = 0; e < G_N_ELEMENTS(encs); e++) {
			g_autofree gchar *text = NULL;
			gsize len = 0;
			FutScanner whole;
			FutScanner bytes;
			text = e == 0
			           ? g_strdup(utf8)
			           : g_convert(utf8, -1, enc_names[e], "UTF-8", NULL, &len, NULL);
			g_assert_nonnull(text);
			len = strlen(text);
			scan_words(w, encs[e], (const guint8 *)text, len, len, &whole);
			scan_words(w, encs[e], (const guint8 *)text, len, 1, &bytes);
			for (guint i = 0; i < words->len; i++) {
				guint64 want = naive_count(forms[i], (const guint8 *)text, len);
				if (whole.word_counts[i] != want || bytes.word_counts[i] != want)
					g_error(
					    "set %u, %s, word %u \"%s\": counted %" G_GUINT64_FORMAT
					    " whole, %" G_GUINT64_FORMAT
					    " byte by byte, naively %" G_GUINT64_FORMAT,
					    set, enc_names[e], i,
					    (const gchar *)g_ptr_array_index(words, i),
					    whole.word_counts[i], bytes.word_counts[i], want);
				matched += want;
			}
		}
		for (guint i = 0; i < words->len; i++)
			g_ptr_array_unref(forms[i]);
	}
	/* the texts do hold the words: a test of zeros would prove nothing */
	g_assert_cmpuint(matched, >, 10000);
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scan/words/naive-reference", test_words_naive);
	return g_test_run();
}
