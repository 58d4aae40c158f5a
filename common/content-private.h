/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the parts of the content scan (content*.c, sniff.c, textdecode.c, zipscan.c);
 * nothing outside them includes this. */

#include <glib.h>

#include "content.h"
#include "detect.h"

#define MIB (G_GUINT64_CONSTANT(1024) * 1024)

#define SNIFF_LEN          (64 * 1024)
#define READ_CHUNK         (1024 * 1024)
#define PROBLEMS_MAX       8   /* Class II reasons listed one by one; the rest are summed */
#define NAME_SHOWN_MAX     120 /* bytes of an archive entry name shown in evidence */
#define WORD_THRESHOLD_MAX 1000000

struct _FutContentConfig {
	guint64 scan_limit;
	guint64 archive_limit;
	guint64 archive_budget;
	guint archive_max_entries;
	guint archive_max_depth;
	guint mynumber_thr;
	guint mynumber_thr_bare;
	guint mynumber_min_percent;
	guint resident_thr;
	guint resident_thr_bare;
	guint word_thr[FUT_SCAN_WORDS_MAX];
	FutScanWords *words;
	/* held open for the configuration's life so the gconv modules stay loaded: a scan
	 * must not open files (on the fanotify path such an open would wait on the very
	 * thread that has to answer it) */
	GIConv keep_cp932;
	GIConv keep_utf16;
};

/* Per-file state of one scan. */
typedef struct {
	const FutContentConfig *cl;
	FutContentResult *res;
	FutScanner scan;
	guint64 budget_left;
	guint64 entries;
	guint problems;
	guint problems_dropped;
	gboolean abort; /* a limit was hit: stop reading */
} Ctx;

void content_evidence(Ctx *ctx, const gchar *rule, FutClass klass, guint64 count, const gchar *fmt, ...)
    G_GNUC_PRINTF(5, 6);
/* Something could not be read or decided: Class II, fail closed. */
void content_problem(Ctx *ctx, const gchar *rule, const gchar *fmt, ...) G_GNUC_PRINTF(3, 4);
/* An untrusted name (archive entry) made safe and short for evidence. Caller frees. */
gchar *content_shown_name(const gchar *name);
/* Reads up to @len bytes at @off; returns the count (short only at end of file) or -errno. */
gssize content_pread_full(int fd, guint8 *buf, gsize len, guint64 off);

/* --- what a byte stream is (sniff.c) --- */

typedef enum {
	KIND_UTF8,
	KIND_CP932,
	KIND_UTF16, /* with a byte order mark */
	KIND_UTF16LE,
	KIND_UTF16BE,
	KIND_BINARY,
	KIND_ZIP,
	KIND_OLE,
	KIND_PDF,
	KIND_COMPRESSED, /* an archive or compressed stream we do not unpack */
	KIND_ENCRYPTED,  /* a file encrypted by a tool: nothing to scan */
} Kind;

/* Looks at the first bytes of a stream (@complete: they are all of it). For opaque
 * formats, @ret_what gets the format's name. */
Kind content_sniff(const guint8 *d, gsize len, gboolean complete, const gchar **ret_what);
/* Reports a stream that cannot be scanned; returns FALSE for every other kind. */
gboolean content_opaque(Ctx *ctx, Kind kind, const gchar *what, const gchar *name);

/* --- text decoding into the scanner (textdecode.c) --- */

typedef struct {
	Ctx *ctx;
	GIConv cd;     /* (GIConv)-1: bytes go to the scanner as they are */
	guint8 *stage; /* ICONV_STAGE bytes, only when converting */
	gsize staged;
	guint8 *out; /* ICONV_OUT bytes, only when converting */
	guint64 invalid;
} Decoder;

Decoder *content_decoder_new(Ctx *ctx, Kind kind);
void content_decoder_feed(Decoder *dec, const guint8 *data, gsize len);
/* Flushes, ends the text with a line break and frees. */
void content_decoder_free(Decoder *dec);

/* --- containers (zipscan.c) --- */

void content_scan_zip(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);
void content_scan_ole(Ctx *ctx, const guint8 *data, gsize len, const gchar *name);
/* A whole in-memory stream (an archive entry) classified like a file. */
void content_scan_buffer(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);
