/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"

G_BEGIN_DECLS

/* The Merkle tree hash of RFC 9162 §2.1.1 (the Certificate Transparency tree), over the
 * records of one month of the egress log:
 *
 *   MTH({})    = SHA-256()
 *   leaf hash  = SHA-256(0x00 || data)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * FutMerkle keeps only the roots of the perfect subtrees on the right edge (at most 64),
 * so appending is O(log n) memory and time whatever the size of the month. */

typedef struct _FutMerkle FutMerkle;

/* Returns a new, empty tree. Free with fut_merkle_free(). */
FutMerkle *fut_merkle_new(void);
/* Returns an independent copy of @m. Caller frees. */
FutMerkle *fut_merkle_copy(const FutMerkle *m);
void fut_merkle_free(FutMerkle *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutMerkle, fut_merkle_free)

/* Appends the leaf whose data is @len bytes at @data. */
void fut_merkle_append(FutMerkle *m, const void *data, gsize len);
/* Appends a leaf given by its leaf hash (already SHA-256(0x00 || data)). */
void fut_merkle_append_leaf_hash(FutMerkle *m, const guint8 leaf_hash[FUT_SHA256_LEN]);
/* Returns the number of leaves. */
guint64 fut_merkle_size(const FutMerkle *m);
/* Writes the tree head (MTH) of all leaves appended so far to @ret_root. */
void fut_merkle_root(const FutMerkle *m, guint8 ret_root[FUT_SHA256_LEN]);

/* The two hash functions, for callers building proofs or test vectors. */
void fut_merkle_leaf_hash(const void *data, gsize len, guint8 ret_hash[FUT_SHA256_LEN]);
void fut_merkle_node_hash(const guint8 left[FUT_SHA256_LEN],
                          const guint8 right[FUT_SHA256_LEN],
                          guint8 ret_hash[FUT_SHA256_LEN]);

G_END_DECLS
