/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "agent/fanwatch.h"
#include "errors.h"

static void
test_config_garbage(void)
{
	static const gchar *const none[] = {NULL};
	static const gchar *const relative[] = {"mnt", NULL};
	static const gchar *const root[] = {"/", NULL};
	static const gchar *const slash_name[] = {"bin/curl", NULL};
	static const gchar *const empty_name[] = {"", NULL};
	struct {
		const gchar *const *mounts;
		const gchar *const *programs;
		const gchar *const *names;
	} cases[] = {
	    {NULL, NULL, NULL},     {none, NULL, NULL},       {relative, NULL, NULL},
	    {root, relative, NULL}, {root, NULL, slash_name}, {root, NULL, empty_name},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		FutFanwatchConfig cfg;
		g_autoptr(GError) error = NULL;
		g_autoptr(FutFanwatch) fw = NULL;

		fut_fanwatch_config_init(&cfg);
		cfg.mounts = cases[i].mounts;
		cfg.upload_programs = cases[i].programs;
		cfg.upload_names = cases[i].names;
		fw = fut_fanwatch_new(&cfg, NULL, NULL, NULL, NULL, NULL, &error);
		g_assert_null(fw);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

static FutFanwatch *
new_or_skip(void)
{
	static const gchar *const mounts[] = {"/", NULL};
	FutFanwatchConfig cfg;
	g_autoptr(GError) error = NULL;
	FutFanwatch *fw;

	fut_fanwatch_config_init(&cfg);
	cfg.mounts = mounts;
	fw = fut_fanwatch_new(&cfg, NULL, NULL, NULL, NULL, NULL, &error);
	if (fw == NULL) {
		g_autofree gchar *why =
		    g_strdup_printf("no fanotify group here: %s", error->message);
		g_test_skip(why);
	}
	return fw;
}

static void
test_approvals(void)
{
	g_autoptr(FutFanwatch) fw = new_or_skip(); /* never started: nothing is marked */
	FutFanwatchApproval a = {.id = "a1", .uid = 1000, .not_before = 10, .not_after = 20};
	g_autoptr(GError) error = NULL;

	if (fw == NULL)
		return;
	memset(a.sha256, 0xab, sizeof a.sha256);
	g_assert_true(fut_fanwatch_add_approval(fw, &a, &error));
	g_assert_no_error(error);
	g_assert_true(fut_fanwatch_remove_approval(fw, "a1"));
	g_assert_false(fut_fanwatch_remove_approval(fw, "a1"));

	{
		FutFanwatchApproval bad = a;
		bad.id = "";
		g_assert_false(fut_fanwatch_add_approval(fw, &bad, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
		bad = a;
		bad.not_after = 9;
		g_assert_false(fut_fanwatch_add_approval(fw, &bad, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
		bad = a;
		bad.program = "usr/bin/curl";
		g_assert_false(fut_fanwatch_add_approval(fw, &bad, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}

	/* The table is bounded; replacing an existing id still works when it is full. */
	for (guint i = 0; i < 4096; i++) {
		g_autofree gchar *id = g_strdup_printf("id-%u", i);
		a.id = id;
		g_assert_true(fut_fanwatch_add_approval(fw, &a, NULL));
	}
	a.id = "one-too-many";
	g_assert_false(fut_fanwatch_add_approval(fw, &a, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);
	a.id = "id-7";
	g_assert_true(fut_fanwatch_add_approval(fw, &a, &error));
	fut_fanwatch_clear_approvals(fw);
	a.id = "one-too-many";
	g_assert_true(fut_fanwatch_add_approval(fw, &a, &error));
}

static void
test_kind_names(void)
{
	g_assert_cmpstr(fut_fanwatch_record_kind_to_string(FUT_FANWATCH_RECORD_DENIED), ==,
	                "upload.denied");
	g_assert_cmpstr(fut_fanwatch_record_kind_to_string(FUT_FANWATCH_RECORD_ALLOWED), ==,
	                "upload.allowed");
	g_assert_cmpstr(fut_fanwatch_record_kind_to_string(FUT_FANWATCH_RECORD_OBSERVED), ==,
	                "upload.observed");
	g_assert_cmpstr(fut_fanwatch_record_kind_to_string(FUT_FANWATCH_RECORD_GAP), ==, "gap");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fanwatch/config/garbage", test_config_garbage);
	g_test_add_func("/fanwatch/approvals", test_approvals);
	g_test_add_func("/fanwatch/record-kinds", test_kind_names);
	return g_test_run();
}
