/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approver-text.h"

gchar *
fut_approver_format_local_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

	if (dt == NULL)
		return g_strdup("?");
	return g_date_time_format(dt, "%Y-%m-%d %H:%M %Z");
}

/* "22 bytes" or "1.2 MB (1234567 bytes)": the exact count is what the digest covers. */
gchar *
fut_approver_size_text(guint64 size)
{
	g_autofree gchar *n = g_strdup_printf("%" G_GUINT64_FORMAT, size);
	g_autofree gchar *bytes = g_strdup_printf(_("%s bytes"), n);
	g_autofree gchar *human = NULL;

	if (size < 1000)
		return g_steal_pointer(&bytes);
	human = g_format_size(size);
	return g_strdup_printf("%s (%s)", human, bytes);
}

const gchar *
fut_approver_class_name(FutClass k)
{
	switch (k) {
	case FUT_CLASS_I:
		return _("Class I");
	case FUT_CLASS_II:
		return _("Class II");
	case FUT_CLASS_III:
		return _("Class III");
	default:
		return _("Unknown class");
	}
}

/* Returns a one-line error message as a sentence: capital first letter, full stop. */
gchar *
fut_approver_sentence(const gchar *msg)
{
	GString *s = g_string_new(NULL);
	gunichar c = g_utf8_get_char(msg);

	if (c != 0) {
		g_string_append_unichar(s, g_unichar_toupper(c));
		g_string_append(s, g_utf8_next_char(msg));
	}
	/* Only Latin text gets a full stop; a translation ends as its language does. */
	if (s->len > 0 && (g_ascii_isalnum(s->str[s->len - 1]) || s->str[s->len - 1] == ')' ||
	                   s->str[s->len - 1] == '"'))
		g_string_append_c(s, '.');
	return g_string_free(s, FALSE);
}
