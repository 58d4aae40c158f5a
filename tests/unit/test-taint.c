/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/taint.c without a kernel: the records of BPF LSM denials and drops (untrusted
 * strings from the kernel and /proc arrive escaped; a drop count is a gap), and what a
 * build or kernel without BPF LSM answers. The kernel side itself is tested in the e2e VM
 * (tests/e2e/scenarios/22-agent-bpf-taint.sh). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "agent/taint.h"
#include "errors.h"
#include "logrecord.h"

static FutLogRecord *
round_trip(FutLogEvent *ev)
{
	FutLogRecord lr = {.seq = 0, .time_us = 1764720000000000, .host = (gchar *)"pc1", .ev = ev};
	g_autofree gchar *line = NULL;
	g_autoptr(GError) error = NULL;
	FutLogRecord *back;
	gsize len = 0;

	line = fut_log_record_encode(&lr, &len);
	g_assert_null(strchr(line, '\n'));
	back = fut_log_record_parse(line, len, &error);
	g_assert_no_error(error);
	return back;
}

static void
test_denial_record(void)
{
	FutTaintDenial d = {
	    .kind = FUT_TAINT_DENIED_CONNECT,
	    .pid = 4242,
	    .uid = 1000,
	    .file_class = 2,
	    .origin_dev = 2049,
	    .origin_ino = 77,
	    .origin_path = "/home/a/bid\n{\"seq\":1}.txt",
	    .exe = "/tmp/cu\x1brl",
	    .comm = "curl\nforged",
	    .destination = "192.0.2.1:8080",
	};
	g_autoptr(FutLogEvent) ev = fut_taint_denial_to_log_event(&d);
	g_autoptr(FutLogRecord) back = round_trip(ev);

	g_assert_cmpstr(back->ev->event, ==, "upload.denied");
	g_assert_cmpint(back->ev->subject.uid, ==, 1000);
	g_assert_cmpint(back->ev->subject.pid, ==, 4242);
	g_assert_cmpstr(back->ev->object.klass, ==, "II");
	g_assert_cmpstr(back->ev->decision, ==, "deny");
	g_assert_cmpstr(back->ev->destination.kind, ==, "upload");
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "layer"), ==, "bpf-lsm");
	g_assert_nonnull(strstr(back->ev->reason, "connect"));
	/* Untrusted strings arrive escaped: no record can forge another. */
	g_assert_null(strchr(back->ev->object.path, '\n'));
	g_assert_null(strchr(back->ev->subject.exe, '\x1b'));
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "comm"), ==, "curl\\nforged");

	/* Class I stays Class I; a class the kernel should never send is Class II. */
	d.file_class = 1;
	d.kind = FUT_TAINT_DENIED_SEND;
	{
		g_autoptr(FutLogEvent) ev1 = fut_taint_denial_to_log_event(&d);
		g_assert_cmpstr(ev1->object.klass, ==, "I");
		g_assert_nonnull(strstr(ev1->reason, "send"));
	}
	d.file_class = 9;
	d.origin_path = NULL;
	d.comm = NULL;
	{
		g_autoptr(FutLogEvent) ev9 = fut_taint_denial_to_log_event(&d);
		g_autoptr(FutLogRecord) b9 = round_trip(ev9);
		g_assert_cmpstr(b9->ev->object.klass, ==, "II");
	}
}

static void
test_gap_record(void)
{
	g_autoptr(FutLogEvent) ev = fut_taint_gap_to_log_event(17);
	const FutLogDetail *n;

	g_assert_cmpstr(ev->event, ==, "gap");
	g_assert_cmpstr(fut_log_event_get_detail_str(ev, "kind"), ==, "taint-denials-dropped");
	n = fut_log_event_get_detail(ev, "count");
	g_assert_nonnull(n);
	g_assert_cmpint(n->num, ==, 17);
}

/* Unprivileged, or on a kernel without BPF LSM, or built without it: the load fails with a
 * reason and nothing is left behind. */
static void
test_refused_load(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutTaint) t = NULL;

	if (geteuid() == 0 && g_file_test("/sys/kernel/security/lsm", G_FILE_TEST_EXISTS)) {
		g_autofree gchar *lsms = NULL;
		if (g_file_get_contents("/sys/kernel/security/lsm", &lsms, NULL, NULL) &&
		    strstr(lsms, "bpf") != NULL) {
			g_test_skip(
			    "this kernel runs BPF LSM programs: the refusal cannot be seen");
			return;
		}
	}
	t = fut_taint_new(NULL, NULL, NULL, NULL, &error);
	g_assert_null(t);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED);
	g_assert_cmpuint(strlen(error->message), >, 10);
	g_assert_null(strchr(error->message, '\n'));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/taint/denial-record", test_denial_record);
	g_test_add_func("/taint/gap-record", test_gap_record);
	g_test_add_func("/taint/refused-load", test_refused_load);
	return g_test_run();
}
