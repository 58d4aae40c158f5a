/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <zip.h>
#include <zlib.h>

#include "classify.h"
#include "detect.h"
#include "errors.h"
#include "pathrules.h"
#include "util.h"
#include "xmltext.h"

#define MIB (G_GUINT64_CONSTANT(1024) * 1024)

#define SNIFF_LEN          (64 * 1024)
#define READ_CHUNK         (1024 * 1024)
#define PROBLEMS_MAX       8   /* Class II reasons listed one by one; the rest are summed */
#define NAME_SHOWN_MAX     120 /* bytes of an archive entry name shown in evidence */
#define LABEL_MAX          16  /* bytes of the xattr value read */
#define ICONV_STAGE        (64 * 1024)
#define ICONV_OUT          (64 * 1024)
#define WORD_THRESHOLD_MAX 1000000

/* Defaults (docs/classification.md explains each). */
#define DEFAULT_SCAN_LIMIT        (256 * MIB)
#define DEFAULT_ARCHIVE_LIMIT     (64 * MIB)
#define DEFAULT_ARCHIVE_BUDGET    (256 * MIB)
#define DEFAULT_ARCHIVE_ENTRIES   10000
#define DEFAULT_ARCHIVE_DEPTH     2
#define DEFAULT_MYNUMBER_THR      1
#define DEFAULT_MYNUMBER_THR_BARE 3
#define DEFAULT_MYNUMBER_PERCENT  25
#define DEFAULT_RESIDENT_THR      1
#define DEFAULT_RESIDENT_THR_BARE 0

static const gchar *const default_mynumber_words[] = {"個人番号", "マイナンバー", "ﾏｲﾅﾝﾊﾞｰ", NULL};
static const gchar *const default_resident_words[] = {"住民票コード", "住民票ｺｰﾄﾞ", NULL};
/* word[:threshold]; "個人情報" alone is common in privacy notices, hence its threshold */
static const gchar *const default_marking_words[] = {
    "取扱注意", "取扱厳重注意", "取り扱い注意", "部外秘", "関係者外秘", "庁外秘", "極秘",
    "【秘】",   "（秘）",       "(秘)",         "㊙",     "個人情報:3", NULL,
};

struct _FutClassifier {
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
	FutPathRules *rules;
	FutLabelStore *store; /* borrowed */
	/* held open for the classifier's life so the gconv modules stay loaded: a
	 * classification must not open files (on the fanotify path such an open would wait
	 * on the very thread that has to answer it) */
	GIConv keep_cp932;
	GIConv keep_utf16;
};

/* --- evidence and results ------------------------------------------------------------ */

static void
evidence_free(gpointer p)
{
	FutEvidence *e = p;

	g_free(e->rule);
	g_free(e->description);
	g_free(e);
}

void
fut_classification_free(FutClassification *c)
{
	if (c == NULL)
		return;
	g_ptr_array_unref(c->evidence);
	g_free(c);
}

/* Per-file state of one classification. */
typedef struct {
	FutClassifier *cl;
	FutClassification *res;
	FutScanner scan;
	FutSha256 *sha; /* NULL when the digest is not wanted */
	guint64 budget_left;
	guint64 entries;
	guint problems;
	guint problems_dropped;
	gboolean abort; /* a limit was hit: stop reading */
} Ctx;

static void G_GNUC_PRINTF(5, 6)
    add_evidence(Ctx *ctx, const gchar *rule, FutClass klass, guint64 count, const gchar *fmt, ...)
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

/* Something could not be read or decided: Class II, fail closed. */
static void G_GNUC_PRINTF(3, 4) problem(Ctx *ctx, const gchar *rule, const gchar *fmt, ...)
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
static gchar *
shown_name(const gchar *name)
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

/* --- configuration ------------------------------------------------------------------- */

static const gchar *const known_keys[] = {
    "scan-limit",
    "archive-limit",
    "archive-budget",
    "archive-max-entries",
    "archive-max-depth",
    "mynumber-keywords",
    "mynumber-threshold",
    "mynumber-threshold-without-keyword",
    "mynumber-min-valid-percent",
    "resident-code-keywords",
    "resident-code-threshold",
    "resident-code-threshold-without-keyword",
    "marking-words",
    NULL,
};

/* A size: decimal digits with an optional K, M or G (powers of 1024). */
static gboolean
get_size(GKeyFile *kf, const gchar *key, guint64 min, guint64 max, guint64 *ret, GError **error)
{
	g_autofree gchar *v = g_key_file_get_value(kf, FUT_CLASSIFY_GROUP, key, NULL);
	g_autofree gchar *safe = NULL;
	guint64 mult = 1;
	guint64 n = 0;
	gsize len;

	if (v == NULL)
		return TRUE;
	len = strlen(v);
	if (len > 0 && strchr("KMG", v[len - 1]) != NULL) {
		mult = v[len - 1] == 'K' ? 1024 : v[len - 1] == 'M' ? MIB : 1024 * MIB;
		v[--len] = '\0';
	}
	if (len == 0 || len > 12 || strspn(v, "0123456789") != len ||
	    !g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64 / mult, &n, NULL) || n * mult < min ||
	    n * mult > max) {
		safe = fut_strescape(v, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("[%s] %s: \"%s\" is not a size from %llu to %llu bytes (digits, "
		              "optionally K, M or G)"),
		            FUT_CLASSIFY_GROUP, key, safe, (unsigned long long)min,
		            (unsigned long long)max);
		return FALSE;
	}
	*ret = n * mult;
	return TRUE;
}

static gboolean
get_count(GKeyFile *kf, const gchar *key, guint max, guint *ret, GError **error)
{
	g_autofree gchar *v = g_key_file_get_value(kf, FUT_CLASSIFY_GROUP, key, NULL);
	guint64 n = 0;

	if (v == NULL)
		return TRUE;
	if (strlen(v) == 0 || strlen(v) > 9 || strspn(v, "0123456789") != strlen(v) ||
	    !g_ascii_string_to_unsigned(v, 10, 0, max, &n, NULL)) {
		g_autofree gchar *safe = fut_strescape(v, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("[%s] %s: \"%s\" is not a whole number from 0 to %u"),
		            FUT_CLASSIFY_GROUP, key, safe, max);
		return FALSE;
	}
	*ret = (guint)n;
	return TRUE;
}

/* Returns the list under @key, or a copy of @defaults when the key is absent. */
static GStrv
get_list(GKeyFile *kf, const gchar *key, const gchar *const *defaults, GError **error)
{
	g_autoptr(GError) local = NULL;
	GStrv list;

	if (kf == NULL || !g_key_file_has_key(kf, FUT_CLASSIFY_GROUP, key, NULL))
		return g_strdupv((GStrv)defaults);
	list = g_key_file_get_string_list(kf, FUT_CLASSIFY_GROUP, key, NULL, &local);
	if (list == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("[%s] %s: %s"),
		            FUT_CLASSIFY_GROUP, key, local->message);
		return NULL;
	}
	return list;
}

static gboolean
add_words(FutClassifier *self,
          GKeyFile *kf,
          const gchar *key,
          const gchar *const *defaults,
          FutWordRole role,
          GError **error)
{
	g_auto(GStrv) list = get_list(kf, key, defaults, error);

	if (list == NULL)
		return FALSE;
	for (guint i = 0; list[i] != NULL; i++) {
		g_autofree gchar *word = g_strdup(list[i]);
		g_autoptr(GError) local = NULL;
		guint64 thr = 1;
		gint idx;

		if (role == FUT_WORD_MARKING) {
			/* "word:N": N occurrences needed */
			gchar *colon = strrchr(word, ':');
			if (colon != NULL && colon[1] != '\0' &&
			    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
				if (!g_ascii_string_to_unsigned(colon + 1, 10, 1,
				                                WORD_THRESHOLD_MAX, &thr, NULL)) {
					g_autofree gchar *safe = fut_strescape(list[i], -1);
					g_set_error(
					    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
					    _("[%s] %s, word %u \"%s\": the count after ':' "
					      "must be 1 to %d"),
					    FUT_CLASSIFY_GROUP, key, i + 1, safe,
					    WORD_THRESHOLD_MAX);
					return FALSE;
				}
				*colon = '\0';
			}
		}
		idx = fut_scan_words_add(self->words, word, role, &local);
		if (idx < 0) {
			g_autofree gchar *safe = fut_strescape(list[i], -1);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("[%s] %s, word %u \"%s\": %s"), FUT_CLASSIFY_GROUP, key,
			            i + 1, safe, local->message);
			return FALSE;
		}
		self->word_thr[idx] = (guint)thr;
	}
	return TRUE;
}

FutClassifier *
fut_classifier_new(GKeyFile *kf, FutLabelStore *store, GError **error)
{
	g_autoptr(FutClassifier) self = g_new0(FutClassifier, 1);

	self->scan_limit = DEFAULT_SCAN_LIMIT;
	self->archive_limit = DEFAULT_ARCHIVE_LIMIT;
	self->archive_budget = DEFAULT_ARCHIVE_BUDGET;
	self->archive_max_entries = DEFAULT_ARCHIVE_ENTRIES;
	self->archive_max_depth = DEFAULT_ARCHIVE_DEPTH;
	self->mynumber_thr = DEFAULT_MYNUMBER_THR;
	self->mynumber_thr_bare = DEFAULT_MYNUMBER_THR_BARE;
	self->mynumber_min_percent = DEFAULT_MYNUMBER_PERCENT;
	self->resident_thr = DEFAULT_RESIDENT_THR;
	self->resident_thr_bare = DEFAULT_RESIDENT_THR_BARE;
	self->words = fut_scan_words_new();
	self->store = store;
	self->keep_cp932 = g_iconv_open("UTF-8", "CP932");
	self->keep_utf16 = g_iconv_open("UTF-8", "UTF-16"); /* UTF-16LE and BE are there too */
	/* load the message catalog and the time zone (libzip converts entry times) now,
	 * for the same reason */
	(void)_("not a regular file");
	tzset();

	if (kf != NULL && g_key_file_has_group(kf, FUT_CLASSIFY_GROUP)) {
		g_auto(GStrv) keys = g_key_file_get_keys(kf, FUT_CLASSIFY_GROUP, NULL, NULL);
		for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
			if (!g_strv_contains(known_keys, keys[i])) {
				g_autofree gchar *safe = fut_strescape(keys[i], -1);
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("[%s] unknown key \"%s\""), FUT_CLASSIFY_GROUP, safe);
				return NULL;
			}
		}
		if (!get_size(kf, "scan-limit", 1, 64 * 1024 * MIB, &self->scan_limit, error) ||
		    !get_size(kf, "archive-limit", 1, 4 * 1024 * MIB, &self->archive_limit,
		              error) ||
		    !get_size(kf, "archive-budget", 1, 64 * 1024 * MIB, &self->archive_budget,
		              error) ||
		    !get_count(kf, "archive-max-entries", 1000000, &self->archive_max_entries,
		               error) ||
		    !get_count(kf, "archive-max-depth", 8, &self->archive_max_depth, error) ||
		    !get_count(kf, "mynumber-threshold", 1000000, &self->mynumber_thr, error) ||
		    !get_count(kf, "mynumber-threshold-without-keyword", 1000000,
		               &self->mynumber_thr_bare, error) ||
		    !get_count(kf, "mynumber-min-valid-percent", 100, &self->mynumber_min_percent,
		               error) ||
		    !get_count(kf, "resident-code-threshold", 1000000, &self->resident_thr,
		               error) ||
		    !get_count(kf, "resident-code-threshold-without-keyword", 1000000,
		               &self->resident_thr_bare, error))
			return NULL;
	}
	if (!add_words(self, kf, "mynumber-keywords", default_mynumber_words,
	               FUT_WORD_MYNUMBER_CONTEXT, error) ||
	    !add_words(self, kf, "resident-code-keywords", default_resident_words,
	               FUT_WORD_RESIDENT_CONTEXT, error) ||
	    !add_words(self, kf, "marking-words", default_marking_words, FUT_WORD_MARKING, error))
		return NULL;
	fut_scan_words_build(self->words);
	self->rules = fut_path_rules_new_from_keyfile(kf, FUT_PATH_RULES_GROUP, error);
	if (self->rules == NULL)
		return NULL;
	return g_steal_pointer(&self);
}

void
fut_classifier_free(FutClassifier *self)
{
	if (self == NULL)
		return;
	fut_scan_words_free(self->words);
	fut_path_rules_free(self->rules);
	if (self->keep_cp932 != (GIConv)-1)
		g_iconv_close(self->keep_cp932);
	if (self->keep_utf16 != (GIConv)-1)
		g_iconv_close(self->keep_utf16);
	g_free(self);
}

guint64
fut_classifier_get_scan_limit(const FutClassifier *self)
{
	return self->scan_limit;
}

/* --- reading ------------------------------------------------------------------------- */

/* Reads up to @len bytes at @off; returns the count (short only at end of file) or -errno. */
static gssize
pread_full(int fd, guint8 *buf, gsize len, guint64 off)
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

/* --- what a byte stream is ----------------------------------------------------------- */

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

typedef struct {
	const gchar *magic;
	gsize len;
	Kind kind;
	const gchar *what;
} Magic;

/* Formats whose content cannot be scanned: compressed, they would let anything through
 * unseen; encrypted, they are what policy wants approved. */
static const Magic opaque_magics[] = {
    {"\x1f\x8b", 2, KIND_COMPRESSED, "gzip"},
    {"BZh", 3, KIND_COMPRESSED, "bzip2"},
    {"\xfd"
     "7zXZ\0",
     6, KIND_COMPRESSED, "xz"},
    {"\x28\xb5\x2f\xfd", 4, KIND_COMPRESSED, "zstd"},
    {"7z\xbc\xaf\x27\x1c", 6, KIND_COMPRESSED, "7-Zip"},
    {"Rar!\x1a\x07", 6, KIND_COMPRESSED, "RAR"},
    {"MSCF\0\0\0\0", 8, KIND_COMPRESSED, "cabinet"},
    {"\x04\x22\x4d\x18", 4, KIND_COMPRESSED, "lz4"},
    {"LZIP", 4, KIND_COMPRESSED, "lzip"},
    {"-----BEGIN PGP MESSAGE-----", 27, KIND_ENCRYPTED, "OpenPGP"},
    {"age-encryption.org/v1", 21, KIND_ENCRYPTED, "age"},
    {"-----BEGIN AGE ENCRYPTED FILE-----", 34, KIND_ENCRYPTED, "age"},
    {"Salted__", 8, KIND_ENCRYPTED, "OpenSSL"},
};

static gboolean
has_prefix(const guint8 *d, gsize len, const void *magic, gsize mlen)
{
	return len >= mlen && memcmp(d, magic, mlen) == 0;
}

/* UTF-16 without a byte order mark: digits, commas and ASCII letters put a NUL in every
 * other byte, always on the same side; binary data has NULs on both sides. */
static Kind
sniff_utf16(const guint8 *d, gsize len)
{
	gsize nul[2] = {0, 0};

	len &= ~(gsize)1;
	for (gsize i = 0; i < len; i++) {
		if (d[i] == 0)
			nul[i & 1]++;
	}
	if (len < 8 || nul[0] + nul[1] < len / 8)
		return KIND_BINARY;
	if (nul[1] * 20 >= (nul[0] + nul[1]) * 19)
		return KIND_UTF16LE;
	if (nul[0] * 20 >= (nul[0] + nul[1]) * 19)
		return KIND_UTF16BE;
	return KIND_BINARY;
}

/* Looks at the first bytes of a stream (@complete: they are all of it). For opaque
 * formats, @ret_what gets the format's name. */
static Kind
sniff(const guint8 *d, gsize len, gboolean complete, const gchar **ret_what)
{
	const gchar *end = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conv = NULL;

	*ret_what = NULL;
	if (has_prefix(d, len, "PK\x03\x04", 4) || has_prefix(d, len, "PK\x05\x06", 4))
		return KIND_ZIP;
	if (has_prefix(d, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return KIND_OLE;
	if (has_prefix(d, len, "%PDF-", 5))
		return KIND_PDF;
	for (guint i = 0; i < G_N_ELEMENTS(opaque_magics); i++) {
		if (has_prefix(d, len, opaque_magics[i].magic, opaque_magics[i].len)) {
			*ret_what = opaque_magics[i].what;
			return opaque_magics[i].kind;
		}
	}
	if (has_prefix(d, len, "\xff\xfe", 2) || has_prefix(d, len, "\xfe\xff", 2))
		return KIND_UTF16;
	if (memchr(d, 0, len) != NULL)
		return sniff_utf16(d, len);
	if (g_utf8_validate((const gchar *)d, (gssize)len, &end))
		return KIND_UTF8;
	/* a character cut at the end of the sniffed bytes is not an error */
	if (!complete && (const guint8 *)end + 4 > d + len)
		return KIND_UTF8;
	conv = g_convert((const gchar *)d, (gssize)len, "UTF-8", "CP932", NULL, NULL, &error);
	if (conv != NULL ||
	    (!complete && g_error_matches(error, G_CONVERT_ERROR, G_CONVERT_ERROR_PARTIAL_INPUT)))
		return KIND_CP932;
	return KIND_BINARY;
}

/* Reports a stream that cannot be scanned; returns FALSE for every other kind. */
static gboolean
opaque(Ctx *ctx, Kind kind, const gchar *what, const gchar *name)
{
	switch (kind) {
	case KIND_PDF:
		problem(ctx, "unsupported", _("%s: PDF, its text is not scanned"), name);
		return TRUE;
	case KIND_COMPRESSED:
		problem(ctx, "unsupported", _("%s: %s archive or compressed data, not unpacked"),
		        name, what);
		return TRUE;
	case KIND_ENCRYPTED:
		problem(ctx, "encrypted", _("%s: %s encrypted file"), name, what);
		return TRUE;
	default:
		return FALSE;
	}
}

/* --- text decoding into the scanner -------------------------------------------------- */

typedef struct {
	Ctx *ctx;
	GIConv cd;     /* (GIConv)-1: bytes go to the scanner as they are */
	guint8 *stage; /* ICONV_STAGE bytes, only when converting */
	gsize staged;
	guint8 *out; /* ICONV_OUT bytes, only when converting */
	guint64 invalid;
} Decoder;

static Decoder *
decoder_new(Ctx *ctx, Kind kind)
{
	Decoder *dec = g_new0(Decoder, 1);

	dec->ctx = ctx;
	dec->staged = 0;
	dec->invalid = 0;
	dec->cd = (GIConv)-1;
	const gchar *from = kind == KIND_CP932     ? "CP932"
	                    : kind == KIND_UTF16   ? "UTF-16"
	                    : kind == KIND_UTF16LE ? "UTF-16LE"
	                    : kind == KIND_UTF16BE ? "UTF-16BE"
	                                           : NULL;

	if (from != NULL) {
		dec->cd = g_iconv_open("UTF-8", from);
		if (dec->cd == (GIConv)-1)
			problem(ctx, "unreadable", _("the system cannot convert %s text"), from);
	}
	if (dec->cd != (GIConv)-1) {
		dec->stage = g_malloc(ICONV_STAGE);
		dec->out = g_malloc(ICONV_OUT);
	}
	return dec;
}

static void
decoder_convert(Decoder *dec, gboolean final)
{
	gchar *in = (gchar *)dec->stage;
	gsize inleft = dec->staged;

	while (inleft > 0) {
		gchar *out = (gchar *)dec->out;
		gsize outleft = ICONV_OUT;
		gsize rc = g_iconv(dec->cd, &in, &inleft, &out, &outleft);
		int e = errno;

		fut_scanner_feed(&dec->ctx->scan, dec->out, ICONV_OUT - outleft);
		if (rc != (gsize)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL && !final)
			break; /* a character cut at the end: keep it for the next piece */
		/* an invalid sequence: a separator keeps numbers on either side apart */
		dec->invalid++;
		fut_scanner_feed(&dec->ctx->scan, (const guint8 *)" ", 1);
		in++;
		inleft--;
	}
	memmove(dec->stage, in, inleft);
	dec->staged = inleft;
}

static void
decoder_feed(Decoder *dec, const guint8 *data, gsize len)
{
	if (dec->cd == (GIConv)-1) {
		fut_scanner_feed(&dec->ctx->scan, data, len);
		return;
	}
	while (len > 0) {
		gsize n = MIN(len, ICONV_STAGE - dec->staged);
		memcpy(dec->stage + dec->staged, data, n);
		dec->staged += n;
		data += n;
		len -= n;
		decoder_convert(dec, FALSE);
		if (dec->staged == ICONV_STAGE) {
			/* cannot happen with real encodings (a character is a few bytes);
			 * drop rather than loop */
			dec->invalid++;
			dec->staged = 0;
		}
	}
}

static void
decoder_free(Decoder *dec)
{
	if (dec->cd != (GIConv)-1) {
		decoder_convert(dec, TRUE);
		g_iconv_close(dec->cd);
	}
	fut_scanner_feed(&dec->ctx->scan, (const guint8 *)"\n", 1);
	g_free(dec->stage);
	g_free(dec->out);
	g_free(dec);
}

/* --- archives ------------------------------------------------------------------------ */

static void scan_buffer(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name);

static void
xml_sink(const guint8 *text, gsize len, gpointer user_data)
{
	Ctx *ctx = user_data;

	fut_scanner_feed(&ctx->scan, text, len);
}

static gboolean
ends_with_ci(const gchar *s, const gchar *suffix)
{
	gsize a = strlen(s);
	gsize b = strlen(suffix);

	return a >= b && g_ascii_strcasecmp(s + a - b, suffix) == 0;
}

static gboolean
take_budget(Ctx *ctx, gsize n, const gchar *container)
{
	if (n > ctx->budget_left) {
		problem(ctx, "zip-bomb", _("%s: decompresses to more than the limit of %llu MiB"),
		        container, (unsigned long long)(ctx->cl->archive_budget / MIB));
		ctx->abort = TRUE;
		return FALSE;
	}
	ctx->budget_left -= n;
	return TRUE;
}

typedef enum {
	ENTRY_SKIP,
	ENTRY_XML,   /* OOXML part: extract the character data */
	ENTRY_WHOLE, /* read it whole and classify it like a file (nested archives) */
} EntryAction;

static EntryAction
entry_action(gboolean ooxml, const gchar *name)
{
	if (g_str_has_suffix(name, "/"))
		return ENTRY_SKIP;
	if (!ooxml)
		return ENTRY_WHOLE;
	if (ends_with_ci(name, ".xml"))
		return ENTRY_XML;
	/* embedded workbooks and documents (charts in docx embed an xlsx) */
	if (strstr(name, "/embeddings/") != NULL)
		return ENTRY_WHOLE;
	/* media, fonts, relationships, thumbnails, macros: no text of the document */
	return ENTRY_SKIP;
}

/* Reads an entry: XML parts through the text extractor; anything else is sniffed from its
 * first bytes, then either streamed through a decoder (text) or, for a nested archive,
 * gathered whole (libzip needs random access), never more than the archive limit. */
static void
scan_entry(Ctx *ctx, zip_t *za, zip_uint64_t i, const zip_stat_t *st, gboolean ooxml, guint depth)
{
	g_autofree gchar *name = shown_name(st->name);
	g_autoptr(GByteArray) head = NULL;
	EntryAction action = entry_action(ooxml, st->name);
	Decoder *dec = NULL;
	gboolean container = FALSE;
	gboolean failed = FALSE;
	uLong crc = crc32(0, Z_NULL, 0);
	guint64 got = 0;
	FutXmlText xml;
	zip_file_t *zf;
	guint8 buf[64 * 1024];

	if (action == ENTRY_SKIP)
		return;
	zf = zip_fopen_index(za, i, 0);
	if (zf == NULL) {
		int ze = zip_error_code_zip(zip_get_error(za));
		if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD || ze == ZIP_ER_ENCRNOTSUPP)
			problem(ctx, "encrypted", _("%s is encrypted"), name);
		else
			problem(ctx, "malformed", _("%s cannot be read: %s"), name,
			        zip_error_strerror(zip_get_error(za)));
		return;
	}
	if (action == ENTRY_XML)
		fut_xml_text_init(&xml, xml_sink, ctx);
	else
		head = g_byte_array_new();
	for (;;) {
		zip_int64_t n = zip_fread(zf, buf, sizeof(buf));
		if (n < 0) {
			problem(ctx, "malformed", _("%s cannot be read: %s"), name,
			        zip_file_strerror(zf));
			failed = TRUE;
			break;
		}
		if (n == 0)
			break;
		if (!take_budget(ctx, (gsize)n, name)) {
			failed = TRUE;
			break;
		}
		crc = crc32(crc, buf, (uInt)n);
		got += (guint64)n;
		if (action == ENTRY_XML) {
			fut_xml_text_feed(&xml, buf, (gsize)n);
		} else if (dec != NULL) {
			decoder_feed(dec, buf, (gsize)n);
		} else {
			g_byte_array_append(head, buf, (guint)n);
			if (container && head->len > ctx->cl->archive_limit) {
				problem(ctx, "too-large",
				        _("%s: nested archive larger than %llu MiB"), name,
				        (unsigned long long)(ctx->cl->archive_limit / MIB));
				failed = TRUE;
				break;
			}
			if (!container && head->len >= SNIFF_LEN) {
				const gchar *what = NULL;
				Kind k = sniff(head->data, head->len, FALSE, &what);
				if (opaque(ctx, k, what, name)) {
					failed = TRUE;
					break;
				}
				container = k == KIND_ZIP || k == KIND_OLE;
				if (!container) {
					dec = decoder_new(ctx, k);
					decoder_feed(dec, head->data, head->len);
				}
			}
		}
	}
	zip_fclose(zf);
	/* libzip stops at the declared size; an entry that declares less than its data
	 * holds would hide the rest from the scan (but not from other unzip tools) */
	if (!failed && (((st->valid & ZIP_STAT_CRC) && crc != st->crc) ||
	                ((st->valid & ZIP_STAT_SIZE) && got != st->size))) {
		problem(ctx, "malformed", _("%s: the content does not match its size or checksum"),
		        name);
		failed = TRUE;
	}
	if (action == ENTRY_XML) {
		g_autoptr(GError) error = NULL;
		if (!fut_xml_text_finish(&xml, &error) && !failed)
			problem(ctx, "malformed", _("%s is not readable XML: %s"), name,
			        error->message);
		fut_scanner_feed(&ctx->scan, (const guint8 *)"\n", 1);
	} else if (dec != NULL) {
		decoder_free(dec);
	} else if (!failed) {
		/* short entries, and containers: classified from memory */
		scan_buffer(ctx, head->data, head->len, depth + 1, name);
	}
}

static guint64
get_le(const guint8 *p, guint bytes)
{
	guint64 v = 0;

	for (guint i = bytes; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* The entry count the end-of-central-directory record (or its ZIP64 twin) declares, read
 * before libzip sees the archive: libzip allocates per entry while opening, so a small file
 * that declares millions of entries would cost memory before the count could be checked.
 * Returns 0 when no record is found (libzip then decides). */
static guint64
declared_entries(const guint8 *data, gsize len)
{
	/* the record is 22 bytes plus a comment of at most 65535 */
	gsize lowest = len > 22 + 65535 ? len - 22 - 65535 : 0;

	if (len < 22)
		return 0;
	for (gsize i = len - 22 + 1; i-- > lowest;) {
		guint64 n;
		if (memcmp(data + i, "PK\x05\x06", 4) != 0)
			continue;
		n = get_le(data + i + 10, 2);
		if (n == 0xffff && i >= 20 && memcmp(data + i - 20, "PK\x06\x07", 4) == 0) {
			guint64 off = get_le(data + i - 20 + 8, 8);
			if (off < len && len - off >= 56 &&
			    memcmp(data + off, "PK\x06\x06", 4) == 0)
				n = get_le(data + off + 32, 8);
		}
		return n;
	}
	return 0;
}

static void
scan_zip(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n;
	guint64 declared = 0;
	gboolean ooxml;

	if (depth > ctx->cl->archive_max_depth) {
		problem(ctx, "unsupported", _("%s: archive nested deeper than %u levels"), name,
		        ctx->cl->archive_max_depth);
		return;
	}
	if (declared_entries(data, len) >
	    ctx->cl->archive_max_entries - MIN(ctx->entries, ctx->cl->archive_max_entries)) {
		problem(ctx, "zip-bomb", _("%s: declares more than %u archive entries"), name,
		        ctx->cl->archive_max_entries);
		ctx->abort = TRUE;
		return;
	}
	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (src == NULL) {
		problem(ctx, "unreadable", _("%s: %s"), name, zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return;
	}
	za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (za == NULL) {
		problem(ctx, "malformed", _("%s: not a readable zip archive (%s)"), name,
		        zip_error_strerror(&zerr));
		zip_source_free(src);
		zip_error_fini(&zerr);
		return;
	}
	zip_error_fini(&zerr);
	n = zip_get_num_entries(za, 0);
	ctx->entries += (guint64)MAX(n, 0);
	if (n < 0 || ctx->entries > ctx->cl->archive_max_entries) {
		problem(ctx, "zip-bomb", _("%s: more than %u archive entries"), name,
		        ctx->cl->archive_max_entries);
		ctx->abort = TRUE;
		zip_discard(za);
		return;
	}
	ooxml = zip_name_locate(za, "[Content_Types].xml", ZIP_FL_ENC_RAW) >= 0;
	/* The sizes the archive declares: a bomb usually says what it is, and is refused
	 * here without inflating a byte. Lying sizes are caught by the budget while reading. */
	for (zip_int64_t i = 0; i < n; i++) {
		zip_stat_t st;
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0 &&
		    (st.valid & ZIP_STAT_SIZE) && st.name != NULL &&
		    entry_action(ooxml, st.name) != ENTRY_SKIP)
			declared += st.size;
	}
	if (declared > ctx->budget_left) {
		problem(ctx, "zip-bomb",
		        _("%s: declares %llu MiB uncompressed, over the limit of %llu MiB"), name,
		        (unsigned long long)(declared / MIB),
		        (unsigned long long)(ctx->cl->archive_budget / MIB));
		ctx->abort = TRUE;
		zip_discard(za);
		return;
	}
	for (zip_int64_t i = 0; i < n && !ctx->abort; i++) {
		zip_stat_t st;
		if (zip_stat_index(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) != 0 ||
		    st.name == NULL) {
			problem(ctx, "malformed", _("%s: entry %lld is unreadable"), name,
			        (long long)i);
			continue;
		}
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
		    st.encryption_method != ZIP_EM_NONE) {
			g_autofree gchar *ename = shown_name(st.name);
			problem(ctx, "encrypted", _("%s is encrypted"), ename);
			continue;
		}
		scan_entry(ctx, za, (zip_uint64_t)i, &st, ooxml, depth);
	}
	zip_discard(za);
}

/* An OLE compound file: legacy Office (.doc, .xls, .ppt) or an encrypted OOXML document,
 * which Office stores as an OLE file with "EncryptionInfo" and "EncryptedPackage" streams. */
static void
scan_ole(Ctx *ctx, const guint8 *data, gsize len, const gchar *name)
{
	static const guint8 encrypted[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e";

	if (memmem(data, len, encrypted, sizeof(encrypted) - 1) != NULL)
		problem(ctx, "encrypted", _("%s: password-protected Office document"), name);
	else
		problem(ctx, "unsupported",
		        _("%s: legacy Office (OLE) document, its content is not scanned"), name);
}

/* A whole in-memory stream (an archive entry) classified like a file. */
static void
scan_buffer(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name)
{
	const gchar *what = NULL;
	Kind kind = sniff(data, MIN(len, SNIFF_LEN), len <= SNIFF_LEN, &what);
	Decoder *dec;

	if (opaque(ctx, kind, what, name))
		return;
	switch (kind) {
	case KIND_ZIP:
		scan_zip(ctx, data, len, depth, name);
		return;
	case KIND_OLE:
		scan_ole(ctx, data, len, name);
		return;
	default:
		dec = decoder_new(ctx, kind);
		decoder_feed(dec, data, len);
		if (dec->invalid > 0 && kind != KIND_BINARY)
			add_evidence(ctx, "encoding", FUT_CLASS_NONE, dec->invalid,
			             _("%s: %llu invalid byte sequences skipped"), name,
			             (unsigned long long)dec->invalid);
		decoder_free(dec);
	}
}

/* --- the file ------------------------------------------------------------------------ */

static void
read_label(Ctx *ctx, int fd)
{
	gchar buf[LABEL_MAX];
	ssize_t n = fgetxattr(fd, FUT_CLASSIFY_XATTR, buf, sizeof(buf));
	FutClass c;

	if (n < 0) {
		int e = errno;
		if (e == ENODATA || e == ENOTSUP)
			return;
		if (e == ERANGE)
			problem(ctx, "label", _("unreadable label (longer than %d bytes)"),
			        LABEL_MAX);
		else
			problem(ctx, "label", _("the label cannot be read: %s"), g_strerror(e));
		return;
	}
	c = fut_class_parse(buf, (gsize)n);
	if (c == FUT_CLASS_NONE) {
		problem(ctx, "label", _("unreadable label (not I, II or III)"));
		return;
	}
	ctx->res->label = c;
	add_evidence(ctx, "label", c, 1, _("labelled Class %s"), fut_class_name(c));
}

gboolean
fut_classify_write_label(int fd, FutClass klass, GError **error)
{
	const gchar *v = fut_class_name(klass);
	int rc;

	if (klass == FUT_CLASS_NONE) {
		rc = fremovexattr(fd, FUT_CLASSIFY_XATTR);
		if (rc < 0 && errno == ENODATA)
			rc = 0;
	} else {
		rc = fsetxattr(fd, FUT_CLASSIFY_XATTR, v, strlen(v), 0);
	}
	if (rc < 0) {
		int e = errno;
		if (e == ENOTSUP) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
			            _("the filesystem does not support labels (trusted.* xattrs)"));
			return FALSE;
		}
		if (e == EPERM || e == EACCES) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("only root can set a label: %s"), g_strerror(e));
			return FALSE;
		}
		return fut_error_set_errno(error, e, _("label"));
	}
	return TRUE;
}

static void
hash(Ctx *ctx, const guint8 *data, gsize len)
{
	if (ctx->sha != NULL)
		fut_sha256_update(ctx->sha, data, len);
}

/* Reads the whole file into memory (archives need random access). */
static guint8 *
read_whole(Ctx *ctx, int fd, guint64 size, gsize *ret_len)
{
	g_autofree guint8 *data = NULL;
	gssize n;

	if (size > ctx->cl->archive_limit) {
		problem(ctx, "too-large", _("archive larger than the scan limit of %llu MiB"),
		        (unsigned long long)(ctx->cl->archive_limit / MIB));
		return NULL;
	}
	/* one byte more than fstat said, to notice a file that grew */
	data = g_malloc(size + 1);
	n = pread_full(fd, data, size + 1, 0);
	if (n < 0) {
		problem(ctx, "unreadable", _("read error: %s"), g_strerror((int)-n));
		return NULL;
	}
	if ((guint64)n != size) {
		problem(ctx, "unreadable", _("the file changed while it was read"));
		return NULL;
	}
	*ret_len = (gsize)n;
	return g_steal_pointer(&data);
}

/* Streams a text file through the decoder in chunks; memory stays constant. */
static gboolean
stream_text(Ctx *ctx, int fd, Kind kind, const guint8 *first, gsize first_len)
{
	g_autofree guint8 *buf = NULL;
	Decoder *dec = decoder_new(ctx, kind);
	guint64 off = first_len;
	gboolean ok = TRUE;

	hash(ctx, first, first_len);
	decoder_feed(dec, first, first_len);
	/* a short first read was the end of the file: most files are small, and the
	 * fanotify path should not pay for a megabyte buffer for them */
	if (first_len == SNIFF_LEN)
		buf = g_malloc(READ_CHUNK);
	while (buf != NULL) {
		gssize n = pread_full(fd, buf, READ_CHUNK, off);
		if (n < 0) {
			problem(ctx, "unreadable", _("read error: %s"), g_strerror((int)-n));
			ok = FALSE;
			break;
		}
		if (n == 0)
			break;
		off += (guint64)n;
		if (off > ctx->cl->scan_limit) {
			problem(ctx, "too-large", _("larger than the scan limit of %llu MiB"),
			        (unsigned long long)(ctx->cl->scan_limit / MIB));
			ok = FALSE;
			break;
		}
		hash(ctx, buf, (gsize)n);
		decoder_feed(dec, buf, (gsize)n);
	}
	if (dec->invalid > 0 && kind != KIND_BINARY)
		add_evidence(ctx, "encoding", FUT_CLASS_NONE, dec->invalid,
		             _("%llu invalid byte sequences skipped"),
		             (unsigned long long)dec->invalid);
	decoder_free(dec);
	return ok;
}

/* Only hashes (content we do not scan, but whose digest may be remembered). */
static gboolean
stream_hash(Ctx *ctx, int fd)
{
	g_autofree guint8 *buf = g_malloc(READ_CHUNK);
	guint64 off = 0;

	for (;;) {
		gssize n = pread_full(fd, buf, READ_CHUNK, off);
		if (n < 0) {
			problem(ctx, "unreadable", _("read error: %s"), g_strerror((int)-n));
			return FALSE;
		}
		if (n == 0)
			return TRUE;
		off += (guint64)n;
		if (off > ctx->cl->scan_limit)
			return FALSE;
		hash(ctx, buf, (gsize)n);
	}
}

static gboolean
scan_content(Ctx *ctx, int fd, guint64 size)
{
	guint8 first[SNIFF_LEN];
	gssize n = pread_full(fd, first, sizeof(first), 0);
	g_autofree guint8 *whole = NULL;
	gsize whole_len = 0;
	const gchar *what = NULL;
	Kind kind;

	if (n < 0) {
		problem(ctx, "unreadable", _("read error: %s"), g_strerror((int)-n));
		return FALSE;
	}
	kind = sniff(first, (gsize)n, (gsize)n < sizeof(first), &what);
	switch (kind) {
	case KIND_ZIP:
	case KIND_OLE:
		whole = read_whole(ctx, fd, size, &whole_len);
		if (whole == NULL)
			return FALSE;
		hash(ctx, whole, whole_len);
		if (kind == KIND_ZIP)
			scan_zip(ctx, whole, whole_len, 0, _("the archive"));
		else
			scan_ole(ctx, whole, whole_len, _("the file"));
		return TRUE;
	case KIND_PDF:
	case KIND_COMPRESSED:
	case KIND_ENCRYPTED:
		opaque(ctx, kind, what, _("the file"));
		return ctx->sha != NULL ? stream_hash(ctx, fd) : FALSE;
	default:
		return stream_text(ctx, fd, kind, first, (gsize)n);
	}
}

static gboolean
any_word(const FutClassifier *cl, const FutScanner *scan, FutWordRole role)
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
	FutClassifier *cl = ctx->cl;
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
			add_evidence(ctx, "mynumber", FUT_CLASS_I, scan->mynumber_valid,
			             _("%llu My Number(s) with a valid check digit (first %s)%s"),
			             (unsigned long long)scan->mynumber_valid, masked,
			             mn_kw ? _(", with a My Number keyword") : "");
		else if (random_like && mn_thr > 0 && scan->mynumber_valid >= mn_thr)
			add_evidence(
			    ctx, "mynumber", FUT_CLASS_NONE, scan->mynumber_valid,
			    _("%llu of %llu 12-digit numbers pass the My Number check digit "
			      "(%u%%, first %s): as random numbers do, and no My Number "
			      "keyword"),
			    (unsigned long long)scan->mynumber_valid, (unsigned long long)all,
			    percent, masked);
		else
			add_evidence(ctx, "mynumber", FUT_CLASS_NONE, scan->mynumber_valid,
			             _("%llu 12-digit number(s) with a valid My Number check digit "
			               "(first %s)%s: below the threshold"),
			             (unsigned long long)scan->mynumber_valid, masked,
			             mn_kw ? _(", with a My Number keyword") : "");
	}
	if (scan->resident_valid > 0) {
		g_autofree gchar *masked = fut_mask_digits(scan->resident_first);
		gboolean hit = rc_thr > 0 && scan->resident_valid >= rc_thr;
		add_evidence(ctx, "resident-code", hit ? FUT_CLASS_I : FUT_CLASS_NONE,
		             scan->resident_valid,
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
			add_evidence(ctx, "marking", FUT_CLASS_II, c,
			             _("marking \"%s\" found %llu time(s)"), w,
			             (unsigned long long)c);
		else
			add_evidence(ctx, "marking", FUT_CLASS_NONE, c,
			             _("\"%s\" found %llu time(s), below the threshold of %u"), w,
			             (unsigned long long)c, cl->word_thr[i]);
	}
}

static gint
evidence_cmp(gconstpointer a, gconstpointer b)
{
	const FutEvidence *x = *(FutEvidence *const *)a;
	const FutEvidence *y = *(FutEvidence *const *)b;
	/* strictest first; NONE (informational) last */
	guint kx = x->klass == FUT_CLASS_NONE ? 4 : x->klass;
	guint ky = y->klass == FUT_CLASS_NONE ? 4 : y->klass;

	return (gint)kx - (gint)ky;
}

FutClassification *
fut_classifier_classify_fd(FutClassifier *self, int fd, const gchar *path, FutClassifyFlags flags)
{
	FutClassification *res = g_new0(FutClassification, 1);
	Ctx ctx = {0};
	struct stat st;
	gboolean complete = FALSE;
	const gchar *pattern = NULL;
	FutClass c;

	res->evidence = g_ptr_array_new_with_free_func(evidence_free);
	ctx.cl = self;
	ctx.res = res;
	ctx.budget_left = self->archive_budget;
	fut_scanner_init(&ctx.scan, self->words);

	if (fstat(fd, &st) < 0) {
		problem(&ctx, "unreadable", _("cannot stat the file: %s"), g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(&ctx, "unreadable", _("not a regular file"));
		goto out;
	}
	res->size = (guint64)st.st_size;
	read_label(&ctx, fd);

	c = fut_path_rules_match(self->rules, path, &pattern);
	if (c != FUT_CLASS_NONE) {
		g_autofree gchar *safe = fut_strescape(pattern, -1);
		add_evidence(&ctx, "path-rule", c, 1, _("path matches policy rule \"%s\""), safe);
	}

	if (res->size > self->scan_limit) {
		problem(&ctx, "too-large", _("larger than the scan limit of %llu MiB: not scanned"),
		        (unsigned long long)(self->scan_limit / MIB));
		goto out;
	}
	if ((flags & FUT_CLASSIFY_FLAG_DIGEST) ||
	    (self->store != NULL && fut_labelstore_get_size(self->store) > 0))
		ctx.sha = fut_sha256_new();
	complete = scan_content(&ctx, fd, res->size);
	fut_scanner_finish(&ctx.scan);
	judge_detectors(&ctx);
	if (ctx.sha != NULL && complete) {
		fut_sha256_finish(ctx.sha, res->digest);
		res->has_digest = TRUE;
		if (self->store != NULL) {
			/* root's entries, and the file owner's own (issue 16 item 7) */
			c = fut_labelstore_lookup_owner(self->store, res->digest,
			                                (guint32)st.st_uid);
			if (c != FUT_CLASS_NONE)
				add_evidence(&ctx, "label-memory", c, 1,
				             _("same content as a file labelled Class %s"),
				             fut_class_name(c));
		}
	}
out:
	if (ctx.problems_dropped > 0)
		add_evidence(&ctx, "unreadable", FUT_CLASS_II, ctx.problems_dropped,
		             _("%u more problem(s) not listed"), ctx.problems_dropped);
	g_clear_pointer(&ctx.sha, fut_sha256_free);
	res->klass = FUT_CLASS_NONE;
	for (guint i = 0; i < res->evidence->len; i++) {
		FutEvidence *e = g_ptr_array_index(res->evidence, i);
		res->klass = fut_class_max(res->klass, e->klass);
	}
	if (res->klass == FUT_CLASS_NONE)
		res->klass = FUT_CLASS_III;
	g_ptr_array_sort(res->evidence, evidence_cmp);
	return res;
}

gboolean
fut_classifier_classify_fd_cb(
    int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	g_autoptr(FutClassification) c = fut_classifier_classify_fd(user_data, fd, path, 0);

	*ret_class = (guint)c->klass;
	return TRUE;
}

/* --- rendering ----------------------------------------------------------------------- */

/* Descriptions are built from escaped parts only; check rather than escape twice (which
 * would double every backslash of a file name), and escape if a part ever slipped through. */
static gchar *
safe_text(const gchar *s)
{
	if (!g_utf8_validate(s, -1, NULL))
		return fut_strescape(s, -1);
	for (const gchar *p = s; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return fut_strescape(s, -1);
	}
	return g_strdup(s);
}

gchar *
fut_classification_to_text(const FutClassification *c, const gchar *display_name)
{
	g_autofree gchar *name = fut_strescape(display_name, -1);
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, _("%s: Class %s\n"), name, fut_class_name(c->klass));
	if (c->evidence->len == 0)
		g_string_append(out, _("  no personal data, markings or rules found\n"));
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		g_autofree gchar *d = safe_text(e->description);
		if (e->klass == FUT_CLASS_NONE)
			g_string_append_printf(out, "  %-14s %s\n", e->rule, d);
		else
			g_string_append_printf(out, "  %-14s %s (Class %s)\n", e->rule, d,
			                       fut_class_name(e->klass));
	}
	return g_string_free(out, FALSE);
}

JsonNode *
fut_classification_to_json(const FutClassification *c, const gchar *display_name)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree gchar *name = fut_strescape(display_name, -1);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "class");
	json_builder_add_string_value(b, fut_class_name(c->klass));
	json_builder_set_member_name(b, "size");
	json_builder_add_int_value(b, (gint64)c->size);
	if (c->has_digest) {
		g_autofree gchar *hex = fut_hex_encode(c->digest, FUT_SHA256_LEN);
		json_builder_set_member_name(b, "sha256");
		json_builder_add_string_value(b, hex);
	}
	if (c->label != FUT_CLASS_NONE) {
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, fut_class_name(c->label));
	}
	json_builder_set_member_name(b, "evidence");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		g_autofree gchar *d = safe_text(e->description);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "rule");
		json_builder_add_string_value(b, e->rule);
		json_builder_set_member_name(b, "class");
		if (e->klass == FUT_CLASS_NONE)
			json_builder_add_null_value(b);
		else
			json_builder_add_string_value(b, fut_class_name(e->klass));
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)e->count);
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, d);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
