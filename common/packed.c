/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib/gi18n.h>

#include "content-private.h"
#include "util.h"

/* Archives and compressed streams other than zip: unpacked with libarchive, each entry
 * classified like a file. Only formats and filters libarchive reads in-process are enabled:
 * never one that runs an external program (lzop, lrzip, grzip) and never mtree, whose
 * entries may name files on disk. What it cannot read is Class II with its reason. */

#define READ_PIECE (64 * 1024)

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
