/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The class policy: defaults, overrides from the agent config, refusals naming the key. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "policy.h"

static void
test_defaults(void)
{
	g_autoptr(FutPolicy) p = fut_policy_new_default();
	const FutClassRule *i = fut_policy_get_rule(p, FUT_CLASS_I);
	const FutClassRule *ii = fut_policy_get_rule(p, FUT_CLASS_II);
	const FutClassRule *iii = fut_policy_get_rule(p, FUT_CLASS_III);

	g_assert_cmpuint(i->approvals, ==, 2);
	g_assert_cmpint(i->max_validity, ==, 4 * 3600);
	g_assert_true(g_strv_contains((const gchar *const *)i->required_roles, "security-manager"));
	g_assert_cmpuint(ii->approvals, ==, 1);
	g_assert_cmpint(ii->max_validity, ==, 24 * 3600);
	g_assert_true(g_strv_contains((const gchar *const *)ii->roles, "info-manager"));
	g_assert_true(g_strv_contains((const gchar *const *)ii->roles, "security-manager"));
	g_assert_cmpuint(g_strv_length(ii->required_roles), ==, 0);
	g_assert_cmpuint(iii->approvals, ==, 0);
	g_assert_true(p->require_revocation_list);
	g_assert_null(fut_policy_get_rule(p, FUT_CLASS_INVALID));
}

static void
test_override(void)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(FutPolicy) p = NULL;
	const gchar *cfg = "[approval]\n"
	                   "class-ii-max-validity=8h\n"
	                   "class-ii-roles=section-head\n"
	                   "class-i-approvals=3\n"
	                   "require-revocation-list=false\n"
	                   "[other]\nanything=1\n";

	g_assert_true(g_key_file_load_from_data(kf, cfg, -1, G_KEY_FILE_NONE, &error));
	p = fut_policy_load(kf, "approval", "/etc/futari/futari.conf", &error);
	g_assert_no_error(error);
	g_assert_cmpint(p->rules[FUT_CLASS_II].max_validity, ==, 8 * 3600);
	g_assert_cmpstr(p->rules[FUT_CLASS_II].roles[0], ==, "section-head");
	g_assert_null(p->rules[FUT_CLASS_II].roles[1]);
	g_assert_cmpuint(p->rules[FUT_CLASS_I].approvals, ==, 3);
	g_assert_cmpint(p->rules[FUT_CLASS_I].max_validity, ==, 4 * 3600);
	g_assert_false(p->require_revocation_list);
}

static void
test_missing_group(void)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(FutPolicy) p = fut_policy_load(kf, "approval", "x.conf", NULL);

	g_assert_nonnull(p);
	g_assert_cmpuint(p->rules[FUT_CLASS_I].approvals, ==, 2);
}

static void
test_refusals(void)
{
	static const struct {
		const gchar *line;
		const gchar *message_part;
	} bad[] = {
	    {"class-i-approvals=1", "[approval] class-i-approvals: Class I needs at least 2"},
	    {"class-ii-approvals=0", "Class II needs at least 1"},
	    {"class-ii-approvals=9", "0 to 8"},
	    {"class-ii-approvals=one", "0 to 8"},
	    {"class-ii-approvals=-1", "0 to 8"},
	    {"class-ii-max-validity=24", "duration"},
	    {"class-ii-max-validity=32d", "at most 31d"},
	    {"class-ii-roles=", "1 to 8 roles"},
	    {"class-ii-roles=Info Manager", "1 to 8 roles"},
	    {"class-i-required-roles=a b", "0 to 8 roles"},
	    {"class-iii-required-roles=security-manager", "needs no approval"},
	    {"class-i-required-roles=auditor", "must also be in the class's roles"},
	    {"class-iv-approvals=1", "class-iv-approvals: unknown key"},
	    {"require-revocation-list=yes", "true or false"},
	    {"approvals=1", "unknown key"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GKeyFile) kf = g_key_file_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(FutPolicy) p = NULL;
		g_autofree gchar *cfg = g_strdup_printf("[approval]\n%s\n", bad[i].line);

		g_assert_true(g_key_file_load_from_data(kf, cfg, -1, G_KEY_FILE_NONE, NULL));
		p = fut_policy_load(kf, "approval", "test.conf", &error);
		g_assert_null(p);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_true(g_str_has_prefix(error->message, "test.conf: [approval] "));
		if (strstr(error->message, bad[i].message_part) == NULL)
			g_error("'%s': message '%s' lacks '%s'", bad[i].line, error->message,
			        bad[i].message_part);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/defaults", test_defaults);
	g_test_add_func("/policy/override", test_override);
	g_test_add_func("/policy/missing-group", test_missing_group);
	g_test_add_func("/policy/refusals", test_refusals);
	return g_test_run();
}
