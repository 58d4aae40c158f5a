/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sequence numbers of file versions whose class is not known yet (the BPF taint's
 * pending marks, docs/upload-control.md): one number per version (inode and Ident), shared by
 * every open of that version until it is classified, a new one for a newer version. */
#include "config.h"

#include <string.h>

#include "fanwatch-private.h"

struct _FwSeqTable {
	GMutex lock;
	guint max;
	guint64 next;
	GHashTable *by_key; /* Key -> SeqEntry (the latest version of the inode given a number) */
	GHashTable *by_seq; /* guint64 seq -> Key (the same entries) */
	/* guint64 seq -> the class it was resolved with (GUINT_TO_POINTER), at most max: a
	 * number is told to the taint layer once per class, only again when stricter. */
	GHashTable *resolved;
};

typedef struct {
	Ident id;
	guint64 seq;
} SeqEntry;

FwSeqTable *
fw_seq_table_new(guint max)
{
	FwSeqTable *t = g_new0(FwSeqTable, 1);

	g_mutex_init(&t->lock);
	t->max = MAX(max, 1);
	t->next = 1;
	t->by_key = g_hash_table_new_full(fw_key_hash, fw_key_equal, g_free, g_free);
	t->by_seq = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	t->resolved = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	return t;
}

void
fw_seq_table_free(FwSeqTable *t)
{
	if (t == NULL)
		return;
	g_hash_table_unref(t->by_key);
	g_hash_table_unref(t->by_seq);
	g_hash_table_unref(t->resolved);
	g_mutex_clear(&t->lock);
	g_free(t);
}

/* Caller holds the lock. */
static void
remove_entry(FwSeqTable *t, const Key *key)
{
	SeqEntry *e = g_hash_table_lookup(t->by_key, key);

	if (e == NULL)
		return;
	g_hash_table_remove(t->by_seq, &e->seq);
	g_hash_table_remove(t->by_key, key);
}

guint64
fw_seq_table_assign(FwSeqTable *t, const Ident *id)
{
	Key key = {id->dev, id->ino};
	SeqEntry *e;
	guint64 seq;

	g_mutex_lock(&t->lock);
	e = g_hash_table_lookup(t->by_key, &key);
	if (e != NULL && fw_ident_equal(&e->id, id)) {
		seq = e->seq;
		g_mutex_unlock(&t->lock);
		return seq;
	}
	/* A newer version of the inode: the older one's number stays with the events that
	 * carry it (each is resolved by its own event), the table forgets it. */
	remove_entry(t, &key);
	if (g_hash_table_size(t->by_key) >= t->max) {
		/* Only sharing is lost: every event still resolves its own number. */
		g_hash_table_remove_all(t->by_seq);
		g_hash_table_remove_all(t->by_key);
	}
	seq = t->next++;
	e = g_new0(SeqEntry, 1);
	e->id = *id;
	e->seq = seq;
	g_hash_table_replace(t->by_key, g_memdup2(&key, sizeof key), e);
	g_hash_table_replace(t->by_seq, g_memdup2(&seq, sizeof seq), g_memdup2(&key, sizeof key));
	g_mutex_unlock(&t->lock);
	return seq;
}

guint64
fw_seq_table_take(FwSeqTable *t, const Ident *id)
{
	Key key = {id->dev, id->ino};
	SeqEntry *e;
	guint64 seq = 0;

	g_mutex_lock(&t->lock);
	e = g_hash_table_lookup(t->by_key, &key);
	if (e != NULL && fw_ident_equal(&e->id, id)) {
		seq = e->seq;
		remove_entry(t, &key);
	}
	g_mutex_unlock(&t->lock);
	return seq;
}

void
fw_seq_table_forget(FwSeqTable *t, guint64 seq)
{
	Key key;
	Key *k;

	g_mutex_lock(&t->lock);
	k = g_hash_table_lookup(t->by_seq, &seq);
	if (k != NULL) {
		key = *k;
		remove_entry(t, &key);
	}
	g_mutex_unlock(&t->lock);
}

gboolean
fw_seq_table_resolving(FwSeqTable *t, guint64 seq, guint file_class)
{
	Key key;
	Key *k;
	gpointer before;
	gboolean news;

	g_mutex_lock(&t->lock);
	k = g_hash_table_lookup(t->by_seq, &seq);
	if (k != NULL) {
		key = *k;
		remove_entry(t, &key);
	}
	/* Classes: I (1) is the strictest. */
	news = !g_hash_table_lookup_extended(t->resolved, &seq, NULL, &before) ||
	       file_class < GPOINTER_TO_UINT(before);
	if (news) {
		/* Forgetting only costs a repeated resolution, never a missing one. */
		if (g_hash_table_size(t->resolved) >= t->max)
			g_hash_table_remove_all(t->resolved);
		g_hash_table_replace(t->resolved, g_memdup2(&seq, sizeof seq),
		                     GUINT_TO_POINTER(file_class));
	}
	g_mutex_unlock(&t->lock);
	return news;
}

guint64
fw_seq_table_next(FwSeqTable *t)
{
	guint64 n;

	g_mutex_lock(&t->lock);
	n = t->next;
	g_mutex_unlock(&t->lock);
	return n;
}

guint
fw_seq_table_size(FwSeqTable *t)
{
	guint n;

	g_mutex_lock(&t->lock);
	n = g_hash_table_size(t->by_key);
	g_mutex_unlock(&t->lock);
	return n;
}
