/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A large text file scanned by several threads at once (issue 17: the classifier's speed
 * against grep). The calling thread goes on feeding the whole file to its decoder (the base64
 * watch sees every byte, in order) but its scanner stops at the first part's start; each part
 * starts right after a line end (the first one at or after k/parts of the file) and is
 * scanned by a thread of its own with a scanner started in the state the one before would be
 * in after that line end (detect.h, fut_scanner_init_after_line()). When the calling
 * thread's feed reaches the end of the last part, the parts' counts and states are added to
 * the first scanner in order (fut_scanner_append()), which then goes on as if it had read
 * everything itself.
 *
 * Only for text whose bytes reach the scanner as they are (content_decoder_passes_through():
 * UTF-8, Shift_JIS, EUC-JP once decided), of at least SPLIT_MIN bytes; a part whose stretch
 * has no line end within SPLIT_SEEK bytes is not made (fewer parts). A read error in a part's
 * thread is not a hole: the part is read again by the calling thread, in its place. A thread
 * that cannot be started leaves the scan in one thread.
 *
 * Tests only: FUTARI_TEST_SPLIT_PART_FAIL in the environment makes every part's thread fail
 * without reading, as a read error ("eio"), as a file that ended early ("short"), or as a read
 * error again when the part is read in its place ("eio-all"): the paths no file here can be
 * made to take on demand. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "content-private.h"

#define SPLIT_MIN  (16 * 1024 * 1024)
#define SPLIT_SEEK (64 * 1024)

/* One part scanned by a thread of its own: [start, end) of the file. */
typedef struct {
	GThread *thread;
	int fd;
	guint64 start; /* right after a '\n' */
	guint64 end;   /* the next part's start, or the file's size when the split was made */
	FutScanner scan;
	int error; /* feed_range()'s answer: not 0, the part is read again */
	int fault; /* tests only (FUTARI_TEST_SPLIT_PART_FAIL): the answer, without reading */
} Part;

struct _SplitScan {
	guint n; /* parts after the calling thread's */
	guint64 end;
	gboolean fault_again; /* tests only: the part read again fails too */
	Part part[FUT_SPLIT_PARTS_MAX - 1];
};

/* Feeds [@start, @end) of @fd to @scan, READ_CHUNK at a time. Returns 0, the errno of a
 * read error, or -1 when the file ended before @end. */
static int
feed_range(FutScanner *scan, int fd, guint64 start, guint64 end)
{
	g_autofree guint8 *buf = g_malloc(READ_CHUNK);

	for (guint64 off = start; off < end;) {
		gssize n =
		    content_pread_full(fd, buf, (gsize)MIN((guint64)READ_CHUNK, end - off), off);

		if (n < 0)
			return (int)-n;
		if (n == 0)
			return -1;
		fut_scanner_feed(scan, buf, (gsize)n);
		off += (guint64)n;
	}
	return 0;
}

static gpointer
part_main(gpointer data)
{
	Part *p = data;

	p->error = p->fault != 0 ? p->fault : feed_range(&p->scan, p->fd, p->start, p->end);
	return NULL;
}

/* The first line end at or after @from in @fd (below @limit): the offset after it, with the
 * two bytes before that offset in @prev; 0 when there is none within SPLIT_SEEK. */
static guint64
line_start_after(int fd, guint64 from, guint64 limit, guint8 prev[2])
{
	guint8 seek[SPLIT_SEEK];
	const guint8 *nl;
	gssize n;

	if (from < 1 || from >= limit)
		return 0;
	/* from the byte before, which the line end's own byte before may be */
	n = content_pread_full(fd, seek, (gsize)MIN((guint64)sizeof seek, limit - (from - 1)),
	                       from - 1);
	if (n < 3)
		return 0;
	nl = memchr(seek + 1, '\n', (gsize)n - 1);
	if (nl == NULL || nl + 1 >= seek + n)
		return 0;
	prev[0] = nl[-1];
	prev[1] = '\n';
	return from - 1 + (guint64)(nl - seek) + 1;
}

/* Waits for every part's thread; frees. */
static void
split_free(SplitScan *sp)
{
	for (guint i = 0; i < sp->n; i++)
		if (sp->part[i].thread != NULL)
			g_thread_join(sp->part[i].thread);
	g_free(sp);
}

SplitScan *
content_split_start(Ctx *ctx, Decoder *dec, int fd, guint64 off, guint64 size)
{
	guint parts = ctx->cl->split_parts;
	const gchar *fault = g_getenv("FUTARI_TEST_SPLIT_PART_FAIL");
	SplitScan *sp;
	guint8 prev[2];

	if (parts < 2 || size < SPLIT_MIN || !content_decoder_passes_through(dec))
		return NULL;
	sp = g_new0(SplitScan, 1);
	sp->end = size;
	/* the parts' starts, each after a line end past the one before: fewer parts when a
	 * stretch has no line end */
	for (guint k = 1; k < parts; k++) {
		guint64 from = size / parts * k;
		guint64 prev_start = sp->n > 0 ? sp->part[sp->n - 1].start : off + 2;
		guint64 at;
		Part *p = &sp->part[sp->n];

		if (from < prev_start + 1)
			from = prev_start + 1;
		at = line_start_after(fd, from, size, prev);
		if (at == 0 || at >= size)
			break;
		if (!fut_scanner_init_after_line(&p->scan, &ctx->scan, prev))
			break;
		p->fd = fd;
		p->start = at;
		sp->n++;
	}
	for (guint i = 0; i < sp->n; i++) {
		sp->part[i].end = i + 1 < sp->n ? sp->part[i + 1].start : size;
		if (g_strcmp0(fault, "eio") == 0 || g_strcmp0(fault, "eio-all") == 0)
			sp->part[i].fault = EIO;
		else if (g_strcmp0(fault, "short") == 0)
			sp->part[i].fault = -1;
	}
	sp->fault_again = g_strcmp0(fault, "eio-all") == 0;
	if (sp->n == 0) {
		g_free(sp);
		return NULL;
	}
	for (guint i = 0; i < sp->n; i++) {
		sp->part[i].thread =
		    g_thread_try_new("futari-scan-part", part_main, &sp->part[i], NULL);
		if (sp->part[i].thread == NULL) {
			/* no thread to be had: what was started is waited for, and the scan
			 * stays in one thread */
			split_free(sp);
			return NULL;
		}
	}
	/* the decoder passes bytes through one for one from here: the calling thread's
	 * scanner part ends where the file's offset reaches the first part's start */
	dec->scan_stop = dec->passed + (sp->part[0].start - off);
	return sp;
}

guint64
content_split_end(const SplitScan *sp)
{
	return sp->end;
}

/* Part @p read again here, straight into the scanner (the decoder and its base64 watch saw
 * it already); a file shorter now ends it, as one thread would have found it. FALSE on a
 * read error. */
static gboolean
rescan(Ctx *ctx, const SplitScan *sp, const Part *p)
{
	int e = sp->fault_again ? EIO : feed_range(&ctx->scan, p->fd, p->start, p->end);

	if (e > 0) {
		content_problem(ctx, "unreadable", _("read error: %s"), g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

gboolean
content_split_join(Ctx *ctx, Decoder *dec, SplitScan *sp)
{
	gboolean ok = TRUE;

	for (guint i = 0; i < sp->n; i++) {
		g_thread_join(sp->part[i].thread);
		sp->part[i].thread = NULL;
	}
	dec->scan_stop = 0;
	/* in order: each part starts in the state the one before ends in */
	for (guint i = 0; i < sp->n && ok; i++) {
		if (sp->part[i].error == 0)
			fut_scanner_append(&ctx->scan, &sp->part[i].scan);
		else
			ok = rescan(ctx, sp, &sp->part[i]);
	}
	split_free(sp);
	return ok;
}
