/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Recovery's question to the egress log (agent/writepath-logsearch.c, issue 18): the
 * export.written record of an interrupted batch's file is found from the month the batch
 * began in, however many months ago (before, only the newest two month files were read, so
 * a batch of an agent that was down across two month boundaries lost its logged files); an
 * export.failed record that withdraws it after it answers no; garbage lines are skipped; a
 * log that cannot be read answers yes. */
#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "agent/writepath.h"

#define P "a/.futari-partial-0123456789abcdef"

static gchar *
log_dir_new(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("futari-logsearch-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

static void
put(const gchar *dir, const gchar *month, const gchar *text)
{
	g_autofree gchar *name = g_strdup_printf("egress-%s.jsonl", month);
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
}

static void
rm_dir(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		g_chmod(p, 0600);
		g_unlink(p);
	}
	g_rmdir(dir);
}

static const gchar written[] = "{\"event\":\"export.written\",\"detail\":{\"partial\":\".futari-"
                               "partial-0123456789abcdef\"}}\n";
static const gchar retracted[] =
    "{\"event\":\"export.failed\",\"detail\":{\"partial\":\".futari-partial-0123456789abcdef\","
    "\"retracts\":\"export.written\"}}\n";

static void
test_months_back(void)
{
	g_autofree gchar *dir = log_dir_new();

	/* the batch began in July; the agent came back in December */
	put(dir, "2026-06", written); /* another run's record of the same name: never read */
	put(dir, "2026-07", "{\"event\":\"agent.start\"}\n");
	put(dir, "2026-08", written);
	put(dir, "2026-10", "{\"event\":\"checkpoint\"}\n");
	put(dir, "2026-11", "");
	put(dir, "2026-12", "{\"event\":\"agent.start\"}\n");
	g_assert_true(fut_write_log_holds_written(dir, "2026-07", P));
	g_assert_true(fut_write_log_holds_written(dir, "2026-08", P));
	g_assert_false(fut_write_log_holds_written(dir, "2026-09", P));
	/* unknown month: every month is read */
	g_assert_true(fut_write_log_holds_written(dir, NULL, P));
	g_assert_true(fut_write_log_holds_written(dir, "garbage", P));
	g_assert_true(fut_write_log_holds_written(dir, "2026-13", P));
	/* another partial name is not this one */
	g_assert_false(fut_write_log_holds_written(dir, "2026-07", "a/.futari-partial-ffff"));
	rm_dir(dir);
}

static void
test_retracted(void)
{
	g_autofree gchar *dir = log_dir_new();
	g_autofree gchar *both = g_strconcat(written, retracted, NULL);
	/* a failed record without "retracts" does not withdraw anything */
	g_autofree gchar *plain =
	    g_strconcat(written,
	                "{\"event\":\"export.failed\",\"detail\":{\"partial\":\".futari-partial-"
	                "0123456789abcdef\"}}\n",
	                NULL);

	put(dir, "2026-07", both);
	g_assert_false(fut_write_log_holds_written(dir, "2026-07", P));
	/* withdrawn in the next month file */
	put(dir, "2026-07", written);
	put(dir, "2026-08", retracted);
	g_assert_false(fut_write_log_holds_written(dir, "2026-07", P));
	{
		g_autofree gchar *p = g_build_filename(dir, "egress-2026-08.jsonl", NULL);
		g_unlink(p);
	}
	put(dir, "2026-07", plain);
	g_assert_true(fut_write_log_holds_written(dir, "2026-07", P));
	rm_dir(dir);
}

static void
test_garbage_and_unreadable(void)
{
	g_autofree gchar *dir = log_dir_new();
	g_autofree gchar *missing = g_build_filename(dir, "no-such-dir", NULL);
	g_autofree gchar *junk = g_strconcat(
	    "not json .futari-partial-0123456789abcdef\n", "[1,2,3]\n",
	    "{\"event\":\"export.written\",\"detail\":\".futari-partial-0123456789abcdef\"}\n",
	    "{\"event\":\"export.written\",\"detail\":{\"partial\":7}} "
	    ".futari-partial-0123456789abcdef\n",
	    NULL);

	put(dir, "2026-07", junk);
	g_assert_false(fut_write_log_holds_written(dir, "2026-07", P));
	/* a directory that cannot be listed, a month file that cannot be read: yes */
	g_assert_true(fut_write_log_holds_written(missing, "2026-07", P));
	if (getuid() != 0) {
		g_autofree gchar *p = g_build_filename(dir, "egress-2026-08.jsonl", NULL);
		put(dir, "2026-08", "");
		g_chmod(p, 0);
		g_assert_true(fut_write_log_holds_written(dir, "2026-07", P));
	}
	rm_dir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/write-logsearch/months-back", test_months_back);
	g_test_add_func("/agent/write-logsearch/retracted", test_retracted);
	g_test_add_func("/agent/write-logsearch/garbage-and-unreadable",
	                test_garbage_and_unreadable);
	return g_test_run();
}
