/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

struct _FutRecorder {
	GMutex lock; /* the broker records from worker threads */
	FutRecorderSink sink;
	gpointer user_data;
	GDestroyNotify destroy;
};

FutRecorder *
fut_recorder_new(FutRecorderSink sink, gpointer user_data, GDestroyNotify destroy)
{
	FutRecorder *rec = g_new0(FutRecorder, 1);
	rec->sink = sink;
	rec->user_data = user_data;
	rec->destroy = destroy;
	g_mutex_init(&rec->lock);
	return rec;
}

void
fut_recorder_free(FutRecorder *rec)
{
	if (rec == NULL)
		return;
	if (rec->destroy != NULL)
		rec->destroy(rec->user_data);
	g_mutex_clear(&rec->lock);
	g_free(rec);
}

gboolean
fut_recorder_emit(FutRecorder *rec, const gchar *event, JsonObject *fields, GError **error)
{
	g_autoptr(JsonObject) empty = NULL;

	gboolean ok;

	if (fields == NULL)
		fields = empty = json_object_new();
	g_mutex_lock(&rec->lock);
	ok = rec->sink(event, fields, rec->user_data, error);
	g_mutex_unlock(&rec->lock);
	return ok;
}

static gboolean
jsonl_sink(const gchar *event, JsonObject *fields, gpointer user_data, GError **error)
{
	const gchar *path = user_data;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) fnode = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *ts = g_date_time_format_iso8601(now);
	g_autofree gchar *line = NULL;
	g_autofree gchar *out = NULL;
	gsize len, off = 0;
	int fd;

	json_node_set_object(fnode, fields);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, ts);
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, event);
	json_builder_set_member_name(b, "fields");
	json_builder_add_value(b, g_steal_pointer(&fnode));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	line = json_generator_to_data(gen, &len);
	out = g_strconcat(line, "\n", NULL);
	len++;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fut_error_set_errno(error, errno, path);
	while (off < len) {
		ssize_t n = write(fd, out + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;
			close(fd);
			return fut_error_set_errno(error, e, path);
		}
		off += n;
	}
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, path);
	}
	if (close(fd) < 0)
		return fut_error_set_errno(error, errno, path);
	return TRUE;
}

FutRecorder *
fut_recorder_new_jsonl(const gchar *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fut_error_set_errno(error, errno, dir), NULL;
	return fut_recorder_new(jsonl_sink, g_build_filename(dir, "agent-events.jsonl", NULL),
	                        g_free);
}
