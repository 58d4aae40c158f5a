/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "pathrules.h"
#include "util.h"

typedef struct {
	gchar *pattern;
	FutClass klass;
	gboolean whole_path;
} Rule;

struct _FutPathRules {
	GArray *rules; /* Rule, strictest class first */
};

static void
rule_clear(gpointer p)
{
	g_free(((Rule *)p)->pattern);
}

void
fut_path_rules_free(FutPathRules *self)
{
	if (self == NULL)
		return;
	g_array_unref(self->rules);
	g_free(self);
}

/* Returns NULL if @pat is acceptable, else a static reason. */
static const gchar *
pattern_problem(const gchar *pat)
{
	gsize len = strlen(pat);
	gboolean in_bracket = FALSE;

	if (len == 0)
		return _("the pattern is empty");
	if (len > FUT_PATH_PATTERN_MAX)
		return _("the pattern is too long");
	if (!g_utf8_validate(pat, (gssize)len, NULL))
		return _("the pattern is not valid UTF-8");
	if (strchr(pat, '/') != NULL && pat[0] != '/')
		return _("a pattern with '/' must start with '/'");
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)pat[i];
		if (c < 0x20 || c == 0x7f)
			return _("the pattern contains a control character");
		if (c == '\\') {
			if (i + 1 == len)
				return _("the pattern ends in a backslash");
			i++;
			continue;
		}
		if (c == '[' && !in_bracket) {
			in_bracket = TRUE;
			/* "[]" and "[!]" take the ']' literally, as fnmatch does */
			if (pat[i + 1] == '!' || pat[i + 1] == '^')
				i++;
			if (pat[i + 1] == ']')
				i++;
		} else if (c == ']' && in_bracket) {
			in_bracket = FALSE;
		}
	}
	if (in_bracket)
		return _("the pattern has '[' without ']'");
	return NULL;
}

static gint
rule_cmp(gconstpointer a, gconstpointer b)
{
	return (gint)((const Rule *)a)->klass - (gint)((const Rule *)b)->klass;
}

FutPathRules *
fut_path_rules_new_from_keyfile(GKeyFile *kf, const gchar *group, GError **error)
{
	g_autoptr(FutPathRules) self = g_new0(FutPathRules, 1);
	g_auto(GStrv) keys = NULL;

	self->rules = g_array_new(FALSE, FALSE, sizeof(Rule));
	g_array_set_clear_func(self->rules, rule_clear);
	if (kf == NULL || !g_key_file_has_group(kf, group))
		return g_steal_pointer(&self);
	keys = g_key_file_get_keys(kf, group, NULL, NULL);
	for (guint k = 0; keys != NULL && keys[k] != NULL; k++) {
		g_auto(GStrv) pats = NULL;
		g_autoptr(GError) local = NULL;
		g_autofree gchar *safe_key = fut_strescape(keys[k], -1);
		FutClass klass;

		if (g_strcmp0(keys[k], "class-I") == 0) {
			klass = FUT_CLASS_I;
		} else if (g_strcmp0(keys[k], "class-II") == 0) {
			klass = FUT_CLASS_II;
		} else {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("[%s] unknown key \"%s\" (expected class-I or class-II)"),
			            group, safe_key);
			return NULL;
		}
		pats = g_key_file_get_string_list(kf, group, keys[k], NULL, &local);
		if (pats == NULL) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("[%s] %s: %s"),
			            group, safe_key, local->message);
			return NULL;
		}
		for (guint i = 0; pats[i] != NULL; i++) {
			const gchar *why = pattern_problem(pats[i]);
			Rule r;
			if (why != NULL) {
				g_autofree gchar *safe = fut_strescape(pats[i], -1);
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("[%s] %s, pattern %u \"%s\": %s"), group, safe_key,
				            i + 1, safe, why);
				return NULL;
			}
			if (self->rules->len >= FUT_PATH_RULES_MAX) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
				            _("[%s] more than %d patterns"), group,
				            FUT_PATH_RULES_MAX);
				return NULL;
			}
			r.pattern = g_strdup(pats[i]);
			r.klass = klass;
			r.whole_path = pats[i][0] == '/';
			g_array_append_val(self->rules, r);
		}
	}
	g_array_sort(self->rules, rule_cmp);
	return g_steal_pointer(&self);
}

FutClass
fut_path_rules_match(const FutPathRules *self, const gchar *path, const gchar **ret_pattern)
{
	const gchar *base;

	if (self == NULL || path == NULL)
		return FUT_CLASS_NONE;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	for (guint i = 0; i < self->rules->len; i++) {
		const Rule *r = &g_array_index(self->rules, Rule, i);
		if (fnmatch(r->pattern, r->whole_path ? path : base, 0) == 0) {
			if (ret_pattern != NULL)
				*ret_pattern = r->pattern;
			return r->klass;
		}
	}
	return FUT_CLASS_NONE;
}

guint
fut_path_rules_get_count(const FutPathRules *self)
{
	return self->rules->len;
}
