/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The recorder (agent/recorder.c): every event reaches the sink, and the observer (what
 * tells futari-notify) hears only of records the sink accepted. */
#include "config.h"

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include "crypto.h"
#include "egresslog.h"
#include "errors.h"
#include "recorder.h"

typedef struct {
	gboolean fail;
	guint sunk;
	guint observed;
	gchar *last_event;
	gint64 last_uid;
} Fixture;

static gboolean
sink(const gchar *event, JsonObject *fields, gpointer user_data, GError **error)
{
	Fixture *f = user_data;

	f->sunk++;
	if (f->fail) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, "disk full");
		return FALSE;
	}
	return TRUE;
}

static void
observer(const gchar *event, JsonObject *fields, gpointer user_data)
{
	Fixture *f = user_data;
	JsonObject *subject = json_object_has_member(fields, "subject")
	                          ? json_object_get_object_member(fields, "subject")
	                          : NULL;

	f->observed++;
	g_free(f->last_event);
	f->last_event = g_strdup(event);
	f->last_uid = subject != NULL ? json_object_get_int_member(subject, "uid") : -1;
}

static JsonObject *
fields_for(gint64 uid)
{
	JsonObject *f = json_object_new();
	JsonObject *subject = json_object_new();

	json_object_set_int_member(subject, "uid", uid);
	json_object_set_object_member(f, "subject", subject);
	return f;
}

static void
test_observer(void)
{
	Fixture f = {0};
	g_autoptr(FutRecorder) rec = fut_recorder_new(sink, &f, NULL);
	g_autoptr(JsonObject) fields = fields_for(1001);
	g_autoptr(GError) error = NULL;

	/* No observer: the sink alone. */
	g_assert_true(fut_recorder_emit(rec, "export.written", fields, &error));
	g_assert_cmpuint(f.sunk, ==, 1);
	g_assert_cmpuint(f.observed, ==, 0);

	fut_recorder_set_observer(rec, observer, &f);
	g_assert_true(fut_recorder_emit(rec, "export.requested", fields, &error));
	g_assert_cmpuint(f.observed, ==, 1);
	g_assert_cmpstr(f.last_event, ==, "export.requested");
	g_assert_cmpint(f.last_uid, ==, 1001);

	/* A record the sink refused is not told: it is not on record. */
	f.fail = TRUE;
	g_assert_false(fut_recorder_emit(rec, "export.written", fields, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_IO);
	g_clear_error(&error);
	g_assert_cmpuint(f.sunk, ==, 3);
	g_assert_cmpuint(f.observed, ==, 1);

	/* No fields: the observer gets an empty object, never NULL. */
	f.fail = FALSE;
	g_assert_true(fut_recorder_emit(rec, "device.attach", NULL, &error));
	g_assert_cmpuint(f.observed, ==, 2);
	g_assert_cmpint(f.last_uid, ==, -1);

	fut_recorder_set_observer(rec, NULL, NULL);
	g_assert_true(fut_recorder_emit(rec, "export.written", fields, &error));
	g_assert_cmpuint(f.observed, ==, 2);
	g_free(f.last_event);
}

/* A batch's records (fut_recorder_emit_deferred) are in the log file at once, before the
 * batch's one flush: recovery after a kill finds them; the flush then succeeds, and a
 * recorder with nothing to flush says so. */
static void
test_deferred(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-recorder-XXXXXX", &error);
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutEgressLog) log = NULL;
	g_autoptr(FutRecorder) rec = NULL;
	g_autoptr(JsonObject) fields = fields_for(1001);
	g_autoptr(JsonObject) detail = json_object_new();
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;
	Fixture f = {0};
	g_autoptr(FutRecorder) plain = fut_recorder_new(sink, &f, NULL);

	g_assert_no_error(error);
	log = fut_egress_log_open(dir, "pc-test-01", key, NULL, &error);
	g_assert_no_error(error);
	rec = fut_recorder_new_egress_log(log);
	json_object_set_string_member(detail, "partial", ".futari-partial-0123456789abcdef");
	json_object_set_object_member(fields, "detail", json_object_ref(detail));
	g_assert_true(fut_recorder_emit_deferred(rec, "export.written", fields, &error));
	g_assert_no_error(error);
	path = fut_egress_log_dup_current_path(log);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, ".futari-partial-0123456789abcdef"));
	g_assert_true(fut_recorder_sync(rec, &error));
	g_assert_no_error(error);
	/* An ordinary record after a deferred one goes through as before. */
	g_assert_true(fut_recorder_emit(rec, "export.failed", fields, &error));
	g_assert_no_error(error);

	g_assert_true(fut_recorder_emit_deferred(plain, "export.written", fields, &error));
	g_assert_cmpuint(f.sunk, ==, 1);
	g_assert_true(fut_recorder_sync(plain, &error));
	g_assert_no_error(error);

	g_clear_pointer(&rec, fut_recorder_free);
	g_clear_pointer(&log, fut_egress_log_free);
	{
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		const gchar *name;
		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *p = g_build_filename(dir, name, NULL);
			g_unlink(p);
		}
	}
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/recorder/observer", test_observer);
	g_test_add_func("/recorder/deferred", test_deferred);
	return g_test_run();
}
