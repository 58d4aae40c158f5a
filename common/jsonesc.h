/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sets the string member @name of @o to @raw made safe by fut_strescape() (common/util.h),
 * as the log's strings are; nothing when @raw is NULL. For the record-shaped events the
 * agent sends to a user's desktop. */
void fut_json_set_escaped(JsonObject *o, const gchar *name, const gchar *raw);

G_END_DECLS
