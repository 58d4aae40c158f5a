/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"
#include "infoclass.h"

G_BEGIN_DECLS

/* The label memory: SHA-256 of a labelled file's content -> its class, so an exact copy of
 * a labelled file keeps the class even though the copy carries no xattr. The agent owns the
 * file (root, 0600). Only Class I and II are remembered: a label can raise a class, never
 * lower it, so remembering III would mean nothing; recording III forgets the digest.
 *
 * File format (strict; anything else is refused with the line number):
 *   futari-labelstore 1\n
 *   <64 lower-case hex digits> <I|II>\n     (one per digest, no duplicates)
 * Updates write a new file next to the old one, fsync it, rename it over the old one and
 * fsync the directory, so a crash leaves either the old or the new store. Thread-safe. */

#define FUT_LABELSTORE_MAX_DEFAULT 100000
#define FUT_LABELSTORE_MAX_LIMIT   10000000

typedef struct _FutLabelStore FutLabelStore;

/* Returns an empty store that saves to @path (NULL: memory only, for tests) and holds at
 * most @max_entries digests (0: FUT_LABELSTORE_MAX_DEFAULT). */
FutLabelStore *fut_labelstore_new(const gchar *path, guint max_entries);
void fut_labelstore_free(FutLabelStore *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLabelStore, fut_labelstore_free)

/* Loads the file given to fut_labelstore_new(), replacing what the store holds. A missing
 * file is an empty store. A damaged file is an error (FUT_ERROR_INVALID_DATA): the caller
 * must not carry on with an empty store silently, or copies would lose their class. */
gboolean fut_labelstore_load(FutLabelStore *self, GError **error);
/* Parses @len bytes of store text into @self (replacing its content). */
gboolean fut_labelstore_parse(FutLabelStore *self, const gchar *text, gsize len, GError **error);

/* Returns the remembered class of the content with @digest, or FUT_CLASS_NONE. */
FutClass fut_labelstore_lookup(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN]);
/* Remembers @klass for @digest (III or NONE forgets it) and saves the store. Refuses
 * (FUT_ERROR_TOO_LARGE) a new digest when the store is full: the file's own label still
 * holds, only copies are then not covered. */
gboolean fut_labelstore_record(FutLabelStore *self,
                               const guint8 digest[FUT_SHA256_LEN],
                               FutClass klass,
                               GError **error);
/* Returns the number of digests held. */
guint fut_labelstore_get_size(FutLabelStore *self);
/* Returns the store text as it would be saved. Caller frees. */
gchar *fut_labelstore_to_text(FutLabelStore *self);

G_END_DECLS
