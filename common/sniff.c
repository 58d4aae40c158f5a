/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

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

/* Formats whose content cannot be scanned: compressed, they would let anything through
 * unseen; encrypted, they are what policy wants approved. */
static const Magic opaque_magics[] = {
    {"\x1f\x8b", 2, KIND_COMPRESSED, "gzip"},
    {"BZh", 3, KIND_COMPRESSED, "bzip2"},
    {"\xfd"
     "7zXZ\0",
     6, KIND_COMPRESSED, "xz"},
    {"\x28\xb5\x2f\xfd", 4, KIND_COMPRESSED, "zstd"},
    {"7z\xbc\xaf\x27\x1c", 6, KIND_COMPRESSED, "7-Zip"},
    {"Rar!\x1a\x07", 6, KIND_COMPRESSED, "RAR"},
    {"MSCF\0\0\0\0", 8, KIND_COMPRESSED, "cabinet"},
    {"\x04\x22\x4d\x18", 4, KIND_COMPRESSED, "lz4"},
    {"LZIP", 4, KIND_COMPRESSED, "lzip"},
    {"-----BEGIN PGP MESSAGE-----", 27, KIND_ENCRYPTED, "OpenPGP"},
    {"age-encryption.org/v1", 21, KIND_ENCRYPTED, "age"},
    {"-----BEGIN AGE ENCRYPTED FILE-----", 34, KIND_ENCRYPTED, "age"},
    {"Salted__", 8, KIND_ENCRYPTED, "OpenSSL"},
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

Kind
content_sniff(const guint8 *d, gsize len, gboolean complete, const gchar **ret_what)
{
	const gchar *end = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conv = NULL;

	*ret_what = NULL;
	if (has_prefix(d, len, "PK\x03\x04", 4) || has_prefix(d, len, "PK\x05\x06", 4))
		return KIND_ZIP;
	if (has_prefix(d, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return KIND_OLE;
	if (has_prefix(d, len, "%PDF-", 5))
		return KIND_PDF;
	for (guint i = 0; i < G_N_ELEMENTS(opaque_magics); i++) {
		if (has_prefix(d, len, opaque_magics[i].magic, opaque_magics[i].len)) {
			*ret_what = opaque_magics[i].what;
			return opaque_magics[i].kind;
		}
	}
	if (has_prefix(d, len, "\xff\xfe", 2) || has_prefix(d, len, "\xfe\xff", 2))
		return KIND_UTF16;
	if (memchr(d, 0, len) != NULL)
		return sniff_utf16(d, len);
	if (g_utf8_validate((const gchar *)d, (gssize)len, &end))
		return KIND_UTF8;
	/* a character cut at the end of the sniffed bytes is not an error */
	if (!complete && (const guint8 *)end + 4 > d + len)
		return KIND_UTF8;
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
	case KIND_PDF:
		content_problem(ctx, "unsupported", _("%s: PDF, its text is not scanned"), name);
		return TRUE;
	case KIND_COMPRESSED:
		content_problem(ctx, "unsupported", _("%s: %s archive or compressed data, not unpacked"),
		        name, what);
		return TRUE;
	case KIND_ENCRYPTED:
		content_problem(ctx, "encrypted", _("%s: %s encrypted file"), name, what);
		return TRUE;
	default:
		return FALSE;
	}
}

