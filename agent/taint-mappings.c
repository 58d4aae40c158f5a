/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files a process mapped shared and writable before it carried a mark (round 12). What it
 * stores into such a mapping reaches the file with no hook seeing it: the kernel side flags
 * the process at the mmap (FUT_TAINT_TASK_SHARED_FILE) and, when its mark changes, says so
 * through the ring buffer (FUT_TAINT_EVENT_SHARED_FILES). Here its mark is given to every
 * regular file it has mapped so, read from /proc/PID/maps.
 *
 * On a thread of its own, never on the main loop: reading another process's maps takes
 * that process's mmap lock, which the process can hold for long. Each file is reached by an
 * O_PATH descriptor of /proc/PID/map_files/START-END (CAP_SYS_ADMIN): no open of the file
 * itself, so no fanotify event and no FUSE call, and the BPF inode storage takes such a
 * descriptor. */
#include "config.h"

#include "taint-private.h"

#ifdef HAVE_BPF_TAINT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* Notices waiting past this are dropped (counted): a process can make them faster than
 * /proc is read. */
#define MAPPINGS_QUEUE_MAX 1024

/* @to takes @from: the stronger class with its origin, and every pending number (a number
 * with no free slot makes the mark Class II, as the kernel side does). */
static gboolean
merge(struct fut_taint_mark *to, const struct fut_taint_mark *from)
{
	gboolean changed = FALSE;

	if (from->file_class != 0 && (to->file_class == 0 || from->file_class < to->file_class)) {
		to->file_class = from->file_class;
		to->origin = from->origin;
		changed = TRUE;
	}
	for (guint i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		guint64 seq = from->pending[i];
		guint free_slot = FUT_TAINT_PENDING_SLOTS;
		gboolean have = FALSE;

		for (guint k = 0; seq != 0 && k < FUT_TAINT_PENDING_SLOTS; k++) {
			have = have || to->pending[k] == seq;
			if (to->pending[k] == 0 && free_slot == FUT_TAINT_PENDING_SLOTS)
				free_slot = k;
		}
		if (seq == 0 || have)
			continue;
		if (free_slot < FUT_TAINT_PENDING_SLOTS) {
			to->pending[free_slot] = seq;
		} else if (to->file_class == 0 || to->file_class > 2) {
			to->file_class = 2;
			memset(&to->origin, 0, sizeof to->origin);
		}
		changed = TRUE;
	}
	return changed;
}

/* The entry of @key in hash @map takes @m (made when there is none). FALSE when the map
 * cannot take it. */
static gboolean
merge_into_entry(int map, const void *key, const struct fut_taint_mark *m)
{
	struct fut_taint_mark cur = {0};

	if (bpf_map_lookup_elem(map, key, &cur) != 0)
		memset(&cur, 0, sizeof cur);
	merge(&cur, m);
	return bpf_map_update_elem(map, key, &cur, BPF_ANY) == 0;
}

void
fut_taint_mirror_mapped(FutTaint *t, int fd, const struct fut_taint_mark *m)
{
	struct fut_taint_inode id = {0};
	struct statx stx;
	guint32 flag = 0, uid;

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.mapped_shared), &fd, &flag) != 0 ||
	    flag == 0)
		return;
	/* one statx for the number and the owner, from cached attributes (as
	 * fut_taint_inode_of_fd_nosync(): a network filesystem's server is never asked) */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO | STATX_UID, &stx) != 0) {
		__atomic_store_n(&t->skel->bss->mapped_lost, 1, __ATOMIC_SEQ_CST);
	} else {
		id.ino = stx.stx_ino;
		id.dev = fut_taint_kdev_of(makedev(stx.stx_dev_major, stx.stx_dev_minor));
		uid = stx.stx_uid;
		if (!merge_into_entry(bpf_map__fd(t->skel->maps.mapped_marks), &id, m))
			__atomic_store_n(&t->skel->bss->mapped_lost, 1, __ATOMIC_SEQ_CST);
		/* and by its owner: what processes beyond their slots take */
		if (!merge_into_entry(bpf_map__fd(t->skel->maps.mapped_by_owner), &uid, m))
			__atomic_store_n(&t->skel->bss->mapped_owner_lost, 1, __ATOMIC_SEQ_CST);
	}
	g_mutex_lock(&t->lock);
	merge(&t->skel->bss->mapped_union, m);
	g_mutex_unlock(&t->lock);
	__atomic_fetch_add(&t->skel->bss->mapped_gen, 1, __ATOMIC_SEQ_CST);
}

/* Gives @mark to the file behind the mapping @range ("START-END") of @pid. */
static gboolean
mark_mapping(FutTaint *t, guint32 pid, const gchar *range, const struct fut_taint_mark *mark)
{
	g_autofree gchar *link = g_strdup_printf("/proc/%u/map_files/%s", pid, range);
	int map = bpf_map__fd(t->skel->maps.inode_marks);
	struct fut_taint_mark m = {0};
	struct stat st;
	int fd = open(link, O_PATH | O_CLOEXEC);
	gboolean done = FALSE;

	if (fd < 0)
		return FALSE;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (bpf_map_lookup_elem(map, &fd, &m) != 0)
			memset(&m, 0, sizeof m);
		if (!merge(&m, mark))
			done = TRUE; /* it holds as much already */
		else
			done = bpf_map_update_elem(map, &fd, &m, BPF_ANY) == 0;
		if (done)
			fut_taint_mirror_mapped(t, fd, &m);
	}
	close(fd);
	return done;
}

/* Marks every regular file @pid has mapped shared and writable with its mark now. */
static void
mark_process(FutTaint *t, guint32 pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%u/maps", pid);
	struct fut_taint_mark mark = {0};
	gchar line[4096];
	guint marked = 0;
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	FILE *f;

	if (pidfd < 0)
		return; /* gone: its mappings with it */
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.task_marks), &pidfd, &mark) != 0) {
		close(pidfd);
		return;
	}
	close(pidfd);
	mark.flags = 0; /* the task's flags mean nothing on a file */
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		gchar range[64], perms[8];
		unsigned long long inode = 0;

		/* START-END PERMS OFFSET DEV INODE [PATH] */
		if (sscanf(line, "%63s %7s %*s %*s %llu", range, perms, &inode) != 3)
			continue;
		if (inode == 0 || strlen(perms) < 4 || perms[1] != 'w' || perms[3] != 's')
			continue;
		if (mark_mapping(t, pid, range, &mark))
			marked++;
	}
	fclose(f);
	if (marked > 0) {
		g_mutex_lock(&t->lock);
		t->marked += marked;
		t->shared_marked += marked;
		g_mutex_unlock(&t->lock);
	}
}

static void
mappings_worker(gpointer data, gpointer user_data)
{
	FutTaint *t = user_data;

	mark_process(t, GPOINTER_TO_UINT(data));
	g_atomic_int_dec_and_test(&t->mappings_queued);
}

void
fut_taint_mappings_init(FutTaint *t)
{
	/* Tests only (root's environment): act as a thread held by a process's mmap lock, which
	 * follows no notice (tests/e2e scenario 22: the kernel's owed_files must do without). */
	if (g_getenv("FUTARI_TEST_MAPPINGS_HELD") != NULL) {
		g_warning("FUTARI_TEST_MAPPINGS_HELD is set (a test knob): shared mapping notices "
		          "are not followed");
		return;
	}
	/* one thread, exclusive: a process that holds its mmap lock stops only this */
	t->mappings = g_thread_pool_new(mappings_worker, t, 1, TRUE, NULL);
}

void
fut_taint_mappings_queue(FutTaint *t, guint32 pid)
{
	if (t->mappings == NULL || pid == 0)
		return;
	if (g_atomic_int_get(&t->mappings_queued) >= MAPPINGS_QUEUE_MAX) {
		g_mutex_lock(&t->lock);
		t->shared_dropped++;
		g_mutex_unlock(&t->lock);
		return;
	}
	g_atomic_int_inc(&t->mappings_queued);
	g_thread_pool_push(t->mappings, GUINT_TO_POINTER(pid), NULL);
}

void
fut_taint_mappings_stop(FutTaint *t)
{
	if (t->mappings != NULL)
		g_thread_pool_free(g_steal_pointer(&t->mappings), TRUE, TRUE);
}

#endif /* HAVE_BPF_TAINT */
