/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "logrecord.h"
#include "merkle.h"
#include "test-egresslog.h"
#include "util.h"

gint64
fake_clock(gpointer data)
{
	return ((FakeClock *)data)->now;
}

gint64
utc(gint y, gint mo, gint d, gint h, gint mi, gint s)
{
	g_autoptr(GDateTime) dt = g_date_time_new_utc(y, mo, d, h, mi, s);
	return g_date_time_to_unix(dt) * G_USEC_PER_SEC;
}

FutKey *
test_key(guint8 fill)
{
	guint8 seed[FUT_ED25519_SEED_LEN];
	memset(seed, fill, sizeof(seed));
	return fut_key_new_from_seed(seed, NULL);
}

gchar *
make_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("futari-log-XXXXXX", &error);
	g_assert_no_error(error);
	return dir;
}

void
rm_rf(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

/* Reads the lines of a month file (LF removed; an unterminated tail is kept as a line). */
GPtrArray *
read_lines(const gchar *dir, const gchar *month)
{
	g_autofree gchar *path = g_strdup_printf("%s/egress-%s.jsonl", dir, month);
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	gsize start = 0;

	g_file_get_contents(path, &data, &len, &error);
	g_assert_no_error(error);
	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\n') {
			g_ptr_array_add(lines, g_strndup(data + start, i - start));
			start = i + 1;
		}
	}
	if (start < len)
		g_ptr_array_add(lines, g_strndup(data + start, len - start));
	return lines;
}

FutLogRecord *
parse_ok(const gchar *line)
{
	g_autoptr(GError) error = NULL;
	FutLogRecord *rec = fut_log_record_parse(line, strlen(line), &error);
	g_assert_no_error(error);
	g_assert_nonnull(rec);
	return rec;
}

/* Checks the chain through @lines (all must be records), starting after @prev/@seq; the
 * month's tree must match every checkpoint. Returns the number of checkpoints. */
guint
check_chain(GPtrArray *lines, guint8 prev[FUT_SHA256_LEN], gint64 *seq)
{
	g_autoptr(FutMerkle) tree = fut_merkle_new();
	guint checkpoints = 0;

	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		g_autoptr(FutLogRecord) rec = parse_ok(line);
		g_assert_cmpint(rec->seq, ==, *seq);
		g_assert_cmpmem(rec->prev, FUT_SHA256_LEN, prev, FUT_SHA256_LEN);
		if (g_strcmp0(rec->ev->event, FUT_LOG_EV_CHECKPOINT) == 0) {
			g_autoptr(GError) error = NULL;
			g_autoptr(FutLogCheckpoint) cp =
			    fut_log_checkpoint_from_record(rec, &error);
			guint8 root[FUT_SHA256_LEN];
			g_assert_no_error(error);
			g_assert_true(fut_log_checkpoint_verify(cp, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(cp->size, ==, fut_merkle_size(tree));
			fut_merkle_root(tree, root);
			g_assert_cmpmem(cp->root, FUT_SHA256_LEN, root, FUT_SHA256_LEN);
			g_assert_cmpint(cp->last_seq, ==, *seq - 1);
			g_assert_cmpmem(cp->last_hash, FUT_SHA256_LEN, prev, FUT_SHA256_LEN);
			checkpoints++;
		}
		fut_merkle_append(tree, line, strlen(line));
		memcpy(prev, rec->hash, FUT_SHA256_LEN);
		(*seq)++;
	}
	return checkpoints;
}

const gchar *
event_of(GPtrArray *lines, guint i)
{
	static gchar buf[64];
	g_autoptr(FutLogRecord) rec = parse_ok(g_ptr_array_index(lines, i));
	g_strlcpy(buf, rec->ev->event, sizeof(buf));
	return buf;
}

FutLogEvent *
sample_export(const gchar *path)
{
	FutLogEvent *ev = fut_log_event_new(FUT_LOG_EV_EXPORT_WRITTEN);
	fut_log_event_set_subject(ev, 1000, "tanaka", 1000, 4242, "/usr/libexec/futari/futarid");
	fut_log_event_set_object(ev, path, 12345,
	                         "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9",
	                         "II");
	fut_log_event_set_usb(ev, "0781", "5581", "4C530001231120115142", "1234-ABCD", "USBSTICK",
	                      "M-0001");
	fut_log_event_set_decision(ev, FUT_LOG_DECISION_ALLOW, "入札仕様書を業者へ渡すため");
	fut_log_event_set_request(ev, "r-7f3a");
	fut_log_event_add_approver(ev, "A-0042");
	return ev;
}
