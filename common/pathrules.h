/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "infoclass.h"

G_BEGIN_DECLS

/* Path rules from policy: shell patterns that give every file they match a class.
 *
 *   [path-rules]
 *   class-I=/srv/kikan/<star>;<star>.juki.csv
 *   class-II=/home/<star>/入札/<star>;<star>.bid.xlsx
 *
 * (<star> is '*'; spelled out so this comment stays a comment.) A pattern that starts with
 * '/' is matched against the whole path with fnmatch(3) and no flags, so '*' also matches
 * '/' (/srv/kikan/<star> covers the whole tree). A pattern without
 * '/' is matched against the file's base name. Matching is case-sensitive. Only class-I and
 * class-II exist: a rule can raise a class, never lower it. */

#define FUT_PATH_RULES_MAX   256
#define FUT_PATH_PATTERN_MAX 1024
#define FUT_PATH_RULES_GROUP "path-rules"

typedef struct _FutPathRules FutPathRules;

/* Returns the rules of group @group of @kf (no group: no rules). An unknown key, an empty,
 * relative-with-slash, unbalanced, non-UTF-8 or over-long pattern, or more than
 * FUT_PATH_RULES_MAX patterns is an error that names the key and the pattern. */
FutPathRules *fut_path_rules_new_from_keyfile(GKeyFile *kf, const gchar *group, GError **error);
void fut_path_rules_free(FutPathRules *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutPathRules, fut_path_rules_free)

/* Returns the strictest class any rule gives @path (FUT_CLASS_NONE if none matches)
 * and, if @ret_pattern is not NULL, the first pattern that gave it (owned by @self). */
FutClass
fut_path_rules_match(const FutPathRules *self, const gchar *path, const gchar **ret_pattern);
guint fut_path_rules_get_count(const FutPathRules *self);

G_END_DECLS
