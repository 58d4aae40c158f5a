/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads the lines of a log file with read(), never a mapping: a file that shrinks while it
 * is read ends the reading with an error instead of a SIGBUS, and a file that grows is read
 * only up to the size it had when it was opened. Library code: it prints nothing. */

typedef struct _FutLineReader FutLineReader;

/* Opens @name under @dirfd (-1: @name is a path) with O_NONBLOCK|O_NOFOLLOW (a FIFO, a
 * device or a symbolic link is refused, never waited on) and checks with fstat() that it is a
 * regular file. @max_line: lines longer than that are returned cut (see _next). */
FutLineReader *fut_line_reader_open(int dirfd, const gchar *name, gsize max_line, GError **error);
void fut_line_reader_free(FutLineReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLineReader, fut_line_reader_free)

/* The size of the file when it was opened: the reader never reads past it. */
guint64 fut_line_reader_size(const FutLineReader *r);

typedef struct {
	const gchar *data; /* the line without its LF; valid until the next call */
	gsize len;         /* bytes in @data (at most max_line) */
	guint64 offset;    /* of the line's first byte in the file */
	guint64 full_len;  /* the line's length in the file, with its LF if it has one */
	gboolean has_lf;   /* FALSE for a last line without LF */
	gboolean cut;      /* the line was longer than max_line: @data holds its start */
} FutLine;

/* Returns TRUE with the next line, FALSE at the end (no error) or on an error (the file
 * shrank, an I/O error; @error set). */
gboolean fut_line_reader_next(FutLineReader *r, FutLine *line, GError **error);

/* Reads @len bytes at @offset again (e.g. to hash a region already passed), within the size
 * at open. Returns a new buffer or NULL with @error. */
gchar *fut_line_reader_pread(FutLineReader *r, guint64 offset, gsize len, GError **error);

G_END_DECLS
