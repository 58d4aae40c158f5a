/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "fields.h"
#include "policy.h"

/* The floor a config may not go below: the city policy asks for a second person for
 * Class II and several people for Class I. */
static const guint min_approvals[] = {0, 2, 1, 0};
static const gchar *const class_prefix[] = {NULL, "class-i-", "class-ii-", "class-iii-"};

static void
rule_set(FutClassRule *rule, guint n, const gchar *roles, const gchar *required, gint64 max)
{
	g_strfreev(rule->roles);
	g_strfreev(rule->required_roles);
	rule->approvals = n;
	rule->roles = g_strsplit(roles, ";", -1);
	rule->required_roles = g_strsplit(required, ";", -1);
	if (required[0] == '\0') {
		g_strfreev(rule->required_roles);
		rule->required_roles = g_new0(gchar *, 1);
	}
	rule->max_validity = max;
}

FutPolicy *
fut_policy_new_default(void)
{
	FutPolicy *p = g_new0(FutPolicy, 1);

	rule_set(&p->rules[FUT_CLASS_I], 2, "info-manager;security-manager", "security-manager",
	         4 * 3600);
	rule_set(&p->rules[FUT_CLASS_II], 1, "info-manager;security-manager", "", 24 * 3600);
	rule_set(&p->rules[FUT_CLASS_III], 0, "info-manager;security-manager", "", 24 * 3600);
	p->require_revocation_list = TRUE;
	return p;
}

void
fut_policy_free(FutPolicy *p)
{
	if (p == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(p->rules); i++) {
		g_strfreev(p->rules[i].roles);
		g_strfreev(p->rules[i].required_roles);
	}
	g_free(p);
}

const FutClassRule *
fut_policy_get_rule(const FutPolicy *p, FutClass klass)
{
	if (klass < FUT_CLASS_I || klass > FUT_CLASS_III)
		return NULL;
	return &p->rules[klass];
}

static gboolean
set_error(
    GError **error, const gchar *source, const gchar *group, const gchar *key, const gchar *msg)
{
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s: [%s] %s: %s", source, group, key,
	            msg);
	return FALSE;
}

static gboolean
role_list_valid(gchar **roles, gboolean allow_empty)
{
	guint n = g_strv_length(roles);

	if (n == 0 && !allow_empty)
		return FALSE;
	if (n > 8)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		const gchar *r = roles[i];
		if (r[0] == '\0' || strlen(r) > 32)
			return FALSE;
		for (const gchar *c = r; *c != '\0'; c++) {
			if (!(g_ascii_islower(*c) || g_ascii_isdigit(*c) || *c == '-'))
				return FALSE;
		}
	}
	return TRUE;
}

static gboolean
load_rule(GKeyFile *kf,
          const gchar *group,
          const gchar *source,
          FutClass klass,
          FutClassRule *rule,
          GError **error)
{
	const gchar *pre = class_prefix[klass];
	g_autofree gchar *k_n = g_strconcat(pre, "approvals", NULL);
	g_autofree gchar *k_roles = g_strconcat(pre, "roles", NULL);
	g_autofree gchar *k_req = g_strconcat(pre, "required-roles", NULL);
	g_autofree gchar *k_max = g_strconcat(pre, "max-validity", NULL);

	if (g_key_file_has_key(kf, group, k_n, NULL)) {
		g_autofree gchar *v = g_key_file_get_value(kf, group, k_n, NULL);
		g_autofree gchar *msg = NULL;
		guint64 n = 0;
		if (v == NULL || !fut_uint_parse(g_strstrip(v), FUT_POLICY_MAX_APPROVALS, &n, NULL))
			return set_error(error, source, group, k_n,
			                 _("expected a number from 0 to 8"));
		if (n < min_approvals[klass]) {
			msg = g_strdup_printf(_("Class %s needs at least %u approvals (city "
			                        "policy 2.2.1); the config may not lower it"),
			                      fut_class_to_string(klass), min_approvals[klass]);
			return set_error(error, source, group, k_n, msg);
		}
		rule->approvals = (guint)n;
	}
	if (g_key_file_has_key(kf, group, k_roles, NULL)) {
		g_auto(GStrv) roles = g_key_file_get_string_list(kf, group, k_roles, NULL, NULL);
		if (roles == NULL || !role_list_valid(roles, FALSE))
			return set_error(error, source, group, k_roles,
			                 _("expected 1 to 8 roles of a-z, 0-9 and '-', separated "
			                   "by ';'"));
		g_strfreev(rule->roles);
		rule->roles = g_steal_pointer(&roles);
	}
	if (g_key_file_has_key(kf, group, k_req, NULL)) {
		g_auto(GStrv) req = g_key_file_get_string_list(kf, group, k_req, NULL, NULL);
		if (req == NULL)
			req = g_new0(gchar *, 1);
		if (!role_list_valid(req, TRUE))
			return set_error(error, source, group, k_req,
			                 _("expected 0 to 8 roles of a-z, 0-9 and '-', separated "
			                   "by ';'"));
		g_strfreev(rule->required_roles);
		rule->required_roles = g_steal_pointer(&req);
	}
	if (g_key_file_has_key(kf, group, k_max, NULL)) {
		g_autofree gchar *v = g_key_file_get_value(kf, group, k_max, NULL);
		gint64 secs = 0;
		if (v == NULL || !fut_duration_parse(g_strstrip(v), &secs, NULL) ||
		    secs > 31 * 86400)
			return set_error(error, source, group, k_max,
			                 _("expected a duration such as 4h or 1d (at most 31d)"));
		rule->max_validity = secs;
	}
	for (guint i = 0; rule->required_roles[i] != NULL; i++) {
		/* A required role no approver may hold would refuse every export of the
		 * class; say so now rather than at the first redeem. */
		if (!g_strv_contains((const gchar *const *)rule->roles, rule->required_roles[i]))
			return set_error(
			    error, source, group, k_req,
			    _("every required role must also be in the class's roles"));
	}
	if (g_strv_length(rule->required_roles) > 0 && rule->approvals == 0)
		return set_error(error, source, group, k_req,
		                 _("required roles make no sense for a class that needs no "
		                   "approval"));
	return TRUE;
}

FutPolicy *
fut_policy_load(GKeyFile *kf, const gchar *group, const gchar *source, GError **error)
{
	g_autoptr(FutPolicy) p = fut_policy_new_default();
	g_auto(GStrv) keys = NULL;

	if (!g_key_file_has_group(kf, group))
		return g_steal_pointer(&p);
	keys = g_key_file_get_keys(kf, group, NULL, NULL);
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		static const gchar *const known[] = {"require-revocation-list", NULL};
		const gchar *k = keys[i];
		gboolean ok = g_strv_contains(known, k);
		for (FutClass c = FUT_CLASS_I; !ok && c <= FUT_CLASS_III; c++) {
			const gchar *rest;
			if (!g_str_has_prefix(k, class_prefix[c]))
				continue;
			rest = k + strlen(class_prefix[c]);
			ok = g_str_equal(rest, "approvals") || g_str_equal(rest, "roles") ||
			     g_str_equal(rest, "required-roles") ||
			     g_str_equal(rest, "max-validity");
		}
		if (!ok) {
			set_error(error, source, group, k, _("unknown key"));
			return NULL;
		}
	}
	for (FutClass c = FUT_CLASS_I; c <= FUT_CLASS_III; c++) {
		if (!load_rule(kf, group, source, c, &p->rules[c], error))
			return NULL;
	}
	if (g_key_file_has_key(kf, group, "require-revocation-list", NULL)) {
		g_autofree gchar *v =
		    g_key_file_get_value(kf, group, "require-revocation-list", NULL);
		g_strstrip(v);
		if (g_str_equal(v, "true"))
			p->require_revocation_list = TRUE;
		else if (g_str_equal(v, "false"))
			p->require_revocation_list = FALSE;
		else {
			set_error(error, source, group, "require-revocation-list",
			          _("expected true or false"));
			return NULL;
		}
	}
	return g_steal_pointer(&p);
}
