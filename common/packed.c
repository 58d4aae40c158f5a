/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>
#include <glib/gi18n.h>

#include "content-private.h"
#include "util.h"

/* Archives and compressed streams other than zip: unpacked with libarchive, each entry
 * classified like a file. Only formats and filters libarchive reads in-process are enabled:
 * never one that runs an external program (lzop, lrzip, grzip) and never mtree, whose
 * entries may name files on disk. What it cannot read is Class II with its reason. */

#define READ_PIECE            (64 * 1024)
/* the most memory a decompressor may need for one stream (xz -9 needs 65 MiB) */
#define FUT_PACKED_MEMORY_MAX (G_GUINT64_CONSTANT(256) << 20)

static struct archive *
packed_reader(gboolean zip_only)
{
	struct archive *a = archive_read_new();

	if (zip_only) {
		/* from the central directory at the end: finds an archive after other data */
		archive_read_support_format_zip_seekable(a);
		return a;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_compress(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_zip_seekable(a);
	/* a single compressed stream (list.csv.gz) reads as one entry */
	archive_read_support_format_raw(a);
	return a;
}

/* The decoder memory an .xz stream may take: libarchive decodes xz under a limit of 1 GiB
 * of its own, far above what one worker should spend on one file. So the stream's index is
 * read (liblzma), every block's header decoded and the largest decoder the blocks need
 * computed before libarchive sees the data. Returns FALSE when the index or a block header
 * cannot be read. */
#define XZ_INDEX_MEMORY_MAX (G_GUINT64_CONSTANT(64) << 20)

static gboolean
xz_memory_needed(const guint8 *data, gsize len, guint64 *ret)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_index *idx = NULL;
	lzma_index_iter it;
	gboolean ok = FALSE;
	guint64 most = 0;

	if (lzma_file_info_decoder(&s, &idx, XZ_INDEX_MEMORY_MAX, len) != LZMA_OK)
		return FALSE;
	s.next_in = data;
	s.avail_in = len;
	/* all the input is there: each seek is to a place inside it; a bounded number of
	 * rounds (two per stream and then some) */
	for (guint round = 0;; round++) {
		lzma_ret r = lzma_code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_SEEK_NEEDED && s.seek_pos <= len && round < 1u << 20) {
			s.next_in = data + s.seek_pos;
			s.avail_in = len - (gsize)s.seek_pos;
			continue;
		}
		if (r != LZMA_OK || round >= 1u << 20)
			goto out;
	}
	lzma_index_iter_init(&it, idx);
	while (!lzma_index_iter_next(&it, LZMA_INDEX_ITER_BLOCK)) {
		lzma_filter filters[LZMA_FILTERS_MAX + 1];
		lzma_block block = {0};
		guint64 off = it.block.compressed_file_offset;
		guint64 need;

		if (off >= len)
			goto out;
		block.version = 1;
		block.check = it.stream.flags->check;
		block.filters = filters;
		block.header_size = lzma_block_header_size_decode(data[off]);
		if (off + block.header_size > len ||
		    lzma_block_header_decode(&block, NULL, data + off) != LZMA_OK)
			goto out;
		need = lzma_raw_decoder_memusage(filters);
		lzma_filters_free(filters, NULL);
		if (need == UINT64_MAX)
			goto out;
		most = MAX(most, need);
	}
	*ret = most;
	ok = TRUE;
out:
	if (idx != NULL)
		lzma_index_end(idx, NULL);
	lzma_end(&s);
	return ok;
}

/* FALSE (with a problem) when @data is an .xz whose decoder would need more memory than a
 * worker spends on one file, or whose index is unreadable. */
static gboolean
xz_within_memory(Ctx *ctx, const guint8 *data, gsize len, const gchar *name)
{
	static const guint8 magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	guint64 need = 0;

	if (len < sizeof(magic) || memcmp(data, magic, sizeof(magic)) != 0)
		return TRUE;
	if (!xz_memory_needed(data, len, &need)) {
		content_problem(ctx, "malformed",
		                _("%s: the xz index or a block header is unreadable"), name);
		return FALSE;
	}
	if (need > FUT_PACKED_MEMORY_MAX) {
		content_problem(ctx, "unsupported",
		                _("%s: xz data whose decoder needs %llu MiB (more than %u MiB) is "
		                  "not unpacked"),
		                name, (unsigned long long)(need >> 20),
		                (guint)(FUT_PACKED_MEMORY_MAX >> 20));
		return FALSE;
	}
	return TRUE;
}

static gchar *
archive_problem_text(struct archive *a)
{
	const gchar *s = archive_error_string(a);

	return fut_strescape(s != NULL ? s : _("unknown error"), -1);
}

void
content_scan_packed(
    Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name, gboolean zip_only)
{
	struct archive *a;
	struct archive_entry *entry;
	g_autofree guint8 *buf = NULL;
	guint64 entries = 0;
	int rc;

	if (depth > ctx->cl->archive_max_depth) {
		content_problem(ctx, "unsupported", _("%s: archive nested deeper than %u levels"),
		                name, ctx->cl->archive_max_depth);
		return;
	}
	if (!zip_only && !xz_within_memory(ctx, data, len, name))
		return;
	a = packed_reader(zip_only);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		g_autofree gchar *why = archive_problem_text(a);
		content_problem(ctx, zip_only ? "unsupported" : "malformed",
		                _("%s: archive or compressed data not read (%s)"), name, why);
		archive_read_free(a);
		return;
	}
	buf = g_malloc(READ_PIECE);
	while (!ctx->abort && (rc = archive_read_next_header(a, &entry)) != ARCHIVE_EOF) {
		g_autofree gchar *ename = NULL;
		EntrySink *sink;
		gboolean failed = FALSE;
		const gchar *path;

		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			g_autofree gchar *why = archive_problem_text(a);
			content_problem(ctx, "malformed", _("%s: cannot be unpacked (%s)"), name,
			                why);
			break;
		}
		ctx->entries++;
		entries++;
		if (ctx->entries > ctx->cl->archive_max_entries) {
			content_problem(ctx, "zip-bomb", _("%s: more than %u archive entries"),
			                name, ctx->cl->archive_max_entries);
			ctx->abort = TRUE;
			break;
		}
		/* names in the archive's own charset when they cannot be had in UTF-8 */
		path = archive_entry_pathname_utf8(entry);
		if (path == NULL)
			path = archive_entry_pathname(entry);
		if (path == NULL || archive_format(a) == ARCHIVE_FORMAT_RAW)
			ename = g_strdup(name);
		else
			ename = content_shown_name(path);
		if (archive_entry_is_encrypted(entry)) {
			content_problem(ctx, "encrypted", _("%s is encrypted"), ename);
			continue;
		}
		if (path != NULL && archive_format(a) != ARCHIVE_FORMAT_RAW) {
			/* a marking in an entry's name counts like one in its text */
			fut_scanner_feed(&ctx->scan, (const guint8 *)path, strlen(path));
			fut_scanner_feed(&ctx->scan, (const guint8 *)"\n", 1);
		}
		if (archive_entry_filetype(entry) != AE_IFREG)
			continue;
		sink = content_entry_new(ctx, ename, depth);
		for (;;) {
			la_ssize_t n = archive_read_data(a, buf, READ_PIECE);
			if (n < 0) {
				g_autofree gchar *why = archive_problem_text(a);
				content_problem(ctx, "malformed", _("%s cannot be unpacked (%s)"),
				                ename, why);
				failed = TRUE;
				break;
			}
			if (n == 0)
				break;
			if (!content_entry_feed(sink, buf, (gsize)n)) {
				failed = TRUE;
				break;
			}
		}
		content_entry_finish(sink, failed);
		if (failed)
			break;
	}
	if (entries == 0 && !ctx->abort && ctx->problems == 0)
		content_problem(ctx, "unsupported", _("%s: archive or compressed data not read"),
		                name);
	archive_read_free(a);
}
