/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <zip.h>
#include <zlib.h>

#include "content-private.h"
#include "xmltext.h"

/* Containers: zip archives (Office Open XML among them) and OLE compound files. */

/* An XML part's character data: to the scanner, and watched for base64 (base64scan.c) as
 * a text stream's is (a roster pasted into a paragraph as base64). */
typedef struct {
	Ctx *ctx;
	B64Extract *b64;
} XmlSink;

static void
xml_sink(const guint8 *text, gsize len, gpointer user_data)
{
	XmlSink *x = user_data;

	content_b64_feed(x->b64, text, len);
	fut_scanner_feed(&x->ctx->scan, text, len);
}

static gboolean
ends_with_ci(const gchar *s, const gchar *suffix)
{
	gsize a = strlen(s);
	gsize b = strlen(suffix);

	return a >= b && g_ascii_strcasecmp(s + a - b, suffix) == 0;
}

typedef enum {
	ENTRY_SKIP,
	ENTRY_XML,         /* OOXML part: extract the character data */
	ENTRY_WHOLE,       /* read it whole and classify it like a file (nested archives) */
	ENTRY_UNSUPPORTED, /* a part we cannot read: Class II */
} EntryAction;

static EntryAction
entry_action(gboolean ooxml, const gchar *name)
{
	const gchar *base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;

	if (g_str_has_suffix(name, "/"))
		return ENTRY_SKIP;
	if (!ooxml)
		return ENTRY_WHOLE;
	if (ends_with_ci(name, ".xml") || ends_with_ci(name, ".rels"))
		return ENTRY_XML;
	/* media, fonts, thumbnails, macros, printer settings: no text of the document */
	if (strstr(name, "/media/") != NULL || strstr(name, "/fonts/") != NULL ||
	    g_str_has_prefix(name, "Pictures/") || g_str_has_prefix(name, "Thumbnails/") ||
	    g_str_has_prefix(name, "docProps/thumbnail") || g_str_equal(name, "mimetype") ||
	    g_ascii_strcasecmp(base, "vbaProject.bin") == 0 ||
	    g_ascii_strcasecmp(base, "vbaData.xml") == 0 ||
	    g_str_has_prefix(base, "printerSettings"))
		return ENTRY_SKIP;
	/* binary workbook parts (.xlsb): numbers are IEEE doubles, not read */
	if (ends_with_ci(name, ".bin") && strstr(name, "/embeddings/") == NULL)
		return ENTRY_UNSUPPORTED;
	/* embedded workbooks and documents (charts in docx embed an xlsx), altChunk parts
	 * (a whole .htm, .mht, .rtf or .docx inside a docx), anything else: like a file */
	return ENTRY_WHOLE;
}

/* Reads an entry: XML parts through the text extractor; anything else through an entry
 * sink (entry.c). Checks the CRC-32 and size itself: libzip stops at the declared size. */
static void
scan_entry(Ctx *ctx, zip_t *za, zip_uint64_t i, const zip_stat_t *st, gboolean ooxml, guint depth)
{
	g_autofree gchar *name = content_shown_name(st->name);
	EntryAction action = entry_action(ooxml, st->name);
	EntrySink *sink = NULL;
	gboolean failed = FALSE;
	uLong crc = crc32(0, Z_NULL, 0);
	guint64 got = 0;
	FutXmlText xml;
	XmlSink xs = {ctx, NULL};
	zip_file_t *zf;
	guint8 buf[64 * 1024];

	if (action == ENTRY_SKIP)
		return;
	if (action == ENTRY_UNSUPPORTED) {
		content_problem(ctx, "unsupported", _("%s: binary Office part (xlsb), not read"),
		                name);
		return;
	}
	zf = zip_fopen_index(za, i, 0);
	if (zf == NULL) {
		int ze = zip_error_code_zip(zip_get_error(za));
		if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD || ze == ZIP_ER_ENCRNOTSUPP)
			content_problem(ctx, "encrypted", _("%s is encrypted"), name);
		else
			content_problem(ctx, "malformed", _("%s cannot be read: %s"), name,
			                zip_error_strerror(zip_get_error(za)));
		return;
	}
	if (action == ENTRY_XML) {
		xs.b64 = content_b64_new(ctx);
		fut_xml_text_init(&xml, xml_sink, &xs);
	} else
		sink = content_entry_new(ctx, name, depth);
	for (;;) {
		zip_int64_t n = zip_fread(zf, buf, sizeof(buf));
		if (n < 0) {
			content_problem(ctx, "malformed", _("%s cannot be read: %s"), name,
			                zip_file_strerror(zf));
			failed = TRUE;
			break;
		}
		if (n == 0)
			break;
		crc = crc32(crc, buf, (uInt)n);
		got += (guint64)n;
		if (action == ENTRY_XML) {
			if (!content_take_budget(ctx, (gsize)n, name)) {
				failed = TRUE;
				break;
			}
			fut_xml_text_feed(&xml, buf, (gsize)n);
		} else if (!content_entry_feed(sink, buf, (gsize)n)) {
			failed = TRUE;
			break;
		}
	}
	zip_fclose(zf);
	/* libzip stops at the declared size; an entry that declares less than its data
	 * holds would hide the rest from the scan (but not from other unzip tools) */
	if (!failed && (((st->valid & ZIP_STAT_CRC) && crc != st->crc) ||
	                ((st->valid & ZIP_STAT_SIZE) && got != st->size))) {
		content_problem(ctx, "malformed",
		                _("%s: the content does not match its size or checksum"), name);
		failed = TRUE;
	}
	if (action == ENTRY_XML) {
		g_autoptr(GError) error = NULL;
		if (!fut_xml_text_finish(&xml, &error) && !failed)
			content_problem(ctx, "malformed", _("%s is not readable XML: %s"), name,
			                error->message);
		fut_scanner_feed(&ctx->scan, (const guint8 *)"\n", 1);
		/* as deep as an entry's own text (entry.c) */
		if (failed)
			content_b64_free(xs.b64);
		else
			content_b64_finish(xs.b64, depth + 1);
	} else {
		content_entry_finish(sink, failed);
	}
}

static gboolean
is_opendocument(zip_t *za)
{
	static const gchar prefix[] = "application/vnd.oasis.opendocument.";
	gchar buf[sizeof(prefix) - 1];
	zip_int64_t idx = zip_name_locate(za, "mimetype", ZIP_FL_ENC_RAW);
	zip_file_t *zf;
	zip_int64_t n;

	if (idx < 0 || (zf = zip_fopen_index(za, (zip_uint64_t)idx, 0)) == NULL)
		return FALSE;
	n = zip_fread(zf, buf, sizeof(buf));
	zip_fclose(zf);
	return n == (zip_int64_t)sizeof(buf) && memcmp(buf, prefix, sizeof(buf)) == 0;
}

static guint64
get_le(const guint8 *p, guint bytes)
{
	guint64 v = 0;

	for (guint i = bytes; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* The entry count the end-of-central-directory record (or its ZIP64 twin) declares, read
 * before libzip sees the archive: libzip allocates per entry while opening, so a small file
 * that declares millions of entries would cost memory before the count could be checked.
 * Returns 0 when no record is found (libzip then decides). */
static guint64
declared_entries(const guint8 *data, gsize len)
{
	/* the record is 22 bytes plus a comment of at most 65535 */
	gsize lowest = len > 22 + 65535 ? len - 22 - 65535 : 0;

	if (len < 22)
		return 0;
	for (gsize i = len - 22 + 1; i-- > lowest;) {
		guint64 n;
		if (memcmp(data + i, "PK\x05\x06", 4) != 0)
			continue;
		n = get_le(data + i + 10, 2);
		if (n == 0xffff && i >= 20 && memcmp(data + i - 20, "PK\x06\x07", 4) == 0) {
			guint64 off = get_le(data + i - 20 + 8, 8);
			if (off < len && len - off >= 56 &&
			    memcmp(data + off, "PK\x06\x06", 4) == 0)
				n = get_le(data + off + 32, 8);
		}
		return n;
	}
	return 0;
}

void
content_scan_zip(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n;
	guint64 declared = 0;
	gboolean ooxml;

	if (depth > ctx->cl->archive_max_depth) {
		content_problem(ctx, "unsupported", _("%s: archive nested deeper than %u levels"),
		                name, ctx->cl->archive_max_depth);
		return;
	}
	if (declared_entries(data, len) >
	    ctx->cl->archive_max_entries - MIN(ctx->entries, ctx->cl->archive_max_entries)) {
		content_problem(ctx, "zip-bomb", _("%s: declares more than %u archive entries"),
		                name, ctx->cl->archive_max_entries);
		ctx->abort = TRUE;
		return;
	}
	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (src == NULL) {
		content_problem(ctx, "unreadable", _("%s: %s"), name, zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return;
	}
	za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (za == NULL) {
		content_problem(ctx, "malformed", _("%s: not a readable zip archive (%s)"), name,
		                zip_error_strerror(&zerr));
		zip_source_free(src);
		zip_error_fini(&zerr);
		return;
	}
	zip_error_fini(&zerr);
	n = zip_get_num_entries(za, 0);
	ctx->entries += (guint64)MAX(n, 0);
	if (n < 0 || ctx->entries > ctx->cl->archive_max_entries) {
		content_problem(ctx, "zip-bomb", _("%s: more than %u archive entries"), name,
		                ctx->cl->archive_max_entries);
		ctx->abort = TRUE;
		zip_discard(za);
		return;
	}
	/* Office Open XML, or OpenDocument (its first entry "mimetype" names the type) */
	ooxml =
	    zip_name_locate(za, "[Content_Types].xml", ZIP_FL_ENC_RAW) >= 0 || is_opendocument(za);
	/* The sizes the archive declares: a bomb usually says what it is, and is refused
	 * here without inflating a byte. Lying sizes are caught by the budget while reading. */
	for (zip_int64_t i = 0; i < n; i++) {
		zip_stat_t st;
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0 &&
		    (st.valid & ZIP_STAT_SIZE) && st.name != NULL &&
		    entry_action(ooxml, st.name) != ENTRY_SKIP)
			declared += st.size;
	}
	if (declared > ctx->budget_left) {
		content_problem(ctx, "zip-bomb",
		                _("%s: declares %llu MiB uncompressed, over the limit of %llu MiB"),
		                name, (unsigned long long)(declared / MIB),
		                (unsigned long long)(ctx->budget_total / MIB));
		ctx->abort = TRUE;
		zip_discard(za);
		return;
	}
	for (zip_int64_t i = 0; i < n && !ctx->abort; i++) {
		zip_stat_t st;
		if (zip_stat_index(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) != 0 ||
		    st.name == NULL) {
			content_problem(ctx, "malformed", _("%s: entry %lld is unreadable"), name,
			                (long long)i);
			continue;
		}
		if (!ooxml) {
			/* a marking in an entry's name counts like one in its text */
			g_autofree gchar *utf8 = NULL;
			const gchar *ename = st.name;
			if (!g_utf8_validate(ename, -1, NULL)) {
				utf8 = g_convert(ename, -1, "UTF-8", "CP932", NULL, NULL, NULL);
				ename = utf8 != NULL ? utf8 : ename;
			}
			fut_scanner_feed(&ctx->scan, (const guint8 *)ename, strlen(ename));
			fut_scanner_feed(&ctx->scan, (const guint8 *)"\n", 1);
		}
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
		    st.encryption_method != ZIP_EM_NONE) {
			g_autofree gchar *ename = content_shown_name(st.name);
			content_problem(ctx, "encrypted", _("%s is encrypted"), ename);
			continue;
		}
		scan_entry(ctx, za, (zip_uint64_t)i, &st, ooxml, depth);
	}
	zip_discard(za);
}

/* An OLE compound file: legacy Office (.doc, .xls, .ppt) or an encrypted OOXML document,
 * which Office stores as an OLE file with "EncryptionInfo" and "EncryptedPackage" streams. */
void
content_scan_ole(Ctx *ctx, const guint8 *data, gsize len, const gchar *name)
{
	static const guint8 encrypted[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e";

	if (memmem(data, len, encrypted, sizeof(encrypted) - 1) != NULL)
		content_problem(ctx, "encrypted", _("%s: password-protected Office document"),
		                name);
	else
		content_problem(ctx, "unsupported",
		                _("%s: legacy Office (OLE) document, its content is not scanned"),
		                name);
}

/* A whole in-memory stream (an archive entry) classified like a file. */
void
content_scan_buffer(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name)
{
	const gchar *what = NULL;
	Kind kind = content_sniff(data, MIN(len, SNIFF_LEN), len <= SNIFF_LEN, &what);
	Decoder *dec;

	if (content_opaque(ctx, kind, what, name))
		return;
	switch (kind) {
	case KIND_ZIP:
		content_scan_zip(ctx, data, len, depth, name);
		return;
	case KIND_OLE:
		content_scan_ole(ctx, data, len, name);
		return;
	case KIND_PACKED:
		content_scan_packed(ctx, data, len, depth, name, FALSE);
		return;
	case KIND_PDF:
		content_scan_pdf(ctx, data, len, depth, name);
		return;
	case KIND_MIME:
		content_scan_mime(ctx, data, len, depth, name);
		return;
	default:
		dec = content_decoder_new(ctx, kind);
		content_decoder_feed(dec, data, len);
		if (dec->probing && dec->probe.zip_end) {
			dec->probing = FALSE;
			content_decoder_free(dec);
			content_scan_packed(ctx, data, len, depth, name, TRUE);
			return;
		}
		if (dec->probing)
			content_probe_report(ctx, &dec->probe, name);
		if (dec->invalid > 0 && kind != KIND_BINARY)
			content_evidence(ctx, "encoding", FUT_CLASS_NONE, dec->invalid,
			                 _("%s: %llu invalid byte sequences skipped"), name,
			                 (unsigned long long)dec->invalid);
		content_b64_finish(content_decoder_end(dec), depth);
	}
}
