/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The taint layer's look at a program it is asked to approve or exempt (agent/taint.h): its
 * inode, opened without following a link and without asking a FUSE file system anything,
 * since the listener's worker that asks must never wait on a user's daemon. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errors.h"
#include "fields.h"
#include "taint.h"
#include "util.h"

static gboolean
fstype_is_fuse(const gchar *fs_type)
{
	return fs_type == NULL || g_str_has_prefix(fs_type, "fuse");
}

void
fut_taint_mount_free(FutTaintMount *m)
{
	if (m == NULL)
		return;
	g_free(m->mount_point);
	g_free(m->fs_type);
	g_free(m);
}

GPtrArray *
fut_taint_mounts_parse(const gchar *text, gsize len, GError **error)
{
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_taint_mount_free);
	g_autofree gchar *copy = g_strndup(text, len);
	g_auto(GStrv) lines = NULL;

	if (strlen(copy) != len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("a NUL in the mount table"));
		return NULL;
	}
	lines = g_strsplit(copy, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = NULL;
		const gchar *sep;
		g_autoptr(FutTaintMount) m = NULL;
		guint64 id = 0;
		gsize n;

		if (lines[i][0] == '\0')
			continue;
		f = g_strsplit(lines[i], " ", -1);
		sep = strstr(lines[i], " - ");
		if (g_strv_length(f) < 7 || sep == NULL ||
		    !fut_uint_parse(f[0], G_MAXUINT, &id, NULL) || f[4][0] != '/') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("mount table line %u is malformed"), i + 1);
			return NULL;
		}
		sep += 3;
		n = strcspn(sep, " ");
		if (n == 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("mount table line %u has no file system type"), i + 1);
			return NULL;
		}
		m = g_new0(FutTaintMount, 1);
		m->mount_id = (guint)id;
		m->mount_point = fut_mountinfo_unescape(f[4]);
		m->fs_type = g_strndup(sep, n);
		g_ptr_array_add(out, g_steal_pointer(&m));
	}
	return g_steal_pointer(&out);
}

gboolean
fut_taint_path_on_fuse(const gchar *path, GPtrArray *mounts)
{
	for (guint i = 0; mounts != NULL && i < mounts->len; i++) {
		const FutTaintMount *m = g_ptr_array_index(mounts, i);
		gsize n = strlen(m->mount_point);

		if (!fstype_is_fuse(m->fs_type))
			continue;
		if (strncmp(path, m->mount_point, n) != 0)
			continue;
		/* A component prefix: "/" covers all, "/a" covers "/a" and "/a/b", not "/ab". */
		if (path[n] == '\0' || path[n] == '/' || (n > 0 && m->mount_point[n - 1] == '/'))
			return TRUE;
	}
	return FALSE;
}

#define MOUNTINFO_MAX (4 * 1024 * 1024)

/* /proc/self/mountinfo, parsed; read bounded. */
static GPtrArray *
read_mounts(GError **error)
{
	g_autoptr(GString) buf = g_string_new(NULL);
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fut_error_set_errno(error, errno, "/proc/self/mountinfo");
		return NULL;
	}
	for (;;) {
		gchar chunk[8192];
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fut_error_set_errno(error, errno, "/proc/self/mountinfo");
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		if (buf->len + (gsize)n > MOUNTINFO_MAX) {
			close(fd);
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("the mount table is larger than %d bytes"), MOUNTINFO_MAX);
			return NULL;
		}
		g_string_append_len(buf, chunk, n);
	}
	close(fd);
	return fut_taint_mounts_parse(buf->str, buf->len, error);
}

/* The file system type of mount @id, NULL when it is not in the table. */
static const gchar *
fstype_of_mount(GPtrArray *mounts, guint64 id, gboolean *ret_found)
{
	for (guint i = 0; i < mounts->len; i++) {
		const FutTaintMount *m = g_ptr_array_index(mounts, i);

		if (m->mount_id == id) {
			*ret_found = TRUE;
			return m->fs_type;
		}
	}
	*ret_found = FALSE;
	return NULL;
}

/* The O_PATH descriptor of @path after the FUSE and link checks; its type in @ret_mode. */
static int
open_checked(const gchar *path, gboolean follow, mode_t *ret_mode, GError **error)
{
	g_autoptr(GPtrArray) mounts = NULL;
	g_autofree gchar *canon = NULL;
	struct statx stx;
	int pfd;

	if (path == NULL || !g_path_is_absolute(path)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("a program must be given by its absolute path"));
		return -1;
	}
	canon = g_canonicalize_filename(path, "/");
	if (!follow && strcmp(canon, path) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("a program path must be canonical (no ., .. or //)"));
		return -1;
	}
	mounts = read_mounts(error);
	if (mounts == NULL)
		return -1;
	/* Never walk into a FUSE mount: its daemon could hold this thread at any lookup. */
	if (fut_taint_path_on_fuse(canon, mounts)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("the program is on a FUSE file system"));
		return -1;
	}
	if (follow) {
		pfd = open(path, O_PATH | O_CLOEXEC);
	} else {
		/* Lexical: no symbolic link anywhere, so the walk only crosses the mounts at
		 * the path's own prefixes, none of them FUSE. */
		struct open_how how = {
		    .flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
		    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		pfd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	}
	if (pfd < 0) {
		fut_error_set_errno(error, errno, path);
		return -1;
	}
	/* Cached attributes only (a FUSE file is never asked), and the mount it is on: a FUSE
	 * mount made since the table was read, or one a symbolic link led to, is refused. */
	if (statx(pfd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_MNT_ID, &stx) !=
	    0) {
		fut_error_set_errno(error, errno, path);
		close(pfd);
		return -1;
	}
	if (stx.stx_mask & STATX_MNT_ID) {
		gboolean found = FALSE;
		const gchar *fs_type = fstype_of_mount(mounts, stx.stx_mnt_id, &found);

		if (!found) {
			g_clear_pointer(&mounts, g_ptr_array_unref);
			mounts = read_mounts(NULL);
			if (mounts != NULL)
				fs_type = fstype_of_mount(mounts, stx.stx_mnt_id, &found);
		}
		if (!found || fstype_is_fuse(fs_type)) {
			close(pfd);
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            found ? _("the program is on a FUSE file system")
			                  : _("the program's file system cannot be told"));
			return -1;
		}
	}
	*ret_mode = stx.stx_mode;
	return pfd;
}

int
fut_taint_open_program(const gchar *path, gboolean follow, GError **error)
{
	gchar link[64];
	mode_t mode = 0;
	int pfd = open_checked(path, follow, &mode, error);
	int fd;

	if (pfd < 0)
		return -1;
	if (!S_ISREG(mode)) {
		close(pfd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("not a regular file"));
		return -1;
	}
	/* Not FUSE: a real open is answered by the file system at once (and by our own
	 * fanotify listener at once: the agent's opens are its own). */
	g_snprintf(link, sizeof link, "/proc/self/fd/%d", pfd);
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		fut_error_set_errno(error, errno, path);
	close(pfd);
	return fd;
}

int
fut_taint_open_peer(const gchar *path, gboolean *ret_socket, GError **error)
{
	mode_t mode = 0;
	int pfd = open_checked(path, TRUE, &mode, error);

	if (pfd < 0)
		return -1;
	if (S_ISSOCK(mode)) {
		*ret_socket = TRUE;
		return pfd; /* a socket file cannot be opened: its inode is what the kernel marks */
	}
	close(pfd);
	*ret_socket = FALSE;
	return fut_taint_open_program(path, TRUE, error);
}
