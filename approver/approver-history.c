/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "approver-history.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

void
fut_history_entry_free(FutHistoryEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->decision);
	g_free(e->request_id);
	g_free(e->requester);
	g_free(e->host);
	g_free(e->file);
	g_free(e->sha256);
	g_free(e->klass);
	g_free(e->comment);
	g_free(e->output);
	g_free(e);
}

gchar *
fut_history_path(void)
{
	return g_build_filename(g_get_user_data_dir(), "futari", "history.jsonl", NULL);
}

static void
add_str(JsonBuilder *b, const gchar *key, const gchar *value)
{
	g_autofree gchar *safe = fut_strescape(value != NULL ? value : "", -1);

	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, safe);
}

static void
add_time(JsonBuilder *b, const gchar *key, gint64 t)
{
	g_autofree gchar *s = fut_time_format(t);

	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, s);
}

gboolean
fut_history_append(
    const FutRequest *q, const FutApproval *a, const gchar *output, gint64 now, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *path = fut_history_path();
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *id = fut_request_dup_id_string(q);
	/* a version-2 request has one digest per file: the request id stands for them */
	g_autofree gchar *sha =
	    q->version == 2 ? g_strdup("") : fut_hex_encode(q->sha256, FUT_SHA256_LEN);
	g_autofree gchar *line = NULL;
	gsize len, done = 0;
	int fd;

	json_builder_begin_object(b);
	add_time(b, "time", now);
	add_str(b, "decision", fut_decision_to_string(a->decision));
	add_str(b, "request", id);
	add_str(b, "requester", q->requester);
	add_str(b, "host", q->host);
	if (q->version == 2) {
		/* the history names the request's first file and the count */
		const FutRequestFile *f = g_ptr_array_index(q->files, 0);
		g_autofree gchar *name = g_strdup_printf("%s (+%u)", f->path, q->files->len - 1);
		add_str(b, "file", name);
	} else {
		add_str(b, "file", q->file_name);
	}
	add_str(b, "sha256", sha);
	add_str(b, "class", fut_class_to_string(q->klass));
	add_time(b, "not_after", a->not_after);
	add_str(b, "comment", a->comment);
	add_str(b, "output", output);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	line = json_generator_to_data(gen, &len);
	line = g_realloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_autofree gchar *sd = fut_strescape(dir, -1);
		return fut_error_set_errno(error, errno, sd);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fut_error_set_errno(error, errno, safe);
	while (done < len) {
		ssize_t n = write(fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return fut_error_set_errno(error, e, safe);
		}
		done += (gsize)n;
	}
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, safe);
	}
	close(fd);
	return TRUE;
}

static gchar *
member(JsonObject *o, const gchar *key)
{
	JsonNode *n = json_object_get_member(o, key);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return g_strdup(json_node_get_string(n));
}

static FutHistoryEntry *
parse_line(const gchar *line, guint number, GError **error)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(FutHistoryEntry) e = g_new0(FutHistoryEntry, 1);
	g_autofree gchar *t = NULL, *na = NULL;
	JsonObject *o;

	if (!json_parser_load_from_data(p, line, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		goto bad;
	o = json_node_get_object(json_parser_get_root(p));
	t = member(o, "time");
	na = member(o, "not_after");
	e->decision = member(o, "decision");
	e->request_id = member(o, "request");
	e->requester = member(o, "requester");
	e->host = member(o, "host");
	e->file = member(o, "file");
	e->sha256 = member(o, "sha256");
	e->klass = member(o, "class");
	e->comment = member(o, "comment");
	e->output = member(o, "output");
	if (t == NULL || na == NULL || e->decision == NULL || e->request_id == NULL ||
	    e->requester == NULL || e->host == NULL || e->file == NULL || e->sha256 == NULL ||
	    e->klass == NULL || e->comment == NULL || e->output == NULL ||
	    !fut_time_parse(t, &e->time, NULL) || !fut_time_parse(na, &e->not_after, NULL))
		goto bad;
	return g_steal_pointer(&e);
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            _("line %u of the history is not a history record"), number);
	return NULL;
}

GPtrArray *
fut_history_load(GError **error)
{
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_history_entry_free);
	g_autofree gchar *path = fut_history_path();
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gsize len = 0;
	guint n;

	if (!g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
		return g_steal_pointer(&out);
	if (!fut_file_read_bounded(path, FUT_HISTORY_FILE_MAX, &text, &len, error))
		return NULL;
	if (strlen(text) != len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s: holds a NUL byte"),
		            safe);
		return NULL;
	}
	lines = g_strsplit(text, "\n", -1);
	n = g_strv_length(lines);
	for (guint i = n; i > 0 && out->len < FUT_HISTORY_SHOW_MAX; i--) {
		FutHistoryEntry *e;
		if (lines[i - 1][0] == '\0')
			continue;
		e = parse_line(lines[i - 1], i, error);
		if (e == NULL) {
			g_prefix_error(error, "%s: ", safe);
			return NULL;
		}
		g_ptr_array_add(out, e);
	}
	return g_steal_pointer(&out);
}
