/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The classifier on files made the way Japanese offices make them (issue 17): packed data
 * (compressed streams, archives, self-extracting, dense and highly compressed) and Office and
 * OpenDocument containers. Every fixture is generated here, in memory or in a temporary
 * folder. */
#include "config.h"

#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>
#include <glib/gstdio.h>
#include <zip.h>

#include "classify.h"
#include "scan-filter.h"
#include "test-classify-formats.h"
#include "util.h"

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

/* @data in base64, lines of @wrap characters (0: one line) ending in @eol. */
static gchar *
b64_text(const void *data, gsize len, guint wrap, const gchar *eol)
{
	g_autofree gchar *b = g_base64_encode(data, len);
	GString *s = g_string_new(NULL);
	gsize n = strlen(b);

	for (gsize i = 0; i < n; i += wrap == 0 ? n : wrap) {
		g_string_append_len(s, b + i, MIN(wrap == 0 ? n : wrap, n - i));
		g_string_append(s, eol);
	}
	return g_string_free(s, FALSE);
}

static FutClassification *
classify_text(FutClassifier *cl, const gchar *text, const gchar *name)
{
	return classify_bytes(cl, text, strlen(text), name);
}

/* A roster run through base64 (base64(1)'s 76-character lines, CRLF lines, one line, in a
 * JSON field, after a header, over an xz stream, twice, three times) is classified by what
 * it decodes to; four levels deep it is Class II; text that only looks alike (numbers, a hex
 * digest, a notice) is not decoded or stays Class III. Before, every one of these was Class III. */
static void
test_packed_base64(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autofree gchar *lf = b64_text(ROSTER, strlen(ROSTER), 76, "\n");
	g_autofree gchar *crlf = b64_text(ROSTER, strlen(ROSTER), 64, "\r\n");
	g_autofree gchar *one = b64_text(ROSTER, strlen(ROSTER), 0, "");
	g_autofree gchar *json =
	    g_strdup_printf("{\"file\":\"roster.csv\",\"data\":\"%s\"}\n", one);
	g_autofree gchar *mail = g_strdup_printf("Subject: minutes\nX-Note: see below\n\n%s", lf);
	g_autofree gchar *twice = b64_text(lf, strlen(lf), 76, "\n");
	g_autofree gchar *thrice = b64_text(twice, strlen(twice), 76, "\n");
	g_autofree gchar *four = b64_text(thrice, strlen(thrice), 76, "\n");
	const gchar *const roster[] = {"data", ROSTER, NULL};
	g_autoptr(GBytes) xz = make_archive("raw", "xz", roster);
	gsize xz_len = 0;
	const void *xz_data = g_bytes_get_data(xz, &xz_len);
	g_autofree gchar *xz64 = b64_text(xz_data, xz_len, 76, "\n");
	const gchar *notice = "会議のお知らせ: 12月10日 10時 第3会議室\n";
	g_autofree gchar *notice64 = b64_text(notice, strlen(notice), 76, "\n");

	expect(cl, lf, strlen(lf), "roster.b64", FUT_CLASS_I, "mynumber");
	expect(cl, crlf, strlen(crlf), "roster-crlf.b64", FUT_CLASS_I, "mynumber");
	expect(cl, one, strlen(one), "roster-w0.b64", FUT_CLASS_I, "mynumber");
	expect(cl, json, strlen(json), "upload.json", FUT_CLASS_I, "mynumber");
	expect(cl, mail, strlen(mail), "note.txt", FUT_CLASS_I, "mynumber");
	expect(cl, twice, strlen(twice), "roster.b64.b64", FUT_CLASS_I, "mynumber");
	expect(cl, xz64, strlen(xz64), "roster.xz.b64", FUT_CLASS_I, "mynumber");
	expect(cl, thrice, strlen(thrice), "roster.b64.b64.b64", FUT_CLASS_I, "mynumber");
	expect(cl, four, strlen(four), "roster.b64x4", FUT_CLASS_II, "unsupported");
	expect(cl, notice64, strlen(notice64), "notice.b64", FUT_CLASS_III, "base64");
	{
		g_autoptr(FutClassification) c = classify_text(cl, lf, "roster.b64");
		g_assert_true(has_rule(c, "base64", FUT_CLASS_NONE));
	}
	/* Not base64: numbers one per line, hex digests, ordinary text with long words. */
	{
		GString *nums = g_string_new(NULL);
		g_autoptr(FutClassification) c = NULL;

		for (guint i = 0; i < 200; i++)
			g_string_append_printf(nums, "%012u\n", 100000000u + i * 7919u);
		c = classify_text(cl, nums->str, "numbers.txt");
		g_assert_false(has_rule(c, "base64", FUT_CLASS_NONE));
		g_string_free(nums, TRUE);
	}
	{
		const gchar *hex =
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt\n"
		    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  b.txt\n";
		g_autoptr(FutClassification) c = classify_text(cl, hex, "SHA256SUMS");
		g_assert_false(has_rule(c, "base64", FUT_CLASS_NONE));
		g_assert_cmpint(c->klass, ==, FUT_CLASS_III);
	}
}

/* Base64 where the first version did not look (it watched only streams whose first 64 KiB
 * were mostly base64): after a licence text longer than that, a run across the 64 KiB and
 * 1 MiB read boundaries at every offset within a block, in UTF-16, in a zip entry large
 * enough to be streamed, after a thousand runs of other base64, a MIME part after other text,
 * with letters glued in front, one record alone, in a Word paragraph.
 * And what must stay as it is: source code and a changelog full of long identifiers, paths,
 * hex digests and integrity hashes are not decoded, or stay Class III when they are. */
static void
test_packed_base64_anywhere(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	g_autofree gchar *one = b64_text(ROSTER, strlen(ROSTER), 0, "");
	g_autofree gchar *lf = b64_text(ROSTER, strlen(ROSTER), 76, "\n");
	const gchar *rec = "氏名,個人番号\n山田," MN1 "\n";
	g_autofree gchar *rec64 = b64_text(rec, strlen(rec), 0, "");
	GString *lic = g_string_new(NULL);
	g_autoptr(GRand) r = g_rand_new_with_seed(17);

	while (lic->len < 100 * 1024)
		g_string_append(lic, "Permission is hereby granted, free of charge, to any person "
		                     "obtaining a copy of this software.\n");
	{
		g_autofree gchar *t = g_strconcat(lic->str, lf, NULL);
		expect(cl, t, strlen(t), "licence-then.txt", FUT_CLASS_I, "mynumber");
	}
	/* every offset of a block around the two read boundaries (the first read, then 1 MiB),
	 * with each form of the block finder (scalar, SSE2 under "ssse3", AVX2) */
	for (guint impl = FUT_SCAN_FILTER_SCALAR; impl < FUT_SCAN_FILTER_AUTO; impl++) {
		if (!fut_scan_filter_set_impl((FutScanFilterImpl)impl))
			continue;
		for (gsize base = 64 * 1024; base <= 1088 * 1024; base += 1024 * 1024) {
			for (gsize at = base - 34; at <= base + 2; at++) {
				GString *t = g_string_new(NULL);
				g_autoptr(FutClassification) c = NULL;

				while (t->len < at - 1)
					g_string_append(t, "ab cd ");
				g_string_truncate(t, at - 1);
				/* the roster, and one record (44 characters: it may fill only the
				 * second half of a 32-byte step) */
				g_string_append_printf(t, "\n%s\n", at % 2 == 0 ? one : rec64);
				c = classify_bytes(cl, t->str, t->len, "boundary.txt");
				if (c->klass != FUT_CLASS_I)
					g_error("a run at %zu (block finder %u): Class %d", at,
					        impl, c->klass);
				g_string_free(t, TRUE);
			}
		}
	}
	fut_scan_filter_set_impl(FUT_SCAN_FILTER_AUTO);
	{
		g_autofree gchar *t = g_strconcat(lic->str, lf, NULL);
		gsize n = 0;
		g_autofree gchar *u16 = g_convert(t, -1, "UTF-16LE", "UTF-8", NULL, &n, NULL);
		expect(cl, u16, n, "utf16.txt", FUT_CLASS_I, "mynumber");
	}
	{
		g_autofree gchar *t = g_strconcat(lic->str, lic->str, lf, NULL);
		const gchar *const e[] = {"notes.txt", t, NULL};
		g_autoptr(GBytes) zip = make_zip(e);
		expect_bytes(cl, zip, "notes.zip", FUT_CLASS_I, "mynumber");
	}
	/* letters glued in front (text cut mid-word, or on purpose): decoded from the offset
	 * whose first bytes are text or a format */
	for (guint k = 1; k <= 3; k++) {
		g_autofree gchar *t = g_strdup_printf("%.*s%s", (int)k, "xyz", one);
		g_autofree gchar *name = g_strdup_printf("glued%u.txt", k);
		expect(cl, t, strlen(t), name, FUT_CLASS_I, "mynumber");
	}
	{
		/* in a Word paragraph (an OOXML part's text is watched too) */
		g_autofree gchar *xml =
		    g_strdup_printf("<w:document><w:body><w:p><w:r><w:t>添付:</w:t></w:r></w:p>"
		                    "<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>",
		                    one);
		const gchar *const e[] = {"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>",
		                          "word/document.xml", xml, NULL};
		g_autoptr(GBytes) docx = make_zip(e);
		expect_bytes(cl, docx, "paste.docx", FUT_CLASS_I, "mynumber");
	}
	{
		/* one record: a run of 44 characters, kept because it decodes to text */
		g_autofree gchar *t = g_strdup_printf("%s%s\n", lic->str, rec64);
		expect(cl, t, strlen(t), "one-record.txt", FUT_CLASS_I, "mynumber");
	}
	{
		GString *t = g_string_new(NULL);

		for (guint i = 0; i < 1000; i++) {
			guint8 junk[30];
			g_autofree gchar *j = NULL;

			for (guint k = 0; k < sizeof(junk); k++)
				junk[k] = (guint8)g_rand_int_range(r, 0, 256);
			j = g_base64_encode(junk, sizeof(junk));
			g_string_append_printf(t, "token%u = \"%s\"\n", i, j);
		}
		g_string_append_printf(t, "data = \"%s\"\n", one);
		expect(cl, t->str, t->len, "tokens.conf", FUT_CLASS_I, "mynumber");
		g_string_free(t, TRUE);
	}
	{
		g_autofree gchar *t =
		    g_strdup_printf("%sFrom: a@example.jp\nMIME-Version: "
		                    "1.0\nContent-Transfer-Encoding: base64\n\n%s",
		                    lic->str, lf);
		expect(cl, t, strlen(t), "pasted.txt", FUT_CLASS_I, "mynumber");
	}
	{
		GString *t = g_string_new(NULL);
		g_autoptr(FutClassification) c = NULL;

		for (guint i = 0; i < 300; i++)
			g_string_append_printf(
			    t,
			    "ImgIoUtilCheckSizeArgumentsOverflow("
			    "TIFFOpenOptionsSetMaxSingleMemAlloc);\n"
			    "see https://github.com/ARMmbed/mbedtls/blob/"
			    "84a1107818aaddfd2abe4c5a3478cf84ab2e26b4/programs/x509/cert_write.c\n"
			    "/usr/share/common-licenses/LGPL-2.1 AllocateAndGetTcpExTableFromStack "
			    "%u\n"
			    "Change-Id: I7055d3ee3bd7ed5e78e94ae82cb858fa7db3ddc0\n",
			    i);
		c = classify_bytes(cl, t->str, t->len, "changelog");
		g_assert_cmpint(c->klass, ==, FUT_CLASS_III);
		g_assert_false(has_rule(c, "base64", FUT_CLASS_NONE));
		g_string_free(t, TRUE);
	}
	{
		/* real base64 that is not a secret: an integrity hash, a certificate line */
		const gchar *t =
		    "<script src=\"x.js\" integrity=\"sha384-SggXRQHwCG8g+DktYYzxk"
		    "XRIkTiEYWBHqev0xnpCxYlqMBufKZHAHQM3/boDaI/0\"></script>\n"
		    "MQswCQYDVQQGEwJVUzETMBEGA1UECBMKQ2FsaWZvcm5pYTE9MDsGA1UEChM0WE1M\n";
		g_autoptr(FutClassification) c = classify_text(cl, t, "page.html");
		g_assert_cmpint(c->klass, ==, FUT_CLASS_III);
	}
	{
		/* more than the archive limit decodes: too large, Class II (the base64 of 2 MiB
		 * of text against a limit of 1 MiB) */
		g_autoptr(FutClassifier) small = classifier_from("[classify]\narchive-limit=1M\n");
		GString *big = g_string_new(NULL);
		g_autofree gchar *t = NULL;

		while (big->len < 2 * 1024 * 1024)
			g_string_append(big, "会議のお知らせ: 12月10日 10時 第3会議室\n");
		t = b64_text(big->str, big->len, 76, "\n");
		expect(small, t, strlen(t), "big.b64", FUT_CLASS_II, "too-large");
		g_string_free(big, TRUE);
	}
	g_string_free(lic, TRUE);
}

/* @data in hex digits, lines of @wrap digits (xxd -p: 60), upper or lower case. */
static gchar *
hex_text(const void *data, gsize len, guint wrap, gboolean upper)
{
	GString *s = g_string_new(NULL);
	const guint8 *d = data;

	for (gsize i = 0; i < len; i++) {
		g_string_append_printf(s, upper ? "%02X" : "%02x", d[i]);
		if (wrap > 0 && (i + 1) * 2 % wrap == 0)
			g_string_append_c(s, '\n');
	}
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

/* Hex copies (`xxd -p`, a hexlified field), decoded when their first bytes are text or a
 * known format; digests and long numbers are not decoded. */
static void
test_packed_hex(void)
{
	g_autoptr(FutClassifier) cl = classifier_from(NULL);
	const gchar *const roster[] = {"data", ROSTER, NULL};
	g_autoptr(GBytes) gz = make_archive("raw", "gzip", roster);
	gsize gz_len = 0;
	const void *gz_data = g_bytes_get_data(gz, &gz_len);
	g_autofree gchar *xxd = hex_text(ROSTER, strlen(ROSTER), 60, FALSE);
	g_autofree gchar *up = hex_text(ROSTER, strlen(ROSTER), 0, TRUE);
	g_autofree gchar *gzx = hex_text(gz_data, gz_len, 60, FALSE);
	const gchar *rec = "氏名,個人番号\n山田," MN1 "\n";
	g_autofree gchar *one = hex_text(rec, strlen(rec), 60, FALSE);
	g_autofree gchar *sjis = g_convert(ROSTER, -1, "CP932", "UTF-8", NULL, NULL, NULL);
	g_autofree gchar *sjx = hex_text(sjis, strlen(sjis), 60, FALSE);
	g_autofree gchar *mail = g_strdup_printf("Subject: dump\n\n%s", xxd);

	expect(cl, xxd, strlen(xxd), "roster.hex", FUT_CLASS_I, "mynumber");
	expect(cl, up, strlen(up), "roster-upper.hex", FUT_CLASS_I, "mynumber");
	expect(cl, gzx, strlen(gzx), "roster.gz.hex", FUT_CLASS_I, "mynumber");
	expect(cl, one, strlen(one), "record.hex", FUT_CLASS_I, "mynumber");
	expect(cl, sjx, strlen(sjx), "roster-sjis.hex", FUT_CLASS_I, "mynumber");
	expect(cl, mail, strlen(mail), "dump.txt", FUT_CLASS_I, "mynumber");
	{
		GString *t = g_string_new(NULL);
		g_autoptr(GRand) r = g_rand_new_with_seed(5);
		g_autoptr(FutClassification) c = NULL;

		for (guint i = 0; i < 2000; i++) {
			for (guint k = 0; k < 64; k++)
				g_string_append_printf(t, "%x", g_rand_int_range(r, 0, 16));
			g_string_append_printf(t, "  file%u.txt\ncommit ", i);
			for (guint k = 0; k < 40; k++)
				g_string_append_printf(t, "%x", g_rand_int_range(r, 0, 16));
			g_string_append_printf(t, "\nid %u%u%u\n", g_rand_int(r), g_rand_int(r),
			                       g_rand_int(r));
		}
		c = classify_bytes(cl, t->str, t->len, "SHA256SUMS");
		g_assert_cmpint(c->klass, ==, FUT_CLASS_III);
		g_assert_false(has_rule(c, "base64", FUT_CLASS_NONE));
		g_string_free(t, TRUE);
	}
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

void
test_classify_formats_add_packed(void)
{
	g_test_add_func("/classify-formats/packed/streams", test_packed_streams);
	g_test_add_func("/classify-formats/packed/archives", test_packed_archives);
	g_test_add_func("/classify-formats/packed/xz-memory", test_packed_xz_memory);
	g_test_add_func("/classify-formats/packed/sfx", test_packed_sfx);
	g_test_add_func("/classify-formats/packed/dense", test_packed_dense);
	g_test_add_func("/classify-formats/packed/ratio", test_packed_ratio);
	g_test_add_func("/classify-formats/packed/base64", test_packed_base64);
	g_test_add_func("/classify-formats/packed/base64-anywhere", test_packed_base64_anywhere);
	g_test_add_func("/classify-formats/packed/hex", test_packed_hex);
	g_test_add_func("/classify-formats/office/numbers", test_office_numbers);
	g_test_add_func("/classify-formats/office/parts", test_office_parts);
	g_test_add_func("/classify-formats/office/boxes", test_office_boxes);
}
