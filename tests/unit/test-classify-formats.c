/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The classifier on files made the way Japanese offices make them (issue 17): legacy
 * encodings, marking variants, mail, PDF, RTF, sparse files and the scanner's fast path here;
 * packed data, spreadsheet numbers and Office and OpenDocument quirks in
 * test-classify-formats-packed.c. Every fixture is generated here, in memory or in a temporary
 * folder. */
#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "classify.h"
#include "content.h"
#include "detect.h"
#include "test-classify-formats.h"
#include "util.h"

/* /classify-formats/lazy: the classifiers made below load nothing up front */
static gboolean lazy_classifiers;

FutClassifier *
classifier_from(const gchar *conf)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	FutClassifier *cl;

	if (conf != NULL)
		g_assert_true(g_key_file_load_from_data(kf, conf, -1, G_KEY_FILE_NONE, &error));
	cl = lazy_classifiers ? fut_classifier_new_lazy(conf != NULL ? kf : NULL, NULL, &error)
	                      : fut_classifier_new(conf != NULL ? kf : NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cl);
	return cl;
}

/* Classifies @len bytes as the file @name (a memfd: no folder needed). */
FutClassification *
classify_bytes(FutClassifier *cl, const void *data, gsize len, const gchar *name)
{
	int fd = memfd_create("fixture", MFD_CLOEXEC);
	FutClassification *c;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
	c = fut_classifier_classify_fd(cl, fd, name, 0);
	close(fd);
	return c;
}

gboolean
has_rule(const FutClassification *c, const gchar *rule, FutClass klass)
{
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (g_strcmp0(e->rule, rule) == 0 && e->klass == klass)
			return TRUE;
	}
	return FALSE;
}

void
expect(FutClassifier *cl,
       const void *data,
       gsize len,
       const gchar *name,
       FutClass want,
       const gchar *rule)
{
	g_autoptr(FutClassification) c = classify_bytes(cl, data, len, name);
	g_autofree gchar *t = fut_classification_to_text(c, name);

	g_test_message("%s", t);
	g_assert_cmpstr(fut_class_name(c->klass), ==, fut_class_name(want));
	if (rule != NULL)
		g_assert_true(has_rule(c, rule, want == FUT_CLASS_III ? FUT_CLASS_NONE : want));
}

void
expect_bytes(FutClassifier *cl, GBytes *b, const gchar *name, FutClass want, const gchar *rule)
{
	gsize len = 0;
	const void *d = g_bytes_get_data(b, &len);

	expect(cl, d, len, name, want, rule);
}

/* --- encodings and words -------------------------------------------------------------- */

static void
expect_encoded(FutClassifier *cl,
               const gchar *utf8,
               const gchar *encoding,
               const gchar *name,
               FutClass want,
               const gchar *rule)
{
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	g_autofree gchar *t = g_convert(utf8, -1, encoding, "UTF-8", NULL, &len, &error);

	g_assert_no_error(error);
	g_test_message("%s, %zu bytes", encoding, len);
	expect(cl, t, len, name, want, rule);
}

static void
test_encodings(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autoptr(GString) ascii = g_string_new(NULL);
	g_autofree gchar *sjis = NULL;
	gsize sjis_len = 0;

	/* UTF-16LE without a byte order mark, Japanese text: U+3000 and 一 put NULs on both
	 * sides, 、and 。control bytes */
	expect_encoded(cl, "一覧　個人番号：" MN1 "、山田一郎。\n二　" MN2 "、佐藤二郎。\n",
	               "UTF-16LE", "list.txt", FUT_CLASS_I, "mynumber");
	expect_encoded(cl, "一覧　個人番号：" MN1 "、山田一郎。\n二　" MN2 "、佐藤二郎。\n",
	               "UTF-16BE", "list.txt", FUT_CLASS_I, "mynumber");
	expect_encoded(cl, "【取扱注意】予定価格の一覧です。\n", "UTF-16LE", "notice.txt",
	               FUT_CLASS_II, "marking");
	/* EUC-JP and ISO-2022-JP (mail): words, numbers, full-width digits */
	expect_encoded(cl, "取扱注意　予定価格\n", "EUC-JP", "euc.txt", FUT_CLASS_II, "marking");
	expect_encoded(cl, "個人番号：１２３４５６７８９０１８\n", "EUC-JP", "euc.txt", FUT_CLASS_I,
	               "mynumber");
	expect_encoded(cl, "極秘　予定価格\n", "ISO-2022-JP", "jis.txt", FUT_CLASS_II, "marking");
	expect_encoded(cl, "個人番号 " MN1 "\n", "ISO-2022-JP", "jis.txt", FUT_CLASS_I, "mynumber");
	/* Shift_JIS full-width digits, scanned without conversion */
	expect_encoded(cl, "氏名,個人番号\r\n山田,９８３２０５６７３２１４\r\n", "CP932",
	               "sjis.csv", FUT_CLASS_I, "mynumber");
	/* a Shift_JIS marking and numbers after 64 KiB of ASCII */
	while (ascii->len < 70 * 1024)
		g_string_append(ascii, "id,amount,date\r\n1,2500,2024-04-01\r\n");
	g_string_append(ascii, "備考,部外秘\r\n個人番号,１２３４５６７８９０１８\r\n");
	sjis = g_convert(ascii->str, (gssize)ascii->len, "CP932", "UTF-8", NULL, &sjis_len, NULL);
	g_assert_nonnull(sjis);
	{
		g_autoptr(FutClassification) c = classify_bytes(cl, sjis, sjis_len, "late.csv");
		g_autofree gchar *t = fut_classification_to_text(c, "late.csv");
		g_test_message("%s", t);
		g_assert_true(has_rule(c, "marking", FUT_CLASS_II));
		g_assert_true(has_rule(c, "mynumber", FUT_CLASS_I));
	}
}

static void
test_words(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	static const gchar *const marked[] = {
	    "極　秘\n",         "極 秘\n",        "部　外　秘\n", "取扱い注意\n",
	    "取扱い厳重注意\n", "機密性３情報\n", "社外秘\n",     "庁内限り\n",
	};
	static const gchar *const plain[] = {
	    "秘書課の会議\n", "秘密保持契約の説明会\n",     "便秘\n",
	    "取扱説明書\n",   "個人情報の取扱いについて\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(marked); i++)
		expect(cl, marked[i], strlen(marked[i]), "a.txt", FUT_CLASS_II, "marking");
	for (guint i = 0; i < G_N_ELEMENTS(plain); i++)
		expect(cl, plain[i], strlen(plain[i]), "a.txt", FUT_CLASS_III, NULL);
	/* a marking in the file's name */
	expect(cl, "会議\n", 7, "/home/u/【極秘】名簿.txt", FUT_CLASS_II, "marking");
	expect(cl, "会議\n", 7, "/home/極秘/名簿.txt", FUT_CLASS_III, NULL);
	{
		g_autofree gchar *sjis =
		    g_convert("部外秘.txt", -1, "CP932", "UTF-8", NULL, NULL, NULL);
		expect(cl, "会議\n", 7, sjis, FUT_CLASS_II, "marking");
	}
}

/* --- PDF, mail, RTF ------------------------------------------------------------------- */

/* A one-page PDF showing @text (ASCII) in Helvetica, with a correct cross-reference table;
 * @text NULL: a page without text, as a scan is. */
static GBytes *
make_pdf(const gchar *text)
{
	g_autofree gchar *stream = text != NULL
	                               ? g_strdup_printf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	                               : g_strdup("");
	g_autofree gchar *obj4 =
	    g_strdup_printf("<< /Length %zu >>\nstream\n%s\nendstream", strlen(stream), stream);
	const gchar *objs[] = {
	    "<< /Type /Catalog /Pages 2 0 R >>",
	    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
	    "/Resources << /Font << /F1 5 0 R >> >> >>",
	    obj4,
	    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	};

	return fut_pdf_build(objs, G_N_ELEMENTS(objs));
}

static void
test_pdf(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autoptr(GBytes) numbers = make_pdf("List " MN1 " " MN2 " " MN3);
	g_autoptr(GBytes) notice = make_pdf("Meeting on Monday");
	g_autoptr(GBytes) scan = make_pdf(NULL);
	gsize len = 0;
	const gchar *d = g_bytes_get_data(notice, &len);

	/* classified by its text: three My Numbers make Class I, a notice Class III */
	expect_bytes(cl, numbers, "list.pdf", FUT_CLASS_I, "mynumber");
	expect_bytes(cl, notice, "notice.pdf", FUT_CLASS_III, NULL);
	/* no text at all: a scan, not read */
	expect_bytes(cl, scan, "scan.pdf", FUT_CLASS_II, "unsupported");
	/* cut in half: not readable, not let through */
	expect(cl, d, len / 3, "cut.pdf", FUT_CLASS_II, "malformed");
	{
		/* base64 in the text (round 12): an ASCII roster's, on one line */
		const gchar *csv = "id,my number\n1," MN1 "\n2," MN2 "\n3," MN3 "\n";
		g_autofree gchar *b64 = g_base64_encode((const guchar *)csv, strlen(csv));
		g_autoptr(GBytes) pdf = make_pdf(b64);
		expect_bytes(cl, pdf, "encoded.pdf", FUT_CLASS_I, "mynumber");
	}
}

static gchar *
encoded_word(const gchar *utf8)
{
	gsize len = 0;
	g_autofree gchar *jis = g_convert(utf8, -1, "ISO-2022-JP", "UTF-8", NULL, &len, NULL);
	g_autofree gchar *b64 = g_base64_encode((const guchar *)jis, len);

	return g_strdup_printf("=?ISO-2022-JP?B?%s?=", b64);
}

/* Subject, then a text body and an attachment */
#define MAIL_FORMAT                                                                                \
	"From: a@example.jp\nTo: b@example.jp\nSubject: %s\n"                                      \
	"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n"                    \
	"--XX\nContent-Type: text/plain; charset=ISO-2022-JP\n"                                    \
	"Content-Transfer-Encoding: 7bit\n\n%s\n"                                                  \
	"--XX\nContent-Type: text/csv; name=\"list.csv\"\n"                                        \
	"Content-Disposition: attachment; filename=\"list.csv\"\n"                                 \
	"Content-Transfer-Encoding: base64\n\n%s\n--XX--\n"

static void
test_mail(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	gsize len = 0;
	g_autofree gchar *sjis = g_convert(ROSTER, -1, "CP932", "UTF-8", NULL, &len, NULL);
	g_autofree gchar *attachment = g_base64_encode((const guchar *)sjis, len);
	g_autofree gchar *body =
	    g_convert("会議のお知らせです。\n", -1, "ISO-2022-JP", "UTF-8", NULL, NULL, NULL);
	g_autofree gchar *subject = encoded_word("【極秘】予定価格");
	g_autofree gchar *plain_subject = encoded_word("会議");
	g_autofree gchar *with = g_strdup_printf(MAIL_FORMAT, plain_subject, body, attachment);
	g_autofree gchar *without = g_strdup_printf(MAIL_FORMAT, subject, body, "5Lya6K2w\n");

	/* a base64 attachment of My Numbers */
	expect(cl, with, strlen(with), "mail.eml", FUT_CLASS_I, "mynumber");
	/* a marking in an encoded subject */
	expect(cl, without, strlen(without), "mail.eml", FUT_CLASS_II, "marking");
	/* multiparts nested thousands deep (GMime's parser recurses per level): refused
	 * before the parser sees them */
	{
		g_autoptr(GString) deep = g_string_new("MIME-Version: 1.0\n");
		for (guint i = 0; i < 5000; i++)
			g_string_append_printf(
			    deep, "Content-Type: multipart/mixed; boundary=\"b%u\"\n\n--b%u\n", i,
			    i);
		g_string_append(deep, "Content-Type: text/plain\n\nx\n");
		expect(cl, deep->str, deep->len, "deep.eml", FUT_CLASS_II, "unsupported");
	}
}

static void
test_rtf(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	gsize len = 0;
	g_autofree gchar *kw = g_convert("個人番号", -1, "CP932", "UTF-8", NULL, &len, NULL);
	g_autoptr(GString) rtf = g_string_new("{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0 \\'82\\'6c"
	                                      "\\'82\\'72 \\'96\\'be\\'92\\'a9;}}\\f0 ");
	g_autoptr(GString) uni = g_string_new(NULL);

	/* Japanese Word writes Shift_JIS bytes as \'hh escapes */
	for (gsize i = 0; i < len; i++)
		g_string_append_printf(rtf, "\\'%02x", (guchar)kw[i]);
	g_string_append(rtf, " " MN1 "\\par}");
	expect(cl, rtf->str, rtf->len, "a.rtf", FUT_CLASS_I, "mynumber");
	/* and \uN with a fallback character */
	g_string_append(uni, "{\\rtf1\\ansi{\\*\\generator x;}\\uc1\\u26997?\\u31192? \\par}");
	expect(cl, uni->str, uni->len, "b.rtf", FUT_CLASS_II, "marking");
	/* a picture's hex data is not text */
	g_string_assign(uni, "{\\rtf1{\\pict\\pngblip 313233343536373839303138}\\par}");
	expect(cl, uni->str, uni->len, "c.rtf", FUT_CLASS_III, NULL);
}

/* A 2 GiB sparse file with a little data: holes are skipped (SEEK_DATA), so it is read in
 * a moment and the scan limit (256 MiB) applies to its data; the offset is put back. */
/* Large text read by mapping (as the worker does) and by pread(): the same findings, at a
 * mapping piece's edge too (the first piece starts after the first 64 KiB read; a My Number
 * cut by its end), a Shift_JIS marking and a roster after the ASCII, a file of 64 KiB + 1. */
static void
test_mapped(void)
{
	const gsize edge = 64 * 1024 + 16 * 1024 * 1024;
	const gsize sizes[] = {64 * 1024 + 1, 300000, edge + 100};
	gsize sjis_len = 0;
	g_autofree gchar *sjis = g_convert("部外秘\n", -1, "CP932", "UTF-8", NULL, &sjis_len, NULL);

	for (guint k = 0; k < G_N_ELEMENTS(sizes); k++) {
		g_autoptr(GString) t = g_string_new(NULL);
		gchar *text[2] = {NULL, NULL};
		while (t->len + 12 < sizes[k])
			g_string_append(t, "1234567,abc\n");
		g_string_truncate(t, sizes[k] > edge ? edge - 6 : sizes[k] - 40);
		if (sizes[k] > edge)
			g_string_append(t, "\n" MN1 "\n"); /* digits 5 to 12 in the next piece */
		g_string_append(t, "個人番号 " MN2 "\n");
		g_string_append_len(t, sjis, (gssize)sjis_len);
		for (guint map = 0; map < 2; map++) {
			g_autoptr(FutClassifier) cl = classifier_from(NULL);
			g_autoptr(FutClassification) c = NULL;
			fut_classifier_set_map_files(cl, map == 1);
			c = classify_bytes(cl, t->str, t->len, "big.txt");
			g_assert_cmpstr(fut_class_name(c->klass), ==, "I");
			g_assert_true(has_rule(c, "marking", FUT_CLASS_II));
			text[map] = fut_classification_to_text(c, "big.txt");
		}
		g_assert_cmpstr(text[0], ==, text[1]);
		g_assert_nonnull(strstr(text[1], sizes[k] > edge ? "2 My Number" : "1 My Number"));
		g_free(text[0]);
		g_free(text[1]);
	}
}

/* A large text scanned by several threads at once (content-split.c), split at line ends:
 * the same findings as one thread, with My Numbers on every line around the middle (so one
 * sits right after the split in two and one right before it), a base64 block of a roster
 * across the middle (the base64 watch reads the whole text in one thread), and a Shift_JIS
 * text whose full-width digits come after the middle (the other scanners must read them in
 * the first one's encoding). Mapped and read, in 1, 2, 3 and 8 parts. */
static void
test_split(void)
{
	const gsize size = 20 * 1024 * 1024;
	g_autofree gchar *b64 = NULL;
	g_autoptr(GString) roster = g_string_new(NULL);
	gsize fw_len = 0;
	g_autofree gchar *fw = g_convert("部外秘 個人番号 "
	                                 "１２３４５６７８９０１８\n",
	                                 -1, "CP932", "UTF-8", NULL, &fw_len, NULL);

	g_assert_nonnull(fw);
	for (guint i = 0; i < 200; i++)
		g_string_append(roster, "個人番号," MN2 "\n");
	b64 = g_base64_encode((const guchar *)roster->str, roster->len);
	for (guint k = 0; k < 2; k++) {
		g_autoptr(GString) t = g_string_new(NULL);
		static const guint parts[] = {1, 2, 3, 8};
		gchar *text[8] = {NULL};

		if (k == 1)
			g_string_append_len(t, fw, (gssize)fw_len); /* Shift_JIS from the start */
		while (t->len < size / 2 - 4096)
			g_string_append(t, "1234567,abc,山田\n");
		for (guint i = 0; i < 300; i++)
			g_string_append(t, k == 0 ? MN1 "\n" : "");
		if (k == 1)
			for (guint i = 0; i < 300; i++)
				g_string_append_len(t, fw, (gssize)fw_len);
		if (k == 0) {
			gsize b64_len = strlen(b64);

			/* wrapped at 76 as MIME does; the last line shorter */
			for (gsize at = 0; at < b64_len; at += 76) {
				g_string_append_len(t, b64 + at, (gssize)MIN(76, b64_len - at));
				g_string_append_c(t, '\n');
			}
		}
		while (t->len < size)
			g_string_append(t, "1234567,abc,山田\n");
		for (guint v = 0; v < 8; v++) {
			g_autoptr(FutClassifier) cl = classifier_from(NULL);
			g_autoptr(FutClassification) c = NULL;

			fut_classifier_set_map_files(cl, v & 1);
			fut_classifier_set_split_scan(cl, parts[v / 2]);
			c = classify_bytes(cl, t->str, t->len, "big.txt");
			g_assert_cmpstr(fut_class_name(c->klass), ==, "I");
			text[v] = fut_classification_to_text(c, "big.txt");
		}
		for (guint v = 1; v < 8; v++)
			g_assert_cmpstr(text[v], ==, text[0]);
		/* A part's thread that failed (a read error, a file that ended early): the part is
		 * read again in its place, the same findings; failing there too, the text is
		 * unreadable, never judged on what was read (content-split.c's test knob). */
		for (guint f = 0; f < 3; f++) {
			static const gchar *const faults[] = {"eio", "short", "eio-all"};

			g_setenv("FUTARI_TEST_SPLIT_PART_FAIL", faults[f], TRUE);
			for (guint p = 1; p < 4; p++) {
				g_autoptr(FutClassifier) cl = classifier_from(NULL);
				g_autoptr(FutClassification) c = NULL;
				g_autofree gchar *got = NULL;

				fut_classifier_set_split_scan(cl, parts[p]);
				c = classify_bytes(cl, t->str, t->len, "big.txt");
				got = fut_classification_to_text(c, "big.txt");
				if (f < 2) {
					g_assert_cmpstr(got, ==, text[0]);
				} else {
					g_assert_cmpstr(fut_class_name(c->klass), !=, "III");
					g_assert_nonnull(strstr(got, "read error"));
				}
			}
			g_unsetenv("FUTARI_TEST_SPLIT_PART_FAIL");
		}
		g_test_message("%s", text[0]);
		g_assert_nonnull(strstr(text[0], k == 0 ? "500 My Number" : "301 My Number"));
		for (guint v = 0; v < 8; v++)
			g_free(text[v]);
	}
}

static void
test_sparse(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autoptr(FutClassification) c = NULL;
	const gchar *text = "個人番号," MN1 "\n";
	guint64 big = G_GUINT64_CONSTANT(2) * 1024 * 1024 * 1024;
	int fd = memfd_create("sparse", MFD_CLOEXEC);
	gint64 t0;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)big), ==, 0);
	g_assert_cmpint(pwrite(fd, text, strlen(text), (off_t)(big / 2 - 6)), ==,
	                (gssize)strlen(text));
	g_assert_cmpint(pwrite(fd, "end\n", 4, (off_t)(big - 4)), ==, 4);
	g_assert_cmpint(lseek(fd, 5, SEEK_SET), ==, 5);
	t0 = g_get_monotonic_time();
	c = fut_classifier_classify_fd(cl, fd, "sparse.csv", 0);
	g_test_message("2 GiB sparse file classified in %" G_GINT64_FORMAT " us",
	               g_get_monotonic_time() - t0);
	g_assert_cmpint(c->klass, ==, FUT_CLASS_I);
	g_assert_true(has_rule(c, "mynumber", FUT_CLASS_I));
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 5);
	close(fd);
}

/* The scanner's fast path skips, at the automaton's root, a byte that starts words but not
 * together with the next byte. Fed one byte at a time it cannot look ahead and takes the
 * automaton for every byte: both must count the same, on text made of pieces of the words
 * (in all three encodings), digits and separators. */
static void
test_scanner_fast_path(void)
{
	static const gchar *const words[] = {"取扱注意", "極秘", "部外秘", "個人番号",
	                                     "(秘)",     "㊙",   "x"};
	static const gchar *const encodings[] = {"UTF-8", "CP932", "EUC-JP"};
	g_autoptr(FutScanWords) sw = fut_scan_words_new();
	g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) numbers = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GRand) r = g_rand_new_with_seed(11);

	for (guint i = 0; i < G_N_ELEMENTS(words); i++)
		g_assert_cmpint(fut_scan_words_add(sw, words[i], FUT_WORD_MARKING, NULL), ==,
		                (gint)i);
	fut_scan_words_build(sw);
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		for (guint e = 0; e < G_N_ELEMENTS(encodings); e++) {
			gsize len = 0;
			gchar *w = g_convert(words[i], -1, encodings[e], "UTF-8", NULL, &len, NULL);
			if (w == NULL)
				continue;
			/* every prefix and suffix of every form */
			for (gsize k = 1; k <= len; k++) {
				g_ptr_array_add(pieces, g_strndup(w, k));
				g_ptr_array_add(pieces, g_strdup(w + len - k));
			}
			g_free(w);
		}
	}
	g_ptr_array_add(pieces, g_strdup("\xe3\x80\x80"));
	g_ptr_array_add(pieces, g_strdup(" "));
	g_ptr_array_add(pieces, g_strdup(MN1));
	g_ptr_array_add(pieces, g_strdup("\xef\xbc\x91"));
	/* digit runs of every length next to separators and full-width digits, for the
	 * run fast path; drawn as often as all the rest */
	for (guint k = 1; k <= 13; k++)
		g_ptr_array_add(numbers, g_strndup("9832056732143141", k));
	g_ptr_array_add(numbers, g_strdup("-"));
	g_ptr_array_add(numbers, g_strdup(","));
	g_ptr_array_add(numbers, g_strdup("1234-5678-9018"));
	g_ptr_array_add(numbers, g_strdup("\x82\x4f"));
	g_ptr_array_add(numbers, g_strdup("\xef\xbc\x91\xef\xbc\x98")); /* １８ */
	for (guint round = 0; round < 3000; round++) {
		g_autoptr(GString) text = g_string_new(NULL);
		FutScanner whole;
		FutScanner bytes;
		guint n = (guint)g_rand_int_range(r, 1, 60);
		for (guint k = 0; k < n; k++) {
			GPtrArray *from = g_rand_boolean(r) ? numbers : pieces;
			g_string_append(text, g_ptr_array_index(
			                          from, g_rand_int_range(r, 0, (gint32)from->len)));
		}
		fut_scanner_init(&whole, sw);
		fut_scanner_init(&bytes, sw);
		fut_scanner_feed(&whole, (const guint8 *)text->str, text->len);
		for (gsize k = 0; k < text->len; k++)
			fut_scanner_feed(&bytes, (const guint8 *)text->str + k, 1);
		fut_scanner_finish(&whole);
		fut_scanner_finish(&bytes);
		for (guint i = 0; i < G_N_ELEMENTS(words); i++)
			g_assert_cmpuint(whole.word_counts[i], ==, bytes.word_counts[i]);
		g_assert_cmpuint(whole.mynumber_valid, ==, bytes.mynumber_valid);
		g_assert_cmpuint(whole.mynumber_invalid, ==, bytes.mynumber_invalid);
		g_assert_cmpuint(whole.resident_valid, ==, bytes.resident_valid);
	}
}

/* A classifier that loads its iconv modules, message catalog and poppler's parameters only
 * when a scan needs them (fut_classifier_new_lazy(), for one-shot tools) finds the same in
 * every encoding, PDF, mail (charsets of headers and parts) and RTF. Run in a process of its
 * own (a subprocess), so nothing an earlier test loaded is there already. */
static void
test_lazy(void)
{
	if (g_test_subprocess()) {
		lazy_classifiers = TRUE;
		test_encodings();
		test_words();
		test_pdf();
		test_mail();
		test_rtf();
		test_mapped();
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	g_test_init(&argc, &argv, NULL);
	test_classify_formats_add_packed();
	g_test_add_func("/classify-formats/encodings", test_encodings);
	g_test_add_func("/classify-formats/words", test_words);
	g_test_add_func("/classify-formats/pdf", test_pdf);
	g_test_add_func("/classify-formats/mail", test_mail);
	g_test_add_func("/classify-formats/rtf", test_rtf);
	g_test_add_func("/classify-formats/sparse", test_sparse);
	g_test_add_func("/classify-formats/mapped", test_mapped);
	g_test_add_func("/classify-formats/split", test_split);
	g_test_add_func("/classify-formats/scanner-fast-path", test_scanner_fast_path);
	g_test_add_func("/classify-formats/lazy", test_lazy);
	return g_test_run();
}
