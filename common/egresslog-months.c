/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "egresslog-priv.h"
#include "errors.h"
#include "util.h"

/* The month files of a log directory: their names, month arithmetic, the listing, and the
 * retention that deletes the oldest. */

gboolean
fut_egress_log_file_month(const gchar *name, gchar ret_month[8])
{
	gchar m[8];

	if (strlen(name) != strlen("egress-YYYY-MM.jsonl") || !g_str_has_prefix(name, "egress-") ||
	    !g_str_has_suffix(name, ".jsonl"))
		return FALSE;
	memcpy(m, name + 7, 7);
	m[7] = '\0';
	for (gint i = 0; i < 7; i++) {
		if (i == 4 ? m[i] != '-' : !g_ascii_isdigit(m[i]))
			return FALSE;
	}
	if (!((m[5] == '0' && m[6] >= '1') || (m[5] == '1' && m[6] <= '2')))
		return FALSE;
	memcpy(ret_month, m, 8);
	return TRUE;
}

static gint
month_index(const gchar *month)
{
	return atoi(month) * 12 + atoi(month + 5) - 1;
}

static void
month_from_index(gint idx, gchar ret_month[8])
{
	g_snprintf(ret_month, 8, "%04d-%02d", (idx / 12) % 10000, idx % 12 + 1);
}

void
fut_log_month_next(const gchar *month, gchar ret_month[8])
{
	month_from_index(month_index(month) + 1, ret_month);
}

void
fut_log_month_prev(const gchar *month, gchar ret_month[8])
{
	month_from_index(month_index(month) - 1, ret_month);
}

gint
fut_log_month_diff(const gchar *a, const gchar *b)
{
	return month_index(a) - month_index(b);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Returns the month file names of @dirfd, sorted oldest first. */
GPtrArray *
fut_egress_log_list_months(int dirfd, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return fut_error_set_errno(error, errno, "log directory"), NULL;
	d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		fut_error_set_errno(error, e, "log directory");
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		gchar m[8];
		if (fut_egress_log_file_month(de->d_name, m))
			g_ptr_array_add(names, g_strdup(de->d_name));
	}
	closedir(d);
	g_ptr_array_sort(names, compare_names);
	return g_steal_pointer(&names);
}

gboolean
fut_egress_log_prune(
    const gchar *dir, guint retention_months, gint64 now_us, GStrv *ret_deleted, GError **error)
{
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GStrvBuilder) deleted = g_strv_builder_new();
	g_autofree gchar *safe = fut_strescape(dir, -1);
	gchar now_month[8];
	int dirfd;

	if (retention_months == 0)
		retention_months = FUT_EGRESS_LOG_RETENTION_DEFAULT;
	if (retention_months < FUT_EGRESS_LOG_RETENTION_MIN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("log retention of %u months is below the policy minimum of %d"),
		            retention_months, FUT_EGRESS_LOG_RETENTION_MIN);
		return FALSE;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0)
		return fut_error_set_errno(error, errno, safe);
	names = fut_egress_log_list_months(dirfd, error);
	if (names == NULL) {
		close(dirfd);
		return FALSE;
	}
	fut_log_time_month(now_us, now_month);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		gchar m[8];
		fut_egress_log_file_month(name, m);
		if (fut_log_month_diff(now_month, m) <= (gint)retention_months)
			continue;
		if (unlinkat(dirfd, name, 0) < 0) {
			int e = errno;
			close(dirfd);
			return fut_error_set_errno(error, e, name);
		}
		g_strv_builder_add(deleted, name);
	}
	fsync(dirfd);
	close(dirfd);
	if (ret_deleted != NULL)
		*ret_deleted = g_strv_builder_end(deleted);
	return TRUE;
}
