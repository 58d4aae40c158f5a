/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Content detectors: the check digits of Japanese personal identifiers and a streaming
 * scanner that counts them and configured words in UTF-8 text.
 *
 * The scanner is a byte-at-a-time state machine whose whole state lives in FutScanner, so
 * text may be fed in chunks of any size, split anywhere (inside a number, inside a
 * multi-byte character, inside a word): the counts are the same as for one big buffer.
 * Nothing is allocated per byte or per match. See docs/classification.md. */

#define FUT_MYNUMBER_LEN      12
#define FUT_RESIDENT_CODE_LEN 11
#define FUT_SCAN_WORDS_MAX    64  /* words of all roles together */
#define FUT_SCAN_WORD_MAX_LEN 128 /* bytes of one word */

/* TRUE when the 12 ASCII digits at @digits are a My Number (個人番号) whose last digit is
 * the check digit of 総務省令第八十五号 第五条. Anything but 12 ASCII digits is FALSE. */
gboolean fut_mynumber_is_valid(const gchar *digits, gsize len);
/* TRUE when the 11 ASCII digits at @digits are a resident-register code (住民票コード)
 * whose last digit is its check digit (住民基本台帳法施行規則 第一条, 平成14年総務省告示第436号).
 */
gboolean fut_resident_code_is_valid(const gchar *digits, gsize len);

/* What a configured word means when it is found. */
typedef enum {
	FUT_WORD_MARKING,          /* a marking such as 取扱注意: counts toward Class II */
	FUT_WORD_MYNUMBER_CONTEXT, /* 個人番号, マイナンバー: makes a My Number more likely */
	FUT_WORD_RESIDENT_CONTEXT, /* 住民票コード: makes a resident-register code likely */
} FutWordRole;

/* The immutable, shareable part: the word automaton. Thread-safe once built. */
typedef struct _FutScanWords FutScanWords;

/* Returns a new empty word set; add words, then fut_scan_words_build(). */
FutScanWords *fut_scan_words_new(void);
/* Adds @word (UTF-8, 1..FUT_SCAN_WORD_MAX_LEN bytes, no control characters) with @role.
 * Returns its index, or -1 with an error for a bad or duplicate word or a full set. */
gint fut_scan_words_add(FutScanWords *self, const gchar *word, FutWordRole role, GError **error);
/* Builds the automaton; after this no word may be added. */
void fut_scan_words_build(FutScanWords *self);
guint fut_scan_words_get_count(const FutScanWords *self);
const gchar *fut_scan_words_get_word(const FutScanWords *self, guint idx);
FutWordRole fut_scan_words_get_role(const FutScanWords *self, guint idx);
void fut_scan_words_free(FutScanWords *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutScanWords, fut_scan_words_free)

/* The per-scan counters and state. Cheap to create; one per file being classified. */
typedef struct {
	/* results */
	guint64 mynumber_valid;   /* 12-digit numbers (or 4-4-4 groups) with a valid check digit */
	guint64 mynumber_invalid; /* 12-digit numbers whose check digit is wrong */
	guint64 resident_valid;   /* 11-digit numbers with a valid resident-code check digit */
	gchar mynumber_first[FUT_MYNUMBER_LEN + 1]; /* first valid one, for masking only */
	gchar resident_first[FUT_RESIDENT_CODE_LEN + 1];
	guint64 word_counts[FUT_SCAN_WORDS_MAX];
	guint64 bytes;

	/* state (private) */
	const FutScanWords *words;
	guint ac_state;
	guint fw_state;  /* bytes seen of a full-width digit EF BC 9x */
	guint run_len;   /* digits in the current run (saturates) */
	gchar run[16];   /* the first digits of the current run */
	guint chain_len; /* runs in the current "dddd-dddd-dddd" chain */
	gboolean chain_ok;
	gchar chain_sep;
	gchar chain[FUT_MYNUMBER_LEN];
	gboolean after_sep;       /* the last byte was a chain separator after a run */
	guint8 run_b1;            /* the byte before the current run (0: not ASCII, or none) */
	guint8 run_b2;            /* and the one before that */
	guint8 tail[2];           /* the last byte of the previous feed, and the one before */
	const guint8 *feed_start; /* the bytes being fed (during fut_scanner_feed only) */
	guint8 legacy_lead;       /* lead byte of full-width digits in a legacy encoding, or 0 */
	guint8 legacy_lo;         /* trail byte of full-width zero */
	const guint8 *boring;
	guint8 boring_own[256];
} FutScanner;

/* Encodings whose text the scanner reads as it is (digits and words in all three). */
typedef enum {
	FUT_SCAN_TEXT_UTF8,
	FUT_SCAN_TEXT_CP932, /* Shift_JIS: full-width digits are 82 4F..82 58 */
	FUT_SCAN_TEXT_EUCJP, /* EUC-JP: A3 B0..A3 B9 */
} FutScanText;

/* Resets @scan for a new document using @words (borrowed; may be NULL for no words). */
void fut_scanner_init(FutScanner *scan, const FutScanWords *words);
/* Also counts full-width digits as @text writes them (ASCII digits and words are found in
 * every one of them anyway). May be called between feeds. */
void fut_scanner_set_text(FutScanner *scan, FutScanText text);
/* Feeds @len bytes of UTF-8 text (invalid bytes are harmless: they just match nothing). */
void fut_scanner_feed(FutScanner *scan, const guint8 *data, gsize len);
/* Ends the document: a number that runs to the end of the text is counted. Call once. */
void fut_scanner_finish(FutScanner *scan);

/* Two threads on one document: text can be scanned in two parts at once when the second
 * starts right after a line end. After a '\n' the scanner's state depends on nothing before
 * it but the byte before the '\n' (no word holds a control character, no number or chain
 * goes on across a line end), so a second scanner fed those two bytes first is in the state
 * the first would be in there.
 *
 * Starts @scan on the text after @prev (the two bytes before it; @prev[1] must be '\n'), in
 * @from's words and encoding, with no counts. Returns FALSE (and leaves @scan unset) when
 * @prev[1] is not a line end. */
gboolean
fut_scanner_init_after_line(FutScanner *scan, const FutScanner *from, const guint8 prev[2]);
/* @head scanned a document up to and including a line end; @tail (from
 * fut_scanner_init_after_line()) the text after it. Adds @tail's counts to @head and gives
 * @head @tail's state: @head is then as if it had scanned both, and may be fed on. */
void fut_scanner_append(FutScanner *head, const FutScanner *tail);

/* Returns @digits with all but the first 4 replaced by '*' ("1234********"). Caller
 * frees. Evidence never carries an identifier in full. */
gchar *fut_mask_digits(const gchar *digits);

G_END_DECLS
