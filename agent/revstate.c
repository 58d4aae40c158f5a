/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "revstate.h"
#include "util.h"

static FutRevocationList *
load_list(const gchar *path, gchar **ret_text, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	FutRevocationList *l;

	if (!g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
		return NULL;
	if (!fut_file_read_bounded(path, FUT_REVOCATION_TEXT_MAX, &text, &len, error))
		return NULL;
	l = fut_revocation_list_parse(text, len, error);
	if (l != NULL && ret_text != NULL)
		*ret_text = g_steal_pointer(&text);
	return l;
}

FutRevocationList *
fut_revstate_load_kept(const gchar *state_dir, GError **error)
{
	g_autofree gchar *path = g_build_filename(state_dir, FUT_REVSTATE_FILE, NULL);

	return load_list(path, NULL, error);
}

static gboolean
keep(const gchar *state_dir, const FutRevocationList *l, GError **error)
{
	g_autofree gchar *path = g_build_filename(state_dir, FUT_REVSTATE_FILE, NULL);
	g_autofree gchar *text = fut_revocation_list_to_text(l, error);

	if (text == NULL)
		return FALSE;
	/* A temporary file, fsync, rename, fsync of the directory: a crash leaves the old
	 * list or the new one, never a torn one. */
	return g_file_set_contents_full(
	    path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
	    error);
}

static gboolean
same_list(const FutRevocationList *a, const FutRevocationList *b)
{
	g_autofree gchar *ta = fut_revocation_list_to_text(a, NULL);
	g_autofree gchar *tb = fut_revocation_list_to_text(b, NULL);

	return ta != NULL && tb != NULL && g_str_equal(ta, tb);
}

gboolean
fut_revstate_choose(const gchar *state_dir,
                    const gchar *installed_path,
                    const FutKey *root,
                    FutRevocationList **ret_list,
                    gchar **ret_refused,
                    GError **error)
{
	g_autoptr(FutRevocationList) installed = NULL;
	g_autoptr(FutRevocationList) kept = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *refused = NULL;

	*ret_list = NULL;
	if (ret_refused != NULL)
		*ret_refused = NULL;
	installed = load_list(installed_path, NULL, &local);
	if (installed == NULL && local != NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local),
		                           _("the revocation list is unusable (ask IT): "));
		return FALSE;
	}
	kept = fut_revstate_load_kept(state_dir, &local);
	if (kept == NULL && local != NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local),
		                           _("the revocation list this PC keeps is unusable (ask "
		                             "IT): "));
		return FALSE;
	}
	if (kept != NULL && !fut_revocation_list_verify(kept, root, &local)) {
		/* Only root writes it; a kept list the root key does not sign means the key was
		 * changed or the state was tampered with. Nothing can be decided. */
		g_propagate_prefixed_error(
		    error, g_steal_pointer(&local),
		    _("the revocation list this PC keeps does not match the organisation key (if "
		      "the key was changed on purpose, IT removes %s/%s): "),
		    state_dir, FUT_REVSTATE_FILE);
		return FALSE;
	}

	if (installed == NULL) {
		if (kept != NULL)
			refused =
			    g_strdup_printf(_("the installed revocation list was removed; list "
			                      "%llu stays in force"),
			                    (unsigned long long)kept->sequence);
		*ret_list = g_steal_pointer(&kept);
	} else if (!fut_revocation_list_verify(installed, root, NULL)) {
		/* Not the root's: not kept, and the redeem check refuses it. */
		*ret_list = g_steal_pointer(&installed);
	} else if (kept == NULL || installed->sequence > kept->sequence) {
		if (!keep(state_dir, installed, &local)) {
			g_propagate_prefixed_error(error, g_steal_pointer(&local),
			                           _("cannot keep the new revocation list: "));
			return FALSE;
		}
		*ret_list = g_steal_pointer(&installed);
	} else if (installed->sequence == kept->sequence && same_list(installed, kept)) {
		*ret_list = g_steal_pointer(&installed);
	} else {
		if (installed->sequence == kept->sequence)
			refused =
			    g_strdup_printf(_("the installed revocation list differs from list "
			                      "%llu already accepted under the same sequence; the "
			                      "accepted one stays in force"),
			                    (unsigned long long)kept->sequence);
		else
			refused =
			    g_strdup_printf(_("the installed revocation list has sequence "
			                      "%llu, older than list %llu already accepted (a "
			                      "rollback); the newer list stays in force"),
			                    (unsigned long long)installed->sequence,
			                    (unsigned long long)kept->sequence);
		*ret_list = g_steal_pointer(&kept);
	}
	if (ret_refused != NULL)
		*ret_refused = g_steal_pointer(&refused);
	return TRUE;
}

gint64
fut_revstate_status(const gchar *state_dir,
                    const gchar *installed_path,
                    const gchar *org_key_path,
                    gchar **ret_note)
{
	g_autoptr(FutKey) root = NULL;
	g_autoptr(FutRevocationList) l = NULL;
	g_autoptr(GError) error = NULL;

	*ret_note = NULL;
	root = fut_key_load_public(org_key_path, &error);
	if (root == NULL ||
	    !fut_revstate_choose(state_dir, installed_path, root, &l, ret_note, &error)) {
		*ret_note = g_strdup(error->message);
		return -1;
	}
	if (l == NULL)
		return -1;
	if (!fut_revocation_list_verify(l, root, NULL)) {
		g_free(*ret_note);
		*ret_note = g_strdup(_("the installed revocation list is not signed by this "
		                       "organisation's root key"));
		return -1;
	}
	return (gint64)l->sequence;
}
