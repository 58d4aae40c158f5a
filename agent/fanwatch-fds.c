/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload control: another process's descriptors, taken rather than opened again.
 *
 * What an upload program inherits (fanwatch-exec.c) and what the writers into its pipe hold
 * (fanwatch-pipe.c) were first opened again through /proc/PID/fd/N after a statx() of the
 * link. Between the two, the process (a writer runs freely; another thread of a process in
 * execve() too) can put a file of its own FUSE filesystem at that number: the open then
 * waits on its daemon (permission, OPEN) for as long as the daemon likes, and two such
 * opens held both workers, so every upload program's decision in the machine went to its
 * deadline. Now the open file itself is taken with pidfd_getfd(2): no path walk, no open, no
 * permission check reaches a filesystem. What was taken is looked at with statx() without
 * sync (never a FUSE request). Closing our copy is safe at once for pipes, FIFOs, sockets,
 * character devices and regular files on a filesystem that is not FUSE (the agent's mount
 * table names it); anything else (a FUSE file: its flush is a request to the daemon) is
 * closed on the reaper thread, which may wait for ever without holding anyone (it runs at
 * the agent's own priority, so that its queue drains). While the reaper has more than
 * REAP_MAX descriptors waiting, nothing more is taken: the decision that needed one refuses
 * (before, the reaper ran at nice 19 with a queue of 64 and took every file not on a
 * watched filesystem: 50 curl starts at once, each handing it a test's output file in /tmp,
 * could fill it on a loaded machine; one such run saw 11 of 50 starts refused, not
 * reproduced since). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fanwatch-private.h"

#define REAP_MAX 256

static void
reap_job(gpointer data, gpointer user_data)
{
	(void)user_data;
	/* at the agent's own priority: a close is quick unless it waits on a daemon, and a
	 * queue that does not drain refuses starts (fw_take_fd()) */
	fw_thread_setup("fut-fan-reap", FALSE);
	close(GPOINTER_TO_INT(data) - 1);
}

/* TRUE when a regular file's close on device @dev cannot wait on a user: the agent's mount
 * table names its filesystem and it is not FUSE. Cached by device. */
static gboolean
dev_close_safe(FutFanwatch *fw, guint64 dev)
{
	gpointer v = NULL;
	gboolean found, safe;

	g_mutex_lock(&fw->pipes_lock);
	found = g_hash_table_lookup_extended(fw->close_safe, &dev, NULL, &v);
	g_mutex_unlock(&fw->pipes_lock);
	if (found)
		return GPOINTER_TO_INT(v);
	{
		g_autofree gchar *fstype = fw_fstype_of_dev(dev);
		safe = fstype != NULL && !g_str_has_prefix(fstype, "fuse");
	}
	g_mutex_lock(&fw->pipes_lock);
	if (g_hash_table_size(fw->close_safe) >= 1024)
		g_hash_table_remove_all(fw->close_safe);
	g_hash_table_insert(fw->close_safe, g_memdup2(&dev, sizeof dev), GINT_TO_POINTER(safe));
	g_mutex_unlock(&fw->pipes_lock);
	return safe;
}

void
fw_fds_init(FutFanwatch *fw)
{
	int p[2];
	struct stat st;

	fw->pipefs_dev = G_MAXUINT64;
	if (pipe2(p, O_CLOEXEC) == 0) {
		if (fstat(p[0], &st) == 0)
			fw->pipefs_dev = (guint64)st.st_dev;
		close(p[0]);
		close(p[1]);
	}
	fw->reaper = g_thread_pool_new(reap_job, NULL, 1, TRUE, NULL);
	fw->close_safe = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
}

void
fw_fds_clear(FutFanwatch *fw)
{
	/* A reaper waiting on a FUSE daemon is not waited for. */
	if (fw->reaper != NULL)
		g_thread_pool_free(fw->reaper, TRUE, FALSE);
	fw->reaper = NULL;
	g_clear_pointer(&fw->close_safe, g_hash_table_unref);
}

int
fw_take_fd(FutFanwatch *fw, pid_t pid, int n, struct stat *ret_st)
{
	int pidfd, fd;

	if (fw->reaper == NULL || g_thread_pool_unprocessed(fw->reaper) > REAP_MAX) {
		errno = EBUSY;
		return -1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1; /* ESRCH: gone */
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
	close(pidfd);
	if (fd < 0) {
		if (errno == EBADF)
			errno = ENOENT; /* closed meanwhile */
		return -1;
	}
	if (!fw_fd_stat(fd, ret_st)) {
		int e = errno;
		/* what it is cannot be told: closed where a wait holds nobody */
		g_thread_pool_push(fw->reaper, GINT_TO_POINTER(fd + 1), NULL);
		errno = e;
		return -1;
	}
	return fd;
}

void
fw_release_fd(FutFanwatch *fw, int fd, const struct stat *st)
{
	if (fd < 0)
		return;
	/* (a character device: /dev/null, a terminal; a regular file on a filesystem that is
	 * not FUSE: a test's output file in /tmp) */
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode) || S_ISCHR(st->st_mode) ||
	    (S_ISREG(st->st_mode) && !fw_on_fuse(fw, st) &&
	     (fw_dev_watched(fw, (guint64)st->st_dev) || dev_close_safe(fw, (guint64)st->st_dev))))
		close(fd);
	else
		g_thread_pool_push(fw->reaper, GINT_TO_POINTER(fd + 1), NULL);
}

gint64
fw_fdinfo_flags(int dirfd, const gchar *name)
{
	gchar buf[256];
	const gchar *f;
	gchar *end = NULL;
	guint64 flags;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	/* "pos:", then "flags:" (octal): the first lines of every fdinfo */
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	f = g_str_has_prefix(buf, "flags:") ? buf : strstr(buf, "\nflags:");
	if (f == NULL)
		return -1;
	f = strchr(f, ':') + 1;
	while (*f == '\t' || *f == ' ')
		f++;
	flags = g_ascii_strtoull(f, &end, 8);
	if (end == f || flags > G_MAXINT32)
		return -1;
	return (gint64)flags;
}
