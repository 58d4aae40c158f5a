/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "jsonesc.h"
#include "util.h"

void
fut_json_set_escaped(JsonObject *o, const gchar *name, const gchar *raw)
{
	g_autofree gchar *esc = NULL;

	if (raw == NULL)
		return;
	esc = fut_strescape(raw, -1);
	json_object_set_string_member(o, name, esc);
}
