/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The text layer shared by every signed futari object (certificate, revocation list,
 * request, approval): a body of "key: value" lines in a fixed order, with one escaping
 * for values that come from people or devices. docs/formats.md is the specification.
 *
 * Value escaping (canonical, so one value has exactly one encoding):
 *   the byte '%', every byte below 0x20, the byte 0x7f, every byte that is not part of a
 *   valid UTF-8 sequence, every byte of a "deceptive" character (fut_unichar_is_deceptive:
 *   C1 controls, bidirectional overrides, zero-width and line separators, unassigned and
 *   private-use code points) and a space at the start or the end of the value are written
 *   as "%XX" (two upper-case hex digits). Nothing else is escaped. A decoder refuses "%00",
 *   lower-case or truncated escapes and any escape of a byte that needs none. */

#define FUT_FIELD_KEY_MAX 32

/* Returns the escaped form of the NUL-terminated byte string @value. Caller frees. */
gchar *fut_field_escape(const gchar *value);
/* Decodes the escaped value @raw; refuses non-canonical escapes. Stores the decoded bytes
 * (NUL-terminated, may be invalid UTF-8) in @ret_value; caller frees. */
gboolean fut_field_unescape(const gchar *raw, gchar **ret_value, GError **error);

/* Times are UTC seconds since the epoch, written as "YYYY-MM-DDTHH:MM:SSZ" (years 2000 to
 * 9999). fut_time_format() returns a new string. */
gchar *fut_time_format(gint64 t);
gboolean fut_time_parse(const gchar *s, gint64 *ret_time, GError **error);

/* Durations for people: "90s", "30m", "8h", "7d" (one number, one unit, 1 s to 3660 d).
 * fut_duration_format() writes the largest exact unit. */
gboolean fut_duration_parse(const gchar *s, gint64 *ret_seconds, GError **error);
gchar *fut_duration_format(gint64 seconds);

/* Canonical unsigned decimal (no sign, no leading zero) of at most @max. */
gboolean fut_uint_parse(const gchar *s, guint64 max, guint64 *ret_value, GError **error);

/* Appends "key: raw\n" (or "key:\n" for an empty @raw) to @body. @raw is already in its
 * field encoding. */
void fut_fields_append(GString *body, const gchar *key, const gchar *raw);

/* A strict reader over a body. @known lists every key the object type can hold (NULL
 * terminated) so that an unexpected line is reported as unknown, duplicate, out of order
 * or missing. Line numbers in messages count the BEGIN line as line 1. */
typedef struct _FutFieldReader FutFieldReader;

/* Returns a reader over @body (lines ending in "\n", as fut_armor_decode_text() gives), or
 * NULL if a line is not "key: value" / "key:". The reader copies what it needs. */
FutFieldReader *fut_field_reader_new(const gchar *body, const gchar *const *known, GError **error);
void fut_field_reader_free(FutFieldReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutFieldReader, fut_field_reader_free)

/* Returns the raw (still escaped) value of the next line if its key is @key, and moves
 * on. Otherwise NULL with a message naming the problem. Owned by the reader. */
const gchar *fut_field_reader_take(FutFieldReader *reader, const gchar *key, GError **error);
/* TRUE if the next line has key @key. */
gboolean fut_field_reader_next_is(FutFieldReader *reader, const gchar *key);
/* Takes every following line whose key starts with @prefix and returns them, prefix
 * removed, as a body of its own (for an object embedded in another). Caller frees. */
gchar *fut_field_reader_take_prefixed(FutFieldReader *reader, const gchar *prefix);
/* Byte offset in the body of the next unread line (the end of the signed bytes when the
 * next line is the signature). */
gsize fut_field_reader_offset(FutFieldReader *reader);
/* 1-based line number (BEGIN line = 1) of the next unread line, for messages. */
guint fut_field_reader_line(FutFieldReader *reader);
/* Sets an error and returns FALSE if any line is left. */
gboolean fut_field_reader_finish(FutFieldReader *reader, GError **error);
/* Sets @error to "line N: field 'key': <message>" for the line just taken. */
void
fut_field_reader_error(FutFieldReader *reader, GError **error, gint code, const gchar *format, ...)
    G_GNUC_PRINTF(4, 5);

G_END_DECLS
