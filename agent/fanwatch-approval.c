/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload approvals the listener knows: added at redeem, matched against an upload program's
 * open by requester, program and content digest (fanwatch-decide.c decides with them). */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "util.h"

void
fw_approval_free(gpointer p)
{
	Approval *a = p;
	if (a == NULL)
		return;
	g_free(a->id);
	g_free(a->program);
	g_free(a->program_real);
	g_free(a);
}

static gboolean
approval_program_matches(const Approval *a, const gchar *exe, const Key *exe_key)
{
	g_autofree gchar *m = NULL;

	if (a->program == NULL)
		return TRUE;
	if (a->has_program_id && a->program_id.dev == exe_key->dev &&
	    a->program_id.ino == exe_key->ino)
		return TRUE;
	if (exe == NULL)
		return FALSE;
	m = fw_exe_path_for_match(exe);
	return g_strcmp0(m, a->program) == 0 || g_strcmp0(m, a->program_real) == 0;
}

/* TRUE when some active approval names this requester and program (any content). */
gboolean
fw_approval_possible(FutFanwatch *fw, const Event *ev)
{
	GHashTableIter it;
	gpointer value;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean found = FALSE;

	g_mutex_lock(&fw->lock);
	g_hash_table_iter_init(&it, fw->approvals);
	while (!found && g_hash_table_iter_next(&it, NULL, &value)) {
		const Approval *a = value;
		found = a->uid == ev->uid && now >= a->not_before && now <= a->not_after &&
		        approval_program_matches(a, ev->exe, &ev->exe_key);
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

/* Returns the id of an approval covering the event now, or NULL. Caller frees. */
gchar *
fw_approval_find(FutFanwatch *fw, const Event *ev)
{
	GHashTableIter it;
	gpointer value;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gchar *found = NULL;

	g_mutex_lock(&fw->lock);
	g_hash_table_iter_init(&it, fw->approvals);
	while (found == NULL && g_hash_table_iter_next(&it, NULL, &value)) {
		const Approval *a = value;
		if (memcmp(a->sha256, ev->sha256, FUT_SHA256_LEN) != 0 || a->uid != ev->uid)
			continue;
		if (now < a->not_before || now > a->not_after)
			continue;
		if (!approval_program_matches(a, ev->exe, &ev->exe_key))
			continue;
		found = g_strdup(a->id);
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

gboolean
fut_fanwatch_add_approval(FutFanwatch *fw, const FutFanwatchApproval *approval, GError **error)
{
	Approval *a;
	struct stat st;

	if (approval->id == NULL || approval->id[0] == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("approval without an id"));
		return FALSE;
	}
	if (approval->not_after < approval->not_before) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("approval window ends before it begins"));
		return FALSE;
	}
	if (approval->program != NULL && !g_path_is_absolute(approval->program)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("approval program is not an absolute path"));
		return FALSE;
	}
	a = g_new0(Approval, 1);
	a->id = g_strdup(approval->id);
	memcpy(a->sha256, approval->sha256, FUT_SHA256_LEN);
	a->uid = approval->uid;
	a->program = g_strdup(approval->program);
	a->not_before = approval->not_before;
	a->not_after = approval->not_after;
	if (a->program != NULL) {
		a->program_real = realpath(a->program, NULL);
		if (stat(a->program, &st) == 0) {
			a->has_program_id = TRUE;
			a->program_id.dev = (guint64)st.st_dev;
			a->program_id.ino = (guint64)st.st_ino;
		}
	}
	g_mutex_lock(&fw->lock);
	if (!g_hash_table_contains(fw->approvals, a->id) &&
	    g_hash_table_size(fw->approvals) >= APPROVALS_MAX) {
		g_mutex_unlock(&fw->lock);
		fw_approval_free(a);
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("too many active upload approvals (%u)"), (guint)APPROVALS_MAX);
		return FALSE;
	}
	g_hash_table_replace(fw->approvals, a->id, a);
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

gboolean
fut_fanwatch_remove_approval(FutFanwatch *fw, const gchar *id)
{
	gboolean removed;

	g_mutex_lock(&fw->lock);
	removed = g_hash_table_remove(fw->approvals, id);
	g_mutex_unlock(&fw->lock);
	return removed;
}

void
fut_fanwatch_clear_approvals(FutFanwatch *fw)
{
	g_mutex_lock(&fw->lock);
	g_hash_table_remove_all(fw->approvals);
	g_mutex_unlock(&fw->lock);
}
