/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "approve-content.h"
#include "crypto.h"
#include "errors.h"
#include "util.h"

#define REQUEST_SUFFIX ".futari-request"
#define COPY_SUFFIX    ".futari-copy"
#define CHUNK          (1024 * 1024)

static gboolean
is_regular(const gchar *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The request's file name as a plain name in a folder, or NULL when it is not one. */
static gboolean
plain_name(const gchar *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
	       !g_str_equal(name, ".") && !g_str_equal(name, "..");
}

gchar *
fut_approve_find_content(const gchar *request_path, const FutRequest *q)
{
	g_autofree gchar *stem = NULL;
	g_autofree gchar *copy = NULL;
	g_autofree gchar *dir = g_path_get_dirname(request_path);

	/* A request for several files (version 2) has no one copy to look for. */
	if (q->version == 2)
		return NULL;
	if (g_str_has_suffix(request_path, REQUEST_SUFFIX)) {
		stem = g_strndup(request_path, strlen(request_path) - strlen(REQUEST_SUFFIX));
		copy = g_strconcat(stem, COPY_SUFFIX, NULL);
		if (is_regular(copy))
			return g_steal_pointer(&copy);
	}
	if (plain_name(q->file_name)) {
		g_autofree gchar *beside = g_build_filename(dir, q->file_name, NULL);
		if (is_regular(beside))
			return g_steal_pointer(&beside);
	}
	return NULL;
}

/* Hashes what can be read from @fd, copying it to @out_fd when >= 0; stops after
 * @limit + 1 bytes. */
static gboolean
hash_fd(int fd,
        int out_fd,
        guint64 limit,
        FutContentProgress progress,
        gpointer data,
        GCancellable *cancel,
        guint8 ret_digest[FUT_SHA256_LEN],
        guint64 *ret_size,
        GError **error)
{
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = g_malloc(CHUNK);
	guint64 done = 0;

	for (;;) {
		ssize_t n;

		if (g_cancellable_set_error_if_cancelled(cancel, error))
			return FALSE;
		n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fut_error_set_errno(error, errno, _("reading the file"));
		if (n == 0)
			break;
		fut_sha256_update(sha, buf, (gsize)n);
		if (out_fd >= 0) {
			for (ssize_t w = 0; w < n;) {
				ssize_t m = write(out_fd, buf + w, (size_t)(n - w));
				if (m < 0 && errno == EINTR)
					continue;
				if (m < 0)
					return fut_error_set_errno(error, errno,
					                           _("writing the copy"));
				w += m;
			}
		}
		done += (guint64)n;
		if (progress != NULL)
			progress(MIN(done, limit), limit, data);
		/* Bounded: a longer file is not the requested content, whatever follows. */
		if (done > limit)
			break;
	}
	if (progress != NULL)
		progress(MIN(done, limit), limit, data);
	fut_sha256_finish(sha, ret_digest);
	*ret_size = done;
	return TRUE;
}

static int
open_regular(const gchar *path, GError **error)
{
	g_autofree gchar *safe = fut_strescape(path, -1);
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ELOOP)
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s is a symbolic link; choose the file itself"), safe);
		else
			fut_error_set_errno(error, errno, safe);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s is not a regular file"),
		            safe);
		close(fd);
		return -1;
	}
	return fd;
}

gboolean
fut_approve_check_content(const gchar *path,
                          const FutRequest *q,
                          FutContentProgress progress,
                          gpointer data,
                          GCancellable *cancel,
                          gboolean *ret_match,
                          GError **error)
{
	guint8 digest[FUT_SHA256_LEN];
	guint64 size = 0;
	gboolean ok;
	int fd;

	if (q->version == 2) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("this request names %u files: a file cannot be checked against it "
		              "here yet (compare each file's SHA-256 with the list)"),
		            fut_request_n_files(q));
		return FALSE;
	}
	fd = open_regular(path, error);
	if (fd < 0)
		return FALSE;
	ok = hash_fd(fd, -1, q->size, progress, data, cancel, digest, &size, error);
	close(fd);
	if (!ok)
		return FALSE;
	*ret_match = size == q->size && memcmp(digest, q->sha256, sizeof digest) == 0;
	return TRUE;
}

/* A file name for the viewer: the request's name with '/' and control characters
 * replaced, so the viewer still sees the right extension. */
static gchar *
safe_view_name(const gchar *name)
{
	g_autofree gchar *valid = g_utf8_make_valid(name != NULL ? name : "", -1);
	GString *s = g_string_new(NULL);

	for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '/' || g_unichar_iscntrl(c))
			g_string_append_c(s, '_');
		else
			g_string_append_unichar(s, c);
	}
	if (s->len == 0 || g_str_equal(s->str, ".") || g_str_equal(s->str, ".."))
		g_string_assign(s, "file");
	if (s->str[0] == '.' || s->str[0] == '-')
		g_string_prepend_c(s, '_');
	if (s->len > 200)
		g_string_truncate(s, 200);
	return g_string_free(s, FALSE);
}

gchar *
fut_approve_make_view_copy(const gchar *path, const FutRequest *q, GError **error)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *name = safe_view_name(q->file_name);
	g_autofree gchar *copy = NULL;
	g_autofree gchar *tmpl = NULL;
	guint8 digest[FUT_SHA256_LEN];
	guint64 size = 0;
	gboolean ok;
	int in, out;

	if (q->version == 2) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("this request names several files: no one file to view"));
		return NULL;
	}
	/* The runtime directory is the user's alone (0700, on tmpfs); else the temporary
	 * folder, where mkdtemp makes the folder 0700. */
	tmpl = g_build_filename(g_get_user_runtime_dir(), "futari-view-XXXXXX", NULL);
	dir = g_mkdtemp_full(tmpl, 0700) != NULL ? g_steal_pointer(&tmpl) : NULL;
	if (dir == NULL) {
		tmpl = g_build_filename(g_get_tmp_dir(), "futari-view-XXXXXX", NULL);
		if (g_mkdtemp_full(tmpl, 0700) == NULL) {
			fut_error_set_errno(error, errno, _("a private folder for the copy"));
			return NULL;
		}
		dir = g_steal_pointer(&tmpl);
	}
	copy = g_build_filename(dir, name, NULL);
	in = open_regular(path, error);
	if (in < 0) {
		g_rmdir(dir);
		return NULL;
	}
	out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (out < 0) {
		fut_error_set_errno(error, errno, _("the copy for the viewer"));
		close(in);
		g_rmdir(dir);
		return NULL;
	}
	ok = hash_fd(in, out, q->size, NULL, NULL, NULL, digest, &size, error);
	close(in);
	if (ok && fchmod(out, 0400) < 0) {
		fut_error_set_errno(error, errno, _("the copy for the viewer"));
		ok = FALSE;
	}
	close(out);
	/* What the viewer gets must be what was checked: the file may have changed since. */
	if (ok && (size != q->size || memcmp(digest, q->sha256, sizeof digest) != 0)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the file changed since it was checked; check it again"));
		ok = FALSE;
	}
	if (!ok) {
		fut_approve_remove_view_copy(copy);
		return NULL;
	}
	return g_steal_pointer(&copy);
}

void
fut_approve_remove_view_copy(const gchar *copy_path)
{
	g_autofree gchar *dir = NULL;

	if (copy_path == NULL)
		return;
	dir = g_path_get_dirname(copy_path);
	g_unlink(copy_path);
	g_rmdir(dir);
}

gboolean
fut_approve_review_content(const gchar *request_path,
                           const FutRequest *q,
                           const gchar *explicit_path,
                           FutContentState *ret_state,
                           gchar **ret_path,
                           GError **error)
{
	g_autofree gchar *path = explicit_path != NULL ? g_strdup(explicit_path)
	                                               : fut_approve_find_content(request_path, q);
	gboolean match = FALSE;

	if (path == NULL) {
		*ret_state = FUT_CONTENT_NOT_SEEN;
		*ret_path = NULL;
		return TRUE;
	}
	if (!fut_approve_check_content(path, q, NULL, NULL, NULL, &match, error))
		return FALSE;
	*ret_state = match ? FUT_CONTENT_MATCHES : FUT_CONTENT_DIFFERS;
	*ret_path = g_steal_pointer(&path);
	return TRUE;
}

gchar *
fut_approve_content_text(FutContentState state, const gchar *path)
{
	g_autofree gchar *safe = fut_strescape(path != NULL ? path : "", -1);

	switch (state) {
	case FUT_CONTENT_MATCHES:
		return g_strdup_printf(_("%s matches the request (same size and SHA-256)"), safe);
	case FUT_CONTENT_DIFFERS:
		return g_strdup_printf(_("%s does NOT match the request: do not approve"), safe);
	case FUT_CONTENT_NOT_SEEN:
	default:
		return g_strdup(_("not seen: no file beside the request (give --file FILE to "
		                  "check it)"));
	}
}
