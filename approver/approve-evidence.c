/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "approve-evidence.h"
#include "util.h"

/* One finding in the reader's language, or NULL when it is not one the classifier writes.
 * The msgids are the classifier's (common/classify.c), so their translations apply. */
static gchar *
translate_finding(const gchar *f, FutClass klass)
{
	g_autoptr(GMatchInfo) m = NULL;
	g_autoptr(GRegex) re = NULL;
	static const gchar *const patterns[] = {
	    /* 0 */ "^label trusted\\.futari\\.class$",
	    /* 1 */ "^(?:label|label-memory): labelled Class (I|II|III)$",
	    /* 2 */
	    "^[a-z-]+: (\\d{1,19}) My Number\\(s\\) with a valid check digit \\(first "
	    "(.*)\\)(, with a My Number keyword)?$",
	    /* 3 */
	    "^[a-z-]+: (\\d{1,19}) resident-register code\\(s\\) with a valid check "
	    "digit \\(first (.*)\\)(, with a resident-register keyword|, without a "
	    "resident-register keyword)$",
	    /* 4 */ "^[a-z-]+: marking \"(.*)\" found (\\d{1,19}) time\\(s\\)$",
	    /* 5 */ "^[a-z-]+: path matches policy rule \"(.*)\"$",
	    /* 6 */ "^[a-z-]+: same content as a file labelled Class (I|II|III)$",
	    /* 7 */ "^[a-z-]+: (\\d{1,19}) invalid byte sequences skipped$",
	};

	for (guint i = 0; i < G_N_ELEMENTS(patterns); i++) {
		g_autofree gchar *a = NULL, *b = NULL, *c = NULL;
		g_clear_pointer(&m, g_match_info_unref);
		g_clear_pointer(&re, g_regex_unref);
		re = g_regex_new(patterns[i], G_REGEX_OPTIMIZE, 0, NULL);
		if (re == NULL || !g_regex_match(re, f, 0, &m))
			continue;
		a = g_match_info_fetch(m, 1);
		b = g_match_info_fetch(m, 2);
		c = g_match_info_fetch(m, 3);
		switch (i) {
		case 0:
			return g_strdup_printf(_("labelled Class %s"), fut_class_name(klass));
		case 1:
			return g_strdup_printf(_("labelled Class %s"), a);
		case 2:
			return g_strdup_printf(
			    _("%llu My Number(s) with a valid check digit (first %s)%s"),
			    (unsigned long long)g_ascii_strtoull(a, NULL, 10), b,
			    c != NULL && c[0] != '\0' ? _(", with a My Number keyword") : "");
		case 3:
			return g_strdup_printf(_("%llu resident-register code(s) with a valid "
			                         "check digit (first %s)%s"),
			                       (unsigned long long)g_ascii_strtoull(a, NULL, 10), b,
			                       g_str_has_prefix(c, ", with")
			                           ? _(", with a resident-register keyword")
			                           : _(", without a resident-register keyword"));
		case 4:
			return g_strdup_printf(_("marking \"%s\" found %llu time(s)"), a,
			                       (unsigned long long)g_ascii_strtoull(b, NULL, 10));
		case 5:
			return g_strdup_printf(_("path matches policy rule \"%s\""), a);
		case 6:
			return g_strdup_printf(_("same content as a file labelled Class %s"), a);
		case 7:
			return g_strdup_printf(_("%llu invalid byte sequences skipped"),
			                       (unsigned long long)g_ascii_strtoull(a, NULL, 10));
		default:
			break;
		}
	}
	return NULL;
}

gchar *
fut_approve_evidence_text(const gchar *evidence, FutClass klass)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GString) out = g_string_new(NULL);

	if (evidence == NULL || evidence[0] == '\0')
		return g_strdup(_("(none)"));
	/* Matched on the raw text, escaped for display afterwards. */
	parts = g_strsplit(evidence, "; ", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *t =
		    g_utf8_validate(parts[i], -1, NULL) ? translate_finding(parts[i], klass) : NULL;
		g_autofree gchar *safe = fut_strescape(t != NULL ? t : parts[i], -1);
		if (i > 0)
			g_string_append(out, "; ");
		g_string_append(out, safe);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}
