/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <time.h>

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "content-private.h"
#include "errors.h"
#include "util.h"

/* The [classify] group: limits, thresholds and words of the content scan. */

/* Defaults (docs/classification.md explains each). */
#define DEFAULT_SCAN_LIMIT        (256 * MIB)
#define DEFAULT_ARCHIVE_LIMIT     (64 * MIB)
#define DEFAULT_ARCHIVE_BUDGET    (256 * MIB)
#define DEFAULT_ARCHIVE_RATIO     100
#define DEFAULT_ARCHIVE_ENTRIES   10000
#define DEFAULT_ARCHIVE_DEPTH     2
#define DEFAULT_MYNUMBER_THR      1
#define DEFAULT_MYNUMBER_THR_BARE 3
#define DEFAULT_MYNUMBER_PERCENT  25
#define DEFAULT_RESIDENT_THR      1
#define DEFAULT_RESIDENT_THR_BARE 0

static const gchar *const default_mynumber_words[] = {"個人番号", "マイナンバー", "ﾏｲﾅﾝﾊﾞｰ", NULL};
static const gchar *const default_resident_words[] = {"住民票コード", "住民票ｺｰﾄﾞ", NULL};
/* word[:threshold]: the markings Japanese public offices write on documents (see
 * docs/classification.md). Each is also matched spaced out (極　秘, 極 秘) and in Shift_JIS
 * and EUC-JP (detect.c). "個人情報" alone is common in privacy notices, hence its threshold. */
static const gchar *const default_marking_words[] = {
    "取扱注意", "取扱い注意", "取り扱い注意", "取扱厳重注意", "取扱い厳重注意", "取り扱い厳重注意",
    "部外秘",   "関係者外秘", "庁外秘",       "局外秘",       "課外秘",         "社外秘",
    "部内限り", "庁内限り",   "関係者限り",   "極秘",         "厳秘",           "マル秘",
    "【秘】",   "（秘）",     "(秘)",         "㊙",           "機密",           "個人情報:3",
    NULL,
};

/* Charsets mail names in RFC 2047 headers and parts (GMime converts them): their gconv
 * modules are loaded before the worker's sandbox, which refuses the open a later load would
 * make. Without this a Shift_JIS-encoded subject 【極秘】 was found in process and missed
 * in the worker (tests/integration/agent-classify-formats.sh). Japanese first, then what
 * mail from abroad commonly uses; UTF-8 and ISO-8859-1 are built into the C library. */
static const gchar *const mail_charsets[] = {
    "SHIFT_JIS", "EUC-JP-MS", "ISO-2022-JP-3", "UTF-7",   "WINDOWS-1252", "ISO-8859-15",
    "GB18030",   "GBK",       "BIG5",          "EUC-KR",  "ISO-2022-KR",  "KOI8-R",
    "CP1251",    "UTF-16LE",  "UTF-32",        "TIS-620",
};

static const gchar *const known_keys[] = {
    "scan-limit",
    "archive-limit",
    "archive-budget",
    "archive-max-ratio",
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

static void
drop_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user_data)
{
}

/* GMime keeps global tables: set up once, before any scan. */
static void
init_readers(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		/* poppler-glib reports syntax errors of the documents it reads through
		 * g_log: a library must not log, and the text is the document's */
		g_log_set_handler("Poppler",
		                  G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
		                  drop_log, NULL);
		g_once_init_leave(&done, 1);
	}
}

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
add_words(FutContentConfig *self,
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

/* What a scan may need from files, loaded now (see fut_content_config_new()). */
static void
preload(FutContentConfig *self)
{
	self->keep_cp932 = g_iconv_open("UTF-8", "CP932");
	self->keep_utf16 = g_iconv_open("UTF-8", "UTF-16"); /* UTF-16LE and BE are there too */
	self->keep_eucjp = g_iconv_open("UTF-8", "EUC-JP"); /* the word forms */
	self->keep_iso2022jp = g_iconv_open("UTF-8", "ISO-2022-JP");
	G_STATIC_ASSERT(G_N_ELEMENTS(mail_charsets) == G_N_ELEMENTS(self->keep_mail));
	for (guint i = 0; i < G_N_ELEMENTS(mail_charsets); i++)
		self->keep_mail[i] = g_iconv_open("UTF-8", mail_charsets[i]);
	self->keep_pdf = content_pdf_keep_params();
	/* load the message catalog and the time zone (libzip converts entry times) now,
	 * for the same reason */
	(void)_("not a regular file");
	tzset();
}

static FutContentConfig *
config_new(GKeyFile *kf, gboolean lazy, GError **error)
{
	g_autoptr(FutContentConfig) self = g_new0(FutContentConfig, 1);

	self->scan_limit = DEFAULT_SCAN_LIMIT;
	self->archive_limit = DEFAULT_ARCHIVE_LIMIT;
	self->archive_budget = DEFAULT_ARCHIVE_BUDGET;
	self->archive_max_ratio = DEFAULT_ARCHIVE_RATIO;
	self->archive_max_entries = DEFAULT_ARCHIVE_ENTRIES;
	self->archive_max_depth = DEFAULT_ARCHIVE_DEPTH;
	self->mynumber_thr = DEFAULT_MYNUMBER_THR;
	self->mynumber_thr_bare = DEFAULT_MYNUMBER_THR_BARE;
	self->mynumber_min_percent = DEFAULT_MYNUMBER_PERCENT;
	self->resident_thr = DEFAULT_RESIDENT_THR;
	self->resident_thr_bare = DEFAULT_RESIDENT_THR_BARE;
	self->words = fut_scan_words_new();
	self->keep_cp932 = self->keep_utf16 = self->keep_eucjp = self->keep_iso2022jp = (GIConv)-1;
	for (guint i = 0; i < G_N_ELEMENTS(self->keep_mail); i++)
		self->keep_mail[i] = (GIConv)-1;
	if (!lazy)
		preload(self);
	init_readers();

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
		    !get_count(kf, "archive-max-ratio", 100000, &self->archive_max_ratio, error) ||
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
	return g_steal_pointer(&self);
}

FutContentConfig *
fut_content_config_new(GKeyFile *kf, GError **error)
{
	return config_new(kf, FALSE, error);
}

FutContentConfig *
fut_content_config_new_lazy(GKeyFile *kf, GError **error)
{
	return config_new(kf, TRUE, error);
}

void
fut_content_config_free(FutContentConfig *self)
{
	if (self == NULL)
		return;
	fut_scan_words_free(self->words);
	if (self->keep_cp932 != (GIConv)-1)
		g_iconv_close(self->keep_cp932);
	if (self->keep_utf16 != (GIConv)-1)
		g_iconv_close(self->keep_utf16);
	if (self->keep_eucjp != (GIConv)-1)
		g_iconv_close(self->keep_eucjp);
	if (self->keep_iso2022jp != (GIConv)-1)
		g_iconv_close(self->keep_iso2022jp);
	for (guint i = 0; i < G_N_ELEMENTS(self->keep_mail); i++) {
		if (self->keep_mail[i] != (GIConv)-1)
			g_iconv_close(self->keep_mail[i]);
	}
	g_clear_object(&self->keep_pdf);
	g_free(self);
}

void
fut_content_config_set_map_files(FutContentConfig *self, gboolean map_files)
{
	self->map_files = map_files;
}

void
fut_content_config_set_split_scan(FutContentConfig *self, guint parts)
{
	self->split_parts = MIN(parts, FUT_SPLIT_PARTS_MAX);
}

guint64
fut_content_config_get_scan_limit(const FutContentConfig *self)
{
	return self->scan_limit;
}
