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
		const gchar *const *patterns;
	} cases[] = {
	    {NULL, NULL, NULL, NULL},
	    {none, NULL, NULL, NULL},
	    {relative, NULL, NULL, NULL},
	    {root, relative, NULL, NULL},
	    {root, NULL, slash_name, NULL},
	    {root, NULL, empty_name, NULL},
	    /* a mount pattern must be absolute */
	    {root, NULL, NULL, relative},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		FutFanwatchConfig cfg;
		g_autoptr(GError) error = NULL;
		g_autoptr(FutFanwatch) fw = NULL;

		fut_fanwatch_config_init(&cfg);
		cfg.mounts = cases[i].mounts;
		cfg.upload_programs = cases[i].programs;
		cfg.upload_names = cases[i].names;
		cfg.mount_patterns = cases[i].patterns;
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

/* A record becomes an egress-log event that encodes to a canonical line and parses back. */
static void
test_log_event(void)
{
	FutFanwatchRecord rec = {
	    .kind = FUT_FANWATCH_RECORD_DENIED,
	    .time_us = 1795680000000000,
	    .pid = 4242,
	    .uid = 0,
	    .loginuid = 1000,
	    .exe = (gchar *)"/usr/bin/curl",
	    .comm = (gchar *)"curl\nforged",
	    .program_match = "inode",
	    .path = (gchar *)"/home/a/\xe5\xa0\xb1\xe5\x91\x8a.csv\n{\"seq\":1}",
	    .dev = 2049,
	    .ino = 77,
	    .size = 123,
	    .file_class = FUT_FANWATCH_CLASS_I,
	    .has_sha256 = TRUE,
	    .allowed = FALSE,
	    .reason = "class I file, no approval",
	};
	FutLogRecord lr = {.seq = 0, .time_us = rec.time_us, .host = (gchar *)"pc1"};
	g_autofree gchar *line = NULL;
	g_autoptr(FutLogRecord) back = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	memset(rec.sha256, 0x5a, sizeof rec.sha256);
	lr.ev = fut_fanwatch_record_to_log_event(&rec);
	g_assert_nonnull(lr.ev);
	line = fut_log_record_encode(&lr, &len);
	g_assert_null(strchr(line, '\n'));
	back = fut_log_record_parse(line, len, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(back->ev->event, ==, "upload.denied");
	g_assert_cmpint(back->ev->subject.uid, ==, 0);
	g_assert_cmpstr(back->ev->subject.login, ==, "root");
	g_assert_cmpint(back->ev->subject.loginuid, ==, 1000);
	g_assert_cmpint(back->ev->subject.pid, ==, 4242);
	g_assert_cmpstr(back->ev->subject.exe, ==, "/usr/bin/curl");
	g_assert_cmpstr(back->ev->object.klass, ==, "I");
	g_assert_cmpint(back->ev->object.size, ==, 123);
	g_assert_cmpstr(back->ev->object.sha256, ==,
	                "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
	g_assert_cmpstr(back->ev->destination.kind, ==, "upload");
	g_assert_cmpstr(back->ev->destination.program, ==, "/usr/bin/curl");
	g_assert_cmpstr(back->ev->decision, ==, "deny");
	g_assert_cmpstr(back->ev->reason, ==, "class I file, no approval");
	/* Untrusted strings arrive escaped: no record can forge another. */
	g_assert_null(strchr(back->ev->object.path, '\n'));
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "comm"), ==, "curl\\nforged");
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "program_match"), ==, "inode");
	/* an open: no inherited descriptor */
	g_assert_null(fut_log_event_get_detail(back->ev, "call"));
	g_assert_null(fut_log_event_get_detail(back->ev, "inherited_fd"));
	fut_log_event_free(lr.ev);
	lr.ev = NULL;

	/* A file the program would inherit at its start, as descriptor 0 (fanwatch-exec.c):
	 * inherited_fd holds the number + 1, so descriptor 0 is told from an open. */
	{
		FutFanwatchRecord inh = rec;
		FutLogEvent *ev;
		const FutLogDetail *d;

		inh.inherited_fd = 1;
		ev = fut_fanwatch_record_to_log_event(&inh);
		g_assert_cmpstr(fut_log_event_get_detail_str(ev, "call"), ==, "exec");
		d = fut_log_event_get_detail(ev, "inherited_fd");
		g_assert_nonnull(d);
		g_assert_null(d->str);
		g_assert_cmpint(d->num, ==, 0);
		fut_log_event_free(ev);
	}

	/* A file held or opened by a process writing into an upload program's pipe
	 * (fanwatch-pipe.c): "call" is "pipe" and the program's pid is named. */
	{
		FutFanwatchRecord fed = rec;
		FutLogEvent *ev;
		const FutLogDetail *d;

		fed.pipe_reader = 4242;
		ev = fut_fanwatch_record_to_log_event(&fed);
		g_assert_cmpstr(fut_log_event_get_detail_str(ev, "call"), ==, "pipe");
		d = fut_log_event_get_detail(ev, "reader_pid");
		g_assert_nonnull(d);
		g_assert_cmpint(d->num, ==, 4242);
		g_assert_null(fut_log_event_get_detail(ev, "inherited_fd"));
		fut_log_event_free(ev);
	}

	{
		g_autoptr(JsonObject) f = fut_fanwatch_record_to_fields(&rec);
		JsonObject *subject = json_object_get_object_member(f, "subject");
		JsonObject *object = json_object_get_object_member(f, "object");
		JsonObject *detail = json_object_get_object_member(f, "detail");

		g_assert_cmpint(json_object_get_int_member(subject, "pid"), ==, 4242);
		g_assert_cmpstr(json_object_get_string_member(subject, "login"), ==, "root");
		g_assert_cmpstr(json_object_get_string_member(object, "class"), ==, "I");
		g_assert_null(strchr(json_object_get_string_member(object, "path"), '\n'));
		g_assert_cmpstr(json_object_get_string_member(detail, "comm"), ==, "curl\\nforged");
		g_assert_cmpstr(json_object_get_string_member(f, "decision"), ==, "deny");
		g_assert_cmpstr(json_object_get_string_member(
		                    json_object_get_object_member(f, "destination"), "kind"),
		                ==, "upload");
	}

	{
		FutFanwatchRecord gap = {.kind = FUT_FANWATCH_RECORD_GAP,
		                         .gap_kind = "queue-overflow",
		                         .gap_count = 3,
		                         .reason = "the kernel dropped fanotify events"};
		g_autoptr(FutLogEvent) ev = fut_fanwatch_record_to_log_event(&gap);
		const FutLogDetail *d;

		g_assert_cmpstr(ev->event, ==, "gap");
		g_assert_cmpstr(fut_log_event_get_detail_str(ev, "kind"), ==, "queue-overflow");
		d = fut_log_event_get_detail(ev, "count");
		g_assert_nonnull(d);
		g_assert_cmpint(d->num, ==, 3);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fanwatch/config/garbage", test_config_garbage);
	g_test_add_func("/fanwatch/approvals", test_approvals);
	g_test_add_func("/fanwatch/record-kinds", test_kind_names);
	g_test_add_func("/fanwatch/log-event", test_log_event);
	return g_test_run();
}
