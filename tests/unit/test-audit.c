/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit end to end: fixture logs of three hosts built with the log API
 * (test-audit-fixture.c), then verify, show (here) and report (test-audit-report.c) run as a
 * program, their output asserted. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "egresslog.h"
#include "logrecord.h"
#include "test-audit.h"
#include "util.h"

static void
test_verify(void)
{
	g_autofree gchar *keys = g_build_filename(tmp_root, "keys", NULL);
	g_autofree gchar *out = NULL;
	g_autoptr(JsonParser) parser = NULL;
	const gchar *args[] = {"verify", "--json", "--witness", witness_file, "--keys",
	                       keys,     logs[0],  logs[1],     logs[2],      NULL};
	JsonObject *o;
	JsonArray *hosts;

	g_assert_cmpint(run(args, &out, NULL), ==, 0);
	o = parse_json(out, &parser);
	g_assert_true(json_object_get_boolean_member(o, "ok"));
	hosts = json_object_get_array_member(o, "hosts");
	g_assert_cmpuint(json_array_get_length(hosts), ==, 3);
	for (guint i = 0; i < 3; i++) {
		JsonObject *h = json_array_get_object_element(hosts, i);
		g_assert_true(json_object_get_boolean_member(h, "key_pinned"));
		g_assert_cmpint(json_object_get_int_member(h, "witnesses_checked"), >, 0);
	}
	g_assert_cmpint(
	    json_object_get_int_member(
	        json_object_get_object_member(json_array_get_object_element(hosts, 2), "gaps"),
	        "unclean-stop"),
	    ==, 1);

	/* Text output, then a tampered copy: exit 1, the finding named. */
	{
		const gchar *a2[] = {"verify", logs[0], NULL};
		g_autofree gchar *text = NULL;
		g_assert_cmpint(run(a2, &text, NULL), ==, 0);
		g_assert_nonnull(strstr(text, "pc-soumu-01"));
		g_assert_nonnull(strstr(text, "result: OK"));
		g_assert_nonnull(strstr(text, "not pinned"));
	}
	{
		g_autofree gchar *copy = g_build_filename(tmp_root, "tampered", NULL);
		g_autofree gchar *src = g_build_filename(logs[0], "egress-2026-11.jsonl", NULL);
		g_autofree gchar *dst = g_build_filename(copy, "egress-2026-11.jsonl", NULL);
		g_autofree gchar *data = NULL;
		g_autofree gchar *json = NULL;
		g_autoptr(JsonParser) p2 = NULL;
		const gchar *a3[] = {"verify", "--json", copy, NULL};
		gchar *hit;
		g_mkdir(copy, 0700);
		g_assert_true(g_file_get_contents(src, &data, NULL, NULL));
		hit = strstr(data, "会議資料");
		g_assert_nonnull(hit);
		memcpy(hit, "議会", strlen("議会"));
		g_assert_true(g_file_set_contents(dst, data, -1, NULL));
		g_assert_cmpint(run(a3, &json, NULL), ==, 1);
		o = parse_json(json, &p2);
		g_assert_false(json_object_get_boolean_member(o, "ok"));
		g_assert_nonnull(strstr(json, "\"code\" : \"hash-mismatch\""));
		/* The report says it in Japanese, and exits 1. */
		{
			g_autofree gchar *rdir =
			    g_build_filename(tmp_root, "report-tampered", NULL);
			g_autofree gchar *rhtml = g_build_filename(rdir, "report.html", NULL);
			g_autofree gchar *html = NULL;
			const gchar *ar[] = {"report", "--month", "2026-11", "--out",
			                     rdir,     copy,      NULL};
			g_assert_cmpint(run(ar, NULL, NULL), ==, 1);
			g_assert_true(g_file_get_contents(rhtml, &html, NULL, NULL));
			g_assert_nonnull(strstr(html, "記録の改ざん（ハッシュ不一致）"));
			g_assert_nonnull(strstr(html, "verdict ng"));
		}
	}
	/* Only November copied: strict verification misses October; --since-month says it
	 * was not copied. */
	{
		g_autofree gchar *copy = g_build_filename(tmp_root, "only-november", NULL);
		g_autofree gchar *src = g_build_filename(logs[0], "egress-2026-11.jsonl", NULL);
		g_autofree gchar *dst = g_build_filename(copy, "egress-2026-11.jsonl", NULL);
		g_autofree gchar *data = NULL;
		g_autofree gchar *text = NULL;
		const gchar *strict[] = {"verify", copy, NULL};
		const gchar *partial[] = {"verify", "--since-month", "2026-11", copy, NULL};
		const gchar *bad[] = {"verify", "--since-month", "2026-13", copy, NULL};
		g_mkdir(copy, 0700);
		g_assert_true(g_file_get_contents(src, &data, NULL, NULL));
		g_assert_true(g_file_set_contents(dst, data, -1, NULL));
		g_assert_cmpint(run(strict, &text, NULL), ==, 1);
		g_assert_nonnull(strstr(text, "month-missing"));
		g_assert_cmpint(run(partial, NULL, NULL), ==, 0);
		g_assert_cmpint(run(bad, NULL, NULL), ==, 1);
	}
	/* Garbage: a missing dir, a bad witness file, no dir at all. */
	{
		const gchar *a4[] = {"verify", "/nonexistent-futari", NULL};
		const gchar *a5[] = {"verify", "--witness", media_conf, logs[0], NULL};
		const gchar *a6[] = {"verify", NULL};
		const gchar *a7[] = {"frobnicate", NULL};
		g_autofree gchar *err = NULL;
		g_assert_cmpint(run(a4, NULL, NULL), ==, 1);
		g_assert_cmpint(run(a5, NULL, &err), ==, 1);
		g_assert_nonnull(strstr(err, "media.conf:2:"));
		g_assert_cmpint(run(a6, NULL, NULL), ==, 2);
		g_assert_cmpint(run(a7, NULL, NULL), ==, 2);
	}
}

static void
test_show(void)
{
	struct {
		const gchar *args[8];
		guint lines;
	} cases[] = {
	    {{"show", "--user", "tanaka", "--event", "export", NULL}, 4},
	    {{"show", "--class", "I", NULL}, 3},
	    {{"show", "--device", "ZZZ999", NULL}, 2},
	    {{"show", "--device", "M-0002", "--event", "export.written", NULL}, 2},
	    {{"show", "--event", "gap", NULL}, 2},
	    {{"show", "--since", "2026-11-12", "--event", "upload", NULL}, 1},
	    {{"show", "--user", "1002", "--class", "III", NULL}, 1},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) a = g_ptr_array_new();
		g_autofree gchar *out = NULL;
		for (gint k = 0; cases[i].args[k] != NULL; k++)
			g_ptr_array_add(a, (gpointer)cases[i].args[k]);
		for (gint k = 0; k < 3; k++)
			g_ptr_array_add(a, logs[k]);
		g_ptr_array_add(a, NULL);
		g_assert_cmpint(run((const gchar *const *)a->pdata, &out, NULL), ==, 0);
		g_test_message("case %zu:\n%s", i, out);
		g_assert_cmpuint(count_lines(out), ==, cases[i].lines);
	}
	/* The hostile file name stays on one line and carries no escape character. */
	{
		const gchar *args[] = {"show", "--user", "sato", logs[1], NULL};
		g_autofree gchar *out = NULL;
		g_assert_cmpint(run(args, &out, NULL), ==, 0);
		g_assert_null(strchr(out, '\x1b'));
		g_assert_nonnull(strstr(out, "evil\\n\\\"<script>"));
		/* two exports, the upload's redeem and the upload */
		g_assert_cmpuint(count_lines(out), ==, 4);
	}
	/* --json prints the record lines themselves. */
	{
		const gchar *args[] = {"show", "--json", "--class", "II", logs[0], logs[1], NULL};
		g_autofree gchar *out = NULL;
		g_auto(GStrv) lines = NULL;
		g_assert_cmpint(run(args, &out, NULL), ==, 0);
		lines = g_strsplit(out, "\n", -1);
		g_assert_cmpuint(g_strv_length(lines), ==, 4);
		for (gint k = 0; k < 3; k++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(FutLogRecord) rec =
			    fut_log_record_parse(lines[k], strlen(lines[k]), &error);
			g_assert_no_error(error);
			g_assert_cmpstr(rec->ev->object.klass, ==, "II");
		}
	}
	{
		const gchar *bad1[] = {"show", "--class", "IV", logs[0], NULL};
		const gchar *bad2[] = {"show", "--since", "yesterday", logs[0], NULL};
		g_assert_cmpint(run(bad1, NULL, NULL), ==, 2);
		g_assert_cmpint(run(bad2, NULL, NULL), ==, 2);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	build_fixtures();
	g_test_add_func("/audit/verify", test_verify);
	g_test_add_func("/audit/show", test_show);
	test_audit_add_report();
	rc = g_test_run();
	rm_rf(tmp_root);
	for (gint i = 0; i < 3; i++)
		fut_key_free(host_keys[i]);
	return rc;
}
