/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A strict reader for GKeyFile text (agent.conf, media.conf). GKeyFile itself keeps no line
 * numbers and silently merges duplicate groups and keys; this wrapper scans the text once to
 * refuse duplicates, stray lines and locale keys with "file:line: reason", and remembers
 * where each group and key stands so later checks (unknown key, bad value) can name the
 * line too. */

typedef struct _FutKeyfile FutKeyfile;

/* Parses @len bytes at @data, read from @path (used only in messages). Refuses NUL bytes,
 * invalid UTF-8, lines that are neither blank, comment, [group] nor key=value, keys before
 * the first group, duplicate groups or keys and localised keys (key[xx]). Caller frees. */
FutKeyfile *fut_keyfile_parse(const gchar *path, const gchar *data, gsize len, GError **error);
void fut_keyfile_free(FutKeyfile *kf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutKeyfile, fut_keyfile_free)

/* The parsed GKeyFile, owned by @kf. */
GKeyFile *fut_keyfile_get_keyfile(FutKeyfile *kf);
const gchar *fut_keyfile_get_path(FutKeyfile *kf);

/* The 1-based line where @group starts (@key NULL) or where @key of @group stands; 0 when
 * unknown. */
guint fut_keyfile_get_line(FutKeyfile *kf, const gchar *group, const gchar *key);

/* Sets @error to "path:line: " followed by the printf-style message, naming the line of
 * @group/@key. Always returns FALSE. */
gboolean fut_keyfile_set_error(FutKeyfile *kf,
                               GError **error,
                               gint code,
                               const gchar *group,
                               const gchar *key,
                               const gchar *format,
                               ...) G_GNUC_PRINTF(6, 7);

/* Refuses any key of @group that is not in the NULL-terminated @known list, naming its
 * line. */
gboolean fut_keyfile_check_keys(FutKeyfile *kf,
                                const gchar *group,
                                const gchar *const *known,
                                GError **error);

/* Typed getters that refuse malformed values with "path:line: reason". A missing key leaves
 * @ret_value untouched and returns TRUE. */
gboolean fut_keyfile_get_string(
    FutKeyfile *kf, const gchar *group, const gchar *key, gchar **ret_value, GError **error);
/* An absolute path without "." or ".." components, empty components or control chars. */
gboolean fut_keyfile_get_path_value(
    FutKeyfile *kf, const gchar *group, const gchar *key, gchar **ret_value, GError **error);
gboolean fut_keyfile_get_bool(
    FutKeyfile *kf, const gchar *group, const gchar *key, gboolean *ret_value, GError **error);
/* A decimal unsigned integer within [@min, @max]. */
gboolean fut_keyfile_get_uint64(FutKeyfile *kf,
                                const gchar *group,
                                const gchar *key,
                                guint64 min,
                                guint64 max,
                                guint64 *ret_value,
                                GError **error);

G_END_DECLS
