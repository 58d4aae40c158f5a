/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari: opening a file for the agent, the progress line, and saving a request (and the
 * copy of the spooled bytes) where the user can send it. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "crypto.h"
#include "errors.h"
#include "token.h"
#include "util.h"

#include "futari-cli.h"
#include "futari-hint.h"

void
export_progress(JsonObject *p, gpointer data)
{
	ExportProgress *ep = data;
	gint64 done = int_member(p, "done"), total = int_member(p, "total");
	g_autofree gchar *sdone = g_format_size((guint64)done);
	g_autofree gchar *stotal = g_format_size((guint64)total);

	if (!isatty(STDERR_FILENO) || total <= 0)
		return;
	/* The carriage return stays out of the msgid: xgettext cannot keep it there. */
	fputc('\r', stderr);
	fprintf(stderr, _("%s: copying %3d%% (%s of %s)"), ep->name, (int)(done * 100 / total),
	        sdone, stotal);
	ep->shown = TRUE;
}

/* Opens @path the way the agent wants it: the caller's own read access, no symlink, no
 * blocking on a FIFO. Returns -1 with a one-line reason that names @path as it is: every
 * caller says it through fail_line(), which escapes it once (escaping it here too showed a
 * control character in a name as "\\x01"). */
int
open_for_export(const gchar *path, GError **error)
{
	struct stat st;
	const gchar *epath = path; /* escaped once, by fail_line() */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s is a symbolic link: export the file it points to"),
			            epath);
		else if (e == EACCES)
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("%s: you cannot read this file"), epath);
		else
			fut_error_set_errno(error, e, epath);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            S_ISDIR(st.st_mode)
		                ? _("%s is a directory: export it with --recursive")
		                : _("%s is not a regular file (FIFO, device or socket)"),
		            epath);
		close(fd);
		return -1;
	}
	return fd;
}

/* The request is signed by the agent, so the user's own copy cannot be altered unnoticed;
 * the CLI writes it, as the user, so the root agent never creates files in directories
 * users control. Next to the file if possible, else in the current directory; never over
 * an existing file. */
static gboolean
write_request_file(const gchar *source, const gchar *text, gchar **ret_path, GError **error)
{
	g_autofree gchar *base = g_path_get_basename(source);
	g_autofree gchar *dir = g_path_get_dirname(source);
	const gchar *dirs[] = {dir, ".", NULL};
	g_autoptr(GError) last = NULL;

	for (guint d = 0; dirs[d] != NULL; d++) {
		for (guint n = 1; n <= 20; n++) {
			g_autofree gchar *name =
			    n == 1 ? g_strconcat(base, ".futari-request", NULL)
			           : g_strdup_printf("%s.%u.futari-request", base, n);
			g_autofree gchar *path = g_build_filename(dirs[d], name, NULL);
			g_clear_error(&last);
			if (fut_file_write_new(path, text, strlen(text), 0644, &last)) {
				*ret_path = g_canonicalize_filename(path, NULL);
				return TRUE;
			}
			if (!g_error_matches(last, FUT_ERROR, FUT_ERROR_EXISTS))
				break;
		}
	}
	g_propagate_error(error, g_steal_pointer(&last));
	return FALSE;
}

/* The copy that goes beside REQUEST ("NAME.futari-request" -> "NAME.futari-copy"), where
 * futari-approver and 'futari-approve show --file' look first. Caller frees. */
static gchar *
copy_path_for(const gchar *request_path)
{
	g_autofree gchar *stem = g_strdup(request_path);

	if (g_str_has_suffix(stem, ".futari-request"))
		stem[strlen(stem) - strlen(".futari-request")] = '\0';
	return g_strconcat(stem, ".futari-copy", NULL);
}

/* Writes beside the request a copy of the bytes the agent spooled: read again, from offset
 * 0, through the descriptor the agent read (the same open file, so the same inode even if
 * the name now points elsewhere), and kept only when its size and SHA-256 are the
 * request's, that is when it is exactly the spooled content. Mode 0600: the requester's
 * alone, to send with the request. */
static gboolean
write_copy_file(
    int fd, const gchar *request_path, const FutRequest *req, gchar **ret_path, GError **error)
{
	g_autofree gchar *path = copy_path_for(request_path);
	g_autofree gchar *epath = fut_strescape(path, -1);
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = g_malloc(65536);
	guint8 digest[FUT_SHA256_LEN];
	guint64 off = 0;
	gboolean ok = FALSE;
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);

	if (out < 0)
		return fut_error_set_errno(error, errno, epath);
	for (;;) {
		ssize_t n = pread(fd, buf, 65536, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fut_error_set_errno(error, errno, epath);
			goto out;
		}
		if (n == 0)
			break;
		/* Bounded: more bytes than the request names cannot be the spooled copy. */
		if (off + (guint64)n > req->size)
			break;
		fut_sha256_update(sha, buf, (gsize)n);
		for (ssize_t w = 0; w < n;) {
			ssize_t m = write(out, buf + w, (size_t)(n - w));
			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0) {
				fut_error_set_errno(error, errno, epath);
				goto out;
			}
			w += m;
		}
		off += (guint64)n;
	}
	fut_sha256_finish(sha, digest);
	if (off != req->size || memcmp(digest, req->sha256, sizeof digest) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the file changed after the agent read it, so no copy was made"));
		goto out;
	}
	if (fsync(out) < 0) {
		fut_error_set_errno(error, errno, epath);
		goto out;
	}
	ok = TRUE;
out:
	close(out);
	if (!ok) {
		unlink(path);
		return FALSE;
	}
	*ret_path = g_steal_pointer(&path);
	return TRUE;
}

/* Saves the request text of an export or upload-request reply next to @source and says
 * where it is and what to do next; with @copy_fd >= 0 also a copy of the spooled bytes
 * beside it (write_copy_file). FALSE (after saying why) when either cannot be saved. */
gboolean
save_request(const gchar *source, const gchar *ename, JsonObject *r, int copy_fd)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *epath = NULL;
	g_autofree gchar *copy = NULL;
	g_autofree gchar *ecopy = NULL;
	const gchar *text = str_member(r, "request_text");

	if (!write_request_file(source, text, &path, &error)) {
		/* @ename and the error (fut_file_write_new) are escaped already. */
		g_autofree gchar *msg = g_strdup_printf(_("%s: the request could not be saved: %s"),
		                                        ename, error->message);
		fail_line_escaped(msg);
		return FALSE;
	}
	epath = fut_strescape(path, -1);
	/* For the user's futari-notify: where the request is (futari-hint.h). */
	fut_request_hint_write(str_member(r, "request_id"), path);
	if (copy_fd >= 0) {
		g_autoptr(FutRequest) req = fut_request_parse(text, strlen(text), &error);
		if (req == NULL || !write_copy_file(copy_fd, path, req, &copy, &error)) {
			g_autofree gchar *msg = g_strdup_printf(
			    _("%s: the request is in %s, but the copy for your supervisor could "
			      "not be saved: %s"),
			    ename, epath, error->message);
			fail_line_escaped(msg); /* every part escaped already */
			return FALSE;
		}
		ecopy = fut_strescape(copy, -1);
	}
	printf(_("%s: Class %s: approval needed. Send %s to your supervisor; then run 'futari "
	         "redeem APPROVAL-FILE' with the approval you get back.\n"),
	       ename, str_member(r, "class"), epath);
	if (ecopy != NULL)
		printf(_("  A copy of the exact bytes to approve is beside it: %s (send both: the "
		         "supervisor checks the copy against the request)\n"),
		       ecopy);
	else if (copy_fd == -1)
		printf(_("  Add --with-copy to put a copy of the file beside the request, so your "
		         "supervisor can see what they approve.\n"));
	return TRUE;
}
