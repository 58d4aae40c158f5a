/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "merkle.h"

/* One perfect subtree on the right edge: 2^height leaves with root @hash. The stack holds
 * strictly decreasing heights from bottom to top, one per set bit of the size. */
typedef struct {
	guint height;
	guint8 hash[FUT_SHA256_LEN];
} FutMerklePeak;

struct _FutMerkle {
	guint64 size;
	guint npeaks;
	FutMerklePeak peaks[65];
};

FutMerkle *
fut_merkle_new(void)
{
	return g_new0(FutMerkle, 1);
}

FutMerkle *
fut_merkle_copy(const FutMerkle *m)
{
	return g_memdup2(m, sizeof(*m));
}

void
fut_merkle_free(FutMerkle *m)
{
	g_free(m);
}

void
fut_merkle_leaf_hash(const void *data, gsize len, guint8 ret_hash[FUT_SHA256_LEN])
{
	/* Records are short: one-shot hashing of a copy beats a streaming context. */
	guint8 buf[4096];

	if (len < sizeof(buf)) {
		buf[0] = 0x00;
		memcpy(buf + 1, data, len);
		fut_sha256(buf, len + 1, ret_hash);
	} else {
		g_autoptr(FutSha256) ctx = fut_sha256_new();
		const guint8 prefix = 0x00;
		fut_sha256_update(ctx, &prefix, 1);
		fut_sha256_update(ctx, data, len);
		fut_sha256_finish(ctx, ret_hash);
	}
}

void
fut_merkle_node_hash(const guint8 left[FUT_SHA256_LEN],
                     const guint8 right[FUT_SHA256_LEN],
                     guint8 ret_hash[FUT_SHA256_LEN])
{
	guint8 buf[1 + 2 * FUT_SHA256_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, FUT_SHA256_LEN);
	memcpy(buf + 1 + FUT_SHA256_LEN, right, FUT_SHA256_LEN);
	fut_sha256(buf, sizeof(buf), ret_hash);
}

void
fut_merkle_append_leaf_hash(FutMerkle *m, const guint8 leaf_hash[FUT_SHA256_LEN])
{
	FutMerklePeak *top;

	g_return_if_fail(m->npeaks < G_N_ELEMENTS(m->peaks));
	top = &m->peaks[m->npeaks++];
	top->height = 0;
	memcpy(top->hash, leaf_hash, FUT_SHA256_LEN);
	/* Two perfect subtrees of equal height side by side are the two halves of the next. */
	while (m->npeaks >= 2 && m->peaks[m->npeaks - 2].height == m->peaks[m->npeaks - 1].height) {
		FutMerklePeak *l = &m->peaks[m->npeaks - 2];
		FutMerklePeak *r = &m->peaks[m->npeaks - 1];
		fut_merkle_node_hash(l->hash, r->hash, l->hash);
		l->height++;
		m->npeaks--;
	}
	m->size++;
}

void
fut_merkle_append(FutMerkle *m, const void *data, gsize len)
{
	guint8 h[FUT_SHA256_LEN];

	fut_merkle_leaf_hash(data, len, h);
	fut_merkle_append_leaf_hash(m, h);
}

guint64
fut_merkle_size(const FutMerkle *m)
{
	return m->size;
}

void
fut_merkle_root(const FutMerkle *m, guint8 ret_root[FUT_SHA256_LEN])
{
	guint8 acc[FUT_SHA256_LEN];

	if (m->npeaks == 0) {
		fut_sha256("", 0, ret_root);
		return;
	}
	/* RFC 9162 splits at the largest power of two below n: the leftmost peak is the left
	 * subtree and the rest is the right one, recursively, so fold from the right. */
	memcpy(acc, m->peaks[m->npeaks - 1].hash, FUT_SHA256_LEN);
	for (guint i = m->npeaks - 1; i > 0; i--)
		fut_merkle_node_hash(m->peaks[i - 1].hash, acc, acc);
	memcpy(ret_root, acc, FUT_SHA256_LEN);
}
