/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the parts of the BPF taint loader share (taint.c: load, programs, approvals;
 * taint-pending.c: pending marks and verdicts; taint-events.c: the ring buffer and its
 * records). Not for other users: agent/taint.h is the interface. */
#pragma once

#include "taint.h"

#ifdef HAVE_BPF_TAINT
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "bpf/taint.h"
#include "bpf/taint.skel.h"

/* The paths of marked inodes kept for the records, at most this many. */
#define ORIGINS_MAX  8192
/* The verdicts on pending numbers the agent keeps (FutTaintVerdicts): twice the kernel's
 * resolution map (max_entries of resolved in bpf/taint-common.bpf.h), whose LRU may evict
 * before it is full. */
#define VERDICTS_MAX 131072

struct _FutTaint {
	struct fut_taint_bpf *skel;
	struct ring_buffer *rb;
	guint rb_source;
	FutTaintDenialFunc on_denial;
	FutTaintGapFunc on_gap;
	gpointer user_data;
	GMutex lock;
	GHashTable *origins; /* "dev:ino" (kernel numbering) -> path, under lock */
	guint64 marked;      /* under lock */
	guint approvals;     /* under lock */
	guint64 dropped_reported;
	/* Descriptors of the exempt and approved programs, kept open so their inodes (and the
	 * BPF storage on them) stay in memory; under lock. */
	GArray *exe_fds;
	GHashTable *exe_ids; /* program path -> exe_id (GUINT_TO_POINTER), under lock */
	/* request id -> GArray of Allowed (the approval map keys allowed under it and the end
	 * of its window), under lock */
	GHashTable *allowed;
	GHashTable *windows; /* request id -> not_after (gint64*, unix seconds), under lock */
	guint peers_exempt;  /* [upload] taint-exempt-peers marked, under lock */
	guint32 next_exe_id; /* under lock */
	/* Its own lock: fut_taint_set_pending() runs on the thread that reads fanotify events,
	 * which must never wait on @lock (held while a program is opened, and that open may
	 * itself be a fanotify event only that thread answers). Nothing is opened under it.
	 * It orders the agent's writes to inode_pending and resolved. */
	GMutex pending_lock;
	/* Pending numbers -> PendingFile (for the records), at most ORIGINS_MAX. */
	GHashTable *pending_files; /* under pending_lock */
	guint64 pending_set;       /* under pending_lock */
	guint64 resolved;          /* under pending_lock */
	guint64 settled;           /* under pending_lock */
	/* The verdicts given to the kernel, to give again when it lost one; under pending_lock. */
	FutTaintVerdicts *verdicts;
	guint64 republished; /* under pending_lock */
	/* taint-mappings.c: the thread that marks files a process mapped shared and writable */
	GThreadPool *mappings;
	gint mappings_queued;   /* atomic */
	guint64 shared_marked;  /* under lock */
	guint64 shared_dropped; /* notices not followed: too many waiting; under lock */
};

typedef struct {
	gchar *path;
	struct fut_taint_inode inode;
} PendingFile;

typedef struct {
	struct fut_taint_approval_key key;
	guint64 end; /* boot clock, ns, exclusive */
} Allowed;

/* The kernel's dev_t (major << 20 | minor) of a stat's st_dev, and back. */
static inline guint32
fut_taint_kdev_of(dev_t dev)
{
	return (guint32)((major(dev) << 20) | (minor(dev) & 0xfffff));
}

static inline guint64
fut_taint_udev_of(guint32 kdev)
{
	return (guint64)makedev(kdev >> 20, kdev & 0xfffff);
}

/* taint.c */
gboolean fut_taint_inode_of_fd(int fd, struct fut_taint_inode *ret, GError **error);
/* fut_taint_inode_of_fd() from the attributes the kernel has cached: on the thread that
 * answers fanotify, a network filesystem's server is never asked. */
gboolean fut_taint_inode_of_fd_nosync(int fd, struct fut_taint_inode *ret, GError **error);
/* The key of t->origins. */
gchar *fut_taint_origin_key(guint32 kdev, guint64 ino);

/* taint-mappings.c */
/* The agent gave the file behind @fd the mark @m (its whole mark now): when a process maps the
 * file shared (mapped_shared), the mark goes to its readers too (mapped_marks, mapped_gen), as
 * the kernel side does for marks it makes (taint-mapped.bpf.h). */
void fut_taint_mirror_mapped(FutTaint *t, int fd, const struct fut_taint_mark *m);

/* taint-pending.c */
void fut_taint_pending_file_free(gpointer p);
/* The file @seq was given to (fut_taint_set_pending()), for a record: its path (or NULL)
 * and st_dev, inode number. FALSE when it is not known (any more). */
gboolean fut_taint_pending_origin(
    FutTaint *t, guint64 seq, gchar **ret_path, guint64 *ret_dev, guint64 *ret_ino);

/* The kernel refused a send as not yet classified, with @seqs (@n of them, 0: none) still
 * unresolved in its mark: gives the kernel again each verdict the agent still has and the
 * kernel's resolution map lost. Returns how many were given again. */
guint fut_taint_republish(FutTaint *t, const guint64 *seqs, guint n);

/* taint-mappings.c: marks the files a process has mapped shared and writable with its mark
 * (FUT_TAINT_EVENT_SHARED_FILES), on a thread of its own. */
void fut_taint_mappings_init(FutTaint *t);
void fut_taint_mappings_queue(FutTaint *t, guint32 pid);
void fut_taint_mappings_stop(FutTaint *t);

/* taint-events.c: the ring buffer's callback (libbpf) and its main loop source. */
int fut_taint_on_event(void *ctx, void *data, size_t size);
gboolean fut_taint_rb_ready(gint fd, GIOCondition cond, gpointer user_data);

#endif /* HAVE_BPF_TAINT */
