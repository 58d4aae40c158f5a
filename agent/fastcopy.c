/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "fastcopy.h"

#include <errno.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

/* The bounce buffer of the last fallback. */
#define RW_CHUNK (1024 * 1024)

/* The answers that say "not for these two files", as opposed to a real error. */
static gboolean
not_applicable(int e)
{
	return e == EXDEV || e == EINVAL || e == EOPNOTSUPP || e == ENOSYS || e == EBADF ||
	       e == ENOTSUP;
}

static gssize
copy_read_write(int in, guint64 *in_off, int out, guint64 *out_off, gsize len)
{
	g_autofree guint8 *buf = g_malloc(MIN(len, (gsize)RW_CHUNK));
	ssize_t n;
	gsize w = 0;

	do
		n = pread(in, buf, MIN(len, (gsize)RW_CHUNK), (off_t)*in_off);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	while (w < (gsize)n) {
		ssize_t m = pwrite(out, buf + w, (gsize)n - w, (off_t)(*out_off + w));
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return m < 0 ? -errno : -EIO;
		w += (gsize)m;
	}
	*in_off += (guint64)n;
	*out_off += (guint64)n;
	return n;
}

gssize
fut_copy_chunk(int in, guint64 *in_off, int out, guint64 *out_off, gsize len, FutCopyMode *mode)
{
	/* The kernel's own limit for one call (MAX_RW_COUNT). */
	len = MIN(len, (gsize)0x7ffff000);
	if (*mode == FUT_COPY_RANGE) {
		loff_t a = (loff_t)*in_off, b = (loff_t)*out_off;
		ssize_t n;
		do
			n = copy_file_range(in, &a, out, &b, len, 0);
		while (n < 0 && errno == EINTR);
		if (n >= 0) {
			*in_off = (guint64)a;
			*out_off = (guint64)b;
			return n;
		}
		if (!not_applicable(errno))
			return -errno;
		*mode = FUT_COPY_SENDFILE;
	}
	if (*mode == FUT_COPY_SENDFILE) {
		off_t a = (off_t)*in_off;
		ssize_t n;
		if (lseek(out, (off_t)*out_off, SEEK_SET) < 0)
			return -errno;
		do
			n = sendfile(out, in, &a, len);
		while (n < 0 && errno == EINTR);
		if (n >= 0) {
			*in_off = (guint64)a;
			*out_off += (guint64)n;
			return n;
		}
		if (!not_applicable(errno))
			return -errno;
		*mode = FUT_COPY_READ_WRITE;
	}
	return copy_read_write(in, in_off, out, out_off, len);
}

int
fut_copy_clone(int in, int out)
{
	if (ioctl(out, FICLONE, in) < 0)
		return -errno;
	return 0;
}
