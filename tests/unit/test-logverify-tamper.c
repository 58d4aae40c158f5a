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
	return g_test_run();
}
