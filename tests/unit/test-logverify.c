/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "egresslog.h"
#include "errors.h"
#include "logrecord.h"
#include "log-fixture.h"
#include "logverify.h"
#include "util.h"

/* Every tamper case of the issue, each caught and named by its finding code. */

static void
test_clean(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(FutKey) pub = NULL;

	fixture_make(&fx, "pc-001", 1);
	pub = fut_key_dup_public(fx.key);
	res = verify(&fx, fx.witness, pub);
	g_assert_cmpuint(res->findings->len, ==, 0);
	g_assert_cmpstr(res->host, ==, "pc-001");
	g_assert_true(res->key_pinned);
	g_assert_cmpuint(res->months->len, ==, 3);
	g_assert_cmpuint(res->witnesses_checked, >, 10);
	/* one signature a month: the last checkpoint's tree authenticates the earlier ones, and
	 * every witness is one of those statements */
	g_assert_cmpuint(res->signatures_checked, ==, res->months->len);
	g_assert_nonnull(res->final_checkpoint);
	g_assert_cmpuint(res->records, ==, fut_log_event_name_is_known("gap") ? res->records : 0);
	{
		FutLogMonthSummary *oct = g_ptr_array_index(res->months, 1);
		g_assert_cmpstr(oct->month, ==, "2026-10");
		g_assert_cmpint(oct->first_seq, >, 0);
	}
	fixture_free(&fx);
}

static void
test_flipped_byte(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	gchar *p;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-10");
	p = strstr(g_ptr_array_index(lines, 5), "file-1-");
	g_assert_nonnull(p);
	p[0] = 'F';
	lines_write(&fx, "2026-10", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "hash-mismatch"));
	fixture_free(&fx);
}

static void
test_deleted_line(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-11");
	g_ptr_array_remove_index(lines, 6);
	lines_write(&fx, "2026-11", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "seq-gap"));
	g_assert_true(has_finding(res, "chain-broken"));
	fixture_free(&fx);
}

static void
test_swapped_lines(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	gpointer tmp;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-11");
	tmp = lines->pdata[5];
	lines->pdata[5] = lines->pdata[6];
	lines->pdata[6] = tmp;
	lines_write(&fx, "2026-11", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "seq-order"));
	g_assert_true(has_finding(res, "chain-broken"));
	fixture_free(&fx);
}

/* An inserted record with the whole chain recomputed: every hash and seq is consistent
 * again, only the signed checkpoints after it betray it. */
static void
test_inserted_rechained(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	guint at;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-11");
	at = nth_checkpoint(lines, 1) - 1;
	{
		g_autoptr(FutLogRecord) copy = parse_ok(g_ptr_array_index(lines, at));
		g_free(copy->ev->object.path);
		copy->ev->object.path = g_strdup("/home/user/alibi.txt");
		g_ptr_array_insert(lines, (gint)at, fut_log_record_encode(copy, NULL));
	}
	rechain(lines, at);
	lines_write(&fx, "2026-11", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "checkpoint-mismatch"));
	g_assert_false(has_finding(res, "chain-broken"));
	g_assert_false(has_finding(res, "seq-gap"));
	g_assert_false(has_finding(res, "hash-mismatch"));
	fixture_free(&fx);
}

/* The last records (agent.stop and the final checkpoint, and more) cut off at a record
 * boundary: the file alone looks fine, the witness from the collector does not. */
static void
test_truncated_tail(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(FutLogHostResult) res_w = NULL;
	g_autoptr(GPtrArray) lines = NULL;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-11");
	g_ptr_array_set_size(lines, nth_checkpoint(lines, 2) + 2);
	lines_write(&fx, "2026-11", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_cmpuint(res->findings->len, ==, 0);
	g_assert_cmpuint(res->notes->len, >, 0); /* the unsigned tail is mentioned */
	res_w = verify(&fx, fx.witness, NULL);
	g_assert_true(has_finding(res_w, "witness-beyond-log"));
	fixture_free(&fx);
}

static void
test_missing_month(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autofree gchar *oct = NULL;

	fixture_make(&fx, "pc-001", 1);
	oct = month_path(&fx, "2026-10");
	g_assert_cmpint(g_unlink(oct), ==, 0);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "month-missing"));
	fixture_free(&fx);

	/* The oldest month removed although it is within the retention. */
	fixture_make(&fx, "pc-001", 1);
	g_free(oct);
	oct = month_path(&fx, "2026-09");
	g_assert_cmpint(g_unlink(oct), ==, 0);
	g_clear_pointer(&res, fut_log_host_result_free);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "month-missing"));
	fixture_free(&fx);
}

/* A checkpoint replaced by another genuine checkpoint of the same host (valid signature),
 * chain recomputed. */
static void
test_replaced_checkpoint(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	guint a, b;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-11");
	a = nth_checkpoint(lines, 1);
	b = nth_checkpoint(lines, 2);
	{
		g_autoptr(FutLogRecord) older = parse_ok(g_ptr_array_index(lines, a));
		g_autoptr(FutLogRecord) newer = parse_ok(g_ptr_array_index(lines, b));
		fut_log_event_free(newer->ev);
		newer->ev = fut_log_event_copy(older->ev);
		newer->time_us = older->time_us;
		g_free(g_ptr_array_index(lines, b));
		g_ptr_array_index(lines, b) = fut_log_record_encode(newer, NULL);
	}
	rechain(lines, b);
	lines_write(&fx, "2026-11", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "checkpoint-mismatch"));
	g_assert_true(has_finding(res, "time-backwards"));
	g_assert_false(has_finding(res, "checkpoint-signature"));
	g_assert_false(has_finding(res, "chain-broken"));
	fixture_free(&fx);
}

static void
test_forged_signature(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	guint a;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-11");
	a = nth_checkpoint(lines, 1);
	{
		g_autoptr(FutLogRecord) cp = parse_ok(g_ptr_array_index(lines, a));
		g_autofree gchar *sig = g_strdup(fut_log_event_get_detail_str(cp->ev, "sig"));
		sig[10] = sig[10] == '0' ? '1' : '0';
		fut_log_event_set_detail(cp->ev, "sig", sig);
		g_free(g_ptr_array_index(lines, a));
		g_ptr_array_index(lines, a) = fut_log_record_encode(cp, NULL);
	}
	rechain(lines, a);
	lines_write(&fx, "2026-11", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "checkpoint-signature"));
	g_assert_false(has_finding(res, "chain-broken"));
	fixture_free(&fx);

	/* A whole log re-signed by another key: consistent, but not the pinned key. */
	{
		Fixture other;
		g_autoptr(FutKey) pinned = test_key(1);
		g_autoptr(FutLogHostResult) r2 = NULL;
		fixture_make(&other, "pc-001", 99);
		r2 = verify(&other, NULL, pinned);
		g_assert_true(has_finding(r2, "key-not-pinned"));
		fixture_free(&other);
	}
}

static void
test_foreign_host(void)
{
	Fixture a, b;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) la = NULL;
	g_autoptr(GPtrArray) lb = NULL;

	fixture_make(&a, "pc-001", 1);
	fixture_make(&b, "pc-002", 2);
	la = lines_read(&a, "2026-11");
	lb = lines_read(&b, "2026-11");
	g_free(g_ptr_array_index(la, 6));
	g_ptr_array_index(la, 6) = g_strdup(g_ptr_array_index(lb, 6));
	lines_write(&a, "2026-11", la);
	res = verify(&a, NULL, NULL);
	g_assert_true(has_finding(res, "foreign-host"));
	fixture_free(&a);
	fixture_free(&b);
}

static void
test_witness_checks(void)
{
	Fixture fx, other;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autofree gchar *wdata = NULL;

	/* Witnesses of another log that uses the same host name and key seed differ. */
	fixture_make(&fx, "pc-001", 1);
	fixture_make(&other, "pc-001", 1);
	{
		g_autoptr(GPtrArray) lines = lines_read(&other, "2026-11");
		g_autoptr(FutLogRecord) rec = parse_ok(g_ptr_array_index(lines, 3));
		(void)rec;
	}
	/* Same inputs give the same log (fake clock): so alter the other one first. */
	rm_rf(other.dir);
	g_mkdir(other.dir, 0700);
	{
		g_autoptr(GError) error = NULL;
		GString *w = g_string_new(NULL);
		FakeClock clock = {utc(2026, 11, 21, 8, 0, 0)};
		FutEgressLogOptions opts = {.clock_func = fake_clock,
		                            .clock_data = &clock,
		                            .checkpoint_func = on_checkpoint,
		                            .checkpoint_data = w};
		FutEgressLog *log =
		    fut_egress_log_open(other.dir, "pc-001", other.key, &opts, &error);
		g_assert_no_error(error);
		fut_egress_log_close(log, NULL, &error);
		g_file_set_contents(other.witness, w->str, -1, NULL);
		g_string_free(w, TRUE);
	}
	res = verify(&fx, other.witness, NULL);
	g_assert_true(has_finding(res, "witness-mismatch"));
	fixture_free(&other);

	/* A witness whose signature was tampered with. */
	g_file_get_contents(fx.witness, &wdata, NULL, NULL);
	{
		gchar *sig = strstr(wdata, "\"sig\":\"");
		sig[8] = sig[8] == 'a' ? 'b' : 'a';
		g_file_set_contents(fx.witness, wdata, -1, NULL);
	}
	g_clear_pointer(&res, fut_log_host_result_free);
	res = verify(&fx, fx.witness, NULL);
	g_assert_true(has_finding(res, "witness-signature"));
	fixture_free(&fx);

	/* Garbage in a witness file is refused with its line number. */
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *path = NULL;
		gint fd = g_file_open_tmp("futari-witness-XXXXXX", &path, NULL);
		close(fd);
		g_file_set_contents(path, "# ok\n\n{\"host\":\"x\"}\n", -1, NULL);
		g_assert_null(fut_log_witness_file_load(path, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, ":3:"));
		g_clear_error(&error);
		/* the same through an indexed witness file */
		g_assert_null(fut_log_witness_file_open(path, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, ":3:"));
		g_unlink(path);
	}
}

/* An indexed witness file (futari-audit's, for a whole fleet) reads its lines again when
 * their host is verified: a FIFO is refused at once, a line changed between the index and
 * the check is a finding, never a witness silently dropped. */
static void
test_witness_file_indexed(void)
{
	Fixture fx;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_witness_file_free);
	g_autoptr(FutLogHostResult) res = NULL;
	g_autofree gchar *wdata = NULL;
	g_autofree gchar *fifo = NULL;
	FutLogVerifyOptions opts = {0};
	FutLogWitnessFile *wf;
	gchar *at;

	fixture_make(&fx, "pc-001", 2);
	wf = fut_log_witness_file_open(fx.witness, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(fut_log_witness_file_count(wf), >, 2);
	g_ptr_array_add(files, wf);
	opts.witness_files = files;
	res = fut_log_verify_dir(fx.dir, &opts, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(res->findings->len, ==, 0);
	g_assert_cmpuint(res->witnesses_checked, ==, fut_log_witness_file_count(wf));
	g_clear_pointer(&res, fut_log_host_result_free);

	/* rewritten in place after the index: the host of the first line changed */
	g_assert_true(g_file_get_contents(fx.witness, &wdata, NULL, NULL));
	at = strstr(wdata, "\"host\":\"pc-001\"");
	g_assert_nonnull(at);
	at[strlen("\"host\":\"pc-00")] = '9';
	{
		int fd = open(fx.witness, O_WRONLY | O_CLOEXEC);
		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(write(fd, wdata, strlen(wdata)), ==, (gssize)strlen(wdata));
		close(fd);
	}
	res = fut_log_verify_dir(fx.dir, &opts, &error);
	g_assert_no_error(error);
	g_assert_true(has_finding(res, "unreadable"));

	/* lines are parsed in batches in parallel: a bad line after several batches is named
	 * by its own number, before a later over-long line */
	{
		g_autofree gchar *good = NULL;
		g_autofree gchar *big = g_strdup_printf("%s/witness-big", fx.dir);
		g_autoptr(GString) text = g_string_new(NULL);
		g_autofree gchar *want = NULL;
		guint n = 0;
		gchar *line;
		FutLogWitnessFile *bad;

		g_file_get_contents(fx.witness, &good, NULL, NULL);
		/* the fixture's first witness line, restored as pc-001's */
		at = strstr(good, "{\"host\":\"pc-00");
		g_assert_nonnull(at);
		line = g_strndup(at, strcspn(at, "\n"));
		line[strlen("{\"host\":\"pc-00")] = '1';
		while (n < 10000) {
			g_string_append_printf(text, "%s\n", line);
			n++;
		}
		g_string_append(text, "{\"host\":\"pc-001\"}\n");
		g_string_append_c(text, 'x');
		for (guint i = 0; i < 5000; i++)
			g_string_append_c(text, 'y');
		g_string_append_c(text, '\n');
		g_assert_true(g_file_set_contents(big, text->str, (gssize)text->len, NULL));
		bad = fut_log_witness_file_open(big, &error);
		g_assert_null(bad);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		want = g_strdup_printf(":%u: ", n + 1);
		g_assert_nonnull(strstr(error->message, want));
		g_clear_error(&error);
		/* without the bad line: every line indexed */
		g_string_truncate(text, (gsize)n * (strlen(line) + 1));
		g_assert_true(g_file_set_contents(big, text->str, (gssize)text->len, NULL));
		bad = fut_log_witness_file_open(big, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(fut_log_witness_file_count(bad), ==, n);
		fut_log_witness_file_free(bad);
		g_unlink(big);
		g_free(line);
	}

	/* a FIFO is refused, not waited on */
	fifo = g_build_filename(fx.dir, "witness-fifo", NULL);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_null(fut_log_witness_file_open(fifo, &error));
	g_assert_nonnull(error);
	g_unlink(fifo);
	fixture_free(&fx);
}

/* An old month cut short (its rotation checkpoint removed). */
static void
test_month_unsealed(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) lines = NULL;

	fixture_make(&fx, "pc-001", 1);
	lines = lines_read(&fx, "2026-10");
	g_ptr_array_set_size(lines, lines->len - 1);
	lines_write(&fx, "2026-10", lines);
	res = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(res, "month-unsealed") || has_finding(res, "month-link-broken"));
	g_assert_true(has_finding(res, "month-link-broken"));
	fixture_free(&fx);
}

/* kill -9 of a process appending as fast as it can: whatever it wrote durably verifies,
 * the torn tail (if any) is named, and after reopening the log verifies clean. */
static void
test_kill9(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-kill9-XXXXXX", &error);
	g_autoptr(FutKey) key = test_key(3);
	g_autoptr(FutLogHostResult) before = NULL;
	g_autoptr(FutLogHostResult) after = NULL;
	int pipefd[2];
	pid_t pid;
	gint64 durable_seq = -1;
	gchar buf[64];

	g_assert_no_error(error);
	g_assert_cmpint(pipe(pipefd), ==, 0);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		FutEgressLogOptions opts = {.checkpoint_records = 50};
		FutEgressLog *log;
		close(pipefd[0]);
		log = fut_egress_log_open(dir, "pc-kill", key, &opts, NULL);
		if (log == NULL)
			_exit(3);
		for (guint i = 0;; i++) {
			g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_UPLOAD_DENIED);
			g_autofree gchar *path = g_strdup_printf("/home/u/f\n%u\"}", i);
			gint64 seq = 0;
			gboolean durable = i % 16 == 0;
			fut_log_event_set_object(ev, path, i, NULL, "II");
			fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY,
			                           "class II to a browser");
			if (!fut_egress_log_append(log, ev,
			                           durable ? FUT_EGRESS_LOG_APPEND_DURABLE
			                                   : FUT_EGRESS_LOG_APPEND_NONE,
			                           &seq, NULL))
				_exit(4);
			if (durable) {
				gchar line[32];
				gint n = g_snprintf(line, sizeof(line), "%020" G_GINT64_FORMAT "\n",
				                    seq);
				if (write(pipefd[1], line, (gsize)n) != n)
					_exit(5);
			}
		}
	}
	close(pipefd[1]);
	/* Let it run until it has reported a good number of durable records. */
	for (gint n = 0; n < 40; n++) {
		gsize got = 0;
		while (got < 21) {
			ssize_t r = read(pipefd[0], buf + got, 21 - got);
			g_assert_cmpint(r, >, 0);
			got += (gsize)r;
		}
		buf[20] = '\0';
		durable_seq = g_ascii_strtoll(buf, NULL, 10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pipefd[0]);

	before = fut_log_verify_dir(dir, NULL, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < before->findings->len; i++) {
		FutLogFinding *f = g_ptr_array_index(before->findings, i);
		g_test_message("before reopen: %s %s", f->code, f->message);
		/* Only a torn tail may be found, nothing else. */
		g_assert_cmpstr(f->code, ==, "torn-tail");
	}
	g_assert_cmpint(((FutLogMonthSummary *)g_ptr_array_index(before->months, 0))->last_seq, >=,
	                durable_seq);

	{
		FutEgressLog *log = fut_egress_log_open(dir, "pc-kill", key, NULL, &error);
		g_assert_no_error(error);
		g_assert_true(fut_egress_log_close(log, NULL, &error));
	}
	after = fut_log_verify_dir(dir, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(after->findings->len, ==, 0);
	g_assert_cmpuint(after->gaps_unclean, ==, 1);
	g_assert_cmpuint(after->gaps_torn, ==, before->findings->len);
	rm_rf(dir);
}

/* A torn tail crafted byte by byte (a crash mid-write): named before reopen, accounted
 * after, and its bytes are still in the file. */
static void
test_torn_accounted(void)
{
	Fixture fx;
	g_autoptr(FutLogHostResult) before = NULL;
	g_autoptr(FutLogHostResult) after = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	FILE *f;

	fixture_make(&fx, "pc-001", 1);
	path = month_path(&fx, "2026-11");
	f = fopen(path, "a");
	fputs("{\"seq\":99,\"time\":\"2026-11-2", f);
	fclose(f);
	before = verify(&fx, NULL, NULL);
	g_assert_true(has_finding(before, "torn-tail"));
	g_assert_cmpuint(before->findings->len, ==, 1);
	{
		FakeClock clock = {utc(2026, 11, 25, 0, 0, 0)};
		FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
		FutEgressLog *log = fut_egress_log_open(fx.dir, "pc-001", fx.key, &opts, &error);
		g_assert_no_error(error);
		fut_egress_log_close(log, NULL, &error);
	}
	after = verify(&fx, fx.witness, NULL);
	g_assert_cmpuint(after->findings->len, ==, 0);
	g_assert_cmpuint(after->gaps_torn, ==, 1);
	/* A torn line followed by anything but its gap is a finding. */
	{
		g_autoptr(GPtrArray) lines = lines_read(&fx, "2026-11");
		g_autoptr(FutLogHostResult) again = NULL;
		guint torn = 0;
		for (guint i = 0; i < lines->len; i++) {
			if (g_str_has_prefix(g_ptr_array_index(lines, i), "{\"seq\":99,"))
				torn = i;
		}
		g_assert_cmpuint(torn, >, 0);
		g_ptr_array_remove_index(lines, torn + 1);
		lines_write(&fx, "2026-11", lines);
		again = verify(&fx, NULL, NULL);
		g_assert_true(has_finding(again, "malformed"));
	}
	fixture_free(&fx);
}

static void
test_garbage_dirs(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutLogHostResult) res = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-garbage-XXXXXX", &error);
	g_autofree gchar *p = g_build_filename(dir, "egress-2026-11.jsonl", NULL);

	g_assert_null(fut_log_verify_dir("/nonexistent/futari", NULL, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	res = fut_log_verify_dir(dir, NULL, &error);
	g_assert_true(has_finding(res, "no-records"));
	g_clear_pointer(&res, fut_log_host_result_free);
	g_file_set_contents(p, "\x00\xff garbage\n{}\n[\n", 16, NULL);
	res = fut_log_verify_dir(dir, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(has_finding(res, "malformed"));
	g_assert_true(has_finding(res, "no-records"));
	rm_rf(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/verify/clean", test_clean);
	g_test_add_func("/log/verify/flipped-byte", test_flipped_byte);
	g_test_add_func("/log/verify/deleted-line", test_deleted_line);
	g_test_add_func("/log/verify/swapped-lines", test_swapped_lines);
	g_test_add_func("/log/verify/inserted-rechained", test_inserted_rechained);
	g_test_add_func("/log/verify/truncated-tail", test_truncated_tail);
	g_test_add_func("/log/verify/missing-month", test_missing_month);
	g_test_add_func("/log/verify/replaced-checkpoint", test_replaced_checkpoint);
	g_test_add_func("/log/verify/forged-signature", test_forged_signature);
	g_test_add_func("/log/verify/foreign-host", test_foreign_host);
	g_test_add_func("/log/verify/witness", test_witness_checks);
	g_test_add_func("/log/verify/witness-file-indexed", test_witness_file_indexed);
	g_test_add_func("/log/verify/month-unsealed", test_month_unsealed);
	g_test_add_func("/log/verify/torn-accounted", test_torn_accounted);
	g_test_add_func("/log/verify/kill9", test_kill9);
	g_test_add_func("/log/verify/garbage", test_garbage_dirs);
	return g_test_run();
}
