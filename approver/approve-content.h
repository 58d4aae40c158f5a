/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "token.h"

G_BEGIN_DECLS

/* The file a supervisor is asked to approve: found beside the request, hashed and compared
 * with the request's size and SHA-256, so that an approval binds to bytes someone saw.
 * Shared by futari-approve (show/sign --file) and the futari-approver window. None of
 * these print. */

/* Called from the hashing thread or loop with the bytes read so far. */
typedef void (*FutContentProgress)(guint64 done, guint64 total, gpointer data);

/* Returns the first regular file beside @request_path that may hold the content, or NULL:
 * "NAME.futari-copy" (what 'futari export --with-copy' writes), then the file named in the
 * request in the request's folder (only a plain name: no '/', not "." or ".."). Caller
 * frees. */
gchar *fut_approve_find_content(const gchar *request_path, const FutRequest *q);

/* Reads @path (no symlink, regular files only, at most the request's size plus one byte)
 * and sets @ret_match to whether its size and SHA-256 are the request's. @progress (may
 * be NULL) is called every 1 MiB or so and at the end; @cancel (may be NULL) stops the
 * read with G_IO_ERROR_CANCELLED. FALSE with a one-line reason when the file cannot be
 * read. */
gboolean fut_approve_check_content(const gchar *path,
                                   const FutRequest *q,
                                   FutContentProgress progress,
                                   gpointer data,
                                   GCancellable *cancel,
                                   gboolean *ret_match,
                                   GError **error);

/* Copies @path, which matched @q, to a new private folder (mode 0700) under the user's
 * runtime or temporary directory, under the request's file name (made safe) and read-only
 * (mode 0400), re-checking the digest of what was copied. Returns the copy's path; the
 * caller opens it in a viewer and removes it with fut_approve_remove_view_copy(). */
gchar *fut_approve_make_view_copy(const gchar *path, const FutRequest *q, GError **error);
/* Removes a copy made by fut_approve_make_view_copy() and its folder. */
void fut_approve_remove_view_copy(const gchar *copy_path);

typedef enum {
	FUT_CONTENT_NOT_SEEN = 0, /* no file given and none beside the request */
	FUT_CONTENT_MATCHES,
	FUT_CONTENT_DIFFERS,
} FutContentState;

/* Checks @explicit_path, or when NULL the file found beside @request_path, against @q.
 * Sets @ret_state and @ret_path (the file looked at, NULL when none; caller frees). FALSE
 * with a one-line reason when a file was there but could not be read (an explicit file
 * that does not exist too). */
gboolean fut_approve_review_content(const gchar *request_path,
                                    const FutRequest *q,
                                    const gchar *explicit_path,
                                    FutContentState *ret_state,
                                    gchar **ret_path,
                                    GError **error);
/* Returns the translated one-line verdict for @state about @path (may be NULL). Caller
 * frees. */
gchar *fut_approve_content_text(FutContentState state, const gchar *path);

G_END_DECLS
