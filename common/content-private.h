/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the parts of the content scan (content*.c, sniff.c, textdecode.c, zipscan.c);
 * nothing outside them includes this. */

#include <glib.h>
#include <sys/types.h>

#include "content.h"
#include "detect.h"
#include "rtf.h"

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
	guint archive_max_ratio;
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
	GIConv keep_eucjp;
	GIConv keep_iso2022jp;
	/* and the charsets a mail's headers and parts may name, which GMime converts inside
	 * the sandboxed worker (content-config.c, mail_charsets) */
	GIConv keep_mail[16];
	/* a tiny PDF kept open: poppler's CMap list stays (pdf.c, content_pdf_keep_params) */
	GObject *keep_pdf;
	gboolean map_files; /* fut_content_config_set_map_files() */
	guint split_parts;  /* fut_content_config_set_split_scan() */
};

/* Per-file state of one scan. */
typedef struct {
	const FutContentConfig *cl;
	FutContentResult *res;
	FutScanner scan;
	guint64 budget_total; /* decompressed bytes allowed for the whole file */
	guint64 budget_left;
	guint64 entries;
	guint problems;
	guint problems_dropped;
	gboolean abort;      /* a limit was hit: stop reading */
	guint b64_level;     /* base64 decodings the stream being scanned is inside */
	gboolean sparse;     /* the file has holes: skip them (SEEK_DATA) */
	off_t sparse_offset; /* the descriptor's offset, put back after SEEK_DATA */
} Ctx;

void
content_evidence(Ctx *ctx, const gchar *rule, FutClass klass, guint64 count, const gchar *fmt, ...)
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
	KIND_EUCJP,
	KIND_ISO2022JP,
	KIND_UTF16, /* with a byte order mark */
	KIND_UTF16LE,
	KIND_UTF16BE,
	KIND_BINARY,
	KIND_ZIP,
	KIND_OLE,
	KIND_PDF,
	KIND_MIME, /* a mail message */
	KIND_RTF,
	KIND_PACKED,     /* an archive or compressed stream libarchive unpacks */
	KIND_COMPRESSED, /* an archive or compressed stream we do not unpack */
	KIND_ENCRYPTED,  /* a file encrypted by a tool: nothing to scan */
	KIND_MEDIA,      /* an image, audio or video format: dense by nature, bytes scanned */
} Kind;

/* TRUE for the kinds that are read whole into memory (they need random access). */
gboolean content_kind_whole(Kind kind);

/* What looks packed in a stream of binary data: high entropy, a zip end record. Fed block
 * by block (any split), it remembers what it saw. */
typedef struct {
	guint32 hist[256];
	gsize filled;
	guint dense_blocks; /* blocks of 64 KiB whose entropy is that of packed data */
	gboolean zip_end;   /* "PK\5\6" seen somewhere */
	guint8 carry[3];
	gsize carry_len;
} PackedProbe;

void content_probe_feed(PackedProbe *p, const guint8 *data, gsize len);
/* Reports what the probe saw as Class II evidence; returns TRUE if it reported anything. */
gboolean content_probe_report(Ctx *ctx, const PackedProbe *p, const gchar *name);

/* Looks at the first bytes of a stream (@complete: they are all of it). For opaque
 * formats, @ret_what gets the format's name. */
Kind content_sniff(const guint8 *d, gsize len, gboolean complete, const gchar **ret_what);
/* Reports a stream that cannot be scanned; returns FALSE for every other kind. */
gboolean content_opaque(Ctx *ctx, Kind kind, const gchar *what, const gchar *name);

/* --- base64 text inside a text stream (base64scan.c) --- */

typedef struct _B64Extract B64Extract;
B64Extract *content_b64_new(Ctx *ctx);
void content_b64_feed(B64Extract *b, const guint8 *d, gsize len);
/* Classifies each decoded run as a stream at @depth, the archive depth of the text it was
 * in (content_scan_buffer()), after the text itself has been scanned (the scanner is
 * shared); frees. */
void content_b64_finish(B64Extract *b, guint depth);
void content_b64_free(B64Extract *b); /* NULL is nothing */

/* --- text decoding into the scanner (textdecode.c) --- */

typedef struct {
	Ctx *ctx;
	GIConv cd;     /* (GIConv)-1: bytes go to the scanner as they are */
	guint8 *stage; /* ICONV_STAGE bytes, only when converting */
	gsize staged;
	guint8 *out; /* ICONV_OUT bytes, only when converting */
	guint64 invalid;
	gboolean probing;   /* binary data: look for packed data */
	gboolean undecided; /* ASCII so far: the encoding is decided where it stops being */
	guint64 fed;        /* bytes fed so far */
	FutRtfText *rtf;    /* RTF: its text goes to the scanner */
	B64Extract *b64;    /* base64 runs decoded on the side (taken out before the free) */
	PackedProbe probe;
	guint64 passed;    /* bytes passed on to the scanner's side so far (to_scanner()) */
	guint64 scan_stop; /* nonzero: the scanner gets only the bytes before this many passed
	                    * (another thread scans the rest: content.c, split_text()) */
} Decoder;

/* A decoder for @kind. UTF-8 is "undecided": at the first byte that is not ASCII the rest
 * is sniffed again, so a Shift_JIS part after 64 KiB of ASCII is read as Shift_JIS. */
Decoder *content_decoder_new(Ctx *ctx, Kind kind);
/* TRUE when the bytes fed from now on reach the scanner as they are, one for one: the
 * encoding decided, no conversion, no RTF, no probing (a split scan needs that). */
gboolean content_decoder_passes_through(const Decoder *dec);

/* --- a large text scanned by two threads (content-split.c) --- */

typedef struct _SplitScan SplitScan;
/* After @dec has been fed [0, @off) of @fd (@size bytes): when the rest is worth it, starts a
 * thread scanning from a line end near the middle to @size and makes @dec's scanner stop
 * there; NULL when not split (then nothing changed). */
SplitScan *content_split_start(Ctx *ctx, Decoder *dec, int fd, guint64 off, guint64 size);
/* The file offset where the other thread's part ends: once @dec has been fed up to it,
 * content_split_join() must come before any byte after it. */
guint64 content_split_end(const SplitScan *sp);
/* Waits for the other thread, adds its part to the scanner (or reads that part again here
 * when the thread could not), lets @dec's scanner go on; frees @sp. FALSE on a read error
 * (a problem is recorded). */
gboolean content_split_join(Ctx *ctx, Decoder *dec, SplitScan *sp);
void content_decoder_feed(Decoder *dec, const guint8 *data, gsize len);
/* Flushes, ends the text with a line break and frees; returns the base64 watch, whose runs
 * are for the caller to scan (content_b64_finish()) once the text is done. */
B64Extract *content_decoder_end(Decoder *dec);
/* The same, and what was decoded on the side is dropped (the stream is read another way). */
void content_decoder_free(Decoder *dec);

/* --- containers (zipscan.c) --- */

void content_scan_zip(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);
void content_scan_ole(Ctx *ctx, const guint8 *data, gsize len, const gchar *name);
/* An archive or compressed stream, unpacked with libarchive (packed.c); @zip_only: read it
 * as a zip archive that may follow other data (a self-extracting .exe). */
void content_scan_packed(
    Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name, gboolean zip_only);

/* One stream inside a container, fed in pieces: sniffed on its first bytes, then streamed
 * through a decoder, or gathered whole for a nested container (entry.c). */
typedef struct _EntrySink EntrySink;
EntrySink *content_entry_new(Ctx *ctx, const gchar *shown_name, guint depth);
/* Returns FALSE when the entry should not be read further (a limit, an opaque format). */
gboolean content_entry_feed(EntrySink *e, const guint8 *data, gsize len);
/* Ends the entry (@failed: it was cut short and is not classified further) and frees it. */
void content_entry_finish(EntrySink *e, gboolean failed);
/* Takes @n decompressed bytes from the budget; FALSE (and Class II) past it. */
gboolean content_take_budget(Ctx *ctx, gsize n, const gchar *container);

/* PDF text with poppler (pdf.c), mail with GMime (mime.c). */
void content_scan_pdf(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);
/* A small PDF document, open; NULL if poppler refused it (see pdf.c). */
GObject *content_pdf_keep_params(void);
void content_scan_mime(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);

/* A whole in-memory stream (an archive entry) classified like a file. */
void content_scan_buffer(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);
