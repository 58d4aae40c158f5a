/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* File names written to USB media. The name comes from the user (the basename of the file
 * exported, or a --dir component), so it is refused or made safe before it reaches any
 * filesystem: never a path separator, never "." or "..", never a control character (a
 * newline in a name could forge a log line or confuse a script), valid UTF-8, and the
 * characters FAT cannot store (" * : < > ? \ |) replaced by '_'. Trailing dots and spaces
 * (which FAT drops silently, so two names could collide) are refused. */

#define FUT_FSNAME_MAX 255 /* bytes */

/* Returns the name to write for @name, or NULL with FUT_ERROR_INVALID_DATA and a reason.
 * Caller frees. */
gchar *fut_fsname_sanitize(const gchar *name, GError **error);

/* Splits a relative directory ("reports/2026") into sanitised components; "" or NULL gives
 * an empty array. Absolute paths, "." and ".." are refused. Caller frees. */
GStrv fut_fsname_split_dir(const gchar *dir, GError **error);

G_END_DECLS
