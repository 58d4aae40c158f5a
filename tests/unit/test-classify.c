/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "classify.h"
#include "detect.h"
#include "errors.h"
#include "labelstore.h"
#include "pathrules.h"
#include "util.h"
#include "xmltext.h"

/* Synthetic identifiers: made-up payloads with computed check digits. 123456789018 and
 * 983205673214 are the examples published with the ordinance's formula (JPMyNumber on
 * PyPI; Qiita "マイナンバー(個人番号)の検査用数字の確認方法"). */
#define MN1 "123456789018"
#define MN2 "983205673214"
#define MN3 "314159265352"
#define RC1 "24727059608"

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

static FutScanWords *
make_words(void)
{
	FutScanWords *w = fut_scan_words_new();
	g_assert_cmpint(fut_scan_words_add(w, "取扱注意", FUT_WORD_MARKING, NULL), ==, 0);
	g_assert_cmpint(fut_scan_words_add(w, "個人番号", FUT_WORD_MYNUMBER_CONTEXT, NULL), ==, 1);
	g_assert_cmpint(fut_scan_words_add(w, "注意", FUT_WORD_MARKING, NULL), ==, 2);
	fut_scan_words_build(w);
	return w;
}

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

static void
test_scanner_random_differential(void)
{
	static const gchar *const bits[] = {
	    "-", " ", ",", "\n", "x", "--", "  ", "- ", "\xef\xbc\x91", "\xef\xbc\x95", "\xef\xbc",
	    "\xef", "\x82\x54", "\x82\x4f", "\x82", "\xa3\xb3", "\xa3", "個人番号", "取扱注意",
	    "注意", "山田", "\x8c\xc2", "-a",
	    /* four full-width digits: a chain part in UTF-8, Shift_JIS, EUC-JP */
	    "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94", "\x82\x50\x82\x51\x82\x52\x82\x53",
	    "\xa3\xb1\xa3\xb2\xa3\xb3\xa3\xb4"};
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
		FutScanner fast;
		FutScanner slow;

		for (guint i = 0; i < parts; i++) {
			gint kind = g_rand_int_range(rand, 0, 5);
			if (kind == 0) {
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
		scan_pieces(words, text, in, in->len, &fast);
		scan_pieces(words, text, in, 1, &slow);
		g_assert_cmpuint(fast.mynumber_valid, ==, slow.mynumber_valid);
		g_assert_cmpuint(fast.mynumber_invalid, ==, slow.mynumber_invalid);
		g_assert_cmpuint(fast.resident_valid, ==, slow.resident_valid);
		g_assert_cmpmem(fast.mynumber_first, FUT_MYNUMBER_LEN, slow.mynumber_first,
		                FUT_MYNUMBER_LEN);
		g_assert_cmpmem(fast.resident_first, FUT_RESIDENT_CODE_LEN, slow.resident_first,
		                FUT_RESIDENT_CODE_LEN);
		for (guint i = 0; i < 3; i++)
			g_assert_cmpuint(fast.word_counts[i], ==, slow.word_counts[i]);
	}
	g_rand_free(rand);
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

/* --- XML text ------------------------------------------------------------------------ */

static void
collect(const guint8 *text, gsize len, gpointer user_data)
{
	g_string_append_len(user_data, (const gchar *)text, (gssize)len);
}

static gchar *
xml_text(const gchar *xml, gsize piece, GError **error)
{
	GString *out = g_string_new(NULL);
	FutXmlText x;
	gsize len = strlen(xml);

	fut_xml_text_init(&x, collect, out);
	for (gsize off = 0; off < len; off += piece)
		fut_xml_text_feed(&x, (const guint8 *)xml + off, MIN(piece, len - off));
	if (!fut_xml_text_finish(&x, error)) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

static void
test_xml_text(void)
{
	static const gchar xml[] =
	    "<?xml version=\"1.0\"?><!-- a > comment --><w:p a=\"x>y\"><w:r><w:t>1234</w:t>"
	    "</w:r><w:r><w:t xml:space='preserve'>5678&amp;&#x41;&#66;&lt;</w:t></w:r></w:p>"
	    "<c><v>1</v></c><c><v>2</v></c><![CDATA[a]]b]]]>"
	    "<wp:docPr id=\"12345678901\" name='x' descr = \"No. 98&amp;7\" title='t&#x41;'/>";

	for (gsize piece = 1; piece <= strlen(xml); piece++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *t = xml_text(xml, piece, &error);
		g_assert_no_error(error);
		/* two one-digit cells side by side are read together (a "12-box" form) */
		g_assert_cmpstr(t, ==, "\n12345678&AB<\n\n12\na]]b]No. 98&7\ntA\n");
	}
}

static void
test_xml_text_garbage(void)
{
	static const gchar *const bad[] = {
	    "<p>&bogus;</p>",
	    "<p>&#xZZ;</p>",
	    "<p>&#1114112;</p>",
	    "<p>&#xD800;</p>",
	    "<p>&amp",
	    "<p",
	    "<p a=\"unterminated>",
	    "text<!-- never closed",
	    "<p>&aaaaaaaaaaaaaaaaaaaaaaaaa;</p>",
	    "<x descr=\"&bogus;\"/>",
	    "<x descr=\"&amp",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *t = xml_text(bad[i], 3, &error);
		g_assert_null(t);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

/* --- files --------------------------------------------------------------------------- */

typedef struct {
	gchar *dir;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	f->dir = g_dir_make_tmp("futari-classify-XXXXXX", &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
}

static gchar *
write_file(Fixture *f, const gchar *name, const void *data, gsize len)
{
	gchar *path = g_build_filename(f->dir, name, NULL);
	/* plain write, no fsync: hundreds of these per run */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
	g_assert_cmpint(close(fd), ==, 0);
	return path;
}

static FutClassifier *
classifier_from(const gchar *conf, FutLabelStore *store)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	FutClassifier *cl;

	if (conf != NULL)
		g_assert_true(g_key_file_load_from_data(kf, conf, -1, G_KEY_FILE_NONE, &error));
	cl = fut_classifier_new(conf != NULL ? kf : NULL, store, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cl);
	return cl;
}

static FutClassification *
classify_path(FutClassifier *cl, const gchar *path, FutClassifyFlags flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	FutClassification *c;

	g_assert_cmpint(fd, >=, 0);
	c = fut_classifier_classify_fd(cl, fd, path, flags);
	/* the descriptor's offset is left alone */
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 0);
	close(fd);
	return c;
}

static gboolean
has_rule(const FutClassification *c, const gchar *rule, FutClass klass)
{
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (g_strcmp0(e->rule, rule) == 0 && e->klass == klass)
			return TRUE;
	}
	return FALSE;
}

static void
dump(const FutClassification *c, const gchar *name)
{
	g_autofree gchar *t = fut_classification_to_text(c, name);
	g_test_message("%s", t);
}

static void
assert_class(FutClassifier *cl, const gchar *path, FutClass want, const gchar *rule)
{
	g_autoptr(FutClassification) c = classify_path(cl, path, 0);
	dump(c, path);
	g_assert_cmpstr(fut_class_name(c->klass), ==, fut_class_name(want));
	/* for Class III the finding is informational: it is listed, below its threshold */
	if (rule != NULL)
		g_assert_true(has_rule(c, rule, want == FUT_CLASS_III ? FUT_CLASS_NONE : want));
}

static void
assert_text_class(
    Fixture *f, FutClassifier *cl, const gchar *text, FutClass want, const gchar *rule)
{
	g_autofree gchar *path = write_file(f, "t.txt", text, strlen(text));
	assert_class(cl, path, want, rule);
}

static void
test_classify_text(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);

	assert_text_class(f, cl, "会議のお知らせ\n内線 1234\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "", FUT_CLASS_III, NULL);
	/* one valid number and the keyword: Class I */
	assert_text_class(f, cl, "個人番号 " MN1 "\n", FUT_CLASS_I, "mynumber");
	/* one bare valid number: only noted (a random 12-digit number passes 1 in 10) */
	assert_text_class(f, cl, "order " MN1 "\n", FUT_CLASS_III, "mynumber");
	assert_text_class(f, cl, MN1 "," MN2 "," MN3 "\n", FUT_CLASS_I, "mynumber");
	/* random 12-digit numbers: 1 in 10 passes; without a keyword that is noise */
	{
		GString *ids = g_string_new("受付番号\n");
		GRand *r = g_rand_new_with_seed(1);
		for (guint i = 0; i < 300; i++)
			g_string_append_printf(ids, "%06u%06u\n", g_rand_int_range(r, 0, 1000000),
			                       g_rand_int_range(r, 0, 1000000));
		assert_text_class(f, cl, ids->str, FUT_CLASS_III, "mynumber");
		/* the same with the keyword: Class I */
		g_string_prepend(ids, "個人番号\n");
		assert_text_class(f, cl, ids->str, FUT_CLASS_I, "mynumber");
		g_string_free(ids, TRUE);
		g_rand_free(r);
	}
	/* three My Numbers among five other 12-digit numbers: 3 of 8 pass, Class I */
	assert_text_class(f, cl,
	                  MN1 " 123456789019 " MN2 " 123456789010 " MN3
	                      " 983205673210 983205673211 314159265357\n",
	                  FUT_CLASS_I, "mynumber");
	/* many 12-digit numbers with wrong check digits: nothing */
	assert_text_class(f, cl,
	                  "123456789019,123456789010,983205673210,983205673211,314159265357\n",
	                  FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "住民票コード " RC1 "\n", FUT_CLASS_I, "resident-code");
	/* an 11-digit number alone is most likely a phone number */
	assert_text_class(f, cl, "TEL " RC1 "\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "【取扱注意】予定価格\n", FUT_CLASS_II, "marking");
	assert_text_class(f, cl, "個人情報の取扱いについて。個人情報は…\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "個人情報 個人情報 個人情報\n", FUT_CLASS_II, "marking");
}

/* The boundary a worker process sits behind: fut_content_scan_fd() sees only bytes (no
 * label, no path rule), and its result survives serialisation; what a hostile worker could
 * send instead is refused. */
static FutContentResult *
hostile_scan(const FutContentConfig *cfg, int fd, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	const gchar *json = user_data;
	FutContentResult *r = fut_content_result_from_json(json, strlen(json), &error);

	g_assert_no_error(error);
	return r;
}

static void
test_content_boundary(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from("[path-rules]\nclass-II=*.txt\n", NULL);
	const FutContentConfig *cfg = fut_classifier_get_content_config(cl);
	const gchar *text = "個人番号 " MN1 "\n取扱注意\n";
	g_autofree gchar *p = write_file(f, "b.txt", text, strlen(text));
	static const gchar *const garbage[] = {
	    "",
	    "[]",
	    "{\"v\":1,\"class\":\"III\",\"complete\":true}",
	    "{\"v\":2,\"class\":\"III\",\"complete\":true,\"evidence\":[]}",
	    "{\"v\":1,\"class\":\"IV\",\"complete\":true,\"evidence\":[]}",
	    "{\"v\":1,\"class\":\"III\",\"complete\":1,\"evidence\":[]}",
	    "{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[],\"x\":0}",
	    /* a worker may not claim a label or a path rule */
	    "{\"v\":1,\"class\":\"I\",\"complete\":true,\"evidence\":[{\"rule\":\"label\","
	    "\"class\":\"I\",\"count\":1,\"description\":\"x\"}]}",
	    /* nor a class weaker than its own evidence */
	    "{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	    "\"class\":\"II\",\"count\":1,\"description\":\"x\"}]}",
	    "{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	    "\"class\":\"II\",\"count\":-1,\"description\":\"x\"}]}",
	    "{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	    "\"class\":\"II\",\"count\":1,\"description\":\"\\u001b[31m\"}]}",
	    "{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[]}trailing",
	};
	g_autoptr(FutContentResult) r = NULL;
	g_autoptr(FutContentResult) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *json2 = NULL;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	r = fut_content_scan_fd(cfg, fd);
	g_assert_cmpint(r->klass, ==, FUT_CLASS_I);
	g_assert_true(r->complete);
	for (guint i = 0; i < r->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(r->evidence, i);
		g_assert_cmpstr(e->rule, !=, "path-rule");
		g_assert_cmpstr(e->rule, !=, "label");
	}
	json = fut_content_result_to_json(r);
	g_test_message("%s", json);
	back = fut_content_result_from_json(json, strlen(json), &error);
	g_assert_no_error(error);
	json2 = fut_content_result_to_json(back);
	g_assert_cmpstr(json, ==, json2);
	for (guint i = 0; i < G_N_ELEMENTS(garbage); i++) {
		g_autoptr(FutContentResult) bad = NULL;
		g_clear_error(&error);
		bad = fut_content_result_from_json(garbage[i], strlen(garbage[i]), &error);
		g_assert_null(bad);
		g_assert_nonnull(error);
		g_assert_null(strchr(error->message, '\n'));
		g_test_message("refused: %s", error->message);
	}
	/* the decision keeps its own sources whatever the content scan says */
	fut_classifier_set_content_scan(
	    cl, hostile_scan,
	    (gpointer) "{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[]}");
	{
		g_autoptr(FutClassification) c = fut_classifier_classify_fd(cl, fd, p, 0);
		g_assert_cmpint(c->klass, ==, FUT_CLASS_II);
		g_assert_true(has_rule(c, "path-rule", FUT_CLASS_II));
	}
	close(fd);
}

/* Numbers and words that straddle the first read (64 KiB) and the next (1 MiB) boundary of
 * a file are found like any other. */
static void
test_classify_read_boundaries(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	const gsize cuts[] = {64 * 1024, 64 * 1024 + 1024 * 1024, 64 * 1024 + 2 * 1024 * 1024};
	gsize len = cuts[2] + 100;
	g_autofree gchar *buf = g_malloc(len);
	g_autofree gchar *p = NULL;
	g_autoptr(FutClassification) c = NULL;

	memset(buf, 'a', len);
	memcpy(buf + cuts[0] - 5, MN1, 12);        /* 5 digits before the cut, 7 after */
	memcpy(buf + cuts[1] - 11, MN2, 12);       /* 11 before, 1 after */
	memcpy(buf + cuts[2] - 7, "個人番号", 12); /* the keyword cut in a character */
	p = write_file(f, "boundaries.txt", buf, len);
	c = classify_path(cl, p, 0);
	dump(c, p);
	g_assert_cmpint(c->klass, ==, FUT_CLASS_I);
	g_assert_true(has_rule(c, "mynumber", FUT_CLASS_I));
	g_assert_cmpuint(((FutEvidence *)g_ptr_array_index(c->evidence, 0))->count, ==, 2);
}

static void
test_classify_encodings(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	g_autofree gchar *sjis = NULL;
	g_autofree gchar *u16 = NULL;
	g_autofree gchar *p1 = NULL;
	g_autofree gchar *p2 = NULL;
	g_autofree gchar *p3 = NULL;
	g_autofree gchar *p4 = NULL;
	g_autofree gchar *p5 = NULL;
	gsize sjis_len = 0;
	gsize u16_len = 0;
	const gchar *text = "氏名,区分\r\n山田,取扱注意\r\n";
	GString *big = g_string_new(NULL);

	/* Shift_JIS text made here with g_convert, and the committed CSV fixtures */
	sjis = g_convert(text, -1, "CP932", "UTF-8", NULL, &sjis_len, NULL);
	g_assert_nonnull(sjis);
	p1 = write_file(f, "sjis.csv", sjis, sjis_len);
	assert_class(cl, p1, FUT_CLASS_II, "marking");
	u16 = g_convert("\xef\xbb\xbf個人番号\t" MN2 "\n", -1, "UTF-16", "UTF-8", NULL, &u16_len,
	                NULL);
	g_assert_nonnull(u16);
	p2 = write_file(f, "u16.txt", u16, u16_len);
	assert_class(cl, p2, FUT_CLASS_I, "mynumber");

	/* a Shift_JIS file longer than the sniffed prefix and the read chunk, with the
	 * keyword at the start and numbers far behind it */
	for (guint i = 0; i < 200000; i++)
		g_string_append(big, "あいうえお,12345,");
	g_string_prepend(big, "個人番号,");
	g_string_append(big, "\r\n" MN1 "\r\n");
	g_free(sjis);
	sjis = g_convert(big->str, (gssize)big->len, "CP932", "UTF-8", NULL, &sjis_len, NULL);
	g_string_free(big, TRUE);
	g_assert_nonnull(sjis);
	g_assert_cmpuint(sjis_len, >, 2 * 1024 * 1024);
	p3 = write_file(f, "big-sjis.csv", sjis, sjis_len);
	assert_class(cl, p3, FUT_CLASS_I, "mynumber");

	/* bytes that are neither UTF-8 nor CP932 nor UTF-16: scanned as bytes */
	p4 = write_file(f, "bin.dat", "\x00\x01\x02" MN1 "\xff\x00", 18);
	assert_class(cl, p4, FUT_CLASS_III, "mynumber");
	p5 = write_file(f, "doc.pdf", "%PDF-1.7\n", 9);
	assert_class(cl, p5, FUT_CLASS_II, "malformed");

	/* UTF-16 without a byte order mark, both byte orders */
	{
		static const gchar *const orders[] = {"UTF-16LE", "UTF-16BE"};
		for (guint i = 0; i < G_N_ELEMENTS(orders); i++) {
			g_autofree gchar *t = NULL;
			g_autofree gchar *p = NULL;
			gsize tl = 0;
			t = g_convert("no,name,number\n1,山田," MN1 "\n2,佐藤," MN2 "\n3,鈴木," MN3
			              "\n",
			              -1, orders[i], "UTF-8", NULL, &tl, NULL);
			g_assert_nonnull(t);
			p = write_file(f, "u16nobom.csv", t, tl);
			assert_class(cl, p, FUT_CLASS_I, "mynumber");
		}
	}
	/* broken compressed data and encrypted files are not let through */
	{
		static const struct {
			const gchar *data;
			gsize len;
			const gchar *rule;
		} opaque[] = {
		    {"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10, "malformed"},
		    {"\xfd"
		     "7zXZ\0\0\x04",
		     9, "malformed"},
		    {"7z\xbc\xaf\x27\x1c\0\x04", 8, "malformed"},
		    {"\x60\xea\x26\0\x1e\x06\x01\x10", 8, "unsupported"},
		    {"\x04\x22\x4d\x18\x64\x40\xa7", 7, "unsupported"},
		    {"-----BEGIN PGP MESSAGE-----\n\nhQEMA\n", 35, "encrypted"},
		    {"Salted__12345678", 16, "encrypted"},
		    {"age-encryption.org/v1\n-> X25519 x\n", 35, "encrypted"},
		};
		for (guint i = 0; i < G_N_ELEMENTS(opaque); i++) {
			g_autofree gchar *p =
			    write_file(f, "opaque.bin", opaque[i].data, opaque[i].len);
			assert_class(cl, p, FUT_CLASS_II, opaque[i].rule);
		}
	}
	/* binary with NULs on both byte parities is not taken for UTF-16 */
	{
		guint8 png[4096];
		GRand *r = g_rand_new_with_seed(5);
		g_autofree gchar *p = NULL;
		memcpy(png, "\x89PNG\r\n\x1a\n", 8);
		for (gsize i = 8; i < sizeof(png); i++)
			png[i] = g_rand_int_range(r, 0, 4) == 0 ? 0 : (guint8)g_rand_int(r);
		g_rand_free(r);
		p = write_file(f, "image.png", png, sizeof(png));
		assert_class(cl, p, FUT_CLASS_III, NULL);
	}
}

static gchar *
fixture_path(const gchar *name)
{
	return g_test_build_filename(G_TEST_DIST, "..", "data", "classify", name, NULL);
}

static void
test_classify_fixtures(void)
{
	static const struct {
		const gchar *name;
		FutClass want;
		const gchar *rule;
	} cases[] = {
	    {"sjis-mynumber.csv", FUT_CLASS_I, "mynumber"},
	    {"sjis-marking.csv", FUT_CLASS_II, "marking"},
	    {"sjis-plain.csv", FUT_CLASS_III, NULL},
	    {"personal.xlsx", FUT_CLASS_I, "mynumber"},
	    {"plain.xlsx", FUT_CLASS_III, NULL},
	    {"split-cells.xlsx", FUT_CLASS_III, NULL},
	    {"personal.docx", FUT_CLASS_I, "mynumber"},
	    {"plain.docx", FUT_CLASS_III, NULL},
	    {"marking.docx", FUT_CLASS_II, "marking"},
	    {"personal.pptx", FUT_CLASS_I, "mynumber"},
	    {"embedded.docx", FUT_CLASS_I, "mynumber"},
	    {"generic.zip", FUT_CLASS_I, "mynumber"},
	    {"encrypted.zip", FUT_CLASS_II, "encrypted"},
	    {"encrypted-entries.docx", FUT_CLASS_II, "encrypted"},
	    {"ole-encrypted.xlsx", FUT_CLASS_II, "encrypted"},
	    {"legacy.xls", FUT_CLASS_II, "unsupported"},
	    {"malformed-xml.docx", FUT_CLASS_II, "malformed"},
	    {"truncated.xlsx", FUT_CLASS_II, "malformed"},
	    {"bomb-declared.zip", FUT_CLASS_II, "zip-bomb"},
	    {"bomb-lying.zip", FUT_CLASS_II, "malformed"},
	    {"bomb-entries.zip", FUT_CLASS_II, "zip-bomb"},
	    {"generic-large.zip", FUT_CLASS_I, "mynumber"},
	    {"nested-deep.zip", FUT_CLASS_II, "unsupported"},
	};
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = fixture_path(cases[i].name);
		g_test_message("fixture %s", cases[i].name);
		assert_class(cl, path, cases[i].want, cases[i].rule);
	}
}

/* Entry names are shown escaped, once: no control character, one backslash doubled. */
static void
test_classify_entry_names(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	g_autofree gchar *path = fixture_path("evil-name.zip");
	g_autoptr(FutClassification) c = classify_path(cl, path, 0);
	g_autofree gchar *t = fut_classification_to_text(c, "evil-name.zip");
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);

	g_test_message("%s", t);
	g_assert_nonnull(
	    strstr(t, "  encrypted      x\\x1b[31m\\\\y\\nClass III.txt is encrypted"));
	g_assert_null(strchr(t, '\x1b'));
	g_assert_cmpuint(g_strv_length(lines), ==, 3);
}

/* The generic zip also holds a Shift_JIS marking: both findings are listed. */
static void
test_classify_generic_zip(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	g_autofree gchar *path = fixture_path("generic.zip");
	g_autoptr(FutClassification) c = classify_path(cl, path, 0);

	g_assert_true(has_rule(c, "mynumber", FUT_CLASS_I));
	g_assert_true(has_rule(c, "marking", FUT_CLASS_II));
}

static void
test_classify_bomb_inflate(void)
{
	g_autoptr(FutClassifier) cl = classifier_from("[classify]\narchive-budget=1M\n", NULL);
	g_autofree gchar *path = fixture_path("bomb-inflate.zip");
	gint64 t0 = g_get_monotonic_time();

	assert_class(cl, path, FUT_CLASS_II, "zip-bomb");
	/* refused quickly: 1 MiB inflated, not 64 (no timing assertion; reported) */
	g_test_message("bomb refused in %" G_GINT64_FORMAT " us", g_get_monotonic_time() - t0);
}

static void
test_classify_callback(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	static const struct {
		const gchar *name;
		guint want;
	} cases[] = {{"personal.xlsx", 1}, {"marking.docx", 2}, {"plain.docx", 3}};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = fixture_path(cases[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		guint klass = 0;
		g_assert_true(fut_classifier_classify_fd_cb(fd, path, &klass, cl, NULL));
		g_assert_cmpuint(klass, ==, cases[i].want);
		close(fd);
	}
}

static void
test_classify_archive_limits(void)
{
	g_autoptr(FutClassifier) cl =
	    classifier_from("[classify]\narchive-limit=2K\narchive-max-entries=4\n", NULL);
	g_autofree gchar *small = fixture_path("personal.xlsx");
	g_autofree gchar *big = fixture_path("bomb-inflate.zip");
	g_autofree gchar *many = fixture_path("embedded.docx"); /* 3 + 4 entries: over 4 */
	g_autofree gchar *embedded = fixture_path("embedded.docx");
	g_autoptr(FutClassifier) cl2 = classifier_from("[classify]\narchive-limit=1K\n", NULL);

	assert_class(cl, small, FUT_CLASS_I, "mynumber");
	assert_class(cl, big, FUT_CLASS_II, "too-large");
	assert_class(cl, many, FUT_CLASS_II, "zip-bomb");
	/* the embedded workbook (about 0.8 KiB) fits; the 1.3 KiB document does not */
	assert_class(cl2, embedded, FUT_CLASS_II, "too-large");
}

static void
test_classify_limits(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from("[classify]\nscan-limit=4K\n", NULL);
	g_autofree gchar *big = g_strnfill(4097, 'a');
	g_autofree gchar *small = g_strnfill(4096, 'a');
	g_autofree gchar *p1 = write_file(f, "big.txt", big, strlen(big));
	g_autofree gchar *p2 = write_file(f, "small.txt", small, strlen(small));
	g_autofree gchar *fifo = g_build_filename(f->dir, "fifo", NULL);
	int fd;

	assert_class(cl, p1, FUT_CLASS_II, "too-large");
	assert_class(cl, p2, FUT_CLASS_III, NULL);

	/* not a regular file: Class II, and never a blocking read on a FIFO */
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	{
		g_autoptr(FutClassification) c = fut_classifier_classify_fd(cl, fd, fifo, 0);
		g_assert_cmpint(c->klass, ==, FUT_CLASS_II);
		g_assert_true(has_rule(c, "unreadable", FUT_CLASS_II));
	}
	close(fd);
	fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	{
		g_autoptr(FutClassification) c = fut_classifier_classify_fd(cl, fd, f->dir, 0);
		g_assert_cmpint(c->klass, ==, FUT_CLASS_II);
	}
	close(fd);
	{
		g_autoptr(FutClassification) c = fut_classifier_classify_fd(cl, -1, "x", 0);
		g_assert_cmpint(c->klass, ==, FUT_CLASS_II);
	}
}

/* Damaged archives and random bytes: always an answer, never a crash or a hang. A damaged
 * Office file is never judged harmless unless its damage left it readable. */
static void
test_classify_mutations(Fixture *f, gconstpointer data)
{
	static const gchar *const seeds[] = {"personal.docx", "personal.xlsx", "embedded.docx",
	                                     "generic.zip"};
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	GRand *r = g_rand_new_with_seed(11);

	for (guint s = 0; s < G_N_ELEMENTS(seeds); s++) {
		g_autofree gchar *src = fixture_path(seeds[s]);
		g_autofree gchar *orig = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(src, &orig, &len, NULL));
		for (guint t = 0; t < 150; t++) {
			g_autofree gchar *buf = g_memdup2(orig, len);
			g_autofree gchar *p = NULL;
			g_autoptr(FutClassification) c = NULL;
			gsize cut = len;
			guint flips = (guint)g_rand_int_range(r, 1, 8);
			for (guint k = 0; k < flips; k++)
				buf[g_rand_int_range(r, 0, (gint32)len)] = (gchar)g_rand_int(r);
			if (t % 10 == 0)
				cut = (gsize)g_rand_int_range(r, 0, (gint32)len);
			p = write_file(f, "m.bin", buf, cut);
			c = classify_path(cl, p, FUT_CLASSIFY_FLAG_DIGEST);
			g_assert_true(c->klass >= FUT_CLASS_I && c->klass <= FUT_CLASS_III);
			g_assert_cmpuint(c->evidence->len, <=, 16);
		}
	}
	g_rand_free(r);
}

typedef struct {
	FutClassifier *cl;
	gchar **paths;
	FutClass *want;
	gint failures;
} ThreadJob;

static gpointer
thread_main(gpointer data)
{
	ThreadJob *job = data;

	for (guint round = 0; round < 20; round++) {
		for (guint i = 0; job->paths[i] != NULL; i++) {
			int fd = open(job->paths[i], O_RDONLY | O_CLOEXEC);
			FutClassification *c =
			    fut_classifier_classify_fd(job->cl, fd, job->paths[i], 0);
			if (c->klass != job->want[i])
				g_atomic_int_inc(&job->failures);
			fut_classification_free(c);
			close(fd);
		}
	}
	return NULL;
}

/* One classifier, four threads at once (as the fanotify listener may use it). */
static void
test_classify_threads(void)
{
	static const gchar *const names[] = {"personal.xlsx", "sjis-mynumber.csv", "marking.docx",
	                                     "plain.docx",    "encrypted.zip",     "generic.zip"};
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	gchar *paths[G_N_ELEMENTS(names) + 1] = {NULL};
	FutClass want[G_N_ELEMENTS(names)];
	ThreadJob job = {cl, paths, want, 0};
	GThread *threads[4];

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(FutClassification) c = NULL;
		paths[i] = fixture_path(names[i]);
		c = classify_path(cl, paths[i], 0);
		want[i] = c->klass;
	}
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("classify", thread_main, &job);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	g_assert_cmpint(job.failures, ==, 0);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		g_free(paths[i]);
}

/* --- rendering ----------------------------------------------------------------------- */

static void
test_render(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL, NULL);
	const gchar *text = "個人番号 " MN1 " " MN2 "\n取扱注意\n";
	g_autofree gchar *path = write_file(f, "r.txt", text, strlen(text));
	g_autoptr(FutClassification) c = classify_path(cl, path, FUT_CLASSIFY_FLAG_DIGEST);
	g_autofree gchar *t = fut_classification_to_text(c, "evil\nname\x1b[31m.txt");
	g_autoptr(JsonNode) node = fut_classification_to_json(c, "r.txt");
	g_autofree gchar *json = json_to_string(node, FALSE);
	JsonObject *o = json_node_get_object(node);
	JsonArray *ev = json_object_get_array_member(o, "evidence");
	guint8 want[FUT_SHA256_LEN];
	g_autofree gchar *want_hex = NULL;

	g_test_message("%s\n%s", t, json);
	g_assert_true(g_str_has_prefix(t, "evil\\nname\\x1b[31m.txt: Class I\n"));
	g_assert_null(strchr(t, '\x1b'));
	g_assert_nonnull(strstr(t, "1234********"));
	/* never the number in full, in either rendering */
	g_assert_null(strstr(t, MN1));
	g_assert_null(strstr(t, MN2));
	g_assert_null(strstr(json, MN1));
	g_assert_null(strstr(json, "3205673214"));
	g_assert_cmpstr(json_object_get_string_member(o, "class"), ==, "I");
	g_assert_cmpint(json_object_get_int_member(o, "size"), ==, (gint64)strlen(text));
	fut_sha256(text, strlen(text), want);
	want_hex = fut_hex_encode(want, sizeof(want));
	g_assert_cmpstr(json_object_get_string_member(o, "sha256"), ==, want_hex);
	g_assert_cmpuint(json_array_get_length(ev), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(ev, 0), "rule"),
	                ==, "mynumber");
	g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(ev, 0), "count"),
	                ==, 2);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(ev, 1), "class"), ==, "II");
}

/* --- configuration ------------------------------------------------------------------- */

static void
test_config_garbage(void)
{
	static const struct {
		const gchar *conf;
		const gchar *needle; /* the error names the culprit */
	} cases[] = {
	    {"[classify]\nbogus=1\n", "bogus"},
	    {"[classify]\nscan-limit=\n", "scan-limit"},
	    {"[classify]\nscan-limit=-1\n", "scan-limit"},
	    {"[classify]\nscan-limit=1T\n", "scan-limit"},
	    {"[classify]\nscan-limit=0\n", "scan-limit"},
	    {"[classify]\nscan-limit=99999999999999999999\n", "scan-limit"},
	    {"[classify]\nmynumber-threshold=x\n", "mynumber-threshold"},
	    {"[classify]\nmynumber-threshold=+1\n", "mynumber-threshold"},
	    {"[classify]\narchive-max-depth=9\n", "archive-max-depth"},
	    {"[classify]\nmynumber-min-valid-percent=101\n", "mynumber-min-valid-percent"},
	    {"[classify]\nmarking-words=秘;秘\n", "秘"},
	    {"[classify]\nmarking-words=極秘:0\n", "極秘:0"},
	    {"[classify]\nmarking-words=a;;b\n", "word 2"},
	    {"[classify]\nmynumber-keywords=\\t\n", "mynumber-keywords"},
	    {"[path-rules]\nclass-III=*.txt\n", "class-III"},
	    {"[path-rules]\nclass-I=;\n", "pattern 1"},
	    {"[path-rules]\nclass-II=*.csv;secret/*.xlsx\n", "secret/*.xlsx"},
	    {"[path-rules]\nclass-II=/srv/[abc\n", "/srv/[abc"},
	    {"[path-rules]\nclass-II=/srv/x\\\n", "class-II"},    /* GKeyFile refuses */
	    {"[path-rules]\nclass-II=/srv/x\\\\\n", "backslash"}, /* value "/srv/x\\" */
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GKeyFile) kf = g_key_file_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(FutClassifier) cl = NULL;

		g_assert_true(g_key_file_load_from_data(kf, cases[i].conf, -1, 0, NULL));
		cl = fut_classifier_new(kf, NULL, &error);
		g_assert_null(cl);
		g_assert_nonnull(error);
		g_test_message("%s -> %s", cases[i].conf, error->message);
		g_assert_nonnull(strstr(error->message, cases[i].needle));
		g_assert_null(strchr(error->message, '\n'));
	}
}

static void
test_config_thresholds(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from(
	    "[classify]\nmynumber-threshold-without-keyword=1\nresident-code-threshold-without-"
	    "keyword=2\nmarking-words=機密;秘:2\nscan-limit=1M\n",
	    NULL);

	assert_text_class(f, cl, "order " MN1 "\n", FUT_CLASS_I, "mynumber");
	assert_text_class(f, cl, RC1 "\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, RC1 " 24846016224\n", FUT_CLASS_I, "resident-code");
	assert_text_class(f, cl, "取扱注意\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "機密\n", FUT_CLASS_II, "marking");
	assert_text_class(f, cl, "秘書\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "秘 秘\n", FUT_CLASS_II, "marking");
	g_assert_cmpuint(fut_classifier_get_scan_limit(cl), ==, 1024 * 1024);
}

static void
test_path_rules(Fixture *f, gconstpointer data)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(FutPathRules) rules = NULL;
	const gchar *pat = NULL;
	g_autoptr(FutClassifier) cl = NULL;
	g_autofree gchar *conf = g_strdup_printf(
	    "[path-rules]\nclass-II=*.bid.xlsx;/srv/share/入札/*\nclass-I=%s/kikan/*\n", f->dir);
	g_autofree gchar *sub = g_build_filename(f->dir, "kikan", "deep", NULL);
	g_autofree gchar *p = NULL;

	g_assert_true(g_key_file_load_from_data(kf, conf, -1, 0, NULL));
	rules = fut_path_rules_new_from_keyfile(kf, FUT_PATH_RULES_GROUP, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(fut_path_rules_get_count(rules), ==, 3);
	g_assert_cmpint(fut_path_rules_match(rules, "/home/a/x.bid.xlsx", &pat), ==, FUT_CLASS_II);
	g_assert_cmpstr(pat, ==, "*.bid.xlsx");
	g_assert_cmpint(fut_path_rules_match(rules, "/srv/share/入札/2026/a.txt", NULL), ==,
	                FUT_CLASS_II);
	g_assert_cmpint(fut_path_rules_match(rules, "/srv/share/other/a.txt", NULL), ==,
	                FUT_CLASS_NONE);
	g_assert_cmpint(fut_path_rules_match(rules, "x.bid.xlsx.bak", NULL), ==, FUT_CLASS_NONE);
	g_assert_cmpint(fut_path_rules_match(rules, NULL, NULL), ==, FUT_CLASS_NONE);

	/* through the classifier: a rule raises a harmless file */
	g_assert_cmpint(g_mkdir_with_parents(sub, 0700), ==, 0);
	p = g_build_filename(sub, "list.txt", NULL);
	g_assert_true(g_file_set_contents(p, "hello\n", -1, NULL));
	cl = fut_classifier_new(kf, NULL, &error);
	g_assert_no_error(error);
	assert_class(cl, p, FUT_CLASS_I, "path-rule");
}

/* --- labels and the label memory ----------------------------------------------------- */

static void
test_labelstore_garbage(void)
{
	static const gchar *const bad[] = {
	    "",
	    "futari-labelstore 3\n",
	    "futari-labelstore 1",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "I",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "III\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "IV\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    " I\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "I \n",
	    "futari-labelstore 1\n000000000000000000000000000000000000000000000000000000000000000A "
	    "I\n",
	    "futari-labelstore 1\n00000000000000000000000000000000000000000000000000000000000000 "
	    "I\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "I\n"
	    "0000000000000000000000000000000000000000000000000000000000000000 II\n",
	    "futari-labelstore 1\n\n",
	    "futari-labelstore 1\r\n",
	};
	g_autoptr(FutLabelStore) store = fut_labelstore_new(NULL, 2);
	const gchar *three =
	    "futari-labelstore 1\n"
	    "0000000000000000000000000000000000000000000000000000000000000001 I\n"
	    "0000000000000000000000000000000000000000000000000000000000000002 I\n"
	    "0000000000000000000000000000000000000000000000000000000000000003 II\n";

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(fut_labelstore_parse(store, bad[i], strlen(bad[i]), &error));
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_null(strchr(error->message, '\n'));
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(fut_labelstore_parse(store, three, strlen(three), &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	}
}

static void
test_labelstore_roundtrip(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(f->dir, "labels", NULL);
	g_autoptr(FutLabelStore) store = fut_labelstore_new(path, 2);
	g_autoptr(FutLabelStore) again = fut_labelstore_new(path, 2);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	guint8 d1[FUT_SHA256_LEN] = {1};
	guint8 d2[FUT_SHA256_LEN] = {2};
	guint8 d3[FUT_SHA256_LEN] = {3};
	struct stat st;

	g_assert_true(fut_labelstore_load(store, &error)); /* missing: empty */
	g_assert_no_error(error);
	g_assert_cmpuint(fut_labelstore_get_size(store), ==, 0);
	g_assert_true(fut_labelstore_record(store, d1, FUT_CLASS_II, &error));
	g_assert_true(fut_labelstore_record(store, d2, FUT_CLASS_I, &error));
	g_assert_true(fut_labelstore_record(store, d1, FUT_CLASS_I, &error));
	g_assert_no_error(error);
	/* full: a third digest is refused, and nothing changes */
	g_assert_false(fut_labelstore_record(store, d3, FUT_CLASS_I, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);

	g_assert_true(fut_labelstore_load(again, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fut_labelstore_lookup(again, d1), ==, FUT_CLASS_I);
	g_assert_cmpint(fut_labelstore_lookup(again, d2), ==, FUT_CLASS_I);
	g_assert_cmpint(fut_labelstore_lookup(again, d3), ==, FUT_CLASS_NONE);
	/* III forgets */
	g_assert_true(fut_labelstore_record(again, d2, FUT_CLASS_III, &error));
	g_assert_cmpint(fut_labelstore_lookup(again, d2), ==, FUT_CLASS_NONE);
	g_assert_true(fut_labelstore_load(store, &error));
	g_assert_cmpuint(fut_labelstore_get_size(store), ==, 1);
	text = fut_labelstore_to_text(store);
	g_assert_cmpstr(text, ==,
	                "futari-labelstore 2\n"
	                "0100000000000000000000000000000000000000000000000000000000000000 I 0\n");
	/* no temporary files left behind */
	{
		g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
		const gchar *n;
		guint count = 0;
		while ((n = g_dir_read_name(dir)) != NULL)
			count++;
		g_assert_cmpuint(count, ==, 1);
	}
	/* a damaged file is an error, not an empty store */
	g_assert_true(g_file_set_contents(path, "garbage\n", -1, NULL));
	g_assert_false(fut_labelstore_load(store, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
}

/* A copy of a labelled file keeps its class through the label memory (no root needed:
 * the memory is filled the way `futari label` fills it). */
static void
test_label_memory_copy(Fixture *f, gconstpointer data)
{
	g_autoptr(FutLabelStore) store = fut_labelstore_new(NULL, 0);
	g_autoptr(FutClassifier) cl = classifier_from(NULL, store);
	const gchar *text = "入札参加者一覧 (no detector finds anything here)\n";
	g_autofree gchar *orig = write_file(f, "orig.txt", text, strlen(text));
	g_autofree gchar *copy = write_file(f, "copy.txt", text, strlen(text));
	g_autofree gchar *other = write_file(f, "other.txt", "x\n", 2);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) c0 = classify_path(cl, orig, FUT_CLASSIFY_FLAG_DIGEST);

	g_assert_cmpint(c0->klass, ==, FUT_CLASS_III);
	g_assert_true(c0->has_digest);
	g_assert_true(fut_labelstore_record(store, c0->digest, FUT_CLASS_I, &error));
	assert_class(cl, copy, FUT_CLASS_I, "label-memory");
	assert_class(cl, other, FUT_CLASS_III, NULL);
	/* a content scan (a worker) that claims it could not read the file does not keep
	 * the label memory from being asked: the decision hashes the file itself */
	fut_classifier_set_content_scan(
	    cl, hostile_scan,
	    (gpointer) "{\"v\":1,\"class\":\"III\",\"complete\":false,\"evidence\":[]}");
	assert_class(cl, copy, FUT_CLASS_I, "label-memory");
}

static gboolean
can_set_trusted(Fixture *f)
{
	g_autofree gchar *probe = write_file(f, "probe", "x", 1);

	if (geteuid() != 0) {
		g_test_skip("setting trusted.* xattrs needs root (CAP_SYS_ADMIN)");
		return FALSE;
	}
	if (setxattr(probe, "trusted.futari.probe", "1", 1, 0) < 0) {
		g_autofree gchar *msg =
		    g_strdup_printf("the filesystem of %s takes no trusted.* xattrs: %s", f->dir,
		                    g_strerror(errno));
		g_test_skip(msg);
		return FALSE;
	}
	return TRUE;
}

static void
test_label_xattr(Fixture *f, gconstpointer data)
{
	static const struct {
		const gchar *value;
		gsize len;
		FutClass want;
	} cases[] = {
	    {"I", 1, FUT_CLASS_I},
	    {"II", 2, FUT_CLASS_II},
	    {"III", 3, FUT_CLASS_III},
	    {"IV", 2, FUT_CLASS_II},
	    {"I\n", 2, FUT_CLASS_II},
	    {"I\0", 2, FUT_CLASS_II},
	    {"", 0, FUT_CLASS_II},
	    {"iii", 3, FUT_CLASS_II},
	    {"IIIIIIIIIIIIIIIIIIIIIIIII", 25, FUT_CLASS_II},
	};
	g_autoptr(FutLabelStore) store = fut_labelstore_new(NULL, 0);
	g_autoptr(FutClassifier) cl = classifier_from(NULL, store);
	const gchar *text = "plain words\n";
	g_autofree gchar *path = write_file(f, "labelled.txt", text, strlen(text));
	g_autofree gchar *copy = write_file(f, "copy.txt", text, strlen(text));
	g_autoptr(GError) error = NULL;

	if (!can_set_trusted(f))
		return;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(FutClassification) c = NULL;
		g_assert_cmpint(setxattr(path, FUT_CLASSIFY_XATTR, cases[i].value, cases[i].len, 0),
		                ==, 0);
		c = classify_path(cl, path, 0);
		dump(c, cases[i].value);
		g_assert_cmpint(c->klass, ==, cases[i].want);
		g_assert_true(has_rule(c, "label", cases[i].want));
	}
	/* labelled I through the API; the agent remembers the digest; the copy (no xattr)
	 * stays Class I */
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		g_assert_true(fut_classify_write_label(fd, FUT_CLASS_NONE, &error));
		g_assert_true(fut_classify_write_label(fd, FUT_CLASS_NONE, &error));
		assert_class(cl, path, FUT_CLASS_III, NULL);
		g_assert_true(fut_classify_write_label(fd, FUT_CLASS_I, &error));
		g_assert_no_error(error);
		close(fd);
	}
	{
		g_autoptr(FutClassification) c = classify_path(cl, path, FUT_CLASSIFY_FLAG_DIGEST);
		g_assert_cmpint(c->label, ==, FUT_CLASS_I);
		g_assert_true(fut_labelstore_record(store, c->digest, c->label, &error));
	}
	assert_class(cl, copy, FUT_CLASS_I, "label-memory");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/mynumber/check-digit", test_mynumber_check_digit);
	g_test_add_func("/classify/mynumber/exactly-one", test_mynumber_exactly_one);
	g_test_add_func("/classify/resident/check-digit", test_resident_check_digit);
	g_test_add_func("/classify/mask", test_mask);
	g_test_add_func("/classify/scanner/counts", test_scanner_counts);
	g_test_add_func("/classify/scanner/chunks", test_scanner_chunks);
	g_test_add_func("/classify/scanner/random-differential", test_scanner_random_differential);
	g_test_add_func("/classify/scanner/words-garbage", test_scanner_words_garbage);
	g_test_add_func("/classify/xml/text", test_xml_text);
	g_test_add_func("/classify/xml/garbage", test_xml_text_garbage);
	g_test_add("/classify/file/text", Fixture, NULL, fixture_setup, test_classify_text,
	           fixture_teardown);
	g_test_add("/classify/file/read-boundaries", Fixture, NULL, fixture_setup,
	           test_classify_read_boundaries, fixture_teardown);
	g_test_add("/classify/file/encodings", Fixture, NULL, fixture_setup,
	           test_classify_encodings, fixture_teardown);
	g_test_add_func("/classify/file/fixtures", test_classify_fixtures);
	g_test_add_func("/classify/file/generic-zip", test_classify_generic_zip);
	g_test_add_func("/classify/file/entry-names", test_classify_entry_names);
	g_test_add_func("/classify/file/bomb-inflate", test_classify_bomb_inflate);
	g_test_add_func("/classify/file/archive-limits", test_classify_archive_limits);
	g_test_add_func("/classify/file/callback", test_classify_callback);
	g_test_add("/classify/file/mutations", Fixture, NULL, fixture_setup,
	           test_classify_mutations, fixture_teardown);
	g_test_add_func("/classify/file/threads", test_classify_threads);
	g_test_add("/classify/content/boundary", Fixture, NULL, fixture_setup,
	           test_content_boundary, fixture_teardown);
	g_test_add("/classify/file/limits", Fixture, NULL, fixture_setup, test_classify_limits,
	           fixture_teardown);
	g_test_add("/classify/render", Fixture, NULL, fixture_setup, test_render, fixture_teardown);
	g_test_add_func("/classify/config/garbage", test_config_garbage);
	g_test_add("/classify/config/thresholds", Fixture, NULL, fixture_setup,
	           test_config_thresholds, fixture_teardown);
	g_test_add("/classify/config/path-rules", Fixture, NULL, fixture_setup, test_path_rules,
	           fixture_teardown);
	g_test_add_func("/classify/labelstore/garbage", test_labelstore_garbage);
	g_test_add("/classify/labelstore/roundtrip", Fixture, NULL, fixture_setup,
	           test_labelstore_roundtrip, fixture_teardown);
	g_test_add("/classify/label/memory-copy", Fixture, NULL, fixture_setup,
	           test_label_memory_copy, fixture_teardown);
	g_test_add("/classify/label/xattr", Fixture, NULL, fixture_setup, test_label_xattr,
	           fixture_teardown);
	return g_test_run();
}
