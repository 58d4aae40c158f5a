/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Internal to the record schema (logrecord*.c): the checks and the encoder pieces that the
 * event setters, the canonical writer, the reader and the checkpoints share. */

#include <glib.h>

#include "logrecord.h"

/* TRUE when @s is exactly @n lower-case hex characters. */
gboolean fut_log_hex_valid(const gchar *s, gsize n);
/* Decodes the 64 characters at @s (64 readable bytes, NUL or not) into @ret; FALSE when one is not
 * lower-case hex (@ret is then garbage). */
gboolean fut_log_hex_decode32(const gchar *s, guint8 ret[32]);
/* Decodes the 2 * @n characters of @s, which fut_log_hex_valid(@s, 2 * @n) accepted, into @ret
 * (a table look-up per character, no length scan). */
void fut_log_hex_decode_valid(const gchar *s, guint8 *ret, gsize n);
/* TRUE when @k is "I", "II" or "III". */
gboolean fut_log_klass_valid(const gchar *k);
/* TRUE when @s is 1-64 characters of [a-z0-9.-] starting with a letter. */
gboolean fut_log_event_name_valid(const gchar *s);
/* TRUE when @s is 1-32 characters of [a-z0-9_]. */
gboolean fut_log_detail_key_valid(const gchar *s);
/* Sets the string detail @key to @value, escaping it with fut_strescape() when @escape. */
void fut_log_event_set_detail_raw(FutLogEvent *ev,
                                  const gchar *key,
                                  const gchar *value,
                                  gboolean escape);

/* Sets @error to FUT_ERROR_INVALID_DATA "log record: @what"; returns FALSE. */
gboolean fut_log_invalid(GError **error, const gchar *what);

/* The member list of one JSON object being written in canonical form. */
typedef struct {
	GString *out;
	gboolean first;
} FutLogMembers;

/* Appends the member name @key (with the comma before it when it is not the first). */
void fut_log_members_key(FutLogMembers *m, const gchar *key);
/* Appends the string member @key; nothing when @value is NULL. */
void fut_log_members_str(FutLogMembers *m, const gchar *key, const gchar *value);
/* Appends the integer member @key; nothing when @value is negative (absent). */
void fut_log_members_int(FutLogMembers *m, const gchar *key, gint64 value);

/* The reference reader: parses @line leniently, encodes the record again and compares the
 * bytes. fut_log_record_parse() must accept and refuse exactly what this accepts and refuses
 * (tests/unit/test-logrecord-diff.c, tests/fuzz/fuzz-logrecord.c); it is kept for them. */
FutLogRecord *fut_log_record_parse_reencode(const gchar *line, gsize len, GError **error);

/* The witness reader through a JSON parser, re-encoding and comparing: what
 * fut_log_checkpoint_from_witness() falls back to, and the reference its fast path is tested
 * against. */
FutLogCheckpoint *
fut_log_checkpoint_from_witness_json(const gchar *line, gsize len, GError **error);
