/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari export --recursive: the list of what a folder holds, made as the user, without
 * following a symbolic link, and the way back to each file when its turn comes.
 *
 * The walk is done first, whole, and bounded (FUT_WALK_MAX_ENTRIES entries, the depth the
 * agent accepts for --dir): a folder that cannot be listed within the bounds is refused
 * whole, before one file leaves. Each file is opened only at its turn, from the folder's
 * own descriptor down, one component at a time with O_NOFOLLOW: a symbolic link swapped in
 * for a folder or a file after the walk is refused then, as is anything that is no longer a
 * regular file. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

#include "futari-cli.h"

static void
item_free(FutExportItem *it)
{
	g_free(it->display);
	g_free(it->reldir);
	g_free(it->name);
	g_free(it->refusal);
	g_free(it);
}

FutExportItem *
fut_export_item_new(const gchar *display, const gchar *reldir, const gchar *name)
{
	FutExportItem *it = g_new0(FutExportItem, 1);

	it->display = g_strdup(display);
	it->reldir = g_strdup(reldir);
	it->name = g_strdup(name);
	return it;
}

GPtrArray *
fut_export_items_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The entries of @dfd, sorted, without . and ..; NULL with @error when the folder cannot be
 * read or holds more than @budget entries (@budget is decreased). */
static GPtrArray *
list_dir(int dfd, guint *budget, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		fut_error_set_errno(error, e, "opendir");
		return NULL;
	}
	rewinddir(d);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*budget == 0) {
			closedir(d);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("the folder holds more than %u entries: export it in parts"),
			            (guint)FUT_WALK_MAX_ENTRIES);
			return NULL;
		}
		(*budget)--;
		g_ptr_array_add(names, g_strdup(de->d_name));
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		fut_error_set_errno(error, e, "readdir");
		return NULL;
	}
	closedir(d);
	g_ptr_array_sort(names, cmp_names);
	return g_steal_pointer(&names);
}

static gboolean
walk(int dfd,
     const gchar *display,
     const gchar *reldir,
     guint depth,
     guint max_depth,
     guint *budget,
     GPtrArray *items,
     GError **error)
{
	g_autoptr(GPtrArray) names = list_dir(dfd, budget, error);

	if (names == NULL) {
		g_prefix_error(error, "%s: ", display);
		return FALSE;
	}
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = names->pdata[i];
		g_autofree gchar *path = g_build_filename(display, name, NULL);
		g_autofree gchar *rel =
		    *reldir != '\0' ? g_strconcat(reldir, "/", name, NULL) : g_strdup(name);
		FutExportItem *it;
		struct stat st;

		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			/* Gone since the listing: nothing to export, nothing to say. */
			if (errno == ENOENT)
				continue;
			it = fut_export_item_new(path, reldir, name);
			it->refusal = g_strdup_printf(_("cannot be read (%s)"), g_strerror(errno));
			g_ptr_array_add(items, it);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;
			gboolean ok;

			if (depth + 1 > max_depth) {
				g_set_error(
				    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				    _("%s: the folder is nested too deeply for the stick (at "
				      "most %u levels)"),
				    path, max_depth);
				return FALSE;
			}
			sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				it = fut_export_item_new(path, reldir, name);
				it->refusal =
				    errno == ELOOP || errno == ENOTDIR
				        ? g_strdup(
				              _("was replaced while it was read: not exported"))
				        : g_strdup_printf(_("cannot be read (%s)"),
				                          g_strerror(errno));
				g_ptr_array_add(items, it);
				continue;
			}
			ok = walk(sub, path, rel, depth + 1, max_depth, budget, items, error);
			close(sub);
			if (!ok)
				return FALSE;
			continue;
		}
		it = fut_export_item_new(path, reldir, name);
		if (S_ISLNK(st.st_mode))
			it->refusal = g_strdup(
			    _("is a symbolic link: not followed (export the file it points to)"));
		else if (!S_ISREG(st.st_mode))
			it->refusal = g_strdup(_("is not a regular file (FIFO, device or socket)"));
		else
			it->size = (guint64)st.st_size;
		g_ptr_array_add(items, it);
	}
	return TRUE;
}

int
fut_export_walk(const gchar *path, guint max_depth, GPtrArray *items, gchar **top, GError **error)
{
	const gchar *epath = path; /* escaped once, by fail_line() */
	g_autofree gchar *canon = g_canonicalize_filename(path, NULL);
	g_autofree gchar *base = g_path_get_basename(canon);
	guint budget = FUT_WALK_MAX_ENTRIES;
	guint first = items->len;
	int fd;

	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0 || *base == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: export a folder inside it, not the whole file system"), epath);
		return -1;
	}
	if (max_depth == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: --dir is already as deep as the stick allows"), epath);
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s is a symbolic link: export the folder it points to"),
			            epath);
		else if (e == ENOTDIR)
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s is not a folder"), epath);
		else
			fut_error_set_errno(error, e, epath);
		return -1;
	}
	/* The folder itself is the first level on the stick: its files go in TOP/. */
	if (!walk(fd, path, base, 1, max_depth, &budget, items, error)) {
		g_ptr_array_remove_range(items, first, items->len - first);
		close(fd);
		return -1;
	}
	*top = g_steal_pointer(&base);
	return fd;
}

/* Opens @it's file below @rootfd, whose files are under @top on the stick: each folder
 * from @it->reldir (which starts with @top) with O_NOFOLLOW, then the file as
 * open_for_export() would. */
int
fut_export_item_open(int rootfd, const gchar *top, const FutExportItem *it, GError **error)
{
	const gchar *e = it->display; /* escaped once, by fail_line() */
	const gchar *rel = it->reldir + strlen(top);
	g_auto(GStrv) parts = g_strsplit(*rel == '/' ? rel + 1 : rel, "/", -1);
	int dfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	int fd;
	struct stat st;

	if (dfd < 0)
		return fut_error_set_errno(error, errno, e), -1;
	for (guint i = 0; parts[i] != NULL; i++) {
		int next;
		if (*parts[i] == '\0')
			continue;
		next = openat(dfd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int err = errno;
			close(dfd);
			if (err == ELOOP || err == ENOTDIR)
				g_set_error(
				    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				    _("%s: a folder on its way was replaced by a symbolic link "
				      "or a file: not exported"),
				    e);
			else
				fut_error_set_errno(error, err, e);
			return -1;
		}
		close(dfd);
		dfd = next;
	}
	fd = openat(dfd, it->name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		close(dfd);
		if (err == ELOOP)
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			    _("%s is a symbolic link: not followed (export the file it points "
			      "to)"),
			    e);
		else if (err == EACCES)
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("%s: you cannot read this file"), e);
		else
			fut_error_set_errno(error, err, e);
		return -1;
	}
	close(dfd);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s is not a regular file (FIFO, device or socket)"), e);
		close(fd);
		return -1;
	}
	return fd;
}
