/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit end to end: report, its output asserted; the report rendered by headless
 * Chromium to a PNG kept under tests/artifacts/. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "egresslog.h"
#include "logrecord.h"
#include "test-audit.h"
#include "util.h"

static gchar *
artifacts_dir(void)
{
	g_autofree gchar *rel = g_test_build_filename(G_TEST_BUILT, "..", "artifacts", NULL);
	gchar *dir = g_canonicalize_filename(rel, NULL);
	g_mkdir_with_parents(dir, 0755);
	return dir;
}

static void
render_png(const gchar *html, const gchar *png)
{
	g_autofree gchar *chromium = g_find_program_in_path("chromium");
	g_autofree gchar *profile = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *shot = NULL;
	g_autoptr(GError) error = NULL;
	gchar *out = NULL, *err = NULL;
	gint status = 0;

	if (chromium == NULL) {
		g_test_skip(
		    "chromium is not installed (Debian package chromium): no PNG rendering");
		return;
	}
	profile = g_dir_make_tmp("futari-chromium-XXXXXX", &error);
	g_assert_no_error(error);
	url = g_filename_to_uri(html, NULL, &error);
	shot = g_strdup_printf("--screenshot=%s", png);
	{
		g_autofree gchar *udd = g_strdup_printf("--user-data-dir=%s", profile);
		/* timeout(1): a headless browser that hangs must not hang the test suite */
		const gchar *argv[] = {"timeout",
		                       "120",
		                       chromium,
		                       "--headless",
		                       "--no-sandbox",
		                       "--disable-gpu",
		                       "--no-first-run",
		                       "--disable-background-networking",
		                       "--disable-component-update",
		                       "--disable-sync",
		                       "--disable-dev-shm-usage", /* small /dev/shm in containers */
		                       "--hide-scrollbars",
		                       udd,
		                       shot,
		                       "--window-size=1240,1754",
		                       url,
		                       NULL};
		g_unlink(png);
		g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
		                           NULL, &out, &err, &status, &error));
		g_assert_no_error(error);
	}
	g_test_message("chromium: %s", err);
	g_free(out);
	g_free(err);
	{
		g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", profile);
		(void)!system(cmd);
	}
	g_assert_true(g_file_test(png, G_FILE_TEST_IS_REGULAR));
	/* A PNG of some size, not an empty page: check signature and dimensions. */
	{
		g_autofree gchar *data = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(png, &data, &len, NULL));
		g_assert_cmpuint(len, >, 20000);
		g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
		g_assert_cmpuint(GUINT32_FROM_BE(*(guint32 *)(data + 16)), ==, 1240);
	}
	g_printerr("# report rendered to %s\n", png);
}

static void
test_report(void)
{
	g_autofree gchar *out_dir = g_build_filename(tmp_root, "report", NULL);
	g_autofree gchar *keys = g_build_filename(tmp_root, "keys", NULL);
	const gchar *args[] = {"report",     "--month",  "2026-11", "--out", out_dir,
	                       "--media",    media_conf, "--keys",  keys,    "--witness",
	                       witness_file, logs[0],    logs[1],   logs[2], NULL};
	g_autofree gchar *stdout_text = NULL;
	g_autofree gchar *summary = NULL;
	g_autofree gchar *html = NULL;
	g_autofree gchar *csv = NULL;
	g_autofree gchar *p = NULL;
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o, *x;
	JsonArray *a;

	g_assert_cmpint(run(args, &stdout_text, NULL), ==, 0);
	p = g_build_filename(out_dir, "summary.json", NULL);
	g_assert_true(g_file_get_contents(p, &summary, NULL, NULL));
	o = parse_json(summary, &parser);
	g_assert_cmpstr(json_object_get_string_member(o, "month"), ==, "2026-11");
	g_assert_true(json_object_get_boolean_member(o, "integrity_ok"));
	g_assert_cmpint(json_object_get_int_member(o, "hosts_count"), ==, 3);
	x = json_object_get_object_member(o, "exports");
	g_assert_cmpint(json_object_get_int_member(x, "I"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "II"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "III"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(x, "unknown"), ==, 0);
	/* pc-zeimu-03's Class II and III exports withdrawn by their export.failed records */
	g_assert_cmpint(json_object_get_int_member(o, "exports_withdrawn"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(o, "export_requests"), ==, 1);
	x = json_object_get_object_member(o, "denials");
	g_assert_cmpint(json_object_get_int_member(x, "export.refused"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "upload.denied"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "approval.refused"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "device.suspicious"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "revocation.refused"), ==, 1);
	x = json_object_get_object_member(o, "uploads");
	g_assert_cmpint(json_object_get_int_member(x, "allowed"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(x, "denied"), ==, 1);
	/* Exports per day: Class II and III on the 3rd, Class I on the 10th. */
	x = json_object_get_object_member(o, "exports_per_day");
	g_assert_cmpint(json_array_get_int_element(json_object_get_array_member(x, "II"), 2), ==,
	                1);
	g_assert_cmpint(json_array_get_int_element(json_object_get_array_member(x, "I"), 9), ==, 1);
	g_assert_cmpint(json_array_get_length(json_object_get_array_member(x, "I")), ==, 30);
	g_assert_cmpint(json_array_get_int_element(json_object_get_array_member(x, "III"), 15), ==,
	                0);
	/* Media: M-0001, M-0002 and the unregistered ZZZ999 seen; M-0003 (October only) and
	 * M-0004 (never) must be checked for loss. */
	a = json_object_get_array_member(o, "media");
	g_assert_cmpuint(json_array_get_length(a), ==, 3);
	{
		gboolean zzz = FALSE;
		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonObject *m = json_array_get_object_element(a, i);
			if (g_strcmp0(json_object_get_string_member(m, "serial"), "ZZZ999") == 0) {
				zzz = TRUE;
				g_assert_false(json_object_get_boolean_member(m, "registered"));
				g_assert_cmpint(json_object_get_int_member(m, "suspicious"), ==, 1);
			}
			if (g_strcmp0(json_object_get_string_member(m, "serial"), "AAA001") == 0) {
				g_assert_cmpstr(json_object_get_string_member(m, "asset"), ==,
				                "M-0001");
				g_assert_cmpstr(json_object_get_string_member(m, "owner"), ==,
				                "総務課 田中");
				g_assert_cmpint(json_object_get_int_member(m, "writes"), ==, 2);
				g_assert_cmpstr(json_object_get_string_member(m, "first_seen"), ==,
				                "2026-11-02T01:00:00.000000Z");
			}
		}
		g_assert_true(zzz);
	}
	a = json_object_get_array_member(o, "lost_media");
	g_assert_cmpuint(json_array_get_length(a), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(a, 0), "asset"),
	                ==, "M-0003");
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(a, 1), "asset"),
	                ==, "M-0004");
	a = json_object_get_array_member(o, "hosts");
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(
	                                               json_array_get_object_element(a, 1), "gaps"),
	                                           "queue-overflow"),
	                ==, 1);
	g_assert_nonnull(
	    json_object_get_object_member(json_array_get_object_element(a, 0), "final_checkpoint"));

	/* The HTML: Japanese, the names an inspector looks for, nothing unescaped. */
	g_free(p);
	p = g_build_filename(out_dir, "report.html", NULL);
	g_assert_true(g_file_get_contents(p, &html, NULL, NULL));
	g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>\n<html lang=\"ja\">"));
	for (const gchar *const *want =
	         (const gchar *const[]){
	             "外部記録媒体の把握", "紛失確認が必要な登録媒体", "M-0003", "会計課 高橋",
	             "M-0004", "税務課 伊藤", "ZZZ999", "未登録", "入札仕様書.xlsx",
	             "A-0042 suzuki", "鈴木 一郎 (S1042), 山田 花子 (S1077)",
	             "個人情報_調査票.xlsx", "self-approval",
	             /* the request id shortened on paper */
	             ">3f9a6c1e…</td>", "/usr/lib/firefox/firefox", "mail.example.lg.jp",
	             /* the requesters' reasons, for an export and for an
	              * upload (from its redeem), and the upload's approver */
	             "入札の仕様を業者へ提示", "見積依頼を業者へ送付", "A-0088 kato", "取りこぼし",
	             "異常停止", "最終チェックポイント", "<svg", "失効リストの巻き戻し",
	             "&lt;script&gt;alert(1)&lt;/script&gt;", NULL};
	     *want != NULL; want++) {
		if (strstr(html, *want) == NULL)
			g_error("report.html lacks \"%s\"", *want);
	}
	g_assert_null(strstr(html, "/home/ito/"));
	g_assert_null(strstr(html, "<script>"));
	g_assert_null(strchr(html, '\x1b'));
	g_assert_null(strstr(html, "src=\"http"));
	g_assert_null(strstr(html, "href=\"http"));

	/* events.csv: BOM, CRLF, formula cells defused, one line per record. */
	g_free(p);
	p = g_build_filename(out_dir, "events.csv", NULL);
	g_assert_true(g_file_get_contents(p, &csv, NULL, NULL));
	g_assert_true(g_str_has_prefix(csv, "\xef\xbb\xbftime,host,seq,event,"));
	g_assert_nonnull(strstr(csv, "\"'=HYPERLINK(\"\"http://x\"\")\""));
	g_assert_nonnull(strstr(csv, "\"/home/tanaka/入札仕様書.xlsx\""));
	g_assert_nonnull(strstr(csv, ",gap_kind,requester_reason,approver_names\r\n"));
	g_assert_nonnull(strstr(csv, ",\"入札の仕様を業者へ提示\",\r\n"));
	/* the full request id and the approvers' names */
	g_assert_nonnull(strstr(csv, "\"3f9a6c1e0b7d4a2f8e5c9b1d2a3f4e5d\""));
	g_assert_nonnull(strstr(csv, ",\"鈴木 一郎 (S1042); 山田 花子 (S1077)\"\r\n"));
	g_assert_null(strstr(csv, "\"checkpoint\""));
	{
		/* records since November 1st that are not checkpoints, plus the header */
		const gchar *sargs[] = {"show",    logs[0],      logs[1], logs[2],
		                        "--since", "2026-11-01", NULL};
		g_autofree gchar *all = NULL;
		g_auto(GStrv) lines = NULL;
		guint records = 0;
		g_assert_cmpint(run(sargs, &all, NULL), ==, 0);
		lines = g_strsplit(all, "\n", -1);
		for (gchar **l = lines; *l != NULL; l++)
			records += **l != '\0' && strstr(*l, " checkpoint ") == NULL;
		g_assert_cmpuint(records, >, 10);
		g_assert_cmpuint(count_lines(csv), ==, 1 + records);
	}

	/* Keep the HTML and render it, Japanese and English. */
	{
		g_autofree gchar *art = artifacts_dir();
		g_autofree gchar *html_copy = g_build_filename(art, "report-ja.html", NULL);
		g_autofree gchar *png = g_build_filename(art, "report-ja.png", NULL);
		g_assert_true(g_file_set_contents(html_copy, html, -1, NULL));
		render_png(html_copy, png);
	}
	{
		g_autofree gchar *en_dir = g_build_filename(tmp_root, "report-en", NULL);
		const gchar *en[] = {"report", "--lang", "en",      "--month",  "2026-11",
		                     "--out",  en_dir,   "--media", media_conf, logs[0],
		                     logs[1],  logs[2],  NULL};
		g_autofree gchar *en_html = NULL;
		g_autofree gchar *ep = g_build_filename(en_dir, "report.html", NULL);
		g_assert_cmpint(run(en, NULL, NULL), ==, 0);
		g_assert_true(g_file_get_contents(ep, &en_html, NULL, NULL));
		g_assert_nonnull(strstr(en_html, "Monthly egress inspection report"));
		g_assert_nonnull(strstr(en_html, "Registered media to check for loss"));
	}
}

static void
test_report_garbage(void)
{
	g_autofree gchar *out_dir = g_build_filename(tmp_root, "report-bad", NULL);
	g_autofree gchar *bad_media = g_build_filename(tmp_root, "bad-media.conf", NULL);
	const gchar *a1[] = {"report", "--month", "2026-13", "--out", out_dir, logs[0], NULL};
	const gchar *a2[] = {"report", "--month", "2026-11", "--lang", "fr",
	                     "--out",  out_dir,   logs[0],   NULL};
	const gchar *a3[] = {"report", "--month", "2026-11", logs[0], NULL};
	const gchar *a4[] = {"report",  "--month", "2026-11", "--out", out_dir,
	                     "--media", bad_media, logs[0],   NULL};
	static const gchar *const bad[] = {
	    "[M-1]\nvid=0781\npid=5581\nserial=X\nowner=a\ncolour=red\n",
	    "[M-1]\nvid=07811\npid=5581\nserial=X\nowner=a\n",
	    "[M-1]\nvid=0781\npid=5581\nowner=a\n",
	    "[M-1]\nvid=0781\npid=5581\nserial=X\nowner=a\n[M-2]\nvid=0781\npid=5581\nserial=X\n"
	    "owner=b\n",
	    "not a key file\n",
	};

	g_assert_cmpint(run(a1, NULL, NULL), ==, 2);
	g_assert_cmpint(run(a2, NULL, NULL), ==, 2);
	g_assert_cmpint(run(a3, NULL, NULL), ==, 2);
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *err = NULL;
		g_assert_true(g_file_set_contents(bad_media, bad[i], -1, NULL));
		g_assert_cmpint(run(a4, NULL, &err), ==, 1);
		g_assert_nonnull(strstr(err, "bad-media.conf"));
		g_assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
	}
}

/* More Class III exports than the HTML lists: all counted, the rest pointed to the CSV. */
/* Runs futari-audit with its files limited to @max bytes (SIGXFSZ ignored: a write past the
 * limit fails with EFBIG). Returns the exit status. */
static void
limit_fsize(gpointer data)
{
	struct rlimit rl = {.rlim_cur = *(rlim_t *)data, .rlim_max = *(rlim_t *)data};

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &rl);
}

static gint
run_limited(const gchar *const *args, rlim_t max)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gint status = 0;

	g_ptr_array_add(argv, audit_path());
	for (const gchar *const *a = args; *a != NULL; a++)
		g_ptr_array_add(argv, g_strdup(*a));
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
	                           limit_fsize, &max, NULL, &err, &status, &error));
	g_assert_no_error(error);
	g_test_message("limited to %lu bytes: %s", (gulong)max, err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_report_caps(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_build_filename(tmp_root, "pc-busy", NULL);
	g_autofree gchar *out_dir = g_build_filename(tmp_root, "report-busy", NULL);
	g_autofree gchar *html = NULL;
	g_autofree gchar *summary = NULL;
	g_autofree gchar *p = NULL;
	g_autoptr(JsonParser) parser = NULL;
	const gchar *args[] = {"report", "--month", "2026-11", "--out", out_dir, dir, NULL};
	Host h = {0};
	JsonObject *o;

	FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &h.clock};

	h.clock.now = utc(11, 2, 0, 0);
	h.log = fut_egress_log_open(dir, "pc-busy", host_keys[0], &opts, &error);
	g_assert_no_error(error);
	for (gint i = 0; i < 305; i++) {
		FutLogEvent *ev =
		    ev_new(FUT_LOG_EV_EXPORT_WRITTEN, "kato", 1005, "/usr/sbin/futarid");
		g_autofree gchar *path = g_strdup_printf("/home/kato/photo_%03d.jpg", i);
		fut_log_event_set_object(ev, path, 1000, HASH, "III");
		fut_log_event_set_usb(ev, "0781", "5581", "AAA001", NULL, NULL, NULL);
		emit(&h, 11, 2 + i / 20, 1, ev);
	}
	/* Class I rows are never capped: every one is on the page, in the log's order (they
	 * are rendered while the log is read and kept outside memory until the page is
	 * written) */
	for (gint i = 0; i < 320; i++) {
		FutLogEvent *ev =
		    ev_new(FUT_LOG_EV_EXPORT_WRITTEN, "kato", 1005, "/usr/sbin/futarid");
		g_autofree gchar *path = g_strdup_printf("/home/kato/plan_%03d.xlsx", i);
		fut_log_event_set_object(ev, path, 1000, HASH, "I");
		fut_log_event_set_usb(ev, "0781", "5581", "AAA001", NULL, NULL, NULL);
		emit(&h, 11, 20 + i / 40, 1, ev);
	}
	g_assert_true(fut_egress_log_close(h.log, NULL, &error));
	g_assert_cmpint(run(args, NULL, NULL), ==, 0);
	p = g_build_filename(out_dir, "summary.json", NULL);
	g_assert_true(g_file_get_contents(p, &summary, NULL, NULL));
	o = parse_json(summary, &parser);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "exports"), "III"), ==,
	    305);
	g_free(p);
	p = g_build_filename(out_dir, "report.html", NULL);
	g_assert_true(g_file_get_contents(p, &html, NULL, NULL));
	g_assert_nonnull(strstr(html, "重要度分類Ⅲ — 305</h3>"));
	g_assert_nonnull(strstr(html, "ほか 5 件は events.csv を参照してください。"));
	g_assert_nonnull(strstr(html, "photo_299.jpg"));
	g_assert_null(strstr(html, "photo_300.jpg"));
	g_assert_nonnull(strstr(html, "重要度分類Ⅰ — 320</h3>"));
	{
		const gchar *at = html;
		for (gint i = 0; i < 320; i++) {
			g_autofree gchar *name = g_strdup_printf("plan_%03d.xlsx</td>", i);
			at = strstr(at, name);
			g_assert_nonnull(at);
		}
		/* the Class I table comes before the Class III one, as before */
		g_assert_true(at < strstr(html, "photo_000.jpg"));
	}

	/* Writing fails (a file size limit): first while the Class I rows are kept, then while
	 * the page is written. Either way the run fails and no report.html is left that looks
	 * whole, not even the one of the run before. */
	{
		const gchar *rows = strstr(html, "plan_000.xlsx");
		gsize rows_len = (gsize)(strstr(html, "plan_319.xlsx") - rows);
		gsize html_len = strlen(html);
		rlim_t limits[] = {rows_len / 2, (rows_len + html_len) / 2};
		g_assert_cmpuint(rows_len + 4096, <, html_len);
		for (guint i = 0; i < G_N_ELEMENTS(limits); i++) {
			g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
			g_assert_cmpint(run_limited(args, limits[i]), ==, 1);
			g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
			g_assert_cmpint(run(args, NULL, NULL), ==, 0);
		}
	}
}

void
test_audit_add_report(void)
{
	g_test_add_func("/audit/report", test_report);
	g_test_add_func("/audit/report-garbage", test_report_garbage);
	g_test_add_func("/audit/report-caps", test_report_caps);
}
