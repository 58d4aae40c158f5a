/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "linereader.h"
#include "util.h"

#define CHUNK (1024 * 1024)

struct _FutLineReader {
	int fd;
	gchar *name; /* escaped, for messages */
	guint64 size;
	guint64 read_off; /* file offset of the next read() */
	gsize max_line;
	gchar *buf;
	gsize cap;
	gsize start;     /* first unreturned byte in buf */
	gsize end;       /* bytes in buf */
	guint64 buf_off; /* file offset of buf[0] */
};

FutLineReader *
fut_line_reader_open(int dirfd, const gchar *name, gsize max_line, GError **error)
{
	g_autofree gchar *safe = fut_strescape(name, -1);
	struct stat st;
	FutLineReader *r;
	int fd;

	fd = openat(dirfd < 0 ? AT_FDCWD : dirfd, name,
	            O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		fut_error_set_errno(error, errno, safe);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		fut_error_set_errno(error, e, safe);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s: not a regular file"),
		            safe);
		return NULL;
	}
	r = g_new0(FutLineReader, 1);
	r->fd = fd;
	r->name = g_steal_pointer(&safe);
	r->size = (guint64)st.st_size;
	r->max_line = MAX(max_line, 1);
	r->cap = MAX(CHUNK, r->max_line + 1) + CHUNK;
	r->buf = g_malloc(r->cap);
	return r;
}

void
fut_line_reader_free(FutLineReader *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	g_free(r->name);
	g_free(r->buf);
	g_free(r);
}

guint64
fut_line_reader_size(const FutLineReader *r)
{
	return r->size;
}

/* Reads more bytes after buf[end]; returns the number read, 0 at the size at open, -1 on
 * error (a file that ends before that size shrank). */
static gssize
fill(FutLineReader *r, GError **error)
{
	gsize want;
	ssize_t n;

	if (r->read_off >= r->size)
		return 0;
	if (r->start > 0 && r->end + CHUNK > r->cap) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->buf_off += r->start;
		r->start = 0;
	}
	want = (gsize)MIN((guint64)(r->cap - r->end), r->size - r->read_off);
	if (want == 0)
		return 0;
	do
		n = pread(r->fd, r->buf + r->end, want, (off_t)r->read_off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fut_error_set_errno(error, errno, r->name);
		return -1;
	}
	if (n == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: the file shrank while it was read (from %llu to %llu bytes)"),
		            r->name, (unsigned long long)r->size, (unsigned long long)r->read_off);
		return -1;
	}
	r->end += (gsize)n;
	r->read_off += (guint64)n;
	return n;
}

gboolean
fut_line_reader_next(FutLineReader *r, FutLine *line, GError **error)
{
	gsize scanned = 0;

	memset(line, 0, sizeof(*line));
	for (;;) {
		gsize avail = r->end - r->start;
		const gchar *nl = memchr(r->buf + r->start + scanned, '\n', avail - scanned);
		gssize n;

		if (nl != NULL) {
			gsize len = (gsize)(nl - (r->buf + r->start));
			line->data = r->buf + r->start;
			line->offset = r->buf_off + r->start;
			line->len = len;
			line->full_len = len + 1;
			line->has_lf = TRUE;
			r->start += len + 1;
			return TRUE;
		}
		scanned = avail;
		if (avail > r->max_line) {
			/* Too long to be a line: return its start, skip the rest up to its LF. */
			gchar *scratch = r->buf + r->max_line;
			gsize room = r->cap - r->max_line;
			memmove(r->buf, r->buf + r->start, r->max_line);
			line->data = r->buf;
			line->offset = r->buf_off + r->start;
			line->len = r->max_line;
			line->cut = TRUE;
			line->full_len = avail;
			r->start = r->end = 0;
			r->buf_off = r->read_off;
			for (;;) {
				const gchar *e;
				ssize_t k;
				gsize want = (gsize)MIN((guint64)room, r->size - r->read_off);
				if (want == 0) {
					line->has_lf = FALSE;
					return TRUE;
				}
				do
					k = pread(r->fd, scratch, want, (off_t)r->read_off);
				while (k < 0 && errno == EINTR);
				if (k <= 0) {
					if (k < 0)
						fut_error_set_errno(error, errno, r->name);
					else
						g_set_error(
						    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
						    _("%s: the file shrank while it was read"),
						    r->name);
					return FALSE;
				}
				e = memchr(scratch, '\n', (gsize)k);
				if (e != NULL) {
					gsize used = (gsize)(e - scratch) + 1;
					line->full_len += used;
					line->has_lf = TRUE;
					r->read_off += used;
					r->buf_off = r->read_off;
					return TRUE;
				}
				line->full_len += (gsize)k;
				r->read_off += (guint64)k;
				r->buf_off = r->read_off;
			}
		}
		n = fill(r, error);
		if (n < 0)
			return FALSE;
		if (n == 0) {
			if (avail == 0)
				return FALSE;
			line->data = r->buf + r->start;
			line->offset = r->buf_off + r->start;
			line->len = avail;
			line->full_len = avail;
			line->has_lf = FALSE;
			r->start = r->end;
			return TRUE;
		}
	}
}

gchar *
fut_line_reader_pread(FutLineReader *r, guint64 offset, gsize len, GError **error)
{
	g_autofree gchar *buf = NULL;
	gsize done = 0;

	if (offset > r->size || len > r->size - offset) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: a region past the end of the file"), r->name);
		return NULL;
	}
	buf = g_malloc(len + 1);
	while (done < len) {
		ssize_t n = pread(r->fd, buf + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				fut_error_set_errno(error, errno, r->name);
			else
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("%s: the file shrank while it was read"), r->name);
			return NULL;
		}
		done += (gsize)n;
	}
	buf[len] = '\0';
	return g_steal_pointer(&buf);
}
