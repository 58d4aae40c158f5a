/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: value escaping, times, durations and numbers. */
#include "config.h"

#include <stdio.h>

#include "fields.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *s = g_strndup((const gchar *)data, size); /* stops at a NUL */
	g_autofree gchar *value = NULL;
	g_autofree gchar *escaped = fut_field_escape(s);
	g_autofree gchar *back = NULL;
	gint64 t = 0;
	guint64 u = 0;

	/* escape then unescape is the identity, and the escaped form is clean */
	if (!fut_field_unescape(escaped, &back, NULL) || strcmp(back, s) != 0)
		abort();
	for (const gchar *p = escaped; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			abort();
	}
	if (!g_utf8_validate(escaped, -1, NULL))
		abort();
	/* what unescape accepts is canonical */
	if (fut_field_unescape(s, &value, NULL)) {
		g_autofree gchar *again = fut_field_escape(value);
		if (strcmp(again, s) != 0)
			abort();
	}
	if (fut_time_parse(s, &t, NULL)) {
		g_autofree gchar *again = fut_time_format(t);
		if (strcmp(again, s) != 0)
			abort();
	}
	if (fut_duration_parse(s, &t, NULL) && t <= 0)
		abort();
	if (fut_uint_parse(s, G_MAXUINT64, &u, NULL)) {
		g_autofree gchar *again = g_strdup_printf("%" G_GUINT64_FORMAT, u);
		if (strcmp(again, s) != 0)
			abort();
	}
	return 0;
}
