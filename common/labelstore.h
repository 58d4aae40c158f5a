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
 * Scope (issue 16 item 7): an entry belongs to the uid that labelled. Root's entries (uid 0)
 * hold for every file; an unprivileged user's hold only for files that user owns, so
 * labelling `{}` or an empty file Class I changes nothing for anyone else. Each user other
 * than root keeps at most FUT_LABELSTORE_PER_UID_DEFAULT entries.
 *
 * File format (strict; anything else is refused with the line number):
 *   futari-labelstore 2\n
 *   <64 lower-case hex digits> <I|II|III> <uid>\n
 * Additions are appended (one line, fdatasync); a later line for the same digest and uid
 * replaces an earlier one, III forgets it. The file is rewritten (new file, fsync, rename,
 * directory fsync) when it is created, when appended lines outnumber twice the entries, and
 * after a crash cut an append short (that last line is dropped at load). A version 1 file
 * ("futari-labelstore 1", "<hex> <I|II>" lines, each digest once) is read as root's entries
 * and rewritten as version 2. Thread-safe. */

#define FUT_LABELSTORE_MAX_DEFAULT     100000
#define FUT_LABELSTORE_MAX_LIMIT       10000000
#define FUT_LABELSTORE_PER_UID_DEFAULT 1000

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

/* Sets the most entries one uid other than root may hold (tests). */
void fut_labelstore_set_per_uid_max(FutLabelStore *self, guint per_uid_max);

/* Returns the class root remembered for the content with @digest, or FUT_CLASS_NONE. */
FutClass fut_labelstore_lookup(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN]);
/* The same for a file owned by @uid: root's entry and @uid's own, the stricter. */
FutClass
fut_labelstore_lookup_owner(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN], guint32 uid);
/* Remembers @klass for @digest as labelled by @uid (III or NONE forgets that uid's entry)
 * and appends it to the file. Refuses (FUT_ERROR_TOO_LARGE) a new entry when the store is
 * full or @uid (not root) holds its most: the file's own label still holds, only copies are
 * then not covered. */
gboolean fut_labelstore_record_for(FutLabelStore *self,
                                   const guint8 digest[FUT_SHA256_LEN],
                                   FutClass klass,
                                   guint32 uid,
                                   GError **error);
/* fut_labelstore_record_for() as root; III or NONE also forgets every user's entry for
 * @digest (root may lower a class). */
gboolean fut_labelstore_record(FutLabelStore *self,
                               const guint8 digest[FUT_SHA256_LEN],
                               FutClass klass,
                               GError **error);
/* Returns the number of entries held, in all, and by @uid. */
guint fut_labelstore_get_size(FutLabelStore *self);
guint fut_labelstore_get_size_for(FutLabelStore *self, guint32 uid);
/* Returns the store text as it would be saved. Caller frees. */
gchar *fut_labelstore_to_text(FutLabelStore *self);

G_END_DECLS
