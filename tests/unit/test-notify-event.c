/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-notify's event-to-notification mapping (agent/notify-event.c): the messages a
 * user sees for each agent event, and garbage refused with a reason. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "agent/export-progress.h"
#include "errors.h"
#include "notify-event.h"

static JsonObject *
parse(const gchar *json)
{
	g_autoptr(JsonParser) p = json_parser_new();

	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static FutNotifyMessage *
map(const gchar *json, GError **error)
{
	g_autoptr(JsonObject) o = parse(json);

	return fut_notify_message_from_event(o, error);
}

static void
test_requested(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyMessage) m =
	    map("{\"event\":\"export.requested\",\"object\":{\"path\":\"/home/bob/報告書.xlsx\","
	        "\"class\":\"II\"},\"destination\":{\"kind\":\"usb\",\"label\":\"STICK\"},"
	        "\"detail\":{\"request_file\":\"/home/bob/futari/requests/r1.futari-request\"}}",
	        &error);

	g_assert_no_error(error);
	g_assert_nonnull(m);
	g_assert_cmpstr(m->summary, ==, "Write blocked: Class II needs approval");
	g_assert_nonnull(strstr(m->body, "報告書.xlsx was not copied to STICK"));
	g_assert_nonnull(
	    strstr(m->body, "Request saved to /home/bob/futari/requests/r1.futari-request"));
	g_assert_cmpstr(m->folder, ==, "/home/bob/futari/requests");
	g_assert_false(m->urgent);
}

/* futari upload-request raises export.requested with an upload destination: nothing
 * was blocked or "copied", the user asked ahead for one program and host. */
static void
test_upload_requested(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyMessage) m =
	    map("{\"event\":\"export.requested\",\"object\":{\"path\":\"/home/bob/見積.pdf\","
	        "\"class\":\"II\"},\"destination\":{\"kind\":\"upload\",\"host\":\"mail.example."
	        "lg.jp\",\"program\":\"/usr/bin/thunderbird\"},\"detail\":{\"request_file\":\"/"
	        "home/bob/見積.pdf.futari-request\"}}",
	        &error);

	g_assert_no_error(error);
	g_assert_cmpstr(m->summary, ==, "Upload request for 見積.pdf made");
	g_assert_null(strstr(m->body, "copied"));
	g_assert_nonnull(strstr(m->body, "to mail.example.lg.jp with /usr/bin/thunderbird"));
	g_assert_nonnull(strstr(m->body, "Request saved to /home/bob/見積.pdf.futari-request"));
	g_assert_cmpstr(m->folder, ==, "/home/bob");
	g_assert_false(m->urgent);
}

static void
test_written_refused_denied(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyMessage) w =
	    map("{\"event\":\"export.written\",\"object\":{\"path\":\"/home/bob/a.txt\",\"class\":"
	        "\"III\"},\"destination\":{\"kind\":\"usb\",\"serial\":\"S1\",\"label\":\"\"}}",
	        &error);
	g_autoptr(FutNotifyMessage) r = NULL, u = NULL, a = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(w->summary, ==, "Exported to S1");
	g_assert_cmpstr(w->folder, ==, "/home/bob");
	r = map("{\"event\":\"export.refused\",\"object\":{\"path\":\"/x/b.csv\",\"class\":\"I\"},"
	        "\"reason\":\"approval expired\"}",
	        &error);
	g_assert_no_error(error);
	g_assert_cmpstr(r->summary, ==, "Export of b.csv refused");
	g_assert_nonnull(strstr(r->body, "approval expired"));
	g_assert_true(r->urgent);
	u = map(
	    "{\"event\":\"upload.denied\",\"object\":{\"path\":\"/x/名簿.csv\",\"class\":\"I\"},"
	    "\"destination\":{\"kind\":\"upload\",\"program\":\"/usr/bin/firefox\"}}",
	    &error);
	g_assert_no_error(error);
	g_assert_cmpstr(u->summary, ==, "Upload of 名簿.csv denied");
	g_assert_nonnull(strstr(u->body, "/usr/bin/firefox"));
	g_assert_cmpstr(u->folder, ==, "/x");
	/* no file behind the refusal (a splice from a pipe): no "Class ?" */
	{
		g_autoptr(FutNotifyMessage) sp =
		    map("{\"event\":\"upload.denied\",\"reason\":\"splice from a pipe into a "
		        "network socket\",\"detail\":{\"call\":\"splice\"}}",
		        &error);
		g_assert_no_error(error);
		g_assert_cmpstr(sp->summary, ==, "Sending to the network refused");
		g_assert_nonnull(strstr(sp->body, "splice from a pipe"));
		g_assert_null(strstr(sp->body, "Class"));
	}
	/* the BPF taint's refusal: the program read the file; where it tried to send */
	{
		g_autoptr(FutNotifyMessage) bp = map(
		    "{\"event\":\"upload.denied\",\"subject\":{\"uid\":1000,\"exe\":\"/usr/bin/"
		    "cp\"},"
		    "\"object\":{\"path\":\"/home/a/roster.csv\",\"class\":\"I\"},"
		    "\"destination\":{\"kind\":\"upload\",\"host\":\"fuse.sshfs /home/a/share\","
		    "\"program\":\"/usr/bin/cp\"},\"reason\":\"a process that read a classified "
		    "file "
		    "tried to write to a network or FUSE "
		    "filesystem\",\"detail\":{\"layer\":\"bpf-lsm\","
		    "\"call\":\"write\"}}",
		    &error);
		g_assert_no_error(error);
		g_assert_cmpstr(bp->summary, ==, "Sending roster.csv refused");
		g_assert_nonnull(strstr(bp->body, "/usr/bin/cp read roster.csv (Class I)"));
		g_assert_nonnull(strstr(bp->body, "fuse.sshfs /home/a/share"));
		g_assert_nonnull(strstr(bp->body, "until it exits"));
		g_assert_cmpstr(bp->folder, ==, "/home/a");
		g_assert_true(bp->urgent);
	}
	/* read before it was classified: refused only until it is */
	{
		g_autoptr(FutNotifyMessage) pe =
		    map("{\"event\":\"upload.denied\",\"object\":{\"path\":\"/home/a/new.csv\","
		        "\"class\":\"II\"},\"destination\":{\"kind\":\"upload\",\"host\":"
		        "\"192.0.2.1:8080\",\"program\":\"/usr/bin/curl\"},\"detail\":{\"layer\":"
		        "\"bpf-lsm\",\"classification\":\"pending\"}}",
		        &error);
		g_assert_no_error(error);
		g_assert_cmpstr(pe->summary, ==, "Sending new.csv refused");
		g_assert_nonnull(strstr(pe->body, "before futari had classified it"));
		g_assert_null(strstr(pe->body, "until it exits"));
	}
	/* a FUSE filesystem's server refused a read: it did not read it, so no "until it exits" */
	{
		g_autoptr(FutNotifyMessage) fu =
		    map("{\"event\":\"upload.denied\",\"object\":{\"path\":\"/home/a/roster.csv\","
		        "\"class\":\"II\"},\"destination\":{\"kind\":\"upload\",\"host\":"
		        "\"FUSE filesystem served by this process\",\"program\":\"/usr/bin/"
		        "bindfs\"},\"detail\":{\"layer\":\"bpf-lsm\",\"call\":\"read\"}}",
		        &error);
		g_assert_no_error(error);
		g_assert_cmpstr(fu->summary, ==, "Reading roster.csv refused");
		g_assert_nonnull(strstr(fu->body, "/usr/bin/bindfs serves files"));
		g_assert_null(strstr(fu->body, "until it exits"));
		g_assert_cmpstr(fu->folder, ==, "/home/a");
	}
	/* the browser refused a copy of the roster (or what a local program sent it): said as
	 * such, not as a FUSE server's read nor as "until it exits" */
	{
		g_autoptr(FutNotifyMessage) br =
		    map("{\"event\":\"upload.denied\",\"object\":{\"path\":\"/home/a/roster.csv\","
		        "\"class\":\"II\"},\"destination\":{\"kind\":\"upload\",\"host\":"
		        "\"this program\",\"program\":\"/usr/lib/firefox-esr/firefox-esr\"},"
		        "\"detail\":{\"layer\":\"bpf-lsm\",\"call\":\"exempt-read\"}}",
		        &error);
		g_assert_no_error(error);
		g_assert_cmpstr(br->summary, ==, "Reading content from roster.csv refused");
		g_assert_nonnull(strstr(br->body, "firefox-esr sends what it reads"));
		g_assert_null(strstr(br->body, "serves files"));
		g_assert_null(strstr(br->body, "until it exits"));
	}
	/* cat, tainted, refused writing into the pipe the browser waits on */
	{
		g_autoptr(FutNotifyMessage) fe = map(
		    "{\"event\":\"upload.denied\",\"object\":{\"path\":\"/home/a/roster.csv\","
		    "\"class\":\"II\"},\"destination\":{\"kind\":\"upload\",\"host\":"
		    "\"process 4300 (firefox-esr), a browser or mail client, reading this pipe\","
		    "\"program\":\"/usr/bin/cat\"},"
		    "\"detail\":{\"layer\":\"bpf-lsm\",\"call\":\"exempt-feed\"}}",
		    &error);
		g_assert_no_error(error);
		g_assert_cmpstr(fe->summary, ==, "Passing roster.csv to a browser refused");
		g_assert_nonnull(strstr(fe->body, "/usr/bin/cat read roster.csv (Class II)"));
		g_assert_nonnull(strstr(fe->body, "process 4300 (firefox-esr)"));
		g_assert_null(strstr(fe->body, "until it exits"));
	}
	a = map("{\"event\":\"approval.refused\",\"reason\":\"self-approval\"}", &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(a->body, "self-approval"));
}

static void
test_quiet_events(void)
{
	g_autoptr(GError) error = NULL;
	FutNotifyMessage *m;

	m = map("{\"event\":\"device.attach\"}", &error);
	g_assert_no_error(error);
	g_assert_null(m);
	m = map("{\"event\":\"redeem.accepted\",\"request\":\"ab\"}", &error);
	g_assert_no_error(error);
	g_assert_null(m);
}

static void
test_hostile_strings(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyMessage) m =
	    map("{\"event\":\"export.written\",\"object\":{\"path\":\"/t/"
	        "evil\\u001b[2J\\u202egpj.exe\","
	        "\"class\":\"III\"},\"destination\":{\"label\":\"<b>L</b>\"}}",
	        &error);

	g_assert_no_error(error);
	g_assert_null(strchr(m->body, '\033'));
	g_assert_null(strstr(m->body, "\u202e"));
	g_assert_nonnull(strstr(m->body, "evil\\x1b[2J\\u{202E}gpj.exe"));
	/* markup is escaped by the notifier for markup servers, not here */
	g_assert_nonnull(strstr(m->summary, "<b>L</b>"));
}

static void
test_garbage(void)
{
	const gchar *bad[] = {
	    "{}",                                           /* no name */
	    "{\"event\":3}",                                /* name not a string */
	    "{\"event\":\"export.written\",\"object\":[]}", /* object not an object */
	    "{\"event\":\"export.written\",\"object\":{\"path\":1}}",
	    "{\"event\":\"export.written\",\"destination\":\"usb\"}",
	    "{\"event\":\"export.requested\",\"detail\":{\"request_file\":false}}",
	    "{\"event\":\"export.refused\",\"reason\":{}}",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(FutNotifyMessage) m = map(bad[i], &error);
		g_assert_null(m);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_null(strchr(error->message, '\n'));
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_null(fut_notify_message_from_event(NULL, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

static void
test_relative_folder(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyMessage) m =
	    map("{\"event\":\"export.requested\",\"object\":{\"path\":\"a\",\"class\":\"II\"},"
	        "\"detail\":{\"request_file\":\"relative/r.futari-request\"}}",
	        &error);

	g_assert_no_error(error);
	g_assert_null(m->folder); /* only absolute local paths get an Open Folder action */
}

static void
test_requested_without_path(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyMessage) m =
	    map("{\"event\":\"export.requested\",\"object\":{\"path\":\"/home/bob/x.csv\","
	        "\"class\":\"I\"},\"destination\":{\"label\":\"S\"}}",
	        &error);

	g_assert_no_error(error);
	g_assert_cmpstr(m->summary, ==, "Write blocked: Class I needs approval");
	g_assert_nonnull(strstr(m->body, "next to it"));
	g_assert_cmpstr(m->folder, ==, "/home/bob"); /* where futari export saves it */
}

/* export.progress: the running text (rate and time left from elapsed_ms), the endings, a
 * hostile stick name escaped, and garbage refused with a reason. */
static FutNotifyMessage *
progress_text(const gchar *json)
{
	g_autoptr(JsonObject) o = parse(json);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyProgress) p = fut_notify_progress_from_event(o, &error);

	g_assert_no_error(error);
	g_assert_nonnull(p);
	return fut_notify_progress_message(p);
}

#define PROGRESS(files_done, bytes_done, w, q, r, ms, fin, extra)                                  \
	"{\"event\":\"export.progress\",\"job\":\"0a1b2c3d4e5f6071\",\"files\":10,"                \
	"\"files_done\":" #files_done ",\"bytes\":10000000,\"bytes_done\":" #bytes_done            \
	",\"written\":" #w ",\"requested\":" #q ",\"refused\":" #r ",\"elapsed_ms\":" #ms          \
	",\"destination\":{\"label\":\"alpha\"},\"finished\":" #fin extra "}"

static void
test_progress(void)
{
	static const gchar *const bad[] = {
	    "{\"event\":\"export.progress\"}",
	    "{\"event\":\"export.progress\",\"job\":\"XYZ\",\"files\":1}",
	    "{\"event\":\"export.progress\",\"job\":\"ab\",\"files\":-1}",
	    "{\"event\":\"export.progress\",\"job\":\"ab\",\"files\":1,\"files_done\":0,"
	    "\"bytes\":1,\"bytes_done\":0,\"written\":0,\"requested\":0,\"refused\":0,"
	    "\"elapsed_ms\":1,\"finished\":\"yes\"}",
	    "{\"event\":\"export.progress\",\"job\":\"ab\",\"files\":1,\"files_done\":0,"
	    "\"bytes\":1,\"bytes_done\":0,\"written\":0,\"requested\":0,\"refused\":0,"
	    "\"elapsed_ms\":1,\"destination\":[]}",
	};
	g_autoptr(FutNotifyMessage) run = NULL, done = NULL, req = NULL, stop = NULL, evil = NULL;
	g_autoptr(JsonObject) other = parse("{\"event\":\"export.written\"}");
	g_autoptr(GError) error = NULL;

	/* 4 MB of 10 MB in 2 s: 2.0 MB/s, 3 s left, 40 %. */
	run = progress_text(PROGRESS(3, 4000000, 3, 0, 0, 2000, false, ""));
	g_assert_cmpstr(run->summary, ==, "Exporting to alpha");
	g_assert_cmpstr(run->body, ==,
	                "3 of 10 files, 4.0\u00a0MB of 10.0\u00a0MB, 2.0\u00a0MB/s, 0:03 left");
	g_assert_true(run->has_value);
	g_assert_cmpuint(run->value, ==, 40);
	g_assert_false(run->urgent);
	done = progress_text(PROGRESS(10, 10000000, 10, 0, 0, 5000, true, ""));
	g_assert_cmpstr(done->summary, ==, "Exported to alpha");
	g_assert_false(done->has_value);
	g_assert_false(done->urgent);
	req = progress_text(PROGRESS(10, 10000000, 8, 2, 0, 5000, true, ""));
	g_assert_cmpstr(req->summary, ==, "Export to alpha finished: approval needed");
	g_assert_nonnull(strstr(req->body, "8 written, 2 waiting for approval, 0 refused."));
	stop = progress_text(PROGRESS(4, 4000000, 4, 0, 0, 5000, true, ",\"incomplete\":true"));
	g_assert_cmpstr(stop->summary, ==, "Export to alpha stopped");
	g_assert_true(stop->urgent);
	{
		g_autoptr(JsonObject) o = parse(
		    "{\"event\":\"export.progress\",\"job\":\"ab\",\"files\":1,\"files_done\":0,"
		    "\"bytes\":1,\"bytes_done\":0,\"written\":0,\"requested\":0,\"refused\":0,"
		    "\"elapsed_ms\":1,\"destination\":{\"label\":\"a\\u001b[31m\"}}");
		g_autoptr(FutNotifyProgress) p = fut_notify_progress_from_event(o, NULL);
		evil = fut_notify_progress_message(p);
		g_assert_cmpstr(evil->summary, ==, "Exporting to a\\x1b[31m");
	}
	g_assert_null(fut_notify_progress_from_event(other, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(JsonObject) o = parse(bad[i]);
		g_autoptr(FutNotifyProgress) p = NULL;
		g_clear_error(&error);
		p = fut_notify_progress_from_event(o, &error);
		g_assert_null(p);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_null(strchr(error->message, '\n'));
	}
}

/* The stick's name from the agent's progress event to the notification, as futarid and
 * futari-notify pass it (JSON text over the socket): escaped once, where it is shown. A
 * label with a control character, a backslash and a byte that is not UTF-8; before the
 * fix the agent escaped it and the notifier escaped it again ("\\\\x1b"). */
static void
wire_emit(uid_t uid, JsonObject *event, gpointer data)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	(void)uid;
	json_node_set_object(node, event);
	g_ptr_array_add(data, json_to_string(node, FALSE));
}

static void
test_progress_label_escaped_once(void)
{
	g_autoptr(GPtrArray) wire = g_ptr_array_new_with_free_func(g_free);
	FutExportJobs *jobs = fut_export_jobs_new(wire_emit, wire);
	FutExportJobArg a = {.id = (gchar *)"00000000000000ab", .files = 1, .bytes = 10};
	g_autofree gchar *longlabel = g_strnfill(5000, 'L');
	int f;

	fut_export_jobs_file_progress(jobs, 1000, &a, &f, "K\x1b[2J\\x41\xff", 5, 1);
	g_assert_cmpuint(wire->len, ==, 1);
	{
		g_autoptr(JsonObject) o = parse(g_ptr_array_index(wire, 0));
		g_autoptr(GError) error = NULL;
		g_autoptr(FutNotifyProgress) p = fut_notify_progress_from_event(o, &error);
		g_autoptr(FutNotifyMessage) m = NULL;
		g_assert_no_error(error);
		m = fut_notify_progress_message(p);
		g_assert_cmpstr(m->summary, ==, "Exporting to K\\x1b[2J\\\\x41\xef\xbf\xbd");
	}
	/* a name of any length reaches the desktop bounded */
	a.id = (gchar *)"00000000000000ac";
	fut_export_jobs_file_progress(jobs, 1000, &a, &f, longlabel, 5, 2);
	g_assert_cmpuint(wire->len, ==, 2);
	g_assert_cmpuint(strlen(g_ptr_array_index(wire, 1)), <, 1000);
	fut_export_jobs_free(jobs);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/notify/event/requested", test_requested);
	g_test_add_func("/notify/event/progress-label-escaped-once",
	                test_progress_label_escaped_once);
	g_test_add_func("/notify/event/upload-requested", test_upload_requested);
	g_test_add_func("/notify/event/written-refused-denied", test_written_refused_denied);
	g_test_add_func("/notify/event/quiet", test_quiet_events);
	g_test_add_func("/notify/event/hostile-strings", test_hostile_strings);
	g_test_add_func("/notify/event/garbage", test_garbage);
	g_test_add_func("/notify/event/relative-folder", test_relative_folder);
	g_test_add_func("/notify/event/requested-without-path", test_requested_without_path);
	g_test_add_func("/notify/event/progress", test_progress);
	return g_test_run();
}
