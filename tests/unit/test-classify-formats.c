/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The classifier on files made the way Japanese offices make them (issue 17): packed data,
 * spreadsheet numbers, Office and OpenDocument quirks, mail, PDF, RTF, legacy encodings,
 * marking variants. Every fixture is generated here, in memory or in a temporary folder. */
#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>
#include <glib/gstdio.h>
#include <zip.h>

#include "classify.h"
#include "detect.h"
#include "util.h"

/* Synthetic identifiers with computed check digits (see test-classify.c). */
#define MN1 "123456789018"
#define MN2 "983205673214"
#define MN3 "314159265352"

#define ROSTER "氏名,個人番号\n山田," MN1 "\n佐藤," MN2 "\n"

static FutClassifier *
classifier_from(const gchar *conf)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	FutClassifier *cl;

	if (conf != NULL)
		g_assert_true(g_key_file_load_from_data(kf, conf, -1, G_KEY_FILE_NONE, &error));
	cl = fut_classifier_new(conf != NULL ? kf : NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cl);
	return cl;
}

/* Classifies @len bytes as the file @name (a memfd: no folder needed). */
static FutClassification *
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

static void
expect_bytes(FutClassifier *cl, GBytes *b, const gchar *name, FutClass want, const gchar *rule)
{
	gsize len = 0;
	const void *d = g_bytes_get_data(b, &len);

	expect(cl, d, len, name, want, rule);
}

/* --- fixture makers ------------------------------------------------------------------- */

/* An archive written with libarchive: @format and @filter as archive_write_set_format_by_name
 * and archive_write_add_filter_by_name take them; entries are name, text pairs. */
static GBytes *
make_archive(const gchar *format, const gchar *filter, const gchar *const *entries)
{
	struct archive *a = archive_write_new();
	gsize cap = 1024 * 1024;
	guint8 *buf = g_malloc(cap);
	size_t used = 0;

	g_assert_cmpint(archive_write_set_format_by_name(a, format), ==, ARCHIVE_OK);
	if (filter != NULL)
		g_assert_cmpint(archive_write_add_filter_by_name(a, filter), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_memory(a, buf, cap, &used), ==, ARCHIVE_OK);
	for (guint i = 0; entries[i] != NULL; i += 2) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, entries[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(entries[i + 1]));
		g_assert_cmpint(archive_write_header(a, e), >=, ARCHIVE_WARN);
		g_assert_cmpint(archive_write_data(a, entries[i + 1], strlen(entries[i + 1])), ==,
		                (la_ssize_t)strlen(entries[i + 1]));
		archive_entry_free(e);
	}
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	archive_write_free(a);
	return g_bytes_new_take(g_realloc(buf, MAX(used, 1)), used);
}

/* A zip made with libzip (deflated): entries are name, content pairs (content as text). */
static GBytes *
make_zip(const gchar *const *entries)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-fmt-XXXXXX", &error);
	g_autofree gchar *path = g_build_filename(dir, "z.zip", NULL);
	gchar *data = NULL;
	gsize len = 0;
	int zerr = 0;
	zip_t *z;

	g_assert_no_error(error);
	z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	g_assert_nonnull(z);
	for (guint i = 0; entries[i] != NULL; i += 2) {
		zip_source_t *s = zip_source_buffer(z, entries[i + 1], strlen(entries[i + 1]), 0);
		g_assert_nonnull(s);
		g_assert_cmpint(zip_file_add(z, entries[i], s, ZIP_FL_ENC_UTF_8), >=, 0);
	}
	g_assert_cmpint(zip_close(z), ==, 0);
	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	g_assert_no_error(error);
	g_unlink(path);
	g_rmdir(dir);
	return g_bytes_new_take(data, len);
}

/* --- packed data ---------------------------------------------------------------------- */

static void
test_packed_streams(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	static const gchar *const filters[] = {"gzip", "bzip2",    "xz",  "lzma",
	                                       "zstd", "compress", "lzip"};
	const gchar *const roster[] = {"data", ROSTER, NULL};

	/* a compressed CSV is unpacked and classified by its content */
	for (guint i = 0; i < G_N_ELEMENTS(filters); i++) {
		g_autoptr(GBytes) b = make_archive("raw", filters[i], roster);
		g_test_message("filter %s", filters[i]);
		expect_bytes(cl, b, "roster.csv.x", FUT_CLASS_I, "mynumber");
	}
	/* so is a compressed plain notice: Class III, not an approval for nothing */
	{
		const gchar *const notice[] = {"data", "会議のお知らせ\n", NULL};
		g_autoptr(GBytes) b = make_archive("raw", "xz", notice);
		expect_bytes(cl, b, "notice.txt.xz", FUT_CLASS_III, NULL);
	}
}

/* An .xz whose block header asks for a dictionary of @dict_code (LZMA2's one-byte
 * encoding: (2 | code & 1) << (code / 2 + 11) bytes), made from a small real one with the
 * header's CRC-32 set right: what a 1.5 GiB-dictionary archive looks like without making
 * one. */
static GBytes *
xz_with_dict(const gchar *text, guint8 dict_code)
{
	gsize cap = strlen(text) + 4096;
	guint8 *out = g_malloc(cap);
	size_t used = 0;
	gsize hsize;
	gboolean patched = FALSE;
	guint32 crc;

	g_assert_cmpint(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, (const guint8 *)text,
	                                        strlen(text), out, &used, cap),
	                ==, LZMA_OK);
	/* the block header follows the 12-byte stream header; LZMA2's filter flags are
	 * 21 01 <dict> */
	hsize = ((gsize)out[12] + 1) * 4;
	g_assert_cmpuint(12 + hsize, <=, used);
	for (gsize i = 14; i + 2 < 12 + hsize - 4; i++) {
		if (out[i] == 0x21 && out[i + 1] == 0x01) {
			out[i + 2] = dict_code;
			patched = TRUE;
			break;
		}
	}
	g_assert_true(patched);
	crc = lzma_crc32(out + 12, hsize - 4, 0);
	for (guint k = 0; k < 4; k++)
		out[12 + hsize - 4 + k] = (guint8)(crc >> (8 * k));
	return g_bytes_new_take(out, used);
}

/* libarchive decodes xz with up to 1 GiB of its own: one asking for more than 256 MiB is
 * Class II without being unpacked; one within the bound is unpacked; one whose index is
 * garbage is Class II. */
static void
test_packed_xz_memory(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autoptr(GBytes) huge = xz_with_dict(ROSTER, 37);  /* 1.5 GiB */
	g_autoptr(GBytes) big = xz_with_dict(ROSTER, 33);   /* 384 MiB */
	g_autoptr(GBytes) fine = xz_with_dict(ROSTER, 30);  /* 128 MiB */
	g_autoptr(GBytes) small = xz_with_dict(ROSTER, 20); /* 4 MiB */
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(small, &len);
	g_autofree guint8 *cut = g_memdup2(d, len);

	expect_bytes(cl, huge, "roster.csv.xz", FUT_CLASS_II, "unsupported");
	expect_bytes(cl, big, "roster.csv.xz", FUT_CLASS_II, "unsupported");
	expect_bytes(cl, fine, "roster.csv.xz", FUT_CLASS_I, "mynumber");
	expect_bytes(cl, small, "roster.csv.xz", FUT_CLASS_I, "mynumber");
	/* the stream footer's backward size broken: the index cannot be found */
	cut[len - 8] ^= 0x55;
	expect(cl, cut, len, "roster.csv.xz", FUT_CLASS_II, "malformed");
}

static void
test_packed_archives(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	static const struct {
		const gchar *format;
		const gchar *filter;
	} kinds[] = {
	    {"pax", "gzip"},   {"ustar", NULL},    {"7zip", NULL},
	    {"cpio", "bzip2"}, {"gnutar", "zstd"}, {"xar", NULL},
	};
	const gchar *const roster[] = {"a/notice.txt", "会議\n", "a/roster.csv", ROSTER, NULL};
	/* a marking in an entry's name is a marking */
	const gchar *const named[] = {"【極秘】名簿.txt", "会議\n", NULL};

	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autoptr(GBytes) b = make_archive(kinds[i].format, kinds[i].filter, roster);
		g_autoptr(GBytes) n = make_archive(kinds[i].format, kinds[i].filter, named);
		g_test_message("format %s %s", kinds[i].format, kinds[i].filter);
		expect_bytes(cl, b, "archive", FUT_CLASS_I, "mynumber");
		expect_bytes(cl, n, "archive", FUT_CLASS_II, "marking");
	}
}

/* A self-extracting archive: an .exe stub, then a zip (libzip refuses it, unzip reads it). */
static void
test_packed_sfx(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	const gchar *const roster[] = {"roster.csv", ROSTER, NULL};
	g_autoptr(GBytes) zip = make_zip(roster);
	g_autoptr(GByteArray) exe = g_byte_array_new();
	guint8 stub[70000];

	/* a stub with code-like bytes, longer than the first 64 KiB that are sniffed */
	for (gsize i = 0; i < sizeof(stub); i++)
		stub[i] = (guint8)((i * 7) % 61);
	memcpy(stub, "MZ\x90\0", 4);
	g_byte_array_append(exe, stub, sizeof(stub));
	g_byte_array_append(exe, g_bytes_get_data(zip, NULL), (guint)g_bytes_get_size(zip));
	expect(cl, exe->data, exe->len, "setup.exe", FUT_CLASS_I, "mynumber");
	/* a zip end record the zip reader cannot follow: not let through */
	g_byte_array_set_size(exe, 0);
	g_byte_array_append(exe, stub, 1000);
	g_byte_array_append(exe, (const guint8 *)"PK\5\6garbage after it", 21);
	expect(cl, exe->data, exe->len, "setup.exe", FUT_CLASS_II, "unsupported");
}

static void
test_packed_dense(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autoptr(GRand) r = g_rand_new_with_seed(17);
	gsize len = 200 * 1024;
	g_autofree guint8 *d = g_malloc(len);

	for (gsize i = 0; i < len; i++)
		d[i] = (guint8)g_rand_int_range(r, 0, 256);
	/* unknown dense data: packed or encrypted by something unknown */
	expect(cl, d, len, "blob.dat", FUT_CLASS_II, "unsupported");
	/* dense data after 128 KiB of zeros is found as well */
	memset(d, 0, 128 * 1024);
	expect(cl, d, len, "blob.dat", FUT_CLASS_II, "unsupported");
	/* media are dense by nature */
	for (gsize i = 0; i < len; i++)
		d[i] = (guint8)g_rand_int_range(r, 0, 256);
	memcpy(d, "\xff\xd8\xff\xe0", 4);
	expect(cl, d, len, "photo.jpg", FUT_CLASS_III, NULL);
	memcpy(d,
	       "\0\0\0\x20"
	       "ftypisom",
	       12);
	expect(cl, d, len, "video.mp4", FUT_CLASS_III, NULL);
	/* ordinary binary data (machine code, tables) is not dense */
	for (gsize i = 0; i < len; i++)
		d[i] = (guint8)(i % 97 < 40 ? 0 : g_rand_int_range(r, 0, 64));
	expect(cl, d, len, "prog.bin", FUT_CLASS_III, NULL);
}

/* Bombs are judged by ratio: an archive that unpacks to more than archive-budget is fine
 * while it stays within archive-max-ratio of its own size (a 50 MB xlsx at 5.4:1). */
static void
test_packed_ratio(void)
{
	g_autoptr(FutClassifier) cl =
	    classifier_from("[classify]\narchive-budget=1M\narchive-max-ratio=20\n");
	g_autoptr(GString) text = g_string_new("個人番号\n");
	g_autoptr(GRand) r = g_rand_new_with_seed(5);
	g_autoptr(GBytes) zip = NULL;
	g_autoptr(GBytes) bomb = NULL;
	g_autofree gchar *zeros = g_malloc0(4 * 1024 * 1024 + 1);

	/* digits compress about 2.3:1: 2 MiB of them make a zip of about 0.9 MiB */
	while (text->len < 2 * 1024 * 1024)
		g_string_append_printf(text, "%u,%u\n", g_rand_int(r), g_rand_int(r));
	g_string_append(text, MN1 "\n");
	{
		const gchar *const e[] = {"big.csv", text->str, NULL};
		zip = make_zip(e);
	}
	g_test_message("zip %zu bytes for %zu", g_bytes_get_size(zip), text->len);
	g_assert_cmpuint(g_bytes_get_size(zip), <, text->len);
	g_assert_cmpuint(text->len, >, 1024 * 1024);
	expect_bytes(cl, zip, "big.zip", FUT_CLASS_I, "mynumber");
	/* 4 MiB of zeros in a few KiB: over the ratio, and over the budget */
	memset(zeros, '0', 4 * 1024 * 1024);
	{
		const gchar *const e[] = {"zeros.csv", zeros, NULL};
		bomb = make_zip(e);
	}
	expect_bytes(cl, bomb, "bomb.zip", FUT_CLASS_II, "zip-bomb");
}

/* --- Office and OpenDocument ---------------------------------------------------------- */

#define CT "[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"

static void
test_office_numbers(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	/* Apache POI and others store a 12-digit number as a double in scientific notation */
	const gchar *const xlsx[] = {
	    CT, "xl/worksheets/sheet1.xml",
	    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>個人番号</t>"
	    "</is></c><c r=\"B1\"><v>1.23456789018E11</v></c></row><row r=\"2\"><c r=\"B2\">"
	    "<v>9.83205673214E+11</v></c><c r=\"C2\"><v>3.1415926535200E+11</v></c></row>"
	    "</sheetData></worksheet>",
	    NULL};
	/* OpenDocument: each number is in office:value and again in the text; counted once,
	 * so two bare numbers stay below the threshold of three, as in a CSV */
	const gchar *const ods_twice[] = {
	    "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml",
	    "<office:document-content><table:table table:name=\"Sheet1\"><table:table-row>"
	    "<table:table-cell office:value-type=\"float\" office:value=\"" MN1 "\"><text:p>" MN1
	    "</text:p></table:table-cell><table:table-cell office:value-type=\"float\" "
	    "office:value=\"" MN2 "\"><text:p>" MN2 "</text:p></table:table-cell>"
	    "</table:table-row></table:table></office:document-content>",
	    NULL};
	const gchar *const ods_sci[] = {
	    "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml",
	    "<office:document-content><table:table table:name=\"名簿\"><table:table-row>"
	    "<table:table-cell office:value-type=\"string\"><text:p>個人番号</text:p>"
	    "</table:table-cell><table:table-cell office:value-type=\"float\" "
	    "office:value=\"1.23456789018E+11\"><text:p>1.23457E+11</text:p></table:table-cell>"
	    "</table:table-row></table:table></office:document-content>",
	    NULL};
	g_autoptr(GBytes) a = make_zip(xlsx);
	g_autoptr(GBytes) b = make_zip(ods_twice);
	g_autoptr(GBytes) c = make_zip(ods_sci);
	g_autoptr(FutClassification) r = NULL;

	expect_bytes(cl, a, "poi.xlsx", FUT_CLASS_I, "mynumber");
	r = classify_bytes(cl, g_bytes_get_data(a, NULL), g_bytes_get_size(a), "poi.xlsx");
	g_assert_cmpuint(((FutEvidence *)g_ptr_array_index(r->evidence, 0))->count, ==, 3);
	expect_bytes(cl, b, "twice.ods", FUT_CLASS_III, "mynumber");
	expect_bytes(cl, c, "sci.ods", FUT_CLASS_I, "mynumber");
}

static void
test_office_parts(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	/* a Word watermark is a VML text path */
	const gchar *const watermark[] = {
	    CT,
	    "word/document.xml",
	    "<w:document><w:body><w:p><w:r><w:t>予定価格</w:t></w:r>"
	    "</w:p></w:body></w:document>",
	    "word/header1.xml",
	    "<w:hdr><w:p><w:r><w:pict><v:shape><v:textpath style=\"font-family:&quot;MS "
	    "明朝&quot;\" string=\"極秘\"/></v:shape></w:pict></w:r></w:p></w:hdr>",
	    NULL};
	/* altChunk: a whole HTML document inside the docx */
	const gchar *const altchunk[] = {CT,
	                                 "word/document.xml",
	                                 "<w:document><w:body><w:altChunk r:id=\"c1\"/></w:body>"
	                                 "</w:document>",
	                                 "word/afchunk.htm",
	                                 "<html><body><p>個人番号</p><p>" MN1 "</p></body></html>",
	                                 NULL};
	/* a binary workbook: not read, so not let through */
	const gchar *const xlsb[] = {
	    CT,  "xl/workbook.bin", "\x83\x01\x00", "xl/worksheets/sheet1.bin", "\x81\x01\x00",
	    NULL};
	/* a marking as a sheet name */
	const gchar *const sheet[] = {CT, "xl/workbook.xml",
	                              "<workbook><sheets><sheet name=\"取扱注意\" sheetId=\"1\" "
	                              "r:id=\"rId1\"/></sheets></workbook>",
	                              NULL};
	/* and as a folder in a plain zip */
	const gchar *const folder[] = {"部外秘/会議.txt", "会議\n", NULL};
	g_autoptr(GBytes) w = make_zip(watermark);
	g_autoptr(GBytes) a = make_zip(altchunk);
	g_autoptr(GBytes) b = make_zip(xlsb);
	g_autoptr(GBytes) s = make_zip(sheet);
	g_autoptr(GBytes) f = make_zip(folder);

	expect_bytes(cl, w, "watermark.docx", FUT_CLASS_II, "marking");
	expect_bytes(cl, a, "altchunk.docx", FUT_CLASS_I, "mynumber");
	expect_bytes(cl, b, "book.xlsb", FUT_CLASS_II, "unsupported");
	expect_bytes(cl, s, "sheet.xlsx", FUT_CLASS_II, "marking");
	expect_bytes(cl, f, "folder.zip", FUT_CLASS_II, "marking");
}

/* A "12-box" form: the My Number written one digit per cell, in a row of 12 cells. */
static void
test_office_boxes(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	const gchar *mn = MN1;
	g_autoptr(GString) xrow =
	    g_string_new("<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\">"
	                 "<is><t>個人番号</t></is></c>");
	g_autoptr(GString) wrow = g_string_new("<w:document><w:body><w:p><w:r><w:t>個人番号</w:t>"
	                                       "</w:r></w:p><w:tbl><w:tr>");
	g_autoptr(GString) shared =
	    g_string_new("<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\">"
	                 "<is><t>個人番号</t></is></c>");
	g_autoptr(GString) column =
	    g_string_new("<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\">"
	                 "<is><t>個人番号</t></is></c></row>");

	for (guint i = 0; i < 12; i++) {
		g_string_append_printf(xrow, "<c r=\"%c1\"><v>%c</v></c>", 'B' + i, mn[i]);
		g_string_append_printf(
		    wrow, "<w:tc><w:tcPr/><w:p><w:r><w:t>%c</w:t></w:r></w:p></w:tc>", mn[i]);
		/* shared-string indices are not digits of the sheet */
		g_string_append_printf(shared, "<c r=\"%c1\" t=\"s\"><v>%c</v></c>", 'B' + i,
		                       mn[i]);
		/* a column of one-digit cells is a list, not a number */
		g_string_append_printf(column, "<row r=\"%u\"><c r=\"A%u\"><v>%c</v></c></row>",
		                       i + 2, i + 2, mn[i]);
	}
	g_string_append(xrow, "</row></sheetData></worksheet>");
	g_string_append(wrow, "</w:tr></w:tbl></w:body></w:document>");
	g_string_append(shared, "</row></sheetData></worksheet>");
	g_string_append(column, "</sheetData></worksheet>");
	{
		const gchar *const x[] = {CT, "xl/worksheets/sheet1.xml", xrow->str, NULL};
		const gchar *const w[] = {CT, "word/document.xml", wrow->str, NULL};
		const gchar *const sh[] = {CT, "xl/worksheets/sheet1.xml", shared->str, NULL};
		const gchar *const co[] = {CT, "xl/worksheets/sheet1.xml", column->str, NULL};
		g_autoptr(GBytes) xb = make_zip(x);
		g_autoptr(GBytes) wb = make_zip(w);
		g_autoptr(GBytes) sb = make_zip(sh);
		g_autoptr(GBytes) cb = make_zip(co);
		expect_bytes(cl, xb, "boxes.xlsx", FUT_CLASS_I, "mynumber");
		expect_bytes(cl, wb, "boxes.docx", FUT_CLASS_I, "mynumber");
		expect_bytes(cl, sb, "shared.xlsx", FUT_CLASS_III, NULL);
		expect_bytes(cl, cb, "column.xlsx", FUT_CLASS_III, NULL);
	}
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
	GString *pdf = g_string_new("%PDF-1.4\n");
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
	gsize offsets[G_N_ELEMENTS(objs)];
	gsize xref;

	for (guint i = 0; i < G_N_ELEMENTS(objs); i++) {
		offsets[i] = pdf->len;
		g_string_append_printf(pdf, "%u 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	xref = pdf->len;
	g_string_append_printf(pdf, "xref\n0 %zu\n0000000000 65535 f \n", G_N_ELEMENTS(objs) + 1);
	for (guint i = 0; i < G_N_ELEMENTS(objs); i++)
		g_string_append_printf(pdf, "%010zu 00000 n \n", offsets[i]);
	g_string_append_printf(pdf,
	                       "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	                       G_N_ELEMENTS(objs) + 1, xref);
	return g_string_free_to_bytes(pdf);
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

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify-formats/packed/streams", test_packed_streams);
	g_test_add_func("/classify-formats/packed/archives", test_packed_archives);
	g_test_add_func("/classify-formats/packed/xz-memory", test_packed_xz_memory);
	g_test_add_func("/classify-formats/packed/sfx", test_packed_sfx);
	g_test_add_func("/classify-formats/packed/dense", test_packed_dense);
	g_test_add_func("/classify-formats/packed/ratio", test_packed_ratio);
	g_test_add_func("/classify-formats/office/numbers", test_office_numbers);
	g_test_add_func("/classify-formats/office/parts", test_office_parts);
	g_test_add_func("/classify-formats/office/boxes", test_office_boxes);
	g_test_add_func("/classify-formats/encodings", test_encodings);
	g_test_add_func("/classify-formats/words", test_words);
	g_test_add_func("/classify-formats/pdf", test_pdf);
	g_test_add_func("/classify-formats/mail", test_mail);
	g_test_add_func("/classify-formats/rtf", test_rtf);
	g_test_add_func("/classify-formats/sparse", test_sparse);
	g_test_add_func("/classify-formats/scanner-fast-path", test_scanner_fast_path);
	return g_test_run();
}
