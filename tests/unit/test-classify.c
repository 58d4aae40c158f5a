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

#include "test-classify-util.h"

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

	memset(buf, 'x', len);               /* not a-f: digits touching those are a hex string's */
	memcpy(buf + cuts[0] - 5, MN1, 12);  /* 5 digits before the cut, 7 after */
	memcpy(buf + cuts[1] - 11, MN2, 12); /* 11 before, 1 after */
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
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
	return g_test_run();
}
