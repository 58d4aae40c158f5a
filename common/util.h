/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Wipes @len bytes at @p in a way the compiler may not optimise away. NULL is fine. */
void fut_memzero(gpointer p, gsize len);

/* Wipes and frees a NUL-terminated secret (passphrase). NULL is fine. */
void fut_secret_free(gchar *secret);
typedef gchar FutSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutSecret, fut_secret_free)

/* Returns a newly allocated lower-case hex string of @len bytes. */
gchar *fut_hex_encode(const guint8 *data, gsize len);

/* Decodes exactly @out_len bytes of lower-case hex from the NUL-terminated @hex.
 * Returns FALSE (with a reason) on wrong length, upper case or non-hex characters. */
gboolean fut_hex_decode(const gchar *hex, guint8 *out, gsize out_len, GError **error);

/* Returns @s (of @len bytes, or NUL-terminated when @len is -1) made safe for a terminal
 * or a log line: printable UTF-8 is kept; backslash becomes "\\"; control characters
 * become \n, \t, \r or \xNN; bytes that are not valid UTF-8 become \xNN; the Unicode
 * bidirectional overrides and other format characters become \u{XXXX}.
 * The result never contains a control character. Caller frees. */
gchar *fut_strescape(const gchar *s, gssize len);

/* TRUE for characters that render invisibly or reorder text (format, control, line and
 * paragraph separators, unassigned, surrogate, private use): fut_strescape() and the
 * field escaping of signed objects never show them raw. */
gboolean fut_unichar_is_deceptive(gunichar c);

/* Reads the whole regular file at @path, refusing more than @max_len bytes, symlinks
 * (O_NOFOLLOW) and anything that is not a regular file (opened O_NONBLOCK: a FIFO is
 * refused, never waited on). On success stores a newly
 * allocated NUL-terminated buffer in @ret_data and its length (without the NUL) in
 * @ret_len. */
gboolean fut_file_read_bounded(
    const gchar *path, gsize max_len, gchar **ret_data, gsize *ret_len, GError **error);

/* Creates @path with O_CREAT|O_EXCL|O_NOFOLLOW and @mode, writes @data and fsyncs it.
 * Never overwrites: an existing file (or symlink) is an error (FUT_ERROR_EXISTS).
 * On a failure after creation the partial file is removed. */
gboolean
fut_file_write_new(const gchar *path, const void *data, gsize len, mode_t mode, GError **error);

/* Returns a newly allocated copy of the /proc/PID/mountinfo field @s with its \ooo escapes
 * (space, tab, newline, backslash) undone. */
gchar *fut_mountinfo_unescape(const gchar *s);

G_END_DECLS
