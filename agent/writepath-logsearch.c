/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Questions to the egress log: does it hold the export.written record of a file of an
 * interrupted batch (and no retraction of it after)? (recovery) Which files of a request
 * has it written? (a redeem, so an interrupted one never writes a file twice) */
#include "config.h"

#include "writepath.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "egresslog.h"
#include "errors.h"
#include "linereader.h"
#include "logrecord.h"

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The month files of @dir from @since ("YYYY-MM", or NULL: every month) to the newest,
 * oldest first. The log never goes back a month (a clock set back stays in the newer file),
 * so every record appended after the log was in @since is in one of them. NULL when @dir
 * cannot be listed. */
static GPtrArray *
log_files_since(const gchar *dir, const gchar *since)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	GPtrArray *out;
	const gchar *name;

	if (d == NULL)
		return NULL;
	out = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL) {
		gchar m[8];
		if (!fut_egress_log_file_month(name, m))
			continue;
		if (since != NULL && strcmp(m, since) < 0)
			continue;
		g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(out, g_build_filename(dir, g_ptr_array_index(names, i), NULL));
	return out;
}

typedef enum { LINE_OTHER, LINE_WRITTEN, LINE_RETRACTED } LineKind;

/* @line as a record with a detail object: its top object and detail, owned by @parser. */
static gboolean
record_parse(JsonParser *parser, const FutLine *line, JsonObject **ret_o, JsonObject **ret_detail)
{
	JsonNode *root;
	JsonObject *o;

	if (!json_parser_load_from_data(parser, line->data, (gssize)line->len, NULL))
		return FALSE;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return FALSE;
	o = json_node_get_object(root);
	if (!json_object_has_member(o, "detail") ||
	    !JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "detail")))
		return FALSE;
	*ret_o = o;
	*ret_detail = json_object_get_object_member(o, "detail");
	return TRUE;
}

/* Whether @line is the export.written record of the file written under @partial, or the
 * export.failed record that withdraws it (detail.retracts, docs/formats.md). */
static LineKind
line_kind(const FutLine *line, const gchar *partial)
{
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o, *detail;
	const gchar *event;

	if (line->cut || g_strstr_len(line->data, (gssize)line->len, partial) == NULL)
		return LINE_OTHER;
	parser = json_parser_new();
	if (!record_parse(parser, line, &o, &detail))
		return LINE_OTHER;
	if (g_strcmp0(json_object_get_string_member_with_default(detail, "partial", ""), partial) !=
	    0)
		return LINE_OTHER;
	event = json_object_get_string_member_with_default(o, "event", "");
	if (g_str_equal(event, FUT_LOG_EV_EXPORT_WRITTEN))
		return LINE_WRITTEN;
	if (g_str_equal(event, FUT_LOG_EV_EXPORT_FAILED) &&
	    g_strcmp0(json_object_get_string_member_with_default(detail, "retracts", ""),
	              FUT_LOG_EV_EXPORT_WRITTEN) == 0)
		return LINE_RETRACTED;
	return LINE_OTHER;
}

/* Calls @func on every line of the month files of @log_dir from @since_month ("YYYY-MM"; NULL
 * or not a month: every month) on, oldest first. FALSE with @error when the folder cannot be
 * listed or a file read. */
static gboolean
log_walk(const gchar *log_dir,
         const gchar *since_month,
         void (*func)(const FutLine *line, gpointer data),
         gpointer data,
         GError **error)
{
	g_autoptr(GPtrArray) files = NULL;
	gchar m[8];

	if (since_month != NULL) {
		g_autofree gchar *probe = g_strdup_printf("egress-%s.jsonl", since_month);
		if (!fut_egress_log_file_month(probe, m))
			since_month = NULL;
	}
	files = log_files_since(log_dir, since_month);
	if (files == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("cannot list the egress log in %s"),
		            log_dir);
		return FALSE;
	}
	for (guint i = 0; i < files->len; i++) {
		g_autoptr(GError) local = NULL;
		g_autoptr(FutLineReader) r =
		    fut_line_reader_open(-1, g_ptr_array_index(files, i), FUT_LOG_LINE_MAX, &local);
		FutLine line;
		if (r == NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		while (fut_line_reader_next(r, &line, &local))
			func(&line, data);
		if (local != NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	}
	return TRUE;
}

typedef struct {
	const gchar *base;
	gboolean held;
} Held;

static void
held_line(const FutLine *line, gpointer data)
{
	Held *h = data;
	LineKind k = line_kind(line, h->base);

	if (k == LINE_WRITTEN)
		h->held = TRUE;
	else if (k == LINE_RETRACTED)
		h->held = FALSE;
}

gboolean
fut_write_log_holds_written(const gchar *log_dir, const gchar *since_month, const gchar *partial)
{
	g_autofree gchar *base = g_path_get_basename(partial);
	Held h = {base, FALSE};

	/* a log that cannot be read holds it */
	return !log_walk(log_dir, since_month, held_line, &h, NULL) || h.held;
}

typedef struct {
	const gchar *request_id;
	/* detail.partial -> object.path of each export.written of the request, less the
	 * withdrawn */
	GHashTable *by_partial;
} Written;

static void
written_line(const FutLine *line, gpointer data)
{
	Written *w = data;
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o, *detail;
	const gchar *event, *partial;

	if (line->cut || g_strstr_len(line->data, (gssize)line->len, w->request_id) == NULL)
		return;
	parser = json_parser_new();
	if (!record_parse(parser, line, &o, &detail) ||
	    g_strcmp0(json_object_get_string_member_with_default(o, "request", ""),
	              w->request_id) != 0)
		return;
	event = json_object_get_string_member_with_default(o, "event", "");
	partial = json_object_get_string_member_with_default(detail, "partial", "");
	if (g_str_equal(event, FUT_LOG_EV_EXPORT_WRITTEN) && json_object_has_member(o, "object") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "object"))) {
		const gchar *path = json_object_get_string_member_with_default(
		    json_object_get_object_member(o, "object"), "path", "");
		g_hash_table_replace(w->by_partial, g_strdup(partial), g_strdup(path));
	} else if (g_str_equal(event, FUT_LOG_EV_EXPORT_FAILED) &&
	           g_strcmp0(json_object_get_string_member_with_default(detail, "retracts", ""),
	                     FUT_LOG_EV_EXPORT_WRITTEN) == 0) {
		g_hash_table_remove(w->by_partial, partial);
	}
}

GHashTable *
fut_write_log_request_written(const gchar *log_dir,
                              const gchar *since_month,
                              const gchar *request_id,
                              GError **error)
{
	g_autoptr(GHashTable) by_partial =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	Written w = {request_id, by_partial};
	GHashTable *paths;
	GHashTableIter it;
	gpointer value;

	if (!log_walk(log_dir, since_month, written_line, &w, error))
		return NULL;
	paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_iter_init(&it, by_partial);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_hash_table_add(paths, g_strdup(value));
	return paths;
}
