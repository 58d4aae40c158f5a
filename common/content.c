/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "content-private.h"
#include "util.h"

#define SPARSE_MIN (1024 * 1024)      /* a file with more than this much hole is read sparsely */
#define MAP_PIECE  (16 * 1024 * 1024) /* mapped at a time (map_files) */

/* The content scan of one file: reads it, hands it to the format readers and decoders,
 * and judges what the scanner counted. */

/* --- evidence and results ------------------------------------------------------------ */

FutEvidence *
fut_evidence_new(const gchar *rule, FutClass klass, guint64 count, const gchar *description)
{
	FutEvidence *e = g_new0(FutEvidence, 1);

	e->rule = g_strdup(rule);
	e->klass = klass;
	e->count = count;
	e->description = g_strdup(description);
	return e;
}

void
fut_evidence_free(FutEvidence *e)
{
	if (e == NULL)
		return;
	g_free(e->rule);
	g_free(e->description);
	g_free(e);
}

void
fut_content_result_free(FutContentResult *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->evidence, g_ptr_array_unref);
	g_free(r);
}

void
content_evidence(Ctx *ctx, const gchar *rule, FutClass klass, guint64 count, const gchar *fmt, ...)
{
	FutEvidence *e = g_new0(FutEvidence, 1);
	va_list ap;

	va_start(ap, fmt);
	e->description = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	e->rule = g_strdup(rule);
	e->klass = klass;
	e->count = count;
	g_ptr_array_add(ctx->res->evidence, e);
}

void
content_problem(Ctx *ctx, const gchar *rule, const gchar *fmt, ...)
{
	FutEvidence *e;
	va_list ap;

	if (ctx->problems >= PROBLEMS_MAX) {
		ctx->problems_dropped++;
		return;
	}
	ctx->problems++;
	e = g_new0(FutEvidence, 1);
	va_start(ap, fmt);
	e->description = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	e->rule = g_strdup(rule);
	e->klass = FUT_CLASS_II;
	e->count = 1;
	g_ptr_array_add(ctx->res->evidence, e);
}

/* An untrusted name (archive entry, raw bytes) made safe and short for evidence. Zip names
 * made on Japanese Windows are CP932 without the UTF-8 flag: shown converted when they are. */
gchar *
content_shown_name(const gchar *name)
{
	g_autofree gchar *conv = NULL;
	g_autofree gchar *cut = NULL;
	gsize len;

	if (name == NULL)
		return g_strdup("?");
	if (!g_utf8_validate(name, -1, NULL)) {
		conv = g_convert(name, -1, "UTF-8", "CP932", NULL, NULL, NULL);
		if (conv != NULL)
			name = conv;
	}
	len = strlen(name);
	if (len > NAME_SHOWN_MAX) {
		const gchar *end = name + NAME_SHOWN_MAX;
		/* do not cut a UTF-8 character in two */
		while (end > name && ((guchar)*end & 0xc0) == 0x80)
			end--;
		cut = g_strdup_printf("%.*s…", (int)(end - name), name);
		return fut_strescape(cut, -1);
	}
	return fut_strescape(name, (gssize)len);
}

gssize
content_pread_full(int fd, guint8 *buf, gsize len, guint64 off)
{
	gsize have = 0;

	while (have < len) {
		ssize_t n = pread(fd, buf + have, len - have, (off_t)(off + have));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		have += (gsize)n;
	}
	return (gssize)have;
}

/* --- the file ------------------------------------------------------------------------ */

/* Reads the whole file into memory (archives need random access). */
static guint8 *
read_whole(Ctx *ctx, int fd, guint64 size, gsize *ret_len)
{
	g_autofree guint8 *data = NULL;
	gssize n;

	if (size > ctx->cl->archive_limit) {
		content_problem(ctx, "too-large",
		                _("archive larger than the scan limit of %llu MiB"),
		                (unsigned long long)(ctx->cl->archive_limit / MIB));
		return NULL;
	}
	/* one byte more than fstat said, to notice a file that grew */
	data = g_malloc(size + 1);
	n = content_pread_full(fd, data, size + 1, 0);
	if (n < 0) {
		content_problem(ctx, "unreadable", _("read error: %s"), g_strerror((int)-n));
		return NULL;
	}
	if ((guint64)n != size) {
		content_problem(ctx, "unreadable", _("the file changed while it was read"));
		return NULL;
	}
	*ret_len = (gsize)n;
	return g_steal_pointer(&data);
}

/* A sparse file: moves @off to the next data at or after it and limits @want to that data
 * run. A hole reads as zeros; two zero bytes stand for it (an even count keeps UTF-16 in
 * step), so the scanner sees the separator without paying for gigabytes of zeros.
 * SEEK_DATA moves the descriptor's offset: it is put back when the scan ends. Returns
 * FALSE at the end of the data. */
static gboolean
next_data(Ctx *ctx, Decoder *dec, int fd, guint64 size, guint64 *off, gsize *want)
{
	static const guint8 zeros[2] = {0, 0};
	off_t d = lseek(fd, (off_t)*off, SEEK_DATA);
	off_t h;

	if (d < 0) {
		if (errno == ENXIO) {
			if (*off < size)
				content_decoder_feed(dec, zeros, 2);
			return FALSE;
		}
		return TRUE; /* cannot tell: read everything */
	}
	if ((guint64)d > *off) {
		content_decoder_feed(dec, zeros, 2);
		*off = (guint64)d;
	}
	h = lseek(fd, (off_t)*off, SEEK_HOLE);
	if (h > (off_t)*off && (guint64)(h - (off_t)*off) < *want)
		*want = (gsize)(h - (off_t)*off);
	return TRUE;
}

/* Feeds @n bytes of the file at offset @at to @dec; with a split scan (*@sp), the other
 * thread's part is taken in (content_split_join()) once the feed reaches its end, before a
 * byte after it. FALSE when that failed (a problem recorded). */
static gboolean
feed_at(Ctx *ctx, Decoder *dec, SplitScan **sp, const guint8 *data, gsize n, guint64 at)
{
	if (*sp != NULL && at + n >= content_split_end(*sp)) {
		gsize before = (gsize)(content_split_end(*sp) - MIN(at, content_split_end(*sp)));
		gboolean ok;

		content_decoder_feed(dec, data, before);
		ok = content_split_join(ctx, dec, g_steal_pointer(sp));
		data += before;
		n -= before;
		if (!ok)
			return FALSE;
	}
	content_decoder_feed(dec, data, n);
	return TRUE;
}

/* With map_files: feeds [*@off, @size) of @fd to @dec from mappings of MAP_PIECE at a time
 * instead of copies; *@off and *@data_read move on. A mapping that fails leaves the rest to
 * pread(). Only for a file without holes whose size is within the scan limit. FALSE after a
 * split scan's read error. */
static gboolean
map_text(
    Ctx *ctx, Decoder *dec, SplitScan **sp, int fd, guint64 size, guint64 *off, guint64 *data_read)
{
	const guint64 page = (guint64)sysconf(_SC_PAGESIZE);

	while (*off < size) {
		guint64 base = *off / page * page;
		gsize span = (gsize)MIN((guint64)MAP_PIECE, size - base);
		guint8 *map = mmap(NULL, span, PROT_READ, MAP_PRIVATE, fd, (off_t)base);
		if (map == MAP_FAILED)
			return TRUE;
		(void)madvise(map, span, MADV_SEQUENTIAL);
		for (guint64 at = *off; at < base + span;) {
			gsize n = (gsize)MIN((guint64)READ_CHUNK, base + span - at);
			if (!feed_at(ctx, dec, sp, map + (at - base), n, at)) {
				munmap(map, span);
				return FALSE;
			}
			at += n;
			*off = at;
			*data_read += n;
		}
		munmap(map, span);
	}
	return TRUE;
}

/* Streams a text file through the decoder in chunks; memory stays constant. */
static gboolean
stream_text(Ctx *ctx, int fd, Kind kind, const guint8 *first, gsize first_len, guint64 size)
{
	g_autofree guint8 *buf = NULL;
	Decoder *dec = content_decoder_new(ctx, kind);
	guint64 off = first_len;
	guint64 data_read = first_len;
	gboolean ok = TRUE;
	B64Extract *b64;
	SplitScan *sp = NULL;

	content_decoder_feed(dec, first, first_len);
	/* a short first read was the end of the file: most files are small, and the
	 * fanotify path should not pay for a megabyte buffer for them */
	if (first_len == SNIFF_LEN)
		buf = g_malloc(READ_CHUNK);
	/* then pread() goes on from the mapped size: it finds what a growing file added */
	/* a large file without holes, within the limit: two threads (content-split.c) */
	if (buf != NULL && !ctx->sparse && size > off && size <= ctx->cl->scan_limit)
		sp = content_split_start(ctx, dec, fd, off, size);
	if (buf != NULL && ctx->cl->map_files && !ctx->sparse && size > off &&
	    size <= ctx->cl->scan_limit)
		ok = map_text(ctx, dec, &sp, fd, size, &off, &data_read);
	while (ok && buf != NULL) {
		gsize want = READ_CHUNK;
		gssize n;
		if (ctx->sparse && !next_data(ctx, dec, fd, size, &off, &want))
			break;
		n = content_pread_full(fd, buf, want, off);
		if (n < 0) {
			content_problem(ctx, "unreadable", _("read error: %s"),
			                g_strerror((int)-n));
			ok = FALSE;
			break;
		}
		if (n == 0)
			break;
		off += (guint64)n;
		data_read += (guint64)n;
		if (data_read > ctx->cl->scan_limit) {
			content_problem(ctx, "too-large",
			                _("larger than the scan limit of %llu MiB"),
			                (unsigned long long)(ctx->cl->scan_limit / MIB));
			ok = FALSE;
			break;
		}
		if (!feed_at(ctx, dec, &sp, buf, (gsize)n, off - (guint64)n)) {
			ok = FALSE;
			break;
		}
	}
	/* a file that shrank: the other thread's part ended early too */
	if (sp != NULL && !content_split_join(ctx, dec, g_steal_pointer(&sp)))
		ok = FALSE;
	if (ctx->sparse && lseek(fd, ctx->sparse_offset, SEEK_SET) < 0) {
		content_problem(ctx, "unreadable", _("the file offset cannot be restored: %s"),
		                g_strerror(errno));
		ok = FALSE;
	}
	if (dec->invalid > 0 && kind != KIND_BINARY)
		content_evidence(ctx, "encoding", FUT_CLASS_NONE, dec->invalid,
		                 _("%llu invalid byte sequences skipped"),
		                 (unsigned long long)dec->invalid);
	if (ok && dec->probing && dec->probe.zip_end) {
		/* a zip archive after other data (a self-extracting .exe): unzip reads it,
		 * so it is read here too, whole */
		g_autofree guint8 *whole = NULL;
		gsize whole_len = 0;
		content_decoder_free(dec);
		whole = read_whole(ctx, fd, size, &whole_len);
		if (whole == NULL)
			return FALSE;
		content_scan_packed(ctx, whole, whole_len, 0, _("the file"), TRUE);
		return TRUE;
	}
	if (ok && dec->probing)
		content_probe_report(ctx, &dec->probe, _("the file"));
	b64 = content_decoder_end(dec);
	if (ok)
		content_b64_finish(b64, 0);
	else
		content_b64_free(b64);
	return ok;
}

static gboolean
scan_content(Ctx *ctx, int fd, guint64 size)
{
	guint8 first[SNIFF_LEN];
	gssize n = content_pread_full(fd, first, sizeof(first), 0);
	g_autofree guint8 *whole = NULL;
	gsize whole_len = 0;
	const gchar *what = NULL;
	Kind kind;

	if (n < 0) {
		content_problem(ctx, "unreadable", _("read error: %s"), g_strerror((int)-n));
		return FALSE;
	}
	kind = content_sniff(first, (gsize)n, (gsize)n < sizeof(first), &what);
	switch (kind) {
	case KIND_ZIP:
	case KIND_OLE:
	case KIND_PACKED:
	case KIND_PDF:
	case KIND_MIME:
		whole = read_whole(ctx, fd, size, &whole_len);
		if (whole == NULL)
			return FALSE;
		if (kind == KIND_ZIP)
			content_scan_zip(ctx, whole, whole_len, 0, _("the archive"));
		else if (kind == KIND_OLE)
			content_scan_ole(ctx, whole, whole_len, _("the file"));
		else
			content_scan_buffer(ctx, whole, whole_len, 0, _("the file"));
		return TRUE;
	case KIND_COMPRESSED:
	case KIND_ENCRYPTED:
		content_opaque(ctx, kind, what, _("the file"));
		return TRUE; /* the decision hashes what it needs */
	default:
		return stream_text(ctx, fd, kind, first, (gsize)n, size);
	}
}

static gboolean
any_word(const FutContentConfig *cl, const FutScanner *scan, FutWordRole role)
{
	for (guint i = 0; i < fut_scan_words_get_count(cl->words); i++) {
		if (fut_scan_words_get_role(cl->words, i) == role && scan->word_counts[i] > 0)
			return TRUE;
	}
	return FALSE;
}

static void
judge_detectors(Ctx *ctx)
{
	const FutContentConfig *cl = ctx->cl;
	FutScanner *scan = &ctx->scan;
	gboolean mn_kw = any_word(cl, scan, FUT_WORD_MYNUMBER_CONTEXT);
	gboolean rc_kw = any_word(cl, scan, FUT_WORD_RESIDENT_CONTEXT);
	guint mn_thr = mn_kw ? cl->mynumber_thr : cl->mynumber_thr_bare;
	guint rc_thr = rc_kw ? cl->resident_thr : cl->resident_thr_bare;

	if (scan->mynumber_valid > 0) {
		g_autofree gchar *masked = fut_mask_digits(scan->mynumber_first);
		guint64 all = scan->mynumber_valid + scan->mynumber_invalid;
		guint percent = (guint)(scan->mynumber_valid * 100 / all);
		/* Without a keyword, a column of random 12-digit numbers (order or account
		 * numbers) passes the check digit 1 time in 10; a list of My Numbers passes
		 * every time. */
		gboolean random_like = !mn_kw && percent < cl->mynumber_min_percent;
		gboolean hit = mn_thr > 0 && scan->mynumber_valid >= mn_thr && !random_like;
		if (hit)
			content_evidence(
			    ctx, "mynumber", FUT_CLASS_I, scan->mynumber_valid,
			    _("%llu My Number(s) with a valid check digit (first %s)%s"),
			    (unsigned long long)scan->mynumber_valid, masked,
			    mn_kw ? _(", with a My Number keyword") : "");
		else if (random_like && mn_thr > 0 && scan->mynumber_valid >= mn_thr)
			content_evidence(
			    ctx, "mynumber", FUT_CLASS_NONE, scan->mynumber_valid,
			    _("%llu of %llu 12-digit numbers pass the My Number check digit "
			      "(%u%%, first %s): as random numbers do, and no My Number "
			      "keyword"),
			    (unsigned long long)scan->mynumber_valid, (unsigned long long)all,
			    percent, masked);
		else
			content_evidence(
			    ctx, "mynumber", FUT_CLASS_NONE, scan->mynumber_valid,
			    _("%llu 12-digit number(s) with a valid My Number check digit "
			      "(first %s)%s: below the threshold"),
			    (unsigned long long)scan->mynumber_valid, masked,
			    mn_kw ? _(", with a My Number keyword") : "");
	}
	if (scan->resident_valid > 0) {
		g_autofree gchar *masked = fut_mask_digits(scan->resident_first);
		gboolean hit = rc_thr > 0 && scan->resident_valid >= rc_thr;
		content_evidence(
		    ctx, "resident-code", hit ? FUT_CLASS_I : FUT_CLASS_NONE, scan->resident_valid,
		    hit ? _("%llu resident-register code(s) with a valid check digit "
		            "(first %s)%s")
		        : _("%llu 11-digit number(s) with a valid resident-register check "
		            "digit (first %s)%s: not counted"),
		    (unsigned long long)scan->resident_valid, masked,
		    rc_kw ? _(", with a resident-register keyword")
		          : _(", without a resident-register keyword"));
	}
	for (guint i = 0; i < fut_scan_words_get_count(cl->words); i++) {
		guint64 c = scan->word_counts[i];
		g_autofree gchar *w = NULL;
		if (c == 0 || fut_scan_words_get_role(cl->words, i) != FUT_WORD_MARKING)
			continue;
		w = fut_strescape(fut_scan_words_get_word(cl->words, i), -1);
		if (c >= cl->word_thr[i])
			content_evidence(ctx, "marking", FUT_CLASS_II, c,
			                 _("marking \"%s\" found %llu time(s)"), w,
			                 (unsigned long long)c);
		else
			content_evidence(ctx, "marking", FUT_CLASS_NONE, c,
			                 _("\"%s\" found %llu time(s), below the threshold of %u"),
			                 w, (unsigned long long)c, cl->word_thr[i]);
	}
}

FutContentResult *
fut_content_scan_fd(const FutContentConfig *cfg, int fd)
{
	FutContentResult *res = g_new0(FutContentResult, 1);
	Ctx ctx = {0};
	struct stat st;

	res->evidence = g_ptr_array_new_with_free_func((GDestroyNotify)fut_evidence_free);
	ctx.cl = cfg;
	ctx.res = res;
	/* A bomb is told by its ratio, not by a size a big roster reaches: a file may unpack
	 * to archive-max-ratio times its size, and always to archive-budget. */
	ctx.budget_total = cfg->archive_budget;
	fut_scanner_init(&ctx.scan, cfg->words);

	if (fstat(fd, &st) < 0) {
		content_problem(&ctx, "unreadable", _("cannot stat the file: %s"),
		                g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		content_problem(&ctx, "unreadable", _("not a regular file"));
		goto out;
	}
	/* holes cost nothing to skip: the scan limit is on the data a sparse file holds */
	ctx.sparse = st.st_size > SPARSE_MIN &&
	             (guint64)st.st_blocks * 512 + SPARSE_MIN < (guint64)st.st_size;
	if (ctx.sparse) {
		off_t cur = lseek(fd, 0, SEEK_CUR);
		ctx.sparse = cur >= 0;
		ctx.sparse_offset = cur;
	}
	if ((ctx.sparse ? (guint64)st.st_blocks * 512 : (guint64)st.st_size) > cfg->scan_limit) {
		content_problem(&ctx, "too-large",
		                _("larger than the scan limit of %llu MiB: not scanned"),
		                (unsigned long long)(cfg->scan_limit / MIB));
		goto out;
	}
	if ((guint64)st.st_size > cfg->archive_budget / MAX(cfg->archive_max_ratio, 1))
		ctx.budget_total =
		    MAX(cfg->archive_budget, (guint64)st.st_size * cfg->archive_max_ratio);
	ctx.budget_left = ctx.budget_total;
	res->complete = scan_content(&ctx, fd, (guint64)st.st_size);
	fut_scanner_finish(&ctx.scan);
	judge_detectors(&ctx);
out:
	if (ctx.problems_dropped > 0)
		content_evidence(&ctx, "unreadable", FUT_CLASS_II, ctx.problems_dropped,
		                 _("%u more problem(s) not listed"), ctx.problems_dropped);
	res->klass = FUT_CLASS_NONE;
	for (guint i = 0; i < res->evidence->len; i++) {
		FutEvidence *e = g_ptr_array_index(res->evidence, i);
		res->klass = fut_class_max(res->klass, e->klass);
	}
	if (res->klass == FUT_CLASS_NONE)
		res->klass = FUT_CLASS_III;
	return res;
}

FutEvidence *
fut_content_scan_name(const FutContentConfig *cfg, const gchar *name)
{
	FutScanner scan;
	GString *found = g_string_new(NULL);
	guint64 total = 0;

	fut_scanner_init(&scan, cfg->words);
	fut_scanner_feed(&scan, (const guint8 *)name, strlen(name));
	fut_scanner_finish(&scan);
	for (guint i = 0; i < fut_scan_words_get_count(cfg->words); i++) {
		g_autofree gchar *w = NULL;
		if (fut_scan_words_get_role(cfg->words, i) != FUT_WORD_MARKING ||
		    scan.word_counts[i] == 0 || scan.word_counts[i] < cfg->word_thr[i])
			continue;
		w = fut_strescape(fut_scan_words_get_word(cfg->words, i), -1);
		g_string_append_printf(found, "%s\"%s\"", found->len > 0 ? ", " : "", w);
		total += scan.word_counts[i];
	}
	if (total == 0) {
		g_string_free(found, TRUE);
		return NULL;
	}
	{
		g_autofree gchar *words = g_string_free(found, FALSE);
		g_autofree gchar *d = g_strdup_printf(_("marking %s in the file name"), words);
		return fut_evidence_new("marking", FUT_CLASS_II, total, d);
	}
}
