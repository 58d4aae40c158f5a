/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "egresslog.h"
#include "log-fixture.h"
#include "logverify.h"
#include "util.h"

/* Issue 15: logs a forger makes with the project's writer and a text editor, each of which
 * the verifier must refuse. Every log is made here, at test time. */

static const guint8 zeros[FUT_SHA256_LEN];

static GHashTable *
keys_table(const gchar *host, const FutKey *key)
{
	GHashTable *t =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)fut_key_free);
	g_hash_table_insert(t, g_strdup(host), fut_key_dup_public(key));
	return t;
}

static gboolean
has_note(FutLogHostResult *res, const gchar *part)
{
	for (guint i = 0; i < res->notes->len; i++) {
		if (strstr(g_ptr_array_index(res->notes, i), part) != NULL)
			return TRUE;
	}
	return FALSE;
}

/* A log no key ever signed: agent.start and every checkpoint removed, records renumbered
 * from seq 0 and re-chained. Consistent, and worthless. */
static void
test_unsigned_forgery(void)
{
	Fixture fx;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(FutKey) pub = NULL;
	g_autoptr(GHashTable) keys = NULL;
	g_autofree gchar *oct = NULL;
	g_autofree gchar *nov = NULL;

	fixture_make(&fx, "pc-001", 1);
	pub = fut_key_dup_public(fx.key);
	oct = month_path(&fx, "2026-10");
	nov = month_path(&fx, "2026-11");
	g_assert_cmpint(g_unlink(oct), ==, 0);
	g_assert_cmpint(g_unlink(nov), ==, 0);
	lines = lines_read(&fx, "2026-09");
	for (guint i = 0; i < lines->len; i++) {
		const gchar *l = g_ptr_array_index(lines, i);
		if (strstr(l, "\"event\":\"checkpoint\"") == NULL &&
		    strstr(l, "\"event\":\"agent.start\"") == NULL)
			g_ptr_array_add(kept, g_strdup(l));
	}
	g_assert_cmpuint(kept->len, >, 5);
	rechain_from(kept, 0, -1, zeros);
	lines_write(&fx, "2026-09", kept);
	{
		FutLogVerifyOptions opts = {.pinned_key = pub};
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "not-signed"));
		g_assert_false(res->key_pinned);
	}
	keys = keys_table("pc-001", fx.key);
	{
		FutLogVerifyOptions opts = {.pinned_keys = keys};
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "not-signed"));
	}
	{
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, NULL);
		g_assert_true(has_finding(res, "not-signed"));
	}
	fixture_free(&fx);
}

/* A log signed by another key whose first line is torn: the host must still be known, and
 * its pinned key and witnesses still applied. */
static void
test_torn_first_line(void)
{
	Fixture fx, genuine;
	g_autoptr(GHashTable) keys = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GPtrArray) witnesses = NULL;
	g_autoptr(GHashTable) index = NULL;
	g_autoptr(GError) error = NULL;

	fixture_make(&genuine, "pc-001", 1);
	fixture_make(&fx, "pc-001", 99);
	keys = keys_table("pc-001", genuine.key);
	lines = lines_read(&fx, "2026-09");
	{
		/* one byte of the first line lost */
		gchar *first = g_ptr_array_index(lines, 0);
		memmove(first + 5, first + 6, strlen(first + 6) + 1);
	}
	lines_write(&fx, "2026-09", lines);
	{
		FutLogVerifyOptions opts = {.pinned_keys = keys};
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_cmpstr(res->host, ==, "pc-001");
		g_assert_true(has_finding(res, "malformed"));
		g_assert_true(has_finding(res, "key-not-pinned"));
		g_assert_false(res->key_pinned);
	}
	/* the genuine host's witnesses are applied too */
	witnesses = fut_log_witness_file_load(genuine.witness, &error);
	g_assert_no_error(error);
	index = fut_log_witness_index_new(witnesses);
	{
		FutLogVerifyOptions opts = {.witnesses = witnesses, .witness_index = index};
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(res->witnessed);
		g_assert_cmpuint(res->witnesses_checked, >, 0);
		g_assert_true(has_finding(res, "witness-mismatch") ||
		              has_finding(res, "witness-signature"));
	}
	fixture_free(&fx);
	fixture_free(&genuine);
}

/* Appends to @month a record continuing the chain of @from_month's last line, at @time_us. */
static void
append_made_up(Fixture *fx, const gchar *from_month, const gchar *month, gint64 time_us)
{
	g_autoptr(GPtrArray) src = lines_read(fx, from_month);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(FutLogRecord) last = parse_ok(g_ptr_array_index(src, src->len - 1));
	g_autoptr(FutLogRecord) rec = parse_ok(g_ptr_array_index(src, 1));
	g_autofree gchar *path = month_path(fx, month);

	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_ptr_array_unref(out);
		out = lines_read(fx, month);
	}
	rec->seq = last->seq + 1;
	rec->time_us = time_us;
	memcpy(rec->prev, last->hash, FUT_SHA256_LEN);
	g_ptr_array_add(out, fut_log_record_encode(rec, NULL));
	lines_write(fx, month, out);
}

/* The oldest month deleted and a made-up record in a file named for a future month: the
 * retention is not counted from a file name, and the future is a finding. */
static void
test_future_month(void)
{
	Fixture fx;
	g_autofree gchar *sep = NULL;
	FutLogVerifyOptions opts = {.now_us = utc(2026, 12, 3, 12, 0, 0)};

	fixture_make(&fx, "pc-001", 1);
	sep = month_path(&fx, "2026-09");
	g_assert_cmpint(g_unlink(sep), ==, 0);
	append_made_up(&fx, "2026-11", "2027-12", utc(2027, 12, 5, 9, 0, 0));
	{
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "month-missing"));
		g_assert_true(has_finding(res, "time-future"));
		g_assert_false(has_note(res, "past the retention"));
	}
	/* A clock far ahead does not excuse the missing month either: the retention is counted
	 * from the newest record. */
	{
		g_autofree gchar *dec = month_path(&fx, "2027-12");
		FutLogVerifyOptions later = {.now_us = utc(2029, 1, 1, 0, 0, 0)};
		g_autoptr(FutLogHostResult) res = NULL;
		g_assert_cmpint(g_unlink(dec), ==, 0);
		res = verify_with(fx.dir, &later);
		g_assert_true(has_finding(res, "month-missing"));
	}
	fixture_free(&fx);

	/* A record of today in a file named for a later month. */
	fixture_make(&fx, "pc-001", 1);
	append_made_up(&fx, "2026-11", "2027-12", utc(2026, 12, 1, 9, 0, 0));
	{
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "month-mismatch"));
		g_assert_true(has_finding(res, "time-future"));
	}
	fixture_free(&fx);

	/* A record after the clock in the newest file, and one before its month. */
	fixture_make(&fx, "pc-001", 1);
	append_made_up(&fx, "2026-11", "2026-11", utc(2026, 12, 20, 9, 0, 0));
	{
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "time-future"));
		g_assert_true(has_finding(res, "month-mismatch"));
	}
	fixture_free(&fx);
	fixture_make(&fx, "pc-001", 1);
	append_made_up(&fx, "2026-11", "2026-12", utc(2026, 11, 30, 9, 0, 0));
	{
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "month-mismatch"));
	}
	fixture_free(&fx);
}

/* One signature is checked per month, the last checkpoint's: when that one is forged, it is
 * a finding, the checkpoint before it is tried, and the records after that are unsigned. */
static void
test_last_checkpoint_forged(void)
{
	Fixture fx;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(FutLogHostResult) res = NULL;
	guint last = 0;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-10");
	for (guint i = 0; i < lines->len; i++) {
		if (strstr(g_ptr_array_index(lines, i), "\"event\":\"checkpoint\"") != NULL)
			last = i;
	}
	g_assert_cmpuint(last, ==, lines->len - 1); /* the rotation checkpoint seals it */
	{
		g_autoptr(FutLogRecord) cp = parse_ok(g_ptr_array_index(lines, last));
		g_autofree gchar *sig = g_strdup(fut_log_event_get_detail_str(cp->ev, "sig"));
		sig[3] = sig[3] == '0' ? '1' : '0';
		fut_log_event_set_detail(cp->ev, "sig", sig);
		g_free(g_ptr_array_index(lines, last));
		g_ptr_array_index(lines, last) = fut_log_record_encode(cp, NULL);
	}
	rechain(lines, last);
	lines_write(&fx, "2026-10", lines);
	/* the next month's first record links to the old last hash: re-link it too */
	{
		g_autoptr(GPtrArray) nov = lines_read(&fx, "2026-11");
		g_autoptr(FutLogRecord) tail = parse_ok(g_ptr_array_index(lines, last));
		rechain_from(nov, 0, tail->seq, tail->hash);
		lines_write(&fx, "2026-11", nov);
	}
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "checkpoint-signature"));
	g_assert_true(has_finding(res, "month-unsealed"));
	fixture_free(&fx);
}

/* --keys without a key for the host is no quiet downgrade. */
static void
test_keys_missing(void)
{
	Fixture fx;
	g_autoptr(GHashTable) keys = NULL;

	fixture_make(&fx, "pc-001", 1);
	keys = keys_table("pc-999", fx.key);
	{
		FutLogVerifyOptions opts = {.pinned_keys = keys};
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_true(has_finding(res, "key-missing"));
		g_assert_false(res->key_pinned);
	}
	g_hash_table_insert(keys, g_strdup("pc-001"), fut_key_dup_public(fx.key));
	{
		FutLogVerifyOptions opts = {.pinned_keys = keys};
		g_autoptr(FutLogHostResult) res = verify_with(fx.dir, &opts);
		g_assert_cmpuint(res->findings->len, ==, 0);
		g_assert_true(res->key_pinned);
	}
	fixture_free(&fx);
}

/* A FIFO as a month file: refused at once, never waited on. Run in a child so that the old
 * blocking open() fails the test by its timeout instead of hanging the suite. */
static void
test_fifo(void)
{
	if (g_test_subprocess()) {
		Fixture fx;
		g_autofree gchar *p = NULL;
		g_autoptr(FutLogHostResult) res = NULL;
		fixture_make(&fx, "pc-001", 1);
		p = month_path(&fx, "2026-12");
		g_assert_cmpint(mkfifo(p, 0600), ==, 0);
		res = verify_with(fx.dir, NULL);
		g_assert_true(has_finding(res, "unreadable"));
		fixture_free(&fx);
		return;
	}
	g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/* The agent's own scan at start: a FIFO as its newest month file is refused, not waited
 * on (the writer then refuses to open, so nothing leaves unlogged). */
static void
test_agent_scan_fifo(void)
{
	if (g_test_subprocess()) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *dir = g_dir_make_tmp("futari-agentfifo-XXXXXX", &error);
		g_autofree gchar *p = g_build_filename(dir, "egress-2026-11.jsonl", NULL);
		g_autoptr(FutKey) key = test_key(1);
		FakeClock clock = {.now = utc(2026, 11, 20, 8, 0, 0)};
		FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
		FutEgressLog *log;
		g_assert_cmpint(mkfifo(p, 0600), ==, 0);
		log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
		g_assert_null(log);
		g_assert_nonnull(error);
		g_test_message("refused: %s", error->message);
		g_unlink(p);
		rm_rf(dir);
		return;
	}
	g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

typedef struct {
	gchar *path;
	gboolean done;
} Shrink;

static void
shrink_on_progress(guint64 bytes, gpointer data)
{
	Shrink *s = data;

	if (!s->done) {
		s->done = TRUE;
		g_assert_cmpint(truncate(s->path, 100), ==, 0);
	}
	(void)bytes;
}

/* A month file cut while it is read: a finding, not a SIGBUS. */
static void
test_shrinking(void)
{
	if (g_test_subprocess()) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *dir = g_dir_make_tmp("futari-shrink-XXXXXX", &error);
		g_autoptr(GString) big = g_string_new(NULL);
		g_autoptr(FutLogHostResult) res = NULL;
		Shrink s = {0};
		FutLogVerifyOptions opts = {.progress_func = shrink_on_progress,
		                            .progress_data = &s};
		s.path = g_build_filename(dir, "egress-2026-11.jsonl", NULL);
		while (big->len < 8 * 1024 * 1024)
			g_string_append(big,
			                "{\"seq\":1,\"padding\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n");
		g_assert_true(g_file_set_contents(s.path, big->str, (gssize)big->len, NULL));
		res = verify_with(dir, &opts);
		g_assert_true(s.done);
		g_assert_true(has_finding(res, "unreadable"));
		g_unlink(s.path);
		g_free(s.path);
		rm_rf(dir);
		return;
	}
	g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/* Without a witness the result says every time what cannot be detected. */
static void
test_witness_note(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) bare = NULL;
	g_autoptr(FutLogHostResult) with = NULL;

	fixture_make(&fx, "pc-001", 1);
	bare = verify(&fx, NULL, NULL);
	g_assert_false(bare->witnessed);
	g_assert_true(has_note(bare, "cannot be detected"));
	with = verify(&fx, fx.witness, NULL);
	g_assert_true(with->witnessed);
	g_assert_false(has_note(with, "cannot be detected"));
	fixture_free(&fx);
}

/* The same host or directory twice is flagged. */
static void
test_duplicates(void)
{
	Fixture fx;
	g_autoptr(GPtrArray) results =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_host_result_free);

	fixture_make(&fx, "pc-001", 1);
	g_ptr_array_add(results, verify(&fx, NULL, NULL));
	g_ptr_array_add(results, verify(&fx, NULL, NULL));
	g_ptr_array_add(results, fut_log_host_result_new_unreadable("/nonexistent", "gone"));
	g_assert_cmpuint(fut_log_host_results_flag_duplicates(results), ==, 1);
	g_assert_false(has_finding(g_ptr_array_index(results, 0), "duplicate-host"));
	g_assert_true(has_finding(g_ptr_array_index(results, 1), "duplicate-host"));
	g_assert_true(has_finding(g_ptr_array_index(results, 2), "unreadable"));
	fixture_free(&fx);
}

/* --- months in parallel ---------------------------------------------------------------- */

/* A log of @n months (from 2026-04 on), checkpoints every 3 records, witnesses collected. */
static void
fixture_make_months(Fixture *fx, guint n)
{
	g_autoptr(GError) error = NULL;
	GString *witness = g_string_new("");
	FakeClock clock;
	FutEgressLogOptions opts = {.clock_func = fake_clock,
	                            .clock_data = &clock,
	                            .checkpoint_records = 3,
	                            .checkpoint_func = on_checkpoint,
	                            .checkpoint_data = witness};
	gint fd;

	fx->dir = g_dir_make_tmp("futari-months-XXXXXX", &error);
	g_assert_no_error(error);
	fx->key = test_key(7);
	for (guint run = 0; run < n; run++) {
		FutEgressLog *log;
		clock.now = utc(2026, 4 + (gint)run, 10, 8, 0, 0);
		log = fut_egress_log_open(fx->dir, "pc-months", fx->key, &opts, &error);
		g_assert_no_error(error);
		for (gint i = 0; i < 8; i++) {
			g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_EXPORT_WRITTEN);
			g_autofree gchar *path = g_strdup_printf("/home/u/m%u-%d", run, i);
			fut_log_event_set_object(ev, path, 100 + i, NULL, "II");
			clock.now += G_USEC_PER_SEC;
			g_assert_true(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE,
			                                    NULL, &error));
			g_assert_no_error(error);
		}
		g_assert_true(fut_egress_log_close(log, NULL, &error));
		g_assert_no_error(error);
	}
	fd = g_file_open_tmp("futari-witness-XXXXXX", &fx->witness, &error);
	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(fx->witness, witness->str, -1, NULL));
	g_string_free(witness, TRUE);
}

/* Verifies @fx one month after another and with the months in parallel: both must give the
 * same findings (code, file, line, seq, message) in the same order, notes and counts.
 * Returns how many months the parallel run verified on their own. */
static guint
check_same_both_ways(Fixture *fx, gboolean pinned_and_witnessed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) witnesses = NULL;
	FutLogVerifyOptions opts = {0};
	g_autoptr(FutLogHostResult) seq = NULL;
	g_autoptr(FutLogHostResult) par = NULL;

	if (pinned_and_witnessed) {
		witnesses = fut_log_witness_file_load(fx->witness, &error);
		g_assert_no_error(error);
		opts.witnesses = witnesses;
		opts.pinned_key = fx->key;
	}
	opts.max_threads = 1;
	seq = verify_with(fx->dir, &opts);
	opts.max_threads = 4;
	par = verify_with(fx->dir, &opts);
	g_assert_cmpuint(seq->months_parallel, ==, 0);
	g_assert_cmpuint(par->findings->len, ==, seq->findings->len);
	for (guint i = 0; i < seq->findings->len; i++) {
		FutLogFinding *a = g_ptr_array_index(seq->findings, i);
		FutLogFinding *b = g_ptr_array_index(par->findings, i);
		g_assert_cmpstr(a->code, ==, b->code);
		g_assert_cmpstr(a->file, ==, b->file);
		g_assert_cmpuint(a->line, ==, b->line);
		g_assert_cmpint(a->seq, ==, b->seq);
		g_assert_cmpstr(a->message, ==, b->message);
	}
	g_assert_cmpuint(par->notes->len, ==, seq->notes->len);
	for (guint i = 0; i < seq->notes->len; i++)
		g_assert_cmpstr(g_ptr_array_index(seq->notes, i), ==,
		                g_ptr_array_index(par->notes, i));
	g_assert_cmpuint(par->records, ==, seq->records);
	g_assert_cmpuint(par->gaps_torn + par->gaps_clock + par->gaps_unclean + par->gaps_overflow,
	                 ==,
	                 seq->gaps_torn + seq->gaps_clock + seq->gaps_unclean + seq->gaps_overflow);
	g_assert_cmpuint(par->witnesses_checked, ==, seq->witnesses_checked);
	g_assert_cmpint(par->key_pinned, ==, seq->key_pinned);
	g_assert_cmpint(par->witnessed, ==, seq->witnessed);
	g_assert_cmpuint(par->months->len, ==, seq->months->len);
	for (guint i = 0; i < seq->months->len; i++) {
		FutLogMonthSummary *a = g_ptr_array_index(seq->months, i);
		FutLogMonthSummary *b = g_ptr_array_index(par->months, i);
		g_assert_cmpstr(a->month, ==, b->month);
		g_assert_cmpuint(a->records, ==, b->records);
		g_assert_cmpuint(a->checkpoints, ==, b->checkpoints);
		g_assert_cmpuint(a->unsigned_tail, ==, b->unsigned_tail);
		g_assert_cmpint(a->first_seq, ==, b->first_seq);
		g_assert_cmpint(a->last_seq, ==, b->last_seq);
	}
	g_assert_true((par->final_checkpoint == NULL) == (seq->final_checkpoint == NULL));
	return par->months_parallel;
}

static void
check_months_edit(void (*edit)(Fixture *fx), gboolean expect_findings)
{
	Fixture fx;

	fixture_make_months(&fx, 7);
	edit(&fx);
	for (gint mode = 0; mode < 2; mode++) {
		g_autoptr(FutLogHostResult) res = NULL;
		FutLogVerifyOptions opts = {.pinned_key = mode ? fx.key : NULL};
		res = verify_with(fx.dir, &opts);
		g_assert_cmpint(res->findings->len > 0, ==, expect_findings);
		check_same_both_ways(&fx, mode);
	}
	fixture_free(&fx);
}

static void
edit_none(Fixture *fx)
{
	(void)fx;
}

/* A byte of a middle month's record changed. */
static void
edit_flip(Fixture *fx)
{
	g_autoptr(GPtrArray) l = lines_read(fx, "2026-06");
	gchar *line = g_ptr_array_index(l, 2);
	line[strlen(line) / 2] ^= 1;
	lines_write(fx, "2026-06", l);
}

/* The first records of a month gone: the link to the month before breaks. */
static void
edit_cut_head(Fixture *fx)
{
	g_autoptr(GPtrArray) l = lines_read(fx, "2026-07");
	g_ptr_array_remove_range(l, 0, 2);
	lines_write(fx, "2026-07", l);
}

/* A month in the middle deleted. */
static void
edit_drop_month(Fixture *fx)
{
	g_autofree gchar *p = month_path(fx, "2026-08");
	g_assert_cmpint(g_unlink(p), ==, 0);
}

/* A month's content replaced by an earlier month's. */
static void
edit_replay_month(Fixture *fx)
{
	g_autoptr(GPtrArray) l = lines_read(fx, "2026-05");
	lines_write(fx, "2026-09", l);
}

/* Two months signed by another key (a month from another host's log of the same name):
 * the once-per-log key finding must come once, from the first of them. */
static void
edit_other_key(Fixture *fx)
{
	Fixture other;

	fixture_make(&other, "pc-months", 3);
	{
		g_autoptr(GPtrArray) l = lines_read(&other, "2026-10");
		lines_write(fx, "2026-06", l);
		lines_write(fx, "2026-08", l);
	}
	fixture_free(&other);
}

/* The first record of a month re-timed before the last of the month before, chain
 * recomputed from it: time goes back across the months' boundary. */
static void
edit_time_back(Fixture *fx)
{
	g_autoptr(GPtrArray) before = lines_read(fx, "2026-07");
	g_autoptr(GPtrArray) l = lines_read(fx, "2026-08");
	g_autoptr(FutLogRecord) last = parse_ok(g_ptr_array_index(before, before->len - 1));
	g_autoptr(FutLogRecord) first = parse_ok(g_ptr_array_index(l, 0));
	g_autofree gchar *line = NULL;

	first->time_us = last->time_us - G_USEC_PER_SEC;
	line = fut_log_record_encode(first, NULL);
	g_free(g_ptr_array_index(l, 0));
	g_ptr_array_index(l, 0) = g_steal_pointer(&line);
	rechain(l, 1);
	lines_write(fx, "2026-08", l);
}

/* A month's rotation checkpoint moved to the head of the next file (chain intact; it is
 * compared with the month before, which a month verified on its own cannot: that month is
 * read again in order), and a torn line in the middle of another. */
static void
edit_checkpoint_first(Fixture *fx)
{
	g_autoptr(GPtrArray) before = lines_read(fx, "2026-05");
	g_autoptr(GPtrArray) l = lines_read(fx, "2026-06");
	g_autoptr(GPtrArray) t = lines_read(fx, "2026-09");

	g_ptr_array_insert(l, 0, g_ptr_array_steal_index(before, before->len - 1));
	lines_write(fx, "2026-05", before);
	lines_write(fx, "2026-06", l);
	g_ptr_array_insert(t, 3, g_strdup("{\"seq\":12,\"ti"));
	lines_write(fx, "2026-09", t);
}

static void
test_months_parallel(void)
{
	Fixture fx;

	/* the parallel path is taken: every month after the first on its own */
	fixture_make_months(&fx, 7);
	g_assert_cmpuint(check_same_both_ways(&fx, TRUE), ==, 6);
	g_assert_cmpuint(check_same_both_ways(&fx, FALSE), ==, 6);
	fixture_free(&fx);

	check_months_edit(edit_none, FALSE);
	check_months_edit(edit_flip, TRUE);
	check_months_edit(edit_cut_head, TRUE);
	check_months_edit(edit_drop_month, TRUE);
	check_months_edit(edit_replay_month, TRUE);
	check_months_edit(edit_other_key, TRUE);
	check_months_edit(edit_time_back, TRUE);
	check_months_edit(edit_checkpoint_first, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/tamper/unsigned-forgery", test_unsigned_forgery);
	g_test_add_func("/log/tamper/torn-first-line", test_torn_first_line);
	g_test_add_func("/log/tamper/future-month", test_future_month);
	g_test_add_func("/log/tamper/keys-missing", test_keys_missing);
	g_test_add_func("/log/tamper/last-checkpoint-forged", test_last_checkpoint_forged);
	g_test_add_func("/log/tamper/fifo", test_fifo);
	g_test_add_func("/log/tamper/shrinking", test_shrinking);
	g_test_add_func("/log/tamper/agent-scan-fifo", test_agent_scan_fifo);
	g_test_add_func("/log/tamper/witness-note", test_witness_note);
	g_test_add_func("/log/tamper/duplicates", test_duplicates);
	g_test_add_func("/log/tamper/months-parallel", test_months_parallel);
	return g_test_run();
}
