/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit end to end: the fixture logs of three hosts built with the log API, and
 * running futari-audit as a program. */
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

gchar *tmp_root;
gchar *logs[3];
gchar *media_conf;
gchar *witness_file;
FutKey *host_keys[3]; /* borrowed by the logs while they are open */

gint64
fake_clock(gpointer data)
{
	return ((FakeClock *)data)->now;
}

gint64
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

void
emit(Host *h, gint mo, gint d, gint hh, FutLogEvent *ev)
{
	g_autoptr(GError) error = NULL;

	h->clock.now = utc(mo, d, hh, 0);
	g_assert_true(
	    fut_egress_log_append(h->log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error));
	g_assert_no_error(error);
	fut_log_event_free(ev);
}

FutLogEvent *
ev_new(const gchar *name, const gchar *login, gint64 uid, const gchar *exe)
{
	FutLogEvent *ev = fut_log_event_new(name);
	if (login != NULL)
		fut_log_event_set_subject(ev, uid, login, uid, 4000 + uid % 100, exe);
	return ev;
}

const gchar HASH[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

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

void
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
		/* A file that lost its name after its durable record (issue 18): the
		 * export.failed record withdraws the export.written one (docs/formats.md), so
		 * the report neither counts nor lists it. */
		for (gint k = 0; k < 4; k++) {
			FutLogEvent *ev = ev_new(k % 2 == 0 ? FUT_LOG_EV_EXPORT_WRITTEN
			                                    : FUT_LOG_EV_EXPORT_FAILED,
			                         "ito", 1003, "/usr/sbin/futarid");
			fut_log_event_set_object(
			    ev, k < 2 ? "/home/ito/withdrawn.txt" : "/home/ito/withdrawn-ii.xlsx",
			    10, HASH, k < 2 ? "III" : "II");
			fut_log_event_set_usb(ev, "0781", "5581", "AAA001", "1A2B-3C4D", "SOUMU01",
			                      "M-0001");
			fut_log_event_set_decision(ev, k % 2 == 0 ? "allow" : NULL,
			                           k % 2 == 0 ? NULL
			                                      : "naming the file on the stick");
			fut_log_event_set_detail(ev, "partial",
			                         k < 2 ? ".futari-partial-00aa11bb22cc33dd"
			                               : ".futari-partial-44ee55ff66aa77bb");
			if (k % 2 == 1)
				fut_log_event_set_detail(ev, "retracts", FUT_LOG_EV_EXPORT_WRITTEN);
			emit(h, 11, 16, 1 + k, ev);
		}
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

gchar *
audit_path(void)
{
	return g_test_build_filename(G_TEST_BUILT, "..", "..", "approver", "futari-audit", NULL);
}

/* Runs futari-audit with @args; returns its exit status, stdout and stderr. */
gint
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

JsonObject *
parse_json(const gchar *text, JsonParser **ret_parser)
{
	g_autoptr(GError) error = NULL;
	JsonParser *p = json_parser_new();

	g_assert_true(json_parser_load_from_data(p, text, -1, &error));
	g_assert_no_error(error);
	*ret_parser = p;
	return json_node_get_object(json_parser_get_root(p));
}

guint
count_lines(const gchar *s)
{
	guint n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

void
rm_rf(const gchar *dir)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", dir);
	(void)!system(cmd);
}
