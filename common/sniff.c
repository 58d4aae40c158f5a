/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "content-private.h"

/* What a byte stream is, from its first bytes. */

typedef struct {
	const gchar *magic;
	gsize len;
	Kind kind;
	const gchar *what;
} Magic;

/* Packed formats: unpacked with libarchive (KIND_PACKED) when it reads them, else Class II
 * (compressed, they would let anything through unseen); encrypted formats: what policy
 * wants approved. */
static const Magic opaque_magics[] = {
    {"\x1f\x8b", 2, KIND_PACKED, "gzip"},
    {"BZh", 3, KIND_PACKED, "bzip2"},
    {"\xfd"
     "7zXZ\0",
     6, KIND_PACKED, "xz"},
    {"\x28\xb5\x2f\xfd", 4, KIND_PACKED, "zstd"},
    {"7z\xbc\xaf\x27\x1c", 6, KIND_PACKED, "7-Zip"},
    {"Rar!\x1a\x07", 6, KIND_PACKED, "RAR"},
    {"MSCF\0\0\0\0", 8, KIND_PACKED, "cabinet"},
    {"LZIP", 4, KIND_PACKED, "lzip"},
    {"\x1f\x9d", 2, KIND_PACKED, "compress (.Z)"},
    {"\x04\x22\x4d\x18", 4, KIND_COMPRESSED, "lz4"},
    {"\x60\xea", 2, KIND_COMPRESSED, "ARJ"},
    {"\x1f\xa0", 2, KIND_COMPRESSED, "compress-LZH"},
    {"\x89LZO\0", 5, KIND_COMPRESSED, "lzop"},
    {"SZDD\x88\xf0\x27\x33", 8, KIND_COMPRESSED, "MS-DOS compress"},
    {"KWAJ\x88\xf0\x27\xd1", 8, KIND_COMPRESSED, "MS-DOS compress"},
    {"ustar", 0, KIND_PACKED, "tar"}, /* at offset 257: checked apart */
    {"070707", 6, KIND_PACKED, "cpio"},
    {"070701", 6, KIND_PACKED, "cpio"},
    {"070702", 6, KIND_PACKED, "cpio"},
    {"\xc7\x71", 2, KIND_PACKED, "cpio"},
    {"!<arch>\n", 8, KIND_PACKED, "ar"},
    {"xar!", 4, KIND_PACKED, "xar"},
    {"-----BEGIN PGP MESSAGE-----", 27, KIND_ENCRYPTED, "OpenPGP"},
    {"age-encryption.org/v1", 21, KIND_ENCRYPTED, "age"},
    {"-----BEGIN AGE ENCRYPTED FILE-----", 34, KIND_ENCRYPTED, "age"},
    {"Salted__", 8, KIND_ENCRYPTED, "OpenSSL"},
};

/* Dense by nature: scanned as bytes, never taken for packed data. */
static const Magic media_magics[] = {
    {"\xff\xd8\xff", 3, KIND_MEDIA, "JPEG"},
    {"\x89PNG\r\n\x1a\n", 8, KIND_MEDIA, "PNG"},
    {"GIF87a", 6, KIND_MEDIA, "GIF"},
    {"GIF89a", 6, KIND_MEDIA, "GIF"},
    {"\x1a\x45\xdf\xa3", 4, KIND_MEDIA, "Matroska/WebM"},
    {"ID3", 3, KIND_MEDIA, "MP3"},
    {"\xff\xfb", 2, KIND_MEDIA, "MP3"},
    {"\xff\xf3", 2, KIND_MEDIA, "MP3"},
    {"\xff\xf1", 2, KIND_MEDIA, "AAC"},
    {"OggS", 4, KIND_MEDIA, "Ogg"},
    {"fLaC", 4, KIND_MEDIA, "FLAC"},
    {"II*\0", 4, KIND_MEDIA, "TIFF"},
    {"MM\0*", 4, KIND_MEDIA, "TIFF"},
    {"\0\0\1\xba", 4, KIND_MEDIA, "MPEG"},
    {"wOFF", 4, KIND_MEDIA, "WOFF"},
    {"wOF2", 4, KIND_MEDIA, "WOFF2"},
    {"\x30\x26\xb2\x75\x8e\x66\xcf\x11", 8, KIND_MEDIA, "ASF/WMV"},
    {"FLV\x01", 4, KIND_MEDIA, "FLV"},
    {"8BPS", 4, KIND_MEDIA, "Photoshop"},
    {"\0\0\0\x0cjP  ", 8, KIND_MEDIA, "JPEG 2000"},
    {"\xff\x4f\xff\x51", 4, KIND_MEDIA, "JPEG 2000"},
    {"#!AMR", 5, KIND_MEDIA, "AMR"},
    {"MThd", 4, KIND_MEDIA, "MIDI"},
};

static gboolean
has_prefix(const guint8 *d, gsize len, const void *magic, gsize mlen)
{
	return len >= mlen && memcmp(d, magic, mlen) == 0;
}

/* UTF-16 without a byte order mark: digits, commas and ASCII letters put a NUL in every
 * other byte, always on the same side; binary data has NULs on both sides. */
static Kind
sniff_utf16(const guint8 *d, gsize len)
{
	gsize nul[2] = {0, 0};

	len &= ~(gsize)1;
	for (gsize i = 0; i < len; i++) {
		if (d[i] == 0)
			nul[i & 1]++;
	}
	if (len < 8 || nul[0] + nul[1] < len / 8)
		return KIND_BINARY;
	if (nul[1] * 20 >= (nul[0] + nul[1]) * 19)
		return KIND_UTF16LE;
	if (nul[0] * 20 >= (nul[0] + nul[1]) * 19)
		return KIND_UTF16BE;
	return KIND_BINARY;
}

/* Control bytes no text file holds (NUL, and C0 but tab, line feed, form feed, carriage
 * return and escape). */
static gboolean
has_controls(const guint8 *d, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && d[i] != '\f' &&
		    d[i] != 0x1b)
			return TRUE;
	}
	return FALSE;
}

static gboolean
plausible_unit(guint u)
{
	return u == '\t' || u == '\n' || u == '\r' || (u >= 0x20 && u <= 0x7e) ||
	       (u >= 0xa0 && u <= 0xff) || (u >= 0x2010 && u <= 0x203b) ||
	       (u >= 0x2190 && u <= 0x2312) || (u >= 0x2460 && u <= 0x26ff) ||
	       (u >= 0x3000 && u <= 0x33ff) || (u >= 0x3400 && u <= 0x4dbf) ||
	       (u >= 0x4e00 && u <= 0x9fff) || (u >= 0xf900 && u <= 0xfaff) ||
	       (u >= 0xff01 && u <= 0xffef);
}

/* UTF-16 text without a byte order mark: nearly every code unit is one that Japanese text
 * uses (ASCII, punctuation, kana, kanji, full-width forms); random or binary data hits
 * those ranges about a third of the time. */
static Kind
sniff_utf16_text(const guint8 *d, gsize len)
{
	gsize n = len / 2;
	gsize le = 0;
	gsize be = 0;
	gsize le_sure = 0; /* ASCII (a zero high byte) and kana: what tells the orders apart */
	gsize be_sure = 0;
	gboolean le_ok;
	gboolean be_ok;

	if (n < 8)
		return KIND_BINARY;
	for (gsize i = 0; i < n; i++) {
		guint ul = d[2 * i] | (guint)d[2 * i + 1] << 8;
		guint ub = (guint)d[2 * i] << 8 | d[2 * i + 1];
		le += plausible_unit(ul);
		be += plausible_unit(ub);
		le_sure += ul < 0x100 || (ul >= 0x3000 && ul <= 0x30ff);
		be_sure += ub < 0x100 || (ub >= 0x3000 && ub <= 0x30ff);
	}
	le_ok = le * 100 >= n * 97;
	be_ok = be * 100 >= n * 97;
	if (le_ok && (!be_ok || le_sure >= be_sure))
		return KIND_UTF16LE;
	if (be_ok)
		return KIND_UTF16BE;
	return KIND_BINARY;
}

/* ISO-2022-JP (JIS, what Japanese mail uses): 7-bit, with ESC $ B or ESC $ @ switching to
 * JIS X 0208. */
static gboolean
is_iso2022jp(const guint8 *d, gsize len)
{
	if (memchr(d, 0x1b, len) == NULL ||
	    (memmem(d, len, "\x1b$B", 3) == NULL && memmem(d, len, "\x1b$@", 3) == NULL))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (d[i] >= 0x80)
			return FALSE;
	}
	return TRUE;
}

/* EUC-JP: two bytes A1..FE, or 8E and a half-width katakana, or 8F and two bytes. Shift_JIS
 * Japanese text fails this at once (its kana start with 82 and 83). */
static gboolean
is_eucjp(const guint8 *d, gsize len, gboolean complete)
{
	gsize multi = 0;

	for (gsize i = 0; i < len;) {
		guint8 c = d[i];
		gsize need = c < 0x80 ? 1 : c == 0x8f ? 3 : 2;
		if (c >= 0x80 && c != 0x8e && c != 0x8f && (c < 0xa1 || c > 0xfe))
			return FALSE;
		if (i + need > len)
			return !complete && multi > 0;
		for (gsize k = 1; k < need; k++) {
			guint8 t = d[i + k];
			if (c == 0x8e ? (t < 0xa1 || t > 0xdf) : (t < 0xa1 || t > 0xfe))
				return FALSE;
		}
		multi += need > 1;
		i += need;
	}
	return multi > 0;
}

/* A mail message: header lines from the first byte, among them MIME-Version or
 * Content-Type, before the first empty line. */
static gboolean
is_mime(const guint8 *d, gsize len)
{
	gboolean mime = FALSE;
	gsize i = 0;
	guint lines = 0;

	while (i < len && lines < 200) {
		gsize start = i;
		gsize colon = 0;
		while (i < len && d[i] != '\n')
			i++;
		if (i == len)
			return FALSE;
		if (i == start || (i == start + 1 && d[start] == '\r'))
			return mime;
		lines++;
		if (d[start] == ' ' || d[start] == '\t') {
			i++;
			continue; /* a folded header line */
		}
		while (start + colon < i &&
		       (g_ascii_isalnum(d[start + colon]) || d[start + colon] == '-'))
			colon++;
		if (colon == 0 || start + colon >= i || d[start + colon] != ':')
			return FALSE;
		if ((colon == 12 &&
		     g_ascii_strncasecmp((const gchar *)d + start, "MIME-Version", 12) == 0) ||
		    (colon == 12 &&
		     g_ascii_strncasecmp((const gchar *)d + start, "Content-Type", 12) == 0))
			mime = TRUE;
		i++;
	}
	return FALSE;
}

static gboolean
lzma_dict_ok(guint32 dict)
{
	if (dict < 4096)
		return FALSE;
	if (dict % 3 == 0)
		dict /= 3;
	return (dict & (dict - 1)) == 0;
}

Kind
content_sniff(const guint8 *d, gsize len, gboolean complete, const gchar **ret_what)
{
	const gchar *end = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conv = NULL;

	*ret_what = NULL;
	if (len == 0)
		return KIND_UTF8; /* empty: nothing to read (and d may be NULL) */
	if (has_prefix(d, len, "PK\x03\x04", 4) || has_prefix(d, len, "PK\x05\x06", 4))
		return KIND_ZIP;
	if (has_prefix(d, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return KIND_OLE;
	if (has_prefix(d, len, "%PDF-", 5))
		return KIND_PDF;
	if (has_prefix(d, len, "{\\rtf", 5))
		return KIND_RTF;
	if (is_mime(d, len))
		return KIND_MIME;
	/* an lzma_alone header: properties (lc=3 lp=0 pb=2), a dictionary of 2^n or 3 * 2^n
	 * bytes, an uncompressed size that is unknown (all ones) or below 2^48 */
	if (len >= 13 && d[0] == 0x5d &&
	    lzma_dict_ok(d[1] | d[2] << 8 | d[3] << 16 | (guint32)d[4] << 24) &&
	    ((d[11] == 0 && d[12] == 0) ||
	     memcmp(d + 5, "\xff\xff\xff\xff\xff\xff\xff\xff", 8) == 0)) {
		*ret_what = "lzma";
		return KIND_PACKED;
	}
	/* LHA: "-lh5-" (or -lz?-, -pm?-) after a header size and checksum */
	if (len >= 7 && d[2] == '-' && d[6] == '-' &&
	    (memcmp(d + 3, "lh", 2) == 0 || memcmp(d + 3, "lz", 2) == 0 ||
	     memcmp(d + 3, "pm", 2) == 0)) {
		*ret_what = "LHA";
		return KIND_PACKED;
	}
	if (len >= 262 && memcmp(d + 257, "ustar", 5) == 0) {
		*ret_what = "tar";
		return KIND_PACKED;
	}
	if (len >= 12 && (memcmp(d + 4, "ftyp", 4) == 0 || memcmp(d + 4, "moov", 4) == 0 ||
	                  memcmp(d + 4, "mdat", 4) == 0 || memcmp(d + 4, "wide", 4) == 0 ||
	                  (memcmp(d, "RIFF", 4) == 0 &&
	                   (memcmp(d + 8, "WEBP", 4) == 0 || memcmp(d + 8, "AVI ", 4) == 0 ||
	                    memcmp(d + 8, "WAVE", 4) == 0)))) {
		*ret_what = "media";
		return KIND_MEDIA;
	}
	for (guint i = 0; i < G_N_ELEMENTS(media_magics); i++) {
		if (has_prefix(d, len, media_magics[i].magic, media_magics[i].len)) {
			*ret_what = media_magics[i].what;
			return KIND_MEDIA;
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(opaque_magics); i++) {
		if (opaque_magics[i].len > 0 &&
		    has_prefix(d, len, opaque_magics[i].magic, opaque_magics[i].len)) {
			*ret_what = opaque_magics[i].what;
			return opaque_magics[i].kind;
		}
	}
	if (has_prefix(d, len, "\xff\xfe", 2) || has_prefix(d, len, "\xfe\xff", 2))
		return KIND_UTF16;
	if (is_iso2022jp(d, len))
		return KIND_ISO2022JP;
	if (has_controls(d, len)) {
		/* UTF-16 without a byte order mark: Japanese text puts NULs (U+3000, 一) and
		 * control bytes (、。U+3001, U+3002) on either side */
		Kind k = sniff_utf16_text(d, len);
		if (k != KIND_BINARY)
			return k;
		if (memchr(d, 0, len) != NULL)
			return sniff_utf16(d, len);
	}
	if (g_utf8_validate((const gchar *)d, (gssize)len, &end))
		return KIND_UTF8;
	/* a character cut at the end of the sniffed bytes is not an error */
	if (!complete && (const guint8 *)end + 4 > d + len)
		return KIND_UTF8;
	if (is_eucjp(d, len, complete))
		return KIND_EUCJP;
	conv = g_convert((const gchar *)d, (gssize)len, "UTF-8", "CP932", NULL, NULL, &error);
	if (conv != NULL ||
	    (!complete && g_error_matches(error, G_CONVERT_ERROR, G_CONVERT_ERROR_PARTIAL_INPUT)))
		return KIND_CP932;
	return KIND_BINARY;
}

gboolean
content_opaque(Ctx *ctx, Kind kind, const gchar *what, const gchar *name)
{
	switch (kind) {
	case KIND_COMPRESSED:
		content_problem(ctx, "unsupported",
		                _("%s: %s archive or compressed data, not unpacked"), name, what);
		return TRUE;
	case KIND_ENCRYPTED:
		content_problem(ctx, "encrypted", _("%s: %s encrypted file"), name, what);
		return TRUE;
	default:
		return FALSE;
	}
}

gboolean
content_kind_whole(Kind kind)
{
	return kind == KIND_ZIP || kind == KIND_OLE || kind == KIND_PACKED || kind == KIND_PDF ||
	       kind == KIND_MIME;
}

/* --- what looks packed ------------------------------------------------------------------ */

#define PROBE_BLOCK (64 * 1024)
#define PROBE_MIN   1024 /* fewer bytes cannot be judged */

/* Packed data (deflate, xz, zstd, ciphers) is as dense as random bytes: n random bytes over
 * 256 values show about 8 - 255 / (2 n ln 2) bits per byte (7.997 for 64 KiB, 7.82 for 1
 * KiB); text stays below 6 and machine code below 7. */
static gboolean
dense(double h, gsize n)
{
	return h >= 8.0 - 255.0 / (2.0 * (double)n * G_LN2) - 0.15;
}

static void
probe_block_end(PackedProbe *p)
{
	double h = 0;

	for (guint i = 0; i < 256; i++) {
		if (p->hist[i] != 0) {
			double q = (double)p->hist[i] / (double)p->filled;
			h -= q * log2(q);
		}
	}
	if (p->filled >= PROBE_MIN && dense(h, p->filled))
		p->dense_blocks++;
	memset(p->hist, 0, sizeof(p->hist));
	p->filled = 0;
}

void
content_probe_feed(PackedProbe *p, const guint8 *data, gsize len)
{
	static const guint8 eocd[4] = {'P', 'K', 5, 6};
	const guint8 *q = data;
	const guint8 *end = len > 0 ? data + len : data;

	if (len == 0)
		return;
	if (!p->zip_end) {
		/* the record may straddle two pieces */
		guint8 joint[6];
		gsize n = MIN(len, 3);
		memcpy(joint, p->carry, p->carry_len);
		memcpy(joint + p->carry_len, data, n);
		if (memmem(joint, p->carry_len + n, eocd, 4) != NULL ||
		    memmem(data, len, eocd, 4) != NULL)
			p->zip_end = TRUE;
		if (len >= 3) {
			memcpy(p->carry, end - 3, 3);
			p->carry_len = 3;
		} else {
			gsize keep = MIN(p->carry_len, 3 - len);
			memmove(p->carry, p->carry + p->carry_len - keep, keep);
			memcpy(p->carry + keep, data, len);
			p->carry_len = keep + len;
		}
	}
	while (q < end) {
		gsize n = MIN((gsize)(end - q), PROBE_BLOCK - p->filled);
		for (gsize i = 0; i < n; i++)
			p->hist[q[i]]++;
		p->filled += n;
		q += n;
		if (p->filled == PROBE_BLOCK)
			probe_block_end(p);
	}
}

static gboolean
probe_tail_dense(const PackedProbe *p)
{
	PackedProbe tail = *p;

	probe_block_end(&tail);
	return tail.dense_blocks > p->dense_blocks;
}

gboolean
content_probe_report(Ctx *ctx, const PackedProbe *p, const gchar *name)
{
	gboolean any = FALSE;

	if (p->zip_end) {
		content_problem(ctx, "unsupported",
		                _("%s: a zip archive inside other data (a self-extracting "
		                  "archive?), not read"),
		                name);
		any = TRUE;
	}
	if (p->dense_blocks > 0 || probe_tail_dense(p)) {
		content_problem(ctx, "unsupported",
		                _("%s: looks compressed or encrypted (no known format), not read"),
		                name);
		any = TRUE;
	}
	return any;
}
