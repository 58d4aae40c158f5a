/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The desktop's progress of an export job (agent/export-progress.c): the "job" argument
 * refuses garbage with a reason; events add up a job's calls, come at most every 250 ms
 * (a change held back is sent when due, the last always), go only to the job's uid, end the job
 * when its files are done or when it sat idle, and the number of jobs followed is bounded. */
#include "config.h"

#include <string.h>

#include "agent/export-progress.h"
#include "errors.h"

#define MS 1000

typedef struct {
	GPtrArray *events; /* JsonObject*, each with "uid" added */
} Sink;

static void
sink_emit(uid_t uid, JsonObject *event, gpointer data)
{
	Sink *s = data;
	JsonObject *copy = json_object_new();
	GList *names = json_object_get_members(event);

	for (GList *l = names; l != NULL; l = l->next)
		json_object_set_member(copy, l->data,
		                       json_node_copy(json_object_get_member(event, l->data)));
	g_list_free(names);
	json_object_set_int_member(copy, "uid", uid);
	g_ptr_array_add(s->events, copy);
}

static JsonObject *
ev(Sink *s, guint i)
{
	g_assert_cmpuint(i, <, s->events->len);
	return s->events->pdata[i];
}

static gint64
num(JsonObject *o, const gchar *name)
{
	return json_object_get_int_member(o, name);
}

static JsonObject *
parse_obj(const gchar *text)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static void
test_arg_garbage(void)
{
	static const gchar *const bad[] = {
	    "{\"job\": 1}",
	    "{\"job\": \"abc\"}",
	    "{\"job\": {}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1, \"bytes\": 0, \"x\": 1}}",
	    "{\"job\": {\"id\": 7, \"files\": 1, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"short\", \"files\": 1, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"0123456789ABCDEF\", \"files\": 1, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"../../etc/passwd\", \"files\": 1, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 0, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1000001, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1.5, \"bytes\": 0}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1, \"bytes\": -1}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1, \"bytes\": \"9\"}}",
	    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 1, \"bytes\": 9007199254740993}}",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(JsonObject) args = parse_obj(bad[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(FutExportJobArg) a = NULL;

		g_assert_false(fut_export_job_arg_parse(args, &a, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_null(a);
		g_assert_null(strchr(error->message, '\n'));
		g_assert_true(g_str_has_prefix(error->message, "\"job\": "));
	}
	{
		g_autoptr(JsonObject) args = parse_obj("{\"name\": \"x\"}");
		g_autoptr(FutExportJobArg) a = NULL;
		g_assert_true(fut_export_job_arg_parse(args, &a, NULL));
		g_assert_null(a);
	}
	{
		g_autoptr(JsonObject) args = parse_obj(
		    "{\"job\": {\"id\": \"0123456789abcdef\", \"files\": 3, \"bytes\": 300}}");
		g_autoptr(FutExportJobArg) a = NULL;
		g_assert_true(fut_export_job_arg_parse(args, &a, NULL));
		g_assert_cmpstr(a->id, ==, "0123456789abcdef");
		g_assert_cmpuint(a->files, ==, 3);
		g_assert_cmpuint(a->bytes, ==, 300);
	}
}

static FutExportJobArg *
arg_new(const gchar *id, guint64 files, guint64 bytes)
{
	FutExportJobArg *a = g_new0(FutExportJobArg, 1);
	a->id = g_strdup(id);
	a->files = files;
	a->bytes = bytes;
	return a;
}

static void
test_job_adds_up(void)
{
	Sink s = {g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref)};
	FutExportJobs *jobs = fut_export_jobs_new(sink_emit, &s);
	g_autoptr(FutExportJobArg) a = arg_new("00000000000000aa", 3, 3000);
	int f1, f2, f3; /* three calls */
	gint64 t = 1000000;

	/* The first event at once; then none closer than 250 ms. */
	fut_export_jobs_file_progress(jobs, 1000, a, &f1, "alpha", 100, t);
	g_assert_cmpuint(s.events->len, ==, 1);
	fut_export_jobs_file_progress(jobs, 1000, a, &f2, "alpha", 200, t + 100 * MS);
	fut_export_jobs_file_progress(jobs, 1000, a, &f1, "alpha", 400, t + 200 * MS);
	g_assert_cmpuint(s.events->len, ==, 1);
	fut_export_jobs_file_progress(jobs, 1000, a, &f1, "alpha", 500, t + 260 * MS);
	g_assert_cmpuint(s.events->len, ==, 2);
	/* The running calls add up: 500 + 200. */
	g_assert_cmpint(num(ev(&s, 1), "bytes_done"), ==, 700);
	g_assert_cmpint(num(ev(&s, 1), "files_done"), ==, 0);
	g_assert_cmpint(num(ev(&s, 1), "files"), ==, 3);
	g_assert_cmpint(num(ev(&s, 1), "bytes"), ==, 3000);
	g_assert_cmpint(num(ev(&s, 1), "elapsed_ms"), ==, 260);
	g_assert_cmpint(num(ev(&s, 1), "uid"), ==, 1000);
	g_assert_cmpstr(json_object_get_string_member(ev(&s, 1), "event"), ==, "export.progress");
	g_assert_cmpstr(json_object_get_string_member(ev(&s, 1), "job"), ==, "00000000000000aa");
	g_assert_false(json_object_get_boolean_member(ev(&s, 1), "finished"));
	/* A finished call counts its size, not its last progress. */
	fut_export_jobs_file_done(jobs, 1000, a, &f1, "alpha", FUT_EXPORT_OUTCOME_WRITTEN, 1000,
	                          t + 600 * MS);
	g_assert_cmpuint(s.events->len, ==, 3);
	g_assert_cmpint(num(ev(&s, 2), "bytes_done"), ==, 1200);
	g_assert_cmpint(num(ev(&s, 2), "files_done"), ==, 1);
	fut_export_jobs_file_done(jobs, 1000, a, &f2, "alpha", FUT_EXPORT_OUTCOME_REQUESTED, 1000,
	                          t + 610 * MS);
	g_assert_cmpuint(s.events->len, ==, 3); /* too soon */
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 1);
	/* The last file: always an event, finished, and the job is gone. */
	fut_export_jobs_file_done(jobs, 1000, a, &f3, NULL, FUT_EXPORT_OUTCOME_REFUSED, 0,
	                          t + 620 * MS);
	g_assert_cmpuint(s.events->len, ==, 4);
	g_assert_true(json_object_get_boolean_member(ev(&s, 3), "finished"));
	g_assert_false(json_object_has_member(ev(&s, 3), "incomplete"));
	g_assert_cmpint(num(ev(&s, 3), "files_done"), ==, 3);
	g_assert_cmpint(num(ev(&s, 3), "bytes_done"), ==, 2000);
	g_assert_cmpint(num(ev(&s, 3), "written"), ==, 1);
	g_assert_cmpint(num(ev(&s, 3), "requested"), ==, 1);
	g_assert_cmpint(num(ev(&s, 3), "refused"), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(
	                    json_object_get_object_member(ev(&s, 3), "destination"), "label"),
	                ==, "alpha");
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 0);
	fut_export_jobs_free(jobs);
	g_ptr_array_unref(s.events);
}

/* A change too soon after an event is not lost: the flush sends it once it is due, even
 * when nothing else happens to the job (the CLI stopped sending, a big file is written). */
static void
test_job_trailing(void)
{
	Sink s = {g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref)};
	FutExportJobs *jobs = fut_export_jobs_new(sink_emit, &s);
	g_autoptr(FutExportJobArg) a = arg_new("00000000000000cc", 4, 4000);
	int f1, f2;
	gint64 t = 5000000;

	g_assert_cmpint(fut_export_jobs_flush(jobs, t), ==, 0);
	fut_export_jobs_file_progress(jobs, 1000, a, &f1, "alpha", 100, t);
	g_assert_cmpuint(s.events->len, ==, 1);
	/* Nothing changed since: nothing waits. */
	g_assert_cmpint(fut_export_jobs_flush(jobs, t + 300 * MS), ==, 0);
	g_assert_cmpuint(s.events->len, ==, 1);
	fut_export_jobs_file_done(jobs, 1000, a, &f1, "alpha", FUT_EXPORT_OUTCOME_WRITTEN, 1000,
	                          t + 400 * MS);
	g_assert_cmpuint(s.events->len, ==, 2);
	/* Two changes within 250 ms of that event: held back, then sent once, the latest. */
	fut_export_jobs_file_progress(jobs, 1000, a, &f2, "alpha", 300, t + 450 * MS);
	fut_export_jobs_file_done(jobs, 1000, a, &f2, "alpha", FUT_EXPORT_OUTCOME_WRITTEN, 1000,
	                          t + 500 * MS);
	g_assert_cmpuint(s.events->len, ==, 2);
	g_assert_cmpint(fut_export_jobs_flush(jobs, t + 600 * MS), ==, t + 650 * MS);
	g_assert_cmpuint(s.events->len, ==, 2);
	g_assert_cmpint(fut_export_jobs_flush(jobs, t + 650 * MS), ==, 0);
	g_assert_cmpuint(s.events->len, ==, 3);
	g_assert_cmpint(num(ev(&s, 2), "files_done"), ==, 2);
	g_assert_cmpint(num(ev(&s, 2), "bytes_done"), ==, 2000);
	g_assert_cmpint(num(ev(&s, 2), "elapsed_ms"), ==, 650);
	g_assert_false(json_object_get_boolean_member(ev(&s, 2), "finished"));
	/* Sent once: a later flush has nothing to send. */
	g_assert_cmpint(fut_export_jobs_flush(jobs, t + 2000 * MS), ==, 0);
	g_assert_cmpuint(s.events->len, ==, 3);
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 1);
	fut_export_jobs_free(jobs);
	g_ptr_array_unref(s.events);
}

/* The CLI could not open its third file: later calls declare 2 files; a call sent before,
 * declaring 3, ends last. The job still ends with its second file. */
static void
test_job_file_taken_out(void)
{
	Sink s = {g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref)};
	FutExportJobs *jobs = fut_export_jobs_new(sink_emit, &s);
	g_autoptr(FutExportJobArg) before = arg_new("00000000000000bb", 3, 300);
	g_autoptr(FutExportJobArg) after = arg_new("00000000000000bb", 2, 200);
	int f1, f2;

	fut_export_jobs_file_progress(jobs, 1000, before, &f1, "alpha", 10, 1);
	fut_export_jobs_file_done(jobs, 1000, after, &f2, "alpha", FUT_EXPORT_OUTCOME_WRITTEN, 100,
	                          2);
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 1);
	fut_export_jobs_file_done(jobs, 1000, before, &f1, "alpha", FUT_EXPORT_OUTCOME_WRITTEN, 100,
	                          3);
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 0);
	g_assert_true(json_object_get_boolean_member(ev(&s, s.events->len - 1), "finished"));
	g_assert_cmpint(num(ev(&s, s.events->len - 1), "files"), ==, 2);
	g_assert_cmpint(num(ev(&s, s.events->len - 1), "bytes"), ==, 200);
	fut_export_jobs_free(jobs);
	g_ptr_array_unref(s.events);
}

static void
test_job_users_and_limits(void)
{
	Sink s = {g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref)};
	FutExportJobs *jobs = fut_export_jobs_new(sink_emit, &s);
	g_autoptr(FutExportJobArg) a = arg_new("00000000000000aa", 2, 20);
	int f1, f2;

	/* The same id from two users: two jobs, each event to its own uid. */
	fut_export_jobs_file_progress(jobs, 1000, a, &f1, "alpha\x1b[31m", 10, 1);
	fut_export_jobs_file_progress(jobs, 1001, a, &f2, "beta", 5, 2);
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 2);
	g_assert_cmpint(num(ev(&s, 0), "uid"), ==, 1000);
	g_assert_cmpint(num(ev(&s, 1), "uid"), ==, 1001);
	g_assert_cmpint(num(ev(&s, 1), "bytes_done"), ==, 5);
	/* The stick's name goes as it is: futari-notify escapes it once, where it is shown
	 * (tests/unit/test-notify-event: escaped here too, it was escaped twice). */
	g_assert_cmpstr(json_object_get_string_member(
	                    json_object_get_object_member(ev(&s, 0), "destination"), "label"),
	                ==, "alpha\x1b[31m");
	/* A uid's jobs are bounded; past that a job is not followed (the export goes on). */
	for (guint i = 0; i < FUT_EXPORT_JOBS_PER_UID + 3; i++) {
		g_autofree gchar *id = g_strdup_printf("%016x", i + 1);
		g_autoptr(FutExportJobArg) b = arg_new(id, 5, 5);
		fut_export_jobs_file_progress(jobs, 1002, b, &f1, NULL, 1, 10);
	}
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 2 + FUT_EXPORT_JOBS_PER_UID);
	/* Idle jobs end as incomplete; the others stay. */
	fut_export_jobs_file_progress(jobs, 1000, a, &f1, NULL, 15,
	                              (gint64)FUT_EXPORT_PROGRESS_IDLE_S * G_USEC_PER_SEC);
	g_ptr_array_set_size(s.events, 0);
	fut_export_jobs_expire(jobs, (gint64)FUT_EXPORT_PROGRESS_IDLE_S * G_USEC_PER_SEC + 100);
	g_assert_cmpuint(fut_export_jobs_count(jobs), ==, 1);
	g_assert_cmpuint(s.events->len, ==, 1 + FUT_EXPORT_JOBS_PER_UID);
	for (guint i = 0; i < s.events->len; i++) {
		g_assert_true(json_object_get_boolean_member(ev(&s, i), "finished"));
		g_assert_true(json_object_get_boolean_member(ev(&s, i), "incomplete"));
		g_assert_cmpint(num(ev(&s, i), "uid"), !=, 1000);
	}
	fut_export_jobs_free(jobs);
	g_ptr_array_unref(s.events);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/export-progress/arg-garbage", test_arg_garbage);
	g_test_add_func("/agent/export-progress/adds-up", test_job_adds_up);
	g_test_add_func("/agent/export-progress/trailing", test_job_trailing);
	g_test_add_func("/agent/export-progress/file-taken-out", test_job_file_taken_out);
	g_test_add_func("/agent/export-progress/users-and-limits", test_job_users_and_limits);
	return g_test_run();
}
