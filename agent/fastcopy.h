/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Copying bytes from one open file to another inside the kernel, for the spool and the
 * stick: no trip through a user-space buffer, large chunks (issue 18). */

typedef enum {
	FUT_COPY_RANGE = 0, /* copy_file_range(2): same filesystem, or one that can cross */
	FUT_COPY_SENDFILE,  /* sendfile(2): any two files, through the page cache */
	FUT_COPY_READ_WRITE /* pread/pwrite: anything else */
} FutCopyMode;

/* Copies at most @len bytes from @in at *@in_off to @out at *@out_off and advances both
 * offsets by what was copied. Starts with *@mode and falls back (and stores the fallback in
 * *@mode) when the kernel says a method does not apply to these files; neither file's own
 * offset is used by the first and last methods, sendfile positions @out itself. Returns the
 * bytes copied, 0 at what the method takes for the end of @in (a caller that must know
 * confirms with pread), or -errno. */
gssize
fut_copy_chunk(int in, guint64 *in_off, int out, guint64 *out_off, gsize len, FutCopyMode *mode);

/* Makes @out share @in's blocks (FICLONE): an instant copy-on-write snapshot where both sit
 * on one filesystem that can reflink (btrfs, xfs). Returns 0 or -errno (EXDEV, EOPNOTSUPP,
 * EINVAL, ...: then copy instead). */
int fut_copy_clone(int in, int out);

G_END_DECLS
