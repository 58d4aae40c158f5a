/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload control: pipes into upload programs, where the kernel's taint layer does not run.
 *
 * `cat roster.csv | curl --data-binary @- URL`, `tar c docs | gzip | curl -T - URL`,
 * `curl -T - < <(cat roster.csv)`: the upload program only reads a pipe; whoever writes into
 * it opened the file. With BPF LSM the taint follows what flows through the pipe (agent/bpf/).
 * Without it (fanotify alone) a pipe is followed here, as far as fanotify can see:
 *
 * - When an upload program starts with a pipe it can read (fanwatch-exec.c), or opens a
 *   named FIFO, the pipe is "fed": every pipe joined to it through the processes writing
 *   into it (`a | b | curl`: the writers of curl's pipe, the pipes they read, their writers,
 *   up to PIPE_DEPTH) is fed too, until the upload program's process ends.
 * - Each process that can write into a fed pipe now must not hold a Class I/II file open:
 *   its open files are decided as the upload program's opens of them (class, approvals,
 *   records); one that must be refused refuses the start (EPERM).
 * - What the fed pipes hold now (data written before the upload program started, by a
 *   writer that may be gone) is copied with tee(2), which leaves it in the pipe, and decided
 *   as a file the program opened.
 * - While a pipe is fed, every open on a watched filesystem goes to a responder (not the
 *   reader thread's short path), which lists the opener's descriptors: an opener that can
 *   write into a fed pipe (`cat` started after curl, a child of a writer, `find -exec cat`)
 *   is decided as the upload program. The refusal is the opener's: `cat` cannot open the
 *   roster. The pipes such an opener reads are fed from then on.
 *
 * Not seen (docs/upload-control.md): content a writer read before this look and keeps in
 * its memory (`python3` that reads the file, closes it, then writes); a pipe joined later
 * by a process that never opens a file on a watched filesystem; a writer that joined a fed
 * pipe through /proc/PID/fd/N or a unix socket after it opened the file; a pipe's content
 * when its writers have gone and an encoder between them changed it (base64 of a roster
 * that left the pipe before the look). Those are the taint layer's: BPF LSM follows every
 * read. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fanwatch-private.h"
#include "procinfo.h"

/* At most this many fed pipes at once, and for one user's upload programs; a start that
 * would need more is refused (one user's pipes cannot use up another's room). */
#define FEEDS_MAX     1024
#define FEEDS_PER_UID 128
/* Pipes followed through writers (`a | b | c | curl`: 3). */
#define PIPE_DEPTH    4
/* The descriptors of all processes looked at to find a pipe's writers; past it, refused. */
#define SCAN_FDS_MAX  (1024 * 1024)
/* How long after the first look at the writers the second one comes. */
#define SETTLE_MS     100
/* At most this much of a pipe's content is copied to be decided. */
#define PEEK_MAX      (1024 * 1024)

typedef struct {
	gchar *link;  /* "pipe:[N]", as /proc/PID/fd/N reads, or a named FIFO's path */
	int pidfd;    /* the upload program's process: the feed ends with it */
	pid_t reader; /* its pid */
	guint32 uid;  /* its user: only that user's processes are its writers */
	gchar *exe;
	Key exe_key;
	const gchar *match;
} Feed;

static void
feed_free(gpointer p)
{
	Feed *f = p;

	if (f->pidfd >= 0)
		close(f->pidfd);
	g_free(f->link);
	g_free(f->exe);
	g_free(f);
}

void
fw_pipes_init(FutFanwatch *fw, gboolean follow)
{
	g_mutex_init(&fw->pipes_lock);
	fw->feeds = g_ptr_array_new_with_free_func(feed_free);
	fw->follow_pipes = follow;
}

void
fw_pipes_clear(FutFanwatch *fw)
{
	g_clear_pointer(&fw->feeds, g_ptr_array_unref);
	g_mutex_clear(&fw->pipes_lock);
}

gboolean
fw_pipes_active(FutFanwatch *fw)
{
	return g_atomic_int_get(&fw->feeds_active) > 0;
}

/* Drops the feeds whose upload program has ended. Caller holds pipes_lock. */
static void
prune_locked(FutFanwatch *fw)
{
	for (guint i = fw->feeds->len; i > 0; i--) {
		Feed *f = g_ptr_array_index(fw->feeds, i - 1);
		struct pollfd pfd = {.fd = f->pidfd, .events = POLLIN};
		if (poll(&pfd, 1, 0) != 0)
			g_ptr_array_remove_index_fast(fw->feeds, i - 1);
	}
	g_atomic_int_set(&fw->feeds_active, (gint)fw->feeds->len);
}

/* Feeds @link for @ev's program (its process @ev->pid, its user @uid). FALSE when the table
 * is full (for everyone, or for that user) or the process cannot be followed. */
static gboolean
feed_add(FutFanwatch *fw, Event *ev, guint32 uid, const gchar *link)
{
	Feed *f;
	int pidfd;
	guint mine = 0;

	g_mutex_lock(&fw->pipes_lock);
	prune_locked(fw);
	for (guint i = 0; i < fw->feeds->len; i++) {
		f = g_ptr_array_index(fw->feeds, i);
		if (f->reader == ev->pid && g_strcmp0(f->link, link) == 0) {
			g_mutex_unlock(&fw->pipes_lock);
			return TRUE;
		}
		mine += f->uid == uid;
	}
	pidfd = fw->feeds->len < FEEDS_MAX && mine < FEEDS_PER_UID
	            ? (int)syscall(SYS_pidfd_open, ev->pid, 0)
	            : -1;
	if (pidfd < 0) {
		g_mutex_unlock(&fw->pipes_lock);
		return FALSE;
	}
	f = g_new0(Feed, 1);
	f->link = g_strdup(link);
	f->pidfd = pidfd;
	f->reader = ev->pid;
	f->uid = uid;
	f->exe = g_strdup(ev->exe);
	f->exe_key = ev->exe_key;
	f->match = ev->match;
	g_ptr_array_add(fw->feeds, f);
	g_atomic_int_set(&fw->feeds_active, (gint)fw->feeds->len);
	g_mutex_unlock(&fw->pipes_lock);
	return TRUE;
}

gboolean
fw_pid_is_upload(FutFanwatch *fw, pid_t pid, const Key *same)
{
	Event e = {0};
	gboolean upload;

	e.pid = pid;
	if (!fw_identify(fw, &e))
		return FALSE;
	/* a loader or multi-call process not read yet counts as not one: followed */
	upload = e.upload && !e.identify_deep &&
	         (same == NULL || (e.exe_key.dev == same->dev && e.exe_key.ino == same->ino));
	g_free(e.exe);
	return upload;
}

/* One pipe a process holds. */
typedef struct {
	pid_t pid;
	gint fd;
	gchar *link;
	gboolean write;
	gboolean read;
} Hold;

static void
hold_clear(gpointer p)
{
	g_free(((Hold *)p)->link);
}

/* Appends to @holds the pipes and FIFOs (links starting "pipe:[", or in @named) process
 * @pid holds. @budget: descriptors left to look at. FALSE when it cannot be listed (gone:
 * TRUE, nothing added) or the budget is spent. */
static gboolean
holds_of(pid_t pid, GHashTable *named, GArray *holds, guint *budget)
{
	gchar path[64];
	DIR *dir;
	struct dirent *de;
	int dfd, fdinfo;
	gboolean ok = TRUE;

	g_snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return errno == ENOENT || errno == ESRCH;
	g_snprintf(path, sizeof path, "/proc/%d/fdinfo", (int)pid);
	fdinfo = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = dirfd(dir);
	while ((de = readdir(dir)) != NULL) {
		gchar target[PATH_MAX];
		guint64 n;
		ssize_t len;
		gint64 flags;
		Hold h = {0};

		if (de->d_name[0] == '.')
			continue;
		if (*budget == 0) {
			ok = FALSE;
			break;
		}
		(*budget)--;
		len = readlinkat(dfd, de->d_name, target, sizeof target - 1);
		if (len <= 0)
			continue; /* closed meanwhile */
		target[len] = '\0';
		if (!g_str_has_prefix(target, "pipe:[") &&
		    (named == NULL || !g_hash_table_contains(named, target)))
			continue;
		if (!g_ascii_string_to_unsigned(de->d_name, 10, 0, G_MAXINT32, &n, NULL))
			continue;
		flags = fdinfo >= 0 ? fw_fdinfo_flags(fdinfo, de->d_name) : -1;
		if (flags < 0)
			flags = O_RDWR; /* cannot tell: taken as both ends */
		h.pid = pid;
		h.fd = (gint)n;
		h.link = g_strdup(target);
		h.write = (flags & O_ACCMODE) != O_RDONLY;
		h.read = (flags & O_ACCMODE) != O_WRONLY;
		g_array_append_val(holds, h);
	}
	if (fdinfo >= 0)
		close(fdinfo);
	closedir(dir);
	return ok;
}

/* Every pipe held by the processes of user @uid (not ours). FALSE when /proc cannot be read
 * or they hold too many descriptors. Another user's process writing into the pipe is not
 * looked at: it could as well run an upload program of its own. */
static gboolean
holds_all(FutFanwatch *fw, guint32 uid, GHashTable *named, GArray *holds)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	guint budget = SCAN_FDS_MAX;
	gboolean ok = TRUE;

	if (proc == NULL)
		return FALSE;
	while (ok && (de = readdir(proc)) != NULL) {
		guint64 pid;
		guint32 owner;
		if (!g_ascii_string_to_unsigned(de->d_name, 10, 1, G_MAXINT32, &pid, NULL))
			continue;
		if ((pid_t)pid == fw->self)
			continue;
		/* (a process that cannot be read is gone) */
		if (!fut_procinfo_read_uid((pid_t)pid, &owner, NULL) || owner != uid)
			continue;
		ok = holds_of((pid_t)pid, named, holds, &budget);
	}
	closedir(proc);
	return ok;
}

/* Copies what the pipe open at @own holds now into a new memfd, leaving it in the pipe
 * (tee(2)). Returns the memfd (-1: could not), with @ret_len 0 for an empty pipe. */
static int
peek(int own, gsize *ret_len)
{
	int ours[2] = {-1, -1}, mem = -1, size;
	g_autofree guint8 *buf = NULL;
	gsize len = 0;
	ssize_t t;

	*ret_len = 0;
	if (pipe2(ours, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	/* Ours must hold all theirs does (a user's pipe holds at most 1 MiB, pipe-max-size). */
	size = fcntl(own, F_GETPIPE_SZ);
	if (size <= 0 || size > PEEK_MAX ||
	    (fcntl(ours[1], F_SETPIPE_SZ, size) < size && fcntl(ours[1], F_GETPIPE_SZ) < size))
		goto out;
	do
		t = tee(own, ours[1], PEEK_MAX, SPLICE_F_NONBLOCK);
	while (t < 0 && errno == EINTR);
	if (t < 0 && errno != EAGAIN)
		goto out;
	buf = g_malloc(PEEK_MAX);
	while (t > 0 && len < PEEK_MAX) {
		ssize_t r = read(ours[0], buf + len, PEEK_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (gsize)r;
	}
	mem = memfd_create("futari-pipe", MFD_CLOEXEC);
	if (mem >= 0 && len > 0 && write(mem, buf, len) != (ssize_t)len) {
		close(mem);
		mem = -1;
	}
	*ret_len = len;
out:
	close(ours[0]);
	close(ours[1]);
	return mem;
}

/* Decides what the pipe open here at @pfd (or descriptor @n of @pid, taken when @pfd is -1)
 * holds now, as a file @ev's program opened (recorded under @link). TRUE to allow. */
static gboolean
peek_allowed(
    FutFanwatch *fw, Event *ev, int pfd, pid_t pid, gint n, const gchar *link, gint inherited_fd)
{
	struct stat st;
	int own = pfd, mem = -1;
	gsize len = 0;
	gboolean allow;

	if (own < 0) {
		own = fw_take_fd(fw, pid, n, &st);
		if (own < 0 && (errno == ENOENT || errno == ESRCH))
			return TRUE; /* closed meanwhile: what it held went with it */
		if (own >= 0 && !S_ISFIFO(st.st_mode)) {
			/* swapped for something else meanwhile */
			fw_release_fd(fw, own, &st);
			own = -1;
		}
	}
	if (own >= 0) {
		mem = peek(own, &len);
		if (own != pfd)
			fw_release_fd(fw, own, &st);
	}
	if (mem < 0) {
		ev->record = TRUE;
		ev->reason = "what a pipe it reads holds cannot be examined";
		return FALSE;
	}
	/* empty now: what comes later comes from a writer looked at */
	allow = len == 0 || fw_inherited_allowed(fw, ev, ev->pid, mem, inherited_fd, 0, link);
	close(mem);
	return allow;
}

gboolean
fw_pipe_follow(FutFanwatch *fw, Event *ev, int pfd, const gchar *link, gint inherited_fd)
{
	g_autoptr(GArray) holds = g_array_new(FALSE, TRUE, sizeof(Hold));
	g_autoptr(GHashTable) named = NULL;
	g_autoptr(GHashTable) fed = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) writers = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	GPtrArray *level;
	gboolean allow = TRUE, upload;

	g_array_set_clear_func(holds, hold_clear);
	ev->kind = FUT_FANWATCH_RECORD_DENIED;
	if (!g_str_has_prefix(link, "pipe:[")) {
		named = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_add(named, (gpointer)link);
	}
	if (!ev->have_uid && fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		ev->have_uid = TRUE;
	if (!ev->have_uid) {
		ev->record = TRUE;
		ev->reason = "the user of an upload program reading a pipe cannot be identified";
		return FALSE;
	}
	if (!holds_all(fw, ev->uid, named, holds)) {
		ev->record = TRUE;
		ev->reason = "the processes writing into a pipe it reads cannot be listed";
		return FALSE;
	}
	/* The pipes joined to @link through their writers, breadth first. */
	g_hash_table_add(fed, (gpointer)link);
	g_ptr_array_add(order, (gpointer)link);
	level = g_ptr_array_new();
	g_ptr_array_add(level, (gpointer)link);
	for (guint depth = 0; depth < PIPE_DEPTH && level->len > 0; depth++) {
		GPtrArray *next = g_ptr_array_new();
		for (guint i = 0; i < holds->len; i++) {
			Hold *h = &g_array_index(holds, Hold, i);
			if (!h->write || h->pid == ev->pid ||
			    !g_ptr_array_find_with_equal_func(level, h->link, g_str_equal, NULL))
				continue;
			if (g_hash_table_contains(writers, GINT_TO_POINTER(h->pid)))
				continue;
			/* 2: an upload program writing into it: its own opens are judged as its */
			upload = fw_pid_is_upload(fw, h->pid, NULL);
			g_hash_table_insert(writers, GINT_TO_POINTER(h->pid),
			                    GINT_TO_POINTER(upload ? 2 : 1));
			if (upload)
				continue;
			for (guint j = 0; j < holds->len; j++) {
				Hold *r = &g_array_index(holds, Hold, j);
				if (r->pid != h->pid || !r->read ||
				    g_hash_table_contains(fed, r->link))
					continue;
				g_hash_table_add(fed, r->link);
				g_ptr_array_add(order, r->link);
				g_ptr_array_add(next, r->link);
			}
		}
		g_ptr_array_unref(level);
		level = next;
	}
	g_ptr_array_unref(level);
	/* Fed first: a writer's open from now on is decided as the program's (fw_pipe_feeder());
	 * one made before is still open below, or its content is in a pipe. */
	for (guint i = 0; i < order->len; i++) {
		if (!feed_add(fw, ev, ev->uid, g_ptr_array_index(order, i))) {
			ev->record = TRUE;
			ev->reason = "too many pipes into upload programs are followed";
			return FALSE;
		}
	}
	/* Twice, SETTLE_MS apart when some writer is judged: an open the reader thread allowed
	 * just before the pipe was fed is installed in the writer's table only once the writer
	 * runs again, and from then on it asks nobody (cat then reads the roster and writes it
	 * into the pipe). Found under load: `cat roster.csv | nc` sent the roster. */
	for (guint look = 0; allow && look < 2; look++) {
		GHashTableIter it;
		gpointer key, value;
		gboolean judged = FALSE;

		if (look == 1)
			g_usleep(SETTLE_MS * 1000);
		g_hash_table_iter_init(&it, writers);
		while (allow && g_hash_table_iter_next(&it, &key, &value)) {
			if (GPOINTER_TO_INT(value) == 2)
				continue;
			judged = TRUE;
			allow = fw_examine_fds(fw, ev, GPOINTER_TO_INT(key), ev->pid);
		}
		if (!judged)
			break;
	}
	/* What the pipes hold now: the program's own, through its descriptor. */
	if (allow && pfd >= 0)
		allow = peek_allowed(fw, ev, pfd, 0, 0, link, inherited_fd);
	else if (allow && inherited_fd > 0)
		allow = peek_allowed(fw, ev, -1, ev->pid, inherited_fd - 1, link, inherited_fd);
	/* (pfd: the program's own descriptor, taken by fanwatch-exec.c, or the FIFO's event) */
	for (guint i = 1; allow && i < order->len; i++) {
		const gchar *l = g_ptr_array_index(order, i);
		for (guint j = 0; j < holds->len; j++) {
			Hold *h = &g_array_index(holds, Hold, j);
			if (h->read && g_strcmp0(h->link, l) == 0) {
				allow = peek_allowed(fw, ev, -1, h->pid, h->fd, l, 0);
				break;
			}
		}
	}
	if (allow) {
		g_mutex_lock(&fw->lock);
		fw->stats.pipes_followed++;
		g_mutex_unlock(&fw->lock);
	}
	return allow;
}

FwFeeder
fw_pipe_feeder(FutFanwatch *fw, Event *ev)
{
	g_autoptr(GArray) holds = g_array_new(FALSE, TRUE, sizeof(Hold));
	g_autoptr(GHashTable) named = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) feeds = g_ptr_array_new_with_free_func(feed_free);
	guint budget = EXEC_FDS_MAX;
	Feed *hit = NULL;

	if (!ev->have_uid && fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		ev->have_uid = TRUE;
	if (!ev->have_uid)
		return FW_FEEDER_UNKNOWN;
	/* A copy of this user's feeds (their pidfds not taken), then the opener's pipes,
	 * unlocked. */
	g_mutex_lock(&fw->pipes_lock);
	prune_locked(fw);
	for (guint i = 0; i < fw->feeds->len; i++) {
		Feed *f = g_ptr_array_index(fw->feeds, i);
		Feed *c;
		if (f->uid != ev->uid || f->reader == ev->pid)
			continue;
		c = g_new0(Feed, 1);
		*c = *f;
		c->pidfd = -1;
		c->link = g_strdup(f->link);
		c->exe = g_strdup(f->exe);
		g_ptr_array_add(feeds, c);
		if (!g_str_has_prefix(c->link, "pipe:["))
			g_hash_table_add(named, c->link);
	}
	g_mutex_unlock(&fw->pipes_lock);
	if (feeds->len == 0)
		return FW_FEEDER_NO;
	g_array_set_clear_func(holds, hold_clear);
	if (!holds_of(ev->pid, named, holds, &budget)) {
		/* Too many descriptors to look through (or none readable): taken as writing
		 * into the first, so its opens are decided as an upload program's. */
		if (budget != 0)
			return FW_FEEDER_UNKNOWN;
		hit = g_ptr_array_index(feeds, 0);
	}
	for (guint i = 0; hit == NULL && i < holds->len; i++) {
		Hold *h = &g_array_index(holds, Hold, i);
		for (guint j = 0; h->write && j < feeds->len; j++) {
			Feed *f = g_ptr_array_index(feeds, j);
			if (g_strcmp0(f->link, h->link) == 0) {
				hit = f;
				break;
			}
		}
	}
	if (hit == NULL)
		return FW_FEEDER_NO;
	/* The opener stands for the upload program; the pipes it reads are fed too. */
	g_free(ev->exe);
	ev->exe = g_strdup(hit->exe);
	ev->exe_key = hit->exe_key;
	ev->match = hit->match;
	ev->upload = TRUE;
	ev->feeding = hit->reader;
	for (guint i = 0; i < holds->len; i++) {
		Hold *h = &g_array_index(holds, Hold, i);
		Event prog = {0};
		if (!h->read)
			continue;
		prog.pid = hit->reader;
		prog.exe = hit->exe;
		prog.exe_key = hit->exe_key;
		prog.match = hit->match;
		if (!feed_add(fw, &prog, hit->uid, h->link))
			return FW_FEEDER_UNKNOWN;
	}
	g_mutex_lock(&fw->lock);
	fw->stats.pipe_writers++;
	g_mutex_unlock(&fw->lock);
	return FW_FEEDER_YES;
}
