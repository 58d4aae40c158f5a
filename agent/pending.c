/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "pending.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

#define GROUP     "request"
/* a version-2 request (160 KiB), escaped in the key file, and its files' spool ids */
#define ENTRY_MAX (512 * 1024)

void
fut_pending_entry_free(FutPendingEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->id);
	g_free(e->spool_id);
	g_strfreev(e->spool_ids);
	g_free(e->written);
	g_free(e->name);
	g_free(e->dir);
	g_free(e->request_text);
	g_free(e->state);
	g_free(e);
}

static gboolean
id_valid(const gchar *id)
{
	if (id == NULL || strlen(id) != 64)
		return FALSE;
	for (const gchar *p = id; *p != '\0'; p++) {
		if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
			return FALSE;
	}
	return TRUE;
}

static gchar *
entry_path(const gchar *state_dir, const gchar *id)
{
	g_autofree gchar *base = g_strconcat(id, ".pending", NULL);
	return g_build_filename(state_dir, "pending", base, NULL);
}

static gchar *
entry_to_data(const FutPendingEntry *e, gsize *ret_len)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();

	g_key_file_set_string(kf, GROUP, "id", e->id);
	g_key_file_set_uint64(kf, GROUP, "uid", e->uid);
	g_key_file_set_string(kf, GROUP, "spool", e->spool_id);
	if (e->spool_ids != NULL)
		g_key_file_set_string_list(kf, GROUP, "spools", (const gchar *const *)e->spool_ids,
		                           g_strv_length(e->spool_ids));
	if (e->written != NULL)
		g_key_file_set_string(kf, GROUP, "written", e->written);
	g_key_file_set_string(kf, GROUP, "name", e->name);
	g_key_file_set_string(kf, GROUP, "dir", e->dir != NULL ? e->dir : "");
	g_key_file_set_string(kf, GROUP, "state", e->state);
	g_key_file_set_int64(kf, GROUP, "expires", e->expires);
	g_key_file_set_string(kf, GROUP, "request", e->request_text);
	return g_key_file_to_data(kf, ret_len, NULL);
}

gboolean
fut_pending_add(const gchar *state_dir, const FutPendingEntry *e, GError **error)
{
	g_autofree gchar *dir = g_build_filename(state_dir, "pending", NULL);
	g_autofree gchar *path = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!id_valid(e->id)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("malformed request id"));
		return FALSE;
	}
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fut_error_set_errno(error, errno, dir);
	path = entry_path(state_dir, e->id);
	data = entry_to_data(e, &len);
	return fut_file_write_new(path, data, len, 0600, error);
}

/* "written" is absent (version 1, or a version-2 entry made before files were marked one
 * by one: none written), or one '0' or '1' per spooled copy. */
static gboolean
written_valid(FutPendingEntry *e)
{
	if (e->written == NULL)
		return TRUE;
	if (e->spool_ids == NULL || strlen(e->written) != g_strv_length(e->spool_ids))
		return FALSE;
	return strspn(e->written, "01") == strlen(e->written);
}

static FutPendingEntry *
load_path(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(FutPendingEntry) e = g_new0(FutPendingEntry, 1);
	g_autoptr(GError) local = NULL;

	if (!fut_file_read_bounded(path, ENTRY_MAX, &data, &len, error))
		return NULL;
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local))
		goto bad;
	e->id = g_key_file_get_string(kf, GROUP, "id", NULL);
	e->uid = (uid_t)g_key_file_get_uint64(kf, GROUP, "uid", &local);
	e->spool_id = g_key_file_get_string(kf, GROUP, "spool", NULL);
	e->spool_ids = g_key_file_get_string_list(kf, GROUP, "spools", NULL, NULL);
	e->written = g_key_file_get_string(kf, GROUP, "written", NULL);
	e->name = g_key_file_get_string(kf, GROUP, "name", NULL);
	e->dir = g_key_file_get_string(kf, GROUP, "dir", NULL);
	e->state = g_key_file_get_string(kf, GROUP, "state", NULL);
	e->expires = g_key_file_get_int64(kf, GROUP, "expires", NULL);
	e->request_text = g_key_file_get_string(kf, GROUP, "request", NULL);
	if (local != NULL || !id_valid(e->id) || e->spool_id == NULL || e->name == NULL ||
	    e->dir == NULL || e->request_text == NULL ||
	    (g_strcmp0(e->state, FUT_PENDING_STATE_PENDING) != 0 &&
	     g_strcmp0(e->state, FUT_PENDING_STATE_REDEEMED) != 0) ||
	    !written_valid(e))
		goto bad;
	return g_steal_pointer(&e);
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("pending entry %s is malformed"),
	            path);
	return NULL;
}

FutPendingEntry *
fut_pending_load(const gchar *state_dir, const gchar *id, GError **error)
{
	g_autofree gchar *path = NULL;

	if (!id_valid(id)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("malformed request id"));
		return NULL;
	}
	path = entry_path(state_dir, id);
	return load_path(path, error);
}

static gboolean
entry_save(const gchar *state_dir, const FutPendingEntry *e, GError **error)
{
	g_autofree gchar *path = entry_path(state_dir, e->id);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	data = entry_to_data(e, &len);
	return g_file_set_contents_full(
	    path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
	    0600, error);
}

gboolean
fut_pending_set_state(const gchar *state_dir, const gchar *id, const gchar *state, GError **error)
{
	g_autoptr(FutPendingEntry) e = fut_pending_load(state_dir, id, error);

	if (e == NULL)
		return FALSE;
	g_free(e->state);
	e->state = g_strdup(state);
	return entry_save(state_dir, e, error);
}

gboolean
fut_pending_mark_written(const gchar *state_dir, const gchar *id, guint index, GError **error)
{
	g_autoptr(FutPendingEntry) e = fut_pending_load(state_dir, id, error);
	guint n;

	if (e == NULL)
		return FALSE;
	if (e->spool_ids == NULL)
		return fut_pending_set_state(state_dir, id, FUT_PENDING_STATE_REDEEMED, error);
	n = g_strv_length(e->spool_ids);
	if (index >= n) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the request has no file %u"), index + 1);
		return FALSE;
	}
	if (e->written == NULL)
		e->written = g_strnfill(n, '0');
	e->written[index] = '1';
	if (fut_pending_written_count(e) == n) {
		g_free(e->state);
		e->state = g_strdup(FUT_PENDING_STATE_REDEEMED);
	}
	return entry_save(state_dir, e, error);
}

guint
fut_pending_written_count(const FutPendingEntry *e)
{
	guint n = 0;

	for (const gchar *p = e->written; p != NULL && *p != '\0'; p++)
		n += *p == '1';
	return n;
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
	const FutPendingEntry *ea = *(const FutPendingEntry **)a;
	const FutPendingEntry *eb = *(const FutPendingEntry **)b;
	return ea->expires < eb->expires ? -1 : ea->expires > eb->expires;
}

GPtrArray *
fut_pending_list(const gchar *state_dir, uid_t uid)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)fut_pending_entry_free);
	g_autofree gchar *dir = g_build_filename(state_dir, "pending", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = NULL;
		FutPendingEntry *e;
		if (!g_str_has_suffix(name, ".pending"))
			continue;
		path = g_build_filename(dir, name, NULL);
		e = load_path(path, NULL);
		if (e == NULL)
			continue;
		if (uid != (uid_t)-1 && e->uid != uid) {
			fut_pending_entry_free(e);
			continue;
		}
		g_ptr_array_add(out, e);
	}
	g_ptr_array_sort(out, entry_cmp);
	return out;
}

guint
fut_pending_count(const gchar *state_dir, uid_t uid, gint64 now)
{
	g_autoptr(GPtrArray) all = fut_pending_list(state_dir, uid);
	guint n = 0;

	for (guint i = 0; i < all->len; i++) {
		const FutPendingEntry *e = g_ptr_array_index(all, i);
		n += g_str_equal(e->state, FUT_PENDING_STATE_PENDING) && e->expires >= now;
	}
	return n;
}

gboolean
fut_pending_room(const gchar *state_dir, uid_t uid, guint max, gint64 now, GError **error)
{
	if (fut_pending_count(state_dir, uid, now) < max)
		return TRUE;
	g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
	            _("you already have %u requests waiting for approval: redeem them "
	              "or let them expire first"),
	            max);
	return FALSE;
}

GPtrArray *
fut_pending_purge(const gchar *state_dir, gint64 now)
{
	GPtrArray *all = fut_pending_list(state_dir, (uid_t)-1);

	for (guint i = 0; i < all->len; i++) {
		const FutPendingEntry *e = g_ptr_array_index(all, i);
		g_autofree gchar *path = NULL;
		if (e->expires >= now) {
			g_ptr_array_remove_index(all, i--);
			continue;
		}
		path = entry_path(state_dir, e->id);
		g_unlink(path);
	}
	return all;
}
