/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-egresslog: the egress log writer (chain, recovery, rotation, checkpoints, failures),
 * retention and month names; the records below it are in test-egresslog-records.c. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "egresslog.h"
#include "errors.h"
#include "logrecord.h"
#include "test-egresslog.h"
#include "util.h"

/* --- writer ---------------------------------------------------------------------------- */

typedef struct {
	GPtrArray *witnesses;
} Forwarded;

static void
on_checkpoint(const FutLogCheckpoint *cp, gpointer data)
{
	Forwarded *f = data;
	g_ptr_array_add(f->witnesses, fut_log_checkpoint_to_witness(cp));
}

static void
test_writer_basic(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	Forwarded fwd = {g_ptr_array_new_with_free_func(g_free)};
	FakeClock clock = {utc(2026, 11, 26, 9, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock,
	                            .clock_data = &clock,
	                            .checkpoint_func = on_checkpoint,
	                            .checkpoint_data = &fwd,
	                            .version = "0.1.0"};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	guint8 prev[FUT_SHA256_LEN] = {0};
	gint64 seq = 0;
	gint64 got_seq = -1;

	g_assert_no_error(error);
	g_assert_nonnull(log);
	for (gint i = 0; i < 3; i++) {
		g_autoptr(FutLogEvent) ev = sample_export("/home/tanaka/a.txt");
		clock.now += G_USEC_PER_SEC;
		g_assert_true(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE,
		                                    &got_seq, &error));
		g_assert_no_error(error);
		g_assert_cmpint(got_seq, ==, 2 + i);
	}
	g_assert_cmpint(fut_egress_log_get_next_seq(log), ==, 5);
	g_assert_true(fut_egress_log_close(log, "shutdown", &error));
	g_assert_no_error(error);

	lines = read_lines(dir, "2026-11");
	g_assert_cmpuint(lines->len, ==, 7);
	g_assert_cmpstr(event_of(lines, 0), ==, FUT_LOG_EV_AGENT_START);
	g_assert_cmpstr(event_of(lines, 1), ==, FUT_LOG_EV_CHECKPOINT);
	g_assert_cmpstr(event_of(lines, 2), ==, FUT_LOG_EV_EXPORT_WRITTEN);
	g_assert_cmpstr(event_of(lines, 5), ==, FUT_LOG_EV_AGENT_STOP);
	g_assert_cmpstr(event_of(lines, 6), ==, FUT_LOG_EV_CHECKPOINT);
	g_assert_cmpuint(check_chain(lines, prev, &seq), ==, 2);
	{
		g_autoptr(FutLogRecord) start = parse_ok(g_ptr_array_index(lines, 0));
		guint8 pub[FUT_ED25519_PUBLIC_LEN];
		g_autofree gchar *hex = NULL;
		fut_key_get_public(key, pub);
		hex = fut_hex_encode(pub, sizeof(pub));
		g_assert_cmpstr(fut_log_event_get_detail_str(start->ev, "key"), ==, hex);
		g_assert_cmpstr(fut_log_event_get_detail_str(start->ev, "version"), ==, "0.1.0");
	}
	/* Every checkpoint went to the forwarder, and matches the record in the file. */
	g_assert_cmpuint(fwd.witnesses->len, ==, 2);
	{
		g_autoptr(FutLogRecord) last = parse_ok(g_ptr_array_index(lines, 6));
		g_autoptr(FutLogCheckpoint) cp = fut_log_checkpoint_from_record(last, &error);
		g_autofree gchar *w = fut_log_checkpoint_to_witness(cp);
		g_assert_cmpstr(w, ==, g_ptr_array_index(fwd.witnesses, 1));
		g_assert_cmpuint(cp->size, ==, 6);
		g_assert_cmpint(cp->last_seq, ==, 5);
	}
	/* A clean stop: reopening adds no gap. */
	log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_assert_no_error(error);
	fut_egress_log_close(log, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&lines, g_ptr_array_unref);
	lines = read_lines(dir, "2026-11");
	g_assert_cmpuint(lines->len, ==, 11);
	g_assert_cmpstr(event_of(lines, 7), ==, FUT_LOG_EV_AGENT_START);
	memset(prev, 0, sizeof(prev));
	seq = 0;
	check_chain(lines, prev, &seq);
	g_ptr_array_unref(fwd.witnesses);
	rm_rf(dir);
}

static void
test_writer_unclean(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(4);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	FakeClock clock = {utc(2026, 11, 26, 9, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_autoptr(FutLogEvent) ev = sample_export("/a");
	guint8 prev[FUT_SHA256_LEN] = {0};
	gint64 seq = 0;

	g_assert_no_error(error);
	g_assert_true(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_NONE, NULL, &error));
	fut_egress_log_free(log); /* as if killed */
	log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_assert_no_error(error);
	fut_egress_log_close(log, NULL, &error);
	g_assert_no_error(error);
	lines = read_lines(dir, "2026-11");
	g_assert_cmpuint(lines->len, ==, 8);
	g_assert_cmpstr(event_of(lines, 3), ==, FUT_LOG_EV_GAP);
	{
		g_autoptr(FutLogRecord) gap = parse_ok(g_ptr_array_index(lines, 3));
		g_assert_cmpstr(fut_log_event_get_detail_str(gap->ev, "kind"), ==,
		                FUT_LOG_GAP_UNCLEAN_STOP);
		g_assert_cmpint(fut_log_event_get_detail(gap->ev, "last_seq")->num, ==, 2);
	}
	g_assert_cmpstr(event_of(lines, 4), ==, FUT_LOG_EV_AGENT_START);
	check_chain(lines, prev, &seq);
	rm_rf(dir);
}

static void
test_writer_torn(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autofree gchar *path = g_build_filename(dir, "egress-2026-11.jsonl", NULL);
	g_autoptr(FutKey) key = test_key(5);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	FakeClock clock = {utc(2026, 11, 26, 9, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_autoptr(FutLogEvent) ev = sample_export("/a");
	const gchar torn[] = "{\"seq\":3,\"time\":\"2026-11-26T09:00:00.0";
	g_autofree gchar *torn_hex = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	gsize before_len = 0;
	guint8 digest[FUT_SHA256_LEN];
	FILE *f;

	g_assert_no_error(error);
	g_assert_true(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_NONE, NULL, &error));
	fut_egress_log_free(log);
	f = fopen(path, "a");
	fputs(torn, f);
	fclose(f);
	g_file_get_contents(path, &before, &before_len, NULL);

	log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_assert_no_error(error);
	fut_egress_log_close(log, NULL, &error);
	g_assert_no_error(error);

	/* The torn bytes are still there, then a LF, then the gap naming them. */
	g_file_get_contents(path, &after, NULL, NULL);
	g_assert_true(strncmp(after, before, before_len) == 0);
	g_assert_cmpint(after[before_len], ==, '\n');
	lines = read_lines(dir, "2026-11");
	g_assert_cmpstr(g_ptr_array_index(lines, 3), ==, torn);
	{
		g_autoptr(FutLogRecord) gap = parse_ok(g_ptr_array_index(lines, 4));
		g_assert_cmpstr(gap->ev->event, ==, FUT_LOG_EV_GAP);
		g_assert_cmpstr(fut_log_event_get_detail_str(gap->ev, "kind"), ==,
		                FUT_LOG_GAP_TORN_TAIL);
		g_assert_cmpint(fut_log_event_get_detail(gap->ev, "offset")->num, ==,
		                (gint64)(before_len - strlen(torn)));
		g_assert_cmpint(fut_log_event_get_detail(gap->ev, "length")->num, ==,
		                (gint64)strlen(torn));
		fut_sha256(torn, strlen(torn), digest);
		torn_hex = fut_hex_encode(digest, FUT_SHA256_LEN);
		g_assert_cmpstr(fut_log_event_get_detail_str(gap->ev, "sha256"), ==, torn_hex);
		g_assert_cmpint(gap->seq, ==, 3);
	}
	g_assert_cmpstr(event_of(lines, 5), ==, FUT_LOG_EV_GAP); /* and the unclean stop */
	g_assert_cmpstr(event_of(lines, 6), ==, FUT_LOG_EV_AGENT_START);
	rm_rf(dir);
}

static void
test_writer_rotation(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(6);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) nov = NULL;
	g_autoptr(GPtrArray) dec = NULL;
	FakeClock clock = {utc(2026, 11, 30, 23, 59, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_autoptr(FutLogEvent) ev = sample_export("/a");
	g_autoptr(FutLogRecord) first_dec = NULL;
	guint8 prev[FUT_SHA256_LEN] = {0};
	gint64 seq = 0;

	g_assert_no_error(error);
	g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	clock.now = utc(2026, 12, 1, 0, 0, 30);
	g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	g_assert_no_error(error);
	{
		g_autofree gchar *p = fut_egress_log_dup_current_path(log);
		g_assert_true(g_str_has_suffix(p, "/egress-2026-12.jsonl"));
	}
	/* Back in time across the month: a clock-jump gap, still in December's file. */
	clock.now = utc(2026, 11, 30, 23, 0, 0);
	g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	g_assert_no_error(error);
	fut_egress_log_close(log, NULL, &error);
	g_assert_no_error(error);

	nov = read_lines(dir, "2026-11");
	dec = read_lines(dir, "2026-12");
	g_assert_cmpuint(nov->len, ==, 4); /* start, checkpoint, export, rotation checkpoint */
	g_assert_cmpstr(event_of(nov, 3), ==, FUT_LOG_EV_CHECKPOINT);
	check_chain(nov, prev, &seq);
	first_dec = parse_ok(g_ptr_array_index(dec, 0));
	g_assert_cmpmem(first_dec->prev, FUT_SHA256_LEN, prev, FUT_SHA256_LEN);
	g_assert_cmpint(first_dec->seq, ==, 4);
	check_chain(dec, prev, &seq);
	g_assert_cmpstr(event_of(dec, 0), ==, FUT_LOG_EV_EXPORT_WRITTEN);
	g_assert_cmpstr(event_of(dec, 1), ==, FUT_LOG_EV_GAP);
	{
		g_autoptr(FutLogRecord) gap = parse_ok(g_ptr_array_index(dec, 1));
		g_assert_cmpstr(fut_log_event_get_detail_str(gap->ev, "kind"), ==,
		                FUT_LOG_GAP_CLOCK_JUMP);
	}
	rm_rf(dir);
}

static void
test_writer_checkpoint_interval(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(7);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	FakeClock clock = {utc(2026, 11, 1, 0, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock,
	                            .clock_data = &clock,
	                            .checkpoint_records = 5,
	                            .checkpoint_seconds = 60};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	guint8 prev[FUT_SHA256_LEN] = {0};
	gint64 seq = 0;

	g_assert_no_error(error);
	for (gint i = 0; i < 12; i++) {
		g_autoptr(FutLogEvent) ev = sample_export("/a");
		g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	}
	/* ...then by time: a tick with nothing new writes nothing, with something new it does. */
	clock.now += 61 * G_USEC_PER_SEC;
	g_assert_true(fut_egress_log_tick(log, &error));
	{
		g_autoptr(FutLogEvent) ev = sample_export("/b");
		g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	}
	clock.now += 61 * G_USEC_PER_SEC;
	g_assert_true(fut_egress_log_tick(log, &error));
	g_assert_true(fut_egress_log_tick(log, &error));
	fut_egress_log_free(log);
	lines = read_lines(dir, "2026-11");
	/* start(1)+cp, 12 exports with a checkpoint after 4 (start counts), 9, 14 records... */
	g_assert_cmpuint(check_chain(lines, prev, &seq), ==, 1 + 3 + 1);
	g_assert_cmpstr(event_of(lines, lines->len - 1), ==, FUT_LOG_EV_CHECKPOINT);
	rm_rf(dir);
}

/* A clock set back must not stop the interval checkpoints until it has caught up with the
 * last one (two days here): records would stay unsigned, and unwitnessed, that long. */
static void
test_writer_checkpoint_clock_back(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(13);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	FakeClock clock = {utc(2026, 11, 26, 9, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock,
	                            .clock_data = &clock,
	                            .checkpoint_records = 1000,
	                            .checkpoint_seconds = 60};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	guint8 prev[FUT_SHA256_LEN] = {0};
	gint64 seq = 0;

	g_assert_no_error(error);
	{
		g_autoptr(FutLogEvent) ev = sample_export("/a");
		g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	}
	/* Set back with a record unsigned: the next tick signs it. */
	clock.now -= (gint64)2 * 24 * 3600 * G_USEC_PER_SEC;
	g_assert_true(fut_egress_log_tick(log, &error));
	g_assert_no_error(error);
	lines = read_lines(dir, "2026-11");
	g_assert_cmpstr(event_of(lines, lines->len - 1), ==, FUT_LOG_EV_CHECKPOINT);
	g_clear_pointer(&lines, g_ptr_array_unref);
	/* A record after the jump (a clock-jump gap first), then a minute: signed by then. */
	{
		g_autoptr(FutLogEvent) ev = sample_export("/b");
		g_assert_true(fut_egress_log_append(log, ev, 0, NULL, &error));
	}
	clock.now += 61 * G_USEC_PER_SEC;
	g_assert_true(fut_egress_log_tick(log, &error));
	g_assert_no_error(error);
	fut_egress_log_free(log);
	lines = read_lines(dir, "2026-11");
	check_chain(lines, prev, &seq);
	g_assert_cmpstr(event_of(lines, 4), ==, FUT_LOG_EV_GAP);
	g_assert_cmpstr(event_of(lines, 5), ==, FUT_LOG_EV_EXPORT_WRITTEN);
	g_assert_cmpstr(event_of(lines, lines->len - 1), ==, FUT_LOG_EV_CHECKPOINT);
	rm_rf(dir);
}

/* A write that fails (here: the file size limit) is reported, leaves the file as it was,
 * and the log works again once the cause is gone. */
static void
test_writer_append_fails(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autofree gchar *path = g_build_filename(dir, "egress-2026-11.jsonl", NULL);
	g_autoptr(FutKey) key = test_key(8);
	g_autoptr(GError) error = NULL;
	FakeClock clock = {utc(2026, 11, 26, 9, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	g_autoptr(FutLogEvent) ev = sample_export("/a");
	struct rlimit old, lim;
	struct stat st;
	off_t size;

	g_assert_no_error(error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	size = st.st_size;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 100; /* room for part of a record only */
	setrlimit(RLIMIT_FSIZE, &lim);
	g_assert_false(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_IO);
	g_clear_error(&error);
	setrlimit(RLIMIT_FSIZE, &old);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_size, ==, size);
	g_assert_true(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(fut_egress_log_close(log, NULL, &error));
	{
		g_autoptr(GPtrArray) lines = read_lines(dir, "2026-11");
		guint8 prev[FUT_SHA256_LEN] = {0};
		gint64 seq = 0;
		check_chain(lines, prev, &seq);
		g_assert_cmpuint(lines->len, ==, 5);
	}
	rm_rf(dir);
}

static void
test_writer_refuses(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(9);
	g_autoptr(FutKey) pub = fut_key_dup_public(key);
	g_autoptr(GError) error = NULL;
	FutEgressLog *log;

	log = fut_egress_log_open(dir, "pc 001\n", key, NULL, &error);
	g_assert_null(log);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	log = fut_egress_log_open(dir, "pc-001", pub, NULL, &error);
	g_assert_null(log);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* Callers cannot write checkpoints or agent.start themselves. */
	log = fut_egress_log_open(dir, "pc-001", key, NULL, &error);
	g_assert_no_error(error);
	/* An event whose fields were set around the setters, with a control character. */
	{
		g_autoptr(FutLogEvent) bad = fut_log_event_new(FUT_LOG_EV_EXPORT_REFUSED);
		bad->reason = g_strdup("line\nbreak");
		g_assert_false(fut_egress_log_append(log, bad, 0, NULL, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	/* ...and a second writer on the same directory is refused. */
	{
		g_autoptr(GError) e2 = NULL;
		FutEgressLog *second = fut_egress_log_open(dir, "pc-001", key, NULL, &e2);
		g_assert_null(second);
		g_assert_error(e2, FUT_ERROR, FUT_ERROR_EXISTS);
	}
	{
		g_autoptr(FutLogEvent) cp = fut_log_event_new(FUT_LOG_EV_CHECKPOINT);
		g_autoptr(FutLogEvent) st = fut_log_event_new(FUT_LOG_EV_AGENT_START);
		g_assert_false(fut_egress_log_append(log, cp, 0, NULL, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
		g_assert_false(fut_egress_log_append(log, st, 0, NULL, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	g_assert_true(fut_egress_log_close(log, NULL, &error));
	rm_rf(dir);
	g_mkdir(dir, 0700);
	/* A month file that is a symlink is not followed. */
	{
		g_autofree gchar *link = g_build_filename(dir, "egress-2026-11.jsonl", NULL);
		g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
		log = fut_egress_log_open(dir, "pc-001", key, NULL, &error);
		g_assert_null(log);
		g_assert_nonnull(error);
		g_unlink(link);
	}
	rm_rf(dir);
}

static void
test_prune(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) deleted = NULL;
	gint64 now = utc(2026, 11, 26, 9, 0, 0);
	gchar month[8] = "2024-06";

	/* 2024-06 .. 2026-12 (one month in the future) plus files that are not months. */
	for (;;) {
		g_autofree gchar *p = g_strdup_printf("%s/egress-%s.jsonl", dir, month);
		g_file_set_contents(p, "x\n", -1, NULL);
		if (strcmp(month, "2026-12") == 0)
			break;
		fut_log_month_next(month, month);
	}
	{
		g_autofree gchar *p1 = g_build_filename(dir, "egress-2020-01.jsonl.bak", NULL);
		g_autofree gchar *p2 = g_build_filename(dir, "notes.txt", NULL);
		g_file_set_contents(p1, "x", -1, NULL);
		g_file_set_contents(p2, "x", -1, NULL);
	}
	g_assert_false(fut_egress_log_prune(dir, 12, now, &deleted, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_REFUSED);
	g_clear_error(&error);
	g_assert_true(fut_egress_log_prune(dir, 0, now, &deleted, &error));
	g_assert_no_error(error);
	/* 2024-06 .. 2025-09 go (16 files); 2025-10 is 13 months old and stays. */
	g_assert_cmpuint(g_strv_length(deleted), ==, 16);
	g_assert_cmpstr(deleted[0], ==, "egress-2024-06.jsonl");
	g_assert_cmpstr(deleted[15], ==, "egress-2025-09.jsonl");
	strcpy(month, "2025-10");
	for (;;) {
		g_autofree gchar *p = g_strdup_printf("%s/egress-%s.jsonl", dir, month);
		g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
		if (strcmp(month, "2026-12") == 0)
			break;
		fut_log_month_next(month, month);
	}
	{
		g_autofree gchar *p1 = g_build_filename(dir, "egress-2020-01.jsonl.bak", NULL);
		g_autofree gchar *p2 = g_build_filename(dir, "notes.txt", NULL);
		g_assert_true(g_file_test(p1, G_FILE_TEST_EXISTS));
		g_assert_true(g_file_test(p2, G_FILE_TEST_EXISTS));
	}
	/* Again a month later: exactly one more goes. */
	g_clear_pointer(&deleted, g_strfreev);
	g_assert_true(fut_egress_log_prune(dir, 13, utc(2026, 12, 1, 0, 0, 0), &deleted, &error));
	g_assert_cmpuint(g_strv_length(deleted), ==, 1);
	g_assert_cmpstr(deleted[0], ==, "egress-2025-10.jsonl");
	/* A longer retention deletes nothing more. */
	g_clear_pointer(&deleted, g_strfreev);
	g_assert_true(fut_egress_log_prune(dir, 60, utc(2026, 12, 1, 0, 0, 0), &deleted, &error));
	g_assert_cmpuint(g_strv_length(deleted), ==, 0);
	rm_rf(dir);
}

static void
test_months(void)
{
	gchar m[8];

	fut_log_month_next("2026-12", m);
	g_assert_cmpstr(m, ==, "2027-01");
	fut_log_month_prev("2026-01", m);
	g_assert_cmpstr(m, ==, "2025-12");
	g_assert_cmpint(fut_log_month_diff("2026-11", "2025-10"), ==, 13);
	g_assert_true(fut_egress_log_file_month("egress-2026-11.jsonl", m));
	g_assert_false(fut_egress_log_file_month("egress-2026-13.jsonl", m));
	g_assert_false(fut_egress_log_file_month("egress-2026-00.jsonl", m));
	g_assert_false(fut_egress_log_file_month("egress-2026-1x.jsonl", m));
	g_assert_false(fut_egress_log_file_month("egress-2026-11.jsonl~", m));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/egresslog/time-format-calendar", test_time_format_calendar);
	g_test_add_func("/log/merkle/vectors", test_merkle);
	g_test_add_func("/log/record/roundtrip", test_record_roundtrip);
	g_test_add_func("/log/record/garbage", test_record_garbage);
	g_test_add_func("/log/record/mutations", test_record_mutations);
	g_test_add_func("/log/record/escaping", test_record_escaping);
	g_test_add_func("/log/record/long-strings", test_record_long_strings);
	g_test_add_func("/log/checkpoint/witness", test_witness);
	g_test_add_func("/log/writer/basic", test_writer_basic);
	g_test_add_func("/log/writer/unclean-stop", test_writer_unclean);
	g_test_add_func("/log/writer/torn-tail", test_writer_torn);
	g_test_add_func("/log/writer/rotation", test_writer_rotation);
	g_test_add_func("/log/writer/checkpoint-interval", test_writer_checkpoint_interval);
	g_test_add_func("/log/writer/checkpoint-clock-back", test_writer_checkpoint_clock_back);
	g_test_add_func("/log/writer/append-fails", test_writer_append_fails);
	g_test_add_func("/log/writer/refuses", test_writer_refuses);
	g_test_add_func("/log/prune", test_prune);
	g_test_add_func("/log/months", test_months);
	return g_test_run();
}
