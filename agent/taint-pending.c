/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The BPF taint's pending marks (agent/taint.h): files whose current version the agent had
 * not classified when it let them be opened get a sequence number in inode storage, and the
 * agent's verdict on each number goes to the kernel's resolution map. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "errors.h"
#include "taint-private.h"

#ifdef HAVE_BPF_TAINT
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

guint
fut_taint_resolution_class(guint old, guint new_class)
{
	if (new_class < 1 || new_class > 3)
		new_class = 2; /* what cannot be said is Class II */
	if (old < 1 || old > 3)
		return new_class;
	return MIN(old, new_class); /* 1 is the strongest */
}

/* One verdict: the number is the key (g_int64_hash on the struct's first member). */
typedef struct {
	guint64 seq;
	guint64 origin_ino;
	guint32 origin_kdev;
	guint32 file_class;
} Verdict;

struct _FutTaintVerdicts {
	guint max;
	GHashTable *by_seq; /* &Verdict.seq -> Verdict (one allocation) */
	/* The numbers in the order their first verdict came, a ring of @max: the oldest is
	 * forgotten first. */
	guint64 *order;
	guint head, len;
};

FutTaintVerdicts *
fut_taint_verdicts_new(guint max)
{
	FutTaintVerdicts *v = g_new0(FutTaintVerdicts, 1);

	v->max = MAX(max, 1);
	v->by_seq = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	return v;
}

void
fut_taint_verdicts_free(FutTaintVerdicts *v)
{
	if (v == NULL)
		return;
	g_hash_table_unref(v->by_seq);
	g_free(v->order);
	g_free(v);
}

guint
fut_taint_verdicts_put(
    FutTaintVerdicts *v, guint64 seq, guint file_class, guint32 origin_kdev, guint64 origin_ino)
{
	Verdict *e;
	guint kept;

	if (seq == 0)
		return 0;
	e = g_hash_table_lookup(v->by_seq, &seq);
	if (e != NULL) {
		kept = fut_taint_resolution_class(e->file_class, file_class);
		if (kept != e->file_class) {
			e->file_class = kept;
			e->origin_kdev = origin_kdev;
			e->origin_ino = origin_ino;
		}
		return kept;
	}
	if (v->order == NULL)
		v->order = g_new0(guint64, v->max); /* on the first verdict only */
	if (v->len == v->max) {
		/* Forget the oldest. */
		g_hash_table_remove(v->by_seq, &v->order[v->head]);
		v->head = (v->head + 1) % v->max;
		v->len--;
	}
	e = g_new0(Verdict, 1);
	e->seq = seq;
	e->file_class = fut_taint_resolution_class(0, file_class);
	e->origin_kdev = origin_kdev;
	e->origin_ino = origin_ino;
	g_hash_table_insert(v->by_seq, &e->seq, e);
	v->order[(v->head + v->len) % v->max] = seq;
	v->len++;
	return e->file_class;
}

gboolean
fut_taint_verdicts_lookup(FutTaintVerdicts *v,
                          guint64 seq,
                          guint *ret_class,
                          guint32 *ret_origin_kdev,
                          guint64 *ret_origin_ino)
{
	const Verdict *e = g_hash_table_lookup(v->by_seq, &seq);

	if (e == NULL)
		return FALSE;
	*ret_class = e->file_class;
	*ret_origin_kdev = e->origin_kdev;
	*ret_origin_ino = e->origin_ino;
	return TRUE;
}

guint
fut_taint_verdicts_size(FutTaintVerdicts *v)
{
	return g_hash_table_size(v->by_seq);
}

#ifndef HAVE_BPF_TAINT

gboolean
fut_taint_set_pending(FutTaint *t, int fd, guint64 seq, GError **error)
{
	(void)t, (void)fd, (void)seq;
	g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED, _("built without BPF LSM support"));
	return FALSE;
}

gboolean
fut_taint_resolve(FutTaint *t, guint64 seq, guint file_class, int fd, GError **error)
{
	(void)t, (void)seq, (void)file_class, (void)fd;
	g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED, _("built without BPF LSM support"));
	return FALSE;
}

gboolean
fut_taint_settle(FutTaint *t, int fd, guint64 below)
{
	(void)t, (void)fd, (void)below;
	return FALSE;
}

#else /* HAVE_BPF_TAINT */

void
fut_taint_pending_file_free(gpointer p)
{
	PendingFile *f = p;

	g_free(f->path);
	g_free(f);
}

gboolean
fut_taint_pending_origin(
    FutTaint *t, guint64 seq, gchar **ret_path, guint64 *ret_dev, guint64 *ret_ino)
{
	PendingFile *pf;
	gboolean found = FALSE;

	g_mutex_lock(&t->pending_lock);
	pf = g_hash_table_lookup(t->pending_files, &seq);
	if (pf != NULL) {
		*ret_path = g_strdup(pf->path);
		*ret_dev = fut_taint_udev_of(pf->inode.dev);
		*ret_ino = pf->inode.ino;
		found = TRUE;
	}
	g_mutex_unlock(&t->pending_lock);
	return found;
}

gboolean
fut_taint_set_pending(FutTaint *t, int fd, guint64 seq, GError **error)
{
	int map = bpf_map__fd(t->skel->maps.inode_pending);
	g_autofree gchar *link = NULL;
	PendingFile *pf;

	if (seq == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("pending sequence number 0"));
		return FALSE;
	}
	pf = g_new0(PendingFile, 1);
	if (!fut_taint_inode_of_fd_nosync(fd, &pf->inode, error)) {
		fut_taint_pending_file_free(pf);
		return FALSE;
	}
	link = g_strdup_printf("/proc/self/fd/%d", fd);
	pf->path = g_file_read_link(link, NULL);
	g_mutex_lock(&t->pending_lock);
	if (bpf_map_update_elem(map, &fd, &seq, BPF_ANY) != 0) {
		int err = errno;
		g_mutex_unlock(&t->pending_lock);
		fut_taint_pending_file_free(pf);
		fut_error_set_errno(error, err, "BPF inode storage (pending)");
		return FALSE;
	}
	if (g_hash_table_size(t->pending_files) >= ORIGINS_MAX)
		g_hash_table_remove_all(t->pending_files);
	g_hash_table_replace(t->pending_files, g_memdup2(&seq, sizeof seq), pf);
	t->pending_set++;
	g_mutex_unlock(&t->pending_lock);
	return TRUE;
}

gboolean
fut_taint_resolve(FutTaint *t, guint64 seq, guint file_class, int fd, GError **error)
{
	int rmap = bpf_map__fd(t->skel->maps.resolved);
	int pmap = bpf_map__fd(t->skel->maps.inode_pending);
	struct fut_taint_resolution r = {0};
	struct fut_taint_resolution old = {0};
	guint64 on_inode = 0;
	gboolean ok = TRUE;
	int err = 0;

	if (seq == 0)
		return TRUE;
	/* May run on the thread that reads fanotify events (an event that ends unlearnt). */
	if (fd >= 0 && !fut_taint_inode_of_fd_nosync(fd, &r.origin, NULL))
		memset(&r.origin, 0, sizeof r.origin);
	g_mutex_lock(&t->pending_lock);
	/* The kernel's verdict, or the agent's own when the kernel's LRU evicted it. */
	if (bpf_map_lookup_elem(rmap, &seq, &old) != 0 &&
	    !fut_taint_verdicts_lookup(t->verdicts, seq, &old.file_class, &old.origin.dev,
	                               &old.origin.ino))
		memset(&old, 0, sizeof old);
	r.file_class = fut_taint_resolution_class(old.file_class, file_class);
	if (old.file_class == r.file_class && old.file_class != 0)
		r.origin = old.origin; /* resolved already, and not raised */
	if (bpf_map_update_elem(rmap, &seq, &r, BPF_ANY) != 0) {
		/* Unresolved, its readers stay refused: fail closed. */
		err = errno;
		ok = FALSE;
	} else {
		t->resolved++;
	}
	/* Kept on this side too, also when the map refused it: a later refusal of one of its
	 * readers then gives it to the kernel again. */
	(void)fut_taint_verdicts_put(t->verdicts, seq, r.file_class, r.origin.dev, r.origin.ino);
	/* New readers need not carry a number that is settled; a newer version's number (set
	 * since) stays. */
	if (ok && fd >= 0 && bpf_map_lookup_elem(pmap, &fd, &on_inode) == 0 && on_inode == seq)
		(void)bpf_map_delete_elem(pmap, &fd);
	g_mutex_unlock(&t->pending_lock);
	if (!ok)
		fut_error_set_errno(error, err, "BPF resolution map");
	return ok;
}

gboolean
fut_taint_settle(FutTaint *t, int fd, guint64 below)
{
	int pmap = bpf_map__fd(t->skel->maps.inode_pending);
	guint64 on_inode = 0;
	gboolean dropped = FALSE;

	g_mutex_lock(&t->pending_lock);
	if (bpf_map_lookup_elem(pmap, &fd, &on_inode) == 0 && on_inode != 0 && on_inode < below &&
	    bpf_map_delete_elem(pmap, &fd) == 0) {
		t->settled++;
		dropped = TRUE;
	}
	g_mutex_unlock(&t->pending_lock);
	return dropped;
}

guint
fut_taint_republish(FutTaint *t, const guint64 *seqs, guint n)
{
	int rmap = bpf_map__fd(t->skel->maps.resolved);
	guint done = 0;

	g_mutex_lock(&t->pending_lock);
	for (guint i = 0; i < n; i++) {
		struct fut_taint_resolution r = {0};
		struct fut_taint_resolution in_map;

		if (seqs[i] == 0)
			continue;
		/* Still in the kernel's map: the refusal came before the verdict, and the next
		 * try is decided on it already. */
		if (bpf_map_lookup_elem(rmap, &seqs[i], &in_map) == 0)
			continue;
		/* Never given, or forgotten here too: stays refused (fail closed). */
		if (!fut_taint_verdicts_lookup(t->verdicts, seqs[i], &r.file_class, &r.origin.dev,
		                               &r.origin.ino))
			continue;
		if (bpf_map_update_elem(rmap, &seqs[i], &r, BPF_ANY) == 0)
			done++;
	}
	t->republished += done;
	g_mutex_unlock(&t->pending_lock);
	return done;
}

#endif /* HAVE_BPF_TAINT */
