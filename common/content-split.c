/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A large text file scanned by two threads at once (issue 17: the classifier's speed against
 * grep). The calling thread goes on feeding the whole file to its decoder (the base64 watch
 * sees every byte, in order) but its scanner stops at a line end near the middle; a second
 * thread scans from there to the end with a scanner of its own, started in the state the
 * first would be in after that line end (detect.h, fut_scanner_init_after_line()). When the
 * calling thread's feed reaches the end of the second part, the second thread's counts and
 * state are added to the first scanner (fut_scanner_append()), which then goes on as if it
 * had read everything itself.
 *
 * Only for text whose bytes reach the scanner as they are (content_decoder_passes_through():
 * UTF-8, Shift_JIS, EUC-JP once decided), of at least SPLIT_MIN bytes, with a line end within
 * SPLIT_SEEK bytes after the middle. A read error in the second thread is not a hole: its
 * part is read again by the calling thread. A thread that cannot be started leaves the scan
 * as it was (one thread). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "content-private.h"

#define SPLIT_MIN  (16 * 1024 * 1024)
#define SPLIT_SEEK (64 * 1024)

struct _SplitScan {
	GThread *thread;
	int fd;
	guint64 mid; /* the second part's first byte (right after a '\n') */
	guint64 end; /* and the end of it: the file's size when the split was made */
	guint64 stop_passed;
	FutScanner scan;
	int error; /* an errno, or EIO for a short read: its part is read again */
};

static gpointer
tail_main(gpointer data)
{
	SplitScan *sp = data;
	g_autofree guint8 *buf = g_malloc(READ_CHUNK);
	guint64 off = sp->mid;

	while (off < sp->end) {
		gsize want = (gsize)MIN((guint64)READ_CHUNK, sp->end - off);
		gssize n = content_pread_full(sp->fd, buf, want, off);

		if (n <= 0) {
			sp->error = n < 0 ? (int)-n : EIO;
			break;
		}
		fut_scanner_feed(&sp->scan, buf, (gsize)n);
		off += (guint64)n;
	}
	return NULL;
}

SplitScan *
content_split_start(Ctx *ctx, Decoder *dec, int fd, guint64 off, guint64 size)
{
	guint8 seek[SPLIT_SEEK];
	guint64 from;
	gssize n;
	const guint8 *nl;
	SplitScan *sp;
	guint8 prev[2];

	if (!ctx->cl->split_scan || size < SPLIT_MIN || !content_decoder_passes_through(dec))
		return NULL;
	from = size / 2;
	if (from < off + 2)
		return NULL;
	/* the byte before the line end too */
	n = content_pread_full(fd, seek, sizeof seek, from - 1);
	if (n < 3)
		return NULL;
	nl = memchr(seek + 1, '\n', (gsize)n - 1);
	if (nl == NULL || nl + 1 >= seek + n)
		return NULL;
	prev[0] = nl[-1];
	prev[1] = '\n';
	sp = g_new0(SplitScan, 1);
	sp->fd = fd;
	sp->mid = from - 1 + (guint64)(nl - seek) + 1;
	sp->end = size;
	if (!fut_scanner_init_after_line(&sp->scan, &ctx->scan, prev)) {
		g_free(sp);
		return NULL;
	}
	/* the decoder passes bytes through one for one from here: the scanner's part ends
	 * where the file's offset reaches the middle */
	sp->stop_passed = dec->passed + (sp->mid - off);
	sp->thread = g_thread_try_new("futari-scan-tail", tail_main, sp, NULL);
	if (sp->thread == NULL) {
		g_free(sp);
		return NULL;
	}
	dec->scan_stop = sp->stop_passed;
	return sp;
}

guint64
content_split_end(const SplitScan *sp)
{
	return sp->end;
}

/* The second part read again here, straight into the scanner (the decoder and its base64
 * watch saw it already). FALSE when that fails too. */
static gboolean
rescan(Ctx *ctx, SplitScan *sp)
{
	g_autofree guint8 *buf = g_malloc(READ_CHUNK);

	for (guint64 off = sp->mid; off < sp->end;) {
		gsize want = (gsize)MIN((guint64)READ_CHUNK, sp->end - off);
		gssize n = content_pread_full(sp->fd, buf, want, off);

		if (n < 0) {
			content_problem(ctx, "unreadable", _("read error: %s"),
			                g_strerror((int)-n));
			return FALSE;
		}
		if (n == 0)
			break; /* shorter now: as one thread would have found it */
		fut_scanner_feed(&ctx->scan, buf, (gsize)n);
		off += (guint64)n;
	}
	return TRUE;
}

gboolean
content_split_join(Ctx *ctx, Decoder *dec, SplitScan *sp)
{
	gboolean ok = TRUE;

	g_thread_join(sp->thread);
	dec->scan_stop = 0;
	if (sp->error == 0)
		fut_scanner_append(&ctx->scan, &sp->scan);
	else
		ok = rescan(ctx, sp);
	g_free(sp);
	return ok;
}
