/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Witness files: checkpoints collected outside the log (journald, syslog, last month's
 * summary.json), one line each. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "logverify.h"
#include "util.h"

#define WITNESS_FILE_MAX (256 * 1024 * 1024)

GHashTable *
fut_log_witness_index_new(GPtrArray *witnesses)
{
	GHashTable *index =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; witnesses != NULL && i < witnesses->len; i++) {
		FutLogCheckpoint *w = g_ptr_array_index(witnesses, i);
		GPtrArray *list = g_hash_table_lookup(index, w->host);
		if (list == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(index, w->host, list);
		}
		g_ptr_array_add(list, w);
	}
	return index;
}

GPtrArray *
fut_log_witness_file_load(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_checkpoint_free);
	gsize len = 0;
	gsize pos = 0;
	guint line_no = 0;

	if (!fut_file_read_bounded(path, WITNESS_FILE_MAX, &data, &len, error))
		return NULL;
	while (pos < len) {
		const gchar *nl = memchr(data + pos, '\n', len - pos);
		gsize n = nl != NULL ? (gsize)(nl - (data + pos)) : len - pos;
		const gchar *line = data + pos;
		line_no++;
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		{
			g_autoptr(GError) e = NULL;
			FutLogCheckpoint *cp = fut_log_checkpoint_from_witness(line, n, &e);
			if (cp == NULL) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s:%u: %s",
				            safe, line_no, e->message);
				return NULL;
			}
			g_ptr_array_add(out, cp);
		}
	}
	return g_steal_pointer(&out);
}
