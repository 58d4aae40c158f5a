/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit as a program under the failures of issue 15: a LOGDIR that cannot be read, a
 * host given twice, a FIFO among the pinned keys, a host without a pinned key, no witness.
 * Logs are made at test time (log-fixture.c). */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "log-fixture.h"
#include "util.h"

static gint
run(const gchar *const *args, gchar **ret_out)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "LC_ALL", "C.UTF-8", TRUE);
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	gint status = 0;

	/* A hang (the bug) ends by the timeout with status 124 instead of stopping the suite. */
	g_ptr_array_add(argv, g_strdup("timeout"));
	g_ptr_array_add(argv, g_strdup("30"));
	g_ptr_array_add(argv, g_test_build_filename(G_TEST_BUILT, "..", "..", "approver",
	                                            "futari-audit", NULL));
	for (const gchar *const *a = args; *a != NULL; a++)
		g_ptr_array_add(argv, g_strdup(*a));
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv->pdata, env, G_SPAWN_SEARCH_PATH, NULL,
	                           NULL, &out, &err, &status, &error));
	g_assert_no_error(error);
	g_test_message("stdout: %s\nstderr: %s", out, err);
	if (ret_out != NULL)
		*ret_out = out;
	else
		g_free(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static gchar *
read_out(const gchar *dir, const gchar *name)
{
	g_autofree gchar *p = g_build_filename(dir, name, NULL);
	gchar *data = NULL;

	g_assert_true(g_file_get_contents(p, &data, NULL, NULL));
	return data;
}

/* A report over a LOGDIR that is missing names it, and says so first. */
static void
test_report_unreadable(void)
{
	Fixture fx;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = g_dir_make_tmp("futari-report-XXXXXX", &error);
	g_autofree gchar *gone = g_build_filename(out, "pc-gone", NULL);
	g_autofree gchar *html = NULL;
	g_autofree gchar *summary = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	const gchar *args[] = {"report", "--lang", "en", "--month", "2026-11",
	                       "--out",  out,      NULL, gone,      NULL};
	JsonObject *o;
	const gchar *body;

	fixture_make(&fx, "pc-001", 1);
	args[7] = fx.dir;
	g_assert_cmpint(run(args, NULL), ==, 1);
	html = read_out(out, "report.html");
	summary = read_out(out, "summary.json");
	g_assert_true(json_parser_load_from_data(parser, summary, -1, NULL));
	o = json_node_get_object(json_parser_get_root(parser));
	g_assert_false(json_object_get_boolean_member(o, "integrity_ok"));
	g_assert_cmpint(json_object_get_int_member(o, "hosts_count"), ==, 2);
	g_assert_null(strstr(html, "All logs verified"));
	/* The verdict is the first thing in the body, and names the directory. */
	body = strstr(html, "<body>");
	g_assert_nonnull(body);
	g_assert_true(g_str_has_prefix(body, "<body>\n<div class=\"verdict ng\">"));
	g_assert_true(strstr(body, "pc-gone") < strstr(body, "<h1>"));
	g_assert_nonnull(strstr(html, "could not be read"));
	fixture_free(&fx);
	rm_rf(out);
}

/* A FIFO planted under an output's name (report.html, summary.json, events.csv) neither
 * hangs the report (the bug: an open for writing waited for a reader for ever) nor is
 * written through: the run fails at once, naming the file. */
static void
test_report_fifo_output(void)
{
	const gchar *names[] = {"report.html", "summary.json", "events.csv"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		Fixture fx;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = g_dir_make_tmp("futari-report-XXXXXX", &error);
		g_autofree gchar *fifo = g_build_filename(out, names[i], NULL);
		g_autofree gchar *stdout_text = NULL;
		const gchar *args[] = {"report", "--lang", "en", "--month", "2026-11",
		                       "--out",  out,      NULL, NULL};
		struct stat st;

		g_assert_no_error(error);
		fixture_make(&fx, "pc-001", 1);
		args[7] = fx.dir;
		g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
		/* 124 would be the timeout: a hang */
		g_assert_cmpint(run(args, &stdout_text), ==, 1);
		/* left as it was, or (report.html, never left half-written) removed */
		if (lstat(fifo, &st) == 0)
			g_assert_true(S_ISFIFO(st.st_mode));
		fixture_free(&fx);
		rm_rf(out);
	}
}

/* The same host twice is flagged, never a clean double count. */
static void
test_report_duplicate(void)
{
	Fixture fx;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = g_dir_make_tmp("futari-report-XXXXXX", &error);
	g_autofree gchar *copy = g_build_filename(out, "copy", NULL);
	g_autofree gchar *summary = NULL;
	g_autofree gchar *cmd = NULL;
	const gchar *args[] = {"report", "--month", "2026-11", "--out", out, NULL, NULL, NULL};
	const gchar *vargs[] = {"verify", NULL, NULL, NULL};

	fixture_make(&fx, "pc-001", 1);
	/* the same directory twice */
	args[5] = fx.dir;
	args[6] = fx.dir;
	g_assert_cmpint(run(args, NULL), ==, 1);
	summary = read_out(out, "summary.json");
	g_assert_nonnull(strstr(summary, "duplicate-host"));
	g_assert_nonnull(strstr(summary, "\"integrity_ok\" : false"));
	/* a copy of the host's log under another name */
	cmd = g_strdup_printf("cp -r '%s' '%s'", fx.dir, copy);
	g_assert_cmpint(system(cmd), ==, 0);
	vargs[1] = fx.dir;
	vargs[2] = copy;
	{
		g_autofree gchar *text = NULL;
		g_assert_cmpint(run(vargs, &text), ==, 1);
		g_assert_nonnull(strstr(text, "duplicate-host"));
	}
	fixture_free(&fx);
	rm_rf(out);
}

/* A FIFO named like a pinned key: refused with a reason, not waited on. A host without a
 * key in --keys: a finding. */
static void
test_keys_dir(void)
{
	Fixture fx;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *keys = g_dir_make_tmp("futari-keys-XXXXXX", &error);
	g_autofree gchar *fifo = g_build_filename(keys, "pc-002.pub", NULL);
	g_autofree gchar *other = g_build_filename(keys, "pc-003.pub", NULL);
	g_autofree gchar *text = NULL;
	const gchar *args[] = {"verify", "--keys", keys, NULL, NULL};

	fixture_make(&fx, "pc-001", 1);
	args[3] = fx.dir;
	g_assert_true(fut_key_save_public(fx.key, other, &error));
	g_assert_no_error(error);
	g_assert_cmpint(run(args, &text), ==, 1);
	g_assert_nonnull(strstr(text, "key-missing"));
	g_clear_pointer(&text, g_free);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(run(args, &text), ==, 1); /* 124 when it hangs */
	g_unlink(fifo);
	g_unlink(other);
	g_rmdir(keys);
	fixture_free(&fx);
}

/* Without a witness, verify says what it cannot see, every time. */
static void
test_no_witness(void)
{
	Fixture fx;
	g_autofree gchar *bare = NULL;
	g_autofree gchar *with = NULL;
	const gchar *a1[] = {"verify", NULL, NULL};
	const gchar *a2[] = {"verify", "--witness", NULL, NULL, NULL};

	fixture_make(&fx, "pc-001", 1);
	a1[1] = fx.dir;
	a2[2] = fx.witness;
	a2[3] = fx.dir;
	g_assert_cmpint(run(a1, &bare), ==, 0);
	g_assert_nonnull(strstr(bare, "without witnesses"));
	g_assert_nonnull(strstr(bare, "cannot be detected"));
	g_assert_cmpint(run(a2, &with), ==, 0);
	g_assert_null(strstr(with, "cannot be detected"));
	fixture_free(&fx);
}

/* --now: the clock of the check; garbage refused with a one-line reason. */
static void
test_now_option(void)
{
	Fixture fx;
	g_autofree gchar *text = NULL;
	const gchar *before[] = {"verify", "--now", "2026-10-15T00:00:00Z", NULL, NULL};
	const gchar *after[] = {"verify", "--now", "2027-01-10T00:00:00Z", NULL, NULL};
	const gchar *bad[] = {"verify", "--now", "yesterday\x1b[2J", NULL, NULL};

	fixture_make(&fx, "pc-001", 1);
	before[3] = after[3] = bad[3] = fx.dir;
	g_assert_cmpint(run(before, &text), ==, 1);
	g_assert_nonnull(strstr(text, "time-future"));
	g_assert_cmpint(run(after, NULL), ==, 0);
	g_assert_cmpint(run(bad, NULL), ==, 1);
	fixture_free(&fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/audit/failclosed/report-unreadable", test_report_unreadable);
	g_test_add_func("/audit/failclosed/report-duplicate", test_report_duplicate);
	g_test_add_func("/audit/failclosed/report-fifo-output", test_report_fifo_output);
	g_test_add_func("/audit/failclosed/keys-dir", test_keys_dir);
	g_test_add_func("/audit/failclosed/no-witness", test_no_witness);
	g_test_add_func("/audit/failclosed/now-option", test_now_option);
	return g_test_run();
}
