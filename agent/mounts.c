/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "util.h"

void
fut_mount_free(FutMount *m)
{
	if (m == NULL)
		return;
	g_free(m->root);
	g_free(m->mount_point);
	g_free(m->options);
	g_free(m->fs_type);
	g_free(m->source);
	g_free(m->super_options);
	g_free(m);
}

GPtrArray *
fut_mounts_parse(const gchar *text, gsize len, GError **error)
{
	g_autoptr(GPtrArray) mounts =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_mount_free);
	g_autofree gchar *copy = g_strndup(text, len);
	g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = NULL;
		guint n, sep = 0;
		FutMount *m;

		if (lines[i][0] == '\0')
			continue;
		f = g_strsplit(lines[i], " ", -1);
		n = g_strv_length(f);
		for (guint j = 6; j < n; j++) {
			if (g_str_equal(f[j], "-")) {
				sep = j;
				break;
			}
		}
		if (n < 10 || sep == 0 || sep + 3 > n ||
		    sscanf(f[2], "%u:%u", &(guint){0}, &(guint){0}) != 2) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("mountinfo line %u is malformed"), i + 1);
			return NULL;
		}
		m = g_new0(FutMount, 1);
		m->mount_id = (guint)strtoul(f[0], NULL, 10);
		sscanf(f[2], "%u:%u", &m->major, &m->minor);
		m->root = fut_mountinfo_unescape(f[3]);
		m->mount_point = fut_mountinfo_unescape(f[4]);
		m->options = g_strdup(f[5]);
		m->fs_type = fut_mountinfo_unescape(f[sep + 1]);
		m->source = fut_mountinfo_unescape(f[sep + 2]);
		m->super_options = g_strdup(f[sep + 3]);
		g_ptr_array_add(mounts, m);
	}
	return g_steal_pointer(&mounts);
}

/* The mounts of @major:@minor in the mount table at @path (a mountinfo file). With
 * @ret_fd, the open table is handed back (its poll() says when that namespace's mounts
 * change: FutMountWatch). */
static GPtrArray *
mounts_for_device_at(
    const gchar *path, guint major, guint minor, int *ret_fd, int *ret_open_errno, GError **error)
{
	g_autoptr(GString) text = g_string_sized_new(16 * 1024);
	g_autoptr(GPtrArray) all = NULL;
	GPtrArray *out;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (ret_open_errno != NULL)
			*ret_open_errno = errno;
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("cannot read the mount table: %s"),
		            g_strerror(errno));
		return NULL;
	}
	/* /proc files report size 0: read to the end, bounded. */
	for (;;) {
		gchar buf[16 * 1024];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
			            _("cannot read the mount table: %s"), g_strerror(e));
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(text, buf, n);
		if (text->len > FUT_MOUNTINFO_MAX) {
			close(fd);
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("mount table too large"));
			return NULL;
		}
	}
	if (ret_fd != NULL)
		*ret_fd = fd;
	else
		close(fd);
	all = fut_mounts_parse(text->str, text->len, error);
	if (all == NULL) {
		if (ret_fd != NULL) {
			close(*ret_fd);
			*ret_fd = -1;
		}
		return NULL;
	}
	out = g_ptr_array_new_with_free_func((GDestroyNotify)fut_mount_free);
	for (guint i = 0; i < all->len; i++) {
		FutMount *m = g_ptr_array_index(all, i);
		if (m->major == major && m->minor == minor)
			g_ptr_array_add(out, g_ptr_array_steal_index(all, i--));
	}
	return out;
}

/* --- watching the mount tables ---------------------------------------------------------- */

struct _FutMountWatch {
	GArray *fds;     /* int: the mountinfo of every namespace of the last full pass */
	gint64 armed_us; /* when that pass read them (monotonic); 0: not armed */
};

FutMountWatch *
fut_mount_watch_new(void)
{
	FutMountWatch *w = g_new0(FutMountWatch, 1);

	w->fds = g_array_new(FALSE, FALSE, sizeof(int));
	return w;
}

static void
watch_disarm(FutMountWatch *w)
{
	for (guint i = 0; i < w->fds->len; i++)
		close(g_array_index(w->fds, int, i));
	g_array_set_size(w->fds, 0);
	w->armed_us = 0;
}

void
fut_mount_watch_disarm(FutMountWatch *w)
{
	if (w != NULL)
		watch_disarm(w);
}

void
fut_mount_watch_free(FutMountWatch *w)
{
	if (w == NULL)
		return;
	watch_disarm(w);
	g_array_unref(w->fds);
	g_free(w);
}

gboolean
fut_mount_watch_unchanged(FutMountWatch *w, gint64 max_age_us)
{
	g_autofree struct pollfd *p = NULL;
	int n;

	if (w == NULL || w->armed_us == 0 || w->fds->len == 0 ||
	    g_get_monotonic_time() - w->armed_us >= max_age_us)
		return FALSE;
	p = g_new0(struct pollfd, w->fds->len);
	for (guint i = 0; i < w->fds->len; i++) {
		p[i].fd = g_array_index(w->fds, int, i);
		p[i].events = POLLPRI;
	}
	do
		n = poll(p, w->fds->len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return FALSE;
	for (guint i = 0; i < w->fds->len; i++)
		if (p[i].revents & (POLLPRI | POLLERR | POLLNVAL | POLLHUP))
			return FALSE;
	return TRUE;
}

GPtrArray *
fut_mounts_for_device(guint major, guint minor, GError **error)
{
	return mounts_for_device_at("/proc/self/mountinfo", major, minor, NULL, NULL, error);
}

static gboolean
options_rw(const gchar *options)
{
	return options == NULL || g_str_has_prefix(options, "rw");
}

/* The watch @w (may be NULL) keeps @fd; -1 is no table. */
static void
watch_keep(FutMountWatch *w, int fd)
{
	if (fd < 0)
		return;
	if (w == NULL || w->fds->len >= FUT_MOUNT_WATCH_MAX) {
		close(fd);
		return;
	}
	g_array_append_val(w->fds, fd);
}

/* fut_mounts_for_device_everywhere(); with @watch, arms it with the table of every
 * namespace read (unarmed when there are more than it keeps). */
static GPtrArray *
mounts_everywhere(guint major, guint minor, FutMountWatch *watch, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)fut_mount_free);
	g_autoptr(GHashTable) seen =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GPtrArray) own = NULL;
	int own_fd = -1;
	gint64 started = g_get_monotonic_time();
	gboolean too_many = FALSE;
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (watch != NULL)
		watch_disarm(watch);
	own = mounts_for_device_at("/proc/self/mountinfo", major, minor,
	                           watch != NULL ? &own_fd : NULL, NULL, error);
	if (own == NULL)
		return NULL;
	watch_keep(watch, own_fd);
	if (stat("/proc/self/ns/mnt", &st) < 0)
		return fut_error_set_errno(error, errno, "/proc/self/ns/mnt"), NULL;
	g_hash_table_add(seen, g_memdup2(&(gint64){(gint64)st.st_ino}, sizeof(gint64)));
	for (guint i = 0; i < own->len; i++)
		g_ptr_array_add(out, g_ptr_array_steal_index(own, i--));
	d = opendir("/proc");
	if (d == NULL)
		return fut_error_set_errno(error, errno, "/proc"), NULL;
	while ((de = readdir(d)) != NULL) {
		g_autofree gchar *ns = NULL;
		g_autofree gchar *info = NULL;
		g_autoptr(GPtrArray) found = NULL;
		gchar *end = NULL;
		gint64 ino;
		pid_t pid = (pid_t)strtol(de->d_name, &end, 10);

		if (pid <= 0 || end == NULL || *end != '\0')
			continue;
		ns = g_strdup_printf("/proc/%d/ns/mnt", (int)pid);
		/* kernel threads and processes that ended meanwhile have none */
		if (stat(ns, &st) < 0)
			continue;
		ino = (gint64)st.st_ino;
		if (g_hash_table_contains(seen, &ino))
			continue;
		if (g_hash_table_size(seen) >= FUT_MOUNT_NAMESPACES_MAX) {
			closedir(d);
			if (watch != NULL)
				watch_disarm(watch);
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("more than %d mount namespaces"), FUT_MOUNT_NAMESPACES_MAX);
			return NULL;
		}
		info = g_strdup_printf("/proc/%d/mountinfo", (int)pid);
		{
			int fd = -1, oe = 0;
			found = mounts_for_device_at(info, major, minor, watch != NULL ? &fd : NULL,
			                             &oe, NULL);
			/* A table that cannot be opened for any other reason than its process
			 * having ended (out of descriptors, say) is a namespace not looked at:
			 * the pass fails, never skips it. A process that is exiting has let go of
			 * its namespaces already (EINVAL from the open): ended too. */
			if (found == NULL && oe != 0 && oe != ENOENT && oe != ESRCH &&
			    oe != EINVAL) {
				closedir(d);
				if (watch != NULL)
					watch_disarm(watch);
				g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
				            _("cannot read the mount table of pid %d: %s"),
				            (int)pid, g_strerror(oe));
				return NULL;
			}
			if (found == NULL)
				continue; /* ended meanwhile */
			too_many =
			    too_many || (watch != NULL && watch->fds->len >= FUT_MOUNT_WATCH_MAX);
			watch_keep(watch, fd);
		}
		g_hash_table_add(seen, g_memdup2(&ino, sizeof(ino)));
		for (guint i = 0; i < found->len; i++) {
			FutMount *m = g_ptr_array_steal_index(found, i--);
			m->ns_pid = pid;
			g_ptr_array_add(out, m);
		}
	}
	closedir(d);
	if (watch != NULL) {
		if (too_many)
			watch_disarm(watch);
		else
			watch->armed_us = started;
	}
	return g_steal_pointer(&out);
}

GPtrArray *
fut_mounts_for_device_everywhere(guint major, guint minor, GError **error)
{
	return mounts_everywhere(major, minor, NULL, error);
}

/* The per-mount flags of the mount at @mount_point, to carry over a remount. */
static unsigned long
flags_of(const struct statvfs *sv)
{
	unsigned long flags = 0;

	if (sv->f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv->f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv->f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (sv->f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (sv->f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (sv->f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	return flags;
}

static unsigned long
carried_flags(const gchar *mount_point)
{
	struct statvfs sv;

	if (statvfs(mount_point, &sv) < 0)
		return 0;
	return flags_of(&sv);
}

/* The per-mount read-only flag on every rw mount in @mps, then (@superblock) the
 * superblock read-only through the first. Returns 0 or the first errno. Only system
 * calls: it also runs in a child forked from the threaded agent. */
static int
set_readonly_here(char *const *mps, gsize n, gboolean superblock)
{
	int first = 0;

	for (gsize i = 0; i < n; i++) {
		unsigned long flags = carried_flags(mps[i]);
		if (mount(NULL, mps[i], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, NULL) < 0 &&
		    first == 0)
			first = errno;
	}
	if (superblock && n > 0) {
		unsigned long flags = carried_flags(mps[0]);
		if (mount(NULL, mps[0], NULL, MS_REMOUNT | MS_RDONLY | flags, NULL) < 0 &&
		    first == 0)
			first = errno;
	}
	return first;
}

/* The same inside the mount namespace of @pid, in a child process: setns(CLONE_NEWNS) is
 * refused to a threaded process. Returns 0 or an errno. */
static int
set_readonly_in_ns(pid_t pid, char *const *mps, gsize n, gboolean superblock)
{
	g_autofree gchar *ns = g_strdup_printf("/proc/%d/ns/mnt", (int)pid);
	int fd = open(ns, O_RDONLY | O_CLOEXEC);
	int status = 0;
	pid_t child;

	/* The process that stood for that namespace is gone (a short-lived client): nothing to
	 * do through it. fut_mounts_verify_readonly() walks every process again afterwards, so
	 * a namespace that lives on in another process is still checked. */
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : errno;
	child = fork();
	if (child < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	if (child == 0) {
		if (setns(fd, CLONE_NEWNS) < 0)
			_exit(errno & 0xff);
		_exit(set_readonly_here(mps, n, superblock) & 0xff);
	}
	close(fd);
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			return errno;
	}
	if (!WIFEXITED(status))
		return EIO;
	return WEXITSTATUS(status);
}

static gboolean verify_readonly(guint major,
                                guint minor,
                                const gchar *except,
                                gboolean superblock,
                                FutMountWatch *watch,
                                GError **error);

gboolean
fut_mounts_make_readonly_everywhere(
    guint major, guint minor, const gchar *except, gboolean superblock, GError **error)
{
	return fut_mounts_make_readonly_everywhere_watch(major, minor, except, superblock, NULL,
	                                                 error);
}

gboolean
fut_mounts_make_readonly_everywhere_watch(guint major,
                                          guint minor,
                                          const gchar *except,
                                          gboolean superblock,
                                          FutMountWatch *watch,
                                          GError **error)
{
	g_autoptr(GPtrArray) mounts = mounts_everywhere(major, minor, watch, error);
	g_autoptr(GHashTable) by_ns = NULL;
	GHashTableIter it;
	gpointer key, value;
	gboolean sb_done = FALSE, sb_rw = FALSE;
	int first = 0;
	pid_t first_pid = 0;

	if (mounts == NULL)
		return FALSE;
	/* ns pid -> mount points (own namespace first: key 0) */
	by_ns = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < mounts->len; i++) {
		const FutMount *m = g_ptr_array_index(mounts, i);
		GPtrArray *mps;
		if (m->ns_pid == 0 && except != NULL && g_str_equal(m->mount_point, except))
			continue;
		sb_rw = sb_rw || options_rw(m->super_options);
		if (!options_rw(m->options) && !(superblock && options_rw(m->super_options)))
			continue;
		mps = g_hash_table_lookup(by_ns, GINT_TO_POINTER(m->ns_pid));
		if (mps == NULL) {
			mps = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(by_ns, GINT_TO_POINTER(m->ns_pid), mps);
		}
		g_ptr_array_add(mps, g_strdup(m->mount_point));
	}
	/* Nothing writable: the pass that found none is the check (and its tables, read
	 * before any change of ours, arm the watch). */
	if (g_hash_table_size(by_ns) == 0)
		return TRUE;
	if (watch != NULL)
		watch_disarm(watch);
	/* Our own namespace first, then the others. */
	for (int pass = 0; pass < 2; pass++) {
		g_hash_table_iter_init(&it, by_ns);
		while (g_hash_table_iter_next(&it, &key, &value)) {
			pid_t pid = GPOINTER_TO_INT(key);
			GPtrArray *mps = value;
			gboolean sb = superblock && sb_rw && !sb_done;
			int e;
			if ((pass == 0) != (pid == 0))
				continue;
			g_ptr_array_add(mps, NULL);
			e = pid == 0
			        ? set_readonly_here((char *const *)mps->pdata, mps->len - 1, sb)
			        : set_readonly_in_ns(pid, (char *const *)mps->pdata, mps->len - 1,
			                             sb);
			g_ptr_array_remove_index(mps, mps->len - 1);
			if (e == 0)
				sb_done = sb_done || sb;
			else if (first == 0) {
				first = e;
				first_pid = pid;
			}
		}
	}
	if (first != 0) {
		g_set_error(
		    error, FUT_ERROR, FUT_ERROR_IO,
		    first == EBUSY
		        ? _("a mount of the device (mount namespace of pid %d) cannot be made "
		            "read-only: a file on it is open for writing")
		        : _("a mount of the device (mount namespace of pid %d) cannot be made "
		            "read-only: %s"),
		    (int)first_pid, g_strerror(first));
		return FALSE;
	}
	/* read after the changes: the watch it arms does not see them as news */
	return verify_readonly(major, minor, except, superblock, watch, error);
}

gboolean
fut_mounts_verify_readonly(
    guint major, guint minor, const gchar *except, gboolean superblock, GError **error)
{
	return verify_readonly(major, minor, except, superblock, NULL, error);
}

static gboolean
verify_readonly(guint major,
                guint minor,
                const gchar *except,
                gboolean superblock,
                FutMountWatch *watch,
                GError **error)
{
	g_autoptr(GPtrArray) mounts = mounts_everywhere(major, minor, watch, error);

	if (mounts == NULL)
		return FALSE;
	for (guint i = 0; i < mounts->len; i++) {
		const FutMount *m = g_ptr_array_index(mounts, i);
		g_autofree gchar *emp = NULL;
		if (m->ns_pid == 0 && except != NULL && g_str_equal(m->mount_point, except))
			continue;
		if (!options_rw(m->options) && !(superblock && options_rw(m->super_options)))
			continue;
		emp = fut_strescape(m->mount_point, -1);
		if (watch != NULL)
			watch_disarm(watch);
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("the device is still mounted writable at %s (mount namespace of pid "
		              "%d)"),
		            emp, (int)(m->ns_pid != 0 ? m->ns_pid : getpid()));
		return FALSE;
	}
	return TRUE;
}

gboolean
fut_mount_set_readonly(const gchar *mount_point, GError **error)
{
	struct statvfs sv;
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
	g_autofree gchar *emp = fut_strescape(mount_point, -1);

	if (statvfs(mount_point, &sv) < 0)
		return fut_error_set_errno(error, errno, emp);
	/* A bind remount replaces every per-mount flag: carry the others over. */
	flags |= flags_of(&sv);
	if (mount(NULL, mount_point, NULL, flags, NULL) < 0)
		return fut_error_set_errno(error, errno, emp);
	return TRUE;
}

gboolean
fut_mounts_is_mount_point(const gchar *path)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	g_autoptr(GPtrArray) all = NULL;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, &len, NULL))
		return FALSE;
	all = fut_mounts_parse(text, len, NULL);
	for (guint i = 0; all != NULL && i < all->len; i++) {
		const FutMount *m = g_ptr_array_index(all, i);
		if (g_str_equal(m->mount_point, path))
			return TRUE;
	}
	return FALSE;
}
