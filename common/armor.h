/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Armoured text: the envelope of every futari object that travels by mail, shared folder
 * or copy and paste.
 *
 *   -----BEGIN FUTARI <LABEL>-----
 *   <body lines>
 *   -----END FUTARI <LABEL>-----
 *
 * The text is UTF-8 with LF line endings (a text that uses CRLF throughout is accepted
 * and read as LF; a mix is refused). Nothing may stand before the BEGIN line or after the
 * END line but one final line ending. Body lines are at most FUT_ARMOR_LINE_MAX bytes and
 * hold no control characters. A binary body is base64 in lines of exactly 64 characters
 * (the last may be shorter), canonical: padding and unused bits must be as an encoder
 * writes them. LABEL is 1 to 32 characters of A-Z and space. */

#define FUT_ARMOR_MAX_DEFAULT (64 * 1024)
#define FUT_ARMOR_LINE_MAX    4096

/* Returns the armoured text for @body, which is zero or more lines each ending in "\n"
 * and free of control characters (checked: a bad body is a programming error and gives
 * NULL with a critical). Caller frees. */
gchar *fut_armor_encode_text(const gchar *label, const gchar *body);
/* Returns the armoured text for @len bytes at @data, base64 in 64-column lines. */
gchar *fut_armor_encode_bytes(const gchar *label, const guint8 *data, gsize len);

/* Checks the envelope of @text (@len bytes, at most @max_len) and that its label is
 * @label; stores the body (LF line endings, each line ending in "\n") in @ret_body. */
gboolean fut_armor_decode_text(const gchar *text,
                               gsize len,
                               const gchar *label,
                               gsize max_len,
                               gchar **ret_body,
                               GError **error);
/* As fut_armor_decode_text() for a base64 body; returns the decoded bytes. */
GBytes *fut_armor_decode_bytes(
    const gchar *text, gsize len, const gchar *label, gsize max_len, GError **error);

/* Returns the label of the first line of @text if it is a well-formed BEGIN line, else
 * NULL. Used to say "this is an APPROVAL, not a REQUEST". Caller frees. */
gchar *fut_armor_peek_label(const gchar *text, gsize len);

/* Strict base64 (RFC 4648 §4, with padding, no whitespace, canonical). */
gboolean fut_base64_decode_strict(
    const gchar *b64, gsize len, guint8 **ret_data, gsize *ret_len, GError **error);

G_END_DECLS
