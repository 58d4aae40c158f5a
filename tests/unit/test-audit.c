/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit end to end: fixture logs of three hosts built with the log API, then verify,
 * show and report run as a program, their output asserted; the report rendered by headless
 * Chromium to a PNG kept under tests/artifacts/. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "egresslog.h"
#include "logrecord.h"
#include "util.h"

static gchar *tmp_root;
static gchar *logs[3];
static gchar *media_conf;
static gchar *witness_file;
static FutKey *host_keys[3]; /* borrowed by the logs while they are open */

typedef struct {
	gint64 now;
} FakeClock;

static gint64
fake_clock(gpointer data)
{
	return ((FakeClock *)data)->now;
}

static gint64
utc(gint mo, gint d, gint h, gint mi)
{
	g_autoptr(GDateTime) dt = g_date_time_new_utc(2026, mo, d, h, mi, 0);
	return g_date_time_to_unix(dt) * G_USEC_PER_SEC;
}

static void
on_checkpoint(const FutLogCheckpoint *cp, gpointer data)
{
	g_autofree gchar *w = fut_log_checkpoint_to_witness(cp);
	g_string_append_printf(data, "%s\n", w);
}

typedef struct {
	FutEgressLog *log;
	FakeClock clock;
} Host;

static void
emit(Host *h, gint mo, gint d, gint hh, FutLogEvent *ev)
{
	g_autoptr(GError) error = NULL;

	h->clock.now = utc(mo, d, hh, 0);
	g_assert_true(
	    fut_egress_log_append(h->log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error));
	g_assert_no_error(error);
	fut_log_event_free(ev);
}

static FutLogEvent *
ev_new(const gchar *name, const gchar *login, gint64 uid, const gchar *exe)
{
	FutLogEvent *ev = fut_log_event_new(name);
	if (login != NULL)
		fut_log_event_set_subject(ev, uid, login, uid, 4000 + uid % 100, exe);
	return ev;
}

static const gchar HASH[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

static FutLogEvent *
ev_usb(const gchar *name,
       const gchar *vid,
       const gchar *pid,
       const gchar *serial,
       const gchar *label,
       const gchar *asset)
{
	FutLogEvent *ev = fut_log_event_new(name);
	fut_log_event_set_usb(ev, vid, pid, serial, "1A2B-3C4D", label, asset);
	return ev;
}

static void
build_fixtures(void)
{
	g_autoptr(GError) error = NULL;
	guint8 seed[FUT_ED25519_SEED_LEN];
	GString *witness = g_string_new(NULL);
	static const gchar *const names[] = {"pc-soumu-01", "pc-kikaku-02", "pc-zeimu-03"};
	Host hosts[3];

	tmp_root = g_dir_make_tmp("futari-audit-XXXXXX", &error);
	g_assert_no_error(error);
	for (gint i = 0; i < 3; i++) {
		FutEgressLogOptions opts = {.clock_func = fake_clock,
		                            .clock_data = &hosts[i].clock,
		                            .checkpoint_records = 6,
		                            .checkpoint_func = on_checkpoint,
		                            .checkpoint_data = witness};
		g_autofree gchar *pub_path = NULL;
		g_autofree gchar *keys_dir = g_build_filename(tmp_root, "keys", NULL);
		memset(seed, 0x10 + i, sizeof(seed));
		host_keys[i] = fut_key_new_from_seed(seed, NULL);
		logs[i] = g_build_filename(tmp_root, names[i], NULL);
		hosts[i].clock.now = utc(10, 20, 8, 0);
		hosts[i].log = fut_egress_log_open(logs[i], names[i], host_keys[i], &opts, &error);
		g_assert_no_error(error);
		/* The pinned keys the inspector got at install time. */
		g_mkdir(keys_dir, 0700);
		pub_path = g_strdup_printf("%s/%s.pub", keys_dir, names[i]);
		g_assert_true(fut_key_save_public(host_keys[i], pub_path, &error));
		g_assert_no_error(error);
		/* October: M-0003 seen only then, so November must list it for a loss check. */
		emit(&hosts[i], 10, 21, 9,
		     ev_usb(FUT_LOG_EV_DEVICE_ATTACH, "0781", "5581", i == 0 ? "AAA003" : "AAA001",
		            "KEIRI03", NULL));
	}
	/* pc-soumu-01 */
	{
		Host *h = &hosts[0];
		FutLogEvent *ev;
		emit(h, 11, 2, 1,
		     ev_usb(FUT_LOG_EV_DEVICE_ATTACH, "0781", "5581", "AAA001", "SOUMU01",
		            "M-0001"));
		ev = ev_new(FUT_LOG_EV_EXPORT_REQUESTED, "tanaka", 1001, "/usr/bin/futari");
		fut_log_event_set_object(ev, "/home/tanaka/入札仕様書.xlsx", 48213, HASH, "II");
		fut_log_event_set_usb(ev, "0781", "5581", "AAA001", "1A2B-3C4D", "SOUMU01",
		                      "M-0001");
		fut_log_event_set_decision(ev, NULL, "業者への仕様提示のため");
		fut_log_event_set_request(ev, "r-0001");
		emit(h, 11, 3, 1, ev);
		ev = ev_new(FUT_LOG_EV_REDEEM_ACCEPTED, "tanaka", 1001, "/usr/bin/futari");
		fut_log_event_set_request(ev, "r-0001");
		fut_log_event_add_approver(ev, "A-0042 suzuki");
		emit(h, 11, 3, 2, ev);
		ev = ev_new(FUT_LOG_EV_EXPORT_WRITTEN, "tanaka", 1001, "/usr/sbin/futarid");
		fut_log_event_set_object(ev, "/home/tanaka/入札仕様書.xlsx", 48213, HASH, "II");
		fut_log_event_set_usb(ev, "0781", "5581", "AAA001", "1A2B-3C4D", "SOUMU01",
		                      "M-0001");
		/* as futarid writes it: no decision reason, the requester's in the detail */
		fut_log_event_set_decision(ev, "allow", NULL);
		fut_log_event_set_detail(ev, "requester_reason", "入札の仕様を業者へ提示");
		fut_log_event_set_request(ev, "r-0001");
		fut_log_event_add_approver(ev, "A-0042 suzuki");
		emit(h, 11, 3, 3, ev);
		ev = ev_new(FUT_LOG_EV_EXPORT_WRITTEN, "tanaka", 1001, "/usr/sbin/futarid");
		fut_log_event_set_object(ev, "/home/tanaka/会議資料.pdf", 1200000, HASH, "III");
		fut_log_event_set_usb(ev, "0781", "5581", "AAA001", "1A2B-3C4D", "SOUMU01",
		                      "M-0001");
		fut_log_event_set_decision(ev, "allow", "=HYPERLINK(\"http://x\")");
		emit(h, 11, 3, 4, ev);
		ev = ev_new(FUT_LOG_EV_EXPORT_REFUSED, "tanaka", 1001, "/usr/bin/futari");
		fut_log_event_set_object(ev, "/home/tanaka/住民一覧.csv", 9000, HASH, "I");
		fut_log_event_set_usb(ev, "0781", "5581", "AAA001", "1A2B-3C4D", "SOUMU01",
		                      "M-0001");
		fut_log_event_set_decision(ev, "deny", "重要度分類Ⅰは承認2名が必要");
		emit(h, 11, 5, 9, ev);
		emit(h, 11, 6, 9,
		     ev_usb(FUT_LOG_EV_DEVICE_ATTACH, "090c", "1000", "ZZZ999", "USB DISK", NULL));
		ev = ev_usb(FUT_LOG_EV_DEVICE_SUSPICIOUS, "090c", "1000", "ZZZ999", "USB DISK",
		            NULL);
		fut_log_event_set_decision(ev, "deny", "write attempt while read-only");
		emit(h, 11, 6, 10, ev);
		ev = ev_new(FUT_LOG_EV_UPLOAD_DENIED, "tanaka", 1001, "/usr/lib/firefox/firefox");
		fut_log_event_set_object(ev, "/home/tanaka/住民一覧.csv", 9000, HASH, "I");
		fut_log_event_set_upload(ev, NULL, "/usr/lib/firefox/firefox");
		fut_log_event_set_decision(ev, "deny", "class I opened by an upload program");
		emit(h, 11, 7, 5, ev);
		ev = ev_new(FUT_LOG_EV_APPROVAL_REFUSED, "tanaka", 1001, "/usr/bin/futari");
		fut_log_event_set_request(ev, "r-0002");
		fut_log_event_add_approver(ev, "A-0099 tanaka");
		fut_log_event_set_decision(ev, "deny",
		                           "self-approval: the approver is the requester");
		emit(h, 11, 8, 6, ev);
		/* an older revocation list put back (issue 16 item 1) */
		ev = ev_new(FUT_LOG_EV_CRL_REFUSED, "tanaka", 1001, "/usr/bin/futari");
		fut_log_event_set_request(ev, "r-0002");
		fut_log_event_set_decision(ev, "deny",
		                           "the installed revocation list has sequence 1, older "
		                           "than list 2 already accepted (a rollback)");
		emit(h, 11, 8, 7, ev);
	}
	/* pc-kikaku-02 */
	{
		Host *h = &hosts[1];
		FutLogEvent *ev;
		emit(
		    h, 11, 10, 0,
		    ev_usb(FUT_LOG_EV_DEVICE_ATTACH, "0781", "5583", "BBB002", "KIKAKU", "M-0002"));
		ev = ev_new(FUT_LOG_EV_EXPORT_WRITTEN, "sato", 1002, "/usr/sbin/futarid");
		fut_log_event_set_object(ev, "/home/sato/個人情報_調査票.xlsx", 77777, HASH, "I");
		fut_log_event_set_usb(ev, "0781", "5583", "BBB002", "1A2B-3C4D", "KIKAKU",
		                      "M-0002");
		fut_log_event_set_decision(ev, "allow", "県への報告（条例第5条）");
		fut_log_event_set_request(ev, "3f9a6c1e0b7d4a2f8e5c9b1d2a3f4e5d");
		fut_log_event_add_approver(ev, "A-0042 suzuki");
		fut_log_event_add_approver(ev, "A-0077 yamada");
		/* the people, as futarid writes them at redeem from the certificates */
		fut_log_event_set_detail(ev, "approver_1", "鈴木 一郎 (S1042)");
		fut_log_event_set_detail(ev, "approver_2", "山田 花子 (S1077)");
		emit(h, 11, 10, 1, ev);
		/* An upload as futarid logs it: the redeem carries approver and reason, the
		 * allowed open only the request it used. */
		ev = ev_new(FUT_LOG_EV_REDEEM_ACCEPTED, "sato", 1002, "/usr/bin/futari");
		fut_log_event_set_request(ev, "r-0200");
		fut_log_event_set_upload(ev, "mail.example.lg.jp", "/usr/bin/thunderbird");
		fut_log_event_set_detail(ev, "requester_reason", "見積依頼を業者へ送付");
		fut_log_event_add_approver(ev, "A-0088 kato");
		emit(h, 11, 12, 0, ev);
		ev = ev_new(FUT_LOG_EV_UPLOAD_ALLOWED, "sato", 1002, "/usr/bin/thunderbird");
		fut_log_event_set_object(ev, "/home/sato/見積書.pdf", 3000, HASH, "II");
		fut_log_event_set_upload(ev, NULL, "/usr/bin/thunderbird");
		fut_log_event_set_decision(
		    ev, "allow",
		    "an active upload approval covers this content, requester "
		    "and program");
		fut_log_event_set_request(ev, "r-0200");
		emit(h, 11, 12, 1, ev);
		ev = fut_log_event_new_gap(FUT_LOG_GAP_QUEUE_OVERFLOW, "fanotify queue overflow");
		fut_log_event_set_detail_int(ev, "count", 3);
		emit(h, 11, 12, 2, ev);
		ev = ev_new(FUT_LOG_EV_EXPORT_WRITTEN, "sato", 1002, "/usr/sbin/futarid");
		fut_log_event_set_object(
		    ev, "/home/sato/evil\n\"<script>alert(1)</script>\x1b[2J.txt", 10, HASH, "III");
		fut_log_event_set_usb(ev, "0781", "5583", "BBB002", "1A2B-3C4D", "KIKAKU",
		                      "M-0002");
		fut_log_event_set_decision(ev, "allow", NULL);
		emit(h, 11, 13, 1, ev);
	}
	/* pc-zeimu-03: crashes once (unclean stop gap on restart). */
	{
		Host *h = &hosts[2];
		FutEgressLogOptions opts = {.clock_func = fake_clock,
		                            .clock_data = &h->clock,
		                            .checkpoint_records = 6,
		                            .checkpoint_func = on_checkpoint,
		                            .checkpoint_data = witness};
		h->clock.now = utc(11, 14, 0, 0);
		fut_egress_log_free(h->log); /* killed */
		h->log = fut_egress_log_open(logs[2], "pc-zeimu-03", host_keys[2], &opts, &error);
		g_assert_no_error(error);
		emit(h, 11, 15, 0, ev_new(FUT_LOG_EV_AGENT_RELOAD, NULL, 0, NULL));
		h->clock.now = utc(11, 30, 23, 0);
		g_assert_true(fut_egress_log_close(h->log, NULL, &error));
		h->log = NULL;
	}
	for (gint i = 0; i < 2; i++) {
		hosts[i].clock.now = utc(11, 30, 23, 0);
		g_assert_true(fut_egress_log_close(hosts[i].log, NULL, &error));
		g_assert_no_error(error);
	}
	media_conf = g_build_filename(tmp_root, "media.conf", NULL);
	g_assert_true(g_file_set_contents(media_conf,
	                                  "# register of USB media\n"
	                                  "[asset:M-0001]\nvid=0781\npid=5581\nserial=AAA001\n"
	                                  "owner=総務課 田中\n"
	                                  "[asset:M-0002]\nvid=0781\npid=5583\nserial=BBB002\n"
	                                  "owner=企画課 佐藤\n"
	                                  "[asset:M-0003]\nvid=0781\npid=5581\nserial=AAA003\n"
	                                  "owner=会計課 高橋\n"
	                                  "[asset:M-0004]\nvid=0951\npid=1666\nserial=DDD004\n"
	                                  "owner=税務課 伊藤\n",
	                                  -1, &error));
	witness_file = g_build_filename(tmp_root, "witness.txt", NULL);
	g_assert_true(g_file_set_contents(witness_file, witness->str, -1, &error));
	g_string_free(witness, TRUE);
}

static gchar *
audit_path(void)
{
	return g_test_build_filename(G_TEST_BUILT, "..", "..", "approver", "futari-audit", NULL);
}

/* Runs futari-audit with @args; returns its exit status, stdout and stderr. */
static gint
run(const gchar *const *args, gchar **ret_out, gchar **ret_err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	gchar *out = NULL, *err = NULL;
	gint status = 0;

	g_ptr_array_add(argv, audit_path());
	for (const gchar *const *a = args; *a != NULL; a++)
		g_ptr_array_add(argv, g_strdup(*a));
	g_ptr_array_add(argv, NULL);
	{
		g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "LC_ALL", "C.UTF-8", TRUE);
		g_assert_true(g_spawn_sync(NULL, (gchar **)argv->pdata, env, G_SPAWN_DEFAULT, NULL,
		                           NULL, &out, &err, &status, &error));
	}
	g_assert_no_error(error);
	g_test_message("stderr: %s", err);
	if (ret_out != NULL)
		*ret_out = out;
	else
		g_free(out);
	if (ret_err != NULL)
		*ret_err = err;
	else
		g_free(err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static JsonObject *
parse_json(const gchar *text, JsonParser **ret_parser)
{
	g_autoptr(GError) error = NULL;
	JsonParser *p = json_parser_new();

	g_assert_true(json_parser_load_from_data(p, text, -1, &error));
	g_assert_no_error(error);
	*ret_parser = p;
	return json_node_get_object(json_parser_get_root(p));
}

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

static guint
count_lines(const gchar *s)
{
	guint n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
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
}

static void
rm_rf(const gchar *dir)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", dir);
	(void)!system(cmd);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	build_fixtures();
	g_test_add_func("/audit/verify", test_verify);
	g_test_add_func("/audit/show", test_show);
	g_test_add_func("/audit/report", test_report);
	g_test_add_func("/audit/report-garbage", test_report_garbage);
	g_test_add_func("/audit/report-caps", test_report_caps);
	rc = g_test_run();
	rm_rf(tmp_root);
	for (gint i = 0; i < 3; i++)
		fut_key_free(host_keys[i]);
	return rc;
}
