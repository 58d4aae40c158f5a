/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verifier's results: freeing them, and the findings callers add (a directory that
 * could not be read, a host given twice). */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "logverify-priv.h"
#include "util.h"

static void
finding_free(gpointer p)
{
	FutLogFinding *f = p;

	g_free(f->code);
	g_free(f->file);
	g_free(f->message);
	g_free(f);
}

static void
month_free(gpointer p)
{
	FutLogMonthSummary *m = p;

	g_free(m->file);
	fut_log_checkpoint_free(m->last_checkpoint);
	g_free(m);
}

void
fut_log_host_result_free(FutLogHostResult *res)
{
	if (res == NULL)
		return;
	g_free(res->dir);
	g_free(res->host);
	g_ptr_array_unref(res->months);
	g_ptr_array_unref(res->findings);
	g_ptr_array_unref(res->notes);
	fut_log_checkpoint_free(res->final_checkpoint);
	g_free(res);
}

FutLogHostResult *
logv_result_new(const gchar *dir)
{
	FutLogHostResult *res = g_new0(FutLogHostResult, 1);

	res->dir = g_strdup(dir);
	res->months = g_ptr_array_new_with_free_func(month_free);
	res->findings = g_ptr_array_new_with_free_func(finding_free);
	res->notes = g_ptr_array_new_with_free_func(g_free);
	return res;
}

FutLogHostResult *
fut_log_host_result_new_unreadable(const gchar *dir, const gchar *message)
{
	FutLogHostResult *res = logv_result_new(dir);

	fut_log_host_result_add_finding(res, "unreadable", NULL, message);
	return res;
}

void
fut_log_host_result_add_finding(FutLogHostResult *res,
                                const gchar *code,
                                const gchar *file,
                                const gchar *message)
{
	FutLogFinding *f = g_new0(FutLogFinding, 1);

	f->code = g_strdup(code);
	f->file = g_strdup(file);
	f->seq = -1;
	f->message = fut_strescape(message, -1);
	g_ptr_array_add(res->findings, f);
}

guint
fut_log_host_results_flag_duplicates(GPtrArray *results)
{
	g_autoptr(GHashTable) hosts = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint flagged = 0;

	for (guint i = 0; i < results->len; i++) {
		FutLogHostResult *res = g_ptr_array_index(results, i);
		struct stat st;
		g_autofree gchar *id = NULL;
		g_autofree gchar *msg = NULL;
		if (stat(res->dir, &st) == 0)
			id = g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
		if (id != NULL && g_hash_table_contains(dirs, id)) {
			msg =
			    g_strdup("this log directory was given more than once: its records are "
			             "counted more than once");
		} else if (res->host != NULL && g_hash_table_contains(hosts, res->host)) {
			msg = g_strdup_printf("host \"%s\" appears in more than one log directory: "
			                      "its records are counted more than once",
			                      res->host);
		}
		if (id != NULL)
			g_hash_table_add(dirs, g_steal_pointer(&id));
		if (res->host != NULL)
			g_hash_table_add(hosts, res->host);
		if (msg != NULL) {
			fut_log_host_result_add_finding(res, "duplicate-host", NULL, msg);
			flagged++;
		}
	}
	return flagged;
}
