/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The write path's recovery after a crash: the state files a killed agent left, read-only
 * restored at start, and the files of an interrupted batch settled by the log. */
#include "config.h"

#include "writepath.h"
#include "writepath-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "errors.h"
#include "mounts.h"
#include "usbstore.h"
#include "util.h"

void
fut_write_leftover_free(FutWriteLeftover *l)
{
	if (l == NULL)
		return;
	g_free(l->state_file);
	g_free(l->devnode);
	g_free(l->disk_devnode);
	g_free(l->fs_type);
	g_free(l->fs_uuid);
	g_free(l->step);
	g_free(l->log_month);
	for (guint i = 0; i < l->n_files; i++)
		fut_write_file_clear(&l->files[i]);
	g_free(l->files);
	g_free(l);
}

/* --- recovery ------------------------------------------------------------------------- */

static FutWriteLeftover *
leftover_load(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	FutWriteLeftover *l;

	if (!fut_file_read_bounded(path, 64 * 1024, &data, &len, error))
		return NULL;
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, error))
		return NULL;
	l = g_new0(FutWriteLeftover, 1);
	l->state_file = g_strdup(path);
	l->devnode = g_key_file_get_string(kf, STATE_GROUP, "devnode", NULL);
	l->disk_devnode = g_key_file_get_string(kf, STATE_GROUP, "disk", NULL);
	l->major = (guint)g_key_file_get_uint64(kf, STATE_GROUP, "major", NULL);
	l->minor = (guint)g_key_file_get_uint64(kf, STATE_GROUP, "minor", NULL);
	l->fs_type = g_key_file_get_string(kf, STATE_GROUP, "fs-type", NULL);
	l->fs_uuid = g_key_file_get_string(kf, STATE_GROUP, "fs-uuid", NULL);
	l->step = g_key_file_get_string(kf, STATE_GROUP, "step", NULL);
	l->log_month = g_key_file_get_string(kf, STATE_GROUP, "log-month", NULL);
	{
		GArray *files = g_array_new(FALSE, TRUE, sizeof(FutWriteFile));
		/* "partial"/"named": a state file of a version that wrote one file at a time */
		FutWriteFile one = {g_key_file_get_string(kf, STATE_GROUP, "partial", NULL),
		                    g_key_file_get_string(kf, STATE_GROUP, "named", NULL)};
		if (one.partial != NULL || one.named != NULL)
			g_array_append_val(files, one);
		for (guint i = 0; i < FILES_MAX; i++) {
			g_autofree gchar *pk = g_strdup_printf("partial-%u", i);
			g_autofree gchar *nk = g_strdup_printf("named-%u", i);
			FutWriteFile f = {g_key_file_get_string(kf, STATE_GROUP, pk, NULL),
			                  g_key_file_get_string(kf, STATE_GROUP, nk, NULL)};
			if (f.partial == NULL) {
				g_free(f.named);
				break;
			}
			g_array_append_val(files, f);
		}
		l->n_files = files->len;
		l->files = (FutWriteFile *)(gpointer)g_array_free(files, FALSE);
	}
	if (l->devnode == NULL || l->devnode[0] != '/' || l->fs_type == NULL) {
		fut_write_leftover_free(l);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s is malformed"), path);
		return NULL;
	}
	return l;
}

GPtrArray *
fut_write_path_recover(const gchar *state_dir, GError **error)
{
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_write_leftover_free);
	g_autoptr(GDir) d = g_dir_open(state_dir, 0, NULL);
	const gchar *name;
	gboolean ok = TRUE;

	if (d == NULL)
		return g_steal_pointer(&out);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *mnt = NULL;
		FutWriteLeftover *l;
		g_autoptr(GError) local = NULL;

		if (g_str_has_prefix(name, "mnt-")) {
			/* A private mount left by a killed agent, state file or not. */
			mnt = g_build_filename(state_dir, name, NULL);
			if (fut_mounts_is_mount_point(mnt)) {
				mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY | PRIVATE_FLAGS,
				      NULL);
				if (umount2(mnt, 0) < 0)
					umount2(mnt, MNT_DETACH);
			}
			g_rmdir(mnt);
			continue;
		}
		if (!g_str_has_prefix(name, "write-") || !g_str_has_suffix(name, ".state"))
			continue;
		path = g_build_filename(state_dir, name, NULL);
		l = leftover_load(path, &local);
		if (l == NULL) {
			/* Unreadable state: nothing to undo but the mounts above; keep going. */
			g_unlink(path);
			continue;
		}
		if (g_file_test(l->devnode, G_FILE_TEST_EXISTS) &&
		    !fut_blockdev_set_readonly(l->devnode, TRUE, &local) && ok) {
			ok = FALSE;
			g_propagate_error(error, g_steal_pointer(&local));
		}
		g_clear_error(&local);
		if (l->disk_devnode != NULL && l->disk_devnode[0] == '/' &&
		    g_file_test(l->disk_devnode, G_FILE_TEST_EXISTS) &&
		    !fut_blockdev_set_readonly(l->disk_devnode, TRUE, &local) && ok) {
			ok = FALSE;
			g_propagate_error(error, g_steal_pointer(&local));
		}
		if (l->n_files == 0)
			g_unlink(path);
		g_ptr_array_add(out, l);
	}
	/* The mount directories are handled whatever order readdir gave. */
	{
		g_autoptr(GDir) d2 = g_dir_open(state_dir, 0, NULL);
		while (d2 != NULL && (name = g_dir_read_name(d2)) != NULL) {
			g_autofree gchar *mnt = NULL;
			if (!g_str_has_prefix(name, "mnt-"))
				continue;
			mnt = g_build_filename(state_dir, name, NULL);
			if (fut_mounts_is_mount_point(mnt) && umount2(mnt, 0) < 0)
				umount2(mnt, MNT_DETACH);
			g_rmdir(mnt);
		}
	}
	if (!ok)
		return NULL;
	return g_steal_pointer(&out);
}

/* Removes @rel below @rootfd (a name the write path recorded); ENOENT is success. */
static gboolean
remove_rel(int rootfd, const gchar *rel, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(rel);
	g_autofree gchar *base = g_path_get_basename(rel);
	int dfd = rootfd;

	if (!g_str_equal(dir, ".")) {
		dfd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 && errno == ENOENT)
			return TRUE;
		if (dfd < 0)
			return fut_error_set_errno(error, errno, dir);
	}
	if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT) {
		int e = errno;
		if (dfd != rootfd)
			close(dfd);
		return fut_error_set_errno(error, e, base);
	}
	fsync(dfd);
	if (dfd != rootfd)
		close(dfd);
	return TRUE;
}

typedef struct {
	const FutWriteLeftover *l;
	FutWriteLoggedFunc logged;
	gpointer logged_data;
	guint kept;
} Settle;

/* A relative path the state file gave: not empty, not absolute, no "..". */
static gboolean
rel_ok(const gchar *rel)
{
	return rel != NULL && rel[0] != '/' && rel[0] != '\0' && strstr(rel, "..") == NULL;
}

/* Completes the rename of a logged file whose agent died after the log record and before
 * the rename (the data was flushed before the record). */
static gboolean
finish_rename(int rootfd, const FutWriteFile *f, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(f->partial);
	g_autofree gchar *ndir = g_path_get_dirname(f->named);
	g_autofree gchar *pbase = g_path_get_basename(f->partial);
	g_autofree gchar *nbase = g_path_get_basename(f->named);
	int dfd;

	if (!g_str_equal(dir, ndir)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("not a partial file name"));
		return FALSE;
	}
	dfd = g_str_equal(dir, ".")
	          ? dup(rootfd)
	          : openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return fut_error_set_errno(error, errno, dir);
	if (renameat2(dfd, pbase, dfd, nbase, RENAME_NOREPLACE) < 0 && errno != ENOENT) {
		int e = errno;
		close(dfd);
		return fut_error_set_errno(error, e, nbase);
	}
	fsync(dfd);
	close(dfd);
	return TRUE;
}

static gboolean
settle_cb(FutWritePath *wp, int rootfd, FutWriteItem *const *items, guint n, GError **error)
{
	for (guint k = 0; k < n; k++) {
		Settle *st = items[k]->data;
		const FutWriteLeftover *l = st->l;

		/* The state file is root's, but the names are still checked: a partial name,
		 * and relative paths without "..". */
		for (guint i = 0; i < l->n_files; i++) {
			const FutWriteFile *f = &l->files[i];
			g_autofree gchar *pbase =
			    f->partial != NULL ? g_path_get_basename(f->partial) : NULL;
			if (!rel_ok(f->partial) || !g_str_has_prefix(pbase, ".futari-partial-") ||
			    (f->named != NULL && !rel_ok(f->named))) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("not a partial file name"));
				return FALSE;
			}
		}
		fut_write_path_set_log_month(wp, l->log_month);
		if (!fut_write_path_note_files(wp, l->files, l->n_files, error))
			return FALSE;
		for (guint i = 0; i < l->n_files; i++) {
			const FutWriteFile *f = &l->files[i];
			/* A file the log says was written stays, under its name; any other is
			 * removed, by either name (names come after the log record now, but a
			 * state file of the version that renamed first may name one). */
			if (f->named != NULL && st->logged != NULL &&
			    st->logged(f, l->log_month, st->logged_data)) {
				if (!finish_rename(rootfd, f, error))
					return FALSE;
				st->kept++;
			} else if (!remove_rel(rootfd, f->partial, error) ||
			           (f->named != NULL && !remove_rel(rootfd, f->named, error))) {
				return FALSE;
			}
		}
		if (!fut_write_path_note_files(wp, NULL, 0, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
fut_write_path_clean_leftover(const gchar *state_dir,
                              const FutWriteLeftover *l,
                              FutWriteLoggedFunc logged,
                              gpointer logged_data,
                              guint *ret_kept,
                              GError **error)
{
	FutWriteTarget t = {
	    .state_dir = state_dir,
	    .devnode = l->devnode,
	    .disk_devnode = l->disk_devnode,
	    .major = l->major,
	    .minor = l->minor,
	    .fs_type = l->fs_type,
	    .fs_uuid = l->fs_uuid,
	};
	Settle st = {l, logged, logged_data, 0};
	gboolean ok;

	if (l->n_files == 0)
		return TRUE;
	/* The old state file would block the write path: this run replaces it. */
	g_unlink(l->state_file);
	ok = fut_write_path_run(&t, settle_cb, &st, 0, error);
	if (ret_kept != NULL)
		*ret_kept = st.kept;
	return ok;
}
