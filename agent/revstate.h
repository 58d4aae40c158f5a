/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"
#include "token.h"

G_BEGIN_DECLS

/* The revocation list in force (issue 16 item 1, docs/formats.md §6.2): the agent keeps a
 * copy of the newest list it has accepted, root-only in its state directory, and never goes
 * back to a lower sequence. An installed list with a lower sequence than the kept one (an
 * older list put back, or a fresh list of sequence 1), another list with the same sequence,
 * or a removed list is refused and the kept one stays in force. */

#define FUT_REVSTATE_FILE "revocation-list"

/* Decides which list is in force, from the list installed at @installed_path (may be
 * absent) and the one kept in @state_dir. A newer installed list that verifies under @root
 * is kept (written atomically, mode 0600) and returned. An installed list that does not
 * verify is returned as it is, not kept, so that the redeem check refuses it
 * (bad-revocation-list). When the installed list is refused in favour of the kept one,
 * @ret_refused (may be NULL) receives a one-line reason for the log record; otherwise NULL.
 * @ret_list receives the list in force, or NULL when there is none. FALSE with @error when
 * the installed list is unreadable or does not parse, or the kept one is unusable (then
 * nothing can be decided: the redeem is refused). */
gboolean fut_revstate_choose(const gchar *state_dir,
                             const gchar *installed_path,
                             const FutKey *root,
                             FutRevocationList **ret_list,
                             gchar **ret_refused,
                             GError **error);

/* Loads the kept list (not verified): NULL without @error when none is kept. */
FutRevocationList *fut_revstate_load_kept(const gchar *state_dir, GError **error);

/* For `futari status`: the sequence of the list that a redeem would use now (-1 when none),
 * and in @ret_note (caller frees; NULL when all is well) why the installed list is not the
 * one in force, or why nothing can be decided. Logs nothing; may keep a newer list. */
gint64 fut_revstate_status(const gchar *state_dir,
                           const gchar *installed_path,
                           const gchar *org_key_path,
                           gchar **ret_note);

G_END_DECLS
